package dev.mlops.validate;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_compact;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

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
import dev.mlops.core.db.Locks;
import dev.mlops.core.lake.Lake;
import dev.mlops.core.lake.Manifest;
import dev.mlops.core.metrics.JobMetrics;
import dev.mlops.core.spec.ColumnSpec;
import dev.mlops.core.spec.DatasetSpec;
import dev.mlops.core.spec.LoadedSpec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.Job;
import org.springframework.batch.core.JobExecution;
import org.springframework.batch.core.Step;
import org.springframework.batch.core.StepContribution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.builder.SimpleJobBuilder;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.repeat.RepeatStatus;

/**
 * The validate job for one model and data date: {@code check:<dataset>} steps (one Deequ
 * verification per dataset partition, metric history, row-level quarantine, all staged), then
 * {@code publish} (dq_results, quarantine, and validated/ for datasets without error
 * failures), then {@code gate} (exit 3 listing every failed error-level check; its verdict goes
 * to the audit ledger).
 *
 * <p>Downstream jobs read {@code validated/<dataset>/dt=<date>/}: the rows that passed.
 */
public final class ValidateJob implements BatchJob {
    public static final String NAME = "validate";
    static final String CONTEXT_PREFIX = "validated.";
    static final StructType RESULTS_SCHEMA = new StructType()
            .add("model", DataTypes.StringType)
            .add("check", DataTypes.StringType)
            .add("kind", DataTypes.StringType)
            .add("constraint", DataTypes.StringType)
            .add("severity", DataTypes.StringType)
            .add("status", DataTypes.StringType)
            .add("metric", DataTypes.StringType)
            .add("value", DataTypes.DoubleType)
            .add("message", DataTypes.StringType)
            .add("job_instance_id", DataTypes.LongType);
    private static final Logger LOG = LoggerFactory.getLogger(ValidateJob.class);

    private final Platform platform;
    private final LoadedSpec spec;
    private final LocalDate date;
    private final List<String> datasets;
    private final Consumer<String> beforeStep;

    public ValidateJob(Platform platform, LoadedSpec spec, LocalDate date, List<String> datasets, Consumer<String> beforeStep) {
        this.platform = requireNonNull(platform, "platform is null");
        this.spec = requireNonNull(spec, "spec is null");
        this.date = requireNonNull(date, "date is null");
        this.datasets = List.copyOf(datasets);
        this.beforeStep = beforeStep == null ? s -> { } : beforeStep;
        datasets.forEach(d -> spec.spec().dataset(d));
    }


    @Override
    public String scope() {
        return spec.spec().scope(datasets);
    }

    @Override
    public Job build(JobMetrics metrics) {
        var repo = platform.batch().jobRepository();
        var tx = platform.batch().transactionManager();
        SimpleJobBuilder job = null;
        for (String dataset : datasets) {
            Step step = new StepBuilder("check:" + dataset, repo).tasklet((c, ctx) -> check(dataset, ctx), tx).build();
            job = job == null ? new JobBuilder(NAME, repo).start(step) : job.next(step);
        }
        Step publish = new StepBuilder("publish", repo).tasklet((c, ctx) -> publish(ctx, metrics), tx).build();
        Step gate = new StepBuilder("gate", repo).tasklet(this::gate, tx).build();
        return requireNonNull(job).next(publish).next(gate).build();
    }

    private Lake lake() {
        return platform.lake();
    }

    private Path stagingRoot(JobExecution execution) {
        return lake().staging(NAME, spec.model(), date, execution.getJobInstance().getInstanceId());
    }

    /** {@code <lake>/dq_metrics/<model>/<dataset>/metrics.json}: the Deequ metrics repository of a dataset. */
    public static Path historyPath(Lake lake, String model, String dataset) {
        return lake.path("dq_metrics", model, dataset, "metrics.json");
    }

