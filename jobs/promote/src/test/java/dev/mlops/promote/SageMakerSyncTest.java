package dev.mlops.promote;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlops.core.registry.Registry;
import dev.mlops.core.testing.SageMakerStandIn;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import dev.mlops.train.SageMakerTrainer;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sagemaker.model.ModelApprovalStatus;

/** A promoted version that train mirrored to SageMaker's model registry gets its model package approved there too. */
class SageMakerSyncTest {
    @TempDir
    Path home;

    @Test
    void approvesTheMirroredModelPackageAndLeavesLocalVersionsAlone() throws Exception {
        try (SageMakerStandIn sagemaker = SageMakerStandIn.start();
             TestPlatform tp = TestEnvironment.platform(home, Map.of())) {
            java.util.function.Supplier<SageMakerClient> clients = () -> SageMakerTrainer.client(Optional.of(sagemaker.endpoint()), "us-east-1", true);
            String arn;
            try (SageMakerClient c = clients.get()) {
                c.createModelPackageGroup(b -> b.modelPackageGroupName("zz"));
                arn = c.createModelPackage(b -> b.modelPackageGroupName("zz").modelApprovalStatus(ModelApprovalStatus.PENDING_MANUAL_APPROVAL)
                        .inferenceSpecification(i -> i.containers(k -> k.image("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1")
                                .modelDataUrl("s3://lake/models/zz/1/model.tar.gz")).supportedContentTypes("text/csv").supportedResponseMIMETypes("text/csv")))
                        .modelPackageArn();
            }
            Registry registry = new Registry(tp.platform().metadata());
            int mirrored = registry.register(new Registry.NewVersion("zz", LocalDate.of(2024, 1, 1), "sagemaker", "sagemaker:job", "s3://lake/models/zz/{version}",
                    "rmse", 1.0, Map.of(), Map.of(), List.of("a"), Map.of(), 501), "test").version();
            registry.record("zz", mirrored, "model_package", "job:train", "mirrored", Map.of("arn", arn));
            int local = registry.register(new Registry.NewVersion("zz", LocalDate.of(2024, 1, 2), "local", "local:job", "s3://lake/models/zz/{version}",
                    "rmse", 1.0, Map.of(), Map.of(), List.of("a"), Map.of(), 502), "test").version();

            SageMakerSync sync = new SageMakerSync(clients);
            assertThat(sync.approve(registry, "zz", local, "gates passed")).isFalse();
            assertThat(sync.approve(registry, "zz", mirrored, "all promotion gates passed")).isTrue();
            List<SageMakerStandIn.Call> updates = sagemaker.calls("UpdateModelPackage");
            assertThat(updates).hasSize(1);
            JsonNode body = updates.get(0).body();
            assertThat(body.path("ModelPackageArn").asText()).isEqualTo(arn);
            assertThat(body.path("ModelApprovalStatus").asText()).isEqualTo("Approved");
            assertThat(body.path("ApprovalDescription").asText()).isEqualTo("all promotion gates passed");
            try (SageMakerClient c = clients.get()) {
                assertThat(c.describeModelPackage(b -> b.modelPackageName(arn)).modelApprovalStatus()).isEqualTo(ModelApprovalStatus.APPROVED);
            }
            assertThat(registry.events("zz", mirrored)).anyMatch(e -> e.action().equals("model_package_approved"));
            assertThat(sagemaker.rejections()).isEmpty();
        }
    }
}
