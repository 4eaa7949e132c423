package dev.mlops.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlops.core.JobException;
import dev.mlops.core.config.ConfigLoader;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

class OnlineStoreTest {
    @TempDir
    Path home;

    private static DynamoDbClient client() {
        return OnlineStores.client(ConfigLoader.load(Map.of(), Path.of("."), null, Map.of()), FeaturesTestSupport.dynamo().endpoint(), true);
    }

    private static List<OnlineStore.Item> items(int n, long ts) {
        List<OnlineStore.Item> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // expiring tomorrow on the real clock: DynamoDB Local deletes expired items
            out.add(new OnlineStore.Item("e" + i, ts, Instant.now().getEpochSecond() + 86_400, Map.of("f", AttributeValue.fromN(Integer.toString(i)))));
        }
        return out;
    }

    @Test
    void unprocessedItemsAndThrottlingAreRetriedUntilNothingIsLost() {
        DynamoDbClient client = client();
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger unprocessed = new AtomicInteger();
        OnlineStore store = new OnlineStore(client, req -> {
            int call = calls.incrementAndGet();
            if (call == 2) {
                throw (ProvisionedThroughputExceededException) ProvisionedThroughputExceededException.builder().message("slow down")
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode("ProvisionedThroughputExceededException").build()).statusCode(400).build();
            }
            // the service takes only the first 10 items of each batch, the rest come back unprocessed
            String table = req.requestItems().keySet().iterator().next();
            List<WriteRequest> all = req.requestItems().get(table);
            List<WriteRequest> taken = all.subList(0, Math.min(10, all.size()));
            List<WriteRequest> rest = all.subList(taken.size(), all.size());
            client.batchWriteItem(b -> b.requestItems(Map.of(table, taken)));
            unprocessed.addAndGet(rest.size());
            return BatchWriteItemResponse.builder().unprocessedItems(rest.isEmpty() ? Map.of() : Map.of(table, rest)).build();
        }, Duration.ofMillis(1));
        String table = "retry-" + System.nanoTime();
        store.ensureTable(table);
        OnlineStore.WriteStats stats = store.write(table, items(250, 1_000_000L).iterator(), 3, n -> { });
        assertThat(stats.written()).isEqualTo(250);
        assertThat(unprocessed.get()).isPositive();
        assertThat(stats.retries()).isPositive();
        assertThat(client.scan(b -> b.tableName(table)).count()).isEqualTo(250);
    }

    @Test
    void aWriterThatNeverRecoversFailsTheRunRetryably() {
        DynamoDbClient client = client();
        OnlineStore store = new OnlineStore(client, req -> BatchWriteItemResponse.builder().unprocessedItems(req.requestItems()).build(),
                Duration.ofMillis(1));
        String table = "stuck-" + System.nanoTime();
        store.ensureTable(table);
        assertThatThrownBy(() -> store.write(table, items(5, 1L).iterator(), 1, n -> { }))
                .isInstanceOf(JobException.class).hasMessageContaining("unprocessed items").hasMessageContaining("retried");
    }

    @Test
    void olderValuesNeverReplaceNewerOnes() {
        OnlineStore store = new OnlineStore(client());
        String table = "newer-" + System.nanoTime();
        store.ensureTable(table);
        store.write(table, items(3, 2_000_000L).iterator(), 2, n -> { });
        OnlineStore.WriteStats older = store.write(table, items(5, 1_000_000L).iterator(), 2, n -> { });
        assertThat(older.written()).isEqualTo(2);
        assertThat(older.skippedOlder()).isEqualTo(3);
        assertThat(store.get(table, "e0", Instant.ofEpochSecond(0)).orElseThrow().get(OnlineStore.EVENT_TS).n()).isEqualTo("2000000");
    }

    @Test
    void theLocalStoreIsStartedUnderTheHomeAndPersistsBetweenCommands() {
        var config = ConfigLoader.load(Map.of(), home, null, Map.of());
        String table = "persist";
        try (DynamoDbLocal first = DynamoDbLocal.start(home); OnlineStore store = new OnlineStore(OnlineStores.client(config, first.endpoint(), true))) {
            store.ensureTable(table);
            store.write(table, items(3, 5_000_000L).iterator(), 1, n -> { });
        }
        try (DynamoDbLocal second = DynamoDbLocal.start(home); OnlineStore store = new OnlineStore(OnlineStores.client(config, second.endpoint(), true))) {
            assertThat(store.get(table, "e2", Instant.ofEpochSecond(0))).isPresent();
            assertThat(store.client().describeTimeToLive(b -> b.tableName(table)).timeToLiveDescription().attributeName())
                    .isEqualTo(OnlineStore.EXPIRES_AT);
        }
        assertThat(home.resolve("dynamodb/shared-local-instance.db")).exists();
    }

}