    private RepeatStatus check(String dataset, ChunkContext context) {
        beforeStep.accept("check:" + dataset);
        JobExecution execution = context.getStepContext().getStepExecution().getJobExecution();
        long instance = execution.getJobInstance().getInstanceId();
        Lake lake = lake();
        DatasetSpec ds = spec.spec().dataset(dataset);
        Path raw = lake.partition("raw", dataset, date);
        StagedValidation staged;
        if (!lake.exists(raw)) {
            staged = new StagedValidation(dataset, StagedValidation.Status.NO_INPUT, 0, 0, 0, List.of(), null, null, null,
                    "no raw partition " + raw, null, null);
        } else {
            Path dir = new Path(stagingRoot(execution), dataset);
            lake.delete(dir);
            staged = verify(dataset, ds, raw, dir, instance);
        }
        execution.getExecutionContext().putString(CONTEXT_PREFIX + dataset, staged.toJson());
        platform.batch().jobRepository().updateExecutionContext(execution);
        return RepeatStatus.FINISHED;
    }

    private StagedValidation verify(String dataset, DatasetSpec ds, Path raw, Path dir, long instance) {
        var spark = platform.spark();
        Lake lake = lake();
        List<Column> specColumns = ds.columns().stream().map(c -> col(c.name())).toList();
        Dataset<Row> data = spark.read().parquet(raw.toString()).select(specColumns.toArray(Column[]::new));
        Path validatedOut = new Path(dir, "validated");
        Path quarantineOut = new Path(dir, "quarantine");
        Path resultsOut = new Path(dir, "results");
        Judged judged;
        if (data.isEmpty()) {
            Counts counts = write(dataset, ds, passThrough(data), List.of(), validatedOut, quarantineOut);
            judged = new Judged(emptyPartition(dataset, ds), counts, null);
        } else if (!ds.checks().isEmpty() || !ds.anomalies().isEmpty()) {
            LOG.info("validating {} ({} checks, {} anomaly checks) for {}", dataset, ds.checks().size(), ds.anomalies().size(), date);
            judged = Locks.withLock(platform.metadata(), "dq_history|" + spec.model() + "|" + dataset,
                    () -> judge(dataset, ds, data, validatedOut, quarantineOut));
        } else {
            judged = new Judged(List.of(), write(dataset, ds, passThrough(data), List.of(), validatedOut, quarantineOut), null);
        }
        List<Row> resultRows = new ArrayList<>();
        for (CheckOutcome o : judged.outcomes()) {
            resultRows.add(RowFactory.create(spec.model(), o.check(), o.kind(), o.constraint(), o.severity().specName(),
                    o.passed() ? "passed" : "failed", o.metric(), o.value(), o.message(), instance));
        }
        spark.createDataFrame(resultRows, RESULTS_SCHEMA).coalesce(1).write().mode("overwrite").parquet(resultsOut.toString());
        long rows = judged.counts().rows();
        long quarantined = judged.counts().quarantined();
        return new StagedValidation(dataset, StagedValidation.Status.VALIDATED, rows, rows - quarantined, quarantined,
                judged.outcomes(), validatedOut.toString(), quarantineOut.toString(), resultsOut.toString(),
                ds.checks().isEmpty() && ds.anomalies().isEmpty() ? "no checks declared: passed through" : null,
                lake.readText(Manifest.pathIn(raw)).map(ValidateJob::sha256).orElse(null), judged.quarantineNote());
    }

    /** Rows, rows with at least one reason, and per quarantining check the rows that broke it. */
    private record Counts(long rows, long quarantined, Map<String, Long> byCheck) {
        long broke(String check) {
            return byCheck.getOrDefault(check, 0L);
        }
    }

    /** The day's verdict on one dataset: the outcomes the gate reads, the counts, and how the quarantine was settled. */
    private record Judged(List<CheckOutcome> outcomes, Counts counts, String quarantineNote) {
    }

