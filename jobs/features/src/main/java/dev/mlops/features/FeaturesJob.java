package dev.mlops.features;

import static java.util.Objects.requireNonNull;
import static org.apache.spark.sql.functions.col;

import dev.mlops.core.ExitCode;
import dev.mlops.core.JobException;
import dev.mlops.core.Platform;
import dev.mlops.core.Versions;
import dev.mlops.core.batch.BatchJob;
import dev.mlops.core.batch.JobRunner;
import dev.mlops.core.batch.ResultParts;
import dev.mlops.core.batch.RunOutcome;
import dev.mlops.core.db.Locks;
import dev.mlops.core.json.Json;
import dev.mlops.core.lake.Lake;
import dev.mlops.core.lake.Manifest;
import dev.mlops.core.metrics.JobMetrics;
import dev.mlops.core.spec.FeatureGroupSpec;
import dev.mlops.core.spec.LoadedSpec;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
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
 * The features job for one model and a chunk of consecutive data dates: {@code compute:<group>}
 * (feature rows of every date of the chunk, staged), {@code publish} (one
 * {@code features/<group>/dt=<date>/} partition per date with its manifest, swapped in
 * atomically) and {@code materialize} (the latest row per entity to the online store, never
 * replacing a newer value). The run's identity date is the chunk's last date; a chunk of more
 * than one date carries {@code since-<first>} in its scope.
 */
public final class FeaturesJob implements BatchJob {
    public static final String NAME = "features";
    static final String CONTEXT_PREFIX = "features.";
    static final String ONLINE_KEY = "online.";
    private static final Logger LOG = LoggerFactory.getLogger(FeaturesJob.class);

    private final Platform platform;
    private final LoadedSpec spec;
    private final List<LocalDate> dates;
    private final List<String> groups;
    private final Supplier<OnlineStore> online;
    private final Instant now;
    private final int concurrency;
    private final PrintWriter progress;
    private final Consumer<String> beforeStep;

    /** Options of a run: the online store (null = do not materialize), the instant TTLs are judged at, write concurrency. */
    public record Options(Supplier<OnlineStore> online, Instant now, int concurrency, PrintWriter progress, Consumer<String> beforeStep) {
    }

    public FeaturesJob(Platform platform, LoadedSpec spec, List<LocalDate> dates, List<String> groups, Options options) {
        this.platform = requireNonNull(platform, "platform is null");
        this.spec = requireNonNull(spec, "spec is null");
        if (dates.isEmpty()) {
            throw new IllegalArgumentException("no dates");
        }
        this.dates = List.copyOf(dates);
        this.groups = List.copyOf(groups);
        groups.forEach(g -> spec.spec().featureGroup(g));
        this.online = options.online();
        this.now = options.now() == null ? Instant.now() : options.now();
        this.concurrency = options.concurrency();
        this.progress = options.progress();
        this.beforeStep = options.beforeStep() == null ? s -> { } : options.beforeStep();
    }

    public LocalDate date() {
        return dates.get(dates.size() - 1);
    }

    @Override
    public String scope() {
        String g = groups.size() == spec.spec().features().size() ? "all" : String.join(",", groups);
        return dates.size() == 1 ? g : ("all".equals(g) ? "" : g + ",") + "since-" + dates.get(0);
    }

    /**
     * What a compute step staged for a group; {@code missing}: per staged date whose windows overlap
     * days without validated data, those days and the values nulled or zero-filled (null when none).
     */
    record Staged(String group, String stagedDir, List<String> dates, Map<String, Long> rows, List<String> inputs, String specHash,
                  Map<String, Manifest.MissingData> missing) {
    }

    @Override
    public Job build(JobMetrics metrics) {
        var repo = platform.batch().jobRepository();
        var tx = platform.batch().transactionManager();
        SimpleJobBuilder job = null;
        for (String group : groups) {
            Step step = new StepBuilder("compute:" + group, repo).tasklet((c, ctx) -> compute(group, ctx), tx).build();
            job = job == null ? new JobBuilder(NAME, repo).start(step) : job.next(step);
        }
        Step publish = new StepBuilder("publish", repo).tasklet((c, ctx) -> publish(ctx, metrics), tx).build();
        Step materialize = new StepBuilder("materialize", repo).tasklet(this::materialize, tx).build();
        return requireNonNull(job).next(publish).next(materialize).build();
    }

