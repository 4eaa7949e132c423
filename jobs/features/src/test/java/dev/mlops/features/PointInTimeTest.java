package dev.mlops.features;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.core.testing.TestEnvironment;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class PointInTimeTest {
    static final LocalDateTime T = LocalDateTime.of(2024, 5, 1, 12, 0);
    static final StructType LABELS = new StructType().add("id", DataTypes.LongType).add("k", DataTypes.StringType)
            .add("event_ts", DataTypes.TimestampType);
    static final StructType FEATURES = new StructType().add("k", DataTypes.StringType).add("feature_ts", DataTypes.TimestampType)
            .add("f", DataTypes.DoubleType);

    private static Timestamp at(LocalDateTime t) {
        return Timestamp.valueOf(t);
    }

    private static List<Row> join(List<Row> labels, List<Row> features, Duration ttl) {
        return join(labels, features, ttl, true);
    }

    private static List<Row> join(List<Row> labels, List<Row> features, Duration ttl, boolean inclusive) {
        SparkSession spark = TestEnvironment.spark();
        Dataset<Row> l = spark.createDataFrame(labels, LABELS);
        Dataset<Row> f = spark.createDataFrame(features, FEATURES);
        return PointInTime.join(l, "k", "event_ts", f, "k", "feature_ts", List.of("f"), ttl, "matched_ts", inclusive)
                .orderBy("id").collectAsList();
    }

    @Test
    void notInclusiveLeavesOutTheRowOfTheLabelsInstant() {
        List<Row> out = join(List.of(RowFactory.create(1L, "a", at(T))),
                List.of(RowFactory.create("a", at(T.minusMinutes(10)), 1.0), RowFactory.create("a", at(T), 2.0)), Duration.ofDays(1), false);
        assertThat(out.get(0).<Double>getAs("f")).isEqualTo(1.0);
    }

    @Test
    void aRowIsValidStrictlyLessThanItsTtl() {
        List<Row> out = join(List.of(RowFactory.create(1L, "a", at(T)), RowFactory.create(2L, "a", at(T.minusNanos(1000)))),
                List.of(RowFactory.create("a", at(T.minusHours(1)), 1.0)), Duration.ofHours(1));
        assertThat(out.get(0).<Double>getAs("f")).isNull();
        assertThat(out.get(1).<Double>getAs("f")).isEqualTo(1.0);
    }

    @Test
    void aFeatureStampedOneMillisecondAfterTheLabelIsNotUsed() {
        List<Row> out = join(List.of(RowFactory.create(1L, "a", at(T))),
                List.of(RowFactory.create("a", at(T.minusMinutes(10)), 1.0), RowFactory.create("a", at(T.plusNanos(1_000_000)), 99.0)),
                Duration.ofDays(1));
        assertThat(out).hasSize(1);
        assertThat(out.get(0).<Double>getAs("f")).isEqualTo(1.0);
    }

    @Test
    void aFeatureStampedAtTheLabelsInstantIsUsed() {
        List<Row> out = join(List.of(RowFactory.create(1L, "a", at(T))),
                List.of(RowFactory.create("a", at(T.minusMinutes(10)), 1.0), RowFactory.create("a", at(T), 2.0)), Duration.ofDays(1));
        assertThat(out.get(0).<Double>getAs("f")).isEqualTo(2.0);
        assertThat(out.get(0).<Timestamp>getAs("matched_ts")).isEqualTo(at(T));
    }

    @Test
    void ttlBoundsAndMissingHistoryGiveNulls() {
        List<Row> out = join(List.of(
                        RowFactory.create(1L, "a", at(T)),
                        RowFactory.create(2L, "a", at(T.plusHours(2))),
                        RowFactory.create(3L, "b", at(T)),
                        RowFactory.create(4L, "c", at(T)),
                        RowFactory.create(5L, "a", at(T.minusHours(1)))),
                List.of(RowFactory.create("a", at(T.minusMinutes(30)), 1.0),
                        RowFactory.create("b", at(T.minusHours(1)), 5.0),
                        RowFactory.create("b", at(T.minusMinutes(59)), 6.0)),
                Duration.ofHours(1));
        assertThat(out).extracting(r -> r.<Long>getAs("id")).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(out.get(0).<Double>getAs("f")).isEqualTo(1.0);
        // 2h30 old: beyond the TTL of 1h
        assertThat(out.get(1).<Double>getAs("f")).isNull();
        assertThat(out.get(1).<Timestamp>getAs("matched_ts")).isNull();
        // the latest of two within the TTL
        assertThat(out.get(2).<Double>getAs("f")).isEqualTo(6.0);
        // no history for the entity at all
        assertThat(out.get(3).<Double>getAs("f")).isNull();
        // history only after the label
        assertThat(out.get(4).<Double>getAs("f")).isNull();
    }

    @Test
    void everyLabelRowIsKeptOnceEvenWithDuplicatesAndManyFeatures() {
        List<Row> labels = new java.util.ArrayList<>();
        List<Row> features = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            labels.add(RowFactory.create((long) i, "k" + (i % 7), at(T.plusMinutes(i))));
            labels.add(RowFactory.create(1000L + i, "k" + (i % 7), at(T.plusMinutes(i))));
        }
        for (int j = 0; j < 500; j++) {
            features.add(RowFactory.create("k" + (j % 7), at(T.plusMinutes(j / 2)), (double) j));
        }
        List<Row> out = join(labels, features, null);
        assertThat(out).hasSize(400);
        for (Row r : out) {
            // brute force: the time of the latest feature of the key at or before the label
            Timestamp best = null;
            for (Row fr : features) {
                Timestamp fts = fr.getTimestamp(1);
                if (fr.getString(0).equals(r.getAs("k")) && !fts.after(r.<Timestamp>getAs("event_ts")) && (best == null || fts.after(best))) {
                    best = fts;
                }
            }
            assertThat(r.<Timestamp>getAs("matched_ts")).as("label %s", r.<Long>getAs("id")).isEqualTo(best);
            assertThat(r.<Double>getAs("f") == null).isEqualTo(best == null);
        }
    }
}
