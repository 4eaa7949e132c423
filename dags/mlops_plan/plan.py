"""The pipeline plan: every DAG's structure, derived once from a model spec.

A plan is plain data (JSON-serialisable dicts and lists): the DAG's identity, schedule and
params, and its tasks with their images, arguments (with Airflow-style templates), upstream
tasks, trigger rules, skip semantics, branch conditions and DAG triggers. Two executors read it:

- the Airflow layer (dags/mlops_dags.py) turns each task into a KubernetesPodOperator, a
  branch or a TriggerDagRunOperator, and nothing else;
- the CLI's local executor (``mlops pipeline run <dag-id>``) asks this module for the plan
  (``python3 -m mlops_plan``) and runs the same tasks in process, in the same order, with the
  same templating and exit-code semantics.

Only the standard library and PyYAML; reads the spec and environment files, never a database,
the network or Airflow Variables, so it is safe at DAG parse time.
"""

import hashlib
import json
import os
import re

import yaml

PLAN_VERSION = 1

#: every lifecycle job with an image under images/<job>/
JOBS = ("ingest", "validate", "features", "train", "transform", "shadow", "quality", "promote")

#: exit codes (docs/exit-codes.md): 100 = nothing to do / gate not passed: skip downstream
EXIT_SKIP = 100
SKIP_ON_EXIT_CODES = [EXIT_SKIP]

#: the one template language both executors implement: {{ EXPR }} where EXPR is
#: NAME ("or" NAME)* ("|" FILTER)*, NAME is data_date, ds, ds_nodash, run_id or params.<name>,
#: FILTER is tojson or lower. Anything else is refused here, so the two cannot diverge.
#: data_date is the run's data date (YYYY-MM-DD): the local executor runs one data date at a
#: time and uses it (= ds); Airflow gets AIRFLOW_DATA_DATE in its place (airflow_template).
TEMPLATE = re.compile(r"\{\{\s*(.*?)\s*\}\}")
TEMPLATE_NAMES = ("data_date", "ds", "ds_nodash", "run_id")
TEMPLATE_FILTERS = ("tojson", "lower")
_NAME = re.compile(r"^(data_date|ds|ds_nodash|run_id|params\.[a-z_][a-z0-9_]*)$")

#: data_date as Airflow's Jinja computes it, for every kind of run on 2.10 and 3.x: the start date
#: of the run's data interval (a scheduled run's data date; for a manual run with a logical date,
#: the last complete schedule period before it); a run without a logical date (Airflow 3:
#: `airflow dags trigger` without --logical-date, REST logical_date null) has no data interval and
#: no ds, so the day before its dag_run.run_after. Only names that exist in that run's context are
#: evaluated (StrictUndefined): `is defined` and the conditional pick the branch first.
AIRFLOW_DATA_DATE = ("(data_interval_start | ds if data_interval_start is defined"
                     " else macros.ds_add(dag_run.run_after | ds, -1))")
_DATA_DATE = re.compile(r"(?<![\w.])data_date(?![\w])")

#: the data date argument of the jobs: the run's data date (see TEMPLATE and AIRFLOW_DATA_DATE)
DATA_DATE = "{{ data_date }}"
#: the daily DAG ends with audit_anchor only where the jobs' environment has this variable
AUDIT_ANCHOR_ENV = "MLOPS_AUDIT_ANCHOR_URI"

#: defaults when the environment file leaves a job out (and for the local executor)
DEFAULT_JOB = {"cpu": "1", "memory": "4Gi", "node_pool": "default", "retries": 2, "timeout": "2h"}
RETRY_DELAY_S = 300
MAX_RETRY_DELAY_S = 3600

