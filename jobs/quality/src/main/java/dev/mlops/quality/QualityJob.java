package dev.mlops.quality;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.mlops.core.ExitCode;
import dev.mlops.core.JobException;
import dev.mlops.core.Platform;
import dev.mlops.core.Versions;
import dev.mlops.core.audit.Actor;
import dev.mlops.core.audit.AuditEntry;
import dev.mlops.core.audit.AuditLedger;
import dev.mlops.core.batch.BatchJob;
import dev.mlops.core.batch.JobRunner;
import dev.mlops.core.batch.ResultParts;
import dev.mlops.core.batch.RunOutcome;
import dev.mlops.core.json.Json;
import dev.mlops.core.lake.Lake;
import dev.mlops.core.lake.Manifest;
import dev.mlops.core.metrics.JobMetrics;
import dev.mlops.core.registry.Registry;
import dev.mlops.core.spec.LabelSpec;
import dev.mlops.core.spec.LoadedSpec;
import dev.mlops.core.spec.ModelSpec;
import dev.mlops.core.spec.QualitySpec;
import dev.mlops.core.spec.Task;
import dev.mlops.core.spec.TrainingSpec;
import dev.mlops.features.TrainingSets;
import dev.mlops.train.LocalXgboost;
import dev.mlops.train.Matrix;
import dev.mlops.train.SageMakerTrainer;
import dev.mlops.train.TrainingData;
import dev.mlops.transform.Predictions;
import io.micrometer.core.instrument.Gauge;
import java.io.IOException;
import java.io.PrintWriter;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.Job;
import org.springframework.batch.core.JobExecution;
import org.springframework.batch.core.StepContribution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.item.ExecutionContext;
import org.springframework.batch.repeat.RepeatStatus;

/**
 * The quality job for one model and run date D, three steps:
 *
 * <ol>
 *   <li>{@code evaluate}: the production predictions of the recent prediction dates whose labels are
 *       due by D ({@code dt + label delay <= D}, the last {@code quality.window} of them) joined with
 *       the labels that have arrived: label coverage and the training metrics, overall, per slice and
 *       the bias slices' gaps; each date's partition of {@code quality_metrics/} is replaced, so a
 *       later run with more labels recomputes it;
 *   <li>{@code drift}: D's scoring set (re-derived point-in-time, as transform scores it) against the
 *       judged version's reference profile: PSI, KS, JS and null share per feature, the same for D's
 *       predictions, JS of the slices, mean |SHAP| on a sample vs the reference ranking (nDCG);
 *       published to {@code drift_metrics/};
 *   <li>{@code decide}: the retrain rules over the stored history, {@code decisions/}, an audit
 *       entry, gauges for every stored value.
 * </ol>
 * Exit 0 with {@code retrain: true|false} in the result; 100 when there is no production version,
 * or neither model quality (the latest due date's labelled predictions of the version) nor drift
 * (D's scoring set and the version's profile) can be judged.
 */
public final class QualityJob implements BatchJob {
    public static final String NAME = "quality";
    static final String EVALUATED = "quality.evaluated";
    static final String DRIFTED = "quality.drift";
    static final String DECIDED = "quality.decision";
    static final String SLICE_PREFIX = Predictions.SLICE_PREFIX;

    /** One evaluated prediction date. */
    public record DateSummary(String date, int modelVersion, long predictions, long labelled, Double labelCoverage, boolean sufficient,
                              Map<String, Double> metrics, String partition) {
    }

    /** What the evaluate step did. */
    public record Evaluated(int version, String latestDueDate, List<String> window, List<DateSummary> dates) {
    }

    /** What the drift step found (or why it could not judge). */
    public record DriftResult(boolean judged, String reason, int version, long rows, int featuresJudged, List<String> drifted,
                              Map<String, Object> driftedDetail, Double share, Map<String, Object> prediction, List<String> slicesDrifted,
                              Double ndcg, Map<String, Double> referenceAttributions, Map<String, Double> currentAttributions,
                              String partition, List<String> notes, Map<String, Object> missingData) {
    }

    /** The decision. */
    public record Decision(boolean judged, boolean retrain, Integer version, String latestDueDate, List<RetrainRules.Rule> rules,
                           List<String> reasons, List<String> notJudged, List<String> alerts, long newLabels, String partition) {
    }

    /** The features a version was trained on (its features.json). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record ModelInputs(List<String> features, String task, Double threshold) {
    }

    private final Platform platform;
    private final LoadedSpec spec;
    private final LocalDate date;
    private final PrintWriter progress;

    public QualityJob(Platform platform, LoadedSpec spec, LocalDate date, PrintWriter progress) {
        this.platform = requireNonNull(platform);
        this.spec = requireNonNull(spec);
        this.date = requireNonNull(date);
        this.progress = progress;
        if (spec.spec().training() == null) {
            throw JobException.usage("model '" + spec.model() + "' has no training section in " + spec.file() + ": no versions to judge");
        }
        if (spec.spec().label() == null || spec.spec().label().kind() == null) {
            throw JobException.usage("model '" + spec.model() + "' declares no label kind in " + spec.file() + ": no labels to judge against");
        }
    }

    @Override
    public String scope() {
        return "all";
    }

    @Override
    public Job build(JobMetrics metrics) {
        var repo = platform.batch().jobRepository();
        var tx = platform.batch().transactionManager();
        if (new Registry(platform.metadata()).alias(spec.model(), Registry.PRODUCTION).isEmpty()) {
            return new JobBuilder(NAME, repo)
                    .start(new StepBuilder("bootstrap", repo).tasklet((c, ctx) -> bootstrap(c, ctx, metrics), tx).build())
                    .build();
        }
        return new JobBuilder(NAME, repo)
                .start(new StepBuilder("evaluate", repo).tasklet((c, ctx) -> evaluate(ctx), tx).build())
                .next(new StepBuilder("drift", repo).tasklet((c, ctx) -> drift(ctx), tx).build())
                .next(new StepBuilder("decide", repo).tasklet((c, ctx) -> decide(c, ctx, metrics), tx).build())
                .build();
    }

    private ModelSpec model() {
        return spec.spec();
    }

    private QualitySpec quality() {
        return model().quality();
    }

    private Lake lake() {
        return platform.lake();
    }

    private boolean classification() {
        return model().task() == Task.BINARY_CLASSIFICATION;
    }

    private long delayDays() {
        return (model().label().delay().value().toSeconds() + 86_399) / 86_400;
    }

    /** The latest prediction date whose labels are due by the run date: D minus the label delay (whole days, rounded up). */
    LocalDate latestDue() {
        return date.minusDays(delayDays());
    }

    private static JobExecution execution(ChunkContext c) {
        return c.getStepContext().getStepExecution().getJobExecution();
    }

    private Path staging(JobExecution e) {
        return lake().staging(NAME, spec.model(), date, e.getJobInstance().getInstanceId());
    }

    private Manifest.Run run(JobExecution e) {
        return new Manifest.Run(NAME, e.getJobInstance().getInstanceId(), e.getId(), Versions.codeVersion(), spec.hash());
    }

    private void save(JobExecution e, String key, Object value) {
        e.getExecutionContext().putString(key, Json.write(value));
        platform.batch().jobRepository().updateExecutionContext(e);
    }

    private static <T> T read(ExecutionContext ctx, String key, Class<T> type) {
        return ctx.containsKey(key) ? Json.read(ctx.getString(key), type) : null;
    }

    // ---------------------------------------------------------------- predictions

