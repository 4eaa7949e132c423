"""The DAG files without Airflow: python3 -m unittest discover -s tests -t . (from dags/)

- every .py under dags/ compiles;
- mlops_dags.py imports only what a DAG file may import at parse time (no database, network or
  Variable access);
- .airflowignore keeps the helper packages out of DAG parsing, against a stand-in of Airflow's
  ignore-file walk in each version and syntax (below);
- mlops_dags.py, loaded against a stand-in of the Airflow modules it imports, builds from every
  plan the operators, arguments and dependencies the plan describes. The stand-in is not
  Airflow: it accepts exactly the constructor parameters of the real classes (Airflow 2.10 / 3.x,
  cncf.kubernetes provider 10.x, kubernetes client models) and raises TypeError on any other, it
  offers only the import paths of the version it stands for, and it records what the DAG file
  passed; the branch callables, the exit-code handling and the failure callback are the DAG
  file's own code, run here. What only real Airflow can check (DagBag import, Param validation,
  Jinja rendering by Airflow, the real provider's cleanup) is test_airflow_dags.py's, which runs
  wherever airflow is importable.
"""

import ast
import datetime as dt
import importlib.util
import logging
import os
import py_compile
import re
import shutil
import sys
import tempfile
import types
import unittest
from types import SimpleNamespace
from unittest import mock

DAGS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, DAGS)

from mlops_plan import plan  # noqa: E402

DAG_FILE = os.path.join(DAGS, "mlops_dags.py")


def by_id(p):
    return {t["task_id"]: t for t in p["tasks"]}


