package dev.mlops.core.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Column types a dataset schema can declare, with their Spark SQL names. */
public enum ColumnType {
    STRING("string"),
    INT("int"),
    LONG("bigint"),
    DOUBLE("double"),
    BOOLEAN("boolean"),
    DATE("date"),
    TIMESTAMP("timestamp");

    private final String sqlType;

    ColumnType(String sqlType) {
        this.sqlType = sqlType;
    }

    /** The Spark SQL type name used in casts. */
    public String sqlType() {
        return sqlType;
    }

    @JsonValue
    public String specName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static ColumnType fromSpec(String value) {
        for (ColumnType t : values()) {
            if (t.specName().equals(value)) {
                return t;
            }
        }
        throw new SpecViolation("", "expected one of " + names() + ", got '" + value + "'");
    }

    public static String names() {
        return Arrays.stream(values()).map(ColumnType::specName).collect(Collectors.joining(", ", "[", "]"));
    }
}
