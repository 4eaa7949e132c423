package dev.mlops.core.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The Athena SQL of sql/athena as other engines run it. Statements are cut the way the Terraform athena
 * module cuts them (comment lines dropped, then at a ';' that ends a line). {@code ${database}} and
 * {@code ${lake}} are filled in as Terraform does. Views run as they are written: they are meant to be SQL
 * that Athena (Trino) and Spark SQL both accept. A table's Hive DDL is translated, and only as far as each
 * engine needs:
 * <ul>
 * <li>{@link Table#spark}: Spark without a Hive metastore, a data source table: {@code CREATE EXTERNAL TABLE
 * ... STORED AS PARQUET} becomes {@code CREATE TABLE ... USING parquet}; columns, types, comments, partition
 * columns, location and table properties stay as they are (Spark keeps the projection properties but does not
 * use them, hence MSCK REPAIR TABLE).
 * <li>{@link Table#trino}: Trino's Hive connector has its own DDL, not Hive's (Athena runs DDL on a Hive-based
 * engine, queries on Trino): quoted names in double quotes, Trino's type names, the partition columns last in
 * the column list and named in {@code partitioned_by}, {@code format} and {@code external_location} for STORED
 * AS and LOCATION, and the TBLPROPERTIES (partition projection) as {@code extra_properties}, which Trino stores
 * verbatim as the table's metastore parameters, as Athena's DDL does in Glue.
 * </ul>
 */
public final class AthenaSql {
    private static final Pattern TABLE = Pattern.compile(
            "(?is)^CREATE\\s+EXTERNAL\\s+TABLE\\s+IF\\s+NOT\\s+EXISTS\\s+\\$\\{database}\\.([A-Za-z0-9_]+)\\s*\\(\n(.*?)\n\\)\n(.*)");
    private static final Pattern PARTITIONED = Pattern.compile("(?m)^PARTITIONED BY \\(([^)]*)\\)$");
    private static final Pattern LOCATION = Pattern.compile("(?m)^LOCATION '([^']*)'$");
    private static final Pattern TABLE_COMMENT = Pattern.compile("(?m)^COMMENT '((?:[^'\\\\]|\\\\.)*)'$");
    private static final Pattern PROPERTY = Pattern.compile("'([^']*)'\\s*=\\s*'([^']*)'");
    /** One column line of the DDL: name (plain or in backticks), type, optional COMMENT. */
    private static final Pattern COLUMN = Pattern.compile(
            "\\s*(`[^`]+`|[A-Za-z_][A-Za-z0-9_]*)\\s+([A-Za-z]+(?:<[^>]*>)?)(?:\\s+COMMENT\\s+'((?:[^'\\\\]|\\\\.)*)')?\\s*,?\\s*");
    private static final Pattern VIEW = Pattern.compile("(?is)^CREATE\\s+OR\\s+REPLACE\\s+VIEW\\s+\\$\\{database}\\.([A-Za-z0-9_]+)\\s+AS\\s.*");

    private AthenaSql() {
    }

    /** A column of a table's DDL: its name, its Hive type, its comment (or null). */
    public record Column(String name, String type, String comment) {
    }

