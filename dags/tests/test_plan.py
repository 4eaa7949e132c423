"""The plan layer, with Python's unittest only (no Airflow): python3 -m unittest discover -s dags/tests -t dags"""

import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

DAGS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, DAGS)

from mlops_plan import plan  # noqa: E402

SPECS = os.path.join(DAGS, "models")
IMAGES = os.path.join(os.path.dirname(DAGS), "images")


def by_id(p):
    return {t["task_id"]: t for t in p["tasks"]}


class PlansTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dev = {p["dag_id"]: p for p in plan.all_plans(SPECS, plan.env_file("dev"))}
        cls.local = {p["dag_id"]: p for p in plan.all_plans(SPECS, None)}

    def test_three_dags_per_model(self):
        models = sorted(n[:-5] for n in os.listdir(SPECS) if n.endswith(".yaml"))
        self.assertEqual(sorted(self.dev), sorted("%s_%s" % (m, k) for m in models for k in ("daily", "retrain", "backfill")))

    def test_daily_order_and_semantics(self):
        p = self.dev["zone_demand_daily"]
        t = by_id(p)
        self.assertEqual([x["task_id"] for x in p["tasks"]],
                         ["ingest", "validate", "features", "transform", "shadow", "promote", "quality", "retrain_decision", "trigger_retrain"])
        self.assertEqual(t["validate"]["upstream"], ["ingest"])
        self.assertEqual(t["promote"]["upstream"], ["shadow"])
        # quality runs when transform was skipped (no production version yet): it decides the first training
        self.assertEqual(t["quality"]["upstream"], ["transform"])
        self.assertEqual(t["quality"]["trigger_rule"], "none_failed")
        self.assertEqual(t["retrain_decision"]["condition"], {"task": "quality", "path": ["decisions", 0, "retrain"], "equals": True})
        self.assertEqual(t["trigger_retrain"]["trigger_dag_id"], "zone_demand_retrain")
        self.assertTrue(p["catchup"])
        self.assertEqual(p["max_active_runs"], 1)
        for task in p["tasks"]:
            if task["kind"] == "job":
                self.assertEqual(task["skip_on_exit_code"], [100], task["task_id"])
                self.assertEqual(task["arguments"], ["--model", "zone_demand", "--date", "{{ ds }}"])
                self.assertTrue(task["retry_exponential_backoff"])
                self.assertGreaterEqual(task["retries"], 1)

    def test_schedules_come_from_the_spec(self):
        self.assertEqual(self.dev["zone_demand_daily"]["schedule"], "0 5 * * *")
        self.assertEqual(self.dev["zone_demand_retrain"]["schedule"], "0 2 * * *")
        self.assertEqual(self.dev["trip_risk_retrain"]["schedule"], "0 2 * * 0")
        self.assertIsNone(self.dev["zone_demand_backfill"]["schedule"])
        self.assertEqual(self.dev["zone_demand_daily"]["dagrun_timeout_s"], 6 * 3600)

    def test_kubernetes_fields_from_the_environment(self):
        t = by_id(self.dev["zone_demand_retrain"])["train"]
        self.assertEqual(t["image"], "111111111111.dkr.ecr.eu-west-1.amazonaws.com/mlops-train:0.1.0-SNAPSHOT")
        self.assertEqual(t["service_account"], "mlops-train")
        self.assertEqual(t["node_selector"], {"karpenter.sh/capacity-type": "spot"})
        self.assertEqual(t["tolerations"][0]["key"], "spot")
        self.assertEqual(t["pool"], "sagemaker")
        self.assertEqual(t["resources"]["requests"], {"cpu": "2", "memory": "8Gi"})
        self.assertEqual(t["execution_timeout_s"], 6 * 3600)
        self.assertEqual(t["env_vars"]["MLOPS_ENV"], "aws")
        self.assertIn("mlops-metadata-db", t["secret_env"])
        local = by_id(self.local["zone_demand_retrain"])["train"]
        self.assertEqual(local["image"], "mlops-train:local")

    def test_every_image_exists(self):
        for p in self.dev.values():
            for t in p["tasks"]:
                if t["kind"] == "job":
                    self.assertTrue(os.path.isfile(os.path.join(IMAGES, t["job"], "Dockerfile")), t["job"])

    def test_retrain_params_and_templates(self):
        p = self.dev["zone_demand_retrain"]
        self.assertEqual(p["params"]["window"]["default"], "14d")
        self.assertEqual(p["params"]["backend"]["enum"], ["local", "sagemaker"])
        train = by_id(p)["train"]
        ctx = {"ds": "2024-03-05", "ds_nodash": "20240305", "run_id": "manual__1",
               "params": {"date": None, "window": "21d", "backend": "sagemaker", "tune": True, "force": False,
                          "hyperparameters": {"max_depth": 4, "eta": 0.05}}}
        rendered = [plan.render(a, ctx) for a in train["arguments"]]
        self.assertEqual(rendered, ["--model", "zone_demand", "--date", "2024-03-05", "--backend", "sagemaker", "--window", "21d",
                                    "--tune=true", "--wait-for-shadow", "--force=false", "--hyperparameters", '{"eta": 0.05, "max_depth": 4}'])
        ctx["params"]["date"] = "2024-02-01"
        self.assertEqual(plan.render(train["arguments"][3], ctx), "2024-02-01")

    def test_templates_outside_the_shared_language_are_refused(self):
        p = copy.deepcopy(self.dev["zone_demand_daily"])
        by_id(p)["ingest"]["arguments"].append("{{ macros.ds_add(ds, 1) }}")
        with self.assertRaisesRegex(ValueError, "not supported"):
            plan.check(p)
        p = copy.deepcopy(self.dev["zone_demand_daily"])
        by_id(p)["ingest"]["arguments"].append("{{ params.nope }}")
        with self.assertRaisesRegex(ValueError, "does not declare"):
            plan.check(p)
        p = copy.deepcopy(self.dev["zone_demand_daily"])
        p["tasks"].reverse()
        with self.assertRaisesRegex(ValueError, "must come earlier"):
            plan.check(p)

    def test_render_matches_jinja_when_available(self):
        try:
            import jinja2
        except ImportError:
            self.skipTest("jinja2 not installed (Debian: python3-jinja2)")
        env = jinja2.Environment()
        env.policies["json.dumps_kwargs"] = {"sort_keys": True}
        ctx = {"ds": "2024-03-05", "ds_nodash": "20240305", "run_id": "r1",
               "params": {"date": None, "tune": False, "hyperparameters": {"b": 1, "a": [1, 2]}, "from": "2024-01-01"}}
        for t in ["{{ ds }}", "{{ params.date or ds }}", "--tune={{ params.tune | lower }}", "{{ params.hyperparameters | tojson }}",
                  "{{ ds_nodash }}-{{ run_id }}", "{{ params['from'] }}" if False else "{{ ds }}"]:
            class P(dict):
                __getattr__ = dict.get
            jctx = dict(ctx, params=P(ctx["params"]))
            self.assertEqual(plan.render(t, ctx), env.from_string(t).render(jctx), t)

    def test_bad_specs_name_file_key_and_expectation(self):
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        path = os.path.join(d, "m.yaml")
        with open(path, "w") as f:
            f.write("model: m\nschedule: {daily: 'every day'}\n")
        with self.assertRaises(plan.PlanError) as e:
            plan.all_plans(d, None)
        self.assertIn("m.yaml: schedule.daily: a cron expression", str(e.exception))
        with open(path, "w") as f:
            f.write("model: m\nschedule: {deadline: soon}\n")
        with self.assertRaisesRegex(plan.PlanError, "schedule.deadline: a duration"):
            plan.all_plans(d, None)
        with open(path, "w") as f:
            f.write("model: [1]\n")
        with self.assertRaisesRegex(plan.PlanError, "m.yaml: model: a lower-case name"):
            plan.all_plans(d, None)

    def test_spark_settings_per_task_and_per_model_become_set_arguments(self):
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        with open(plan.env_file("dev"), encoding="utf-8") as f:
            dev = f.read()
        path = os.path.join(d, "cluster.yaml")
        with open(path, "w") as f:
            f.write(dev.replace(
                "  features:  {cpu: \"2\", memory: 8Gi, node_pool: default, retries: 3, timeout: 2h}",
                "  features:  {cpu: \"2\", memory: 8Gi, node_pool: default, retries: 3, timeout: 2h,\n"
                "              spark: {master: \"k8s://https://kubernetes.default.svc\", driver_port: 7078,\n"
                "                      conf: {spark.executor.instances: 2, spark.executor.memory: 4g}}}")
                    + "models:\n  zone_demand:\n    jobs:\n      features: {spark: {conf: {spark.executor.instances: 8}}}\n"
                    + "  trip_risk:\n    spark: {master: \"spark://spark-master.data:7077\"}\n")
        plans = {p["dag_id"]: p for p in plan.all_plans(SPECS, plan.load_env(path))}

        def sets(dag, task):
            args = by_id(plans[dag])[task]["arguments"]
            return [args[i + 1] for i, a in enumerate(args) if a == "--set"]

        # per task: features on Kubernetes, its executors on the task's own image, service account and namespace;
        # per model: zone_demand's features has more executors; the job's own arguments stay first
        self.assertEqual(sets("zone_demand_daily", "features"), [
            "spark.master=k8s://https://kubernetes.default.svc", "spark.driver_port=7078",
            "spark.image=111111111111.dkr.ecr.eu-west-1.amazonaws.com/mlops-features:0.1.0-SNAPSHOT",
            "spark.namespace=mlops", "spark.service_account=mlops-features",
            "spark.conf.spark.executor.instances=8", "spark.conf.spark.executor.memory=4g"])
        self.assertEqual(by_id(plans["zone_demand_daily"])["features"]["arguments"][:4], ["--model", "zone_demand", "--date", "{{ ds }}"])
        self.assertIn("spark.conf.spark.executor.instances=8", sets("zone_demand_backfill", "features"))
        # the model's master wins over the task's: trip_risk's features on its standalone cluster (no Kubernetes defaults)
        self.assertEqual(sets("trip_risk_daily", "features"), [
            "spark.master=spark://spark-master.data:7077", "spark.driver_port=7078",
            "spark.conf.spark.executor.instances=2", "spark.conf.spark.executor.memory=4g"])
        # per model, every task: trip_risk's other jobs on a standalone cluster (no Kubernetes defaults)
        self.assertEqual(sets("trip_risk_daily", "transform"), ["spark.master=spark://spark-master.data:7077"])
        self.assertEqual(sets("trip_risk_retrain", "train"), ["spark.master=spark://spark-master.data:7077"])
        # nothing configured: the job's Spark stays in its pod
        self.assertEqual(sets("zone_demand_daily", "transform"), [])
        self.assertEqual(sets("zone_demand_daily", "ingest"), [])
        self.assertFalse(any("--set" in t.get("arguments", []) for p in self.dev.values() for t in p["tasks"]))

        with open(path, "a") as f:
            f.write("    jobs: {train: {spark: {executors: 3}}}\n")
        with self.assertRaisesRegex(plan.PlanError, "cluster.yaml: models.trip_risk.jobs.train.spark.executors: one of master, "):
            plan.all_plans(SPECS, plan.load_env(path))

    def test_cli_prints_one_plan_and_fails_with_2_on_unknown_dag(self):
        out = subprocess.run([sys.executable, "-m", "mlops_plan", "--dag-id", "trip_risk_daily"], cwd=DAGS, capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(json.loads(out.stdout)["dag_id"], "trip_risk_daily")
        bad = subprocess.run([sys.executable, "-m", "mlops_plan", "--dag-id", "nope"], cwd=DAGS, capture_output=True, text=True)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("no DAG 'nope'; expected one of", bad.stderr)

    def test_parse_time_reads_no_network_database_or_variables(self):
        with open(os.path.join(DAGS, "mlops_plan", "plan.py"), encoding="utf-8") as f:
            src = f.read()
        imports = re.findall(r"^\s*(?:import|from)\s+([a-zA-Z0-9_.]+)", src, re.M)
        self.assertEqual(sorted(set(imports)), ["hashlib", "json", "os", "re", "yaml"])
        self.assertNotIn("Variable.get", src)

if __name__ == "__main__":
    unittest.main()
