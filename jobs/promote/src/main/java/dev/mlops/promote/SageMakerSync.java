package dev.mlops.promote;

import dev.mlops.core.registry.Registry;
import dev.mlops.train.SageMakerTrainer;
import java.util.function.Supplier;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sagemaker.model.ModelApprovalStatus;
import software.amazon.awssdk.services.sagemaker.model.SageMakerException;

/**
 * Keeps SageMaker's model registry in step with ours: a version that train mirrored to a model
 * package (registry event {@code model_package} with its ARN) gets {@code UpdateModelPackage}
 * with the approval status and the reason. Versions never mirrored (local training) are left alone.
 */
public final class SageMakerSync {
    private final Supplier<SageMakerClient> clients;

    public SageMakerSync(Supplier<SageMakerClient> clients) {
        this.clients = clients;
    }

    Supplier<SageMakerClient> clients() {
        return clients;
    }

    /** Approves the version's model package, if it has one; returns whether a request was sent. */
    boolean approve(Registry registry, String model, int version, String reason) {
        var arn = registry.details(model, version, "model_package").map(d -> d.get("arn")).map(Object::toString);
        if (arn.isEmpty()) {
            return false;
        }
        String description = reason.length() > 1000 ? reason.substring(0, 1000) : reason;
        try (SageMakerClient client = clients.get()) {
            client.updateModelPackage(b -> b.modelPackageArn(arn.get()).modelApprovalStatus(ModelApprovalStatus.APPROVED)
                    .approvalDescription(description));
        } catch (SageMakerException e) {
            throw SageMakerTrainer.error("UpdateModelPackage " + arn.get(), e);
        }
        registry.record(model, version, "model_package_approved", "job:promote", "SageMaker model package approved",
                java.util.Map.of("arn", arn.get()));
        return true;
    }
}
