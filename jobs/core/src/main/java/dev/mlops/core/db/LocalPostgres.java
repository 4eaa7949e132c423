package dev.mlops.core.db;

import dev.mlops.core.JobException;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local default PostgreSQL: an embedded server (zonky; binaries from Maven Central) whose
 * data directory lives under {@code MLOPS_HOME/postgres}, so state survives between commands.
 *
 * <p>If another process of the same home already runs the server, this one connects to it
 * instead of starting a second one (its port is read from {@code postmaster.pid}); the
 * process that started it stops it when it exits.
 */
public final class LocalPostgres implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalPostgres.class);
    public static final String USER = "postgres";
    /** Databases of the local world: platform metadata, and the simulated operational database. */
    public static final List<String> DATABASES = List.of("mlops", "ops");

    private final EmbeddedPostgres server;
    private final int port;

    private LocalPostgres(EmbeddedPostgres server, int port) {
        this.server = server;
        this.port = port;
    }

    /**
     * Starts (or attaches to) the server for a home directory. Two processes starting at the
     * same moment are serialized by a file lock, so one starts the server and the other attaches.
     */
    public static LocalPostgres start(Path home, int port) {
        Path dataDir = home.resolve("postgres").resolve("data");
        try {
            Files.createDirectories(dataDir.getParent());
        } catch (IOException e) {
            throw JobException.retryable("cannot create " + dataDir.getParent() + ": " + e.getMessage(), e);
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(dataDir.getParent().resolve(".start.lock"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
             java.nio.channels.FileLock ignored = ch.lock()) {
            return startLocked(home, dataDir, port);
        } catch (IOException e) {
            throw JobException.retryable("cannot lock " + dataDir.getParent() + "/.start.lock: " + e.getMessage(), e);
        }
    }

    private static LocalPostgres startLocked(Path home, Path dataDir, int port) {
        try {
            Integer running = runningPort(dataDir);
            if (running != null) {
                LOG.info("using embedded PostgreSQL already running on port {} for {}", running, dataDir);
                return new LocalPostgres(null, running);
            }
            Files.createDirectories(dataDir);
            EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setServerConfig("max_connections", "100");
            // the registry and the audit ledger of MLOPS_HOME live here: crash-safe unless a test JVM says otherwise
            // (explicitly, as well: a data directory a test left keeps no setting between starts)
            boolean unsafe = unsafeFast();
            b.setServerConfig("fsync", unsafe ? "off" : "on")
                    .setServerConfig("synchronous_commit", unsafe ? "off" : "on")
                    .setServerConfig("full_page_writes", unsafe ? "off" : "on");
            if (port > 0) {
                b.setPort(port);
            }
            EmbeddedPostgres pg = b.start();
            LocalPostgres local = new LocalPostgres(pg, pg.getPort());
            local.ensureDatabases();
            return local;
        } catch (IOException | RuntimeException e) {
            throw JobException.retryable("cannot start the embedded PostgreSQL in " + dataDir + ": " + e.getMessage()
                    + " (if no other mlops process uses " + home + ", deleting " + home.resolve("postgres")
                    + " resets the local metadata)", e);
        }
    }

    /**
     * System property that trades crash safety for speed ({@code fsync}, {@code synchronous_commit} and
     * {@code full_page_writes} off) for servers under {@code MLOPS_HOME}. Only the test JVMs set it (surefire's
     * {@code systemPropertyVariables} in the parent pom); a user's local database is always durable.
     */
    public static final String UNSAFE_FAST_PROPERTY = "mlops.postgres.unsafe-fast";

    static boolean unsafeFast() {
        return Boolean.getBoolean(UNSAFE_FAST_PROPERTY);
    }

    /** Starts a throw-away server in a temporary directory (tests, benchmarks: nothing in it outlives the process). */
    public static LocalPostgres startEphemeral() {
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("max_connections", "200")
                    .start();
            LocalPostgres local = new LocalPostgres(pg, pg.getPort());
            local.ensureDatabases();
            return local;
        } catch (IOException e) {
            throw JobException.retryable("cannot start an embedded PostgreSQL: " + e.getMessage(), e);
        }
    }

    private static Integer runningPort(Path dataDir) throws IOException {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return null;
        }
        List<String> lines = Files.readAllLines(pidFile);
        if (lines.size() < 4) {
            return null;
        }
        long pid = Long.parseLong(lines.get(0).trim());
        boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        return alive ? Integer.parseInt(lines.get(3).trim()) : null;
    }

    private void ensureDatabases() {
        try (Connection c = java.sql.DriverManager.getConnection(jdbcUrl("postgres"), USER, null);
             Statement st = c.createStatement()) {
            for (String db : DATABASES) {
                try (var rs = st.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + db + "'")) {
                    if (!rs.next()) {
                        st.execute("CREATE DATABASE " + db);
                    }
                }
            }
        } catch (SQLException e) {
            throw JobException.retryable("cannot create the local databases: " + e.getMessage(), e);
        }
    }

    /** Creates a database if missing (tests use one per test class). */
    public void createDatabase(String name) {
        try (Connection c = java.sql.DriverManager.getConnection(jdbcUrl("postgres"), USER, null);
             Statement st = c.createStatement()) {
            try (var rs = st.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name + "'")) {
                if (!rs.next()) {
                    st.execute("CREATE DATABASE " + name);
                }
            }
        } catch (SQLException e) {
            throw JobException.retryable("cannot create database " + name + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return port;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    public dev.mlops.core.config.JdbcTarget target(String database) {
        return new dev.mlops.core.config.JdbcTarget(jdbcUrl(database), USER, "");
    }

    /** Whether this process started the server (and so stops it on close). */
    public boolean owner() {
        return server != null;
    }

    @Override
    public void close() {
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                LOG.warn("stopping embedded PostgreSQL failed: {}", e.getMessage());
            }
        }
    }
}