    /** The columns of a group's partitions as its manifest lists them: name:type, in order. */
    static List<String> schema(FeatureGroupSpec g) {
        List<String> schema = new ArrayList<>();
        schema.add(g.entity());
        schema.add(FeatureEngine.FEATURE_TS + ":timestamp");
        g.features().forEach(f -> schema.add(f.name() + ":" + f.outputType().specName()));
        return schema;
    }

    private Lake lake() {
        return platform.lake();
    }

    private Path stagingRoot(JobExecution execution) {
        return lake().staging(NAME, spec.model(), date(), execution.getJobInstance().getInstanceId());
    }

    private RepeatStatus compute(String group, ChunkContext context) {
        beforeStep.accept("compute:" + group);
        JobExecution execution = context.getStepContext().getStepExecution().getJobExecution();
        Path dir = new Path(stagingRoot(execution), group);
        lake().delete(dir);
        FeatureEngine.Computed computed;
        Map<String, Long> rows = new LinkedHashMap<>();
        Map<String, Manifest.MissingData> missing = Map.of();
        try {
            computed = new FeatureEngine(platform.spark(), lake()).compute(spec.spec(), group, dates);
            if (computed.rows() != null) {
                LOG.info("computing {} for {} date(s) {}..{}", group, computed.datesWithInput().size(), dates.get(0), date());
                Dataset<Row> out = computed.rows().repartition(col(FeatureEngine.DT));
                out.write().mode("overwrite").partitionBy(FeatureEngine.DT).parquet(dir.toString());
                StructType schema = computed.rows().drop(FeatureEngine.DT).schema();
                for (LocalDate d : computed.datesWithInput()) {
                    Path p = new Path(dir, Lake.partitionName(d));
                    if (!lake().exists(p)) {
                        // a date with input but no feature rows still gets its (empty) partition: "computed, nothing there"
                        platform.spark().createDataFrame(List.of(), schema).write().parquet(p.toString());
                    }
                }
                for (Row r : platform.spark().read().parquet(dir.toString()).groupBy(FeatureEngine.DT).count().collectAsList()) {
                    rows.put(r.get(0).toString(), r.getLong(1));
                }
                missing = missingData(spec.spec().featureGroup(group), dir, computed.datesWithInput(), computed.missingDays());
            }
        } catch (Exception e) {
            // Scala throws AnalysisException (checked in Java's eyes) without declaring it; only what the spec's
            // expressions cause is a usage error, anything else (e.g. a partition renamed away meanwhile) is retryable
            if (e instanceof AnalysisException ae && specError(ae)) {
                throw JobException.usage("feature group '" + group + "' of " + spec.file() + ": " + FeatureEngine.firstLine(e.getMessage()));
            }
            if (e instanceof AnalysisException) {
                throw JobException.retryable("feature group '" + group + "': " + FeatureEngine.firstLine(e.getMessage()), e);
            }
            throw e;
        }
        List<String> with = computed.datesWithInput().stream().map(LocalDate::toString).toList();
        for (String d : with) {
            rows.putIfAbsent(d, 0L);
        }
        Staged staged = new Staged(group, dir.toString(), with, rows, computed.inputs(), spec.hash(), missing.isEmpty() ? null : missing);
        execution.getExecutionContext().putString(CONTEXT_PREFIX + group, Json.write(staged));
        platform.batch().jobRepository().updateExecutionContext(execution);
        return RepeatStatus.FINISHED;
    }

