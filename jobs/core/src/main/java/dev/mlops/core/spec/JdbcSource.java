package dev.mlops.core.spec;

import static dev.mlops.core.spec.SpecViolation.check;

/**
 * A table in an operational database, read in parallel by ranges of {@code partitionColumn}
 * and incrementally by {@code watermarkColumn}: the partition for date D holds the rows whose
 * watermark is after the previous published date's high mark and before D + 1 day.
 * {@code connection} names a connection in the platform config ({@code connections.<name>}).
 */
public record JdbcSource(String connection, String table, String partitionColumn, Integer partitions,
                         String watermarkColumn) implements SourceSpec {
    public JdbcSource {
        check(connection != null && !connection.isBlank(), "connection",
                "expected the name of a configured connection, e.g. 'ops'");
        check(table != null && table.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?"), "table",
                "expected a table name like 'schema.table', got '" + table + "'");
        partitions = partitions == null ? 1 : partitions;
        check(partitions >= 1 && partitions <= 64, "partitions", "expected 1..64, got " + partitions);
        check(partitions == 1 || partitionColumn != null, "partition_column",
                "expected a numeric column when partitions > 1");
    }
}
