package dev.mlops.core.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The lake's Athena tables and analyst views in a {@link TrinoServer}: every table of sql/athena/*.sql and every
 * view of sql/athena/views/*.sql (plus any more DDL or views given, e.g. {@code mlops spec --athena} and
 * {@code --athena-views} of a model whose files are not in sql/athena), over a lake on the local disk, in one
 * schema ({@code ${database}}). The tables are translated to Trino's DDL ({@link AthenaSql.Table#trino}); the views
 * run as they are written.
 *
 * <p>Partitions, two ways ({@link Partitions}): Athena reads these tables through partition projection (the
 * TBLPROPERTIES), so it never lists partitions. {@link Partitions#LISTED} leaves the projection properties out and
 * registers the partitions found on disk in the metastore ({@code CALL system.sync_partition_metadata(schema,
 * table, 'FULL')}, Trino's MSCK REPAIR); every query works, as in Spark. {@link Partitions#PROJECTED} keeps them:
 * Trino's Hive connector implements Athena's projection over the same metastore parameters, including its
 * refusal of a query that does not pin an {@code injected} partition key.
 */
public final class AthenaOnTrino {
    public enum Partitions {
        /** no projection; the partitions on disk registered with sync_partition_metadata (schema {@code athena_listed}) */
        LISTED,
        /** Athena's partition projection, as the TBLPROPERTIES declare it (schema {@code athena_projected}) */
        PROJECTED
    }

    private final TrinoServer trino;
    private final String schema;
    private final Map<String, AthenaSql.Table> tables;
    private final Map<String, AthenaSql.View> views;

    private AthenaOnTrino(TrinoServer trino, String schema, Map<String, AthenaSql.Table> tables, Map<String, AthenaSql.View> views) {
        this.trino = trino;
        this.schema = schema;
        this.tables = Collections.unmodifiableMap(tables);
        this.views = Collections.unmodifiableMap(views);
    }

    /** Every table and view of sql/athena (and of {@code moreSql}) over {@code lakeRoot}, partitions {@link Partitions#LISTED}. */
    public static AthenaOnTrino register(TrinoServer trino, Path lakeRoot, String... moreSql) throws IOException {
        return register(trino, lakeRoot, Partitions.LISTED, moreSql);
    }

    /**
     * Every table and view of sql/athena and of {@code moreSql} (SQL text in the files' form: tables and views, cut
     * as the files are) over {@code lakeRoot}, in the schema {@code athena_listed} or {@code athena_projected}
     * (one registration of each per server).
     */
    public static AthenaOnTrino register(TrinoServer trino, Path lakeRoot, Partitions partitions, String... moreSql) throws IOException {
        String schema = "athena_" + partitions.name().toLowerCase();
        List<String> statements = new ArrayList<>();
        statements.addAll(AthenaSql.files(AthenaSql.athenaDir()));
        List<String> viewStatements = new ArrayList<>(AthenaSql.files(AthenaSql.athenaDir().resolve("views")));
        for (String more : moreSql) {
            for (String s : AthenaSql.statements(more)) {
                (AthenaSql.isTable(s) ? statements : viewStatements).add(s);
            }
        }
        // ${lake} as Trino's local file system names it: local:///<absolute path>
        String lake = "local://" + lakeRoot.toAbsolutePath().normalize().toString().replaceAll("/$", "");
        Map<String, AthenaSql.Table> tables = new LinkedHashMap<>();
        Map<String, AthenaSql.View> views = new LinkedHashMap<>();
        String current = "CREATE SCHEMA " + schema;
        try {
            trino.execute(current);
            for (String statement : statements) {
                current = statement;
                AthenaSql.Table t = AthenaSql.table(statement, schema, lake);
                tables.put(t.name(), t);
                boolean written = t.location().startsWith(lake + "/") && Files.isDirectory(lakeRoot.resolve(t.location().substring(lake.length() + 1)));
                if (!written) {
                    // Trino refuses an external location that does not exist on the local file system (Athena
                    // does not: a prefix without objects is an empty table); the lake stays unwritten
                    Path empty = Files.createDirectories(trino.scratch().resolve("empty").resolve(schema).resolve(t.name()));
                    trino.execute(t.trino(schema, "local://" + empty, partitions == Partitions.PROJECTED));
                    continue;
                }
                trino.execute(t.trino(schema, partitions == Partitions.PROJECTED));
                // Trino's MSCK REPAIR: the key=value folders on disk become the metastore's partitions (those
                // starting with _ or . are skipped: staging, backups)
                if (partitions == Partitions.LISTED) {
                    trino.execute("CALL system.sync_partition_metadata('" + schema + "', '" + t.name() + "', 'FULL')");
                }
            }
            for (String statement : viewStatements) {
                current = statement;
                AthenaSql.View v = AthenaSql.view(statement, schema);
                trino.execute(v.sql());
                views.put(v.name(), v);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Trino refused: " + e.getMessage() + "\nin (before translation): " + current, e);
        }
        return new AthenaOnTrino(trino, schema, tables, views);
    }

    /** The schema, what {@code ${database}} stands for. */
    public String schema() {
        return schema;
    }

    /** Table name -> the table as the DDL declares it (its location as Trino names it: local:///...). */
    public Map<String, AthenaSql.Table> tables() {
        return tables;
    }

    /** The views' names, in the order they were created. */
    public List<String> viewNames() {
        return List.copyOf(views.keySet());
    }

    /** View name -> the view as created (its SQL, ${database} filled in). */
    public Map<String, AthenaSql.View> viewDefinitions() {
        return views;
    }

    /** Every view's rows ({@code SELECT *}), by view name; fails naming the view Trino refuses. */
    public Map<String, List<Map<String, Object>>> views() {
        Map<String, List<Map<String, Object>>> out = new LinkedHashMap<>();
        for (String v : views.keySet()) {
            out.put(v, query("SELECT * FROM ${database}." + v));
        }
        return out;
    }

    /** The rows of a query, {@code ${database}} filled in; an unchecked exception with Trino's message when it fails. */
    public List<Map<String, Object>> query(String sql) {
        String q = sql.replace("${database}", schema);
        try {
            return trino.query(q);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage() + "\nin: " + q, e);
        }
    }
}
