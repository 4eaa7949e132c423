package dev.mlops.train;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import dev.mlops.core.ExitCode;
import dev.mlops.core.JobException;
import dev.mlops.core.lake.Lake;
import dev.mlops.core.spec.ModelSpec;
import dev.mlops.core.spec.TrainingSpec;
import dev.mlops.features.TrainingSets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The training window of a run and its time split. For a run at data date D the label events are
 * those of the {@code window} ending at D minus the label delay: their labels have all arrived by
 * D. The events are split by time (oldest train, then validation, then test) at event-time
 * cut-offs, so events of the same instant never straddle two splits and no split sees the future
 * of an earlier one.
 */
public final class TrainingData {
    public static final String SLICE_PREFIX = "__slice_";

    private final SparkSession spark;
    private final Lake lake;

    public TrainingData(SparkSession spark, Lake lake) {
        this.spark = spark;
        this.lake = lake;
    }

    /** The label-event dates used by a run at {@code date}: [last - window + 1, last] with last = date - delay. */
    public static List<LocalDate> window(ModelSpec spec, LocalDate date) {
        long delay = ceilDays(spec.label().delay().value());
        long days = ceilDays(spec.training().window().value());
        LocalDate last = date.minusDays(delay);
        List<LocalDate> out = new ArrayList<>();
        for (LocalDate d = last.minusDays(days - 1); !d.isAfter(last); d = d.plusDays(1)) {
            out.add(d);
        }
        return out;
    }

    static long ceilDays(java.time.Duration d) {
        return (d.toSeconds() + 86_399) / 86_400;
    }

    /** The model's input columns in order: every group's features, then the time features. */
    public static List<String> featureColumns(ModelSpec spec) {
        List<String> out = new ArrayList<>();
        spec.features().values().forEach(g -> out.addAll(g.featureNames()));
        out.addAll(spec.training().timeFeatures());
        return out;
    }

    /** SQL for a time feature over the event time (Spark's dayofweek: 1 = Sunday). */
    public static String timeFeature(String name, String tsColumn) {
        return switch (name) {
            case "hour_of_day" -> "hour(" + tsColumn + ")";
            case "day_of_week" -> "dayofweek(" + tsColumn + ")";
            case "is_weekend" -> "CASE WHEN dayofweek(" + tsColumn + ") IN (1, 7) THEN 1 ELSE 0 END";
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** The split training set, not yet materialized. */
    public record Split(Dataset<Row> train, Dataset<Row> validation, Dataset<Row> test, long rows, String validationFrom, String testFrom,
                        List<String> inputs, List<LocalDate> missingFeaturePartitions) {
    }

    public Split build(ModelSpec spec, LocalDate date) {
        List<LocalDate> window = window(spec, date);
        TrainingSets.Built built;
        try {
            built = new TrainingSets(spark, lake).build(spec, window.get(0), window.get(window.size() - 1));
        } catch (JobException e) {
            if (e.exitCode() == ExitCode.NOTHING_TO_DO) {
                throw JobException.nothingToDo("no labelled data to train " + spec.model() + " at " + date + " (label events "
                        + window.get(0) + ".." + window.get(window.size() - 1) + ", the window ending the label delay "
                        + spec.label().delay().text() + " before the date): " + e.getMessage());
            }
            throw e;
        }
        TrainingSpec t = spec.training();
        Dataset<Row> rows = built.rows();
        for (String tf : t.timeFeatures()) {
            rows = rows.withColumn(tf, expr(timeFeature(tf, TrainingSets.EVENT_TS)));
        }
        for (TrainingSpec.Slice s : t.slices()) {
            rows = rows.withColumn(SLICE_PREFIX + s.name(), expr(s.expr()).cast("string"));
        }
        List<Column> cast = new ArrayList<>();
        for (String c : rows.columns()) {
            cast.add(featureColumns(spec).contains(c) ? col(c).cast("double").alias(c) : col(c));
        }
        rows = rows.select(cast.toArray(Column[]::new)).persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
        long n = rows.count();
        if (n < t.minLabelledRows()) {
            rows.unpersist();
            throw JobException.nothingToDo("too few labelled rows to train " + spec.model() + " at " + date + ": " + n + " < "
                    + t.minLabelledRows() + " (training.min_labelled_rows), label events " + window.get(0) + ".." + window.get(window.size() - 1));
        }
        double[] q = rows.selectExpr("cast(unix_micros(" + TrainingSets.EVENT_TS + ") as double) AS __t")
                .stat().approxQuantile("__t", new double[] {1 - t.split().validation() - t.split().test(), 1 - t.split().test()}, 0.0005);
        long validFrom = (long) q[0];
        long testFrom = (long) q[1];
        if (testFrom <= validFrom) {
            throw JobException.nothingToDo("the label events of " + spec.model() + " do not spread over enough time to split by time");
        }
        Column t0 = expr("unix_micros(" + TrainingSets.EVENT_TS + ")");
        Dataset<Row> train = rows.filter(t0.lt(validFrom));
        Dataset<Row> validation = rows.filter(t0.geq(validFrom).and(t0.lt(testFrom)));
        Dataset<Row> test = rows.filter(t0.geq(testFrom));
        return new Split(train, validation, test, n, micros(validFrom), micros(testFrom), built.inputs(), built.missingFeaturePartitions());
    }

    private static String micros(long us) {
        return java.time.Instant.EPOCH.plus(us, java.time.temporal.ChronoUnit.MICROS).toString();
    }

    /** Collects a split as a dense matrix of the feature columns (NaN for nulls) with its labels. */
    public static Matrix matrix(Dataset<Row> split, List<String> features, String label) {
        List<Column> cols = new ArrayList<>();
        cols.add(col(label).cast("float"));
        features.forEach(f -> cols.add(col(f).cast("float")));
        List<Row> rows = split.select(cols.toArray(Column[]::new)).collectAsList();
        int n = rows.size();
        int k = features.size();
        float[] values = new float[n * k];
        float[] labels = new float[n];
        for (int i = 0; i < n; i++) {
            Row r = rows.get(i);
            labels[i] = r.getFloat(0);
            for (int j = 0; j < k; j++) {
                values[i * k + j] = r.isNullAt(j + 1) ? Float.NaN : r.getFloat(j + 1);
            }
        }
        return new Matrix(values, n, k, labels);
    }
}
