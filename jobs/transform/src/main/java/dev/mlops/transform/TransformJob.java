package dev.mlops.transform;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sha2;

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
import dev.mlops.core.spec.TrainingSpec;
import dev.mlops.features.TrainingSets;
import dev.mlops.train.SageMakerTrainer;
import dev.mlops.train.TrainingData;
import java.io.PrintWriter;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.batch.core.Job;
import org.springframework.batch.core.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.builder.SimpleJobBuilder;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.item.ExecutionContext;
import org.springframework.batch.repeat.RepeatStatus;

/**
 * The transform job for one model and data date: {@code prepare} (the date's scoring set: its
 * events with every feature attached point-in-time from the offline store, as in training, plus
 * the time features and slice values; staged once) and one {@code score} step per model version
 * to score with (production, and the candidate when one exists): the version's artifact scored in
 * Spark with XGBoost4J or by a SageMaker batch transform job, published to
 * {@code predictions/<model>/dt=<date>/model_version=<v>/}. A re-run replaces the partitions; a
 * retried run resumes at the version that failed.
 */
public final class TransformJob implements BatchJob {
    public static final String NAME = "transform";
    static final String ID = "__id";
    static final String PREPARED = "transform.prepared";
    private static final String SCORED = "transform.scored.";

    /** Which versions to score with. */
    public enum Aliases { PRODUCTION, CANDIDATE, ALL }

    /** Where the booster runs. */
    public enum Backend { LOCAL, SAGEMAKER }

    /** A model version to score with, and the alias it had when the run started. */
    public record Target(String alias, int version) {
    }

    record Prepared(String staged, long rows, List<String> passThrough, List<String> features, List<String> inputs) {
    }

    record Scored(String alias, int version, long rows, double meanScore, Long positives, String partition, String backendJob) {
    }

    private final Platform platform;
    private final LoadedSpec spec;
    private final LocalDate date;
    private final Aliases aliases;
    private final Backend backend;
    private final int batchSize;
    private final PrintWriter progress;
    private final Consumer<String> beforeStep;
    private final SageMakerTransformer.Options sagemaker;
    private List<Target> targets = List.of();

    public TransformJob(Platform platform, LoadedSpec spec, LocalDate date, Aliases aliases, Backend backend, int batchSize,
                        PrintWriter progress, Consumer<String> beforeStep, SageMakerTransformer.Options sagemaker) {
        this.platform = requireNonNull(platform);
        this.spec = requireNonNull(spec);
        this.date = requireNonNull(date);
        this.aliases = requireNonNull(aliases);
        this.backend = requireNonNull(backend);
        this.batchSize = batchSize;
        this.progress = progress;
        this.beforeStep = beforeStep == null ? s -> { } : beforeStep;
        this.sagemaker = sagemaker;
        if (batchSize < 1) {
            throw JobException.usage("--batch-size: expected at least 1 row, got " + batchSize);
        }
        if (spec.spec().training() == null) {
            throw JobException.usage("model '" + spec.model() + "' has no training section in " + spec.file() + ": nothing to score with");
        }
        if (backend == Backend.SAGEMAKER) {
            if (platform.config().sagemakerRoleArn().isEmpty()) {
                throw JobException.usage("--backend sagemaker needs sagemaker.role_arn (MLOPS_SAGEMAKER_ROLE_ARN): the model's execution role");
            }
            SageMakerTrainer.s3(platform.lake().root());
        }
    }

    /** The versions behind the aliases asked for, as the registry has them now; exit 100 when there is none. */
    static List<Target> targets(Registry registry, String model, Aliases aliases) {
        return targets(registry, model, aliases, Map.of());
    }

