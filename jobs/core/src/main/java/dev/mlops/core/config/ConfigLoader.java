package dev.mlops.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Builds the {@link PlatformConfig}. Precedence, lowest first:
 * <ol>
 *   <li>built-in defaults (the local environment under {@code MLOPS_HOME}, default {@code ./.mlops});</li>
 *   <li>the config file: {@code --config}, else {@code $MLOPS_CONFIG}, else {@code $MLOPS_HOME/config.yaml} if present;</li>
 *   <li>environment variables {@code MLOPS_<KEY>} (e.g. {@code MLOPS_LAKE_URI});</li>
 *   <li>command-line flags ({@code --env}, {@code --set key=value}).</li>
 * </ol>
 */
public final class ConfigLoader {
    public static final String HOME_ENV = "MLOPS_HOME";
    public static final String CONFIG_ENV = "MLOPS_CONFIG";
    public static final String DEFAULT_HOME = ".mlops";
    private static final String SUFFIX_URL = "jdbc_url";
    private static final List<String> CONNECTION_FIELDS = List.of(SUFFIX_URL, "user", "password");

    private ConfigLoader() {
    }

    /** Loads with the process environment. */
    public static PlatformConfig load(Path home, Path configFile, Map<String, String> overrides) {
        return load(System.getenv(), home, configFile, overrides);
    }

    /**
     * @param env environment variables
     * @param homeFlag {@code --home}, or null
     * @param configFlag {@code --config}, or null
     * @param overrides keys set on the command line ({@code --env}, {@code --set k=v})
     */
    public static PlatformConfig load(Map<String, String> env, Path homeFlag, Path configFlag, Map<String, String> overrides) {
        Path home = (homeFlag != null ? homeFlag
                : env.get(HOME_ENV) != null && !env.get(HOME_ENV).isBlank() ? Paths.get(env.get(HOME_ENV)) : Paths.get(DEFAULT_HOME))
                .toAbsolutePath().normalize();

        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> origins = new TreeMap<>();
        origins.put("home", homeFlag != null ? "command line (--home)"
                : env.get(HOME_ENV) != null && !env.get(HOME_ENV).isBlank() ? "env " + HOME_ENV : "default");

        Path configFile = configFlag != null ? configFlag
                : env.get(CONFIG_ENV) != null && !env.get(CONFIG_ENV).isBlank() ? Paths.get(env.get(CONFIG_ENV)) : null;
        if (configFile == null && Files.isRegularFile(home.resolve("config.yaml"))) {
            configFile = home.resolve("config.yaml");
        }
        if (configFile != null) {
            readFile(configFile, values, origins);
        }
        for (ConfigKey key : ConfigKey.values()) {
            String v = env.get(key.envVar());
            if (v != null && !v.isBlank()) {
                put(values, origins, key.key(), v, "env " + key.envVar());
            }
        }
        env.forEach((name, v) -> {
            String key = connectionKeyFromEnv(name);
            if (key != null && v != null && !v.isBlank()) {
                put(values, origins, key, v, "env " + name);
            }
        });
        overrides.forEach((k, v) -> {
            checkKnown(k, "command line (--set)");
            put(values, origins, k, v, "command line");
        });
        return build(env, home, values, origins);
    }

    private static void put(Map<String, String> values, Map<String, String> origins, String key, String value, String origin) {
        values.put(key, value);
        origins.put(key, origin);
    }

    static String connectionKeyFromEnv(String name) {
        String prefix = "MLOPS_CONNECTIONS_";
        if (!name.startsWith(prefix)) {
            return null;
        }
        String rest = name.substring(prefix.length());
        for (String field : CONNECTION_FIELDS) {
            String suffix = "_" + field.toUpperCase(Locale.ROOT);
            if (rest.endsWith(suffix) && rest.length() > suffix.length()) {
                return ConfigKey.CONNECTIONS_PREFIX + rest.substring(0, rest.length() - suffix.length()).toLowerCase(Locale.ROOT) + "." + field;
            }
        }
        return null;
    }

