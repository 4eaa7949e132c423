package dev.mlops.core.spec;

import static dev.mlops.core.spec.SpecViolation.check;

/** A column of a dataset: name, type, and whether a value is required. */
public record ColumnSpec(String name, ColumnType type, Boolean nullable, String description) {
    public ColumnSpec {
        SpecViolation.checkName(name, "name");
        check(type != null, "type", "expected a type, one of " + ColumnType.names());
        nullable = nullable == null ? Boolean.TRUE : nullable;
    }

    public boolean required() {
        return !nullable;
    }
}
