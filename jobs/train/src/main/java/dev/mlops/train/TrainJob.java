package dev.mlops.train;

import static java.util.Objects.requireNonNull;

import dev.mlops.core.JobException;
import dev.mlops.core.Platform;
import dev.mlops.core.Versions;
import dev.mlops.core.batch.BatchJob;
import dev.mlops.core.batch.ResultParts;
import dev.mlops.core.batch.RunOutcome;
import dev.mlops.core.json.Json;
import dev.mlops.core.lake.Lake;
import dev.mlops.core.lake.Manifest;
import dev.mlops.core.metrics.JobMetrics;
import dev.mlops.core.registry.Registry;
import dev.mlops.core.spec.LoadedSpec;
import dev.mlops.core.spec.ModelSpec;
import dev.mlops.core.spec.Task;
import dev.mlops.core.spec.TrainingSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.Job;
import org.springframework.batch.core.JobExecution;
import org.springframework.batch.core.Step;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.item.ExecutionContext;
import org.springframework.batch.repeat.RepeatStatus;

/**
 * The train job for one model and data date: {@code prepare} (the point-in-time training set of
 * the window whose labels have arrived by the date, split by time, staged), {@code train}
 * (XGBoost4J in process; random search when tuning), {@code evaluate} (test-split metrics overall,
 * per slice and for the naive baseline; the reference profile; the model card; model.tar.gz in the
 * layout of SageMaker's XGBoost container) and {@code register} (a registry version whose
 * artifacts are published to {@code models/<model>/<version>/}; the first version meeting the
 * deploy thresholds goes to production by itself, any other waits as candidate).
 */
public final class TrainJob implements BatchJob {
    public static final String NAME = "train";
    public static final String MODEL_FILE = "xgboost-model";
    static final String PREPARED = "train.prepared";
    static final String TRAINED = "train.trained";
    static final String EVALUATED = "train.evaluated";
    static final String REGISTERED = "train.registered";
    static final String MODEL_PACKAGE = "train.model_package";
    private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

    private final Platform platform;
    private final LoadedSpec spec;
    private final LocalDate date;
    private final Map<String, Object> overrides;
    private final boolean tune;
    private final PrintWriter progress;
    private final Consumer<String> beforeStep;
    private final Backend backend;
    private final SageMakerOptions sagemaker;

    /** Where the booster is trained. */
    public enum Backend { LOCAL, SAGEMAKER }

    /** How the SageMaker backend reaches the API and how often it polls. */
    public record SageMakerOptions(java.util.function.Supplier<software.amazon.awssdk.services.sagemaker.SageMakerClient> client,
                                   java.time.Duration firstPoll, java.time.Duration maxPoll) {
    }

    public TrainJob(Platform platform, LoadedSpec spec, LocalDate date, Map<String, Object> overrides, boolean tune, PrintWriter progress,
                    Consumer<String> beforeStep) {
        this(platform, spec, date, overrides, tune, progress, beforeStep, Backend.LOCAL, null);
    }

    public TrainJob(Platform platform, LoadedSpec spec, LocalDate date, Map<String, Object> overrides, boolean tune, PrintWriter progress,
                    Consumer<String> beforeStep, Backend backend, SageMakerOptions sagemaker) {
        this.platform = requireNonNull(platform);
        this.spec = requireNonNull(spec);
        this.date = requireNonNull(date);
        this.overrides = Map.copyOf(overrides);
        this.tune = tune;
        this.progress = progress;
        this.beforeStep = beforeStep == null ? s -> { } : beforeStep;
        this.backend = backend;
        this.sagemaker = sagemaker;
        if (backend == Backend.SAGEMAKER) {
            if (platform.config().sagemakerRoleArn().isEmpty()) {
                throw JobException.usage("--backend sagemaker needs sagemaker.role_arn (MLOPS_SAGEMAKER_ROLE_ARN): the training job's execution role");
            }
            SageMakerTrainer.s3(platform.lake().root());
        }
        if (spec.spec().training() == null) {
            throw JobException.usage("model '" + spec.model() + "' has no training section in " + spec.file());
        }
        if (tune && spec.spec().training().tuning() == null) {
            throw JobException.usage("--tune: model '" + spec.model() + "' declares no training.tuning ranges in " + spec.file());
        }
    }

