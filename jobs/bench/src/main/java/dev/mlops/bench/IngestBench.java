package dev.mlops.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.zaxxer.hikari.HikariDataSource;
import dev.mlops.core.Platform;
import dev.mlops.core.batch.RunIdentity;
import dev.mlops.core.batch.RunSupport;
import dev.mlops.core.config.ConfigLoader;
import dev.mlops.core.config.PlatformConfig;
import dev.mlops.core.db.Databases;
import dev.mlops.core.db.LocalPostgres;
import dev.mlops.core.result.JobResult;
import dev.mlops.core.spark.SparkSessions;
import dev.mlops.core.spec.ColumnSpec;
import dev.mlops.core.spec.DatasetSpec;
import dev.mlops.core.spec.LoadedSpec;
import dev.mlops.ingest.IngestJob;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Ingest throughput next to a raw Spark CSV-to-Parquet conversion of the same files, measured
 * in the same JVM and run (the ratio is what to compare across machines, not the rows/s).
 *
 * <p>Writes {@code BENCH_ROWS} (default 10,000,000) synthetic {@code rentals} rows of
 * {@code zone_demand} as CSV into a temporary landing area, warms both paths up at 1% scale
 * (at least 20,000 rows), then times: baseline, ingest, baseline again. The baseline is
 * {@code spark.read().option("header","true").schema(typed).csv(dir).write().parquet(out)}; the
 * candidate is the real ingest job (Spring Batch, embedded PostgreSQL metadata, staging,
 * quarantine, manifests, publish) for dataset {@code rentals} only. Prints a table, writes
 * {@code jobs/bench/target/results/ingest.json}, exits 1 if a run fails or loses rows.
 */
public final class IngestBench {
    static final String MODEL = "zone_demand";
    static final String DATASET = "rentals";
    static final LocalDate DATE = LocalDate.of(2024, 3, 4);
    static final LocalDate WARMUP_DATE = DATE.minusDays(1);
    static final long DEFAULT_ROWS = 10_000_000L;
    static final long WARMUP_MIN_ROWS = 20_000L;
    static final int FILES = 8;
    static final long SEED = 20240304L;

    private final long rows;
    private final Path repo;
    private final Path tmp;
    private final PrintWriter out = new PrintWriter(System.out, true);

    private IngestBench(long rows, Path repo, Path tmp) {
        this.rows = rows;
        this.repo = repo;
        this.tmp = tmp;
    }

    public static void main(String[] args) {
        BenchMain.run("mlops-bench-", tmp -> {
            long rows = rowsFromEnv();
            new IngestBench(rows, findRepo(), tmp).run();
        });
    }

    /** A benchmark run that did not do what it must (the ingest failed or lost rows). */
    static final class BenchFailure extends RuntimeException {
        BenchFailure(String message) {
            super(message);
        }
    }