    /**
     * A table: its name, LOCATION (${lake} filled in), partition columns, the Spark statement that creates it,
     * and what the Trino statement is made of.
     */
    public record Table(String name, String location, List<String> partitions, String spark, List<Column> columns,
            List<Column> partitionColumns, String comment, Map<String, String> properties) {

        /**
         * The table in Trino's DDL, in {@code schema} of the current catalog (its location as Trino's file system
         * names it: {@code ${lake}} was filled in with e.g. local:///...), with the TBLPROPERTIES (partition
         * projection) or without them ({@code projection} false: the partitions the metastore lists).
         */
        public String trino(String schema, boolean projection) {
            return trino(schema, location, projection);
        }

        /**
         * How many partitions Athena's projection makes of the table when a query pins none of its keys (an injected
         * key counts once, for the one value it must be pinned to), on {@code today} (NOW); 0 without projection.
         */
        public long projectedPartitions(LocalDate today) {
            if (!"true".equalsIgnoreCase(properties.getOrDefault("projection.enabled", "false"))) {
                return 0;
            }
            long n = 1;
            for (String key : partitions) {
                String type = properties.getOrDefault("projection." + key + ".type", "");
                String range = properties.getOrDefault("projection." + key + ".range", "");
                String[] ends = range.split(",");
                n *= switch (type) {
                    case "date" -> {
                        if (!"yyyy-MM-dd".equals(properties.get("projection." + key + ".format")) || properties.containsKey("projection." + key + ".interval")) {
                            throw new IllegalArgumentException(name + "." + key + ": only daily yyyy-MM-dd dates are counted");
                        }
                        LocalDate from = LocalDate.parse(ends[0].strip());
                        LocalDate to = ends[1].strip().equals("NOW") ? today : LocalDate.parse(ends[1].strip());
                        yield ChronoUnit.DAYS.between(from, to) + 1;
                    }
                    case "integer" -> Long.parseLong(ends[1].strip()) - Long.parseLong(ends[0].strip()) + 1;
                    case "enum" -> properties.getOrDefault("projection." + key + ".values", "").split(",").length;
                    case "injected" -> 1;
                    default -> throw new IllegalArgumentException(name + "." + key + ": projection type '" + type + "'");
                };
            }
            return n;
        }

        /** {@link #trino(String, boolean)} over another folder (Trino refuses a local location that does not exist). */
        public String trino(String schema, String location, boolean projection) {
            List<String> cols = new ArrayList<>();
            for (Column c : columns) {
                cols.add("  " + quote(c.name()) + " " + trinoType(c.type()) + (c.comment() == null ? "" : " COMMENT " + trinoLiteral(c.comment())));
            }
            for (Column c : partitionColumns) {
                cols.add("  " + quote(c.name()) + " " + trinoType(c.type()));
            }
            List<String> with = new ArrayList<>(List.of("external_location = " + trinoLiteral(location), "format = 'PARQUET'",
                    "partitioned_by = ARRAY[" + partitions.stream().map(AthenaSql::trinoLiteral).collect(Collectors.joining(", ")) + "]"));
            if (projection && !properties.isEmpty()) {
                Map<String, String> props = properties;
                with.add("extra_properties = MAP(ARRAY[" + props.keySet().stream().map(AthenaSql::trinoLiteral).collect(Collectors.joining(", "))
                        + "], ARRAY[" + props.values().stream().map(AthenaSql::trinoLiteral).collect(Collectors.joining(", ")) + "])");
            }
            return "CREATE TABLE " + quote(schema) + "." + quote(name) + " (\n" + String.join(",\n", cols) + "\n)\n"
                    + (comment == null ? "" : "COMMENT " + trinoLiteral(comment) + "\n") + "WITH (\n  " + String.join(",\n  ", with) + "\n)";
        }
    }

    /** A view: its name and its statement. */
    public record View(String name, String sql) {
    }

    /** The repository's sql/athena (its views in views/). */
    public static Path athenaDir() {
        return TestEnvironment.specsDir().getParent().getParent().resolve("sql/athena");
    }

