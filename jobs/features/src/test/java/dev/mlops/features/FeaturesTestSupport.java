package dev.mlops.features;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** A small model with hand-checkable features, validated partitions written directly, one DynamoDB Local per test JVM. */
final class FeaturesTestSupport {
    static final StructType EV = new StructType().add("k", DataTypes.StringType).add("ts", DataTypes.TimestampType)
            .add("v", DataTypes.DoubleType).add("seg", DataTypes.StringType);
    static final StructType LB = new StructType().add("k", DataTypes.StringType).add("lts", DataTypes.TimestampType);
    static final String SPEC = """
            model: ft
            task: binary_classification
            entity: k
            label: {dataset: lb, event_time: lts, delay: 1d, name: hit, kind: exists, events: {dataset: ev, event_time: ts}}
            datasets:
              ev:
                event_time: ts
                source: {kind: files, format: csv, path: "ev/{date}"}
                columns:
                  - {name: k, type: string}
                  - {name: ts, type: timestamp}
                  - {name: v, type: double}
                  - {name: seg, type: string}
              lb:
                event_time: lts
                source: {kind: files, format: csv, path: "lb/{date}"}
                columns:
                  - {name: k, type: string}
                  - {name: lts, type: timestamp}
            features:
              raw:
                entity: k
                source: ev
                ttl: 1h
                online: false
                features:
                  - {name: v}
                  - {name: v2, expr: "v * 2"}
                  - {name: cnt_1h, agg: count, window: 1h}
                  - {name: sum_v_2h, agg: sum, expr: v, window: 2h}
              hourly:
                entity: k
                source: ev
                granularity: 1h
                dense: true
                ttl: 3d
                features:
                  - {name: n_1h, agg: count, window: 1h}
                  - {name: n_prev_1h, agg: count, window: 1h, lag: 1h}
                  - {name: mean_v_3h, agg: mean, expr: v, window: 3h}
                  - {name: max_v_24h, agg: max, expr: v, window: 24h}
                  - {name: a_share_3h, agg: mean, expr: "CASE WHEN seg = 'a' THEN 1.0 ELSE 0.0 END", window: 3h}
            """;

    private static DynamoDbLocal dynamo;

    private FeaturesTestSupport() {
    }

    /** One DynamoDB Local for the test JVM, under its own directory. */
    static synchronized DynamoDbLocal dynamo() {
        if (dynamo == null) {
            try {
                dynamo = DynamoDbLocal.start(Files.createTempDirectory("mlops-ddb-test"));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(dynamo::close));
        }
        return dynamo;
    }

    static TestPlatform platform(Path home, String prefix) throws Exception {
        Path specs = Files.createDirectories(home.resolve("specs"));
        Files.writeString(specs.resolve("ft.yaml"), SPEC);
        for (String model : List.of("trip_risk", "zone_demand")) {
            Files.copy(TestEnvironment.specsDir().resolve(model + ".yaml"), specs.resolve(model + ".yaml"));
        }
        Map<String, String> o = new HashMap<>();
        o.put("specs.dir", specs.toString());
        o.put("dynamodb.endpoint", dynamo().endpoint().toString());
        o.put("dynamodb.table_prefix", prefix);
        return TestEnvironment.platform(home, o);
    }

    static Row ev(String k, LocalDateTime ts, double v, String seg) {
        return RowFactory.create(k, Timestamp.valueOf(ts), v, seg);
    }

    static void write(TestPlatform tp, String dataset, LocalDate date, List<Row> rows) {
        tp.platform().spark().createDataFrame(rows, "ev".equals(dataset) ? EV : LB).coalesce(1).write().mode("overwrite")
                .parquet(tp.platform().lake().partition("validated", dataset, date).toString());
    }

    static TestEnvironment.Output features(TestPlatform tp, String... args) {
        return TestEnvironment.execute(Cli.commandLine(new FeaturesCommand(), c -> tp.platform()), args);
    }
}
