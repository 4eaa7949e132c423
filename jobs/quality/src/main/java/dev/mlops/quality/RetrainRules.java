package dev.mlops.quality;

import dev.mlops.core.spec.QualitySpec;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The users' retrain triggers, each evaluated to a {@link Rule} with its evidence: the share of
 * drifted features over {@code drift.share}; a metric past its limit on {@code days} consecutive
 * prediction dates ending at the latest due date; at least {@code new_labels} label events due
 * since the production version's training window; the attribution ranking's nDCG below the floor.
 */
public final class RetrainRules {
    public static final String DRIFT_SHARE = "drift_share";
    public static final String METRIC_LIMIT = "metric_limit";
    public static final String NEW_LABELS = "new_labels";
    public static final String ATTRIBUTION = "attribution_drift";

    private RetrainRules() {
    }

    /** One trigger's outcome: the metric, its value, the threshold and comparison, consecutive days, and whether it fired. */
    public record Rule(String rule, String metric, Double value, Double threshold, String comparison, Integer days, Integer requiredDays,
                       boolean fired, String reason, Map<String, Object> evidence) {
    }

    /** A stored overall metric of one prediction date: its version, labelled count and value. */
    public record DateValue(int version, double labelled, Double value) {
    }

    /**
     * The consecutive prediction dates, ending at {@code latest}, on which the metric of {@code version}
     * was past the limit with at least {@code minLabelled} labelled predictions. The history is read
     * from the stored quality_metrics partitions, so the count depends on dates, not on the order
     * runs happened in: a backfill or a re-run gives the same answer once the same dates are stored.
     */
    public static List<LocalDate> streak(Map<LocalDate, DateValue> history, LocalDate latest, int version, int minLabelled,
                                         QualitySpec.Limit limit) {
        List<LocalDate> out = new ArrayList<>();
        for (LocalDate d = latest; out.size() < 400; d = d.minusDays(1)) {
            DateValue v = history.get(d);
            if (v == null || v.version() != version || v.labelled() < minLabelled || !limit.past(v.value())) {
                break;
            }
            out.add(0, d);
        }
        return out;
    }

    public static Rule metricLimit(String metric, QualitySpec.Limit limit, Map<LocalDate, DateValue> history, LocalDate latest, int version,
                                   int minLabelled) {
        List<LocalDate> days = streak(history, latest, version, minLabelled, limit);
        DateValue now = history.get(latest);
        Double value = now == null ? null : now.value();
        boolean fired = days.size() >= limit.days();
        boolean above = limit.max() != null && (limit.min() == null || (value != null && value > limit.max()));
        Double threshold = above ? limit.max() : limit.min();
        String comparison = above ? ">" : "<";
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("bound", limit.bound());
        evidence.put("dates", days.stream().map(LocalDate::toString).toList());
        Map<String, Double> values = new LinkedHashMap<>();
        for (LocalDate d : days) {
            values.put(d.toString(), history.get(d).value());
        }
        evidence.put("values", values);
        evidence.put("latest_due_date", latest.toString());
        String reason = String.format(Locale.ROOT, "%s %s on %d consecutive prediction date%s%s (quality.metrics.%s: %s for %d day%s)", metric,
                value == null ? "n/a" : String.format(Locale.ROOT, "%.4f", value), days.size(), days.size() == 1 ? "" : "s",
                days.isEmpty() ? "" : " (" + days.get(0) + ".." + days.get(days.size() - 1) + ")", metric,
                limit.bound(), limit.days(), limit.days() == 1 ? "" : "s");
        return new Rule(METRIC_LIMIT, metric, value, threshold, comparison, days.size(), limit.days(), fired,
                (fired ? "" : "not fired: ") + reason, evidence);
    }

    public static Rule driftShare(int judged, List<String> drifted, Map<String, Object> detail, QualitySpec.Drift t) {
        return driftShare(judged, drifted, detail, t, Map.of());
    }

    /**
     * The drift-share rule; {@code missingData}: the features whose values in the drift window come
     * from windows over days without validated data. They are evidence, never drift: their nulls do
     * not count, and a zero-filled feature is not judged at all.
     */
    public static Rule driftShare(int judged, List<String> drifted, Map<String, Object> detail, QualitySpec.Drift t,
                                  Map<String, Object> missingData) {
        double share = judged == 0 ? 0 : (double) drifted.size() / judged;
        boolean fired = judged > 0 && share > t.share();
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("features_judged", judged);
        evidence.put("drifted", detail);
        String reason = String.format(Locale.ROOT, "%d of %d features drifted (%.1f%%%s%s; quality.drift.share %s, a feature drifts at PSI > %s"
                        + " or a null-share change > %s)", drifted.size(), judged, 100 * share, fired ? " > " : " <= ",
                String.format(Locale.ROOT, "%.1f%%", 100 * t.share()), t.share(), t.psi(), t.nullShare());
        if (!drifted.isEmpty()) {
            reason += ": " + String.join(", ", drifted);
        }
        if (missingData != null && !missingData.isEmpty()) {
            evidence.put("missing_data", missingData);
            reason += "; missing data, not counted as drift: " + String.join(", ", missingData.keySet());
        }
        return new Rule(DRIFT_SHARE, "drifted_feature_share", share, t.share(), ">", null, null, fired, (fired ? "" : "not fired: ") + reason,
                evidence);
    }

    public static Rule newLabels(long count, int threshold, LocalDate since, LocalDate through) {
        boolean fired = count >= threshold;
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("label_events_from", since.toString());
        evidence.put("label_events_through", through.toString());
        String reason = String.format(Locale.ROOT, "%d new label events due since the production version's training window (%s..%s; quality.new_labels %d)",
                count, since, through, threshold);
        return new Rule(NEW_LABELS, "new_labels", (double) count, (double) threshold, ">=", null, null, fired, (fired ? "" : "not fired: ") + reason,
                evidence);
    }

    public static Rule attribution(double ndcg, double floor, Map<String, Double> reference, Map<String, Double> current) {
        boolean fired = ndcg < floor;
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("reference_ranking", DriftMath.ranking(reference));
        evidence.put("current_ranking", DriftMath.ranking(current));
        String reason = String.format(Locale.ROOT, "attribution ranking nDCG %.4f %s %s (quality.attribution_floor); top features now %s, in training %s",
                ndcg, fired ? "<" : ">=", floor, top(DriftMath.ranking(current)), top(DriftMath.ranking(reference)));
        return new Rule(ATTRIBUTION, "ndcg", ndcg, floor, "<", null, null, fired, (fired ? "" : "not fired: ") + reason, evidence);
    }

    private static List<String> top(List<String> ranking) {
        return ranking.subList(0, Math.min(3, ranking.size()));
    }
}
