package dev.mlops.promote;

import dev.mlops.core.JobException;
import dev.mlops.core.registry.Registry;
import dev.mlops.core.spec.PromotionSpec;
import dev.mlops.core.spec.TrainingSpec;
import dev.mlops.train.SageMakerTrainer;
import dev.mlops.transform.SageMakerTransformer;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sagemaker.model.CapacitySizeType;
import software.amazon.awssdk.services.sagemaker.model.DescribeEndpointResponse;
import software.amazon.awssdk.services.sagemaker.model.EndpointStatus;
import software.amazon.awssdk.services.sagemaker.model.SageMakerException;
import software.amazon.awssdk.services.sagemaker.model.Tag;
import software.amazon.awssdk.services.sagemaker.model.TrafficRoutingConfigType;

/**
 * Switches a real-time endpoint to a version: the version's SageMaker model (shared with batch
 * transform), an endpoint config {@code <endpoint>-v<version>} with one variant, and
 * {@code UpdateEndpoint} with a blue/green deployment: canary traffic shifting
 * ({@code canary_percent} of the capacity, {@code canary_wait} before the rest), auto-rollback on
 * the spec's CloudWatch alarms. Waits until the endpoint is back in service and reports whether it
 * serves the new config or was rolled back (and why).
 */
public final class EndpointDeployer {
    /** How the update ended: deployed, or rolled back with SageMaker's reason. */
    public record Outcome(boolean deployed, String endpointConfig, String detail) {
    }

    private final Supplier<SageMakerClient> clients;
    private final String role;
    private final String region;
    private final SageMakerTrainer.Protection protection;
    private final Duration firstPoll;
    private final Duration maxPoll;
    private final PrintWriter progress;

    public EndpointDeployer(Supplier<SageMakerClient> clients, String role, String region, SageMakerTrainer.Protection protection,
                            Duration firstPoll, Duration maxPoll, PrintWriter progress) {
        this.clients = clients;
        this.role = role;
        this.region = region;
        this.protection = protection;
        this.firstPoll = firstPoll;
        this.maxPoll = maxPoll;
        this.progress = progress;
    }

    static String configName(String endpoint, int version) {
        String name = endpoint + "-v" + version;
        return name.length() > 63 ? name.substring(name.length() - 63).replaceAll("^-+", "") : name;
    }

    public Outcome deploy(PromotionSpec.Endpoint ep, TrainingSpec.SageMaker sm, Registry.Version v) {
        String model = SageMakerTransformer.modelName(v.model(), v.version());
        String config = configName(ep.name(), v.version());
        List<Tag> tags = List.of(Tag.builder().key("mlops:model").value(v.model()).build(),
                Tag.builder().key("mlops:version").value(Integer.toString(v.version())).build());
        try (SageMakerClient client = clients.get()) {
            SageMakerTransformer.ensureModel(client, model, SageMakerTrainer.image(sm, region), v.artifactUri() + "/model.tar.gz", role, protection, tags);
            DescribeEndpointResponse before = describe(client, ep.name()).orElseThrow(() -> JobException.usage("endpoint " + ep.name()
                    + " does not exist; create it once (Terraform's sagemaker module) before promotions switch it"));
            if (config.equals(before.endpointConfigName()) && before.endpointStatus() == EndpointStatus.IN_SERVICE) {
                return new Outcome(true, config, "endpoint " + ep.name() + " already serves " + config);
            }
            try {
                // the endpoint's ML storage volumes encrypted with the environment's key (any of its four forms), when set
                client.createEndpointConfig(b -> b.endpointConfigName(config).tags(tags).kmsKeyId(protection.kmsKeyId().orElse(null))
                        .productionVariants(pv -> pv.variantName("AllTraffic")
                        .modelName(model).instanceType(ep.instanceType()).initialInstanceCount(ep.instanceCount()).initialVariantWeight(1.0f)));
            } catch (SageMakerException e) {
                if (!String.valueOf(e.getMessage()).contains("already existing")) {
                    throw SageMakerTrainer.error("CreateEndpointConfig " + config, e);
                }
            }
            if (before.endpointStatus() == EndpointStatus.IN_SERVICE) {
                try {
                    client.updateEndpoint(b -> b.endpointName(ep.name()).endpointConfigName(config).deploymentConfig(d -> d
                            .blueGreenUpdatePolicy(g -> g.trafficRoutingConfiguration(t -> t.type(TrafficRoutingConfigType.CANARY)
                                            .canarySize(c -> c.type(CapacitySizeType.CAPACITY_PERCENT).value(ep.canaryPercent()))
                                            .waitIntervalInSeconds((int) ep.canaryWait().value().toSeconds()))
                                    .terminationWaitInSeconds((int) ep.terminationWait().value().toSeconds())
                                    .maximumExecutionTimeoutInSeconds((int) ep.maxExecution().value().toSeconds()))
                            .autoRollbackConfiguration(r -> r.alarms(ep.alarms().stream().map(a -> software.amazon.awssdk.services.sagemaker.model.Alarm
                                    .builder().alarmName(a).build()).toList()))));
                } catch (SageMakerException e) {
                    throw SageMakerTrainer.error("UpdateEndpoint " + ep.name(), e);
                }
                say("promote: UpdateEndpoint %s -> %s (canary %d%%, wait %s, rollback alarms %s)", ep.name(), config, ep.canaryPercent(),
                        ep.canaryWait().text(), ep.alarms());
            } else {
                say("promote: endpoint %s is %s: waiting for that update", ep.name(), before.endpointStatusAsString());
            }
            DescribeEndpointResponse done = SageMakerTrainer.poll("promote", "endpoint " + ep.name(), () -> describe(client, ep.name()),
                    DescribeEndpointResponse::endpointStatusAsString,
                    d -> d.endpointStatus() == EndpointStatus.IN_SERVICE || d.endpointStatus() == EndpointStatus.FAILED, firstPoll, maxPoll, progress);
            if (done.endpointStatus() == EndpointStatus.FAILED) {
                throw JobException.retryable("endpoint " + ep.name() + " failed: " + done.failureReason(), null);
            }
            if (config.equals(done.endpointConfigName())) {
                return new Outcome(true, config, "endpoint " + ep.name() + " serves " + config + " after a " + ep.canaryPercent() + "% canary");
            }
            return new Outcome(false, done.endpointConfigName(), "endpoint " + ep.name() + " rolled back to " + done.endpointConfigName()
                    + (done.failureReason() == null ? "" : ": " + done.failureReason()));
        }
    }

    private static Optional<DescribeEndpointResponse> describe(SageMakerClient client, String name) {
        return SageMakerTrainer.lookUp("DescribeEndpoint " + name, () -> client.describeEndpoint(b -> b.endpointName(name)));
    }

    private void say(String format, Object... args) {
        if (progress != null) {
            progress.println(String.format(java.util.Locale.ROOT, format, args));
            progress.flush();
        }
    }
}
