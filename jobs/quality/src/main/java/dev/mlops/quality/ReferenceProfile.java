package dev.mlops.quality;

import dev.mlops.core.json.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model version's reference profile ({@code profile.json}, written by the train job from its
 * training split): per feature and for the predictions, the row count, null share, min / max /
 * mean and the decile bin edges with the count of non-null values in each bin (bin 0 holds
 * {@code x <= edge[0]}, bin i {@code edge[i-1] < x <= edge[i]}, the last {@code x > edge[last]});
 * the mean |SHAP| per feature on the test split; and the training split's rows per slice value
 * ({@code slices}, absent from profiles written before it was added).
 */
public record ReferenceProfile(long rows, Map<String, Column> features, Column prediction, Map<String, Double> attributions,
                               Map<String, Map<String, Long>> slices) {
    /** One column's reference. {@code edges} is empty (and {@code counts} null) when every value was null. */
    public record Column(long count, double nullShare, Double min, Double max, Double mean, double[] edges, double[] counts) {
        /** Non-null values in the reference. */
        public long nonNull() {
            return counts == null ? 0 : (long) DriftMath.sum(counts);
        }

        public boolean hasValues() {
            return counts != null && nonNull() > 0;
        }
    }

    @SuppressWarnings("unchecked")
    public static ReferenceProfile parse(String json) {
        Map<String, Object> m = Json.read(json, Map.class);
        Map<String, Column> features = new LinkedHashMap<>();
        Map<String, Object> fs = (Map<String, Object>) m.getOrDefault("features", Map.of());
        fs.forEach((k, v) -> features.put(k, column((Map<String, Object>) v)));
        Map<String, Double> attributions = new LinkedHashMap<>();
        ((Map<String, Object>) m.getOrDefault("attributions", Map.of())).forEach((k, v) -> attributions.put(k, v == null ? null
                : ((Number) v).doubleValue()));
        Map<String, Map<String, Long>> slices = new LinkedHashMap<>();
        ((Map<String, Object>) m.getOrDefault("slices", Map.of())).forEach((name, values) -> {
            Map<String, Long> counts = new LinkedHashMap<>();
            ((Map<String, Object>) values).forEach((k, v) -> counts.put(k, ((Number) v).longValue()));
            slices.put(name, counts);
        });
        Object p = m.get("prediction");
        return new ReferenceProfile(number(m.get("rows"), 0).longValue(), features, p == null ? null : column((Map<String, Object>) p),
                attributions, slices);
    }

    @SuppressWarnings("unchecked")
    static Column column(Map<String, Object> c) {
        List<Object> edges = (List<Object>) c.get("bin_edges");
        List<Object> counts = (List<Object>) c.get("bin_counts");
        double[] e = edges == null ? new double[0] : edges.stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray();
        double[] n = counts == null ? null : counts.stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray();
        return new Column(number(c.get("count"), 0).longValue(), number(c.get("null_share"), 0).doubleValue(), dbl(c.get("min")),
                dbl(c.get("max")), dbl(c.get("mean")), e, n);
    }

    private static Number number(Object o, Number dflt) {
        return o instanceof Number n ? n : dflt;
    }

    private static Double dbl(Object o) {
        return o instanceof Number n ? n.doubleValue() : null;
    }
}
