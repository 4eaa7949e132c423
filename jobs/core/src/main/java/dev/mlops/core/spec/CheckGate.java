package dev.mlops.core.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * What a failed error-level check stops. {@code rows} (the default of row-level checks that
 * quarantine): the rows that break it are quarantined, and the day passes when the dataset's
 * quarantined share is within {@code max_quarantine_ratio} (the other checks then judge the
 * remaining rows). {@code day} (the default of every other check): the day fails.
 */
public enum CheckGate {
    ROWS, DAY;

    @JsonValue
    public String specName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static CheckGate fromSpec(String value) {
        for (CheckGate g : values()) {
            if (g.specName().equals(value)) {
                return g;
            }
        }
        throw new SpecViolation("", "expected one of [rows, day], got '" + value + "'");
    }
}
