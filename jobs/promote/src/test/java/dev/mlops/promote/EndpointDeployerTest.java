package dev.mlops.promote;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlops.core.registry.Registry;
import dev.mlops.core.spec.PromotionSpec;
import dev.mlops.core.spec.SpecDuration;
import dev.mlops.core.spec.TrainingSpec;
import dev.mlops.core.testing.SageMakerStandIn;
import dev.mlops.train.SageMakerTrainer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The blue/green canary switch of a real-time endpoint against the SageMaker API stand-in: the requests, a deployment, a rollback by alarm. */
class EndpointDeployerTest {
    static Registry.Version version(int v) {
        return new Registry.Version("zz", v, Registry.APPROVED, LocalDate.of(2024, 1, 1), "local", "local:x", "s3://lake/models/zz/" + v, "rmse", 1.0,
                Map.of(), Map.of(), List.of("a"), Map.of(), 1, Instant.now());
    }

    @Test
    void switchesWithACanaryAndReportsARollbackByAlarm() {
        try (SageMakerStandIn sagemaker = SageMakerStandIn.start().describesUntilDone(2).withEndpoint("zz-rt", "zz-rt-v1")) {
            PromotionSpec.Endpoint ep = new PromotionSpec.Endpoint("zz-rt", "ml.c5.large", 3, 20, SpecDuration.parse("5m"), List.of("zz-rt-5xx",
                    "zz-rt-latency-p99"), null, null);
            TrainingSpec.SageMaker sm = new TrainingSpec.SageMaker(null, null, null, null, null, null, null, null, null, null);
            StringWriter log = new StringWriter();
            EndpointDeployer deployer = new EndpointDeployer(() -> SageMakerTrainer.client(Optional.of(sagemaker.endpoint()), "us-east-1", true),
                    "arn:aws:iam::123456789012:role/mlops-sagemaker", "us-east-1",
                    new SageMakerTrainer.Protection(Optional.of("arn:aws:kms:us-east-1:123456789012:alias/mlops-test"), true),
                    Duration.ofMillis(10), Duration.ofMillis(20), new PrintWriter(log, true));

            EndpointDeployer.Outcome ok = deployer.deploy(ep, sm, version(2));
            assertThat(ok.deployed()).as(log.toString()).isTrue();
            assertThat(ok.endpointConfig()).isEqualTo("zz-rt-v2");
            assertThat(sagemaker.rejections()).isEmpty();
            JsonNode config = sagemaker.calls("CreateEndpointConfig").get(0).body();
            assertThat(config.path("ProductionVariants").get(0).path("ModelName").asText()).isEqualTo("zz-v2");
            assertThat(config.path("ProductionVariants").get(0).path("InstanceType").asText()).isEqualTo("ml.c5.large");
            assertThat(config.path("ProductionVariants").get(0).path("InitialInstanceCount").asInt()).isEqualTo(3);
            // the endpoint's volumes under the environment's key; the model without network
            assertThat(config.path("KmsKeyId").asText()).isEqualTo("arn:aws:kms:us-east-1:123456789012:alias/mlops-test");
            assertThat(sagemaker.calls("CreateModel").get(0).body().path("EnableNetworkIsolation").asBoolean()).isTrue();
            assertThat(sagemaker.calls("CreateModel").get(0).body().path("EnableNetworkIsolation").isBoolean()).isTrue();
            assertThat(sagemaker.calls("CreateModel").get(0).body().path("PrimaryContainer").path("ModelDataUrl").asText())
                    .isEqualTo("s3://lake/models/zz/2/model.tar.gz");
            JsonNode update = sagemaker.calls("UpdateEndpoint").get(0).body();
            JsonNode policy = update.path("DeploymentConfig").path("BlueGreenUpdatePolicy");
            assertThat(policy.path("TrafficRoutingConfiguration").path("Type").asText()).isEqualTo("CANARY");
            assertThat(policy.path("TrafficRoutingConfiguration").path("CanarySize").path("Type").asText()).isEqualTo("CAPACITY_PERCENT");
            assertThat(policy.path("TrafficRoutingConfiguration").path("CanarySize").path("Value").asInt()).isEqualTo(20);
            assertThat(policy.path("TrafficRoutingConfiguration").path("WaitIntervalInSeconds").asInt()).isEqualTo(300);
            assertThat(policy.path("TerminationWaitInSeconds").asInt()).isEqualTo(600);
            assertThat(policy.path("MaximumExecutionTimeoutInSeconds").asInt()).isEqualTo(3600);
            assertThat(update.path("DeploymentConfig").path("AutoRollbackConfiguration").path("Alarms").findValuesAsText("AlarmName"))
                    .containsExactly("zz-rt-5xx", "zz-rt-latency-p99");
            assertThat(log.toString()).contains("SageMaker endpoint zz-rt: Updating").contains(": InService");

            // the next canary fires its alarm: SageMaker rolls back, the endpoint keeps serving v2
            sagemaker.rollBackNextUpdate("zz-rt-5xx");
            EndpointDeployer.Outcome back = deployer.deploy(ep, sm, version(3));
            assertThat(back.deployed()).isFalse();
            assertThat(back.endpointConfig()).isEqualTo("zz-rt-v2");
            assertThat(back.detail()).contains("rolled back to zz-rt-v2").contains("alarm zz-rt-5xx");
            assertThat(log.toString()).contains("RollingBack");
        }
    }
}
