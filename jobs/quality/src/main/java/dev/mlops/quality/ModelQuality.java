package dev.mlops.quality;

import dev.mlops.train.Evaluation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model-quality rows of one prediction date, from its predictions joined with the labels
 * that have arrived: the prediction and labelled counts and the label coverage, then, over the
 * labelled predictions, the training metrics ({@link Evaluation}: regression rmse, mae, mape,
 * r2, bias; classification roc_auc, pr_auc, precision, recall, f1, accuracy at the threshold,
 * log_loss, brier, the confusion counts and calibration by decile), overall (segment {@code all})
 * and per slice value (segment {@code <slice>=<value>}), and for the bias slices the groups'
 * positive rate (regression: mean prediction) over all their predictions and error
 * (classification: error rate at the threshold; regression: MAE) over their labelled ones, with
 * the gap between the highest and lowest group (segment {@code <slice>}).
 */
public final class ModelQuality {
    public static final String ALL = "all";
    public static final String PREDICTIONS = "predictions";
    public static final String LABELLED = "labelled";
    public static final String COVERAGE = "label_coverage";

    private ModelQuality() {
    }

    /** One prediction: its score, class (classification), label (null: not arrived) and slice values. */
    public record Scored(double score, Integer predictedClass, Float label, Map<String, String> slices) {
    }

    /** One row of the quality_metrics table (without the partition and run columns). */
    public record MetricRow(String metric, String segment, Double value) {
    }

    /** The rows of one prediction date. */
    public static List<MetricRow> rows(List<Scored> predictions, boolean classification, double threshold, List<String> slices,
                                       List<String> biasSlices) {
        List<MetricRow> out = new ArrayList<>();
        List<Scored> labelled = predictions.stream().filter(p -> p.label() != null).toList();
        counts(out, ALL, predictions.size(), labelled.size());
        if (!labelled.isEmpty()) {
            metrics(out, ALL, labelled, classification, threshold);
        }
        for (String s : slices) {
            Map<String, List<Scored>> groups = group(predictions, s);
            for (var g : groups.entrySet()) {
                String segment = s + "=" + g.getKey();
                List<Scored> gl = g.getValue().stream().filter(p -> p.label() != null).toList();
                counts(out, segment, g.getValue().size(), gl.size());
                if (!gl.isEmpty()) {
                    metrics(out, segment, gl, classification, threshold);
                }
            }
        }
        for (String s : biasSlices) {
            bias(out, s, group(predictions, s), classification, threshold);
        }
        return out;
    }

    private static Map<String, List<Scored>> group(List<Scored> predictions, String slice) {
        Map<String, List<Scored>> groups = new java.util.TreeMap<>();
        for (Scored p : predictions) {
            groups.computeIfAbsent(String.valueOf(p.slices().get(slice)), k -> new ArrayList<>()).add(p);
        }
        return groups;
    }

    private static void counts(List<MetricRow> out, String segment, long n, long labelled) {
        out.add(new MetricRow(PREDICTIONS, segment, (double) n));
        out.add(new MetricRow(LABELLED, segment, (double) labelled));
        out.add(new MetricRow(COVERAGE, segment, n == 0 ? null : (double) labelled / n));
    }

    /** The training metrics of labelled predictions as rows. */
    @SuppressWarnings("unchecked")
    static void metrics(List<MetricRow> out, String segment, List<Scored> labelled, boolean classification, double threshold) {
        float[] y = new float[labelled.size()];
        float[] p = new float[y.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = labelled.get(i).label();
            p[i] = (float) labelled.get(i).score();
        }
        Map<String, Object> m = classification ? Evaluation.classification(y, p, threshold) : Evaluation.regression(y, p);
        for (var e : m.entrySet()) {
            switch (e.getKey()) {
                case "rows", "threshold" -> { }
                case "confusion" -> ((Map<String, Object>) e.getValue()).entrySet().stream().sorted(Map.Entry.comparingByKey())
                        .forEach(c -> out.add(new MetricRow("confusion_" + c.getKey(), segment, ((Number) c.getValue()).doubleValue())));
                case "calibration" -> {
                    if (ALL.equals(segment)) {
                        for (Map<String, Object> d : (List<Map<String, Object>>) e.getValue()) {
                            String dec = "decile=" + d.get("decile");
                            out.add(new MetricRow("calibration_rows", dec, ((Number) d.get("rows")).doubleValue()));
                            out.add(new MetricRow("calibration_mean_prediction", dec, ((Number) d.get("mean_prediction")).doubleValue()));
                            out.add(new MetricRow("calibration_observed_rate", dec, ((Number) d.get("observed_rate")).doubleValue()));
                        }
                    }
                }
                default -> out.add(new MetricRow(e.getKey(), segment, e.getValue() instanceof Number n ? n.doubleValue() : null));
            }
        }
    }

    /** Positive rate (or mean prediction) and error per group of a slice, and the gaps between groups. */
    static void bias(List<MetricRow> out, String slice, Map<String, List<Scored>> groups, boolean classification, double threshold) {
        String rateName = classification ? "positive_rate" : "mean_prediction";
        Double rateMin = null;
        Double rateMax = null;
        Double errMin = null;
        Double errMax = null;
        for (var g : groups.entrySet()) {
            String segment = slice + "=" + g.getKey();
            double rate = 0;
            for (Scored p : g.getValue()) {
                rate += classification ? (p.score() >= threshold ? 1 : 0) : p.score();
            }
            rate /= g.getValue().size();
            out.add(new MetricRow("group_" + rateName, segment, rate));
            rateMin = rateMin == null ? rate : Math.min(rateMin, rate);
            rateMax = rateMax == null ? rate : Math.max(rateMax, rate);
            List<Scored> gl = g.getValue().stream().filter(p -> p.label() != null).toList();
            if (gl.isEmpty()) {
                continue;
            }
            double err = 0;
            for (Scored p : gl) {
                err += classification ? ((p.score() >= threshold) != (p.label() > 0.5) ? 1 : 0) : Math.abs(p.score() - p.label());
            }
            err /= gl.size();
            out.add(new MetricRow("group_error", segment, err));
            errMin = errMin == null ? err : Math.min(errMin, err);
            errMax = errMax == null ? err : Math.max(errMax, err);
        }
        out.add(new MetricRow(rateName + "_gap", slice, rateMin == null ? null : rateMax - rateMin));
        out.add(new MetricRow("error_gap", slice, errMin == null ? null : errMax - errMin));
    }

    /** The overall (segment all) values of rows, by metric. */
    public static Map<String, Double> overall(List<MetricRow> rows) {
        Map<String, Double> out = new LinkedHashMap<>();
        rows.stream().filter(r -> ALL.equals(r.segment())).forEach(r -> out.put(r.metric(), r.value()));
        return out;
    }
}
