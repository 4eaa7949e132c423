package dev.mlops.core.spec;

import static dev.mlops.core.spec.SpecViolation.check;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A dataset of a model: its source and schema. {@code required}: a date without input is a
 * contract violation (exit 3) rather than "nothing to do". {@code maxQuarantineRatio}: the
 * share of quarantined rows above which the day is rejected (exit 3) instead of quarantined (by
 * ingest: malformed rows and rows outside the event-time window; by validate: rows that break
 * row-level checks). {@code allowedLateness}: how far {@code eventTime} may lie from the data date
 * before ingest quarantines the row (only with an {@code event_time} of type timestamp or date).
 */
public record DatasetSpec(String description, Boolean required, String eventTime, Double maxQuarantineRatio,
                          AllowedLateness allowedLateness, SourceSpec source, List<ColumnSpec> columns, List<CheckSpec> checks, List<AnomalySpec> anomalies) {
    public static final double DEFAULT_MAX_QUARANTINE_RATIO = 0.05;

    public DatasetSpec {
        required = required != null && required;
        maxQuarantineRatio = maxQuarantineRatio == null ? DEFAULT_MAX_QUARANTINE_RATIO : maxQuarantineRatio;
        check(maxQuarantineRatio >= 0 && maxQuarantineRatio <= 1, "max_quarantine_ratio",
                "expected a ratio in [0, 1], got " + maxQuarantineRatio);
        check(source != null, "source", "expected a source (kind: files or kind: jdbc)");
        check(columns != null && !columns.isEmpty(), "columns", "expected at least one column");
        columns = List.copyOf(columns);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < columns.size(); i++) {
            check(seen.add(columns.get(i).name()), "columns[" + i + "].name",
                    "expected unique column names, '" + columns.get(i).name() + "' appears twice");
        }
        checks = checks == null ? List.of() : List.copyOf(checks);
        anomalies = anomalies == null ? List.of() : List.copyOf(anomalies);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < checks.size(); i++) {
            CheckSpec c = checks.get(i);
            for (String col : c.referencedColumns()) {
                check(seen.contains(col), "checks[" + i + "].column", "expected one of the dataset's columns " + seen + ", got '" + col + "'");
            }
            if (c.predicate() != null) {
                // the predicate runs over the dataset's rows: every column it names must be declared
                SqlExpressions.resolve(c.predicate(), columns.stream().map(ColumnSpec::name).toList(), "checks[" + i + "].predicate",
                        "the dataset's columns");
            }
            if (c.kind() == CheckKind.FRESHNESS) {
                ColumnType t = columns.stream().filter(x -> x.name().equals(c.column())).findFirst().orElseThrow().type();
                check(t == ColumnType.TIMESTAMP || t == ColumnType.DATE, "checks[" + i + "].column",
                        "expected a timestamp or date column for a freshness check, '" + c.column() + "' is " + t.specName());
            }
            check(!seen.contains(c.displayName()), "checks[" + i + "].name",
                    "expected a check name that is not also a column name, got '" + c.displayName() + "'");
            check(names.add(c.displayName()), "checks[" + i + "].name",
                    "expected unique check names, '" + c.displayName() + "' appears twice (set name: to tell them apart)");
        }
        for (int i = 0; i < anomalies.size(); i++) {
            AnomalySpec a = anomalies.get(i);
            if (a.column() != null) {
                check(seen.contains(a.column()), "anomalies[" + i + "].column",
                        "expected one of the dataset's columns " + seen + ", got '" + a.column() + "'");
            }
            check(names.add(a.displayName()), "anomalies[" + i + "].name",
                    "expected unique check names, '" + a.displayName() + "' appears twice");
        }
        if (eventTime != null) {
            check(seen.contains(eventTime), "event_time", "expected one of the dataset's columns " + seen + ", got '" + eventTime + "'");
        }
        if (allowedLateness != null) {
            check(eventTime != null, "allowed_lateness", "expected event_time to be set: the window applies to the event-time column");
            String et = eventTime;
            ColumnType t = columns.stream().filter(x -> x.name().equals(et)).findFirst().orElseThrow().type();
            check(t == ColumnType.TIMESTAMP || t == ColumnType.DATE, "allowed_lateness",
                    "expected an event_time column of type timestamp or date, '" + eventTime + "' is " + t.specName());
        }
        allowedLateness = allowedLateness == null ? AllowedLateness.DEFAULT : allowedLateness;
        if (source instanceof JdbcSource jdbc) {
            if (jdbc.partitionColumn() != null) {
                check(seen.contains(jdbc.partitionColumn()), "source.partition_column",
                        "expected one of the dataset's columns, got '" + jdbc.partitionColumn() + "'");
            }
            if (jdbc.watermarkColumn() != null) {
                check(seen.contains(jdbc.watermarkColumn()), "source.watermark_column",
                        "expected one of the dataset's columns, got '" + jdbc.watermarkColumn() + "'");
            }
        }
    }

    /**
     * The event-time column whose values ingest keeps within {@link #allowedLateness()} of the data
     * date, or empty when the dataset has no event_time of type timestamp or date.
     */
    public Optional<ColumnSpec> eventTimeWindowColumn() {
        return eventTime == null ? Optional.empty()
                : column(eventTime).filter(c -> c.type() == ColumnType.TIMESTAMP || c.type() == ColumnType.DATE);
    }

    public Optional<ColumnSpec> column(String name) {
        return columns.stream().filter(c -> c.name().equals(name)).findFirst();
    }
}
