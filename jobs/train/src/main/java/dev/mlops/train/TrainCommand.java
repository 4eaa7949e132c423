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
            "2:bad usage or config (e.g. an unknown hyperparameter)", "100:too few labelled rows to train (the count is in the message), or (--wait-for-shadow) the candidate is still being shadowed"})
public final class TrainCommand extends PlatformCommand {
    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "model spec name, e.g. zone_demand")
    String model;

    @Option(names = "--date", required = true, paramLabel = "YYYY-MM-DD", description = "the data date the model is trained for")
    LocalDate date;

    @Option(names = "--backend", paramLabel = "local|sagemaker", defaultValue = "local",
            description = "where to train: in process (default) or a SageMaker training job (needs sagemaker.role_arn and an s3:// lake)")
    String backend;

    @Option(names = "--tune", arity = "0..1", fallbackValue = "true", paramLabel = "true|false",
            description = "random search over training.tuning.ranges (trial budget: training.tuning.trials); --tune=false: off (default)")
    boolean tune;

    @Option(names = "--window", paramLabel = "DAYS", description = "training window instead of the spec's training.window, e.g. 21d")
    String window;

    @Option(names = "--hyperparameters", paramLabel = "JSON",
            description = "hyperparameter overrides as a JSON object (SageMaker XGBoost names), e.g. '{\"eta\": 0.05}'; --param wins on a clash")
    String hyperparameters;

    @Option(names = "--wait-for-shadow", description = "exit 100 while the candidate is still within its shadow period instead of replacing it "
            + "(the retrain DAG passes it: a drift that asks for a retrain every day must not restart the shadow every day)")
    boolean waitForShadow;

    @Option(names = "--force", arity = "0..1", fallbackValue = "true", paramLabel = "true|false",
            description = "with --wait-for-shadow: train anyway (the candidate is replaced); default false")
    boolean force;

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

    /** The --hyperparameters JSON object, checked like --param. */
    static Map<String, Object> parseJson(String json) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (json == null || json.isBlank()) {
            return out;
        }
        Map<String, Object> m;
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> read = dev.mlops.core.json.Json.read(json, LinkedHashMap.class);
            m = read;
        } catch (RuntimeException e) {
            throw JobException.usage("--hyperparameters: expected a JSON object such as {\"eta\": 0.05}, got '" + json + "'");
        }
        for (var e : m.entrySet()) {
            if (!TrainingSpec.HYPERPARAMETERS.contains(e.getKey())) {
                throw JobException.usage("--hyperparameters " + e.getKey() + ": expected one of SageMaker XGBoost's names " + TrainingSpec.HYPERPARAMETERS);
            }
            Object v = e.getValue();
            if (!(v instanceof Number || v instanceof String)) {
                throw JobException.usage("--hyperparameters " + e.getKey() + ": expected a number or a string, got " + v);
            }
            out.put(e.getKey(), v);
        }
        return out;
    }

    /** The spec with --window applied. */
    static LoadedSpec withWindow(LoadedSpec spec, String window) {
        if (window == null) {
            return spec;
        }
        dev.mlops.core.spec.SpecDuration d;
        try {
            d = dev.mlops.core.spec.SpecDuration.parse(window);
        } catch (RuntimeException e) {
            throw JobException.usage("--window: expected whole days such as 14d, got '" + window + "'");
        }
        if (d.value().toSeconds() % 86_400 != 0 || d.value().toDays() < 1) {
            throw JobException.usage("--window: expected whole days such as 14d, got '" + window + "'");
        }
        if (spec.spec().training() == null) {
            return spec;
        }
        return new LoadedSpec(spec.spec().withTraining(spec.spec().training().withWindow(d)), spec.file(), spec.hash());
    }

    /**
     * Exit 100 while the candidate is still within its shadow period (unless --force): a retrain
     * triggered every day of a drift must not replace it before its gate could pass.
     */
    static void checkCandidate(Platform platform, LoadedSpec spec, LocalDate date) {
        var registry = new dev.mlops.core.registry.Registry(platform.metadata());
        var production = registry.alias(spec.model(), dev.mlops.core.registry.Registry.PRODUCTION);
        var candidate = registry.alias(spec.model(), dev.mlops.core.registry.Registry.CANDIDATE);
        if (production.isEmpty() || candidate.isEmpty() || candidate.equals(production)) {
            return;
        }
        var v = registry.get(spec.model(), candidate.get()).orElseThrow();
        long days = spec.spec().shadow().period().value().toDays();
        LocalDate until = v.dataDate().plusDays(days);
        if (date.isBefore(until) && !date.isBefore(v.dataDate())) {
            throw JobException.nothingToDo("candidate v" + v.version() + " of " + spec.model() + " (trained for " + v.dataDate()
                    + ") is in its shadow period until " + until + " (shadow.period " + spec.spec().shadow().period().text()
                    + "): not replacing it; --force trains a new one anyway");
        }
    }

    @Override
    protected int run(Platform platform) {
        LoadedSpec spec = withWindow(platform.specs().load(model), window);
        if (waitForShadow && !force) {
            checkCandidate(platform, spec, date);
        }
        TrainJob.Backend b = switch (backend) {
            case "local" -> TrainJob.Backend.LOCAL;
            case "sagemaker" -> TrainJob.Backend.SAGEMAKER;
            default -> throw JobException.usage("--backend: expected local or sagemaker, got '" + backend + "'");
        };
        var config = platform.config();
        TrainJob.SageMakerOptions sm = new TrainJob.SageMakerOptions(clients != null ? clients : () -> SageMakerTrainer.client(
                config.sagemakerEndpoint(), config.awsRegion().orElse("us-east-1"), config.env() == dev.mlops.core.config.Environment.LOCAL),
                firstPoll, maxPoll);
        Map<String, Object> overrides = parseJson(hyperparameters);
        overrides.putAll(parse(params));
        TrainJob job = new TrainJob(platform, spec, date, overrides, tune, err(), beforeStep, b, sm);
        Map<String, String> extra = new LinkedHashMap<>();
        if (!params.isEmpty()) {
            extra.put("params", String.join(",", params));
        }
        if (!overrides.isEmpty()) {
            extra.put("hyperparameters", dev.mlops.core.json.Json.write(overrides));
        }
        if (window != null) {
            extra.put("window", window);
        }
        extra.put("tune", Boolean.toString(tune));
        extra.put("backend", backend);
        return RunSupport.execute(platform, new RunIdentity(TrainJob.NAME, model, date), job, extra, out(), err()).exitCode();
    }
}
