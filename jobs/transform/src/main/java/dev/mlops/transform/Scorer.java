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
 */
public final class Scorer implements MapPartitionsFunction<Row, Row> {
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
        List<Column> cols = new ArrayList<>();
        passThrough.forEach(c -> cols.add(functions.col(c)));
        features.forEach(f -> cols.add(functions.col(f).cast("float").alias(f)));
        Dataset<Row> in = input.select(cols.toArray(Column[]::new));
        List<StructField> fields = new ArrayList<>();
        for (String c : passThrough) {
            fields.add(in.schema().apply(c));
        }
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

    /** The booster of these bytes, loaded at most once per JVM while it stays among the recently used. */
    static Booster booster(String hash, java.util.function.Supplier<byte[]> bytes) {
        synchronized (BOOSTERS) {
            Booster b = BOOSTERS.get(hash);
            if (b == null) {
                try {
                    b = XGBoost.loadModel(new ByteArrayInputStream(bytes.get()));
                } catch (XGBoostError | IOException e) {
                    throw new IllegalStateException("cannot load the XGBoost model " + hash.substring(0, 12) + ": " + e.getMessage(), e);
                }
                BOOSTERS.put(hash, b);
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
    public Iterator<Row> call(Iterator<Row> input) {
        Booster booster = booster(hash, model::value);
        int[] range = range(booster);
        return new Iterator<>() {
            private final float[] values = new float[batch * features];
            private final List<Row> rows = new ArrayList<>(batch);
            private float[][] scores;
            private int next;

            @Override
            public boolean hasNext() {
                if (next < rows.size()) {
                    return true;
                }
                fill();
                return next < rows.size();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Row r = rows.get(next);
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
                rows.clear();
                next = 0;
                while (rows.size() < batch && input.hasNext()) {
                    Row r = input.next();
                    int base = rows.size() * features;
                    for (int j = 0; j < features; j++) {
                        Object v = r.get(passThrough + j);
                        values[base + j] = v == null ? Float.NaN : ((Number) v).floatValue();
                    }
                    rows.add(r);
                }
                if (rows.isEmpty()) {
                    return;
                }
                try {
                    scores = booster.inplace_predict(values, rows.size(), features, Float.NaN, range);
                } catch (XGBoostError e) {
                    throw new IllegalStateException("XGBoost prediction failed: " + e.getMessage(), e);
                }
            }
        };
    }
}