    /** The statements of every .sql file of a folder, file by file in name order. */
    public static List<String> files(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".sql")).sorted().toList()) {
                out.addAll(statements(Files.readString(f)));
            }
        }
        return out;
    }

    /** The statements of a file: comment lines dropped, cut at a ';' that ends a line. */
    public static List<String> statements(String text) {
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

    public static boolean isTable(String statement) {
        return TABLE.matcher(statement).matches();
    }

    /** A CREATE EXTERNAL TABLE statement in {@code database}, over {@code lake}. */
    public static Table table(String statement, String database, String lake) {
        Matcher m = TABLE.matcher(statement);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.<name> (\n...\n)\n... statement:\n" + statement);
        }
        String sql = statement.replace("${database}", database).replace("${lake}", lake);
        String tail = m.group(3).replace("${lake}", lake);
        Matcher loc = LOCATION.matcher(tail);
        Matcher part = PARTITIONED.matcher(tail);
        if (!loc.find() || !part.find()) {
            throw new IllegalArgumentException("no LOCATION '...' or PARTITIONED BY (...) line in\n" + statement);
        }
        List<Column> columns = m.group(2).lines().map(l -> column(l, statement)).toList();
        List<Column> partitionColumns = Arrays.stream(part.group(1).split(",")).map(p -> column(p, statement)).toList();
        Matcher comment = TABLE_COMMENT.matcher(tail);
        Map<String, String> properties = new LinkedHashMap<>();
        int props = tail.indexOf("TBLPROPERTIES");
        if (props >= 0) {
            Matcher p = PROPERTY.matcher(tail.substring(props));
            while (p.find()) {
                properties.put(p.group(1), p.group(2));
            }
        }
        String spark = once(once(once(sql, "CREATE EXTERNAL TABLE", "CREATE TABLE"), "\nSTORED AS PARQUET\n", "\n"), "\n)\n", "\n) USING parquet\n");
        return new Table(m.group(1), loc.group(1), partitionColumns.stream().map(Column::name).toList(), spark, columns, partitionColumns,
                comment.find() ? hiveText(comment.group(1)) : null, properties);
    }

    private static Column column(String line, String statement) {
        Matcher c = COLUMN.matcher(line);
        if (!c.matches()) {
            throw new IllegalArgumentException("cannot read the column '" + line.strip() + "' of\n" + statement);
        }
        return new Column(c.group(1).replace("`", ""), c.group(2).toLowerCase(), c.group(3) == null ? null : hiveText(c.group(3)));
    }

    /** A CREATE OR REPLACE VIEW statement in {@code database}. */
    public static View view(String statement, String database) {
        Matcher m = VIEW.matcher(statement);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a CREATE OR REPLACE VIEW ${database}.<name> AS ... statement:\n" + statement);
        }
        return new View(m.group(1), statement.replace("${database}", database));
    }

    /** A Hive type as Trino names it: string is varchar, int is integer, array&lt;t&gt; is array(t), map&lt;k,v&gt; is map(k, v). */
    static String trinoType(String hive) {
        String t = hive.strip().toLowerCase();
        if (t.startsWith("array<") && t.endsWith(">")) {
            return "array(" + trinoType(t.substring(6, t.length() - 1)) + ")";
        }
        if (t.startsWith("map<") && t.endsWith(">")) {
            String[] kv = t.substring(4, t.length() - 1).split(",", 2);
            return "map(" + trinoType(kv[0]) + ", " + trinoType(kv[1]) + ")";
        }
        return switch (t) {
            case "string" -> "varchar";
            case "int" -> "integer";
            case "bigint", "smallint", "tinyint", "double", "boolean", "date", "timestamp" -> t;
            case "float" -> "real";
            default -> throw new IllegalArgumentException("no Trino type for the Hive type " + hive);
        };
    }

    /** The text of a Hive string literal's body: Hive (and Athena's DDL) escape with a backslash. */
    private static String hiveText(String body) {
        return body.replaceAll("\\\\(.)", "$1");
    }

    /** A Trino (standard SQL) string literal: a quote is doubled, a backslash is just a backslash. */
    static String trinoLiteral(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    private static String quote(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    private static String once(String text, String what, String with) {
        int at = text.indexOf(what);
        if (at < 0 || text.indexOf(what, at + 1) >= 0) {
            throw new IllegalArgumentException("expected '" + what.replace("\n", "\\n") + "' once in\n" + text);
        }
        return text.substring(0, at) + with + text.substring(at + what.length());
    }
}
