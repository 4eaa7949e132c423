package dev.mlops.cli.report;

import static org.apache.spark.sql.functions.col;

import dev.mlops.core.JobException;
import dev.mlops.core.Platform;
import dev.mlops.core.audit.AuditEntry;
import dev.mlops.core.audit.AuditLedger;
import dev.mlops.core.lake.Lake;
import dev.mlops.core.registry.Registry;
import dev.mlops.core.spec.LoadedSpec;
import java.io.IOException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What {@code mlops report} shows of one model, read from what the jobs wrote: the lake's
 * {@code quality_metrics}, {@code drift_metrics}, {@code decisions} (quality job),
 * {@code shadow_results} (shadow job) and {@code dq_results} (validate job) partitions of the date
 * range, the registry's versions and aliases, and the model's audit ledger entries.
 */
public record ReportData(String model, LoadedSpec spec, List<Registry.Version> versions, Map<String, Integer> aliases,
                         Section<Quality> quality, Section<Drift> drift, Section<Decision> decisions, Section<Shadow> shadow,
                         Section<Check> validation, List<Decided> timeline) {

    public static final String QUALITY = "quality_metrics";
    public static final String DRIFT = "drift_metrics";
    public static final String DECISIONS = "decisions";
    public static final String SHADOW = "shadow_results";
    public static final String DQ = "dq_results";

    /** The rows of one table, or why there are none ({@code missing}: no partition of the model in the range). */
    public record Section<T>(String table, List<T> rows, String missing) {
        public boolean present() {
            return missing == null;
        }
    }

    /** A row of quality_metrics: a metric of one segment of the production predictions of a date. */
    public record Quality(LocalDate date, int version, String metric, String segment, Double value, LocalDate asOf) {
    }

    /** A row of drift_metrics: a feature (or the prediction, a slice) of the run date's scoring set against the version's profile. */
    public record Drift(LocalDate date, int version, String feature, String kind, Double psi, Double ksPValue, Double jsDistance,
                        Double nullShareDelta, boolean drifted, String reasons) {
    }

    /** A row of decisions: one retrain rule (or the {@code retrain} row) of a run date. */
    public record Decision(LocalDate date, Integer version, String rule, String metric, Double value, Double threshold, String comparison,
                           boolean fired, boolean retrain, String reason) {
    }

    /** A row of shadow_results: a metric of the candidate against production on one segment of a date. */
    public record Shadow(LocalDate date, int production, int candidate, String metric, String segment, Double value) {
    }

    /** A row of dq_results: one check on one dataset's partition of a date. */
    public record Check(LocalDate date, String dataset, String check, String kind, String severity, boolean passed, String message) {
    }

    /** An audit entry with the data date it is about: its evidence's, else that of the model's entry before it, else the day it was made. */
    public record Decided(AuditEntry entry, LocalDate dataDate) {
    }

    /** Reads one model's report data for the dates from..to (either may be null: open-ended). */
    public static ReportData read(Platform platform, LoadedSpec spec, LocalDate from, LocalDate to) {
        String model = spec.model();
        Reader r = new Reader(platform.spark(), platform.lake(), model, from, to);
        Registry registry = new Registry(platform.metadata());
        List<Registry.Version> versions = registry.list(model);
        Map<String, Integer> aliases = registry.aliases(model);
        Section<Quality> quality = r.read(QUALITY, "model", List.of(model), row -> new Quality(date(row), row.getAs("model_version"),
                row.getAs("metric"), row.getAs("segment"), row.getAs("value"), localDate(row.getAs("as_of"))));
        Section<Drift> drift = r.read(DRIFT, "model", List.of(model), row -> new Drift(date(row), row.getAs("model_version"),
                row.getAs("feature"), row.getAs("kind"), row.getAs("psi"), row.getAs("ks_p_value"), row.getAs("js_distance"),
                row.getAs("null_share_delta"), bool(row.getAs("drifted")), row.getAs("reasons")));
        Section<Decision> decisions = r.read(DECISIONS, "model", List.of(model), row -> new Decision(date(row), row.getAs("model_version"),
                row.getAs("rule"), row.getAs("metric"), row.getAs("value"), row.getAs("threshold"), row.getAs("comparison"),
                bool(row.getAs("fired")), bool(row.getAs("retrain")), row.getAs("reason")));
        Section<Shadow> shadow = r.read(SHADOW, "model", List.of(model), row -> new Shadow(date(row), row.getAs("prod_version"),
                row.getAs("candidate_version"), row.getAs("metric"), row.getAs("segment"), row.getAs("value")));
        // dq_results is partitioned by dataset, not model: the model's datasets, and its own rows (a column)
        Section<Check> validation = r.read(DQ, "dataset", List.copyOf(spec.spec().datasets().keySet()),
                row -> model.equals(row.getAs("model")) ? new Check(date(row), row.getAs("dataset"), row.getAs("check"), row.getAs("kind"),
                        row.getAs("severity"), "passed".equals(row.getAs("status")), row.getAs("message")) : null);
        List<Decided> timeline = timeline(new AuditLedger(platform.metadata()).log(model), from, to);
        return new ReportData(model, spec, versions, aliases, quality, drift, decisions, shadow, validation, timeline);
    }

    /** The ledger's entries of a model with their data dates, those in the range. */
    static List<Decided> timeline(List<AuditEntry> entries, LocalDate from, LocalDate to) {
        List<Decided> out = new ArrayList<>();
        LocalDate last = null;
        for (AuditEntry e : entries) {
            LocalDate d = null;
            Object dd = e.evidence().get("data_date");
            if (dd != null) {
                try {
                    d = LocalDate.parse(dd.toString());
                } catch (DateTimeParseException ignored) {
                    // not a date: fall back below
                }
            }
            // an approval or alias move right after a registration is about the same run's data
            d = d != null ? d : last != null ? last : e.at().atOffset(ZoneOffset.UTC).toLocalDate();
            last = d;
            if ((from == null || !d.isBefore(from)) && (to == null || !d.isAfter(to))) {
                out.add(new Decided(e, d));
            }
        }
        return out;
    }

    private static LocalDate date(Row row) {
        return LocalDate.parse(row.<String>getAs("dt"));
    }

    private static LocalDate localDate(Object v) {
        return v instanceof java.sql.Date d ? d.toLocalDate() : v instanceof LocalDate l ? l : null;
    }

    private static boolean bool(Object v) {
        return Boolean.TRUE.equals(v);
    }

    /** Reads the partitions {@code <table>/dt=<date>/<key>=<value>/} of the range with Spark. */
    private record Reader(SparkSession spark, Lake lake, String model, LocalDate from, LocalDate to) {
        <T> Section<T> read(String table, String key, List<String> values, Function<Row, T> mapper) {
            Path base = lake.path(table);
            List<String> paths = new ArrayList<>();
            try {
                FileSystem fs = lake.fs(base);
                if (fs.exists(base)) {
                    for (FileStatus dt : fs.listStatus(base)) {
                        LocalDate d = partitionDate(dt);
                        if (d == null || (from != null && d.isBefore(from)) || (to != null && d.isAfter(to))) {
                            continue;
                        }
                        for (String v : values) {
                            Path p = new Path(dt.getPath(), key + "=" + v);
                            if (fs.exists(p) && lake.listFiles(p).stream().anyMatch(f -> f.getPath().getName().endsWith(".parquet"))) {
                                paths.add(p.toString());
                            }
                        }
                    }
                }
            } catch (IOException e) {
                throw JobException.retryable("cannot list " + base + ": " + e.getMessage(), e);
            }
            if (paths.isEmpty()) {
                return new Section<>(table, List.of(), "no " + table + " partition of " + model + (from == null && to == null ? ""
                        : " between " + (from == null ? "the start" : from) + " and " + (to == null ? "now" : to)) + " under " + base);
            }
            paths.sort(null);
            Dataset<Row> df = spark.read().option("basePath", base.toString()).parquet(paths.toArray(String[]::new));
            // the partition columns as Spark discovered them; dt as text whatever type it inferred
            List<Column> cols = new ArrayList<>();
            for (String c : df.columns()) {
                cols.add(c.equals("dt") ? col(c).cast("string").alias(c) : col(c));
            }
            List<T> rows = new ArrayList<>();
            for (Row row : df.select(cols.toArray(Column[]::new)).collectAsList()) {
                T t = mapper.apply(row);
                if (t != null) {
                    rows.add(t);
                }
            }
            return new Section<>(table, rows, null);
        }

        private static LocalDate partitionDate(FileStatus st) {
            String name = st.getPath().getName();
            if (!st.isDirectory() || !name.startsWith("dt=")) {
                return null;
            }
            try {
                return LocalDate.parse(name.substring(3));
            } catch (DateTimeParseException e) {
                return null;
            }
        }
    }

    /** The latest date of a section's rows, or null. */
    public static <T> LocalDate latest(List<T> rows, Function<T, LocalDate> date) {
        return rows.stream().map(date).max(Comparator.naturalOrder()).orElse(null);
    }
}
