package dev.mlops.cli;

import dev.mlops.core.audit.AuditCommand;
import dev.mlops.core.cli.Cli;
import dev.mlops.features.FeaturesCommand;
import dev.mlops.train.RegistryCommand;
import dev.mlops.train.TrainCommand;
import dev.mlops.transform.TransformCommand;
import dev.mlops.shadow.ShadowCommand;
import dev.mlops.quality.QualityCommand;
import dev.mlops.promote.PromoteCommand;
import dev.mlops.promote.RollbackCommand;
import dev.mlops.ingest.IngestCommand;
import dev.mlops.validate.ValidateCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Root command: one subcommand per lifecycle job, plus tools. */
@Command(name = "mlops", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = {"An MLOps batch platform: every step of a tabular model's life as a restartable, observable batch job.",
            "Runs locally on embedded defaults (state under $MLOPS_HOME, default ./.mlops) or against AWS (--env aws)."},
        subcommands = {GenerateCommand.class, IngestCommand.class, ValidateCommand.class, FeaturesCommand.class, TrainCommand.class, RegistryCommand.class, TransformCommand.class, ShadowCommand.class, QualityCommand.class, PromoteCommand.class, RollbackCommand.class, dev.mlops.cli.pipeline.PipelineCommand.class, RunsCommand.class, ReportCommand.class, AuditCommand.class, SpecCommand.class, ConfigCommand.class},
        commandListHeading = "%nCommands:%n",
        footerHeading = "%nExit codes (every job):%n",
        footer = {"  0 done; 1 failed, retryable; 2 bad usage or config; 3 data contract or quality violation;",
            "  100 nothing to do or gate not passed (Airflow: skipped). See docs/exit-codes.md."})
public final class MlopsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: expected one of " + spec.subcommands().keySet());
    }
}
