package dev.mlops.features;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.lake.Manifest;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import dev.mlops.datagen.BadDay;
import dev.mlops.datagen.DataGenerator;
import dev.mlops.datagen.GeneratorOptions;
import dev.mlops.datagen.ModelKind;
import dev.mlops.ingest.IngestCommand;
import dev.mlops.validate.ValidateCommand;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's bad day on generated data: the generator's out_of_range day is stopped by validate
 * (exit 3, no validated partition), and the following day's zone_demand windows that reach into it
 * are null, not the counts of a day without rentals; the features' manifest and result say so.
 */
class MissingDayFeaturesTest {
    static final LocalDate D1 = LocalDate.of(2024, 3, 4);
    static final LocalDate BAD = D1.plusDays(1);
    static final LocalDate D3 = D1.plusDays(2);

    @TempDir
    static Path home;
    static TestPlatform tp;

    @BeforeAll
    static void setUp() throws Exception {
        tp = TestEnvironment.platform(home, Map.of("dynamodb.endpoint", FeaturesTestSupport.dynamo().endpoint().toString(),
                "dynamodb.table_prefix", "missing" + System.nanoTime() + "-"));
        DataGenerator g = new DataGenerator(new GeneratorOptions(D1, D3, Set.of(ModelKind.ZONE_DEMAND), 7, 0.3, List.of(),
                List.of(BadDay.parse(BAD + ":out_of_range"))));
        g.writeLanding(Paths.get(tp.platform().config().landingUri()));
        TestEnvironment.Output in = TestEnvironment.execute(Cli.commandLine(new IngestCommand(), c -> tp.platform()),
                "--model", "zone_demand", "--from", D1.toString(), "--to", D3.toString(), "--dataset", "rentals");
        assertThat(in.code()).as(in.err()).isZero();
        TestEnvironment.Output v = TestEnvironment.execute(Cli.commandLine(new ValidateCommand(), c -> tp.platform()),
                "--model", "zone_demand", "--from", D1.toString(), "--to", D3.toString(), "--dataset", "rentals");
        assertThat(v.code()).as(v.out() + v.err()).isEqualTo(3);
        assertThat(tp.platform().lake().exists(tp.platform().lake().partition("validated", "rentals", BAD))).isFalse();
    }

    @AfterAll
    static void tearDown() {
        tp.close();
    }

    @Test
    void theDaysAfterADayStoppedByValidateReadItAsMissingNotAsZeroRentals() {
        TestEnvironment.Output o = FeaturesTestSupport.features(tp, "--model", "zone_demand", "--from", D1.toString(), "--to", D3.toString(),
                "--no-online");
        assertThat(o.code()).as(o.out() + o.err()).isZero();
        assertThat(o.out()).containsPattern("zone_activity \\d+ rows over 2 date\\(s\\), \\d+ values null \\(windows over days without validated rentals: \\["
                + BAD + "\\]\\)");
        Dataset<Row> f = tp.platform().spark().read().parquet(tp.platform().lake().partition("features", "zone_activity", D3).toString());
        long zones = f.select("zone_id").distinct().count();
        assertThat(zones).isGreaterThan(1);
        assertThat(f.count()).isEqualTo(zones * 24);
        // the hour's own count never reads the bad day; the 24-hour windows do until the day's last bucket; the 7-day ones all day
        assertThat(f.filter("rentals_1h IS NULL").count()).isZero();
        assertThat(f.filter("rentals_24h IS NULL").count()).isEqualTo(zones * 23);
        assertThat(f.filter("rentals_same_hour_1d_ago IS NULL").count()).isEqualTo(zones * 23);
        assertThat(f.filter("mean_price_24h IS NULL").count()).isGreaterThanOrEqualTo(zones * 23);
        assertThat(f.filter("rentals_7d IS NULL").count()).isEqualTo(zones * 24);
        assertThat(f.filter("business_share_7d IS NULL").count()).isEqualTo(zones * 24);
        // the last bucket's 24 hours are the day itself: the day's rentals of the zone, as before
        Dataset<Row> rentals = tp.platform().spark().read().parquet(tp.platform().lake().partition("validated", "rentals", D3).toString());
        Row end = f.filter("zone_id = 1 AND feature_ts = timestamp'" + D3.plusDays(1) + " 00:00:00'").first();
        assertThat(end.<Long>getAs("rentals_24h")).isEqualTo(rentals.filter("zone_id = 1").count());
        Manifest m = Manifest.fromJson(tp.platform().lake().readText(Manifest.pathIn(tp.platform().lake().partition("features", "zone_activity", D3)))
                .orElseThrow());
        assertThat(m.missingData().source()).isEqualTo("rentals");
        assertThat(m.missingData().dates()).containsExactly(BAD);
        assertThat(m.missingData().nulled()).containsEntry("rentals_24h", zones * 23).containsEntry("rentals_7d", zones * 24)
                .doesNotContainKey("rentals_1h");
        // the day before the bad one is untouched
        Manifest first = Manifest.fromJson(tp.platform().lake().readText(Manifest.pathIn(tp.platform().lake().partition("features", "zone_activity", D1)))
                .orElseThrow());
        assertThat(first.missingData()).isNull();
    }
}
