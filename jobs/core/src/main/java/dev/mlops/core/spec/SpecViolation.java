package dev.mlops.core.spec;

/**
 * Thrown from a spec record's constructor: names the key (relative to the record) and what
 * was expected. The loader prefixes the key path of the record and the file name.
 */
public final class SpecViolation extends RuntimeException {
    private final String key;

    public SpecViolation(String key, String expectation) {
        super(expectation);
        this.key = key;
    }

    public String key() {
        return key;
    }

    static void check(boolean ok, String key, String expectation) {
        if (!ok) {
            throw new SpecViolation(key, expectation);
        }
    }

    static void checkName(String value, String key) {
        check(value != null && !value.isBlank(), key, "expected a non-empty name");
        check(value.matches("[a-z][a-z0-9_]*"), key,
                "expected a lower_snake_case name ([a-z][a-z0-9_]*), got '" + value + "'");
    }
}
