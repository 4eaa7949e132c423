package dev.mlops.features;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import dev.mlops.datagen.DataGenerator;
import dev.mlops.datagen.GeneratorOptions;
import dev.mlops.datagen.ModelKind;
import dev.mlops.ingest.IngestCommand;
import dev.mlops.validate.ValidateCommand;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped model specs' feature groups on generated data: ingest -> validate -> features -> training set. */
class ModelSpecsFeaturesTest {
    // recent dates, so the online values are live on the real clock. Because the dates move, the scale must
    // clear trip_risk's size check (>= 500 trips) on any weekday: 0.45 gives ~720 on a Sunday (0.3 gave 458).
    static final LocalDate D1 = LocalDate.now(ZoneOffset.UTC).minusDays(3);
    static final LocalDate D3 = D1.plusDays(2);

    @TempDir
    static Path home;
    static TestPlatform tp;

    @BeforeAll
    static void setUp() throws Exception {
        tp = TestEnvironment.platform(home, Map.of("dynamodb.endpoint", FeaturesTestSupport.dynamo().endpoint().toString(),
                "dynamodb.table_prefix", "specs" + System.nanoTime() + "-"));
        DataGenerator g = new DataGenerator(new GeneratorOptions(D1, D3, Set.of(ModelKind.ZONE_DEMAND, ModelKind.TRIP_RISK), 7, 0.45));
        g.writeLanding(Paths.get(tp.platform().config().landingUri()));
        g.writeReferenceTables(tp.ops());
        for (String model : new String[] {"zone_demand", "trip_risk"}) {
            TestEnvironment.Output in = TestEnvironment.execute(Cli.commandLine(new IngestCommand(), c -> tp.platform()),
                    "--model", model, "--from", D1.toString(), "--to", D3.toString());
            assertThat(in.code()).as(in.err()).isZero();
            TestEnvironment.Output v = TestEnvironment.execute(Cli.commandLine(new ValidateCommand(), c -> tp.platform()),
                    "--model", model, "--from", D1.toString(), "--to", D3.toString());
            assertThat(v.code()).as(v.out() + v.err()).isZero();
        }
    }

    @AfterAll
    static void tearDown() {
        tp.close();
    }

    @Test
    void zoneDemandHasOneRowPerZoneAndHourAndATrainingSetPerZoneHour() {
        TestEnvironment.Output o = FeaturesTestSupport.features(tp, "--model", "zone_demand", "--from", D1.toString(), "--to", D3.toString());
        assertThat(o.code()).as(o.out() + o.err()).isZero();
        Dataset<Row> f = tp.platform().spark().read().parquet(tp.platform().lake().partition("features", "zone_activity", D3).toString());
        long zones = f.select("zone_id").distinct().count();
        assertThat(zones).isGreaterThan(1);
        assertThat(f.count()).isEqualTo(zones * 24);
        // the 24h count at the day's end is the day's rentals of the zone
        Dataset<Row> rentals = tp.platform().spark().read().parquet(tp.platform().lake().partition("validated", "rentals", D3).toString());
        long zone1 = rentals.filter("zone_id = 1").count();
        Row end = f.filter("zone_id = 1 AND feature_ts = timestamp'" + D3.plusDays(1) + " 00:00:00'").first();
        assertThat(end.<Long>getAs("rentals_24h")).isEqualTo(zone1);
        TestEnvironment.Output get = FeaturesTestSupport.features(tp, "get", "--model", "zone_demand", "--group", "zone_activity", "--entity", "1");
        assertThat(get.code()).as(get.err()).isZero();
        assertThat(get.out()).contains("\"rentals_24h\" : " + (double) zone1);

        TestEnvironment.Output ts = FeaturesTestSupport.features(tp, "training-set", "--model", "zone_demand", "--from", D3.toString(), "--to", D3.toString());
        assertThat(ts.code()).as(ts.err()).isZero();
        Dataset<Row> set = tp.platform().spark().read().parquet(tp.platform().lake().path("training_sets", "zone_demand", D3 + "_" + D3).toString());
        assertThat(set.count()).isEqualTo(zones * 24);
        assertThat(set.agg(org.apache.spark.sql.functions.sum("rentals")).first().getLong(0)).isEqualTo(rentals.count());
        // the hour's own rentals are the label, never a feature: the 1h count is the hour before
        Row h = set.filter("zone_id = 1 AND hour(event_ts) = 12").first();
        long before = rentals.filter("zone_id = 1 AND hour(start_ts) = 11").count();
        assertThat(h.<Long>getAs("rentals_1h")).isEqualTo(before);
    }

    @Test
    void tripRiskComputesTripAndDriverFeatures() {
        TestEnvironment.Output o = FeaturesTestSupport.features(tp, "--model", "trip_risk", "--from", D1.toString(), "--to", D3.toString(), "--no-online");
        assertThat(o.code()).as(o.out() + o.err()).isZero();
        Dataset<Row> trips = tp.platform().spark().read().parquet(tp.platform().lake().partition("validated", "trips", D3).toString());
        Dataset<Row> trip = tp.platform().spark().read().parquet(tp.platform().lake().partition("features", "trip", D3).toString());
        assertThat(trip.count()).isEqualTo(trips.filter("end_ts IS NOT NULL").count());
        Dataset<Row> drivers = tp.platform().spark().read().parquet(tp.platform().lake().partition("features", "driver_history", D3).toString());
        assertThat(drivers.filter("trips_30d < 1").count()).isZero();
        TestEnvironment.Output ts = FeaturesTestSupport.features(tp, "training-set", "--model", "trip_risk", "--from", D3.toString(), "--to", D3.toString());
        assertThat(ts.code()).as(ts.err()).isZero();
        Dataset<Row> set = tp.platform().spark().read().parquet(tp.platform().lake().path("training_sets", "trip_risk", D3 + "_" + D3).toString());
        assertThat(set.count()).isEqualTo(trip.count());
        assertThat(set.columns()).contains("trip_id", "driver_id", "claimed", "distance_km", "trips_30d");
        // each trip sees itself in its driver's history (stamped at its end, like the event)
        assertThat(set.filter("trips_30d IS NULL OR trips_30d < 1").count()).isZero();
    }
}
