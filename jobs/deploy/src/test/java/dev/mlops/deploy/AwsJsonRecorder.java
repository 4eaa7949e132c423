package dev.mlops.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.mlops.core.testing.SageMakerStandIn;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * The request log of an AWS JSON-protocol service (DynamoDB, KMS) in the rehearsal: every request's operation (its
 * {@code X-Amz-Target}), body and the access key id its SigV4 signature names, recorded in order. In front of a real
 * server (DynamoDB Local) it forwards the request unchanged and returns the server's answer; for a service nothing real
 * can serve here (KMS) it answers with {@code answer}, which gets the operation and body.
 */
final class AwsJsonRecorder implements AutoCloseable {
    /** One request: the service's target prefix stripped from the operation ({@code DynamoDB_20120810.PutItem} -> PutItem). */
    record Request(String operation, JsonNode body, String accessKeyId) {
    }

    /** What {@code answer} returns: HTTP status and the JSON body. */
    record Answer(int status, JsonNode body) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> HOP_BY_HOP = Set.of("host", "content-length", "connection", "transfer-encoding", "expect", "upgrade");

    private final HttpServer server;
    private final ExecutorService executor;
    private final URI upstream;
    private final Function<Request, Answer> answer;
    private final String contentType;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<Request> requests = new ArrayList<>();

    private AwsJsonRecorder(URI upstream, Function<Request, Answer> answer, String contentType) throws IOException {
        this.upstream = upstream;
        this.answer = answer;
        this.contentType = contentType;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "aws-json-recorder");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Records each request, then forwards it to {@code upstream}. */
    static AwsJsonRecorder proxy(URI upstream) {
        try {
            return new AwsJsonRecorder(upstream, null, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Records each request and answers it with {@code answer} ({@code contentType}: the protocol's, e.g. application/x-amz-json-1.1). */
    static AwsJsonRecorder serving(String contentType, Function<Request, Answer> answer) {
        try {
            return new AwsJsonRecorder(null, answer, contentType);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            String operation = target == null ? "(no X-Amz-Target)" : target.substring(target.indexOf('.') + 1);
            JsonNode json = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
            Request request = new Request(operation, json, SageMakerStandIn.accessKeyId(exchange.getRequestHeaders().getFirst("Authorization")));
            synchronized (this) {
                requests.add(request);
            }
            if (upstream == null) {
                Answer a = answer.apply(request);
                byte[] out = JSON.writeValueAsBytes(a.body());
                exchange.getResponseHeaders().set("Content-Type", contentType);
                exchange.getResponseHeaders().set("x-amzn-RequestId", java.util.UUID.randomUUID().toString());
                exchange.sendResponseHeaders(a.status(), out.length);
                try (OutputStream o = exchange.getResponseBody()) {
                    o.write(out);
                }
                return;
            }
            HttpRequest.Builder forward = HttpRequest.newBuilder(upstream.resolve(exchange.getRequestURI().toString()))
                    .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                    values.forEach(v -> forward.header(name, v));
                }
            });
            HttpResponse<byte[]> r = http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
            r.headers().map().forEach((name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT)) && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, values);
                }
            });
            exchange.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
            if (r.body().length > 0) {
                try (OutputStream o = exchange.getResponseBody()) {
                    o.write(r.body());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A KMS stand-in that answers DescribeKey for {@code aliasArn} (or its alias name, or the key) with {@code keyArn}. */
    static AwsJsonRecorder kms(String aliasArn, String keyArn) {
        String alias = aliasArn.substring(aliasArn.indexOf(":alias/") + 1);
        String keyId = keyArn.substring(keyArn.lastIndexOf('/') + 1);
        String account = keyArn.split(":")[4];
        return serving("application/x-amz-json-1.1", r -> {
            if (!r.operation().equals("DescribeKey")) {
                return new Answer(400, JSON.createObjectNode().put("__type", "UnknownOperationException")
                        .put("message", "the rehearsal's KMS answers DescribeKey only, not " + r.operation()));
            }
            String asked = r.body().path("KeyId").asText();
            if (!Set.of(aliasArn, alias, keyArn, keyId).contains(asked)) {
                return new Answer(400, JSON.createObjectNode().put("__type", "NotFoundException").put("message", "Alias " + asked + " is not found."));
            }
            ObjectNode meta = JSON.createObjectNode().put("AWSAccountId", account).put("KeyId", keyId).put("Arn", keyArn)
                    .put("Enabled", true).put("KeyState", "Enabled").put("KeyUsage", "ENCRYPT_DECRYPT").put("KeySpec", "SYMMETRIC_DEFAULT")
                    .put("KeyManager", "CUSTOMER").put("Origin", "AWS_KMS").put("CreationDate", 1.7E9);
            ObjectNode out = JSON.createObjectNode();
            out.set("KeyMetadata", meta);
            return new Answer(200, out);
        });
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
