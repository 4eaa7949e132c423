package dev.mlops.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.mlops.bench.IngestBench.BenchFailure;
import dev.mlops.train.LocalXgboost;
import dev.mlops.train.Matrix;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * Training next to Python XGBoost measured in the same run (compare the ratio across machines, not
 * the seconds).
 *
 * <p>{@code bench.train.rows} training rows (default 1,000,000) x {@code bench.train.features}
 * features (default 30, at least 8), plus 10% more rows held out, generated from a formula
 * (splitmix64 of (row, column): uniform features, 2% missing (NaN) in the columns from 20 on; the
 * label a nonlinear function of the first eight features plus noise) and written once as a binary
 * file of little-endian float32, rows x (1 + features), label first. Both sides read that file
 * untimed into their in-memory matrices (ours: {@link Matrix} records; python: C-contiguous numpy
 * arrays via {@code numpy.fromfile}); then each is timed for what {@link LocalXgboost#train} does:
 * DMatrix of the training and the held-out rows, {@code bench.train.rounds} rounds (default 200)
 * with both as watches (train, validation) and no early stopping, and the model serialized as JSON:
 * <ul>
 *   <li>ours: {@link LocalXgboost#train} in this JVM (XGBoost4J), SageMaker's names
 *       ({@code num_round});</li>
 *   <li>python: {@code xgb.train} on {@code /usr/bin/python3} (Debian's python3-xgboost 1.7: another
 *       XGBoost version than XGBoost4J's, reported), in a child process per run. Skipped, with a
 *       note, when that python has no xgboost.</li>
 * </ul>
 * Same booster parameters on both sides ({@link #boosterParams}: reg:squarederror, max_depth 6,
 * eta 0.1, subsample 0.8, hist, seed 7, and {@code nthread} = {@code bench.train.threads}, default
 * the cores), plus eval_metric rmse and verbosity 0 as LocalXgboost sets them. Order: ours warm-up
 * at a small size, then python, ours, {@code bench.train.repeats} times (default 3); the ratio uses
 * the best run of each. Memory: peak RSS of each process during its run (/proc VmHWM reset at the
 * start; it includes the data already in memory and, for ours, the heap the JVM had touched), plus
 * ours' heap peaks. Each run also reports the CPU other processes took meanwhile (/proc/stat).
 * Correctness: the RMSE of each model on the held-out rows (its own predictions, untimed) must be
 * within 2% of the other's, else exit 1.
 *
 * <p>Each size is a system property (the pom passes {@code -Dbench.train.*} through) or the
 * environment variable {@code BENCH_TRAIN_ROWS}, {@code _FEATURES}, {@code _ROUNDS},
 * {@code _REPEATS}, {@code _THREADS}; {@code bench.train.python} picks the python. Writes
 * {@code jobs/bench/target/results/train.json}.
 */
public final class TrainBench {
    static final long SEED = 7L;
    static final int MISSING_FROM_COLUMN = 20;
    static final double MISSING_SHARE = 0.02;
    static final double GOAL_TIME = 1.2;
    static final double RMSE_TOLERANCE = 0.02;
    /** The mean of the label's formula (0 + 1 + 0.25 + 5/12 + 1 + (e - 1)) minus 0.5. */
    static final double LABEL_SHIFT = 2.25 + 5.0 / 12 + Math.E - 1 - 0.5;

    private final Sizes sizes;
    private final Path repo;
    private final Path tmp;
    private final String python;
    private final PrintWriter out = new PrintWriter(System.out, true);

    record Sizes(int rows, int features, int rounds, int repeats, int threads) {
        int holdout() {
            return Math.max(100, rows / 10);
        }

        Sizes warmup() {
            return new Sizes(Math.max(1_000, Math.min(rows, 20_000)), features, Math.max(1, Math.min(rounds, 10)), 1, threads);
        }
    }

    /** One timed training run. */
    record Run(String engine, int run, double seconds, double dmatrixSeconds, double cpuSeconds, double otherCpuSeconds, long peakRss,
               long rssBefore, long peakHeap, long peakHeapAfterGc, double holdoutRmse, double validationRmse, int rounds, long modelBytes,
               Map<String, Object> details) {
    }

    private TrainBench(Sizes sizes, Path repo, Path tmp, String python) {
        this.sizes = sizes;
        this.repo = repo;
        this.tmp = tmp;
        this.python = python;
    }

    public static void main(String[] args) {
        BenchMain.run("mlops-tbench-", tmp -> {
            int cores = Runtime.getRuntime().availableProcessors();
            Sizes sizes = new Sizes((int) size("rows", 1_000_000L, 1_000, Integer.MAX_VALUE / 64), (int) size("features", 30L, 8, 1_000),
                    (int) size("rounds", 200L, 1, 100_000), (int) size("repeats", 3L, 1, 100), (int) size("threads", cores, 1, 1_024));
            new TrainBench(sizes, IngestBench.findRepo(), tmp, setting("python", "/usr/bin/python3")).run();
        });
    }

    /** System property bench.train.NAME, else env BENCH_TRAIN_NAME, else the default. */
    static String setting(String name, String dflt) {
        return BenchMain.setting("train", name, dflt);
    }

    static long size(String name, long dflt, long min, long max) {
        return BenchMain.size("train", name, dflt, min, max);
    }

    /** The booster parameters both sides get (python also gets eval_metric and verbosity, which LocalXgboost adds). */
    static Map<String, Object> boosterParams(int threads) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("objective", "reg:squarederror");
        p.put("max_depth", 6);
        p.put("eta", 0.1);
        p.put("subsample", 0.8);
        p.put("tree_method", "hist");
        p.put("seed", 7);
        p.put("nthread", threads);
        return p;
    }

    // ------------------------------------------------------------------ data

    static long splitmix64(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A uniform [0, 1) from the hash of (row, column), 24 bits like a float's mantissa. */
    static double uniform(long row, long col) {
        return (splitmix64(splitmix64(SEED ^ row) + col) >>> 40) / (double) (1L << 24);
    }

    /** Feature value of (row, col); NaN (missing) for ~2% of the values of the columns from 20 on. */
    static float feature(long row, int col) {
        if (col >= MISSING_FROM_COLUMN && uniform(row, 10_000L + col) < MISSING_SHARE) {
            return Float.NaN;
        }
        return (float) uniform(row, col);
    }

    /**
     * The label: a nonlinear function of the first eight features plus roughly normal noise (sd 0.5), shifted so its mean
     * is about 0.5: python xgboost 1.7 starts from base_score 0.5, XGBoost 3 from the labels' mean, and with an offset
     * the two would differ for the first rounds for that reason alone.
     */
    static float label(long row, float[] x) {
        double y = 3 * Math.sin(2 * Math.PI * x[0]) + 4 * x[1] * x[2] + (x[3] > 0.5 ? 2 * x[4] : -x[4])
                + 5 * (x[5] - 0.5) * (x[5] - 0.5) + 2 * x[6] + Math.exp(x[7]) - LABEL_SHIFT;
        double noise = (uniform(row, -1) + uniform(row, -2) + uniform(row, -3) + uniform(row, -4) - 2) * Math.sqrt(3);
        return (float) (y + 0.5 * noise);
    }

    /** Writes rows x (1 + features) little-endian float32, label first; returns the file's size. */
    static long write(Path file, int totalRows, int features) throws IOException {
        int width = features + 1;
        int perChunk = Math.max(1, (1 << 20) / (4 * width));
        ByteBuffer buf = ByteBuffer.allocateDirect(perChunk * width * 4).order(ByteOrder.LITTLE_ENDIAN);
        float[] x = new float[features];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int r = 0; r < totalRows; r++) {
                for (int c = 0; c < features; c++) {
                    x[c] = feature(r, c);
                }
                buf.putFloat(label(r, x));
                for (float v : x) {
                    buf.putFloat(v);
                }
                if (!buf.hasRemaining() || r == totalRows - 1) {
                    buf.flip();
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                    buf.clear();
                }
            }
        }
        return Files.size(file);
    }

    /** Rows [from, from + rows) of the file as a Matrix. */
    static Matrix read(Path file, int from, int rows, int features) throws IOException {
        int width = features + 1;
        float[] values = new float[rows * features];
        float[] labels = new float[rows];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            var map = ch.map(FileChannel.MapMode.READ_ONLY, (long) from * width * 4, (long) rows * width * 4).order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer();
            for (int r = 0; r < rows; r++) {
                labels[r] = map.get();
                map.get(values, r * features, features);
            }
        }
        return new Matrix(values, rows, features, labels);
    }

    // ------------------------------------------------------------------ the bench

    private void run() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        long t0 = System.nanoTime();
        Sizes warmSizes = sizes.warmup();
        Path warmFile = tmp.resolve("warmup.f32");
        write(warmFile, warmSizes.rows() + warmSizes.holdout(), warmSizes.features());
        Path dataFile = tmp.resolve("train.f32");
        long dataBytes = write(dataFile, sizes.rows() + sizes.holdout(), sizes.features());
        double genSeconds = Measure.seconds(t0);
        System.err.printf(Locale.ROOT, "bench: wrote %,d + %,d held-out rows x (1 + %d) float32 (%s) in %.1fs%n", sizes.rows(), sizes.holdout(),
                sizes.features(), IngestBench.mb(dataBytes), genSeconds);

        String pythonSkipped = BenchMain.xgboostMissing(python);
        if (pythonSkipped != null) {
            System.err.println("bench: python peer SKIPPED: " + pythonSkipped);
        }
        Path script = tmp.resolve("xgboost_train.py");
        try (InputStream in = TrainBench.class.getResourceAsStream("xgboost_train.py")) {
            Files.copy(Objects.requireNonNull(in, "xgboost_train.py resource"), script, StandardCopyOption.REPLACE_EXISTING);
        }

        List<Run> runs = new ArrayList<>();
        Map<String, Object> dmatrixAlone;
        try (HeapSampler heap = new HeapSampler()) {
            System.err.printf(Locale.ROOT, "bench: warm-up of ours at %,d rows, %d rounds%n", warmSizes.rows(), warmSizes.rounds());
            Run warm = ours(read(warmFile, 0, warmSizes.rows(), warmSizes.features()),
                    read(warmFile, warmSizes.rows(), warmSizes.holdout(), warmSizes.features()), warmSizes, heap, 0);
            Matrix train = read(dataFile, 0, sizes.rows(), sizes.features());
            Matrix holdout = read(dataFile, sizes.rows(), sizes.holdout(), sizes.features());
            System.err.printf(Locale.ROOT, "bench: timed runs at %,d rows x %d features, %d rounds, %d threads: python, ours, %d times%n",
                    sizes.rows(), sizes.features(), sizes.rounds(), sizes.threads(), sizes.repeats());
            for (int run = 1; run <= sizes.repeats(); run++) {
                if (pythonSkipped == null) {
                    runs.add(python(script, dataFile, run));
                }
                runs.add(ours(train, holdout, sizes, heap, run));
            }
            dmatrixAlone = dmatrixAlone(train, holdout);
            report(runs, warm, dmatrixAlone, baselineRmse(train.labels(), holdout.labels()), pythonSkipped, dataBytes, genSeconds, cores,
                    heap.maxHeap());
        }
    }

    private Run ours(Matrix train, Matrix holdout, Sizes s, HeapSampler heap, int run) {
        Map<String, Object> hp = new LinkedHashMap<>(boosterParams(s.threads()));
        hp.put("num_round", s.rounds());
        // XGBoost4J prints every round's evaluation to the console unless told not to (verbosity 0 does not stop it):
        // off, as python's verbose_eval=False (LocalXgboost does not set it; a booster ignores the parameter)
        hp.put("verbose_eval", "false"); // XGBoost4J compares with the string "false" or the int 0, not Boolean.FALSE
        Measure.settle();
        heap.reset();
        long rssBefore = ProcessMemory.rssBytes();
        boolean peakReset = ProcessMemory.resetPeak();
        double busy0 = ProcessMemory.machineBusySeconds();
        long c0 = Measure.processCpuNanos();
        long t0 = System.nanoTime();
        LocalXgboost.Trained trained = LocalXgboost.train(train, holdout, hp);
        double seconds = Measure.seconds(t0);
        double cpu = (Measure.processCpuNanos() - c0) / 1e9;
        double other = Math.max(0, ProcessMemory.machineBusySeconds() - busy0 - cpu);
        long peakRss = ProcessMemory.peakRssBytes();
        long[] peaks = heap.peaks();
        // untimed: the model's own predictions on the held-out rows
        double rmse = rmse(LocalXgboost.predict(trained.model(), holdout), holdout.labels());
        int rounds = boostedRounds(trained.model());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("threads", s.threads());
        details.put("peak_rss_reset_before_training", peakReset);
        details.put("best_iteration", trained.bestIteration());
        details.put("base_score", baseScore(trained.model()));
        return new Run("ours", run, seconds, Double.NaN, cpu, other, peakRss, rssBefore, peaks[0], peaks[1], rmse, trained.validationScore(),
                rounds, trained.model().length, details);
    }

    private Run python(Path script, Path data, int run) throws Exception {
        Map<String, Object> params = new LinkedHashMap<>(boosterParams(sizes.threads()));
        params.put("eval_metric", "rmse");
        params.put("verbosity", 0);
        Measure.settle();
        JsonNode j = child(List.of(python, script.toString(), data.toString(), Integer.toString(sizes.rows()), Integer.toString(sizes.holdout()),
                Integer.toString(sizes.features()), Integer.toString(sizes.rounds()), Integer.toString(sizes.threads()),
                new ObjectMapper().writeValueAsString(params)), "python xgboost");
        if (j == null) {
            throw new BenchFailure("python xgboost printed no result");
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("threads", j.get("threads").asInt());
        details.put("xgboost_version", j.get("xgboost_version").asText());
        details.put("numpy_version", j.get("numpy_version").asText());
        details.put("peak_rss_reset_before_training", j.get("peak_rss_reset").asBoolean());
        details.put("train_seconds", Measure.round(j.get("train_seconds").asDouble()));
        details.put("train_rmse_last_round", j.get("train_rmse_last_round").asDouble());
        details.put("base_score", j.get("base_score").asText());
        return new Run("python", run, j.get("seconds").asDouble(), j.get("dmatrix_seconds").asDouble(), j.get("cpu_seconds").asDouble(),
                j.get("other_cpu_seconds").asDouble(), j.get("peak_rss_bytes").asLong(), j.get("rss_before_bytes").asLong(), -1, -1,
                j.get("holdout_rmse").asDouble(), j.get("validation_rmse_last_round").asDouble(), j.get("rounds").asInt(),
                j.get("model_bytes").asLong(), details);
    }

    /**
     * Not in the ratio: XGBoost4J's DMatrix of the same two matrices (the constructor LocalXgboost uses), timed alone, to
     * split ours' time into DMatrix construction and training as the python peer reports its own.
     */
    private Map<String, Object> dmatrixAlone(Matrix train, Matrix holdout) throws Exception {
        Measure.settle();
        long t0 = System.nanoTime();
        DMatrix a = new DMatrix(train.values(), train.rows(), train.cols(), Float.NaN);
        a.setLabel(train.labels());
        double trainSeconds = Measure.seconds(t0);
        DMatrix b = new DMatrix(holdout.values(), holdout.rows(), holdout.cols(), Float.NaN);
        b.setLabel(holdout.labels());
        double seconds = Measure.seconds(t0);
        a.dispose();
        b.dispose();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seconds", Measure.round(seconds));
        m.put("training_matrix_seconds", Measure.round(trainSeconds));
        m.put("what", "new DMatrix(float[], rows, cols, NaN) + setLabel of the training and held-out matrices (XGBoost4J, as LocalXgboost does), timed alone once");
        return m;
    }

    /** The rounds the model holds (Trained.bestIteration is XGBoost4J's best_iteration, set even without early stopping). */
    static int boostedRounds(byte[] model) {
        try {
            Booster b = XGBoost.loadModel(new ByteArrayInputStream(model));
            int n = b.getNumBoostedRound();
            b.dispose();
            return n;
        } catch (XGBoostError | IOException e) {
            throw new BenchFailure("cannot load the trained model: " + e.getMessage());
        }
    }

    /** The model's base_score (its starting prediction), from the model JSON; "?" when absent. */
    static String baseScore(byte[] modelJson) {
        try {
            JsonNode n = new ObjectMapper().readTree(modelJson).path("learner").path("learner_model_param").path("base_score");
            return n.isMissingNode() ? "?" : n.asText();
        } catch (IOException e) {
            return "?";
        }
    }

    static double rmse(float[] pred, float[] labels) {
        double s = 0;
        for (int i = 0; i < pred.length; i++) {
            double d = (double) pred[i] - labels[i];
            s += d * d;
        }
        return Math.sqrt(s / pred.length);
    }

    /** RMSE of always predicting the mean label of the training rows: how much the models learned. */
    private static double baselineRmse(float[] trainLabels, float[] holdoutLabels) {
        double mean = 0;
        for (float v : trainLabels) {
            mean += v;
        }
        mean /= trainLabels.length;
        double s = 0;
        for (float v : holdoutLabels) {
            s += (v - mean) * (v - mean);
        }
        return Math.sqrt(s / holdoutLabels.length);
    }

    /** Runs a peer process (stderr passed through) and parses the last JSON line of its stdout (null when it printed none). */
    private static JsonNode child(List<String> cmd, String what) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        if (code != 0) {
            throw new BenchFailure(what + " exited " + code + (stdout.isBlank() ? "" : ": " + stdout.trim()));
        }
        String last = stdout.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse(null);
        return last == null ? null : new ObjectMapper().readTree(last);
    }

    /** XGBoost4J's version from its jar's Maven metadata; "?" when not found. */
    static String xgboost4jVersion() {
        for (String scala : List.of("2.12", "2.13")) {
            try (InputStream in = DMatrix.class.getResourceAsStream("/META-INF/maven/ml.dmlc/xgboost4j_" + scala + "/pom.properties")) {
                if (in != null) {
                    Properties p = new Properties();
                    p.load(in);
                    return p.getProperty("version", "?");
                }
            } catch (IOException e) {
                // try the next
            }
        }
        return "?";
    }

    private static Run best(List<Run> runs, String engine) {
        return runs.stream().filter(r -> r.engine().equals(engine)).min((a, b) -> Double.compare(a.seconds(), b.seconds())).orElse(null);
    }

    private static double otherShare(Run r, int cores) {
        return r.otherCpuSeconds() / (cores * r.seconds());
    }

    private void report(List<Run> runs, Run warm, Map<String, Object> dmatrixAlone, double baseline, String pythonSkipped, long dataBytes,
                        double genSeconds, int cores, long maxHeap) throws IOException {
        Run ours = best(runs, "ours");
        Run py = best(runs, "python");
        String x4j = xgboost4jVersion();
        String pyVersion = py == null ? null : (String) py.details().get("xgboost_version");
        List<String> problems = new ArrayList<>();
        for (Run r : runs) {
            if (r.rounds() != sizes.rounds()) {
                problems.add(r.engine() + " run " + r.run() + " trained " + r.rounds() + " rounds, not " + sizes.rounds());
            }
            if (!(r.holdoutRmse() < baseline)) {
                problems.add(r.engine() + " run " + r.run() + " held-out RMSE " + r.holdoutRmse() + " is no better than the mean's " + baseline);
            }
        }
        Double rmseDiff = py == null ? null : Math.abs(ours.holdoutRmse() - py.holdoutRmse()) / py.holdoutRmse();
        if (rmseDiff != null && rmseDiff > RMSE_TOLERANCE) {
            problems.add(String.format(Locale.ROOT, "held-out RMSE ours %.5f vs python %.5f differ by %.2f%% (> %.0f%%)", ours.holdoutRmse(),
                    py.holdoutRmse(), 100 * rmseDiff, 100 * RMSE_TOLERANCE));
        }

        Double ratio = py == null ? null : ours.seconds() / py.seconds();
        Double rssRatio = py == null ? null : ours.peakRss() / (double) py.peakRss();
        Run oursCpu = runs.stream().filter(r -> r.engine().equals("ours")).min((a, b) -> Double.compare(a.cpuSeconds(), b.cpuSeconds())).orElseThrow();
        Run pyCpu = py == null ? null : runs.stream().filter(r -> r.engine().equals("python")).min((a, b) -> Double.compare(a.cpuSeconds(), b.cpuSeconds())).orElseThrow();
        Double cpuRatio = py == null ? null : oursCpu.cpuSeconds() / pyCpu.cpuSeconds();
        out.printf(Locale.ROOT, "%nTraining: %,d rows x %d features (%.0f%% missing in columns %d+), %d rounds, %s; held out %,d rows%n",
                sizes.rows(), sizes.features(), 100 * MISSING_SHARE, MISSING_FROM_COLUMN, sizes.rounds(), boosterParams(sizes.threads()), sizes.holdout());
        out.printf(Locale.ROOT, "data: %s of float32 written once (%.1fs), read by both sides untimed; timed: DMatrix (train + held-out) + training "
                + "(watches train, validation) + model as JSON%n", IngestBench.mb(dataBytes), genSeconds);
        out.printf(Locale.ROOT, "%d cores; ours: LocalXgboost (XGBoost4J %s) in a JVM with %s max heap (warm-up at %,d rows first: %.2fs); "
                + "python: %s%n%n", cores, x4j, IngestBench.mb(maxHeap), sizes.warmup().rows(), warm.seconds(),
                py == null ? "SKIPPED" : python + " xgboost " + pyVersion);
        out.printf(Locale.ROOT, "%-26s %3s %8s %9s %7s %11s %11s %11s %11s %9s %9s %7s%n", "engine", "run", "seconds", "DMatrix s", "cpu s",
                "peak RSS", "RSS before", "RSS growth", "peak heap", "holdout", "xgb eval", "other%");
        for (Run r : runs) {
            out.printf(Locale.ROOT, "%-26s %3d %8.2f %9s %7.1f %11s %11s %11s %11s %9.5f %9.5f %6.0f%%%n",
                    r.engine().equals("ours") ? "ours: LocalXgboost.train" : "python xgb.train", r.run(), r.seconds(),
                    Double.isNaN(r.dmatrixSeconds()) ? "-" : String.format(Locale.ROOT, "%.2f", r.dmatrixSeconds()), r.cpuSeconds(),
                    IngestBench.mb(r.peakRss()), IngestBench.mb(r.rssBefore()), IngestBench.mb(r.peakRss() - r.rssBefore()),
                    r.peakHeap() < 0 ? "-" : IngestBench.mb(r.peakHeap()),
                    r.holdoutRmse(), r.validationRmse(), 100 * otherShare(r, cores));
        }
        out.printf(Locale.ROOT, "(cpu s: the engine's own process; RSS growth: peak RSS minus RSS at the start (data already in memory); holdout: RMSE of the model's predictions on the held-out rows; xgb eval: XGBoost's "
                + "validation rmse at the last round; other%%: CPU other processes took during the run, share of %d cores)%n", cores);
        out.printf(Locale.ROOT, "ours' DMatrix alone (XGBoost4J, same matrices, timed separately, not in the ratio): %.2fs%n", dmatrixAlone.get("seconds"));
        double maxOther = runs.stream().filter(r -> r.seconds() >= 1).mapToDouble(r -> otherShare(r, cores)).max().orElse(0);
        if (maxOther > 0.1) {
            out.printf(Locale.ROOT, "WARNING: other processes took up to %.0f%% of the machine's CPU during a run: the figures are noisy%n", 100 * maxOther);
        }
        if (py == null) {
            out.printf(Locale.ROOT, "python peer SKIPPED: %s%n", pythonSkipped);
        } else {
            out.printf(Locale.ROOT, "%nratios use the best of %d runs of each (ours run %d, python run %d); XGBoost4J %s vs python xgboost %s: "
                    + "different XGBoost versions%n", sizes.repeats(), ours.run(), py.run(), x4j, pyVersion);
            out.printf(Locale.ROOT, "ours/python time ratio = %.2f   (goal <= %.1f: %s)%n", ratio, GOAL_TIME, ratio <= GOAL_TIME ? "met" : "NOT met");
            out.printf(Locale.ROOT, "ours/python CPU seconds ratio = %.2f (least CPU of each: ours %.1f s, python %.1f s; not the goal, less sensitive to "
                    + "other processes than wall time)%n", cpuRatio, oursCpu.cpuSeconds(), pyCpu.cpuSeconds());
            out.printf(Locale.ROOT, "ours/python peak RSS ratio = %.2f (ours %s: JVM with the data on its heap; python %s: data arrays included)%n",
                    rssRatio, IngestBench.mb(ours.peakRss()), IngestBench.mb(py.peakRss()));
            out.printf(Locale.ROOT, "held-out RMSE: ours %.5f, python %.5f (%.2f%% apart, tolerance %.0f%%; predicting the mean: %.5f)%n",
                    ours.holdoutRmse(), py.holdoutRmse(), 100 * rmseDiff, 100 * RMSE_TOLERANCE, baseline);
        }

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "train");
        json.put("measured_at", Instant.now().toString());
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("cores", cores);
        env.put("max_heap_bytes", maxHeap);
        env.put("java_version", System.getProperty("java.version"));
        env.put("code_version", dev.mlops.core.Versions.codeVersion());
        env.put("xgboost4j_version", x4j);
        env.put("python", python);
        env.put("python_xgboost_version", pyVersion);
        json.put("environment", env);
        json.put("rows", sizes.rows());
        json.put("features", sizes.features());
        json.put("holdout_rows", sizes.holdout());
        json.put("rounds", sizes.rounds());
        json.put("threads", sizes.threads());
        json.put("booster_params", boosterParams(sizes.threads()));
        json.put("early_stopping", false);
        json.put("data", "generated from a formula (splitmix64 of (row, column); label nonlinear in the first 8 features plus noise; "
                + Math.round(100 * MISSING_SHARE) + "% NaN in columns " + MISSING_FROM_COLUMN + "+), written once as little-endian float32 "
                + "rows x (1 + features), label first; both sides read it untimed");
        json.put("data_bytes", dataBytes);
        json.put("generate_seconds", Measure.round(genSeconds));
        json.put("timed", "DMatrix of the training and held-out rows + training with watches (train, validation) + model serialized as JSON; "
                + "not the data loading");
        List<Map<String, Object>> rj = new ArrayList<>();
        for (Run r : runs) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("engine", r.engine());
            m.put("run", r.run());
            m.put("seconds", Measure.round(r.seconds()));
            if (!Double.isNaN(r.dmatrixSeconds())) {
                m.put("dmatrix_seconds", Measure.round(r.dmatrixSeconds()));
            }
            m.put("process_cpu_seconds", Measure.round(r.cpuSeconds()));
            m.put("other_processes_cpu_seconds", Measure.round(r.otherCpuSeconds()));
            m.put("peak_rss_bytes", r.peakRss());
            m.put("rss_before_bytes", r.rssBefore());
            m.put("peak_rss_growth_bytes", r.peakRss() - r.rssBefore());
            if (r.peakHeap() >= 0) {
                m.put("peak_heap_used_bytes", r.peakHeap());
                m.put("peak_heap_after_gc_bytes", r.peakHeapAfterGc());
            }
            m.put("holdout_rmse", r.holdoutRmse());
            m.put("validation_rmse_last_round", r.validationRmse());
            m.put("rounds", r.rounds());
            m.put("model_json_bytes", r.modelBytes());
            m.putAll(r.details());
            rj.add(m);
        }
        json.put("runs", rj);
        json.put("warmup_seconds", Measure.round(warm.seconds()));
        json.put("ours_dmatrix_alone", dmatrixAlone);
        json.put("baseline_rmse_mean", baseline);
        json.put("ours_seconds", Measure.round(ours.seconds()));
        json.put("ours_peak_rss_bytes", ours.peakRss());
        if (py != null) {
            json.put("python_seconds", Measure.round(py.seconds()));
            json.put("python_peak_rss_bytes", py.peakRss());
            json.put("ratio_ours_python", Math.round(ratio * 1000) / 1000.0);
            json.put("ratio_ours_python_peak_rss", Math.round(rssRatio * 1000) / 1000.0);
            json.put("ratio_ours_python_cpu_seconds", Math.round(cpuRatio * 1000) / 1000.0);
            json.put("goal_ours_python", "<= " + GOAL_TIME);
            json.put("goal_ours_python_met", ratio <= GOAL_TIME);
            json.put("holdout_rmse_ours", ours.holdoutRmse());
            json.put("holdout_rmse_python", py.holdoutRmse());
            json.put("holdout_rmse_relative_difference", rmseDiff);
            json.put("versions_note", "XGBoost4J " + x4j + " vs python xgboost " + pyVersion + ": different XGBoost versions");
        } else {
            json.put("python_skipped", pythonSkipped);
        }
        json.put("run_choice", "best of " + sizes.repeats() + " runs of each engine (ours run " + ours.run() + (py == null ? "" : ", python run " + py.run()) + ")");
        json.put("max_other_cpu_share", Math.round(maxOther * 1000) / 1000.0);
        json.put("problems", problems);
        Path file = repo.resolve("jobs/bench/target/results/train.json");
        Files.createDirectories(file.getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json);
        out.printf(Locale.ROOT, "%nwrote %s%n", file);
        if (!problems.isEmpty()) {
            throw new BenchFailure("the models disagree or failed: " + problems);
        }
    }
}
