#!/usr/bin/env python3
"""Trims the SageMaker API model to the operations SageMakerStandIn serves (see README.md here).

usage: trim_model.py <aws-sdk>/apis/sagemaker-2017-07-24.min.json <botocore>/data/sagemaker/2017-07-24/service-2.json[.gz] OUT

The structure (operations, members, required, member types, inline shapes and shared "Sxx" shapes) is the
aws-sdk (JavaScript v2) min.json's. That file drops every value constraint, so min, max, pattern, enum and
union are copied in from botocore's full model of the same API, matched member by member from each operation's
input and output. Standard library only.
"""
import copy
import gzip
import json
import sys

OPERATIONS = [
    "CreateTrainingJob", "DescribeTrainingJob", "StopTrainingJob",
    "CreateHyperParameterTuningJob", "DescribeHyperParameterTuningJob",
    "CreateModelPackageGroup", "DescribeModelPackageGroup",
    "CreateModelPackage", "UpdateModelPackage", "DescribeModelPackage",
    "CreateModel", "CreateTransformJob", "DescribeTransformJob",
    "UpdateEndpoint", "DescribeEndpoint", "CreateEndpointConfig",
]
CONSTRAINTS = ("min", "max", "pattern", "enum", "union")


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)


class Trimmer:
    def __init__(self, js, boto):
        self.js_shapes = js["shapes"]
        self.boto_shapes = boto["shapes"]
        self.out_shapes = {}  # shared shape name -> enriched shape
        self.origin = {}  # shared shape name -> the botocore shape it was enriched from
        self.unmatched = set()  # member paths min.json has and botocore does not

    def node(self, js_node, boto_name, path):
        """An enriched copy of a min.json shape node (inline, or a reference to a shared shape)."""
        if "shape" in js_node:
            ref = js_node["shape"]
            name = ref
            if ref in self.origin and self.origin[ref] != boto_name:
                # the same min.json shape stands for two botocore shapes: keep them apart if they differ
                candidate = self.enrich(self.js_shapes[ref], boto_name, path)
                if candidate == self.out_shapes[ref]:
                    return {"shape": ref}
                name = ref + "_" + (boto_name or "unmatched")
                if name not in self.out_shapes:
                    self.out_shapes[name] = candidate
                return {"shape": name}
            if ref not in self.origin:
                self.origin[ref] = boto_name
                self.out_shapes[ref] = None  # recursion guard
                self.out_shapes[ref] = self.enrich(self.js_shapes[ref], boto_name, path)
            return {"shape": ref}
        return self.enrich(js_node, boto_name, path)

    def enrich(self, js_shape, boto_name, path):
        boto = self.boto_shapes.get(boto_name) if boto_name else None
        out = {k: copy.deepcopy(v) for k, v in js_shape.items() if k not in ("members", "member", "key", "value")}
        if boto:
            for k in CONSTRAINTS:
                if k in boto:
                    out[k] = boto[k]
            if "type" not in out and boto.get("type") != "structure":
                out["type"] = boto["type"]
        kind = js_shape.get("type", "string")
        if kind == "structure":
            members = {}
            boto_members = boto.get("members", {}) if boto else {}
            for m, sub in js_shape.get("members", {}).items():
                bm = boto_members.get(m, {}).get("shape")
                if bm is None:
                    self.unmatched.add(path + "." + m)
                members[m] = self.node(sub, bm, path + "." + m)
            out["members"] = members
        elif kind == "list":
            out["member"] = self.node(js_shape["member"], (boto or {}).get("member", {}).get("shape"), path + "[]")
        elif kind == "map":
            out["key"] = self.node(js_shape["key"], (boto or {}).get("key", {}).get("shape"), path + "{key}")
            out["value"] = self.node(js_shape["value"], (boto or {}).get("value", {}).get("shape"), path + "{}")
        return out


def main(js_path, boto_path, out_path):
    js, boto = load(js_path), load(boto_path)
    t = Trimmer(js, boto)
    ops = {}
    for op in OPERATIONS:
        js_op, boto_op = js["operations"][op], boto["operations"][op]
        ops[op] = {}
        for io in ("input", "output"):
            if io in js_op:
                ops[op][io] = t.node(js_op[io], boto_op.get(io, {}).get("shape"), op + "." + io)
    shapes = {k: t.out_shapes[k] for k in sorted(t.out_shapes)}
    trimmed = {"version": js["version"], "metadata": js["metadata"], "operations": ops, "shapes": shapes}
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(trimmed, f, indent=1, sort_keys=False)
        f.write("\n")
    print(f"{len(ops)} operations, {len(shapes)} shared shapes -> {out_path}")
    for p in sorted(t.unmatched):
        print("no botocore constraints for", p)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
