"""The DAGs in real Airflow: run wherever `import airflow` works (with the cncf.kubernetes provider).

From dags/: python -m unittest tests.test_airflow_dags (make dags-test runs it when airflow is
importable and says so when it is not). Skipped as a whole without Airflow; test_dag_files.py and
test_plan.py cover what can be checked without it.

- DagBag imports dags/ with no import errors, in every environment, and finds one DAG per plan;
- the DAGs survive Airflow's serialization (what the scheduler and the UI read);
- policy: tags, owner, retries >= 1 with backoff on every pod task, delete_pod, logs, XCom, skip on 100;
- structure: task ids, upstream/downstream, trigger rules, operator classes and arguments as in the plan;
- params validate (defaults pass; a bad backend, date or window is refused; the backfill requires its range);
- Airflow's Jinja renders the arguments as the local executor does (mlops_plan.render), with and without a
  logical date;
- the environment's XCom sidecar image replaces the provider's default in the pod it builds;
- the real provider's cleanup: exit 100 skips, 2 and 3 fail without retry, 1 fails and is retried.
"""

import copy
import importlib.util
import os
import sys
import tempfile
import unittest
from datetime import timedelta
from unittest import mock

DAGS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, DAGS)

from mlops_plan import plan  # noqa: E402

HAVE_AIRFLOW = importlib.util.find_spec("airflow") is not None
if HAVE_AIRFLOW:
    # Airflow reads its configuration when imported: a throwaway AIRFLOW_HOME unless one is set, no example DAGs,
    # and this dags/ folder (Airflow puts it on sys.path, as in a deployment). Parsing needs no database.
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="mlops-airflow-home-"))
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = DAGS
    import airflow  # noqa: E402

    AIRFLOW_3 = int(airflow.__version__.split(".")[0]) >= 3
    from airflow.exceptions import AirflowException, AirflowFailException, AirflowSkipException, ParamValidationError  # noqa: E402

    try:
        from airflow.dag_processing.dagbag import DagBag  # Airflow 3.2+ (apache/airflow#55139)
    except ImportError:
        from airflow.models.dagbag import DagBag  # 2.x to 3.1 (a deprecated alias from 3.2)
    try:
        from airflow.providers.standard.operators.python import BranchPythonOperator
        from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
    except ImportError:
        from airflow.operators.python import BranchPythonOperator
        from airflow.operators.trigger_dagrun import TriggerDagRunOperator

ENVS = ("dev", "prod")


def value(x):
    """An enum's value (TriggerRule, OnFinishAction) or the string itself."""
    return getattr(x, "value", x)