    record Prepared(String staged, long rows, long train, long validation, long test, String validationFrom, String testFrom,
                    List<String> features, List<String> inputs, List<String> window) {
    }

    record Trained(String modelFile, Map<String, Object> hyperparameters, int bestIteration, double validationScore, String evalMetric,
                   List<LocalXgboost.Trial> trials, String backendJob) {
    }

    record Evaluated(String artifacts, Map<String, Object> metrics, String primaryMetric, Double primaryValue, Double baselineValue,
                     Map<String, Boolean> thresholds) {
    }

    record Registered(int version, String status, String alias, String artifactUri, String decision) {
    }

    @Override
    public String scope() {
        return "all";
    }

    @Override
    public Job build(JobMetrics metrics) {
        var repo = platform.batch().jobRepository();
        var tx = platform.batch().transactionManager();
        Step prepare = new StepBuilder("prepare", repo).tasklet((c, ctx) -> prepare(ctx), tx).build();
        Step train = new StepBuilder("train", repo).tasklet((c, ctx) -> train(ctx), tx).build();
        Step evaluate = new StepBuilder("evaluate", repo).tasklet((c, ctx) -> evaluate(ctx), tx).build();
        Step register = new StepBuilder("register", repo).tasklet((c, ctx) -> register(ctx), tx).build();
        return new JobBuilder(NAME, repo).start(prepare).next(train).next(evaluate).next(register).build();
    }

    private ModelSpec model() {
        return spec.spec();
    }

    private Lake lake() {
        return platform.lake();
    }

    private static JobExecution execution(ChunkContext c) {
        return c.getStepContext().getStepExecution().getJobExecution();
    }

    private Path staging(JobExecution e) {
        return lake().staging(NAME, spec.model(), date, e.getJobInstance().getInstanceId());
    }

    private void save(JobExecution e, String key, Object value) {
        e.getExecutionContext().putString(key, Json.write(value));
        platform.batch().jobRepository().updateExecutionContext(e);
    }

    private static <T> T read(ExecutionContext ctx, String key, Class<T> type) {
        return ctx.containsKey(key) ? Json.read(ctx.getString(key), type) : null;
    }

    private RepeatStatus prepare(ChunkContext context) {
        beforeStep.accept("prepare");
        JobExecution e = execution(context);
        Path dir = new Path(staging(e), "splits");
        lake().delete(dir);
        TrainingData.Split split = new TrainingData(platform.spark(), lake()).build(model(), date);
        long[] counts = new long[3];
        String[] names = {"train", "validation", "test"};
        Dataset<Row>[] parts = List.of(split.train(), split.validation(), split.test()).toArray(Dataset[]::new);
        for (int i = 0; i < 3; i++) {
            parts[i].write().mode("overwrite").parquet(new Path(dir, names[i]).toString());
            counts[i] = platform.spark().read().parquet(new Path(dir, names[i]).toString()).count();
        }
        List<String> window = TrainingData.window(model(), date).stream().map(LocalDate::toString).toList();
        Prepared p = new Prepared(dir.toString(), split.rows(), counts[0], counts[1], counts[2], split.validationFrom(), split.testFrom(),
                TrainingData.featureColumns(model()), split.inputs(), List.of(window.get(0), window.get(window.size() - 1)));
        say("train %s %s: %d labelled rows (label events %s..%s): train %d, validation %d (from %s), test %d (from %s)", spec.model(), date,
                p.rows(), p.window().get(0), p.window().get(1), p.train(), p.validation(), p.validationFrom(), p.test(), p.testFrom());
        save(e, PREPARED, p);
        return RepeatStatus.FINISHED;
    }

    private Matrix load(Prepared p, String split) {
        return TrainingData.matrix(platform.spark().read().parquet(new Path(p.staged(), split).toString()), p.features(), model().label().name());
    }

    private Map<String, Object> hyperparameters() {
        Map<String, Object> hp = new LinkedHashMap<>(model().training().hyperparameters());
        hp.putAll(overrides);
        if (!hp.containsKey("objective")) {
            hp.put("objective", model().task() == Task.REGRESSION ? "reg:squarederror" : "binary:logistic");
        }
        return hp;
    }

