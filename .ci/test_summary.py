#!/usr/bin/env python3
"""Prints what `make test` ran: per module run / failed / skipped, the ten slowest test classes, and a
closing line `N passed, N failed`. Reads the surefire and failsafe XML reports under jobs/*/target and the
DAG tests' counts from unittest's output, which `make dags-test` keeps in target/dags-tests.log.
Standard library only.

usage: test_summary.py [REPO]   (exit 0; the caller keeps the build's exit code)
"""
import glob
import re
import os
import sys
import xml.etree.ElementTree as ET


def main(repo):
    modules = {}
    classes = []
    for path in sorted(glob.glob(os.path.join(repo, "jobs", "*", "target", "*-reports", "TEST-*.xml"))):
        module = path.split(os.sep)[-4]
        try:
            suite = ET.parse(path).getroot()
        except ET.ParseError:
            continue
        run = int(suite.get("tests", 0))
        failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped = int(suite.get("skipped", 0))
        m = modules.setdefault(module, [0, 0, 0])
        m[0] += run
        m[1] += failed
        m[2] += skipped
        classes.append((float(suite.get("time", 0) or 0), module, suite.get("name", "?").split(".")[-1]))
    dags = os.path.join(repo, "target", "dags-tests.log")
    if os.path.exists(dags):
        with open(dags) as f:
            text = f.read()
        ran = re.findall(r"^Ran (\d+) tests? in", text, re.M)
        if ran:
            count = lambda key: sum(int(n) for n in re.findall(r"\b%s=(\d+)" % key, text))
            modules["dags (python)"] = [sum(int(n) for n in ran), count("failures") + count("errors"), count("skipped")]
    if not modules:
        print("test summary: no test reports found")
        return
    width = max(len(k) for k in modules)
    print()
    print("== test summary")
    print("%-*s %6s %7s %8s" % (width, "module", "run", "failed", "skipped"))
    total = [0, 0, 0]
    for name in sorted(modules):
        run, failed, skipped = modules[name]
        total = [total[0] + run, total[1] + failed, total[2] + skipped]
        print("%-*s %6d %7d %8d" % (width, name, run, failed, skipped))
    print("%-*s %6d %7d %8d" % (width, "total", total[0], total[1], total[2]))
    print()
    print("slowest test classes:")
    for secs, module, name in sorted(classes, reverse=True)[:10]:
        print("  %7.1f s  %s (%s)" % (secs, name, module))
    print()
    print("%d passed, %d failed" % (total[0] - total[1] - total[2], total[1]))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
