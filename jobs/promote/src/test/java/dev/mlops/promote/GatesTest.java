package dev.mlops.promote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.mlops.core.spec.Task;
import org.junit.jupiter.api.Test;

/** The gate arithmetic on crafted predictions. */
class GatesTest {
    static final float[] Y = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

    @Test
    void improvementIsSignedByTheMetricsDirection() {
        // rmse 2 -> 1.5 is 25% better; r2 0.5 -> 0.6 is 20% better; pr_auc 0.4 -> 0.3 is 25% worse
        assertThat(Gates.improvement("rmse", 2.0, 1.5)).isCloseTo(0.25, within(1e-12));
        assertThat(Gates.improvement("r2", 0.5, 0.6)).isCloseTo(0.2, within(1e-12));
        assertThat(Gates.improvement("pr_auc", 0.4, 0.3)).isCloseTo(-0.25, within(1e-12));
    }

    @Test
    void aCandidateBetterOnEveryRowWinsEveryResample() {
        float[] production = new float[Y.length];
        float[] candidate = new float[Y.length];
        for (int i = 0; i < Y.length; i++) {
            production[i] = Y[i] + 2;
            candidate[i] = Y[i] + 1;
        }
        Gates.Paired p = Gates.bootstrap(Task.REGRESSION, "rmse", Y, production, candidate, 0.5, 0.4, 500, 1);
        // rmse 2 vs 1 on every resample: improvement 50% >= the 40% margin each time
        assertThat(p.production()).isCloseTo(2.0, within(1e-6));
        assertThat(p.candidate()).isCloseTo(1.0, within(1e-6));
        assertThat(p.improvement()).isCloseTo(0.5, within(1e-6));
        assertThat(p.share()).isEqualTo(1.0);
        assertThat(p.resamples()).isEqualTo(500);
    }

    @Test
    void anImprovementCarriedByOneRowIsNotConfident() {
        // identical except one row where the candidate is exact and production is off by 3:
        // the resamples that miss that row (about (9/10)^10 = 35% of them) show no improvement at all
        float[] production = Y.clone();
        float[] candidate = Y.clone();
        for (int i = 0; i < Y.length; i++) {
            production[i] += 0.5f;
            candidate[i] += 0.5f;
        }
        production[9] = Y[9] + 3;
        Gates.Paired p = Gates.bootstrap(Task.REGRESSION, "rmse", Y, production, candidate, 0.5, 0.01, 2000, 7);
        assertThat(p.improvement()).isGreaterThan(0.5);
        assertThat(p.share()).isBetween(0.58, 0.72);
    }

    @Test
    void classificationUsesTheTrainingMetrics() {
        float[] y = {0, 0, 0, 0, 1, 1, 0, 1};
        float[] perfect = {0.1f, 0.2f, 0.1f, 0.3f, 0.9f, 0.8f, 0.2f, 0.7f};
        float[] reversed = {0.9f, 0.8f, 0.9f, 0.7f, 0.1f, 0.2f, 0.8f, 0.3f};
        assertThat(Gates.metric(Task.BINARY_CLASSIFICATION, "roc_auc", y, perfect, 0.5)).isEqualTo(1.0);
        assertThat(Gates.metric(Task.BINARY_CLASSIFICATION, "roc_auc", y, reversed, 0.5)).isEqualTo(0.0);
        Gates.Paired p = Gates.bootstrap(Task.BINARY_CLASSIFICATION, "roc_auc", y, reversed, perfect, 0.5, 0.1, 300, 3);
        assertThat(p.share()).isGreaterThan(0.95);
    }
}
