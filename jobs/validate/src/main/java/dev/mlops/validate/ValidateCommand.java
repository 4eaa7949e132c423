package dev.mlops.validate;

import dev.mlops.core.JobException;
import dev.mlops.core.Platform;
import dev.mlops.core.batch.RunIdentity;
import dev.mlops.core.batch.RunSupport;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.DateRangeOptions;
import dev.mlops.core.cli.PlatformCommand;
import dev.mlops.core.spec.LoadedSpec;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mlops validate}: the data contract gate after ingest. */
@Command(name = "validate", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        subcommands = SuggestCommand.class,
        description = {
            "Check a model's raw partitions for a data date (or a range) against the checks its spec declares,",
            "as one Deequ verification per dataset: completeness, uniqueness, min/max, allowed values, patterns,",
            "size, SQL predicates, mean/stddev/quantiles, freshness, and anomaly checks over the metric history.",
            "Writes dq_results/dt=<date>/dataset=<name>/, quarantines rows that break row-level checks",
            "(quarantine/<dataset>/dt=<date>/stage=validate/) and publishes the passing rows to",
            "validated/<dataset>/dt=<date>/, which downstream jobs read. Any failed error-level check: exit 3."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:all error-level checks passed (warnings are in the summary)", "1:failed, retryable",
            "2:bad usage or config", "3:an error-level check failed (each failure with observed value and bound)",
            "100:no raw partition to validate for the date"})
public final class ValidateCommand extends PlatformCommand {
    @Option(names = "--model", paramLabel = "MODEL", description = "model spec name, e.g. trip_risk")
    String model;

    @ArgGroup(exclusive = false, multiplicity = "0..1")
    DateRangeOptions dates;

    @Option(names = "--dataset", paramLabel = "NAME", description = "validate only this dataset (default: all of the model's datasets)")
    String dataset;

    private Consumer<String> beforeStep = s -> { };

    /** Test hook: called with each step name before the step runs. */
    public void beforeStep(Consumer<String> hook) {
        this.beforeStep = hook;
    }

    @Override
    protected int run(Platform platform) {
        if (model == null) {
            throw JobException.usage("missing required option --model (or a subcommand: suggest)");
        }
        if (dates == null) {
            throw JobException.usage("missing --date YYYY-MM-DD or --from YYYY-MM-DD --to YYYY-MM-DD");
        }
        LoadedSpec spec = platform.specs().load(model);
        List<String> datasets = spec.spec().datasetNames(dataset);
        // a bad day stops that day only: later dates of a range are still validated
        return RunSupport.executeDates(dates.dates(), dates.isRange(), RunSupport.RangePolicy.CONTINUE_AFTER_CONTRACT_VIOLATION,
                date -> RunSupport.execute(platform, new RunIdentity(ValidateJob.NAME, model, date),
                        new ValidateJob(platform, spec, date, datasets, beforeStep), Map.of(), out(), err()), err());
    }
}
