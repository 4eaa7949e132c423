package dev.mlops.core.spec;

import static dev.mlops.core.spec.SpecViolation.check;

import java.util.List;

/**
 * One data check of a dataset. Which keys apply depends on {@code kind}:
 * <ul>
 *   <li>{@code completeness}: column, min (share of non-null values, default 1.0)</li>
 *   <li>{@code uniqueness}: column or columns, min (share of unique values, default 1.0)</li>
 *   <li>{@code min} / {@code max}: column, min / max (the column's minimum / maximum must not go beyond)</li>
 *   <li>{@code non_negative}: column</li>
 *   <li>{@code allowed_values}: column, values, min_ratio (default 1.0)</li>
 *   <li>{@code pattern}: column, regex, min_ratio (default 1.0)</li>
 *   <li>{@code size}: min and/or max row count</li>
 *   <li>{@code satisfies}: predicate (SQL), min_ratio (default 1.0), name (required)</li>
 *   <li>{@code mean} / {@code stddev}: column, min and/or max</li>
 *   <li>{@code quantile}: column, quantile (0..1), min and/or max</li>
 *   <li>{@code freshness}: column (timestamp), max_age: the newest value must be at most this old at the end of the data date</li>
 * </ul>
 * Every check has a severity (default error), an optional hint shown with a failure, and, for
 * row-level kinds, {@code quarantine}: whether rows that break it are quarantined (default
 * true, except completeness below 1.0). {@code gate} ({@link CheckGate}): {@code rows} (the
 * default, and only allowed value, of checks that quarantine) lets the day pass with the breaking
 * rows quarantined while the dataset's quarantined share is within {@code max_quarantine_ratio};
 * {@code day} (the default of every other check) makes a failure stop the day.
 */
public record CheckSpec(CheckKind kind, String name, String column, List<String> columns, Double min, Double max,
                        List<String> values, String regex, String predicate, Double minRatio, Double quantile,
                        SpecDuration maxAge, Severity severity, String hint, Boolean quarantine, CheckGate gate) {
    public CheckSpec {
        check(kind != null, "kind", "expected a check kind, one of " + CheckKind.names());
        severity = severity == null ? Severity.ERROR : severity;
        columns = columns == null ? null : List.copyOf(columns);
        values = values == null ? null : List.copyOf(values);
        check(columns == null || kind == CheckKind.UNIQUENESS, "columns",
                "expected column: <name>; columns: [..] is only for uniqueness checks");
        if (minRatio != null) {
            check(minRatio >= 0 && minRatio <= 1, "min_ratio", "expected a ratio in [0, 1], got " + minRatio);
        }
        switch (kind) {
            case COMPLETENESS -> {
                needColumn(column);
                min = min == null ? 1.0 : min;
                check(min >= 0 && min <= 1, "min", "expected a share of non-null values in [0, 1], got " + min);
            }
            case UNIQUENESS -> {
                check(column != null || columns != null && !columns.isEmpty(), "columns",
                        "expected column: <name> or columns: [a, b] for a uniqueness check");
                min = min == null ? 1.0 : min;
                check(min >= 0 && min <= 1, "min", "expected a share of unique values in [0, 1], got " + min);
            }
            case MIN -> {
                needColumn(column);
                check(min != null, "min", "expected the lowest allowed value for a min check");
            }
            case MAX -> {
                needColumn(column);
                check(max != null, "max", "expected the highest allowed value for a max check");
            }
            case NON_NEGATIVE -> needColumn(column);
            case ALLOWED_VALUES -> {
                needColumn(column);
                check(values != null && !values.isEmpty(), "values", "expected the list of allowed values");
            }
            case PATTERN -> {
                needColumn(column);
                check(regex != null && !regex.isEmpty(), "regex", "expected a regular expression");
                try {
                    java.util.regex.Pattern.compile(regex);
                } catch (java.util.regex.PatternSyntaxException e) {
                    throw new SpecViolation("regex", "expected a valid regular expression: " + e.getDescription());
                }
            }
            case SIZE -> check(min != null || max != null, "min", "expected min and/or max row count for a size check");
            case SATISFIES -> {
                check(predicate != null && !predicate.isBlank(), "predicate", "expected a SQL predicate, e.g. 'end_ts >= start_ts'");
                SqlExpressions.parse(predicate, "predicate");
                check(name != null, "name", "expected a name for a satisfies check (it names the constraint in results)");
            }
            case MEAN, STDDEV -> {
                needColumn(column);
                check(min != null || max != null, "min", "expected min and/or max for a " + kind.specName() + " check");
            }
            case QUANTILE -> {
                needColumn(column);
                check(quantile != null && quantile > 0 && quantile < 1, "quantile", "expected a quantile in (0, 1), got " + quantile);
                check(min != null || max != null, "min", "expected min and/or max for a quantile check");
            }
            case FRESHNESS -> {
                needColumn(column);
                check(maxAge != null, "max_age", "expected how old the newest value may be, e.g. '6h'");
            }
            default -> throw new IllegalStateException(kind.toString());
        }
        if (min != null && max != null) {
            check(min <= max, "min", "expected min <= max, got min " + min + " and max " + max);
        }
        if (name != null) {
            SpecViolation.checkName(name, "name");
        }
        if (quarantine != null && quarantine) {
            check(kind.rowLevel(), "quarantine", "expected quarantine only on row-level checks; " + kind.specName() + " is not row-level");
        }
        boolean quarantines = quarantines(kind, quarantine, min);
        if (gate == CheckGate.ROWS) {
            check(kind.rowLevel(), "gate", "expected gate: day (or no gate key) on a " + kind.specName()
                    + " check: it judges the whole day, not rows; gate: rows is for row-level checks that quarantine");
            check(quarantines, "gate", "expected gate: day (or no gate key): gate: rows needs the check to quarantine the rows"
                    + " that break it, and this one does not (" + (quarantine != null ? "quarantine: false" : "completeness below 1.0") + ")");
        }
        if (gate == CheckGate.DAY) {
            check(severity == Severity.ERROR, "gate", "expected gate: day only on error-level checks: a warning never stops the day");
        }
        gate = gate != null ? gate : quarantines ? CheckGate.ROWS : CheckGate.DAY;
    }

    private static void needColumn(String column) {
        check(column != null && !column.isBlank(), "column", "expected the column the check applies to");
    }

    /** The columns this check reads. */
    public List<String> referencedColumns() {
        if (columns != null) {
            return columns;
        }
        return column == null ? List.of() : List.of(column);
    }

    /** The check's name in results: the given name, or {@code <column>_<kind>}. */
    public String displayName() {
        if (name != null) {
            return name;
        }
        String target = columns != null ? String.join("_", columns) : column;
        return target == null ? kind.specName() : target + "_" + kind.specName();
    }

    /** Whether rows that break this check are quarantined. */
    public boolean quarantines() {
        return quarantines(kind, quarantine, min);
    }

    private static boolean quarantines(CheckKind kind, Boolean quarantine, Double min) {
        if (!kind.rowLevel()) {
            return false;
        }
        if (quarantine != null) {
            return quarantine;
        }
        return kind != CheckKind.COMPLETENESS || min >= 1.0;
    }

    /**
     * Whether a failure of this check can be settled by quarantining the rows that break it (the
     * day then passes if the dataset's quarantined share is within {@code max_quarantine_ratio}).
     */
    public boolean gatesRows() {
        return gate == CheckGate.ROWS;
    }

    public double minRatioOrDefault() {
        return minRatio == null ? 1.0 : minRatio;
    }
}
