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
    /**
     * The fields of each line of the request log ({@link #startWithRequestLog}), separated by {@code |}: Tomcat's access
     * log (S3Mock runs on Spring Boot's Tomcat) with the method, path, query, status, the SigV4 Authorization header (its
     * access key id names the caller), the copy source and the SSE-KMS headers.
     */
    public static final String REQUEST_LOG_PATTERN = "%m|%U|%q|%s|%{Authorization}i|%{x-amz-copy-source}i"
            + "|%{x-amz-server-side-encryption}i|%{x-amz-server-side-encryption-aws-kms-key-id}i";

    private final Process process;
    private final int port;
    private final Path log;
    private final Path requestLog;

    private S3MockServer(Process process, int port, Path log, Path requestLog) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.requestLog = requestLog;
    }

    public static S3MockServer start() throws Exception {
        return start(null, null, List.of());
    }

    /**
     * A server that logs every request it answers to {@code dir}/s3-requests.log, unbuffered, one line each in
     * {@link #REQUEST_LOG_PATTERN}, and has {@code buckets} created at start in {@code region}.
     */
    public static S3MockServer startWithRequestLog(Path dir, String region, List<String> buckets) throws Exception {
        return start(dir, region, buckets);
    }

    private static S3MockServer start(Path requestLogDir, String region, List<String> buckets) throws Exception {
        Path jar = Paths.get("target/s3mock/s3mock-exec.jar").toAbsolutePath();
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: run the build (mvn generate-test-resources) first");
        }
        int http = freePort();
        int https = freePort();
        Path log = Files.createTempFile("s3mock", ".log");
        Path root = Files.createTempDirectory("s3mock-root");
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new java.util.ArrayList<>(List.of(java, "-Xmx512m", "-jar", jar.toString(),
                "--com.adobe.testing.s3mock.httpPort=" + http,
                "--server.port=" + https,
                "--com.adobe.testing.s3mock.store.root=" + root));
        Path requestLog = null;
        if (requestLogDir != null) {
            Files.createDirectories(requestLogDir);
            requestLog = requestLogDir.resolve("s3-requests.log");
            cmd.addAll(List.of("--server.tomcat.accesslog.enabled=true", "--server.tomcat.accesslog.buffered=false",
                    "--server.tomcat.accesslog.directory=" + requestLogDir.toAbsolutePath(), "--server.tomcat.accesslog.prefix=s3-requests",
                    "--server.tomcat.accesslog.suffix=.log", "--server.tomcat.accesslog.file-date-format=",
                    "--server.tomcat.accesslog.rotate=false", "--server.tomcat.accesslog.pattern=" + REQUEST_LOG_PATTERN));
        }
        if (region != null) {
            cmd.add("--com.adobe.testing.s3mock.store.region=" + region);
        }
        if (!buckets.isEmpty()) {
            cmd.add("--com.adobe.testing.s3mock.store.initial-buckets=" + String.join(",", buckets));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        S3MockServer server = new S3MockServer(p, http, log, requestLog);
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
        return client("test");
    }

    /** An S3 client whose requests name {@code accessKeyId} (the request log tells callers apart by it). */
    public software.amazon.awssdk.services.s3.S3Client client(String accessKeyId) {
        return software.amazon.awssdk.services.s3.S3Client.builder().endpointOverride(URI.create(endpoint()))
                .region(software.amazon.awssdk.regions.Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(accessKeyId, "test"))).build();
    }

    /** The request log ({@link #startWithRequestLog}); null when the server keeps none. */
    public Path requestLog() {
        return requestLog;
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
