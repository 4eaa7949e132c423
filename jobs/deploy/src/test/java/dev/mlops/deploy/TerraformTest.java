package dev.mlops.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Terraform under terraform/, checked without Terraform: every .tf file parses, and the structure
 * and policy rules of {@link TerraformChecks} hold. {@code make terraform-check} adds terraform fmt,
 * validate and the modules' own tests where Terraform is installed.
 */
class TerraformTest {

    static final Path REPO = Path.of(System.getProperty("mlops.repo", "../..")).toAbsolutePath().normalize();
    static final Path TERRAFORM = REPO.resolve("terraform");

    /** The jobs of the lifecycle (README): each gets an image, so each needs an entry in the catalog. */
    static final Set<String> LIFECYCLE_JOBS = Set.of("ingest", "validate", "features", "train", "transform", "shadow", "quality", "promote");

    static TerraformConfig tf;
    static TerraformChecks checks;

    @BeforeAll
    static void parse() {
        tf = TerraformConfig.load(REPO, TERRAFORM);
        checks = new TerraformChecks(tf);
    }

    @Test
    void everyTerraformFileParses() {
        assertThat(tf.files()).hasSizeGreaterThan(40);
        assertThat(tf.files()).allSatisfy(f -> assertThat(f.json().isObject()).as(f.path().toString()).isTrue());
        assertThat(TerraformChecks.subdirectories(TERRAFORM.resolve("modules")).stream().map(p -> p.getFileName().toString()))
                .containsExactlyInAnyOrder("kms", "lake", "online_store", "sagemaker", "athena", "ecr", "job_roles", "job_policies", "settings", "k8s_service_accounts",
                        "monitoring");
    }

    @Test
    void everyBucketIsKmsEncryptedVersionedPrivateAndTlsOnly() {
        assertThat(tf.resources("aws_s3_bucket")).isNotEmpty();
        assertThat(checks.buckets()).as("bucket violations").isEmpty();
    }

    @Test
    void theAuditAnchorBucketIsUnderObjectLock() {
        // the lake module's audit bucket, and only it: the ledger's anchor (docs/audit.md)
        assertThat(checks.objectLockedBuckets()).containsExactly("terraform/modules/lake/main.tf: aws_s3_bucket.this [audit]");
        assertThat(tf.outputs().stream().filter(o -> tf.where(o).startsWith("terraform/modules/lake/")).map(o -> o.name()))
                .contains("audit_bucket_name", "audit_bucket_arn", "audit_anchor_uri");
    }

    @Test
    void everyTableIsOnDemandWithPitrTtlAndEncryption() {
        assertThat(tf.resources("aws_dynamodb_table")).isNotEmpty();
        assertThat(checks.tables()).as("DynamoDB table violations").isEmpty();
    }

    @Test
    void iamPoliciesAreDocumentsWithoutWildcards() {
        assertThat(tf.data("aws_iam_policy_document")).hasSizeGreaterThan(4);
        assertThat(checks.iam()).as("IAM violations").isEmpty();
    }

    @Test
    void everyVariableHasATypeAndADescription() {
        assertThat(tf.variables()).isNotEmpty();
        assertThat(checks.variablesAndOutputs()).as("variables and outputs without type or description").isEmpty();
    }

    @Test
    void everyModuleHasItsFilesAndAnExample() {
        assertThat(checks.modules(TERRAFORM.resolve("modules"))).as("module layout violations").isEmpty();
    }

    @Test
    void environmentsHaveRemoteStateWithALockTable() {
        assertThat(TerraformChecks.subdirectories(TERRAFORM.resolve("envs")).stream().map(p -> p.getFileName().toString()))
                .contains("dev", "prod");
        assertThat(checks.environments(TERRAFORM.resolve("envs"))).as("environment violations").isEmpty();
    }

    @Test
    void everyJobImageHasARepositoryAndARoleInEveryEnvironment() throws IOException {
        Set<String> images = imageJobs(REPO.resolve("images"));
        assertThat(images).as("job images under images/").contains("ingest", "validate");
        assertThat(checks.jobs(images, TERRAFORM.resolve("envs"), TERRAFORM.resolve("modules/job_policies"))).as("job violations").isEmpty();
        // the jobs whose images are still to come are declared already
        assertThat(checks.jobs(LIFECYCLE_JOBS, TERRAFORM.resolve("envs"), TERRAFORM.resolve("modules/job_policies")))
                .as("lifecycle jobs missing from the Terraform").isEmpty();
    }

    @Test
    void environmentsListTheSpecsModelsAndFeatureGroups() throws IOException {
        Map<String, Map<String, Boolean>> specs = specs(REPO.resolve("dags/models"));
        assertThat(specs).containsKeys("zone_demand", "trip_risk");
        assertThat(specs.get("trip_risk")).containsEntry("trip", false).containsEntry("driver_history", true);
        assertThat(checks.models(specs, TERRAFORM.resolve("envs"))).as("model and feature group violations").isEmpty();
    }

    @Test
    void generatedAthenaDdlSplitsIntoOneStatementPerTable() {
        assertThat(TerraformChecks.ddl(REPO.resolve("sql/athena"))).as("DDL violations").isEmpty();
    }

    /** Directories of images/ with a Dockerfile, but base and build (which are not jobs). */
    static Set<String> imageJobs(Path images) throws IOException {
        try (Stream<Path> s = Files.list(images)) {
            return s.filter(p -> Files.isRegularFile(p.resolve("Dockerfile")))
                    .map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals("base") && !n.equals("build"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** model => (feature group => online) of every spec (the spec's online defaults to true). */
    static Map<String, Map<String, Boolean>> specs(Path dir) throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        Map<String, Map<String, Boolean>> out = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                JsonNode spec = yaml.readTree(f.toFile());
                Map<String, Boolean> groups = new LinkedHashMap<>();
                spec.path("features").fields().forEachRemaining(g -> groups.put(g.getKey(), g.getValue().path("online").asBoolean(true)));
                out.put(spec.path("model").asText(), groups);
            }
        }
        return out;
    }
}
