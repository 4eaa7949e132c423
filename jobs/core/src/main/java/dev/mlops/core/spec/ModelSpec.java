package dev.mlops.core.spec;

import static dev.mlops.core.spec.SpecViolation.check;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One model's spec ({@code dags/models/<model>.yaml}): its datasets and schemas, label and
 * task. Later lifecycle steps add their sections (validation, features, training, ...).
 * Instances are validated on construction; {@link SpecLoader} reports violations with file
 * and key path.
 */
public record ModelSpec(String model, String description, String owner, Task task, String entity,
                        LabelSpec label, Map<String, DatasetSpec> datasets) {
    public ModelSpec {
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
        }
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
}