#: the environment of the local executor: no Kubernetes, images named as `make images` tags them
LOCAL_ENV = {
    "env": "local",
    "namespace": "default",
    "service_account_prefix": "mlops-",
    "image": {"registry": "", "repository_prefix": "mlops-", "tag": "local", "pull_policy": "Never"},
    "start_date": "2024-01-01",
    "env_vars": {},
    "secrets": {},
    "specs_config_map": None,
    "pools": {"sagemaker": {"name": "sagemaker", "slots": 4}},
    "alerts": {"email": []},
    "node_pools": {"default": {"node_selector": {}, "tolerations": []}},
    "jobs": {},
}

#: the aws: section of an environment file (terraform/modules/settings reads the same keys)
AWS_REQUIRED = ("account_id", "region", "name_prefix", "lake_bucket", "results_bucket", "audit_bucket", "alarm_name_prefix", "metadata_db")
AWS_OPTIONAL = ("partition", "lake_prefix", "table_prefix")
#: a job's Kubernetes secrets when jobs.<job>.secrets does not name them
DEFAULT_JOB_SECRETS = ("metadata_db",)

_DURATION = re.compile(r"^([1-9][0-9]*)([mhd])$")
_CRON_PRESETS = ("@once", "@hourly", "@daily", "@weekly", "@monthly", "@yearly")
_CRON_FIELD = re.compile(r"^[0-9*/,\-A-Za-z?]+$")


class PlanError(ValueError):
    """A spec or environment file the plan cannot be built from: names the file, the key and what was expected."""

    def __init__(self, path, key, expected):
        super().__init__("%s: %s: %s" % (path, key, expected))
        self.path, self.key, self.expected = path, key, expected


