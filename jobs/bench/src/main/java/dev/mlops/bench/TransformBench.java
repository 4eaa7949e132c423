package dev.mlops.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.management.GarbageCollectionNotificationInfo;
import dev.mlops.bench.IngestBench.BenchFailure;
import dev.mlops.core.config.ConfigLoader;
import dev.mlops.core.config.PlatformConfig;
import dev.mlops.core.spark.SparkSessions;
import dev.mlops.train.LocalXgboost;
import dev.mlops.train.Matrix;
import dev.mlops.transform.Scorer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import scala.Tuple2;

/**
 * Batch scoring next to raw XGBoost4J prediction (the floor) and Python XGBoost, measured in the same
 * run (compare the ratios across machines, not the seconds).
 *
 * <p>The model: a booster of {@code bench.transform.trees} trees (default 300) of depth
 * {@code bench.transform.depth} (default 6), reg:squarederror, eta 0.1, hist, no early stopping,
 * trained untimed by {@link LocalXgboost#train} on {@code bench.transform.train.rows} rows (default
 * 50,000) of {@link TrainBench}'s formula (uniform features, 2% missing in the columns from 20 on,
 * a nonlinear label); its best_iteration is then set to its last round, so every tree scores (see
 * {@link #allTrees}). The rows to score: {@code bench.transform.rows} (default 10,000,000) x
 * {@code bench.transform.features} (default 30) other rows of the same formula, written untimed by
 * Spark as Parquet in {@value #PARQUET_FILES} files: an {@code id} (the row number) and the
 * features as doubles, missing values as nulls (as the transform job stages its scoring set).
 *
 * <ul>
 *   <li><b>end to end</b>: what the transform job does with a staged scoring set on the local
 *       backend: read the Parquet, {@link Scorer#score} (booster broadcast, batches of
 *       {@code bench.transform.batch} rows, default 8192 as {@code mlops transform --batch-size},
 *       through {@code Booster.inplace_predict}), write the scores (id, score, predicted_class) as
 *       Parquet; this JVM's Spark, {@code local[threads]}. After a warm-up at a small size, once at a
 *       quarter of the rows (the first 2 of the 8 files) and then at all of them, so the memory of
 *       the two can be compared. Memory: peak RSS (VmHWM reset at the start), the peak heap used
 *       (sampled every 50 ms, garbage included), the largest heap used right after any GC, and the
 *       live set: the largest heap used after {@value #LIVE_SET_PROBES}-odd full GCs forced during the
 *       quarter run and the first full run ({@link LiveSetProbe}; their pauses count in those runs'
 *       times and are reported).</li>
 *   <li><b>floor</b>: XGBoost4J {@code Booster.inplace_predict} (the call the Scorer makes, same
 *       iteration range) on the same rows already in memory as float matrices of
 *       {@code bench.transform.chunk} rows (default 1,000,000, smaller when there would be fewer
 *       than 4 per thread; building them is not timed), threads callers (as Spark's tasks) with
 *       {@code nthread} = 1 each taking matrices from a shared counter, and once also one caller
 *       with XGBoost's own {@code nthread} = threads; the fastest run is the floor.</li>
 *   <li><b>python</b>: {@code /usr/bin/python3} (Debian's python3-xgboost 1.7) loading the same
 *       model (the JSON XGBoost4J wrote) and calling {@code Booster.inplace_predict} (nthread =
 *       threads) on a numpy float32 array of the same rows, which it reads untimed from a binary
 *       file this JVM wrote from the floor's matrices. Skipped, with a note, when that python has no
 *       xgboost.</li>
 * </ul>
 * Order: warm-up, quarter, profile, then {@code bench.transform.repeats} rounds (default 2) of end
 * to end, floor, python; the ratios use the fastest run of each, and are also given per CPU second
 * (least CPU of each), which a shared machine disturbs less. Threads: {@code bench.transform.threads}
 * (default the cores) for Spark, the floor and python. The profile (not in the ratios,
 * {@code bench.transform.profile}, default true) splits the quarter-size end to end into Parquet
 * read (+ the float cast) alone and read + score without the write (both into Spark's {@code noop}
 * sink). Correctness, else exit 1: every end-to-end run writes as many rows as it read; the end to
 * end's scores of a sample of rows (every id divisible by a step, about 10,000 rows) equal the
 * floor's (within 1e-6); every floor run and python's predictions of every row agree with the first
 * floor run's (within 1e-6 and 1e-4).
 *
 * <p>Each size is a system property (the pom passes {@code -Dbench.transform.*} through) or the
 * environment variable {@code BENCH_TRANSFORM_ROWS}, {@code _FEATURES}, {@code _TREES},
 * {@code _DEPTH}, {@code _BATCH}, {@code _TRAIN_ROWS}, {@code _CHUNK}, {@code _THREADS},
 * {@code _REPEATS}, {@code _PROFILE}; {@code bench.transform.python} picks the python. Writes
 * {@code jobs/bench/target/results/transform.json}.
 */
public final class TransformBench {
    static final double GOAL = 0.6;
    static final int PARQUET_FILES = 8;
    /** The scoring rows are rows of the formula far from the training rows. */
    static final long SCORING_ROW_OFFSET = 1L << 40;
    static final double FLOOR_TOLERANCE = 1e-6;
    static final double PYTHON_TOLERANCE = 1e-4;
    static final int SAMPLE_ROWS = 10_000;
    /** The live set of the full run may exceed the quarter run's by this factor (plus 64 MB) and still count as bounded. */
    static final double MEMORY_GROWTH_BOUND = 1.5;
    /** Forced full GCs per end-to-end run, to see its live set (see {@link LiveSetProbe}). */
    static final int LIVE_SET_PROBES = 4;

    private final Sizes sizes;
    private final Path repo;
    private final Path tmp;
    private final String python;
    private final boolean profile;
    private String bestIterationAsTrained;
    private final PrintWriter out = new PrintWriter(System.out, true);

    record Sizes(long rows, int features, int trees, int depth, int batch, int trainRows, int chunk, int threads, int repeats) {
        long warmupRows() {
            return Math.max(1_000, Math.min(rows / 20, 200_000));
        }

        /** Rows per floor matrix: at most the chunk setting, and at least 4 matrices per thread. */
        int chunkRows() {
            long perThread4 = (rows + 4L * threads - 1) / (4L * threads);
            return (int) Math.max(1, Math.min(chunk, perThread4));
        }
    }

    /** One timed phase. */
    record Run(String engine, String label, int run, long rows, double seconds, double cpuSeconds, double otherCpuSeconds, long peakRss, long rssBefore,
               long peakHeap, long heapAfterGc, int gcs, Map<String, Object> details) {
        double rowsPerSecond() {
            return rows / seconds;
        }
    }

    private TransformBench(Sizes sizes, Path repo, Path tmp, String python, boolean profile) {
        this.sizes = sizes;
        this.repo = repo;
        this.tmp = tmp;
        this.python = python;
        this.profile = profile;
    }

