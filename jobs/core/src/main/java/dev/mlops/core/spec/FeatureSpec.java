package dev.mlops.core.spec;

import static dev.mlops.core.spec.SpecViolation.check;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One feature of a group. Without {@code agg} it is a row-level SQL expression over the source
 * row ({@code expr}, default: the column of the same name). With {@code agg} it is an event-time
 * window: {@code agg} over {@code expr} (not needed for count) for the source rows with event
 * time in {@code (t - lag - window, t - lag]} for a per-event group (t = the row's event time), or in
 * {@code [t - lag - window, t - lag)} for a bucketed group (t = the end of the row's bucket). {@code type}: the stored type (default bigint for
 * a count, double otherwise); the offline store, Athena and training all see that type.
 * {@code missing_days} ({@code null} or {@code zero}; default: the group's): what a windowed value
 * is when its window overlaps a day with no validated data of the source (see {@link MissingDays}).
 */
public record FeatureSpec(String name, String description, String expr, Aggregation agg, SpecDuration window, SpecDuration lag,
                          ColumnType type, @JsonInclude(JsonInclude.Include.NON_NULL) MissingDays missingDays) {
    public FeatureSpec {
        SpecViolation.checkName(name, "name");
        if (agg == null) {
            check(window == null, "window", "a window needs an aggregation (agg: one of " + Aggregation.names() + ")");
            check(lag == null, "lag", "a lag needs an aggregation (agg: one of " + Aggregation.names() + "); "
                    + "for the value of an earlier period use e.g. {agg: sum, window: 1h, lag: 24h}");
            expr = expr == null ? name : expr;
            check(missingDays == null, "missing_days", "missing_days applies to a windowed feature (one with agg): a row-level value reads no other day");
        } else {
            check(window != null, "window", "expected the window of the " + agg.specName() + ", e.g. 24h or 7d");
            check(!window.value().isZero() && !window.value().isNegative(), "window", "expected a positive duration");
            check(agg == Aggregation.COUNT || expr != null, "expr",
                    "expected the SQL expression to " + agg.specName() + " over, e.g. 'duration_min'");
        }
        check(expr == null || !expr.isBlank(), "expr", "expected a SQL expression");
        if (expr != null) {
            SqlExpressions.parse(expr, "expr");
        }
    }

    /** The type the feature is stored as. */
    public ColumnType outputType() {
        if (type != null) {
            return type;
        }
        return agg == Aggregation.COUNT ? ColumnType.LONG : ColumnType.DOUBLE;
    }

    public boolean windowed() {
        return agg != null;
    }

    /** How far back from a row's time the feature reads: lag + window. */
    public java.time.Duration reach() {
        if (agg == null) {
            return java.time.Duration.ZERO;
        }
        return window.value().plus(lag == null ? java.time.Duration.ZERO : lag.value());
    }
}
