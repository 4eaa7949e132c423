package dev.mlops.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlops.cli.pipeline.JobRunner;
import dev.mlops.cli.pipeline.LocalExecutor;
import dev.mlops.cli.pipeline.LocalExecutor.DagRun;
import dev.mlops.cli.pipeline.LocalExecutor.State;
import dev.mlops.cli.pipeline.LocalExecutor.TaskRun;
import dev.mlops.cli.pipeline.Plan;
import dev.mlops.cli.pipeline.PlanSource;
import dev.mlops.cli.pipeline.Templates;
import dev.mlops.core.config.JdbcTarget;
import dev.mlops.core.lake.Manifest;
import dev.mlops.core.testing.AthenaOnTrino;
import dev.mlops.core.testing.AthenaSql;
import dev.mlops.core.testing.TrinoServer;
import dev.mlops.core.testing.S3MockServer;
import dev.mlops.core.testing.SageMakerStandIn;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.datagen.DataGenerator;
import dev.mlops.datagen.GeneratorOptions;
import dev.mlops.datagen.ModelKind;
import dev.mlops.deploy.IamSimulator.Call;
import dev.mlops.deploy.IamSimulator.Outcome;
import dev.mlops.features.DynamoDbLocal;
import dev.mlops.features.OnlineStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.postgresql.ds.PGSimpleDataSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The production rehearsal: zone_demand's daily DAG and a retrain run as the pods Airflow would start in the dev
 * deployment, each task a container of the real job image (built by images/build.sh), with the arguments and
 * environment the plan layer renders for {@code dags/environments/dev.yaml}, the specs mounted where the DAG mounts its
 * ConfigMap and the XCom read back from {@code /airflow/xcom/return.json}; the local executor's scheduling (exit codes
 * as the DAG maps them, the retrain branch from the XCom). AWS is local: the lake on S3Mock through S3A, DynamoDB Local,
 * the SageMaker stand-in, a KMS stand-in for DescribeKey, PostgreSQL as the metadata database. Every AWS call the pods
 * made, read from those servers' request logs, is evaluated against the job's IAM policy as Terraform renders it for
 * dev ({@code @cloud-copilot/iam-simulate}): none may be denied, and another job's role is denied the same calls.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProductionRehearsalIT {
    static final Path REPO = TerraformTest.REPO;
    static final String ENV = "dev";
    static final String MODEL = "zone_demand";
    /**
     * The daily DAG's dates: the last two days (DynamoDB expires online items on the real clock: the features of older
     * days would all be expired, and the online store never written), after four days of history loaded first (ingest,
     * validate, features over the range, as a team onboarding a model does).
     */
    static final LocalDate LAST_DAY = LocalDate.now(java.time.ZoneOffset.UTC).minusDays(1);
    static final LocalDate FIRST_DAY = LAST_DAY.minusDays(1);
    static final LocalDate HISTORY_TO = FIRST_DAY.minusDays(1);
    static final LocalDate HISTORY_FROM = HISTORY_TO.minusDays(3);

    static Path work;
    static JsonNode rendered;
    static PlanSource plans;
    static S3MockServer s3;
    static DynamoDbLocal dynamodb;
    static AwsJsonRecorder dynamodbLog;
    static AwsJsonRecorder kms;
    static SageMakerStandIn sagemaker;
    static PodRunner pods;
    static LocalExecutor executor;
    static String keyArn;
    static final StringBuilder PROGRESS = new StringBuilder();

    @BeforeAll
    static void deploy() throws Exception {
        Images.requireEngine("ProductionRehearsalIT");
        work = Files.createTempDirectory("mlops-rehearsal-");
        Images.build(REPO);
        rendered = DeploymentConsistencyTest.render(ENV);
        JsonNode settings = rendered.path("settings");
        String region = settings.path("region").asText();
        String account = settings.path("account_id").asText();
        String namePrefix = settings.path("name_prefix").asText();
        String python = System.getenv().getOrDefault("MLOPS_PYTHON", "/usr/bin/python3");
        plans = new PlanSource(REPO.resolve("dags"), REPO.resolve("dags/models"), python, ENV);
        Images.tagAsDeployed(plans.all());

        // AWS, local: buckets as Terraform names them, the online tables it creates, the key its alias names
        s3 = S3MockServer.startWithRequestLog(work.resolve("s3-log"), region, List.of(settings.path("lake_bucket_name").asText(),
                settings.path("audit_bucket_name").asText(), settings.path("results_bucket_name").asText()));
        dynamodb = DynamoDbLocal.start(work);
        dynamodbLog = AwsJsonRecorder.proxy(dynamodb.endpoint());
        keyArn = "arn:aws:kms:" + region + ":" + account + ":key/" + TerraformRender.KMS_KEY_ID;
        kms = AwsJsonRecorder.kms("arn:aws:kms:" + region + ":" + account + ":alias/" + namePrefix, keyArn);
        sagemaker = SageMakerStandIn.start(region, account).describesUntilDone(1);
        new SageMakerContainers(sagemaker, () -> s3.client("sagemaker-execution-role")).install();
        try (DynamoDbClient ddb = DynamoDbClient.builder().endpointOverride(dynamodb.endpoint()).region(Region.of(region))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("terraform", "x"))).build()) {
            OnlineStore store = new OnlineStore(ddb);
            TerraformTest.specs(REPO.resolve("dags/models")).get(MODEL).forEach((group, online) -> {
                if (online) {
                    store.ensureTable(OnlineStore.tableName(settings.path("table_prefix").asText(), MODEL, group));
                }
            });
        }

        // the metadata and the operational database
        TestEnvironment.Server pg = TestEnvironment.postgres();
        pg.createDatabase("mlops");
        pg.createDatabase("ops");
        JdbcTarget metadata = pg.target("mlops");
        JdbcTarget ops = pg.target("ops");

        // the upstream systems: landing files in S3, reference tables in the operational database
        uploadLanding(settings, ops);

        Path config = work.resolve("rehearsal.yaml");
        Files.writeString(config, """
                # S3A to the local S3 server; deletes one by one so the request log names every key (S3 authorizes a bulk
                # delete per key as s3:DeleteObject, the same action)
                spark.conf.spark.hadoop.fs.s3a.endpoint: "%s"
                spark.conf.spark.hadoop.fs.s3a.connection.ssl.enabled: "false"
                spark.conf.spark.hadoop.fs.s3a.multiobjectdelete.enable: "false"
                """.formatted(s3.endpoint()));
        Map<String, String> endpoints = new LinkedHashMap<>();
        endpoints.put("MLOPS_METADATA_JDBC_URL", metadata.url());
        endpoints.put("MLOPS_DYNAMODB_ENDPOINT", dynamodbLog.endpoint().toString());
        endpoints.put("MLOPS_SAGEMAKER_ENDPOINT", sagemaker.endpoint().toString());
        endpoints.put("AWS_ENDPOINT_URL_KMS", kms.endpoint().toString());
        endpoints.put("AWS_ENDPOINT_URL_S3", s3.endpoint());
        endpoints.put("AWS_REGION", region);
        Map<String, Map<String, String>> secrets = Map.of(
                "mlops-metadata-db", Map.of("MLOPS_METADATA_USER", metadata.user(), "MLOPS_METADATA_PASSWORD", metadata.password()),
                "mlops-ops-db", Map.of("MLOPS_CONNECTIONS_OPS_JDBC_URL", ops.url(), "MLOPS_CONNECTIONS_OPS_USER", ops.user(),
                        "MLOPS_CONNECTIONS_OPS_PASSWORD", ops.password()));
        pods = new PodRunner(REPO.resolve("dags/models"), endpoints, config, secrets, work);
        executor = new LocalExecutor(plans::get, pods, new PrintWriter(new java.io.Writer() {
            @Override
            public void write(char[] cbuf, int off, int len) {
                String s = new String(cbuf, off, len);
                System.out.print(s);
                PROGRESS.append(s);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        }, true), work.resolve("task-logs"));
    }

    static void uploadLanding(JsonNode settings, JdbcTarget ops) throws Exception {
        Path landing = work.resolve("landing");
        DataGenerator gen = new DataGenerator(new GeneratorOptions(HISTORY_FROM, LAST_DAY, java.util.Set.of(ModelKind.ZONE_DEMAND), 42L, 1.0));
        gen.writeLanding(landing);
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(ops.url());
        ds.setUser(ops.user());
        ds.setPassword(ops.password());
        gen.writeReferenceTables(ds);
        String bucket = settings.path("lake_bucket_name").asText();
        String prefix = settings.path("lake_prefix").asText();
        try (S3Client c = s3.client("upstream-system"); Stream<Path> files = Files.walk(landing)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String key = (prefix.isEmpty() ? "" : prefix + "/") + "landing/" + landing.relativize(f).toString().replace('\\', '/');
                c.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(f));
            }
        }
    }

    @AfterAll
    static void tearDown() {
        if (pods != null) {
            report();
        }
        for (AutoCloseable c : new AutoCloseable[] {sagemaker, kms, dynamodbLog, dynamodb, s3}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                System.err.println("closing " + c + ": " + e);
            }
        }
    }

    /** One task of the daily plan run by hand over a range (the onboarding a team does before the first daily run). */
    static JobRunner.JobRun onboard(String taskId) {
        Plan daily = plans.get(MODEL + "_daily");
        Plan.Task t = daily.task(taskId).orElseThrow();
        List<String> args = List.of("--model", MODEL, "--from", HISTORY_FROM.toString(), "--to", HISTORY_TO.toString());
        Templates.Context ctx = new Templates.Context(HISTORY_TO.toString(), "manual__onboarding", Map.of());
        return pods.run(daily, t, args, ctx, work.resolve("task-logs/onboarding/" + taskId + ".log"));
    }

    @Test
    @Order(1)
    void theDailyDagAndARetrainRunAsPods() {
        for (String task : List.of("ingest", "validate", "features")) {
            JobRunner.JobRun r = onboard(task);
            assertThat(r.exitCode()).as("onboarding %s %s..%s: %s%s", task, HISTORY_FROM, HISTORY_TO, r.out(), r.err()).isZero();
        }
        // the first day: no production version yet (transform exits 100), too little history for quality to order the
        // first training (100): the team trains the first version by hand, on SageMaker (the retrain DAG's params)
        DagRun first = executor.run(plans.get(MODEL + "_daily"), FIRST_DAY, FIRST_DAY, Map.of()).get(0);
        Map<String, TaskRun> tasks = byId(first.tasks());
        assertThat(first.failed()).as("the first daily run: %s", PROGRESS).isFalse();
        assertThat(tasks.get("transform").state()).as("no production version yet: transform exits 100, skipped").isEqualTo(State.SKIPPED);
        assertThat(tasks.get("shadow").state()).isEqualTo(State.SKIPPED);
        assertThat(tasks.get("audit_anchor").state()).as("audit_anchor runs whatever promote and quality did").isEqualTo(State.SUCCESS);
        DagRun retrain = executor.run(plans.get(MODEL + "_retrain"), FIRST_DAY, FIRST_DAY, Map.of("backend", "sagemaker")).get(0);
        assertThat(byId(retrain.tasks()).get("train").state()).as("train --backend sagemaker: %s", PROGRESS).isEqualTo(State.SUCCESS);
        // a first version within the deploy thresholds goes to production as train registers it; promote then has no
        // candidate (100): both are a successful retrain
        assertThat(retrain.failed()).as("the retrain: %s", PROGRESS).isFalse();

        // the next day: production scores, quality judges it and decides; the branch follows quality's XCom
        DagRun second = executor.run(plans.get(MODEL + "_daily"), LAST_DAY, LAST_DAY, Map.of()).get(0);
        tasks = byId(second.tasks());
        assertThat(second.failed()).as("the second daily run: %s", PROGRESS).isFalse();
        assertThat(tasks.get("transform").state()).isEqualTo(State.SUCCESS);
        assertThat(tasks.get("quality").state()).isEqualTo(State.SUCCESS);
        Object decisions = tasks.get("quality").result().get("decisions");
        assertThat(decisions).as("quality's XCom, read from /airflow/xcom/return.json").isInstanceOf(List.class);
        boolean retrainDecided = Boolean.TRUE.equals(((Map<?, ?>) ((List<?>) decisions).get(0)).get("retrain"));
        assertThat(tasks.get("retrain_decision").state()).isEqualTo(State.SUCCESS);
        assertThat(tasks.get("trigger_retrain").state()).as("the branch follows decisions[0].retrain = %s", retrainDecided)
                .isEqualTo(retrainDecided ? State.SUCCESS : State.SKIPPED);
        assertThat(second.triggered()).hasSize(retrainDecided ? 1 : 0);

        // the day scored again with SageMaker batch transform (an operator's re-run of the task with --backend sagemaker)
        Plan daily = plans.get(MODEL + "_daily");
        Plan.Task transform = daily.task("transform").orElseThrow();
        Templates.Context byHand = new Templates.Context(LAST_DAY.toString(), "manual__transform", Map.of());
        List<String> args = new ArrayList<>(transform.arguments().stream().map(a -> Templates.render(a, byHand)).toList());
        args.addAll(List.of("--backend", "sagemaker"));
        JobRunner.JobRun scored = pods.run(daily, transform, args, byHand, work.resolve("task-logs/manual/transform.log"));
        assertThat(scored.exitCode()).as("transform --backend sagemaker: %s%s", scored.out(), scored.err()).isZero();
        assertThat(sagemaker.calls("CreateTrainingJob")).isNotEmpty();
        assertThat(sagemaker.calls("CreateTransformJob")).isNotEmpty();
        assertThat(sagemaker.rejections()).as("SageMaker requests refused, other than a look-up before a create (not found)")
                .allMatch(r -> r.operation().startsWith("Describe") && r.errorCode().equals("ValidationException")
                        && (r.message().contains("not found") || r.message().contains("does not exist") || r.message().contains("Could not find")));
    }

    @Test
    @Order(2)
    void everyAwsCallOfEveryPodIsAllowedByItsJobsPolicy() {
        RecordedCalls recorded = new RecordedCalls(rendered, "mlops-")
                .s3(s3.requestLog())
                .dynamodb(dynamodbLog.requests())
                .kms(kms.requests(), keyArn, rendered.path("key_policy").asText())
                .sagemaker(sagemaker.calls(), sagemaker.rejections());
        assertThat(recorded.unmapped()).as("requests with no known IAM action").isEmpty();
        List<Call> calls = recorded.calls();
        assertThat(calls).isNotEmpty();
        List<Outcome> outcomes = new IamSimulator(Path.of(System.getProperty("hcl2json.dir", "target/hcl2json"))).evaluate(calls);
        Map<String, Map<String, Integer>> perJob = new TreeMap<>();
        for (Outcome o : outcomes) {
            perJob.computeIfAbsent(o.call().job(), j -> new TreeMap<>()).merge(o.call().action(), 1, Integer::sum);
        }
        System.out.println("IAM check of the recorded calls (job: action x count): " + perJob);
        List<String> denied = outcomes.stream().filter(o -> !o.allowed()).map(o -> o.result() + " " + o.call().show()).distinct().toList();
        System.out.println("IAM check: " + outcomes.size() + " calls, " + denied.size() + " denied");
        assertThat(denied).as("calls the job's own policy denies").isEmpty();
        assertThat(perJob.keySet()).as("the pods that called AWS").contains("ingest", "validate", "features", "train", "transform", "promote");
        assertThat(perJob.get("features")).as("features wrote the online store").containsKey("dynamodb:BatchWriteItem");
        assertThat(perJob.get("train")).as("train on SageMaker").containsKeys("sagemaker:CreateTrainingJob", "iam:PassRole", "kms:DescribeKey");
        assertThat(perJob.get("transform")).as("batch transform on SageMaker").containsKeys("sagemaker:CreateTransformJob", "sagemaker:CreateModel");

        // the check can fail: features' writes to its own area, made under validate's role, are denied
        List<Call> writes = calls.stream().filter(c -> c.job().equals("features") && c.action().equals("s3:PutObject")).limit(20).toList();
        assertThat(writes).isNotEmpty();
        String validatePolicy = rendered.path("documents").path("validate").asText();
        List<Call> asValidate = writes.stream().map(c -> new Call("validate", c.principal().replace("-features", "-validate"), c.accountId(),
                c.action(), c.resource(), c.context(), validatePolicy, null, false, c.why())).toList();
        List<Outcome> wrongRole = new IamSimulator(Path.of(System.getProperty("hcl2json.dir", "target/hcl2json"))).evaluate(asValidate);
        assertThat(wrongRole).as("features' writes under validate's role").allMatch(o -> !o.allowed());
    }

    @Test
    @Order(3)
    void theAnalystsViewsRunOnTrinoOverTheLakeThePodsWrote() throws Exception {
        Optional<String> why = TrinoServer.unavailable(TrinoServer.defaultTarball());
        assumeTrue(why.isEmpty(), () -> "the Trino check skipped: " + why.orElse(""));
        Path lake = copyLake();
        try (TrinoServer trino = TrinoServer.start()) {
            AthenaOnTrino athena = AthenaOnTrino.register(trino, lake);
            Map<String, List<Map<String, Object>>> views = athena.views();
            assertThat(views).as("every view of sql/athena/views").isNotEmpty();
            int partitions = 0;
            for (AthenaSql.Table t : athena.tables().values()) {
                Path dir = Path.of(URI.create(t.location().replaceFirst("^local:", "file:")));
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                try (Stream<Path> files = Files.walk(dir)) {
                    for (Path manifest : files.filter(f -> f.getFileName().toString().equals(Manifest.FILE_NAME)).toList()) {
                        Path part = manifest.getParent();
                        List<String> where = new ArrayList<>();
                        for (Path seg : dir.relativize(part)) {
                            String[] kv = seg.toString().split("=", 2);
                            if (kv.length == 2 && t.partitions().contains(kv[0])) {
                                where.add("CAST(\"" + kv[0] + "\" AS varchar) = '" + kv[1] + "'");
                            }
                        }
                        if (where.size() != t.partitions().size()) {
                            continue; // not a partition of this table (e.g. a backup folder)
                        }
                        long expected = DeploymentConsistencyTest.JSON.readTree(manifest.toFile()).path("rows").asLong();
                        List<Map<String, Object>> got = athena.query("SELECT count(*) AS n FROM ${database}.\"" + t.name() + "\" WHERE "
                                + String.join(" AND ", where));
                        assertThat(((Number) got.get(0).get("n")).longValue()).as("%s %s: the rows its manifest counts", t.name(), where)
                                .isEqualTo(expected);
                        partitions++;
                    }
                }
            }
            System.out.printf("Trino over the rehearsal's lake: %d tables, %d views, %d partitions match their manifests%n",
                    athena.tables().size(), views.size(), partitions);
            assertThat(partitions).as("partitions the pods published").isGreaterThan(10);
        }
    }

    /** The lake the pods wrote, copied from the S3 server to a local directory (Trino's Hive connector reads local files here). */
    static Path copyLake() throws IOException {
        JsonNode settings = rendered.path("settings");
        String bucket = settings.path("lake_bucket_name").asText();
        String prefix = settings.path("lake_prefix").asText();
        Path root = work.resolve("lake-copy");
        try (S3Client c = s3.client("analyst")) {
            for (var page : c.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix.isEmpty() ? "" : prefix + "/"))) {
                for (var o : page.contents()) {
                    if (o.key().endsWith("/")) {
                        continue;
                    }
                    Path to = root.resolve(prefix.isEmpty() ? o.key() : o.key().substring(prefix.length() + 1));
                    Files.createDirectories(to.getParent());
                    c.getObject(b -> b.bucket(bucket).key(o.key()), to);
                }
            }
        }
        return root;
    }

    static Map<String, TaskRun> byId(List<TaskRun> tasks) {
        return tasks.stream().collect(Collectors.toMap(TaskRun::taskId, t -> t, (a, b) -> b, LinkedHashMap::new));
    }

    static void report() {
        Duration total = Duration.ZERO;
        for (PodRunner.PodRun r : pods.runs()) {
            total = total.plus(r.took());
        }
        System.out.printf("rehearsal: %d pods, %.0f s in containers; per pod: %s%n", pods.runs().size(), total.toMillis() / 1000.0,
                pods.runs().stream().map(r -> r.taskId() + "=" + r.exitCode() + "/" + r.took().toSeconds() + "s").collect(Collectors.joining(" ")));
    }
}
