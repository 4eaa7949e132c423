package dev.mlops.features;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import dev.mlops.core.JobException;
import dev.mlops.core.Platform;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformCommand;
import dev.mlops.core.json.Json;
import dev.mlops.core.lake.Lake;
import dev.mlops.core.spec.LoadedSpec;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mlops features training-set}: a point-in-time correct training set as Parquet. */
@Command(name = "training-set", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = {"Build the model's training set for label events in a date range: each event (entity, time) gets",
            "the latest value of every feature group stamped at or before it and within the group's TTL (null when",
            "none; never a later value). Written as Parquet to training_sets/<model>/<from>_<to>/ (or --out),",
            "replaced atomically. Labels that have not arrived yet count as negatives/zero: keep --to at least the",
            "label delay behind the newest data (the train job does)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:written", "1:failed, retryable", "2:bad usage or config", "100:no label events or no features in the range"})
public final class TrainingSetCommand extends PlatformCommand {
    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "model spec name")
    String model;

    @Option(names = "--from", required = true, paramLabel = "YYYY-MM-DD", description = "first data date of the label events")
    LocalDate from;

    @Option(names = "--to", required = true, paramLabel = "YYYY-MM-DD", description = "last data date of the label events")
    LocalDate to;

    @Option(names = "--out", paramLabel = "URI", description = "where to write (default: <lake>/training_sets/<model>/<from>_<to>)")
    String out;

    @Override
    protected int run(Platform platform) {
        if (to.isBefore(from)) {
            throw JobException.usage("--to " + to + " is before --from " + from);
        }
        LoadedSpec spec = platform.specs().load(model);
        TrainingSets.Built built = new TrainingSets(platform.spark(), platform.lake()).build(spec.spec(), from, to);
        Lake lake = platform.lake();
        Path target = out != null ? new Path(out) : lake.path("training_sets", model, from + "_" + to);
        Path staged = new Path(target.getParent(), "_staging_" + target.getName());
        lake.delete(staged);
        built.rows().write().mode("overwrite").parquet(staged.toString());
        lake.publish(staged, target);
        String label = spec.spec().label().name();
        Row stats = platform.spark().read().parquet(target.toString())
                .agg(count(lit(1)), avg(col(label).cast("double"))).first();
        long rows = stats.getLong(0);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("model", model);
        result.put("from", from.toString());
        result.put("to", to.toString());
        result.put("rows", rows);
        result.put("label_mean", stats.isNullAt(1) ? null : stats.getDouble(1));
        result.put("features", built.features());
        result.put("missing_feature_partitions", built.missingFeaturePartitions().stream().map(LocalDate::toString).toList());
        result.put("output", target.toString());
        lake.writeText(new Path(target, "_training_set.json"), Json.writePretty(result));
        out().printf(Locale.ROOT, "training-set %s %s..%s: %d rows, %d features, mean %s %s -> %s%n", model, from, to, rows,
                built.features().size(), label, stats.isNullAt(1) ? "n/a" : String.format(Locale.ROOT, "%.4f", stats.getDouble(1)), target);
        if (!built.missingFeaturePartitions().isEmpty()) {
            err().println("warning: no feature partition for " + built.missingFeaturePartitions()
                    + "; events on those dates get the latest earlier values within the TTL, or nulls");
        }
        return 0;
    }
}
