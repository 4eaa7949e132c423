package dev.mlops.quality;

import static org.apache.spark.sql.functions.col;

import dev.mlops.core.spec.QualitySpec;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;

/**
 * Drift of a day's data against a reference profile in one pass: one Spark job counts, for every
 * column, the non-null values, their min, max and mean, the values in each bin of the reference's
 * edges (the bins for PSI and JS, cumulated the CDF for KS), below the reference minimum and at
 * most its maximum; and for every slice, the rows of each of the reference's categories. Each task
 * counts its partition's rows in one loop ({@link Counter}) and the driver adds the tasks' counts.
 * Values are compared as 32-bit floats, as the training matrix (and so the profile's edges) held
 * them.
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
     * slice column against its reference categories, in one pass over {@code data}.
     */
    public static List<ColumnDrift> compute(Dataset<Row> data, Map<String, ReferenceProfile.Column> columns, String kind,
                                            List<SliceReference> slices, QualitySpec.Drift t) {
        List<String> names = new ArrayList<>(columns.keySet());
        List<Column> select = new ArrayList<>();
        names.forEach(n -> select.add(col(n).cast("float")));
        slices.forEach(s -> select.add(col(s.column()).cast("string")));
        Counter counter = new Counter(names.stream().map(columns::get).toList(), slices);
        Counts c = null;
        for (Counts part : data.select(select.toArray(Column[]::new)).mapPartitions(counter, Encoders.javaSerialization(Counts.class))
                .collectAsList()) {
            c = c == null ? part : c.add(part);
        }
        if (c == null) {
            c = counter.empty();
        }
        List<ColumnDrift> out = new ArrayList<>();
        for (int j = 0; j < names.size(); j++) {
            ReferenceProfile.Column ref = columns.get(names.get(j));
            long nonNull = c.nonNull[j];
            double[] bins = new double[c.bins[j].length];
            for (int b = 0; b < bins.length; b++) {
                bins[b] = c.bins[j][b];
            }
            out.add(column(names.get(j), kind, c.rows, nonNull, nonNull == 0 ? null : c.sum[j] / nonNull, nonNull == 0 ? null : c.min[j],
                    nonNull == 0 ? null : c.max[j], ref, bins, c.belowMin[j], c.atMostMax[j], t));
        }
        for (int k = 0; k < slices.size(); k++) {
            SliceReference s = slices.get(k);
            Map<String, Long> current = new LinkedHashMap<>();
            int i = 0;
            for (String v : s.counts().keySet()) {
                current.put(v, c.categories[k][i++]);
            }
            current.put("(other)", c.categories[k][i]);
            Map<String, double[]> cats = DriftMath.categories(s.counts(), current);
            double[] p = cats.values().stream().mapToDouble(x -> x[0]).toArray();
            double[] q = cats.values().stream().mapToDouble(x -> x[1]).toArray();
            double js = DriftMath.jensenShannon(p, q);
            double psi = DriftMath.psi(p, q);
            long refRows = s.counts().values().stream().mapToLong(Long::longValue).sum();
            boolean drifted = !Double.isNaN(js) && js > t.js();
            List<String> why = drifted ? List.of(String.format(java.util.Locale.ROOT, "js %.4f > %s", js, t.js())) : List.of();
            out.add(new ColumnDrift(s.name(), SLICE, c.rows, refRows, nan(psi), null, null, nan(js), null, null, null, null, null, null, null, null,
                    null, drifted, why));
        }
        return out;
    }

    /**
     * What one partition holds of the statistics: rows; per numeric column the non-null count, sum,
     * min and max (NaN ordered above every number, as Spark orders it), the count in each bin of the
     * reference's edges, below the reference minimum and at most its maximum; per slice the count of
     * each reference category in the reference's order, then of everything else.
     */
    public static final class Counts implements Serializable {
        private static final long serialVersionUID = 1L;
        long rows;
        final long[] nonNull;
        final double[] sum;
        final double[] min;
        final double[] max;
        final long[][] bins;
        final long[] belowMin;
        final long[] atMostMax;
        final long[][] categories;

        Counts(double[][] edges, int[] categoryCounts) {
            int n = edges.length;
            nonNull = new long[n];
            sum = new double[n];
            min = new double[n];
            max = new double[n];
            bins = new long[n][];
            for (int j = 0; j < n; j++) {
                bins[j] = new long[edges[j].length + 1];
            }
            belowMin = new long[n];
            atMostMax = new long[n];
            categories = new long[categoryCounts.length][];
            for (int k = 0; k < categoryCounts.length; k++) {
                categories[k] = new long[categoryCounts[k] + 1];
            }
        }

        /** Adds another partition's counts to these (and returns these). */
        Counts add(Counts o) {
            rows += o.rows;
            for (int j = 0; j < nonNull.length; j++) {
                if (o.nonNull[j] > 0) {
                    min[j] = nonNull[j] == 0 || Double.compare(o.min[j], min[j]) < 0 ? o.min[j] : min[j];
                    max[j] = nonNull[j] == 0 || Double.compare(o.max[j], max[j]) > 0 ? o.max[j] : max[j];
                }
                nonNull[j] += o.nonNull[j];
                sum[j] += o.sum[j];
                for (int b = 0; b < bins[j].length; b++) {
                    bins[j][b] += o.bins[j][b];
                }
                belowMin[j] += o.belowMin[j];
                atMostMax[j] += o.atMostMax[j];
            }
            for (int k = 0; k < categories.length; k++) {
                for (int i = 0; i < categories[k].length; i++) {
                    categories[k][i] += o.categories[k][i];
                }
            }
            return this;
        }
    }

    /**
     * Counts a partition's rows (the numeric columns as floats, then the slice columns as strings)
     * in one loop. A Spark aggregation of the same statistics needs ~15 aggregate functions per
     * column and one per category (each evaluated on every row); the drift bench measured it at
     * over 5x a scan of the same columns, this loop within the 2x the quality job must meet.
     */
    static final class Counter implements MapPartitionsFunction<Row, Counts> {
        private static final long serialVersionUID = 1L;
        private final double[][] edges;
        private final boolean[] hasMin;
        private final double[] refMin;
        private final boolean[] hasMax;
        private final double[] refMax;
        /** Per slice: reference category -> its index; the index of "null" (the reference saw nulls) or of the other bucket. */
        private final List<Map<String, Integer>> categoryIndex;
        private final int[] nullIndex;
        private final int[] categoryCounts;

        Counter(List<ReferenceProfile.Column> columns, List<SliceReference> slices) {
            int n = columns.size();
            edges = new double[n][];
            hasMin = new boolean[n];
            refMin = new double[n];
            hasMax = new boolean[n];
            refMax = new double[n];
            for (int j = 0; j < n; j++) {
                ReferenceProfile.Column r = columns.get(j);
                edges[j] = r.edges().clone();
                hasMin[j] = r.min() != null;
                refMin[j] = hasMin[j] ? r.min() : 0;
                hasMax[j] = r.max() != null;
                refMax[j] = hasMax[j] ? r.max() : 0;
            }
            categoryIndex = new ArrayList<>();
            nullIndex = new int[slices.size()];
            categoryCounts = new int[slices.size()];
            for (int k = 0; k < slices.size(); k++) {
                Map<String, Integer> index = new HashMap<>();
                int i = 0;
                for (String v : slices.get(k).counts().keySet()) {
                    index.put(v, i++);
                }
                categoryCounts[k] = i;
                nullIndex[k] = index.getOrDefault("null", i);
                index.remove("null");
                categoryIndex.add(index);
            }
        }

        Counts empty() {
            return new Counts(edges, categoryCounts);
        }

        @Override
        public Iterator<Counts> call(Iterator<Row> rows) {
            Counts c = empty();
            int n = edges.length;
            int slices = categoryCounts.length;
            long total = 0;
            while (rows.hasNext()) {
                Row r = rows.next();
                total++;
                for (int j = 0; j < n; j++) {
                    if (r.isNullAt(j)) {
                        continue;
                    }
                    double x = r.getFloat(j);
                    if (c.nonNull[j]++ == 0) {
                        c.min[j] = x;
                        c.max[j] = x;
                    } else {
                        if (Double.compare(x, c.min[j]) < 0) {
                            c.min[j] = x;
                        }
                        if (Double.compare(x, c.max[j]) > 0) {
                            c.max[j] = x;
                        }
                    }
                    c.sum[j] += x;
                    c.bins[j][bin(edges[j], x)]++;
                    if (hasMin[j] && x < refMin[j]) {
                        c.belowMin[j]++;
                    }
                    if (hasMax[j] && x <= refMax[j]) {
                        c.atMostMax[j]++;
                    }
                }
                for (int k = 0; k < slices; k++) {
                    int i;
                    if (r.isNullAt(n + k)) {
                        i = nullIndex[k];
                    } else {
                        Integer known = categoryIndex.get(k).get(r.getString(n + k));
                        i = known == null ? categoryCounts[k] : known;
                    }
                    c.categories[k][i]++;
                }
            }
            c.rows = total;
            return List.of(c).iterator();
        }

        /** The bin of x: the first edge at least x (bin i holds edge[i-1] < x <= edge[i]); past the last edge (and NaN): the last bin. */
        static int bin(double[] edges, double x) {
            if (Double.isNaN(x)) {
                return edges.length;
            }
            int lo = 0;
            int hi = edges.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (x <= edges[mid]) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            return lo;
        }
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

    /**
     * A feature's drift when some of its values in the window come from windows over days without
     * validated data of its source: missing data, not drift. Under {@code missing_days: null}
     * ({@code zeroFilled} false) those values are null, so the null-share change is not judged and the
     * distribution is judged on the values present (PSI); under {@code zero} the values are
     * understated and the feature is not judged at all. {@code note} says which days.
     */
    static ColumnDrift missingData(ColumnDrift d, boolean zeroFilled, String note, QualitySpec.Drift t) {
        List<String> why = new ArrayList<>();
        boolean drifted = !zeroFilled && d.psi() != null && d.psi() > t.psi();
        if (drifted) {
            why.add(String.format(java.util.Locale.ROOT, "psi %.4f > %s", d.psi(), t.psi()));
        }
        why.add(note + (zeroFilled ? ": not judged (values counted the days as zero rows, missing_days: zero)"
                : d.mean() == null ? ": not judged (no values present)" : ": null share not judged, distribution judged on the values present"));
        return new ColumnDrift(d.name(), d.kind(), d.rows(), d.referenceRows(), d.psi(), d.ksStatistic(), d.ksPValue(), d.jsDistance(),
                d.nullShare(), d.referenceNullShare(), d.nullShareDelta(), d.mean(), d.referenceMean(), d.min(), d.max(), d.referenceMin(),
                d.referenceMax(), drifted, why);
    }

    private static Double nan(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
