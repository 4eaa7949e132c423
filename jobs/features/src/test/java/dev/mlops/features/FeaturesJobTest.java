package dev.mlops.features;

import static dev.mlops.features.FeaturesTestSupport.ev;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.json.Json;
import dev.mlops.core.lake.Manifest;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeaturesJobTest {
    // recent dates: DynamoDB Local, like DynamoDB, deletes items whose expiry has passed on the real clock
    static final LocalDate D = LocalDate.now(ZoneOffset.UTC).minusDays(4);

    @TempDir
    Path home;
    TestPlatform tp;
    String prefix;

    @BeforeEach
    void setUp() throws Exception {
        prefix = "t" + System.nanoTime() + "-";
        tp = FeaturesTestSupport.platform(home, prefix);
        for (int day = 0; day < 4; day++) {
            LocalDate d = D.plusDays(day);
            List<Row> rows = new ArrayList<>();
            for (int h = 0; h < 24; h += 3) {
                rows.add(ev("a", d.atTime(h, 15), day * 100 + h, "a"));
                rows.add(ev("b", d.atTime(h, 45), -h, "b"));
            }
            FeaturesTestSupport.write(tp, "ev", d, rows);
        }
    }

    @AfterEach
    void tearDown() {
        tp.close();
    }

    private TestEnvironment.Output features(String... args) {
        return FeaturesTestSupport.features(tp, args);
    }

    private TestEnvironment.Output get(String group, String entity, Instant now) {
        return FeaturesTestSupport.features(tp, "get", "--model", "ft", "--group", group, "--entity", entity, "--now", now.toString());
    }

    private Dataset<Row> read(String group, LocalDate d) {
        return tp.platform().spark().read().parquet(tp.platform().lake().partition("features", group, d).toString());
    }

    private static Instant instant(LocalDateTime t) {
        return t.toInstant(ZoneOffset.UTC);
    }

    @Test
    void writesOnePartitionPerDateWithManifestAndReRunsReplace() {
        LocalDate d = D.plusDays(1);
        TestEnvironment.Output o = features("--model", "ft", "--date", d.toString(), "--now", instant(d.atTime(23, 59)).toString());
        assertThat(o.code()).as(o.err()).isZero();
        assertThat(o.out()).contains("features ft " + d + ": done (exit 0)").contains("hourly 48 rows").contains("raw 16 rows");
        assertThat(read("hourly", d).count()).isEqualTo(48);
        assertThat(read("raw", d).count()).isEqualTo(16);
        Manifest m = Manifest.fromJson(tp.platform().lake().readText(Manifest.pathIn(tp.platform().lake().partition("features", "hourly", d))).orElseThrow());
        assertThat(m.rows()).isEqualTo(48);
        assertThat(m.schema()).startsWith("k", "feature_ts:timestamp", "n_1h:long");
        assertThat(m.inputs()).anyMatch(i -> i.uri().endsWith("validated/ev/dt=" + d.minusDays(1)));

        TestEnvironment.Output again = features("--model", "ft", "--date", d.toString(), "--now", instant(d.atTime(23, 59)).toString());
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(read("hourly", d).count()).isEqualTo(48);
        assertThat(read("raw", d).count()).isEqualTo(16);
    }

    @Test
    void aBackfillRunsInChunksAndADateWithoutInputIsNothingToDo() {
        TestEnvironment.Output o = features("--model", "ft", "--from", D.toString(), "--to", D.plusDays(3).toString(),
                "--chunk-days", "2", "--no-online");
        assertThat(o.code()).as(o.err()).isZero();
        assertThat(o.err()).contains("chunk 1/2 (" + D + ".." + D.plusDays(1) + ")").contains("chunk 2/2");
        for (int day = 0; day < 4; day++) {
            assertThat(read("hourly", D.plusDays(day)).count()).isEqualTo(48);
        }
        // the first day's windows had no history: the 24h max at 01:00 sees only that day's first row
        Row early = read("hourly", D).filter("k = 'a' AND hour(feature_ts) = 1").first();
        assertThat(early.<Double>getAs("max_v_24h")).isEqualTo(0.0);
        TestEnvironment.Output none = features("--model", "ft", "--date", D.plusDays(10).toString(), "--no-online");
        assertThat(none.code()).isEqualTo(100);
    }

    @Test
    void materializesTheLatestRowPerEntityAndABackfillNeverClobbersNewerValues() {
        LocalDate last = D.plusDays(3);
        Instant now = Instant.now();
        assertThat(features("--model", "ft", "--date", last.toString()).code()).isZero();
        TestEnvironment.Output got = get("hourly", "a", now);
        assertThat(got.code()).as(got.err()).isZero();
        @SuppressWarnings("unchecked")
        Map<String, Object> item = Json.read(got.out(), Map.class);
        assertThat(item.get("feature_ts")).isEqualTo(instant(last.plusDays(1).atStartOfDay()).toString());
        @SuppressWarnings("unchecked")
        Map<String, Object> values = (Map<String, Object>) item.get("features");
        assertThat(values.get("max_v_24h")).isEqualTo(321.0);

        // a backfill of older dates afterwards: every entity is kept at its newer value
        TestEnvironment.Output back = features("--model", "ft", "--from", D.toString(), "--to", D.plusDays(1).toString());
        assertThat(back.code()).as(back.err()).isZero();
        assertThat(back.out()).contains("0 online (2 kept newer");
        @SuppressWarnings("unchecked")
        Map<String, Object> after = Json.read(get("hourly", "a", now).out(), Map.class);
        assertThat(after.get("feature_ts")).isEqualTo(item.get("feature_ts"));
    }

    @Test
    void expiredItemsAreAbsentOnReadAndNotWritten() {
        LocalDate last = D.plusDays(3);
        assertThat(features("--model", "ft", "--date", last.toString()).code()).isZero();
        // ttl 3d: the row stamped at midnight expires three days later
        assertThat(get("hourly", "a", instant(last.plusDays(3).atTime(23, 59))).code()).isZero();
        TestEnvironment.Output expired = get("hourly", "a", instant(last.plusDays(4).atStartOfDay()));
        assertThat(expired.code()).isEqualTo(100);
        assertThat(expired.err()).contains("no live value for k=a");
        // judged at a later instant, a materialization writes nothing: everything would be expired
        TestEnvironment.Output late = features("--model", "ft", "--date", last.toString(), "--now", instant(last.plusDays(5).atStartOfDay()).toString());
        assertThat(late.code()).isZero();
        assertThat(late.out()).contains("0 online (0 kept newer, 2 expired)");
    }

    @Test
    void aBadExpressionIsAUsageErrorNamingTheGroup() throws Exception {
        java.nio.file.Files.writeString(home.resolve("specs/ft.yaml"), FeaturesTestSupport.SPEC.replace("expr: \"v * 2\"", "expr: \"nope * 2\""));
        TestEnvironment.Output o = features("--model", "ft", "--date", D.toString(), "--no-online");
        assertThat(o.code()).isEqualTo(2);
        // caught when the spec loads (SpecLoader resolves feature expressions against the source's declared columns)
        assertThat(o.err()).contains("ft.yaml").contains("key 'features.raw.features[").contains("'nope'");
    }

    @Test
    void trainingSetAttachesEveryGroupPointInTime() {
        assertThat(features("--model", "ft", "--from", D.toString(), "--to", D.plusDays(3).toString(), "--no-online").code()).isZero();
        // labels: one for a's event at day 1 03:15 (within the 1d delay), one long after b's 06:45 event
        tp.platform().spark().createDataFrame(List.of(
                        RowFactory.create("a", Timestamp.valueOf(D.plusDays(1).atTime(9, 0))),
                        RowFactory.create("b", Timestamp.valueOf(D.plusDays(3).atTime(9, 0)))), FeaturesTestSupport.LB)
                .write().parquet(tp.platform().lake().partition("validated", "lb", D.plusDays(1)).toString());
        TestEnvironment.Output o = FeaturesTestSupport.features(tp, "training-set", "--model", "ft", "--from", D.plusDays(1).toString(),
                "--to", D.plusDays(1).toString());
        assertThat(o.code()).as(o.out() + o.err()).isZero();
        Dataset<Row> ts = tp.platform().spark().read().parquet(tp.platform().lake().path("training_sets", "ft", D.plusDays(1) + "_" + D.plusDays(1)).toString());
        assertThat(ts.count()).isEqualTo(16);
        assertThat(ts.columns()).contains("k", "event_ts", "hit", "v", "cnt_1h", "n_1h", "max_v_24h", "dt");
        Row a0315 = ts.filter("k = 'a' AND hour(event_ts) = 3").first();
        assertThat(a0315.<Integer>getAs("hit")).isEqualTo(1);
        // the raw row of the event itself (stamped at the event) and the hourly bucket that ended at 03:00
        assertThat(a0315.<Double>getAs("v")).isEqualTo(103.0);
        assertThat(a0315.<Long>getAs("n_1h")).isZero();
        assertThat(a0315.<Double>getAs("max_v_24h")).isEqualTo(100.0);
        assertThat(ts.filter("k = 'b' AND hit = 1").count()).isZero();
        assertThat(ts.filter("k = 'a' AND hour(event_ts) = 0").first().<Integer>getAs("hit")).isEqualTo(1);
        // an event after the label: the label is not its outcome
        assertThat(ts.filter("k = 'a' AND hour(event_ts) = 12").first().<Integer>getAs("hit")).isZero();
        // no feature value comes from after its event
        assertThat(ts.filter("v IS NULL OR v2 IS NULL").count()).isZero();
    }

    @Test
    void aTrainingSetRefusesPartitionsOfAnotherGroupDefinition() throws Exception {
        assertThat(features("--model", "ft", "--from", D.toString(), "--to", D.plusDays(1).toString(), "--no-online").code()).isZero();
        java.nio.file.Files.writeString(home.resolve("specs/ft.yaml"),
                FeaturesTestSupport.SPEC.replace("- {name: n_1h, agg: count, window: 1h}", "- {name: n_1h, agg: count, window: 1h}\n      - {name: n_2h, agg: count, window: 2h}"));
        TestEnvironment.Output o = FeaturesTestSupport.features(tp, "training-set", "--model", "ft", "--from", D.plusDays(1).toString(),
                "--to", D.plusDays(1).toString());
        assertThat(o.code()).isEqualTo(2);
        assertThat(o.err()).contains("features/hourly partitions [" + D + ", " + D.plusDays(1) + "] were computed for another definition")
                .contains("mlops features --model ft --group hourly --from " + D + " --to " + D.plusDays(1));
    }

    @Test
    void helpNamesEveryOption() {
        TestEnvironment.Output o = TestEnvironment.execute(Cli.commandLine(new FeaturesCommand(), c -> tp.platform()), "--help");
        assertThat(o.out()).contains("--chunk-days").contains("--[no-]online").contains("--now").contains("training-set").contains("get");
    }

}