@unittest.skipUnless(HAVE_AIRFLOW, "airflow is not importable here (pip install 'apache-airflow>=2.10' apache-airflow-providers-cncf-kubernetes)")
class AirflowDagsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.bags, cls.plans = {}, {}
        for env in ENVS:
            with mock.patch.dict(os.environ, {"MLOPS_DAGS_ENV": env}):
                cls.bags[env] = DagBag(dag_folder=DAGS, include_examples=False)
            cls.plans[env] = {p["dag_id"]: p for p in plan.all_plans(os.path.join(DAGS, "models"), plan.env_file(env))}

    def test_provider_is_installed(self):
        self.assertIsNotNone(importlib.util.find_spec("airflow.providers.cncf.kubernetes"),
                             "the DAGs need apache-airflow-providers-cncf-kubernetes")

    def test_dagbag_imports_every_plan_without_errors(self):
        for env in ENVS:
            bag = self.bags[env]
            self.assertEqual(bag.import_errors, {}, env)
            self.assertEqual(sorted(bag.dag_ids), sorted(self.plans[env]), env)
            # .airflowignore keeps mlops_plan/ and tests/ out: only the DAG file is parsed
            self.assertEqual({os.path.basename(d.fileloc) for d in bag.dags.values()}, {"mlops_dags.py"})

    def test_dags_survive_serialization(self):
        try:
            from airflow.serialization.serialized_objects import SerializedDAG
        except ImportError as e:
            self.skipTest("no SerializedDAG in this Airflow: %s" % e)
        for dag_id, dag in self.bags["prod"].dags.items():
            back = SerializedDAG.from_dict(SerializedDAG.to_dict(dag))
            self.assertEqual(sorted(back.task_ids), sorted(dag.task_ids), dag_id)
            for t in self.plans["prod"][dag_id]["tasks"]:
                self.assertEqual(back.get_task(t["task_id"]).upstream_task_ids, set(t["upstream"]), (dag_id, t["task_id"]))

    def test_policy_tags_owner_retries_and_pod_settings(self):
        from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

        for env in ENVS:
            for dag_id, dag in self.bags[env].dags.items():
                p = self.plans[env][dag_id]
                self.assertTrue(dag.tags, dag_id)
                self.assertEqual(set(dag.tags), set(p["tags"]), dag_id)
                self.assertEqual(dag.max_active_runs, 1, dag_id)
                for task in dag.tasks:
                    where = (env, dag_id, task.task_id)
                    self.assertEqual(task.owner, p["owner"], where)
                    self.assertNotEqual(task.owner, "airflow", where)
                    if isinstance(task, KubernetesPodOperator):
                        self.assertGreaterEqual(task.retries, 1, where)
                        self.assertTrue(task.retry_exponential_backoff, where)
                        self.assertIsNotNone(task.execution_timeout, where)
                        self.assertEqual(value(task.on_finish_action), "delete_pod", where)
                        self.assertTrue(task.get_logs, where)
                        self.assertTrue(task.do_xcom_push, where)
                        self.assertEqual(list(task.skip_on_exit_code), [100], where)

    def test_structure_matches_the_plan(self):
        from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

        for env in ENVS:
            for dag_id, p in self.plans[env].items():
                dag = self.bags[env].dags[dag_id]
                self.assertEqual(sorted(dag.task_ids), sorted(t["task_id"] for t in p["tasks"]), dag_id)
                self.assertEqual(dag.catchup, p["catchup"], dag_id)
                if p["dagrun_timeout_s"]:
                    self.assertEqual(dag.dagrun_timeout, timedelta(seconds=p["dagrun_timeout_s"]), dag_id)
                downstream = {t["task_id"]: set() for t in p["tasks"]}
                for t in p["tasks"]:
                    for u in t["upstream"]:
                        downstream[u].add(t["task_id"])
                for t in p["tasks"]:
                    task, where = dag.get_task(t["task_id"]), (env, dag_id, t["task_id"])
                    self.assertEqual(task.upstream_task_ids, set(t["upstream"]), where)
                    self.assertEqual(task.downstream_task_ids, downstream[t["task_id"]], where)
                    self.assertEqual(value(task.trigger_rule), t["trigger_rule"], where)
                    if t["kind"] == "job":
                        self.assertIsInstance(task, KubernetesPodOperator, where)
                        self.assertEqual(task.image, t["image"], where)
                        self.assertEqual(list(task.arguments), [plan.airflow_template(a) for a in t["arguments"]], where)
                        self.assertEqual(task.namespace, p["namespace"], where)
                        self.assertEqual(task.service_account_name, t["service_account"], where)
                        self.assertEqual(task.container_resources.requests, t["resources"]["requests"], where)
                        self.assertEqual(task.node_selector, t["node_selector"], where)
                        self.assertEqual([x.key for x in task.tolerations], [x.get("key") for x in t["tolerations"]], where)
                        self.assertEqual({e.name: e.value for e in task.env_vars},
                                         {n: plan.airflow_template(v) for n, v in t["env_vars"].items()}, where)
                        self.assertEqual([e.secret_ref.name for e in task.env_from], t["secret_env"], where)
                        self.assertEqual([m.mount_path for m in task.volume_mounts], [t["env_vars"]["MLOPS_SPECS_DIR"]], where)
                        self.assertEqual(task.retries, t["retries"], where)
                        if t["pool"]:
                            self.assertEqual(task.pool, t["pool"], where)
                        if not AIRFLOW_3 and p["dagrun_timeout_s"]:
                            self.assertEqual(task.sla, timedelta(seconds=p["dagrun_timeout_s"]), where)
                    elif t["kind"] == "branch":
                        self.assertIsInstance(task, BranchPythonOperator, where)
                    else:
                        self.assertIsInstance(task, TriggerDagRunOperator, where)
                        self.assertEqual(task.trigger_dag_id, t["trigger_dag_id"], where)
                        self.assertIn(t["trigger_dag_id"], self.bags[env].dag_ids, where)
                        self.assertEqual(task.conf, {n: plan.airflow_template(v) for n, v in t["conf"].items()}, where)
                        self.assertFalse(task.wait_for_completion, where)

    def test_params_validate(self):
        retrain = self.bags["dev"].dags["zone_demand_retrain"]
        defaults = retrain.params.validate()
        self.assertEqual((defaults["backend"], defaults["window"], defaults["tune"], defaults["date"]), ("local", "14d", False, None))
        for key, good in (("backend", "sagemaker"), ("date", "2026-03-01"), ("window", "28d"), ("hyperparameters", {"eta": 0.05})):
            params = copy.deepcopy(retrain.params)
            params[key] = good
            self.assertEqual(params.validate()[key], good)
        for key, bad in (("backend", "spark"), ("date", "2026-02-30"), ("window", "2 weeks"), ("tune", "yes"), ("hyperparameters", "eta=1")):
            params = copy.deepcopy(retrain.params)
            with self.assertRaises(ParamValidationError, msg="%s=%r" % (key, bad)):
                params[key] = bad
                params.validate()
        backfill = self.bags["dev"].dags["zone_demand_backfill"]
        with self.assertRaises(ParamValidationError):  # no default: the range must be given
            copy.deepcopy(backfill.params).validate()
        params = copy.deepcopy(backfill.params)
        params["from"], params["to"] = "2026-01-01", "2026-01-31"
        self.assertEqual(params.validate(), {"from": "2026-01-01", "to": "2026-01-31"})

    def test_airflow_renders_the_arguments_as_the_local_executor(self):
        import pendulum
        from types import SimpleNamespace

        try:
            from airflow.sdk.execution_time import macros  # Airflow 3.x: what the context's MacrosAccessor reads
        except ImportError:
            from airflow import macros
        params = {"date": None, "window": "21d", "backend": "sagemaker", "tune": True, "force": False,
                  "hyperparameters": {"max_depth": 4, "eta": 0.05}}
        # a manual run with a logical date: ds is the trigger day, the data interval the last complete period before it
        manual = {"ds": "2026-03-02", "ds_nodash": "20260302", "run_id": "manual__2026-03-02T10:00:00+00:00",
                  "data_interval_start": pendulum.datetime(2026, 3, 1, 5, tz="UTC"), "macros": macros}
        # Airflow 3, a run without a logical date: no ds and no data interval, only the dag run's run_after
        no_logical_date = {"run_id": "manual__2026-03-02T10:00:00+00:00", "macros": macros,
                           "dag_run": SimpleNamespace(run_after=pendulum.datetime(2026, 3, 2, 10, tz="UTC"), logical_date=None)}
        local = {"ds": "2026-03-01", "data_date": "2026-03-01", "run_id": "manual__2026-03-02T10:00:00+00:00"}
        train = self.bags["dev"].dags["zone_demand_retrain"].get_task("train")
        for ctx in (manual, no_logical_date):
            rendered = train.render_template(list(train.arguments), dict(ctx, params=dict(params)))
            self.assertEqual(rendered, [plan.render(a, dict(local, params=params))
                                        for a in self.plans["dev"]["zone_demand_retrain"]["tasks"][0]["arguments"]])
            self.assertEqual(rendered[3], "2026-03-01")
            self.assertIn('{"eta": 0.05, "max_depth": 4}', rendered)
            self.assertEqual(train.render_template(list(train.arguments), dict(ctx, params=dict(params, date="2026-02-01")))[3], "2026-02-01")
        ingest = self.bags["dev"].dags["zone_demand_daily"].get_task("ingest")
        self.assertEqual(ingest.render_template(list(ingest.arguments), dict(no_logical_date, params={}))[3], "2026-03-01")

    def test_xcom_sidecar_image_from_the_environment(self):
        from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

        hook = mock.Mock(is_in_cluster=False)
        hook.get_xcom_sidecar_container_image.return_value = None  # no connection extra: the provider's default
        hook.get_xcom_sidecar_container_resources.return_value = None
        hook.get_xcom_sidecar_container_security_context.return_value = None
        validate = self.bags["dev"].dags["zone_demand_daily"].get_task("validate")
        image = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/mlops-xcom-sidecar:3.20"
        with mock.patch.object(KubernetesPodOperator, "hook", new_callable=mock.PropertyMock, return_value=hook):
            default = {c.name: c.image for c in copy.deepcopy(validate).build_pod_request_obj().spec.containers}
            op = copy.deepcopy(validate)
            op.xcom_sidecar_image = image
            configured = {c.name: c.image for c in op.build_pod_request_obj().spec.containers}
        self.assertEqual(default["base"], configured["base"])
        self.assertNotEqual(default["airflow-xcom-sidecar"], image)  # alpine (pinned in newer provider releases)
        self.assertEqual(configured["airflow-xcom-sidecar"], image)

    def test_real_provider_cleanup_keeps_the_exit_code_contract(self):
        from kubernetes.client import models as k8s

        def pod(phase, code):
            state = k8s.V1ContainerState(terminated=k8s.V1ContainerStateTerminated(exit_code=code))
            return k8s.V1Pod(metadata=k8s.V1ObjectMeta(name="zone-demand-daily-validate-x", namespace="mlops", labels={}),
                             status=k8s.V1PodStatus(phase=phase, container_statuses=[
                                 k8s.V1ContainerStatus(name="base", image="i", image_id="", ready=False, restart_count=0, state=state)]))

        op = self.bags["dev"].dags["zone_demand_daily"].get_task("validate")
        cls = type(op)
        # no cluster here: the calls cleanup makes to the API server are replaced
        with mock.patch.object(cls, "is_istio_enabled", return_value=False), mock.patch.object(cls, "patch_already_checked"), \
                mock.patch.object(cls, "process_pod_deletion"), mock.patch.object(cls, "_read_pod_events", create=True), \
                mock.patch.object(cls, "_read_pod_container_states", create=True):
            op.cleanup(pod=pod("Succeeded", 0), remote_pod=pod("Succeeded", 0))
            with self.assertRaises(AirflowSkipException):
                op.cleanup(pod=pod("Failed", 100), remote_pod=pod("Failed", 100))
            for code in (2, 3):
                with self.assertRaises(AirflowFailException, msg="exit %d" % code):
                    op.cleanup(pod=pod("Failed", code), remote_pod=pod("Failed", code))
            with self.assertRaises(AirflowException) as e:
                op.cleanup(pod=pod("Failed", 1), remote_pod=pod("Failed", 1))
            self.assertNotIsInstance(e.exception, AirflowFailException)


if __name__ == "__main__":
    unittest.main()
