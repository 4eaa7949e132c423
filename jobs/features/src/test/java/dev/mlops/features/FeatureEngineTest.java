package dev.mlops.features;

import static dev.mlops.features.FeaturesTestSupport.ev;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureEngineTest {
    static final LocalDate D0 = LocalDate.of(2024, 5, 1);
    static final LocalDate D1 = D0.plusDays(1);

    @TempDir
    Path home;
    TestPlatform tp;

    @BeforeEach
    void setUp() throws Exception {
        tp = FeaturesTestSupport.platform(home, "engine-");
        FeaturesTestSupport.write(tp, "ev", D0, List.of(
                ev("a", D0.atTime(23, 10), 1.0, "a"),
                ev("a", D0.atTime(23, 50), 3.0, "b")));
        FeaturesTestSupport.write(tp, "ev", D1, List.of(
                ev("a", D1.atTime(0, 20), 5.0, "a"),
                ev("a", D1.atTime(1, 30), 7.0, "a"),
                ev("b", D1.atTime(0, 5), 10.0, "b")));
    }

    @AfterEach
    void tearDown() {
        tp.close();
    }

    private List<Row> compute(String group, LocalDate... dates) {
        FeatureEngine.Computed c = new FeatureEngine(tp.platform().spark(), tp.platform().lake())
                .compute(tp.platform().specs().load("ft").spec(), group, List.of(dates));
        return c.rows().orderBy("k", FeatureEngine.FEATURE_TS).collectAsList();
    }

    private static LocalDateTime ts(Row r) {
        return r.<Timestamp>getAs(FeatureEngine.FEATURE_TS).toLocalDateTime();
    }

    @Test
    void perEventWindowsReadTheHistoryBeforeTheDay() {
        List<Row> rows = compute("raw", D1);
        assertThat(rows).hasSize(3);
        Row a1 = rows.get(0);
        assertThat(ts(a1)).isEqualTo(D1.atTime(0, 20));
        assertThat(a1.<Double>getAs("v")).isEqualTo(5.0);
        assertThat(a1.<Double>getAs("v2")).isEqualTo(10.0);
        // (00:20 - 1h, 00:20]: 23:50 of the day before and itself
        assertThat(a1.<Long>getAs("cnt_1h")).isEqualTo(2L);
        // (22:20, 00:20]: 1 + 3 + 5
        assertThat(a1.<Double>getAs("sum_v_2h")).isEqualTo(9.0);
        Row a2 = rows.get(1);
        assertThat(a2.<Long>getAs("cnt_1h")).isEqualTo(1L);
        assertThat(a2.<Double>getAs("sum_v_2h")).isEqualTo(15.0);
        assertThat(rows.get(2).<String>getAs("k")).isEqualTo("b");
        assertThat(rows.stream().map(r -> r.<String>getAs(FeatureEngine.DT)).collect(Collectors.toSet())).containsExactly(D1.toString());
    }

    @Test
    void bucketsAreDenseStampedAtTheirEndAndLagged() {
        List<Row> rows = compute("hourly", D1);
        // two entities seen in the history x 24 buckets of the day
        assertThat(rows).hasSize(48);
        Map<LocalDateTime, Row> a = rows.stream().filter(r -> "a".equals(r.getAs("k"))).collect(Collectors.toMap(FeatureEngineTest::ts, r -> r));
        Row first = a.get(D1.atTime(1, 0));
        assertThat(first.<Long>getAs("n_1h")).isEqualTo(1L);
        assertThat(first.<Long>getAs("n_prev_1h")).isEqualTo(2L);
        assertThat(first.<Double>getAs("mean_v_3h")).isCloseTo(3.0, within(1e-9));
        assertThat(first.<Double>getAs("a_share_3h")).isCloseTo(2.0 / 3, within(1e-9));
        Row second = a.get(D1.atTime(2, 0));
        assertThat(second.<Long>getAs("n_1h")).isEqualTo(1L);
        assertThat(second.<Long>getAs("n_prev_1h")).isEqualTo(1L);
        assertThat(second.<Double>getAs("max_v_24h")).isEqualTo(7.0);
        Row quiet = a.get(D1.atTime(12, 0));
        assertThat(quiet.<Long>getAs("n_1h")).isZero();
        assertThat(quiet.<Double>getAs("mean_v_3h")).isNull();
        assertThat(quiet.<Double>getAs("max_v_24h")).isEqualTo(7.0);
        Row b = rows.stream().filter(r -> "b".equals(r.getAs("k")) && ts(r).equals(D1.atTime(1, 0))).findFirst().orElseThrow();
        assertThat(b.<Long>getAs("n_1h")).isEqualTo(1L);
        assertThat(b.<Long>getAs("n_prev_1h")).isZero();
    }

    @Test
    void datesWithoutInputAreReportedNotInvented() {
        FeatureEngine.Computed c = new FeatureEngine(tp.platform().spark(), tp.platform().lake())
                .compute(tp.platform().specs().load("ft").spec(), "hourly", List.of(D1, D1.plusDays(1)));
        assertThat(c.datesWithInput()).containsExactly(D1);
        assertThat(c.rows().select(FeatureEngine.DT).distinct().count()).isEqualTo(1);
        FeatureEngine.Computed none = new FeatureEngine(tp.platform().spark(), tp.platform().lake())
                .compute(tp.platform().specs().load("ft").spec(), "hourly", List.of(D1.plusDays(5)));
        assertThat(none.rows()).isNull();
    }
}
