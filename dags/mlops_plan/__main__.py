"""python3 -m mlops_plan [--specs DIR] [--env local|dev|prod] [--dag-id ID | --list]

Prints the plan of one DAG (or of every DAG) as JSON: what the local executor
(`mlops pipeline run`) runs and what the Airflow layer turns into operators.
Exit codes as the jobs': 0 done, 2 bad usage or a spec/environment the plan cannot be built from.
"""

import argparse
import json
import sys

from .plan import PlanError, all_plans, env_file, specs_dir


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m mlops_plan", description="Print the pipeline plans derived from the model specs.")
    ap.add_argument("--specs", default=None, help="directory of model specs (default: $MLOPS_SPECS_DIR or dags/models)")
    ap.add_argument("--env", default="local", help="environment: local (no Kubernetes) or a dags/environments/<env>.yaml (default: local)")
    ap.add_argument("--dag-id", default=None, help="print only this DAG's plan")
    ap.add_argument("--list", action="store_true", help="print the DAG ids, one per line")
    a = ap.parse_args(argv)
    try:
        plans = all_plans(a.specs or specs_dir(), env_file(a.env))
    except PlanError as e:
        print("mlops_plan: bad usage or config: %s" % e, file=sys.stderr)
        return 2
    if a.list:
        for p in plans:
            print(p["dag_id"])
        return 0
    if a.dag_id:
        match = [p for p in plans if p["dag_id"] == a.dag_id]
        if not match:
            print("mlops_plan: bad usage or config: no DAG %r; expected one of %s" % (a.dag_id, ", ".join(p["dag_id"] for p in plans)),
                  file=sys.stderr)
            return 2
        json.dump(match[0], sys.stdout, indent=2)
    else:
        json.dump(plans, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
