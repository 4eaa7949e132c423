package dev.mlops.features;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.mlops.core.JobException;
import dev.mlops.core.lake.Lake;
import dev.mlops.core.spec.Aggregation;
import dev.mlops.core.spec.FeatureGroupSpec;
import dev.mlops.core.spec.FeatureSpec;
import dev.mlops.core.spec.MissingDays;
import dev.mlops.core.spec.ModelSpec;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * Computes a feature group's rows for a set of data dates from the validated rows of its source
 * dataset (the dates themselves plus the history the longest window needs).
 *
 * <p>Output columns: the entity key, {@code feature_ts} (from when the row is known), the
 * features in spec order, and {@code dt} (the data date the row belongs to). Windows are Spark
 * range windows over event time in microseconds, per entity: {@code (t - lag - window, t - lag]}.
 * With a granularity the rows are first reduced to per-bucket partial aggregates (count, sum,
 * min, max), so a 30-day window over hourly buckets reads 720 partial rows, not every source row.
 *
 * <p>A window that overlaps a missing day of the source ({@link #missingDays}: no validated
 * partition, yet ingested or inside the source's history) is null under the feature's
 * {@code missing_days: null} (the default), or computed with the day as zero rows under {@code zero}.
 */
public final class FeatureEngine {
    public static final String FEATURE_TS = "feature_ts";
    public static final String DT = "dt";
    static final String TS = "__ts";
    static final String SRC_DT = "__dt";
    static final String BUCKET = "__bucket";
    static final long MICROS_PER_SECOND = 1_000_000L;

    private final SparkSession spark;
    private final Lake lake;

    public FeatureEngine(SparkSession spark, Lake lake) {
        this.spark = spark;
        this.lake = lake;
    }

    /**
     * The result of a computation: the rows, which requested dates had source data, the partitions
     * read, and the days of the history read (requested dates included) with no validated data
     * ({@link #missingDays}).
     */
    public record Computed(Dataset<Row> rows, List<LocalDate> datesWithInput, List<String> inputs, List<LocalDate> missingDays) {
    }

    /** The validated partitions a group reads for the dates: each date's history back to its longest window. */
    public static List<LocalDate> inputDates(FeatureGroupSpec group, List<LocalDate> dates) {
        LocalDate first = dates.stream().min(LocalDate::compareTo).orElseThrow();
        LocalDate last = dates.stream().max(LocalDate::compareTo).orElseThrow();
        // a row stamped early on `first` reaches back lookback; the extra day covers rows stamped past midnight
        long days = ceilDays(group.lookback()) + 1;
        List<LocalDate> out = new ArrayList<>();
        for (LocalDate d = first.minusDays(days); !d.isAfter(last); d = d.plusDays(1)) {
            out.add(d);
        }
        return out;
    }

    static long ceilDays(Duration d) {
        long s = d.toSeconds();
        return (s + 86_399) / 86_400;
    }

    public Computed compute(ModelSpec spec, String groupName, List<LocalDate> dates) {
        FeatureGroupSpec group = spec.featureGroup(groupName);
        String source = group.source();
        List<LocalDate> present = new ArrayList<>();
        List<String> inputs = new ArrayList<>();
        List<LocalDate> absent = new ArrayList<>();
        Dataset<Row> src = null;
        for (LocalDate d : inputDates(group, dates)) {
            Path p = lake.partition("validated", source, d);
            if (!lake.exists(p)) {
                absent.add(d);
                continue;
            }
            inputs.add(p.toString());
            if (dates.contains(d)) {
                present.add(d);
            }
            Dataset<Row> part = spark.read().parquet(p.toString()).withColumn(SRC_DT, lit(d.toString()));
            src = src == null ? part : src.unionByName(part);
        }
        List<LocalDate> missing = missingDays(source, absent);
        if (present.isEmpty()) {
            return new Computed(null, List.of(), inputs, missing);
        }
        String time = spec.eventTime(group);
        Dataset<Row> base = src.filter(col(group.entity()).isNotNull().and(col(time).isNotNull()))
                .withColumn(TS, col(time));
        Dataset<Row> rows = group.granularity() == null ? perEvent(group, base) : perBucket(group, base, present);
        for (FeatureSpec f : group.features()) {
            if (f.windowed() && !missing.isEmpty() && group.missingDays(f) == MissingDays.NULL) {
                // the window read a day that has no validated data: its value is unknown, not a day without rows
                rows = rows.withColumn(f.name(), when(overlapsMissing(group, f, missing), lit(null).cast(f.outputType().sqlType()))
                        .otherwise(col(f.name())));
            }
        }
        List<String> keep = present.stream().map(LocalDate::toString).toList();
        return new Computed(rows.filter(col(DT).isin(keep.toArray())), present, inputs, missing);
    }

    /**
     * Of the days read without a validated partition, those that are missing data: the source has
     * a raw partition of the day (ingested, then stopped by validate or not validated yet), or the
     * day lies after the source's first validated partition (a gap in its history). Days before the
     * source's history begins are not missing: there was nothing yet, and windows there are partial
     * as they always were.
     */
    List<LocalDate> missingDays(String source, List<LocalDate> absent) {
        if (absent.isEmpty()) {
            return List.of();
        }
        LocalDate first = lake.partitions("validated", source).stream().min(LocalDate::compareTo).orElse(null);
        List<LocalDate> out = new ArrayList<>();
        for (LocalDate d : absent) {
            if ((first != null && d.isAfter(first)) || lake.exists(lake.partition("raw", source, d))) {
                out.add(d);
            }
        }
        return out;
    }

    /**
     * Whether the window of feature {@code f} of a row stamped {@code feature_ts} overlaps one of the
     * {@code missing} days: a pure function of the row's time, so the job counts the affected values
     * from the rows it wrote. Per-event window: event times in {@code (t - lag - window, t - lag]};
     * bucketed: {@code [t - lag - window, t - lag)} with t the bucket's end.
     */
    public static Column overlapsMissing(FeatureGroupSpec group, FeatureSpec f, List<LocalDate> missing) {
        if (!f.windowed() || missing.isEmpty()) {
            return lit(false);
        }
        Column t = expr("unix_micros(" + FEATURE_TS + ")");
        long w = f.window().value().toSeconds() * MICROS_PER_SECOND;
        long lag = f.lag() == null ? 0 : f.lag().value().toSeconds() * MICROS_PER_SECOND;
        Column any = null;
        for (LocalDate d : missing) {
            long d0 = d.toEpochDay() * 86_400L * MICROS_PER_SECOND;
            long d1 = d0 + 86_400L * MICROS_PER_SECOND;
            Column c = group.granularity() == null
                    ? t.minus(lag + w).lt(d1 - 1).and(t.minus(lag).geq(d0))
                    : t.minus(lag + w).lt(d1).and(t.minus(lag).gt(d0));
            any = any == null ? c : any.or(c);
        }
        return any;
    }

    private static Dataset<Row> perEvent(FeatureGroupSpec group, Dataset<Row> base) {
        Column micros = expr("unix_micros(" + TS + ")");
        List<Column> out = new ArrayList<>();
        out.add(col(group.entity()));
        out.add(col(TS).alias(FEATURE_TS));
        for (FeatureSpec f : group.features()) {
            Column value;
            if (!f.windowed()) {
                value = safeExpr(group, f, f.expr());
            } else {
                WindowSpec w = Window.partitionBy(col(group.entity())).orderBy(micros).rangeBetween(start(f), end(f));
                Column v = f.agg() == Aggregation.COUNT ? lit(1) : safeExpr(group, f, f.expr());
                value = switch (f.agg()) {
                    case COUNT -> count(v).over(w);
                    case SUM -> coalesce(sum(v).over(w), lit(0.0));
                    case MEAN -> avg(v).over(w);
                    case MIN -> min(v).over(w);
                    case MAX -> max(v).over(w);
                };
            }
            out.add(value.cast(f.outputType().sqlType()).alias(f.name()));
        }
        out.add(col(SRC_DT).alias(DT));
        return base.select(out.toArray(Column[]::new));
    }

    private Dataset<Row> perBucket(FeatureGroupSpec group, Dataset<Row> base, List<LocalDate> present) {
        long g = group.granularity().value().toSeconds() * MICROS_PER_SECOND;
        String entity = group.entity();
        Dataset<Row> withBucket = base.withColumn(BUCKET, expr("floor(unix_micros(" + TS + ") / " + g + ") * " + g));
        List<Column> aggs = new ArrayList<>();
        aggs.add(count(lit(1)).alias("__n"));
        for (int i = 0; i < group.features().size(); i++) {
            FeatureSpec f = group.features().get(i);
            if (f.agg() == Aggregation.COUNT) {
                continue;
            }
            Column v = safeExpr(group, f, f.expr()).cast("double");
            switch (f.agg()) {
                case SUM -> aggs.add(sum(v).alias("__s" + i));
                case MEAN -> {
                    aggs.add(sum(v).alias("__s" + i));
                    aggs.add(count(v).alias("__c" + i));
                }
                case MIN -> aggs.add(min(v).alias("__min" + i));
                case MAX -> aggs.add(max(v).alias("__max" + i));
                default -> throw new IllegalStateException(f.agg().toString());
            }
        }
        Dataset<Row> partials = withBucket.groupBy(col(entity), col(BUCKET)).agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new));
        if (group.dense()) {
            // every entity seen in the history read, every bucket of each date that has data: an empty bucket is a 0, not a gap
            long perDay = 86_400L * MICROS_PER_SECOND / g;
            List<Long> starts = new ArrayList<>();
            for (LocalDate d : present) {
                long day = d.toEpochDay() * 86_400L * MICROS_PER_SECOND;
                for (long k = 0; k < perDay; k++) {
                    starts.add(day + k * g);
                }
            }
            Dataset<Row> buckets = spark.createDataset(starts, org.apache.spark.sql.Encoders.LONG()).toDF(BUCKET)
                    .withColumn("__gd", expr("to_date(timestamp_micros(" + BUCKET + "))"));
            // an entity is in a date's grid when it had rows within that date's own history (not later in the chunk), so
            // the rows of a date do not depend on how a backfill was chunked
            long history = ceilDays(group.lookback()) + 1;
            Dataset<Row> seen = base.select(col(entity), expr("to_date(" + SRC_DT + ")").alias("__sd")).distinct();
            Dataset<Row> grid = seen.join(buckets, expr("datediff(__gd, __sd) BETWEEN 0 AND " + history))
                    .select(col(entity), col(BUCKET)).distinct();
            partials = grid.join(partials, scala.collection.JavaConverters.asScalaBuffer(List.of(entity, BUCKET)).toSeq(), "full_outer");
        }
        List<Column> out = new ArrayList<>();
        out.add(col(entity));
        out.add(expr("timestamp_micros(" + BUCKET + " + " + g + ")").alias(FEATURE_TS));
        for (int i = 0; i < group.features().size(); i++) {
            FeatureSpec f = group.features().get(i);
            long w = f.window().value().toSeconds() * MICROS_PER_SECOND;
            long lag = f.lag() == null ? 0 : f.lag().value().toSeconds() * MICROS_PER_SECOND;
            // bucket b covers [b, b+g): the window (t - lag - w, t - lag] with t = b + g holds buckets b - lag - w + g .. b - lag
            WindowSpec win = Window.partitionBy(col(entity)).orderBy(col(BUCKET)).rangeBetween(-(lag + w - g), -lag);
            Column value = switch (f.agg()) {
                case COUNT -> coalesce(sum(col("__n")).over(win), lit(0L));
                case SUM -> coalesce(sum(col("__s" + i)).over(win), lit(0.0));
                case MEAN -> sum(col("__s" + i)).over(win).divide(sum(col("__c" + i)).over(win));
                case MIN -> min(col("__min" + i)).over(win);
                case MAX -> max(col("__max" + i)).over(win);
            };
            out.add(value.cast(f.outputType().sqlType()).alias(f.name()));
        }
        out.add(expr("cast(to_date(timestamp_micros(" + BUCKET + ")) as string)").alias(DT));
        Dataset<Row> rows = partials.select(out.toArray(Column[]::new));
        if (!group.dense()) {
            // only buckets the entity had rows in (the window columns above still read the history)
            rows = partials.withColumn("__has", col("__n").isNotNull()).select(concat(out, col("__has")).toArray(Column[]::new))
                    .filter(col("__has")).drop("__has");
        }
        return rows;
    }

    private static List<Column> concat(List<Column> a, Column b) {
        List<Column> l = new ArrayList<>(a);
        l.add(b);
        return l;
    }

    private static long start(FeatureSpec f) {
        return -(f.reach().toSeconds() * MICROS_PER_SECOND - 1);
    }

    private static long end(FeatureSpec f) {
        return f.lag() == null ? 0 : -f.lag().value().toSeconds() * MICROS_PER_SECOND;
    }

    private static Column safeExpr(FeatureGroupSpec group, FeatureSpec f, String sql) {
        try {
            return expr(sql);
        } catch (RuntimeException e) {
            // a parse error: the spec's fault
            throw JobException.usage("feature '" + f.name() + "' of group with entity " + group.entity()
                    + ": cannot parse expr '" + sql + "': " + firstLine(e.getMessage()));
        }
    }

    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
