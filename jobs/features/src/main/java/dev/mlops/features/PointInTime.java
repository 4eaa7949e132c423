package dev.mlops.features;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.last;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Point-in-time (as-of) join: for each label event (key, ts), the latest feature row of the same
 * key with {@code feature_ts <= ts} ({@code < ts} when not inclusive) and {@code feature_ts > ts - ttl}
 * (the row is valid while {@code now < feature_ts + ttl}, the online store's rule); nulls when there is none.
 *
 * <p>Not a join-then-filter (which is O(N x M) per key and what blows up in time and memory):
 * labels and features are unioned into one stream, partitioned by key and sorted by time (at the same
 * instant a feature sorts before the label when inclusive, after it when not; one stamped a microsecond
 * later never counts), and a running {@code last(ignoreNulls)} carries
 * the latest feature row forward to each label. One shuffle of N + M rows and a sort; Spark spills
 * the sort and the window buffer to disk, so memory stays bounded.
 */
public final class PointInTime {
    private static final String KEY = "__pit_key";
    private static final String TIME = "__pit_ts";
    private static final String SIDE = "__pit_side";
    private static final String LABEL = "__pit_label";
    private static final String FEATURE = "__pit_feature";
    private static final String FEATURE_TIME = "__pit_fts";

    private PointInTime() {
    }

    /**
     * @param labels label events; every column is kept
     * @param labelKey the key column in {@code labels}
     * @param labelTs the timestamp column in {@code labels}
     * @param features feature rows with {@code featureKey}, {@code featureTs} and the feature columns
     * @param featureColumns the feature columns to attach (names must not clash with label columns)
     * @param ttl how old a feature row may be at the label's time; null = no limit
     * @param featureTsAlias when not null, the matched row's feature timestamp is attached under this name
     */
    public static Dataset<Row> join(Dataset<Row> labels, String labelKey, String labelTs, Dataset<Row> features, String featureKey,
                                    String featureTs, List<String> featureColumns, Duration ttl, String featureTsAlias) {
        return join(labels, labelKey, labelTs, features, featureKey, featureTs, featureColumns, ttl, featureTsAlias, true);
    }

    /**
     * @param inclusive whether a feature stamped at the label's instant counts (true), or only earlier ones (false:
     *                  for labels that count what happens from their instant on, so a row of that instant is the label's)
     */
    public static Dataset<Row> join(Dataset<Row> labels, String labelKey, String labelTs, Dataset<Row> features, String featureKey,
                                    String featureTs, List<String> featureColumns, Duration ttl, String featureTsAlias, boolean inclusive) {
        StructType labelType = labels.schema();
        List<Column> fcols = new ArrayList<>();
        fcols.add(col(featureTs).alias(FEATURE_TIME));
        for (String c : featureColumns) {
            fcols.add(col(c));
        }
        Dataset<Row> f = features.filter(col(featureKey).isNotNull().and(col(featureTs).isNotNull()))
                .select(col(featureKey).alias(KEY), col(featureTs).cast(DataTypes.TimestampType).alias(TIME), lit(inclusive ? 0 : 2).alias(SIDE),
                        lit(null).cast(labelType).alias(LABEL), struct(fcols.toArray(Column[]::new)).alias(FEATURE));
        StructType featureType = (StructType) f.schema().apply(FEATURE).dataType();
        List<Column> lcols = new ArrayList<>();
        for (StructField field : labelType.fields()) {
            lcols.add(col(field.name()));
        }
        Dataset<Row> l = labels.select(col(labelKey).cast(f.schema().apply(KEY).dataType()).alias(KEY),
                col(labelTs).cast(DataTypes.TimestampType).alias(TIME), lit(1).alias(SIDE),
                struct(lcols.toArray(Column[]::new)).alias(LABEL), lit(null).cast(featureType).alias(FEATURE));
        // the feature row itself breaks ties between two rows of one key and instant, so the pick is reproducible
        var w = Window.partitionBy(col(KEY)).orderBy(col(TIME), col(SIDE), col(FEATURE)).rowsBetween(Window.unboundedPreceding(), Window.currentRow());
        Dataset<Row> carried = f.unionByName(l)
                .withColumn(FEATURE, last(col(FEATURE), true).over(w))
                .filter(col(SIDE).equalTo(1));
        Column valid = col(FEATURE + "." + FEATURE_TIME).isNotNull();
        if (ttl != null) {
            valid = valid.and(col(FEATURE + "." + FEATURE_TIME).gt(
                    col(TIME).minus(org.apache.spark.sql.functions.expr("make_dt_interval(0, 0, 0, " + ttl.toSeconds() + ")"))));
        }
        List<Column> out = new ArrayList<>();
        for (StructField field : labelType.fields()) {
            out.add(col(LABEL + "." + field.name()).alias(field.name()));
        }
        if (featureTsAlias != null) {
            out.add(when(valid, col(FEATURE + "." + FEATURE_TIME)).alias(featureTsAlias));
        }
        for (String c : featureColumns) {
            out.add(when(valid, col(FEATURE + "." + c)).alias(c));
        }
        return carried.select(out.toArray(Column[]::new));
    }
}
