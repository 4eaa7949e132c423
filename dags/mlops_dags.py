"""Every Airflow DAG of the platform, built at parse time from the pipeline plans (mlops_plan).

One file for all models: for each spec in dags/models/*.yaml, mlops_plan.all_plans() derives the
plans of <model>_daily, <model>_retrain and <model>_backfill (tasks, images, arguments with
{{ data_date }}-style templates, dependencies, trigger rules, branches, skip semantics), and this file
only turns each plan into a DAG (templates as Airflow's Jinja writes them: mlops_plan.airflow_template):

- a job task becomes a KubernetesPodOperator (cncf.kubernetes provider) running the job's image,
  with the exit-code contract of docs/exit-codes.md: 100 skips the task and, through the default
  trigger rule, what depends on it (skip_on_exit_code); 2 (bad usage or config) and 3 (data
  contract) fail at once without retries, since retrying cannot fix them; 1 is retried;
- a branch task becomes a BranchPythonOperator that reads the upstream job's XCom (its JSON
  result, /airflow/xcom/return.json) and follows the plan's condition;
- a trigger task becomes a TriggerDagRunOperator.

The environment (namespace, images, node pools, secrets, pools, alerts) is
dags/environments/$MLOPS_DAGS_ENV.yaml (default dev). Parsing reads only these files: no database,
network or Airflow Variable access. Targets Airflow 2.10+ and 3.x with
apache-airflow-providers-cncf-kubernetes (see docs/dags.md). The same plans run without Airflow
through `mlops pipeline run <dag-id>`.
"""

import logging
import re
from datetime import datetime, timedelta, timezone

import pendulum

import airflow
from airflow.exceptions import AirflowException, AirflowFailException, AirflowSkipException
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.providers.cncf.kubernetes.utils.xcom_sidecar import PodDefaults
from kubernetes.client import models as k8s

AIRFLOW_3 = int(airflow.__version__.split(".")[0]) >= 3

if AIRFLOW_3:
    from airflow.sdk import DAG, Param
else:
    from airflow.models.dag import DAG
    from airflow.models.param import Param

try:  # the standard provider: Airflow 3.x, and 2.x where it is installed
    from airflow.providers.standard.operators.python import BranchPythonOperator
    from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
except ImportError:  # Airflow 2.x core operators
    from airflow.operators.python import BranchPythonOperator
    from airflow.operators.trigger_dagrun import TriggerDagRunOperator

try:  # newer Task SDKs export the timetables
    from airflow.sdk import CronDataIntervalTimetable, CronTriggerTimetable
except ImportError:
    from airflow.timetables.interval import CronDataIntervalTimetable
    from airflow.timetables.trigger import CronTriggerTimetable

from mlops_plan import airflow_template, all_plans, env_file, specs_dir

log = logging.getLogger(__name__)

#: exit codes that no retry can fix (docs/exit-codes.md): 2 bad usage or config, 3 data contract violation
NO_RETRY_EXIT_CODES = (2, 3)
SPECS_VOLUME = "model-specs"
#: job images are large (Spark, XGBoost); the first pull on a fresh (spot) node takes minutes
STARTUP_TIMEOUT_S = 600
#: branch and trigger tasks: small, idempotent Airflow-side work
LIGHT_TASK_RETRIES = 1
#: Airflow 2.x SLAs: a miss recorded more than this after its deadline is left over from a catch-up or backfill
SLA_LIVE_WINDOW = timedelta(days=1)


class MlopsJobOperator(KubernetesPodOperator):
    """A KubernetesPodOperator that keeps the jobs' exit-code contract.

    100 (nothing to do / gate not passed) is skip_on_exit_code, as in any KubernetesPodOperator.
    2 and 3 raise AirflowFailException, which fails the task without using its retries: a bad
    argument or a data-contract violation is the same on the next try. Any other failure (1, an
    evicted pod, a timeout) stays an AirflowException and is retried with backoff.

    xcom_sidecar_image: the image of the XCom sidecar container (the environment's
    image.xcom_sidecar); None keeps the provider's (its default alpine from Docker Hub, or the
    Kubernetes connection's extra xcom_sidecar_container_image). The provider (10.x) has no operator
    argument for it: build_pod_request_obj asks the hook, which reads the connection, and adds the
    container (utils.xcom_sidecar.add_xcom_sidecar); this sets the image on the container it added.
    """

    def __init__(self, *, xcom_sidecar_image=None, **kwargs):
        super().__init__(**kwargs)
        self.xcom_sidecar_image = xcom_sidecar_image

    def build_pod_request_obj(self, context=None):
        pod = super().build_pod_request_obj(context)
        if self.xcom_sidecar_image:
            for c in pod.spec.containers or []:
                if c.name == PodDefaults.SIDECAR_CONTAINER_NAME:
                    c.image = self.xcom_sidecar_image
        return pod

    def cleanup(self, *args, **kwargs):
        # cleanup(pod, remote_pod) in provider 8.x/9.x, cleanup(pod, remote_pod, xcom_result, context) in 10.x
        try:
            return super().cleanup(*args, **kwargs)
        except (AirflowSkipException, AirflowFailException):
            raise
        except AirflowException as e:
            remote_pod = kwargs.get("remote_pod", args[1] if len(args) > 1 else None)
            code = job_exit_code(remote_pod, self.base_container_name)
            if code in NO_RETRY_EXIT_CODES:
                kind = "bad usage or config" if code == 2 else "data contract violation"
                raise AirflowFailException(
                    "%s exited %d (%s): not retried, the next try would fail the same way; the job's message is in the log above"
                    % (self.task_id, code, kind)) from e
            raise


