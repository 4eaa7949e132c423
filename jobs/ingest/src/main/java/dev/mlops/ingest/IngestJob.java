package dev.mlops.ingest;

import static java.util.Objects.requireNonNull;

import dev.mlops.core.Platform;
import dev.mlops.core.Versions;
import dev.mlops.core.batch.BatchJob;
import dev.mlops.core.batch.JobRunner;
import dev.mlops.core.batch.ResultParts;
import dev.mlops.core.batch.RunOutcome;
import dev.mlops.core.lake.Lake;
import dev.mlops.core.lake.Manifest;
import dev.mlops.core.metrics.JobMetrics;
import dev.mlops.core.spec.DatasetSpec;
import dev.mlops.core.spec.LoadedSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.fs.Path;
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
 * The ingest job for one model and data date, as a Spring Batch job:
 * one {@code stage:<dataset>} step per dataset (read, enforce the schema, write valid and
 * quarantined rows to staging), then {@code publish} (manifests, atomic swap of every
 * partition: {@code raw/<dataset>/dt=<date>/} and {@code quarantine/<dataset>/dt=<date>/stage=ingest/}). A retried run skips the stage steps that completed; a re-run recomputes all.
 */
public final class IngestJob implements BatchJob {
    public static final String NAME = "ingest";
    private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);
    static final String CONTEXT_PREFIX = "staged.";

    private final Platform platform;
    private final LoadedSpec spec;
    private final LocalDate date;
    private final List<String> datasets;
    private final Consumer<String> beforeStep;

    /**
     * @param datasets the datasets to ingest (in spec order)
     * @param beforeStep called with the step name before each step runs (fault injection in tests; no-op otherwise)
     */
    public IngestJob(Platform platform, LoadedSpec spec, LocalDate date, List<String> datasets, Consumer<String> beforeStep) {
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
        SimpleJobBuilder job = null;
        for (String dataset : datasets) {
            Step step = new StepBuilder("stage:" + dataset, repo)
                    .tasklet((contribution, context) -> stage(dataset, context), platform.batch().transactionManager())
                    .build();
            job = job == null ? new JobBuilder(NAME, repo).start(step) : job.next(step);
        }
        Step publish = new StepBuilder("publish", repo)
                .tasklet((contribution, context) -> publish(contribution, context, metrics), platform.batch().transactionManager())
                .build();
        return requireNonNull(job).next(publish).build();
    }

    private Lake lake() {
        return platform.lake();
    }

    private Path stagingRoot(JobExecution execution) {
        return lake().staging(NAME, spec.model(), date, execution.getJobInstance().getInstanceId());
    }

    private RepeatStatus stage(String dataset, ChunkContext context) {
        beforeStep.accept("stage:" + dataset);
        JobExecution execution = context.getStepContext().getStepExecution().getJobExecution();
        DatasetSpec ds = spec.spec().dataset(dataset);
        LOG.info("staging dataset {} for {}", dataset, date);
        DatasetStager stager = new DatasetStager(platform.spark(), platform.landing(), lake(), platform::connection);
        StagedDataset staged = stager.stage(dataset, ds, date, new Path(stagingRoot(execution), dataset));
        execution.getExecutionContext().putString(CONTEXT_PREFIX + dataset, staged.toJson());
        platform.batch().jobRepository().updateExecutionContext(execution);
        return RepeatStatus.FINISHED;
    }

    private RepeatStatus publish(StepContribution contribution, ChunkContext context, JobMetrics metrics) {
        beforeStep.accept("publish");
        JobExecution execution = context.getStepContext().getStepExecution().getJobExecution();
        long instance = execution.getJobInstance().getInstanceId();
        List<StagedDataset> staged = staged(execution.getExecutionContext());
        boolean allEmpty = staged.stream().allMatch(s -> s.status() == StagedDataset.Status.NO_INPUT);
        Lake lake = lake();
        for (StagedDataset s : staged) {
            metrics.rows("in", s.dataset(), s.rows() + s.quarantined());
            metrics.rows("out", s.dataset(), s.rows());
            metrics.rows("rejected", s.dataset(), s.quarantined());
            if (s.status() != StagedDataset.Status.STAGED) {
                continue;
            }
            Manifest.Run run = new Manifest.Run(NAME, instance, execution.getId(), Versions.codeVersion(), spec.hash());
            DatasetSpec ds = spec.spec().dataset(s.dataset());
            List<String> schema = ds.columns().stream().map(c -> c.name() + ":" + c.type().specName()).toList();
            Instant now = Instant.now();
            Path target = lake.partition("raw", s.dataset(), date);
            lake.publishOnce(new Path(s.stagedQuarantine()), lake.partition("quarantine", s.dataset(), date, "stage", NAME),
                    new Manifest("quarantine/" + s.dataset(), date, spec.model(), s.quarantined(), 0, null, null, s.inputs(), null, run, now));
            lake.publishOnce(new Path(s.stagedRaw()), target,
                    new Manifest("raw/" + s.dataset(), date, spec.model(), s.rows(), s.quarantined(), schema, schemaHash(ds),
                            s.inputs(), s.watermark(), run, now));
            LOG.info("published {} ({} rows, {} quarantined)", target, s.rows(), s.quarantined());
        }
        lake.cleanStaging(NAME, spec.model(), date, instance);
        if (allEmpty) {
            contribution.setExitStatus(new ExitStatus(JobRunner.NOOP, "no input for any dataset on " + date));
            execution.setExitStatus(new ExitStatus(JobRunner.NOOP, "no input for any dataset on " + date));
        }
        return RepeatStatus.FINISHED;
    }


    /**
     * A failed run can resume only if everything its completed stage steps staged is still
     * there (or was already published by it); otherwise the runner starts a fresh run.
     */
    @Override
    public boolean resumable(JobExecution failed) {
        long instance = failed.getJobInstance().getInstanceId();
        Lake lake = lake();
        for (String dataset : datasets) {
            String key = CONTEXT_PREFIX + dataset;
            if (!failed.getExecutionContext().containsKey(key)) {
                continue;
            }
            StagedDataset s = StagedDataset.fromJson(failed.getExecutionContext().getString(key));
            if (s.status() != StagedDataset.Status.STAGED) {
                continue;
            }
            boolean raw = lake.exists(new Path(s.stagedRaw())) || lake.publishedBy(lake.partition("raw", dataset, date)) == instance;
            boolean quarantine = lake.exists(new Path(s.stagedQuarantine()))
                    || lake.publishedBy(lake.partition("quarantine", dataset, date, "stage", NAME)) == instance;
            if (!raw || !quarantine) {
                LOG.warn("staged output of {} from run instance {} is gone", dataset, instance);
                return false;
            }
        }
        return true;
    }

    private List<StagedDataset> staged(org.springframework.batch.item.ExecutionContext ctx) {
        List<StagedDataset> out = new ArrayList<>();
        for (String dataset : datasets) {
            String json = ctx.containsKey(CONTEXT_PREFIX + dataset) ? ctx.getString(CONTEXT_PREFIX + dataset) : null;
            if (json == null) {
                throw new IllegalStateException("no staged result for dataset " + dataset + " in the job context");
            }
            out.add(StagedDataset.fromJson(json));
        }
        return out;
    }

    static String schemaHash(DatasetSpec ds) {
        try {
            String text = String.join(",", ds.columns().stream().map(c -> c.name() + ":" + c.type().specName()
                    + (c.required() ? "!" : "")).toList());
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Turns a finished run into the result's counts, outputs and summary. */
    @Override
    public ResultParts describe(RunOutcome outcome) {
        Map<String, Object> counts = new LinkedHashMap<>();
        List<String> outputs = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        List<Map<String, Object>> decisions = new ArrayList<>();
        List<String> parts = new ArrayList<>();
        long rows = 0;
        long quarantined = 0;
        for (String dataset : datasets) {
            String key = CONTEXT_PREFIX + dataset;
            if (!outcome.context().containsKey(key)) {
                continue;
            }
            StagedDataset s = StagedDataset.fromJson(outcome.context().getString(key));
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("status", s.status().name().toLowerCase(java.util.Locale.ROOT));
            c.put("rows", s.rows());
            c.put("quarantined", s.quarantined());
            c.put("input_files", s.inputs().size());
            counts.put(dataset, c);
            rows += s.rows();
            quarantined += s.quarantined();
            if (s.status() == StagedDataset.Status.STAGED) {
                outputs.add(lake().partition("raw", dataset, date).toString());
                if (s.quarantined() > 0) {
                    outputs.add(lake().partition("quarantine", dataset, date, "stage", NAME).toString());
                    Map<String, Object> d = new LinkedHashMap<>();
                    d.put("decision", "quarantine");
                    d.put("dataset", dataset);
                    d.put("rows", s.quarantined());
                    d.put("reasons", s.quarantineReasons());
                    decisions.add(d);
                }
                parts.add(dataset + " " + s.rows() + (s.quarantined() > 0 ? " (+" + s.quarantined() + " quarantined)" : ""));
            } else {
                parts.add(dataset + " no input");
            }
            s.notes().forEach(n -> reasons.add(dataset + ": " + n));
        }
        counts.put("rows", rows);
        counts.put("quarantined", quarantined);
        String summary = parts.isEmpty() ? "" : "- " + String.join(", ", parts);
        return new ResultParts(summary, counts, outputs, decisions, reasons);
    }


}
