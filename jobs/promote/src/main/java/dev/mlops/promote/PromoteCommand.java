package dev.mlops.promote;

import dev.mlops.core.Platform;
import dev.mlops.core.batch.RunIdentity;
import dev.mlops.core.batch.RunSupport;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformCommand;
import dev.mlops.train.SageMakerTrainer;
import java.time.LocalDate;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;

/** {@code mlops promote}: the candidate against production with every gate, and the switch when all pass. */
@Command(name = "promote", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = {
            "Evaluate the candidate (or --model-version) against production with every gate the spec declares, all of them",
            "reported: its own deploy thresholds; beating production on its test split by promotion.margin on the",
            "primary metric, in at least promotion.confidence of the paired bootstrap resamples; no slice worse by more",
            "than promotion.slice_tolerance; the shadow gate passed against this production version; a human approval",
            "where promotion.require_approval. All pass: production moves to the candidate (the old one becomes",
            "previous), and a SageMaker model package follows. Every decision goes to the audit ledger."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:promoted", "1:failed, retryable", "2:bad usage (unknown or rejected version, --approve-as without --reason)",
            "100:not promoted: every failed gate with its value and threshold in the message; or no candidate"})
public final class PromoteCommand extends PlatformCommand {
    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "model spec name, e.g. zone_demand")
    String model;

    @Option(names = "--date", required = true, paramLabel = "YYYY-MM-DD", description = "the data date of the decision (the run's identity)")
    LocalDate date;

    // --version prints the code version, as in every job image (its health check)
    @Option(names = "--model-version", paramLabel = "V", description = "the model version to promote (default: the candidate)")
    Integer version;

    @Option(names = "--approve-as", paramLabel = "NAME", description = "record a human approval of the version first (needs --reason)")
    String approver;

    @Option(names = "--reason", paramLabel = "TEXT", description = "why it is approved (with --approve-as)")
    String reason;

    private Supplier<SageMakerClient> clients;
    private java.time.Duration firstPoll = java.time.Duration.ofSeconds(15);
    private java.time.Duration maxPoll = java.time.Duration.ofSeconds(60);

    /** Test hook: how often the endpoint deployment is polled. */
    public void polling(java.time.Duration first, java.time.Duration max) {
        this.firstPoll = first;
        this.maxPoll = max;
    }

    /** Test hook: the SageMaker clients the model-package sync uses. */
    public void sageMakerClients(Supplier<SageMakerClient> clients) {
        this.clients = clients;
    }

    @Override
    protected int run(Platform platform) {
        var config = platform.config();
        SageMakerSync sync = new SageMakerSync(clients != null ? clients : () -> SageMakerTrainer.client(config.sagemakerEndpoint(),
                config.awsRegion().orElse("us-east-1"), config.env() == dev.mlops.core.config.Environment.LOCAL));
        var spec = platform.specs().load(model);
        EndpointDeployer deployer = null;
        if (spec.spec().promotion().endpoint() != null && config.sagemakerRoleArn().isPresent()) {
            SageMakerTrainer.s3(platform.lake().root());
            deployer = new EndpointDeployer(sync.clients(), config.sagemakerRoleArn().get(), config.awsRegion().orElse("us-east-1"),
                    dev.mlops.train.SageMakerTrainer.Protection.of(config), firstPoll, maxPoll, err());
        }
        PromoteJob job = new PromoteJob(platform, spec, date, version, approver, reason, err(), sync, deployer);
        return RunSupport.execute(platform, new RunIdentity(PromoteJob.NAME, model, date), job, Map.of(), out(), err()).exitCode();
    }
}
