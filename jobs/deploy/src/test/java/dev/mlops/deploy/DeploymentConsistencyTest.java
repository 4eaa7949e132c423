package dev.mlops.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.mlops.deploy.IamSimulator.Call;
import dev.mlops.deploy.IamSimulator.Outcome;
import dev.mlops.deploy.TerraformConfig.Block;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Production agrees with itself by construction (issue 15): {@code dags/environments/<env>.yaml} is the one
 * source of deployment settings. For dev and prod this renders every job's pod exactly as the DAGs do (the plan
 * layer, {@code python3 -m mlops_plan}) and what Terraform derives from the same file and the policies it
 * attaches (rendered by {@code terraform console}), then checks:
 * <ul>
 *   <li>every pod variable that names an AWS resource is what Terraform creates (lake and landing URIs, the SageMaker
 *       execution role, the KMS alias, the audit anchor, the table prefix, the region, the metadata database);</li>
 *   <li>every S3 URI a pod gets, with the lake areas its job touches, and every other AWS call the job's code makes,
 *       is allowed by that job's IAM policy, evaluated call by call by a real policy evaluator (iam-simulate), and
 *       the calls it must not make (another job's prefixes, deleting anchors, alarms outside the prefix) are denied;</li>
 *   <li>every pod gets the secrets its job reads and no other; service accounts and images are the ones Terraform
 *       binds and creates; envs/&lt;env&gt;/main.tf wires modules/settings into the resource modules.</li>
 * </ul>
 * Needs terraform on PATH (any 1.5+; no provider is downloaded) and node; skipped, saying so, without terraform.
 */
class DeploymentConsistencyTest {
    static final Path REPO = TerraformTest.REPO;
    static final ObjectMapper JSON = new ObjectMapper();
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final String DATE = "2026-01-01";

    static IamSimulator iam;
    static Map<String, Map<String, Boolean>> specs;

    @BeforeAll
    static void tools() throws IOException {
        assumeTrue(Processes.onPath(System.getProperty("terraform", "terraform")),
                "DeploymentConsistencyTest skipped: no terraform on PATH (any 1.5+; it renders modules/settings and modules/job_policies, "
                        + "which need no provider)");
        iam = new IamSimulator(Path.of(System.getProperty("hcl2json.dir", "target/hcl2json")));
        specs = TerraformTest.specs(REPO.resolve("dags/models"));
    }

    /** Per environment: rendered once for all the tests (terraform console and the plan layer are the slow part). */
    static final Map<String, List<JsonNode>> PODS = new java.util.concurrent.ConcurrentHashMap<>();
    static final Map<String, JsonNode> RENDERED = new java.util.concurrent.ConcurrentHashMap<>();

    static List<JsonNode> podTasks(String env) {
        return PODS.computeIfAbsent(env, DeploymentConsistencyTest::renderPods);
    }

    static JsonNode render(String env) {
        return RENDERED.computeIfAbsent(env, DeploymentConsistencyTest::renderTerraform);
    }

    /** The job tasks of every DAG of an environment, as the plan layer renders them for Airflow. */
    private static List<JsonNode> renderPods(String env) {
        String python = System.getenv().getOrDefault("MLOPS_PYTHON", "/usr/bin/python3");
        String out = Processes.run(List.of(python, "-m", "mlops_plan", "--env", env), REPO.resolve("dags"), "", 120);
        List<JsonNode> tasks = new ArrayList<>();
        JsonNode plans;
        try {
            plans = JSON.readTree(out);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("python3 -m mlops_plan --env " + env + " printed no JSON", e);
        }
        for (JsonNode plan : plans) {
            for (JsonNode t : plan.path("tasks")) {
                if (t.path("kind").asText().equals("job")) {
                    tasks.add(t);
                }
            }
        }
        return List.copyOf(tasks);
    }

    private static JsonNode renderTerraform(String env) {
        Map<String, Map<String, Boolean>> specs;
        try {
            specs = TerraformTest.specs(REPO.resolve("dags/models"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        List<String> models = new ArrayList<>(specs.keySet());
        List<String> online = new ArrayList<>();
        specs.forEach((m, groups) -> groups.forEach((g, on) -> {
            if (on) {
                online.add(m + "-" + g);
            }
        }));
        com.fasterxml.jackson.databind.node.ObjectNode rendered = (com.fasterxml.jackson.databind.node.ObjectNode) TerraformRender.render(REPO, env, models, online);
        rendered.put("key_policy", keyPolicy(rendered.path("settings").path("account_id").asText()));
        return rendered;
    }

    /**
     * The environment key's policy statement that lets IAM policies grant its use (modules/kms, sid
     * UseThroughIamPolicies: the account root as principal): KMS evaluates the key policy as well as the
     * caller's, so calls on the key are simulated with it. Its actions are read from the module, literal.
     */
    static String keyPolicy(String account) {
        TerraformConfig tf = TerraformConfig.load(REPO, REPO.resolve("terraform/modules/kms"));
        for (Block doc : tf.data("aws_iam_policy_document")) {
            for (JsonNode st : TerraformChecks.statements(doc)) {
                if (st.path("sid").asText().equals("UseThroughIamPolicies")) {
                    assertThat(st.path("principals").toString()).as("modules/kms UseThroughIamPolicies: the account root").contains("account_root");
                    com.fasterxml.jackson.databind.node.ObjectNode policy = JSON.createObjectNode().put("Version", "2012-10-17");
                    com.fasterxml.jackson.databind.node.ObjectNode s = policy.putArray("Statement").addObject()
                            .put("Sid", "UseThroughIamPolicies").put("Effect", "Allow").put("Resource", "*");
                    s.putObject("Principal").put("AWS", "arn:aws:iam::" + account + ":root");
                    s.set("Action", st.path("actions"));
                    return policy.toString();
                }
            }
        }
        throw new AssertionError("terraform/modules/kms: no key policy statement UseThroughIamPolicies");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everyPodVariableNamesWhatTerraformCreates(String env) throws IOException {
        JsonNode s = render(env).path("settings");
        List<JsonNode> tasks = podTasks(env);
        assertThat(tasks).hasSizeGreaterThan(8);
        Map<String, String> expected = Map.of(
                "MLOPS_ENV", "aws",
                "MLOPS_AWS_REGION", s.path("region").asText(),
                "MLOPS_LAKE_URI", s.path("lake_uri").asText(),
                "MLOPS_LANDING_URI", s.path("landing_uri").asText(),
                "MLOPS_DYNAMODB_TABLE_PREFIX", s.path("table_prefix").asText(),
                "MLOPS_SAGEMAKER_ROLE_ARN", s.path("sagemaker_execution_role_arn").asText(),
                "MLOPS_SAGEMAKER_KMS_KEY_ID", s.path("kms_alias_arn").asText(),
                "MLOPS_AUDIT_ANCHOR_URI", s.path("audit_anchor_uri").asText(),
                "MLOPS_METADATA_JDBC_URL", s.path("metadata_jdbc_url").asText());
        assertThat(s.path("lake_uri").asText()).as("the lake root is under the environment's prefix").endsWith("/" + env);
        for (JsonNode t : tasks) {
            String where = env + " " + t.path("task_id").asText() + " (" + t.path("job").asText() + ")";
            Map<String, String> vars = new TreeMap<>();
            t.path("env_vars").fields().forEachRemaining(e -> vars.put(e.getKey(), e.getValue().asText()));
            assertThat(vars).as(where).containsAllEntriesOf(expected);
            assertThat(t.path("service_account").asText()).as(where)
                    .isEqualTo(s.path("service_account_prefix").asText() + t.path("job").asText());
            assertThat(t.path("image").asText()).as(where)
                    .startsWith(s.path("image_registry").asText() + "/" + s.path("repository_prefix").asText() + t.path("job").asText() + ":");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everyPodGetsTheSecretsItsJobReadsAndNoOther(String env) throws IOException {
        JsonNode file = YAML.readTree(REPO.resolve("dags/environments/" + env + ".yaml").toFile());
        Set<String> connections = new TreeSet<>();
        for (Path spec : Files.list(REPO.resolve("dags/models")).filter(p -> p.toString().endsWith(".yaml")).toList()) {
            YAML.readTree(spec.toFile()).path("datasets").forEach(d -> {
                if (d.path("source").has("connection")) {
                    connections.add(d.path("source").path("connection").asText());
                }
            });
        }
        assertThat(connections).as("the specs read an operational database (ingest's JDBC datasets)").isNotEmpty();
        for (JsonNode t : podTasks(env)) {
            String job = t.path("job").asText();
            List<String> want = new ArrayList<>(List.of(file.path("secrets").path("metadata_db").asText()));
            if (job.equals("ingest")) {
                // a spec's connection <name>: its credentials in the secret <name>_db (MLOPS_CONNECTIONS_<NAME>_*)
                connections.forEach(c -> want.add(file.path("secrets").path(c + "_db").asText()));
            }
            List<String> got = new ArrayList<>();
            t.path("secret_env").forEach(n -> got.add(n.asText()));
            assertThat(got).as(env + " " + t.path("task_id").asText() + ": the Kubernetes secrets of job " + job).containsExactlyElementsOf(want);
            assertThat(got).as("secret names").allMatch(n -> !n.isBlank());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everyCallOfEveryJobIsAllowedByItsRoleAndNothingElse(String env) throws IOException {
        JsonNode rendered = render(env);
        JsonNode s = rendered.path("settings");
        Map<String, JsonNode> pods = new LinkedHashMap<>();
        podTasks(env).forEach(t -> pods.putIfAbsent(t.path("job").asText(), t));
        assertThat(pods.keySet()).containsExactlyInAnyOrderElementsOf(iterable(rendered.path("documents").fieldNames()));

        List<Call> calls = new ArrayList<>();
        for (Map.Entry<String, JsonNode> pod : pods.entrySet()) {
            calls.addAll(JobCalls.of(pod.getKey(), pod.getValue().path("env_vars"), rendered, specs, DATE));
        }
        List<Outcome> outcomes = iam.evaluate(calls);
        List<String> wrong = outcomes.stream().filter(o -> o.allowed() != o.call().expectAllowed())
                .map(o -> (o.call().expectAllowed() ? "DENIED " : "ALLOWED ") + o.call().show() + " -> " + o.result()).toList();
        assertThat(wrong).as(env + ": calls whose outcome is not what the job needs").isEmpty();
        // the check can fail: every job has calls that must be and are denied
        for (String job : pods.keySet()) {
            assertThat(outcomes).as(env + " " + job + ": denied calls")
                    .anyMatch(o -> o.call().job().equals(job) && !o.call().expectAllowed() && !o.allowed());
            assertThat(outcomes).as(env + " " + job + ": allowed calls")
                    .anyMatch(o -> o.call().job().equals(job) && o.allowed());
        }
        assertThat(outcomes.size()).as("calls evaluated").isGreaterThan(150);
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void renderedPoliciesGrantNoWildcardActionsAndStayInTheAccount(String env) throws IOException {
        JsonNode rendered = render(env);
        String account = rendered.path("settings").path("account_id").asText();
        List<String> bad = new ArrayList<>();
        rendered.path("documents").fields().forEachRemaining(d -> {
            JsonNode doc;
            try {
                doc = JSON.readTree(d.getValue().asText());
            } catch (IOException e) {
                bad.add(d.getKey() + ": not JSON: " + e.getMessage());
                return;
            }
            for (JsonNode st : doc.path("Statement")) {
                String at = env + " " + d.getKey() + " " + st.path("Sid").asText();
                for (JsonNode a : st.path("Action")) {
                    if (a.asText().equals("*") || a.asText().endsWith(":*")) {
                        bad.add(at + ": action " + a.asText());
                    }
                }
                for (JsonNode r : st.path("Resource")) {
                    String arn = r.asText();
                    if (arn.equals("*") || arn.endsWith(":*")) {
                        bad.add(at + ": resource " + arn);
                    } else if (!arn.startsWith("arn:aws:s3:::") && !arn.contains(":" + account + ":")) {
                        bad.add(at + ": resource " + arn + " outside account " + account);
                    }
                }
            }
        });
        assertThat(bad).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void theEnvironmentWiresItsSettingsIntoEveryModule(String env) {
        TerraformConfig tf = TerraformConfig.load(REPO, REPO.resolve("terraform/envs/" + env));
        Map<String, Map<String, String>> wiring = Map.of(
                "settings", Map.of("environment_file", "${path.module}/../../../dags/environments/" + env + ".yaml"),
                "kms", Map.of("alias", "${module.settings.kms_alias}"),
                "lake", Map.of("lake_bucket_name", "${module.settings.lake_bucket_name}", "lake_prefix", "${module.settings.lake_prefix}",
                        "results_bucket_name", "${module.settings.results_bucket_name}"),
                "online_store", Map.of("table_prefix", "${module.settings.table_prefix}"),
                "sagemaker", Map.of("execution_role_name", "${module.settings.sagemaker_execution_role_name}"),
                "ecr", Map.of("repository_prefix", "${module.settings.repository_prefix}"),
                "service_accounts", Map.of("namespace", "${module.settings.namespace}",
                        "spark_driver_jobs", "${module.settings.spark_kubernetes_jobs}"),
                "job_roles", Map.ofEntries(Map.entry("lake_bucket_arn", "${module.lake.lake_bucket_arn}"),
                        Map.entry("lake_key_prefix", "${module.lake.lake_key_prefix}"), Map.entry("kms_key_arn", "${module.kms.key_arn}"),
                        Map.entry("sagemaker_execution_role_arn", "${module.sagemaker.execution_role_arn}"),
                        Map.entry("namespace", "${module.settings.namespace}"),
                        Map.entry("service_account_prefix", "${module.settings.service_account_prefix}"),
                        Map.entry("alarm_name_prefix", "${module.settings.alarm_name_prefix}"),
                        Map.entry("online_table_arns", "${values(module.online_store.table_arns)}"), Map.entry("jobs", "${local.jobs}")));
        List<String> wrong = new ArrayList<>();
        wiring.forEach((module, args) -> {
            List<Block> calls = tf.modules().stream().filter(b -> b.name().equals(module)).toList();
            if (calls.size() != 1) {
                wrong.add("terraform/envs/" + env + ": expected one module \"" + module + "\", found " + calls.size());
                return;
            }
            args.forEach((arg, want) -> {
                String got = calls.get(0).text(arg);
                if (!want.equals(got)) {
                    wrong.add(tf.where(calls.get(0)) + ": " + arg + " = " + got + ", expected " + want);
                }
            });
        });
        assertThat(wrong).isEmpty();
    }

    @Test
    void thePolicyModulesOwnTerraformTestsPass() {
        String out = TerraformRender.test(REPO.resolve("terraform/modules/job_policies"));
        assertThat(out).contains("Success!").contains("0 failed");
    }

    @Test
    void aPodLakeOutsideTheEnvironmentPrefixIsDenied() throws IOException {
        // the defect this issue started from: MLOPS_LAKE_URI=s3://<bucket>/lake while the roles grant <env>/...
        JsonNode rendered = render("dev");
        String bucket = URI.create(rendered.path("settings").path("lake_uri").asText()).getHost();
        Map<String, String> broken = Map.of("MLOPS_LAKE_URI", "s3://" + bucket + "/lake", "MLOPS_LANDING_URI", "s3://" + bucket + "/landing");
        List<Call> calls = JobCalls.lake("ingest", JSON.valueToTree(broken), rendered, DATE);
        List<Outcome> outcomes = iam.evaluate(calls.stream().filter(c -> c.expectAllowed() && c.action().startsWith("s3:")).toList());
        assertThat(outcomes).isNotEmpty().allMatch(o -> !o.allowed(), "denied");
    }

    private static <T> Iterable<T> iterable(java.util.Iterator<T> it) {
        List<T> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
