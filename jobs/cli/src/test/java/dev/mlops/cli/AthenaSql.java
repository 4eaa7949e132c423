package dev.mlops.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Athena SQL of sql/athena as Spark SQL runs it. Statements are cut the way the Terraform athena
 * module cuts them (comment lines dropped, then at a ';' that ends a line). A table's Hive DDL becomes
 * the same table as a Spark data source table, the one rewrite Spark needs without a Hive metastore:
 * {@code CREATE EXTERNAL TABLE ... STORED AS PARQUET} is {@code CREATE TABLE ... USING parquet}
 * (columns, types, comments, partition columns, location and table properties stay as they are; Spark
 * keeps the projection properties but does not use them, hence MSCK REPAIR TABLE). Views run as they
 * are written: they are meant to be SQL both engines accept. {@code ${database}} and {@code ${lake}}
 * are filled in as Terraform does.
 */
final class AthenaSql {
    private static final Pattern TABLE = Pattern.compile(
            "(?is)^CREATE\\s+EXTERNAL\\s+TABLE\\s+IF\\s+NOT\\s+EXISTS\\s+\\$\\{database}\\.([A-Za-z0-9_]+)\\s*\\(.*");
    private static final Pattern PARTITIONED = Pattern.compile("(?m)^PARTITIONED BY \\(([^)]*)\\)$");
    private static final Pattern LOCATION = Pattern.compile("(?m)^LOCATION '([^']*)'$");
    private static final Pattern VIEW = Pattern.compile("(?is)^CREATE\\s+OR\\s+REPLACE\\s+VIEW\\s+\\$\\{database}\\.([A-Za-z0-9_]+)\\s+AS\\s.*");

    private AthenaSql() {
    }

    /** A table: its name, LOCATION, partition columns and the Spark statement that creates it. */
    record Table(String name, String location, List<String> partitions, String spark) {
    }

    /** A view: its name and its statement. */
    record View(String name, String sql) {
    }

    /** The statements of a file: comment lines dropped, cut at a ';' that ends a line. */
    static List<String> statements(String text) {
        StringBuilder code = new StringBuilder();
        text.lines().filter(l -> !l.strip().startsWith("--")).forEach(l -> code.append(l.stripTrailing()).append('\n'));
        List<String> out = new ArrayList<>();
        for (String s : (code + "\n").split(";\n")) {
            if (!s.isBlank()) {
                out.add(s.strip());
            }
        }
        return out;
    }

    /** A CREATE EXTERNAL TABLE statement as a Spark data source table in {@code database}, over {@code lake}. */
    static Table table(String statement, String database, String lake) {
        Matcher m = TABLE.matcher(statement);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.<name> (...) statement:\n" + statement);
        }
        String sql = statement.replace("${database}", database).replace("${lake}", lake);
        Matcher loc = LOCATION.matcher(sql);
        Matcher part = PARTITIONED.matcher(sql);
        if (!loc.find() || !part.find()) {
            throw new IllegalArgumentException("no LOCATION '...' or PARTITIONED BY (...) line in\n" + statement);
        }
        List<String> partitions = Arrays.stream(part.group(1).split(",")).map(p -> p.strip().split("\\s+")[0]).toList();
        String spark = once(once(once(sql, "CREATE EXTERNAL TABLE", "CREATE TABLE"), "\nSTORED AS PARQUET\n", "\n"), "\n)\n", "\n) USING parquet\n");
        return new Table(m.group(1), loc.group(1), partitions, spark);
    }

    /** A CREATE OR REPLACE VIEW statement in {@code database}. */
    static View view(String statement, String database) {
        Matcher m = VIEW.matcher(statement);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a CREATE OR REPLACE VIEW ${database}.<name> AS ... statement:\n" + statement);
        }
        return new View(m.group(1), statement.replace("${database}", database));
    }

    private static String once(String text, String what, String with) {
        int at = text.indexOf(what);
        if (at < 0 || text.indexOf(what, at + 1) >= 0) {
            throw new IllegalArgumentException("expected '" + what.replace("\n", "\\n") + "' once in\n" + text);
        }
        return text.substring(0, at) + with + text.substring(at + what.length());
    }
}
