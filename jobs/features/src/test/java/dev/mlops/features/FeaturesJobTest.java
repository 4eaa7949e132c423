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

    private Manifest manifest(String group, LocalDate d) {
        return Manifest.fromJson(tp.platform().lake().readText(Manifest.pathIn(tp.platform().lake().partition("features", group, d))).orElseThrow());
    }

    private static String ts(LocalDate d, int hour) {
        return "timestamp'" + d.atTime(hour, 0).toString().replace('T', ' ') + ":00'";
    }

    @Test
    void aWindowOverADayWithoutValidatedDataIsNullNotZeroAndTheManifestCountsIt() {
        // D+1 did not pass validate: no validated partition (D, the first, and D+2 have theirs)
        LocalDate gap = D.plusDays(1);
        LocalDate d = D.plusDays(2);
        tp.platform().lake().delete(tp.platform().lake().partition("validated", "ev", gap));
        TestEnvironment.Output o = features("--model", "ft", "--date", d.toString(), "--no-online");
        assertThat(o.code()).as(o.out() + o.err()).isZero();
        assertThat(o.out()).contains("hourly 48 rows over 1 date(s), 56 values null (windows over days without validated ev: [" + gap + "])")
                .contains("raw 16 rows over 1 date(s), 4 values null");
        Dataset<Row> hourly = read("hourly", d).filter("k = 'a'");
        assertThat(hourly.count()).isEqualTo(24);
        // the 24h max over [t - 24h, t) reads the missing day for every bucket but the last: null, not the max of fewer rows
        assertThat(hourly.filter("max_v_24h IS NULL").count()).isEqualTo(23);
        assertThat(hourly.filter("feature_ts = " + ts(d.plusDays(1), 0)).first().<Double>getAs("max_v_24h")).isEqualTo(221.0);
        // the 3h mean is unknown at 01:00 and 02:00, known from 03:00; the previous hour's count only at 01:00; the hour's own count never reads it
        assertThat(hourly.filter("mean_v_3h IS NULL").select("feature_ts").as(org.apache.spark.sql.Encoders.TIMESTAMP()).collectAsList())
                .extracting(t -> t.toLocalDateTime().getHour()).containsExactlyInAnyOrder(1, 2);
        assertThat(hourly.filter("feature_ts = " + ts(d, 3)).first().<Double>getAs("mean_v_3h")).isEqualTo(200.0);
        assertThat(hourly.filter("n_prev_1h IS NULL").count()).isEqualTo(1);
        assertThat(hourly.filter("n_prev_1h IS NULL").first().getTimestamp(1).toLocalDateTime()).isEqualTo(d.atTime(1, 0));
        assertThat(hourly.filter("n_1h IS NULL").count()).isZero();
        // a per-event window: (t - 2h, t] of the 00:15 and 00:45 events reads the missing day, the 03:15 one does not
        Dataset<Row> raw = read("raw", d);
        assertThat(raw.filter("sum_v_2h IS NULL").count()).isEqualTo(2);
        assertThat(raw.filter("cnt_1h IS NULL").count()).isEqualTo(2);
        assertThat(raw.filter("k = 'a' AND hour(feature_ts) = 3").first().<Double>getAs("sum_v_2h")).isEqualTo(203.0);
        assertThat(raw.filter("v IS NULL").count()).isZero();
        // the manifests name the day and count the values nulled, per feature
        Manifest m = manifest("hourly", d);
        assertThat(m.missingData()).isNotNull();
        assertThat(m.missingData().source()).isEqualTo("ev");
        assertThat(m.missingData().dates()).containsExactly(gap);
        assertThat(m.missingData().nulled()).containsEntry("max_v_24h", 46L).containsEntry("mean_v_3h", 4L).containsEntry("a_share_3h", 4L)
                .containsEntry("n_prev_1h", 2L).doesNotContainKey("n_1h");
        assertThat(m.missingData().zeroFilled()).isNull();
        assertThat(manifest("raw", d).missingData().nulled()).containsEntry("sum_v_2h", 2L).containsEntry("cnt_1h", 2L).hasSize(2);
        // the day after: its history still holds the missing day, but no window reaches it
        assertThat(features("--model", "ft", "--date", d.plusDays(1).toString(), "--no-online").code()).isZero();
        assertThat(manifest("hourly", d.plusDays(1)).missingData()).isNull();
        assertThat(read("hourly", d.plusDays(1)).filter("max_v_24h IS NULL OR n_prev_1h IS NULL").count()).isZero();
        // the first day's windows reach before the source's history began: partial, as before, not missing
        assertThat(features("--model", "ft", "--date", D.toString(), "--no-online").code()).isZero();
        assertThat(manifest("hourly", D).missingData()).isNull();
        assertThat(read("hourly", D).filter("max_v_24h IS NULL").count()).isZero();
    }

    @Test
    void missingDaysZeroKeepsTheOldCountPerGroupOrFeatureAndADayStoppedByValidateIsMissingEvenBeforeTheFirstValidated() throws Exception {
        // the group counts missing days as zero rows, except the 24h max, which stays null
        java.nio.file.Files.writeString(home.resolve("specs/ft.yaml"), FeaturesTestSupport.SPEC
                .replace("granularity: 1h\n    dense: true\n", "granularity: 1h\n    dense: true\n    missing_days: zero\n")
                .replace("{name: max_v_24h, agg: max, expr: v, window: 24h}", "{name: max_v_24h, agg: max, expr: v, window: 24h, missing_days: null}"));
        LocalDate gap = D.plusDays(1);
        LocalDate d = D.plusDays(2);
        tp.platform().lake().delete(tp.platform().lake().partition("validated", "ev", gap));
        assertThat(features("--model", "ft", "--date", d.toString(), "--no-online").code()).isZero();
        Dataset<Row> hourly = read("hourly", d).filter("k = 'a'");
        assertThat(hourly.filter("max_v_24h IS NULL").count()).isEqualTo(23);
        assertThat(hourly.filter("feature_ts = " + ts(d, 1)).first().<Long>getAs("n_prev_1h")).isZero();
        assertThat(hourly.filter("feature_ts = " + ts(d, 1)).first().<Double>getAs("mean_v_3h")).isEqualTo(200.0);
        Manifest m = manifest("hourly", d);
        assertThat(m.missingData().nulled()).containsOnlyKeys("max_v_24h");
        assertThat(m.missingData().zeroFilled()).containsEntry("mean_v_3h", 4L).containsEntry("n_prev_1h", 2L);

        // before the first validated partition, a day ingested (raw/) but not validated is missing too
        tp.platform().spark().createDataFrame(List.of(ev("a", D.minusDays(1).atTime(12, 0), 1, "a")), FeaturesTestSupport.EV).write()
                .parquet(tp.platform().lake().partition("raw", "ev", D.minusDays(1)).toString());
        assertThat(features("--model", "ft", "--date", D.toString(), "--no-online").code()).isZero();
        assertThat(manifest("hourly", D).missingData().dates()).containsExactly(D.minusDays(1));
        assertThat(read("hourly", D).filter("k = 'a' AND max_v_24h IS NULL").count()).isEqualTo(23);
    }

    @Test
    void helpNamesEveryOption() {
        TestEnvironment.Output o = TestEnvironment.execute(Cli.commandLine(new FeaturesCommand(), c -> tp.platform()), "--help");
        assertThat(o.out()).contains("--chunk-days").contains("--[no-]online").contains("--now").contains("training-set").contains("get");
    }

}