    private RepeatStatus train(ChunkContext context) {
        beforeStep.accept("train");
        JobExecution e = execution(context);
        Prepared p = read(e.getExecutionContext(), PREPARED, Prepared.class);
        if (backend == Backend.SAGEMAKER) {
            return trainOnSageMaker(e, p);
        }
        Matrix train = load(p, "train");
        Matrix validation = load(p, "validation");
        Map<String, Object> hp = hyperparameters();
        List<LocalXgboost.Trial> trials = List.of();
        if (tune) {
            TrainingSpec.Tuning t = model().training().tuning();
            String metric = String.valueOf(hp.getOrDefault("eval_metric", LocalXgboost.defaultMetric(String.valueOf(hp.get("objective")))));
            boolean higher = LocalXgboost.higherIsBetter(metric);
            long seed = hp.get("seed") instanceof Number n ? n.longValue() : 0L;
            trials = LocalXgboost.tune(train, validation, hp, t.ranges(), t.trials(), seed, trial ->
                    say("train %s %s: trial %d/%d %s = %.5f (%s)", spec.model(), date, trial.trial(), t.trials(), metric, trial.validationScore(),
                            trial.hyperparameters()));
            Comparator<LocalXgboost.Trial> byScore = Comparator.comparingDouble(LocalXgboost.Trial::validationScore);
            LocalXgboost.Trial best = trials.stream().min(higher ? byScore.reversed() : byScore).orElseThrow();
            hp = best.hyperparameters();
        }
        LocalXgboost.Trained t = LocalXgboost.train(train, validation, hp);
        Path file = new Path(new Path(staging(e), "model"), MODEL_FILE);
        write(file, t.model());
        say("train %s %s: trained, best iteration %d, validation %s %.5f", spec.model(), date, t.bestIteration(), t.evalMetric(), t.validationScore());
        save(e, TRAINED, new Trained(file.toString(), t.hyperparameters(), t.bestIteration(), t.validationScore(), t.evalMetric(), trials,
                "local:" + spec.model() + "-" + date + "-" + e.getJobInstance().getInstanceId()));
        return RepeatStatus.FINISHED;
    }

    static final String SAGEMAKER_ATTEMPT = "train.sagemaker.attempt";

    private SageMakerTrainer trainer(software.amazon.awssdk.services.sagemaker.SageMakerClient client) {
        String region = platform.config().awsRegion().orElse("us-east-1");
        // an alias (the deployment's alias/<name_prefix>) becomes its key ARN: training volumes take no alias
        SageMakerTrainer.Protection protection = SageMakerTrainer.Protection.of(platform.config())
                .resolved(alias -> SageMakerTrainer.Protection.describeKey(alias, region));
        return new SageMakerTrainer(client, platform.spark(), lake(), platform.config().sagemakerRoleArn().orElseThrow(),
                region, protection, sagemaker.firstPoll(), sagemaker.maxPoll(), progress);
    }

