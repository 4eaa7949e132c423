package dev.mlops.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mlops.core.testing.AthenaOnTrino;
import dev.mlops.core.testing.AthenaSql;
import dev.mlops.core.testing.TrinoServer;
import java.net.URI;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The Athena DDL and the analyst views in Trino, the engine of Athena engine 3, over the tiny lifecycle's lake
 * ({@link AthenaViewsContract}: the same checks as Spark's {@link AthenaViewsTest}). A Trino server with the Hive
 * connector over the local disk ({@link TrinoServer}, from the build's tarball, on a JDK 24+); the tables are
 * translated to Trino's DDL, their partitions registered with sync_partition_metadata, the views created as the
 * files write them ({@link AthenaOnTrino}). Then the same tables with Athena's partition projection: the views
 * return the same rows where the injected partition keys are pinned, and refuse to run where they are not.
 */
class AthenaViewsTrinoTest extends AthenaViewsContract {
    TrinoServer trino;
    AthenaOnTrino listed;
    String modelDdl;
    String modelViews;

    @Override
    String engine() {
        return "Trino";
    }

    @Override
    void assumeEngine() {
        var why = TrinoServer.unavailable(TrinoServer.defaultTarball());
        assumeTrue(why.isEmpty(), () -> "AthenaViewsTrinoTest skipped: " + why.orElseThrow());
    }

    @Override
    List<String> create(String modelDdl, String modelViews) throws Exception {
        this.modelDdl = modelDdl;
        this.modelViews = modelViews;
        long t0 = System.nanoTime();
        Path home = TrinoServer.unpack(TrinoServer.defaultTarball());
        long t1 = System.nanoTime();
        trino = TrinoServer.start(home, TrinoServer.java().orElseThrow());
        long t2 = System.nanoTime();
        listed = AthenaOnTrino.register(trino, lakePath(), modelDdl, modelViews);
        long t3 = System.nanoTime();
        System.out.printf("Trino: unpacked in %.1f s (0 when already), started in %.1f s, %d tables and %d views registered in %.1f s%n",
                (t1 - t0) / 1e9, (t2 - t1) / 1e9, listed.tables().size(), listed.viewNames().size(), (t3 - t2) / 1e9);
        return listed.viewNames();
    }

    Path lakePath() {
        return Paths.get(URI.create(lake));
    }

    @Override
    List<Row> sql(String query) {
        return listed.query(query).stream().map(r -> new Row(new ArrayList<>(r.values()))).toList();
    }

    @Override
    long readEveryColumn(String table) {
        return listed.query("SELECT * FROM ${database}." + table).size();
    }

    @AfterAll
    void stopTrino() {
        if (trino != null) {
            trino.close();
        }
    }

    @Test
    void everyViewReadsWhole() {
        long started = System.nanoTime();
        Map<String, List<Map<String, Object>>> rows = listed.views();
        System.out.printf("Trino: every view's rows read in %.1f s%n", (System.nanoTime() - started) / 1e9);
        assertThat(rows.keySet()).containsExactlyElementsOf(views);
        for (var v : rows.entrySet()) {
            assertThat((long) v.getValue().size()).as(v.getKey()).isEqualTo(sql("SELECT count(*) FROM ${database}." + v.getKey()).get(0).getLong(0));
        }
        assertThat(rows.get("drift_heatmap").get(0).keySet()).startsWith("model", "dt", "model_version", "kind", "feature").contains("drifted_flag");
    }

    /**
     * Athena's partition projection, as the DDL declares it: Trino's Hive connector reads the same table properties.
     * With the injected keys (model, dataset) pinned, every table and view returns what the listed partitions return;
     * without, the query is refused, as Athena refuses it (docs/athena.md), and only there. The predictions tables
     * project dt x model_version (2020-01-01..today x 1..500: over a million partitions since 2025), more than Trino
     * plans for one table scan (hive.max-partitions-per-scan): a query that pins neither key is refused, after about a
     * minute of projecting (measured by hand, not here), so those queries pin dt from the start.
     */
    @Test
    void withAthenasPartitionProjectionEveryViewRunsWhereItsInjectedKeysArePinned() throws Exception {
        long started = System.nanoTime();
        AthenaOnTrino projected = AthenaOnTrino.register(trino, lakePath(), AthenaOnTrino.Partitions.PROJECTED, modelDdl, modelViews);
        long registered = System.nanoTime();
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        Set<String> tooMany = new TreeSet<>();
        projected.tables().values().stream().filter(t -> t.projectedPartitions(today) > MAX_PARTITIONS_PER_SCAN).forEach(t -> tooMany.add(t.name()));
        Map<String, String> pinned = new TreeMap<>();
        for (AthenaSql.Table t : projected.tables().values()) {
            String parts = String.join(", ", t.partitions());
            pinned.put(t.name(), compare(projected, "SELECT " + parts + ", count(*) FROM ${database}." + t.name(), " GROUP BY " + parts,
                    "SELECT DISTINCT %s FROM ${database}." + t.name(), tooMany.contains(t.name())));
        }
        for (var v : projected.viewDefinitions().values()) {
            boolean readsTooMany = tooMany.stream().anyMatch(t -> v.sql().matches("(?s).*\\bFROM\\s+\\S+\\." + t + "\\b.*"));
            pinned.put(v.name(), compare(projected, "SELECT * FROM ${database}." + v.name(), "", "SELECT DISTINCT %s FROM ${database}." + v.name(),
                    readsTooMany));
        }
        pinned.values().removeIf(String::isEmpty);
        System.out.printf("Trino with partition projection: registered in %.1f s, checked in %.1f s; what a query must pin: %s%n",
                (registered - started) / 1e9, (System.nanoTime() - registered) / 1e9, pinned);
        Map<String, String> expected = new TreeMap<>(Map.of("decisions", "model", "dq_results", "dataset", "drift_metrics", "model",
                "quality_metrics", "model", "shadow_results", "model", "model_performance", "model", "label_coverage", "model",
                "drift_heatmap", "model", "validation_failures", "dataset"));
        for (String m : List.of("tt", "trip_risk", "zone_demand")) {
            expected.put("predictions_" + m, "dt");
            expected.put("served_versions_" + m, "dt");
        }
        assertThat(pinned).isEqualTo(expected);
    }

    /** Trino's default hive.max-partitions-per-scan. */
    static final long MAX_PARTITIONS_PER_SCAN = 1_000_000;

    /**
     * The rows of {@code select + group} in the projected schema are those in the listed one; where the projected
     * query is refused for an injected key, the same with that key pinned to the values the listed schema holds
     * ({@code distinct} names them); {@code pinDates}: dt pinned from the start. Returns the key(s) pinned, or "".
     */
    private String compare(AthenaOnTrino projected, String select, String group, String distinct, boolean pinDates) {
        List<String> keys = new ArrayList<>(pinDates ? List.of("dt") : List.of());
        String where = pinDates ? " WHERE " + pin("dt", String.format(distinct, "dt")) : "";
        while (true) {
            String q = select + where + group;
            try {
                assertThat(rows(projected, q)).as("projected vs listed: " + q).isEqualTo(rows(listed, q));
                return String.join(",", keys);
            } catch (IllegalStateException refused) {
                Matcher injected = Pattern.compile("Column projection for column '([^']+)' failed. Injected projection requires single predicate")
                        .matcher(refused.getMessage());
                if (!injected.find() || keys.contains(injected.group(1))) {
                    throw refused;
                }
                keys.add(injected.group(1));
                where += (where.isEmpty() ? " WHERE " : " AND ") + pin(injected.group(1), String.format(distinct, injected.group(1)));
            }
        }
    }

    /** {@code key IN (...)} of the values the listed partitions hold (an unwritten date when there are none). */
    private String pin(String key, String distinct) {
        List<String> values = listed.query(distinct).stream().map(r -> "'" + r.values().iterator().next() + "'").sorted().toList();
        return values.isEmpty() ? key + " = '2020-01-01'" : key + " IN (" + String.join(", ", values) + ")";
    }

    /** A query's rows as sorted text, doubles to 12 significant digits (sums may add up in another order). */
    private static List<String> rows(AthenaOnTrino athena, String query) {
        return athena.query(query).stream().map(r -> r.values().stream()
                .map(v -> v instanceof Double d ? String.format("%.12g", d) : String.valueOf(v)).collect(Collectors.joining("|")))
                .sorted().toList();
    }
}
