package dev.mlops.quality;

import dev.mlops.core.Platform;
import dev.mlops.core.batch.RunIdentity;
import dev.mlops.core.batch.RunSupport;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformCommand;
import java.time.LocalDate;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mlops quality}: the production version's model quality, data and attribution drift, and the retrain decision. */
@Command(name = "quality", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = {
            "Judge the production version of a model on run date D.",
            "Model quality: its predictions of the recent dates whose labels are due by D",
            "(date + label delay <= D; the last quality.window of them) joined with the",
            "labels that have arrived: label coverage and the training metrics, overall,",
            "per slice and the bias slices' gaps. Each date's quality_metrics/ partition is",
            "replaced: a later run with more labels recomputes it.",
            "Drift: each feature of D's scoring set against the version's reference profile",
            "(PSI, KS, Jensen-Shannon, null share), the same for D's predictions, and the",
            "mean |SHAP| ranking against training's (nDCG), to drift_metrics/.",
            "Then the retrain decision (drifted-feature share, metric limits over",
            "consecutive days, new labels, attribution drift) to decisions/ and the audit",
            "ledger. See docs/quality.md."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:judged: retrain true or false in the result's decisions", "1:failed, retryable", "2:bad usage or config",
            "3:the version's features are missing from the date's scoring set",
            "100:nothing to judge: no production version, or neither model quality (too few labelled predictions on the latest"
                + " due date, with the count) nor drift (no scoring set or no reference profile) could be judged"})
public final class QualityCommand extends PlatformCommand {
    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "model spec name, e.g. zone_demand")
    String model;

    @Option(names = "--date", required = true, paramLabel = "YYYY-MM-DD", description = "the run date: drift of its data, labels due by it")
    LocalDate date;

    @Override
    protected int run(Platform platform) {
        QualityJob job = new QualityJob(platform, platform.specs().load(model), date, err());
        return RunSupport.execute(platform, new RunIdentity(QualityJob.NAME, model, date), job, Map.of(), out(), err()).exitCode();
    }
}