    private static Dataset<Row> passThrough(Dataset<Row> data) {
        return data.withColumn("__dq_reasons", array().cast("array<string>"));
    }

    /**
     * Runs the checks on all rows, writes the rows that pass every quarantining check and the
     * quarantine, and decides the day. When rows were quarantined, their share is within
     * {@code max_quarantine_ratio} and no check with {@code gate: day} broke a row, the checks run
     * again on the remaining rows (the staged validated partition): those outcomes are the verdict,
     * and each row-level check whose rows were quarantined is reported as a warning with its
     * observed value on all rows. Otherwise the outcomes on all rows are the verdict. The metrics
     * of the rows the day was judged by enter the history, if the day passes. Runs under the
     * dataset's history lock.
     */
    private Judged judge(String dataset, DatasetSpec ds, Dataset<Row> data, Path validatedOut, Path quarantineOut) {
        DeequAdapter adapter = new DeequAdapter(platform.spark());
        String history = historyPath(lake(), spec.model(), dataset).toString();
        Map<String, String> tags = Map.of("model", spec.model(), "dataset", dataset);
        DeequAdapter.Verification all = adapter.verify(dataset, data, ds.checks(), ds.anomalies(), history, tags, date);
        Dataset<Row> source = passThrough(data);
        if (all.rowLevel() != null) {
            List<Column> failed = new ArrayList<>();
            for (String check : all.rowLevelChecks()) {
                failed.add(when(broke(all, check), lit("check '" + check + "' failed")));
            }
            // no persist: recomputing the row-level frame for the (rare) quarantine pass is cheaper than caching it
            source = all.rowLevel().withColumn("__dq_reasons", array_compact(array(failed.toArray(Column[]::new))));
        }
        Counts counts = write(dataset, ds, source, all.rowLevelChecks().stream().map(c -> Map.entry(c, broke(all, c))).toList(),
                validatedOut, quarantineOut);

        Map<String, dev.mlops.core.spec.CheckSpec> byName = new LinkedHashMap<>();
        ds.checks().forEach(c -> byName.put(c.displayName(), c));
        // the failed checks whose breaking rows went to quarantine
        Map<String, CheckOutcome> quarantinedFailures = new LinkedHashMap<>();
        for (CheckOutcome o : all.outcomes()) {
            if (!o.passed() && o.value() != null && all.rowLevelChecks().contains(o.check()) && counts.broke(o.check()) > 0) {
                quarantinedFailures.put(o.check(), o);
            }
        }
        boolean dayGated = quarantinedFailures.values().stream()
                .anyMatch(o -> o.failedError() && !byName.get(o.check()).gatesRows());
        double share = counts.rows() == 0 ? 0 : (double) counts.quarantined() / counts.rows();
        String ratio = Messages.pct(ds.maxQuarantineRatio());
        String shareText = counts.quarantined() + " of " + counts.rows() + " rows (" + Messages.pct(share) + ")";
        if (counts.quarantined() == 0 || share > ds.maxQuarantineRatio() || dayGated) {
            List<CheckOutcome> outcomes = all.outcomes();
            boolean rowsFailTheDay = quarantinedFailures.values().stream().anyMatch(CheckOutcome::failedError);
            String note = counts.quarantined() > 0 && share > ds.maxQuarantineRatio() && rowsFailTheDay
                    ? dataset + ": " + shareText + " break row-level checks, above max_quarantine_ratio " + ratio
                            + ", so those checks stop the day"
                    : null;
            if (outcomes.stream().noneMatch(CheckOutcome::failedError)) {
                all.saveHistory().run();
            }
            return new Judged(outcomes, counts, note);
        }
        LOG.info("{}: {} quarantined, within max_quarantine_ratio {}: judging the remaining rows", dataset, shareText, ratio);
        Dataset<Row> remaining = platform.spark().read().parquet(validatedOut.toString());
        DeequAdapter.Verification rest = adapter.verify(dataset, remaining, ds.checks(), ds.anomalies(), history, tags, date);
        List<CheckOutcome> outcomes = new ArrayList<>();
        for (CheckOutcome o : rest.outcomes()) {
            CheckOutcome first = quarantinedFailures.get(o.check());
            if (first == null) {
                outcomes.add(o);
            } else {
                long n = counts.broke(o.check());
                outcomes.add(new CheckOutcome(dataset, first.check(), first.kind(), first.constraint(), dev.mlops.core.spec.Severity.WARNING,
                        false, first.metric(), first.value(), first.message() + " [" + n + " row" + (n == 1 ? "" : "s")
                                + " quarantined; the day is judged without them]"));
            }
        }
        if (outcomes.stream().noneMatch(CheckOutcome::failedError)) {
            rest.saveHistory().run();
        }
        return new Judged(outcomes, counts, dataset + ": " + shareText + " quarantined by row-level checks, within max_quarantine_ratio "
                + ratio + "; the other checks judged the remaining " + (counts.rows() - counts.quarantined()) + " rows");
    }

