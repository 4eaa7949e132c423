package dev.mlops.features;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.struct;

import dev.mlops.core.spec.FeatureGroupSpec;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.LongConsumer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Moves the latest feature row per entity from offline rows to the online store. The rows are
 * reduced per entity by Spark and streamed to the driver one partition at a time
 * ({@code toLocalIterator}), so the driver never holds the group in memory; items already past
 * their TTL at {@code now} are not written (a read would treat them as absent anyway).
 */
public final class Materializer {
    private final OnlineStore store;

    public Materializer(OnlineStore store) {
        this.store = store;
    }

    /** What a materialization did. */
    public record Stats(long candidates, long written, long skippedOlder, long skippedExpired, long skippedBlankKey, long retries) {
    }

    public Stats materialize(String table, FeatureGroupSpec group, Dataset<Row> rows, Instant now, int concurrency, LongConsumer progress) {
        List<String> features = group.featureNames();
        List<Column> fields = new ArrayList<>();
        fields.add(col(FeatureEngine.FEATURE_TS));
        features.forEach(f -> fields.add(col(f)));
        Dataset<Row> latest = rows.filter(col(FeatureEngine.FEATURE_TS).isNotNull())
                .groupBy(col(group.entity()).cast("string").alias("__entity"))
                .agg(max_by(struct(fields.toArray(Column[]::new)), col(FeatureEngine.FEATURE_TS)).alias("__row"));
        long ttlSeconds = group.ttl().value().toSeconds();
        long[] counts = new long[3];
        Iterator<Row> source = latest.toLocalIterator();
        Iterator<OnlineStore.Item> items = new Iterator<>() {
            OnlineStore.Item next = advance();

            private OnlineStore.Item advance() {
                while (source.hasNext()) {
                    Row r = source.next();
                    counts[0]++;
                    Row v = r.getStruct(1);
                    Timestamp ts = v.getTimestamp(0);
                    if (r.isNullAt(0) || r.getString(0).isBlank()) {
                        // DynamoDB refuses an empty key; validation lets an empty string through unless a check forbids it
                        counts[2]++;
                        continue;
                    }
                    long micros = Math.floorDiv(ts.getTime(), 1000L) * 1_000_000L + ts.getNanos() / 1000;
                    // valid while now < feature time + ttl (as the point-in-time join), rounded up to DynamoDB's seconds
                    long expires = Math.floorDiv(micros + 999_999L, 1_000_000L) + ttlSeconds;
                    if (expires <= now.getEpochSecond()) {
                        counts[1]++;
                        continue;
                    }
                    Map<String, AttributeValue> attrs = new LinkedHashMap<>();
                    for (int i = 0; i < features.size(); i++) {
                        AttributeValue a = attribute(v.get(i + 1));
                        if (a != null) {
                            attrs.put(features.get(i), a);
                        }
                    }
                    return new OnlineStore.Item(r.getString(0), micros, expires, attrs);
                }
                return null;
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public OnlineStore.Item next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                OnlineStore.Item it = next;
                next = advance();
                return it;
            }
        };
        OnlineStore.WriteStats w = store.write(table, items, concurrency, progress);
        return new Stats(counts[0], w.written(), w.skippedOlder(), counts[1], counts[2], w.retries());
    }

    static AttributeValue attribute(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Double d) {
            return d.isNaN() || d.isInfinite() ? null : AttributeValue.fromN(Double.toString(d));
        }
        if (value instanceof Float f) {
            return f.isNaN() || f.isInfinite() ? null : AttributeValue.fromN(Float.toString(f));
        }
        if (value instanceof Number n) {
            return AttributeValue.fromN(n.toString());
        }
        if (value instanceof Boolean b) {
            return AttributeValue.fromBool(b);
        }
        if (value instanceof Timestamp t) {
            return AttributeValue.fromS(t.toInstant().toString());
        }
        return AttributeValue.fromS(value.toString());
    }
}
