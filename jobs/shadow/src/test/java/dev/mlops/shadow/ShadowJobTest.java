package dev.mlops.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.json.Json;
import dev.mlops.core.registry.Registry;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import dev.mlops.train.testing.TinyDemand;
import dev.mlops.transform.Predictions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shadow job over crafted prediction partitions of the tiny demand model (the events of the
 * dates are in, so the labelled metrics appear too): no candidate, the gate accumulating over a
 * three-day period, a segment that falls below its floor after a re-run, and the results table.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShadowJobTest {
    static final LocalDate D3 = TinyDemand.LAST;
    static final LocalDate D2 = D3.minusDays(1);
    static final LocalDate D1 = D3.minusDays(2);
    static final StructType PREDICTIONS = new StructType().add("prediction_id", DataTypes.StringType).add("k", DataTypes.IntegerType)
            .add("event_ts", DataTypes.TimestampType).add("model", DataTypes.StringType).add("alias", DataTypes.StringType)
            .add("score", DataTypes.DoubleType).add("predicted_class", DataTypes.IntegerType).add("slice_part_of_day", DataTypes.StringType)
            .add("scored_at", DataTypes.TimestampType);

    @TempDir
    static Path home;
    static TestPlatform tp;
    static int production;
    static int candidate;

    @BeforeAll
    static void setUp() throws Exception {
        Path specs = Files.createDirectories(home.resolve("specs"));
        Files.writeString(specs.resolve("tt.yaml"), TinyDemand.SPEC + """
                shadow: {period: 3d, min_agreement: 0.9, segment_floor: 0.8, tolerance: {relative: 0.1, absolute: 0.5}, top_k: 20}
                """);
        tp = TestEnvironment.platform(home, Map.of("specs.dir", specs.toString()));
        TinyDemand.writeEvents(tp);
        production = register(D1.minusDays(1));
        new Registry(tp.platform().metadata()).setAlias("tt", Registry.PRODUCTION, production, "test", "first");
    }

    static int register(LocalDate date) {
        return new Registry(tp.platform().metadata()).register(new Registry.NewVersion("tt", date, "local", "local:test", "file:///nowhere/{version}",
                "rmse", 1.0, Map.of(), Map.of(), List.of("n_1h"), Map.of(), 1000 + date.getDayOfMonth()), "test").version();
    }

    @AfterAll
    static void tearDown() {
        tp.close();
    }

    /** A day's predictions of one version: 6 keys x 24 hours, the score a function of key and hour. */
    static void write(LocalDate date, int version, String alias, BiFunction<Integer, Integer, Double> score) {
        List<Row> rows = new ArrayList<>();
        for (int k = 1; k <= 6; k++) {
            for (int h = 0; h < 24; h++) {
                rows.add(RowFactory.create(version + "-" + k + "-" + h, k, Timestamp.valueOf(date.atTime(h, 0)), "tt", alias, score.apply(k, h), null,
                        h < 12 ? "am" : "pm", new Timestamp(System.currentTimeMillis())));
            }
        }
        tp.platform().spark().createDataFrame(rows, PREDICTIONS).coalesce(1).write().mode("overwrite")
                .parquet(Predictions.partition(tp.platform().lake(), "tt", date, version).toString());
    }

    static double base(int k, int h) {
        return k * (1 + 3 * Math.exp(-Math.pow(h - 18, 2) / 8.0));
    }

    static TestEnvironment.Output shadow(LocalDate date) {
        return TestEnvironment.execute(Cli.commandLine(new ShadowCommand(), c -> tp.platform()), "--model", "tt", "--date", date.toString());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> result(LocalDate date) throws Exception {
        return Json.read(Files.readString(tp.platform().results().pathFor("shadow", "tt", date, "all")), Map.class);
    }

    @Test
    @Order(1)
    void withoutACandidateThereIsNothingToCompare() {
        TestEnvironment.Output o = shadow(D1);
        assertThat(o.code()).as(o.out() + o.err()).isEqualTo(100);
        assertThat(o.out()).contains("no candidate version of tt to shadow");
    }

    @Test
    @Order(2)
    void theGateWaitsForTheWholePeriodThenPasses() throws Exception {
        candidate = register(D1);
        new Registry(tp.platform().metadata()).setAlias("tt", Registry.CANDIDATE, candidate, "test", "new");
        for (LocalDate d : List.of(D1, D2, D3)) {
            write(d, production, "production", ShadowJobTest::base);
            // within 5% everywhere: agrees at a 10% tolerance
            write(d, candidate, "candidate", (k, h) -> base(k, h) * (1 + 0.05 * Math.sin(k * 7 + h)));
        }
        TestEnvironment.Output first = shadow(D1);
        assertThat(first.code()).as(first.out() + first.err()).isEqualTo(100);
        assertThat(first.out()).contains("shadowed 1 of 3 days so far (" + D1 + ")");
        TestEnvironment.Output second = shadow(D2);
        assertThat(second.code()).isEqualTo(100);
        assertThat(second.out()).contains("shadowed 2 of 3 days so far (" + D1 + ", " + D2 + ")");
        TestEnvironment.Output third = shadow(D3);
        assertThat(third.code()).as(third.out() + third.err()).isZero();
        assertThat(third.out()).contains("gate passed (3 of 3 days, pooled agreement 1.0000)");
        Map<String, Object> r = result(D3);
        @SuppressWarnings("unchecked")
        Map<String, Object> decision = ((List<Map<String, Object>>) r.get("decisions")).get(0);
        assertThat(decision).containsEntry("decision", "shadow_passed").containsEntry("candidate_version", candidate).containsEntry("days", 3);
        // the date's labels are in: both models' metrics side by side
        Dataset<Row> results = tp.platform().spark().read().parquet(ShadowJob.partition(tp.platform().lake(), "tt", D3).toString());
        assertThat(results.filter("metric = 'production.rmse' AND segment = 'all'").count()).isEqualTo(1);
        assertThat(results.filter("metric = 'candidate.rmse' AND segment = 'all'").count()).isEqualTo(1);
        assertThat(results.filter("metric = 'labelled'").first().getDouble(4)).isEqualTo(144.0);
        assertThat(results.filter("metric = 'agreement' AND segment = 'part_of_day=pm'").first().getDouble(4)).isEqualTo(1.0);
        assertThat(results.filter("metric = 'pairs' AND segment = 'all'").first().getDouble(4)).isEqualTo(144.0);
    }

    @Test
    @Order(3)
    void aSegmentBelowItsFloorFailsTheGateWithEveryReason() throws Exception {
        // the candidate doubles afternoon demand on day 2; the re-run replaces day 2's results
        write(D2, candidate, "candidate", (k, h) -> h < 12 ? base(k, h) : base(k, h) * 2);
        long before = tp.platform().spark().read().parquet(ShadowJob.partition(tp.platform().lake(), "tt", D2).toString()).count();
        TestEnvironment.Output day2 = shadow(D2);
        assertThat(day2.code()).isEqualTo(100);
        assertThat(day2.out()).contains("agreement 0.5000");
        long after = tp.platform().spark().read().parquet(ShadowJob.partition(tp.platform().lake(), "tt", D2).toString()).count();
        assertThat(after).isEqualTo(before);
        TestEnvironment.Output day3 = shadow(D3);
        assertThat(day3.code()).isEqualTo(100);
        // pooled over the period: 72 of 432 events disagree; the afternoon segment 144 of 216 agree
        assertThat(day3.out()).contains("agreement 0.8333 < 0.9000 (shadow.min_agreement) over 432 events")
                .contains("segment part_of_day=pm: agreement 0.6667 < 0.8000 (shadow.segment_floor) over 216 events")
                .doesNotContain("part_of_day=am:");
        @SuppressWarnings("unchecked")
        Map<String, Object> decision = ((List<Map<String, Object>>) result(D3).get("decisions")).get(0);
        assertThat(decision).containsEntry("decision", "shadow_not_passed");
        assertThat((List<?>) decision.get("reasons")).hasSize(2);
        // every verdict is in the audit ledger, with its evidence
        var entries = new dev.mlops.core.audit.AuditLedger(tp.platform().metadata()).log("tt").stream()
                .filter(x -> x.action().equals("shadow")).toList();
        assertThat(entries).hasSize(5);
        assertThat(entries.get(2).decision()).isEqualTo("shadow_passed");
        assertThat(entries.get(4).decision()).isEqualTo("shadow_not_passed");
        assertThat(entries.get(4).reasons()).hasSize(2);
        assertThat(entries.get(4).evidenceJson()).contains("\"agreement\"").contains("\"dates\"");
    }

    @Test
    @Order(4)
    void predictionsThatShareNoEventAreADataContractViolation() {
        write(D3, candidate, "candidate", ShadowJobTest::base);
        // the candidate scored another day's events into D3's partition
        List<Row> rows = new ArrayList<>();
        rows.add(RowFactory.create("x", 1, Timestamp.valueOf(D3.plusDays(5).atStartOfDay()), "tt", "candidate", 1.0, null, "am",
                new Timestamp(System.currentTimeMillis())));
        tp.platform().spark().createDataFrame(rows, PREDICTIONS).write().mode("overwrite")
                .parquet(Predictions.partition(tp.platform().lake(), "tt", D3, candidate).toString());
        TestEnvironment.Output o = shadow(D3);
        assertThat(o.code()).isEqualTo(3);
        assertThat(o.err()).contains("share no event");
    }
}