    private static void readFile(Path file, Map<String, String> values, Map<String, String> origins) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(file.toString(), "", "config file does not exist");
        }
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (IOException e) {
            throw new ConfigException(file.toString(), "", "not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return;
        }
        if (!root.isObject()) {
            throw new ConfigException(file.toString(), "", "expected a mapping of keys to values");
        }
        Map<String, String> flat = new LinkedHashMap<>();
        flatten("", root, flat, file.toString());
        flat.forEach((k, v) -> {
            checkKnown(k, file.toString());
            put(values, origins, k, v, "file " + file);
        });
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out, String file) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out, file);
            }
        } else if (node.isValueNode()) {
            out.put(prefix, node.asText());
        } else {
            throw new ConfigException(file, prefix, "expected a value or a mapping, got a list");
        }
    }

    private static void checkKnown(String key, String source) {
        if (ConfigKey.byKey(key) != null || key.startsWith(ConfigKey.SPARK_CONF_PREFIX) && key.length() > ConfigKey.SPARK_CONF_PREFIX.length()) {
            return;
        }
        if (key.startsWith(ConfigKey.CONNECTIONS_PREFIX)) {
            String[] parts = key.split("\\.");
            if (parts.length == 3 && CONNECTION_FIELDS.contains(parts[2])) {
                return;
            }
            throw new ConfigException(source, key, "expected connections.<name>.{jdbc_url,user,password}");
        }
        String known = Arrays.stream(ConfigKey.values()).map(ConfigKey::key).collect(Collectors.joining(", "));
        throw new ConfigException(source, key, "unknown key; expected one of " + known
                + ", connections.<name>.{jdbc_url,user,password}, spark.conf.<key>");
    }

    private static PlatformConfig build(Map<String, String> processEnv, Path home, Map<String, String> values, Map<String, String> origins) {
        Environment env = values.containsKey("env")
                ? Environment.parse(values.get("env"), origins.get("env")) : Environment.LOCAL;
        Path specsDir = Paths.get(values.getOrDefault("specs.dir", "dags/models")).toAbsolutePath().normalize();
        URI lake = uri(values, origins, "lake.uri", home.resolve("lake"), env);
        URI landing = uri(values, origins, "landing.uri", home.resolve("landing"), env);

        Optional<JdbcTarget> metadata = Optional.empty();
        if (values.containsKey("metadata.jdbc_url")) {
            metadata = Optional.of(jdbc(values, origins, "metadata"));
        } else if (env == Environment.AWS) {
            throw new ConfigException("env aws", "metadata.jdbc_url",
                    "required in the aws environment (set MLOPS_METADATA_JDBC_URL or metadata.jdbc_url in the config file)");
        }
        Map<String, JdbcTarget> connections = new TreeMap<>();
        values.keySet().stream()
                .filter(k -> k.startsWith(ConfigKey.CONNECTIONS_PREFIX) && k.endsWith("." + SUFFIX_URL))
                .map(k -> k.substring(ConfigKey.CONNECTIONS_PREFIX.length(), k.length() - SUFFIX_URL.length() - 1))
                .forEach(name -> connections.put(name, jdbc(values, origins, ConfigKey.CONNECTIONS_PREFIX + name)));
        values.keySet().stream()
                .filter(k -> k.startsWith(ConfigKey.CONNECTIONS_PREFIX))
                .map(k -> k.split("\\.")[1])
                .filter(name -> !connections.containsKey(name))
                .findFirst()
                .ifPresent(name -> {
                    throw new ConfigException(origins.get(ConfigKey.CONNECTIONS_PREFIX + name + ".user") == null
                            ? "config" : origins.get(ConfigKey.CONNECTIONS_PREFIX + name + ".user"),
                            ConfigKey.CONNECTIONS_PREFIX + name + "." + SUFFIX_URL, "missing: a connection needs a jdbc_url");
                });

        int port = integer(values, origins, "postgres.port", 0);
        String master = values.getOrDefault("spark.master", "local[*]");
        Map<String, String> sparkConf = new TreeMap<>(clusterConf(values, origins, master, processEnv.get("HOSTNAME"),
                Files.isReadable(POD_NAMESPACE_FILE) ? readFirstLine(POD_NAMESPACE_FILE) : null));
        // mlops config shows where these came from (a spark.conf.* of the user's keeps its own origin, and wins)
        sparkConf.keySet().forEach(k -> origins.putIfAbsent(ConfigKey.SPARK_CONF_PREFIX + k, "from the spark.* keys"));
        values.forEach((k, v) -> {
            if (k.startsWith(ConfigKey.SPARK_CONF_PREFIX)) {
                sparkConf.put(k.substring(ConfigKey.SPARK_CONF_PREFIX.length()), v);
            }
        });
        Optional<Path> resultPath = Optional.ofNullable(values.get("result.path")).map(Paths::get);
        if (resultPath.isEmpty() && Files.isDirectory(Paths.get("/airflow/xcom"))) {
            resultPath = Optional.of(Paths.get("/airflow/xcom/return.json"));
            origins.put("result.path", "default (/airflow/xcom exists)");
        }
        return new PlatformConfig(env, home, specsDir, lake, landing, metadata, connections, port,
                master, sparkConf,
                Optional.ofNullable(values.get("aws.region")),
                optionalUri(values, origins, "dynamodb.endpoint"),
                tablePrefix(values, origins),
                Optional.ofNullable(values.get("sagemaker.role_arn")),
                optionalUri(values, origins, "sagemaker.endpoint"),
                optionalUri(values, origins, "metrics.pushgateway_url"),
                resultPath,
                kmsKeyId(values, origins),
                bool(values, origins, "sagemaker.network_isolation", true),
                anchorUri(values, origins),
                Optional.ofNullable(values.get("run.id")),
                origins);
    }

    /** The four ways SageMaker takes a KMS key: key id, key ARN, alias name, alias ARN. */
    static final java.util.regex.Pattern KMS_KEY = java.util.regex.Pattern.compile(
            "arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key/[a-zA-Z0-9-]+|alias/[a-zA-Z0-9/_-]+)|alias/[a-zA-Z0-9/_-]+|[a-zA-Z0-9-]+");

    private static Optional<String> kmsKeyId(Map<String, String> values, Map<String, String> origins) {
        String v = values.get("sagemaker.kms_key_id");
        if (v == null || v.isBlank()) {
            return Optional.empty();
        }
        v = v.trim();
        if (!KMS_KEY.matcher(v).matches()) {
            throw new ConfigException(origins.get("sagemaker.kms_key_id"), "sagemaker.kms_key_id", "expected a KMS key id, key ARN"
                    + " (arn:aws:kms:<region>:<account>:key/<id>), alias name (alias/<name>) or alias ARN, got '" + v + "'");
        }
        return Optional.of(v);
    }

    private static boolean bool(Map<String, String> values, Map<String, String> origins, String key, boolean dflt) {
        String v = values.get(key);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigException(origins.get(key), key, "expected true or false, got '" + v + "'");
        };
    }

    private static Optional<URI> anchorUri(Map<String, String> values, Map<String, String> origins) {
        String v = values.get("audit.anchor_uri");
        if (v == null || v.isBlank()) {
            return Optional.empty();
        }
        URI uri = parseUri(v, origins.get("audit.anchor_uri"), "audit.anchor_uri");
        if (uri.getScheme() == null) {
            return Optional.of(Paths.get(v.trim()).toAbsolutePath().normalize().toUri());
        }
        boolean s3 = "s3".equals(uri.getScheme()) && uri.getHost() != null;
        if (!s3 && !"file".equals(uri.getScheme())) {
            throw new ConfigException(origins.get("audit.anchor_uri"), "audit.anchor_uri",
                    "expected s3://<bucket>/<prefix>/ or a file:// URI, got '" + v + "'");
        }
        return Optional.of(uri);
    }

    /** The pod's service account mount: its namespace file says the driver runs in a Kubernetes pod, and where. */
    static final Path POD_NAMESPACE_FILE = Paths.get("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

    /**
     * The Spark settings of a cluster from the {@code spark.*} keys, before the user's {@code spark.conf.*} (which win):
     * the driver's address and fixed ports (what executors connect to), and for a {@code k8s://} master (client mode:
     * the driver is this process, in a pod or not) the executors' image, namespace and service account, and the
     * driver's pod as the executors' owner when this process runs in a pod (and they in its namespace).
     *
     * @param podName this process's pod name (HOSTNAME in a pod), or null
     * @param podNamespace the namespace of this process's pod (its service account mount), or null outside a pod
     */
    static Map<String, String> clusterConf(Map<String, String> values, Map<String, String> origins, String master,
                                           String podName, String podNamespace) {
        Map<String, String> conf = new LinkedHashMap<>();
        String host = values.get("spark.driver_host");
        if (host != null && !host.isBlank()) {
            conf.put("spark.driver.host", host.trim());
            conf.put("spark.driver.bindAddress", host.trim());
        }
        if (values.containsKey("spark.driver_port")) {
            conf.put("spark.driver.port", String.valueOf(integer(values, origins, "spark.driver_port", 0)));
        }
        if (values.containsKey("spark.block_manager_port")) {
            conf.put("spark.driver.blockManager.port", String.valueOf(integer(values, origins, "spark.block_manager_port", 0)));
        }
        if (master.startsWith("k8s://")) {
            String image = values.get("spark.image");
            if (image == null || image.isBlank()) {
                throw new ConfigException(origins.getOrDefault("spark.master", "config"), "spark.image",
                        "required with a k8s:// master: the executors' image, the job's own (set MLOPS_SPARK_IMAGE or spark.image)");
            }
            conf.put("spark.kubernetes.container.image", image.trim());
            String namespace = values.getOrDefault("spark.namespace", podNamespace);
            if (namespace != null && !namespace.isBlank()) {
                conf.put("spark.kubernetes.namespace", namespace.trim());
            }
            String account = values.get("spark.service_account");
            if (account != null && !account.isBlank()) {
                conf.put("spark.kubernetes.authenticate.driver.serviceAccountName", account.trim());
                conf.put("spark.kubernetes.authenticate.executor.serviceAccountName", account.trim());
            }
            if (podNamespace != null && podNamespace.equals(namespace) && podName != null && !podName.isBlank()) {
                // the executor pods belong to the driver's (Spark looks it up in their namespace): deleted with it
                conf.put("spark.kubernetes.driver.pod.name", podName);
            }
        }
        return conf;
    }

    private static String readFirstLine(Path file) {
        try {
            return Files.readAllLines(file).stream().findFirst().map(String::trim).orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static String tablePrefix(Map<String, String> values, Map<String, String> origins) {
        String p = values.getOrDefault("dynamodb.table_prefix", "mlops-");
        if (!p.matches("[A-Za-z0-9_.-]*")) {
            throw new ConfigException(origins.get("dynamodb.table_prefix"), "dynamodb.table_prefix",
                    "expected letters, digits, '_', '-' or '.' (DynamoDB table name characters), got '" + p + "'");
        }
        return p;
    }

    private static JdbcTarget jdbc(Map<String, String> values, Map<String, String> origins, String prefix) {
        String url = values.get(prefix + "." + SUFFIX_URL);
        try {
            return new JdbcTarget(url, values.get(prefix + ".user"), values.get(prefix + ".password"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(origins.get(prefix + "." + SUFFIX_URL), prefix + "." + SUFFIX_URL, e.getMessage());
        }
    }

    private static int integer(Map<String, String> values, Map<String, String> origins, String key, int dflt) {
        String v = values.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < 0 || n > 65535) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException(origins.get(key), key, "expected a port number 0..65535, got '" + v + "'");
        }
    }

    private static URI uri(Map<String, String> values, Map<String, String> origins, String key, Path localDefault, Environment env) {
        String v = values.get(key);
        if (v == null) {
            if (env == Environment.AWS) {
                throw new ConfigException("env aws", key, "required in the aws environment, expected s3://bucket/prefix (set "
                        + ConfigKey.envVarOf(key) + " or " + key + " in the config file)");
            }
            return localDefault.toUri();
        }
        URI uri = parseUri(v, origins.get(key), key);
        if (uri.getScheme() == null) {
            return Paths.get(v).toAbsolutePath().normalize().toUri();
        }
        if (!List.of("file", "s3", "s3a").contains(uri.getScheme())) {
            throw new ConfigException(origins.get(key), key, "expected a file:// or s3:// URI, got '" + v + "'");
        }
        return uri;
    }

    private static Optional<URI> optionalUri(Map<String, String> values, Map<String, String> origins, String key) {
        String v = values.get(key);
        return v == null ? Optional.empty() : Optional.of(parseUri(v, origins.get(key), key));
    }

    private static URI parseUri(String v, String origin, String key) {
        try {
            return new URI(v.trim());
        } catch (URISyntaxException e) {
            throw new ConfigException(origin, key, "expected a URI, got '" + v + "' (" + e.getReason() + ")");
        }
    }
}
