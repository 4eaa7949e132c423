package dev.mlops.shadow;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import dev.mlops.core.spec.ShadowSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The comparison of two models' predictions on the same events, in Spark SQL over a joined
 * dataset with columns {@code __p} / {@code __c} (production and candidate scores),
 * {@code __pc} / {@code __cc} (their classes; null for regression) and {@code __id} (a tie-break).
 *
 * <ul>
 *   <li>agreement: the share of events on which both decide the same (classification: the same
 *       class at the threshold; regression: within the spec's tolerance of production);
 *   <li>Pearson correlation of the scores, and Spearman's (Pearson of the ranks, ties averaged);
 *   <li>top-k overlap: the share of production's k highest scores that are also among the
 *       candidate's k highest (k = min(top_k, events));
 *   <li>PSI of the candidate's score distribution against production's, on production's quantile
 *       bins (shares floored at 1e-4 so an empty bin stays finite);
 *   <li>mean and 10/50/90% quantile shifts (candidate minus production), and for classification
 *       each model's positive rate.
 * </ul>
 */
public final class ShadowMetrics {
    static final double FLOOR = 1e-4;

    private ShadowMetrics() {
    }

    /** SQL for "the two predictions agree" over the joined columns. */
    static String agree(boolean classification, ShadowSpec.Tolerance t) {
        return classification ? "__pc = __cc"
                : String.format(Locale.ROOT, "abs(__c - __p) <= greatest(%s * abs(__p), %s)", t.relative(), t.absolute());
    }

    /** Every metric over all the events, in a stable order (NaN where undefined, e.g. a constant score's correlation). */
    public static Map<String, Double> overall(Dataset<Row> j, boolean classification, ShadowSpec s) {
        Dataset<Row> a = j.withColumn("__agree", expr("CASE WHEN " + agree(classification, s.tolerance()) + " THEN 1 ELSE 0 END"));
        Row r = a.agg(expr("count(*)"), expr("sum(__agree)"), expr("corr(__p, __c)"), expr("avg(__p)"), expr("avg(__c)"),
                expr("percentile(__p, array(0.1, 0.5, 0.9))"), expr("percentile(__c, array(0.1, 0.5, 0.9))"),
                expr("avg(__pc)"), expr("avg(__cc)")).first();
        long n = r.getLong(0);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("pairs", (double) n);
        m.put("agreeing", r.isNullAt(1) ? 0.0 : (double) r.getLong(1));
        m.put("agreement", n == 0 ? Double.NaN : m.get("agreeing") / n);
        m.put("pearson", number(r, 2));
        m.put("spearman", spearman(j));
        m.put("top_k_overlap", topKOverlap(j, s.topK()));
        m.put("psi", psi(j, s.bins()));
        m.put("production_mean", number(r, 3));
        m.put("candidate_mean", number(r, 4));
        m.put("mean_shift", number(r, 4) - number(r, 3));
        List<Double> qp = r.isNullAt(5) ? List.of(Double.NaN, Double.NaN, Double.NaN) : r.getList(5);
        List<Double> qc = r.isNullAt(6) ? List.of(Double.NaN, Double.NaN, Double.NaN) : r.getList(6);
        String[] names = {"q10_shift", "q50_shift", "q90_shift"};
        for (int i = 0; i < 3; i++) {
            m.put(names[i], qc.get(i) - qp.get(i));
        }
        if (classification) {
            m.put("production_positive_rate", number(r, 7));
            m.put("candidate_positive_rate", number(r, 8));
        }
        return m;
    }

    /** Per value of a segment column: pairs, agreeing, agreement and mean shift. Keys are "column=value". */
    public static Map<String, Map<String, Double>> bySegment(Dataset<Row> j, String column, String name, boolean classification, ShadowSpec s) {
        List<Row> rows = j.withColumn("__agree", expr("CASE WHEN " + agree(classification, s.tolerance()) + " THEN 1 ELSE 0 END"))
                .groupBy(col(column)).agg(expr("count(*)"), expr("sum(__agree)"), expr("avg(__c) - avg(__p)"))
                .orderBy(col(column)).collectAsList();
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        for (Row r : rows) {
            Map<String, Double> m = new LinkedHashMap<>();
            long n = r.getLong(1);
            m.put("pairs", (double) n);
            m.put("agreeing", (double) r.getLong(2));
            m.put("agreement", (double) r.getLong(2) / n);
            m.put("mean_shift", number(r, 3));
            out.put(name + "=" + (r.isNullAt(0) ? "null" : r.get(0).toString()), m);
        }
        return out;
    }

    /** Spearman's rank correlation: Pearson's over the ranks, tied scores sharing their average rank. */
    static double spearman(Dataset<Row> j) {
        Row r = j.selectExpr("(rank() OVER (ORDER BY __p) + (count(*) OVER (PARTITION BY __p) - 1) / 2.0) AS rp",
                        "(rank() OVER (ORDER BY __c) + (count(*) OVER (PARTITION BY __c) - 1) / 2.0) AS rc")
                .agg(expr("corr(rp, rc)")).first();
        return number(r, 0);
    }

    /** The share of production's top k (by score, ties broken by id) that is also in the candidate's top k. */
    static double topKOverlap(Dataset<Row> j, int topK) {
        long n = j.count();
        if (n == 0) {
            return Double.NaN;
        }
        long k = Math.min(topK, n);
        Row r = j.selectExpr("row_number() OVER (ORDER BY __p DESC, __id) AS rp", "row_number() OVER (ORDER BY __c DESC, __id) AS rc")
                .agg(expr("sum(CASE WHEN rp <= " + k + " AND rc <= " + k + " THEN 1 ELSE 0 END)")).first();
        return (double) r.getLong(0) / k;
    }

    /** PSI of the candidate's scores against production's on production's quantile bins. */
    static double psi(Dataset<Row> j, int bins) {
        StringBuilder qs = new StringBuilder();
        for (int i = 1; i < bins; i++) {
            qs.append(i == 1 ? "" : ", ").append((double) i / bins);
        }
        Row e = j.agg(expr("percentile(__p, array(" + qs + "))")).first();
        if (e.isNullAt(0)) {
            return Double.NaN;
        }
        List<Double> edges = e.getList(0);
        StringBuilder arr = new StringBuilder();
        for (int i = 0; i < edges.size(); i++) {
            arr.append(i == 0 ? "" : ", ").append("CAST(").append(edges.get(i)).append(" AS DOUBLE)");
        }
        String bin = "aggregate(array(" + arr + "), 0, (acc, x) -> acc + CASE WHEN %s > x THEN 1 ELSE 0 END)";
        List<Row> counts = j.selectExpr(String.format(bin, "__p") + " AS bp", String.format(bin, "__c") + " AS bc")
                .selectExpr("explode(array(named_struct('who', 0, 'bin', bp), named_struct('who', 1, 'bin', bc))) AS x")
                .groupBy("x.who", "x.bin").count().collectAsList();
        double[] p = new double[bins];
        double[] c = new double[bins];
        for (Row r : counts) {
            (r.getInt(0) == 0 ? p : c)[r.getInt(1)] += r.getLong(2);
        }
        return psi(p, c);
    }

    /** PSI = sum over bins of (c - p) * ln(c / p) on the bins' shares, each floored at 1e-4. */
    static double psi(double[] expectedCounts, double[] actualCounts) {
        double te = 0;
        double ta = 0;
        for (int i = 0; i < expectedCounts.length; i++) {
            te += expectedCounts[i];
            ta += actualCounts[i];
        }
        double out = 0;
        for (int i = 0; i < expectedCounts.length; i++) {
            double e = Math.max(expectedCounts[i] / te, FLOOR);
            double a = Math.max(actualCounts[i] / ta, FLOOR);
            out += (a - e) * Math.log(a / e);
        }
        return out;
    }

    private static double number(Row r, int i) {
        return r.isNullAt(i) ? Double.NaN : ((Number) r.get(i)).doubleValue();
    }
}
