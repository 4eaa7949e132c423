package dev.mlops.train.testing;

import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A small demand model (spec {@code tt}) with a learnable daily pattern: rows per key and hour
 * depend on the hour and the key. Validated partitions are written directly; tests compute the
 * features with the features job. Shared by the train, transform and shadow tests.
 */
public final class TinyDemand {
    private TinyDemand() {
    }

    public static final LocalDate D0 = LocalDate.of(2024, 4, 1);
    public static final int DAYS = 10;
    public static final LocalDate LAST = D0.plusDays(DAYS - 1);
    public static final StructType EV = new StructType().add("k", DataTypes.IntegerType).add("ts", DataTypes.TimestampType).add("v", DataTypes.DoubleType);
    public static final String SPEC = """
            model: tt
            task: regression
            entity: k
            label: {name: n, dataset: ev, event_time: ts, delay: 1d, kind: count, granularity: 1h}
            datasets:
              ev:
                event_time: ts
                source: {kind: files, format: csv, path: "ev/{date}"}
                columns:
                  - {name: k, type: int}
                  - {name: ts, type: timestamp}
                  - {name: v, type: double}
            features:
              activity:
                entity: k
                source: ev
                granularity: 1h
                dense: true
                ttl: 2d
                features:
                  - {name: n_1h, agg: count, window: 1h}
                  - {name: n_24h, agg: count, window: 24h}
                  - {name: n_day_ago, agg: count, window: 1h, lag: 23h}
                  - {name: mean_v_24h, agg: mean, expr: v, window: 24h}
            training:
              window: 6d
              min_labelled_rows: 300
              time_features: [hour_of_day]
              hyperparameters: {objective: "reg:squarederror", eval_metric: rmse, num_round: 60, eta: 0.2, max_depth: 4, early_stopping_rounds: 10, seed: 7}
              tuning: {trials: 3, ranges: {eta: [0.05, 0.3], max_depth: [2, 5]}}
              baseline: n_day_ago
              slices:
                - {name: part_of_day, expr: "CASE WHEN hour(event_ts) < 12 THEN 'am' ELSE 'pm' END"}
              deploy_thresholds: {r2: {min: 0.1}}
            """;

    /** Ten days of events with a daily pattern, as validated partitions of the lake. */
    public static void writeEvents(TestPlatform tp) {
        Random rnd = new Random(1);
        for (int day = 0; day < DAYS; day++) {
            LocalDate d = D0.plusDays(day);
            List<Row> rows = new ArrayList<>();
            for (int k = 1; k <= 6; k++) {
                for (int h = 0; h < 24; h++) {
                    // demand peaks in the evening, bigger keys are busier
                    double rate = k * (1 + 3 * Math.exp(-Math.pow(h - 18, 2) / 8.0));
                    int n = poisson(rnd, rate);
                    for (int i = 0; i < n; i++) {
                        rows.add(RowFactory.create(k, Timestamp.valueOf(d.atTime(h, rnd.nextInt(60))), rnd.nextDouble() * 10));
                    }
                }
            }
            tp.platform().spark().createDataFrame(rows, EV).coalesce(1).write().mode("overwrite")
                    .parquet(tp.platform().lake().partition("validated", "ev", d).toString());
        }
    }

    public static int poisson(Random r, double lambda) {
        double l = Math.exp(-lambda);
        int k = 0;
        double p = 1;
        do {
            k++;
            p *= r.nextDouble();
        } while (p > l);
        return k - 1;
    }

}
