package dev.mlops.features;

import dev.mlops.core.JobException;
import dev.mlops.core.Platform;
import dev.mlops.core.batch.RunIdentity;
import dev.mlops.core.batch.RunSupport;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.DateRangeOptions;
import dev.mlops.core.cli.PlatformCommand;
import dev.mlops.core.result.JobResult;
import dev.mlops.core.spec.LoadedSpec;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mlops features}: the offline and online feature store. */
@Command(name = "features", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        subcommands = {FeaturesGetCommand.class, TrainingSetCommand.class},
        description = {
            "Compute a model's feature groups for a data date (or a backfill range) from the validated rows",
            "(validated/<dataset>/dt=<date>/, plus the history its longest window needs) into the offline store",
            "features/<group>/dt=<date>/ (one partition per date, replaced atomically, with a manifest), then",
            "materialize the latest row per entity into the online store (DynamoDB; locally DynamoDB Local under",
            "$MLOPS_HOME/dynamodb). An online value is never replaced by an older one, so a backfill of last month",
            "leaves today's values alone. A range runs in chunks of --chunk-days dates (one run each), in bounded memory."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:features written", "1:failed, retryable (a re-run recomputes and replaces)",
            "2:bad usage or config (e.g. a feature expression that does not parse)", "100:no validated input for the date(s)"})
public final class FeaturesCommand extends PlatformCommand {
    @Option(names = "--model", paramLabel = "MODEL", description = "model spec name, e.g. zone_demand")
    String model;

    @ArgGroup(exclusive = false, multiplicity = "0..1")
    DateRangeOptions dates;

    @Option(names = "--group", paramLabel = "NAME", description = "only this feature group (default: all of the model's groups)")
    String group;

    @Option(names = "--chunk-days", paramLabel = "N", defaultValue = "7",
            description = "dates per run when backfilling a range (default: ${DEFAULT-VALUE}); memory grows with it")
    int chunkDays;

    @Option(names = "--online", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "materialize the latest rows to the online store (default: on; --no-online: offline only)")
    boolean online;

    @Option(names = "--now", paramLabel = "INSTANT",
            description = "judge online TTLs at this instant instead of the clock, e.g. 2024-03-08T00:00:00Z (replays, demos)")
    Instant now;

    @Option(names = "--write-concurrency", paramLabel = "N", defaultValue = "4",
            description = "online-store requests in flight (default: ${DEFAULT-VALUE})")
    int concurrency;

    private Consumer<String> beforeStep = s -> { };
    private java.util.function.Function<Platform, OnlineStore> onlineStores = OnlineStores::open;

    /** Test hook: called with each step name before the step runs. */
    public void beforeStep(Consumer<String> hook) {
        this.beforeStep = hook;
    }

    /** Test hook: how the online store is opened. */
    public void onlineStores(java.util.function.Function<Platform, OnlineStore> factory) {
        this.onlineStores = factory;
    }

    @Override
    protected int run(Platform platform) {
        if (model == null) {
            throw JobException.usage("missing required option --model (or a subcommand: get, training-set)");
        }
        if (dates == null) {
            throw JobException.usage("missing --date YYYY-MM-DD or --from YYYY-MM-DD --to YYYY-MM-DD");
        }
        if (chunkDays < 1 || chunkDays > 366) {
            throw JobException.usage("--chunk-days: expected 1..366, got " + chunkDays);
        }
        if (concurrency < 1 || concurrency > 64) {
            throw JobException.usage("--write-concurrency: expected 1..64, got " + concurrency);
        }
        LoadedSpec spec = platform.specs().load(model);
        if (spec.spec().features().isEmpty()) {
            throw JobException.usage("model '" + model + "' declares no feature groups (features: in " + spec.file() + ")");
        }
        List<String> groups = group == null ? List.copyOf(spec.spec().features().keySet()) : List.of(group);
        spec.spec().featureGroup(groups.get(0));
        List<LocalDate> all = dates.dates();
        List<List<LocalDate>> chunks = new ArrayList<>();
        for (int i = 0; i < all.size(); i += chunkDays) {
            chunks.add(all.subList(i, Math.min(all.size(), i + chunkDays)));
        }
        Map<LocalDate, List<LocalDate>> byLast = new HashMap<>();
        chunks.forEach(c -> byLast.put(c.get(c.size() - 1), c));
        OnlineStore[] store = new OnlineStore[1];
        FeaturesJob.Options options = new FeaturesJob.Options(online ? () -> {
            if (store[0] == null) {
                store[0] = onlineStores.apply(platform);
            }
            return store[0];
        } : null, now, concurrency, err(), beforeStep);
        int[] done = {0};
        try {
            return runChunks(platform, spec, groups, chunks, byLast, options, done);
        } finally {
            if (store[0] != null) {
                store[0].close();
            }
        }
    }

    private int runChunks(Platform platform, LoadedSpec spec, List<String> groups, List<List<LocalDate>> chunks,
                          Map<LocalDate, List<LocalDate>> byLast, FeaturesJob.Options options, int[] done) {
        return RunSupport.executeDates(chunks.stream().map(c -> c.get(c.size() - 1)).toList(), dates.isRange(),
                RunSupport.RangePolicy.STOP_ON_FAILURE, last -> {
                    List<LocalDate> chunk = byLast.get(last);
                    if (chunks.size() > 1) {
                        err().printf("features %s: chunk %d/%d (%s..%s)%n", model, ++done[0], chunks.size(), chunk.get(0), last);
                        err().flush();
                    }
                    FeaturesJob job = new FeaturesJob(platform, spec, chunk, groups, options);
                    JobResult r = RunSupport.execute(platform, new RunIdentity(FeaturesJob.NAME, model, last), job, Map.of(), out(), err());
                    return r;
                }, err());
    }
}
