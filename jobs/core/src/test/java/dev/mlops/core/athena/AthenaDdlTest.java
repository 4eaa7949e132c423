package dev.mlops.core.athena;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.core.spec.LoadedSpec;
import dev.mlops.core.spec.SpecRepository;
import dev.mlops.core.testing.TestEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class AthenaDdlTest {
    @Test
    void committedDdlMatchesTheSpecs() throws Exception {
        SpecRepository repo = new SpecRepository(TestEnvironment.specsDir());
        Path athena = TestEnvironment.specsDir().getParent().getParent().resolve("sql/athena");
        for (String model : repo.models()) {
            LoadedSpec spec = repo.load(model);
            Path file = athena.resolve(model + ".sql");
            String expected = AthenaDdl.forModel(spec.spec());
            assertThat(file).as("sql/athena/" + model + ".sql exists (./mlops spec --athena --model " + model + ")").exists();
            assertThat(Files.readString(file))
                    .as("sql/athena/" + model + ".sql is out of date with its spec; regenerate: make athena-ddl")
                    .isEqualTo(expected);
            Path views = athena.resolve("views").resolve(model + ".sql");
            assertThat(views).as("sql/athena/views/" + model + ".sql exists (./mlops spec --athena-views --model " + model + ")").exists();
            assertThat(Files.readString(views))
                    .as("sql/athena/views/" + model + ".sql is out of date with its spec; regenerate: make athena-ddl")
                    .isEqualTo(AthenaDdl.viewsForModel(spec.spec()));
        }
    }

    @Test
    void theServedVersionsViewReadsTheProductionPredictions() {
        String views = AthenaDdl.viewsForModel(new SpecRepository(TestEnvironment.specsDir()).load("zone_demand").spec());
        assertThat(views).contains("CREATE OR REPLACE VIEW ${database}.served_versions_zone_demand AS\n")
                .contains("FROM ${database}.predictions_zone_demand\nWHERE alias = 'production'\nGROUP BY dt, model, model_version;\n");
    }

    @Test
    void tablesArePartitionedAndTyped() {
        String ddl = AthenaDdl.forModel(new SpecRepository(TestEnvironment.specsDir()).load("trip_risk").spec());
        assertThat(ddl).contains("CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.raw_trips (")
                .contains("  `max_speed_kph` double,")
                .contains("  `start_ts` timestamp,")
                .contains("LOCATION '${lake}/validated/trips/'")
                .contains("PARTITIONED BY (dt string, stage string)")
                .contains("'projection.stage.values' = 'ingest,validate'")
                .contains("'storage.location.template' = '${lake}/quarantine/trips/dt=${dt}/stage=${stage}/'");
    }
}