def load_yaml(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
    except OSError as e:
        raise PlanError(path, "(file)", "a readable YAML file (%s)" % e.strerror) from e
    except yaml.YAMLError as e:
        raise PlanError(path, "(file)", "valid YAML (%s)" % str(e).replace("\n", " ")) from e
    if not isinstance(doc, dict):
        raise PlanError(path, "(file)", "a mapping at the top level")
    return doc


def seconds(text, path, key):
    m = _DURATION.match(str(text))
    if not m:
        raise PlanError(path, key, "a duration such as 30m, 6h or 7d, got %r" % (text,))
    return int(m.group(1)) * {"m": 60, "h": 3600, "d": 86400}[m.group(2)]


def check_cron(text, path, key):
    if text is None:
        return None
    if not isinstance(text, str) or not (text in _CRON_PRESETS or (len(text.split()) == 5 and all(_CRON_FIELD.match(f) for f in text.split()))):
        raise PlanError(path, key, "a cron expression with 5 fields (e.g. \"0 5 * * *\") or one of %s, got %r" % (", ".join(_CRON_PRESETS), text))
    return text


def aws_settings(aws, path):
    """The aws: section, checked: what every pod's environment and Terraform's names derive from."""
    if not isinstance(aws, dict):
        raise PlanError(path, "aws", "a mapping with %s" % ", ".join(AWS_REQUIRED))
    for key in sorted(set(aws) - set(AWS_REQUIRED) - set(AWS_OPTIONAL)):
        raise PlanError(path, "aws." + str(key), "one of %s" % ", ".join(AWS_REQUIRED + AWS_OPTIONAL))
    for key in AWS_REQUIRED:
        if key != "metadata_db" and (not isinstance(aws.get(key), str) or not aws[key].strip()):
            raise PlanError(path, "aws." + key, "a non-empty string")
    if not re.match(r"^[0-9]{12}$", aws["account_id"]):
        raise PlanError(path, "aws.account_id", "12 digits in quotes, got %r" % (aws["account_id"],))
    if not re.match(r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", aws["region"]):
        raise PlanError(path, "aws.region", "an AWS region name such as eu-west-1, got %r" % (aws["region"],))
    db = aws["metadata_db"]
    if not isinstance(db, dict) or not isinstance(db.get("endpoint"), str) or not re.match(r"^[A-Za-z0-9.-]+:[0-9]+$", db["endpoint"]):
        raise PlanError(path, "aws.metadata_db.endpoint", "host:port of the metadata PostgreSQL, got %r" % (db,))
    return aws


def aws_env(aws):
    """The environment every job pod gets from the aws: section, by the rules of terraform/modules/settings."""
    partition = aws.get("partition") or "aws"
    prefix = (aws.get("lake_prefix") or "").strip("/")
    lake = "s3://%s%s" % (aws["lake_bucket"], "/" + prefix if prefix else "")
    return {
        "MLOPS_ENV": "aws",
        "MLOPS_AWS_REGION": aws["region"],
        "MLOPS_LAKE_URI": lake,
        "MLOPS_LANDING_URI": lake + "/landing",
        "MLOPS_METADATA_JDBC_URL": "jdbc:postgresql://%s/%s" % (aws["metadata_db"]["endpoint"], aws["metadata_db"].get("name") or "mlops"),
        "MLOPS_DYNAMODB_TABLE_PREFIX": aws.get("table_prefix") or "mlops-",
        "MLOPS_SAGEMAKER_ROLE_ARN": "arn:%s:iam::%s:role/%s-sagemaker-execution" % (partition, aws["account_id"], aws["name_prefix"]),
        "MLOPS_SAGEMAKER_KMS_KEY_ID": "arn:%s:kms:%s:%s:alias/%s" % (partition, aws["region"], aws["account_id"], aws["name_prefix"]),
        "MLOPS_AUDIT_ANCHOR_URI": "s3://%s%s" % (aws["audit_bucket"], "/" + prefix if prefix else ""),
    }


def job_secrets(env, job):
    """The Kubernetes secret names a job's pod gets (env_from): jobs.<job>.secrets, default metadata_db."""
    secrets = env.get("secrets") or {}
    conf = (env.get("jobs") or {}).get(job) or {}
    wanted = conf.get("secrets", [k for k in DEFAULT_JOB_SECRETS if k in secrets])
    return [secrets[k] for k in wanted]


def load_env(path=None):
    """The environment config (dags/environments/<env>.yaml); None: the local executor's defaults."""
    if path is None:
        return dict(LOCAL_ENV)
    doc = load_yaml(path)
    env = dict(LOCAL_ENV)
    env.update(doc)
    for key in ("env", "namespace", "start_date"):
        if not isinstance(env.get(key), str) or not env[key]:
            raise PlanError(path, key, "a non-empty string")
    if not re.match(r"^\d{4}-\d{2}-\d{2}$", env["start_date"]):
        raise PlanError(path, "start_date", "a date YYYY-MM-DD, got %r" % env["start_date"])
    image = env.get("image") or {}
    for key in ("repository_prefix", "tag"):
        if not isinstance(image.get(key), str) or not image[key]:
            raise PlanError(path, "image." + key, "a non-empty string")
    if image.get("xcom_sidecar") is not None and (not isinstance(image["xcom_sidecar"], str) or not image["xcom_sidecar"].strip()):
        raise PlanError(path, "image.xcom_sidecar", "a full image reference such as <registry>/mlops-xcom-sidecar:3.20, or null")
    for job, conf in (env.get("jobs") or {}).items():
        if job not in JOBS:
            raise PlanError(path, "jobs." + str(job), "one of the jobs %s" % (", ".join(JOBS),))
        pool = (conf or {}).get("node_pool", "default")
        if pool not in (env.get("node_pools") or {}):
            raise PlanError(path, "jobs.%s.node_pool" % job, "one of node_pools %s, got %r" % (sorted(env.get("node_pools") or {}), pool))
        seconds((conf or {}).get("timeout", DEFAULT_JOB["timeout"]), path, "jobs.%s.timeout" % job)
        wanted = (conf or {}).get("secrets", [])
        if not isinstance(wanted, list) or any(k not in (env.get("secrets") or {}) for k in wanted):
            raise PlanError(path, "jobs.%s.secrets" % job, "a list of names under secrets: (%s), got %r"
                            % (", ".join(sorted(env.get("secrets") or {})), wanted))
    if "secret_env" in doc:
        raise PlanError(path, "secret_env", "no longer read: name the Kubernetes secrets under secrets: and give each job its own"
                                            " with jobs.<job>.secrets (default metadata_db)")
    if not isinstance(env.get("secrets") or {}, dict):
        raise PlanError(path, "secrets", "a mapping of names to Kubernetes secret names")
    env["aws_env_vars"] = {}
    if "aws" in doc:
        env["aws_env_vars"] = aws_env(aws_settings(doc["aws"], path))
        for var in sorted(set(env.get("env_vars") or {}) & set(env["aws_env_vars"])):
            raise PlanError(path, "env_vars." + var, "not set here: it is derived from aws: (%s)" % env["aws_env_vars"][var])
        if not image.get("registry"):
            env["image"] = dict(image, registry="%s.dkr.ecr.%s.amazonaws.com" % (doc["aws"]["account_id"], doc["aws"]["region"]))
    env["_file"] = path
    return env


def load_spec(path):
    """A model spec (dags/models/<model>.yaml): the keys the plan needs, checked."""
    doc = load_yaml(path)
    model = doc.get("model")
    if not isinstance(model, str) or not re.match(r"^[a-z][a-z0-9_]*$", model):
        raise PlanError(path, "model", "a lower-case name such as zone_demand, got %r" % (model,))
    schedule = doc.get("schedule") or {}
    if not isinstance(schedule, dict):
        raise PlanError(path, "schedule", "a mapping with daily, retrain and deadline")
    unknown = set(schedule) - {"daily", "retrain", "deadline"}
    if unknown:
        raise PlanError(path, "schedule." + sorted(unknown)[0], "one of daily, retrain, deadline")
    check_cron(schedule.get("daily"), path, "schedule.daily")
    check_cron(schedule.get("retrain"), path, "schedule.retrain")
    if schedule.get("deadline") is not None:
        seconds(schedule["deadline"], path, "schedule.deadline")
    training = doc.get("training") or {}
    if training and not isinstance(training.get("window"), str):
        raise PlanError(path, "training.window", "a duration in days such as 14d")
    return doc


def spec_sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def image(env, job):
    i = env["image"]
    registry = i.get("registry") or ""
    return "%s%s%s:%s" % (registry + "/" if registry else "", i["repository_prefix"], job, i["tag"])


#: the keys of a ``spark`` mapping in the environment file (docs/configuration.md, "Running Spark on a cluster"):
#: each becomes ``--set spark.<key>=<value>`` of the job, ``conf`` entries ``--set spark.conf.<key>=<value>``
SPARK_KEYS = ("master", "driver_host", "driver_port", "block_manager_port", "image", "namespace", "service_account", "conf")


def spark_arguments(env, job, arguments, task_image, service_account):
    """The ``--set spark.*`` arguments of a job task: where its Spark runs, per task and per model.

    Merged, later wins: ``jobs.<job>.spark``, ``models.<model>.spark``, ``models.<model>.jobs.<job>.spark`` (conf
    entries merge one by one). With a ``k8s://`` master the executors' image, service account and namespace default
    to the task's own (the job's image has the job's classes; its service account is the pod's). None: nothing (the
    job's Spark is in its pod, ``local[*]``).
    """
    path = env.get("_file", "environment")
    args = list(arguments)
    model = args[args.index("--model") + 1] if "--model" in args[:-1] else None
    models = env.get("models") or {}
    if not isinstance(models, dict):
        raise PlanError(path, "models", "a mapping of model names to {spark, jobs: {<job>: {spark}}}")
    per_model = models.get(model) or {}
    layers = [("jobs.%s.spark" % job, ((env.get("jobs") or {}).get(job) or {}).get("spark")),
              ("models.%s.spark" % model, per_model.get("spark")),
              ("models.%s.jobs.%s.spark" % (model, job), ((per_model.get("jobs") or {}).get(job) or {}).get("spark"))]
    spark, conf = {}, {}
    for key, layer in layers:
        if layer is None:
            continue
        if not isinstance(layer, dict):
            raise PlanError(path, key, "a mapping with some of %s" % ", ".join(SPARK_KEYS))
        for k, v in layer.items():
            if k not in SPARK_KEYS:
                raise PlanError(path, "%s.%s" % (key, k), "one of %s" % ", ".join(SPARK_KEYS))
            if k == "conf":
                if not isinstance(v, dict):
                    raise PlanError(path, key + ".conf", "a mapping of Spark settings to values")
                conf.update(v)
            else:
                spark[k] = v
    if not spark and not conf:
        return []
    if str(spark.get("master", "")).startswith("k8s://"):
        spark.setdefault("image", task_image)
        spark.setdefault("service_account", service_account)
        spark.setdefault("namespace", env["namespace"])
    out = []
    for k in SPARK_KEYS[:-1]:
        if spark.get(k) is not None:
            out += ["--set", "spark.%s=%s" % (k, spark[k])]
    for k in sorted(conf):
        out += ["--set", "spark.conf.%s=%s" % (k, str(conf[k]).lower() if isinstance(conf[k], bool) else conf[k])]
    return out


def job_task(env, task_id, job, arguments, upstream=(), trigger_rule="all_success", pool=None, doc=""):
    conf = dict(DEFAULT_JOB)
    conf.update((env.get("jobs") or {}).get(job) or {})
    node_pool = (env.get("node_pools") or {}).get(conf["node_pool"]) or {"node_selector": {}, "tolerations": []}
    return {
        "task_id": task_id,
        "kind": "job",
        "job": job,
        "doc": doc,
        "image": image(env, job),
        "image_pull_policy": env["image"].get("pull_policy", "IfNotPresent"),
        "arguments": list(arguments) + spark_arguments(env, job, arguments, image(env, job), env["service_account_prefix"] + job),
        "upstream": list(upstream),
        "trigger_rule": trigger_rule,
        "skip_on_exit_code": list(SKIP_ON_EXIT_CODES),
        "retries": int(conf["retries"]),
        "retry_delay_s": RETRY_DELAY_S,
        "retry_exponential_backoff": True,
        "max_retry_delay_s": MAX_RETRY_DELAY_S,
        "execution_timeout_s": seconds(conf["timeout"], env.get("_file", "environment"), "jobs.%s.timeout" % job),
        "pool": pool,
        "resources": {"requests": {"cpu": str(conf["cpu"]), "memory": str(conf["memory"])}, "limits": {"memory": str(conf["memory"])}},
        "service_account": env["service_account_prefix"] + job,
        "node_selector": dict(node_pool.get("node_selector") or {}),
        "tolerations": list(node_pool.get("tolerations") or []),
        # the Airflow run id reaches the audit ledger as the actor's run (Actor.job reads MLOPS_RUN_ID)
        "env_vars": dict(env.get("env_vars") or {}, **(env.get("aws_env_vars") or {}), MLOPS_RUN_ID="{{ run_id }}"),
        "secret_env": job_secrets(env, job),
        "specs_config_map": env.get("specs_config_map"),
        "xcom": True,
        # the image of the provider's XCom sidecar container; None: the provider's default (docs/dags.md#pods)
        "xcom_sidecar_image": env["image"].get("xcom_sidecar"),
    }


def _dag(spec, spec_path, env, kind, schedule, description, params, tasks, catchup, deadline_s=None):
    model = spec["model"]
    return {
        "plan_version": PLAN_VERSION,
        "dag_id": "%s_%s" % (model, kind),
        "model": model,
        "kind": kind,
        "description": description,
        "owner": spec.get("owner") or "mlops",
        "spec_file": os.path.basename(spec_path),
        "spec_sha256": spec_sha256(spec_path),
        "env": env["env"],
        "namespace": env["namespace"],
        "schedule": schedule,
        "start_date": env["start_date"],
        "catchup": catchup,
        "max_active_runs": 1,
        "dagrun_timeout_s": deadline_s,
        "tags": ["mlops", model, kind],
        "alerts": dict(env.get("alerts") or {}),
        "pools": dict(env.get("pools") or {}),
        "params": params,
        "tasks": tasks,
    }


def daily_plan(spec, spec_path, env):
    """ingest -> validate -> features -> transform -> shadow -> promote; transform -> quality -> retrain branch;
    promote, quality -> audit_export, audit_anchor where the environment gives the jobs MLOPS_AUDIT_ANCHOR_URI."""
    m = spec["model"]
    schedule = spec.get("schedule") or {}
    day = ["--model", m, "--date", DATA_DATE]
    deadline = seconds(schedule["deadline"], spec_path, "schedule.deadline") if schedule.get("deadline") else None
    tasks = [
        job_task(env, "ingest", "ingest", day, doc="land the day's upstream datasets in the lake (raw/)"),
        job_task(env, "validate", "validate", day, ["ingest"], doc="the data contract: exit 3 stops the day here"),
        job_task(env, "features", "features", day, ["validate"], doc="the day's feature partitions, offline and online"),
        job_task(env, "transform", "transform", day, ["features"],
                 doc="score the day with production (and the candidate, stored, never served); 100 without a production version"),
        job_task(env, "shadow", "shadow", day, ["transform"],
                 doc="production vs candidate on the same rows; exit 0 only when the gate passed over the shadow period"),
        job_task(env, "promote", "promote", day, ["shadow"],
                 doc="every promotion gate; the candidate replaces production when all pass (runs only after the shadow gate passed)"),
        # runs when transform was skipped too: with no production version it decides to train the first
        job_task(env, "quality", "quality", day, ["transform"], trigger_rule="none_failed",
                 doc="model quality on the labels due, drift of the day, and the retrain decision"),
        {
            "task_id": "retrain_decision",
            "kind": "branch",
            "doc": "follow trigger_retrain when the quality job decided to retrain",
            "upstream": ["quality"],
            "trigger_rule": "all_success",
            "condition": {"task": "quality", "path": ["decisions", 0, "retrain"], "equals": True},
            "if_true": ["trigger_retrain"],
            "if_false": [],
        },
        {
            "task_id": "trigger_retrain",
            "kind": "trigger",
            "doc": "run the retrain DAG for this data date",
            "upstream": ["retrain_decision"],
            "trigger_rule": "all_success",
            "trigger_dag_id": "%s_retrain" % m,
            "conf": {"date": DATA_DATE, "triggered_by": "{{ run_id }}"},
        },
    ]
    # the audit ledger (one for the platform, so every model's daily DAG runs these; the second run of a date
    # finds its work done): the date's entries to the lake (Athena), and the ledger's head at the end of the date
    # anchored outside the database (S3 Object Lock; exit 3 when the ledger no longer matches an anchor already
    # written). The data date is over when its run starts. Only where the environment configures an anchor: the
    # local executor's environment has none, so the demo does not pay for them every day
    export = job_task(env, "audit_export", "promote", ["audit", "export", "--date", DATA_DATE], ["promote", "quality"],
                      trigger_rule="all_done",
                      doc="the date's audit ledger entries to the lake (audit/dt=<date>/, Athena); a re-run replaces them")
    anchor = job_task(env, "audit_anchor", "promote", ["audit", "anchor", "--date", DATA_DATE], ["promote", "quality"],
                      trigger_rule="all_done",
                      doc="anchor the day's audit ledger at MLOPS_AUDIT_ANCHOR_URI, whatever promote and quality did")
    if anchor["env_vars"].get(AUDIT_ANCHOR_ENV):
        tasks += [export, anchor]
    return _dag(spec, spec_path, env, "daily", schedule.get("daily") or "@daily",
                "Daily pipeline of %s: ingest, validate, features, transform, shadow and promote, quality and the retrain decision." % m,
                {}, tasks, catchup=True, deadline_s=deadline)


def retrain_plan(spec, spec_path, env):
    """train -> promote; on the spec's retrain schedule, triggered by the daily DAG or by hand with params."""
    m = spec["model"]
    schedule = spec.get("schedule") or {}
    window = (spec.get("training") or {}).get("window", "14d")
    date = "{{ params.date or data_date }}"
    params = {
        "date": {"type": ["null", "string"], "format": "date", "default": None,
                 "description": "data date to train for (default: the run's data date, see docs/dags.md)"},
        "window": {"type": "string", "pattern": "^[1-9][0-9]*d$", "default": window,
                   "description": "training window in days, ending the label delay before the date (spec: %s)" % window},
        "backend": {"type": "string", "enum": ["local", "sagemaker"], "default": "local",
                    "description": "local: XGBoost4J in the pod; sagemaker: a SageMaker training job"},
        "tune": {"type": "boolean", "default": False, "description": "random search over training.tuning.ranges"},
        "hyperparameters": {"type": "object", "default": {},
                            "description": "hyperparameter overrides, SageMaker XGBoost names, e.g. {\"eta\": 0.05}"},
        "force": {"type": "boolean", "default": False,
                  "description": "train even while a recent candidate is still being shadowed (it is replaced)"},
    }
    tasks = [
        job_task(env, "train", "train",
                 ["--model", m, "--date", date, "--backend", "{{ params.backend }}", "--window", "{{ params.window }}",
                  "--tune={{ params.tune | lower }}", "--wait-for-shadow", "--force={{ params.force | lower }}",
                  "--hyperparameters", "{{ params.hyperparameters | tojson }}"],
                 pool=(env.get("pools") or {}).get("sagemaker", {}).get("name"),
                 doc="train and register a candidate version; 100 when there is too little labelled data or a candidate is being shadowed"),
        job_task(env, "promote", "promote", ["--model", m, "--date", date], ["train"],
                 doc="a first version goes to production within the deploy thresholds; a later one waits for its shadow period"),
    ]
    return _dag(spec, spec_path, env, "retrain", schedule.get("retrain"),
                "Retrain %s: train a candidate and promote it where the gates allow (nightly/weekly, on the daily DAG's decision, or by hand)." % m,
                params, tasks, catchup=False)


def backfill_plan(spec, spec_path, env):
    """features over a date range, by hand."""
    m = spec["model"]
    params = {
        "from": {"type": "string", "format": "date", "description": "first data date (YYYY-MM-DD)"},
        "to": {"type": "string", "format": "date", "description": "last data date (YYYY-MM-DD), inclusive"},
    }
    tasks = [job_task(env, "features", "features", ["--model", m, "--from", "{{ params.from }}", "--to", "{{ params.to }}"],
                      doc="recompute the feature partitions of the range, in chunks; the online store keeps newer values")]
    return _dag(spec, spec_path, env, "backfill", None, "Feature backfill of %s over a date range, triggered by hand." % m,
                params, tasks, catchup=False)


def plans_for(spec_path, env):
    spec = load_spec(spec_path)
    out = [daily_plan(spec, spec_path, env)]
    if spec.get("training"):
        out.append(retrain_plan(spec, spec_path, env))
    if spec.get("features"):
        out.append(backfill_plan(spec, spec_path, env))
    for p in out:
        check(p)
    return out


def specs_dir():
    return os.environ.get("MLOPS_SPECS_DIR") or os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "models")


def env_file(name=None):
    """dags/environments/<name>.yaml; name from MLOPS_DAGS_ENV (default dev); "local": no file."""
    name = name or os.environ.get("MLOPS_DAGS_ENV", "dev")
    if name == "local":
        return None
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "environments", name + ".yaml")


