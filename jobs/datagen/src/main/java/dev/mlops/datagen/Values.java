package dev.mlops.datagen;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/** Shared value formatting and rounding. */
final class Values {

    /** ISO local date-time with seconds, no zone: {@code 2024-03-01T08:15:00}. */
    static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss");
    /** Compact date for ids: {@code 20240301}. */
    static final DateTimeFormatter COMPACT_DATE = DateTimeFormatter.ofPattern("uuuuMMdd");

    private Values() {
    }

    /** Rounds half-up to the given number of decimals (the result prints without exponent for our ranges). */
    static double round(double value, int decimals) {
        double f = decimals == 1 ? 10 : decimals == 2 ? 100 : StrictMath.pow(10, decimals);
        return Math.round(value * f) / f;
    }

    /** Zero-padded decimal of a non-negative number, e.g. {@code pad(42, 5)} = {@code 00042}. */
    static String pad(long value, int width) {
        String digits = Long.toString(value);
        return digits.length() >= width ? digits : "0".repeat(width - digits.length()) + digits;
    }

    static double clamp(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /** Text of a cell value: null stays null, timestamps ISO, numbers via {@code toString}. */
    static String text(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof LocalDateTime t) {
            return TIMESTAMP.format(t);
        }
        return value.toString();
    }
}
