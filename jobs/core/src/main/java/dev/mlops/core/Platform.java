package dev.mlops.core;

import static java.util.Objects.requireNonNull;

import com.zaxxer.hikari.HikariDataSource;
import dev.mlops.core.batch.BatchRuntime;
import dev.mlops.core.config.ConfigException;
import dev.mlops.core.config.Environment;
import dev.mlops.core.config.JdbcTarget;
import dev.mlops.core.config.PlatformConfig;
import dev.mlops.core.db.Databases;
import dev.mlops.core.db.LocalPostgres;
import dev.mlops.core.lake.Lake;
import dev.mlops.core.result.ResultSink;
import dev.mlops.core.spark.SparkSessions;
import dev.mlops.core.spec.SpecRepository;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.apache.spark.sql.SparkSession;

/**
 * Everything a job needs from its environment, built lazily from the {@link PlatformConfig}:
 * the SparkSession, the lake and landing area, the metadata database (embedded PostgreSQL
 * locally) with the batch runtime, JDBC connections, specs and the result sink. One per
 * process; closing it stops what it started. Tests build one around a shared SparkSession
 * and database with {@link #builder}.
 */
public final class Platform implements AutoCloseable {
    private final PlatformConfig config;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private SparkSession spark;
    private boolean ownsSpark;
    private LocalPostgres localPostgres;
    private DataSource metadata;
    private BatchRuntime batch;
    private final java.util.function.Function<String, JdbcTarget> connectionOverride;

    private Platform(PlatformConfig config, SparkSession spark, DataSource metadata,
                     java.util.function.Function<String, JdbcTarget> connectionOverride) {
        this.config = requireNonNull(config, "config is null");
        this.spark = spark;
        this.metadata = metadata;
        this.connectionOverride = connectionOverride;
    }

    /** A platform that creates and owns everything it needs. */
    public static Platform open(PlatformConfig config) {
        return new Platform(config, null, null, null);
    }

    public static Builder builder(PlatformConfig config) {
        return new Builder(config);
    }

    /** For tests and embedding: supply a SparkSession, metadata DataSource and connections that the platform does not own. */
    public static final class Builder {
        private final PlatformConfig config;
        private SparkSession spark;
        private DataSource metadata;
        private java.util.function.Function<String, JdbcTarget> connections;

        private Builder(PlatformConfig config) {
            this.config = config;
        }

        public Builder spark(SparkSession spark) {
            this.spark = spark;
            return this;
        }

        public Builder metadata(DataSource metadata) {
            this.metadata = metadata;
            return this;
        }

        public Builder connections(java.util.function.Function<String, JdbcTarget> connections) {
            this.connections = connections;
            return this;
        }

        public Platform build() {
            return new Platform(config, spark, metadata, connections);
        }
    }

    public PlatformConfig config() {
        return config;
    }

    public synchronized SparkSession spark() {
        if (spark == null) {
            spark = SparkSessions.create(config, "mlops");
            ownsSpark = true;
        }
        return spark;
    }

    public Lake lake() {
        return new Lake(config.lakeUri(), spark().sparkContext().hadoopConfiguration());
    }

    public Lake landing() {
        return new Lake(config.landingUri(), spark().sparkContext().hadoopConfiguration());
    }

    public SpecRepository specs() {
        return new SpecRepository(config.specsDir());
    }

    private synchronized LocalPostgres localPostgres() {
        if (localPostgres == null) {
            localPostgres = LocalPostgres.start(config.home(), config.postgresPort());
            owned.add(localPostgres);
        }
        return localPostgres;
    }

    /** The metadata database (job repository, results, registry, audit), migrated. */
    public synchronized DataSource metadata() {
        if (metadata == null) {
            JdbcTarget target = config.metadata().orElseGet(() -> localPostgres().target("mlops"));
            HikariDataSource pool = Databases.pool(target, "mlops-metadata", 8);
            owned.add(0, pool);
            Databases.migrate(pool);
            metadata = pool;
        }
        return metadata;
    }

    public synchronized BatchRuntime batch() {
        if (batch == null) {
            batch = new BatchRuntime(metadata());
        }
        return batch;
    }

    /**
     * A named JDBC connection for sources ({@code connections.<name>} in the config). Locally,
     * an unconfigured {@code ops} is the embedded server's {@code ops} database, where
     * {@code mlops generate} writes the reference tables.
     */
    public JdbcTarget connection(String name) {
        if (connectionOverride != null) {
            JdbcTarget t = connectionOverride.apply(name);
            if (t != null) {
                return t;
            }
        }
        JdbcTarget configured = config.connections().get(name);
        if (configured != null) {
            return configured;
        }
        if (config.env() == Environment.LOCAL && LocalPostgres.DATABASES.contains(name)) {
            return localPostgres().target(name);
        }
        throw new ConfigException("config", "connections." + name + ".jdbc_url",
                "missing: the spec names connection '" + name + "' (set MLOPS_CONNECTIONS_" + name.toUpperCase(java.util.Locale.ROOT)
                        + "_JDBC_URL or connections." + name + ".jdbc_url in the config file)");
    }

    public ResultSink results() {
        return new ResultSink(config.resultsDir(), config.resultPath(), this::metadata);
    }

    @Override
    public void close() {
        if (ownsSpark && spark != null) {
            spark.stop();
        }
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing best effort
            }
        }
    }
}