def all_plans(specs=None, env=None):
    """Every DAG of every spec in the directory, in a stable order."""
    specs = specs or specs_dir()
    env = env if isinstance(env, dict) else load_env(env)
    try:
        names = sorted(n for n in os.listdir(specs) if n.endswith((".yaml", ".yml")))
    except OSError as e:
        raise PlanError(specs, "(directory)", "a directory of model specs (%s)" % e.strerror) from e
    out = []
    for n in names:
        out.extend(plans_for(os.path.join(specs, n), env))
    ids = [p["dag_id"] for p in out]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise PlanError(specs, "model", "unique model names; %s is defined twice" % dup[0])
    return out


def template_expressions(text):
    return TEMPLATE.findall(text) if isinstance(text, str) else []


def check_expression(expr, params):
    """Raises ValueError unless EXPR is in the shared template language (see TEMPLATE_NAMES)."""
    parts = [p.strip() for p in expr.split("|")]
    for f in parts[1:]:
        if f not in TEMPLATE_FILTERS:
            raise ValueError("template filter %r not supported (one of %s)" % (f, ", ".join(TEMPLATE_FILTERS)))
    for name in [n.strip() for n in parts[0].split(" or ")]:
        if not _NAME.match(name):
            raise ValueError("template name %r not supported (data_date, ds, ds_nodash, run_id, params.<name>)" % name)
        if name.startswith("params.") and name[len("params."):] not in params:
            raise ValueError("template uses %s, which the DAG does not declare" % name)


