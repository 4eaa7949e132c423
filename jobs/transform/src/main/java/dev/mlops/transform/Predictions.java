package dev.mlops.transform;

import dev.mlops.core.lake.Lake;
import dev.mlops.core.spec.FeatureGroupSpec;
import dev.mlops.core.spec.LabelSpec;
import dev.mlops.core.spec.ModelSpec;
import dev.mlops.core.spec.TrainingSpec;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.fs.Path;

/**
 * The predictions table of a model: {@code predictions/<model>/dt=<date>/model_version=<v>/}, one
 * Parquet partition per data date and model version, written by {@code mlops transform} and read
 * by shadow and quality. Columns: {@code prediction_id} (stable: the same model version scoring
 * the same event gives the same id), the entity keys, {@code event_ts} (the instant scored, the
 * key labels join on later), {@code model}, {@code alias} (production or candidate when scored),
 * {@code score}, {@code predicted_class} (classification, at the spec's threshold), the slice
 * values ({@code slice_<name>}) and {@code scored_at}. {@code dt} and {@code model_version} are
 * the partition columns.
 */
public final class Predictions {
    public static final String AREA = "predictions";
    public static final String PREDICTION_ID = "prediction_id";
    public static final String EVENT_TS = "event_ts";
    public static final String MODEL = "model";
    public static final String ALIAS = "alias";
    public static final String SCORE = "score";
    public static final String CLASS = "predicted_class";
    public static final String SCORED_AT = "scored_at";
    public static final String SLICE_PREFIX = "slice_";
    public static final String VERSION_KEY = "model_version";

    private Predictions() {
    }

    public static Path partition(Lake lake, String model, LocalDate date, int version) {
        return lake.partition(AREA, model, date, VERSION_KEY, Integer.toString(version));
    }

    /**
     * The entity keys a prediction carries: the model's entity and, for per-event models, every
     * feature group's key the events dataset holds (e.g. trip_id and driver_id).
     */
    public static List<String> keys(ModelSpec spec) {
        Set<String> keys = new LinkedHashSet<>();
        keys.add(spec.entity());
        LabelSpec label = spec.label();
        if (label != null && label.kind() == LabelSpec.Kind.EXISTS) {
            var events = spec.dataset(label.events().dataset());
            for (FeatureGroupSpec g : spec.features().values()) {
                if (events.column(g.entity()).isPresent()) {
                    keys.add(g.entity());
                }
            }
        }
        return List.copyOf(keys);
    }

    /** The slice columns of the model's predictions, in spec order. */
    public static List<String> sliceColumns(ModelSpec spec) {
        List<String> out = new ArrayList<>();
        if (spec.training() != null) {
            for (TrainingSpec.Slice s : spec.training().slices()) {
                out.add(SLICE_PREFIX + s.name());
            }
        }
        return out;
    }
}
