package dev.mlops.validate;

import dev.mlops.core.spec.Severity;

/**
 * The outcome of one declared check (or anomaly check) on one dataset partition: a row of
 * {@code dq_results}. {@code value} is the metric Deequ computed (null when it could not).
 */
public record CheckOutcome(String dataset, String check, String kind, String constraint, Severity severity, boolean passed,
                           String metric, Double value, String message) {

    public boolean failedError() {
        return !passed && severity == Severity.ERROR;
    }

    public boolean failedWarning() {
        return !passed && severity == Severity.WARNING;
    }
}
