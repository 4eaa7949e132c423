package dev.mlops.core.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a model predicts. */
public enum Task {
    REGRESSION, BINARY_CLASSIFICATION;

    @JsonValue
    public String specName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Task fromSpec(String value) {
        for (Task t : values()) {
            if (t.specName().equals(value)) {
                return t;
            }
        }
        throw new SpecViolation("", "expected one of [regression, binary_classification], got '" + value + "'");
    }
}
