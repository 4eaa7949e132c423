package dev.mlops.ingest;

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
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mlops ingest}: landing files and JDBC tables of a model's datasets to raw Parquet. */
@Command(name = "ingest", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = {
            "Ingest a model's datasets for a data date (or a range): landing files (CSV, JSON lines, gzip) and",
            "JDBC tables to raw/<dataset>/dt=<date>/ Parquet with the spec's schema; malformed rows go to",
            "quarantine/<dataset>/dt=<date>/ with their reasons. Publish is atomic per partition; a re-run",
            "replaces the date, a retry after a failure resumes at the failed step."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done", "1:failed, retryable (I/O, another run of the same date in progress)",
            "2:bad usage or config", "3:data contract violation (missing required column or input, type change, too many malformed rows)",
            "100:no input for any dataset on the date (no landing files, no new rows in the tables)"})
public final class IngestCommand extends PlatformCommand {
    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "model spec name, e.g. zone_demand")
    String model;

    @Mixin
    DateRangeOptions dates = new DateRangeOptions();

    @Option(names = "--dataset", paramLabel = "NAME", description = "ingest only this dataset (default: all of the model's datasets)")
    String dataset;

    private Consumer<String> beforeStep = s -> { };

    /** Test hook: called with each step name before the step runs. */
    public void beforeStep(Consumer<String> hook) {
        this.beforeStep = hook;
    }

    @Override
    protected int run(Platform platform) {
        LoadedSpec spec = platform.specs().load(model);
        List<String> datasets = spec.spec().datasetNames(dataset);
        // a range where some dates had no input is done; only "nothing at all" is nothing to do
        return RunSupport.executeDates(dates.dates(), dates.isRange(), RunSupport.RangePolicy.STOP_ON_FAILURE,
                date -> RunSupport.execute(platform, new RunIdentity(IngestJob.NAME, model, date),
                        new IngestJob(platform, spec, date, datasets, beforeStep), Map.of(), out(), err()), err());
    }
}
