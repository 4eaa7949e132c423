package dev.mlops.core.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The data checks a dataset can declare. {@link #rowLevel()}: the check also judges each row,
 * so rows that break it can be quarantined (see docs/validation.md).
 */
public enum CheckKind {
    COMPLETENESS(true), UNIQUENESS(false), MIN(true), MAX(true), NON_NEGATIVE(true), ALLOWED_VALUES(true),
    PATTERN(true), SIZE(false), SATISFIES(true), MEAN(false), STDDEV(false), QUANTILE(false), FRESHNESS(false);

    private final boolean rowLevel;

    CheckKind(boolean rowLevel) {
        this.rowLevel = rowLevel;
    }

    public boolean rowLevel() {
        return rowLevel;
    }

    @JsonValue
    public String specName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static CheckKind fromSpec(String value) {
        for (CheckKind k : values()) {
            if (k.specName().equals(value)) {
                return k;
            }
        }
        throw new SpecViolation("", "expected one of " + names() + ", got '" + value + "'");
    }

    public static String names() {
        return Arrays.stream(values()).map(CheckKind::specName).collect(Collectors.joining(", ", "[", "]"));
    }
}
