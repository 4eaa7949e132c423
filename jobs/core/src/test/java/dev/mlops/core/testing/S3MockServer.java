package dev.mlops.core.testing;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/**
 * An S3 API server (Adobe S3Mock, its exec jar copied to target/s3mock by the build) in a child
 * JVM, for tests of the S3 lake path. No Docker involved. A module using it copies the exec jar
 * to its target/s3mock/ (maven-dependency-plugin, see jobs/ingest/pom.xml).
 */
public final class S3MockServer implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;

    private S3MockServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    public static S3MockServer start() throws Exception {
        Path jar = Paths.get("target/s3mock/s3mock-exec.jar").toAbsolutePath();
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: run the build (mvn generate-test-resources) first");
        }
        int http = freePort();
        int https = freePort();
        Path log = Files.createTempFile("s3mock", ".log");
        Path root = Files.createTempDirectory("s3mock-root");
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-Xmx512m", "-jar", jar.toString(),
                "--com.adobe.testing.s3mock.httpPort=" + http,
                "--server.port=" + https,
                "--com.adobe.testing.s3mock.root=" + root))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        S3MockServer server = new S3MockServer(p, http, log);
        long deadline = System.currentTimeMillis() + 90_000;
        while (System.currentTimeMillis() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("S3Mock exited: " + Files.readString(log));
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create(server.endpoint() + "/").toURL().openConnection();
                c.setConnectTimeout(500);
                c.setReadTimeout(2000);
                if (c.getResponseCode() < 500) {
                    return server;
                }
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(250);
        }
        server.close();
        throw new IllegalStateException("S3Mock did not start within 90 s: " + Files.readString(log));
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** Points Hadoop's S3A (s3:// and s3a:// lake paths) at this server, with its test credentials. */
    public void configure(org.apache.hadoop.conf.Configuration hadoop) {
        hadoop.set("fs.s3a.endpoint", endpoint());
        hadoop.set("fs.s3a.endpoint.region", "us-east-1");
        hadoop.set("fs.s3a.path.style.access", "true");
        hadoop.set("fs.s3a.connection.ssl.enabled", "false");
        hadoop.set("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        hadoop.set("fs.s3a.access.key", "test");
        hadoop.set("fs.s3a.secret.key", "test");
        hadoop.set("fs.s3a.impl.disable.cache", "true");
    }

    /** An S3 client (SDK v2, path style) for this server. */
    public software.amazon.awssdk.services.s3.S3Client client() {
        return software.amazon.awssdk.services.s3.S3Client.builder().endpointOverride(URI.create(endpoint()))
                .region(software.amazon.awssdk.regions.Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("test", "test"))).build();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor();
            Files.deleteIfExists(log);
        } catch (InterruptedException | IOException e) {
            process.destroyForcibly();
        }
    }
}