class DagFilesCompileTest(unittest.TestCase):
    def test_every_python_file_under_dags_compiles(self):
        files = []
        for root, dirs, names in os.walk(DAGS):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            files += [os.path.join(root, n) for n in names if n.endswith(".py")]
        self.assertIn(DAG_FILE, files)
        with tempfile.TemporaryDirectory() as out:
            for f in files:
                py_compile.compile(f, cfile=os.path.join(out, "x.pyc"), doraise=True)

    def parse_time_imports(self):
        """Modules imported when the file is parsed: module level, including top-level if/try blocks, not inside functions."""
        with open(DAG_FILE, encoding="utf-8") as f:
            tree = ast.parse(f.read())
        found = []

        def walk(nodes):
            for n in nodes:
                if isinstance(n, ast.Import):
                    found.extend(a.name for a in n.names)
                elif isinstance(n, ast.ImportFrom):
                    found.append(n.module)
                elif isinstance(n, (ast.If, ast.Try)):
                    walk(n.body)
                    walk(getattr(n, "orelse", []))
                    for h in getattr(n, "handlers", []):
                        walk(h.body)
                    walk(getattr(n, "finalbody", []))
        walk(tree.body)
        return found

    def test_the_dag_file_imports_only_what_parsing_may_use(self):
        allowed = re.compile(r"^(logging|re|datetime|pendulum|mlops_plan|kubernetes\.client|airflow"
                             r"|airflow\.(exceptions|sdk|models\.dag|models\.param|operators\.python|operators\.trigger_dagrun"
                             r"|timetables\.interval|timetables\.trigger|providers\.cncf\.kubernetes\.operators\.pod"
                             r"|providers\.cncf\.kubernetes\.utils\.xcom_sidecar"
                             r"|providers\.standard\.operators\.(python|trigger_dagrun)))$")
        imports = self.parse_time_imports()
        self.assertIn("airflow.providers.cncf.kubernetes.operators.pod", imports)
        self.assertEqual([m for m in imports if not allowed.match(m)], [])
        # no name in the code (docstrings and comments aside) reaches a database, the network or Variables
        with open(DAG_FILE, encoding="utf-8") as f:
            tree = ast.parse(f.read())
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        names |= {a.name for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
        banned = {"Variable", "BaseHook", "get_connection", "Connection", "Session", "create_session", "provide_session",
                  "requests", "urllib", "socket", "http", "boto3", "subprocess", "XCom"}
        self.assertEqual(sorted(names & banned), [])


# --- a stand-in of Airflow's .airflowignore handling ----------------------------------------------
#
# What DagBag imports from a DAGs folder, as Airflow's utils/file.py (2.10; 3.0-3.1.x) and
# airflow_shared/module_loading/file_discovery.py (3.1.6+) decide it: _find_path_from_directory walks
# the folder, drops a directory when the rules match it and a file when they match it, with
# _RegexpIgnoreRule (each line a regular expression searched in the path relative to the DAGs
# folder) or _GlobIgnoreRule (gitignore lines, pathspec's GitWildMatchPattern; a line with a
# leading or inner "/" is matched against the path relative to the .airflowignore's folder, any
# other against the bare name). The glob versions differ in how a directory is presented:
# 2.10 appends "/" to its name when the line ends with "/"; 3.0-3.1.5 present the bare name, so
# "dir/" never matches a directory; 3.1.6 appends "/" to every directory. Then DagBag keeps the
# .py files that pass the "might contain a DAG" heuristic (safe mode).

IGNORE_VARIANTS = (  # (Airflow version, [core] dag_ignore_file_syntax)
    ("2.10", "regexp"), ("2.10", "glob"), ("3.0", "glob"), ("3.0", "regexp"), ("3.1.6", "glob"))


def ignore_lines(path):
    """The rules of an .airflowignore, read as Airflow reads them: comments stripped with r"\\s*#.*", empty lines dropped."""
    with open(path, encoding="utf-8") as f:
        return [line for line in (re.sub(r"\s*#.*", "", ln) for ln in f.read().split("\n")) if line]


def wildmatch_regex(pattern):
    """pathspec's GitWildMatchPattern(pattern).regex for the subset these tests need: literal characters and "/"."""
    if pattern.startswith("!") or any(c in pattern for c in "*?[\\"):
        raise NotImplementedError("the stand-in matches literal glob lines only, not %r: extend wildmatch_regex" % pattern)
    dir_only = pattern.endswith("/")
    body = pattern.strip("/")
    anchored = pattern.startswith("/") or "/" in body
    return re.compile("^" + ("" if anchored else "(?:.+/)?") + "/".join(re.escape(s) for s in body.split("/"))
                      + ("/.*$" if dir_only else "(?:/.*)?$"))


def ignored(version, syntax, path, is_dir, rules, base):
    """_RegexpIgnoreRule.match / _GlobIgnoreRule.match of Airflow `version` for one path; rules: (line, folder of its file)."""
    if syntax == "regexp":
        rel = os.path.relpath(path, base)
        return any(re.search(line, rel) for line, _ in rules)
    matched = False
    for line, folder in rules:
        anchored = line.startswith("/") or "/" in line.rstrip("/")
        rel = os.path.relpath(path, folder) if anchored else os.path.basename(path)
        if is_dir and (version == "3.1.6" or (version == "2.10" and line.endswith("/"))):
            rel += "/"
        if wildmatch_regex(line).match(rel):
            matched = True
    return matched


def dagbag_files(dags_folder, version, syntax):
    """The files DagBag of Airflow `version` imports from dags_folder (relative paths)."""
    out, rules_by_dir = [], {}
    for root, dirs, files in os.walk(dags_folder):
        rules = list(rules_by_dir.get(root, []))
        if ".airflowignore" in files:
            rules += [(line, root) for line in ignore_lines(os.path.join(root, ".airflowignore"))]
        dirs[:] = [d for d in dirs if not ignored(version, syntax, os.path.join(root, d), True, rules, dags_folder)]
        for d in dirs:
            rules_by_dir[os.path.join(root, d)] = rules
        for name in files:
            path = os.path.join(root, name)
            if name == ".airflowignore" or ignored(version, syntax, path, False, rules, dags_folder) or not name.endswith(".py"):
                continue
            with open(path, "rb") as f:
                content = f.read().lower()
            # might_contain_dag_via_default_heuristic: 2.x "dag" and "airflow"; 3.x "airflow" and ("dag" or "asset")
            if b"airflow" in content and (b"dag" in content or (version != "2.10" and b"asset" in content)):
                out.append(os.path.relpath(path, dags_folder))
    return sorted(out)


class AirflowIgnoreTest(unittest.TestCase):
    def test_dagbag_imports_only_the_dag_file_in_every_version_and_syntax(self):
        for version, syntax in IGNORE_VARIANTS:
            self.assertEqual(dagbag_files(DAGS, version, syntax), ["mlops_dags.py"], (version, syntax))

    def test_the_stand_in_shows_why_dir_slash_lines_fail_on_3_0(self):
        # the lines this file had: fine on 2.10 and 3.1.6, but 3.0-3.1.5 import mlops_plan/__main__.py (a broken DAG)
        with tempfile.TemporaryDirectory() as d:
            shutil.copytree(DAGS, os.path.join(d, "dags"), ignore=shutil.ignore_patterns("__pycache__"))
            folder = os.path.join(d, "dags")
            with open(os.path.join(folder, ".airflowignore"), "w", encoding="utf-8") as f:
                f.write("mlops_plan/\ntests/\nenvironments/\nmodels/\n")
            self.assertEqual(dagbag_files(folder, "2.10", "regexp"), ["mlops_dags.py"])
            self.assertEqual(dagbag_files(folder, "2.10", "glob"), ["mlops_dags.py"])
            self.assertEqual(dagbag_files(folder, "3.1.6", "glob"), ["mlops_dags.py"])
            on_3_0 = dagbag_files(folder, "3.0", "glob")
            self.assertIn("mlops_plan/__main__.py", on_3_0)
            self.assertIn("tests/test_airflow_dags.py", on_3_0)

    def test_other_dags_in_a_shared_folder_are_still_parsed(self):
        with tempfile.TemporaryDirectory() as folder:
            shutil.copy(os.path.join(DAGS, ".airflowignore"), folder)
            dag = b"from airflow import DAG\n"
            for rel in ("mlops_dags.py", "mlops_plan/__main__.py", "tests/test_plan.py", "models_dag.py", "test_models.py",
                        "team_a/churn_models_dag.py", "team_a/latest_tests_dag.py", "team_a/environments_dag.py"):
                os.makedirs(os.path.dirname(os.path.join(folder, rel)), exist_ok=True)
                with open(os.path.join(folder, rel), "wb") as f:
                    f.write(dag)
            for version, syntax in IGNORE_VARIANTS:
                self.assertEqual(dagbag_files(folder, version, syntax),
                                 ["mlops_dags.py", "models_dag.py", "team_a/churn_models_dag.py", "team_a/environments_dag.py",
                                  "team_a/latest_tests_dag.py", "test_models.py"], (version, syntax))

    def test_every_line_is_a_valid_regexp_and_the_stand_in_globs_are_pathspecs(self):
        lines = ignore_lines(os.path.join(DAGS, ".airflowignore"))
        for line in lines:
            re.compile(line)  # Airflow drops (and logs) a line that does not compile
            self.assertEqual(line, line.strip(), "Airflow keeps spaces around a line: %r" % line)
        try:
            from pathspec.patterns import GitWildMatchPattern
        except ImportError:
            self.skipTest("pathspec not installed (Debian: python3-pathspec): the stand-in's glob matching is not compared")
        samples = ["mlops_plan", "mlops_plan/", "mlops_plan/plan.py", "mlops_plan/__pycache__/plan.cpython-311.pyc", "mlops_dags.py",
                   "tests", "tests/", "tests/test_plan.py", "x/tests/", "x/tests/t.py", "models", "models/", "models/m.yaml",
                   "models_dag.py", "x/models/", "environments/dev.yaml", "^mlops_plan(", "^mlops_plan(/|$)"]
        for line in lines + ["mlops_plan/", "mlops_plan", "/mlops_plan"]:
            real = GitWildMatchPattern(line)
            for sample in samples:
                self.assertEqual(bool(wildmatch_regex(line).match(sample)), real.match_file(sample) is not None, (line, sample))


# --- a stand-in of the Airflow modules the DAG file imports ---------------------------------------

NOTSET = object()

# keyword parameters of airflow.models.baseoperator.BaseOperator (2.10) / airflow.sdk BaseOperator (3.x)
BASE_OPERATOR_ARGS = {
    "task_id", "owner", "email", "email_on_retry", "email_on_failure", "retries", "retry_delay", "retry_exponential_backoff",
    "max_retry_delay", "start_date", "end_date", "depends_on_past", "ignore_first_depends_on_past",
    "wait_for_past_depends_before_skipping", "wait_for_downstream", "dag", "params", "default_args", "priority_weight",
    "weight_rule", "queue", "pool", "pool_slots", "execution_timeout", "on_execute_callback", "on_failure_callback",
    "on_success_callback", "on_retry_callback", "on_skipped_callback", "pre_execute", "post_execute", "trigger_rule",
    "resources", "run_as_user", "max_active_tis_per_dag", "max_active_tis_per_dagrun", "executor", "executor_config",
    "do_xcom_push", "multiple_outputs", "inlets", "outlets", "task_group", "doc", "doc_md", "doc_json", "doc_yaml", "doc_rst",
    "task_display_name", "logger_name", "allow_nested_operators",
}
BASE_OPERATOR_ARGS_2 = BASE_OPERATOR_ARGS | {"sla", "task_concurrency"}  # removed in Airflow 3

# KubernetesPodOperator.__init__ (cncf.kubernetes provider 10.x)
KPO_ARGS = {
    "kubernetes_conn_id", "namespace", "image", "name", "random_name_suffix", "cmds", "arguments", "ports", "volume_mounts",
    "volumes", "env_vars", "env_from", "secrets", "in_cluster", "cluster_context", "labels", "reattach_on_restart",
    "startup_timeout_seconds", "startup_check_interval_seconds", "get_logs", "base_container_name",
    "base_container_status_polling_interval", "init_container_logs", "container_logs", "image_pull_policy", "annotations",
    "container_resources", "affinity", "config_file", "node_selector", "image_pull_secrets", "service_account_name",
    "automount_service_account_token", "hostnetwork", "host_aliases", "tolerations", "security_context",
    "container_security_context", "dnspolicy", "dns_config", "hostname", "subdomain", "schedulername", "full_pod_spec",
    "init_containers", "log_events_on_failure", "do_xcom_push", "pod_template_file", "pod_template_dict",
    "priority_class_name", "pod_runtime_info_envs", "termination_grace_period", "configmaps", "skip_on_exit_code",
    "deferrable", "poll_interval", "log_pod_spec_on_failure", "on_finish_action", "termination_message_policy",
    "active_deadline_seconds", "callbacks", "progress_callback", "logging_interval", "trigger_kwargs",
}
BRANCH_ARGS = {"python_callable", "op_args", "op_kwargs", "templates_dict", "templates_exts", "show_return_value_in_logs"}
TRIGGER_ARGS = {"trigger_dag_id", "trigger_run_id", "conf", "reset_dag_run", "wait_for_completion", "poke_interval",
                "allowed_states", "failed_states", "skip_when_already_exists", "deferrable"}
DAG_ARGS = {
    "dag_id", "description", "schedule", "start_date", "end_date", "template_searchpath", "template_undefined",
    "user_defined_macros", "user_defined_filters", "default_args", "max_active_tasks", "max_active_runs",
    "max_consecutive_failed_dag_runs", "dagrun_timeout", "default_view", "orientation", "catchup", "on_success_callback",
    "on_failure_callback", "doc_md", "params", "access_control", "is_paused_upon_creation", "jinja_environment_kwargs",
    "render_template_as_native_obj", "tags", "owner_links", "auto_register", "fail_fast", "dag_display_name",
}
DAG_ARGS_2 = DAG_ARGS | {"sla_miss_callback"}  # removed in Airflow 3


def fake_airflow(version):
    """The modules mlops_dags.py may import, as Airflow `version` lays them out; returns (modules, record)."""
    major = int(version.split(".")[0])
    record = SimpleNamespace(emails=[])
    mods = {}

    def module(name, **attrs):
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        mods[name] = m
        parent, _, child = name.rpartition(".")
        if parent:
            if parent not in mods:
                module(parent)
            setattr(mods[parent], child, m)
        return m

    class AirflowException(Exception):
        pass

    class AirflowSkipException(AirflowException):
        pass

    class AirflowFailException(AirflowException):
        pass

    current = []

    class DAG:
        def __init__(self, **kwargs):
            unknown = set(kwargs) - (DAG_ARGS_2 if major < 3 else DAG_ARGS)
            if unknown:
                raise TypeError("DAG() got unexpected keyword arguments %s" % sorted(unknown))
            if kwargs.get("catchup") and not kwargs.get("start_date"):
                raise ValueError("start_date is required when catchup=True")
            self.kwargs = kwargs
            self.dag_id = kwargs["dag_id"]
            self.default_args = kwargs.get("default_args") or {}
            self.task_dict = {}

        def __enter__(self):
            current.append(self)
            return self

        def __exit__(self, *exc):
            current.pop()

    class BaseOperator:
        own_args = set()

        def __init__(self, **kwargs):
            dag = kwargs.pop("dag", None) or (current[-1] if current else None)
            base = BASE_OPERATOR_ARGS_2 if major < 3 else BASE_OPERATOR_ARGS
            unknown = set(kwargs) - base - self.own_args
            if unknown:
                raise TypeError("Invalid arguments were passed to %s (task_id: %s): %s"
                                % (type(self).__name__, kwargs.get("task_id"), sorted(unknown)))
            merged = dict(dag.default_args) if dag else {}
            merged.update(kwargs)
            self.kwargs = merged
            self.task_id = kwargs["task_id"]
            self.trigger_rule = merged.get("trigger_rule", "all_success")
            self.upstream_task_ids, self.downstream_task_ids = set(), set()
            if dag is not None:
                if self.task_id in dag.task_dict:
                    raise ValueError("duplicate task id %s" % self.task_id)
                dag.task_dict[self.task_id] = self

        def __rshift__(self, other):
            self.downstream_task_ids.add(other.task_id)
            other.upstream_task_ids.add(self.task_id)
            return other

    class PodDefaults:  # airflow.providers.cncf.kubernetes.utils.xcom_sidecar (10.x; newer releases pin an alpine tag)
        SIDECAR_CONTAINER_NAME = "airflow-xcom-sidecar"
        SIDECAR_CONTAINER = SimpleNamespace(name=SIDECAR_CONTAINER_NAME, image="alpine")

    class KubernetesPodOperator(BaseOperator):
        own_args = KPO_ARGS

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.base_container_name = kwargs.get("base_container_name") or "base"
            code = kwargs.get("skip_on_exit_code")
            self.skip_on_exit_code = list(code) if isinstance(code, (list, tuple, set)) else [code] if code is not None else []

        def build_pod_request_obj(self, context=None):
            # the containers the provider's build_pod_request_obj makes: the base container, and with do_xcom_push the
            # sidecar add_xcom_sidecar appends, its image the hook's get_xcom_sidecar_container_image() (the Kubernetes
            # connection's extra xcom_sidecar_container_image; none here) or PodDefaults.SIDECAR_CONTAINER.image
            k = self.kwargs
            containers = [SimpleNamespace(name=self.base_container_name, image=k.get("image"), args=k.get("arguments"))]
            if k.get("do_xcom_push"):
                containers.append(SimpleNamespace(name=PodDefaults.SIDECAR_CONTAINER_NAME, image=PodDefaults.SIDECAR_CONTAINER.image))
            return SimpleNamespace(metadata=SimpleNamespace(name=k.get("name"), namespace=k.get("namespace")),
                                   spec=SimpleNamespace(containers=containers))

        def cleanup(self, pod, remote_pod, xcom_result=None, context=None):
            # what the provider's cleanup raises (providers/cncf/kubernetes/operators/pod.py): AirflowSkipException for a
            # skip_on_exit_code, AirflowException for any other failed pod, nothing for a succeeded one
            statuses = remote_pod.status.container_statuses or []
            base = next((s for s in statuses if s.name == self.base_container_name), None)
            code = base.state.terminated.exit_code if base and base.state and base.state.terminated else None
            if self.skip_on_exit_code and code in self.skip_on_exit_code:
                raise AirflowSkipException("Pod %s returned exit code %s. Skipping." % (pod.metadata.name, code))
            if remote_pod.status.phase != "Succeeded":
                raise AirflowException("Pod %s returned a failure." % pod.metadata.name)

    class BranchPythonOperator(BaseOperator):
        own_args = BRANCH_ARGS

    class TriggerDagRunOperator(BaseOperator):
        own_args = TRIGGER_ARGS | ({"logical_date", "fail_when_dag_is_paused"} if major >= 3 else {"execution_date", "logical_date"})

    class Param:
        def __init__(self, default=NOTSET, description=None, **schema):
            self.value, self.description, self.schema = default, description, schema

    class CronDataIntervalTimetable:
        def __init__(self, cron, timezone):
            self.cron, self.timezone = cron, timezone

    class CronTriggerTimetable:
        def __init__(self, cron, *, timezone, interval=dt.timedelta(), run_immediately=False):
            self.cron, self.timezone, self.interval = cron, timezone, interval

    def send_email(to, subject, html_content, files=None, dryrun=False, cc=None, bcc=None, mime_subtype="mixed",
                   mime_charset="utf-8", conn_id=None, custom_headers=None, **kwargs):
        record.emails.append((to, subject, html_content))

    module("airflow", __version__=version)
    module("airflow.exceptions", AirflowException=AirflowException, AirflowSkipException=AirflowSkipException,
           AirflowFailException=AirflowFailException)
    module("airflow.providers.cncf.kubernetes.operators.pod", KubernetesPodOperator=KubernetesPodOperator)
    module("airflow.providers.cncf.kubernetes.utils.xcom_sidecar", PodDefaults=PodDefaults)
    module("airflow.timetables.interval", CronDataIntervalTimetable=CronDataIntervalTimetable)
    module("airflow.timetables.trigger", CronTriggerTimetable=CronTriggerTimetable)
    module("airflow.utils.email", send_email=send_email)
    if major >= 3:
        module("airflow.sdk", DAG=DAG, Param=Param, BaseOperator=BaseOperator)
        module("airflow.providers.standard.operators.python", BranchPythonOperator=BranchPythonOperator)
        module("airflow.providers.standard.operators.trigger_dagrun", TriggerDagRunOperator=TriggerDagRunOperator)
    else:
        module("airflow.models.dag", DAG=DAG)
        module("airflow.models.param", Param=Param)
        module("airflow.operators.python", BranchPythonOperator=BranchPythonOperator)
        module("airflow.operators.trigger_dagrun", TriggerDagRunOperator=TriggerDagRunOperator)

    # kubernetes.client.models: keyword-only, None defaults, the client's required fields enforced
    def model(name, fields, required=()):
        def init(self, **kw):
            unknown = set(kw) - set(fields)
            if unknown:
                raise TypeError("%s got unexpected keyword arguments %s" % (name, sorted(unknown)))
            for f in required:
                if kw.get(f) is None:
                    raise ValueError("Invalid value for `%s`, must not be `None`" % f)
            for f in fields:
                setattr(self, f, kw.get(f))

        return type(name, (), {"__init__": init, "__eq__": lambda a, b: type(a) is type(b) and vars(a) == vars(b),
                               "__repr__": lambda self: "%s(%s)" % (name, vars(self))})

    k8s = module("kubernetes.client.models",
                 V1ResourceRequirements=model("V1ResourceRequirements", ("claims", "limits", "requests")),
                 V1Toleration=model("V1Toleration", ("effect", "key", "operator", "toleration_seconds", "value")),
                 V1EnvFromSource=model("V1EnvFromSource", ("config_map_ref", "prefix", "secret_ref")),
                 V1SecretEnvSource=model("V1SecretEnvSource", ("name", "optional")),
                 V1Volume=model("V1Volume", ("name", "config_map", "secret", "empty_dir", "persistent_volume_claim"), ("name",)),
                 V1ConfigMapVolumeSource=model("V1ConfigMapVolumeSource", ("default_mode", "items", "name", "optional")),
                 V1VolumeMount=model("V1VolumeMount", ("mount_path", "mount_propagation", "name", "read_only", "sub_path",
                                                       "sub_path_expr"), ("mount_path", "name")))
    mods["kubernetes.client"].models = k8s
    module("pendulum", datetime=lambda y, m, d, tz="UTC": dt.datetime(y, m, d, tzinfo=dt.timezone.utc))
    classes = SimpleNamespace(DAG=DAG, KubernetesPodOperator=KubernetesPodOperator, BranchPythonOperator=BranchPythonOperator,
                              TriggerDagRunOperator=TriggerDagRunOperator, Param=Param, AirflowException=AirflowException,
                              AirflowSkipException=AirflowSkipException, AirflowFailException=AirflowFailException,
                              CronDataIntervalTimetable=CronDataIntervalTimetable, CronTriggerTimetable=CronTriggerTimetable)
    return mods, record, classes


def load_dag_file(version, env):
    """Import mlops_dags.py against the stand-in of Airflow `version` with MLOPS_DAGS_ENV=env; sys.modules is restored after."""
    mods, record, classes = fake_airflow(version)
    with mock.patch.dict(sys.modules, mods), mock.patch.dict(os.environ, {"MLOPS_DAGS_ENV": env}):
        os.environ.pop("MLOPS_SPECS_DIR", None)
        spec = importlib.util.spec_from_file_location("mlops_dags_under_test", DAG_FILE)
        m = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(m)
    return m, record, classes


def pod(phase, exit_code):
    state = SimpleNamespace(terminated=SimpleNamespace(exit_code=exit_code))
    return SimpleNamespace(metadata=SimpleNamespace(name="p-1"),
                           status=SimpleNamespace(phase=phase, container_statuses=[
                               SimpleNamespace(name="airflow-xcom-sidecar", state=SimpleNamespace(terminated=None)),
                               SimpleNamespace(name="base", state=state)]))


class DagFileAgainstStandInTest(unittest.TestCase):
    VERSIONS = ("2.10.5", "3.1.0")

    @classmethod
    def setUpClass(cls):
        cls.loaded = {(v, e): load_dag_file(v, e) for v in cls.VERSIONS for e in ("dev", "prod", "local")}
        cls.plans = {e: {p["dag_id"]: p for p in plan.all_plans(os.path.join(DAGS, "models"), plan.env_file(e))}
                     for e in ("dev", "prod", "local")}

    def dags(self, version, env):
        m, _, c = self.loaded[(version, env)]
        return {k: v for k, v in vars(m).items() if isinstance(v, c.DAG)}

    def test_one_dag_per_plan_registered_in_globals(self):
        for (v, e) in self.loaded:
            dags = self.dags(v, e)
            self.assertEqual(sorted(dags), sorted(self.plans[e]), (v, e))
            for dag_id, dag in dags.items():
                self.assertEqual(dag.dag_id, dag_id)

    def test_dag_level_fields_follow_the_plan(self):
        for v in self.VERSIONS:
            _, _, c = self.loaded[(v, "dev")]
            for dag_id, dag in self.dags(v, "dev").items():
                p, k = self.plans["dev"][dag_id], dag.kwargs
                self.assertEqual(k["description"], p["description"])
                self.assertEqual(k["start_date"], dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
                self.assertEqual(k["catchup"], p["catchup"])
                self.assertEqual(k["max_active_runs"], 1)
                self.assertEqual(k["tags"], p["tags"])
                self.assertEqual(k["default_args"]["owner"], p["owner"])
                self.assertFalse(k["default_args"]["depends_on_past"])
                self.assertTrue(callable(k["on_failure_callback"]))
                for t in p["tasks"]:
                    self.assertIn("| %s |" % t["task_id"], k["doc_md"])
                if p["dagrun_timeout_s"]:
                    self.assertEqual(k["dagrun_timeout"], dt.timedelta(seconds=p["dagrun_timeout_s"]))
                else:
                    self.assertIsNone(k["dagrun_timeout"])
                self.assertEqual("sla_miss_callback" in k, v.startswith("2.") and bool(p["dagrun_timeout_s"]), dag_id)
                s = k["schedule"]
                if p["kind"] == "daily":  # one data interval per run: ds is the data date
                    self.assertIsInstance(s, c.CronDataIntervalTimetable)
                    self.assertEqual((s.cron, s.timezone), (p["schedule"], "UTC"))
                elif p["kind"] == "retrain":  # on its cron, for the day before
                    self.assertIsInstance(s, c.CronTriggerTimetable)
                    self.assertEqual((s.cron, s.timezone, s.interval), (p["schedule"], "UTC", dt.timedelta(days=1)))
                else:
                    self.assertIsNone(s)

    def test_params_become_params_with_their_schema(self):
        for v in self.VERSIONS:
            _, _, c = self.loaded[(v, "dev")]
            dag = self.dags(v, "dev")["zone_demand_retrain"]
            p = self.plans["dev"]["zone_demand_retrain"]["params"]
            self.assertEqual(sorted(dag.kwargs["params"]), sorted(p))
            backend = dag.kwargs["params"]["backend"]
            self.assertIsInstance(backend, c.Param)
            self.assertEqual((backend.value, backend.schema), ("local", {"type": "string", "enum": ["local", "sagemaker"]}))
            date = dag.kwargs["params"]["date"]
            self.assertEqual((date.value, date.schema), (None, {"type": ["null", "string"], "format": "date"}))
            self.assertEqual(dag.kwargs["params"]["window"].schema["pattern"], "^[1-9][0-9]*d$")
            backfill = self.dags(v, "dev")["zone_demand_backfill"].kwargs["params"]
            self.assertIs(backfill["from"].value, NOTSET)  # required: the trigger form asks for it
            self.assertEqual(backfill["from"].schema, {"type": "string", "format": "date"})

    def test_every_task_matches_its_plan_task(self):
        for (v, e) in self.loaded:
            _, _, c = self.loaded[(v, e)]
            for dag_id, dag in self.dags(v, e).items():
                p = self.plans[e][dag_id]
                self.assertEqual(list(dag.task_dict), [t["task_id"] for t in p["tasks"]])
                for t in p["tasks"]:
                    op, where = dag.task_dict[t["task_id"]], (v, e, dag_id, t["task_id"])
                    self.assertEqual(op.upstream_task_ids, set(t["upstream"]), where)
                    self.assertEqual(op.trigger_rule, t["trigger_rule"], where)
                    self.assertEqual(op.kwargs["owner"], p["owner"], where)
                    self.assertGreaterEqual(op.kwargs["retries"], 1, where)
                    if t["kind"] == "job":
                        self.assert_job(c, v, p, t, op, where)
                    elif t["kind"] == "branch":
                        self.assertIsInstance(op, c.BranchPythonOperator, where)
                    else:
                        self.assertIsInstance(op, c.TriggerDagRunOperator, where)
                        self.assertEqual(op.kwargs["trigger_dag_id"], t["trigger_dag_id"])
                        self.assertIn(t["trigger_dag_id"], self.dags(v, e))
                        self.assertEqual(op.kwargs["conf"], {n: plan.airflow_template(v) for n, v in t["conf"].items()})
                        self.assertIs(op.kwargs["wait_for_completion"], False)
                # downstream mirrors upstream
                for tid, op in dag.task_dict.items():
                    for d in op.downstream_task_ids:
                        self.assertIn(tid, dag.task_dict[d].upstream_task_ids)

    def assert_job(self, c, version, p, t, op, where):
        k = op.kwargs
        self.assertIsInstance(op, c.KubernetesPodOperator, where)
        self.assertEqual(k["image"], t["image"], where)
        self.assertEqual(k["image_pull_policy"], t["image_pull_policy"], where)
        self.assertEqual(k["arguments"], [plan.airflow_template(a) for a in t["arguments"]], where)
        self.assertEqual(k["namespace"], p["namespace"], where)
        self.assertRegex(k["name"], r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
        self.assertEqual(k["service_account_name"], t["service_account"], where)
        self.assertEqual(k["container_resources"].requests, t["resources"]["requests"], where)
        self.assertEqual(k["container_resources"].limits, t["resources"]["limits"], where)
        self.assertEqual(k["node_selector"], t["node_selector"], where)
        self.assertEqual([(x.key, x.operator, x.value, x.effect) for x in k["tolerations"]],
                         [(x.get("key"), x.get("operator"), x.get("value"), x.get("effect")) for x in t["tolerations"]], where)
        self.assertEqual(k["env_vars"], {n: plan.airflow_template(v) for n, v in t["env_vars"].items()}, where)
        self.assertEqual([s.secret_ref.name for s in k["env_from"]], t["secret_env"], where)
        if t["specs_config_map"]:
            self.assertEqual([(vol.name, vol.config_map.name) for vol in k["volumes"]], [("model-specs", t["specs_config_map"])])
            self.assertEqual([(m.name, m.mount_path, m.read_only) for m in k["volume_mounts"]],
                             [("model-specs", t["env_vars"]["MLOPS_SPECS_DIR"], True)], where)
        else:
            self.assertEqual((k["volumes"], k["volume_mounts"]), ([], []), where)
        self.assertEqual(k["on_finish_action"], "delete_pod", where)
        self.assertIs(k["get_logs"], True, where)
        self.assertIs(k["do_xcom_push"], True, where)
        self.assertEqual(op.xcom_sidecar_image, t["xcom_sidecar_image"], where)
        self.assertEqual(k["skip_on_exit_code"], [100], where)
        self.assertEqual(k["retries"], t["retries"], where)
        self.assertEqual(k["retry_delay"], dt.timedelta(seconds=t["retry_delay_s"]), where)
        self.assertIs(k["retry_exponential_backoff"], True, where)
        self.assertEqual(k["max_retry_delay"], dt.timedelta(seconds=t["max_retry_delay_s"]), where)
        self.assertEqual(k["execution_timeout"], dt.timedelta(seconds=t["execution_timeout_s"]), where)
        self.assertEqual(k.get("pool"), t["pool"], where)
        if version.startswith("2.") and p["dagrun_timeout_s"]:
            self.assertEqual(k["sla"], dt.timedelta(seconds=p["dagrun_timeout_s"]), where)
        else:
            self.assertNotIn("sla", k, where)

    def test_daily_semantics_quality_after_a_skipped_transform_and_the_sagemaker_pool(self):
        for v in self.VERSIONS:
            daily = self.dags(v, "dev")["zone_demand_daily"].task_dict
            self.assertEqual(daily["quality"].trigger_rule, "none_failed")
            self.assertEqual(daily["quality"].upstream_task_ids, {"transform"})
            self.assertEqual(daily["trigger_retrain"].upstream_task_ids, {"retrain_decision"})
            self.assertEqual(daily["promote"].upstream_task_ids, {"shadow"})
            train = self.dags(v, "prod")["trip_risk_retrain"].task_dict["train"]
            self.assertEqual(train.kwargs["pool"], "sagemaker")
            self.assertEqual(train.kwargs["node_selector"], {"karpenter.sh/capacity-type": "spot"})
            self.assertIn("{{ params.hyperparameters | tojson }}", train.kwargs["arguments"])

    def test_branch_follows_the_quality_decision_from_xcom(self):
        for v in self.VERSIONS:
            branch = self.dags(v, "dev")["trip_risk_daily"].task_dict["retrain_decision"].kwargs["python_callable"]

            def run(result):
                ti = mock.Mock()
                ti.xcom_pull.return_value = result
                out = branch(ti=ti, ds="2026-03-01")
                ti.xcom_pull.assert_called_once_with(task_ids="quality")
                return out

            self.assertEqual(run({"decisions": [{"retrain": True, "reasons": ["drift"]}]}), ["trigger_retrain"])
            self.assertEqual(run({"decisions": [{"retrain": False}]}), [])
            self.assertEqual(run({"decisions": [{"retrain": 1}]}), [])  # JSON: 1 is not true
            self.assertEqual(run({"decisions": []}), [])
            self.assertEqual(run({"status": "done"}), [])
            with self.assertLogs("mlops_dags_under_test", "WARNING") as logs:
                self.assertEqual(run(None), [])
            self.assertIn("pushed no result", logs.output[0])

    def test_exit_100_skips_2_and_3_fail_without_retry_1_is_retried(self):
        for v in self.VERSIONS:
            _, _, c = self.loaded[(v, "dev")]
            op = self.dags(v, "dev")["zone_demand_daily"].task_dict["validate"]
            op.cleanup(pod("Succeeded", 0), pod("Succeeded", 0))
            with self.assertRaises(c.AirflowSkipException):
                op.cleanup(pod("Failed", 100), pod("Failed", 100))
            for code in (2, 3):
                with self.assertRaises(c.AirflowFailException) as e:
                    op.cleanup(pod("Failed", code), remote_pod=pod("Failed", code))
                self.assertIn("validate exited %d" % code, str(e.exception))
                self.assertIn("not retried", str(e.exception))
            with self.assertRaises(c.AirflowException) as e:
                op.cleanup(pod("Failed", 1), pod("Failed", 1))
            self.assertNotIsInstance(e.exception, c.AirflowFailException)
            with self.assertRaises(c.AirflowException) as e:  # evicted before the container ended: no exit code, retried
                op.cleanup(pod("Failed", None), pod("Failed", None))
            self.assertNotIsInstance(e.exception, c.AirflowFailException)

    def test_failure_callback_logs_and_emails_only_where_the_environment_lists_addresses(self):
        context = {"dag_run": SimpleNamespace(run_id="scheduled__2026-03-01T05:00:00+00:00"),
                   "task_instance": SimpleNamespace(task_id="validate"), "reason": "task_failure"}
        for v in self.VERSIONS:
            for env, expected in (("dev", []), ("prod", [["ml-platform-oncall@example.com"]])):
                cb = self.dags(v, env)["zone_demand_daily"].kwargs["on_failure_callback"]
                mods, record, _ = fake_airflow(v)
                with mock.patch.dict(sys.modules, mods), self.assertLogs("mlops_dags_under_test", "ERROR") as logs:
                    cb(context)
                self.assertIn("zone_demand_daily run scheduled__2026-03-01T05:00:00+00:00 failed at validate: task_failure",
                              logs.output[0])
                self.assertEqual([to for to, _, _ in record.emails], expected, (v, env))
                if expected:
                    self.assertIn("[mlops] zone_demand_daily run", record.emails[0][1])

    def test_sla_misses_left_by_a_catch_up_are_not_mailed(self):
        # Airflow 2.10's manage_slas, after the first success of a catch-up from start_date, passes one SlaMiss per task and
        # day since then (execution_date: the period's logical date, timestamp: when recorded) and the TIs not yet done
        cb = self.dags("2.10.5", "prod")["zone_demand_daily"].kwargs["sla_miss_callback"]
        now = dt.datetime.now(dt.timezone.utc)
        deadline = dt.timedelta(hours=6)

        def miss(task_id, logical, recorded=now):
            return SimpleNamespace(task_id=task_id, dag_id="zone_demand_daily", execution_date=logical, timestamp=recorded)

        today = now - deadline - dt.timedelta(hours=1)  # its deadline passed an hour ago: late
        backlog = [miss(t, today - dt.timedelta(days=n)) for n in range(2, 60) for t in ("ingest", "validate")]
        # recorded long ago, an hour after its deadline, but notified only now (the callback had failed): still late
        retried = miss("features", now - dt.timedelta(days=3), recorded=now - dt.timedelta(days=3) + deadline + dt.timedelta(hours=1))
        blocking = [SimpleNamespace(task_id="ingest", execution_date=today),
                    SimpleNamespace(task_id="ingest", execution_date=today - dt.timedelta(days=2))]
        mods, record, _ = fake_airflow("2.10.5")
        with mock.patch.dict(sys.modules, mods), self.assertLogs("mlops_dags_under_test", "INFO") as logs:
            cb(None, "(Airflow's list of all)", "(Airflow's list of all)", backlog + [miss("ingest", today), retried], blocking)
        self.assertEqual(len(record.emails), 1)
        to, subject, body = record.emails[0]
        self.assertEqual((to, subject), (["ml-platform-oncall@example.com"], "[mlops] zone_demand_daily missed its deadline"))
        self.assertIn("ingest on %s" % today.isoformat(), body)
        self.assertIn("features on %s" % retried.execution_date.isoformat(), body)
        self.assertEqual(body.count(" on "), 3)  # the two late tasks and the one blocking task of a late date, no backlog
        self.assertIn("116 SLA miss(es) of past dates", "\n".join(logs.output))
        # only backlog: a log line, no mail
        mods, record, _ = fake_airflow("2.10.5")
        with mock.patch.dict(sys.modules, mods), self.assertLogs("mlops_dags_under_test", "INFO") as logs:
            cb(None, "", "", backlog, blocking)
        self.assertEqual(record.emails, [])
        self.assertEqual([r.levelname for r in logs.records], ["INFO"])

    def test_xcom_sidecar_image_from_the_environment_replaces_the_providers_default(self):
        env = plan.load_env(plan.env_file("prod"))
        image = "222222222222.dkr.ecr.eu-west-1.amazonaws.com/mlops-xcom-sidecar:3.20"
        for v in self.VERSIONS:
            m, _, _ = self.loaded[(v, "prod")]
            p = self.plans["prod"]["trip_risk_daily"]
            op = m.job_operator(p, by_id(p)["validate"])  # prod.yaml: null, the provider's default
            self.assertEqual([(c.name, c.image) for c in op.build_pod_request_obj().spec.containers],
                             [("base", by_id(p)["validate"]["image"]), ("airflow-xcom-sidecar", "alpine")])
            p = plan.all_plans(os.path.join(DAGS, "models"), dict(env, image=dict(env["image"], xcom_sidecar=image)))[0]
            op = m.job_operator(p, by_id(p)["validate"])
            self.assertEqual([(c.name, c.image) for c in op.build_pod_request_obj().spec.containers],
                             [("base", by_id(p)["validate"]["image"]), ("airflow-xcom-sidecar", image)])

    def test_audit_anchor_task_where_the_environment_has_an_anchor_uri(self):
        env = plan.load_env(plan.env_file("dev"))  # its aws: section gives MLOPS_AUDIT_ANCHOR_URI
        p = plan.all_plans(os.path.join(DAGS, "models"), env)[0]
        for v in self.VERSIONS:
            m, _, c = self.loaded[(v, "dev")]
            dag = m.build_dag(p)
            anchor = dag.task_dict["audit_anchor"]
            self.assertIsInstance(anchor, c.KubernetesPodOperator)
            self.assertEqual(anchor.upstream_task_ids, {"promote", "quality"})
            self.assertEqual(anchor.trigger_rule, "all_done")
            self.assertEqual(anchor.kwargs["image"], dag.task_dict["promote"].kwargs["image"])
            self.assertEqual(anchor.kwargs["arguments"][:3], ["audit", "anchor", "--date"])
            self.assertEqual(anchor.kwargs["arguments"][3], plan.airflow_template("{{ data_date }}"))
            self.assertEqual(anchor.kwargs["retries"], env["jobs"]["promote"]["retries"])
            self.assertIn("audit_anchor", self.dags(v, "dev")["trip_risk_daily"].task_dict)
            self.assertNotIn("audit_anchor", self.dags(v, "local")["trip_risk_daily"].task_dict)

    def test_a_failing_email_does_not_hide_the_failure(self):
        cb = self.dags("3.1.0", "prod")["trip_risk_daily"].kwargs["on_failure_callback"]
        mods = fake_airflow("3.1.0")[0]

        def refuse(*a, **kw):
            raise OSError("SMTP connection refused")

        mods["airflow.utils.email"].send_email = refuse
        with mock.patch.dict(sys.modules, mods), self.assertLogs("mlops_dags_under_test", "ERROR") as logs:
            cb({"dag_run": SimpleNamespace(run_id="r1"), "reason": "timed_out"})
        self.assertIn("trip_risk_daily run r1 failed: timed_out", logs.output[0])
        self.assertIn("could not email ml-platform-oncall@example.com", logs.output[1])

    def test_a_bad_environment_fails_the_import_with_file_and_key(self):
        with open(os.path.join(DAGS, "environments", "dev.yaml"), encoding="utf-8") as f:
            text = f.read()
        self.assertIn("node_pool: spot", text)
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "dev.yaml")
            with open(bad, "w", encoding="utf-8") as f:
                f.write(text.replace("node_pool: spot", "node_pool: gpu"))
            with mock.patch.dict(sys.modules, fake_airflow("3.1.0")[0]), mock.patch("mlops_plan.env_file", return_value=bad):
                spec = importlib.util.spec_from_file_location("mlops_dags_bad_env", DAG_FILE)
                with self.assertRaises(plan.PlanError) as e:
                    spec.loader.exec_module(importlib.util.module_from_spec(spec))
        self.assertIn("jobs.train.node_pool: one of node_pools", str(e.exception))

    def test_specs_config_map_without_a_mount_path_is_refused(self):
        m, _, _ = self.loaded[("3.1.0", "dev")]
        p = self.plans["dev"]["zone_demand_daily"]
        t = dict(by_id(p)["ingest"], env_vars={})
        with self.assertRaisesRegex(ValueError, "no MLOPS_SPECS_DIR to mount it at"):
            m.job_operator(p, t)


if __name__ == "__main__":
    logging.basicConfig()
    unittest.main()
