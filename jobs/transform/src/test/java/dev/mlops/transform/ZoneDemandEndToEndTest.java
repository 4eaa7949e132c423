package dev.mlops.transform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.json.Json;
import dev.mlops.core.registry.Registry;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import dev.mlops.datagen.DataGenerator;
import dev.mlops.datagen.GeneratorOptions;
import dev.mlops.datagen.ModelKind;
import dev.mlops.features.FeaturesCommand;
import dev.mlops.train.TrainCommand;
import dev.mlops.ingest.IngestCommand;
import dev.mlops.validate.ValidateCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped zone_demand spec (its window shortened to fit a week of data) end to end on generated
 * data: ingest, validate, features, train (beats its baseline), transform (every zone-hour of the day scored).
 */
class ZoneDemandEndToEndTest {
    static final LocalDate D1 = LocalDate.of(2024, 3, 1);
    static final LocalDate D7 = D1.plusDays(6);

    @TempDir
    Path home;
    TestPlatform tp;

    @AfterEach
    void tearDown() {
        if (tp != null) {
            tp.close();
        }
    }

    private static void ok(TestEnvironment.Output o) {
        assertThat(o.code()).as(o.out() + o.err()).isZero();
    }

    @Test
    void zoneDemandBeatsTheSameHourADayBefore() throws Exception {
        Path specs = Files.createDirectories(home.resolve("specs"));
        String yaml = Files.readString(TestEnvironment.specsDir().resolve("zone_demand.yaml"));
        assertThat(yaml).contains("window: 14d");
        Files.writeString(specs.resolve("zone_demand.yaml"), yaml.replace("window: 14d", "window: 4d"));
        tp = TestEnvironment.platform(home, Map.of("specs.dir", specs.toString()));
        DataGenerator g = new DataGenerator(new GeneratorOptions(D1, D7, Set.of(ModelKind.ZONE_DEMAND), 11, 1.0));
        g.writeLanding(Paths.get(tp.platform().config().landingUri()));
        g.writeReferenceTables(tp.ops());
        String[] range = {"--model", "zone_demand", "--from", D1.toString(), "--to", D7.toString()};
        ok(TestEnvironment.execute(Cli.commandLine(new IngestCommand(), c -> tp.platform()), range));
        ok(TestEnvironment.execute(Cli.commandLine(new ValidateCommand(), c -> tp.platform()), range));
        ok(TestEnvironment.execute(Cli.commandLine(new FeaturesCommand(), c -> tp.platform()),
                "--model", "zone_demand", "--from", D1.toString(), "--to", D7.toString(), "--no-online"));
        TestEnvironment.Output t = TestEnvironment.execute(Cli.commandLine(new TrainCommand(), c -> tp.platform()),
                "--model", "zone_demand", "--date", D7.toString());
        ok(t);
        Registry.Version v = new Registry(tp.platform().metadata()).list("zone_demand").get(0);
        @SuppressWarnings("unchecked")
        Map<String, Object> m = Json.read(Files.readString(Path.of(java.net.URI.create(v.artifactUri())).resolve("metrics.json")), Map.class);
        @SuppressWarnings("unchecked")
        double rmse = (Double) ((Map<String, Object>) m.get("overall")).get("rmse");
        @SuppressWarnings("unchecked")
        Map<String, Object> baseline = (Map<String, Object>) m.get("baseline");
        assertThat(baseline.get("name")).isEqualTo("rentals_same_hour_1d_ago");
        assertThat(rmse).as(t.out()).isLessThan((Double) baseline.get("rmse"));
        assertThat(v.features()).contains("rentals_24h", "hour_of_day", "is_weekend");

        ok(TestEnvironment.execute(Cli.commandLine(new TransformCommand(), c -> tp.platform()), "--model", "zone_demand", "--date", D7.toString()));
        var p = tp.platform().spark().read().parquet(Predictions.partition(tp.platform().lake(), "zone_demand", D7, v.version()).toString());
        long zones = tp.platform().spark().read().parquet(tp.platform().lake().partition("features", "zone_activity", D7).toString())
                .select("zone_id").distinct().count();
        assertThat(p.count()).isEqualTo(zones * 24);
        assertThat(p.filter("score IS NULL OR slice_time_of_day IS NULL").count()).isZero();
        // demand forecasts: not negative on average, of the order of the hourly counts
        assertThat(p.agg(org.apache.spark.sql.functions.avg("score")).first().getDouble(0)).isBetween(0.0, 50.0);
    }
}
