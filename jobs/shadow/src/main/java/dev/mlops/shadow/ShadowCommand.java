package dev.mlops.shadow;

import dev.mlops.core.Platform;
import dev.mlops.core.batch.RunIdentity;
import dev.mlops.core.batch.RunSupport;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformCommand;
import java.time.LocalDate;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mlops shadow}: production vs candidate on the same batch inputs, and the shadow gate. */
@Command(name = "shadow", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = {
            "Compare the production and candidate predictions of a date's partition (written by mlops transform) on",
            "the same events: agreement (classification: the same class at the threshold; regression: within",
            "shadow.tolerance), Pearson and Spearman correlation, top-k overlap, PSI between the score distributions,",
            "mean and quantile shifts, the same per segment (the training slices), and both models' metrics where the",
            "date's labels are in. Results go to shadow_results/dt=<date>/model=<model>/. Then the gate over the",
            "spec's shadow.period ending at the date: every day shadowed, pooled agreement >= shadow.min_agreement",
            "(default 0.95), no segment below shadow.segment_floor."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the gate passed over the shadow period", "1:failed, retryable", "2:bad usage or config",
            "3:the two versions' predictions share no event (not scored on the same inputs)",
            "100:the gate is not (yet) passed (every reason in the message), or there is no candidate / no predictions"})
public final class ShadowCommand extends PlatformCommand {
    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "model spec name, e.g. zone_demand")
    String model;

    @Option(names = "--date", required = true, paramLabel = "YYYY-MM-DD", description = "the data date whose predictions are compared")
    LocalDate date;

    @Override
    protected int run(Platform platform) {
        ShadowJob job = new ShadowJob(platform, platform.specs().load(model), date, err());
        return RunSupport.execute(platform, new RunIdentity(ShadowJob.NAME, model, date), job, Map.of(), out(), err()).exitCode();
    }
}
