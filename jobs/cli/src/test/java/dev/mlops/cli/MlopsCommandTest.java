package dev.mlops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MlopsCommandTest {
    @TempDir
    static Path home;
    static TestPlatform tp;
    String out;
    String err;

    @BeforeAll
    static void setUp() {
        tp = TestEnvironment.platform(home);
    }

    @AfterAll
    static void tearDown() {
        tp.close();
    }

    private int mlops(String... args) {
        TestEnvironment.Output o = TestEnvironment.execute(Cli.commandLine(new MlopsCommand(), config -> tp.platform()), args);
        out = o.out();
        err = o.err();
        return o.code();
    }

    @Test
    void everyCommandHasHelp() {
        assertThat(mlops("--help")).isZero();
        assertThat(out).contains("generate", "ingest", "validate", "runs", "spec", "config").contains("100 nothing to do");
        CommandLine root = new CommandLine(new MlopsCommand());
        for (String sub : root.getSubcommands().keySet()) {
            assertThat(mlops(sub, "--help")).as(sub).isZero();
            assertThat(out).as(sub).contains("Usage: mlops " + sub).contains("--help");
        }
        assertThat(mlops("ingest", "--help")).isZero();
        assertThat(out).contains("--model=MODEL", "--date=YYYY-MM-DD", "--from=YYYY-MM-DD", "Exit codes:", "100");
        assertThat(mlops("--version")).isZero();
        assertThat(out).startsWith("mlops ");
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(mlops()).isEqualTo(2);
        assertThat(err).contains("missing command");
        assertThat(mlops("ingest", "--date", "2024-03-01")).isEqualTo(2);
        assertThat(err).contains("Missing required option: '--model=MODEL'");
        assertThat(mlops("ingest", "--model", "zone_demand", "--date", "2024-02-30")).isEqualTo(2);
        assertThat(err).contains("2024-02-30");
        assertThat(mlops("ingest", "--model", "zone_demand", "--from", "2024-03-02", "--to", "2024-03-01")).isEqualTo(2);
        assertThat(err).contains("--to 2024-03-01 is before --from 2024-03-02");
        assertThat(mlops("ingest", "--model", "nope", "--date", "2024-03-01")).isEqualTo(2);
        assertThat(err).contains("no spec for model 'nope'");
        assertThat(mlops("ingest", "--model", "zone_demand", "--date", "2024-03-01", "--dataset", "nope")).isEqualTo(2);
        assertThat(err).contains("model 'zone_demand' has no dataset 'nope'");
        assertThat(mlops("generate", "--from", "2024-03-01", "--to", "2024-03-01", "--drift", "foo@2024-01-01")).isEqualTo(2);
        assertThat(err).contains("bad --drift 'foo@2024-01-01'");
    }

    @Test
    void specValidatesTheBundledModelsAndReportsBrokenOnes(@TempDir Path specs) throws Exception {
        assertThat(mlops("spec", "--set", "specs.dir=" + TestEnvironment.specsDir())).isZero();
        assertThat(out).contains("zone_demand: ok (regression, 4 datasets").contains("trip_risk: ok (binary_classification");
        Files.writeString(specs.resolve("broken.yaml"), "model: broken\ntask: regression\nentity: x\ndatasets: {}\n");
        assertThat(mlops("spec", "--set", "specs.dir=" + specs)).isEqualTo(2);
        assertThat(err).contains("broken.yaml").contains("key 'datasets': expected at least one dataset");
        assertThat(mlops("spec", "--show", "--model", "trip_risk", "--set", "specs.dir=" + TestEnvironment.specsDir())).isZero();
        assertThat(out).contains("\"max_quarantine_ratio\" : 0.05");
    }

    @Test
    void specRejectsMalformedSqlNamingFileKeyAndParserMessage(@TempDir Path specs) throws Exception {
        String trip = Files.readString(TestEnvironment.specsDir().resolve("trip_risk.yaml"));
        Files.writeString(specs.resolve("trip_risk.yaml"), trip.replace("expr: \"hour(start_ts)\"", "expr: \"hour(start_ts\""));
        assertThat(mlops("spec", "--set", "specs.dir=" + specs)).isEqualTo(2);
        assertThat(err).contains("trip_risk.yaml").contains("key 'features.trip.features[8].expr'").contains("PARSE_SYNTAX_ERROR");
        Files.writeString(specs.resolve("trip_risk.yaml"), trip.replace("max_speed_kph >= avg_speed_kph", "max_speed_kph >= mean_speed_kph"));
        assertThat(mlops("spec", "--set", "specs.dir=" + specs)).isEqualTo(2);
        assertThat(err).contains("trip_risk.yaml").contains("key 'datasets.trips.checks[6].predicate'").contains("'mean_speed_kph'");
    }

    @Test
    void configShowsValuesAndTheirOrigin() {
        assertThat(mlops("config", "--home", home.toString(), "--set", "spark.master=local[3]")).isZero();
        assertThat(out).contains("spark.master").contains("local[3]").contains("(command line, MLOPS_SPARK_MASTER)")
                .contains("lake.uri").contains("(default, MLOPS_LAKE_URI)");
    }

    @Test
    void generateIngestAndRunsEndToEnd() throws Exception {
        assertThat(mlops("generate", "--from", "2024-03-04", "--to", "2024-03-04", "--model", "zone_demand", "--scale", "0.3")).as(err).isZero();
        assertThat(out).contains("files under").contains("reference tables in");
        assertThat(mlops("ingest", "--model", "zone_demand", "--date", "2024-03-04", "--dataset", "rentals")).as(err).isZero();
        assertThat(out).startsWith("ingest zone_demand 2024-03-04: done (exit 0) - rentals ");
        assertThat(mlops("ingest", "--model", "zone_demand", "--date", "2024-03-04", "--dataset", "zones")).as(err).isZero();
        assertThat(out).contains("zones 6");
        assertThat(mlops("runs", "--model", "zone_demand")).isZero();
        assertThat(out).contains("EXEC").contains("ingest").contains("2024-03-04").contains("COMPLETED").contains("done (exit 0)");
        assertThat(home.resolve("results/ingest/zone_demand/2024-03-04.rentals.json")).exists();
        assertThat(home.resolve("results/ingest/zone_demand/2024-03-04.zones.json")).exists();
    }
}
