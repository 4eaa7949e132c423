package dev.mlops.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.lake.Manifest;
import dev.mlops.core.testing.S3MockServer;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import dev.mlops.datagen.DataGenerator;
import dev.mlops.datagen.GenerationReport;
import dev.mlops.datagen.GeneratorOptions;
import dev.mlops.datagen.ModelKind;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The same ingest code path with the lake on S3 (s3:// URIs through Hadoop's S3A) against an S3 API server. */
class S3LakeIngestTest {
    static final LocalDate D = LocalDate.of(2024, 3, 4);
    static S3MockServer s3;

    @TempDir
    static Path home;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = S3MockServer.start();
        s3.configure(TestEnvironment.spark().sparkContext().hadoopConfiguration());
        try (S3Client client = client()) {
            client.createBucket(b -> b.bucket("lake"));
        }
    }

    static S3Client client() {
        return s3.client();
    }

    @AfterAll
    static void stopS3() {
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void ingestPublishesToAnS3LakeAndReRunsReplace() throws Exception {
        try (TestPlatform tp = TestEnvironment.platform(home, Map.of("lake.uri", "s3://lake/prod"));
             S3Client client = client()) {
            DataGenerator g = new DataGenerator(new GeneratorOptions(D, D, Set.of(ModelKind.ZONE_DEMAND), 7, 0.3, List.of(), List.of()));
            GenerationReport gen = g.writeLanding(Paths.get(tp.platform().config().landingUri()));
            long expected = gen.rowsByDataset().get("rentals");

            for (int run = 1; run <= 2; run++) {
                TestEnvironment.Output o = TestEnvironment.execute(Cli.commandLine(new IngestCommand(), c -> tp.platform()),
                        "--model", "zone_demand", "--date", D.toString(), "--dataset", "rentals");
                assertThat(o.code()).as(o.err()).isZero();
                assertThat(TestEnvironment.spark().read().parquet("s3a://lake/prod/raw/rentals/dt=2024-03-04").count())
                        .as("run %d", run).isEqualTo(expected);
            }
            List<String> keys = client.listObjectsV2Paginator(b -> b.bucket("lake").prefix("prod/")).contents().stream()
                    .map(S3Object::key).toList();
            assertThat(keys).contains("prod/raw/rentals/dt=2024-03-04/_manifest.json");
            assertThat(keys).anyMatch(k -> k.startsWith("prod/raw/rentals/dt=2024-03-04/part-") && k.endsWith(".parquet"));
            // no staged or backed-up data left behind (S3A may leave an empty "directory" marker for the staging parent)
            assertThat(keys).noneMatch(k -> (k.contains("_staging") || k.contains("_backup_")) && !k.endsWith("/"));
            String manifest = client.getObjectAsBytes(b -> b.bucket("lake").key("prod/raw/rentals/dt=2024-03-04/_manifest.json")).asUtf8String();
            assertThat(Manifest.fromJson(manifest).rows()).isEqualTo(expected);
            assertThat(Manifest.fromJson(manifest).run().jobInstanceId()).isEqualTo(2);
        }
    }
}