def job_exit_code(pod, container_name):
    """The exit code of the job's container in a finished pod, or None."""
    statuses = getattr(getattr(pod, "status", None), "container_statuses", None) or []
    for s in statuses:
        terminated = getattr(getattr(s, "state", None), "terminated", None)
        if getattr(s, "name", None) == container_name and terminated is not None:
            return terminated.exit_code
    return None


def lookup(value, path):
    """value[path[0]][path[1]]... over the job's JSON result; None when any step is missing."""
    for step in path:
        if isinstance(step, int) and isinstance(value, list) and -len(value) <= step < len(value):
            value = value[step]
        elif isinstance(step, str) and isinstance(value, dict) and step in value:
            value = value[step]
        else:
            return None
    return value


def branch_callable(dag_id, task):
    """The python_callable of a plan's branch task: follow if_true when the condition holds, else if_false."""
    cond = task["condition"]

    def choose(ti=None, **_):
        result = ti.xcom_pull(task_ids=cond["task"])
        got = lookup(result, cond["path"])
        # JSON equality: true is not 1
        holds = type(got) is type(cond["equals"]) and got == cond["equals"]
        follow = list(task["if_true"] if holds else task["if_false"])
        if result is None:
            log.warning("%s.%s: %s pushed no result (XCom); following %s", dag_id, task["task_id"], cond["task"], follow or "nothing")
        else:
            log.info("%s.%s: %s%s = %r (expected %r): following %s", dag_id, task["task_id"], cond["task"],
                     "".join("[%r]" % p for p in cond["path"]), got, cond["equals"], follow or "nothing")
        return follow

    return choose


def failure_callback(dag_id, alerts):
    """on_failure_callback of a DAG: a log line, and an email when the environment lists addresses.

    Runs when a run fails (in the scheduler or DAG processor), never at parse time.
    """
    emails = list((alerts or {}).get("email") or [])

    def on_failure(context):
        run = context.get("dag_run")
        ti = context.get("task_instance") or context.get("ti")
        run_id = getattr(run, "run_id", None) or context.get("run_id")
        reason = context.get("reason") or ""
        what = "%s run %s failed%s%s" % (dag_id, run_id, " at %s" % ti.task_id if ti is not None else "",
                                         ": %s" % reason if reason else "")
        log.error("mlops: %s", what)
        if not emails:
            return
        try:
            from airflow.utils.email import send_email

            send_email(emails, "[mlops] %s" % what, "<p>%s</p><p>See the task logs in Airflow; exit codes: docs/exit-codes.md.</p>" % what)
        except Exception:  # the alert must not hide the failure it reports
            log.exception("mlops: could not email %s about %s", ", ".join(emails), what)

    return on_failure


