package dev.mlops.cli;

import dev.mlops.core.Platform;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.config.ConfigLoader;
import dev.mlops.core.config.PlatformConfig;
import dev.mlops.core.logging.Logs;
import dev.mlops.core.spark.SparkSessions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The driver process of {@link ClusterModeIT}: runs ./mlops command lines one after the other, as the CLI would, each
 * with its own platform (config, metadata pool, batch runtime), all on the one SparkSession this process builds from
 * the same config ({@link SparkSessions#create}: the master, spark.driver_host, spark.conf.*), so the executors
 * the cluster started once serve every job (a process per job costs two cold JVMs per job on a small machine).
 * Each run's Spark jobs carry the local property {@code mlops.run} (the run's name), which the event log records.
 *
 * <p>Arguments: the runs file (one run a line: its name, a tab, its arguments separated by tabs), the file to write
 * "name TAB exit code TAB seconds" lines to, then the global options every run gets ({@code --home ... --set ...}).
 */
public final class ClusterDriver {
    public static final String RUN_PROPERTY = "mlops.run";

    private ClusterDriver() {
    }

    public static void main(String[] args) throws IOException {
        Logs.configure();
        Map<String, List<String>> runs = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Paths.get(args[0]))) {
            if (!line.isBlank()) {
                List<String> fields = List.of(line.split("\t"));
                runs.put(fields.get(0), fields.subList(1, fields.size()));
            }
        }
        Path out = Paths.get(args[1]);
        List<String> global = List.of(args).subList(2, args.length);
        PlatformConfig config = config(global);
        SparkSession spark = SparkSessions.create(config, "mlops cluster-mode-it");
        StringBuilder results = new StringBuilder();
        try {
            for (Map.Entry<String, List<String>> run : runs.entrySet()) {
                spark.sparkContext().setLocalProperty(RUN_PROPERTY, run.getKey());
                List<String> line = new ArrayList<>(run.getValue());
                line.addAll(global);
                long t0 = System.nanoTime();
                int code = Cli.run(Cli.commandLine(new MlopsCommand(), c -> Platform.builder(c).spark(spark).build()),
                        line.toArray(String[]::new));
                results.append(run.getKey()).append('\t').append(code).append('\t')
                        .append(String.format("%.1f", (System.nanoTime() - t0) / 1e9)).append('\n');
                Files.writeString(out, results);
            }
        } finally {
            spark.stop();
        }
        System.exit(0);
    }

    /** The config the commands load from the same options (so the session is the one a job's own would be). */
    static PlatformConfig config(List<String> global) {
        Path home = null;
        Map<String, String> set = new LinkedHashMap<>();
        for (int i = 0; i < global.size(); i += 2) {
            String option = global.get(i);
            String value = global.get(i + 1);
            switch (option) {
                case "--home" -> home = Paths.get(value);
                case "--set" -> {
                    int eq = value.indexOf('=');
                    set.put(value.substring(0, eq), value.substring(eq + 1));
                }
                default -> throw new IllegalArgumentException("unexpected option " + option + " in " + Arrays.toString(global.toArray()));
            }
        }
        return ConfigLoader.load(home, null, set);
    }
}
