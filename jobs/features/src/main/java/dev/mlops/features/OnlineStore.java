package dev.mlops.features;

import dev.mlops.core.JobException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveSpecification;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * The online store: one DynamoDB table per feature group, keyed by {@value #KEY} (the entity
 * value as a string), holding the features, {@value #EVENT_TS} (the row's feature time, epoch
 * microseconds) and {@value #EXPIRES_AT} (epoch seconds; the table's TTL attribute).
 *
 * <p>Writes never replace a newer value with an older one: each batch first reads the stored
 * {@value #EVENT_TS} of its keys and drops the items that are older than what is stored (a
 * backfill of last month leaves today's values alone). The job holds a lock per table while it
 * materializes, so two platform writers cannot interleave between that read and the write.
 * Unprocessed items and throttling are retried with exponential backoff and jitter; a batch that
 * still fails after {@link #MAX_ATTEMPTS} attempts fails the run (exit 1) rather than dropping
 * items. Reads treat an item whose {@value #EXPIRES_AT} has passed as absent, whether or not
 * DynamoDB's lazy TTL deletion has removed it yet.
 */
public final class OnlineStore implements AutoCloseable {
    public static final String KEY = "entity_id";
    public static final String EVENT_TS = "event_ts";
    public static final String EXPIRES_AT = "expires_at";
    static final int WRITE_BATCH = 25;
    static final int READ_BATCH = 100;
    static final int MAX_ATTEMPTS = 10;
    private static final Logger LOG = LoggerFactory.getLogger(OnlineStore.class);

    private final DynamoDbClient client;
    private final Function<BatchWriteItemRequest, BatchWriteItemResponse> batchWriter;
    private final Duration baseBackoff;
    private Runnable onClose = () -> { };

    public OnlineStore(DynamoDbClient client) {
        this(client, client::batchWriteItem, Duration.ofMillis(50));
    }

    /** Also runs {@code action} on {@link #close()} (e.g. stopping a local server). */
    public OnlineStore onClose(Runnable action) {
        this.onClose = action;
        return this;
    }

    public DynamoDbClient client() {
        return client;
    }

    @Override
    public void close() {
        try {
            client.close();
        } finally {
            onClose.run();
        }
    }

    /** With a different batch writer (tests inject one that fails) and base backoff. */
    public OnlineStore(DynamoDbClient client, Function<BatchWriteItemRequest, BatchWriteItemResponse> batchWriter, Duration baseBackoff) {
        this.client = client;
        this.batchWriter = batchWriter;
        this.baseBackoff = baseBackoff;
    }

    /** {@code <prefix><model>-<group>}. */
    public static String tableName(String prefix, String model, String group) {
        return prefix + model + "-" + group;
    }

    /** Creates the table (on-demand, TTL on {@value #EXPIRES_AT}) if it does not exist; for local use. */
    public void ensureTable(String table) {
        try {
            client.describeTable(b -> b.tableName(table));
            return;
        } catch (ResourceNotFoundException e) {
            LOG.info("creating online table {}", table);
        }
        try {
            client.createTable(b -> b.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
                    .keySchema(KeySchemaElement.builder().attributeName(KEY).keyType(KeyType.HASH).build())
                    .attributeDefinitions(AttributeDefinition.builder().attributeName(KEY).attributeType(ScalarAttributeType.S).build()));
        } catch (ResourceInUseException e) {
            // created concurrently by another process
        }
        client.waiter().waitUntilTableExists(b -> b.tableName(table));
        try {
            client.updateTimeToLive(b -> b.tableName(table)
                    .timeToLiveSpecification(TimeToLiveSpecification.builder().attributeName(EXPIRES_AT).enabled(true).build()));
        } catch (DynamoDbException e) {
            if (!String.valueOf(e.getMessage()).contains("already enabled")) {
                throw e;
            }
        }
    }

    /** An item to write: entity, feature time (epoch micros), expiry (epoch seconds) and attributes. */
    public record Item(String entity, long eventTsMicros, long expiresAtSeconds, Map<String, AttributeValue> attributes) {
    }

    /** What a write did. */
    public record WriteStats(long written, long skippedOlder, long retries) {
    }

    /**
     * Writes the items (at most one per entity) with {@code concurrency} requests in flight,
     * reading items lazily from the iterator (bounded memory: a few batches per worker).
     */
    public WriteStats write(String table, Iterator<Item> items, int concurrency, LongConsumer progress) {
        AtomicLong written = new AtomicLong();
        AtomicLong skipped = new AtomicLong();
        AtomicLong retries = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, concurrency), r -> {
            Thread t = new Thread(r, "online-writer");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> inFlight = new ArrayList<>();
            while (items.hasNext()) {
                List<Item> chunk = new ArrayList<>(READ_BATCH);
                while (items.hasNext() && chunk.size() < READ_BATCH) {
                    chunk.add(items.next());
                }
                inFlight.add(pool.submit(() -> {
                    List<Item> fresh = newerThanStored(table, chunk, retries);
                    skipped.addAndGet(chunk.size() - fresh.size());
                    for (int i = 0; i < fresh.size(); i += WRITE_BATCH) {
                        writeBatch(table, fresh.subList(i, Math.min(fresh.size(), i + WRITE_BATCH)), retries);
                    }
                    progress.accept(written.addAndGet(fresh.size()));
                    return null;
                }));
                // bounded: never more than two batches per worker waiting
                while (inFlight.size() >= 2 * Math.max(1, concurrency)) {
                    await(inFlight.remove(0));
                }
            }
            for (Future<?> f : inFlight) {
                await(f);
            }
        } catch (RuntimeException e) {
            // stop the other workers and wait for them: no write may still be on the wire once the caller releases its lock
            pool.shutdownNow();
            try {
                if (!pool.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS)) {
                    LOG.warn("online writers of {} did not stop within 60 s", table);
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            throw e;
        } finally {
            pool.shutdownNow();
        }
        return new WriteStats(written.get(), skipped.get(), retries.get());
    }

    private static void await(Future<?> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw JobException.retryable("interrupted while writing the online store", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw JobException.retryable("online store write failed: " + c, c);
        }
    }

    /** The items of the chunk that are not older than what the table holds for their entity. */
    private List<Item> newerThanStored(String table, List<Item> chunk, AtomicLong retries) {
        Map<String, Long> stored = new HashMap<>();
        List<Map<String, AttributeValue>> keys = new ArrayList<>();
        for (Item it : chunk) {
            keys.add(Map.of(KEY, AttributeValue.fromS(it.entity())));
        }
        Map<String, KeysAndAttributes> request = Map.of(table, KeysAndAttributes.builder().keys(keys)
                .projectionExpression("#k, #t").expressionAttributeNames(Map.of("#k", KEY, "#t", EVENT_TS)).consistentRead(true).build());
        for (int attempt = 1; !request.isEmpty(); attempt++) {
            Map<String, KeysAndAttributes> req = request;
            BatchGetItemResponse r = withRetries(() -> client.batchGetItem(BatchGetItemRequest.builder().requestItems(req).build()), attempt, retries);
            for (Map<String, AttributeValue> item : r.responses().getOrDefault(table, List.of())) {
                AttributeValue ts = item.get(EVENT_TS);
                if (ts != null && ts.n() != null) {
                    stored.put(item.get(KEY).s(), Long.parseLong(ts.n()));
                }
            }
            request = r.hasUnprocessedKeys() ? r.unprocessedKeys() : Map.of();
            if (!request.isEmpty()) {
                checkAttempts(attempt, "unprocessed keys reading " + table);
                retries.incrementAndGet();
                sleep(attempt);
            }
        }
        List<Item> fresh = new ArrayList<>(chunk.size());
        for (Item it : chunk) {
            Long have = stored.get(it.entity());
            if (have == null || have <= it.eventTsMicros()) {
                fresh.add(it);
            }
        }
        return fresh;
    }

    private void writeBatch(String table, List<Item> batch, AtomicLong retries) {
        List<WriteRequest> pending = new ArrayList<>(batch.size());
        for (Item it : batch) {
            pending.add(WriteRequest.builder().putRequest(PutRequest.builder().item(toAttributes(it)).build()).build());
        }
        for (int attempt = 1; !pending.isEmpty(); attempt++) {
            List<WriteRequest> req = pending;
            BatchWriteItemResponse r = withRetries(() -> batchWriter.apply(
                    BatchWriteItemRequest.builder().requestItems(Map.of(table, req)).build()), attempt, retries);
            pending = r.hasUnprocessedItems() ? r.unprocessedItems().getOrDefault(table, List.of()) : List.of();
            if (!pending.isEmpty()) {
                checkAttempts(attempt, pending.size() + " unprocessed items writing " + table);
                retries.incrementAndGet();
                sleep(attempt);
            }
        }
    }

    private <T> T withRetries(java.util.function.Supplier<T> call, int outerAttempt, AtomicLong retries) {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (ResourceNotFoundException e) {
                throw JobException.usage("online table does not exist: " + e.getMessage()
                        + " (locally it is created on first use; in aws the tables come from Terraform, terraform/)");
            } catch (DynamoDbException e) {
                String code = e.awsErrorDetails() == null ? String.valueOf(e.statusCode()) : e.awsErrorDetails().errorCode();
                if (!retryable(e)) {
                    if ("ValidationException".equals(code)) {
                        // e.g. an empty key: the same data fails the same way on every retry
                        throw JobException.dataContract("the online store rejected an item: " + e.getMessage());
                    }
                    throw JobException.usage("online store request refused (" + code + "): " + e.getMessage());
                }
                if (attempt >= MAX_ATTEMPTS) {
                    throw JobException.retryable("online store request failed after " + attempt + " attempts (" + code + "): " + e.getMessage(), e);
                }
            } catch (SdkClientException e) {
                if (attempt >= MAX_ATTEMPTS) {
                    throw JobException.retryable("online store unreachable after " + attempt + " attempts: " + e.getMessage(), e);
                }
            }
            retries.incrementAndGet();
            sleep(attempt);
        }
    }

    static boolean retryable(DynamoDbException e) {
        if (e.isThrottlingException() || e.statusCode() >= 500) {
            return true;
        }
        String code = e.awsErrorDetails() == null ? "" : String.valueOf(e.awsErrorDetails().errorCode());
        return code.equals("ProvisionedThroughputExceededException") || code.equals("RequestLimitExceeded")
                || code.equals("ThrottlingException") || code.equals("InternalServerError");
    }

    private static void checkAttempts(int attempt, String what) {
        if (attempt >= MAX_ATTEMPTS) {
            throw JobException.retryable(what + " still failing after " + attempt + " attempts; nothing is lost: the run can be retried", null);
        }
    }

    private void sleep(int attempt) {
        long cap = baseBackoff.toMillis() << Math.min(attempt - 1, 8);
        long ms = cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1);
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw JobException.retryable("interrupted while backing off", e);
        }
    }

    static Map<String, AttributeValue> toAttributes(Item it) {
        Map<String, AttributeValue> m = new LinkedHashMap<>(it.attributes());
        m.put(KEY, AttributeValue.fromS(it.entity()));
        m.put(EVENT_TS, AttributeValue.fromN(Long.toString(it.eventTsMicros())));
        m.put(EXPIRES_AT, AttributeValue.fromN(Long.toString(it.expiresAtSeconds())));
        return m;
    }

    /** The stored values of an entity, or empty when absent or expired at {@code now}. */
    public Optional<Map<String, AttributeValue>> get(String table, String entity, Instant now) {
        Map<String, AttributeValue> item;
        try {
            item = client.getItem(GetItemRequest.builder().tableName(table)
                    .key(Map.of(KEY, AttributeValue.fromS(entity))).consistentRead(true).build()).item();
        } catch (ResourceNotFoundException e) {
            // nothing materialized yet
            return Optional.empty();
        }
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        AttributeValue exp = item.get(EXPIRES_AT);
        if (exp != null && exp.n() != null && Long.parseLong(exp.n()) <= now.getEpochSecond()) {
            return Optional.empty();
        }
        return Optional.of(item);
    }
}
