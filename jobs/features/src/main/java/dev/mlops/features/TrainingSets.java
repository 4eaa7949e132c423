package dev.mlops.features;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import dev.mlops.core.JobException;
import dev.mlops.core.lake.Lake;
import dev.mlops.core.spec.FeatureGroupSpec;
import dev.mlops.core.spec.LabelSpec;
import dev.mlops.core.spec.ModelSpec;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Builds a model's training set for a range of data dates: its label events (as the spec's label
 * section forms them) with every feature group attached point-in-time ({@link PointInTime}) from
 * the offline store. Columns: the entity keys, {@code event_ts}, the label, the features in spec
 * order, {@code dt}.
 */
public final class TrainingSets {
    public static final String EVENT_TS = "event_ts";

    private final SparkSession spark;
    private final Lake lake;

    public TrainingSets(SparkSession spark, Lake lake) {
        this.spark = spark;
        this.lake = lake;
    }

    /** The training set and what it was made from. */
    public record Built(Dataset<Row> rows, List<String> features, List<String> inputs, List<LocalDate> missingFeaturePartitions) {
    }

    public Built build(ModelSpec spec, LocalDate from, LocalDate to) {
        LabelSpec label = spec.label();
        if (label == null || label.kind() == null) {
            throw JobException.usage("model '" + spec.model() + "' declares no label kind (label.kind: count or exists): cannot form label events");
        }
        if (spec.features().isEmpty()) {
            throw JobException.usage("model '" + spec.model() + "' declares no feature groups (features:)");
        }
        List<String> inputs = new ArrayList<>();
        Dataset<Row> events = label.kind() == LabelSpec.Kind.COUNT ? countEvents(spec, from, to, inputs) : existsEvents(spec, from, to, inputs);
        if (events == null) {
            throw new JobException(dev.mlops.core.ExitCode.NOTHING_TO_DO,
                    "no validated " + eventsDataset(spec) + " partition between " + from + " and " + to + ": no label events");
        }
        return attach(spec, events, from, to, inputs);
    }

    /**
     * The label events of a date range without features: the keys, {@code event_ts}, the label and
     * {@code dt}, as training forms them; null when the events' dataset has no partition in the range.
     * The caller decides whether the labels are complete (their delay has passed).
     */
    public Dataset<Row> labelEvents(ModelSpec spec, LocalDate from, LocalDate to, List<String> inputs) {
        LabelSpec label = spec.label();
        if (label == null || label.kind() == null) {
            throw JobException.usage("model '" + spec.model() + "' declares no label kind (label.kind: count or exists): cannot form label events");
        }
        return label.kind() == LabelSpec.Kind.COUNT ? countEvents(spec, from, to, inputs) : existsEvents(spec, from, to, inputs);
    }

    /**
     * The scoring set of a date: the date's events without labels (count: every bucket of the date
     * for each entity the date's features hold; exists: the events dataset's rows of the date) with
     * every feature group attached point-in-time as of each event, exactly as in training. Exit 100
     * when the date's events or a group's partition for the date are missing.
     */
    public Built scoring(ModelSpec spec, LocalDate date) {
        LabelSpec label = spec.label();
        if (label == null || label.kind() == null || spec.features().isEmpty()) {
            throw JobException.usage("model '" + spec.model() + "' needs label.kind and feature groups to form scoring events");
        }
        List<String> inputs = new ArrayList<>();
        Dataset<Row> events;
        if (label.kind() == LabelSpec.Kind.COUNT) {
            String group = spec.features().entrySet().stream().filter(e -> e.getValue().entity().equals(spec.entity())).map(java.util.Map.Entry::getKey)
                    .findFirst().orElseThrow(() -> JobException.usage("model '" + spec.model() + "' has no feature group keyed by its entity '"
                            + spec.entity() + "': nothing says which entities to score"));
            Path p = lake.partition("features", group, date);
            if (!lake.exists(p)) {
                throw JobException.nothingToDo("no features/" + group + " partition for " + date + " to score; run `mlops features --model "
                        + spec.model() + " --date " + date + "` first");
            }
            long g = label.granularity().value().toSeconds() * FeatureEngine.MICROS_PER_SECOND;
            long day = date.toEpochDay() * 86_400L * FeatureEngine.MICROS_PER_SECOND;
            List<Long> buckets = new ArrayList<>();
            for (long b = day; b < day + 86_400L * FeatureEngine.MICROS_PER_SECOND; b += g) {
                buckets.add(b);
            }
            events = spark.read().parquet(p.toString()).select(col(spec.entity())).filter(col(spec.entity()).isNotNull()).distinct()
                    .crossJoin(spark.createDataset(buckets, org.apache.spark.sql.Encoders.LONG()).toDF("__b"))
                    .select(col(spec.entity()), expr("timestamp_micros(__b)").alias(EVENT_TS), lit(date.toString()).alias(FeatureEngine.DT));
        } else {
            Dataset<Row> rows = read(label.events().dataset(), date, date, inputs);
            if (rows == null) {
                throw JobException.nothingToDo("no validated " + label.events().dataset() + " partition for " + date + ": no events to score");
            }
            List<Column> cols = new ArrayList<>();
            eventKeys(spec, rows).forEach(c -> cols.add(col(c)));
            cols.add(col(label.events().eventTime()).alias(EVENT_TS));
            cols.add(col(FeatureEngine.DT));
            events = rows.filter(col(spec.entity()).isNotNull().and(col(label.events().eventTime()).isNotNull())).select(cols.toArray(Column[]::new));
        }
        Built built = attach(spec, events, date, date, inputs);
        if (!built.missingFeaturePartitions().isEmpty()) {
            throw JobException.nothingToDo("feature partitions for " + date + " are missing; run `mlops features --model " + spec.model()
                    + " --date " + date + "` first");
        }
        return built;
    }

