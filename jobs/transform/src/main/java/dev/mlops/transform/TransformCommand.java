package dev.mlops.transform;

import dev.mlops.core.JobException;
import dev.mlops.core.Platform;
import dev.mlops.core.batch.RunIdentity;
import dev.mlops.core.batch.RunSupport;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformCommand;
import dev.mlops.core.spec.LoadedSpec;
import dev.mlops.train.SageMakerTrainer;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;

/** {@code mlops transform}: batch scoring of a date with the production and candidate versions. */
@Command(name = "transform", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = {
            "Score a data date: the date's events (every bucket of the date per entity for count labels, the events",
            "dataset's rows for per-event labels) with the features attached point-in-time from the offline store, as",
            "in training, scored by the model version behind each alias: production, and the candidate when one exists",
            "(its predictions are stored for shadow, never served). Writes predictions/<model>/dt=<date>/model_version=<v>/",
            "(prediction_id, entity keys, event_ts, score, class at the threshold, slice values); a re-run replaces it.",
            "Local backend: XGBoost4J in Spark, in batches per partition. SageMaker backend: CreateModel and a batch",
            "transform job over the scoring set exported to S3."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:scored", "1:failed, retryable (a retry resumes at the version that failed)",
            "2:bad usage or config", "3:a version needs a feature the scoring set does not have (named in the message)",
            "100:nothing to score: no version behind the alias, or no features / events for the date"})
public final class TransformCommand extends PlatformCommand {
    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "model spec name, e.g. zone_demand")
    String model;

    @Option(names = "--date", required = true, paramLabel = "YYYY-MM-DD", description = "the data date to score")
    LocalDate date;

    @Option(names = "--alias", paramLabel = "production|candidate|all", defaultValue = "all",
            description = "the versions to score with (default all: production, and the candidate when one exists)")
    String alias;

    @Option(names = "--backend", paramLabel = "local|sagemaker", defaultValue = "local",
            description = "where to score: in Spark (default) or a SageMaker batch transform job (needs sagemaker.role_arn and an s3:// lake)")
    String backend;

    @Option(names = "--batch-size", paramLabel = "ROWS", defaultValue = "8192",
            description = "rows per XGBoost prediction call in the local backend (bounds memory per task; default ${DEFAULT-VALUE})")
    int batchSize;

    private Consumer<String> beforeStep = s -> { };
    private Duration firstPoll = Duration.ofSeconds(5);
    private Duration maxPoll = Duration.ofSeconds(60);
    private Supplier<SageMakerClient> clients;

    /** Test hook: the SageMaker clients the backend uses. */
    public void sageMakerClients(Supplier<SageMakerClient> clients) {
        this.clients = clients;
    }

    /** Test hook: how often the SageMaker backend polls. */
    public void polling(Duration first, Duration max) {
        this.firstPoll = first;
        this.maxPoll = max;
    }

    /** Test hook: called with each step name before the step runs. */
    public void beforeStep(Consumer<String> hook) {
        this.beforeStep = hook;
    }

    @Override
    protected int run(Platform platform) {
        LoadedSpec spec = platform.specs().load(model);
        TransformJob.Aliases aliases = switch (alias) {
            case "production" -> TransformJob.Aliases.PRODUCTION;
            case "candidate" -> TransformJob.Aliases.CANDIDATE;
            case "all" -> TransformJob.Aliases.ALL;
            default -> throw JobException.usage("--alias: expected production, candidate or all, got '" + alias + "'");
        };
        TransformJob.Backend b = switch (backend) {
            case "local" -> TransformJob.Backend.LOCAL;
            case "sagemaker" -> TransformJob.Backend.SAGEMAKER;
            default -> throw JobException.usage("--backend: expected local or sagemaker, got '" + backend + "'");
        };
        var config = platform.config();
        SageMakerTransformer.Options sm = new SageMakerTransformer.Options(clients != null ? clients : () -> SageMakerTrainer.client(
                config.sagemakerEndpoint(), config.awsRegion().orElse("us-east-1"), config.env() == dev.mlops.core.config.Environment.LOCAL),
                firstPoll, maxPoll);
        TransformJob job = new TransformJob(platform, spec, date, aliases, b, batchSize, err(), beforeStep, sm);
        return RunSupport.execute(platform, new RunIdentity(TransformJob.NAME, model, date), job,
                Map.of("backend", backend.toLowerCase(Locale.ROOT)), out(), err()).exitCode();
    }
}
