package dev.mlops.transform;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.RowFactory;
import scala.Tuple2;

/**
 * Scores a partition of rows with an XGBoost booster, in batches: each batch of rows is copied
 * into one dense float matrix (NaN for nulls) and predicted in place, so memory stays bounded by
 * the batch size whatever the partition's size. The booster travels as a broadcast of its bytes
 * and is loaded once per executor JVM (cached by content hash; XGBoost's in-place prediction is
 * thread-safe, so the executor's tasks share it). Predictions use the trees up to the booster's
 * best iteration, as evaluation did.
 *
 * <p>Input rows: {@code passThrough} columns, then the features in the model's order (numbers).
 * Output rows: the pass-through columns, the score (double) and the class at {@code threshold}
 * (integer; null when no threshold, i.e. regression).
 *
 * <p>Speed: Spark hands each row over as (the pass-through columns, the features as one
 * {@code float[]}, nulls already NaN), which it fills in one copy, where a {@link Row} of the
 * features would box every value; and each task predicts with {@code spark.task.cpus} XGBoost
 * threads (default 1), since Spark already runs a task per core: XGBoost's default, a thread per
 * core in every task, oversubscribes the cores.
 */
public final class Scorer implements MapPartitionsFunction<Tuple2<Row, float[]>, Row> {
    private static final long serialVersionUID = 1L;
    private static final int CACHED_BOOSTERS = 8;
    private static final Map<String, Booster> BOOSTERS = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Booster> eldest) {
            return size() > CACHED_BOOSTERS;
        }
    };

    private final Broadcast<byte[]> model;
    private final String hash;
    private final int passThrough;
    private final int features;
    private final int batch;
    private final Double threshold;

    Scorer(Broadcast<byte[]> model, String hash, int passThrough, int features, int batch, Double threshold) {
        this.model = model;
        this.hash = hash;
        this.passThrough = passThrough;
        this.features = features;
        this.batch = batch;
        this.threshold = threshold;
    }

    /**
     * Scores {@code input} in Spark: the booster broadcast once, loaded once per executor, predicting
     * in batches of {@code batch} rows per partition. Output columns: {@code passThrough}, then
     * {@code score} and {@code predicted_class}.
     */
    public static Dataset<Row> score(SparkSession spark, Dataset<Row> input, List<String> passThrough, List<String> features, byte[] booster,
                                     int batch, Double threshold) {
        List<Column> pass = new ArrayList<>();
        passThrough.forEach(c -> pass.add(functions.col(c)));
        List<Column> values = new ArrayList<>();
        features.forEach(f -> values.add(functions.coalesce(functions.col(f).cast("float"), functions.lit(Float.NaN))));
        StructType passSchema = input.select(pass.toArray(Column[]::new)).schema();
        // a struct needs a field to travel in a tuple: a constant one when there is nothing to pass through
        List<Column> carried = pass.isEmpty() ? List.of(functions.lit(true).alias("none")) : pass;
        Dataset<Tuple2<Row, float[]>> in = input.select(functions.struct(carried.toArray(Column[]::new)).alias("_1"),
                        functions.array(values.toArray(Column[]::new)).alias("_2"))
                .as(Encoders.tuple(Encoders.row(input.select(carried.toArray(Column[]::new)).schema()), spark.implicits().newFloatArrayEncoder()));
        List<StructField> fields = new ArrayList<>(List.of(passSchema.fields()));
        fields.add(DataTypes.createStructField(Predictions.SCORE, DataTypes.DoubleType, false));
        fields.add(DataTypes.createStructField(Predictions.CLASS, DataTypes.IntegerType, true));
        Broadcast<byte[]> model = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(booster);
        return in.mapPartitions(new Scorer(model, hash(booster), passThrough.size(), features.size(), batch, threshold),
                Encoders.row(new StructType(fields.toArray(StructField[]::new))));
    }

    static String hash(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The booster of these bytes predicting with {@code threads} threads (0: XGBoost's default, one per core), loaded at
     * most once per JVM and thread count while it stays among the recently used.
     */
    static Booster booster(String hash, int threads, java.util.function.Supplier<byte[]> bytes) {
        String key = threads > 0 ? hash + "/" + threads : hash;
        synchronized (BOOSTERS) {
            Booster b = BOOSTERS.get(key);
            if (b == null) {
                try {
                    b = XGBoost.loadModel(new ByteArrayInputStream(bytes.get()));
                    if (threads > 0) {
                        b.setParam("nthread", threads);
                    }
                } catch (XGBoostError | IOException e) {
                    throw new IllegalStateException("cannot load the XGBoost model " + hash.substring(0, 12) + ": " + e.getMessage(), e);
                }
                BOOSTERS.put(key, b);
            }
            return b;
        }
    }

    /** The iteration range of a booster's predictions: up to its best iteration when early stopping recorded one. */
    static int[] range(Booster b) {
        try {
            String best = b.getAttr("best_iteration");
            return best == null ? new int[] {0, 0} : new int[] {0, Integer.parseInt(best) + 1};
        } catch (XGBoostError e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Iterator<Row> call(Iterator<Tuple2<Row, float[]>> input) {
        TaskContext task = TaskContext.get();
        Booster booster = booster(hash, task == null ? 0 : task.cpus(), model::value);
        int[] range = range(booster);
        return new Iterator<>() {
            private final float[] values = new float[batch * features];
            private final Row[] rows = new Row[batch];
            private int size;
            private float[][] scores;
            private int next;

            @Override
            public boolean hasNext() {
                if (next < size) {
                    return true;
                }
                fill();
                return next < size;
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Row r = rows[next];
                rows[next] = null;
                double score = scores[next][0];
                next++;
                Object[] out = new Object[passThrough + 2];
                for (int i = 0; i < passThrough; i++) {
                    out[i] = r.get(i);
                }
                out[passThrough] = score;
                out[passThrough + 1] = threshold == null ? null : (score >= threshold ? 1 : 0);
                return RowFactory.create(out);
            }

            private void fill() {
                size = 0;
                next = 0;
                while (size < batch && input.hasNext()) {
                    Tuple2<Row, float[]> r = input.next();
                    System.arraycopy(r._2(), 0, values, size * features, features);
                    rows[size++] = r._1();
                }
                if (size == 0) {
                    return;
                }
                try {
                    scores = booster.inplace_predict(values, size, features, Float.NaN, range);
                } catch (XGBoostError e) {
                    throw new IllegalStateException("XGBoost prediction failed: " + e.getMessage(), e);
                }
            }
        };
    }
}
