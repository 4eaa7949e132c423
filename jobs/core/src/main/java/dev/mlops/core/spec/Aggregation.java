package dev.mlops.core.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/** How a windowed feature combines the source rows of its window. */
public enum Aggregation {
    COUNT, SUM, MEAN, MIN, MAX;

    @JsonCreator
    public static Aggregation parse(String text) {
        for (Aggregation a : values()) {
            if (a.specName().equals(text)) {
                return a;
            }
        }
        throw new SpecViolation("", "expected one of " + names() + ", got '" + text + "'");
    }

    @JsonValue
    public String specName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static String names() {
        return Arrays.stream(values()).map(Aggregation::specName).toList().toString();
    }
}