    /** The version partitions of a date's predictions ({@code model_version=<v>} directories). */
    private List<Integer> versionsOf(LocalDate d) {
        Path p = lake().partition(Predictions.AREA, spec.model(), d);
        List<Integer> out = new ArrayList<>();
        try {
            var fs = lake().fs(p);
            if (!fs.exists(p)) {
                return out;
            }
            for (FileStatus st : fs.listStatus(p)) {
                String name = st.getPath().getName();
                if (st.isDirectory() && name.startsWith(Predictions.VERSION_KEY + "=")) {
                    try {
                        out.add(Integer.parseInt(name.substring(Predictions.VERSION_KEY.length() + 1)));
                    } catch (NumberFormatException ignored) {
                        // not ours
                    }
                }
            }
        } catch (IOException ex) {
            throw JobException.retryable("cannot list " + p + ": " + ex.getMessage(), ex);
        }
        out.sort(null);
        return out;
    }

    /**
     * For each date, the version whose predictions were served: the partition scored with alias
     * production (the latest scored, if the date was scored again after a promotion).
     */
    Map<LocalDate, Integer> productionVersions(List<LocalDate> dates) {
        List<String> paths = new ArrayList<>();
        for (LocalDate d : dates) {
            for (int v : versionsOf(d)) {
                paths.add(Predictions.partition(lake(), spec.model(), d, v).toString());
            }
        }
        Map<LocalDate, Integer> out = new TreeMap<>();
        if (paths.isEmpty()) {
            return out;
        }
        Map<LocalDate, Timestamp> latest = new TreeMap<>();
        List<Row> rows = predictions(paths).filter(col(Predictions.ALIAS).equalTo(Registry.PRODUCTION))
                .groupBy(col("__dt"), col("__v")).agg(org.apache.spark.sql.functions.max(Predictions.SCORED_AT)).collectAsList();
        for (Row r : rows) {
            LocalDate d = LocalDate.parse(r.getString(0));
            Timestamp at = r.getTimestamp(2);
            if (!latest.containsKey(d) || (at != null && at.after(latest.get(d)))) {
                latest.put(d, at);
                out.put(d, r.getInt(1));
            }
        }
        return out;
    }

    /** Prediction partitions read together, with their date ({@code __dt}) and version ({@code __v}). */
    private Dataset<Row> predictions(List<String> paths) {
        return platform.spark().read().option("basePath", lake().table(Predictions.AREA, spec.model()).toString())
                .parquet(paths.toArray(String[]::new))
                .withColumn("__dt", col("dt").cast("string"))
                .withColumn("__v", col(Predictions.VERSION_KEY).cast("int"));
    }

    /** The version judged: the one D's predictions were served by, else the registry's production version. */
    int judgedVersion() {
        Integer served = productionVersions(List.of(date)).get(date);
        if (served != null) {
            return served;
        }
        return new Registry(platform.metadata()).alias(spec.model(), Registry.PRODUCTION).orElseThrow(() -> JobException.nothingToDo(
                "no production version of " + spec.model() + " to judge"));
    }

    // ---------------------------------------------------------------- evaluate

    private RepeatStatus evaluate(ChunkContext context) {
        JobExecution e = execution(context);
        LocalDate latest = latestDue();
        List<LocalDate> window = new ArrayList<>();
        for (LocalDate d = latest.minusDays(quality().windowDays() - 1); !d.isAfter(latest); d = d.plusDays(1)) {
            window.add(d);
        }
        int judged = judgedVersion();
        Map<LocalDate, Integer> served = productionVersions(window);
        List<DateSummary> summaries = new ArrayList<>();
        if (!served.isEmpty()) {
            summaries = evaluateDates(e, served);
        }
        long labelledLatest = summaries.stream().filter(s -> s.date().equals(latest.toString())).mapToLong(DateSummary::labelled).sum();
        say("quality %s %s: %d of %d due prediction dates (%s..%s) have production predictions; the latest due date %s: %s", spec.model(), date,
                summaries.size(), window.size(), window.get(0), latest, latest, summaries.stream().anyMatch(s -> s.date().equals(latest.toString()))
                        ? labelledLatest + " labelled" : "no predictions");
        save(e, EVALUATED, new Evaluated(judged, latest.toString(), window.stream().map(LocalDate::toString).toList(), summaries));
        return RepeatStatus.FINISHED;
    }

    /** The served predictions of the dates joined with their labels, one quality_metrics partition per date. */
    private List<DateSummary> evaluateDates(JobExecution e, Map<LocalDate, Integer> served) {
        List<String> paths = new ArrayList<>();
        served.forEach((d, v) -> paths.add(Predictions.partition(lake(), spec.model(), d, v).toString()));
        Dataset<Row> preds = predictions(paths);
        LocalDate first = served.keySet().iterator().next();
        LocalDate last = ((TreeMap<LocalDate, Integer>) served).lastKey();
        List<String> inputs = new ArrayList<>();
        Dataset<Row> withLabels = withLabels(preds, first, last, inputs);
        List<String> sliceNames = model().training().slices().stream().map(TrainingSpec.Slice::name).toList();
        List<Column> cols = new ArrayList<>(List.of(col("__dt"), col("__v"), col(Predictions.SCORE).cast("double"),
                col(Predictions.CLASS).cast("int"), col("__label").cast("float")));
        sliceNames.forEach(s -> cols.add(col(SLICE_PREFIX + s).cast("string")));
        List<Row> collected = withLabels.select(cols.toArray(Column[]::new)).collectAsList();
        Map<String, List<ModelQuality.Scored>> byDate = new TreeMap<>();
        for (Row r : collected) {
            Map<String, String> slices = new LinkedHashMap<>();
            for (int i = 0; i < sliceNames.size(); i++) {
                slices.put(sliceNames.get(i), r.isNullAt(5 + i) ? null : r.getString(5 + i));
            }
            byDate.computeIfAbsent(r.getString(0), k -> new ArrayList<>()).add(new ModelQuality.Scored(r.getDouble(2),
                    r.isNullAt(3) ? null : r.getInt(3), r.isNullAt(4) ? null : r.getFloat(4), slices));
        }
        Timestamp now = Timestamp.from(Instant.now());
        Date asOf = Date.valueOf(date);
        List<Row> rows = new ArrayList<>();
        List<DateSummary> out = new ArrayList<>();
        Map<String, Long> rowsPerDate = new LinkedHashMap<>();
        for (var entry : served.entrySet()) {
            String d = entry.getKey().toString();
            int v = entry.getValue();
            List<ModelQuality.Scored> scored = byDate.getOrDefault(d, List.of());
            List<ModelQuality.MetricRow> metricRows = ModelQuality.rows(scored, classification(), model().training().threshold(), sliceNames,
                    quality().bias().slices());
            for (ModelQuality.MetricRow m : metricRows) {
                rows.add(RowFactory.create(d, v, m.metric(), m.segment(), m.value() == null || m.value().isNaN() ? null : m.value(), asOf, now));
            }
            rowsPerDate.put(d, (long) metricRows.size());
            Map<String, Double> overall = ModelQuality.overall(metricRows);
            long n = overall.get(ModelQuality.PREDICTIONS).longValue();
            long labelled = overall.get(ModelQuality.LABELLED).longValue();
            Map<String, Double> headline = new LinkedHashMap<>();
            for (String k : classification() ? List.of("roc_auc", "pr_auc", "precision", "recall", "f1", "log_loss", "brier")
                    : List.of("rmse", "mae", "mape", "r2", "bias")) {
                if (overall.get(k) != null && !overall.get(k).isNaN()) {
                    headline.put(k, overall.get(k));
                }
            }
            out.add(new DateSummary(d, v, n, labelled, overall.get(ModelQuality.COVERAGE), labelled >= quality().minLabelled(), headline,
                    QualityTables.partition(lake(), QualityTables.QUALITY, spec.model(), entry.getKey()).toString()));
        }
        Path staged = new Path(staging(e), QualityTables.QUALITY);
        lake().delete(staged);
        var schema = new org.apache.spark.sql.types.StructType().add("dt", DataTypes.StringType);
        for (var f : QualityTables.QUALITY_SCHEMA.fields()) {
            schema = schema.add(f);
        }
        platform.spark().createDataFrame(rows, schema).coalesce(1).write().partitionBy("dt").mode("overwrite").parquet(staged.toString());
        for (var entry : served.entrySet()) {
            LocalDate d = entry.getKey();
            List<Manifest.InputFile> in = new ArrayList<>();
            in.add(Manifest.InputFile.table(Predictions.partition(lake(), spec.model(), d, entry.getValue()).toString(),
                    byDate.getOrDefault(d.toString(), List.of()).size()));
            inputs.stream().filter(u -> u.contains(Lake.partitionName(d)) || labelWindowCovers(u, d))
                    .forEach(u -> in.add(Manifest.InputFile.table(u, -1)));
            lake().publishOnce(new Path(staged, Lake.partitionName(d)), QualityTables.partition(lake(), QualityTables.QUALITY, spec.model(), d),
                    new Manifest(QualityTables.QUALITY, d, spec.model(), rowsPerDate.get(d.toString()), 0,
                            List.of(QualityTables.QUALITY_SCHEMA.fieldNames()), null, in, null, run(e), Instant.now()));
        }
        for (DateSummary s : out) {
            say("quality %s %s: prediction date %s (v%d): %d predictions, %d labelled (coverage %s)%s", spec.model(), date, s.date(),
                    s.modelVersion(), s.predictions(), s.labelled(), s.labelCoverage() == null ? "n/a" : String.format(Locale.ROOT, "%.3f",
                            s.labelCoverage()), s.metrics().isEmpty() ? "" : " " + format(s.metrics()));
        }
        return out;
    }

