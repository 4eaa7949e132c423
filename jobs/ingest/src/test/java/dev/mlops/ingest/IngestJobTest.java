package dev.mlops.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.lake.Manifest;
import dev.mlops.core.result.JobResult;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import dev.mlops.datagen.BadDay;
import dev.mlops.datagen.DataGenerator;
import dev.mlops.datagen.GenerationReport;
import dev.mlops.datagen.GeneratorOptions;
import dev.mlops.datagen.ModelKind;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@SuppressWarnings("unchecked")
class IngestJobTest {
    static final LocalDate D = LocalDate.of(2024, 3, 4);

    @TempDir
    Path home;
    TestPlatform tp;
    String stdout;
    String stderr;

    @BeforeEach
    void setUp() {
        tp = TestEnvironment.platform(home);
    }

    @AfterEach
    void tearDown() {
        tp.close();
    }

    private Path landing() {
        return Paths.get(tp.platform().config().landingUri());
    }

    private GenerationReport generate(ModelKind model, LocalDate from, LocalDate to, List<BadDay> badDays) throws Exception {
        DataGenerator g = new DataGenerator(new GeneratorOptions(from, to, Set.of(model), 42, 0.5, List.of(), badDays));
        g.writeReferenceTables(tp.ops());
        return g.writeLanding(landing());
    }

    private int ingest(Consumer<String> hook, String... args) {
        IngestCommand command = new IngestCommand();
        if (hook != null) {
            command.beforeStep(hook);
        }
        TestEnvironment.Output o = TestEnvironment.execute(Cli.commandLine(command, config -> tp.platform()), args);
        stdout = o.out();
        stderr = o.err();
        return o.code();
    }

    private int ingest(String... args) {
        return ingest(null, args);
    }

    private Dataset<Row> raw(String dataset, LocalDate date) {
        return tp.platform().spark().read().parquet(tp.platform().lake().partition("raw", dataset, date).toString());
    }

    private Dataset<Row> quarantine(String dataset, LocalDate date) {
        return tp.platform().spark().read().parquet(tp.platform().lake().partition("quarantine", dataset, date).toString());
    }

    private Manifest manifest(String area, String dataset, LocalDate date) {
        var lake = tp.platform().lake();
        return Manifest.fromJson(lake.readText(Manifest.pathIn(lake.partition(area, dataset, date))).orElseThrow());
    }

    private JobResult result(String model, LocalDate date) throws Exception {
        return result(model, date, null);
    }

    private JobResult result(String model, LocalDate date, String dataset) throws Exception {
        String name = dataset == null ? date + ".json" : date + "." + dataset + ".json";
        return JobResult.fromJson(Files.readString(home.resolve("results/ingest/" + model + "/" + name)));
    }

