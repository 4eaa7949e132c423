package dev.mlops.validate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.core.audit.AuditEntry;
import dev.mlops.core.audit.AuditLedger;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.lake.Manifest;
import dev.mlops.core.result.JobResult;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import dev.mlops.datagen.BadDay;
import dev.mlops.datagen.DataGenerator;
import dev.mlops.datagen.Drift;
import dev.mlops.datagen.GeneratorOptions;
import dev.mlops.datagen.ModelKind;
import dev.mlops.ingest.IngestCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ValidateJobTest {
    static final LocalDate D = LocalDate.of(2024, 3, 10);
    static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.StringType).add("v", DataTypes.DoubleType)
            .add("cat", DataTypes.StringType).add("ts", DataTypes.TimestampType);
    static final String SPEC = """
            model: dq_test
            task: regression
            entity: id
            datasets:
              t:
                source: {kind: files, format: csv, path: "t/{date}"}
                columns:
                  - {name: id, type: string}
                  - {name: v, type: double}
                  - {name: cat, type: string}
                  - {name: ts, type: timestamp}
                checks:
                  - {kind: completeness, column: id}
                  - {kind: uniqueness, column: id}
                  - {kind: min, column: v, min: 0}
                  - {kind: max, column: v, max: 100, hint: "v is a percentage"}
                  - {kind: non_negative, column: v}
                  - {kind: allowed_values, column: cat, values: [a, b]}
                  - {kind: pattern, column: id, regex: "^id-\\\\d+$"}
                  - {kind: size, min: 50}
                  - {kind: satisfies, name: v_small, predicate: "v < 1000"}
                  - {kind: mean, column: v, min: 10, max: 90}
                  - {kind: stddev, column: v, max: 50}
                  - {kind: quantile, column: v, quantile: 0.5, min: 20, max: 80}
                  - {kind: freshness, column: ts, max_age: 6h}
              s:
                source: {kind: files, format: csv, path: "s/{date}"}
                columns:
                  - {name: id, type: string}
                  - {name: v, type: double}
                  - {name: cat, type: string}
                  - {name: ts, type: timestamp}
                checks:
                  - {kind: size, min: 1}
                  - {kind: max, column: v, max: 100, severity: warning}
                anomalies:
                  - {kind: row_count_change, max_decrease: 0.5, max_increase: 2.0}
              m:
                source: {kind: files, format: csv, path: "m/{date}"}
                columns:
                  - {name: id, type: string}
                  - {name: v, type: double}
                  - {name: cat, type: string}
                  - {name: ts, type: timestamp}
                  - {name: w, type: double}
                checks:
                  - {kind: size, min: 1}
                anomalies:
                  - {kind: mean_band, column: v, stddevs: 3}
              n:
                source: {kind: files, format: csv, path: "n/{date}"}
                columns:
                  - {name: id, type: string}
                  - {name: v, type: double}
                  - {name: cat, type: string}
                  - {name: ts, type: timestamp}
                  - {name: w, type: double}
                checks:
                  - {kind: max, column: w, max: 5, severity: warning, name: never_computed}
                  - {kind: satisfies, name: v_range, predicate: "v BETWEEN 0 AND 100", min_ratio: 0.5}
            """;

    /** Row-level checks against the quarantine ratio: {@code r} with the default gate, {@code g} with gate: day. */
    static final String ROWS_SPEC = """
            model: dq_rows
            task: regression
            entity: id
            datasets:
              r:
                max_quarantine_ratio: 0.05
                source: {kind: files, format: csv, path: "r/{date}"}
                columns:
                  - {name: id, type: string}
                  - {name: v, type: double}
                  - {name: cat, type: string}
                  - {name: ts, type: timestamp}
                checks:
                  - {kind: min, column: v, min: -120, hint: "a sensor reads down to -120"}
                  - {kind: mean, column: v, min: -3, max: 3}
                  - {kind: size, min: 10}
              g:
                max_quarantine_ratio: 0.05
                source: {kind: files, format: csv, path: "g/{date}"}
                columns:
                  - {name: id, type: string}
                  - {name: v, type: double}
                  - {name: cat, type: string}
                  - {name: ts, type: timestamp}
                checks:
                  - {kind: min, column: v, min: -120, gate: day}
                  - {kind: size, min: 10}
            """;

    @TempDir
    Path home;
    TestPlatform tp;
    String stdout;
    String stderr;

    @BeforeEach
    void setUp() throws Exception {
        Path specs = Files.createDirectories(home.resolve("specs"));
        Files.writeString(specs.resolve("dq_test.yaml"), SPEC);
        Files.writeString(specs.resolve("dq_rows.yaml"), ROWS_SPEC);
        for (String model : List.of("trip_risk", "zone_demand")) {
            Files.copy(TestEnvironment.specsDir().resolve(model + ".yaml"), specs.resolve(model + ".yaml"));
        }
        tp = TestEnvironment.platform(home, Map.of("specs.dir", specs.toString()));
    }

    @AfterEach
    void tearDown() {
        tp.close();
    }

    private int run(CommandLine cl, String... args) {
        TestEnvironment.Output o = TestEnvironment.execute(cl, args);
        stdout = o.out();
        stderr = o.err();
        return o.code();
    }

    private int validate(String... args) {
        return run(Cli.commandLine(new ValidateCommand(), c -> tp.platform()), args);
    }

    private int ingest(String... args) {
        return run(Cli.commandLine(new IngestCommand(), c -> tp.platform()), args);
    }

    static final StructType SCHEMA_W = SCHEMA.add("w", DataTypes.DoubleType);

    private void writeRaw(String dataset, LocalDate date, List<Row> rows) {
        tp.platform().spark().createDataFrame(rows, "m".equals(dataset) || "n".equals(dataset) ? SCHEMA_W : SCHEMA).coalesce(1).write().mode("overwrite")
                .parquet(tp.platform().lake().partition("raw", dataset, date).toString());
    }

    private static List<Row> goodRows(LocalDate date, int n) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(RowFactory.create("id-" + i, (double) (i % 100), i % 2 == 0 ? "a" : "b",
                    Timestamp.valueOf(date.atTime(12 + i % 12, 0))));
        }
        return rows;
    }

    private Dataset<Row> read(String... segments) {
        return tp.platform().spark().read().parquet(tp.platform().lake().path(segments).toString());
    }

    private List<AuditEntry> audit(String model) {
        return new AuditLedger(tp.metadata()).log(model);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> datasetEvidence(AuditEntry e, String dataset) {
        return (Map<String, Object>) ((Map<String, Object>) e.evidence().get("datasets")).get(dataset);
    }

    private JobResult result(String model, LocalDate date, String scope) throws Exception {
        String name = scope == null ? date + ".json" : date + "." + scope + ".json";
        return JobResult.fromJson(Files.readString(home.resolve("results/validate/" + model + "/" + name)));
    }

    @Test
    void everyCheckKindPassesOnGoodData() throws Exception {
        writeRaw("t", D, goodRows(D, 100));
        assertThat(validate("--model", "dq_test", "--date", D.toString(), "--dataset", "t")).as(stderr).isZero();
        assertThat(stdout).contains("validate dq_test 2024-03-10: done (exit 0) - t 13/13 checks");
        Dataset<Row> results = read("dq_results", "dt=" + D, "dataset=t");
        assertThat(results.count()).isEqualTo(13);
        assertThat(results.filter("status <> 'passed'").count()).isZero();
        assertThat(results.filter("check = 'v_max'").first().<Double>getAs("value")).isEqualTo(99.0);
        assertThat(read("validated", "t", "dt=" + D).count()).isEqualTo(100);
        assertThat(read("quarantine", "t", "dt=" + D).count()).isZero();
    }

    @Test
    void everyCheckKindFailsOnCraftedBadDataWithObservedValueAndBound() throws Exception {
        List<Row> rows = new ArrayList<>();
        LocalDate stale = D.minusDays(2);
        for (int i = 0; i < 38; i++) {
            rows.add(RowFactory.create("bad_" + (i % 30), 150.0 + i, "z", Timestamp.valueOf(stale.atTime(8, 0))));
        }
        rows.add(RowFactory.create(null, -5.0, "a", Timestamp.valueOf(stale.atTime(9, 0))));
        rows.add(RowFactory.create("id-1", 2000.0, "b", Timestamp.valueOf(stale.atTime(10, 0))));
        writeRaw("t", D, rows);
        assertThat(validate("--model", "dq_test", "--date", D.toString(), "--dataset", "t")).isEqualTo(3);
        assertThat(stderr).contains("data contract violation: 13 data checks failed for dq_test 2024-03-10")
                .contains("t.id: completeness 97.50% < 100.00%")
                .contains("t.id: uniqueness")
                .contains("t.v: min -5.0 < 0.0")
                .contains("t.v: max 2000.0 > 100.0 (v is a percentage)")
                .contains("t.v: 2.50% of rows negative, expected none")
                .contains("t.cat: 95.00% of values outside [a, b]")
                .contains("t.id: 2.50% of values match ^id-\\d+$")
                .contains("t: 40 rows, expected >= 50")
                .contains("t.v_small: 97.50% of rows satisfy 'v < 1000'")
                .contains("t.v: mean").contains("> 90.0")
                .contains("t.v: stddev").contains("> 50.0")
                .contains("t.v: quantile 0.5 = 168.0 > 80.0")
                .contains("t.ts: newest value 2024-03-08T10:00:00Z is older than 6h before the end of the data date");
        assertThat(tp.platform().lake().exists(tp.platform().lake().partition("validated", "t", D)))
                .as("a failed day publishes no validated partition").isFalse();
        assertThat(read("dq_results", "dt=" + D, "dataset=t").filter("status = 'failed'").count()).isEqualTo(13);
        // the quarantine keeps every row that broke a row-level check, with the checks it broke
        Dataset<Row> q = read("quarantine", "t", "dt=" + D, "stage=validate");
        assertThat(q.count()).isEqualTo(40);
        assertThat(q.filter("id IS NULL").first().<scala.collection.Seq<String>>getAs("_reasons").mkString(","))
                .contains("check 'id_completeness' failed").contains("check 'v_min' failed").contains("check 'v_non_negative' failed");
        // the verdict is in the audit ledger: failed checks as reasons, observed values and bounds as evidence
        List<AuditEntry> ledger = audit("dq_test");
        assertThat(ledger).hasSize(1);
        AuditEntry gate = ledger.get(0);
        assertThat(gate.action()).isEqualTo(AuditEntry.VALIDATE);
        assertThat(gate.decision()).isEqualTo("fail");
        assertThat(gate.actor()).isEqualTo("job:validate");
        assertThat(gate.version()).isNull();
        assertThat(gate.reasons()).hasSize(13).contains("t.v: max 2000.0 > 100.0 (v is a percentage)");
        assertThat(gate.evidence()).containsEntry("data_date", D.toString()).containsEntry("scope", "t");
        Map<String, Object> t = datasetEvidence(gate, "t");
        assertThat(t).containsEntry("rows", java.math.BigInteger.valueOf(40)).containsEntry("input_manifest_sha256", null);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> failed = (List<Map<String, Object>>) t.get("failed");
        assertThat(failed).hasSize(13).anySatisfy(f -> {
            assertThat(f).containsEntry("check", "v_max").containsEntry("severity", "error").containsEntry("metric", "Maximum");
            assertThat(((Number) f.get("value")).doubleValue()).isEqualTo(2000.0);
            assertThat((String) f.get("constraint")).isNotBlank();
        });
        assertThat(new AuditLedger(tp.metadata()).verify().ok()).isTrue();
    }

    @Test
    void rowsBreakingRowLevelChecksAreQuarantinedAndTheRestIsValidated() throws Exception {
        List<Row> rows = goodRows(D, 60);
        rows.add(RowFactory.create("x-1", 412.0, "a", Timestamp.valueOf(D.atTime(23, 0))));
        rows.add(RowFactory.create("x-2", 500.0, "b", Timestamp.valueOf(D.atTime(23, 0))));
        writeRaw("s", D, rows);
        assertThat(validate("--model", "dq_test", "--date", D.toString(), "--dataset", "s")).as(stderr).isZero();
        assertThat(stdout).contains("s 2/3 checks, 1 warning, 2 rows quarantined").contains("warning: s.v: max 500.0 > 100.0");
        Dataset<Row> q = read("quarantine", "s", "dt=" + D, "stage=validate");
        assertThat(q.select("id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList()).containsExactlyInAnyOrder("x-1", "x-2");
        assertThat(q.first().<scala.collection.Seq<String>>getAs("_reasons").mkString(",")).isEqualTo("check 'v_max' failed");
        assertThat(read("validated", "s", "dt=" + D).count()).isEqualTo(60);
        JobResult r = result("dq_test", D, "s");
        assertThat(r.decisions()).anyMatch(d -> "pass".equals(d.get("decision")) && ((List<?>) d.get("warnings")).size() == 1);
        AuditEntry gate = audit("dq_test").get(0);
        assertThat(gate.decision()).isEqualTo("pass");
        assertThat(gate.reasons()).isEmpty();
        assertThat((List<?>) datasetEvidence(gate, "s").get("warnings")).hasSize(1);
        assertThat(Files.readString(home.resolve("results/validate/dq_test/" + D + ".s.prom")))
                .contains("mlops_dq_metric{check=\"v_max\",data_date=\"2024-03-10\",dataset=\"s\"")
                .contains("mlops_rows_rejected_total{data_date=\"2024-03-10\",dataset=\"s\"");
    }

    @Test
    void anomalyDetectionFiresOnASixtyPercentDropAndStaysQuietOnNormalDays() {
        LocalDate d0 = D.minusDays(5);
        for (int i = 0; i < 5; i++) {
            writeRaw("s", d0.plusDays(i), goodRows(d0.plusDays(i), 1000 + 20 * (i % 3)));
        }
        writeRaw("s", D, goodRows(D, 400));
        assertThat(validate("--model", "dq_test", "--from", d0.toString(), "--to", D.minusDays(1).toString(), "--dataset", "s"))
                .as(stdout + stderr).isZero();
        assertThat(stdout).doesNotContain("anomaly");
        assertThat(validate("--model", "dq_test", "--date", D.toString(), "--dataset", "s")).isEqualTo(3);
        assertThat(stderr).contains("s: row count 400 is an anomaly against the previous date (allowed change x0.5..x2.0)");
    }

    @Test
    void historyIsReplacedOnReRunsAndABackfillNeverReadsLaterDates() throws Exception {
        LocalDate d1 = D.minusDays(4);
        for (int i = 0; i < 3; i++) {
            writeRaw("s", d1.plusDays(i), goodRows(d1.plusDays(i), 1000));
        }
        writeRaw("s", d1.plusDays(4), goodRows(d1.plusDays(4), 400));
        writeRaw("s", d1.plusDays(3), goodRows(d1.plusDays(3), 1000));
        assertThat(validate("--model", "dq_test", "--from", d1.toString(), "--to", d1.plusDays(2).toString(), "--dataset", "s")).isZero();
        // a later, anomalous date is validated before the gap is backfilled
        assertThat(validate("--model", "dq_test", "--date", d1.plusDays(4).toString(), "--dataset", "s")).isEqualTo(3);
        // the backfilled date compares with earlier dates only: with day 5 (400 rows) in its history it would be a 2.5x jump
        assertThat(validate("--model", "dq_test", "--date", d1.plusDays(3).toString(), "--dataset", "s")).as(stderr).isZero();
        // re-running a date replaces its history entry instead of adding one; the failed day 5 is not in it
        assertThat(validate("--model", "dq_test", "--date", d1.plusDays(1).toString(), "--dataset", "s")).isZero();
        String history = Files.readString(Paths.get(ValidateJob.historyPath(tp.platform().lake(), "dq_test", "s").toUri()));
        assertThat(history.split("\"dataSetDate\"", -1).length - 1).isEqualTo(4);
    }

    @Test
    void aMissingPartitionIsNothingToDo() {
        assertThat(validate("--model", "dq_test", "--date", "2024-01-01", "--dataset", "t")).isEqualTo(100);
        assertThat(stdout).contains("nothing to do (exit 100)");
        assertThat(audit("dq_test")).as("no input, no verdict").isEmpty();
    }

    @Test
    void theGeneratorsBadDayAndMphFirmwareAreCaught() throws Exception {
        LocalDate d1 = LocalDate.of(2024, 3, 4);
        LocalDate d2 = d1.plusDays(1);
        LocalDate d3 = d1.plusDays(2);
        DataGenerator g = new DataGenerator(new GeneratorOptions(d1, d3, Set.of(ModelKind.TRIP_RISK), 42, 0.5,
                List.of(Drift.parse("speed_mph@" + d3)), List.of(BadDay.parse(d2 + ":out_of_range"))));
        g.writeLanding(Paths.get(tp.platform().config().landingUri()));
        g.writeReferenceTables(tp.ops());
        assertThat(ingest("--model", "trip_risk", "--from", d1.toString(), "--to", d3.toString(), "--dataset", "trips")).as(stderr).isZero();
        assertThat(validate("--model", "trip_risk", "--from", d1.toString(), "--to", d3.toString(), "--dataset", "trips")).isEqualTo(3);
        assertThat(stdout).contains("validate trip_risk 2024-03-04: done (exit 0)");
        assertThat(stdout).contains("validate trip_risk 2024-03-05: DATA CONTRACT VIOLATION (exit 3)")
                .contains("trips.max_speed_kph: max 412.0 > 250.0 (no vehicle of the fleet goes faster");
        assertThat(stdout).contains("validate trip_risk 2024-03-06: DATA CONTRACT VIOLATION (exit 3)")
                .contains("trips.avg_speed_kph: mean").contains("< 25.0 (km/h; a mean near 22 means the telematics report mph)");
        assertThat(result("trip_risk", d3, "trips").reasons())
                .anyMatch(r -> r.startsWith("warning: trips.firmware:") && r.contains("outside [fw-1.4]"));
        List<AuditEntry> ledger = audit("trip_risk");
        assertThat(ledger).extracting(AuditEntry::decision).containsExactly("pass", "fail", "fail");
        assertThat(ledger.get(1).reasons()).anyMatch(r -> r.startsWith("trips.max_speed_kph: max 412.0 > 250.0"));
        // the evidence names the exact input: the hash of the raw partition's manifest (which lists the landing files' hashes)
        String manifest = tp.platform().lake().readText(Manifest.pathIn(tp.platform().lake().partition("raw", "trips", d2))).orElseThrow();
        assertThat(datasetEvidence(ledger.get(1), "trips")).containsEntry("input_manifest_sha256", java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(manifest.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    }

    @Test
    void suggestPrintsASpecSnippet() {
        writeRaw("t", D, goodRows(D, 100));
        assertThat(run(Cli.commandLine(new ValidateCommand(), c -> tp.platform()),
                "suggest", "--model", "dq_test", "--dataset", "t", "--date", D.toString())).as(stderr).isZero();
        assertThat(stdout).contains("checks:").contains("  - {kind: completeness, column: id}")
                .contains("kind: allowed_values, column: cat, values: [");
    }

    private static List<Row> rowsWithMean(LocalDate date, double mean, int n) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(RowFactory.create("id-" + i, mean + (i % 2 == 0 ? 1 : -1), "a", Timestamp.valueOf(date.atTime(12, 0)), null));
        }
        return rows;
    }

    @Test
    void aDayThatFailedTheGateDoesNotBecomeTheBaselineOfTheNextDay() {
        LocalDate d1 = D.minusDays(4);
        for (int i = 0; i < 3; i++) {
            writeRaw("s", d1.plusDays(i), goodRows(d1.plusDays(i), 1000));
        }
        writeRaw("s", d1.plusDays(3), goodRows(d1.plusDays(3), 400));
        writeRaw("s", d1.plusDays(4), goodRows(d1.plusDays(4), 1000));
        assertThat(validate("--model", "dq_test", "--from", d1.toString(), "--to", d1.plusDays(4).toString(), "--dataset", "s")).isEqualTo(3);
        assertThat(stdout).contains("validate dq_test " + d1.plusDays(3) + ": DATA CONTRACT VIOLATION (exit 3)")
                .contains("validate dq_test " + d1.plusDays(4) + ": done (exit 0)");
    }

    @Test
    void meanBandNeedsHistoryThenCatchesAShift() {
        LocalDate d1 = D.minusDays(8);
        writeRaw("m", d1, rowsWithMean(d1, 40, 50));
        writeRaw("m", d1.plusDays(1), rowsWithMean(d1.plusDays(1), 900, 50));
        for (int i = 2; i < 8; i++) {
            writeRaw("m", d1.plusDays(i), rowsWithMean(d1.plusDays(i), 40 + (i % 3), 50));
        }
        writeRaw("m", D, rowsWithMean(D, 1000, 50));
        // day 2 is odd but there is no history to judge it by yet ("insufficient history"), so it passes
        assertThat(validate("--model", "dq_test", "--from", d1.toString(), "--to", d1.plusDays(7).toString(), "--dataset", "m"))
                .as(stdout).isZero();
        assertThat(validate("--model", "dq_test", "--date", D.toString(), "--dataset", "m")).isEqualTo(3);
        assertThat(stderr).contains("m.v: mean 1000.0 is outside").contains("(median and robust stddev of 8 dates before " + D + ")");
    }

    @Test
    void aCheckThatCannotBeComputedJudgesNoRowAndIsAnError() throws Exception {
        List<Row> rows = rowsWithMean(D, 40, 50);
        rows.add(RowFactory.create("n-1", null, "a", Timestamp.valueOf(D.atTime(12, 0)), null));
        writeRaw("n", D, rows);
        assertThat(validate("--model", "dq_test", "--date", D.toString(), "--dataset", "n")).isEqualTo(3);
        assertThat(stderr).contains("n.w: max could not be computed on this data");
        // the NULL result of the satisfies predicate counts as a violation, for the metric and for the row
        Dataset<Row> q = read("quarantine", "n", "dt=" + D, "stage=validate");
        assertThat(q.select("id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList()).containsExactly("n-1");
        assertThat(read("dq_results", "dt=" + D, "dataset=n").filter("check = 'never_computed'").first().<String>getAs("severity"))
                .isEqualTo("error");
    }

    @Test
    void anEmptyPartitionSaysSo() {
        writeRaw("t", D, List.of());
        assertThat(validate("--model", "dq_test", "--date", D.toString(), "--dataset", "t")).isEqualTo(3);
        assertThat(stderr).contains("t: the partition is empty (0 rows), expected >= 50").doesNotContain("could not be computed");
    }

    @Test
    void smallShortfallsAreNotRoundedAway() {
        assertThat(Messages.pct(0.99999)).isEqualTo("99.999%");
        assertThat(Messages.pct(0.00001)).isEqualTo("0.001%");
        assertThat(Messages.pct(0.975)).isEqualTo("97.50%");
    }

    /** 200 rows with v from -100 to 99 (mean -0.5) plus {@code bad} rows with v = -1116 (ids bad-0, bad-1, ...). */
    private static List<Row> rowsWithOutliers(LocalDate date, int bad, double offset) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            rows.add(RowFactory.create("id-" + i, (double) (i - 100) + offset, "a", Timestamp.valueOf(date.atTime(12, 0))));
        }
        for (int i = 0; i < bad; i++) {
            rows.add(RowFactory.create("bad-" + i, -1116.0, "a", Timestamp.valueOf(date.atTime(13, 0))));
        }
        return rows;
    }

    @Test
    void rowsBreakingARowLevelCheckAreQuarantinedAndTheDayPassesWithinTheQuarantineRatio() throws Exception {
        writeRaw("r", D, rowsWithOutliers(D, 1, 0));
        assertThat(validate("--model", "dq_rows", "--date", D.toString(), "--dataset", "r")).as(stdout + stderr).isZero();
        assertThat(stdout).contains("r 2/3 checks, 1 warning, 1 row quarantined")
                .contains("warning: r.v: min -1116.0 < -120.0 (a sensor reads down to -120) [1 row quarantined; the day is judged without them]");
        Dataset<Row> q = read("quarantine", "r", "dt=" + D, "stage=validate");
        assertThat(q.select("id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList()).containsExactly("bad-0");
        assertThat(q.first().<scala.collection.Seq<String>>getAs("_reasons").mkString(",")).isEqualTo("check 'v_min' failed");
        assertThat(read("validated", "r", "dt=" + D).count()).isEqualTo(200);
        // the aggregate check judged the remaining rows: with the outlier the mean would be -6.05, below -3
        Dataset<Row> results = read("dq_results", "dt=" + D, "dataset=r");
        Row mean = results.filter("check = 'v_mean'").first();
        assertThat(mean.<String>getAs("status")).isEqualTo("passed");
        assertThat(mean.<Double>getAs("value")).isEqualTo(-0.5);
        Row min = results.filter("check = 'v_min'").first();
        assertThat(min.<String>getAs("status")).isEqualTo("failed");
        assertThat(min.<String>getAs("severity")).isEqualTo("warning");
        assertThat(min.<Double>getAs("value")).isEqualTo(-1116.0);
        AuditEntry gate = audit("dq_rows").get(0);
        assertThat(gate.decision()).isEqualTo("pass");
        assertThat((String) datasetEvidence(gate, "r").get("quarantine"))
                .isEqualTo("r: 1 of 201 rows (0.50%) quarantined by row-level checks, within max_quarantine_ratio 5.00%;"
                        + " the other checks judged the remaining 200 rows");

        // aggregate checks still gate: the remaining rows' mean is out of its band
        LocalDate next = D.plusDays(1);
        writeRaw("r", next, rowsWithOutliers(next, 1, 10));
        assertThat(validate("--model", "dq_rows", "--date", next.toString(), "--dataset", "r")).isEqualTo(3);
        assertThat(stderr).contains("1 data check failed for dq_rows " + next + ": r.v: mean 9.5 > 3.0");
        assertThat(tp.platform().lake().exists(tp.platform().lake().partition("validated", "r", next))).isFalse();
    }

    @Test
    void aQuarantinedShareAboveTheRatioOrGateDayStopsTheDay() throws Exception {
        // 20 of 220 rows (9.09%) break the min check: more than max_quarantine_ratio 5%
        writeRaw("r", D, rowsWithOutliers(D, 20, 0));
        assertThat(validate("--model", "dq_rows", "--date", D.toString(), "--dataset", "r")).isEqualTo(3);
        assertThat(stderr).contains("r.v: min -1116.0 < -120.0 (a sensor reads down to -120)")
                .contains("(r: 20 of 220 rows (9.09%) break row-level checks, above max_quarantine_ratio 5.00%, so those checks stop the day)");
        assertThat(read("quarantine", "r", "dt=" + D, "stage=validate").count()).isEqualTo(20);
        assertThat(tp.platform().lake().exists(tp.platform().lake().partition("validated", "r", D))).isFalse();

        // gate: day: one row is enough to stop the day; the row is still quarantined with its reason
        writeRaw("g", D, rowsWithOutliers(D, 1, 0));
        assertThat(validate("--model", "dq_rows", "--date", D.toString(), "--dataset", "g")).isEqualTo(3);
        assertThat(stderr).contains("1 data check failed for dq_rows " + D + ": g.v: min -1116.0 < -120.0");
        assertThat(read("quarantine", "g", "dt=" + D, "stage=validate").count()).isEqualTo(1);
        assertThat(read("dq_results", "dt=" + D, "dataset=g").filter("check = 'v_min'").first().<String>getAs("severity"))
                .isEqualTo("error");
        assertThat(tp.platform().lake().exists(tp.platform().lake().partition("validated", "g", D))).isFalse();
    }

    @Test
    void theGeneratorsFewOutOfRangeDayPassesWithTheRowsQuarantined() throws Exception {
        LocalDate d1 = LocalDate.of(2024, 3, 4);
        DataGenerator g = new DataGenerator(new GeneratorOptions(d1, d1, Set.of(ModelKind.TRIP_RISK), 42, 0.5,
                List.of(), List.of(BadDay.parse(d1 + ":few_out_of_range"))));
        g.writeLanding(Paths.get(tp.platform().config().landingUri()));
        g.writeReferenceTables(tp.ops());
        assertThat(ingest("--model", "trip_risk", "--date", d1.toString(), "--dataset", "trips")).as(stderr).isZero();
        assertThat(validate("--model", "trip_risk", "--date", d1.toString(), "--dataset", "trips")).as(stdout + stderr).isZero();
        assertThat(stdout).contains("validate trip_risk 2024-03-04: done (exit 0)").contains("rows quarantined")
                .contains("warning: trips.max_speed_kph: max 412.0 > 250.0");
        long quarantined = read("quarantine", "trips", "dt=" + d1, "stage=validate").count();
        assertThat(quarantined).isPositive();
        assertThat(read("validated", "trips", "dt=" + d1).count() + quarantined).isEqualTo(read("raw", "trips", "dt=" + d1).count());
    }
}
