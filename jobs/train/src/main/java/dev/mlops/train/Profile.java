package dev.mlops.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference profile of a training split that drift checks compare against later without
 * re-reading the training data: per feature, decile bin edges with the count in each bin, the
 * null share, min/max/mean; the same for the predictions.
 */
public final class Profile {
    private Profile() {
    }

    public static Map<String, Object> of(Matrix m, List<String> features, float[] predictions) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("rows", m.rows());
        Map<String, Object> fs = new LinkedHashMap<>();
        for (int j = 0; j < m.cols(); j++) {
            float[] col = new float[m.rows()];
            for (int i = 0; i < m.rows(); i++) {
                col[i] = m.value(i, j);
            }
            fs.put(features.get(j), column(col));
        }
        out.put("features", fs);
        out.put("prediction", column(predictions));
        return out;
    }

    static Map<String, Object> column(float[] v) {
        float[] present = new float[v.length];
        int n = 0;
        for (float x : v) {
            if (!Float.isNaN(x)) {
                present[n++] = x;
            }
        }
        present = Arrays.copyOf(present, n);
        Arrays.sort(present);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("count", v.length);
        c.put("null_share", v.length == 0 ? 0.0 : (double) (v.length - n) / v.length);
        if (n == 0) {
            return c;
        }
        double sum = 0;
        for (float x : present) {
            sum += x;
        }
        c.put("min", (double) present[0]);
        c.put("max", (double) present[n - 1]);
        c.put("mean", sum / n);
        // inner decile edges, deduplicated (a column with few distinct values gets fewer bins)
        List<Double> edges = new ArrayList<>();
        for (int d = 1; d < 10; d++) {
            double e = present[Math.min(n - 1, (int) Math.floor(d * (n - 1) / 10.0))];
            if (edges.isEmpty() || e > edges.get(edges.size() - 1)) {
                edges.add(e);
            }
        }
        long[] counts = new long[edges.size() + 1];
        for (float x : present) {
            int b = 0;
            while (b < edges.size() && x > edges.get(b)) {
                b++;
            }
            counts[b]++;
        }
        c.put("bin_edges", edges);
        c.put("bin_counts", Arrays.stream(counts).boxed().toList());
        return c;
    }
}