def sla_miss_callback(dag_id, alerts, deadline_s):
    """Airflow 2.x only (SLAs are gone in 3.x): log and email the tasks that missed the daily deadline, not catch-up days.

    Airflow 2.10's DAG processor (DagFileProcessor.manage_slas) records a miss for each schedule
    period after a task's latest successful run whose logical date plus the task's sla is past,
    and passes every miss not yet notified to this callback. The first success of a catch-up (or
    a backfill, or a DAG unpaused after days) thus leaves one miss per task and day behind, for runs
    that were queued, not late. A miss is reported only when it was recorded within SLA_LIVE_WINDOW
    of its deadline (logical date + sla); the others are logged in one line. Either way they count
    as notified, so they are not passed again.
    """
    emails = list((alerts or {}).get("email") or [])
    sla = timedelta(seconds=deadline_s)

    def on_sla_miss(dag, task_list, blocking_task_list, slas, blocking_tis):
        now = datetime.now(timezone.utc)

        def late(miss):  # recorded (SlaMiss.timestamp) within the window after its deadline
            return (getattr(miss, "timestamp", None) or now) - (miss.execution_date + sla) <= SLA_LIVE_WINDOW

        live = [m for m in slas if late(m)]
        old = sorted(m.execution_date for m in slas if not late(m))
        if old:
            log.info("mlops: %s: %d SLA miss(es) of past dates (%s .. %s) not reported: left by a catch-up or backfill, "
                     "not late runs", dag_id, len(old), old[0].date().isoformat(), old[-1].date().isoformat())
        if not live:
            return
        dates = {m.execution_date for m in live}
        missed = "\n".join("%s on %s" % (m.task_id, m.execution_date.isoformat()) for m in live)
        blocking = "\n".join("%s on %s" % (ti.task_id, ti.execution_date.isoformat()) for ti in blocking_tis or []
                             if ti.execution_date in dates)
        log.error("mlops: %s missed its deadline: %s (blocked by %s)", dag_id, missed, blocking or "nothing")
        if emails:
            try:
                from airflow.utils.email import send_email

                send_email(emails, "[mlops] %s missed its deadline" % dag_id, "<pre>%s</pre><p>blocked by</p><pre>%s</pre>" % (missed, blocking))
            except Exception:
                log.exception("mlops: could not email %s about the missed deadline of %s", ", ".join(emails), dag_id)

    return on_sla_miss


def timetable(plan):
    """The schedule, keyed on the data interval: a run's data date is its data interval's start, in Airflow 2 and 3 alike.

    daily: one cron period of data per run (a 05:00 run on D processes D-1); catchup creates one
    run per missed period from the environment's start_date. retrain (catchup off): runs on its
    cron and trains up to the day before (a Sunday 02:00 run's data date is Saturday), nightly or weekly.
    Explicit timetables, so Airflow 3's [scheduler] create_cron_data_intervals cannot change them.
    """
    cron = plan["schedule"]
    if cron is None or cron == "@once":
        return cron
    if plan["kind"] == "daily":
        return CronDataIntervalTimetable(cron, timezone="UTC")
    return CronTriggerTimetable(cron, timezone="UTC", interval=timedelta(days=1))


def param(spec):
    """A plan param (JSON-schema-like dict) as an Airflow Param, validated in the trigger form and on trigger."""
    spec = dict(spec)
    description = spec.pop("description", None)
    if "default" in spec:
        return Param(spec.pop("default"), description=description, **spec)
    return Param(description=description, **spec)


def toleration(t):
    return k8s.V1Toleration(key=t.get("key"), operator=t.get("operator"), value=t.get("value"), effect=t.get("effect"),
                            toleration_seconds=t.get("toleration_seconds", t.get("tolerationSeconds")))


def pod_name(dag_id, task_id):
    return re.sub(r"[^a-z0-9-]+", "-", ("%s-%s" % (dag_id, task_id)).lower())


def job_operator(plan, t):
    env_vars = {k: airflow_template(v) for k, v in t["env_vars"].items()}
    volumes, mounts = [], []
    if t.get("specs_config_map"):
        mount_path = env_vars.get("MLOPS_SPECS_DIR")
        if not mount_path:
            raise ValueError("%s.%s: specs_config_map %r is set but env_vars has no MLOPS_SPECS_DIR to mount it at (%s)"
                             % (plan["dag_id"], t["task_id"], t["specs_config_map"], plan.get("env")))
        volumes.append(k8s.V1Volume(name=SPECS_VOLUME, config_map=k8s.V1ConfigMapVolumeSource(name=t["specs_config_map"])))
        mounts.append(k8s.V1VolumeMount(name=SPECS_VOLUME, mount_path=mount_path, read_only=True))
    kwargs = dict(
        task_id=t["task_id"],
        doc_md=t.get("doc") or None,
        name=pod_name(plan["dag_id"], t["task_id"]),
        namespace=plan["namespace"],
        image=t["image"],
        image_pull_policy=t.get("image_pull_policy"),
        arguments=[airflow_template(a) for a in t["arguments"]],
        labels={"app.kubernetes.io/part-of": "mlops", "mlops/model": plan["model"], "mlops/job": t["job"], "mlops/env": plan["env"]},
        service_account_name=t["service_account"],
        container_resources=k8s.V1ResourceRequirements(requests=dict(t["resources"].get("requests") or {}),
                                                       limits=dict(t["resources"].get("limits") or {})),
        node_selector=dict(t["node_selector"]),
        tolerations=[toleration(x) for x in t["tolerations"]],
        env_vars=env_vars,
        env_from=[k8s.V1EnvFromSource(secret_ref=k8s.V1SecretEnvSource(name=s)) for s in t["secret_env"]],
        volumes=volumes,
        volume_mounts=mounts,
        on_finish_action="delete_pod",
        get_logs=True,
        log_events_on_failure=True,
        do_xcom_push=bool(t.get("xcom")),
        xcom_sidecar_image=t.get("xcom_sidecar_image"),
        skip_on_exit_code=list(t["skip_on_exit_code"]),
        startup_timeout_seconds=STARTUP_TIMEOUT_S,
        retries=t["retries"],
        retry_delay=timedelta(seconds=t["retry_delay_s"]),
        retry_exponential_backoff=t["retry_exponential_backoff"],
        max_retry_delay=timedelta(seconds=t["max_retry_delay_s"]),
        execution_timeout=timedelta(seconds=t["execution_timeout_s"]),
        trigger_rule=t["trigger_rule"],
    )
    if t.get("pool"):
        kwargs["pool"] = t["pool"]
    if not AIRFLOW_3 and plan.get("dagrun_timeout_s"):
        # Airflow 2.x: an SLA per task, counted from the end of the run's data interval (its scheduled time)
        kwargs["sla"] = timedelta(seconds=plan["dagrun_timeout_s"])
    return MlopsJobOperator(**kwargs)