    /**
     * The versions behind the aliases asked for; exit 100 when there is none. An alias an earlier completed run of the
     * date scored with ({@code recorded}) keeps the version it had then: a re-run of a past date after a promotion
     * labels the date's predictions with who was serving on it, not with today's aliases. An alias no earlier run of
     * the date scored with is the registry's now.
     */
    static List<Target> targets(Registry registry, String model, Aliases aliases, Map<String, Integer> recorded) {
        var production = java.util.Optional.ofNullable(recorded.get(Registry.PRODUCTION)).or(() -> registry.alias(model, Registry.PRODUCTION));
        var candidate = java.util.Optional.ofNullable(recorded.get(Registry.CANDIDATE)).or(() -> registry.alias(model, Registry.CANDIDATE));
        List<Target> out = new ArrayList<>();
        if (aliases != Aliases.CANDIDATE) {
            production.ifPresent(v -> out.add(new Target(Registry.PRODUCTION, v)));
        }
        if (aliases != Aliases.PRODUCTION) {
            candidate.filter(v -> production.isEmpty() || !production.get().equals(v)).ifPresent(v -> out.add(new Target(Registry.CANDIDATE, v)));
        }
        if (out.isEmpty()) {
            String which = aliases == Aliases.ALL ? "production or candidate" : aliases.name().toLowerCase(Locale.ROOT);
            throw JobException.nothingToDo("model " + model + " has no " + which + " version to score with; train one first (mlops train)");
        }
        return out;
    }

