package dev.mlops.datagen;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** A kind of broken upstream delivery injected into a model's main dataset on one day (see {@link BadDay}). */
public enum BadDataKind {
    /** About 1% of the rows are garbled: a missing field, an unparsable timestamp or a non-numeric number. */
    MALFORMED("malformed"),
    /** The entity column ({@code zone_id} in rentals, {@code vehicle_id} in trips) is missing from the files. */
    MISSING_COLUMN("missing_column"),
    /** A numeric column is written as text in every row ({@code distance_km} "12.5 km", {@code max_speed_kph} "fast"/"slow"). */
    TYPE_CHANGE("type_change"),
    /**
     * About 10% of the rows carry a well-formed but impossible value ({@code max_speed_kph} 412.0, {@code price_eur}
     * -9.99): the files parse, so ingest accepts them; validate quarantines those rows, and since they are more than
     * the dataset's {@code max_quarantine_ratio} (5% in the bundled specs) the data contract checks stop the day.
     */
    OUT_OF_RANGE("out_of_range"),
    /**
     * A few rows (0.5%, at least one) carry the same impossible values: validate quarantines them, with the check
     * they broke, and the day passes with the remaining rows (within {@code max_quarantine_ratio}).
     */
    FEW_OUT_OF_RANGE("few_out_of_range");

    private final String cliName;

    BadDataKind(String cliName) {
        this.cliName = cliName;
    }

    /** The lower-case name used on the command line, e.g. {@code missing_column}. */
    public String cliName() {
        return cliName;
    }

    /**
     * Parses {@code malformed}, {@code missing_column}, {@code type_change}, {@code out_of_range} or {@code few_out_of_range} (case-insensitive, {@code -} accepted for {@code _}).
     *
     * @throws IllegalArgumentException naming the bad text and the accepted names
     */
    public static BadDataKind fromName(String name) {
        BadDataKind k = lookup(name);
        if (k == null) {
            throw new IllegalArgumentException("bad bad-data kind '" + name + "': expected one of " + names());
        }
        return k;
    }

    static BadDataKind lookup(String name) {
        if (name == null) {
            return null;
        }
        String n = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        for (BadDataKind k : values()) {
            if (k.cliName.equals(n)) {
                return k;
            }
        }
        return null;
    }

    static String names() {
        return Arrays.stream(values()).map(BadDataKind::cliName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return cliName;
    }
}
