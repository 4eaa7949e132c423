package dev.mlops.core.spec;

import static dev.mlops.core.spec.SpecViolation.check;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One model's spec ({@code dags/models/<model>.yaml}): its datasets and schemas, label and
 * task, feature groups. Later lifecycle steps add their sections (training, ...).
 * Instances are validated on construction; {@link SpecLoader} reports violations with file
 * and key path.
 */
public record ModelSpec(String model, String description, String owner, Task task, String entity,
                        LabelSpec label, Map<String, DatasetSpec> datasets, Map<String, FeatureGroupSpec> features,
                        TrainingSpec training, ShadowSpec shadow, QualitySpec quality, PromotionSpec promotion, ScheduleSpec schedule) {
    public ModelSpec {
        schedule = schedule == null ? ScheduleSpec.DEFAULT : schedule;
        shadow = shadow == null ? ShadowSpec.DEFAULT : shadow;
        quality = quality == null ? QualitySpec.DEFAULT : quality;
        promotion = promotion == null ? PromotionSpec.DEFAULT : promotion;
        SpecViolation.checkName(model, "model");
        check(task != null, "task", "expected one of [regression, binary_classification]");
        check(entity != null && !entity.isBlank(), "entity", "expected the entity key column, e.g. 'zone_id'");
        check(datasets != null && !datasets.isEmpty(), "datasets", "expected at least one dataset");
        datasets = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(datasets));
        for (String name : datasets.keySet()) {
            SpecViolation.checkName(name, "datasets." + name);
            check(datasets.get(name) != null, "datasets." + name, "expected a dataset definition");
        }
        if (label != null) {
            check(datasets.containsKey(label.dataset()), "label.dataset",
                    "expected one of the datasets " + datasets.keySet() + ", got '" + label.dataset() + "'");
            if (label.eventTime() != null) {
                check(datasets.get(label.dataset()).column(label.eventTime()).isPresent(), "label.event_time",
                        "expected a column of dataset '" + label.dataset() + "', got '" + label.eventTime() + "'");
            }
            if (label.kind() != null) {
                check(label.eventTime() != null, "label.event_time", "expected the label dataset's time column");
                checkColumn(datasets.get(label.dataset()), label.dataset(), entity, "label.dataset",
                        "the model's entity '" + entity + "' to key labels by");
            }
            if (label.events() != null) {
                check(datasets.containsKey(label.events().dataset()), "label.events.dataset",
                        "expected one of the datasets " + datasets.keySet() + ", got '" + label.events().dataset() + "'");
                DatasetSpec ev = datasets.get(label.events().dataset());
                checkColumn(ev, label.events().dataset(), label.events().eventTime(), "label.events.event_time", "a timestamp column");
                checkColumn(ev, label.events().dataset(), entity, "label.events.dataset", "the model's entity '" + entity + "'");
            }
        }
        features = features == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(features));
        java.util.Map<String, String> featureOwner = new java.util.HashMap<>();
        // training-set columns, and the online store's own attributes
        java.util.Set<String> reserved = new java.util.HashSet<>(java.util.List.of("event_ts", "dt", "feature_ts", entity,
                "entity_id", "expires_at"));
        if (label != null) {
            reserved.add(label.name());
        }
        for (var e : features.entrySet()) {
            if (e.getValue() != null) {
                reserved.add(e.getValue().entity());
            }
        }
        for (var e : features.entrySet()) {
            if (e.getValue() == null) {
                continue;
            }
            for (int i = 0; i < e.getValue().features().size(); i++) {
                String f = e.getValue().features().get(i).name();
                String key = "features." + e.getKey() + ".features[" + i + "].name";
                check(!reserved.contains(f), key, "'" + f + "' is taken by a key, the label or a training-set column " + reserved.stream().sorted().toList());
                String other = featureOwner.putIfAbsent(f, e.getKey());
                check(other == null, key, "expected feature names unique across groups (a training set holds them side by side); '"
                        + f + "' is also in group '" + other + "'");
            }
        }
        checkTraining(training, task, entity, label, features);
        checkQuality(quality, training, task);
        for (var e : features.entrySet()) {
            String key = "features." + e.getKey();
            SpecViolation.checkName(e.getKey(), key);
            FeatureGroupSpec g = e.getValue();
            check(g != null, key, "expected a feature group definition");
            check(datasets.containsKey(g.source()), key + ".source",
                    "expected one of the datasets " + datasets.keySet() + ", got '" + g.source() + "'");
            DatasetSpec src = datasets.get(g.source());
            checkColumn(src, g.source(), g.entity(), key + ".entity", "the entity key column");
            String time = g.eventTime() != null ? g.eventTime() : src.eventTime();
            check(time != null, key + ".event_time", "expected a timestamp column of '" + g.source() + "' (the dataset declares no event_time)");
            checkColumn(src, g.source(), time, key + ".event_time", "a timestamp column");
            check(src.column(time).orElseThrow().type() == ColumnType.TIMESTAMP, key + ".event_time",
                    "expected a timestamp column, '" + time + "' is " + src.column(time).orElseThrow().type().specName());
            // a feature's expression runs over the source dataset's rows
            java.util.List<String> srcColumns = src.columns().stream().map(ColumnSpec::name).toList();
            for (int i = 0; i < g.features().size(); i++) {
                FeatureSpec f = g.features().get(i);
                if (f.expr() != null) {
                    SqlExpressions.resolve(f.expr(), srcColumns, key + ".features[" + i + "].expr",
                            "the columns of its source dataset '" + g.source() + "'");
                }
            }
        }
    }

    /** Validates the training section against the task and the features (called from the constructor). */
    private static void checkTraining(TrainingSpec training, Task task, String entity, LabelSpec label, Map<String, FeatureGroupSpec> features) {
        if (training == null) {
            return;
        }
        check(label != null && label.kind() != null, "training", "training needs label.kind (count or exists) to form label events");
        check(!features.isEmpty(), "training", "training needs at least one feature group (features:)");
        java.util.Set<String> metrics = task == Task.REGRESSION ? TrainingSpec.REGRESSION_METRICS : TrainingSpec.CLASSIFICATION_METRICS;
        if (training.primaryMetric() != null) {
            check(metrics.contains(training.primaryMetric()), "training.primary_metric", "expected one of " + metrics + " for " + task.specName());
        }
        for (String m : training.deployThresholds().keySet()) {
            check(metrics.contains(m), "training.deploy_thresholds." + m, "expected one of " + metrics + " for " + task.specName());
        }
        // a slice's expression runs over the training (and scoring) set: the event time, the entity keys, the
        // features and the time features (not the label: scoring rows have none)
        java.util.Set<String> setColumns = new java.util.LinkedHashSet<>();
        setColumns.add("event_ts");
        setColumns.add(entity);
        for (FeatureGroupSpec g : features.values()) {
            if (g != null) {
                setColumns.add(g.entity());
                setColumns.addAll(g.featureNames());
            }
        }
        setColumns.addAll(training.timeFeatures());
        for (int i = 0; i < training.slices().size(); i++) {
            SqlExpressions.resolve(training.slices().get(i).expr(), setColumns, "training.slices[" + i + "].expr",
                    "the training set's columns");
        }
        if (training.baseline() != null) {
            check(task == Task.REGRESSION, "training.baseline", "a feature as naive prediction is for regression; classification uses the base rate");
            check(features.values().stream().anyMatch(g -> g.featureNames().contains(training.baseline())), "training.baseline",
                    "expected a feature of the model (the naive prediction, e.g. the same hour a day before), got '" + training.baseline() + "'");
        }
    }

    /** Validates the quality section against the task and the training slices (called from the constructor). */
    private static void checkQuality(QualitySpec quality, TrainingSpec training, Task task) {
        java.util.Set<String> metrics = task == Task.REGRESSION ? TrainingSpec.REGRESSION_METRICS : TrainingSpec.CLASSIFICATION_METRICS;
        for (String m : quality.metrics().keySet()) {
            check(metrics.contains(m), "quality.metrics." + m, "expected one of " + metrics + " for " + task.specName());
        }
        java.util.List<String> slices = training == null ? java.util.List.of() : training.slices().stream().map(TrainingSpec.Slice::name).toList();
        for (int i = 0; i < quality.bias().slices().size(); i++) {
            check(slices.contains(quality.bias().slices().get(i)), "quality.bias.slices[" + i + "]",
                    "expected the name of a training slice " + slices + ", got '" + quality.bias().slices().get(i) + "'");
        }
    }

    /** The primary metric: the spec's, else rmse (regression) or pr_auc (classification). */
    public String primaryMetric() {
        if (training != null && training.primaryMetric() != null) {
            return training.primaryMetric();
        }
        return task == Task.REGRESSION ? "rmse" : "pr_auc";
    }

    private static void checkColumn(DatasetSpec ds, String dataset, String column, String key, String what) {
        check(column != null && ds.column(column).isPresent(), key, "expected " + what + " as a column of dataset '" + dataset
                + "' " + ds.columns().stream().map(ColumnSpec::name).toList() + ", got '" + column + "'");
    }

    /** The event-time column of a feature group (its own, else its source dataset's). */
    public String eventTime(FeatureGroupSpec group) {
        return group.eventTime() != null ? group.eventTime() : datasets.get(group.source()).eventTime();
    }

    public FeatureGroupSpec featureGroup(String name) {
        FeatureGroupSpec g = features.get(name);
        if (g == null) {
            throw new dev.mlops.core.JobException(dev.mlops.core.ExitCode.USAGE,
                    "model '" + model + "' has no feature group '" + name + "'; expected one of " + features.keySet());
        }
        return g;
    }

    /** The datasets a job works on: all of them (in spec order), or the one named (which must exist). */
    public java.util.List<String> datasetNames(String only) {
        if (only == null) {
            return java.util.List.copyOf(datasets.keySet());
        }
        dataset(only);
        return java.util.List.of(only);
    }

    /** The scope part of a run's identity: "all", or the datasets joined with commas. */
    public String scope(java.util.List<String> names) {
        return names.size() == datasets.size() ? "all" : String.join(",", names);
    }

    public DatasetSpec dataset(String name) {
        DatasetSpec d = datasets.get(name);
        if (d == null) {
            throw new dev.mlops.core.JobException(dev.mlops.core.ExitCode.USAGE,
                    "model '" + model + "' has no dataset '" + name + "'; expected one of " + datasets.keySet());
        }
        return d;
    }

    /** The same spec with another training section (validated again). */
    public ModelSpec withTraining(TrainingSpec newTraining) {
        return new ModelSpec(model, description, owner, task, entity, label, datasets, features, newTraining, shadow, quality, promotion, schedule);
    }
}
