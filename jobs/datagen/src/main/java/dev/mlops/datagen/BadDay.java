package dev.mlops.datagen;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/**
 * Bad data of the given kind in the main dataset (rentals, trips) of every selected model on one date.
 *
 * @param date the day whose delivery is broken
 * @param kind how it is broken
 */
public record BadDay(LocalDate date, BadDataKind kind) {

    public BadDay {
        Objects.requireNonNull(date, "date");
        Objects.requireNonNull(kind, "kind");
    }

    /**
     * Parses {@code YYYY-MM-DD:KIND}, e.g. {@code 2024-03-05:malformed}.
     *
     * @throws IllegalArgumentException naming the bad text and the expected form
     */
    public static BadDay parse(String text) {
        String expected = "bad --bad-day '" + text + "': expected YYYY-MM-DD:KIND with KIND one of " + BadDataKind.names();
        if (text == null) {
            throw new IllegalArgumentException(expected);
        }
        int colon = text.indexOf(':');
        if (colon < 0 || text.indexOf(':', colon + 1) >= 0) {
            throw new IllegalArgumentException(expected);
        }
        BadDataKind kind = BadDataKind.lookup(text.substring(colon + 1));
        if (kind == null) {
            throw new IllegalArgumentException(expected);
        }
        try {
            return new BadDay(LocalDate.parse(text.substring(0, colon).trim()), kind);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(expected + " (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public String toString() {
        return date + ":" + kind.cliName();
    }
}
