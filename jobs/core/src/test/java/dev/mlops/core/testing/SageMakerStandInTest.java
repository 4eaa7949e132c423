package dev.mlops.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sagemaker.model.Channel;
import software.amazon.awssdk.services.sagemaker.model.CreateTrainingJobRequest;
import software.amazon.awssdk.services.sagemaker.model.DescribeHyperParameterTuningJobResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeModelPackageResponse;
import software.amazon.awssdk.services.sagemaker.model.DescribeTrainingJobResponse;
import software.amazon.awssdk.services.sagemaker.model.EndpointStatus;
import software.amazon.awssdk.services.sagemaker.model.HyperParameterTuningJobStatus;
import software.amazon.awssdk.services.sagemaker.model.ModelApprovalStatus;
import software.amazon.awssdk.services.sagemaker.model.ResourceInUseException;
import software.amazon.awssdk.services.sagemaker.model.S3DataDistribution;
import software.amazon.awssdk.services.sagemaker.model.S3DataType;
import software.amazon.awssdk.services.sagemaker.model.SageMakerException;
import software.amazon.awssdk.services.sagemaker.model.SecondaryStatus;
import software.amazon.awssdk.services.sagemaker.model.Tag;
import software.amazon.awssdk.services.sagemaker.model.TrainingInputMode;
import software.amazon.awssdk.services.sagemaker.model.TrainingInstanceType;
import software.amazon.awssdk.services.sagemaker.model.TrainingJobStatus;
import software.amazon.awssdk.services.sagemaker.model.TransformJobStatus;

class SageMakerStandInTest {
    private static final String ROLE = "arn:aws:iam::123456789012:role/SageMakerTraining";
    private static final String IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";

    private SageMakerStandIn standIn;
    private SageMakerClient sm;