    /** The key columns of an exists-kind event: the model's entity and every feature group's entity the events carry. */
    private static Set<String> eventKeys(ModelSpec spec, Dataset<Row> events) {
        Set<String> keep = new LinkedHashSet<>();
        keep.add(spec.entity());
        for (FeatureGroupSpec g : spec.features().values()) {
            if (List.of(events.columns()).contains(g.entity())) {
                keep.add(g.entity());
            }
        }
        return keep;
    }

    /** The events with every feature group attached point-in-time. */
    private Built attach(ModelSpec spec, Dataset<Row> events, LocalDate from, LocalDate to, List<String> inputs) {
        List<String> features = new ArrayList<>();
        List<LocalDate> missing = new ArrayList<>();
        Dataset<Row> out = events;
        for (var e : spec.features().entrySet()) {
            FeatureGroupSpec g = e.getValue();
            if (!List.of(out.columns()).contains(g.entity())) {
                throw JobException.usage("feature group '" + e.getKey() + "' is keyed by '" + g.entity() + "', which the label events of "
                        + spec.model() + " do not carry " + List.of(events.columns()));
            }
            Dataset<Row> rows = readGroup(spec, e.getKey(), from.minusDays(FeatureEngine.ceilDays(g.ttl().value()) + 1), to, inputs, missing, from);
            if (rows == null) {
                throw new JobException(dev.mlops.core.ExitCode.NOTHING_TO_DO, "no features/" + e.getKey() + " partition between "
                        + from + " and " + to + "; run `mlops features --model " + spec.model() + " --from " + from + " --to " + to + "` first");
            }
            // a count label counts the rows from its instant on: a per-event feature row of that very instant is part of
            // the label, not of the past (a bucketed row stamped at the instant covers the bucket before it, so it may be used)
            boolean inclusive = spec.label().kind() != LabelSpec.Kind.COUNT || g.granularity() != null;
            out = PointInTime.join(out, g.entity(), EVENT_TS, rows, g.entity(), FeatureEngine.FEATURE_TS, g.featureNames(), g.ttl().value(),
                    null, inclusive);
            features.addAll(g.featureNames());
        }
        return new Built(out, features, inputs, missing);
    }

    private Dataset<Row> readGroup(ModelSpec spec, String group, LocalDate first, LocalDate to, List<String> inputs, List<LocalDate> missing,
                                   LocalDate from) {
        Dataset<Row> all = null;
        List<String> expected = FeaturesJob.schema(spec.featureGroup(group));
        List<LocalDate> stale = new ArrayList<>();
        for (LocalDate d = first; !d.isAfter(to); d = d.plusDays(1)) {
            Path p = lake.partition("features", group, d);
            if (!lake.exists(p)) {
                if (!d.isBefore(from)) {
                    missing.add(d);
                }
                continue;
            }
            List<String> schema = lake.readText(dev.mlops.core.lake.Manifest.pathIn(p)).map(dev.mlops.core.lake.Manifest::fromJson)
                    .map(dev.mlops.core.lake.Manifest::schema).orElse(null);
            if (!expected.equals(schema)) {
                stale.add(d);
                continue;
            }
            inputs.add(p.toString());
            Dataset<Row> part = spark.read().parquet(p.toString());
            all = all == null ? part : all.unionByName(part);
        }
        if (!stale.isEmpty()) {
            throw JobException.usage("features/" + group + " partitions " + stale + " were computed for another definition of the group"
                    + " (their manifest's columns differ from " + expected + "); recompute them: mlops features --model " + spec.model()
                    + " --group " + group + " --from " + stale.get(0) + " --to " + stale.get(stale.size() - 1));
        }
        return all;
    }