    public static void main(String[] args) {
        BenchMain.run("mlops-xbench-", tmp -> {
            int cores = Runtime.getRuntime().availableProcessors();
            Sizes sizes = new Sizes(size("rows", 10_000_000L, 1_000, 500_000_000L), (int) size("features", 30L, 8, 1_000),
                    (int) size("trees", 300L, 1, 100_000), (int) size("depth", 6L, 1, 20), (int) size("batch", 8192L, 1, 10_000_000),
                    (int) size("train.rows", 50_000L, 1_000, 10_000_000), (int) size("chunk", 1_000_000L, 1_000, 50_000_000),
                    (int) size("threads", cores, 1, 1_024), (int) size("repeats", 2L, 1, 100));
            boolean profile = Boolean.parseBoolean(setting("profile", "true"));
            new TransformBench(sizes, IngestBench.findRepo(), tmp, setting("python", "/usr/bin/python3"), profile).run();
        });
    }

    /** System property bench.transform.NAME, else env BENCH_TRANSFORM_NAME, else the default. */
    static String setting(String name, String dflt) {
        return BenchMain.setting("transform", name, dflt);
    }

    static long size(String name, long dflt, long min, long max) {
        return BenchMain.size("transform", name, dflt, min, max);
    }

    static List<String> featureNames(int features) {
        List<String> names = new ArrayList<>();
        for (int c = 0; c < features; c++) {
            names.add(String.format(Locale.ROOT, "f%02d", c));
        }
        return names;
    }

    /** Feature (col) of scoring row {@code id}: TrainBench's formula at another row, NaN when missing. */
    static float feature(long id, int col) {
        return TrainBench.feature(SCORING_ROW_OFFSET + id, col);
    }

    // ------------------------------------------------------------------ the model and the data

    /** The booster, trained on rows [0, trainRows) of the formula, the next tenth as validation (untimed). */
    private LocalXgboost.Trained trainModel() {
        int f = sizes.features();
        int valid = Math.max(100, sizes.trainRows() / 10);
        Matrix train = trainingRows(0, sizes.trainRows(), f);
        Matrix validation = trainingRows(sizes.trainRows(), valid, f);
        Map<String, Object> hp = new LinkedHashMap<>(boosterParams());
        hp.put("nthread", sizes.threads());
        hp.put("num_round", sizes.trees());
        hp.put("verbose_eval", "false");
        return LocalXgboost.train(train, validation, hp);
    }

    /**
     * The model with its best_iteration attribute set to its last round: XGBoost4J records the best validation round even
     * without early stopping, and the Scorer (like evaluation) predicts with the trees up to it; the bench scores with all
     * the trees, the model the issue describes.
     */
    private byte[] allTrees(byte[] model) throws XGBoostError, IOException {
        Booster b = XGBoost.loadModel(new ByteArrayInputStream(model));
        try {
            bestIterationAsTrained = b.getAttr("best_iteration");
            b.setAttr("best_iteration", Integer.toString(b.getNumBoostedRound() - 1));
            return b.toByteArray("json");
        } finally {
            b.dispose();
        }
    }

