package dev.mlops.core.spec;

import static dev.mlops.core.spec.SpecViolation.check;

/** Where the label comes from and how late it arrives after the data date. */
public record LabelSpec(String dataset, String eventTime, SpecDuration delay) {
    public LabelSpec {
        check(dataset != null, "dataset", "expected the name of the dataset that carries the label");
        check(delay != null, "delay", "expected how late labels arrive, e.g. '1d' or '30d'");
    }
}