def branch_operator(plan, t):
    return BranchPythonOperator(task_id=t["task_id"], doc_md=t.get("doc") or None, python_callable=branch_callable(plan["dag_id"], t),
                                trigger_rule=t["trigger_rule"])


def trigger_operator(plan, t):
    return TriggerDagRunOperator(task_id=t["task_id"], doc_md=t.get("doc") or None, trigger_dag_id=t["trigger_dag_id"],
                                 conf={k: airflow_template(v) for k, v in t["conf"].items()}, wait_for_completion=False,
                                 trigger_rule=t["trigger_rule"])


OPERATORS = {"job": job_operator, "branch": branch_operator, "trigger": trigger_operator}


def doc_md(plan):
    lines = [plan["description"], "",
             "Generated by `dags/mlops_dags.py` from `dags/models/%s` (sha256 %s…) and the `%s` environment; the same plan runs "
             "without Airflow with `mlops pipeline run %s`. Exit 100 skips a task (and what depends on it); 2 and 3 fail it "
             "without retries (docs/exit-codes.md). See docs/dags.md." % (plan["spec_file"], plan["spec_sha256"][:12], plan["env"], plan["dag_id"]),
             "", "| task | runs | after | trigger rule | what |", "|---|---|---|---|---|"]
    for t in plan["tasks"]:
        if t["kind"] == "job":
            runs = "`%s` (exit 100: skipped)" % t["image"]
        elif t["kind"] == "branch":
            runs = "branch on `%s` %s == %s" % (t["condition"]["task"], t["condition"]["path"], t["condition"]["equals"])
        else:
            runs = "trigger `%s`" % t["trigger_dag_id"]
        lines.append("| %s | %s | %s | %s | %s |" % (t["task_id"], runs, ", ".join(t["upstream"]) or "-", t["trigger_rule"], t.get("doc") or ""))
    if plan["params"]:
        lines += ["", "Params (trigger with config): " + ", ".join("`%s`" % k for k in plan["params"])]
    return "\n".join(lines)


def build_dag(plan):
    y, m, d = (int(x) for x in plan["start_date"].split("-"))
    kwargs = dict(
        dag_id=plan["dag_id"],
        description=plan["description"],
        doc_md=doc_md(plan),
        schedule=timetable(plan),
        start_date=pendulum.datetime(y, m, d, tz="UTC"),
        catchup=plan["catchup"],
        max_active_runs=plan["max_active_runs"],
        dagrun_timeout=timedelta(seconds=plan["dagrun_timeout_s"]) if plan.get("dagrun_timeout_s") else None,
        tags=list(plan["tags"]),
        params={k: param(v) for k, v in plan["params"].items()},
        default_args={"owner": plan["owner"], "depends_on_past": False, "retries": LIGHT_TASK_RETRIES,
                      "retry_delay": timedelta(minutes=1)},
        on_failure_callback=failure_callback(plan["dag_id"], plan["alerts"]),
    )
    if not AIRFLOW_3 and plan.get("dagrun_timeout_s"):
        kwargs["sla_miss_callback"] = sla_miss_callback(plan["dag_id"], plan["alerts"], plan["dagrun_timeout_s"])
    with DAG(**kwargs) as dag:
        ops = {}
        for t in plan["tasks"]:  # in dependency order: every upstream already exists
            ops[t["task_id"]] = OPERATORS[t["kind"]](plan, t)
            for u in t["upstream"]:
                ops[u] >> ops[t["task_id"]]
    return dag


PLANS = all_plans(specs_dir(), env_file())

for _plan in PLANS:
    globals()[_plan["dag_id"]] = build_dag(_plan)
del _plan