    Map<String, Object> boosterParams() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("objective", "reg:squarederror");
        p.put("max_depth", sizes.depth());
        p.put("eta", 0.1);
        p.put("tree_method", "hist");
        p.put("seed", 7);
        return p;
    }

    private static Matrix trainingRows(long from, int rows, int features) {
        float[] values = new float[rows * features];
        float[] labels = new float[rows];
        float[] x = new float[features];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < features; c++) {
                x[c] = TrainBench.feature(from + r, c);
            }
            System.arraycopy(x, 0, values, r * features, features);
            labels[r] = TrainBench.label(from + r, x);
        }
        return new Matrix(values, rows, features, labels);
    }

    /**
     * Writes scoring rows [0, rows) as Parquet in {@code files} files (Spark, one task per file; untimed): each row made as
     * (id, float[]) and spread into columns by SQL (a Row of 31 fields goes through Spark's row encoder several times slower).
     */
    static void writeParquet(SparkSession spark, long rows, int features, int files, Path dir) {
        Dataset<Tuple2<Long, float[]>> generated = spark.range(0, rows, 1, files).mapPartitions(new Generate(features),
                Encoders.tuple(Encoders.LONG(), spark.implicits().newFloatArrayEncoder()));
        List<Column> cols = new ArrayList<>();
        cols.add(functions.col("_1").alias("id"));
        List<String> names = featureNames(features);
        for (int c = 0; c < features; c++) {
            Column x = functions.col("_2").getItem(c);
            cols.add(functions.when(functions.isnan(x), functions.lit(null)).otherwise(x.cast("double")).alias(names.get(c)));
        }
        generated.select(cols.toArray(Column[]::new)).write().parquet(dir.toUri().toString());
    }

    /** Spark side of {@link #writeParquet}: the features of the ids, NaN when missing. */
    static final class Generate implements MapPartitionsFunction<Long, Tuple2<Long, float[]>> {
        private static final long serialVersionUID = 1L;
        private final int features;

        Generate(int features) {
            this.features = features;
        }

        @Override
        public Iterator<Tuple2<Long, float[]>> call(Iterator<Long> ids) {
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return ids.hasNext();
                }

                @Override
                public Tuple2<Long, float[]> next() {
                    long id = ids.next();
                    float[] v = new float[features];
                    for (int c = 0; c < features; c++) {
                        v[c] = feature(id, c);
                    }
                    return new Tuple2<>(id, v);
                }
            };
        }
    }

    /** The Parquet files of a directory, sorted by name (Spark writes part-00000.. in partition order: ids ascending). */
    static List<String> parquetFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".parquet")).map(p -> p.toUri().toString()).sorted().toList();
        }
    }

    // ------------------------------------------------------------------ the bench

    private void run() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        Path home = tmp.resolve("home");
        Files.createDirectories(home);
        PlatformConfig config = ConfigLoader.load(Map.of(), home, null, Map.of(
                "specs.dir", repo.resolve("dags").resolve("models").toString(),
                "landing.uri", tmp.resolve("landing").toUri().toString(),
                "lake.uri", tmp.resolve("lake").toUri().toString(),
                "spark.master", "local[" + sizes.threads() + "]"));
        List<String> features = featureNames(sizes.features());

        long t0 = System.nanoTime();
        LocalXgboost.Trained trained = trainModel();
        byte[] model = allTrees(trained.model());
        double trainSeconds = Measure.seconds(t0);
        Path modelFile = tmp.resolve("model.json");
        Files.write(modelFile, model);
        Map<String, Object> modelInfo = modelInfo(model);
        System.err.printf(Locale.ROOT, "bench: trained the model (%s) on %,d rows in %.1fs (untimed)%n", modelInfo, sizes.trainRows(), trainSeconds);

        String pythonSkipped = BenchMain.xgboostMissing(python);
        if (pythonSkipped != null) {
            System.err.println("bench: python peer SKIPPED: " + pythonSkipped);
        }
        Path script = tmp.resolve("xgboost_predict.py");
        try (InputStream in = TransformBench.class.getResourceAsStream("xgboost_predict.py")) {
            Files.copy(Objects.requireNonNull(in, "xgboost_predict.py resource"), script, StandardCopyOption.REPLACE_EXISTING);
        }

        List<Run> runs = new ArrayList<>();
        List<Run> profileRuns = new ArrayList<>();
        Map<String, Object> agreement = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        Run warm;
        long dataBytes;
        double genSeconds;
        long step = Math.max(1, sizes.rows() / SAMPLE_ROWS);
        Map<Long, Double> sample = new LinkedHashMap<>();
        float[] floorPred = new float[Math.toIntExact(sizes.rows())];
        Path rowsFile = tmp.resolve("rows.f32");
        SparkSession spark = SparkSessions.create(config, "mlops-bench-transform");
        try (HeapSampler heap = new HeapSampler(); GcHeap gc = new GcHeap()) {
            SparkActivity activity = new SparkActivity(spark.sparkContext());
            spark.sparkContext().addSparkListener(activity);
            long g0 = System.nanoTime();
            Path warmDir = tmp.resolve("warmup");
            writeParquet(spark, sizes.warmupRows(), sizes.features(), 2, warmDir);
            Path dataDir = tmp.resolve("rows");
            writeParquet(spark, sizes.rows(), sizes.features(), PARQUET_FILES, dataDir);
            genSeconds = Measure.seconds(g0);
            List<String> files = parquetFiles(dataDir);
            if (files.size() != PARQUET_FILES) {
                throw new BenchFailure("expected " + PARQUET_FILES + " Parquet files in " + dataDir + ", found " + files.size());
            }
            dataBytes = treeSize(dataDir);
            List<String> quarter = files.subList(0, PARQUET_FILES / 4);
            long quarterRows = spark.read().parquet(quarter.toArray(String[]::new)).count();
            System.err.printf(Locale.ROOT, "bench: wrote %,d rows x %d features as Parquet (%s, %d files) in %.1fs (untimed)%n", sizes.rows(),
                    sizes.features(), IngestBench.mb(dataBytes), files.size(), genSeconds);

            System.err.printf(Locale.ROOT, "bench: warm-up of the end to end at %,d rows, then %,d rows (batch %,d, %s)%n", sizes.warmupRows(),
                    quarterRows, sizes.batch(), spark.sparkContext().master());
            warm = endToEnd(spark, "warm-up", 0, parquetFiles(warmDir), sizes.warmupRows(), features, model, heap, gc, activity, 0, 0, null);
            // about LIVE_SET_PROBES forced GCs per run, the run's length estimated from the previous one's rate
            Run q = endToEnd(spark, "quarter", 1, quarter, quarterRows, features, model, heap, gc, activity, probePeriodMs(quarterRows, warm), 0, null);
            runs.add(q);
            if (profile) {
                System.err.printf(Locale.ROOT, "bench: profile at %,d rows: read alone, read + score (noop sink)%n", quarterRows);
                profileRuns.add(profileRun(spark, "read", quarter, quarterRows, features, model, heap, gc, activity, false));
                profileRuns.add(profileRun(spark, "read+score", quarter, quarterRows, features, model, heap, gc, activity, true));
            }

            for (int round = 1; round <= sizes.repeats(); round++) {
                System.err.printf(Locale.ROOT, "bench: round %d of %d: end to end at %,d rows, floor, python%n", round, sizes.repeats(), sizes.rows());
                // the live-set probe in the first round only: its pauses then weigh on one full run, not on all of them
                runs.add(endToEnd(spark, "full", round, files, sizes.rows(), features, model, heap, gc, activity,
                        round == 1 ? probePeriodMs(sizes.rows(), q) : 0, step, round == 1 ? sample : null));

                // the floor: the rows as float matrices (untimed, built again each round so the end to end never has them on its heap)
                long m0 = System.nanoTime();
                float[][] chunks = matrices(sizes.rows(), sizes.features(), sizes.chunkRows(), sizes.threads());
                double matrixSeconds = Measure.seconds(m0);
                float[] pred = round == 1 ? floorPred : new float[floorPred.length];
                runs.add(floor("floor-java-threads", round, chunks, model, pred, heap, gc, true, matrixSeconds));
                if (round > 1) {
                    agree(agreement, problems, "floor_round_" + round, floorPred, pred, FLOOR_TOLERANCE);
                }
                if (round == 1) {
                    // the other way of using the threads, once
                    float[] other = new float[floorPred.length];
                    runs.add(floor("floor-xgboost-threads", round, chunks, model, other, heap, gc, false, matrixSeconds));
                    agree(agreement, problems, "floor_modes", floorPred, other, FLOOR_TOLERANCE);
                    if (pythonSkipped == null) {
                        writeRows(rowsFile, chunks, sizes.features());
                    }
                }
                pred = null;
                chunks = null;

                if (pythonSkipped == null) {
                    Path predFile = tmp.resolve("python_pred.f32");
                    runs.add(python(script, round, rowsFile, modelFile, predFile));
                    agree(agreement, problems, "python_round_" + round, floorPred, readFloats(predFile, floorPred.length), PYTHON_TOLERANCE);
                    Files.deleteIfExists(predFile);
                }
            }
            for (Run r : runs) {
                if (r.engine().equals("end-to-end") && !r.details().get("rows_written").equals(r.rows())) {
                    problems.add("end to end (" + r.label() + " " + r.run() + ") wrote " + r.details().get("rows_written") + " rows of " + r.rows());
                }
            }
        } finally {
            spark.stop();
            Files.deleteIfExists(rowsFile);
        }

        // the end to end's sampled scores against the floor's
        double e2eDiff = 0;
        for (Map.Entry<Long, Double> e : sample.entrySet()) {
            double d = Math.abs(e.getValue() - floorPred[(int) (long) e.getKey()]);
            e2eDiff = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(e2eDiff, d);
        }
        agreement.put("end_to_end_sample_rows", sample.size());
        agreement.put("end_to_end_sample_step", step);
        agreement.put("end_to_end_vs_floor_max_abs_diff", e2eDiff);
        if (sample.size() != (sizes.rows() + step - 1) / step) {
            problems.add("the end to end's sample has " + sample.size() + " rows, expected " + (sizes.rows() + step - 1) / step);
        }
        if (e2eDiff > FLOOR_TOLERANCE) {
            problems.add("end to end scores differ from the floor's by up to " + e2eDiff + " (> " + FLOOR_TOLERANCE + ")");
        }
        report(runs, profileRuns, warm, agreement, problems, pythonSkipped, modelInfo, trainSeconds, dataBytes, genSeconds, cores, floorPred);
    }

    /** Compares two engines' predictions of every row: the largest difference and how many rows exceed the tolerance. */
    private static void agree(Map<String, Object> agreement, List<String> problems, String what, float[] reference, float[] other, double tolerance) {
        double max = maxAbsDiff(reference, other);
        long over = 0;
        for (int i = 0; i < reference.length; i++) {
            if (!(Math.abs((double) other[i] - reference[i]) <= tolerance)) {
                over++;
            }
        }
        agreement.put(what + "_max_abs_diff", max);
        agreement.put(what + "_rows_over_tolerance", over);
        if (over > 0) {
            problems.add(what + ": " + over + " predictions differ from the floor's by more than " + tolerance + " (max " + max + ")");
        }
    }

    /** Read the Parquet files, score them with Scorer, write the scores as Parquet: what the transform job does. Timed. */
    private Run endToEnd(SparkSession spark, String label, int run, List<String> files, long rows, List<String> features, byte[] model, HeapSampler heap,
                         GcHeap gc, SparkActivity activity, long probeMs, long sampleStep, Map<Long, Double> sample) throws InterruptedException {
        Path outDir = tmp.resolve("scored-" + label + "-" + run);
        Measure.settle();
        activity.reset();
        heap.reset();
        gc.reset();
        long rssBefore = ProcessMemory.rssBytes();
        boolean peakReset = ProcessMemory.resetPeak();
        double busy0 = ProcessMemory.machineBusySeconds();
        long c0 = Measure.processCpuNanos();
        long t0 = System.nanoTime();
        try (LiveSetProbe probe = probeMs > 0 ? new LiveSetProbe(probeMs) : null) {
            Dataset<Row> input = spark.read().parquet(files.toArray(String[]::new));
            Dataset<Row> scored = Scorer.score(spark, input, List.of("id"), features, model, sizes.batch(), null);
            scored.write().mode("overwrite").parquet(outDir.toUri().toString());
        }
        double seconds = Measure.seconds(t0);
        double cpu = (Measure.processCpuNanos() - c0) / 1e9;
        double other = Math.max(0, ProcessMemory.machineBusySeconds() - busy0 - cpu);
        long peakRss = ProcessMemory.peakRssBytes();
        long[] peaks = heap.peaks();
        long afterGc = gc.maxAfterGc();
        int gcs = gc.count();
        activity.drain();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("threads", spark.sparkContext().defaultParallelism());
        details.put("spark_master", spark.sparkContext().master());
        details.put("batch", sizes.batch());
        details.put("input_files", files.size());
        details.put("peak_rss_reset_before_run", peakReset);
        details.put("stages", stages(activity));
        details.put("peak_heap_after_gc_sampled_bytes", peaks[1]);
        details.put("heap_after_last_gc_bytes", gc.lastAfterGc());
        details.put("live_set_probe_period_ms", probeMs);
        details.put("live_set_max_bytes", gc.maxAfterForcedGc());
        details.put("live_set_probes", gc.forcedCount());
        details.put("live_set_probe_pause_seconds", gc.forcedPauseMs() / 1000.0);
        // untimed: what was written
        Dataset<Row> written = spark.read().parquet(outDir.toUri().toString());
        details.put("rows_written", written.count());
        details.put("output_bytes", treeSize(outDir));
        if (sample != null) {
            for (Row r : written.filter("id % " + sampleStep + " = 0").select("id", "score").collectAsList()) {
                sample.put(r.getLong(0), r.getDouble(1));
            }
        }
        IngestBench.deleteTree(outDir);
        return new Run("end-to-end", label, run, rows, seconds, cpu, other, peakRss, rssBefore, peaks[0], afterGc, gcs, details);
    }

    /** The live-set probe's period for a run of {@code rows}: about LIVE_SET_PROBES probes, at least 250 ms apart. */
    static long probePeriodMs(long rows, Run previous) {
        double estimate = rows / previous.rowsPerSecond();
        return Math.max(250, (long) (1000 * estimate / (LIVE_SET_PROBES + 1)));
    }

    /** Not in the ratios: the quarter-size end to end without its write (noop sink), and without the scoring either. */
    private Run profileRun(SparkSession spark, String label, List<String> files, long rows, List<String> features, byte[] model, HeapSampler heap,
                           GcHeap gc, SparkActivity activity, boolean score) {
        Measure.settle();
        activity.reset();
        heap.reset();
        gc.reset();
        long c0 = Measure.processCpuNanos();
        long t0 = System.nanoTime();
        Dataset<Row> input = spark.read().parquet(files.toArray(String[]::new));
        Dataset<Row> d;
        if (score) {
            d = Scorer.score(spark, input, List.of("id"), features, model, sizes.batch(), null);
        } else {
            List<Column> cols = new ArrayList<>();
            cols.add(functions.col("id"));
            features.forEach(f -> cols.add(functions.col(f).cast("float").alias(f)));
            d = input.select(cols.toArray(Column[]::new));
        }
        d.write().format("noop").mode("overwrite").save();
        double seconds = Measure.seconds(t0);
        double cpu = (Measure.processCpuNanos() - c0) / 1e9;
        activity.drain();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("stages", stages(activity));
        return new Run("profile", label, 1, rows, seconds, cpu, 0, -1, -1, heap.peaks()[0], gc.maxAfterGc(), gc.count(), details);
    }

    private static List<Map<String, Object>> stages(SparkActivity activity) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (SparkActivity.Stage st : activity.stageList()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", st.name());
            m.put("tasks", st.tasks());
            m.put("wall_ms", st.wallMs());
            m.put("task_run_ms", st.taskRunMs());
            m.put("task_cpu_ms", st.cpuMs());
            m.put("input_bytes", st.inputBytes());
            m.put("output_bytes", st.outputBytes());
            list.add(m);
        }
        return list;
    }

    /** Scoring rows [0, rows) as float matrices of chunkRows rows (NaN = missing), built by {@code threads} threads. */
    static float[][] matrices(long rows, int features, int chunkRows, int threads) throws Exception {
        int n = (int) ((rows + chunkRows - 1) / chunkRows);
        float[][] chunks = new float[n][];
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                fs.add(pool.submit(() -> {
                    long from = (long) k * chunkRows;
                    int m = (int) Math.min(chunkRows, rows - from);
                    float[] v = new float[m * features];
                    for (int r = 0; r < m; r++) {
                        for (int c = 0; c < features; c++) {
                            v[r * features + c] = feature(from + r, c);
                        }
                    }
                    chunks[k] = v;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        return chunks;
    }

    /**
     * The floor: inplace_predict of every matrix. {@code javaThreads} false: one caller, XGBoost's nthread = threads;
     * true: {@code threads} callers (each its own booster, nthread 1) taking matrices from a shared counter.
     */
    private Run floor(String label, int run, float[][] chunks, byte[] model, float[] pred, HeapSampler heap, GcHeap gc, boolean javaThreads,
                      double matrixSeconds) throws Exception {
        int f = sizes.features();
        int callers = javaThreads ? sizes.threads() : 1;
        int nthread = javaThreads ? 1 : sizes.threads();
        List<Booster> boosters = new ArrayList<>();
        int[] range;
        try {
            for (int i = 0; i < callers; i++) {
                Booster b = XGBoost.loadModel(new ByteArrayInputStream(model));
                b.setParam("nthread", Integer.toString(nthread));
                boosters.add(b);
            }
            range = iterationRange(boosters.get(0));
            // warm-up: each caller predicts the first rows once
            int warmRows = Math.min(20_000, chunks[0].length / f);
            float[] warmRowsValues = Arrays.copyOf(chunks[0], warmRows * f);
            for (Booster b : boosters) {
                b.inplace_predict(warmRowsValues, warmRows, f, Float.NaN, range);
            }
            Measure.settle();
            heap.reset();
            gc.reset();
            long rssBefore = ProcessMemory.rssBytes();
            ProcessMemory.resetPeak();
            double busy0 = ProcessMemory.machineBusySeconds();
            long c0 = Measure.processCpuNanos();
            long t0 = System.nanoTime();
            AtomicInteger next = new AtomicInteger();
            int chunkRows = sizes.chunkRows();
            int[] r = range;
            List<Thread> ts = new ArrayList<>();
            List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (Booster b : boosters) {
                Thread t = new Thread(() -> {
                    try {
                        for (int k; (k = next.getAndIncrement()) < chunks.length; ) {
                            int m = chunks[k].length / f;
                            float[][] p = b.inplace_predict(chunks[k], m, f, Float.NaN, r);
                            int base = k * chunkRows;
                            for (int i = 0; i < m; i++) {
                                pred[base + i] = p[i][0];
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }, "floor-" + ts.size());
                ts.add(t);
                t.start();
            }
            for (Thread t : ts) {
                t.join();
            }
            double seconds = Measure.seconds(t0);
            double cpu = (Measure.processCpuNanos() - c0) / 1e9;
            double other = Math.max(0, ProcessMemory.machineBusySeconds() - busy0 - cpu);
            long peakRss = ProcessMemory.peakRssBytes();
            long[] peaks = heap.peaks();
            if (!failures.isEmpty()) {
                throw new BenchFailure("floor prediction failed: " + failures.get(0));
            }
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("callers", callers);
            details.put("nthread_per_caller", nthread);
            details.put("matrices", chunks.length);
            details.put("matrix_rows", chunkRows);
            details.put("iteration_range", List.of(range[0], range[1]));
            details.put("matrix_build_seconds_untimed", Measure.round(matrixSeconds));
            return new Run(label, label, run, sizes.rows(), seconds, cpu, other, peakRss, rssBefore, peaks[0], gc.maxAfterGc(), gc.count(), details);
        } finally {
            boosters.forEach(Booster::dispose);
        }
    }

    /** As Scorer: trees up to the booster's best iteration when it recorded one. */
    static int[] iterationRange(Booster b) throws XGBoostError {
        String best = b.getAttr("best_iteration");
        return best == null ? new int[] {0, 0} : new int[] {0, Integer.parseInt(best) + 1};
    }

    /** The matrices as one binary file of little-endian float32, rows x features (untimed, for python). */
    static void writeRows(Path file, float[][] chunks, int features) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 22).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            for (float[] c : chunks) {
                int at = 0;
                while (at < c.length) {
                    int n = Math.min(c.length - at, buf.capacity() / 4);
                    buf.clear();
                    buf.asFloatBuffer().put(c, at, n);
                    buf.limit(n * 4);
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                    at += n;
                }
            }
        }
    }

    static float[] readFloats(Path file, int n) throws IOException {
        float[] v = new float[n];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() != 4L * n) {
                throw new BenchFailure(file + " has " + ch.size() + " bytes, expected " + 4L * n);
            }
            ch.map(FileChannel.MapMode.READ_ONLY, 0, 4L * n).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        }
        return v;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            double x = Math.abs((double) a[i] - b[i]);
            if (!(x <= d)) {
                d = Double.isNaN(x) ? Double.POSITIVE_INFINITY : x;
            }
        }
        return d;
    }

    private Run python(Path script, int run, Path rows, Path modelFile, Path predFile) throws Exception {
        Measure.settle();
        JsonNode j = Child.run(List.of(python, script.toString(), rows.toString(), Long.toString(sizes.rows()),
                Integer.toString(sizes.features()), modelFile.toString(), Integer.toString(sizes.threads()), predFile.toString()), "python xgboost");
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("threads", j.get("threads").asInt());
        details.put("xgboost_version", j.get("xgboost_version").asText());
        details.put("numpy_version", j.get("numpy_version").asText());
        details.put("num_boosted_rounds", j.get("num_boosted_rounds").asInt());
        details.put("iteration_range", j.get("iteration_range").toString());
        details.put("peak_rss_reset_before_run", j.get("peak_rss_reset").asBoolean());
        details.put("what", "xgb.Booster(model_file=the JSON XGBoost4J wrote).inplace_predict(numpy float32 C array, missing=nan), nthread = threads");
        return new Run("python", "python", run, j.get("rows").asLong(), j.get("seconds").asDouble(), j.get("cpu_seconds").asDouble(),
                j.get("other_cpu_seconds").asDouble(), j.get("peak_rss_bytes").asLong(), j.get("rss_before_bytes").asLong(), -1, -1, -1, details);
    }

    static long treeSize(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Trees, total nodes and leaves, the base score and the best iteration of the model JSON. */
    static Map<String, Object> modelInfo(byte[] modelJson) throws IOException {
        JsonNode root = new ObjectMapper().readTree(modelJson);
        JsonNode trees = root.path("learner").path("gradient_booster").path("model").path("trees");
        long nodes = 0;
        long leaves = 0;
        int maxDepth = 0;
        for (JsonNode t : trees) {
            JsonNode left = t.path("left_children");
            nodes += left.size();
            int[] depth = new int[left.size()];
            for (int i = 0; i < left.size(); i++) {
                int l = left.get(i).asInt();
                if (l < 0) {
                    leaves++;
                    maxDepth = Math.max(maxDepth, depth[i]);
                } else {
                    depth[l] = depth[i] + 1;
                    depth[t.path("right_children").get(i).asInt()] = depth[i] + 1;
                }
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trees", trees.size());
        m.put("nodes", nodes);
        m.put("leaves", leaves);
        m.put("max_depth_reached", maxDepth);
        m.put("base_score", root.path("learner").path("learner_model_param").path("base_score").asText());
        m.put("best_iteration", root.path("learner").path("attributes").path("best_iteration").asText(null));
        m.put("json_bytes", modelJson.length);
        return m;
    }

    /** Runs a peer process (stderr passed through) and parses the last JSON line of its stdout. */
    static final class Child {
        private Child() {
        }

        static JsonNode run(List<String> cmd, String what) throws IOException, InterruptedException {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = p.waitFor();
            if (code != 0) {
                throw new BenchFailure(what + " exited " + code + (stdout.isBlank() ? "" : ": " + stdout.trim()));
            }
            String last = stdout.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse(null);
            if (last == null) {
                throw new BenchFailure(what + " printed no result");
            }
            return new ObjectMapper().readTree(last);
        }
    }

    /**
     * The heap used right after each GC of a phase (all heap pools, from the GC notifications): what survived the
     * collection, so garbage the collector has not yet reclaimed does not count, as it does in the sampled peak.
     */
    static final class GcHeap implements AutoCloseable {
        private final Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
        private final List<NotificationEmitter> emitters = new ArrayList<>();
        private final NotificationListener listener = (n, h) -> {
            if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                long used = 0;
                for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                    if (heapPools.contains(e.getKey())) {
                        used += e.getValue().getUsed();
                    }
                }
                record(used, "System.gc()".equals(info.getGcCause()), info.getGcInfo().getDuration());
            }
        };
        private long max;
        private long last = -1;
        private int count;
        private long maxForced;
        private int forced;
        private long forcedMs;

        GcHeap() {
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof NotificationEmitter e) {
                    e.addNotificationListener(listener, null, null);
                    emitters.add(e);
                }
            }
        }

        private synchronized void record(long used, boolean full, long ms) {
            max = Math.max(max, used);
            last = used;
            count++;
            if (full) {
                maxForced = Math.max(maxForced, used);
                forced++;
                forcedMs += ms;
            }
        }

        synchronized void reset() {
            max = 0;
            last = -1;
            count = 0;
            maxForced = 0;
            forced = 0;
            forcedMs = 0;
        }

        /** The largest heap used after a forced full GC (the live set then) since the reset; 0 when none ran. */
        synchronized long maxAfterForcedGc() {
            return maxForced;
        }

        synchronized int forcedCount() {
            return forced;
        }

        synchronized long forcedPauseMs() {
            return forcedMs;
        }

        /** The largest heap used after a GC since the reset; 0 when no GC ran. */
        synchronized long maxAfterGc() {
            return max;
        }

        synchronized long lastAfterGc() {
            return last;
        }

        synchronized int count() {
            return count;
        }

        @Override
        public void close() {
            for (NotificationEmitter e : emitters) {
                try {
                    e.removeNotificationListener(listener);
                } catch (Exception ignored) {
                    // already gone
                }
            }
        }
    }

    /**
     * Forces a full GC every {@code periodMs} while a run goes on, so the heap after it is the run's live set at that
     * moment (the young collections' "after GC" also counts the garbage promoted since the last old-generation cycle,
     * which with a large heap grows with the run's length, not with what the job holds). The pauses are part of the timed
     * run and reported.
     */
    static final class LiveSetProbe implements AutoCloseable {
        private final Thread thread;
        private volatile boolean running = true;

        LiveSetProbe(long periodMs) {
            thread = new Thread(() -> {
                while (running) {
                    try {
                        Thread.sleep(periodMs);
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (running) {
                        System.gc();
                    }
                }
            }, "bench-live-set-probe");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join();
        }
    }

    // ------------------------------------------------------------------ report

    private static Run find(List<Run> runs, String engine, String label) {
        return runs.stream().filter(r -> r.engine().equals(engine) && (label == null || r.label().equals(label))).findFirst().orElse(null);
    }

    /** The fastest run of an engine (and label); null when there is none. */
    private static Run best(List<Run> runs, String engine, String label) {
        return runs.stream().filter(r -> r.engine().equals(engine) && (label == null || r.label().equals(label)))
                .min((a, b) -> Double.compare(a.seconds(), b.seconds())).orElse(null);
    }

    private static Run leastCpu(List<Run> runs, String engine, String label) {
        return runs.stream().filter(r -> r.engine().equals(engine) && (label == null || r.label().equals(label)))
                .min((a, b) -> Double.compare(a.cpuSeconds(), b.cpuSeconds())).orElse(null);
    }

    private static double otherShare(Run r, int cores) {
        return r.otherCpuSeconds() / (cores * r.seconds());
    }

    private void report(List<Run> runs, List<Run> profileRuns, Run warm, Map<String, Object> agreement, List<String> problems, String pythonSkipped,
                        Map<String, Object> modelInfo, double trainSeconds, long dataBytes, double genSeconds, int cores, float[] floorPred)
            throws IOException {
        Run full = best(runs, "end-to-end", "full");
        Run quarter = best(runs, "end-to-end", "quarter");
        Run floorA = best(runs, "floor-xgboost-threads", null);
        Run floorB = best(runs, "floor-java-threads", null);
        Run floor = floorA.seconds() <= floorB.seconds() ? floorA : floorB;
        Run py = best(runs, "python", null);
        String x4j = TrainBench.xgboost4jVersion();
        String pyVersion = py == null ? null : (String) py.details().get("xgboost_version");
        double e2eFloor = full.rowsPerSecond() / floor.rowsPerSecond();
        Double pyFloor = py == null ? null : py.rowsPerSecond() / floor.rowsPerSecond();
        Double e2ePy = py == null ? null : full.rowsPerSecond() / py.rowsPerSecond();
        boolean goalMet = e2eFloor >= GOAL;
        // CPU: rows per CPU second of the run that took the least CPU of each engine
        double e2eCpu = leastCpu(runs, "end-to-end", "full").cpuSeconds();
        double floorCpu = Math.min(leastCpu(runs, "floor-xgboost-threads", null).cpuSeconds(), leastCpu(runs, "floor-java-threads", null).cpuSeconds());
        Double pyCpu = py == null ? null : leastCpu(runs, "python", null).cpuSeconds();
        double cpuE2eFloor = floorCpu / e2eCpu;
        long liveQuarter = liveSet(quarter);
        long liveFull = runs.stream().filter(r -> r.engine().equals("end-to-end") && r.label().equals("full")).mapToLong(TransformBench::liveSet).max()
                .orElse(-1);
        long bound = (long) (MEMORY_GROWTH_BOUND * liveQuarter) + (64L << 20);
        boolean bounded = liveQuarter > 0 && liveFull > 0 && liveFull <= bound;
        double mean = 0;
        for (float v : floorPred) {
            mean += v;
        }
        mean /= floorPred.length;

        out.printf(Locale.ROOT, "%nScoring: %,d rows x %d features (%.0f%% missing in columns %d+: nulls in the Parquet, NaN in the matrices); model: "
                        + "%s trees, depth %d (%s nodes, reached depth %s), trained untimed on %,d rows in %.1fs; mean score %.4f%n", sizes.rows(), sizes.features(),
                100 * TrainBench.MISSING_SHARE, TrainBench.MISSING_FROM_COLUMN, modelInfo.get("trees"), sizes.depth(), modelInfo.get("nodes"),
                modelInfo.get("max_depth_reached"), sizes.trainRows(), trainSeconds, mean);
        out.printf(Locale.ROOT, "data: Parquet (id + %d doubles, snappy, %d files) %s, written untimed in %.1fs; %d cores, %d threads everywhere; "
                        + "XGBoost4J %s in a JVM with %s max heap; python: %s%n", sizes.features(), PARQUET_FILES, IngestBench.mb(dataBytes), genSeconds,
                cores, sizes.threads(), x4j, IngestBench.mb(Runtime.getRuntime().maxMemory()), py == null ? "SKIPPED" : python + " xgboost " + pyVersion);
        out.printf(Locale.ROOT, "end to end: Parquet -> Scorer.score (batch %,d) -> Parquet (id, score, predicted_class) on Spark %s; warm-up at %,d rows "
                + "first (%.2fs); then the quarter run, and %d rounds of: end to end, floor, python%n%n", sizes.batch(), full.details().get("spark_master"),
                warm.rows(), warm.seconds(), sizes.repeats());
        out.printf(Locale.ROOT, "%-34s %3s %11s %8s %10s %6s %10s %10s %10s %12s %10s %5s %6s%n", "engine", "run", "rows", "seconds", "rows/s", "cpu s",
                "peak RSS", "RSS growth", "peak heap", "heap aft GC", "live set", "GCs", "other%");
        for (Run r : runs) {
            long live = liveSet(r);
            out.printf(Locale.ROOT, "%-34s %3d %,11d %8.2f %,10.0f %6.1f %10s %10s %10s %12s %10s %5s %5.0f%%%n", describe(r), r.run(), r.rows(),
                    r.seconds(), r.rowsPerSecond(), r.cpuSeconds(), IngestBench.mb(r.peakRss()), IngestBench.mb(r.peakRss() - r.rssBefore()),
                    r.peakHeap() < 0 ? "-" : IngestBench.mb(r.peakHeap()), r.heapAfterGc() < 0 ? "-" : IngestBench.mb(r.heapAfterGc()),
                    live <= 0 ? "-" : IngestBench.mb(live), r.gcs() < 0 ? "-" : Integer.toString(r.gcs()), 100 * otherShare(r, cores));
        }
        out.printf(Locale.ROOT, "(peak heap: sampled every 50 ms, garbage included; heap aft GC: the largest heap used right after any GC; live set: the "
                + "largest heap used after the ~%d full GCs forced during the quarter run and the first full run (their pauses, inside those timed "
                + "runs: %.2fs and %.2fs); RSS growth: peak RSS minus RSS at the start; other%%: CPU other processes took, share of %d cores)%n", LIVE_SET_PROBES,
                (Double) quarter.details().get("live_set_probe_pause_seconds"),
                (Double) find(runs, "end-to-end", "full").details().get("live_set_probe_pause_seconds"), cores);
        if (!profileRuns.isEmpty()) {
            Run read = find(profileRuns, "profile", "read");
            Run readScore = find(profileRuns, "profile", "read+score");
            out.printf(Locale.ROOT, "profile at %,d rows (not in the ratios; cpu s of the process): Parquet read + float cast alone %.2fs (cpu %.1f s), "
                            + "+ Scorer (noop sink) %.2fs (cpu %.1f s), + Parquet write = the quarter run %.2fs (cpu %.1f s); the floor at that size: %.2fs "
                            + "(cpu %.1f s)%n", read.rows(), read.seconds(), read.cpuSeconds(), readScore.seconds(), readScore.cpuSeconds(), quarter.seconds(),
                    quarter.cpuSeconds(), quarter.rows() / floor.rowsPerSecond(), floorCpu * quarter.rows() / floor.rows());
        }
        double maxOther = runs.stream().filter(r -> r.seconds() >= 1).mapToDouble(r -> otherShare(r, cores)).max().orElse(0);
        if (maxOther > 0.1) {
            out.printf(Locale.ROOT, "WARNING: other processes took up to %.0f%% of the machine's CPU during a run: the figures are noisy%n", 100 * maxOther);
        }
        out.printf(Locale.ROOT, "%nratios use the best run of each: end to end run %d, floor %s run %d (%,.0f rows/s; the best of the other way: %,.0f rows/s)%s%n",
                full.run(), describe(floor), floor.run(), floor.rowsPerSecond(), (floor == floorA ? floorB : floorA).rowsPerSecond(),
                py == null ? "" : ", python run " + py.run());
        out.printf(Locale.ROOT, "end-to-end/floor rows/s ratio = %.2f   (goal >= %.1f: %s)%n", e2eFloor, GOAL, goalMet ? "met" : "NOT met");
        out.printf(Locale.ROOT, "end-to-end/floor rows per CPU second = %.2f (least CPU of each: end to end %.1f s, floor %.1f s; not the goal, less "
                + "sensitive to other processes than wall time)%n", cpuE2eFloor, e2eCpu, floorCpu);
        if (py == null) {
            out.printf(Locale.ROOT, "python peer SKIPPED: %s%n", pythonSkipped);
        } else {
            out.printf(Locale.ROOT, "python/floor rows/s ratio = %.2f   (python xgboost %s vs XGBoost4J %s: different XGBoost versions, same model JSON; "
                    + "rows per CPU second %.2f)%n", pyFloor, pyVersion, x4j, floorCpu / pyCpu);
            out.printf(Locale.ROOT, "end-to-end/python rows/s ratio = %.2f   (rows per CPU second %.2f)%n", e2ePy, pyCpu / e2eCpu);
        }
        out.printf(Locale.ROOT, "memory: end to end live set %s at %,d rows (largest of the full runs) vs %s at %,d rows (%.2fx for %.1fx the rows): %s; "
                        + "peak heap used %s vs %s, peak RSS %s vs %s%n", IngestBench.mb(liveFull), full.rows(), IngestBench.mb(liveQuarter), quarter.rows(),
                liveFull / (double) Math.max(1, liveQuarter), full.rows() / (double) quarter.rows(),
                bounded ? "bounded (does not grow with the rows)" : "GROWS with the rows", IngestBench.mb(full.peakHeap()),
                IngestBench.mb(quarter.peakHeap()), IngestBench.mb(full.peakRss()), IngestBench.mb(quarter.peakRss()));
        out.printf(Locale.ROOT, "agreement: end to end vs floor on %,d sampled rows max |diff| %.2g (tolerance %.0g); python vs floor on all rows max |diff| %s "
                        + "(tolerance %.0g)%n", agreement.get("end_to_end_sample_rows"), agreement.get("end_to_end_vs_floor_max_abs_diff"), FLOOR_TOLERANCE,
                py == null ? "-" : String.format(Locale.ROOT, "%.2g", (Double) agreement.get("python_round_1_max_abs_diff")), PYTHON_TOLERANCE);

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "transform");
        json.put("measured_at", Instant.now().toString());
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("cores", cores);
        env.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
        env.put("java_version", System.getProperty("java.version"));
        env.put("code_version", dev.mlops.core.Versions.codeVersion());
        env.put("xgboost4j_version", x4j);
        env.put("python", python);
        env.put("python_xgboost_version", pyVersion);
        json.put("environment", env);
        json.put("rows", sizes.rows());
        json.put("features", sizes.features());
        json.put("trees", sizes.trees());
        json.put("depth", sizes.depth());
        json.put("batch", sizes.batch());
        json.put("threads", sizes.threads());
        json.put("repeats", sizes.repeats());
        Map<String, Object> modelJson = new LinkedHashMap<>(modelInfo);
        modelJson.put("booster_params", boosterParams());
        modelJson.put("train_rows", sizes.trainRows());
        modelJson.put("early_stopping", false);
        modelJson.put("best_iteration_as_trained", bestIterationAsTrained);
        modelJson.put("best_iteration_note", "XGBoost4J records the best validation round even without early stopping; the bench sets best_iteration "
                + "to the last round so every tree scores (Scorer, the floor and python all predict with the trees up to best_iteration)");
        modelJson.put("train_seconds_untimed", Measure.round(trainSeconds));
        json.put("model", modelJson);
        json.put("data", "TrainBench's formula at rows 2^40 + id (uniform features; " + Math.round(100 * TrainBench.MISSING_SHARE) + "% missing in columns "
                + TrainBench.MISSING_FROM_COLUMN + "+: nulls in the Parquet, NaN in the matrices); Parquet: id + features as doubles, snappy, "
                + PARQUET_FILES + " files, written untimed");
        json.put("data_bytes", dataBytes);
        json.put("generate_seconds", Measure.round(genSeconds));
        json.put("timed", Map.of(
                "end-to-end", "spark.read.parquet -> Scorer.score(passThrough [id], features, batch) -> write.parquet (id, score, predicted_class)",
                "floor", "Booster.inplace_predict on float matrices already in memory (not their building), scores copied into one float[]",
                "python", "Booster.inplace_predict on a numpy float32 array already in memory"));
        List<Map<String, Object>> rj = new ArrayList<>();
        for (Run r : runs) {
            rj.add(runJson(r));
        }
        json.put("runs", rj);
        if (!profileRuns.isEmpty()) {
            List<Map<String, Object>> pj = new ArrayList<>();
            for (Run r : profileRuns) {
                pj.add(runJson(r));
            }
            json.put("profile", pj);
            json.put("profile_note", "the quarter-size end to end without the Parquet write (noop sink: read + Scorer) and without the scoring either "
                    + "(read + the float cast); the whole is the quarter run in runs");
        }
        json.put("warmup", runJson(warm));
        json.put("end_to_end_rows_per_second", Math.round(full.rowsPerSecond()));
        json.put("floor_rows_per_second", Math.round(floor.rowsPerSecond()));
        json.put("floor_mode", floor.engine());
        json.put("run_choice", "the fastest of " + sizes.repeats() + " full end-to-end runs (run " + full.run() + "), of all floor runs (" + floor.engine()
                + " run " + floor.run() + ")" + (py == null ? "" : ", of " + sizes.repeats() + " python runs (run " + py.run() + ")"));
        json.put("ratio_end_to_end_floor", Math.round(e2eFloor * 1000) / 1000.0);
        json.put("ratio_end_to_end_floor_rows_per_cpu_second", Math.round(cpuE2eFloor * 1000) / 1000.0);
        json.put("least_cpu_seconds", py == null ? Map.of("end_to_end", Measure.round(e2eCpu), "floor", Measure.round(floorCpu))
                : Map.of("end_to_end", Measure.round(e2eCpu), "floor", Measure.round(floorCpu), "python", Measure.round(pyCpu)));
        json.put("goal_end_to_end_floor", ">= " + GOAL);
        json.put("goal_end_to_end_floor_met", goalMet);
        if (py != null) {
            json.put("python_rows_per_second", Math.round(py.rowsPerSecond()));
            json.put("ratio_python_floor", Math.round(pyFloor * 1000) / 1000.0);
            json.put("ratio_end_to_end_python", Math.round(e2ePy * 1000) / 1000.0);
            json.put("ratio_python_floor_rows_per_cpu_second", Math.round(floorCpu / pyCpu * 1000) / 1000.0);
            json.put("ratio_end_to_end_python_rows_per_cpu_second", Math.round(pyCpu / e2eCpu * 1000) / 1000.0);
            json.put("versions_note", "XGBoost4J " + x4j + " vs python xgboost " + pyVersion + ": different XGBoost versions, same model JSON");
        } else {
            json.put("python_skipped", pythonSkipped);
        }
        Map<String, Object> mem = new LinkedHashMap<>();
        mem.put("quarter_rows", quarter.rows());
        mem.put("full_rows", full.rows());
        mem.put("quarter_live_set_bytes", liveQuarter);
        mem.put("full_live_set_bytes", liveFull);
        mem.put("quarter_heap_after_gc_bytes", quarter.heapAfterGc());
        mem.put("full_heap_after_gc_bytes", full.heapAfterGc());
        mem.put("quarter_peak_heap_bytes", quarter.peakHeap());
        mem.put("full_peak_heap_bytes", full.peakHeap());
        mem.put("quarter_peak_rss_bytes", quarter.peakRss());
        mem.put("full_peak_rss_bytes", full.peakRss());
        mem.put("bounded", bounded);
        mem.put("bounded_rule", "live set (largest heap after the full GCs forced during the run) of the full run <= " + MEMORY_GROWTH_BOUND
                + " x the quarter run's + 64 MB");
        json.put("end_to_end_memory", mem);
        json.put("agreement", agreement);
        json.put("max_other_cpu_share", Math.round(maxOther * 1000) / 1000.0);
        json.put("problems", problems);
        Path file = repo.resolve("jobs/bench/target/results/transform.json");
        Files.createDirectories(file.getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json);
        out.printf(Locale.ROOT, "%nwrote %s%n", file);
        if (!problems.isEmpty()) {
            throw new BenchFailure("the engines disagree or failed: " + problems);
        }
    }

    private static long liveSet(Run r) {
        Object v = r.details().get("live_set_max_bytes");
        return v instanceof Long l ? l : -1;
    }

    private static String describe(Run r) {
        return switch (r.engine()) {
            case "end-to-end" -> "end to end (" + r.label() + ")";
            case "floor-xgboost-threads" -> "floor: 1 caller x nthread " + r.details().get("nthread_per_caller");
            case "floor-java-threads" -> "floor: " + r.details().get("callers") + " callers x nthread 1";
            case "python" -> "python inplace_predict";
            default -> r.engine() + " " + r.label();
        };
    }

    private static Map<String, Object> runJson(Run r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("engine", r.engine());
        m.put("label", r.label());
        m.put("run", r.run());
        m.put("rows", r.rows());
        m.put("seconds", Measure.round(r.seconds()));
        m.put("rows_per_second", Math.round(r.rowsPerSecond()));
        m.put("process_cpu_seconds", Measure.round(r.cpuSeconds()));
        m.put("other_processes_cpu_seconds", Measure.round(r.otherCpuSeconds()));
        if (r.peakRss() >= 0) {
            m.put("peak_rss_bytes", r.peakRss());
            m.put("rss_before_bytes", r.rssBefore());
            m.put("peak_rss_growth_bytes", r.peakRss() - r.rssBefore());
        }
        if (r.peakHeap() >= 0) {
            m.put("peak_heap_used_bytes", r.peakHeap());
            m.put("heap_after_gc_max_bytes", r.heapAfterGc());
            m.put("gcs", r.gcs());
        }
        m.putAll(r.details());
        return m;
    }
}
