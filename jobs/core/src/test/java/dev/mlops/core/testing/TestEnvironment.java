package dev.mlops.core.testing;

import com.zaxxer.hikari.HikariDataSource;
import dev.mlops.core.Platform;
import dev.mlops.core.config.ConfigLoader;
import dev.mlops.core.config.JdbcTarget;
import dev.mlops.core.config.PlatformConfig;
import dev.mlops.core.db.Databases;
import dev.mlops.core.db.LocalPostgres;
import dev.mlops.core.spark.SparkSessions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.SparkSession;

/**
 * What every test JVM shares: one SparkSession ({@code local[2]}) and one PostgreSQL server,
 * started on first use and stopped at JVM exit. The server is an embedded PostgreSQL (no
 * Docker), or a Testcontainers PostgreSQL when {@code MLOPS_TEST_POSTGRES=testcontainers}.
 * Each {@link #platform} gets fresh databases, so tests do not see each other's runs.
 */
public final class TestEnvironment {
    private static SparkSession spark;
    private static Server server;
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private TestEnvironment() {
    }

    /** A PostgreSQL server tests can create databases in. */
    public interface Server {
        JdbcTarget target(String database);

        void createDatabase(String name);
    }

    public static synchronized SparkSession spark() {
        if (spark == null) {
            Map<String, String> conf = new HashMap<>(SparkSessions.defaults("local[2]"));
            conf.put("spark.sql.shuffle.partitions", "2");
            conf.put("spark.default.parallelism", "2");
            SparkSession.Builder b = SparkSession.builder().appName("mlops-tests").master("local[2]");
            conf.forEach(b::config);
            spark = b.getOrCreate();
            Runtime.getRuntime().addShutdownHook(new Thread(spark::stop));
        }
        return spark;
    }

    public static synchronized Server postgres() {
        if (server == null) {
            if ("testcontainers".equals(System.getenv("MLOPS_TEST_POSTGRES"))) {
                server = TestcontainersServer.start();
            } else {
                LocalPostgres pg = LocalPostgres.startEphemeral();
                Runtime.getRuntime().addShutdownHook(new Thread(pg::close));
                server = new Server() {
                    @Override
                    public JdbcTarget target(String database) {
                        return pg.target(database);
                    }

                    @Override
                    public void createDatabase(String name) {
                        pg.createDatabase(name);
                    }
                };
            }
        }
        return server;
    }

    /** The repo's model specs (tests run with the module directory as working directory). */
    public static Path specsDir() {
        for (Path p : List.of(Paths.get("dags/models"), Paths.get("../dags/models"), Paths.get("../../dags/models"))) {
            if (Files.isDirectory(p)) {
                return p.toAbsolutePath().normalize();
            }
        }
        throw new IllegalStateException("cannot find dags/models from " + Paths.get("").toAbsolutePath());
    }

    public static PlatformConfig config(Path home, Map<String, String> overrides) {
        Map<String, String> o = new HashMap<>(overrides);
        o.putIfAbsent("specs.dir", specsDir().toString());
        o.putIfAbsent("spark.master", "local[2]");
        return ConfigLoader.load(Map.of(), home, null, o);
    }

    /** A platform over the shared Spark and PostgreSQL with fresh metadata and ops databases. */
    public static TestPlatform platform(Path home) {
        return platform(home, Map.of());
    }

    public static TestPlatform platform(Path home, Map<String, String> overrides) {
        int n = DATABASES.incrementAndGet();
        String metaDb = "meta_" + ProcessHandle.current().pid() + "_" + n;
        String opsDb = "ops_" + ProcessHandle.current().pid() + "_" + n;
        Server pg = postgres();
        pg.createDatabase(metaDb);
        pg.createDatabase(opsDb);
        HikariDataSource meta = Databases.pool(pg.target(metaDb), metaDb, 6);
        Databases.migrate(meta);
        HikariDataSource ops = Databases.pool(pg.target(opsDb), opsDb, 2);
        JdbcTarget opsTarget = pg.target(opsDb);
        Platform platform = Platform.builder(config(home, overrides))
                .spark(spark())
                .metadata(meta)
                .connections(name -> "ops".equals(name) ? opsTarget : null)
                .build();
        return new TestPlatform(platform, meta, ops, opsTarget);
    }

    /** A platform and the data sources behind it; closing it closes the pools (the server stays up). */
    public record TestPlatform(Platform platform, HikariDataSource metadata, HikariDataSource ops, JdbcTarget opsTarget)
            implements AutoCloseable {
        public void sql(String statement) {
            try (Connection c = ops.getConnection(); Statement st = c.createStatement()) {
                st.execute(statement);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            platform.close();
            metadata.close();
            ops.close();
        }
    }

    /** What a command printed and returned. */
    public record Output(int code, String out, String err) {
    }

    /** Runs a command line with its stdout and stderr captured. */
    public static Output execute(picocli.CommandLine cl, String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        int code = cl.execute(args);
        return new Output(code, out.toString(), err.toString());
    }

    static Connection connect(JdbcTarget t) throws SQLException {
        return DriverManager.getConnection(t.url(), t.user(), t.password());
    }
}
