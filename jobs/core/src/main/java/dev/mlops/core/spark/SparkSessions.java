package dev.mlops.core.spark;

import dev.mlops.core.config.PlatformConfig;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Builds the one SparkSession of a process from the platform config. Defaults suit a laptop
 * ({@code local[*]}, loopback driver, no UI, few shuffle partitions, UTC); every Spark conf can
 * be overridden with {@code spark.conf.<key>} in the config file, and the master with
 * {@code spark.master}. On a cluster ({@code spark://}, {@code k8s://}) this process is the driver (client mode);
 * the settings it needs there ({@code spark.driver_host}, fixed ports, the Kubernetes executors' image, namespace
 * and service account) come from the {@code spark.*} config keys, turned into Spark settings by the
 * {@link dev.mlops.core.config.ConfigLoader} ahead of {@code spark.conf.*} (docs/configuration.md, "Running Spark on
 * a cluster").
 */
public final class SparkSessions {
    private SparkSessions() {
    }

    public static SparkSession create(PlatformConfig config, String appName) {
        SparkSession.Builder b = SparkSession.builder()
                .appName(appName)
                .master(config.sparkMaster());
        defaults(config.sparkMaster()).forEach(b::config);
        if (config.lakeUri().getScheme() != null && config.lakeUri().getScheme().startsWith("s3")) {
            // the v1 default chain includes web identity (IRSA service accounts in EKS) and instance profiles
            b.config("spark.hadoop.fs.s3a.aws.credentials.provider", "com.amazonaws.auth.DefaultAWSCredentialsProviderChain");
            config.awsRegion().ifPresent(r -> b.config("spark.hadoop.fs.s3a.endpoint.region", r));
            // keep directory markers: without it S3A deletes every parent's marker after each write, one DELETE per
            // level up to the bucket root, outside the job's own prefixes (denied by its role; measured in the
            // production rehearsal, jobs/deploy). Every S3A client since Hadoop 3.2.2/3.3.1 reads kept markers
            b.config("spark.hadoop.fs.s3a.directory.marker.retention", "keep");
        }
        config.sparkConf().forEach(b::config);
        return b.getOrCreate();
    }

    /** The defaults applied before the user's {@code spark.conf.*}. */
    public static Map<String, String> defaults(String master) {
        boolean local = master.startsWith("local");
        java.util.LinkedHashMap<String, String> m = new java.util.LinkedHashMap<>();
        m.put("spark.sql.session.timeZone", "UTC");
        m.put("spark.sql.ansi.enabled", "false");
        m.put("spark.sql.sources.partitionOverwriteMode", "dynamic");
        m.put("spark.sql.parquet.compression.codec", "snappy");
        m.put("spark.ui.enabled", "false");
        m.put("spark.ui.showConsoleProgress", "false");
        m.put("spark.sql.adaptive.enabled", "true");
        m.put("spark.sql.debug.maxToStringFields", "500");
        m.put("spark.hadoop.fs.s3a.path.style.access", "true");
        m.put("spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs", "false");
        m.put("spark.hadoop.parquet.summary.metadata.level", "NONE");
        if (local) {
            m.put("spark.driver.host", "127.0.0.1");
            m.put("spark.driver.bindAddress", "127.0.0.1");
            m.put("spark.sql.shuffle.partitions", "4");
            m.put("spark.default.parallelism", "4");
        }
        return m;
    }
}
