package dev.mlops.quality;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.core.spec.QualitySpec;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The retrain rules on stored histories: what breaks a streak, and each rule's threshold and comparison. */
class RetrainRulesTest {
    static final LocalDate D = LocalDate.of(2024, 3, 10);
    static final QualitySpec.Limit MAPE = new QualitySpec.Limit(null, 0.2, 3);

    static Map<LocalDate, RetrainRules.DateValue> history(Object... dateVersionLabelledValue) {
        Map<LocalDate, RetrainRules.DateValue> out = new TreeMap<>();
        for (int i = 0; i < dateVersionLabelledValue.length; i += 4) {
            out.put(D.minusDays((int) dateVersionLabelledValue[i]), new RetrainRules.DateValue((int) dateVersionLabelledValue[i + 1],
                    (double) dateVersionLabelledValue[i + 2], (Double) dateVersionLabelledValue[i + 3]));
        }
        return out;
    }

    @Test
    void aStreakCountsConsecutiveDatesOfTheVersionWithEnoughLabels() {
        // D-3 .. D all over 0.2 with 500 labels: 4 days
        assertThat(RetrainRules.streak(history(0, 2, 500.0, 0.3, 1, 2, 500.0, 0.25, 2, 2, 500.0, 0.4, 3, 2, 500.0, 0.21), D, 2, 200, MAPE))
                .hasSize(4).startsWith(D.minusDays(3)).endsWith(D);
        // a missing date breaks it
        assertThat(RetrainRules.streak(history(0, 2, 500.0, 0.3, 1, 2, 500.0, 0.25, 3, 2, 500.0, 0.4), D, 2, 200, MAPE)).hasSize(2);
        // so does a date within the limit, one with too few labels, one of another version
        assertThat(RetrainRules.streak(history(0, 2, 500.0, 0.3, 1, 2, 500.0, 0.2, 2, 2, 500.0, 0.4), D, 2, 200, MAPE)).hasSize(1);
        assertThat(RetrainRules.streak(history(0, 2, 500.0, 0.3, 1, 2, 100.0, 0.5, 2, 2, 500.0, 0.4), D, 2, 200, MAPE)).hasSize(1);
        assertThat(RetrainRules.streak(history(0, 2, 500.0, 0.3, 1, 1, 500.0, 0.5, 2, 1, 500.0, 0.4), D, 2, 200, MAPE)).hasSize(1);
        // the streak ends at the latest due date: a good latest date is no streak at all
        assertThat(RetrainRules.streak(history(0, 2, 500.0, 0.1, 1, 2, 500.0, 0.5, 2, 2, 500.0, 0.4), D, 2, 200, MAPE)).isEmpty();
    }

    @Test
    void eachRuleStatesItsMetricValueThresholdAndComparison() {
        RetrainRules.Rule limit = RetrainRules.metricLimit("mape", MAPE, history(0, 2, 500.0, 0.3, 1, 2, 500.0, 0.25, 2, 2, 500.0, 0.4), D, 2, 200);
        assertThat(limit.fired()).isTrue();
        assertThat(limit.value()).isEqualTo(0.3);
        assertThat(limit.threshold()).isEqualTo(0.2);
        assertThat(limit.comparison()).isEqualTo(">");
        assertThat(limit.days()).isEqualTo(3);
        assertThat(limit.requiredDays()).isEqualTo(3);
        assertThat(limit.reason()).isEqualTo("mape 0.3000 on 3 consecutive prediction dates (2024-03-08..2024-03-10) (quality.metrics.mape: <= 0.2 for 3 days)");
        RetrainRules.Rule floor = RetrainRules.metricLimit("r2", new QualitySpec.Limit(0.2, null, 1), history(0, 2, 500.0, 0.1), D, 2, 200);
        assertThat(floor.fired()).isTrue();
        assertThat(floor.threshold()).isEqualTo(0.2);
        assertThat(floor.comparison()).isEqualTo("<");

        RetrainRules.Rule share = RetrainRules.driftShare(10, List.of("a"), Map.of(), QualitySpec.Drift.DEFAULT);
        assertThat(share.fired()).as("10% is not over 10%").isFalse();
        assertThat(RetrainRules.driftShare(10, List.of("a", "b"), Map.of(), QualitySpec.Drift.DEFAULT).fired()).isTrue();
        assertThat(RetrainRules.newLabels(10_000, 10_000, D.minusDays(20), D).fired()).isTrue();
        assertThat(RetrainRules.newLabels(9_999, 10_000, D.minusDays(20), D).fired()).isFalse();
        assertThat(RetrainRules.attribution(0.89, 0.9, Map.of("a", 1.0), Map.of("a", 1.0)).fired()).isTrue();
        assertThat(RetrainRules.attribution(0.9, 0.9, Map.of("a", 1.0), Map.of("a", 1.0)).fired()).isFalse();
    }
}
