package dev.mlops.quality;

import dev.mlops.core.lake.Lake;
import java.time.LocalDate;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The quality job's tables, Hive-style partitions {@code dt=<date>/model=<model>/} (as
 * shadow_results) for Athena:
 *
 * <ul>
 *   <li>{@code quality_metrics/dt=<prediction date>/}: one row per metric and segment of the
 *       production predictions of that date joined with their labels; a later run (more labels)
 *       replaces the partition; {@code as_of} is the run's date;
 *   <li>{@code drift_metrics/dt=<run date>/}: one row per feature (and the prediction, each slice,
 *       each time feature's attribution) of the date's scoring set against the version's profile;
 *   <li>{@code decisions/dt=<run date>/}: one row per retrain rule, and a row {@code retrain} with
 *       the decision.
 * </ul>
 */
public final class QualityTables {
    public static final String QUALITY = "quality_metrics";
    public static final String DRIFT = "drift_metrics";
    public static final String DECISIONS = "decisions";

    public static final StructType QUALITY_SCHEMA = new StructType()
            .add("model_version", DataTypes.IntegerType)
            .add("metric", DataTypes.StringType)
            .add("segment", DataTypes.StringType)
            .add("value", DataTypes.DoubleType)
            .add("as_of", DataTypes.DateType)
            .add("evaluated_at", DataTypes.TimestampType);

    public static final StructType DRIFT_SCHEMA = new StructType()
            .add("model_version", DataTypes.IntegerType)
            .add("feature", DataTypes.StringType)
            .add("kind", DataTypes.StringType)
            .add("rows", DataTypes.LongType)
            .add("reference_rows", DataTypes.LongType)
            .add("psi", DataTypes.DoubleType)
            .add("ks_statistic", DataTypes.DoubleType)
            .add("ks_p_value", DataTypes.DoubleType)
            .add("ks_significant", DataTypes.BooleanType)
            .add("js_distance", DataTypes.DoubleType)
            .add("null_share", DataTypes.DoubleType)
            .add("reference_null_share", DataTypes.DoubleType)
            .add("null_share_delta", DataTypes.DoubleType)
            .add("mean", DataTypes.DoubleType)
            .add("reference_mean", DataTypes.DoubleType)
            .add("min", DataTypes.DoubleType)
            .add("max", DataTypes.DoubleType)
            .add("reference_min", DataTypes.DoubleType)
            .add("reference_max", DataTypes.DoubleType)
            .add("mean_abs_shap", DataTypes.DoubleType)
            .add("reference_mean_abs_shap", DataTypes.DoubleType)
            .add("drifted", DataTypes.BooleanType)
            .add("reasons", DataTypes.StringType)
            .add("evaluated_at", DataTypes.TimestampType);

    public static final StructType DECISIONS_SCHEMA = new StructType()
            .add("model_version", DataTypes.IntegerType)
            .add("rule", DataTypes.StringType)
            .add("metric", DataTypes.StringType)
            .add("value", DataTypes.DoubleType)
            .add("threshold", DataTypes.DoubleType)
            .add("comparison", DataTypes.StringType)
            .add("days", DataTypes.IntegerType)
            .add("required_days", DataTypes.IntegerType)
            .add("fired", DataTypes.BooleanType)
            .add("retrain", DataTypes.BooleanType)
            .add("reason", DataTypes.StringType)
            .add("evidence", DataTypes.StringType)
            .add("latest_due_date", DataTypes.DateType)
            .add("evaluated_at", DataTypes.TimestampType);

    private QualityTables() {
    }

    /** {@code <lake>/<table>/dt=<date>/model=<model>}. */
    public static Path partition(Lake lake, String table, String model, LocalDate date) {
        return lake.path(table, Lake.partitionName(date), "model=" + model);
    }
}