    private static String eventsDataset(ModelSpec spec) {
        return spec.label().kind() == LabelSpec.Kind.COUNT ? spec.label().dataset() : spec.label().events().dataset();
    }

    private Dataset<Row> read(String dataset, LocalDate from, LocalDate to, List<String> inputs) {
        Dataset<Row> all = null;
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            Path p = lake.partition("validated", dataset, d);
            if (!lake.exists(p)) {
                continue;
            }
            inputs.add(p.toString());
            Dataset<Row> part = spark.read().parquet(p.toString()).withColumn(FeatureEngine.DT, lit(d.toString()));
            all = all == null ? part : all.unionByName(part);
        }
        return all;
    }

    /** One event per entity and bucket (entities seen in the range, every bucket of each date with data); label = rows in it. */
    private Dataset<Row> countEvents(ModelSpec spec, LocalDate from, LocalDate to, List<String> inputs) {
        LabelSpec label = spec.label();
        Dataset<Row> rows = read(label.dataset(), from, to, inputs);
        if (rows == null) {
            return null;
        }
        long g = label.granularity().value().toSeconds() * FeatureEngine.MICROS_PER_SECOND;
        String entity = spec.entity();
        Dataset<Row> counts = rows.filter(col(entity).isNotNull().and(col(label.eventTime()).isNotNull()))
                .withColumn("__b", expr("floor(unix_micros(" + label.eventTime() + ") / " + g + ") * " + g))
                .groupBy(col(entity), col("__b")).agg(count(lit(1)).alias("__n"));
        List<String> dates = rows.select(FeatureEngine.DT).distinct().as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
        List<Long> buckets = new ArrayList<>();
        long perDay = 86_400L * FeatureEngine.MICROS_PER_SECOND / g;
        for (String d : dates) {
            long day = LocalDate.parse(d).toEpochDay() * 86_400L * FeatureEngine.MICROS_PER_SECOND;
            for (long k = 0; k < perDay; k++) {
                buckets.add(day + k * g);
            }
        }
        Dataset<Row> grid = counts.select(col(entity)).distinct()
                .crossJoin(spark.createDataset(buckets, org.apache.spark.sql.Encoders.LONG()).toDF("__b"));
        return grid.join(counts, scala.collection.JavaConverters.asScalaBuffer(List.of(entity, "__b")).toSeq(), "left")
                .select(col(entity), expr("timestamp_micros(__b)").alias(EVENT_TS), coalesce(col("__n"), lit(0L)).alias(label.name()),
                        expr("cast(to_date(timestamp_micros(__b)) as string)").alias(FeatureEngine.DT));
    }

    /** One event per row of the events dataset; label = 1 when a label row of the same entity arrives within the delay. */
    private Dataset<Row> existsEvents(ModelSpec spec, LocalDate from, LocalDate to, List<String> inputs) {
        LabelSpec label = spec.label();
        String entity = spec.entity();
        Dataset<Row> events = read(label.events().dataset(), from, to, inputs);
        if (events == null) {
            return null;
        }
        long delayDays = FeatureEngine.ceilDays(label.delay().value());
        Dataset<Row> labels = read(label.dataset(), from, to.plusDays(delayDays + 1), inputs);
        Set<String> keep = eventKeys(spec, events);
        List<Column> cols = new ArrayList<>();
        keep.forEach(c -> cols.add(col(c)));
        cols.add(col(label.events().eventTime()).alias(EVENT_TS));
        cols.add(col(FeatureEngine.DT));
        Dataset<Row> ev = events.filter(col(entity).isNotNull().and(col(label.events().eventTime()).isNotNull())).select(cols.toArray(Column[]::new));
        long delay = label.delay().value().toSeconds() * FeatureEngine.MICROS_PER_SECOND;
        Column positive;
        if (labels == null) {
            ev = ev.withColumn("__l", lit(null).cast("array<timestamp>"));
        } else {
            Dataset<Row> byEntity = labels.filter(col(label.eventTime()).isNotNull())
                    .groupBy(col(entity).alias("__le")).agg(collect_list(col(label.eventTime())).alias("__l"));
            ev = ev.join(byEntity, ev.col(entity).equalTo(byEntity.col("__le")), "left").drop("__le");
        }
        positive = coalesce(expr("exists(__l, x -> unix_micros(x) >= unix_micros(" + EVENT_TS + ") AND unix_micros(x) <= unix_micros("
                + EVENT_TS + ") + " + delay + ")"), lit(false));
        List<Column> out = new ArrayList<>();
        keep.forEach(c -> out.add(col(c)));
        out.add(col(EVENT_TS));
        out.add(positive.cast("int").alias(label.name()));
        out.add(col(FeatureEngine.DT));
        return ev.select(out.toArray(Column[]::new));
    }
}
