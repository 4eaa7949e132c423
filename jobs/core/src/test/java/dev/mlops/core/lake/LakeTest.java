package dev.mlops.core.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LakeTest {
    private static final LocalDate D = LocalDate.of(2024, 3, 1);

    @Test
    void publishReplacesThePartition(@TempDir Path root) throws Exception {
        Lake lake = new Lake(root.toUri(), new Configuration());
        org.apache.hadoop.fs.Path target = lake.partition("raw", "rentals", D);
        assertThat(target.toString()).endsWith("/raw/rentals/dt=2024-03-01");

        org.apache.hadoop.fs.Path s1 = new org.apache.hadoop.fs.Path(lake.staging("ingest", "m", D, 1), "a");
        lake.writeText(new org.apache.hadoop.fs.Path(s1, "part-0"), "v1");
        lake.publish(s1, target);
        assertThat(lake.readText(new org.apache.hadoop.fs.Path(target, "part-0"))).contains("v1");

        org.apache.hadoop.fs.Path s2 = new org.apache.hadoop.fs.Path(lake.staging("ingest", "m", D, 2), "a");
        lake.writeText(new org.apache.hadoop.fs.Path(s2, "part-1"), "v2");
        lake.publish(s2, target);
        assertThat(lake.readText(new org.apache.hadoop.fs.Path(target, "part-1"))).contains("v2");
        assertThat(lake.exists(new org.apache.hadoop.fs.Path(target, "part-0"))).as("old files are gone, not merged").isFalse();
        assertThat(lake.exists(s2)).isFalse();
        assertThat(Files.list(root.resolve("raw/rentals")).map(p -> p.getFileName().toString())).containsExactly("dt=2024-03-01");
        assertThat(lake.partitions("raw", "rentals")).containsExactly(D);
    }

    @Test
    void recoverRestoresAPartitionLeftAsideByACrash(@TempDir Path root) throws Exception {
        Lake lake = new Lake(root.toUri(), new Configuration());
        org.apache.hadoop.fs.Path target = lake.partition("raw", "rentals", D);
        lake.writeText(new org.apache.hadoop.fs.Path(target, "part-0"), "old");
        // a publish that died after moving the old partition aside and before moving the new one in
        org.apache.hadoop.fs.Path backup = Lake.backupOf(target);
        assertThat(backup.getName()).startsWith("_");
        lake.mkdirs(backup.getParent());
        try {
            target.getFileSystem(new Configuration()).rename(target, backup);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        assertThat(lake.partitions("raw", "rentals")).isEmpty();
        assertThat(lake.recover(target)).isTrue();
        assertThat(lake.readText(new org.apache.hadoop.fs.Path(target, "part-0"))).contains("old");
        assertThat(lake.recover(target)).isFalse();
    }

    @Test
    void s3UrisUseS3a() {
        Lake lake = new Lake(java.net.URI.create("s3://bucket/prefix/"), new Configuration());
        assertThat(lake.partition("raw", "trips", D).toString()).isEqualTo("s3a://bucket/prefix/raw/trips/dt=2024-03-01");
    }

    @Test
    void manifestRoundTrips() {
        Manifest m = new Manifest("raw/trips", D, "trip_risk", 10, 1, java.util.List.of("a:int"), "h",
                java.util.List.of(Manifest.InputFile.file("file:/x", 3, "abc")), java.util.Map.of("column", "updated_at"),
                new Manifest.Run("ingest", 1, 2, "dev", "s"), java.time.Instant.parse("2024-03-02T00:00:00Z"));
        assertThat(Manifest.fromJson(m.toJson())).isEqualTo(m);
        assertThat(m.toJson()).contains("\"quarantined_rows\" : 1").contains("\"written_at\" : \"2024-03-02T00:00:00Z\"");
    }
}
