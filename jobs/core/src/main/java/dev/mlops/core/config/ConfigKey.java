package dev.mlops.core.config;

import java.util.Locale;

/**
 * A configuration key: its name in the config file (dotted), its environment variable, and
 * what it means. {@link #PATTERN_KEYS} hold a {@code <name>} segment.
 */
public enum ConfigKey {
    ENV("env", "local or aws", "local"),
    SPECS_DIR("specs.dir", "directory of model specs", "./dags/models"),
    LAKE_URI("lake.uri", "lake root: file:///... locally, s3://bucket/prefix in aws", "file://$MLOPS_HOME/lake"),
    LANDING_URI("landing.uri", "landing area the upstream systems write files to", "file://$MLOPS_HOME/landing"),
    METADATA_JDBC_URL("metadata.jdbc_url", "PostgreSQL for the job repository, registry and audit; unset locally = embedded PostgreSQL", ""),
    METADATA_USER("metadata.user", "user for metadata.jdbc_url", ""),
    METADATA_PASSWORD("metadata.password", "password for metadata.jdbc_url", ""),
    POSTGRES_PORT("postgres.port", "port of the embedded PostgreSQL (0 = any free port)", "0"),
    SPARK_MASTER("spark.master", "Spark master: local[N], spark://host:port (standalone), k8s://https://host:port (Kubernetes, client mode)", "local[*]"),
    SPARK_DRIVER_HOST("spark.driver_host", "address the executors reach the driver at (spark.driver.host; the driver binds all interfaces); in a pod: its IP (downward API status.podIP); unset with k8s:// = this host's address", ""),
    SPARK_DRIVER_PORT("spark.driver_port", "fixed driver RPC port (spark.driver.port) when not local: executors connect to it (a headless service or a NetworkPolicy names it)", ""),
    SPARK_BLOCK_MANAGER_PORT("spark.block_manager_port", "fixed driver block manager port (spark.driver.blockManager.port) when not local", ""),
    SPARK_IMAGE("spark.image", "k8s:// only: the executors' image (spark.kubernetes.container.image): the job's own image, so the executors have the job's classes", ""),
    SPARK_NAMESPACE("spark.namespace", "k8s:// only: namespace of the executor pods (spark.kubernetes.namespace)", "the pod's own namespace, else default"),
    SPARK_SERVICE_ACCOUNT("spark.service_account", "k8s:// only: service account of the executor pods (spark.kubernetes.authenticate.executor.serviceAccountName and .driver.serviceAccountName): the job's own, for its IAM role", ""),
    AWS_REGION("aws.region", "AWS region", ""),
    DYNAMODB_ENDPOINT("dynamodb.endpoint", "DynamoDB endpoint override (unset locally = DynamoDB Local under $MLOPS_HOME/dynamodb)", ""),
    DYNAMODB_TABLE_PREFIX("dynamodb.table_prefix", "prefix of the online-store tables: <prefix><model>-<group>", "mlops-"),
    SAGEMAKER_ROLE_ARN("sagemaker.role_arn", "execution role for SageMaker jobs", ""),
    SAGEMAKER_ENDPOINT("sagemaker.endpoint", "SageMaker API endpoint override (tests use a local stand-in)", ""),
    SAGEMAKER_KMS_KEY_ID("sagemaker.kms_key_id", "KMS key of SageMaker's outputs and volumes (training, tuning, transform, endpoints): key ARN, key id, alias name or alias ARN; training volumes need the key id or ARN", ""),
    SAGEMAKER_NETWORK_ISOLATION("sagemaker.network_isolation", "run SageMaker training, tuning and models without network access (true/false)", "true"),
    AUDIT_ANCHOR_URI("audit.anchor_uri", "where mlops audit anchor writes the ledger's daily heads (s3://<audit bucket>/<prefix>/, under Object Lock; file:// locally); unset = no anchors", ""),
    PUSHGATEWAY_URL("metrics.pushgateway_url", "Prometheus Pushgateway to push job metrics to (unset = no push)", ""),
    RESULT_PATH("result.path", "extra copy of the JSON result (in a pod: /airflow/xcom/return.json, set automatically when /airflow/xcom exists)", ""),
    RUN_ID("run.id", "the Airflow run id of the task (the DAGs set MLOPS_RUN_ID to {{ run_id }}); a retry within the same Airflow run "
            + "of a completed run that registers, promotes or writes the audit ledger returns the recorded result instead of recomputing", "");

    /** Pattern keys: {@code connections.<name>.jdbc_url|user|password} and {@code spark.conf.<spark key>}. */
    public static final String CONNECTIONS_PREFIX = "connections.";
    public static final String SPARK_CONF_PREFIX = "spark.conf.";

    private final String key;
    private final String description;
    private final String defaultText;

    ConfigKey(String key, String description, String defaultText) {
        this.key = key;
        this.description = description;
        this.defaultText = defaultText;
    }

    public String key() {
        return key;
    }

    public String description() {
        return description;
    }

    public String defaultText() {
        return defaultText;
    }

    /** MLOPS_ + the key upper-cased with dots as underscores: lake.uri -> MLOPS_LAKE_URI. */
    public String envVar() {
        return envVarOf(key);
    }

    public static String envVarOf(String key) {
        return "MLOPS_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    public static ConfigKey byKey(String key) {
        for (ConfigKey k : values()) {
            if (k.key.equals(key)) {
                return k;
            }
        }
        return null;
    }
}