    static long rowsFromEnv() {
        String v = System.getenv("BENCH_ROWS");
        if (v == null || v.isBlank()) {
            return DEFAULT_ROWS;
        }
        try {
            long n = Long.parseLong(v.trim().replace("_", "").replace(",", ""));
            if (n < 1000) {
                throw new BenchFailure("BENCH_ROWS must be at least 1000, got " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new BenchFailure("BENCH_ROWS must be a number of rows, got '" + v + "'");
        }
    }

    /** The repository root: the first directory upwards from the working directory that holds dags/models. */
    static Path findRepo() {
        Path start = Paths.get("").toAbsolutePath().normalize();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("dags").resolve("models"))) {
                return p;
            }
        }
        throw new BenchFailure("cannot find the repository root (a directory with dags/models) above " + start);
    }

    private void run() throws IOException {
        Path landing = tmp.resolve("landing");
        Path lake = tmp.resolve("lake");
        Path home = tmp.resolve("home");
        Path baselineOut = tmp.resolve("baseline");
        Files.createDirectories(home);
        PlatformConfig config = ConfigLoader.load(Map.of(), home, null, Map.of(
                "specs.dir", repo.resolve("dags").resolve("models").toString(),
                "landing.uri", landing.toUri().toString(),
                "lake.uri", lake.toUri().toString()));

        LoadedSpec spec = new dev.mlops.core.spec.SpecRepository(config.specsDir()).load(MODEL);
        DatasetSpec rentals = spec.spec().dataset(DATASET);
        List<String> specColumns = rentals.columns().stream().map(ColumnSpec::name).toList();
        if (!specColumns.equals(RentalsCsv.COLUMNS)) {
            throw new BenchFailure("the columns of " + MODEL + "/" + DATASET + " in " + spec.file() + " are " + specColumns
                    + ", the generator writes " + RentalsCsv.COLUMNS + ": update RentalsCsv");
        }
        StructType typed = typedSchema(rentals);

        // 1% of the rows, but at least 20,000 (a smaller warm-up leaves the JIT cold and the first baseline run 2x slow)
        long warmRows = Math.min(rows, Math.max(WARMUP_MIN_ROWS, rows / 100));
        long t0 = System.nanoTime();
        RentalsCsv.Written warm = RentalsCsv.write(landing.resolve(DATASET).resolve(WARMUP_DATE.toString()), WARMUP_DATE, warmRows, FILES, SEED + 1);
        RentalsCsv.Written data = RentalsCsv.write(landing.resolve(DATASET).resolve(DATE.toString()), DATE, rows, FILES, SEED);
        double genSeconds = Measure.seconds(t0);
        System.err.printf(Locale.ROOT, "bench: wrote %,d + %,d (warm-up) rows, %s, in %.1fs to %s%n",
                data.rows(), warm.rows(), mb(data.bytes() + warm.bytes()), genSeconds, landing);

        LocalPostgres pg = null;
        HikariDataSource pool = null;
        SparkSession spark = null;
        try (HeapSampler heap = new HeapSampler()) {
            pg = LocalPostgres.startEphemeral();
            pool = Databases.pool(pg.target("mlops"), "bench", 4);
            Databases.migrate(pool);
            spark = SparkSessions.create(config, "mlops-bench");
            SparkActivity activity = new SparkActivity(spark.sparkContext());
            spark.sparkContext().addSparkListener(activity);
            Platform platform = Platform.builder(config).spark(spark).metadata(pool).build();

            // warm-up: JIT, Spark codegen, class loading, Spring Batch's first use of the metadata database
            System.err.println("bench: warm-up at " + warmRows + " rows");
            Timed warmBaseline = baseline(spark, typed, warm, baselineOut.resolve("warmup"), activity, heap);
            Timed warmIngest = ingest(platform, spec, WARMUP_DATE, warm, activity, heap);

            System.err.println("bench: timed runs at " + rows + " rows: baseline, ingest, baseline");
            Timed b1 = baseline(spark, typed, data, baselineOut.resolve("run1"), activity, heap);
            Timed ingest = ingest(platform, spec, DATE, data, activity, heap);
            Timed b2 = baseline(spark, typed, data, baselineOut.resolve("run2"), activity, heap);

            report(spark, data, warm, genSeconds, warmBaseline, warmIngest, b1, ingest, b2, heap.maxHeap());
            platform.close();
        } finally {
            if (spark != null) {
                spark.stop();
            }
            if (pool != null) {
                pool.close();
            }
            if (pg != null) {
                pg.close();
            }
        }
    }

    /** One timed run. */
    record Timed(String what, long rows, double seconds, double cpuSeconds, long peakHeap, long peakHeapAfterGc, int sparkJobs, long sparkJobMs,
                 List<Map<String, Object>> stages, Map<String, Object> details) {
        double rowsPerSecond() {
            return rows / seconds;
        }
    }


    private Timed baseline(SparkSession spark, StructType typed, RentalsCsv.Written in, Path outDir, SparkActivity activity, HeapSampler heap) {
        Measure.settle();
        activity.reset();
        heap.reset();
        long c0 = Measure.processCpuNanos();
        long t0 = System.nanoTime();
        spark.read().option("header", "true").schema(typed).csv(in.dir().toUri().toString())
                .write().parquet(outDir.toUri().toString());
        double s = Measure.seconds(t0);
        double cpu = (Measure.processCpuNanos() - c0) / 1e9;
        long[] peaks = heap.peaks();
        activity.drain();
        int jobs = activity.jobCount();
        long jobMs = activity.jobWallMs();
        List<Map<String, Object>> stages = activity.stagesByName();
        long written = spark.read().parquet(outDir.toUri().toString()).count();
        if (written != in.rows()) {
            throw new BenchFailure("baseline wrote " + written + " rows, expected " + in.rows());
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("output_bytes", treeSize(outDir));
        deleteTree(outDir);
        return new Timed("baseline", in.rows(), s, cpu, peaks[0], peaks[1], jobs, jobMs, stages, details);
    }

    private Timed ingest(Platform platform, LoadedSpec spec, LocalDate date, RentalsCsv.Written in, SparkActivity activity, HeapSampler heap) {
        Measure.settle();
        activity.reset();
        heap.reset();
        StringWriter outText = new StringWriter();
        StringWriter errText = new StringWriter();
        long c0 = Measure.processCpuNanos();
        long t0 = System.nanoTime();
        IngestJob job = new IngestJob(platform, spec, date, List.of(DATASET), null);
        JobResult result = RunSupport.execute(platform, new RunIdentity(IngestJob.NAME, MODEL, date), job, Map.of(),
                new PrintWriter(outText, true), new PrintWriter(errText, true));
        double s = Measure.seconds(t0);
        double cpu = (Measure.processCpuNanos() - c0) / 1e9;
        long[] peaks = heap.peaks();
        activity.drain();
        int jobs = activity.jobCount();
        long jobMs = activity.jobWallMs();
        List<Map<String, Object>> stages = activity.stagesByName();
        String summary = outText.toString().trim();
        if (result.exitCode() != 0) {
            throw new BenchFailure("ingest " + MODEL + " " + date + " exited " + result.exitCode() + ": " + summary
                    + (errText.toString().isBlank() ? "" : "\n" + errText.toString().trim()));
        }
        long good = number(result.counts().get("rows"));
        long quarantined = number(result.counts().get("quarantined"));
        if (good + quarantined != in.rows()) {
            throw new BenchFailure("ingest lost rows: raw " + good + " + quarantined " + quarantined + " = " + (good + quarantined)
                    + ", expected " + in.rows() + " (" + summary + ")");
        }
        if (quarantined != in.malformed()) {
            throw new BenchFailure("ingest quarantined " + quarantined + " rows, the generator wrote " + in.malformed() + " malformed ones");
        }
        Path rawPartition = Paths.get(platform.lake().partition("raw", DATASET, date).toUri());
        long published = platform.spark().read().parquet(rawPartition.toUri().toString()).count();
        if (published != good) {
            throw new BenchFailure("the published raw partition holds " + published + " rows, the job reported " + good);
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("raw_rows", good);
        details.put("quarantined_rows", quarantined);
        details.put("output_bytes", treeSize(rawPartition));
        details.put("summary", summary);
        return new Timed("ingest", in.rows(), s, cpu, peaks[0], peaks[1], jobs, jobMs, stages, details);
    }

    private void report(SparkSession spark, RentalsCsv.Written data, RentalsCsv.Written warm, double genSeconds,
                        Timed warmBaseline, Timed warmIngest, Timed b1, Timed ingest, Timed b2, long maxHeap) throws IOException {
        Timed best = b1.seconds() <= b2.seconds() ? b1 : b2;
        String bestName = best == b1 ? "run 1" : "run 2";
        double ratio = ingest.rowsPerSecond() / best.rowsPerSecond();
        double ratioMean = ingest.rowsPerSecond() / (2 * data.rows() / (b1.seconds() + b2.seconds()));
        double cpuRatio = Math.min(b1.cpuSeconds(), b2.cpuSeconds()) / ingest.cpuSeconds();
        int cores = Runtime.getRuntime().availableProcessors();

        out.printf(Locale.ROOT, "%nIngest benchmark: %s/%s, %,d rows in %d CSV files (%s), %,d malformed (%.2f%%)%n",
                MODEL, DATASET, data.rows(), data.files().size(), mb(data.bytes()), data.malformed(), 100.0 * data.malformed() / data.rows());
        out.printf(Locale.ROOT, "Spark %s, master %s, %d cores, max heap %s; warm-up at %,d rows first%n%n",
                spark.version(), spark.sparkContext().master(), cores, mb(maxHeap), warm.rows());
        out.printf(Locale.ROOT, "%-22s %12s %9s %12s %9s %11s%n", "run", "rows", "seconds", "rows/s", "cpu s", "peak heap");
        for (Timed t : List.of(b1, ingest, b2)) {
            String name = t == b1 ? "baseline (run 1)" : t == b2 ? "baseline (run 2)" : "ingest";
            out.printf(Locale.ROOT, "%-22s %,12d %9.2f %,12.0f %9.1f %11s%n", name, t.rows(), t.seconds(), t.rowsPerSecond(), t.cpuSeconds(),
                    mb(t.peakHeap()));
        }
        out.printf(Locale.ROOT, "%nbaseline used for the ratio: the better of 2 runs (%s, %.2fs); runs differ by %.0f%%%n",
                bestName, best.seconds(), 100 * Math.abs(b1.seconds() - b2.seconds()) / Math.min(b1.seconds(), b2.seconds()));
        out.printf(Locale.ROOT, "ingest/baseline throughput ratio = %.2f   (against the mean of both baseline runs: %.2f)%n", ratio, ratioMean);
        out.printf(Locale.ROOT, "ingest/baseline CPU-time ratio = %.2f   (baseline CPU s / ingest CPU s, less sensitive to other load on the machine)%n",
                cpuRatio);
        out.printf(Locale.ROOT, "peak heap used (sampled every 50 ms, incl. uncollected garbage): baseline %s, ingest %s; "
                + "after GC: baseline %s, ingest %s%n", mb(best.peakHeap()), mb(ingest.peakHeap()), mb(best.peakHeapAfterGc()), mb(ingest.peakHeapAfterGc()));
        out.printf(Locale.ROOT, "ingest: %s%n", ingest.details().get("summary"));
        out.printf(Locale.ROOT, "ingest time in Spark jobs %.2fs (%d jobs), outside Spark jobs %.2fs (listing + checksums, Spring Batch, metadata, publish)%n",
                ingest.sparkJobMs() / 1000.0, ingest.sparkJobs(), ingest.seconds() - ingest.sparkJobMs() / 1000.0);
        out.printf(Locale.ROOT, "ingest stages by wall time (stage wall ms / summed task ms):%n");
        for (Map<String, Object> st : ingest.stages().stream().limit(8).toList()) {
            out.printf(Locale.ROOT, "  %-48s %3d stages %8d ms %9d task-ms%s%n", st.get("name"), st.get("stages"), st.get("wall_ms"), st.get("task_run_ms"),
                    ((Long) st.get("disk_spilled_bytes")) > 0 ? "  spilled " + mb((Long) st.get("disk_spilled_bytes")) : "");
        }
        out.printf(Locale.ROOT, "baseline stages (%s): %s%n", bestName, best.stages().stream()
                .map(st -> st.get("name") + " " + st.get("wall_ms") + " ms").toList());

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "ingest");
        json.put("model", MODEL);
        json.put("dataset", DATASET);
        json.put("measured_at", Instant.now().toString());
        json.put("rows", data.rows());
        json.put("files", data.files().size());
        json.put("input_bytes", data.bytes());
        json.put("malformed_rows", data.malformed());
        json.put("warmup_rows", warm.rows());
        json.put("generate_seconds", Measure.round(genSeconds));
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("cores", cores);
        env.put("max_heap_bytes", maxHeap);
        env.put("spark_version", spark.version());
        env.put("spark_master", spark.sparkContext().master());
        env.put("java_version", System.getProperty("java.version"));
        env.put("code_version", dev.mlops.core.Versions.codeVersion());
        json.put("environment", env);
        List<Map<String, Object>> runs = new ArrayList<>();
        runs.add(runJson("baseline", 1, b1));
        runs.add(runJson("ingest", 1, ingest));
        runs.add(runJson("baseline", 2, b2));
        json.put("runs", runs);
        json.put("baseline_choice", "best of 2 (" + bestName + ")");
        json.put("baseline_seconds", Measure.round(best.seconds()));
        json.put("baseline_rows_per_second", Math.round(best.rowsPerSecond()));
        json.put("ingest_seconds", Measure.round(ingest.seconds()));
        json.put("ingest_rows_per_second", Math.round(ingest.rowsPerSecond()));
        json.put("ratio", Math.round(ratio * 1000) / 1000.0);
        json.put("ratio_vs_mean_baseline", Math.round(ratioMean * 1000) / 1000.0);
        json.put("cpu_time_ratio", Math.round(cpuRatio * 1000) / 1000.0);
        Map<String, Object> warmup = new LinkedHashMap<>();
        warmup.put("baseline_seconds", Measure.round(warmBaseline.seconds()));
        warmup.put("ingest_seconds", Measure.round(warmIngest.seconds()));
        json.put("warmup", warmup);

        Path file = repo.resolve("jobs/bench/target/results/ingest.json");
        Files.createDirectories(file.getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json);
        out.printf(Locale.ROOT, "%nwrote %s%n", file);
    }

    private static Map<String, Object> runJson(String path, int n, Timed t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", path);
        m.put("run", n);
        m.put("rows", t.rows());
        m.put("seconds", Measure.round(t.seconds()));
        m.put("rows_per_second", Math.round(t.rowsPerSecond()));
        m.put("process_cpu_seconds", Measure.round(t.cpuSeconds()));
        m.put("peak_heap_used_bytes", t.peakHeap());
        m.put("peak_heap_after_gc_bytes", t.peakHeapAfterGc());
        m.put("spark_jobs", t.sparkJobs());
        m.put("spark_job_seconds", Measure.round(t.sparkJobMs() / 1000.0));
        m.putAll(t.details());
        m.put("stages", t.stages());
        return m;
    }

    static StructType typedSchema(DatasetSpec ds) {
        List<StructField> fields = new ArrayList<>();
        for (ColumnSpec c : ds.columns()) {
            DataType t = switch (c.type()) {
                case STRING -> DataTypes.StringType;
                case INT -> DataTypes.IntegerType;
                case LONG -> DataTypes.LongType;
                case DOUBLE -> DataTypes.DoubleType;
                case BOOLEAN -> DataTypes.BooleanType;
                case DATE -> DataTypes.DateType;
                case TIMESTAMP -> DataTypes.TimestampType;
            };
            fields.add(DataTypes.createStructField(c.name(), t, true));
        }
        return DataTypes.createStructType(fields);
    }

    private static long number(Object o) {
        if (o instanceof Number n) {
            return n.longValue();
        }
        throw new BenchFailure("the ingest result has no row count (got " + o + ")");
    }




    static String mb(long bytes) {
        return bytes >= 1L << 30 ? String.format(Locale.ROOT, "%.2f GB", bytes / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.1f MB", bytes / (double) (1L << 20));
    }

    private static long treeSize(Path dir) {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort
                }
            });
        } catch (IOException e) {
            System.err.println("bench: could not delete " + dir + ": " + e.getMessage());
        }
    }
}
