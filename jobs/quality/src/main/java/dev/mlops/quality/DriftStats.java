package dev.mlops.quality;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.when;

import dev.mlops.core.spec.QualitySpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Drift of a day's data against a reference profile in one pass: a single Spark aggregation
 * computes, for every column, the non-null count, min, max and mean, the count of values at most
 * each reference edge (cumulative bin counts: the bins for PSI and JS and the CDF for KS), the
 * count below the reference minimum and at most its maximum; and for every slice, the count of
 * each of the reference's categories. Values are compared as 32-bit floats, as the training matrix
 * (and so the profile's edges) held them.
 */
public final class DriftStats {
    /** What kind of column a drift row is about. */
    public static final String FEATURE = "feature";
    public static final String PREDICTION = "prediction";
    public static final String SLICE = "slice";
    public static final String TIME_FEATURE = "time_feature";

    private DriftStats() {
    }

    /** One column's drift against its reference; null statistics where undefined. */
    public record ColumnDrift(String name, String kind, long rows, long referenceRows, Double psi, Double ksStatistic, Double ksPValue,
                              Double jsDistance, Double nullShare, Double referenceNullShare, Double nullShareDelta, Double mean,
                              Double referenceMean, Double min, Double max, Double referenceMin, Double referenceMax, boolean drifted,
                              List<String> why) {
    }

    /** A slice's reference distribution (category -> rows) and the SQL expression that gives it. */
    public record SliceReference(String name, String column, Map<String, Long> counts) {
    }

    /**
     * Drift of each column of {@code data} named in {@code columns} against its reference, and of each
     * slice column against its reference categories, in one aggregation.
     */
    public static List<ColumnDrift> compute(Dataset<Row> data, Map<String, ReferenceProfile.Column> columns, String kind,
                                            List<SliceReference> slices, QualitySpec.Drift t) {
        List<Column> aggs = new ArrayList<>();
        aggs.add(count(lit(1)));
        for (var e : columns.entrySet()) {
            Column c = col(e.getKey()).cast("float").cast("double");
            ReferenceProfile.Column r = e.getValue();
            aggs.add(count(c));
            aggs.add(min(c));
            aggs.add(max(c));
            aggs.add(avg(c));
            for (double edge : r.edges()) {
                aggs.add(count(when(c.leq(lit(edge)), lit(1))));
            }
            aggs.add(r.min() == null ? lit(0L) : count(when(c.lt(lit(r.min())), lit(1))));
            aggs.add(r.max() == null ? lit(0L) : count(when(c.leq(lit(r.max())), lit(1))));
        }
        for (SliceReference s : slices) {
            Column c = col(s.column()).cast("string");
            for (String v : s.counts().keySet()) {
                aggs.add(count(when("null".equals(v) ? c.isNull() : c.equalTo(lit(v)), lit(1))));
            }
            List<Column> known = new ArrayList<>();
            s.counts().keySet().stream().filter(v -> !"null".equals(v)).forEach(v -> known.add(lit(v)));
            Column other = known.isEmpty() ? c.isNotNull() : c.isNotNull().and(c.isin(known.toArray()).unary_$bang());
            if (!s.counts().containsKey("null")) {
                other = other.or(c.isNull());
            }
            aggs.add(count(when(other, lit(1))));
        }
        Row r = data.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new)).first();
        long total = r.getLong(0);
        int i = 1;
        List<ColumnDrift> out = new ArrayList<>();
        for (var e : columns.entrySet()) {
            ReferenceProfile.Column ref = e.getValue();
            long nonNull = r.getLong(i++);
            Double mn = number(r, i++);
            Double mx = number(r, i++);
            Double mean = number(r, i++);
            double[] cum = new double[ref.edges().length];
            for (int j = 0; j < cum.length; j++) {
                cum[j] = r.getLong(i++);
            }
            double below = ((Number) r.get(i++)).doubleValue();
            double atMostMax = ((Number) r.get(i++)).doubleValue();
            double[] bins = new double[cum.length + 1];
            double prev = 0;
            for (int j = 0; j < cum.length; j++) {
                bins[j] = cum[j] - prev;
                prev = cum[j];
            }
            bins[cum.length] = nonNull - prev;
            out.add(column(e.getKey(), kind, total, nonNull, mean, mn, mx, ref, bins, below, atMostMax, t));
        }
        for (SliceReference s : slices) {
            Map<String, Long> current = new LinkedHashMap<>();
            for (String v : s.counts().keySet()) {
                current.put(v, r.getLong(i++));
            }
            current.put("(other)", r.getLong(i++));
            Map<String, double[]> cats = DriftMath.categories(s.counts(), current);
            double[] p = cats.values().stream().mapToDouble(x -> x[0]).toArray();
            double[] q = cats.values().stream().mapToDouble(x -> x[1]).toArray();
            double js = DriftMath.jensenShannon(p, q);
            double psi = DriftMath.psi(p, q);
            long refRows = s.counts().values().stream().mapToLong(Long::longValue).sum();
            boolean drifted = !Double.isNaN(js) && js > t.js();
            List<String> why = drifted ? List.of(String.format(java.util.Locale.ROOT, "js %.4f > %s", js, t.js())) : List.of();
            out.add(new ColumnDrift(s.name(), SLICE, total, refRows, nan(psi), null, null, nan(js), null, null, null, null, null, null, null, null,
                    null, drifted, why));
        }
        return out;
    }

    /** The statistics of one numeric column from its bins on the reference's edges. */
    static ColumnDrift column(String name, String kind, long total, long nonNull, Double mean, Double min, Double max, ReferenceProfile.Column ref,
                              double[] bins, double belowMin, double atMostMax, QualitySpec.Drift t) {
        Double nullShare = total == 0 ? null : (double) (total - nonNull) / total;
        Double delta = nullShare == null ? null : nullShare - ref.nullShare();
        Double psi = null;
        Double js = null;
        DriftMath.Ks ks = null;
        if (ref.hasValues() && nonNull > 0) {
            psi = nan(DriftMath.psi(ref.counts(), bins));
            js = nan(DriftMath.jensenShannon(ref.counts(), bins));
            ks = DriftMath.ks(ref.counts(), bins, belowMin, atMostMax);
        }
        List<String> why = new ArrayList<>();
        if (psi != null && psi > t.psi()) {
            why.add(String.format(java.util.Locale.ROOT, "psi %.4f > %s", psi, t.psi()));
        }
        if (delta != null && Math.abs(delta) > t.nullShare()) {
            why.add(String.format(java.util.Locale.ROOT, "null share %.4f -> %.4f (change > %s)", ref.nullShare(), nullShare, t.nullShare()));
        }
        return new ColumnDrift(name, kind, total, ref.count(), psi, ks == null ? null : nan(ks.statistic()), ks == null ? null : nan(ks.pValue()),
                js, nullShare, ref.nullShare(), delta, mean, ref.mean(), min, max, ref.min(), ref.max(), !why.isEmpty(), why);
    }

    private static Double number(Row r, int i) {
        return r.isNullAt(i) ? null : ((Number) r.get(i)).doubleValue();
    }

    private static Double nan(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
