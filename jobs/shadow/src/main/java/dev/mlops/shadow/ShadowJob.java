package dev.mlops.shadow;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

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
import dev.mlops.core.spec.ShadowSpec;
import dev.mlops.core.spec.Task;
import dev.mlops.core.spec.TrainingSpec;
import dev.mlops.features.TrainingSets;
import dev.mlops.train.Evaluation;
import dev.mlops.transform.Predictions;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
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
 * The shadow job for one model and data date: {@code compare} (the production and candidate
 * predictions of the date's partition, joined on the event: agreement, correlations, top-k
 * overlap, PSI, mean and quantile shifts, the same per segment, and both models' metrics where
 * the date's labels are in; published to {@code shadow_results/dt=<date>/model=<model>/}) and
 * {@code gate} (the spec's shadow period ending at the date, for this production / candidate
 * pair: enough days shadowed, pooled agreement at least the minimum, no segment below its floor).
 * Exit 0 when the gate passes; 100 when it does not (yet), with every reason.
 */
public final class ShadowJob implements BatchJob {
    public static final String NAME = "shadow";
    public static final String AREA = "shadow_results";
    public static final String ALL = "all";
    static final String COMPARED = "shadow.compared";
    static final String GATE = "shadow.gate";
    static final StructType SCHEMA = new StructType().add("prod_version", DataTypes.IntegerType).add("candidate_version", DataTypes.IntegerType)
            .add("metric", DataTypes.StringType).add("segment", DataTypes.StringType).add("value", DataTypes.DoubleType);

    record Compared(String partition, int production, int candidate, long pairs, long unmatchedProduction, long unmatchedCandidate,
                    Map<String, Double> overall, List<Map<String, Object>> worstSegments, boolean labelled) {
    }

    /** The gate's verdict over the period. */
    public record Gate(boolean passed, int production, int candidate, int days, int period, List<String> dates, Double agreement,
                       Map<String, Double> segments, List<String> reasons) {
    }

    private final Platform platform;
    private final LoadedSpec spec;
    private final LocalDate date;
    private final PrintWriter progress;
    private int production;
    private int candidate;

    public ShadowJob(Platform platform, LoadedSpec spec, LocalDate date, PrintWriter progress) {
        this.platform = requireNonNull(platform);
        this.spec = requireNonNull(spec);
        this.date = requireNonNull(date);
        this.progress = progress;
        if (spec.spec().training() == null) {
            throw JobException.usage("model '" + spec.model() + "' has no training section in " + spec.file() + ": no versions to compare");
        }
    }

    @Override
    public String scope() {
        return "all";
    }

    @Override
    public Job build(JobMetrics metrics) {
        Registry registry = new Registry(platform.metadata());
        candidate = registry.alias(spec.model(), Registry.CANDIDATE).orElseThrow(() -> JobException.nothingToDo(
                "no candidate version of " + spec.model() + " to shadow: nothing to compare (train one: mlops train)"));
        production = registry.alias(spec.model(), Registry.PRODUCTION).orElseThrow(() -> JobException.nothingToDo(
                "no production version of " + spec.model() + " to shadow the candidate v" + candidate + " against"));
        var repo = platform.batch().jobRepository();
        var tx = platform.batch().transactionManager();
        return new JobBuilder(NAME, repo)
                .start(new StepBuilder("compare", repo).tasklet((c, ctx) -> compare(ctx, metrics), tx).build())
                .next(new StepBuilder("gate", repo).tasklet(this::gate, tx).build())
                .build();
    }

    private ModelSpec model() {
        return spec.spec();
    }

    private ShadowSpec shadow() {
        return model().shadow();
    }

    private Lake lake() {
        return platform.lake();
    }

    private boolean classification() {
        return model().task() == Task.BINARY_CLASSIFICATION;
    }

    static Path partition(Lake lake, String model, LocalDate date) {
        return lake.path(AREA, Lake.partitionName(date), "model=" + model);
    }

    private Dataset<Row> predictions(int version, String alias) {
        Path p = Predictions.partition(lake(), spec.model(), date, version);
        if (!lake().exists(p)) {
            throw JobException.nothingToDo("no " + alias + " (v" + version + ") predictions of " + spec.model() + " for " + date
                    + "; run `mlops transform --model " + spec.model() + " --date " + date + "` first");
        }
        return platform.spark().read().parquet(p.toString());
    }

    private RepeatStatus compare(ChunkContext context, JobMetrics metrics) {
        JobExecution e = context.getStepContext().getStepExecution().getJobExecution();
        List<String> on = new ArrayList<>(Predictions.keys(model()));
        on.add(Predictions.EVENT_TS);
        List<String> slices = Predictions.sliceColumns(model());
        Dataset<Row> prod = predictions(production, "production");
        Dataset<Row> cand = predictions(candidate, "candidate");
        List<Column> pc = new ArrayList<>();
        on.forEach(k -> pc.add(col(k)));
        slices.forEach(s -> pc.add(col(s)));
        pc.add(col(Predictions.SCORE).alias("__p"));
        pc.add(col(Predictions.CLASS).alias("__pc"));
        pc.add(col(Predictions.PREDICTION_ID).alias("__id"));
        List<Column> cc = new ArrayList<>();
        on.forEach(k -> cc.add(col(k)));
        cc.add(col(Predictions.SCORE).alias("__c"));
        cc.add(col(Predictions.CLASS).alias("__cc"));
        Dataset<Row> joined = prod.select(pc.toArray(Column[]::new))
                .join(cand.select(cc.toArray(Column[]::new)), scala.collection.JavaConverters.asScalaBuffer(on).toSeq(), "inner")
                .persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
        try {
            long pairs = joined.count();
            long prodRows = prod.count();
            long candRows = cand.count();
            if (pairs == 0) {
                throw JobException.dataContract("the production (v" + production + ", " + prodRows + " rows) and candidate (v" + candidate + ", "
                        + candRows + " rows) predictions of " + spec.model() + " for " + date + " share no event: they were not scored on the"
                        + " same inputs; re-run `mlops transform --model " + spec.model() + " --date " + date + "`");
            }
            Map<String, Double> overall = ShadowMetrics.overall(joined, classification(), shadow());
            List<Row> rows = new ArrayList<>();
            overall.forEach((k, v) -> rows.add(row(k, ALL, v)));
            Map<String, Map<String, Double>> segments = new LinkedHashMap<>();
            for (TrainingSpec.Slice s : model().training().slices()) {
                segments.putAll(ShadowMetrics.bySegment(joined, Predictions.SLICE_PREFIX + s.name(), s.name(), classification(), shadow()));
            }
            segments.forEach((seg, m) -> m.forEach((k, v) -> rows.add(row(k, seg, v))));
            boolean labelled = labelled(joined, rows);
            Path staged = new Path(lake().staging(NAME, spec.model(), date, e.getJobInstance().getInstanceId()), "results");
            lake().delete(staged);
            platform.spark().createDataFrame(rows, SCHEMA).coalesce(1).write().mode("overwrite").parquet(staged.toString());
            Path target = partition(lake(), spec.model(), date);
            lake().publishOnce(staged, target, new Manifest(AREA, date, spec.model(), rows.size(), 0, List.of(SCHEMA.fieldNames()), null,
                    List.of(Manifest.InputFile.table(Predictions.partition(lake(), spec.model(), date, production).toString(), prodRows),
                            Manifest.InputFile.table(Predictions.partition(lake(), spec.model(), date, candidate).toString(), candRows)),
                    null, new Manifest.Run(NAME, e.getJobInstance().getInstanceId(), e.getId(), Versions.codeVersion(), spec.hash()), Instant.now()));
            for (Row r : rows) {
                double v = r.isNullAt(4) ? Double.NaN : r.getDouble(4);
                io.micrometer.core.instrument.Gauge.builder("mlops_shadow_metric", () -> v)
                        .description("production vs candidate on the date's predictions, per metric and segment")
                        .tag("metric", r.getString(2)).tag("segment", r.getString(3)).strongReference(true).register(metrics.registry());
            }
            List<Map<String, Object>> worst = new ArrayList<>();
            segments.entrySet().stream().sorted(Comparator.comparingDouble(x -> x.getValue().get("agreement"))).limit(5).forEach(x -> {
                Map<String, Object> w = new LinkedHashMap<>();
                w.put("segment", x.getKey());
                w.put("agreement", x.getValue().get("agreement"));
                w.put("pairs", x.getValue().get("pairs").longValue());
                worst.add(w);
            });
            say("shadow %s %s: production v%d vs candidate v%d on %d events: agreement %.4f, pearson %.4f, spearman %.4f, top-%d overlap %.3f, psi %.4f%s",
                    spec.model(), date, production, candidate, pairs, overall.get("agreement"), overall.get("pearson"), overall.get("spearman"),
                    Math.min(shadow().topK(), pairs), overall.get("top_k_overlap"), overall.get("psi"), labelled ? " (labelled)" : "");
            Map<String, Double> json = new LinkedHashMap<>();
            overall.forEach((k, v) -> json.put(k, Double.isNaN(v) ? null : v));
            e.getExecutionContext().putString(COMPARED, Json.write(new Compared(target.toString(), production, candidate, pairs, prodRows - pairs,
                    candRows - pairs, json, worst, labelled)));
            platform.batch().jobRepository().updateExecutionContext(e);
            return RepeatStatus.FINISHED;
        } finally {
            joined.unpersist();
        }
    }

    private Row row(String metric, String segment, Double value) {
        return RowFactory.create(production, candidate, metric, segment, value == null || Double.isNaN(value) ? null : value);
    }

    /**
     * Both models' metrics side by side when the date's labels are in: the label dataset's partition
     * that completes the date's labels exists (count labels: the date's own; per-event labels: the
     * date plus the label delay). Count labels of entities without rows that day are 0.
     */
    private boolean labelled(Dataset<Row> joined, List<Row> rows) {
        LabelSpec label = model().label();
        long delayDays = label.kind() == LabelSpec.Kind.EXISTS ? (label.delay().value().toSeconds() + 86_399) / 86_400 : 0;
        if (!lake().exists(lake().partition("validated", label.dataset(), date.plusDays(delayDays)))) {
            return false;
        }
        Dataset<Row> events = new TrainingSets(platform.spark(), lake()).labelEvents(model(), date, date, new ArrayList<>());
        if (events == null) {
            return false;
        }
        List<String> on = new ArrayList<>(Predictions.keys(model()));
        on.add(Predictions.EVENT_TS);
        List<Column> sel = new ArrayList<>();
        on.forEach(k -> sel.add(col(k)));
        sel.add(col(label.name()).cast("float").alias("__l"));
        Dataset<Row> l = joined.join(events.select(sel.toArray(Column[]::new)), scala.collection.JavaConverters.asScalaBuffer(on).toSeq(),
                label.kind() == LabelSpec.Kind.COUNT ? "left" : "inner");
        List<Row> values = l.select(coalesce(col("__l"), lit(0f)), col("__p").cast("float"), col("__c").cast("float")).collectAsList();
        if (values.isEmpty()) {
            return false;
        }
        float[] y = new float[values.size()];
        float[] p = new float[y.length];
        float[] c = new float[y.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = values.get(i).getFloat(0);
            p[i] = values.get(i).getFloat(1);
            c[i] = values.get(i).getFloat(2);
        }
        Map<String, Object> mp = classification() ? Evaluation.classification(y, p, model().training().threshold()) : Evaluation.regression(y, p);
        Map<String, Object> mc = classification() ? Evaluation.classification(y, c, model().training().threshold()) : Evaluation.regression(y, c);
        for (var entry : mp.entrySet()) {
            if (entry.getValue() instanceof Number n && mc.get(entry.getKey()) instanceof Number m) {
                rows.add(row("production." + entry.getKey(), ALL, n.doubleValue()));
                rows.add(row("candidate." + entry.getKey(), ALL, m.doubleValue()));
            }
        }
        rows.add(row("labelled", ALL, (double) y.length));
        return true;
    }

    /** The gate over the shadow period ending at the date, for this production / candidate pair. */
    private RepeatStatus gate(StepContribution contribution, ChunkContext context) {
        JobExecution e = context.getStepContext().getStepExecution().getJobExecution();
        ShadowSpec s = shadow();
        List<Dataset<Row>> parts = new ArrayList<>();
        for (LocalDate d = date.minusDays(s.days() - 1); !d.isAfter(date); d = d.plusDays(1)) {
            Path p = partition(lake(), spec.model(), d);
            if (lake().exists(p)) {
                parts.add(platform.spark().read().parquet(p.toString()).withColumn("dt", lit(d.toString())));
            }
        }
        Dataset<Row> all = parts.stream().reduce(Dataset::unionByName).orElseThrow()
                .filter(col("prod_version").equalTo(production).and(col("candidate_version").equalTo(candidate)))
                .filter(col("metric").isin("pairs", "agreeing"));
        List<String> dates = all.select("dt").distinct().orderBy("dt").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
        Map<String, double[]> pooled = new LinkedHashMap<>();
        for (Row r : all.groupBy("segment", "metric").agg(org.apache.spark.sql.functions.sum("value")).orderBy("segment").collectAsList()) {
            double[] v = pooled.computeIfAbsent(r.getString(0), k -> new double[2]);
            v["pairs".equals(r.getString(1)) ? 0 : 1] = r.getDouble(2);
        }
        Map<String, Double> segments = new LinkedHashMap<>();
        pooled.forEach((seg, v) -> {
            if (!ALL.equals(seg)) {
                segments.put(seg, v[1] / v[0]);
            }
        });
        double[] overall = pooled.getOrDefault(ALL, new double[] {0, 0});
        Double agreement = overall[0] == 0 ? null : overall[1] / overall[0];
        List<String> reasons = new ArrayList<>();
        if (dates.size() < s.days()) {
            reasons.add(String.format(Locale.ROOT, "shadowed %d of %d days so far (%s); the gate needs the whole period (shadow.period %s)",
                    dates.size(), s.days(), String.join(", ", dates), s.period().text()));
        }
        if (agreement != null && agreement < s.minAgreement()) {
            reasons.add(String.format(Locale.ROOT, "agreement %.4f < %.4f (shadow.min_agreement) over %d events", agreement, s.minAgreement(),
                    (long) overall[0]));
        }
        segments.forEach((seg, a) -> {
            if (a < s.segmentFloor()) {
                reasons.add(String.format(Locale.ROOT, "segment %s: agreement %.4f < %.4f (shadow.segment_floor) over %d events", seg, a,
                        s.segmentFloor(), (long) pooled.get(seg)[0]));
            }
        });
        Gate g = new Gate(reasons.isEmpty(), production, candidate, dates.size(), s.days(), dates, agreement, segments, reasons);
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("data_date", date.toString());
        evidence.put("production_version", production);
        evidence.put("dates", dates);
        evidence.put("period_days", s.days());
        evidence.put("agreement", agreement);
        evidence.put("min_agreement", s.minAgreement());
        evidence.put("segment_floor", s.segmentFloor());
        evidence.put("segments", segments);
        evidence.put("events", (long) overall[0]);
        evidence.put("results", partition(lake(), spec.model(), date).toString());
        new AuditLedger(platform.metadata()).append(new AuditLedger.NewEntry(spec.model(), candidate, AuditEntry.SHADOW, Actor.job(NAME),
                g.passed() ? "shadow_passed" : "shadow_not_passed", reasons, evidence));
        e.getExecutionContext().putString(GATE, Json.write(g));
        platform.batch().jobRepository().updateExecutionContext(e);
        if (g.passed()) {
            say("shadow %s %s: gate passed: candidate v%d agreed with production v%d on %.4f of the events over %d days", spec.model(), date,
                    candidate, production, agreement, dates.size());
        } else {
            ExitStatus noop = new ExitStatus(JobRunner.NOOP, "shadow gate not passed for candidate v" + candidate + ": " + String.join("; ", reasons));
            contribution.setExitStatus(noop);
            e.setExitStatus(noop);
        }
        return RepeatStatus.FINISHED;
    }

    private void say(String format, Object... args) {
        if (progress != null) {
            progress.println(String.format(Locale.ROOT, format, args));
            progress.flush();
        }
    }

    private static <T> T read(ExecutionContext ctx, String key, Class<T> type) {
        return ctx.containsKey(key) ? Json.read(ctx.getString(key), type) : null;
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
        Compared c = read(outcome.context(), COMPARED, Compared.class);
        Gate g = read(outcome.context(), GATE, Gate.class);
        if (c == null) {
            return new ResultParts("", counts, outputs, decisions, List.of());
        }
        outputs.add(c.partition());
        counts.put("pairs", c.pairs());
        counts.put("unmatched_production", c.unmatchedProduction());
        counts.put("unmatched_candidate", c.unmatchedCandidate());
        counts.put("metrics", c.overall());
        counts.put("worst_segments", c.worstSegments());
        counts.put("labelled", c.labelled());
        String summary = String.format(Locale.ROOT, "- v%d vs v%d: agreement %.4f on %d events", c.production(), c.candidate(),
                c.overall().get("agreement"), c.pairs());
        List<String> reasons = List.of();
        if (g != null) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("decision", g.passed() ? "shadow_passed" : "shadow_not_passed");
            d.put("production_version", g.production());
            d.put("candidate_version", g.candidate());
            d.put("days", g.days());
            d.put("period_days", g.period());
            d.put("dates", g.dates());
            d.put("agreement", g.agreement());
            d.put("segments", g.segments());
            d.put("reasons", g.reasons());
            decisions.add(d);
            reasons = g.reasons();
            summary += String.format(Locale.ROOT, "; gate %s (%d of %d days%s)", g.passed() ? "passed" : "not passed", g.days(), g.period(),
                    g.agreement() == null ? "" : String.format(Locale.ROOT, ", pooled agreement %.4f", g.agreement()));
        }
        if (outcome.exitCode() == ExitCode.OK || outcome.exitCode() == ExitCode.NOTHING_TO_DO) {
            lake().cleanStaging(NAME, spec.model(), date, outcome.jobInstanceId());
        }
        return new ResultParts(summary, counts, outputs, decisions, reasons);
    }
}
