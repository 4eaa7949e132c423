package dev.mlops.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.rand;
import static org.apache.spark.sql.functions.randn;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.mlops.bench.IngestBench.BenchFailure;
import dev.mlops.core.config.ConfigLoader;
import dev.mlops.core.config.PlatformConfig;
import dev.mlops.core.json.Json;
import dev.mlops.core.spark.SparkSessions;
import dev.mlops.core.spec.QualitySpec;
import dev.mlops.quality.DriftStats;
import dev.mlops.quality.ReferenceProfile;
import dev.mlops.train.Matrix;
import dev.mlops.train.Profile;
import dev.mlops.train.TrainingData;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * Data drift of a day's scored data against a reference profile ({@link DriftStats}, what
 * {@code mlops quality} runs: PSI on the reference's decile bins, two-sample KS statistic and
 * p-value, Jensen-Shannon distance of the categoricals, null-share change) next to a floor measured
 * in the same run: one raw Spark aggregation reading every column of the same Parquet ({@code max}
 * of each column and {@code count(*)}). Issue 7's goal: at most 2 passes over the data and within
 * 2x of the floor.
 *
 * <p>Data: {@code bench.drift.rows} rows (else {@code BENCH_DRIFT_ROWS}, else {@code BENCH_ROWS},
 * default 10,000,000) of {@code bench.drift.features} features (default 30: 26 numeric doubles of six
 * shapes, normal, log-normal, uniform, counts with ties, 0/1, zero-inflated, with 0 to 20% nulls;
 * and 4 categorical strings of 5 to 200 skewed values with 2% nulls), written by Spark as Parquet in
 * {@value #FILES} files. The day carries the generator's drift scenario in a few columns (see
 * {@link #expectedDrift}); the reference is {@code bench.drift.reference.rows} (default 200,000)
 * rows of the same generator without drift, another seed. The Parquet is generated once and kept
 * under {@code bench.drift.data.dir} (default {@code jobs/bench/target/data/drift}), keyed by size,
 * seed and generator version, so later runs skip the ~minute of generation.
 *
 * <p>The reference profile is made the way the train job makes {@code profile.json}: the
 * reference rows collected as a float matrix ({@link TrainingData#matrix}), {@link Profile#of}
 * (decile edges and bin counts, null share, min/max/mean), the categoricals' rows per value (the
 * profile's {@code slices}), written as JSON and read back by {@link ReferenceProfile#parse}.
 *
 * <p>Timed runs (after a warm-up of both at 1% scale): floor, drift, floor, drift; the ratio uses
 * the best of each. The drift run does what {@code QualityJob.driftOf} does with the day's rows:
 * the features cast to double, the slice columns as strings, then {@link DriftStats#compute}.
 * A last run, "drift (job: persisted)", also persists the rows (MEMORY_AND_DISK) first as the
 * quality job does (it reuses them for its SHAP sample, not collected here) and unpersists them
 * after: not in the ratio, reported next to it. Passes over the data come from {@link ScanPasses} (stages that read at least half the day's
 * rows from its Parquet). Prints a table and a one-line summary, writes
 * {@code jobs/bench/target/results/drift.json}, exits 1 if a run fails or the drift found is not the
 * scenario's.
 */
public final class DriftBench {
    static final int FILES = 8;
    static final long SEED = 20240307L;
    /** Bump when the generator changes: the cached Parquet of another version is not reused. */
    static final int GENERATOR_VERSION = 1;
    static final double GOAL_RATIO = 2.0;
    static final int GOAL_PASSES = 2;
    /** A stage that read at least this share of the day's rows is one pass over the data. */
    static final double PASS_SHARE = 0.5;
    static final int[] CARDINALITY = {5, 12, 40, 200};
    static final double[] NULL_SHARE = {0, 0.01, 0.05, 0.2};

    record Sizes(long rows, int features, long referenceRows, int repeats) {
        int categorical() {
            return Math.max(1, features * 2 / 15);
        }

        int numeric() {
            return features - categorical();
        }

        long warmupRows() {
            return Math.min(rows, Math.max(IngestBench.WARMUP_MIN_ROWS, rows / 100));
        }
    }

    /** A generated Parquet directory. */
    record Data(String what, Path dir, long rows, long bytes, int files, double seconds, boolean cached) {
    }

    /** One stage that read the day's data (its Parquet or a cached copy). */
    record Pass(int stage, int job, String callSite, String source, long rows, long wallMs) {
        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("stage", stage);
            m.put("job", job);
            m.put("call_site", callSite);
            m.put("source", source);
            m.put("rows", rows);
            m.put("stage_wall_ms", wallMs);
            return m;
        }
    }

    /** One timed run. */
    record Run(String what, long rows, double seconds, double cpuSeconds, long peakHeap, int sparkJobs, double sparkJobSeconds,
               List<Pass> passes, double rowPasses, List<Pass> cacheScans, List<Map<String, Object>> stages, Object result) {
        double rowsPerSecond() {
            return rows / seconds;
        }
    }

    private final Sizes sizes;
    private final Path repo;
    private final Path tmp;
    private final Path dataRoot;
    private final PrintWriter out = new PrintWriter(System.out, true);

    private DriftBench(Sizes sizes, Path repo, Path tmp, Path dataRoot) {
        this.sizes = sizes;
        this.repo = repo;
        this.tmp = tmp;
        this.dataRoot = dataRoot;
    }

    public static void main(String[] args) {
        BenchMain.run("mlops-dbench-", tmp -> {
            String envRows = System.getenv("BENCH_ROWS");
            long dfltRows = envRows == null || envRows.isBlank() ? IngestBench.DEFAULT_ROWS : IngestBench.rowsFromEnv();
            Sizes sizes = new Sizes(BenchMain.size("drift", "rows", dfltRows, 1_000, 2_000_000_000L),
                    (int) BenchMain.size("drift", "features", 30, 8, 500), BenchMain.size("drift", "reference.rows", 200_000, 1_000, 20_000_000),
                    (int) BenchMain.size("drift", "repeats", 2, 1, 20));
            Path repo = IngestBench.findRepo();
            String dir = BenchMain.setting("drift", "data.dir", "");
            Path dataRoot = dir.isEmpty() ? repo.resolve("jobs/bench/target/data/drift") : Path.of(dir).toAbsolutePath();
            new DriftBench(sizes, repo, tmp, dataRoot).run();
        });
    }

    // ------------------------------------------------------------------ the data

    static List<String> numericNames(Sizes s) {
        return Stream.iterate(0, j -> j + 1).limit(s.numeric()).map(j -> String.format(Locale.ROOT, "n%02d", j)).toList();
    }

    static List<String> categoricalNames(Sizes s) {
        return Stream.iterate(0, j -> j + 1).limit(s.categorical()).map(j -> String.format(Locale.ROOT, "c%02d", j)).toList();
    }

    /** Numeric columns the scenario shifts (by value), numeric columns whose null share it raises by 15 points, categoricals whose mix it changes. */
    static final int[] SHIFTED = {2, 6, 13};
    static final int[] MORE_NULLS = {9};
    static final int[] REMIXED = {1};

    /** The features the drift scenario changes (those that exist at this width). */
    static List<String> expectedDrift(Sizes s) {
        TreeSet<String> out = new TreeSet<>();
        for (int j : SHIFTED) {
            if (j < s.numeric()) {
                out.add(String.format(Locale.ROOT, "n%02d", j));
            }
        }
        for (int j : MORE_NULLS) {
            if (j < s.numeric()) {
                out.add(String.format(Locale.ROOT, "n%02d", j));
            }
        }
        for (int j : REMIXED) {
            if (j < s.categorical()) {
                out.add(String.format(Locale.ROOT, "c%02d", j));
            }
        }
        return List.copyOf(out);
    }

    private static boolean in(int[] a, int j) {
        for (int x : a) {
            if (x == j) {
                return true;
            }
        }
        return false;
    }

    /** Column j of the generator: six numeric shapes, values rounded to float (as a training matrix holds them), nulls by j % 4. */
    static Column numeric(int j, long seed, boolean drift) {
        long s = seed * 1_000 + j;
        Column v = switch (j % 6) {
            case 0 -> randn(s).multiply(10).plus(50);
            case 1 -> exp(randn(s).multiply(0.8));
            case 2 -> rand(s).multiply(100);
            case 3 -> floor(exp(randn(s).multiply(1.2)));
            case 4 -> when(rand(s).lt(0.3), lit(1.0)).otherwise(lit(0.0));
            default -> when(rand(s).lt(0.6), lit(0.0)).otherwise(exp(randn(s + 500)).multiply(20));
        };
        if (drift && in(SHIFTED, j)) {
            v = switch (j % 6) {
                case 1 -> v.multiply(2);
                case 2 -> v.plus(30);
                default -> v.plus(8);
            };
        }
        double nulls = NULL_SHARE[j % 4] + (drift && in(MORE_NULLS, j) ? 0.15 : 0);
        Column value = v.cast("float").cast("double");
        return (nulls == 0 ? value : when(rand(s + 100).lt(nulls), lit(null).cast("double")).otherwise(value)).alias(String.format(Locale.ROOT, "n%02d", j));
    }

    /** Categorical column j: "v&lt;k&gt;" for k in [0, cardinality), skewed to small k (uniform under the drift of a remixed column), 2% nulls. */
    static Column categorical(int j, long seed, boolean drift) {
        long s = seed * 1_000 + 700 + j;
        int card = CARDINALITY[j % CARDINALITY.length];
        double skew = drift && in(REMIXED, j) ? 1.0 : 2.0;
        Column k = floor(pow(rand(s), skew).multiply(card)).cast("int").cast("string");
        return when(rand(s + 100).lt(0.02), lit(null).cast("string")).otherwise(concat(lit("v"), k)).alias(String.format(Locale.ROOT, "c%02d", j));
    }

    /** The Parquet of {@code rows} rows (cached under the data dir when a complete copy of the same generator is there). */
    private Data data(SparkSession spark, String what, long rows, long seed, boolean drift) throws IOException {
        String key = String.format(Locale.ROOT, "%s-%d-rows-%d-features-seed-%d-v%d", what, rows, sizes.features(), seed, GENERATOR_VERSION);
        Path dir = dataRoot.resolve(key);
        Path marker = dir.resolve("_GENERATED.json");
        if (Files.isRegularFile(marker)) {
            Map<?, ?> m = new ObjectMapper().readValue(marker.toFile(), Map.class);
            if (m.get("rows") instanceof Number n && n.longValue() == rows) {
                return new Data(what, dir, rows, TransformBench.treeSize(dir), parquetFiles(dir), ((Number) m.get("seconds")).doubleValue(), true);
            }
        }
        IngestBench.deleteTree(dir);
        Files.createDirectories(dir.getParent());
        List<Column> cols = new ArrayList<>();
        for (int j = 0; j < sizes.numeric(); j++) {
            cols.add(numeric(j, seed, drift));
        }
        for (int j = 0; j < sizes.categorical(); j++) {
            cols.add(categorical(j, seed, drift));
        }
        long t0 = System.nanoTime();
        spark.range(0, rows, 1, FILES).select(cols.toArray(Column[]::new)).write().parquet(dir.toUri().toString());
        double seconds = Measure.seconds(t0);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rows", rows);
        m.put("features", sizes.features());
        m.put("seed", seed);
        m.put("drift_scenario", drift);
        m.put("generator_version", GENERATOR_VERSION);
        m.put("seconds", Measure.round(seconds));
        m.put("written_at", Instant.now().toString());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(marker.toFile(), m);
        return new Data(what, dir, rows, TransformBench.treeSize(dir), parquetFiles(dir), seconds, false);
    }

    private static int parquetFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return (int) s.filter(p -> p.getFileName().toString().endsWith(".parquet")).count();
        }
    }

    // ------------------------------------------------------------------ the reference profile

    /** The reference rows' profile as train writes it to profile.json (features and slices; no model, so no prediction or attributions). */
    private ReferenceProfile profile(SparkSession spark, Data ref) {
        Dataset<Row> rows = spark.read().parquet(ref.dir().toUri().toString());
        Matrix m = TrainingData.matrix(rows.withColumn("__label", lit(0f)), numericNames(sizes), "__label");
        Map<String, Object> profile = Profile.of(m, numericNames(sizes), new float[0]);
        profile.remove("prediction");
        Map<String, Object> slices = new LinkedHashMap<>();
        for (String c : categoricalNames(sizes)) {
            Map<String, Long> counts = new TreeMap<>();
            for (Row r : rows.groupBy(c).count().collectAsList()) {
                counts.put(String.valueOf(r.get(0)), r.getLong(1));
            }
            slices.put(c, counts);
        }
        profile.put("slices", slices);
        return ReferenceProfile.parse(Json.writePretty(profile));
    }

    // ------------------------------------------------------------------ the runs

    record Meter(SparkSession spark, SparkActivity activity, ScanPasses scans, HeapSampler heap) {
    }

    private interface Work {
        Object run(Dataset<Row> data);
    }

    private Run timed(Meter m, String what, Data in, Work work) {
        Measure.settle();
        m.activity().reset();
        m.scans().reset();
        m.heap().reset();
        long c0 = Measure.processCpuNanos();
        long t0 = System.nanoTime();
        Object result = work.run(m.spark().read().parquet(in.dir().toUri().toString()));
        double s = Measure.seconds(t0);
        double cpu = (Measure.processCpuNanos() - c0) / 1e9;
        long[] peaks = m.heap().peaks();
        m.activity().drain();
        m.scans().drain();
        List<Pass> passes = new ArrayList<>();
        List<Pass> cache = new ArrayList<>();
        long read = 0;
        String name = in.dir().getFileName().toString();
        for (ScanPasses.Read r : m.scans().reads()) {
            Pass p = new Pass(r.stageId(), r.jobId(), r.stageName(), r.source().cache() ? "cache" : r.source().location(), r.rows(), r.wallMs());
            if (r.source().cache()) {
                if (r.rows() >= PASS_SHARE * in.rows()) {
                    cache.add(p);
                }
            } else if (r.source().location().contains(name)) {
                read += r.rows();
                if (r.rows() >= PASS_SHARE * in.rows()) {
                    passes.add(p);
                }
            }
        }
        return new Run(what, in.rows(), s, cpu, peaks[0], m.activity().jobCount(), m.activity().jobWallMs() / 1000.0, passes,
                (double) read / in.rows(), cache, m.activity().stagesByName(), result);
    }

    /** The floor: one aggregation reading every column (max of each, and the row count). */
    private Run floorRun(Meter m, String what, Data in) {
        return timed(m, what, in, data -> {
            List<Column> aggs = new ArrayList<>();
            for (String c : data.columns()) {
                aggs.add(max(col(c)));
            }
            Row r = data.agg(count(lit(1)), aggs.toArray(Column[]::new)).first();
            if (r.getLong(0) != in.rows()) {
                throw new BenchFailure("the floor counted " + r.getLong(0) + " rows in " + in.dir() + ", expected " + in.rows());
            }
            return r.getLong(0);
        });
    }

    /** What QualityJob.driftOf does with the day's rows: features as doubles, slices as strings, one DriftStats.compute; persisted first when {@code persist}. */
    private Run drift(Meter m, String what, Data in, ReferenceProfile profile, boolean persist) {
        Map<String, ReferenceProfile.Column> judged = new LinkedHashMap<>();
        for (String f : numericNames(sizes)) {
            judged.put(f, profile.features().get(f));
        }
        List<DriftStats.SliceReference> slices = new ArrayList<>();
        for (String c : categoricalNames(sizes)) {
            slices.add(new DriftStats.SliceReference(c, c, profile.slices().get(c)));
        }
        return timed(m, what, in, data -> {
            List<Column> keep = new ArrayList<>();
            numericNames(sizes).forEach(f -> keep.add(col(f).cast("double").alias(f)));
            categoricalNames(sizes).forEach(c -> keep.add(col(c)));
            Dataset<Row> rows = data.select(keep.toArray(Column[]::new));
            if (persist) {
                rows = rows.persist(StorageLevel.MEMORY_AND_DISK());
            }
            try {
                List<DriftStats.ColumnDrift> drift = DriftStats.compute(rows, judged, DriftStats.FEATURE, slices, QualitySpec.Drift.DEFAULT);
                if (drift.size() != sizes.features() || drift.get(0).rows() != in.rows()) {
                    throw new BenchFailure("DriftStats gave " + drift.size() + " columns over " + (drift.isEmpty() ? 0 : drift.get(0).rows())
                            + " rows, expected " + sizes.features() + " over " + in.rows());
                }
                return drift;
            } finally {
                if (persist) {
                    rows.unpersist(true);
                }
            }
        });
    }

    private void run() throws IOException {
        Path home = tmp.resolve("home");
        Files.createDirectories(home);
        PlatformConfig config = ConfigLoader.load(Map.of(), home, null, Map.of(
                "specs.dir", repo.resolve("dags").resolve("models").toString(),
                "landing.uri", tmp.resolve("landing").toUri().toString(),
                "lake.uri", tmp.resolve("lake").toUri().toString()));
        SparkSession spark = null;
        try (HeapSampler heap = new HeapSampler()) {
            spark = SparkSessions.create(config, "mlops-drift-bench");
            SparkActivity activity = new SparkActivity(spark.sparkContext());
            ScanPasses scans = new ScanPasses(spark.sparkContext());
            spark.sparkContext().addSparkListener(activity);
            spark.sparkContext().addSparkListener(scans);

            Data day = data(spark, "day", sizes.rows(), SEED, true);
            Data warm = data(spark, "day", sizes.warmupRows(), SEED + 1, true);
            Data ref = data(spark, "reference", sizes.referenceRows(), SEED + 2, false);
            for (Data d : List.of(day, warm, ref)) {
                System.err.printf(Locale.ROOT, "bench: %s: %,d rows, %s in %d files, %s%n", d.what(), d.rows(), IngestBench.mb(d.bytes()), d.files(),
                        d.cached() ? "cached in " + d.dir() : String.format(Locale.ROOT, "written in %.1fs to %s", d.seconds(), d.dir()));
            }
            long t0 = System.nanoTime();
            ReferenceProfile profile = profile(spark, ref);
            double profileSeconds = Measure.seconds(t0);
            System.err.printf(Locale.ROOT, "bench: reference profile of %,d rows made in %.1fs (train's Profile.of, read back by ReferenceProfile.parse)%n",
                    ref.rows(), profileSeconds);

            Meter m = new Meter(spark, activity, scans, heap);
            System.err.println("bench: warm-up at " + warm.rows() + " rows");
            Run warmFloor = floorRun(m, "floor (warm-up)", warm);
            Run warmDrift = drift(m, "drift (warm-up)", warm, profile, false);
            drift(m, "drift (job, warm-up)", warm, profile, true);
            System.err.println("bench: timed runs at " + day.rows() + " rows: " + sizes.repeats() + " x (floor, drift), then drift as the job runs it");
            List<Run> runs = new ArrayList<>();
            for (int i = 1; i <= sizes.repeats(); i++) {
                runs.add(floorRun(m, "floor (run " + i + ")", day));
                runs.add(drift(m, "drift (run " + i + ")", day, profile, false));
            }
            runs.add(drift(m, "drift (job: persisted)", day, profile, true));
            report(spark, day, ref, warm, profileSeconds, warmFloor, warmDrift, runs, heap.maxHeap());
        } finally {
            if (spark != null) {
                spark.stop();
            }
        }
    }

    // ------------------------------------------------------------------ the report

    @SuppressWarnings("unchecked")
    private void report(SparkSession spark, Data day, Data ref, Data warm, double profileSeconds, Run warmFloor, Run warmDrift, List<Run> runs,
                        long maxHeap) throws IOException {
        Run floor = runs.stream().filter(r -> r.what().startsWith("floor")).min((a, b) -> Double.compare(a.seconds(), b.seconds())).orElseThrow();
        Run drift = runs.stream().filter(r -> r.what().startsWith("drift (run")).min((a, b) -> Double.compare(a.seconds(), b.seconds())).orElseThrow();
        Run job = runs.get(runs.size() - 1);
        double ratio = drift.seconds() / floor.seconds();
        double jobRatio = job.seconds() / floor.seconds();
        double cpuRatio = drift.cpuSeconds() / floor.cpuSeconds();
        int passes = drift.passes().size();
        boolean goalMet = ratio <= GOAL_RATIO && passes <= GOAL_PASSES;
        int cores = Runtime.getRuntime().availableProcessors();

        List<DriftStats.ColumnDrift> result = (List<DriftStats.ColumnDrift>) drift.result();
        List<String> found = result.stream().filter(DriftStats.ColumnDrift::drifted).map(DriftStats.ColumnDrift::name).sorted().toList();
        List<String> expected = expectedDrift(sizes);
        List<String> problems = new ArrayList<>();
        if (!found.equals(expected)) {
            problems.add("drift found in " + found + ", the scenario changed " + expected);
        }

        out.printf(Locale.ROOT, "%nDrift benchmark: %,d rows x %d features (%d numeric, %d categorical) against a reference profile of %,d rows "
                + "(made in %.1fs)%n", day.rows(), sizes.features(), sizes.numeric(), sizes.categorical(), ref.rows(), profileSeconds);
        out.printf(Locale.ROOT, "data: Parquet, %s in %d files (%s); Spark %s, master %s, %d cores, max heap %s; warm-up at %,d rows first%n%n",
                IngestBench.mb(day.bytes()), day.files(), day.cached() ? "cached from an earlier run" : String.format(Locale.ROOT, "written in %.1fs",
                        day.seconds()), spark.version(), spark.sparkContext().master(), cores, IngestBench.mb(maxHeap), warm.rows());
        out.printf(Locale.ROOT, "%-26s %12s %9s %12s %7s %9s %5s %8s %10s%n", "run", "rows", "seconds", "rows/s", "passes", "row-pass", "jobs", "cpu s",
                "peak heap");
        for (Run r : runs) {
            out.printf(Locale.ROOT, "%-26s %,12d %9.2f %,12.0f %7s %9.2f %5d %8.1f %10s%n", r.what(), r.rows(), r.seconds(), r.rowsPerSecond(),
                    r.passes().size() + (r.cacheScans().isEmpty() ? "" : "+" + r.cacheScans().size() + "c"), r.rowPasses(), r.sparkJobs(),
                    r.cpuSeconds(), IngestBench.mb(r.peakHeap()));
        }
        out.printf(Locale.ROOT, "(passes = stages that read >= %.0f%% of the day's rows from its Parquet; +Nc = full scans of a cached copy; row-pass = rows "
                + "read / rows)%n", PASS_SHARE * 100);
        out.printf(Locale.ROOT, "drift found in %s (scenario: %s)%s%n", found, expected, found.equals(expected) ? "" : "  MISMATCH");
        out.printf(Locale.ROOT, "drift as the quality job runs it (rows persisted first): %.2fs, %.2fx the floor, %d pass%s%n", job.seconds(), jobRatio,
                job.passes().size(), job.passes().size() == 1 ? "" : "es");
        out.printf(Locale.ROOT, "drift: %.2fs (%,.0f rows/s), floor %.2fs: drift/floor time ratio = %.2f (goal <= %.0f), passes %d (goal <= %d), "
                        + "CPU ratio %.2f: %s%n", drift.seconds(), drift.rowsPerSecond(), floor.seconds(), ratio, GOAL_RATIO, passes, GOAL_PASSES, cpuRatio,
                goalMet ? "goal met" : "GOAL MISSED");

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "drift");
        json.put("measured_at", Instant.now().toString());
        json.put("rows", day.rows());
        json.put("features", sizes.features());
        json.put("numeric_features", sizes.numeric());
        json.put("categorical_features", sizes.categorical());
        json.put("reference_rows", ref.rows());
        json.put("reference_profile_seconds", Measure.round(profileSeconds));
        json.put("data_bytes", day.bytes());
        json.put("data_files", day.files());
        json.put("data_dir", day.dir().toString());
        json.put("data_cached", day.cached());
        json.put("generate_seconds", Measure.round(day.seconds()));
        json.put("warmup_rows", warm.rows());
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("cores", cores);
        env.put("max_heap_bytes", maxHeap);
        env.put("spark_version", spark.version());
        env.put("spark_master", spark.sparkContext().master());
        env.put("java_version", System.getProperty("java.version"));
        env.put("code_version", dev.mlops.core.Versions.codeVersion());
        json.put("environment", env);
        json.put("floor", "one aggregation over the same Parquet: count(*) and max of every column");
        json.put("floor_seconds", Measure.round(floor.seconds()));
        json.put("floor_rows_per_second", Math.round(floor.rowsPerSecond()));
        json.put("drift_seconds", Measure.round(drift.seconds()));
        json.put("drift_rows_per_second", Math.round(drift.rowsPerSecond()));
        json.put("drift_floor_time_ratio", Math.round(ratio * 1000) / 1000.0);
        json.put("drift_floor_time_ratio_goal", GOAL_RATIO);
        json.put("drift_floor_cpu_time_ratio", Math.round(cpuRatio * 1000) / 1000.0);
        json.put("drift_passes", passes);
        json.put("drift_row_passes", Math.round(drift.rowPasses() * 1000) / 1000.0);
        json.put("drift_passes_goal", GOAL_PASSES);
        json.put("goal_met", goalMet);
        json.put("job_drift_seconds", Measure.round(job.seconds()));
        json.put("job_drift_floor_time_ratio", Math.round(jobRatio * 1000) / 1000.0);
        json.put("job_drift_passes", job.passes().size());
        json.put("job_drift_cache_scans", job.cacheScans().size());
        json.put("ratio_choice", "best of " + sizes.repeats() + " runs of each");
        json.put("drift_found", found);
        json.put("drift_scenario", expected);
        Map<String, Object> values = new LinkedHashMap<>();
        for (DriftStats.ColumnDrift d : result) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("kind", d.kind());
            v.put("psi", d.psi());
            v.put("ks_statistic", d.ksStatistic());
            v.put("ks_p_value", d.ksPValue());
            v.put("js_distance", d.jsDistance());
            v.put("null_share", d.nullShare());
            v.put("reference_null_share", d.referenceNullShare());
            v.put("drifted", d.drifted());
            values.put(d.name(), v);
        }
        json.put("drift_values", values);
        List<Map<String, Object>> runJson = new ArrayList<>();
        for (Run r : runs) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("run", r.what());
            x.put("rows", r.rows());
            x.put("seconds", Measure.round(r.seconds()));
            x.put("rows_per_second", Math.round(r.rowsPerSecond()));
            x.put("process_cpu_seconds", Measure.round(r.cpuSeconds()));
            x.put("peak_heap_used_bytes", r.peakHeap());
            x.put("spark_jobs", r.sparkJobs());
            x.put("spark_job_seconds", Measure.round(r.sparkJobSeconds()));
            x.put("passes", r.passes().size());
            x.put("row_passes", Math.round(r.rowPasses() * 1000) / 1000.0);
            x.put("cache_scans", r.cacheScans().size());
            x.put("reads", Stream.concat(r.passes().stream(), r.cacheScans().stream()).map(Pass::json).toList());
            x.put("stages", r.stages());
            runJson.add(x);
        }
        json.put("runs", runJson);
        Map<String, Object> warmup = new LinkedHashMap<>();
        warmup.put("floor_seconds", Measure.round(warmFloor.seconds()));
        warmup.put("drift_seconds", Measure.round(warmDrift.seconds()));
        json.put("warmup", warmup);
        json.put("problems", problems);
        Path file = repo.resolve("jobs/bench/target/results/drift.json");
        Files.createDirectories(file.getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json);
        out.printf(Locale.ROOT, "%nwrote %s%n", file);
        if (!problems.isEmpty()) {
            throw new BenchFailure(String.join("; ", problems));
        }
    }
}
