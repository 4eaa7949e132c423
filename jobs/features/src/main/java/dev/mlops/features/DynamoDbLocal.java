package dev.mlops.features;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import dev.mlops.core.JobException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local default online store: DynamoDB Local (the AWS artifact from Maven Central) in process,
 * its data in {@code MLOPS_HOME/dynamodb/shared-local-instance.db}, so values persist between
 * commands. If another process of the same home already serves it (port in {@code dynamodb/port}),
 * this one talks to that server instead of opening the database file a second time; the process
 * that started the server stops it when it exits.
 */
public final class DynamoDbLocal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbLocal.class);

    private final DynamoDBProxyServer server;
    private final int port;

    private DynamoDbLocal(DynamoDBProxyServer server, int port) {
        this.server = server;
        this.port = port;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** Starts (or attaches to) DynamoDB Local for a home directory. */
    public static DynamoDbLocal start(Path home) {
        Path dir = home.resolve("dynamodb");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw JobException.retryable("cannot create " + dir + ": " + e.getMessage(), e);
        }
        try (FileChannel ch = FileChannel.open(dir.resolve(".start.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            Path portFile = dir.resolve("port");
            if (Files.exists(portFile)) {
                int running = -1;
                try {
                    running = Integer.parseInt(Files.readString(portFile, StandardCharsets.UTF_8).trim());
                } catch (NumberFormatException e) {
                    LOG.warn("ignoring unreadable {}", portFile);
                }
                if (running > 0 && isDynamoDb(running)) {
                    LOG.info("attaching to DynamoDB Local on port {} ({})", running, dir);
                    return new DynamoDbLocal(null, running);
                }
            }
            int port = freePort();
            long t0 = System.nanoTime();
            DynamoDBProxyServer server;
            // it prints its configuration banner on stdout, where our one-line summaries go: into the log instead
            java.io.PrintStream stdout = System.out;
            java.io.ByteArrayOutputStream banner = new java.io.ByteArrayOutputStream();
            synchronized (System.class) {
                System.setOut(new java.io.PrintStream(banner, true, StandardCharsets.UTF_8));
                try {
                    server = ServerRunner.createServerFromCommandLineArgs(new String[] {
                        "-port", Integer.toString(port), "-dbPath", dir.toString(), "-sharedDb", "-disableTelemetry"});
                    server.start();
                } finally {
                    System.setOut(stdout);
                }
            }
            LOG.debug("DynamoDB Local: {}", banner.toString(StandardCharsets.UTF_8).replace('\n', ' '));
            Files.writeString(portFile, Integer.toString(port), StandardCharsets.UTF_8);
            LOG.info("started DynamoDB Local on port {} in {} ms ({})", port, (System.nanoTime() - t0) / 1_000_000, dir);
            return new DynamoDbLocal(server, port);
        } catch (JobException e) {
            throw e;
        } catch (Exception e) {
            throw JobException.retryable("cannot start DynamoDB Local under " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Whether a DynamoDB API answers on the port (not just anything that reused a stale port). */
    private static boolean isDynamoDb(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        } catch (IOException e) {
            return false;
        }
        try {
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                            .timeout(java.time.Duration.ofSeconds(2))
                            .header("X-Amz-Target", "DynamoDB_20120810.ListTables")
                            .header("Content-Type", "application/x-amz-json-1.0")
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            return r.headers().firstValue("x-amzn-RequestId").isPresent() || r.body().contains("TableNames") || r.body().contains("__type");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        if (server != null) {
            try {
                server.stop();
            } catch (Exception e) {
                LOG.warn("stopping DynamoDB Local: {}", e.toString());
            }
        }
    }
}