    @Override
    public String scope() {
        return aliases.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public Job build(JobMetrics metrics) {
        Map<String, Integer> recorded = scoredBefore(platform.metadata(), spec.model(), date);
        targets = targets(new Registry(platform.metadata()), spec.model(), aliases, recorded);
        if (!recorded.isEmpty()) {
            say("transform %s %s: an earlier run of the date scored with %s; a re-run keeps those aliases (who was serving on %s), "
                    + "not the registry's now", spec.model(), date, recorded, date);
        }
        var repo = platform.batch().jobRepository();
        var tx = platform.batch().transactionManager();
        SimpleJobBuilder job = new JobBuilder(NAME, repo).start(new StepBuilder("prepare", repo).tasklet((c, ctx) -> prepare(ctx), tx).build());
        for (Target t : targets) {
            job = job.next(new StepBuilder("score-" + t.alias() + "-v" + t.version(), repo)
                    .tasklet((c, ctx) -> score(ctx, t, metrics), tx).build());
        }
        return job.build();
    }

    /**
     * The alias and version each alias had when the date was first scored: per alias, the earliest completed transform
     * of (model, date) that scored with it, from the recorded results ({@code mlops_run_result}, {@code counts.versions}).
     */
    static Map<String, Integer> scoredBefore(javax.sql.DataSource metadata, String model, LocalDate date) {
        String sql = """
                SELECT result -> 'counts' -> 'versions' FROM mlops_run_result
                 WHERE job_name = ? AND model = ? AND data_date = ? AND exit_code = 0
                   AND result -> 'counts' -> 'versions' IS NOT NULL
                 ORDER BY job_execution_id""";
        Map<String, Integer> out = new LinkedHashMap<>();
        try (java.sql.Connection c = metadata.getConnection(); java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, NAME);
            ps.setString(2, model);
            ps.setObject(3, date);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> versions = Json.read(rs.getString(1), Map.class);
                    versions.forEach((alias, v) -> {
                        if (v instanceof Map<?, ?> m && m.get("version") instanceof Number n) {
                            out.putIfAbsent(alias, n.intValue());
                        }
                    });
                }
            }
        } catch (java.sql.SQLException e) {
            throw JobException.retryable("cannot read the earlier transform results of " + model + " " + date + ": " + e.getMessage(), e);
        }
        return out;
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
        Path dir = new Path(staging(e), "input");
        lake().delete(dir);
        TrainingSets.Built built = new TrainingSets(platform.spark(), lake()).scoring(model(), date);
        Dataset<Row> rows = built.rows();
        TrainingSpec t = model().training();
        for (String tf : t.timeFeatures()) {
            rows = rows.withColumn(tf, expr(TrainingData.timeFeature(tf, TrainingSets.EVENT_TS)));
        }
        for (TrainingSpec.Slice s : t.slices()) {
            rows = rows.withColumn(Predictions.SLICE_PREFIX + s.name(), expr(s.expr()).cast("string"));
        }
        List<String> keys = Predictions.keys(model());
        List<Column> idParts = new ArrayList<>();
        keys.forEach(k -> idParts.add(col(k).cast("string")));
        idParts.add(expr("cast(unix_micros(" + TrainingSets.EVENT_TS + ") as string)"));
        rows = rows.withColumn(ID, sha2(concat_ws("|", idParts.toArray(Column[]::new)), 256));
        List<String> passThrough = new ArrayList<>(keys);
        passThrough.add(TrainingSets.EVENT_TS);
        passThrough.addAll(Predictions.sliceColumns(model()));
        passThrough.add(ID);
        List<String> features = new ArrayList<>(built.features());
        features.addAll(t.timeFeatures());
        List<Column> cols = new ArrayList<>();
        passThrough.forEach(c -> cols.add(col(c)));
        features.forEach(f -> cols.add(col(f).cast("double").alias(f)));
        rows.select(cols.toArray(Column[]::new)).write().mode("overwrite").parquet(dir.toString());
        long n = platform.spark().read().parquet(dir.toString()).count();
        if (n == 0) {
            throw JobException.nothingToDo("no events to score for " + spec.model() + " on " + date);
        }
        say("transform %s %s: %d events to score with %s", spec.model(), date, n,
                targets.stream().map(x -> x.alias() + " v" + x.version()).toList());
        save(e, PREPARED, new Prepared(dir.toString(), n, passThrough, features, built.inputs()));
        return RepeatStatus.FINISHED;
    }

    /** The features a model version was trained on (its features.json), with its task and threshold. */
    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    record ModelInputs(List<String> features, String task, Double threshold) {
    }

    static ModelInputs inputs(Lake lake, Registry.Version v) {
        Path p = new Path(v.artifactUri(), "features.json");
        String text = lake.readText(p).orElseThrow(() -> JobException.retryable("model " + v.model() + " version " + v.version()
                + " has no " + p + " (its artifacts are incomplete)", null));
        return Json.read(text, ModelInputs.class);
    }

    private RepeatStatus score(ChunkContext context, Target target, JobMetrics metrics) {
        beforeStep.accept("score-" + target.alias());
        JobExecution e = execution(context);
        Prepared p = read(e.getExecutionContext(), PREPARED, Prepared.class);
        Registry.Version v = new Registry(platform.metadata()).get(spec.model(), target.version()).orElseThrow(() -> JobException.usage(
                "model " + spec.model() + " has no version " + target.version() + " in the registry"));
        ModelInputs mi = inputs(lake(), v);
        List<String> missing = mi.features().stream().filter(f -> !p.features().contains(f)).toList();
        if (!missing.isEmpty()) {
            throw JobException.dataContract("model " + spec.model() + " version " + v.version() + " was trained on feature"
                    + (missing.size() == 1 ? " " : "s ") + missing + " that the scoring set of " + date + " does not have (it has "
                    + p.features() + "); the spec " + spec.file() + " no longer computes " + (missing.size() == 1 ? "it" : "them")
                    + ": restore the feature or train a new version");
        }
        Double threshold = "binary_classification".equals(mi.task()) ? mi.threshold() : null;
        Dataset<Row> input = platform.spark().read().parquet(p.staged());
        Path out = new Path(staging(e), "v" + v.version());
        lake().delete(out);
        Dataset<Row> scored;
        String backendJob;
        long instance = e.getJobInstance().getInstanceId();
        if (backend == Backend.SAGEMAKER) {
            SageMakerTransformer.Result r = new SageMakerTransformer(platform, sagemaker, progress)
                    .transform(model(), v, date, instance, e, input, mi.features(), staging(e));
            scored = r.scores();
            backendJob = r.jobName();
            Column cls = threshold == null ? lit(null).cast("int") : expr("CASE WHEN score >= " + threshold + " THEN 1 ELSE 0 END");
            scored = input.join(scored, ID).withColumn(Predictions.CLASS, cls);
        } else {
            byte[] bytes = SageMakerTrainer.readModel(lake(), v.artifactUri() + "/model.tar.gz");
            scored = Scorer.score(platform.spark(), input, p.passThrough(), mi.features(), bytes, batchSize, threshold);
            backendJob = "local";
        }
        List<Column> cols = new ArrayList<>();
        cols.add(sha2(concat_ws("|", lit(spec.model()), lit(Integer.toString(v.version())), col(ID)), 256).substr(1, 32).alias(Predictions.PREDICTION_ID));
        Predictions.keys(model()).forEach(k -> cols.add(col(k)));
        cols.add(col(TrainingSets.EVENT_TS));
        cols.add(lit(spec.model()).alias(Predictions.MODEL));
        cols.add(lit(target.alias()).alias(Predictions.ALIAS));
        cols.add(col(Predictions.SCORE).cast("double").alias(Predictions.SCORE));
        cols.add(col(Predictions.CLASS).cast("int").alias(Predictions.CLASS));
        Predictions.sliceColumns(model()).forEach(s -> cols.add(col(s)));
        cols.add(lit(Timestamp.from(Instant.now())).alias(Predictions.SCORED_AT));
        scored.select(cols.toArray(Column[]::new)).write().mode("overwrite").parquet(out.toString());
        Dataset<Row> written = platform.spark().read().parquet(out.toString());
        List<String> schema = List.of(written.columns());
        Row stats = written.agg(expr("count(*)"), expr("avg(score)"), expr("sum(" + Predictions.CLASS + ")")).first();
        long rows = stats.getLong(0);
        if (rows != p.rows()) {
            throw JobException.retryable("version " + v.version() + " scored " + rows + " of " + p.rows() + " events of " + date
                    + "; not publishing an incomplete partition", null);
        }
        double mean = stats.isNullAt(1) ? Double.NaN : stats.getDouble(1);
        Long positives = stats.isNullAt(2) ? null : stats.getLong(2);
        Path target2 = Predictions.partition(lake(), spec.model(), date, v.version());
        lake().publishOnce(out, target2, new Manifest(Predictions.AREA + "/" + spec.model(), date, spec.model(), rows, 0,
                schema, null, lineage(p, v), null, new Manifest.Run(NAME, instance, e.getId(), Versions.codeVersion(), spec.hash()), Instant.now()));
        metrics.rows("out", "predictions/v" + v.version(), rows);
        io.micrometer.core.instrument.Gauge.builder("mlops_prediction_score_mean", () -> mean)
                .description("mean score of the date's predictions per model version").tag("model_version", Integer.toString(v.version()))
                .tag("alias", target.alias()).strongReference(true).register(metrics.registry());
        say("transform %s %s: %s v%d scored %d events (mean score %.4f%s) -> %s", spec.model(), date, target.alias(), v.version(), rows, mean,
                positives == null ? "" : ", " + positives + " positive at " + threshold, target2);
        save(e, SCORED + target.alias(), new Scored(target.alias(), v.version(), rows, mean, positives, target2.toString(), backendJob));
        return RepeatStatus.FINISHED;
    }

    private static List<Manifest.InputFile> lineage(Prepared p, Registry.Version v) {
        List<Manifest.InputFile> out = new ArrayList<>();
        p.inputs().forEach(u -> out.add(Manifest.InputFile.table(u, -1)));
        out.add(Manifest.InputFile.table(v.artifactUri() + "/model.tar.gz", -1));
        return out;
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
        return p == null || lake().exists(new Path(p.staged()));
    }

    @Override
    public ResultParts describe(RunOutcome outcome) {
        Map<String, Object> counts = new LinkedHashMap<>();
        List<String> outputs = new ArrayList<>();
        Prepared p = read(outcome.context(), PREPARED, Prepared.class);
        if (p == null) {
            return new ResultParts("", counts, outputs, List.of(), List.of());
        }
        counts.put("events", p.rows());
        StringBuilder summary = new StringBuilder("- " + p.rows() + " events");
        Map<String, Object> versions = new LinkedHashMap<>();
        for (Target t : targets) {
            Scored s = read(outcome.context(), SCORED + t.alias(), Scored.class);
            if (s == null) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", s.version());
            m.put("rows", s.rows());
            m.put("mean_score", s.meanScore());
            if (s.positives() != null) {
                m.put("positives", s.positives());
            }
            m.put("backend_job", s.backendJob());
            versions.put(s.alias(), m);
            outputs.add(s.partition());
            summary.append(String.format(Locale.ROOT, ", %s v%d mean score %.4f", s.alias(), s.version(), s.meanScore()));
        }
        counts.put("versions", versions);
        if (outcome.exitCode() == dev.mlops.core.ExitCode.OK) {
            lake().cleanStaging(NAME, spec.model(), date, outcome.jobInstanceId());
        }
        return new ResultParts(summary.toString(), counts, outputs, List.of(), List.of());
    }
}
