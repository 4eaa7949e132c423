package dev.mlops.cli;

import dev.mlops.core.JobException;
import dev.mlops.core.Platform;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformCommand;
import dev.mlops.core.config.JdbcTarget;
import dev.mlops.core.db.Databases;
import dev.mlops.datagen.BadDay;
import dev.mlops.datagen.DataGenerator;
import dev.mlops.datagen.Drift;
import dev.mlops.datagen.GenerationReport;
import dev.mlops.datagen.GeneratorOptions;
import dev.mlops.datagen.ModelKind;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mlops generate}: seeded synthetic upstream data for the bundled models. */
@Command(name = "generate", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = {
            "Write deterministic synthetic data like the upstream systems would: daily landing files",
            "(CSV and JSON lines, some gzipped) under the landing area, and the reference tables",
            "(zones, vehicles, drivers) in the operational database (locally: the embedded 'ops' database).",
            "The same seed and options always give the same bytes; re-generating a date replaces it."})
public final class GenerateCommand extends PlatformCommand {
    @Option(names = "--from", required = true, paramLabel = "YYYY-MM-DD", description = "first date to generate")
    LocalDate from;

    @Option(names = "--to", required = true, paramLabel = "YYYY-MM-DD", description = "last date to generate (inclusive)")
    LocalDate to;

    @Option(names = "--model", paramLabel = "MODEL", description = "zone_demand or trip_risk (repeatable; default: both)")
    List<String> models = new ArrayList<>();

    @Option(names = "--seed", defaultValue = "42", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--scale", defaultValue = "1.0", description = "size multiplier: zones, drivers, vehicles and rows (default: ${DEFAULT-VALUE})")
    double scale;

    @Option(names = "--drift", paramLabel = "KIND@DATE", description = "a drift from a date: demand_shift@2024-03-01 or speed_mph@2024-03-01 (repeatable)")
    List<String> drifts = new ArrayList<>();

    @Option(names = "--bad-day", paramLabel = "DATE:KIND", description = "a bad-data day: 2024-03-05:malformed, :missing_column, :type_change, :out_of_range (~10% impossible values) or :few_out_of_range (0.5%) (repeatable)")
    List<String> badDays = new ArrayList<>();

    @Option(names = "--no-db", description = "do not write the reference tables")
    boolean noDb;

    @Override
    protected int run(Platform platform) {
        GeneratorOptions options;
        try {
            Set<ModelKind> kinds = models.isEmpty() ? EnumSet.allOf(ModelKind.class) : EnumSet.noneOf(ModelKind.class);
            models.forEach(m -> kinds.add(ModelKind.fromName(m)));
            options = new GeneratorOptions(from, to, kinds, seed, scale,
                    drifts.stream().map(Drift::parse).toList(), badDays.stream().map(BadDay::parse).toList());
        } catch (IllegalArgumentException e) {
            throw JobException.usage(e.getMessage());
        }
        var landing = platform.config().landingUri();
        if (!"file".equals(landing.getScheme())) {
            throw JobException.usage("landing.uri is " + landing + ": generate writes local files, expected a file:// landing area");
        }
        Path landingRoot = Paths.get(landing);
        DataGenerator generator = new DataGenerator(options);
        try {
            GenerationReport files = generator.writeLanding(landingRoot);
            out().printf("generate: %d files under %s: %s%n", files.files().size(), landingRoot, files.rowsByDataset());
            if (!noDb) {
                JdbcTarget ops = platform.connection("ops");
                try (var ds = Databases.pool(ops, "ops", 2)) {
                    GenerationReport tables = generator.writeReferenceTables(ds);
                    out().printf("generate: reference tables in %s: %s%n", ops.url(), tables.rowsByDataset());
                }
            }
        } catch (IOException e) {
            throw JobException.retryable("cannot write landing files under " + landingRoot + ": " + e.getMessage(), e);
        } catch (SQLException e) {
            throw JobException.retryable("cannot write reference tables: " + e.getMessage(), e);
        }
        return 0;
    }
}