    @BeforeEach
    void start() {
        standIn = SageMakerStandIn.start();
        sm = SageMakerClient.builder().endpointOverride(standIn.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))).build();
    }

    @AfterEach
    void stop() {
        sm.close();
        standIn.close();
    }

    static Channel channel(String name) {
        return Channel.builder().channelName(name).contentType("text/csv")
                .dataSource(d -> d.s3DataSource(s -> s.s3DataType(S3DataType.S3_PREFIX).s3Uri("s3://lake/training_sets/zone_demand/" + name + "/")
                        .s3DataDistributionType(S3DataDistribution.FULLY_REPLICATED)))
                .build();
    }

    static CreateTrainingJobRequest.Builder valid(String name) {
        return CreateTrainingJobRequest.builder().trainingJobName(name)
                .algorithmSpecification(a -> a.trainingImage(IMAGE).trainingInputMode(TrainingInputMode.FILE))
                .roleArn(ROLE)
                .inputDataConfig(channel("train"), channel("validation"))
                .outputDataConfig(o -> o.s3OutputPath("s3://lake/models/zone_demand/"))
                .resourceConfig(r -> r.instanceType(TrainingInstanceType.ML_M5_XLARGE).instanceCount(1).volumeSizeInGB(10))
                .stoppingCondition(s -> s.maxRuntimeInSeconds(3600).maxWaitTimeInSeconds(7200))
                .enableManagedSpotTraining(true)
                .checkpointConfig(c -> c.s3Uri("s3://lake/checkpoints/" + name))
                .hyperParameters(Map.of("objective", "reg:squarederror", "num_round", "100", "max_depth", "6"))
                .tags(Tag.builder().key("mlops:model").value("zone_demand").build());
    }

    static String errorCode(Throwable e) {
        return ((SageMakerException) e).awsErrorDetails().errorCode();
    }

    @Test
    void acceptsAValidCreateTrainingJobAndRecordsIt() {
        String arn = sm.createTrainingJob(valid("zone-demand-20261121-7-1").build()).trainingJobArn();

        assertThat(arn).isEqualTo("arn:aws:sagemaker:us-east-1:123456789012:training-job/zone-demand-20261121-7-1");
        assertThat(standIn.calls("CreateTrainingJob")).hasSize(1);
        JsonNode body = standIn.calls("CreateTrainingJob").get(0).body();
        assertThat(body.path("AlgorithmSpecification").path("TrainingInputMode").asText()).isEqualTo("File");
        assertThat(body.path("InputDataConfig").get(1).path("ChannelName").asText()).isEqualTo("validation");
        assertThat(body.path("HyperParameters").path("num_round").asText()).isEqualTo("100");
        assertThat(body.path("StoppingCondition").path("MaxWaitTimeInSeconds").asInt()).isEqualTo(7200);
    }

    @Test
    void rejectsAMissingRequiredMemberNamingIt() {
        assertThatThrownBy(() -> sm.createTrainingJob(valid("no-role").roleArn(null).build()))
                .isInstanceOf(SageMakerException.class)
                .satisfies(e -> assertThat(errorCode(e)).isEqualTo("ValidationException"))
                .hasMessageContaining("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
        assertThat(standIn.calls()).isEmpty();
        assertThat(standIn.rejections()).singleElement().satisfies(r -> assertThat(r.errorCode()).isEqualTo("ValidationException"));
    }

    @Test
    void rejectsAnInvalidEnumValue() {
        assertThatThrownBy(() -> sm.createTrainingJob(valid("bogus-mode")
                .algorithmSpecification(a -> a.trainingImage(IMAGE).trainingInputMode("Bogus")).build()))
                .satisfies(e -> assertThat(errorCode(e)).isEqualTo("ValidationException"))
                .hasMessageContaining("Value 'Bogus' at 'algorithmSpecification.trainingInputMode' failed to satisfy constraint: "
                        + "Member must satisfy enum value set: [Pipe, File, FastFile]");
    }

    @Test
    void rejectsPatternLengthAndRangeViolationsTogether() {
        assertThatThrownBy(() -> sm.createTrainingJob(valid("zone_demand")
                .stoppingCondition(c -> c.maxRuntimeInSeconds(0).maxWaitTimeInSeconds(7200))
                .tags(Tag.builder().key("").value("x").build()).build()))
                .satisfies(e -> assertThat(errorCode(e)).isEqualTo("ValidationException"))
                .hasMessageContaining("3 validation errors detected")
                .hasMessageContaining("Value 'zone_demand' at 'trainingJobName' failed to satisfy constraint: "
                        + "Member must satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
                .hasMessageContaining("Value '0' at 'stoppingCondition.maxRuntimeInSeconds' failed to satisfy constraint: "
                        + "Member must have value greater than or equal to 1")
                .hasMessageContaining("Value '' at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1");
    }

    @Test
    void aDuplicateNameIsResourceInUse() {
        sm.createTrainingJob(valid("twice").build());
        assertThatThrownBy(() -> sm.createTrainingJob(valid("twice").build()))
                .isInstanceOf(ResourceInUseException.class)
                .satisfies(e -> assertThat(errorCode(e)).isEqualTo("ResourceInUse"));
        assertThat(standIn.calls("CreateTrainingJob")).hasSize(1);
    }

    @Test
    void spotTrainingNeedsAMaxWaitTimeAtLeastTheRuntime() {
        assertThatThrownBy(() -> sm.createTrainingJob(valid("short-wait").stoppingCondition(s -> s.maxRuntimeInSeconds(3600).maxWaitTimeInSeconds(60)).build()))
                .satisfies(e -> assertThat(errorCode(e)).isEqualTo("ValidationException"))
                .hasMessageContaining("MaxWaitTimeInSeconds");
    }

    @Test
    void aTrainingJobGoesInProgressThenCompletedAndTheHookSeesIt() {
        List<SageMakerStandIn.Call> completed = new ArrayList<>();
        standIn.describesUntilDone(2).onComplete(completed::add);
        sm.createTrainingJob(valid("zone-demand-1").build());

        DescribeTrainingJobResponse first = sm.describeTrainingJob(b -> b.trainingJobName("zone-demand-1"));
        assertThat(first.trainingJobStatus()).isEqualTo(TrainingJobStatus.IN_PROGRESS);
        assertThat(first.secondaryStatus()).isEqualTo(SecondaryStatus.STARTING);
        assertThat(first.creationTime()).isNotNull();
        assertThat(first.roleArn()).isEqualTo(ROLE);
        assertThat(first.inputDataConfig()).hasSize(2);
        assertThat(completed).isEmpty();
        assertThat(sm.describeTrainingJob(b -> b.trainingJobName("zone-demand-1")).secondaryStatus()).isEqualTo(SecondaryStatus.TRAINING);

        DescribeTrainingJobResponse done = sm.describeTrainingJob(b -> b.trainingJobName("zone-demand-1"));
        assertThat(done.trainingJobStatus()).isEqualTo(TrainingJobStatus.COMPLETED);
        assertThat(done.modelArtifacts().s3ModelArtifacts()).isEqualTo("s3://lake/models/zone_demand/zone-demand-1/output/model.tar.gz");
        assertThat(done.trainingEndTime()).isNotNull();
        assertThat(completed).singleElement().satisfies(c -> {
            assertThat(c.operation()).isEqualTo("CreateTrainingJob");
            assertThat(SageMakerStandIn.modelArtifacts(c.body())).isEqualTo(done.modelArtifacts().s3ModelArtifacts());
        });
        assertThat(standIn.calls("DescribeTrainingJob")).hasSize(3);
    }

    @Test
    void failNextAndStopEndJobsOtherwise() {
        standIn.describesUntilDone(0).failNext("AlgorithmError: out of memory");
        sm.createTrainingJob(valid("fails").build());
        DescribeTrainingJobResponse failed = sm.describeTrainingJob(b -> b.trainingJobName("fails"));
        assertThat(failed.trainingJobStatus()).isEqualTo(TrainingJobStatus.FAILED);
        assertThat(failed.failureReason()).isEqualTo("AlgorithmError: out of memory");

        standIn.describesUntilDone(5);
        sm.createTrainingJob(valid("stopped").build());
        sm.stopTrainingJob(b -> b.trainingJobName("stopped"));
        assertThat(sm.describeTrainingJob(b -> b.trainingJobName("stopped")).trainingJobStatus()).isEqualTo(TrainingJobStatus.STOPPED);

        assertThatThrownBy(() -> sm.describeTrainingJob(b -> b.trainingJobName("never-created")))
                .satisfies(e -> assertThat(errorCode(e)).isEqualTo("ValidationException"))
                .hasMessageContaining("Requested resource not found");
    }

    @Test
    void tuningRegistryTransformAndEndpointFlows() {
        List<String> hooks = new ArrayList<>();
        standIn.describesUntilDone(1).onComplete(c -> hooks.add(c.operation() + " " + c.body().path("TrainingJobName").asText()));

        sm.createHyperParameterTuningJob(b -> b.hyperParameterTuningJobName("zd-tune-1")
                .hyperParameterTuningJobConfig(c -> c.strategy("Bayesian")
                        .hyperParameterTuningJobObjective(o -> o.type("Minimize").metricName("validation:rmse"))
                        .resourceLimits(r -> r.maxNumberOfTrainingJobs(4).maxParallelTrainingJobs(2))
                        .parameterRanges(p -> p.integerParameterRanges(i -> i.name("max_depth").minValue("3").maxValue("9"))
                                .continuousParameterRanges(i -> i.name("eta").minValue("0.1").maxValue("0.3"))))
                .trainingJobDefinition(d -> d.algorithmSpecification(a -> a.trainingImage(IMAGE).trainingInputMode(TrainingInputMode.FILE))
                        .roleArn(ROLE).inputDataConfig(channel("train"), channel("validation"))
                        .outputDataConfig(o -> o.s3OutputPath("s3://lake/models/zone_demand"))
                        .resourceConfig(r -> r.instanceType(TrainingInstanceType.ML_M5_XLARGE).instanceCount(1).volumeSizeInGB(10))
                        .staticHyperParameters(Map.of("objective", "reg:squarederror"))
                        .stoppingCondition(s -> s.maxRuntimeInSeconds(3600))));
        assertThat(sm.describeHyperParameterTuningJob(b -> b.hyperParameterTuningJobName("zd-tune-1")).hyperParameterTuningJobStatus())
                .isEqualTo(HyperParameterTuningJobStatus.IN_PROGRESS);
        DescribeHyperParameterTuningJobResponse tuned = sm.describeHyperParameterTuningJob(b -> b.hyperParameterTuningJobName("zd-tune-1"));
        assertThat(tuned.hyperParameterTuningJobStatus()).isEqualTo(HyperParameterTuningJobStatus.COMPLETED);
        assertThat(tuned.bestTrainingJob().trainingJobName()).isEqualTo("zd-tune-1-001-abcdef12");
        assertThat(tuned.bestTrainingJob().tunedHyperParameters()).containsEntry("max_depth", "6").containsEntry("eta", "0.2");
        assertThat(tuned.bestTrainingJob().finalHyperParameterTuningJobObjectiveMetric().metricName()).isEqualTo("validation:rmse");
        assertThat(hooks).containsExactly("CreateTrainingJob zd-tune-1-001-abcdef12", "CreateHyperParameterTuningJob ");
        DescribeTrainingJobResponse best = sm.describeTrainingJob(b -> b.trainingJobName("zd-tune-1-001-abcdef12"));
        assertThat(best.trainingJobStatus()).isEqualTo(TrainingJobStatus.COMPLETED);
        assertThat(best.modelArtifacts().s3ModelArtifacts()).isEqualTo("s3://lake/models/zone_demand/zd-tune-1-001-abcdef12/output/model.tar.gz");
        assertThat(best.hyperParameters()).containsEntry("objective", "reg:squarederror").containsEntry("max_depth", "6");

        sm.createModelPackageGroup(b -> b.modelPackageGroupName("zone-demand").modelPackageGroupDescription("zone_demand models"));
        assertThat(sm.describeModelPackageGroup(b -> b.modelPackageGroupName("zone-demand")).modelPackageGroupStatusAsString()).isEqualTo("Completed");
        String pkg = sm.createModelPackage(b -> b.modelPackageGroupName("zone-demand").modelApprovalStatus(ModelApprovalStatus.PENDING_MANUAL_APPROVAL)
                .customerMetadataProperties(Map.of("run", "7"))
                .inferenceSpecification(i -> i.containers(c -> c.image(IMAGE).modelDataUrl(best.modelArtifacts().s3ModelArtifacts()))
                        .supportedContentTypes("text/csv").supportedResponseMIMETypes("text/csv"))).modelPackageArn();
        assertThat(pkg).isEqualTo("arn:aws:sagemaker:us-east-1:123456789012:model-package/zone-demand/1");
        sm.updateModelPackage(b -> b.modelPackageArn(pkg).modelApprovalStatus(ModelApprovalStatus.APPROVED).customerMetadataProperties(Map.of("stage", "prod")));
        DescribeModelPackageResponse described = sm.describeModelPackage(b -> b.modelPackageName(pkg));
        assertThat(described.modelApprovalStatus()).isEqualTo(ModelApprovalStatus.APPROVED);
        assertThat(described.modelPackageVersion()).isEqualTo(1);
        assertThat(described.customerMetadataProperties()).containsEntry("run", "7").containsEntry("stage", "prod");
        assertThat(described.inferenceSpecification().containers().get(0).modelDataUrl()).isEqualTo(best.modelArtifacts().s3ModelArtifacts());

        assertThatThrownBy(() -> sm.createTransformJob(b -> b.transformJobName("score-1").modelName("zd-model")
                .transformInput(i -> i.dataSource(d -> d.s3DataSource(s -> s.s3DataType(S3DataType.S3_PREFIX).s3Uri("s3://lake/score/"))))
                .transformOutput(o -> o.s3OutputPath("s3://lake/predictions/"))
                .transformResources(r -> r.instanceType("ml.m5.xlarge").instanceCount(1))))
                .hasMessageContaining("Could not find model");
        sm.createModel(b -> b.modelName("zd-model").executionRoleArn(ROLE).primaryContainer(c -> c.image(IMAGE).modelDataUrl(best.modelArtifacts().s3ModelArtifacts())));
        sm.createTransformJob(b -> b.transformJobName("score-1").modelName("zd-model")
                .transformInput(i -> i.contentType("text/csv").dataSource(d -> d.s3DataSource(s -> s.s3DataType(S3DataType.S3_PREFIX).s3Uri("s3://lake/score/"))))
                .transformOutput(o -> o.s3OutputPath("s3://lake/predictions/"))
                .transformResources(r -> r.instanceType("ml.m5.xlarge").instanceCount(1)));
        sm.describeTransformJob(b -> b.transformJobName("score-1"));
        assertThat(sm.describeTransformJob(b -> b.transformJobName("score-1")).transformJobStatus()).isEqualTo(TransformJobStatus.COMPLETED);
        assertThat(hooks).last().isEqualTo("CreateTransformJob ");

        standIn.withEndpoint("zone-demand", "zone-demand-v0");
        sm.createEndpointConfig(b -> b.endpointConfigName("zone-demand-v1").productionVariants(v -> v.variantName("AllTraffic").modelName("zd-model")
                .initialInstanceCount(1).instanceType("ml.m5.large").initialVariantWeight(1.0f)));
        sm.updateEndpoint(b -> b.endpointName("zone-demand").endpointConfigName("zone-demand-v1"));
        assertThat(sm.describeEndpoint(b -> b.endpointName("zone-demand")).endpointStatus()).isEqualTo(EndpointStatus.UPDATING);
        assertThat(sm.describeEndpoint(b -> b.endpointName("zone-demand")).endpointConfigName()).isEqualTo("zone-demand-v1");
    }

    @Test
    void anUnsignedRequestIsRefused() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(standIn.endpoint() + "/"))
                .header("X-Amz-Target", "SageMaker.DescribeTrainingJob").header("Content-Type", "application/x-amz-json-1.1")
                .POST(HttpRequest.BodyPublishers.ofString("{\"TrainingJobName\":\"x\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("MissingAuthenticationTokenException");
    }
}