def airflow_template(text):
    """A plan template as Airflow renders it: the shared language with data_date written as AIRFLOW_DATA_DATE.

    Every other name (ds, run_id, params.x) and filter is already Airflow's own.
    """
    if not isinstance(text, str):
        return text
    return TEMPLATE.sub(lambda mt: _DATA_DATE.sub(lambda _: AIRFLOW_DATA_DATE, mt.group(0)), text)


def render(text, context):
    """The shared template language, as the local executor implements it (Jinja's result for these forms).

    context: ds, run_id, params, and data_date (the run's data date; ds when not given).
    """

    def lookup(name):
        if name.startswith("params."):
            return context["params"].get(name[len("params."):])
        if name == "data_date":
            return context.get("data_date", context.get("ds"))
        return context.get(name)

    def value(expr):
        parts = [p.strip() for p in expr.split("|")]
        v = None
        for name in [n.strip() for n in parts[0].split(" or ")]:
            v = lookup(name)
            if v:
                break
        for f in parts[1:]:
            v = json.dumps(v, sort_keys=True) if f == "tojson" else str(v).lower()  # Jinja: tojson sorts keys
        if isinstance(v, bool):
            return "True" if v else "False"
        return "" if v is None else str(v)

    return TEMPLATE.sub(lambda mt: value(mt.group(1)), text)


