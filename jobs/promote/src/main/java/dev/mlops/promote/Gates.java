package dev.mlops.promote;

import dev.mlops.core.spec.Task;
import dev.mlops.train.Evaluation;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The arithmetic of the promotion gates: the primary metric of two models on the same labelled
 * rows, the relative improvement of the candidate, and the paired bootstrap (the same resampled
 * rows for both models, so what varies is the sample, not the pairing).
 */
public final class Gates {
    /** Metrics where a higher value is better; the others (rmse, mae, mape, log_loss, brier, |bias|) are errors. */
    static final Set<String> HIGHER_IS_BETTER = Set.of("r2", "roc_auc", "pr_auc", "f1", "precision", "recall", "accuracy");

    private Gates() {
    }

    /** One gate's verdict: its name, whether it passed, and the value and threshold it was judged on. */
    public record Gate(String name, boolean passed, String detail, Map<String, Object> evidence) {
    }

    /** The bootstrap's outcome: both models' metric on all rows, the improvement, and the share of resamples whose improvement reached the margin. */
    public record Paired(double production, double candidate, double improvement, double share, int resamples) {
    }

    public static boolean higherIsBetter(String metric) {
        return HIGHER_IS_BETTER.contains(metric);
    }

    /** The metric of predictions against labels, as training evaluates it ({@code bias} as its absolute value). */
    public static double metric(Task task, String metric, float[] y, float[] p, double threshold) {
        Map<String, Object> m = task == Task.REGRESSION ? Evaluation.regression(y, p) : Evaluation.classification(y, p, threshold);
        Object v = m.get(metric);
        if (!(v instanceof Number n)) {
            return Double.NaN;
        }
        return "bias".equals(metric) ? Math.abs(n.doubleValue()) : n.doubleValue();
    }

    /** Relative improvement of the candidate over production: positive when the candidate is better. */
    public static double improvement(String metric, double production, double candidate) {
        double scale = Math.max(Math.abs(production), 1e-12);
        return higherIsBetter(metric) ? (candidate - production) / scale : (production - candidate) / scale;
    }

    /** Paired bootstrap: {@code resamples} draws of n rows with replacement, both models scored on each draw. */
    public static Paired bootstrap(Task task, String metric, float[] y, float[] production, float[] candidate, double threshold, double margin,
                                   int resamples, long seed) {
        double p0 = metric(task, metric, y, production, threshold);
        double c0 = metric(task, metric, y, candidate, threshold);
        Random r = new Random(seed);
        int n = y.length;
        float[] yb = new float[n];
        float[] pb = new float[n];
        float[] cb = new float[n];
        int reached = 0;
        int counted = 0;
        for (int b = 0; b < resamples; b++) {
            for (int i = 0; i < n; i++) {
                int k = r.nextInt(n);
                yb[i] = y[k];
                pb[i] = production[k];
                cb[i] = candidate[k];
            }
            double pm = metric(task, metric, yb, pb, threshold);
            double cm = metric(task, metric, yb, cb, threshold);
            if (Double.isNaN(pm) || Double.isNaN(cm)) {
                continue;
            }
            counted++;
            if (improvement(metric, pm, cm) >= margin) {
                reached++;
            }
        }
        return new Paired(p0, c0, improvement(metric, p0, c0), counted == 0 ? Double.NaN : (double) reached / counted, counted);
    }

    /** The failed gates' details, for the exit-100 message. */
    static String failures(List<Gate> gates) {
        return String.join("; ", gates.stream().filter(g -> !g.passed()).map(g -> g.name() + ": " + g.detail()).toList());
    }
}
