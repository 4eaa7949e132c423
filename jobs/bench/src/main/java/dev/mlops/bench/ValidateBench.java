package dev.mlops.bench;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.percentile_approx;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.apache.spark.sql.functions.stddev_pop;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.unix_timestamp;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.zaxxer.hikari.HikariDataSource;
import dev.mlops.bench.IngestBench.BenchFailure;
import dev.mlops.core.Platform;
import dev.mlops.core.batch.RunIdentity;
import dev.mlops.core.batch.RunSupport;
import dev.mlops.core.config.ConfigLoader;
import dev.mlops.core.config.PlatformConfig;
import dev.mlops.core.db.Databases;
import dev.mlops.core.db.LocalPostgres;
import dev.mlops.core.result.JobResult;
import dev.mlops.core.spark.SparkSessions;
import dev.mlops.core.spec.CheckKind;
import dev.mlops.core.spec.CheckSpec;
import dev.mlops.core.spec.ColumnSpec;
import dev.mlops.core.spec.DatasetSpec;
import dev.mlops.core.spec.LoadedSpec;
import dev.mlops.core.spec.SpecRepository;
import dev.mlops.validate.ValidateJob;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Validate throughput next to one raw Spark aggregation over the same columns, measured in the
 * same JVM and run (compare the ratio across machines, not the rows/s).
 *
 * <p>Writes {@code BENCH_ROWS} (default 10,000,000) rows of dataset {@code trips} of
 * {@code trip_risk} as a raw Parquet partition with Spark ({@link TripsParquet}), and runs the
 * real validate job on it ({@link ValidateJob} through {@link RunSupport}, Spring Batch,
 * embedded PostgreSQL metadata, Deequ, row-level quarantine, staging and publish) with a copy of
 * trip_risk.yaml whose {@code trips.checks} are extended to {@value #EXPECTED_CHECKS} checks and
 * whose anomaly checks are removed (they compare with earlier dates: the warm-up date would be
 * their history and fail the row-count check; they add only Size/Mean, which share the scan).
 *
 * <p>The peer is one {@code df.agg(...)} over the same Parquet partition computing, from the
 * same spec, the aggregates the checks need (counts of non-null, min, max, mean, stddev,
 * approx percentile, predicate compliance sums); uniqueness is the one check that cannot share
 * the scan, so it is left out of the peer and timed as a reference of its own.
 *
 * <p>Order: warm-up of both (and the references) at 1% scale (at least 20,000 rows, another
 * date), then peer, validate, peer; the ratio uses the better peer run. Then three references
 * explaining where the time goes: a full scan of all columns (noop write), the uniqueness
 * grouping alone, and a plain Parquet copy (the cost of writing validated/). Passes over the
 * data come from {@link ScanPasses} (rows each stage read from the raw partition). Prints a table,
 * writes {@code jobs/bench/target/results/validate.json}, exits 1 if a run fails or the job did not
 * validate every row with exit code 0. {@code BENCH_PLANS=1} also prints the physical plan of
 * every SQL execution of the timed validate run to stderr.
 *
 * <p>It measures the {@code mlops-validate} on the class path: with {@code exec:exec -pl jobs/bench}
 * that is the jar last installed in the local repository, so install with {@code -am} first.
 */
public final class ValidateBench {
    static final String MODEL = "trip_risk";
    static final String DATASET = "trips";
    static final LocalDate DATE = LocalDate.of(2024, 3, 4);
    static final LocalDate WARMUP_DATE = DATE.minusDays(1);
    static final long SEED = 20240304L;
    static final int EXPECTED_CHECKS = 22;
    /** A stage that read at least this share of the partition's rows is one pass over the data. */
    static final double PASS_SHARE = 0.5;

    /** Checks added to trips' 14 (all scan-shareable), so the job runs ~20 checks. */
    static final List<Map<String, Object>> EXTRA_CHECKS = List.of(
            check("kind", "completeness", "column", "vehicle_id"),
            check("kind", "completeness", "column", "phone_use_min", "min", 0.95),
            check("kind", "non_negative", "column", "duration_min"),
            check("kind", "non_negative", "column", "phone_use_min"),
            check("kind", "min", "column", "avg_speed_kph", "min", 0),
            check("kind", "max", "column", "harsh_brake_count", "max", 100),
            check("kind", "satisfies", "name", "trip_order", "predicate", "end_ts >= start_ts"),
            check("kind", "satisfies", "name", "phone_within_trip", "predicate", "coalesce(phone_use_min, 0) <= duration_min"));

    private final long rows;
    private final Path repo;
    private final Path tmp;
    private final PrintWriter out = new PrintWriter(System.out, true);

    private ValidateBench(long rows, Path repo, Path tmp) {
        this.rows = rows;
        this.repo = repo;
        this.tmp = tmp;
    }

    private static Map<String, Object> check(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    public static void main(String[] args) {
        BenchMain.run("mlops-vbench-", tmp -> {
            long rows = IngestBench.rowsFromEnv();
            new ValidateBench(rows, IngestBench.findRepo(), tmp).run();
        });
    }

    /** Copies trip_risk.yaml into {@code specsDir} with trips' checks extended and its anomaly checks removed. */
    static Path writeSpec(Path source, Path specsDir) throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        JsonNode root = yaml.readTree(source.toFile());
        JsonNode trips = root.path("datasets").path(DATASET);
        if (!(trips instanceof ObjectNode t) || !(t.get("checks") instanceof ArrayNode checks)) {
            throw new BenchFailure(source + " has no datasets." + DATASET + ".checks list");
        }
        for (Map<String, Object> c : EXTRA_CHECKS) {
            checks.add(yaml.valueToTree(c));
        }
        t.remove("anomalies");
        Files.createDirectories(specsDir);
        Path file = specsDir.resolve(MODEL + ".yaml");
        yaml.writeValue(file.toFile(), root);
        return file;
    }

    private void run() throws IOException {
        Path lake = tmp.resolve("lake");
        Path home = tmp.resolve("home");
        Path scratch = tmp.resolve("scratch");
        Files.createDirectories(home);
        Path specFile = writeSpec(repo.resolve("dags").resolve("models").resolve(MODEL + ".yaml"), tmp.resolve("specs"));
        PlatformConfig config = ConfigLoader.load(Map.of(), home, null, Map.of(
                "specs.dir", specFile.getParent().toString(),
                "landing.uri", tmp.resolve("landing").toUri().toString(),
                "lake.uri", lake.toUri().toString()));

        LoadedSpec spec = new SpecRepository(config.specsDir()).load(MODEL);
        DatasetSpec trips = spec.spec().dataset(DATASET);
        List<String> specColumns = trips.columns().stream().map(ColumnSpec::name).toList();
        List<String> specTypes = trips.columns().stream().map(c -> c.type().specName()).toList();
        if (!specColumns.equals(TripsParquet.COLUMNS) || !specTypes.equals(TripsParquet.TYPES)) {
            throw new BenchFailure("the columns of " + MODEL + "/" + DATASET + " are " + specColumns + " " + specTypes
                    + ", the generator writes " + TripsParquet.COLUMNS + " " + TripsParquet.TYPES + ": update TripsParquet");
        }
        if (trips.checks().size() != EXPECTED_CHECKS) {
            System.err.printf(Locale.ROOT, "bench: note: %s now declares %d checks for %s (expected %d when this bench was written)%n",
                    MODEL, trips.checks().size(), DATASET, EXPECTED_CHECKS);
        }
        long warmRows = Math.min(rows, Math.max(IngestBench.WARMUP_MIN_ROWS, rows / 100));

        LocalPostgres pg = null;
        HikariDataSource pool = null;
        SparkSession spark = null;
        try (HeapSampler heap = new HeapSampler()) {
            pg = LocalPostgres.startEphemeral();
            pool = Databases.pool(pg.target("mlops"), "bench", 4);
            Databases.migrate(pool);
            spark = SparkSessions.create(config, "mlops-validate-bench");
            SparkActivity activity = new SparkActivity(spark.sparkContext());
            ScanPasses scans = new ScanPasses(spark.sparkContext());
            spark.sparkContext().addSparkListener(activity);
            spark.sparkContext().addSparkListener(scans);
            Platform platform = Platform.builder(config).spark(spark).metadata(pool).build();

            TripsParquet.Written warm = TripsParquet.write(spark, TripsParquet.local(platform.lake().partition("raw", DATASET, WARMUP_DATE)),
                    WARMUP_DATE, warmRows, SEED + 1);
            TripsParquet.Written data = TripsParquet.write(spark, TripsParquet.local(platform.lake().partition("raw", DATASET, DATE)),
                    DATE, rows, SEED);
            System.err.printf(Locale.ROOT, "bench: wrote %,d rows (%s, %d files) in %.1fs and %,d warm-up rows to %s%n",
                    data.rows(), IngestBench.mb(data.bytes()), data.files(), data.seconds(), warm.rows(), lake);

            Meter meter = new Meter(spark, activity, scans, heap);
            System.err.println("bench: warm-up at " + warm.rows() + " rows");
            Phase warmPeer = peer(meter, trips, warm, "peer");
            Phase warmValidate = validate(meter, platform, spec, warm);
            reference(meter, trips, warm, "scan", scratch);
            reference(meter, trips, warm, "uniqueness", scratch);
            reference(meter, trips, warm, "copy", scratch);

            System.err.println("bench: timed runs at " + rows + " rows: peer, validate, peer, then references");
            Phase p1 = peer(meter, trips, data, "peer (run 1)");
            Phase v = validate(meter, platform, spec, data);
            Phase p2 = peer(meter, trips, data, "peer (run 2)");
            List<Phase> refs = List.of(
                    reference(meter, trips, data, "scan", scratch),
                    reference(meter, trips, data, "uniqueness", scratch),
                    reference(meter, trips, data, "copy", scratch));
            report(spark, scans, trips, data, warm, warmPeer, warmValidate, p1, v, p2, refs, heap.maxHeap());
            platform.close();
        } finally {
            if (spark != null) {
                spark.stop();
            }
            if (pool != null) {
                pool.close();
            }
            if (pg != null) {
                pg.close();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // measuring

    /** Everything a phase measures with. */
    record Meter(SparkSession spark, SparkActivity activity, ScanPasses scans, HeapSampler heap) {
        long start() {
            Measure.settle();
            activity.reset();
            scans.reset();
            heap.reset();
            return Measure.processCpuNanos();
        }
    }

    /** One stage that read (part of) the data: the raw partition, the cache, or something else (outputs read back). */
    record Pass(int stage, int job, String callSite, String source, List<String> columns, long rows, long wallMs) {
        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("stage", stage);
            m.put("job", job);
            m.put("call_site", callSite);
            m.put("source", source);
            m.put("columns", columns);
            m.put("rows", rows);
            m.put("stage_wall_ms", wallMs);
            return m;
        }
    }

    /** One timed run. */
    record Phase(String what, long rows, double seconds, double cpuSeconds, long peakHeap, long peakHeapAfterGc, int sparkJobs,
                 long sparkJobMs, List<Pass> rawPasses, double rawRowPasses, List<Pass> cachePasses, List<Pass> otherReads,
                 List<ScanPasses.Job> jobs, List<Map<String, Object>> stages, Map<String, Object> details) {
        double rowsPerSecond() {
            return rows / seconds;
        }
    }

    private Phase finish(Meter m, String what, TripsParquet.Written in, long t0, long c0, Map<String, Object> details) {
        double s = Measure.seconds(t0);
        double cpu = (Measure.processCpuNanos() - c0) / 1e9;
        long[] peaks = m.heap().peaks();
        m.activity().drain();
        m.scans().drain();
        String rawSuffix = "/raw/" + DATASET + "/dt=" + in.date();
        List<Pass> raw = new ArrayList<>();
        List<Pass> cache = new ArrayList<>();
        List<Pass> other = new ArrayList<>();
        long rawRows = 0;
        for (ScanPasses.Read r : m.scans().reads()) {
            Pass p = new Pass(r.stageId(), r.jobId(), r.stageName(), r.source().cache() ? "cache" : r.source().location(),
                    columns(r.source().readSchema()), r.rows(), r.wallMs());
            String loc = r.source().location();
            if (!r.source().cache() && (loc.endsWith(rawSuffix + "]") || loc.contains(rawSuffix + ",") || loc.endsWith(rawSuffix))) {
                rawRows += r.rows();
                if (r.rows() >= PASS_SHARE * in.rows()) {
                    raw.add(p);
                } else {
                    other.add(p);
                }
            } else if (r.source().cache() && r.rows() >= PASS_SHARE * in.rows()) {
                cache.add(p);
            } else {
                other.add(p);
            }
        }
        return new Phase(what, in.rows(), s, cpu, peaks[0], peaks[1], m.activity().jobCount(), m.activity().jobWallMs(), raw,
                rawRows / (double) in.rows(), cache, other, m.scans().jobs(), m.activity().stagesByName(), details);
    }

    private static final Pattern FIELD = Pattern.compile("(?:struct<|,)([A-Za-z_][A-Za-z0-9_]*):");

    /** Column names of a scan's ReadSchema ({@code struct<a:string,b:double>}); for the cache, empty. */
    static List<String> columns(String readSchema) {
        List<String> out = new ArrayList<>();
        if (readSchema == null || !readSchema.startsWith("struct<")) {
            return out;
        }
        Matcher m = FIELD.matcher(readSchema);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static Dataset<Row> read(SparkSession spark, DatasetSpec ds, TripsParquet.Written in) {
        return spark.read().parquet(in.uri()).select(ds.columns().stream().map(c -> col(c.name())).toArray(Column[]::new));
    }

    // ---------------------------------------------------------------------------------------------
    // peer: one aggregation computing what the checks need

    /** The aggregates the spec's checks need, as one list for one {@code df.agg}; uniqueness (a grouping) is left out. */
    static List<Column> peerAggregates(List<CheckSpec> checks, List<String> leftOut) {
        List<Column> a = new ArrayList<>();
        a.add(count(lit(1)).alias("__rows"));
        Set<String> names = new LinkedHashSet<>();
        for (CheckSpec c : checks) {
            String n = c.displayName();
            if (!names.add(n)) {
                n = n + "_" + names.size();
            }
            Column v = c.column() == null ? null : col(c.column());
            Column agg = switch (c.kind()) {
                case COMPLETENESS -> count(v);
                case UNIQUENESS -> null;
                case MIN -> min(v);
                case MAX -> max(v);
                // the same predicate text Deequ's isNonNegative uses
                case NON_NEGATIVE -> sum(when(expr("COALESCE(CAST(" + c.column() + " AS DECIMAL(20,10)), 0.0) >= 0"), 1).otherwise(0));
                case ALLOWED_VALUES -> sum(when(v.isNull().or(v.isin(c.values().toArray())), 1).otherwise(0));
                // Deequ's PatternMatch: regexp_extract(...) != ""
                case PATTERN -> sum(when(regexp_extract(v, c.regex(), 0).notEqual(lit("")), 1).otherwise(0));
                case SIZE -> count(lit(1));
                case SATISFIES -> sum(when(expr(c.predicate()), 1).otherwise(0));
                case MEAN -> avg(v);
                case STDDEV -> stddev_pop(v);
                // Deequ's ApproxQuantile default relative error 0.01 = accuracy 100
                case QUANTILE -> percentile_approx(v, lit(c.quantile()), lit(100));
                case FRESHNESS -> max(unix_timestamp(v));
            };
            if (agg == null) {
                leftOut.add(n);
            } else {
                a.add(agg.alias(n));
            }
        }
        return a;
    }

    private Phase peer(Meter m, DatasetSpec ds, TripsParquet.Written in, String what) {
        List<String> leftOut = new ArrayList<>();
        List<Column> aggs = peerAggregates(ds.checks(), leftOut);
        long c0 = m.start();
        long t0 = System.nanoTime();
        Row r = read(m.spark(), ds, in).agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new)).collectAsList().get(0);
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < r.size(); i++) {
            Object o = r.get(i);
            values.put(r.schema().fields()[i].name(), o instanceof Number || o == null ? o : o.toString());
        }
        long counted = ((Number) r.get(0)).longValue();
        if (counted != in.rows()) {
            throw new BenchFailure(what + " counted " + counted + " rows, expected " + in.rows());
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("aggregates", aggs.size());
        details.put("left_out", leftOut);
        details.put("values", values);
        return finish(m, what, in, t0, c0, details);
    }

    // ---------------------------------------------------------------------------------------------
    // references: where validate's time can go

    private Phase reference(Meter m, DatasetSpec ds, TripsParquet.Written in, String kind, Path scratch) {
        List<String> keys = ds.checks().stream().filter(c -> c.kind() == CheckKind.UNIQUENESS).findFirst()
                .map(CheckSpec::referencedColumns).orElse(List.of("trip_id"));
        Path target = scratch.resolve(kind + "-" + in.date());
        long c0 = m.start();
        long t0 = System.nanoTime();
        Dataset<Row> df = read(m.spark(), ds, in);
        Map<String, Object> details = new LinkedHashMap<>();
        String what;
        switch (kind) {
            case "scan" -> {
                what = "ref: full scan (noop write)";
                df.write().format("noop").mode("overwrite").save();
            }
            case "uniqueness" -> {
                // Deequ's frequencies for Uniqueness, without its separate count pass
                what = "ref: uniqueness grouping";
                Column notNull = keys.stream().map(k -> col(k).isNotNull()).reduce(Column::or).orElseThrow();
                Row r = df.select(keys.stream().map(k -> col(k)).toArray(Column[]::new)).where(notNull)
                        .groupBy(keys.stream().map(k -> col(k)).toArray(Column[]::new)).agg(count(lit(1)).alias("n"))
                        .agg(sum(when(col("n").equalTo(1), 1).otherwise(0)).alias("unique"), count(lit(1)).alias("groups"))
                        .collectAsList().get(0);
                details.put("unique_values", r.get(0));
                details.put("groups", r.get(1));
            }
            case "copy" -> {
                what = "ref: Parquet copy";
                df.write().mode("overwrite").parquet(target.toUri().toString());
            }
            default -> throw new IllegalArgumentException(kind);
        }
        Phase p = finish(m, what, in, t0, c0, details);
        IngestBench.deleteTree(target);
        return p;
    }

    // ---------------------------------------------------------------------------------------------
    // candidate: the real validate job

    private Phase validate(Meter m, Platform platform, LoadedSpec spec, TripsParquet.Written in) {
        StringWriter outText = new StringWriter();
        StringWriter errText = new StringWriter();
        Map<String, Long> stepStarts = new ConcurrentHashMap<>();
        long c0 = m.start();
        long wall0 = System.currentTimeMillis();
        long t0 = System.nanoTime();
        ValidateJob job = new ValidateJob(platform, spec, in.date(), List.of(DATASET), step -> stepStarts.put(step, System.currentTimeMillis()));
        JobResult result = RunSupport.execute(platform, new RunIdentity(ValidateJob.NAME, MODEL, in.date()), job, Map.of(),
                new PrintWriter(outText, true), new PrintWriter(errText, true));
        long wallEnd = System.currentTimeMillis();
        Map<String, Object> details = new LinkedHashMap<>();
        String summary = outText.toString().trim();
        Phase p = finish(m, "validate", in, t0, c0, details);
        if (result.exitCode() != 0) {
            throw new BenchFailure("validate " + MODEL + " " + in.date() + " exited " + result.exitCode() + ": " + summary
                    + (errText.toString().isBlank() ? "" : "\n" + errText.toString().trim()));
        }
        if (!(result.counts().get(DATASET) instanceof Map<?, ?> counts)) {
            throw new BenchFailure("the validate result has no counts for " + DATASET + ": " + summary);
        }
        long jobRows = number(counts.get("rows"));
        long passed = number(counts.get("passed_rows"));
        long quarantined = number(counts.get("quarantined"));
        long checks = number(counts.get("checks"));
        long checksPassed = number(counts.get("checks_passed"));
        int declared = spec.spec().dataset(DATASET).checks().size();
        if (jobRows != in.rows() || passed + quarantined != in.rows()) {
            throw new BenchFailure("validate saw " + jobRows + " rows, passed " + passed + " + quarantined " + quarantined
                    + ", expected " + in.rows() + " (" + summary + ")");
        }
        if (checks != declared || checksPassed != declared) {
            throw new BenchFailure("validate ran " + checks + " checks (" + checksPassed + " passed), the spec declares " + declared
                    + " (" + summary + ")");
        }
        long published = platform.spark().read().parquet(platform.lake().partition("validated", DATASET, in.date()).toString()).count();
        if (published != passed) {
            throw new BenchFailure("the published validated partition holds " + published + " rows, the job reported " + passed);
        }

        // timeline: launch | check step: Deequ verification, then the job's own Spark work (outputs) | publish | gate + finish
        long check = stepStarts.getOrDefault("check:" + DATASET, wall0);
        long publish = stepStarts.getOrDefault("publish", wallEnd);
        long gate = stepStarts.getOrDefault("gate", wallEnd);
        // verification ends where the job's own Spark work starts after Deequ's last job (the metrics history is saved in between)
        long lastDeequEnd = p.jobs().stream().filter(j -> !isJobOwn(j.name())).mapToLong(ScanPasses.Job::end).max().orElse(check);
        long firstOwn = p.jobs().stream().filter(j -> isJobOwn(j.name()) && j.start() >= lastDeequEnd).mapToLong(ScanPasses.Job::start).min()
                .orElse(publish);
        Map<String, Object> timeline = new LinkedHashMap<>();
        timeline.put("launch_seconds", (check - wall0) / 1000.0);
        timeline.put("verify_seconds", (firstOwn - check) / 1000.0);
        timeline.put("outputs_seconds", (publish - firstOwn) / 1000.0);
        timeline.put("publish_seconds", (gate - publish) / 1000.0);
        timeline.put("gate_and_finish_seconds", (wallEnd - gate) / 1000.0);
        double verifyJobSeconds = 0;
        int verifyJobs = 0;
        for (ScanPasses.Job j : p.jobs()) {
            if (!isJobOwn(j.name())) {
                verifyJobs++;
                verifyJobSeconds += j.seconds();
            }
        }
        if (System.getenv("BENCH_PLANS") != null && !System.getenv("BENCH_PLANS").isBlank()) {
            p.jobs().stream().mapToLong(ScanPasses.Job::executionId).filter(id -> id >= 0).distinct().forEach(id ->
                    System.err.printf(Locale.ROOT, "bench: plan of SQL execution %d (jobs %s):%n%s%n", id,
                            p.jobs().stream().filter(j -> j.executionId() == id).map(j -> j.id() + " " + j.name()).toList(), m.scans().plan(id)));
        }
        details.put("summary", summary);
        details.put("exit_code", result.exitCode());
        details.put("checks", checks);
        details.put("checks_passed", checksPassed);
        details.put("passed_rows", passed);
        details.put("quarantined_rows", quarantined);
        details.put("warnings", counts.get("warnings"));
        details.put("timeline", timeline);
        details.put("verify_spark_jobs", verifyJobs);
        details.put("verify_spark_job_seconds", Measure.round(verifyJobSeconds));
        details.put("validated_bytes", TripsParquet.size(TripsParquet.local(platform.lake().partition("validated", DATASET, in.date()))));
        return p;
    }

    /** A Spark job the validate job started itself (writes, counts) rather than Deequ (whose call sites are Deequ's classes). */
    static boolean isJobOwn(String callSite) {
        return callSite != null && callSite.contains("ValidateJob.java");
    }

    private static long number(Object o) {
        if (o instanceof Number n) {
            return n.longValue();
        }
        throw new BenchFailure("the validate result has no count (got " + o + ")");
    }

    // ---------------------------------------------------------------------------------------------
    // report

    private void report(SparkSession spark, ScanPasses scans, DatasetSpec ds, TripsParquet.Written data, TripsParquet.Written warm, Phase warmPeer,
                        Phase warmValidate, Phase p1, Phase v, Phase p2, List<Phase> refs, long maxHeap) throws IOException {
        Phase best = p1.seconds() <= p2.seconds() ? p1 : p2;
        String bestName = best == p1 ? "run 1" : "run 2";
        double ratio = v.seconds() / best.seconds();
        double ratioMean = v.seconds() / ((p1.seconds() + p2.seconds()) / 2);
        double cpuRatio = v.cpuSeconds() / Math.min(p1.cpuSeconds(), p2.cpuSeconds());
        int cores = Runtime.getRuntime().availableProcessors();
        Set<String> uniquenessKeys = new LinkedHashSet<>();
        ds.checks().stream().filter(c -> c.kind() == CheckKind.UNIQUENESS).forEach(c -> uniquenessKeys.addAll(c.referencedColumns()));
        Phase refUnique = refs.get(1);
        Phase refCopy = refs.get(2);

        out.printf(Locale.ROOT, "%nValidate benchmark: %s/%s, %,d rows, %d checks (%d declared in dags/models + %d added, anomaly checks removed)%n",
                MODEL, DATASET, data.rows(), ds.checks().size(), ds.checks().size() - EXTRA_CHECKS.size(), EXTRA_CHECKS.size());
        out.printf(Locale.ROOT, "raw partition: %d Parquet files, %s; Spark %s, master %s, %d cores, max heap %s; warm-up at %,d rows first%n%n",
                data.files(), IngestBench.mb(data.bytes()), spark.version(), spark.sparkContext().master(), cores, IngestBench.mb(maxHeap), warm.rows());
        out.printf(Locale.ROOT, "%-30s %12s %9s %12s %7s %5s %8s %10s%n", "run", "rows", "seconds", "rows/s", "passes", "jobs", "cpu s", "peak heap");
        List<Phase> table = new ArrayList<>(List.of(p1, v, p2));
        table.addAll(refs);
        for (Phase t : table) {
            out.printf(Locale.ROOT, "%-30s %,12d %9.2f %,12.0f %7s %5d %8.1f %10s%n", t.what(), t.rows(), t.seconds(), t.rowsPerSecond(),
                    passesText(t), t.sparkJobs(), t.cpuSeconds(), IngestBench.mb(t.peakHeap()));
        }
        out.printf(Locale.ROOT, "(passes = stages that read >= %.0f%% of the raw partition's rows; +Nc = full scans of a cached copy)%n", PASS_SHARE * 100);
        out.printf(Locale.ROOT, "%npeer used for the ratio: the better of 2 runs (%s, %.2fs); runs differ by %.0f%%%n",
                bestName, best.seconds(), 100 * Math.abs(p1.seconds() - p2.seconds()) / Math.min(p1.seconds(), p2.seconds()));
        out.printf(Locale.ROOT, "validate/peer time ratio = %.1f (goal <= 3)   [against the mean of both peer runs: %.1f; CPU-time ratio %.1f]%n",
                ratio, ratioMean, cpuRatio);
        double floor = best.seconds() + refUnique.seconds() + refCopy.seconds();
        out.printf(Locale.ROOT, "validate / (peer + uniqueness grouping + Parquet copy) = %.2f   (%.2fs: the work a validate run cannot avoid)%n",
                v.seconds() / floor, floor);

        // the validate run in detail
        @SuppressWarnings("unchecked")
        Map<String, Object> tl = (Map<String, Object>) v.details().get("timeline");
        out.printf(Locale.ROOT, "%nvalidate: %s%n", v.details().get("summary"));
        out.printf(Locale.ROOT, "validate timeline: launch %.2fs | verification (Deequ, until the job's first own Spark job) %.2fs"
                        + " | outputs (validated/quarantine/results + counts) %.2fs | publish %.2fs | gate + finish %.2fs%n",
                (Double) tl.get("launch_seconds"), (Double) tl.get("verify_seconds"), (Double) tl.get("outputs_seconds"),
                (Double) tl.get("publish_seconds"), (Double) tl.get("gate_and_finish_seconds"));
        double verify = (Double) tl.get("verify_seconds");
        out.printf(Locale.ROOT, "verification only: %.2fs = %,.0f rows/s, %.1fx the peer (%d Spark jobs, %.2fs in jobs)%n",
                verify, data.rows() / verify, verify / best.seconds(), v.details().get("verify_spark_jobs"), v.details().get("verify_spark_job_seconds"));
        List<Pass> verifyPasses = v.rawPasses().stream().filter(p -> !isJobOwn(p.callSite())).toList();
        List<Pass> ownPasses = v.rawPasses().stream().filter(p -> isJobOwn(p.callSite())).toList();
        List<Pass> shareable = verifyPasses.stream().filter(p -> !uniquenessKeys.containsAll(p.columns()) || p.columns().isEmpty()).toList();
        out.printf(Locale.ROOT, "passes over the raw partition: %d in total (%.2f row-passes): Deequ verification %d (scan-shareable checks: %d pass%s%s%s),"
                        + " the job's outputs %d; full scans of the cached row-level results: %d%n",
                v.rawPasses().size(), v.rawRowPasses(), verifyPasses.size(), shareable.size(), shareable.size() == 1 ? "" : "es",
                shareable.size() == 1 ? ", goal met" : ", goal: 1", verifyPasses.size() - shareable.size() > 0
                        ? "; uniqueness " + (verifyPasses.size() - shareable.size()) + " reading only " + uniquenessKeys : "",
                ownPasses.size(), v.cachePasses().size());
        for (Pass p : v.rawPasses()) {
            out.printf(Locale.ROOT, "  raw   stage %4d job %3d %-44s %2d columns %,12d rows %8d ms%n", p.stage(), p.job(), p.callSite(),
                    p.columns().size(), p.rows(), p.wallMs());
        }
        for (Pass p : v.cachePasses()) {
            out.printf(Locale.ROOT, "  cache stage %4d job %3d %-44s %10s %,12d rows %8d ms%n", p.stage(), p.job(), p.callSite(), "", p.rows(), p.wallMs());
        }
        out.printf(Locale.ROOT, "validate Spark jobs by wall time (%d jobs, %.2fs in jobs, %.2fs outside any job):%n",
                v.sparkJobs(), v.sparkJobMs() / 1000.0, v.seconds() - v.sparkJobMs() / 1000.0);
        Map<String, double[]> byName = new LinkedHashMap<>();
        Map<String, Set<String>> operators = new LinkedHashMap<>();
        for (ScanPasses.Job j : v.jobs()) {
            double[] a = byName.computeIfAbsent(j.name(), k -> new double[2]);
            a[0]++;
            a[1] += j.seconds();
            operators.computeIfAbsent(j.name(), k -> new LinkedHashSet<>()).addAll(scans.operators(j.executionId()));
        }
        byName.entrySet().stream().sorted(Comparator.comparingDouble((Map.Entry<String, double[]> e) -> e.getValue()[1]).reversed()).limit(12)
                .forEach(e -> out.printf(Locale.ROOT, "  %-40s %3.0f jobs %7.2f s  %s%n", e.getKey(), e.getValue()[0], e.getValue()[1],
                        String.join(", ", operators.get(e.getKey()))));
        out.printf(Locale.ROOT, "references: full scan of all columns %.2fs, uniqueness grouping alone %.2fs, Parquet copy %.2fs%n",
                refs.get(0).seconds(), refUnique.seconds(), refCopy.seconds());
        crossCheck(best, v);

        // JSON
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "validate");
        json.put("model", MODEL);
        json.put("dataset", DATASET);
        json.put("measured_at", Instant.now().toString());
        json.put("rows", data.rows());
        json.put("raw_files", data.files());
        json.put("raw_bytes", data.bytes());
        json.put("checks", ds.checks().size());
        json.put("checks_added", EXTRA_CHECKS);
        json.put("anomaly_checks", "removed from the copy of the spec");
        json.put("warmup_rows", warm.rows());
        json.put("generate_seconds", Measure.round(data.seconds()));
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("cores", cores);
        env.put("max_heap_bytes", maxHeap);
        env.put("spark_version", spark.version());
        env.put("spark_master", spark.sparkContext().master());
        env.put("java_version", System.getProperty("java.version"));
        env.put("code_version", dev.mlops.core.Versions.codeVersion());
        json.put("environment", env);
        json.put("peer_choice", "best of 2 (" + bestName + ")");
        json.put("peer_seconds", Measure.round(best.seconds()));
        json.put("peer_rows_per_second", Math.round(best.rowsPerSecond()));
        json.put("validate_seconds", Measure.round(v.seconds()));
        json.put("validate_rows_per_second", Math.round(v.rowsPerSecond()));
        json.put("validate_peer_time_ratio", Math.round(ratio * 1000) / 1000.0);
        json.put("validate_peer_time_ratio_goal", 3.0);
        json.put("validate_peer_time_ratio_vs_mean_peer", Math.round(ratioMean * 1000) / 1000.0);
        json.put("validate_peer_cpu_time_ratio", Math.round(cpuRatio * 1000) / 1000.0);
        json.put("verify_seconds", Measure.round(verify));
        json.put("verify_peer_time_ratio", Math.round(verify / best.seconds() * 1000) / 1000.0);
        json.put("validate_over_unavoidable_work", Math.round(v.seconds() / floor * 1000) / 1000.0);
        Map<String, Object> passes = new LinkedHashMap<>();
        passes.put("total_raw_passes", v.rawPasses().size());
        passes.put("raw_row_passes", Math.round(v.rawRowPasses() * 1000) / 1000.0);
        passes.put("deequ_verification_passes", verifyPasses.size());
        passes.put("deequ_scan_shareable_passes", shareable.size());
        passes.put("deequ_uniqueness_passes", verifyPasses.size() - shareable.size());
        passes.put("job_output_passes", ownPasses.size());
        passes.put("cached_copy_scans", v.cachePasses().size());
        passes.put("spark_jobs", v.sparkJobs());
        passes.put("goal_scan_shareable_in_one_pass", shareable.size() == 1);
        json.put("validate_passes", passes);
        List<Map<String, Object>> runs = new ArrayList<>();
        for (Phase t : table) {
            runs.add(runJson(t, scans));
        }
        json.put("runs", runs);
        Map<String, Object> warmup = new LinkedHashMap<>();
        warmup.put("peer_seconds", Measure.round(warmPeer.seconds()));
        warmup.put("validate_seconds", Measure.round(warmValidate.seconds()));
        warmup.put("validate_passes", warmValidate.rawPasses().size());
        warmup.put("validate_spark_jobs", warmValidate.sparkJobs());
        json.put("warmup", warmup);

        Path file = repo.resolve("jobs/bench/target/results/validate.json");
        Files.createDirectories(file.getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json);
        out.printf(Locale.ROOT, "%nwrote %s%n", file);
    }

    private static String passesText(Phase t) {
        return t.rawPasses().size() + (t.cachePasses().isEmpty() ? "" : "+" + t.cachePasses().size() + "c");
    }

    /** The peer's compliance counts against what the job quarantined (only speed_order is broken by the generator). */
    @SuppressWarnings("unchecked")
    private void crossCheck(Phase peer, Phase v) {
        Map<String, Object> values = (Map<String, Object>) peer.details().get("values");
        Object so = values.get("speed_order");
        if (so instanceof Number n) {
            long broken = peer.rows() - n.longValue();
            long quarantined = (Long) v.details().get("quarantined_rows");
            out.printf(Locale.ROOT, "cross-check: the peer finds %,d rows breaking speed_order, validate quarantined %,d%s%n", broken, quarantined,
                    broken == quarantined ? " (same)" : " (DIFFERENT: other row-level checks broke rows too)");
        }
    }

    private static Map<String, Object> runJson(Phase t, ScanPasses scans) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run", t.what());
        m.put("rows", t.rows());
        m.put("seconds", Measure.round(t.seconds()));
        m.put("rows_per_second", Math.round(t.rowsPerSecond()));
        m.put("process_cpu_seconds", Measure.round(t.cpuSeconds()));
        m.put("peak_heap_used_bytes", t.peakHeap());
        m.put("peak_heap_after_gc_bytes", t.peakHeapAfterGc());
        m.put("spark_jobs", t.sparkJobs());
        m.put("spark_job_seconds", Measure.round(t.sparkJobMs() / 1000.0));
        m.put("raw_passes", t.rawPasses().size());
        m.put("raw_row_passes", Math.round(t.rawRowPasses() * 1000) / 1000.0);
        m.put("cached_copy_scans", t.cachePasses().size());
        m.putAll(t.details());
        m.put("passes", t.rawPasses().stream().map(Pass::json).toList());
        if (!t.cachePasses().isEmpty()) {
            m.put("cache_scans", t.cachePasses().stream().map(Pass::json).toList());
        }
        if (!t.otherReads().isEmpty()) {
            m.put("other_reads", t.otherReads().stream().map(Pass::json).toList());
        }
        List<Map<String, Object>> jobs = new ArrayList<>();
        for (ScanPasses.Job j : t.jobs()) {
            Map<String, Object> jm = new LinkedHashMap<>();
            jm.put("job", j.id());
            jm.put("call_site", j.name());
            jm.put("seconds", Measure.round(j.seconds()));
            jm.put("stages", j.stageIds());
            jm.put("sql_execution", j.executionId());
            jm.put("operators", scans.operators(j.executionId()));
            jobs.add(jm);
        }
        m.put("jobs", jobs);
        m.put("stages", t.stages());
        return m;
    }

    // ---------------------------------------------------------------------------------------------




}
