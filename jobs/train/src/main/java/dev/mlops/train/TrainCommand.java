package dev.mlops.train;

import dev.mlops.core.JobException;
import dev.mlops.core.Platform;
import dev.mlops.core.batch.RunIdentity;
import dev.mlops.core.batch.RunSupport;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformCommand;
import dev.mlops.core.spec.LoadedSpec;
import dev.mlops.core.spec.TrainingSpec;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mlops train}: a new model version from the point-in-time training set. */
@Command(name = "train", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = {
            "Train a model version for a data date: the point-in-time training set of the spec's window whose labels",
            "have arrived by the date (window ending the label delay before it), split by time into train /",
            "validation / test; XGBoost in process with the spec's hyperparameters (SageMaker's names), early stopping",
            "on the validation split, random search over the spec's ranges with --tune; test metrics overall, per",
            "slice and for the naive baseline; artifacts in models/<model>/<version>/ (model.tar.gz as SageMaker's",
            "XGBoost container reads it, metrics.json, profile.json, model card); a registry version. The first version",
            "meeting the deploy thresholds goes to production by itself, any other waits as candidate."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:a version was registered", "1:failed, retryable (a retry resumes at the failed step)",
            "2:bad usage or config (e.g. an unknown hyperparameter)", "100:too few labelled rows to train (the count is in the message)"})
public final class TrainCommand extends PlatformCommand {
    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "model spec name, e.g. zone_demand")
    String model;

    @Option(names = "--date", required = true, paramLabel = "YYYY-MM-DD", description = "the data date the model is trained for")
    LocalDate date;

    @Option(names = "--backend", paramLabel = "local|sagemaker", defaultValue = "local",
            description = "where to train: in process (default) or a SageMaker training job (needs sagemaker.role_arn and an s3:// lake)")
    String backend;

    @Option(names = "--tune", description = "random search over training.tuning.ranges (trial budget: training.tuning.trials)")
    boolean tune;

    @Option(names = "--param", paramLabel = "NAME=VALUE", description = "override a hyperparameter (SageMaker XGBoost names, e.g. eta=0.05)")
    List<String> params = List.of();

    private Consumer<String> beforeStep = s -> { };
    private java.time.Duration firstPoll = java.time.Duration.ofSeconds(5);
    private java.time.Duration maxPoll = java.time.Duration.ofSeconds(60);

    private java.util.function.Supplier<software.amazon.awssdk.services.sagemaker.SageMakerClient> clients;

    /** Test hook: the SageMaker clients the backend uses. */
    public void sageMakerClients(java.util.function.Supplier<software.amazon.awssdk.services.sagemaker.SageMakerClient> clients) {
        this.clients = clients;
    }

    /** Test hook: how often the SageMaker backend polls. */
    public void polling(java.time.Duration first, java.time.Duration max) {
        this.firstPoll = first;
        this.maxPoll = max;
    }

    /** Test hook: called with each step name before the step runs. */
    public void beforeStep(Consumer<String> hook) {
        this.beforeStep = hook;
    }

    static Map<String, Object> parse(List<String> params) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String p : params) {
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw JobException.usage("--param: expected NAME=VALUE, got '" + p + "'");
            }
            String k = p.substring(0, eq);
            String v = p.substring(eq + 1);
            if (!TrainingSpec.HYPERPARAMETERS.contains(k)) {
                throw JobException.usage("--param " + k + ": expected one of SageMaker XGBoost's names " + TrainingSpec.HYPERPARAMETERS);
            }
            Object value = v;
            try {
                value = v.matches("-?\\d+") ? Integer.valueOf(v) : Double.valueOf(v);
            } catch (NumberFormatException e) {
                // a string parameter (objective, eval_metric, tree_method)
            }
            out.put(k, value);
        }
        return out;
    }

    @Override
    protected int run(Platform platform) {
        LoadedSpec spec = platform.specs().load(model);
        TrainJob.Backend b = switch (backend) {
            case "local" -> TrainJob.Backend.LOCAL;
            case "sagemaker" -> TrainJob.Backend.SAGEMAKER;
            default -> throw JobException.usage("--backend: expected local or sagemaker, got '" + backend + "'");
        };
        var config = platform.config();
        TrainJob.SageMakerOptions sm = new TrainJob.SageMakerOptions(clients != null ? clients : () -> SageMakerTrainer.client(
                config.sagemakerEndpoint(), config.awsRegion().orElse("us-east-1"), config.env() == dev.mlops.core.config.Environment.LOCAL),
                firstPoll, maxPoll);
        TrainJob job = new TrainJob(platform, spec, date, parse(params), tune, err(), beforeStep, b, sm);
        Map<String, String> extra = new LinkedHashMap<>();
        if (!params.isEmpty()) {
            extra.put("params", String.join(",", params));
        }
        extra.put("tune", Boolean.toString(tune));
        extra.put("backend", backend);
        return RunSupport.execute(platform, new RunIdentity(TrainJob.NAME, model, date), job, extra, out(), err()).exitCode();
    }
}
