package dev.mlops.core.config;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The effective platform configuration of one process, after applying defaults, the config
 * file, environment variables and command-line overrides (in that order). {@code origins}
 * tells, per key, where its value came from.
 */
public record PlatformConfig(
        Environment env,
        Path home,
        Path specsDir,
        URI lakeUri,
        URI landingUri,
        Optional<JdbcTarget> metadata,
        Map<String, JdbcTarget> connections,
        int postgresPort,
        String sparkMaster,
        Map<String, String> sparkConf,
        Optional<String> awsRegion,
        Optional<URI> dynamodbEndpoint,
        String dynamodbTablePrefix,
        Optional<String> sagemakerRoleArn,
        Optional<URI> sagemakerEndpoint,
        Optional<URI> pushgatewayUrl,
        Optional<Path> resultPath,
        Optional<String> sagemakerKmsKeyId,
        boolean sagemakerNetworkIsolation,
        Optional<URI> auditAnchorUri,
        Optional<String> runId,
        Map<String, String> origins) {

    public PlatformConfig {
        requireNonNull(env, "env is null");
        requireNonNull(home, "home is null");
        requireNonNull(lakeUri, "lakeUri is null");
        requireNonNull(landingUri, "landingUri is null");
        requireNonNull(sagemakerKmsKeyId, "sagemakerKmsKeyId is null");
        requireNonNull(auditAnchorUri, "auditAnchorUri is null");
        runId = runId == null ? Optional.empty() : runId.map(String::strip).filter(s -> !s.isEmpty());
        connections = Map.copyOf(connections);
        sparkConf = Map.copyOf(sparkConf);
        origins = Map.copyOf(origins);
    }

    /** Where results, logs and local state of this home live. */
    public Path resultsDir() {
        return home.resolve("results");
    }

    public boolean embeddedPostgres() {
        return metadata.isEmpty();
    }
}