def check(plan):
    """The invariants both executors rely on; raises ValueError naming the DAG and task."""
    ids = [t["task_id"] for t in plan["tasks"]]
    where = plan["dag_id"]
    if len(set(ids)) != len(ids):
        raise ValueError("%s: duplicate task ids %s" % (where, ids))
    seen = set()
    for t in plan["tasks"]:
        for u in t["upstream"]:
            if u not in seen:
                raise ValueError("%s.%s: upstream %r must come earlier in the plan (tasks are in dependency order)" % (where, t["task_id"], u))
        seen.add(t["task_id"])
        if t["kind"] == "job":
            if t["job"] not in JOBS:
                raise ValueError("%s.%s: unknown job %r" % (where, t["task_id"], t["job"]))
            for a in t["arguments"] + list(t["env_vars"].values()):
                for e in template_expressions(a):
                    check_expression(e, plan["params"])
        elif t["kind"] == "branch":
            c = t["condition"]
            if c["task"] not in t["upstream"]:
                raise ValueError("%s.%s: the condition reads %r, which is not upstream" % (where, t["task_id"], c["task"]))
            for target in t["if_true"] + t["if_false"]:
                if target not in ids:
                    raise ValueError("%s.%s: branch target %r is not a task" % (where, t["task_id"], target))
        elif t["kind"] == "trigger":
            for v in t["conf"].values():
                for e in template_expressions(v):
                    check_expression(e, plan["params"])
        else:
            raise ValueError("%s.%s: unknown task kind %r" % (where, t["task_id"], t["kind"]))
    return plan
