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
                         ["ingest", "validate", "features", "transform", "shadow", "promote", "quality", "retrain_decision", "trigger_retrain",
                          "audit_export", "audit_anchor"])
        self.assertEqual([x["task_id"] for x in self.local["zone_demand_daily"]["tasks"]][-1], "trigger_retrain")
        self.assertEqual(t["validate"]["upstream"], ["ingest"])
        self.assertEqual(t["promote"]["upstream"], ["shadow"])
        # quality runs when transform was skipped (no production version yet): it decides the first training
        self.assertEqual(t["quality"]["upstream"], ["transform"])
        self.assertEqual(t["quality"]["trigger_rule"], "none_failed")
        self.assertEqual(t["retrain_decision"]["condition"], {"task": "quality", "path": ["decisions", 0, "retrain"], "equals": True})
        self.assertEqual(t["trigger_retrain"]["trigger_dag_id"], "zone_demand_retrain")
        self.assertEqual(t["trigger_retrain"]["conf"]["date"], "{{ data_date }}")  # the retrain trains for this run's data date
        self.assertEqual(t["audit_anchor"]["upstream"], ["promote", "quality"])  # dev.yaml's aws: gives MLOPS_AUDIT_ANCHOR_URI
        self.assertTrue(p["catchup"])
        self.assertEqual(p["max_active_runs"], 1)
        # the ledger's daily export and anchor: the promote image's `audit` command, after promote and quality
        self.assertEqual(t["audit_export"]["arguments"], ["audit", "export", "--date", "{{ data_date }}"])
        self.assertEqual(t["audit_anchor"]["arguments"], ["audit", "anchor", "--date", "{{ data_date }}"])
        for a in ("audit_export", "audit_anchor"):
            self.assertEqual(t[a]["job"], "promote")
            self.assertEqual(t[a]["upstream"], ["promote", "quality"])
            self.assertEqual(t[a]["trigger_rule"], "all_done")
            self.assertEqual(t[a]["service_account"], t["promote"]["service_account"])
        for task in p["tasks"]:
            if task["kind"] == "job":
                self.assertEqual(task["skip_on_exit_code"], [100], task["task_id"])
                want = ["audit", task["task_id"][len("audit_"):]] if task["task_id"].startswith("audit_") else ["--model", "zone_demand"]
                self.assertEqual(task["arguments"], want + ["--date", "{{ data_date }}"])
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

    def test_audit_anchor_ends_the_daily_plan_only_where_the_environment_has_an_anchor_uri(self):
        env = plan.load_env(plan.env_file("dev"))  # its aws: section gives MLOPS_AUDIT_ANCHOR_URI
        plans = {p["dag_id"]: p for p in plan.all_plans(SPECS, env)}  # all_plans checks every plan
        for model in ("zone_demand", "trip_risk"):
            daily = plans["%s_daily" % model]
            anchor = daily["tasks"][-1]
            self.assertEqual(anchor["task_id"], "audit_anchor")
            self.assertEqual((anchor["kind"], anchor["job"]), ("job", "promote"))
            self.assertEqual(anchor["image"], by_id(daily)["promote"]["image"])
            self.assertEqual(anchor["arguments"], ["audit", "anchor", "--date", "{{ data_date }}"])
            self.assertEqual(anchor["upstream"], ["promote", "quality"])
            self.assertEqual(anchor["trigger_rule"], "all_done")  # whatever promote and quality did, skipped or failed
            self.assertEqual(anchor["retries"], env["jobs"]["promote"]["retries"])  # the job's own retries, no more
            self.assertEqual(anchor["env_vars"]["MLOPS_AUDIT_ANCHOR_URI"], "s3://acme-mlops-dev-audit/dev")
            self.assertEqual(anchor["skip_on_exit_code"], [100])
            for kind in ("retrain", "backfill"):
                self.assertNotIn("audit_anchor", by_id(plans["%s_%s" % (model, kind)]))
        prod = {p["dag_id"]: p for p in plan.all_plans(SPECS, plan.env_file("prod"))}
        self.assertIn("audit_anchor", by_id(prod["trip_risk_daily"]))
        # without the variable (the local executor's environment, which the demo runs): no such task
        for p in self.local.values():
            self.assertNotIn("audit_anchor", by_id(p), p["dag_id"])
        local = plan.load_env(None)
        local["env_vars"] = {"MLOPS_AUDIT_ANCHOR_URI": ""}
        self.assertNotIn("audit_anchor", by_id(plan.all_plans(SPECS, local)[0]))

    def test_xcom_sidecar_image_comes_from_the_environment(self):
        for t in self.dev["zone_demand_daily"]["tasks"][:7] + self.local["zone_demand_daily"]["tasks"][:7]:
            self.assertIsNone(t["xcom_sidecar_image"])  # dev.yaml's image.xcom_sidecar is null: the provider's default
        env = plan.load_env(plan.env_file("dev"))
        env["image"] = dict(env["image"], xcom_sidecar="111111111111.dkr.ecr.eu-west-1.amazonaws.com/mlops-xcom-sidecar:3.20")
        for p in plan.all_plans(SPECS, env):
            for t in p["tasks"]:
                if t["kind"] == "job":
                    self.assertEqual(t["xcom_sidecar_image"], "111111111111.dkr.ecr.eu-west-1.amazonaws.com/mlops-xcom-sidecar:3.20")
        with open(plan.env_file("dev"), encoding="utf-8") as f:
            text = f.read()
        self.assertIn("  xcom_sidecar: null\n", text)
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        for bad in ('""', "3.20", "[a]"):
            path = os.path.join(d, "dev.yaml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text.replace("  xcom_sidecar: null\n", "  xcom_sidecar: %s\n" % bad))
            with self.assertRaisesRegex(plan.PlanError, "dev.yaml: image.xcom_sidecar: a full image reference"):
                plan.load_env(path)

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

    def test_data_date_as_airflow_renders_it_for_every_kind_of_run(self):
        """plan.airflow_template's Jinja under Airflow's StrictUndefined, with the context each kind of run has.

        Airflow 2.10 (airflow/utils/context, TaskInstance.get_template_context) and 3.x with a logical date
        (task-sdk execution_time/task_runner.py get_template_context) give ds, logical_date and
        data_interval_start/end; a 3.x run without a logical date gives none of them, only dag_run (with
        run_after), run_id, params, macros. Filters and macros as Airflow's: the ds filter
        (airflow/templates.py, task-sdk definitions/_internal/templater.py FILTERS) and macros.ds_add.
        """
        try:
            import jinja2
            import jinja2.sandbox
        except ImportError:
            self.skipTest("jinja2 not installed (Debian: python3-jinja2)")
        import datetime as dt
        from types import SimpleNamespace

        env = jinja2.sandbox.SandboxedEnvironment(undefined=jinja2.StrictUndefined)
        env.filters["ds"] = lambda v: None if v is None else v.strftime("%Y-%m-%d")
        env.filters["tojson"] = lambda v: json.dumps(v, sort_keys=True)
        macros = SimpleNamespace(ds_add=lambda ds, days: (dt.datetime.strptime(ds, "%Y-%m-%d") + dt.timedelta(days=days)).strftime("%Y-%m-%d"))
        utc = dt.timezone.utc

        def airflow2(logical, start, run_id):  # 2.10: the ORM DagRun has no run_after
            return {"ds": logical.strftime("%Y-%m-%d"), "ds_nodash": logical.strftime("%Y%m%d"), "logical_date": logical,
                    "data_interval_start": start, "data_interval_end": start + dt.timedelta(days=1), "run_id": run_id,
                    "macros": macros, "dag_run": SimpleNamespace(run_id=run_id, logical_date=logical, data_interval_start=start)}

        def airflow3(run_after, run_id, logical=None, start=None):
            ctx = {"run_id": run_id, "macros": macros,
                   "dag_run": SimpleNamespace(run_id=run_id, run_after=run_after, logical_date=logical, data_interval_start=start)}
            if logical is not None:  # logical_date and the data interval come together, or not at all
                ctx.update(ds=logical.strftime("%Y-%m-%d"), ds_nodash=logical.strftime("%Y%m%d"), logical_date=logical,
                           data_interval_start=start, data_interval_end=start + dt.timedelta(days=1))
            return ctx

        d = dt.datetime
        runs = [  # (what, context, the data date)
            ("2.10 scheduled: the 05:00 run of 03-02", airflow2(d(2026, 3, 1, 5, tzinfo=utc), d(2026, 3, 1, 5, tzinfo=utc), "scheduled__1"),
             "2026-03-01"),
            # a manual run's logical date is the trigger time; its data interval is the last complete period before it
            ("2.10 manual at 03-02 10:00", airflow2(d(2026, 3, 2, 10, tzinfo=utc), d(2026, 3, 1, 5, tzinfo=utc), "manual__1"), "2026-03-01"),
            ("3.x scheduled", airflow3(d(2026, 3, 2, 5, tzinfo=utc), "scheduled__2", d(2026, 3, 1, 5, tzinfo=utc), d(2026, 3, 1, 5, tzinfo=utc)),
             "2026-03-01"),
            ("3.x manual with a logical date", airflow3(d(2026, 3, 2, 10, tzinfo=utc), "manual__2", d(2026, 3, 2, 10, tzinfo=utc),
                                                        d(2026, 3, 1, 5, tzinfo=utc)), "2026-03-01"),
            ("3.x without a logical date (dags trigger, REST logical_date null)", airflow3(d(2026, 3, 2, 10, tzinfo=utc), "manual__3"),
             "2026-03-01"),
        ]
        plans = list(self.dev.values())
        for what, ctx, data_date in runs:
            for given in (None, "2026-02-01"):
                for p in plans:
                    params = {k: v.get("default") for k, v in p["params"].items()}
                    if "date" in params:
                        params["date"] = given
                    if p["kind"] == "backfill":
                        params.update({"from": "2026-01-01", "to": "2026-01-31"})
                    jctx = dict(ctx, params=params)
                    local = {"ds": data_date, "data_date": data_date, "run_id": ctx["run_id"], "params": params}
                    for t in p["tasks"]:
                        texts = t.get("arguments", []) + list(t.get("env_vars", {}).values()) + list(t.get("conf", {}).values())
                        for text in texts:
                            self.assertEqual(env.from_string(plan.airflow_template(text)).render(jctx), plan.render(text, local),
                                             (what, p["dag_id"], t["task_id"], text))
                retrain = by_id(self.dev["zone_demand_retrain"])["train"]["arguments"][3]
                params = {"date": given}
                self.assertEqual(env.from_string(plan.airflow_template(retrain)).render(dict(ctx, params=params)), given or data_date)
        # what the plans used before: no ds in a run without a logical date, and the trigger time's ds in a manual one
        with self.assertRaises(jinja2.UndefinedError):
            env.from_string("{{ params.date or ds }}").render(dict(runs[4][1], params={"date": None}))
        self.assertEqual(env.from_string("{{ ds }}").render(runs[1][1]), "2026-03-02")
        # no plan template reads ds or ds_nodash itself: they are what fails above
        for p in plans + list(self.local.values()):
            for t in p["tasks"]:
                for text in t.get("arguments", []) + list(t.get("env_vars", {}).values()) + list(t.get("conf", {}).values()):
                    for expr in plan.template_expressions(text):
                        names = [n.strip() for n in expr.split("|")[0].split(" or ")]
                        self.assertFalse({"ds", "ds_nodash"} & set(names), (p["dag_id"], t["task_id"], text))

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
        self.assertEqual(by_id(plans["zone_demand_daily"])["features"]["arguments"][:4], ["--model", "zone_demand", "--date", "{{ data_date }}"])
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


class EnvironmentSettingsTest(unittest.TestCase):
    """dags/environments/<env>.yaml's aws: section is the one source of the pods' AWS settings (terraform/modules/settings)."""

    def write(self, text):
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        path = os.path.join(d, "env.yaml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def dev_with(self, old, new):
        with open(plan.env_file("dev")) as f:
            text = f.read()
        self.assertIn(old, text)
        return self.write(text.replace(old, new))

    def test_pods_get_the_aws_settings_under_the_environment_prefix(self):
        env = plan.load_env(plan.env_file("dev"))
        t = plan.job_task(env, "train", "train", [])
        self.assertEqual(t["env_vars"]["MLOPS_LAKE_URI"], "s3://acme-mlops-dev-lake/dev")
        self.assertEqual(t["env_vars"]["MLOPS_LANDING_URI"], "s3://acme-mlops-dev-lake/dev/landing")
        self.assertEqual(t["env_vars"]["MLOPS_SAGEMAKER_ROLE_ARN"], "arn:aws:iam::111111111111:role/mlops-dev-sagemaker-execution")
        self.assertEqual(t["env_vars"]["MLOPS_SAGEMAKER_KMS_KEY_ID"], "arn:aws:kms:eu-west-1:111111111111:alias/mlops-dev")
        self.assertEqual(t["env_vars"]["MLOPS_AUDIT_ANCHOR_URI"], "s3://acme-mlops-dev-audit/dev")
        self.assertEqual(t["env_vars"]["MLOPS_ENV"], "aws")
        self.assertTrue(t["image"].startswith("111111111111.dkr.ecr.eu-west-1.amazonaws.com/mlops-train:"))

    def test_only_ingest_gets_the_operational_database_secret(self):
        env = plan.load_env(plan.env_file("prod"))
        secrets = {job: plan.job_task(env, job, job, [])["secret_env"] for job in plan.JOBS}
        self.assertEqual(secrets.pop("ingest"), ["mlops-metadata-db", "mlops-ops-db"])
        self.assertEqual(set(map(tuple, secrets.values())), {("mlops-metadata-db",)})

    def test_the_local_environment_has_no_aws_settings_or_secrets(self):
        t = plan.job_task(plan.load_env(None), "ingest", "ingest", [])
        self.assertEqual(t["secret_env"], [])
        self.assertNotIn("MLOPS_LAKE_URI", t["env_vars"])

    def test_a_derived_variable_written_by_hand_is_refused(self):
        path = self.dev_with("  MLOPS_LOG_FORMAT: json\n", "  MLOPS_LOG_FORMAT: json\n  MLOPS_LAKE_URI: s3://acme-mlops-dev-lake/lake\n")
        with self.assertRaises(plan.PlanError) as e:
            plan.load_env(path)
        self.assertEqual(e.exception.key, "env_vars.MLOPS_LAKE_URI")
        self.assertIn("derived from aws:", str(e.exception))

    def test_bad_aws_settings_name_the_key(self):
        cases = [
            ('account_id: "111111111111"', 'account_id: "1111"', "aws.account_id"),
            ("region: eu-west-1", "region: europe", "aws.region"),
            ("alarm_name_prefix: mlops-dev-", 'alarm_name_prefix: ""', "aws.alarm_name_prefix"),
            ("  table_prefix: mlops-\n", "  table_prefix: mlops-\n  lake_root: x\n", "aws.lake_root"),
            ("secrets: [metadata_db, ops_db]}", "secrets: [metadata_db, other_db]}", "jobs.ingest.secrets"),
        ]
        for old, new, key in cases:
            with self.subTest(key=key), self.assertRaises(plan.PlanError) as e:
                plan.load_env(self.dev_with(old, new))
            self.assertEqual(e.exception.key, key)

    def test_the_old_global_secret_list_is_refused_with_the_way_forward(self):
        path = self.dev_with("secrets:\n", "secret_env: [mlops-metadata-db]\nsecrets:\n")
        with self.assertRaises(plan.PlanError) as e:
            plan.load_env(path)
        self.assertEqual(e.exception.key, "secret_env")
        self.assertIn("jobs.<job>.secrets", str(e.exception))
