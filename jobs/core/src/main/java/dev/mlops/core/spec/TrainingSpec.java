package dev.mlops.core.spec;

import static dev.mlops.core.spec.SpecViolation.check;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * How a model is trained: the label window, the time split, XGBoost hyperparameters under the
 * names SageMaker's built-in XGBoost uses, optional tuning ranges, the primary metric, slices
 * to report, the absolute thresholds a first version must meet to go to production by itself,
 * and the naive baseline it must beat.
 */
public record TrainingSpec(SpecDuration window, Split split, Integer minLabelledRows, Map<String, Object> hyperparameters,
                           Tuning tuning, String primaryMetric, Double threshold, List<Slice> slices,
                           Map<String, Bound> deployThresholds, String baseline, List<String> timeFeatures, SageMaker sagemaker) {
    /** Features computed from the label event's own time (known when predicting): the calendar. */
    public static final Set<String> TIME_FEATURES = new TreeSet<>(List.of("hour_of_day", "day_of_week", "is_weekend"));
    /** SageMaker's built-in XGBoost hyperparameter names this platform passes through. */
    public static final Set<String> HYPERPARAMETERS = new TreeSet<>(List.of("num_round", "eta", "max_depth", "subsample",
            "colsample_bytree", "min_child_weight", "gamma", "alpha", "lambda", "objective", "eval_metric", "scale_pos_weight",
            "early_stopping_rounds", "seed", "tree_method", "max_bin", "max_delta_step"));
    public static final Set<String> REGRESSION_METRICS = new TreeSet<>(List.of("rmse", "mae", "mape", "r2", "bias"));
    public static final Set<String> CLASSIFICATION_METRICS = new TreeSet<>(List.of("roc_auc", "pr_auc", "f1", "precision", "recall",
            "log_loss", "brier", "accuracy"));

    /** Shares of the window (by event time, oldest first) for validation and test; the rest trains. */
    public record Split(Double validation, Double test) {
        public Split {
            validation = validation == null ? 0.15 : validation;
            test = test == null ? 0.15 : test;
            check(validation > 0 && test > 0 && validation + test < 0.9, "",
                    "expected validation and test shares > 0 that leave at least 10% to train, got " + validation + " and " + test);
        }
    }

    /** Random search over ranges ([min, max]; whole numbers for integer parameters) with a trial budget. */
    public record Tuning(Integer trials, Map<String, List<Double>> ranges) {
        public Tuning {
            trials = trials == null ? 10 : trials;
            check(trials >= 1 && trials <= 500, "trials", "expected 1..500 trials, got " + trials);
            check(ranges != null && !ranges.isEmpty(), "ranges", "expected ranges like {eta: [0.02, 0.3], max_depth: [3, 8]}");
            ranges = new LinkedHashMap<>(ranges);
            for (var e : ranges.entrySet()) {
                check(HYPERPARAMETERS.contains(e.getKey()), "ranges." + e.getKey(), "expected one of " + HYPERPARAMETERS);
                check(e.getValue() != null && e.getValue().size() == 2 && e.getValue().get(0) <= e.getValue().get(1),
                        "ranges." + e.getKey(), "expected [min, max], got " + e.getValue());
            }
        }
    }

    /** A slice: rows grouped by the value of a SQL expression over the training set (entity keys, features). */
    public record Slice(String name, String expr) {
        public Slice {
            SpecViolation.checkName(name, "name");
            check(expr != null && !expr.isBlank(), "expr", "expected a SQL expression, e.g. \"CASE WHEN night_share > 0.5 THEN 'night' ELSE 'day' END\"");
            SqlExpressions.parse(expr, "expr");
        }
    }

    /**
     * Resources of the SageMaker backend: instance type and count, volume, managed spot training
     * (with checkpoints) and its limits, and optionally the XGBoost image (default: the region's
     * built-in XGBoost {@code version}); the batch transform's instance type and count.
     */
    public record SageMaker(String instanceType, Integer instanceCount, Integer volumeGb, SpecDuration maxRuntime, SpecDuration maxWait,
                            Boolean spot, String image, String xgboostVersion, String transformInstanceType, Integer transformInstanceCount) {
        public SageMaker {
            transformInstanceType = transformInstanceType == null ? "ml.m5.xlarge" : transformInstanceType;
            check(transformInstanceType.startsWith("ml."), "transform_instance_type",
                    "expected a SageMaker instance type like ml.m5.xlarge, got '" + transformInstanceType + "'");
            transformInstanceCount = transformInstanceCount == null ? 1 : transformInstanceCount;
            check(transformInstanceCount >= 1, "transform_instance_count", "expected at least 1");
            instanceType = instanceType == null ? "ml.m5.xlarge" : instanceType;
            check(instanceType.startsWith("ml."), "instance_type", "expected a SageMaker instance type like ml.m5.xlarge, got '" + instanceType + "'");
            instanceCount = instanceCount == null ? 1 : instanceCount;
            check(instanceCount >= 1, "instance_count", "expected at least 1");
            volumeGb = volumeGb == null ? 30 : volumeGb;
            maxRuntime = maxRuntime == null ? SpecDuration.parse("2h") : maxRuntime;
            spot = spot == null || spot;
            maxWait = maxWait == null ? SpecDuration.parse("4h") : maxWait;
            check(!spot || maxWait.value().compareTo(maxRuntime.value()) >= 0, "max_wait",
                    "expected max_wait >= max_runtime for spot training (SageMaker's rule), got " + maxWait.text() + " < " + maxRuntime.text());
            xgboostVersion = xgboostVersion == null ? "1.7-1" : xgboostVersion;
        }
    }

    /** An absolute bound on a metric. */
    public record Bound(Double min, Double max) {
        public Bound {
            check(min != null || max != null, "", "expected min and/or max");
        }

        public boolean holds(double v) {
            return (min == null || v >= min) && (max == null || v <= max);
        }

        @Override
        public String toString() {
            return min != null && max != null ? "[" + min + ", " + max + "]" : min != null ? ">= " + min : "<= " + max;
        }
    }

    public TrainingSpec {
        check(window != null, "window", "expected the training window, e.g. 28d");
        split = split == null ? new Split(null, null) : split;
        minLabelledRows = minLabelledRows == null ? 200 : minLabelledRows;
        check(minLabelledRows >= 10, "min_labelled_rows", "expected at least 10, got " + minLabelledRows);
        hyperparameters = hyperparameters == null ? new LinkedHashMap<>() : new LinkedHashMap<>(hyperparameters);
        for (String k : hyperparameters.keySet()) {
            check(HYPERPARAMETERS.contains(k), "hyperparameters." + k, "expected one of SageMaker XGBoost's names " + HYPERPARAMETERS);
        }
        threshold = threshold == null ? 0.5 : threshold;
        check(threshold > 0 && threshold < 1, "threshold", "expected a decision threshold in (0, 1), got " + threshold);
        slices = slices == null ? List.of() : List.copyOf(slices);
        deployThresholds = deployThresholds == null ? Map.of() : new LinkedHashMap<>(deployThresholds);
        timeFeatures = timeFeatures == null ? List.of() : List.copyOf(timeFeatures);
        sagemaker = sagemaker == null ? new SageMaker(null, null, null, null, null, null, null, null, null, null) : sagemaker;
        for (int i = 0; i < timeFeatures.size(); i++) {
            check(TIME_FEATURES.contains(timeFeatures.get(i)), "time_features[" + i + "]", "expected one of " + TIME_FEATURES);
        }
    }

    public Map<String, Object> hyperparameters() {
        return java.util.Collections.unmodifiableMap(hyperparameters);
    }

    /** The same training with another window (train --window). */
    public TrainingSpec withWindow(SpecDuration newWindow) {
        return new TrainingSpec(newWindow, split, minLabelledRows, hyperparameters, tuning, primaryMetric, threshold, slices, deployThresholds,
                baseline, timeFeatures, sagemaker);
    }
}
