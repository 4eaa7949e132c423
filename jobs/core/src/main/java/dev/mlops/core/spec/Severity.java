package dev.mlops.core.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How a failed check counts: an error stops the pipeline for the day (exit 3), a warning is reported. */
public enum Severity {
    ERROR, WARNING;

    @JsonValue
    public String specName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Severity fromSpec(String value) {
        for (Severity s : values()) {
            if (s.specName().equals(value)) {
                return s;
            }
        }
        throw new SpecViolation("", "expected one of [error, warning], got '" + value + "'");
    }
}