    /** Whether a label partition URI lies in the label window of a prediction date (dt .. dt + delay + 1). */
    private boolean labelWindowCovers(String uri, LocalDate d) {
        int i = uri.lastIndexOf("dt=");
        if (i < 0 || !uri.contains("/" + model().label().dataset() + "/")) {
            return false;
        }
        try {
            LocalDate p = LocalDate.parse(uri.substring(i + 3, i + 13));
            return !p.isBefore(d) && !p.isAfter(d.plusDays(delayDays() + 1));
        } catch (RuntimeException ex) {
            return false;
        }
    }

    /**
     * The predictions with their label ({@code __label}, null while it has not arrived):
     * count labels are known once the label dataset's partition of the prediction date is in
     * (a bucket without rows counts 0); an exists label is known when it is positive, or when every
     * label partition its delay window touches (the event's date to the date of event time + delay)
     * is in. Labels are read as the lake holds them now: the metrics of a prediction date depend on
     * the lake, not on the run date, so a backfill run writes what a later run would.
     */
    private Dataset<Row> withLabels(Dataset<Row> preds, LocalDate first, LocalDate last, List<String> inputs) {
        LabelSpec label = model().label();
        List<String> keys = new ArrayList<>(Predictions.keys(model()));
        keys.add(Predictions.EVENT_TS);
        Dataset<Row> events = new TrainingSets(platform.spark(), lake()).labelEvents(model(), first, last, inputs);
        if (events == null) {
            return preds.withColumn("__label", lit(null).cast("float"));
        }
        List<Column> sel = new ArrayList<>();
        keys.forEach(k -> sel.add(col(k)));
        sel.add(col(label.name()).cast("float").alias("__l"));
        Dataset<Row> joined = preds.join(events.select(sel.toArray(Column[]::new)), scala.collection.JavaConverters.asScalaBuffer(keys).toSeq(),
                "left");
        if (label.kind() == LabelSpec.Kind.COUNT) {
            List<String> arrived = new ArrayList<>();
            for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
                if (lake().exists(lake().partition("validated", label.dataset(), d))) {
                    arrived.add(d.toString());
                }
            }
            Column known = arrived.isEmpty() ? lit(false) : col("__dt").isin(arrived.toArray());
            return joined.withColumn("__label", org.apache.spark.sql.functions.when(known, coalesce(col("__l"), lit(0f))));
        }
        List<String> missing = new ArrayList<>();
        for (LocalDate d = first; !d.isAfter(last.plusDays(delayDays() + 1)); d = d.plusDays(1)) {
            if (!lake().exists(lake().partition("validated", label.dataset(), d))) {
                missing.add("DATE'" + d + "'");
            }
        }
        long delayMicros = label.delay().value().toSeconds() * 1_000_000L;
        String complete = missing.isEmpty() ? "true" : "NOT exists(array(" + String.join(", ", missing) + "), m -> m >= to_date("
                + Predictions.EVENT_TS + ") AND m <= to_date(timestamp_micros(unix_micros(" + Predictions.EVENT_TS + ") + " + delayMicros + ")))";
        return joined.withColumn("__label", expr("CASE WHEN __l IS NOT NULL AND (__l = 1 OR " + complete + ") THEN __l END"));
    }

    // ---------------------------------------------------------------- drift

    private RepeatStatus drift(ChunkContext context) {
        JobExecution e = execution(context);
        Evaluated ev = read(e.getExecutionContext(), EVALUATED, Evaluated.class);
        int v = ev.version();
        DriftResult r = driftOf(e, v);
        save(e, DRIFTED, r);
        if (r.judged()) {
            say("quality %s %s: drift of v%d on %d rows: %d of %d features drifted%s; prediction psi %s; attribution nDCG %s", spec.model(), date, v,
                    r.rows(), r.drifted().size(), r.featuresJudged(), r.drifted().isEmpty() ? "" : " " + r.drifted(),
                    r.prediction() == null ? "n/a" : r.prediction().get("psi"), r.ndcg() == null ? "n/a" : String.format(Locale.ROOT, "%.4f", r.ndcg()));
        } else {
            say("quality %s %s: drift not judged: %s", spec.model(), date, r.reason());
        }
        return RepeatStatus.FINISHED;
    }

    private DriftResult notJudged(int v, String reason) {
        return new DriftResult(false, reason, v, 0, 0, List.of(), Map.of(), null, null, List.of(), null, Map.of(), Map.of(), null, List.of(), Map.of());
    }

    @SuppressWarnings("unchecked")
    private DriftResult driftOf(JobExecution e, int v) {
        Registry.Version version = new Registry(platform.metadata()).get(spec.model(), v).orElseThrow(() -> JobException.usage(
                "model " + spec.model() + " has no version " + v + " in the registry"));
        var profileText = lake().readText(new Path(version.artifactUri(), "profile.json"));
        if (profileText.isEmpty()) {
            return notJudged(v, "version " + v + " has no reference profile (" + version.artifactUri() + "/profile.json)");
        }
        ReferenceProfile profile = ReferenceProfile.parse(profileText.get());
        ModelInputs inputs = lake().readText(new Path(version.artifactUri(), "features.json")).map(t -> Json.read(t, ModelInputs.class))
                .orElse(new ModelInputs(version.features(), null, null));
        // the scoring sets of the drift window's days (quality.drift.window, ending at D), those that exist
        int windowDays = (int) quality().drift().window().value().toDays();
        Dataset<Row> scored = null;
        List<String> scoredInputs = new ArrayList<>();
        List<LocalDate> scoredDates = new ArrayList<>();
        String lastMiss = null;
        for (LocalDate d = date.minusDays(windowDays - 1L); !d.isAfter(date); d = d.plusDays(1)) {
            try {
                TrainingSets.Built b = new TrainingSets(platform.spark(), lake()).scoring(model(), d);
                scored = scored == null ? b.rows() : scored.unionByName(b.rows(), true);
                scoredInputs.addAll(b.inputs());
                scoredDates.add(d);
            } catch (JobException ex) {
                if (ex.exitCode() != ExitCode.NOTHING_TO_DO) {
                    throw ex;
                }
                lastMiss = d + ": " + ex.getMessage();
            }
        }
        if (scored == null || !scoredDates.contains(date)) {
            return notJudged(v, "no scoring set for " + date + ": " + (lastMiss == null ? "none in the drift window" : lastMiss));
        }
        TrainingSets.Built built = new TrainingSets.Built(scored, List.of(), scoredInputs, List.of());
        TrainingSpec t = model().training();
        Dataset<Row> rows = built.rows();
        for (String tf : t.timeFeatures()) {
            rows = rows.withColumn(tf, expr(TrainingData.timeFeature(tf, TrainingSets.EVENT_TS)));
        }
        for (TrainingSpec.Slice s : t.slices()) {
            rows = rows.withColumn(SLICE_PREFIX + s.name(), expr(s.expr()).cast("string"));
        }
        List<String> have = List.of(rows.columns());
        List<String> missing = inputs.features().stream().filter(f -> !have.contains(f)).toList();
        if (!missing.isEmpty()) {
            throw JobException.dataContract("model " + spec.model() + " version " + v + " was trained on feature" + (missing.size() == 1 ? " " : "s ")
                    + missing + " that the scoring set of " + date + " does not have; the spec " + spec.file() + " no longer computes "
                    + (missing.size() == 1 ? "it" : "them") + ": restore the feature or train a new version");
        }
        List<Column> keep = new ArrayList<>();
        inputs.features().forEach(f -> keep.add(col(f).cast("double").alias(f)));
        t.slices().forEach(s -> keep.add(col(SLICE_PREFIX + s.name())));
        rows = rows.select(keep.toArray(Column[]::new)).persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
        try {
            Map<String, ReferenceProfile.Column> judgedColumns = new LinkedHashMap<>();
            List<String> notes = new ArrayList<>();
            if (windowDays > 1) {
                notes.add("drift of " + scoredDates.size() + " day(s) of scored data together (quality.drift.window "
                        + quality().drift().window().text() + "): " + scoredDates.get(0) + ".." + date);
            }
            for (String f : inputs.features()) {
                if (t.timeFeatures().contains(f)) {
                    continue;
                }
                ReferenceProfile.Column c = profile.features().get(f);
                if (c == null) {
                    notes.add("feature " + f + " has no reference in the profile: not judged");
                } else {
                    judgedColumns.put(f, c);
                }
            }
            List<DriftStats.SliceReference> sliceRefs = sliceReferences(version, profile, notes);
            List<DriftStats.ColumnDrift> drift = new ArrayList<>(DriftStats.compute(rows, judgedColumns, DriftStats.FEATURE, sliceRefs,
                    quality().drift()));
            // features whose values in the window come from windows over days without validated data (the features'
            // manifests say which): missing data, reported as such and not counted as drift
            Map<String, MissingFeature> missingFeatures = missingFeatures(scoredInputs, scoredDates);
            Map<String, Object> missingData = new LinkedHashMap<>();
            java.util.Set<String> notJudgedMissing = new java.util.HashSet<>();
            for (int i = 0; i < drift.size(); i++) {
                DriftStats.ColumnDrift d = drift.get(i);
                MissingFeature mf = missingFeatures.get(d.name());
                if (!DriftStats.FEATURE.equals(d.kind()) || mf == null) {
                    continue;
                }
                boolean zeroFilled = mf.zeroFilled > 0;
                String note = "missing data: windows over " + mf.source + " days without validated data " + mf.days;
                DriftStats.ColumnDrift md = DriftStats.missingData(d, zeroFilled, note, quality().drift());
                drift.set(i, md);
                if (zeroFilled || md.mean() == null) {
                    notJudgedMissing.add(d.name());
                }
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("source", mf.source);
                x.put("days", mf.days.stream().map(LocalDate::toString).toList());
                x.put("feature_dates", mf.dates.stream().map(LocalDate::toString).toList());
                x.put("values_nulled", mf.nulled);
                if (zeroFilled) {
                    x.put("values_zero_filled", mf.zeroFilled);
                }
                x.put("null_share", md.nullShare());
                x.put("judged", !notJudgedMissing.contains(d.name()));
                missingData.put(d.name(), x);
            }
            if (!missingData.isEmpty()) {
                notes.add("missing data, not drift: " + missingData.keySet() + " read windows over days without validated data ("
                        + missingFeatures.values().stream().flatMap(m -> m.days.stream()).distinct().sorted().toList()
                        + "); their nulls are not counted as drift" + (notJudgedMissing.isEmpty() ? "" : ", " + notJudgedMissing + " not judged"));
            }
            long n = drift.isEmpty() ? rows.count() : drift.get(0).rows();
            if (n == 0) {
                return notJudged(v, "the scoring set of " + date + " has no rows");
            }
            // the predictions of D by the version, against the profile's predictions
            Map<String, Object> prediction = null;
            Path pp = Predictions.partition(lake(), spec.model(), date, v);
            List<String> predictionPaths = new ArrayList<>();
            for (LocalDate d : scoredDates) {
                Path p = Predictions.partition(lake(), spec.model(), d, v);
                if (lake().exists(p)) {
                    predictionPaths.add(p.toString());
                }
            }
            if (profile.prediction() != null && lake().exists(pp)) {
                DriftStats.ColumnDrift pd = DriftStats.compute(platform.spark().read().parquet(predictionPaths.toArray(String[]::new)),
                        Map.of(Predictions.SCORE, profile.prediction()), DriftStats.PREDICTION, List.of(), quality().drift()).get(0);
                pd = rename(pd, "prediction");
                drift.add(pd);
                prediction = new LinkedHashMap<>();
                prediction.put("psi", pd.psi());
                prediction.put("ks_statistic", pd.ksStatistic());
                prediction.put("ks_p_value", pd.ksPValue());
                prediction.put("js_distance", pd.jsDistance());
                prediction.put("mean", pd.mean());
                prediction.put("reference_mean", pd.referenceMean());
                prediction.put("drifted", pd.drifted());
            } else {
                notes.add("no predictions of " + date + " by v" + v + " (" + pp + "): prediction drift not computed");
            }
            // attributions: mean |SHAP| of the version's booster on a sample of the day
            Map<String, Double> current = new LinkedHashMap<>();
            Double ndcg = null;
            if (!profile.attributions().isEmpty()) {
                int size = quality().attributionSample();
                double fraction = Math.min(1.0, 1.5 * size / Math.max(1, n));
                Dataset<Row> sample = rows.sample(false, fraction, 42L).limit(size).withColumn("__label", lit(0f));
                Matrix m = TrainingData.matrix(sample, inputs.features(), "__label");
                if (m.rows() > 0) {
                    byte[] booster = SageMakerTrainer.readModel(lake(), version.artifactUri() + "/model.tar.gz");
                    double[] shap = LocalXgboost.meanAbsShap(booster, m);
                    for (int j = 0; j < shap.length; j++) {
                        current.put(inputs.features().get(j), shap[j]);
                    }
                    ndcg = DriftMath.ndcg(profile.attributions(), current);
                }
            } else {
                notes.add("the profile of v" + v + " has no attributions: attribution drift not computed");
            }
            List<String> drifted = new ArrayList<>();
            Map<String, Object> detail = new LinkedHashMap<>();
            int judged = 0;
            List<String> slicesDrifted = new ArrayList<>();
            for (DriftStats.ColumnDrift d : drift) {
                if (DriftStats.FEATURE.equals(d.kind())) {
                    if (notJudgedMissing.contains(d.name())) {
                        continue;
                    }
                    judged++;
                    if (d.drifted()) {
                        drifted.add(d.name());
                        Map<String, Object> x = new LinkedHashMap<>();
                        x.put("psi", d.psi());
                        x.put("null_share_delta", d.nullShareDelta());
                        x.put("ks_p_value", d.ksPValue());
                        x.put("why", d.why());
                        detail.put(d.name(), x);
                    }
                } else if (DriftStats.SLICE.equals(d.kind()) && d.drifted()) {
                    slicesDrifted.add(d.name());
                }
            }
            Double share = judged == 0 ? null : (double) drifted.size() / judged;
            Path target = publishDrift(e, v, drift, profile, current, t.timeFeatures(), built.inputs());
            return new DriftResult(true, null, v, n, judged, drifted, detail, share, prediction, slicesDrifted, ndcg, profile.attributions(), current,
                    target.toString(), notes, missingData);
        } finally {
            rows.unpersist();
        }
    }

    /** What the features' manifests say about one feature's missing data over the partitions a drift window read. */
    static final class MissingFeature {
        final String source;
        final java.util.TreeSet<LocalDate> days = new java.util.TreeSet<>();
        final java.util.TreeSet<LocalDate> dates = new java.util.TreeSet<>();
        long nulled;
        long zeroFilled;

        MissingFeature(String source) {
            this.source = source;
        }
    }

    /**
     * Per feature, the missing data the manifests of the scored dates' feature partitions record: the
     * days without validated data its windows overlapped, the partitions, the values nulled or
     * zero-filled. Only the scored dates' own partitions: older ones the as-of join may take a row
     * from (within the group's ttl) are not consulted (see docs/quality.md, Limitations).
     */
    private Map<String, MissingFeature> missingFeatures(List<String> inputs, List<LocalDate> scoredDates) {
        Map<String, MissingFeature> out = new LinkedHashMap<>();
        List<String> groups = model().features().keySet().stream().map(g -> lake().table("features", g).toString() + "/").toList();
        for (String uri : new java.util.LinkedHashSet<>(inputs)) {
            if (groups.stream().noneMatch(uri::startsWith)) {
                continue;
            }
            Manifest m = lake().readText(Manifest.pathIn(new Path(uri))).map(Manifest::fromJson).orElse(null);
            if (m == null || m.missingData() == null || !scoredDates.contains(m.dt())) {
                continue;
            }
            Manifest.MissingData md = m.missingData();
            java.util.function.BiConsumer<Map<String, Long>, Boolean> add = (counts, zero) -> {
                if (counts == null) {
                    return;
                }
                counts.forEach((f, n) -> {
                    MissingFeature mf = out.computeIfAbsent(f, k -> new MissingFeature(md.source()));
                    mf.days.addAll(md.dates());
                    mf.dates.add(m.dt());
                    if (zero) {
                        mf.zeroFilled += n;
                    } else {
                        mf.nulled += n;
                    }
                });
            };
            add.accept(md.nulled(), false);
            add.accept(md.zeroFilled(), true);
        }
        return out;
    }

    private static DriftStats.ColumnDrift rename(DriftStats.ColumnDrift d, String name) {
        return new DriftStats.ColumnDrift(name, d.kind(), d.rows(), d.referenceRows(), d.psi(), d.ksStatistic(), d.ksPValue(), d.jsDistance(),
                d.nullShare(), d.referenceNullShare(), d.nullShareDelta(), d.mean(), d.referenceMean(), d.min(), d.max(), d.referenceMin(),
                d.referenceMax(), d.drifted(), d.why());
    }

    /**
     * The slices' reference distributions: the training split's rows per slice value (the profile's
     * {@code slices}); for a profile written before train recorded them, the test split's rows per
     * slice value from the version's metrics.json (the last 15% of the window by time: for slices of
     * the hour, not whole days, so its mix differs from a day's by construction).
     */
    @SuppressWarnings("unchecked")
    private List<DriftStats.SliceReference> sliceReferences(Registry.Version version, ReferenceProfile profile, List<String> notes) {
        List<DriftStats.SliceReference> out = new ArrayList<>();
        if (!profile.slices().isEmpty()) {
            for (TrainingSpec.Slice s : model().training().slices()) {
                Map<String, Long> counts = profile.slices().get(s.name());
                if (counts != null && !counts.isEmpty()) {
                    out.add(new DriftStats.SliceReference(s.name(), SLICE_PREFIX + s.name(), counts));
                }
            }
            return out;
        }
        var text = lake().readText(new Path(version.artifactUri(), "metrics.json"));
        if (text.isEmpty()) {
            notes.add("version " + version.version() + " has no slice reference: slice distributions not compared");
            return out;
        }
        notes.add("the profile of v" + version.version() + " has no slice counts (written before train recorded them): slices compared with"
                + " the test split's mix from metrics.json");
        Map<String, Object> m = Json.read(text.get(), Map.class);
        Map<String, Object> slices = (Map<String, Object>) m.getOrDefault("slices", Map.of());
        for (TrainingSpec.Slice s : model().training().slices()) {
            Map<String, Object> values = (Map<String, Object>) slices.get(s.name());
            if (values == null) {
                continue;
            }
            Map<String, Long> counts = new LinkedHashMap<>();
            values.forEach((k, x) -> counts.put(k, ((Number) ((Map<String, Object>) x).getOrDefault("rows", 0)).longValue()));
            out.add(new DriftStats.SliceReference(s.name(), SLICE_PREFIX + s.name(), counts));
        }
        return out;
    }

    private Path publishDrift(JobExecution e, int v, List<DriftStats.ColumnDrift> drift, ReferenceProfile profile, Map<String, Double> current,
                              List<String> timeFeatures, List<String> inputs) {
        Timestamp now = Timestamp.from(Instant.now());
        double ksLevel = quality().drift().ksPValue();
        List<Row> rows = new ArrayList<>();
        for (DriftStats.ColumnDrift d : drift) {
            rows.add(RowFactory.create(v, d.name(), d.kind(), d.rows(), d.referenceRows(), d.psi(), d.ksStatistic(), d.ksPValue(),
                    d.ksPValue() == null ? null : d.ksPValue() < ksLevel, d.jsDistance(), d.nullShare(), d.referenceNullShare(), d.nullShareDelta(),
                    d.mean(), d.referenceMean(), d.min(), d.max(), d.referenceMin(), d.referenceMax(),
                    DriftStats.FEATURE.equals(d.kind()) ? current.get(d.name()) : null,
                    DriftStats.FEATURE.equals(d.kind()) ? profile.attributions().get(d.name()) : null,
                    d.drifted(), d.why().isEmpty() ? null : String.join("; ", d.why()), now));
        }
        for (String tf : timeFeatures) {
            if (current.containsKey(tf) || profile.attributions().containsKey(tf)) {
                rows.add(RowFactory.create(v, tf, DriftStats.TIME_FEATURE, null, null, null, null, null, null, null, null, null, null, null, null,
                        null, null, null, null, current.get(tf), profile.attributions().get(tf), false,
                        "a calendar feature: constant or uniform within a day, so not judged for drift", now));
            }
        }
        Path staged = new Path(staging(e), QualityTables.DRIFT);
        lake().delete(staged);
        platform.spark().createDataFrame(rows, QualityTables.DRIFT_SCHEMA).coalesce(1).write().mode("overwrite").parquet(staged.toString());
        Path target = QualityTables.partition(lake(), QualityTables.DRIFT, spec.model(), date);
        List<Manifest.InputFile> in = new ArrayList<>();
        inputs.forEach(u -> in.add(Manifest.InputFile.table(u, -1)));
        Registry.Version version = new Registry(platform.metadata()).get(spec.model(), v).orElseThrow();
        in.add(Manifest.InputFile.table(version.artifactUri() + "/profile.json", -1));
        lake().publishOnce(staged, target, new Manifest(QualityTables.DRIFT, date, spec.model(), rows.size(), 0,
                List.of(QualityTables.DRIFT_SCHEMA.fieldNames()), null, in, null, run(e), Instant.now()));
        return target;
    }

    // ---------------------------------------------------------------- decide

    private RepeatStatus decide(StepContribution contribution, ChunkContext context, JobMetrics metrics) {
        JobExecution e = execution(context);
        Evaluated ev = read(e.getExecutionContext(), EVALUATED, Evaluated.class);
        DriftResult dr = read(e.getExecutionContext(), DRIFTED, DriftResult.class);
        int v = ev.version();
        LocalDate latest = LocalDate.parse(ev.latestDueDate());
        QualitySpec q = quality();
        List<String> notJudged = new ArrayList<>();
        List<RetrainRules.Rule> rules = new ArrayList<>();

        // model quality: the stored history of the latest due dates
        List<String> limitMetrics = new ArrayList<>(q.metrics().keySet());
        Map<String, Map<LocalDate, RetrainRules.DateValue>> history = history(latest, q.maxDays(), limitMetrics);
        RetrainRules.DateValue latestLabelled = history.getOrDefault(ModelQuality.LABELLED, Map.of()).get(latest);
        boolean qualityJudged = false;
        if (latestLabelled == null) {
            notJudged.add("model quality: no production predictions of " + spec.model() + " for the latest due prediction date " + latest
                    + " (date + label delay " + model().label().delay().text() + " <= " + date + "); run `mlops transform --model " + spec.model()
                    + " --date " + latest + "`");
        } else if (latestLabelled.version() != v) {
            notJudged.add("model quality: the latest due prediction date " + latest + " was served by v" + latestLabelled.version()
                    + ", not by v" + v + " (the version judged)");
        } else if (latestLabelled.labelled() < q.minLabelled()) {
            notJudged.add(String.format(Locale.ROOT, "model quality: %d labelled predictions on the latest due prediction date %s < %d"
                    + " (quality.min_labelled); no verdict", (long) latestLabelled.labelled(), latest, q.minLabelled()));
        } else {
            qualityJudged = true;
            for (var lim : q.metrics().entrySet()) {
                rules.add(RetrainRules.metricLimit(lim.getKey(), lim.getValue(), history.getOrDefault(lim.getKey(), Map.of()), latest, v,
                        q.minLabelled()));
            }
        }
        boolean driftJudged = dr != null && dr.judged();
        if (!driftJudged) {
            notJudged.add("drift: " + (dr == null ? "not computed" : dr.reason()));
        } else {
            rules.add(RetrainRules.driftShare(dr.featuresJudged(), dr.drifted(), dr.driftedDetail(), q.drift(),
                    dr.missingData() == null ? Map.of() : dr.missingData()));
            if (dr.ndcg() != null) {
                rules.add(RetrainRules.attribution(dr.ndcg(), q.attributionFloor(), dr.referenceAttributions(), dr.currentAttributions()));
            }
        }
        Registry.Version version = new Registry(platform.metadata()).get(spec.model(), v).orElseThrow();
        LocalDate since = version.dataDate().minusDays(delayDays()).plusDays(1);
        long newLabels = 0;
        if (!since.isAfter(latest)) {
            Dataset<Row> events = new TrainingSets(platform.spark(), lake()).labelEvents(model(), since, latest, new ArrayList<>());
            newLabels = events == null ? 0 : events.count();
        }
        List<String> alerts = biasAlerts(ev, latest);
        registerGauges(metrics, ev, dr);
        if (!qualityJudged && !driftJudged) {
            Decision d = new Decision(false, false, v, latest.toString(), List.of(), List.of(), notJudged, alerts, newLabels, null);
            save(e, DECIDED, d);
            ExitStatus noop = new ExitStatus(JobRunner.NOOP, "nothing to judge for " + spec.model() + " v" + v + " on " + date + ": "
                    + String.join("; ", notJudged));
            contribution.setExitStatus(noop);
            e.setExitStatus(noop);
            return RepeatStatus.FINISHED;
        }
        rules.add(RetrainRules.newLabels(newLabels, q.newLabels(), since, latest));
        boolean retrain = rules.stream().anyMatch(RetrainRules.Rule::fired);
        List<String> reasons = rules.stream().filter(RetrainRules.Rule::fired).map(RetrainRules.Rule::reason).toList();
        Path target = publishDecision(e, v, latest, rules, retrain);
        Decision d = new Decision(true, retrain, v, latest.toString(), rules, reasons, notJudged, alerts, newLabels, target.toString());
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("data_date", date.toString());
        evidence.put("latest_due_date", latest.toString());
        evidence.put("model_version", v);
        List<Map<String, Object>> ruleEvidence = new ArrayList<>();
        for (RetrainRules.Rule r : rules) {
            ruleEvidence.add(ruleJson(r));
        }
        evidence.put("rules", ruleEvidence);
        evidence.put("not_judged", notJudged);
        evidence.put("decisions", target.toString());
        if (dr != null && dr.partition() != null) {
            evidence.put("drift_metrics", dr.partition());
        }
        evidence.put("quality_metrics", ev.dates().stream().map(DateSummary::partition).toList());
        new AuditLedger(platform.metadata()).append(new AuditLedger.NewEntry(spec.model(), v, AuditEntry.QUALITY, Actor.job(NAME),
                retrain ? "retrain" : "no_retrain", reasons.isEmpty() ? List.of("no retrain rule fired") : reasons, evidence));
        Gauge.builder("mlops_quality_retrain", () -> retrain ? 1 : 0).description("1 when the quality job decided to retrain the production version")
                .tag("model_version", Integer.toString(v)).strongReference(true).register(metrics.registry());
        for (RetrainRules.Rule r : rules) {
            double value = r.value() == null ? Double.NaN : r.value();
            Gauge.builder("mlops_quality_rule_value", () -> value).description("the value each retrain rule looked at")
                    .tag("rule", r.rule()).tag("metric", r.metric()).strongReference(true).register(metrics.registry());
            Gauge.builder("mlops_quality_rule_fired", () -> r.fired() ? 1 : 0).description("1 when the retrain rule fired")
                    .tag("rule", r.rule()).tag("metric", r.metric()).strongReference(true).register(metrics.registry());
        }
        save(e, DECIDED, d);
        say("quality %s %s: retrain %s (v%d)%s", spec.model(), date, retrain, v, reasons.isEmpty() ? "" : ": " + String.join("; ", reasons));
        return RepeatStatus.FINISHED;
    }

    /**
     * No production version yet: the first one must be trained, once the labels of a training
     * window are due (training.min_labelled_rows of them). Retrain true with that reason, or exit
     * 100 with the count so far. The same label events as train's window, so the decision and
     * the training agree.
     */
    private RepeatStatus bootstrap(StepContribution contribution, ChunkContext c, JobMetrics metrics) {
        JobExecution e = execution(c);
        List<LocalDate> window = TrainingData.window(model(), date);
        LocalDate from = window.get(0);
        LocalDate through = window.get(window.size() - 1);
        Dataset<Row> events = new TrainingSets(platform.spark(), lake()).labelEvents(model(), from, through, new ArrayList<>());
        long due = events == null ? 0 : events.count();
        int needed = model().training().minLabelledRows();
        // the whole window, with the features' full history before it: a first version trained on the first days of
        // data would learn from half-empty 7-day windows, and every later day would look drifted against its profile
        long history = historyDays();
        LocalDate dataFrom = firstDataDate();
        LocalDate neededFrom = from.minusDays(history);
        boolean covered = dataFrom != null && !dataFrom.isAfter(neededFrom);
        boolean fired = due >= needed && covered;
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("label_events_from", from.toString());
        ev.put("label_events_through", through.toString());
        ev.put("data_from", dataFrom == null ? null : dataFrom.toString());
        ev.put("feature_history_days", history);
        String reason = String.format(Locale.ROOT, "no production version of %s: %d label events due in the training window %s..%s "
                + "(training.min_labelled_rows %d); data from %s, a full window with %d days of feature history needs data from %s%s",
                spec.model(), due, from, through, needed, dataFrom == null ? "nowhere yet" : dataFrom, history, neededFrom,
                fired ? ": train the first version" : "");
        RetrainRules.Rule rule = new RetrainRules.Rule("first_version", "label_events", (double) due, (double) needed, ">=", null, null, fired,
                (fired ? "" : "not fired: ") + reason, ev);
        if (!fired) {
            Decision d = new Decision(false, false, null, through.toString(), List.of(rule), List.of(), List.of(reason), List.of(), due, null);
            save(e, DECIDED, d);
            ExitStatus noop = new ExitStatus(JobRunner.NOOP, "nothing to judge: " + reason + "; the first training waits for more labels");
            contribution.setExitStatus(noop);
            e.setExitStatus(noop);
            return RepeatStatus.FINISHED;
        }
        Path target = publishDecision(e, null, through, List.of(rule), true);
        Decision d = new Decision(true, true, null, through.toString(), List.of(rule), List.of(reason), List.of(), List.of(), due, target.toString());
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("data_date", date.toString());
        evidence.put("rules", List.of(ruleJson(rule)));
        evidence.put("decisions", target.toString());
        new AuditLedger(platform.metadata()).append(new AuditLedger.NewEntry(spec.model(), null, AuditEntry.QUALITY, Actor.job(NAME),
                "retrain", List.of(reason), evidence));
        Gauge.builder("mlops_quality_retrain", () -> 1).description("1 when the quality job decided to retrain the production version")
                .tag("model_version", "none").strongReference(true).register(metrics.registry());
        save(e, DECIDED, d);
        say("quality %s %s: retrain true: %s", spec.model(), date, reason);
        return RepeatStatus.FINISHED;
    }

    /** The longest feature window (with its lag), in whole days: the history a feature needs before its first full value. */
    private long historyDays() {
        long seconds = 0;
        for (var g : model().features().values()) {
            for (var f : g.features()) {
                long s = (f.window() == null ? 0 : f.window().value().toSeconds()) + (f.lag() == null ? 0 : f.lag().value().toSeconds());
                seconds = Math.max(seconds, s);
            }
        }
        return (seconds + 86_399) / 86_400;
    }

    /** The first date of validated data of the label events' dataset, or null when there is none. */
    private LocalDate firstDataDate() {
        String dataset = model().label().events() != null ? model().label().events().dataset() : model().label().dataset();
        List<LocalDate> dates = lake().partitions("validated", dataset);
        return dates.isEmpty() ? null : dates.stream().min(LocalDate::compareTo).orElseThrow();
    }

    static Map<String, Object> ruleJson(RetrainRules.Rule r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rule", r.rule());
        m.put("metric", r.metric());
        m.put("value", r.value());
        m.put("threshold", r.threshold());
        m.put("comparison", r.comparison());
        if (r.days() != null) {
            m.put("days", r.days());
            m.put("required_days", r.requiredDays());
        }
        m.put("fired", r.fired());
        m.put("reason", r.reason());
        m.put("evidence", r.evidence());
        return m;
    }

    /**
     * The stored overall values of the prediction dates ending at the latest due date: per metric (and
     * {@code labelled}), date -> (version, labelled, value), read from quality_metrics partitions.
     */
    private Map<String, Map<LocalDate, RetrainRules.DateValue>> history(LocalDate latest, int days, List<String> metricNames) {
        List<String> paths = new ArrayList<>();
        for (LocalDate d = latest.minusDays(days - 1); !d.isAfter(latest); d = d.plusDays(1)) {
            Path p = QualityTables.partition(lake(), QualityTables.QUALITY, spec.model(), d);
            if (lake().exists(p)) {
                paths.add(p.toString());
            }
        }
        Map<String, Map<LocalDate, RetrainRules.DateValue>> out = new LinkedHashMap<>();
        if (paths.isEmpty()) {
            return out;
        }
        List<String> wanted = new ArrayList<>(metricNames);
        wanted.add(ModelQuality.LABELLED);
        List<Row> rows = platform.spark().read().option("basePath", lake().path(QualityTables.QUALITY).toString()).parquet(paths.toArray(String[]::new))
                .filter(col("segment").equalTo(ModelQuality.ALL).and(col("metric").isin(wanted.toArray())))
                .select(col("dt").cast("string"), col("model_version"), col("metric"), col("value")).collectAsList();
        Map<LocalDate, Double> labelled = new TreeMap<>();
        Map<LocalDate, Integer> versions = new TreeMap<>();
        for (Row r : rows) {
            LocalDate d = LocalDate.parse(r.getString(0));
            versions.put(d, r.getInt(1));
            if (ModelQuality.LABELLED.equals(r.getString(2))) {
                labelled.put(d, r.isNullAt(3) ? 0 : r.getDouble(3));
            }
        }
        for (Row r : rows) {
            LocalDate d = LocalDate.parse(r.getString(0));
            out.computeIfAbsent(r.getString(2), k -> new TreeMap<>()).put(d, new RetrainRules.DateValue(versions.get(d),
                    labelled.getOrDefault(d, 0.0), r.isNullAt(3) ? null : r.getDouble(3)));
        }
        return out;
    }

    /** Bias gaps over the spec's maxima on the latest due date (alerts, not retrain reasons). */
    private List<String> biasAlerts(Evaluated ev, LocalDate latest) {
        QualitySpec.Bias b = quality().bias();
        List<String> out = new ArrayList<>();
        if (b.slices().isEmpty() || (b.maxPositiveRateGap() == null && b.maxErrorGap() == null)) {
            return out;
        }
        Path p = QualityTables.partition(lake(), QualityTables.QUALITY, spec.model(), latest);
        if (ev.dates().stream().noneMatch(s -> s.date().equals(latest.toString())) || !lake().exists(p)) {
            return out;
        }
        String rateGap = classification() ? "positive_rate_gap" : "mean_prediction_gap";
        for (Row r : platform.spark().read().parquet(p.toString()).filter(col("metric").isin(rateGap, "error_gap")).collectAsList()) {
            if (r.isNullAt(3)) {
                continue;
            }
            String metric = r.getString(1);
            Double max = metric.equals("error_gap") ? b.maxErrorGap() : b.maxPositiveRateGap();
            if (max != null && r.getDouble(3) > max) {
                out.add(String.format(Locale.ROOT, "bias: slice %s %s %.4f > %s (quality.bias.%s) on %s", r.getString(2), metric, r.getDouble(3), max,
                        metric.equals("error_gap") ? "max_error_gap" : "max_positive_rate_gap", latest));
            }
        }
        return out;
    }

    /** A gauge for every stored quality metric of the evaluated dates and every drift value of the run date. */
    private void registerGauges(JobMetrics metrics, Evaluated ev, DriftResult dr) {
        for (DateSummary s : ev.dates()) {
            Path p = new Path(s.partition());
            if (!lake().exists(p)) {
                continue;
            }
            for (Row r : platform.spark().read().parquet(p.toString()).collectAsList()) {
                double value = r.isNullAt(3) ? Double.NaN : r.getDouble(3);
                Gauge.builder("mlops_quality_metric", () -> value).description("model quality of the production predictions of a date, per metric and segment")
                        .tag("metric", r.getString(1)).tag("segment", r.getString(2)).tag("prediction_date", s.date())
                        .tag("model_version", Integer.toString(r.getInt(0))).strongReference(true).register(metrics.registry());
            }
        }
        if (dr == null || dr.partition() == null || !lake().exists(new Path(dr.partition()))) {
            return;
        }
        String[] stats = {"psi", "ks_statistic", "ks_p_value", "js_distance", "null_share", "null_share_delta", "mean", "mean_abs_shap",
            "reference_mean_abs_shap"};
        for (Row r : platform.spark().read().parquet(dr.partition()).collectAsList()) {
            for (String s : stats) {
                int i = r.fieldIndex(s);
                if (r.isNullAt(i)) {
                    continue;
                }
                double value = r.getDouble(i);
                Gauge.builder("mlops_drift", () -> value).description("drift of the date's scoring set against the version's reference profile")
                        .tag("feature", r.getString(1)).tag("kind", r.getString(2)).tag("statistic", s).strongReference(true)
                        .register(metrics.registry());
            }
            double drifted = r.getBoolean(r.fieldIndex("drifted")) ? 1 : 0;
            Gauge.builder("mlops_drift", () -> drifted).tag("feature", r.getString(1)).tag("kind", r.getString(2)).tag("statistic", "drifted")
                    .strongReference(true).register(metrics.registry());
        }
    }

    private Path publishDecision(JobExecution e, Integer v, LocalDate latest, List<RetrainRules.Rule> rules, boolean retrain) {
        Timestamp now = Timestamp.from(Instant.now());
        Date due = Date.valueOf(latest);
        List<Row> rows = new ArrayList<>();
        for (RetrainRules.Rule r : rules) {
            rows.add(RowFactory.create(v, r.rule(), r.metric(), r.value(), r.threshold(), r.comparison(), r.days(), r.requiredDays(), r.fired(),
                    retrain, r.reason(), Json.write(r.evidence()), due, now));
        }
        long fired = rules.stream().filter(RetrainRules.Rule::fired).count();
        rows.add(RowFactory.create(v, "retrain", "retrain", retrain ? 1.0 : 0.0, null, null, null, null, retrain, retrain,
                retrain ? fired + " of " + rules.size() + " rules fired" : "no rule fired", null, due, now));
        Path staged = new Path(staging(e), QualityTables.DECISIONS);
        lake().delete(staged);
        platform.spark().createDataFrame(rows, QualityTables.DECISIONS_SCHEMA).coalesce(1).write().mode("overwrite").parquet(staged.toString());
        Path target = QualityTables.partition(lake(), QualityTables.DECISIONS, spec.model(), date);
        List<Manifest.InputFile> in = new ArrayList<>();
        for (LocalDate d = latest.minusDays(quality().maxDays() - 1); !d.isAfter(latest); d = d.plusDays(1)) {
            Path p = QualityTables.partition(lake(), QualityTables.QUALITY, spec.model(), d);
            if (lake().exists(p)) {
                in.add(Manifest.InputFile.table(p.toString(), -1));
            }
        }
        Path drift = QualityTables.partition(lake(), QualityTables.DRIFT, spec.model(), date);
        if (lake().exists(drift)) {
            in.add(Manifest.InputFile.table(drift.toString(), -1));
        }
        lake().publishOnce(staged, target, new Manifest(QualityTables.DECISIONS, date, spec.model(), rows.size(), 0,
                List.of(QualityTables.DECISIONS_SCHEMA.fieldNames()), null, in, null, run(e), Instant.now()));
        return target;
    }

    // ---------------------------------------------------------------- result

    private static String format(Map<String, Double> m) {
        StringBuilder sb = new StringBuilder();
        m.forEach((k, x) -> sb.append(sb.isEmpty() ? "" : ", ").append(k).append(' ').append(String.format(Locale.ROOT, "%.4f", x)));
        return sb.toString();
    }

    private void say(String format, Object... args) {
        if (progress != null) {
            progress.println(String.format(Locale.ROOT, format, args));
            progress.flush();
        }
    }

    /** It appends its verdict to the audit ledger: a retry within the same Airflow run returns the completed run's result (JobRunner). */
    @Override
    public boolean replaysCompletedRetry() {
        return true;
    }

    @Override
    public ResultParts describe(RunOutcome outcome) {
        Map<String, Object> counts = new LinkedHashMap<>();
        List<String> outputs = new ArrayList<>();
        List<Map<String, Object>> decisions = new ArrayList<>();
        Evaluated ev = read(outcome.context(), EVALUATED, Evaluated.class);
        DriftResult dr = read(outcome.context(), DRIFTED, DriftResult.class);
        Decision d = read(outcome.context(), DECIDED, Decision.class);
        if (ev == null && d != null && d.version() == null) {
            // the bootstrap decision: no production version yet
            counts.put("new_labels", d.newLabels());
            if (!d.judged()) {
                return new ResultParts("", counts, outputs, decisions, d.notJudged());
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("decision", "retrain");
            m.put("retrain", true);
            m.put("model_version", null);
            m.put("date", date.toString());
            m.put("latest_due_date", d.latestDueDate());
            m.put("reasons", d.reasons());
            m.put("rules", d.rules().stream().map(QualityJob::ruleJson).toList());
            decisions.add(m);
            outputs.add(d.partition());
            return new ResultParts("- no production version: retrain true (the first)", counts, outputs, decisions, d.reasons());
        }
        if (ev == null) {
            return new ResultParts("", counts, outputs, decisions, List.of());
        }
        counts.put("model_version", ev.version());
        counts.put("latest_due_date", ev.latestDueDate());
        counts.put("window", ev.window());
        List<Map<String, Object>> dates = new ArrayList<>();
        for (DateSummary s : ev.dates()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("date", s.date());
            m.put("model_version", s.modelVersion());
            m.put("predictions", s.predictions());
            m.put("labelled", s.labelled());
            m.put("label_coverage", s.labelCoverage());
            m.put("sufficient", s.sufficient());
            m.put("metrics", s.metrics());
            dates.add(m);
            outputs.add(s.partition());
        }
        counts.put("evaluated", dates);
        StringBuilder summary = new StringBuilder("- v" + ev.version() + ": " + ev.dates().size() + " prediction date" + (ev.dates().size() == 1 ? "" : "s")
                + " evaluated");
        ev.dates().stream().filter(s -> s.date().equals(ev.latestDueDate())).findFirst().ifPresent(s -> summary.append(String.format(Locale.ROOT,
                " (%s: %d labelled, coverage %.2f%s)", s.date(), s.labelled(), s.labelCoverage() == null ? 0.0 : s.labelCoverage(),
                s.metrics().isEmpty() ? "" : ", " + format(Map.of(model().primaryMetric(), s.metrics().getOrDefault(model().primaryMetric(),
                        Double.NaN))))));
        if (dr != null) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("judged", dr.judged());
            if (!dr.judged()) {
                m.put("reason", dr.reason());
            } else {
                m.put("rows", dr.rows());
                m.put("features", dr.featuresJudged());
                m.put("drifted", dr.drifted());
                m.put("drifted_share", dr.share());
                m.put("drifted_detail", dr.driftedDetail());
                m.put("prediction", dr.prediction());
                m.put("slices_drifted", dr.slicesDrifted());
                m.put("attribution_ndcg", dr.ndcg());
                m.put("notes", dr.notes());
                if (dr.missingData() != null && !dr.missingData().isEmpty()) {
                    m.put("missing_data", dr.missingData());
                }
                outputs.add(dr.partition());
                summary.append(String.format(Locale.ROOT, "; drift %d/%d features", dr.drifted().size(), dr.featuresJudged()));
                if (dr.missingData() != null && !dr.missingData().isEmpty()) {
                    summary.append(String.format(Locale.ROOT, " (%d with missing data, not drift)", dr.missingData().size()));
                }
                if (dr.ndcg() != null) {
                    summary.append(String.format(Locale.ROOT, ", attribution nDCG %.3f", dr.ndcg()));
                }
            }
            counts.put("drift", m);
        }
        List<String> reasons = new ArrayList<>();
        if (d != null) {
            counts.put("new_labels", d.newLabels());
            if (d.judged()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("decision", d.retrain() ? "retrain" : "no_retrain");
                m.put("retrain", d.retrain());
                m.put("model_version", d.version());
                m.put("date", date.toString());
                m.put("latest_due_date", d.latestDueDate());
                m.put("reasons", d.reasons());
                m.put("rules", d.rules().stream().map(QualityJob::ruleJson).toList());
                m.put("not_judged", d.notJudged());
                m.put("alerts", d.alerts());
                decisions.add(m);
                outputs.add(d.partition());
                reasons.addAll(d.reasons());
                summary.append("; retrain: ").append(d.retrain());
            } else {
                reasons.addAll(d.notJudged());
            }
            reasons.addAll(d.alerts());
        }
        if (outcome.exitCode() == ExitCode.OK || outcome.exitCode() == ExitCode.NOTHING_TO_DO) {
            lake().cleanStaging(NAME, spec.model(), date, outcome.jobInstanceId());
        }
        return new ResultParts(summary.toString(), counts, outputs, decisions, reasons);
    }
}
