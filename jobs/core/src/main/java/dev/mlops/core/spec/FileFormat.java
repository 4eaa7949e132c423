package dev.mlops.core.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Landing file formats. Gzip is recognised by the {@code .gz} extension for any format. */
public enum FileFormat {
    CSV, JSONL;

    @JsonValue
    public String specName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static FileFormat fromSpec(String value) {
        for (FileFormat f : values()) {
            if (f.specName().equals(value)) {
                return f;
            }
        }
        throw new SpecViolation("", "expected one of [csv, jsonl], got '" + value + "'");
    }
}