    @Test
    void zoneDemandHappyPath() throws Exception {
        GenerationReport gen = generate(ModelKind.ZONE_DEMAND, D, D, List.of());
        assertThat(ingest("--model", "zone_demand", "--date", D.toString())).as(stderr).isEqualTo(0);
        assertThat(stdout).startsWith("ingest zone_demand 2024-03-04: done (exit 0)");

        Dataset<Row> rentals = raw("rentals", D);
        assertThat(rentals.count()).isEqualTo(gen.rowsByDataset().get("rentals"));
        assertThat(rentals.schema().apply("zone_id").dataType()).isEqualTo(DataTypes.IntegerType);
        assertThat(rentals.schema().apply("start_ts").dataType()).isEqualTo(DataTypes.TimestampType);
        assertThat(rentals.schema().apply("price_eur").dataType()).isEqualTo(DataTypes.DoubleType);
        assertThat(rentals.columns()).containsExactly("rental_id", "zone_id", "vehicle_id", "start_ts", "end_ts",
                "duration_min", "distance_km", "price_eur", "customer_segment");
        assertThat(rentals.filter("cast(start_ts as date) <> date'2024-03-04'").count()).isZero();
        assertThat(raw("weather", D).count()).isEqualTo(gen.rowsByDataset().get("weather"));
        assertThat(raw("zones", D).count()).isEqualTo(10);
        assertThat(quarantine("rentals", D).count()).isZero();

        Manifest m = manifest("raw", "rentals", D);
        assertThat(m.rows()).isEqualTo(gen.rowsByDataset().get("rentals"));
        assertThat(m.schema()).startsWith("rental_id:string", "zone_id:int");
        assertThat(m.inputs()).hasSize(2);
        for (Manifest.InputFile in : m.inputs()) {
            Path file = Paths.get(java.net.URI.create(in.uri().replace("file:/", "file:///")));
            assertThat(in.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))));
        }
        assertThat(m.run().specHash()).isEqualTo(tp.platform().specs().load("zone_demand").hash());

        JobResult r = result("zone_demand", D);
        assertThat(r.exitCode()).isZero();
        assertThat(r.outputs()).anyMatch(o -> o.endsWith("raw/rentals/dt=2024-03-04"));
        assertThat(((Map<?, ?>) r.counts().get("rentals")).get("rows")).isEqualTo(gen.rowsByDataset().get("rentals").intValue());
        assertThat(Files.readString(home.resolve("results/ingest/zone_demand/" + D + ".prom")))
                .contains("mlops_rows_out_total{data_date=\"2024-03-04\",dataset=\"rentals\",job=\"ingest\",model=\"zone_demand\"}");
        assertThat(Files.exists(home.resolve("lake/_staging/ingest/zone_demand/" + D))).isFalse();
    }

    @Test
    void tripRiskHappyPathAndRerunIsIdempotent() throws Exception {
        GenerationReport gen = generate(ModelKind.TRIP_RISK, D, D, List.of());
        assertThat(ingest("--model", "trip_risk", "--date", D.toString())).as(stderr).isEqualTo(0);
        Dataset<Row> trips = raw("trips", D);
        long n = trips.count();
        assertThat(n).isEqualTo(gen.rowsByDataset().get("trips"));
        assertThat(trips.schema().apply("harsh_brake_count").dataType()).isEqualTo(DataTypes.IntegerType);
        assertThat(raw("claims", D).count()).isEqualTo(gen.rowsByDataset().get("claims"));
        assertThat(raw("drivers", D).count()).isEqualTo(500);
        List<Row> first = trips.orderBy("trip_id").collectAsList();

        assertThat(ingest("--model", "trip_risk", "--date", D.toString())).as(stderr).isEqualTo(0);
        Dataset<Row> again = raw("trips", D);
        assertThat(again.count()).isEqualTo(n);
        assertThat(again.orderBy("trip_id").collectAsList()).isEqualTo(first);
        assertThat(again.select("trip_id").distinct().count()).isEqualTo(n);
        assertThat(result("trip_risk", D).run()).containsEntry("run", 2).containsEntry("restarted", false);
        try (var files = Files.list(home.resolve("lake/raw/trips"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("dt=2024-03-04");
        }
    }

    @Test
    void malformedRowsAreQuarantinedWithReasons() throws Exception {
        GenerationReport gen = generate(ModelKind.TRIP_RISK, D, D, List.of(BadDay.parse(D + ":malformed")));
        assertThat(ingest("--model", "trip_risk", "--date", D.toString(), "--dataset", "trips")).as(stderr).isEqualTo(0);
        long good = raw("trips", D).count();
        Dataset<Row> bad = quarantine("trips", D);
        long quarantined = bad.count();
        assertThat(quarantined).isGreaterThan(0);
        assertThat(good + quarantined).isEqualTo(gen.rowsByDataset().get("trips"));
        assertThat(bad.columns()).contains("trip_id", "_reasons", "_source_file", "_raw_record", "stage");
        assertThat(bad.filter("stage <> 'ingest'").count()).isZero();
        assertThat(bad.filter("size(_reasons) = 0").count()).isZero();
        List<String> reasons = bad.selectExpr("explode(_reasons)").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
        assertThat(reasons).anyMatch(r -> r.contains("is not a valid timestamp"))
                .anyMatch(r -> r.contains("is not a valid double"))
                .anyMatch(r -> r.startsWith("malformed record"));
        assertThat(stdout).contains("quarantined");
        JobResult r = result("trip_risk", D, "trips");
        assertThat(r.decisions()).anyMatch(d -> "quarantine".equals(d.get("decision")) && "trips".equals(d.get("dataset")));
        assertThat(manifest("raw", "trips", D).quarantinedRows()).isEqualTo(quarantined);
    }

    @Test
    void aMissingRequiredColumnIsAContractViolation() throws Exception {
        generate(ModelKind.ZONE_DEMAND, D, D, List.of(BadDay.parse(D + ":missing_column")));
        assertThat(ingest("--model", "zone_demand", "--date", D.toString(), "--dataset", "rentals")).isEqualTo(3);
        assertThat(stderr).contains("data contract violation")
                .contains("lacks required column 'zone_id' (expected int)")
                .contains("rentals_2024-03-04_part-");
        assertThat(tp.platform().lake().exists(tp.platform().lake().partition("raw", "rentals", D))).isFalse();
        assertThat(result("zone_demand", D, "rentals").exitCode()).isEqualTo(3);
    }

    @Test
    void aTypeChangeIsAContractViolation() throws Exception {
        generate(ModelKind.ZONE_DEMAND, D, D, List.of(BadDay.parse(D + ":type_change")));
        assertThat(ingest("--model", "zone_demand", "--date", D.toString(), "--dataset", "rentals")).isEqualTo(3);
        assertThat(stderr).contains("column 'distance_km' in file").contains("has an incompatible type: expected double")
                .contains(" km'");
    }

    @Test
    void noInputIsNothingToDoUnlessRequired() throws Exception {
        LocalDate empty = LocalDate.of(2024, 5, 1);
        assertThat(ingest("--model", "zone_demand", "--date", empty.toString(), "--dataset", "weather")).isEqualTo(100);
        assertThat(stdout).contains("nothing to do (exit 100)");
        assertThat(ingest("--model", "zone_demand", "--date", empty.toString(), "--dataset", "rentals")).isEqualTo(3);
        assertThat(stderr).contains("dataset 'rentals' is required but has no input for 2024-05-01").contains("landing/rentals/2024-05-01");
    }

    @Test
    void jdbcSourceIsReadIncrementallyByWatermark() throws Exception {
        LocalDate d1 = D;
        LocalDate d2 = D.plusDays(1);
        generate(ModelKind.TRIP_RISK, d1, d2, List.of());
        assertThat(ingest("--model", "trip_risk", "--from", d1.toString(), "--to", d2.toString(), "--dataset", "drivers"))
                .as(stderr).isEqualTo(0);
        long expectedD2 = count("SELECT count(*) FROM drivers WHERE updated_at >= '2024-03-05' AND updated_at < '2024-03-06'");
        long expectedD1 = count("SELECT count(*) FROM drivers WHERE updated_at < '2024-03-05'");
        assertThat(expectedD2).isGreaterThan(0);
        assertThat(raw("drivers", d1).count()).isEqualTo(expectedD1);
        assertThat(raw("drivers", d2).count()).isEqualTo(expectedD2);
        assertThat(raw("drivers", d2).schema().apply("updated_at").dataType()).isEqualTo(DataTypes.TimestampType);
        Manifest m2 = manifest("raw", "drivers", d2);
        assertThat(m2.watermark()).containsEntry("column", "updated_at")
                .containsEntry("low_inclusive", "2024-03-05 00:00")
                .containsEntry("high_exclusive", "2024-03-06 00:00");
        // re-running the second date reads the same window
        assertThat(ingest("--model", "trip_risk", "--date", d2.toString(), "--dataset", "drivers")).isEqualTo(0);
        assertThat(raw("drivers", d2).count()).isEqualTo(expectedD2);
    }

    private long count(String sql) throws Exception {
        try (Connection c = tp.ops().getConnection(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void aSecondConcurrentRunIsRefused() throws Exception {
        generate(ModelKind.ZONE_DEMAND, D, D, List.of());
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Consumer<String> block = step -> {
            inside.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        IngestCommand firstCommand = new IngestCommand();
        firstCommand.beforeStep(block);
        CommandLine first = Cli.commandLine(firstCommand, config -> tp.platform());
        first.setOut(new PrintWriter(new StringWriter(), true));
        CompletableFuture<Integer> running = CompletableFuture.supplyAsync(
                () -> first.execute("--model", "zone_demand", "--date", D.toString(), "--dataset", "weather"));
        assertThat(inside.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(ingest("--model", "zone_demand", "--date", D.toString(), "--dataset", "weather")).isEqualTo(1);
        assertThat(stdout + stderr).contains("another run of ingest zone_demand 2024-03-04 is in progress");
        release.countDown();
        assertThat(running.get(60, TimeUnit.SECONDS)).isEqualTo(0);
        assertThat(raw("weather", D).count()).isEqualTo(48);
    }

    @Test
    void aRetryAfterAFailureResumesAtTheFailedStepAndTheOldPartitionStaysReadable() throws Exception {
        generate(ModelKind.ZONE_DEMAND, D, D, List.of());
        assertThat(ingest("--model", "zone_demand", "--date", D.toString())).as(stderr).isEqualTo(0);
        long rentals = raw("rentals", D).count();

        // re-run that dies after staging rentals, before the other datasets and before publish
        AtomicBoolean failOnce = new AtomicBoolean(true);
        Consumer<String> crash = step -> {
            if (step.equals("stage:weather") && failOnce.getAndSet(false)) {
                throw new IllegalStateException("injected: pod evicted");
            }
        };
        assertThat(ingest(crash, "--model", "zone_demand", "--date", D.toString())).isEqualTo(1);
        assertThat(stdout).contains("FAILED (exit 1)").contains("injected: pod evicted");
        assertThat(raw("rentals", D).count()).as("the published partition is untouched").isEqualTo(rentals);

        assertThat(ingest(crash, "--model", "zone_demand", "--date", D.toString())).as(stderr).isEqualTo(0);
        JobResult r = result("zone_demand", D);
        assertThat(r.run()).containsEntry("restarted", true).containsEntry("run", 2);
        assertThat((List<Object>) r.run().get("steps_run")).containsExactly("stage:weather", "stage:events", "stage:zones", "publish");
        assertThat(((Map<?, ?>) r.counts().get("rentals")).get("rows")).isEqualTo((int) rentals);
        assertThat(raw("rentals", D).count()).isEqualTo(rentals);
        assertThat(manifest("raw", "rentals", D).run().jobInstanceId()).isEqualTo(((Number) r.run().get("job_instance_id")).longValue());
    }

    @Test
    void aRetryAfterACrashInsidePublishKeepsTheQuarantine() throws Exception {
        GenerationReport gen = generate(ModelKind.TRIP_RISK, D, D, List.of(BadDay.parse(D + ":malformed")));
        // the first attempt dies right after the quarantine partition was swapped in, before the raw one
        AtomicBoolean once = new AtomicBoolean(true);
        var lakeRoot = home.resolve("lake");
        Consumer<String> crash = step -> {
            if (step.equals("publish") && once.getAndSet(false)) {
                // simulate the half-done publish of a previous attempt: quarantine out, raw still staged
                throw new IllegalStateException("injected: killed during publish");
            }
        };
        assertThat(ingest(crash, "--model", "trip_risk", "--date", D.toString(), "--dataset", "trips")).isEqualTo(1);
        Path staging = Files.list(lakeRoot.resolve("_staging/ingest/trip_risk/" + D)).findFirst().orElseThrow();
        Path stagedQuarantine = staging.resolve("trips/quarantine");
        Path published = lakeRoot.resolve("quarantine/trips/dt=" + D + "/stage=ingest");
        Files.createDirectories(published.getParent());
        Files.move(stagedQuarantine, published);
        Files.writeString(published.resolve("_manifest.json"), new Manifest("quarantine/trips", D, "trip_risk", 0, 0, null, null,
                List.of(), null, new Manifest.Run("ingest", Long.parseLong(staging.getFileName().toString()), 0, "dev", "x"),
                java.time.Instant.now()).toJson());

        assertThat(ingest("--model", "trip_risk", "--date", D.toString(), "--dataset", "trips")).as(stderr).isEqualTo(0);
        long quarantined = quarantine("trips", D).count();
        assertThat(quarantined).as("quarantined rows survive the retry").isGreaterThan(0);
        assertThat(raw("trips", D).count() + quarantined).isEqualTo(gen.rowsByDataset().get("trips"));
        assertThat(result("trip_risk", D, "trips").run()).containsEntry("restarted", true);
    }

    @Test
    void aFailedRunWhoseStagingIsGoneStartsAFreshRun() throws Exception {
        generate(ModelKind.ZONE_DEMAND, D, D, List.of());
        AtomicBoolean once = new AtomicBoolean(true);
        Consumer<String> crash = step -> {
            if (step.equals("stage:events") && once.getAndSet(false)) {
                throw new IllegalStateException("injected: node lost");
            }
        };
        assertThat(ingest(crash, "--model", "zone_demand", "--date", D.toString())).isEqualTo(1);
        // the staged output of the completed steps disappears (a cleaned scratch volume, a lifecycle rule...)
        tp.platform().lake().delete(tp.platform().lake().stagingParent("ingest", "zone_demand", D));

        assertThat(ingest(crash, "--model", "zone_demand", "--date", D.toString())).as(stderr).isEqualTo(0);
        JobResult r = result("zone_demand", D);
        assertThat(r.run()).containsEntry("restarted", false).containsEntry("run", 2);
        assertThat(raw("rentals", D).count()).isGreaterThan(0);
    }

    static final String RENTALS_HEADER = "rental_id,zone_id,vehicle_id,start_ts,end_ts,duration_min,distance_km,price_eur,customer_segment\n";

    /** A crafted rentals file in the landing zone: one row per start time. */
    private void writeRentals(LocalDate date, String file, List<String> startTimes) throws Exception {
        Path dir = Files.createDirectories(landing().resolve("rentals").resolve(date.toString()));
        StringBuilder csv = new StringBuilder(RENTALS_HEADER);
        for (int i = 0; i < startTimes.size(); i++) {
            csv.append(String.format("R%s-001-%04d,%d,V%03d,%s,,12.5,3.2,7.9,leisure%n",
                    date.toString().replace("-", ""), i, 1 + i % 5, i % 50, startTimes.get(i)));
        }
        Files.writeString(dir.resolve(file), csv);
    }

    @Test
    void rowsWhoseEventTimeIsOutsideTheDataDateAreQuarantinedWithTheWindow() throws Exception {
        LocalDate d = LocalDate.of(2030, 1, 5);
        java.util.ArrayList<String> starts = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            starts.add(String.format("2030-01-05 %02d:%02d:00", i % 24, i % 60));
        }
        starts.add("2030-01-03 00:00:00");   // 2 days late: the first accepted instant (default allowed_lateness back 2d)
        starts.add("2030-01-05 23:59:59");   // the last accepted instant (forward 0d)
        starts.add("2099-01-05 10:00:00");   // far in the future
        starts.add("2030-01-06 00:00:00");   // the next day
        starts.add("2030-01-02 23:59:59");   // one second too late
        writeRentals(d, "rentals_2030-01-05_part-0.csv", starts);
        assertThat(ingest("--model", "zone_demand", "--date", d.toString(), "--dataset", "rentals")).as(stderr).isEqualTo(0);
        assertThat(stdout).contains("rentals 102 (+3 quarantined)");
        assertThat(raw("rentals", d).filter("start_ts < timestamp'2030-01-03 00:00:00' OR start_ts >= timestamp'2030-01-06 00:00:00'")
                .count()).isZero();
        Dataset<Row> q = quarantine("rentals", d);
        assertThat(q.select("start_ts").as(org.apache.spark.sql.Encoders.STRING()).collectAsList())
                .containsExactlyInAnyOrder("2099-01-05 10:00:00", "2030-01-06 00:00:00", "2030-01-02 23:59:59");
        assertThat(q.filter("start_ts = '2099-01-05 10:00:00'").first().<scala.collection.Seq<String>>getAs("_reasons").mkString("|"))
                .isEqualTo("start_ts: '2099-01-05 10:00:00' is not within [2030-01-03 00:00:00, 2030-01-06 00:00:00) of data date"
                        + " 2030-01-05 (allowed_lateness: back 2d, forward 0d)");

        // a file whose every row carries a 2099 timestamp is not accepted into the 2030 partition
        LocalDate d2 = d.plusDays(1);
        writeRentals(d2, "rentals_2030-01-06_part-0.csv", java.util.Collections.nCopies(40, "2099-01-06 08:00:00"));
        assertThat(ingest("--model", "zone_demand", "--date", d2.toString(), "--dataset", "rentals")).isEqualTo(3);
        assertThat(stderr).contains("dataset 'rentals' on 2030-01-06: 40 of 40 rows (100.0%) are malformed or outside the event-time window")
                .contains("start_ts: '...' is not within [2030-01-04 00:00:00, 2030-01-07 00:00:00)");
        assertThat(tp.platform().lake().exists(tp.platform().lake().partition("raw", "rentals", d2))).isFalse();
    }

    @Test
    void aRequiredDatasetWhoseFilesHaveNoRowsIsAContractViolationNamingTheFiles() throws Exception {
        LocalDate d = LocalDate.of(2024, 5, 2);
        writeRentals(d, "rentals_2024-05-02_part-0.csv", List.of());
        Files.writeString(landing().resolve("rentals").resolve(d.toString()).resolve("rentals_2024-05-02_part-1.csv"), "");
        assertThat(ingest("--model", "zone_demand", "--date", d.toString(), "--dataset", "rentals")).isEqualTo(3);
        assertThat(stderr).contains("data contract violation: dataset 'rentals' is required but its input for 2024-05-02 has no rows:"
                        + " the 2 files are empty or header only: ")
                .contains("rentals_2024-05-02_part-0.csv").contains("rentals_2024-05-02_part-1.csv");
        assertThat(tp.platform().lake().exists(tp.platform().lake().partition("raw", "rentals", d))).as("no empty partition").isFalse();
        assertThat(result("zone_demand", d, "rentals").exitCode()).isEqualTo(3);
        // an optional dataset's empty file still publishes an empty partition (a day without events is a day)
        Path events = Files.createDirectories(landing().resolve("events").resolve(d.toString()));
        Files.writeString(events.resolve("events.csv"), "event_id,zone_id,starts_at,ends_at,category,expected_attendance\n");
        assertThat(ingest("--model", "zone_demand", "--date", d.toString(), "--dataset", "events")).as(stderr).isEqualTo(0);
        assertThat(raw("events", d).count()).isZero();
    }
}
