package dev.mlops.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What Terraform derives for an environment, rendered by Terraform itself ({@code terraform console}) from
 * the provider-free modules: {@code modules/settings} over {@code dags/environments/<env>.yaml}, and every
 * job's policy from {@code modules/job_policies}, with the inputs {@code envs/<env>/main.tf} gives it. The
 * values only a real apply knows (the KMS key's id) are placeholders; everything else is the real rendering.
 */
final class TerraformRender {
    /** The KMS key id AWS assigns at creation; the policies hold it, the pods never do (they name the alias). */
    static final String KMS_KEY_ID = "00000000-0000-4000-8000-000000000000";

    private static final ObjectMapper JSON = new ObjectMapper();

    private TerraformRender() {
    }

    /** {settings: modules/settings' outputs, documents: job => policy JSON, catalog: job => what it may touch}. */
    static JsonNode render(Path repo, String env, List<String> models, List<String> onlineTables) {
        String terraform = System.getProperty("terraform", "terraform");
        Path modules = repo.resolve("terraform/modules");
        String main = """
                module "settings" {
                  source           = "%s"
                  environment_file = "%s"
                }

                locals {
                  s          = module.settings
                  key_prefix = local.s.lake_prefix == "" ? "" : "${local.s.lake_prefix}/"
                }

                # the inputs envs/<env>/main.tf gives job_roles, in the form the resources give them:
                # aws_s3_bucket.arn, module.lake's lake_key_prefix, aws_iam_role.arn, the online_store tables
                module "policies" {
                  source                       = "%s"
                  jobs                         = local.s.jobs
                  account_id                   = local.s.account_id
                  partition                    = local.s.partition
                  region                       = local.s.region
                  lake_bucket_arn              = "arn:${local.s.partition}:s3:::${local.s.lake_bucket_name}"
                  lake_key_prefix              = local.key_prefix
                  kms_key_arn                  = "arn:${local.s.partition}:kms:${local.s.region}:${local.s.account_id}:key/%s"
                  online_table_arns            = [for t in %s : "arn:${local.s.partition}:dynamodb:${local.s.region}:${local.s.account_id}:table/${local.s.table_prefix}${t}"]
                  models                       = %s
                  sagemaker_execution_role_arn = "arn:${local.s.partition}:iam::${local.s.account_id}:role/${local.s.sagemaker_execution_role_name}"
                  alarm_name_prefix            = local.s.alarm_name_prefix
                  audit_bucket_arn             = "arn:${local.s.partition}:s3:::${local.s.audit_bucket_name}"
                  audit_key_prefix             = local.key_prefix
                }
                """.formatted(modules.resolve("settings"), repo.resolve("dags/environments/" + env + ".yaml"), modules.resolve("job_policies"),
                KMS_KEY_ID, hclList(onlineTables), hclList(models));
        return inTempDirectory("mlops-tf-" + env + "-", dir -> {
            Files.writeString(dir.resolve("main.tf"), main);
            init(terraform, dir);
            String out = Processes.run(List.of(terraform, "console", "-no-color"), dir,
                    "jsonencode({settings = module.settings, documents = module.policies.documents, catalog = module.policies.catalog})\n", 120);
            // console prints the expression's value: a JSON string literal holding our JSON
            String literal = out.lines().filter(l -> l.startsWith("\"")).collect(Collectors.joining());
            return JSON.readTree(JSON.readTree(literal).asText());
        });
    }

    /** Runs {@code terraform test} in a provider-free module (on a copy, so no .terraform/ is left behind); its output. */
    static String test(Path module) {
        String terraform = System.getProperty("terraform", "terraform");
        return inTempDirectory("mlops-tftest-", dir -> {
            try (var walk = Files.walk(module)) {
                for (Path p : walk.filter(p -> !p.toString().contains("/.terraform")).toList()) {
                    Path to = dir.resolve(module.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(p, to);
                    }
                }
            }
            init(terraform, dir);
            return Processes.run(List.of(terraform, "test", "-no-color"), dir, "", 300);
        });
    }

    /** terraform init of a provider-free root module: nothing to download, no backend. */
    private static void init(String terraform, Path dir) {
        Processes.run(List.of(terraform, "init", "-input=false", "-no-color", "-backend=false"), dir, "", 120);
    }

    private interface InDirectory<T> {
        T apply(Path dir) throws IOException;
    }

    /** Runs {@code work} in a new temporary directory, deleted afterwards (with what terraform left in it). */
    private static <T> T inTempDirectory(String prefix, InDirectory<T> work) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            try {
                return work.apply(dir);
            } finally {
                try (var walk = Files.walk(dir)) {
                    walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String hclList(List<String> values) {
        return values.stream().map(v -> "\"" + v + "\"").collect(Collectors.joining(", ", "[", "]"));
    }
}
