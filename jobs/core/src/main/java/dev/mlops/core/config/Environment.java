package dev.mlops.core.config;

import java.util.Locale;

/** Where the platform runs. The model specs are the same in both. */
public enum Environment {
    /** Everything under MLOPS_HOME: a directory lake, embedded PostgreSQL, DynamoDB Local, Spark local[*]. */
    LOCAL,
    /** S3 lake, RDS/Aurora PostgreSQL, DynamoDB, SageMaker; endpoints from config. */
    AWS;

    public static Environment parse(String value, String where) {
        try {
            return Environment.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where, "env", "expected one of [local, aws], got '" + value + "'");
        }
    }

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
