package dev.mlops.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Trino server (the engine of Athena engine 3) in a child process, with one catalog {@value #CATALOG}: the Hive
 * connector over the local file system, its metastore a folder ({@code hive.metastore=file}). For tests that run
 * Athena's SQL over a lake on disk ({@link AthenaOnTrino}). No Docker involved.
 *
 * <p>The server is the {@code io.trino:trino-server} tarball (unpacked once with {@code tar}: its plugins hard-link
 * each other) run by its own {@code bin/launcher run} on a JDK of {@value #MIN_JAVA} or newer (Trino 476+ needs it;
 * found under /usr/lib/jvm, or {@code TRINO_JAVA_HOME}). Only the hive plugin is loaded (a plugin folder of one
 * link), which halves the start. Its etc/, data and metastore live in a temp folder, deleted on {@link #close}. SQL
 * goes through Trino's JDBC driver (io.trino:trino-jdbc, built for Java 11, so it runs in the test JVM). A module
 * using it copies the tarball to target/trino/trino-server.tar.gz (maven-dependency-plugin, see jobs/cli/pom.xml)
 * and adds trino-jdbc as a test dependency.
 */
public final class TrinoServer implements AutoCloseable {
    public static final String CATALOG = "hive";
    public static final int MIN_JAVA = 24;
    private static final long START_TIMEOUT_MS = 240_000;

    private final Process process;
    private final Path dir;
    private final int port;
    private final Connection connection;

    private TrinoServer(Process process, Path dir, int port, Connection connection) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.connection = connection;
    }

    /** Where the build copies the tarball, relative to the module (the test's working directory). */
    public static Path defaultTarball() {
        return Paths.get("target/trino/trino-server.tar.gz").toAbsolutePath();
    }

    /** Why no server can start from {@code tarball} here (no tarball, no Java 24+), as a skip message; empty if one can. */
    public static Optional<String> unavailable(Path tarball) {
        if (!Files.isRegularFile(tarball)) {
            return Optional.of(tarball + " is missing: run the build (mvn generate-test-resources) first");
        }
        if (java().isEmpty()) {
            return Optional.of("Trino needs Java " + MIN_JAVA + "+: none found (TRINO_JAVA_HOME, java.home, /usr/lib/jvm/*)");
        }
        return Optional.empty();
    }

    /** A JDK of version {@value #MIN_JAVA}+: TRINO_JAVA_HOME, this JVM's, or the newest under /usr/lib/jvm. */
    public static Optional<Path> java() {
        List<Path> candidates = new ArrayList<>();
        Optional.ofNullable(System.getenv("TRINO_JAVA_HOME")).map(Paths::get).ifPresent(candidates::add);
        candidates.add(Paths.get(System.getProperty("java.home")));
        if (Files.isDirectory(Paths.get("/usr/lib/jvm"))) {
            try (Stream<Path> s = Files.list(Paths.get("/usr/lib/jvm"))) {
                s.sorted(Comparator.comparingInt(TrinoServer::javaVersion).reversed()).forEach(candidates::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return candidates.stream().filter(j -> javaVersion(j) >= MIN_JAVA && Files.isExecutable(j.resolve("bin/java"))).findFirst();
    }

    /** The major version in a JDK's {@code release} file (JAVA_VERSION="25.0.3"), 0 if there is none. */
    static int javaVersion(Path home) {
        try {
            for (String line : Files.readAllLines(home.resolve("release"))) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                    return Integer.parseInt(v.split("[.+-]")[0]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // no JDK there
        }
        return 0;
    }

    /** The tarball unpacked next to it (into server/), once: again only when the tarball changed. */
    public static synchronized Path unpack(Path tarball) throws IOException, InterruptedException {
        Path home = tarball.resolveSibling("server");
        Path marker = home.resolve(".unpacked");
        String stamp = Files.size(tarball) + " " + Files.getLastModifiedTime(tarball).toMillis();
        if (Files.exists(marker) && Files.readString(marker).equals(stamp)) {
            return home;
        }
        delete(home);
        Files.createDirectories(home);
        run(List.of("tar", "-xzf", tarball.toString(), "-C", home.toString(), "--strip-components=1"));
        Files.writeString(marker, stamp);
        return home;
    }

    /** Unpacks the build's tarball ({@link #defaultTarball}) if needed and starts a server from it on the Java found. */
    public static TrinoServer start() throws Exception {
        Path tarball = defaultTarball();
        unavailable(tarball).ifPresent(why -> {
            throw new IllegalStateException(why);
        });
        return start(unpack(tarball), java().orElseThrow());
    }

    /** Starts {@code trinoHome}/bin/launcher run on {@code javaHome} (127.0.0.1, a free port) and waits until it runs queries. */
    public static TrinoServer start(Path trinoHome, Path javaHome) throws Exception {
        Path dir = Files.createTempDirectory("trino-server");
        Path etc = Files.createDirectories(dir.resolve("etc/catalog"));
        Path data = Files.createDirectories(dir.resolve("data"));
        Path metastore = Files.createDirectories(dir.resolve("metastore"));
        Path plugins = Files.createDirectories(dir.resolve("plugin"));
        Files.createSymbolicLink(plugins.resolve("hive"), trinoHome.resolve("plugin/hive"));
        int port = freePort();
        Files.writeString(etc.resolveSibling("node.properties"), lines("node.environment=test", "node.id=test",
                "node.data-dir=" + data, "node.bind-ip=127.0.0.1", "node.internal-address=127.0.0.1"));
        // a modest heap (the machine is shared); UTC as in Athena, for Parquet's INT96 timestamps
        Files.writeString(etc.resolveSibling("jvm.config"), lines("-server", "-Xmx1G", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError",
                "-XX:ReservedCodeCacheSize=256M", "-Djdk.attach.allowAttachSelf=true", "-XX:+EnableDynamicAgentLoading",
                "--enable-native-access=ALL-UNNAMED", "-Duser.timezone=UTC", "-Dfile.encoding=UTF-8"));
        Files.writeString(etc.resolveSibling("config.properties"), lines("coordinator=true", "node-scheduler.include-coordinator=true",
                "http-server.http.port=" + port, "discovery.uri=http://127.0.0.1:" + port, "plugin.dir=" + plugins,
                "query.max-memory=512MB", "query.max-memory-per-node=512MB"));
        // read only: no hive.non-managed-table-writes-enabled, the lake is never written; a projected partition
        // without a folder reads as empty (as in Athena) instead of failing the query
        Files.writeString(etc.resolve("hive.properties"), lines("connector.name=hive", "hive.metastore=file",
                "hive.metastore.catalog.dir=local://" + metastore, "fs.native-local.enabled=true", "local.location=/",
                "hive.ignore-absent-partitions=true"));
        Path log = dir.resolve("server.log");
        Process p = new ProcessBuilder(List.of(trinoHome.resolve("bin/launcher").toString(), "run", "--etc-dir=" + etc.getParent(),
                "--data-dir=" + data, "--jvm-dir=" + javaHome)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(p)));   // a test JVM that ends without close()
        try {
            awaitReady(p, port, log);
            Properties props = new Properties();
            props.setProperty("user", "test");
            Connection c = DriverManager.getConnection("jdbc:trino://127.0.0.1:" + port + "/" + CATALOG, props);
            TrinoServer server = new TrinoServer(p, dir, port, c);
            // started is not yet ready: the node announces itself to the coordinator a moment later ("No nodes available")
            long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
            while (true) {
                try {
                    server.query("SELECT 1");
                    return server;
                } catch (SQLException notYet) {
                    if (System.currentTimeMillis() > deadline || !p.isAlive()) {
                        throw new IllegalStateException("Trino does not run queries: " + notYet.getMessage() + "\n" + tail(log));
                    }
                    Thread.sleep(250);
                }
            }
        } catch (Exception e) {
            stop(p);
            delete(dir);   // the exception carries the log's tail
            throw e;
        }
    }

    private static void awaitReady(Process p, int port, Path log) throws Exception {
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("Trino exited (" + p.exitValue() + "):\n" + tail(log));
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/v1/info").toURL().openConnection();
                c.setConnectTimeout(500);
                c.setReadTimeout(2000);
                if (c.getResponseCode() == 200 && new String(c.getInputStream().readAllBytes()).replace(" ", "").contains("\"starting\":false")) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("Trino did not start within " + START_TIMEOUT_MS / 1000 + " s:\n" + tail(log));
    }

    public String jdbcUrl() {
        return "jdbc:trino://127.0.0.1:" + port + "/" + CATALOG;
    }

    /** A folder of the server's own, deleted with it. */
    public Path scratch() throws IOException {
        return Files.createDirectories(dir.resolve("scratch"));
    }

    /** The server's log (its stdout and stderr). */
    public Path log() {
        return dir.resolve("server.log");
    }

    /** Runs a statement (DDL, CALL). */
    public void execute(String sql) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute(sql);
        }
    }

    /** The rows of a query, each column label to its JDBC value (arrays as lists), in column order. */
    public List<Map<String, Object>> query(String sql) throws SQLException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    Object v = rs.getObject(i);
                    row.put(md.getColumnLabel(i), v instanceof Array a ? Arrays.asList((Object[]) a.getArray()) : v);
                }
                rows.add(row);
            }
        }
        return rows;
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // the server goes anyway
        }
        stop(process);
        delete(dir);
    }

    /** Stops the launcher's process tree (`launcher run` execs the JVM, so normally that is one process). */
    private static void stop(Process p) {
        List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
        tree.add(p.toHandle());
        tree.forEach(ProcessHandle::destroy);
        for (ProcessHandle h : tree) {
            try {
                h.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
    }

    private static String lines(String... lines) {
        return String.join("\n", lines) + "\n";
    }

    private static String tail(Path log) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - 60), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
    }

    private static void delete(Path dir) {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            // walk does not follow the plugin link: the unpacked server stays
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