    /** Whether a row broke a quarantining check (a satisfies predicate that is NULL counts as broken, as in Deequ's metric). */
    private static Column broke(DeequAdapter.Verification v, String check) {
        Column ok = v.nullIsFailure().contains(check) ? org.apache.spark.sql.functions.coalesce(col(check), lit(false)) : col(check);
        return ok.equalTo(false);
    }

    /**
     * One pass writes the passing rows (no reason in {@code __dq_reasons}) and counts the rows, the
     * rejected ones and, per check, the rows that broke it; the quarantine pass only runs when some were rejected.
     */
    private Counts write(String dataset, DatasetSpec ds, Dataset<Row> source, List<Map.Entry<String, Column>> checks,
                         Path validatedOut, Path quarantineOut) {
        List<Column> specColumns = ds.columns().stream().map(c -> col(c.name())).toList();
        org.apache.spark.sql.Observation observation = new org.apache.spark.sql.Observation("validate_" + dataset);
        List<Column> more = new ArrayList<>();
        more.add(org.apache.spark.sql.functions.sum(when(size(col("__dq_reasons")).gt(0), 1).otherwise(0)).alias("rejected"));
        for (int i = 0; i < checks.size(); i++) {
            more.add(org.apache.spark.sql.functions.sum(when(checks.get(i).getValue(), 1).otherwise(0)).alias("check_" + i));
        }
        source.observe(observation, org.apache.spark.sql.functions.count(lit(1)).alias("rows"), more.toArray(Column[]::new))
                .filter(size(col("__dq_reasons")).equalTo(0))
                .select(specColumns.toArray(Column[]::new))
                .write().mode("overwrite").parquet(validatedOut.toString());
        long rows;
        long quarantined;
        Map<String, Long> byCheck = new LinkedHashMap<>();
        try {
            Map<String, Object> counts = observation.getAsJava();
            rows = counts.get("rows") == null ? 0 : ((Number) counts.get("rows")).longValue();
            quarantined = counts.get("rejected") == null ? 0 : ((Number) counts.get("rejected")).longValue();
            for (int i = 0; i < checks.size(); i++) {
                Object n = counts.get("check_" + i);
                byCheck.put(checks.get(i).getKey(), n == null ? 0 : ((Number) n).longValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw JobException.retryable("interrupted while validating " + dataset, e);
        }
        List<Column> q = new ArrayList<>();
        for (ColumnSpec c : ds.columns()) {
            q.add(col(c.name()).cast("string").alias(c.name()));
        }
        q.add(col("__dq_reasons").alias("_reasons"));
        q.add(lit(null).cast("string").alias("_source_file"));
        q.add(lit(null).cast("string").alias("_raw_record"));
        // always a Parquet file with the schema, also when empty
        source.filter(quarantined > 0 ? size(col("__dq_reasons")).gt(0) : lit(false)).select(q.toArray(Column[]::new))
                .repartition(1).write().mode("overwrite").parquet(quarantineOut.toString());
        return new Counts(rows, quarantined, byCheck);
    }

    /** An empty partition: size checks decide; the others have nothing to judge and are reported as skipped. */
    private static List<CheckOutcome> emptyPartition(String dataset, DatasetSpec ds) {
        List<CheckOutcome> out = new ArrayList<>();
        for (var c : ds.checks()) {
            if (c.kind() == dev.mlops.core.spec.CheckKind.SIZE) {
                boolean ok = c.min() == null || c.min() <= 0;
                out.add(new CheckOutcome(dataset, c.displayName(), c.kind().specName(), "size of an empty partition", c.severity(), ok,
                        "Size", 0.0, ok ? null : dataset + ": the partition is empty (0 rows), expected >= " + c.min().longValue()));
            } else {
                out.add(new CheckOutcome(dataset, c.displayName(), c.kind().specName(), "skipped: empty partition", c.severity(), true,
                        null, null, null));
            }
        }
        for (var a : ds.anomalies()) {
            out.add(new CheckOutcome(dataset, a.displayName(), "anomaly:" + a.kind().specName(), "skipped: empty partition",
                    a.severity(), true, null, null, null));
        }
        return out;
    }

    private RepeatStatus publish(ChunkContext context, JobMetrics metrics) {
        beforeStep.accept("publish");
        JobExecution execution = context.getStepContext().getStepExecution().getJobExecution();
        long instance = execution.getJobInstance().getInstanceId();
        Lake lake = lake();
        Manifest.Run run = new Manifest.Run(NAME, instance, execution.getId(), Versions.codeVersion(), spec.hash());
        Instant now = Instant.now();
        for (StagedValidation s : staged(execution)) {
            record(metrics, s);
            if (s.status() != StagedValidation.Status.VALIDATED) {
                continue;
            }
            List<Manifest.InputFile> inputs = List.of(Manifest.InputFile.table(lake.partition("raw", s.dataset(), date).toString(), s.rows()));
            lake.publishOnce(new Path(s.stagedResults()), lake.path("dq_results", "dt=" + date, "dataset=" + s.dataset()),
                    new Manifest("dq_results", date, spec.model(), s.outcomes().size(), 0, null, null, inputs, null, run, now));
            lake.publishOnce(new Path(s.stagedQuarantine()), lake.partition("quarantine", s.dataset(), date, "stage", NAME),
                    new Manifest("quarantine/" + s.dataset(), date, spec.model(), s.quarantined(), 0, null, null, inputs, null, run, now));
            Path validated = lake.partition("validated", s.dataset(), date);
            if (s.errors().isEmpty()) {
                List<String> schema = spec.spec().dataset(s.dataset()).columns().stream().map(c -> c.name() + ":" + c.type().specName()).toList();
                lake.publishOnce(new Path(s.stagedValidated()), validated,
                        new Manifest("validated/" + s.dataset(), date, spec.model(), s.passed(), s.quarantined(), schema, null, inputs, null, run, now));
            } else {
                // a failed day must not leave an older validated partition for downstream jobs to read
                lake.delete(validated);
                lake.delete(new Path(s.stagedValidated()));
            }
        }
        lake.cleanStaging(NAME, spec.model(), date, instance);
        return RepeatStatus.FINISHED;
    }

    private void record(JobMetrics metrics, StagedValidation s) {
        metrics.rows("in", s.dataset(), s.rows());
        metrics.rows("out", s.dataset(), s.passed());
        metrics.rows("rejected", s.dataset(), s.quarantined());
        for (CheckOutcome o : s.outcomes()) {
            Counter.builder("mlops_dq_checks").description("data checks by outcome")
                    .tag("dataset", s.dataset()).tag("severity", o.severity().specName()).tag("status", o.passed() ? "passed" : "failed")
                    .register(metrics.registry()).increment();
            if (o.value() != null) {
                double v = o.value();
                Gauge.builder("mlops_dq_metric", () -> v).description("the metric a data check computed")
                        .tag("dataset", s.dataset()).tag("check", o.check()).tag("metric", o.metric() == null ? "" : o.metric())
                        .strongReference(true).register(metrics.registry());
            }
        }
    }

    private RepeatStatus gate(StepContribution contribution, ChunkContext context) {
        beforeStep.accept("gate");
        JobExecution execution = context.getStepContext().getStepExecution().getJobExecution();
        List<StagedValidation> staged = staged(execution);
        List<String> errors = new ArrayList<>();
        staged.forEach(s -> s.errors().forEach(o -> errors.add(o.message())));
        if (staged.stream().anyMatch(s -> s.status() == StagedValidation.Status.VALIDATED)) {
            audit(execution, staged, errors);
        }
        if (!errors.isEmpty()) {
            List<String> notes = staged.stream().filter(s -> !s.errors().isEmpty() && s.quarantineNote() != null)
                    .map(StagedValidation::quarantineNote).toList();
            throw JobException.dataContract(errors.size() + " data check" + (errors.size() == 1 ? "" : "s") + " failed for "
                    + spec.model() + " " + date + ": " + String.join("; ", errors) + (notes.isEmpty() ? "" : " (" + String.join("; ", notes) + ")"));
        }
        if (staged.stream().allMatch(s -> s.status() == StagedValidation.Status.NO_INPUT)) {
            ExitStatus noop = new ExitStatus(JobRunner.NOOP, "no raw partition to validate for " + date);
            contribution.setExitStatus(noop);
            execution.setExitStatus(noop);
        }
        return RepeatStatus.FINISHED;
    }

    /** The gate's verdict in the audit ledger: the failed checks as reasons, observed values, bounds and the input manifests as evidence. */
    private void audit(JobExecution execution, List<StagedValidation> staged, List<String> errors) {
        Map<String, Object> perDataset = new LinkedHashMap<>();
        for (StagedValidation s : staged) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("status", s.status().name().toLowerCase(Locale.ROOT));
            d.put("input", lake().partition("raw", s.dataset(), date).toString());
            d.put("input_manifest_sha256", s.inputManifestSha256());
            if (s.status() == StagedValidation.Status.VALIDATED) {
                d.put("rows", s.rows());
                d.put("passed_rows", s.passed());
                d.put("quarantined", s.quarantined());
                d.put("quarantine", s.quarantineNote());
                d.put("checks", s.outcomes().size());
                d.put("checks_passed", s.outcomes().stream().filter(CheckOutcome::passed).count());
                d.put("failed", s.errors().stream().map(ValidateJob::evidence).toList());
                d.put("warnings", s.warnings().stream().map(ValidateJob::evidence).toList());
            }
            perDataset.put(s.dataset(), d);
        }
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("data_date", date);
        evidence.put("scope", scope());
        evidence.put("spec_hash", spec.hash());
        evidence.put("job_instance_id", execution.getJobInstance().getInstanceId());
        evidence.put("job_execution_id", execution.getId());
        evidence.put("datasets", perDataset);
        new AuditLedger(platform.metadata()).append(new AuditLedger.NewEntry(spec.model(), null, AuditEntry.VALIDATE, Actor.job(NAME),
                errors.isEmpty() ? "pass" : "fail", errors, evidence));
    }

    private static Map<String, Object> evidence(CheckOutcome o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("check", o.check());
        m.put("kind", o.kind());
        m.put("severity", o.severity().specName());
        m.put("constraint", o.constraint());
        m.put("metric", o.metric());
        m.put("value", o.value());
        m.put("message", o.message());
        return m;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<StagedValidation> staged(JobExecution execution) {
        List<StagedValidation> out = new ArrayList<>();
        for (String dataset : datasets) {
            String key = CONTEXT_PREFIX + dataset;
            if (execution.getExecutionContext().containsKey(key)) {
                out.add(StagedValidation.fromJson(execution.getExecutionContext().getString(key)));
            }
        }
        return out;
    }


    @Override
    public boolean resumable(JobExecution failed) {
        for (String dataset : datasets) {
            String key = CONTEXT_PREFIX + dataset;
            if (!failed.getExecutionContext().containsKey(key)) {
                continue;
            }
            StagedValidation s = StagedValidation.fromJson(failed.getExecutionContext().getString(key));
            if (s.status() == StagedValidation.Status.VALIDATED && !lake().exists(new Path(s.stagedResults()))
                    && lake().publishedBy(lake().path("dq_results", "dt=" + date, "dataset=" + dataset))
                    != failed.getJobInstance().getInstanceId()) {
                return false;
            }
        }
        return true;
    }

    /** It appends its gate verdict to the audit ledger: a retry within the same Airflow run returns the completed run's result (JobRunner). */
    @Override
    public boolean replaysCompletedRetry() {
        return true;
    }

    @Override
    public ResultParts describe(RunOutcome outcome) {
        Map<String, Object> counts = new LinkedHashMap<>();
        List<String> outputs = new ArrayList<>();
        List<Map<String, Object>> decisions = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        List<String> parts = new ArrayList<>();
        for (String dataset : datasets) {
            String key = CONTEXT_PREFIX + dataset;
            if (!outcome.context().containsKey(key)) {
                continue;
            }
            StagedValidation s = StagedValidation.fromJson(outcome.context().getString(key));
            if (s.status() == StagedValidation.Status.NO_INPUT) {
                counts.put(dataset, Map.of("status", "no_input"));
                continue;
            }
            long passedChecks = s.outcomes().stream().filter(CheckOutcome::passed).count();
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("rows", s.rows());
            c.put("passed_rows", s.passed());
            c.put("quarantined", s.quarantined());
            c.put("checks", s.outcomes().size());
            c.put("checks_passed", passedChecks);
            c.put("errors", s.errors().size());
            c.put("warnings", s.warnings().size());
            counts.put(dataset, c);
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("decision", s.errors().isEmpty() ? "pass" : "fail");
            d.put("dataset", dataset);
            d.put("failed", s.errors().stream().map(CheckOutcome::message).toList());
            d.put("warnings", s.warnings().stream().map(CheckOutcome::message).toList());
            if (s.quarantineNote() != null) {
                d.put("quarantine", s.quarantineNote());
            }
            decisions.add(d);
            s.warnings().forEach(w -> reasons.add("warning: " + w.message()));
            s.errors().forEach(e -> reasons.add("error: " + e.message()));
            outputs.add(lake().path("dq_results", "dt=" + date, "dataset=" + dataset).toString());
            if (s.errors().isEmpty()) {
                outputs.add(lake().partition("validated", dataset, date).toString());
            }
            String part = s.outcomes().isEmpty() ? dataset + " (no checks)"
                    : String.format(Locale.ROOT, "%s %d/%d checks", dataset, passedChecks, s.outcomes().size());
            if (!s.warnings().isEmpty()) {
                part += ", " + s.warnings().size() + " warning" + (s.warnings().size() == 1 ? "" : "s");
            }
            if (s.quarantined() > 0) {
                part += ", " + s.quarantined() + (s.quarantined() == 1 ? " row" : " rows") + " quarantined";
            }
            parts.add(part);
        }
        String summary = parts.isEmpty() ? "" : "- " + String.join("; ", parts);
        List<String> warnings = reasons.stream().filter(r -> r.startsWith("warning: ")).toList();
        if (!warnings.isEmpty() && outcome.exitCode() == dev.mlops.core.ExitCode.OK) {
            summary += " | " + String.join(" | ", warnings);
        }
        return new ResultParts(summary, counts, outputs, decisions, reasons);
    }
}
