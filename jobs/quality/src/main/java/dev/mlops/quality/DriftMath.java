package dev.mlops.quality;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The drift statistics of one column against its reference profile, from bin counts on the
 * reference's decile edges (the profile keeps nothing else of the training data):
 *
 * <ul>
 *   <li>PSI: {@code sum (a - e) ln(a / e)} over the bins' shares of non-null values, each share
 *       floored at 1e-4 so an empty bin stays finite (as shadow's PSI);
 *   <li>Jensen-Shannon distance: {@code sqrt(JSD)} with base-2 logarithms (0 identical, 1 disjoint),
 *       SciPy's {@code jensenshannon(p, q, base=2)}, over the same bins or over category counts;
 *   <li>two-sample KS statistic at the reference's edges: {@code max |F_ref(t) - F_cur(t)|} over
 *       {@code t} in {just below the reference minimum, each edge, the reference maximum}, where
 *       both empirical CDFs are known exactly (the reference's from its cumulated bin counts; 0
 *       below its minimum, 1 at its maximum). It is the exact two-sample statistic restricted to
 *       those points, so it never exceeds the full statistic (which takes the sup over every x);
 *       the p-value uses the reference's non-null row count as n1 ({@link Kolmogorov});
 *   <li>nDCG of attribution rankings (SageMaker Clarify's attribution drift).
 * </ul>
 */
public final class DriftMath {
    /** The floor of a bin's share in the PSI. */
    public static final double FLOOR = 1e-4;

    private DriftMath() {
    }

    /** PSI between expected (reference) and actual (current) bin counts; NaN when either has no values. */
    public static double psi(double[] expectedCounts, double[] actualCounts) {
        double te = sum(expectedCounts);
        double ta = sum(actualCounts);
        if (te <= 0 || ta <= 0) {
            return Double.NaN;
        }
        double out = 0;
        for (int i = 0; i < expectedCounts.length; i++) {
            double e = Math.max(expectedCounts[i] / te, FLOOR);
            double a = Math.max(actualCounts[i] / ta, FLOOR);
            out += (a - e) * Math.log(a / e);
        }
        return out;
    }

    /** Jensen-Shannon distance (base 2) between two count vectors; NaN when either is empty. */
    public static double jensenShannon(double[] p, double[] q) {
        double tp = sum(p);
        double tq = sum(q);
        if (tp <= 0 || tq <= 0) {
            return Double.NaN;
        }
        double js = 0;
        for (int i = 0; i < p.length; i++) {
            double a = p[i] / tp;
            double b = q[i] / tq;
            double m = (a + b) / 2;
            if (a > 0) {
                js += 0.5 * a * Math.log(a / m);
            }
            if (b > 0) {
                js += 0.5 * b * Math.log(b / m);
            }
        }
        return Math.sqrt(Math.max(0, js / Math.log(2)));
    }

    /** A KS statistic and where it was found. */
    public record Ks(double statistic, double pValue, long n1, long n2) {
    }

    /**
     * The KS statistic of the current values against the reference, at the reference's points.
     *
     * @param referenceCounts reference bin counts (non-null values), one more than the edges
     * @param currentCounts   current bin counts on the same edges
     * @param belowMin        current values below the reference minimum
     * @param atMostMax       current values at most the reference maximum
     */
    public static Ks ks(double[] referenceCounts, double[] currentCounts, double belowMin, double atMostMax) {
        double n1 = sum(referenceCounts);
        double n2 = sum(currentCounts);
        if (n1 <= 0 || n2 <= 0) {
            return new Ks(Double.NaN, Double.NaN, (long) n1, (long) n2);
        }
        double d = Math.max(Math.abs(0 - belowMin / n2), Math.abs(1 - atMostMax / n2));
        double cr = 0;
        double cc = 0;
        for (int i = 0; i < referenceCounts.length - 1; i++) {
            cr += referenceCounts[i];
            cc += currentCounts[i];
            d = Math.max(d, Math.abs(cr / n1 - cc / n2));
        }
        return new Ks(d, Kolmogorov.twoSamplePValue(d, (long) n1, (long) n2), (long) n1, (long) n2);
    }

    /** The exact two-sample KS statistic of two samples (NaN values ignored), as SciPy's {@code ks_2samp}. */
    public static double ksStatistic(double[] a, double[] b) {
        double[] x = a.clone();
        double[] y = b.clone();
        java.util.Arrays.sort(x);
        java.util.Arrays.sort(y);
        int n1 = x.length;
        int n2 = y.length;
        int i = 0;
        int j = 0;
        double d = 0;
        while (i < n1 && j < n2) {
            double t = Math.min(x[i], y[j]);
            while (i < n1 && x[i] <= t) {
                i++;
            }
            while (j < n2 && y[j] <= t) {
                j++;
            }
            d = Math.max(d, Math.abs((double) i / n1 - (double) j / n2));
        }
        return d;
    }

    /**
     * nDCG of the current attribution ranking against the reference's (SageMaker Clarify's
     * feature attribution drift, sklearn's {@code ndcg_score}): the gain of a feature is its
     * reference mean |SHAP|; DCG = sum gain(f_i) / log2(i + 1) over the features ranked by their
     * current mean |SHAP| (ties share their positions' average gain), divided by the same sum over
     * the reference's own ranking. 1 = the same order; Clarify alerts below 0.9. Features missing
     * from either map are ignored; null when the reference has no positive gain.
     */
    public static Double ndcg(Map<String, Double> reference, Map<String, Double> current) {
        List<String> features = new ArrayList<>();
        for (String f : reference.keySet()) {
            if (current.containsKey(f) && reference.get(f) != null && current.get(f) != null) {
                features.add(f);
            }
        }
        if (features.isEmpty()) {
            return null;
        }
        double ideal = 0;
        List<Double> gains = features.stream().map(reference::get).sorted(Comparator.reverseOrder()).toList();
        for (int i = 0; i < gains.size(); i++) {
            ideal += gains.get(i) / log2(i + 2);
        }
        if (ideal <= 0) {
            return null;
        }
        List<String> byCurrent = new ArrayList<>(features);
        byCurrent.sort(Comparator.comparing((String f) -> current.get(f)).reversed());
        double dcg = 0;
        for (int i = 0; i < byCurrent.size(); ) {
            int j = i;
            while (j + 1 < byCurrent.size() && current.get(byCurrent.get(j + 1)).equals(current.get(byCurrent.get(i)))) {
                j++;
            }
            double gain = 0;
            double discount = 0;
            for (int t = i; t <= j; t++) {
                gain += reference.get(byCurrent.get(t));
                discount += 1 / log2(t + 2);
            }
            dcg += gain / (j - i + 1) * discount;
            i = j + 1;
        }
        return dcg / ideal;
    }

    /** Features ranked by value, highest first (for the evidence). */
    public static List<String> ranking(Map<String, Double> values) {
        List<String> out = new ArrayList<>(values.keySet());
        out.removeIf(f -> values.get(f) == null);
        out.sort(Comparator.comparing((String f) -> values.get(f)).reversed());
        return out;
    }

    /** Reference and current bin counts of categories: the union of the reference's categories, then everything else. */
    public static Map<String, double[]> categories(Map<String, Long> reference, Map<String, Long> current) {
        Map<String, double[]> out = new LinkedHashMap<>();
        reference.forEach((k, v) -> out.put(k, new double[] {v, 0}));
        current.forEach((k, v) -> out.computeIfAbsent(k, x -> new double[2])[1] += v);
        return out;
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    static double sum(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s;
    }
}