    private Map<String, String> tags(long instance) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("mlops:model", spec.model());
        tags.put("mlops:date", date.toString());
        tags.put("mlops:run", Long.toString(instance));
        tags.put("mlops:code-version", Versions.codeVersion());
        return tags;
    }

    private String[] uploadSplits(SageMakerTrainer trainer, Prepared p, Path root) {
        String label = model().label().name();
        String train = trainer.uploadCsv(platform.spark().read().parquet(new Path(p.staged(), "train").toString()), p.features(), label,
                new Path(root, "train"));
        String validation = trainer.uploadCsv(platform.spark().read().parquet(new Path(p.staged(), "validation").toString()), p.features(),
                label, new Path(root, "validation"));
        return new String[] {train, validation};
    }

    /** Bayesian tuning on SageMaker; the best training job's model is the version's. Same exactly-once rule as training. */
    private RepeatStatus tuneOnSageMaker(JobExecution e, Prepared p, SageMakerTrainer trainer, int attempt) {
        long instance = e.getJobInstance().getInstanceId();
        String name = SageMakerTrainer.tuningJobName(spec.model(), date, instance, attempt);
        var existing = trainer.describeTuning(name);
        if (existing.isPresent() && List.of("Failed", "Stopped").contains(existing.get().hyperParameterTuningJobStatusAsString())) {
            attempt++;
            name = SageMakerTrainer.tuningJobName(spec.model(), date, instance, attempt);
            existing = trainer.describeTuning(name);
        }
        e.getExecutionContext().putInt(SAGEMAKER_ATTEMPT, attempt);
        platform.batch().jobRepository().updateExecutionContext(e);
        Map<String, Object> hp = hyperparameters();
        if (existing.isEmpty()) {
            Path root = lake().path("sagemaker", spec.model(), name);
            String[] uris = uploadSplits(trainer, p, root);
            trainer.createTuning(name, model().training().sagemaker(), hp, model().training().tuning(), uris[0], uris[1], root, tags(instance));
        } else {
            say("train: re-attaching to SageMaker tuning job %s (%s)", name, existing.get().hyperParameterTuningJobStatusAsString());
        }
        var done = trainer.awaitTuning(name);
        if (!"Completed".equals(done.hyperParameterTuningJobStatusAsString()) || done.bestTrainingJob() == null) {
            throw JobException.retryable("SageMaker tuning job " + name + " " + done.hyperParameterTuningJobStatusAsString().toLowerCase(Locale.ROOT)
                    + (done.failureReason() == null ? "" : ": " + done.failureReason()) + " (a retry submits attempt " + (attempt + 1) + ")", null);
        }
        var best = done.bestTrainingJob();
        String tuningName = name;
        var job = trainer.describe(best.trainingJobName()).orElseThrow(() -> JobException.retryable("best training job "
                + best.trainingJobName() + " of " + tuningName + " not found", null));
        byte[] bytes = trainer.model(job.modelArtifacts().s3ModelArtifacts());
        Path file = new Path(new Path(staging(e), "model"), MODEL_FILE);
        write(file, bytes);
        Map<String, Object> used = new LinkedHashMap<>(hp);
        if (best.tunedHyperParameters() != null) {
            best.tunedHyperParameters().forEach((k, v) -> used.put(k, v));
        }
        String metric = String.valueOf(hp.getOrDefault("eval_metric", LocalXgboost.defaultMetric(String.valueOf(hp.get("objective")))));
        double score = best.finalHyperParameterTuningJobObjectiveMetric() == null ? Double.NaN
                : best.finalHyperParameterTuningJobObjectiveMetric().value();
        say("train: best of tuning job %s: %s (validation:%s %.5f)", name, best.trainingJobName(), metric, score);
        save(e, TRAINED, new Trained(file.toString(), used, LocalXgboost.bestIteration(bytes), score, metric, List.of(),
                "sagemaker:" + name + "/" + best.trainingJobName()));
        return RepeatStatus.FINISHED;
    }

    private RepeatStatus trainOnSageMaker(JobExecution e, Prepared p) {
        long instance = e.getJobInstance().getInstanceId();
        var sm = model().training().sagemaker();
        var client = sagemaker.client().get();
        try {
            SageMakerTrainer trainer = trainer(client);
            int attempt = e.getExecutionContext().containsKey(SAGEMAKER_ATTEMPT) ? e.getExecutionContext().getInt(SAGEMAKER_ATTEMPT) : 1;
            if (tune) {
                return tuneOnSageMaker(e, p, trainer, attempt);
            }
            String name = SageMakerTrainer.jobName(spec.model(), date, instance, attempt);
            var existing = trainer.describe(name);
            if (existing.isPresent() && (existing.get().trainingJobStatus() == software.amazon.awssdk.services.sagemaker.model.TrainingJobStatus.FAILED
                    || existing.get().trainingJobStatus() == software.amazon.awssdk.services.sagemaker.model.TrainingJobStatus.STOPPED)) {
                // the previous attempt's job failed: this retry submits a new one
                attempt++;
                name = SageMakerTrainer.jobName(spec.model(), date, instance, attempt);
                existing = trainer.describe(name);
            }
            e.getExecutionContext().putInt(SAGEMAKER_ATTEMPT, attempt);
            platform.batch().jobRepository().updateExecutionContext(e);
            Map<String, Object> hp = hyperparameters();
            if (existing.isEmpty()) {
                Path root = lake().path("sagemaker", spec.model(), name);
                String[] uris = uploadSplits(trainer, p, root);
                trainer.create(name, sm, hp, uris[0], uris[1], root, tags(instance));
            } else {
                say("train: re-attaching to SageMaker training job %s (%s)", name, existing.get().trainingJobStatusAsString());
            }
            var done = trainer.await(name);
            if (done.trainingJobStatus() != software.amazon.awssdk.services.sagemaker.model.TrainingJobStatus.COMPLETED) {
                throw JobException.retryable("SageMaker training job " + name + " " + done.trainingJobStatusAsString().toLowerCase(Locale.ROOT)
                        + (done.failureReason() == null ? "" : ": " + done.failureReason()) + " (a retry submits attempt " + (attempt + 1) + ")", null);
            }
            byte[] bytes = trainer.model(done.modelArtifacts().s3ModelArtifacts());
            Path file = new Path(new Path(staging(e), "model"), MODEL_FILE);
            write(file, bytes);
            String metric = String.valueOf(hp.getOrDefault("eval_metric", LocalXgboost.defaultMetric(String.valueOf(hp.get("objective")))));
            double score = done.finalMetricDataList() == null ? Double.NaN : done.finalMetricDataList().stream()
                    .filter(m -> m.metricName() != null && m.metricName().equals("validation:" + metric)).mapToDouble(m -> m.value()).findFirst()
                    .orElse(Double.NaN);
            save(e, TRAINED, new Trained(file.toString(), hp, LocalXgboost.bestIteration(bytes), score, metric, List.of(), "sagemaker:" + name));
            return RepeatStatus.FINISHED;
        } finally {
            client.close();
        }
    }

    private byte[] readBytes(Path file) {
        try (var in = lake().fs(file).open(file)) {
            return in.readAllBytes();
        } catch (IOException ex) {
            throw JobException.retryable("cannot read " + file + ": " + ex.getMessage(), ex);
        }
    }

    private void write(Path file, byte[] bytes) {
        try (FSDataOutputStream out = lake().fs(file).create(file, true)) {
            out.write(bytes);
        } catch (IOException ex) {
            throw JobException.retryable("cannot write " + file + ": " + ex.getMessage(), ex);
        }
    }

    private Map<String, Object> metrics(float[] label, float[] pred) {
        return model().task() == Task.REGRESSION ? Evaluation.regression(label, pred)
                : Evaluation.classification(label, pred, model().training().threshold());
    }

    private RepeatStatus evaluate(ChunkContext context) {
        beforeStep.accept("evaluate");
        JobExecution e = execution(context);
        Prepared p = read(e.getExecutionContext(), PREPARED, Prepared.class);
        Trained t = read(e.getExecutionContext(), TRAINED, Trained.class);
        byte[] model = readBytes(new Path(t.modelFile()));
        TrainingSpec ts = model().training();
        String label = model().label().name();
        Dataset<Row> testRows = platform.spark().read().parquet(new Path(p.staged(), "test").toString());
        Matrix test = TrainingData.matrix(testRows, p.features(), label);
        float[] pred = LocalXgboost.predict(model, test);
        Map<String, Object> overall = metrics(test.labels(), pred);
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("split", "test");
        all.put("overall", overall);
        all.put("validation", metrics(load(p, "validation").labels(), LocalXgboost.predict(model, load(p, "validation"))));
        // the naive baseline on the same rows: a feature (regression) or the training base rate (classification)
        Matrix train = load(p, "train");
        float[] base = new float[test.rows()];
        String baselineName;
        if (model().task() == Task.REGRESSION && ts.baseline() != null) {
            int j = p.features().indexOf(ts.baseline());
            double fill = mean(train.labels());
            for (int i = 0; i < base.length; i++) {
                float v = test.value(i, j);
                base[i] = Float.isNaN(v) ? (float) fill : v;
            }
            baselineName = ts.baseline();
        } else {
            float rate = (float) mean(train.labels());
            java.util.Arrays.fill(base, rate);
            baselineName = model().task() == Task.REGRESSION ? "training mean" : "base rate";
        }
        Map<String, Object> baseline = metrics(test.labels(), base);
        baseline.put("name", baselineName);
        all.put("baseline", baseline);
        // per slice: group the test rows by the slice expression's value
        Map<String, Object> slices = new LinkedHashMap<>();
        for (TrainingSpec.Slice s : ts.slices()) {
            List<Row> values = testRows.select(TrainingData.SLICE_PREFIX + s.name()).collectAsList();
            Map<String, List<Integer>> groups = new LinkedHashMap<>();
            for (int i = 0; i < values.size(); i++) {
                groups.computeIfAbsent(String.valueOf(values.get(i).get(0)), k -> new ArrayList<>()).add(i);
            }
            Map<String, Object> bySlice = new LinkedHashMap<>();
            for (var g : groups.entrySet()) {
                float[] l = new float[g.getValue().size()];
                float[] pr = new float[l.length];
                for (int k = 0; k < l.length; k++) {
                    l[k] = test.labels()[g.getValue().get(k)];
                    pr[k] = pred[g.getValue().get(k)];
                }
                bySlice.put(g.getKey(), metrics(l, pr));
            }
            slices.put(s.name(), bySlice);
        }
        all.put("slices", slices);
        String primary = model().primaryMetric();
        Double value = (Double) overall.get(primary);
        Double baseValue = (Double) baseline.get(primary);
        Map<String, Boolean> thresholds = new LinkedHashMap<>();
        ts.deployThresholds().forEach((m, b) -> thresholds.put(m + " " + b, overall.get(m) instanceof Double d && b.holds(d)));
        all.put("deploy_thresholds", thresholds);

        Path dir = new Path(staging(e), "artifacts");
        lake().delete(dir);
        lake().mkdirs(dir);
        write(new Path(dir, "model.tar.gz"), tarGz(MODEL_FILE, model));
        write(new Path(dir, "metrics.json"), Json.writePretty(all).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Map<String, Object> profile = Profile.of(train, p.features(), LocalXgboost.predict(model, train));
        double[] shap = LocalXgboost.meanAbsShap(model, sample(test, 2000));
        Map<String, Object> attributions = new LinkedHashMap<>();
        for (int j = 0; j < shap.length; j++) {
            attributions.put(p.features().get(j), shap[j]);
        }
        profile.put("attributions", attributions);
        // the training split's rows per slice value: the reference of the slices' distribution (mlops quality)
        Dataset<Row> trainRows = platform.spark().read().parquet(new Path(p.staged(), "train").toString());
        Map<String, Object> sliceCounts = new LinkedHashMap<>();
        for (TrainingSpec.Slice s : ts.slices()) {
            Map<String, Long> counts = new java.util.TreeMap<>();
            for (Row r : trainRows.groupBy(TrainingData.SLICE_PREFIX + s.name()).count().collectAsList()) {
                counts.put(String.valueOf(r.get(0)), r.getLong(1));
            }
            sliceCounts.put(s.name(), counts);
        }
        profile.put("slices", sliceCounts);
        write(new Path(dir, "profile.json"), Json.writePretty(profile).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Map<String, Object> features = new LinkedHashMap<>();
        features.put("features", p.features());
        features.put("label", label);
        features.put("task", model().task().specName());
        features.put("threshold", model().task() == Task.BINARY_CLASSIFICATION ? ts.threshold() : null);
        write(new Path(dir, "features.json"), Json.writePretty(features).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Map<String, Object> card = ModelCard.json(spec, date, p, t, all);
        write(new Path(dir, "model_card.json"), Json.writePretty(card).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        write(new Path(dir, "model_card.md"), ModelCard.markdown(card).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        say("train %s %s: test %s %.5f (baseline %s: %s)", spec.model(), date, primary, value, baselineName,
                baseValue == null ? "n/a" : String.format(Locale.ROOT, "%.5f", baseValue));
        save(e, EVALUATED, new Evaluated(dir.toString(), overall, primary, value, baseValue, thresholds));
        return RepeatStatus.FINISHED;
    }

    private static Matrix sample(Matrix m, int max) {
        if (m.rows() <= max) {
            return m;
        }
        int step = (m.rows() + max - 1) / max;
        int n = (m.rows() + step - 1) / step;
        float[] v = new float[n * m.cols()];
        float[] l = new float[n];
        for (int i = 0, r = 0; r < m.rows(); i++, r += step) {
            System.arraycopy(m.values(), r * m.cols(), v, i * m.cols(), m.cols());
            l[i] = m.labels()[r];
        }
        return new Matrix(v, n, m.cols(), l);
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return v.length == 0 ? 0 : s / v.length;
    }

    /** model.tar.gz with one file at its root, as SageMaker's XGBoost container writes and reads it. */
    public static byte[] tarGz(String name, byte[] content) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
            TarArchiveEntry entry = new TarArchiveEntry(name);
            entry.setSize(content.length);
            entry.setModTime(0);
            tar.putArchiveEntry(entry);
            tar.write(content);
            tar.closeArchiveEntry();
            tar.finish();
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
        return bytes.toByteArray();
    }

    private RepeatStatus register(ChunkContext context) {
        beforeStep.accept("register");
        JobExecution e = execution(context);
        ExecutionContext ctx = e.getExecutionContext();
        Prepared p = read(ctx, PREPARED, Prepared.class);
        Trained t = read(ctx, TRAINED, Trained.class);
        Evaluated ev = read(ctx, EVALUATED, Evaluated.class);
        long instance = e.getJobInstance().getInstanceId();
        Registry registry = new Registry(platform.metadata());
        Map<String, Object> lineage = new LinkedHashMap<>();
        lineage.put("inputs", p.inputs());
        lineage.put("label_events", p.window());
        lineage.put("split", Map.of("validation_from", p.validationFrom(), "test_from", p.testFrom()));
        lineage.put("spec_hash", spec.hash());
        lineage.put("spec_file", spec.file());
        lineage.put("code_version", Versions.codeVersion());
        lineage.put("job_instance_id", instance);
        lineage.put("job_execution_id", e.getId());
        lineage.put("best_iteration", t.bestIteration());
        if (!t.trials().isEmpty()) {
            lineage.put("tuning_trials", t.trials());
        }
        String uri = lake().path("models", spec.model(), "{version}").toString();
        String backendJob = t.backendJob();
        Registry.Version v = registry.register(new Registry.NewVersion(spec.model(), date, backend.name().toLowerCase(Locale.ROOT), backendJob, uri, ev.primaryMetric(),
                ev.primaryValue(), ev.metrics(), t.hyperparameters(), p.features(), lineage, instance), "job " + NAME + " " + backendJob);
        Path target = new Path(v.artifactUri());
        Path staged = new Path(ev.artifacts());
        if (lake().exists(staged)) {
            lake().publishOnce(staged, target, new Manifest("models/" + spec.model(), date, spec.model(), p.rows(), 0, p.features(), null,
                    p.inputs().stream().map(u -> Manifest.InputFile.table(u, -1)).toList(), null,
                    new Manifest.Run(NAME, instance, e.getId(), Versions.codeVersion(), spec.hash()), Instant.now()));
        } else if (!lake().exists(target)) {
            throw JobException.retryable("staged artifacts " + staged + " are gone and " + target + " was not published; run the date again", null);
        }
        String actor = "job " + NAME + " " + backendJob;
        String alias;
        String decision;
        boolean meets = !ev.thresholds().isEmpty() && ev.thresholds().values().stream().allMatch(b -> b);
        if (registry.alias(spec.model(), Registry.PRODUCTION).isEmpty() && meets) {
            registry.setStatus(spec.model(), v.version(), Registry.APPROVED, actor, "first version of the model meeting the deploy thresholds "
                    + ev.thresholds().keySet());
            registry.setAlias(spec.model(), Registry.PRODUCTION, v.version(), actor, "first deployment");
            alias = Registry.PRODUCTION;
            decision = "first deployment: production";
        } else {
            registry.setAlias(spec.model(), Registry.CANDIDATE, v.version(), actor, "new version waiting for promote");
            alias = Registry.CANDIDATE;
            decision = registry.alias(spec.model(), Registry.PRODUCTION).isEmpty()
                    ? "candidate (no production version yet; deploy thresholds not met: " + failed(ev.thresholds()) + ")"
                    : "candidate (waiting for promote)";
        }
        Registry.Version now = registry.get(spec.model(), v.version()).orElseThrow();
        if (backend == Backend.SAGEMAKER && !ctx.containsKey(MODEL_PACKAGE)) {
            var client = sagemaker.client().get();
            try {
                SageMakerTrainer trainer = trainer(client);
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put("mlops-version", Integer.toString(v.version()));
                meta.put("mlops-data-date", date.toString());
                meta.put("mlops-run", Long.toString(instance));
                meta.put("mlops-spec-hash", spec.hash());
                meta.put("mlops-" + ev.primaryMetric().replace('_', '-'), String.valueOf(ev.primaryValue()));
                String arn = trainer.registerModelPackage(spec.model(), v.version(), now.status(), model().training().sagemaker(),
                        v.artifactUri() + "/model.tar.gz", v.artifactUri() + "/metrics.json", meta, spec.model().replace('_', '-') + "-" + instance);
                registry.record(spec.model(), v.version(), "model_package", actor, "mirrored to SageMaker's model registry", Map.of("arn", arn));
                e.getExecutionContext().putString(MODEL_PACKAGE, arn);
                platform.batch().jobRepository().updateExecutionContext(e);
            } finally {
                client.close();
            }
        }
        save(e, REGISTERED, new Registered(v.version(), now.status(), alias, v.artifactUri(), decision));
        lake().cleanStaging(NAME, spec.model(), date, instance);
        LOG.info("registered {} version {} ({}, {})", spec.model(), v.version(), now.status(), alias);
        return RepeatStatus.FINISHED;
    }

    private static String failed(Map<String, Boolean> thresholds) {
        List<String> f = thresholds.entrySet().stream().filter(x -> !x.getValue()).map(Map.Entry::getKey).toList();
        return thresholds.isEmpty() ? "none declared" : f.toString();
    }

    private void say(String format, Object... args) {
        if (progress != null) {
            progress.println(String.format(Locale.ROOT, format, args));
            progress.flush();
        }
    }

    @Override
    public boolean resumable(JobExecution failed) {
        Prepared p = read(failed.getExecutionContext(), PREPARED, Prepared.class);
        return p == null || lake().exists(new Path(p.staged())) || failed.getExecutionContext().containsKey(REGISTERED);
    }

    /** It registers a version and sets its alias: a retry within the same Airflow run returns the completed run's result (JobRunner). */
    @Override
    public boolean replaysCompletedRetry() {
        return true;
    }

    @Override
    public ResultParts describe(RunOutcome outcome) {
        Map<String, Object> counts = new LinkedHashMap<>();
        List<String> outputs = new ArrayList<>();
        List<Map<String, Object>> decisions = new ArrayList<>();
        Prepared p = read(outcome.context(), PREPARED, Prepared.class);
        Trained t = read(outcome.context(), TRAINED, Trained.class);
        Evaluated ev = read(outcome.context(), EVALUATED, Evaluated.class);
        Registered r = read(outcome.context(), REGISTERED, Registered.class);
        if (p == null) {
            return new ResultParts("", counts, outputs, decisions, List.of());
        }
        counts.put("rows", p.rows());
        counts.put("train", p.train());
        counts.put("validation", p.validation());
        counts.put("test", p.test());
        String summary = "- " + p.rows() + " labelled rows";
        if (t != null) {
            counts.put("best_iteration", t.bestIteration());
            if (!t.trials().isEmpty()) {
                counts.put("trials", t.trials().size());
            }
        }
        if (ev != null) {
            counts.put("metrics", ev.metrics());
            summary += String.format(Locale.ROOT, ", test %s %.4f (baseline %s)", ev.primaryMetric(), ev.primaryValue(),
                    ev.baselineValue() == null ? "n/a" : String.format(Locale.ROOT, "%.4f", ev.baselineValue()));
        }
        if (r != null) {
            outputs.add(r.artifactUri());
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("decision", r.alias());
            d.put("version", r.version());
            d.put("status", r.status());
            d.put("reason", r.decision());
            decisions.add(d);
            summary += ", version " + r.version() + " " + r.status() + " -> " + r.decision();
        }
        return new ResultParts(summary, counts, outputs, decisions, List.of());
    }
}
