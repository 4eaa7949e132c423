package dev.mlops.datagen;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/**
 * A drift of the given kind, active on every date {@code >= from}.
 *
 * @param kind what changes
 * @param from first date with the changed pattern
 */
public record Drift(DriftKind kind, LocalDate from) {

    public Drift {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(from, "from");
    }

    /** Whether this drift changes data of the given date. */
    public boolean activeOn(LocalDate date) {
        return !date.isBefore(from);
    }

    /**
     * Parses {@code KIND@YYYY-MM-DD}, e.g. {@code demand_shift@2024-03-01}.
     *
     * @throws IllegalArgumentException naming the bad text and the expected form
     */
    public static Drift parse(String text) {
        String expected = "bad --drift '" + text + "': expected KIND@YYYY-MM-DD with KIND one of " + DriftKind.names();
        if (text == null) {
            throw new IllegalArgumentException(expected);
        }
        int at = text.indexOf('@');
        if (at < 0 || text.indexOf('@', at + 1) >= 0) {
            throw new IllegalArgumentException(expected);
        }
        DriftKind kind = DriftKind.lookup(text.substring(0, at));
        if (kind == null) {
            throw new IllegalArgumentException(expected);
        }
        try {
            return new Drift(kind, LocalDate.parse(text.substring(at + 1).trim()));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(expected + " (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public String toString() {
        return kind.cliName() + "@" + from;
    }
}
