package dev.mlops.features;

import dev.mlops.core.Platform;
import dev.mlops.core.config.Environment;
import dev.mlops.core.config.PlatformConfig;
import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

/**
 * Opens the online store the configuration names: {@code dynamodb.endpoint} when set (any
 * DynamoDB API: AWS, a DynamoDB Local elsewhere); else, in the local environment, DynamoDB Local
 * started in process under {@code MLOPS_HOME}; else (aws) DynamoDB of {@code aws.region}.
 */
public final class OnlineStores {
    private OnlineStores() {
    }

    public static OnlineStore open(Platform platform) {
        PlatformConfig config = platform.config();
        DynamoDbLocal local = null;
        URI endpoint = config.dynamodbEndpoint().orElse(null);
        if (endpoint == null && config.env() == Environment.LOCAL) {
            local = DynamoDbLocal.start(config.home());
            endpoint = local.endpoint();
        }
        DynamoDbClient client;
        try {
            client = client(config, endpoint, config.env() == Environment.LOCAL);
        } catch (RuntimeException e) {
            if (local != null) {
                local.close();
            }
            throw e;
        }
        DynamoDbLocal server = local;
        return new OnlineStore(client).onClose(() -> {
            if (server != null) {
                server.close();
            }
        });
    }

    /** A client for an endpoint (null = the region's); dummy credentials for a local endpoint. */
    public static DynamoDbClient client(PlatformConfig config, URI endpoint, boolean local) {
        DynamoDbClientBuilder b = DynamoDbClient.builder()
                .region(Region.of(config.awsRegion().orElse("us-east-1")))
                .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(5)).socketTimeout(Duration.ofSeconds(30)))
                .overrideConfiguration(ClientOverrideConfiguration.builder().retryStrategy(RetryMode.STANDARD).build());
        if (endpoint != null) {
            b.endpointOverride(endpoint);
        }
        b.credentialsProvider(local ? StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))
                : DefaultCredentialsProvider.builder().build());
        return b.build();
    }
}