    /**
     * Per date of the staged rows whose history holds missing days: those days, and per windowed
     * feature how many of the date's values have a window overlapping them (nulled, or zero-filled
     * under {@code missing_days: zero}), counted from the staged rows (one pass, only when days are missing).
     */
    private Map<String, Manifest.MissingData> missingData(FeatureGroupSpec g, Path dir, List<LocalDate> dates, List<LocalDate> missing) {
        Map<String, Manifest.MissingData> out = new LinkedHashMap<>();
        if (missing.isEmpty()) {
            return out;
        }
        long history = FeatureEngine.ceilDays(g.lookback()) + 1;
        List<dev.mlops.core.spec.FeatureSpec> windowed = g.features().stream().filter(dev.mlops.core.spec.FeatureSpec::windowed).toList();
        if (windowed.isEmpty()) {
            return out;
        }
        List<org.apache.spark.sql.Column> aggs = new ArrayList<>();
        for (var f : windowed) {
            aggs.add(org.apache.spark.sql.functions.sum(org.apache.spark.sql.functions.when(FeatureEngine.overlapsMissing(g, f, missing), 1L)
                    .otherwise(0L)).alias(f.name()));
        }
        Map<String, Row> counts = new LinkedHashMap<>();
        for (Row r : platform.spark().read().parquet(dir.toString()).groupBy(FeatureEngine.DT)
                .agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(org.apache.spark.sql.Column[]::new)).collectAsList()) {
            counts.put(r.get(0).toString(), r);
        }
        for (LocalDate d : dates) {
            List<LocalDate> days = missing.stream().filter(m -> m.isBefore(d) && !m.isBefore(d.minusDays(history))).toList();
            if (days.isEmpty()) {
                continue;
            }
            Map<String, Long> nulled = new LinkedHashMap<>();
            Map<String, Long> zero = new LinkedHashMap<>();
            Row r = counts.get(d.toString());
            for (int i = 0; i < windowed.size(); i++) {
                var f = windowed.get(i);
                long n = r == null || r.isNullAt(i + 1) ? 0 : r.getLong(i + 1);
                if (n > 0) {
                    (g.missingDays(f) == dev.mlops.core.spec.MissingDays.ZERO ? zero : nulled).put(f.name(), n);
                }
            }
            if (nulled.isEmpty() && zero.isEmpty()) {
                // the history read holds the day, but no window of this date's rows reaches it
                continue;
            }
            out.put(d.toString(), new Manifest.MissingData(g.source(), days, nulled.isEmpty() ? null : nulled, zero.isEmpty() ? null : zero));
        }
        return out;
    }

    static boolean specError(AnalysisException e) {
        String c = e.getErrorClass() == null ? "" : e.getErrorClass();
        return c.startsWith("UNRESOLVED_") || c.startsWith("PARSE_") || c.startsWith("DATATYPE_MISMATCH") || c.startsWith("WRONG_NUM_ARGS")
                || c.startsWith("AMBIGUOUS_REFERENCE") || c.startsWith("INVALID_") || c.startsWith("CAST_");
    }

    private List<Staged> staged(JobExecution execution) {
        return staged(execution.getExecutionContext());
    }

    private List<Staged> staged(org.springframework.batch.item.ExecutionContext ctx) {
        List<Staged> out = new ArrayList<>();
        for (String g : groups) {
            if (ctx.containsKey(CONTEXT_PREFIX + g)) {
                out.add(Json.read(ctx.getString(CONTEXT_PREFIX + g), Staged.class));
            }
        }
        return out;
    }

    private RepeatStatus publish(ChunkContext context, JobMetrics metrics) {
        beforeStep.accept("publish");
        JobExecution execution = context.getStepContext().getStepExecution().getJobExecution();
        long instance = execution.getJobInstance().getInstanceId();
        Manifest.Run run = new Manifest.Run(NAME, instance, execution.getId(), Versions.codeVersion(), spec.hash());
        Instant writtenAt = Instant.now();
        for (Staged s : staged(execution)) {
            FeatureGroupSpec g = spec.spec().featureGroup(s.group());
            List<String> schema = schema(g);
            List<Manifest.InputFile> inputs = s.inputs().stream().map(u -> Manifest.InputFile.table(u, -1)).toList();
            for (String d : s.dates()) {
                LocalDate date = LocalDate.parse(d);
                long n = s.rows().getOrDefault(d, 0L);
                // a chunk's lock covers its last date only: a daily run of a date inside it may publish the same partition
                Locks.withLock(platform.metadata(), "publish|features/" + s.group() + "|" + d, () -> {
                    lake().publishOnce(new Path(s.stagedDir(), Lake.partitionName(date)), lake().partition("features", s.group(), date),
                            new Manifest("features/" + s.group(), date, spec.model(), n, 0, schema, null, inputs, null, run, writtenAt,
                                    s.missing() == null ? null : s.missing().get(d)));
                    return null;
                });
                metrics.rows("out", s.group(), n);
            }
        }
        lake().cleanStaging(NAME, spec.model(), date(), instance);
        return RepeatStatus.FINISHED;
    }

    private RepeatStatus materialize(StepContribution contribution, ChunkContext context) {
        beforeStep.accept("materialize");
        JobExecution execution = context.getStepContext().getStepExecution().getJobExecution();
        if (staged(execution).stream().allMatch(s -> s.dates().isEmpty())) {
            ExitStatus noop = new ExitStatus(JobRunner.NOOP, "no validated input for " + describeDates());
            contribution.setExitStatus(noop);
            execution.setExitStatus(noop);
            return RepeatStatus.FINISHED;
        }
        if (online == null) {
            return RepeatStatus.FINISHED;
        }
        OnlineStore store = null;
        for (Staged s : staged(execution)) {
            FeatureGroupSpec g = spec.spec().featureGroup(s.group());
            if (!g.online() || s.dates().isEmpty() || execution.getExecutionContext().containsKey(ONLINE_KEY + s.group())) {
                continue;
            }
            if (store == null) {
                store = online.get();
            }
            String table = OnlineStore.tableName(platform.config().dynamodbTablePrefix(), spec.model(), s.group());
            Dataset<Row> rows = null;
            for (String d : s.dates()) {
                Dataset<Row> part = platform.spark().read().parquet(lake().partition("features", s.group(), LocalDate.parse(d)).toString());
                rows = rows == null ? part : rows.unionByName(part);
            }
            OnlineStore st = store;
            Dataset<Row> all = rows;
            if (platform.config().env() == dev.mlops.core.config.Environment.LOCAL) {
                st.ensureTable(table);
            }
            long total = s.rows().values().stream().mapToLong(Long::longValue).sum();
            Materializer.Stats stats = Locks.withLock(platform.metadata(), "online|" + table,
                    () -> new Materializer(st).materialize(table, g, all, now, concurrency, new Progress(s.group(), total)));
            LOG.info("materialized {}: {}", table, stats);
            execution.getExecutionContext().putString(ONLINE_KEY + s.group(), Json.write(stats));
            platform.batch().jobRepository().updateExecutionContext(execution);
        }
        return RepeatStatus.FINISHED;
    }

    /** Prints materialization progress at most every 2 seconds. */
    private final class Progress implements java.util.function.LongConsumer {
        private final String group;
        private final long rows;
        private volatile long last = System.nanoTime();

        Progress(String group, long rows) {
            this.group = group;
            this.rows = rows;
        }

        @Override
        public void accept(long written) {
            long t = System.nanoTime();
            if (progress != null && t - last > 2_000_000_000L) {
                last = t;
                progress.printf(Locale.ROOT, "features %s: %s online items written (of at most %d rows)%n", group, written, rows);
                progress.flush();
            }
        }
    }

    private String describeDates() {
        return dates.size() == 1 ? dates.get(0).toString() : dates.get(0) + ".." + date();
    }

    @Override
    public boolean resumable(JobExecution failed) {
        for (Staged s : staged(failed)) {
            if (!spec.hash().equals(s.specHash())) {
                return false;
            }
            for (String d : s.dates()) {
                Path target = lake().partition("features", s.group(), LocalDate.parse(d));
                if (!lake().exists(new Path(s.stagedDir(), "dt=" + d)) && lake().publishedBy(target) != failed.getJobInstance().getInstanceId()) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public ResultParts describe(RunOutcome outcome) {
        Map<String, Object> counts = new LinkedHashMap<>();
        List<String> outputs = new ArrayList<>();
        List<String> parts = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        for (Staged s : staged(outcome.context())) {
            Map<String, Object> c = new LinkedHashMap<>();
            long rows = s.rows().values().stream().mapToLong(Long::longValue).sum();
            c.put("rows", rows);
            c.put("dates", s.dates().size());
            List<String> missing = new ArrayList<>();
            for (LocalDate d : dates) {
                if (!s.dates().contains(d.toString())) {
                    missing.add(d.toString());
                }
            }
            if (!missing.isEmpty()) {
                c.put("dates_without_input", missing);
                reasons.add(s.group() + ": no validated " + spec.spec().featureGroup(s.group()).source() + " partition for " + missing);
            }
            if (s.missing() != null && !s.missing().isEmpty()) {
                // windows that overlap days without validated data: null (or zero-filled), and said so
                java.util.TreeSet<LocalDate> days = new java.util.TreeSet<>();
                Map<String, Long> nulled = new LinkedHashMap<>();
                Map<String, Long> zero = new LinkedHashMap<>();
                for (Manifest.MissingData m : s.missing().values()) {
                    days.addAll(m.dates());
                    if (m.nulled() != null) {
                        m.nulled().forEach((f, n) -> nulled.merge(f, n, Long::sum));
                    }
                    if (m.zeroFilled() != null) {
                        m.zeroFilled().forEach((f, n) -> zero.merge(f, n, Long::sum));
                    }
                }
                Map<String, Object> md = new LinkedHashMap<>();
                md.put("days", days.stream().map(LocalDate::toString).toList());
                md.put("dates_affected", new ArrayList<>(s.missing().keySet()));
                md.put("values_nulled", nulled);
                if (!zero.isEmpty()) {
                    md.put("values_zero_filled", zero);
                }
                c.put("missing_data", md);
                long totalNulled = nulled.values().stream().mapToLong(Long::longValue).sum();
                long totalZero = zero.values().stream().mapToLong(Long::longValue).sum();
                reasons.add(String.format(Locale.ROOT, "%s: no validated %s data for %s: %d values of windows overlapping %s null (missing_days: null)%s",
                        s.group(), spec.spec().featureGroup(s.group()).source(), days, totalNulled, days.size() == 1 ? "it" : "them",
                        totalZero == 0 ? "" : String.format(Locale.ROOT, ", %d counted as zero rows (missing_days: zero)", totalZero)));
            }
            String part = String.format(Locale.ROOT, "%s %d rows over %d date(s)", s.group(), rows, s.dates().size());
            if (c.get("missing_data") instanceof Map<?, ?> md) {
                long nulled = ((Map<?, ?>) md.get("values_nulled")).values().stream().mapToLong(x -> (Long) x).sum();
                part += String.format(Locale.ROOT, ", %d values null (windows over days without validated %s: %s)", nulled,
                        spec.spec().featureGroup(s.group()).source(), md.get("days"));
            }
            if (outcome.context().containsKey(ONLINE_KEY + s.group())) {
                Materializer.Stats m = Json.read(outcome.context().getString(ONLINE_KEY + s.group()), Materializer.Stats.class);
                c.put("online", m);
                part += String.format(Locale.ROOT, ", %d online (%d kept newer, %d expired)", m.written(), m.skippedOlder(), m.skippedExpired());
                if (m.skippedBlankKey() > 0) {
                    part += ", " + m.skippedBlankKey() + " with an empty key not written";
                    reasons.add(s.group() + ": " + m.skippedBlankKey() + " entities with an empty key were not written to the online store");
                }
            }
            counts.put(s.group(), c);
            parts.add(part);
            s.dates().forEach(d -> outputs.add(lake().partition("features", s.group(), LocalDate.parse(d)).toString()));
        }
        return new ResultParts(parts.isEmpty() ? "" : "- " + String.join("; ", parts), counts, outputs, List.of(), reasons);
    }
}
