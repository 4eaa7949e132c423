package dev.mlops.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlops.core.ExitCode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @Test
    void defaultsLiveUnderHome(@TempDir Path home) {
        PlatformConfig c = ConfigLoader.load(Map.of(), home, null, Map.of());
        assertThat(c.env()).isEqualTo(Environment.LOCAL);
        assertThat(c.home()).isEqualTo(home.toAbsolutePath().normalize());
        assertThat(c.lakeUri()).isEqualTo(home.resolve("lake").toUri());
        assertThat(c.landingUri()).isEqualTo(home.resolve("landing").toUri());
        assertThat(c.embeddedPostgres()).isTrue();
        assertThat(c.sparkMaster()).isEqualTo("local[*]");
        assertThat(c.pushgatewayUrl()).isEmpty();
        assertThat(c.resultsDir()).isEqualTo(c.home().resolve("results"));
        assertThat(c.origins()).doesNotContainKey("lake.uri");
    }

    @Test
    void homeComesFromEnvWhenNoFlag(@TempDir Path home) {
        PlatformConfig c = ConfigLoader.load(Map.of("MLOPS_HOME", home.toString()), null, null, Map.of());
        assertThat(c.home()).isEqualTo(home.toAbsolutePath().normalize());
    }

    @Test
    void precedenceIsDefaultsThenFileThenEnvThenFlags(@TempDir Path home) throws Exception {
        Files.writeString(home.resolve("config.yaml"), """
                lake:
                  uri: file:///from/file/lake
                landing:
                  uri: file:///from/file/landing
                spark:
                  master: local[3]
                  conf:
                    spark.sql.shuffle.partitions: 8
                metrics:
                  pushgateway_url: http://pushgateway:9091
                """);
        Map<String, String> env = Map.of("MLOPS_LANDING_URI", "file:///from/env/landing", "MLOPS_SPARK_MASTER", "local[4]");
        PlatformConfig c = ConfigLoader.load(env, home, null, Map.of("spark.master", "local[1]"));
        assertThat(c.lakeUri()).isEqualTo(URI.create("file:///from/file/lake"));
        assertThat(c.landingUri()).isEqualTo(URI.create("file:///from/env/landing"));
        assertThat(c.sparkMaster()).isEqualTo("local[1]");
        assertThat(c.sparkConf()).containsEntry("spark.sql.shuffle.partitions", "8");
        assertThat(c.pushgatewayUrl()).contains(URI.create("http://pushgateway:9091"));
        assertThat(c.origins().get("lake.uri")).startsWith("file ");
        assertThat(c.origins().get("landing.uri")).isEqualTo("env MLOPS_LANDING_URI");
        assertThat(c.origins().get("spark.master")).isEqualTo("command line");
    }

    @Test
    void connectionsFromEnv(@TempDir Path home) {
        PlatformConfig c = ConfigLoader.load(Map.of(
                "MLOPS_CONNECTIONS_OPS_JDBC_URL", "jdbc:postgresql://db:5432/ops",
                "MLOPS_CONNECTIONS_OPS_USER", "reader"), home, null, Map.of());
        assertThat(c.connections().get("ops")).isEqualTo(new JdbcTarget("jdbc:postgresql://db:5432/ops", "reader", null));
    }

    @Test
    void unknownKeyInFileNamesFileAndKey(@TempDir Path home) throws Exception {
        Path file = home.resolve("config.yaml");
        Files.writeString(file, "lake:\n  url: s3://x\n");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(), home, null, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("key 'lake.url': unknown key; expected one of env, specs.dir, lake.uri")
                .satisfies(e -> assertThat(((ConfigException) e).exitCode()).isEqualTo(ExitCode.USAGE));
    }

    @Test
    void awsNeedsLakeAndMetadata(@TempDir Path home) {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("MLOPS_ENV", "aws"), home, null, Map.of()))
                .hasMessageContaining("key 'lake.uri'").hasMessageContaining("expected s3://bucket/prefix");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("MLOPS_ENV", "aws", "MLOPS_LAKE_URI", "s3://lake/prod",
                "MLOPS_LANDING_URI", "s3://landing/prod"), home, null, Map.of()))
                .hasMessageContaining("metadata.jdbc_url").hasMessageContaining("required in the aws environment");
        PlatformConfig c = ConfigLoader.load(Map.of("MLOPS_ENV", "aws", "MLOPS_METADATA_JDBC_URL", "jdbc:postgresql://rds/mlops",
                "MLOPS_LAKE_URI", "s3://lake/prod", "MLOPS_LANDING_URI", "s3://landing/prod"), home, null, Map.of());
        assertThat(c.env()).isEqualTo(Environment.AWS);
        assertThat(c.lakeUri()).isEqualTo(URI.create("s3://lake/prod"));
    }

    @Test
    void badValuesNameTheirOrigin(@TempDir Path home) {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("MLOPS_ENV", "prod"), home, null, Map.of()))
                .hasMessageContaining("env MLOPS_ENV: key 'env': expected one of [local, aws], got 'prod'");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("MLOPS_LAKE_URI", "hdfs://x/y"), home, null, Map.of()))
                .hasMessageContaining("key 'lake.uri': expected a file:// or s3:// URI");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("MLOPS_METADATA_JDBC_URL", "jdbc:mysql://x"), home, null, Map.of()))
                .hasMessageContaining("expected a jdbc:postgresql: URL");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(), home, null, Map.of("postgres.port", "99999")))
                .hasMessageContaining("expected a port number 0..65535, got '99999'");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(), home, null, Map.of("no.such", "1")))
                .hasMessageContaining("command line (--set): key 'no.such': unknown key");
    }

    @Test
    void sagemakerProtectionAndTheAuditAnchorFromEnv(@TempDir Path home) {
        PlatformConfig none = ConfigLoader.load(Map.of(), home, null, Map.of());
        assertThat(none.sagemakerKmsKeyId()).isEmpty();
        assertThat(none.sagemakerNetworkIsolation()).isTrue();
        assertThat(none.auditAnchorUri()).isEmpty();

        String aliasArn = "arn:aws:kms:eu-west-1:111122223333:alias/mlops-prod";
        PlatformConfig c = ConfigLoader.load(Map.of("MLOPS_SAGEMAKER_KMS_KEY_ID", aliasArn, "MLOPS_SAGEMAKER_NETWORK_ISOLATION", "false",
                "MLOPS_AUDIT_ANCHOR_URI", "s3://acme-mlops-prod-audit/prod/"), home, null, Map.of());
        assertThat(c.sagemakerKmsKeyId()).contains(aliasArn);
        assertThat(c.sagemakerNetworkIsolation()).isFalse();
        assertThat(c.auditAnchorUri()).contains(java.net.URI.create("s3://acme-mlops-prod-audit/prod/"));
        assertThat(c.origins()).containsEntry("audit.anchor_uri", "env MLOPS_AUDIT_ANCHOR_URI");
        // the four forms SageMaker takes
        for (String k : List.of("1234abcd-12ab-34cd-56ef-1234567890ab", "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                "alias/mlops-prod", aliasArn)) {
            assertThat(ConfigLoader.load(Map.of("MLOPS_SAGEMAKER_KMS_KEY_ID", k), home, null, Map.of()).sagemakerKmsKeyId()).contains(k);
        }
        // a plain path is a file:// anchor
        assertThat(ConfigLoader.load(Map.of(), home, null, Map.of("audit.anchor_uri", home.resolve("anchors").toString())).auditAnchorUri())
                .contains(home.resolve("anchors").toUri());
    }

    @Test
    void badSagemakerProtectionOrAnchorValuesAreRefused(@TempDir Path home) {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("MLOPS_SAGEMAKER_KMS_KEY_ID", "arn:aws:s3:::not-a-key"), home, null, Map.of()))
                .hasMessageContaining("key 'sagemaker.kms_key_id': expected a KMS key id, key ARN");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("MLOPS_SAGEMAKER_NETWORK_ISOLATION", "yes"), home, null, Map.of()))
                .hasMessageContaining("key 'sagemaker.network_isolation': expected true or false, got 'yes'");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("MLOPS_AUDIT_ANCHOR_URI", "hdfs://x/audit"), home, null, Map.of()))
                .hasMessageContaining("key 'audit.anchor_uri': expected s3://<bucket>/<prefix>/ or a file:// URI");
    }

    @Test
    void envVarNames() {
        assertThat(ConfigKey.SAGEMAKER_KMS_KEY_ID.envVar()).isEqualTo("MLOPS_SAGEMAKER_KMS_KEY_ID");
        assertThat(ConfigKey.SAGEMAKER_NETWORK_ISOLATION.envVar()).isEqualTo("MLOPS_SAGEMAKER_NETWORK_ISOLATION");
        assertThat(ConfigKey.AUDIT_ANCHOR_URI.envVar()).isEqualTo("MLOPS_AUDIT_ANCHOR_URI");
        assertThat(ConfigKey.LAKE_URI.envVar()).isEqualTo("MLOPS_LAKE_URI");
        assertThat(ConfigKey.METADATA_JDBC_URL.envVar()).isEqualTo("MLOPS_METADATA_JDBC_URL");
        assertThat(ConfigLoader.connectionKeyFromEnv("MLOPS_CONNECTIONS_OPS_PASSWORD")).isEqualTo("connections.ops.password");
        assertThat(ConfigLoader.connectionKeyFromEnv("MLOPS_LAKE_URI")).isNull();
    }

    @Test
    void clusterKeysBecomeSparkSettingsThatSparkConfStillOverrides(@TempDir Path home) throws Exception {
        Files.writeString(home.resolve("config.yaml"), """
                spark:
                  master: spark://10.0.0.5:7077
                  driver_port: 7078
                  conf:
                    spark.driver.blockManager.port: 7090
                """);
        Map<String, String> env = Map.of("MLOPS_SPARK_DRIVER_HOST", "10.1.2.3", "MLOPS_SPARK_BLOCK_MANAGER_PORT", "7079");
        PlatformConfig c = ConfigLoader.load(env, home, null, Map.of());
        assertThat(c.sparkMaster()).isEqualTo("spark://10.0.0.5:7077");
        assertThat(c.sparkConf()).containsEntry("spark.driver.host", "10.1.2.3").containsEntry("spark.driver.bindAddress", "10.1.2.3")
                .containsEntry("spark.driver.port", "7078")
                .containsEntry("spark.driver.blockManager.port", "7090")   // spark.conf.* wins
                .doesNotContainKeys("spark.kubernetes.container.image", "spark.kubernetes.namespace");
        assertThat(c.origins().get("spark.driver_host")).isEqualTo("env MLOPS_SPARK_DRIVER_HOST");
        assertThat(c.origins().get("spark.conf.spark.driver.host")).isEqualTo("from the spark.* keys");
        assertThat(c.origins().get("spark.conf.spark.driver.blockManager.port")).startsWith("file ");
        // the Kubernetes keys only count with a k8s:// master
        assertThat(ConfigLoader.load(Map.of(), home, null, Map.of("spark.image", "repo/mlops-train:1")).sparkConf())
                .doesNotContainKey("spark.kubernetes.container.image");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(), home, null, Map.of("spark.driver_port", "70000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("spark.driver_port");
    }

    @Test
    void kubernetesClientModeTakesTheImageNamespaceAndServiceAccount() {
        Map<String, String> values = Map.of("spark.master", "k8s://https://kubernetes.default.svc", "spark.image", "repo/mlops-features:1.2",
                "spark.service_account", "mlops-features", "spark.driver_host", "10.42.0.7");
        // in a pod: the namespace of its service account mount and its name (HOSTNAME) as the executors' owner
        assertThat(ConfigLoader.clusterConf(values, Map.of(), values.get("spark.master"), "features-abc12", "mlops"))
                .containsEntry("spark.kubernetes.container.image", "repo/mlops-features:1.2")
                .containsEntry("spark.kubernetes.namespace", "mlops")
                .containsEntry("spark.kubernetes.authenticate.driver.serviceAccountName", "mlops-features")
                .containsEntry("spark.kubernetes.authenticate.executor.serviceAccountName", "mlops-features")
                .containsEntry("spark.kubernetes.driver.pod.name", "features-abc12")
                .containsEntry("spark.driver.host", "10.42.0.7");
        // outside a pod: no owner pod, the namespace only when set
        Map<String, String> outside = new java.util.HashMap<>(values);
        outside.put("spark.namespace", "spark-jobs");
        assertThat(ConfigLoader.clusterConf(outside, Map.of(), values.get("spark.master"), "laptop", null))
                .containsEntry("spark.kubernetes.namespace", "spark-jobs").doesNotContainKey("spark.kubernetes.driver.pod.name");
        // in a pod, executors in another namespace: no owner (Spark would look for the driver's pod there)
        assertThat(ConfigLoader.clusterConf(outside, Map.of(), values.get("spark.master"), "features-abc12", "mlops"))
                .containsEntry("spark.kubernetes.namespace", "spark-jobs").doesNotContainKey("spark.kubernetes.driver.pod.name");
        // no image: refused, naming the key
        Map<String, String> noImage = new java.util.HashMap<>(values);
        noImage.remove("spark.image");
        assertThatThrownBy(() -> ConfigLoader.clusterConf(noImage, Map.of(), values.get("spark.master"), null, null))
                .isInstanceOf(ConfigException.class).hasMessageContaining("spark.image");
    }
}
