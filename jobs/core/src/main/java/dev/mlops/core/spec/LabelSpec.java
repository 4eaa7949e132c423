package dev.mlops.core.spec;

import static dev.mlops.core.spec.SpecViolation.check;

/**
 * Where the label comes from, how late it arrives after the data date, and how label events
 * (the rows of a training set) are formed:
 *
 * <ul>
 *   <li>{@code kind: count}: one event per entity and {@code granularity} bucket (every entity
 *       seen in the range, every bucket), stamped at the bucket's start; the label is the number
 *       of rows of {@code dataset} in the bucket (e.g. rentals per zone and hour);</li>
 *   <li>{@code kind: exists}: one event per row of {@code events.dataset}, stamped with
 *       {@code events.event_time}; the label is 1 when a row of {@code dataset} with the same
 *       entity arrives within {@code delay} of it, else 0 (e.g. a claim within 30 days of a trip).</li>
 * </ul>
 */
public record LabelSpec(String dataset, String eventTime, SpecDuration delay, String name, Kind kind,
                        SpecDuration granularity, Events events) {
    public enum Kind {
        COUNT, EXISTS;

        @com.fasterxml.jackson.annotation.JsonCreator
        public static Kind parse(String text) {
            for (Kind k : values()) {
                if (k.name().equalsIgnoreCase(text)) {
                    return k;
                }
            }
            throw new SpecViolation("", "expected one of [count, exists], got '" + text + "'");
        }

        @com.fasterxml.jackson.annotation.JsonValue
        public String specName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The dataset whose rows are the label events of {@code kind: exists}. */
    public record Events(String dataset, String eventTime) {
        public Events {
            check(dataset != null, "dataset", "expected the dataset whose rows are the label events, e.g. 'trips'");
            check(eventTime != null, "event_time", "expected the column that stamps a label event, e.g. 'end_ts'");
        }
    }

    public LabelSpec {
        check(dataset != null, "dataset", "expected the name of the dataset that carries the label");
        check(delay != null, "delay", "expected how late labels arrive, e.g. '1d' or '30d'");
        name = name == null ? "label" : name;
        SpecViolation.checkName(name, "name");
        if (kind == Kind.COUNT) {
            check(granularity != null, "granularity", "a count label needs the bucket size, e.g. granularity: 1h");
            check(java.time.Duration.ofDays(1).toSeconds() % granularity.value().toSeconds() == 0, "granularity",
                    "expected a duration that divides a day (e.g. 1h), got " + granularity.text());
            check(events == null, "events", "a count label forms its own events (entity x bucket); remove events");
        }
        if (kind == Kind.EXISTS) {
            check(events != null, "events", "an exists label needs the event rows: events: {dataset: ..., event_time: ...}");
            check(granularity == null, "granularity", "an exists label has no buckets; remove granularity");
        }
    }
}
