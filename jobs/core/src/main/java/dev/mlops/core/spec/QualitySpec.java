package dev.mlops.core.spec;

import static dev.mlops.core.spec.SpecViolation.check;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the production version is watched once it serves ({@code mlops quality}) and when it is
 * retrained: the recent due prediction dates re-evaluated each run, the minimum labelled sample
 * for a verdict, the metric limits (past for {@code days} consecutive prediction dates: retrain),
 * data drift (PSI per feature on the reference quantile bins; retrain when the share of drifted
 * features is over {@code drift.share}), the count of new labels since the version was trained,
 * the attribution-ranking floor (nDCG of mean |SHAP|), and the slices whose gaps between groups
 * are tracked. Defaults from our users' trigger table: PSI 0.2 per feature, 10% of the features,
 * KS p-value 0.01 (information only), 200 labelled predictions, 10,000 new labels, nDCG 0.9.
 */
public record QualitySpec(SpecDuration window, Integer minLabelled, Map<String, Limit> metrics, Drift drift, Integer newLabels,
                          Double attributionFloor, Integer attributionSample, Bias bias) {
    /** A bound on a model metric and how many consecutive prediction dates it must be past before it triggers a retrain. */
    public record Limit(Double min, Double max, Integer days) {
        public Limit {
            check(min != null || max != null, "", "expected min and/or max, e.g. {max: 0.2, days: 3}");
            check(min == null || max == null || min <= max, "", "expected min <= max, got " + min + " and " + max);
            days = days == null ? 1 : days;
            check(days >= 1 && days <= 90, "days", "expected 1..90 consecutive days, got " + days);
        }

        /** Whether a value is past the limit (outside [min, max]); null (undefined) is not. */
        public boolean past(Double v) {
            return v != null && !v.isNaN() && ((max != null && v > max) || (min != null && v < min));
        }

        /** The limit in words, e.g. "<= 0.2" or ">= 0.6". */
        public String bound() {
            return min != null && max != null ? "[" + min + ", " + max + "]" : min != null ? ">= " + min : "<= " + max;
        }
    }

    /**
     * Drift thresholds: a feature drifted when its PSI on the reference's decile bins is over
     * {@code psi}, or its share of nulls moved by more than {@code null_share} (which distance tests
     * on the values ignore); retrain when the share of drifted features is over {@code share}.
     * {@code ks_p_value} marks a KS test as significant (information only); {@code js} is the
     * Jensen-Shannon distance over which a slice's distribution counts as drifted (information).
     * {@code window}: the days of scored data judged together, ending at the run date (default 1d).
     */
    public record Drift(Double psi, Double share, @com.fasterxml.jackson.annotation.JsonProperty("ks_p_value") Double ksPValue, Double js,
                        Double nullShare, SpecDuration window) {
        public static final Drift DEFAULT = new Drift(null, null, null, null, null, null);

        public Drift {
            // the days of scored data judged together, ending at the run date: a single day of a slow feature (a 24-hour
            // mean) sits in a few bins of a multi-week reference and looks drifted every day; a week does not
            window = window == null ? SpecDuration.parse("1d") : window;
            check(window.value().toSeconds() % 86_400 == 0 && window.value().toDays() >= 1 && window.value().toDays() <= 31, "window",
                    "expected whole days from 1d to 31d, got " + window.text());
            psi = psi == null ? 0.2 : psi;
            check(psi > 0, "psi", "expected a PSI threshold > 0 (0.1 moderate, 0.2 significant), got " + psi);
            share = share == null ? 0.1 : share;
            check(share >= 0 && share < 1, "share", "expected a share of drifted features in [0, 1), got " + share);
            ksPValue = ksPValue == null ? 0.01 : ksPValue;
            check(ksPValue > 0 && ksPValue < 1, "ks_p_value", "expected a significance level in (0, 1), got " + ksPValue);
            js = js == null ? 0.1 : js;
            check(js > 0 && js <= 1, "js", "expected a Jensen-Shannon distance in (0, 1], got " + js);
            nullShare = nullShare == null ? 0.1 : nullShare;
            check(nullShare > 0 && nullShare <= 1, "null_share", "expected a change of the null share in (0, 1], got " + nullShare);
        }
    }

    /**
     * Protected or business slices (names of training slices) whose gap between groups is tracked
     * per prediction date: positive rate (regression: mean prediction) and error (classification: error
     * rate at the threshold; regression: MAE). Optional maxima turn a gap into an alert in the result
     * (not a retrain reason: retraining does not remove a bias by itself).
     */
    public record Bias(List<String> slices, Double maxPositiveRateGap, Double maxErrorGap) {
        public static final Bias NONE = new Bias(null, null, null);

        public Bias {
            slices = slices == null ? List.of() : List.copyOf(slices);
            check(maxPositiveRateGap == null || maxPositiveRateGap >= 0, "max_positive_rate_gap", "expected a gap >= 0");
            check(maxErrorGap == null || maxErrorGap >= 0, "max_error_gap", "expected a gap >= 0");
        }
    }

    public static final QualitySpec DEFAULT = new QualitySpec(null, null, null, null, null, null, null, null);

    public QualitySpec {
        window = window == null ? SpecDuration.parse("7d") : window;
        check(window.value().toSeconds() % 86_400 == 0 && window.value().toDays() >= 1 && window.value().toDays() <= 90, "window",
                "expected whole days between 1d and 90d (the recent due prediction dates re-evaluated each run), got " + window.text());
        minLabelled = minLabelled == null ? 200 : minLabelled;
        check(minLabelled >= 1, "min_labelled", "expected at least 1 labelled prediction, got " + minLabelled);
        metrics = metrics == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        for (var e : metrics.entrySet()) {
            check(e.getValue() != null, "metrics." + e.getKey(), "expected a limit like {max: 0.2, days: 3}");
        }
        drift = drift == null ? Drift.DEFAULT : drift;
        newLabels = newLabels == null ? 10_000 : newLabels;
        check(newLabels >= 1, "new_labels", "expected at least 1 new label, got " + newLabels);
        attributionFloor = attributionFloor == null ? 0.9 : attributionFloor;
        check(attributionFloor > 0 && attributionFloor <= 1, "attribution_floor", "expected an nDCG floor in (0, 1], got " + attributionFloor);
        attributionSample = attributionSample == null ? 2000 : attributionSample;
        check(attributionSample >= 10 && attributionSample <= 100_000, "attribution_sample",
                "expected 10..100000 rows to compute SHAP values on, got " + attributionSample);
        bias = bias == null ? Bias.NONE : bias;
    }

    /** The window in days. */
    public int windowDays() {
        return (int) window.value().toDays();
    }

    /** The most consecutive days any metric limit asks for (1 without limits). */
    public int maxDays() {
        return metrics.values().stream().mapToInt(Limit::days).max().orElse(1);
    }
}
