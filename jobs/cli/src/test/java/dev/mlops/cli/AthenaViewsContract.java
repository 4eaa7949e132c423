package dev.mlops.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlops.core.lake.Manifest;
import dev.mlops.core.testing.AthenaSql;
import dev.mlops.core.testing.TestEnvironment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What the Athena DDL (sql/athena/*.sql) and the analyst views (sql/athena/views/*.sql) return over the lake a whole
 * lifecycle of the tiny model wrote ({@link TinyLifecycle}), in one SQL engine: what the jobs wrote and reported.
 * Every table's rows per partition are the rows of that partition's manifest, every column reads, and each view's
 * rows are the jobs' own JSON results. The tiny model's tables and views come from {@code mlops spec --athena} and
 * {@code --athena-views}, as the committed files of the real models do (those are created too, over no data). The
 * expectations are read from the lake's files (with Spark) and the jobs' results, never from the engine under test.
 * Spark SQL: {@link AthenaViewsTest}; Trino, the engine of Athena: {@link AthenaViewsTrinoTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AthenaViewsContract {
    static final ObjectMapper JSON = new ObjectMapper();

    TinyLifecycle life;
    /** reads the expectations from the lake's files */
    SparkSession spark;
    /** the lake root URI (file:/...) */
    String lake;
    /** table -> its LOCATION in the test lake (a file: URI). */
    final Map<String, String> tables = new LinkedHashMap<>();
    /** table -> its partition columns. */
    final Map<String, List<String>> partitions = new LinkedHashMap<>();
    /** the views the engine created. */
    final List<String> views = new ArrayList<>();

    /** A row of the engine's answer, its values as JDBC/Spark give them; the getters insist on the type. */
    record Row(List<Object> values) {
        Object get(int i) {
            return values.get(i);
        }

        String getString(int i) {
            return (String) values.get(i);
        }

        int getInt(int i) {
            return (Integer) values.get(i);
        }

        long getLong(int i) {
            return (Long) values.get(i);
        }

        double getDouble(int i) {
            return (Double) values.get(i);
        }

        boolean getBoolean(int i) {
            return (Boolean) values.get(i);
        }
    }

    /** The engine's name, for messages. */
    abstract String engine();

    /** Skips the class before the lifecycle runs where the engine cannot run here. */
    void assumeEngine() {
    }

    /**
     * Creates every table and view of sql/athena and of the tiny model's {@code modelDdl} and {@code modelViews} over
     * {@link #lake}, with the partitions on disk visible; returns the views' names.
     */
    abstract List<String> create(String modelDdl, String modelViews) throws Exception;

    /** The rows of a query, {@code ${database}} filled in. */
    abstract List<Row> sql(String query);

    /** Reads every column of every row of a table; returns how many rows. */
    abstract long readEveryColumn(String table);

    @BeforeAll
    void createTablesAndViews() throws Exception {
        assumeEngine();
        life = TinyLifecycle.get();
        spark = life.tp.platform().spark();
        lake = life.tp.platform().lake().root().toString();
        TestEnvironment.Output ddl = life.spec("--athena");
        assertThat(ddl.code()).as(ddl.err()).isZero();
        TestEnvironment.Output modelViews = life.spec("--athena-views");
        assertThat(modelViews.code()).as(modelViews.err()).isZero();
        List<String> statements = new ArrayList<>(AthenaSql.files(AthenaSql.athenaDir()));
        statements.addAll(AthenaSql.statements(ddl.out()));
        for (String statement : statements) {
            AthenaSql.Table t = AthenaSql.table(statement, "db", lake);
            tables.put(t.name(), t.location());
            partitions.put(t.name(), t.partitions());
        }
        long started = System.nanoTime();
        views.addAll(create(ddl.out(), modelViews.out()));
        System.out.printf("%s: tables %s%nviews %s%ncreated in %.1f s%n", engine(), tables.keySet(), views, (System.nanoTime() - started) / 1e9);
    }

    JsonNode result(String job, java.time.LocalDate date) {
        try {
            return JSON.readTree(life.result(job, date).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The tables the lifecycle writes to; the others (the committed models' tables) are empty here. */
    static final List<String> WRITTEN = List.of("audit_log", "decisions", "dq_results", "drift_metrics", "quality_metrics", "shadow_results",
            "raw_ev", "validated_ev", "quarantine_ev", "features_activity", "predictions_tt");

    @Test
    void everyTableHoldsPerPartitionTheRowsItsManifestCounts() throws Exception {
        Map<String, Map<String, Long>> written = new TreeMap<>();
        for (var t : tables.entrySet()) {
            Map<String, Long> expected = expectedPartitions(t.getValue());
            List<String> parts = partitions.get(t.getKey());
            Map<String, Long> actual = new TreeMap<>();
            for (Row r : sql("SELECT " + String.join(", ", parts) + ", count(*) FROM ${database}." + t.getKey() + " GROUP BY "
                    + String.join(", ", parts))) {
                StringBuilder key = new StringBuilder();
                for (int i = 0; i < parts.size(); i++) {
                    key.append(i == 0 ? "" : "/").append(parts.get(i)).append('=').append(r.get(i));
                }
                actual.put(key.toString(), r.getLong(parts.size()));
            }
            assertThat(actual).as(t.getKey() + ": rows per partition in " + engine() + " vs the partitions' manifests under " + t.getValue())
                    .isEqualTo(expected);
            // every column of every row reads with the type the DDL declares
            long total = expected.values().stream().mapToLong(Long::longValue).sum();
            assertThat(readEveryColumn(t.getKey())).as(t.getKey()).isEqualTo(total);
            if (total > 0) {
                written.put(t.getKey(), actual);
            }
        }
        System.out.println(engine() + ": rows per partition " + written);
        assertThat(written.keySet()).containsExactlyInAnyOrderElementsOf(WRITTEN);
        // the ledger's export: every entry the chain check counted, as many as the exports said they wrote
        String verify = life.runs.get("audit verify").out();
        Matcher entries = Pattern.compile("audit log: (\\d+) entries, chain intact").matcher(verify);
        assertThat(entries.find()).as(verify).isTrue();
        long exported = 0;
        for (var run : life.runs.entrySet()) {
            if (run.getKey().startsWith("audit export ")) {
                Matcher m = Pattern.compile("audit export \\S+: (\\d+) entries").matcher(run.getValue().out());
                assertThat(m.find()).as(run.getValue().out()).isTrue();
                exported += Long.parseLong(m.group(1));
            }
        }
        assertThat(sql("SELECT count(*) FROM ${database}.audit_log").get(0).getLong(0)).isEqualTo(exported)
                .isEqualTo(Long.parseLong(entries.group(1)));
        assertThat(sql("SELECT count(*) FROM ${database}.audit_log WHERE decision = 'production'").get(0).getLong(0))
                .as("the first version's deployment and the candidate's promotion").isEqualTo(2);
    }

    /**
     * "p1=v1/p2=v2" -> rows of every partition under a table's location: its manifest's row count
     * where a job published it, else (the fixture's validated events, written directly) the rows of
     * its Parquet files. Empty partitions are left out (a GROUP BY has no row for them).
     */
    Map<String, Long> expectedPartitions(String location) throws IOException {
        Path dir = Paths.get(URI.create(location));
        Map<String, Long> out = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        List<Path> leaves;
        try (Stream<Path> s = Files.walk(dir)) {
            // as Spark and Athena do, skip what starts with _ or . (staging, backups)
            leaves = s.filter(Files::isDirectory).filter(d -> !d.equals(dir))
                    .filter(d -> java.util.stream.StreamSupport.stream(dir.relativize(d).spliterator(), false)
                            .noneMatch(p -> p.toString().startsWith("_") || p.toString().startsWith(".")))
                    .filter(AthenaViewsContract::hasDataFiles).toList();
        }
        for (Path leaf : leaves) {
            Path manifest = leaf.resolve(Manifest.FILE_NAME);
            long rows = Files.exists(manifest) ? Manifest.fromJson(Files.readString(manifest)).rows()
                    : spark.read().parquet(leaf.toUri().toString()).count();
            if (rows > 0) {
                out.put(dir.relativize(leaf).toString(), rows);
            }
        }
        return out;
    }

    private static boolean hasDataFiles(Path d) {
        try (Stream<Path> s = Files.list(d)) {
            return s.anyMatch(f -> Files.isRegularFile(f) && !f.getFileName().toString().startsWith("_")
                    && !f.getFileName().toString().startsWith("."));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void everyViewIsCreatedFromTheFiles() {
        assertThat(views).containsExactlyInAnyOrder("model_performance", "drift_heatmap", "served_versions_zone_demand",
                "served_versions_trip_risk", "served_versions_tt", "validation_failures", "label_coverage");
        // the committed models' views run over their (here empty) tables; the others' rows are checked below
        for (String v : views) {
            long rows = sql("SELECT count(*) FROM ${database}." + v).get(0).getLong(0);
            if (v.endsWith("zone_demand") || v.endsWith("trip_risk")) {
                assertThat(rows).as(v).isZero();
            } else {
                assertThat(rows).as(v).isPositive();
            }
        }
    }

    @Test
    void validationFailuresAreTheValidateRunsCounts() {
        JsonNode ev = result("validate", TinyLifecycle.EXTRA).path("counts").path("ev");
        List<Row> rows = sql("SELECT dt, dataset, model, checks, passed, failed, failed_errors, failed_warnings FROM ${database}.validation_failures");
        assertThat(rows).hasSize(1);
        Row r = rows.get(0);
        assertThat(List.of(r.getString(0), r.getString(1), r.getString(2))).containsExactly(TinyLifecycle.EXTRA.toString(), "ev", "tt");
        assertThat(r.getLong(3)).isEqualTo(ev.path("checks").asLong()).isEqualTo(4);
        assertThat(r.getLong(4)).isEqualTo(ev.path("checks_passed").asLong());
        assertThat(r.getLong(5)).isEqualTo(ev.path("checks").asLong() - ev.path("checks_passed").asLong());
        assertThat(r.getLong(6)).isEqualTo(ev.path("errors").asLong()).isZero();
        assertThat(r.getLong(7)).isEqualTo(ev.path("warnings").asLong()).isEqualTo(1);   // the fixture's max check
    }

    @Test
    void modelPerformanceIsWhatTheQualityRunReported() {
        JsonNode evaluated = result("quality", TinyLifecycle.LAST).path("counts").path("evaluated");
        assertThat(evaluated.size()).isPositive();
        Map<String, Double> expected = new TreeMap<>();
        Map<String, Long> labelled = new TreeMap<>();
        for (JsonNode d : evaluated) {
            String at = d.path("date").asText() + " v" + d.path("model_version").asInt();
            d.path("metrics").fields().forEachRemaining(m -> expected.put(at + " " + m.getKey(), m.getValue().asDouble()));
            labelled.put(at, d.path("labelled").asLong());
        }
        assertThat(expected).containsKeys(evaluated.get(0).path("date").asText() + " v1 rmse");
        Map<String, Double> actual = new TreeMap<>();
        Map<String, Long> actualLabelled = new TreeMap<>();
        for (Row r : sql("SELECT dt, model_version, metric, value, labelled FROM ${database}.model_performance WHERE model = 'tt' AND segment = 'all'")) {
            actual.put(r.getString(0) + " v" + r.getInt(1) + " " + r.getString(2), r.getDouble(3));
            actualLabelled.put(r.getString(0) + " v" + r.getInt(1), r.getLong(4));
        }
        assertThat(actual).isEqualTo(expected);
        assertThat(actualLabelled).isEqualTo(labelled);
        // every segment's metrics, none of the counts: the table's rows read directly, less the counts
        long metrics = spark.read().parquet(lake + "/quality_metrics").where("metric NOT IN ('predictions', 'labelled', 'label_coverage')").count();
        assertThat(sql("SELECT count(*) FROM ${database}.model_performance").get(0).getLong(0)).isEqualTo(metrics).isGreaterThan(expected.size());
    }

    @Test
    void labelCoverageIsWhatTheQualityRunReported() {
        JsonNode evaluated = result("quality", TinyLifecycle.LAST).path("counts").path("evaluated");
        List<String> expected = new ArrayList<>();
        for (JsonNode d : evaluated) {
            expected.add(d.path("date").asText() + " v" + d.path("model_version").asInt() + " " + d.path("predictions").asLong() + " "
                    + d.path("labelled").asLong() + " " + d.path("label_coverage").asDouble());
        }
        List<String> actual = new ArrayList<>();
        for (Row r : sql("SELECT dt, model_version, predictions, labelled, label_coverage FROM ${database}.label_coverage"
                + " WHERE model = 'tt' AND segment = 'all' ORDER BY dt, model_version")) {
            actual.add(r.getString(0) + " v" + r.getInt(1) + " " + r.getLong(2) + " " + r.getLong(3) + " " + r.getDouble(4));
        }
        assertThat(actual).isEqualTo(expected).isNotEmpty();
        // one row per date, version and segment; the slice's segments add up to the whole
        long segments = spark.read().parquet(lake + "/quality_metrics").select("dt", "model_version", "segment").distinct().count();
        assertThat(sql("SELECT count(*) FROM ${database}.label_coverage").get(0).getLong(0)).isEqualTo(segments).isEqualTo(3);
        Row slices = sql("SELECT sum(predictions), sum(labelled) FROM ${database}.label_coverage WHERE segment LIKE 'part_of_day=%'").get(0);
        assertThat(List.of(slices.getLong(0), slices.getLong(1)))
                .containsExactly(evaluated.get(0).path("predictions").asLong(), evaluated.get(0).path("labelled").asLong());
    }

    @Test
    void theDriftHeatmapIsWhatTheQualityRunReported() {
        JsonNode drift = result("quality", TinyLifecycle.LAST).path("counts").path("drift");
        assertThat(drift.path("judged").asBoolean()).isTrue();
        List<String> drifted = new ArrayList<>();
        drift.path("drifted").forEach(f -> drifted.add(f.asText()));
        List<Row> features = sql("SELECT feature, drifted_flag, psi, drifted FROM ${database}.drift_heatmap"
                + " WHERE model = 'tt' AND kind = 'feature' AND dt = '" + TinyLifecycle.LAST + "'");
        assertThat(features).hasSize(drift.path("features").asInt());
        assertThat(features.stream().filter(r -> r.getInt(1) == 1).map(r -> r.getString(0)).toList())
                .containsExactlyInAnyOrderElementsOf(drifted).isNotEmpty();
        assertThat(features).allMatch(r -> (r.getInt(1) == 1) == r.getBoolean(3));
        for (Row r : features) {
            JsonNode detail = drift.path("drifted_detail").path(r.getString(0));
            if (!detail.isMissingNode()) {
                assertThat(r.getDouble(2)).as(r.getString(0)).isEqualTo(detail.path("psi").asDouble());
            }
        }
        // every cell, not only the features: the prediction, slices and time features too
        assertThat(sql("SELECT count(*) FROM ${database}.drift_heatmap").get(0).getLong(0))
                .isEqualTo(spark.read().parquet(lake + "/drift_metrics").count()).isGreaterThan(features.size());
        Row share = sql("SELECT sum(drifted_flag), count(*) FROM ${database}.drift_heatmap WHERE kind = 'feature'").get(0);
        assertThat((double) share.getLong(0) / share.getLong(1)).isEqualTo(drift.path("drifted_share").asDouble());
    }

    @Test
    void theServedVersionIsTheProductionVersionTransformScoredWith() {
        JsonNode versions = result("transform", TinyLifecycle.BEFORE).path("counts").path("versions");
        JsonNode production = versions.path("production");
        assertThat(versions.path("candidate").path("rows").asLong()).as("the candidate scored the day too").isPositive();
        List<Row> rows = sql("SELECT dt, model, model_version, predictions, mean_score FROM ${database}.served_versions_tt");
        assertThat(rows).hasSize(1);   // the candidate's predictions are in predictions_tt, but were not served
        Row r = rows.get(0);
        assertThat(List.of(r.getString(0), r.getString(1))).containsExactly(TinyLifecycle.BEFORE.toString(), "tt");
        assertThat(r.getInt(2)).isEqualTo(production.path("version").asInt()).isEqualTo(1);
        assertThat(r.getLong(3)).isEqualTo(production.path("rows").asLong()).isPositive();
        assertThat(r.getDouble(4)).isCloseTo(production.path("mean_score").asDouble(), offset(1e-9));
        assertThat(sql("SELECT count(*) FROM ${database}.predictions_tt").get(0).getLong(0))
                .isEqualTo(production.path("rows").asLong() + versions.path("candidate").path("rows").asLong());
    }
}
