package dev.mlops.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.mlops.core.batch.RunIdentity;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobMetricsTest {
    @Test
    void pushesToThePushgatewayWithTheRunAsGroupingKey(@TempDir Path dir) throws Exception {
        List<String> requests = Collections.synchronizedList(new ArrayList<>());
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + "\n" + body);
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        try {
            JobMetrics m = new JobMetrics(new RunIdentity("ingest", "zone_demand", LocalDate.of(2024, 3, 1)));
            m.rows("out", "rentals", 2561);
            m.rows("rejected", "rentals", 3);
            m.finished(0, 4.2);
            Path file = dir.resolve("run.prom");
            m.publish(Optional.of(URI.create("http://127.0.0.1:" + server.getAddress().getPort())), file);

            assertThat(Files.readString(file))
                    .contains("mlops_rows_out_total{data_date=\"2024-03-01\",dataset=\"rentals\",job=\"ingest\",model=\"zone_demand\"} 2561.0")
                    .contains("mlops_job_exit_code{");
            assertThat(requests).hasSize(1);
            assertThat(requests.get(0)).startsWith("PUT /metrics/job/ingest/")
                    .contains("/model/zone_demand").contains("/data_date/2024-03-01").contains("mlops_rows_out");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void anUnreachablePushgatewayDoesNotFailTheJob(@TempDir Path dir) {
        JobMetrics m = new JobMetrics(new RunIdentity("ingest", "m", LocalDate.of(2024, 3, 1)));
        m.finished(0, 1);
        m.publish(Optional.of(URI.create("http://127.0.0.1:1")), dir.resolve("x.prom"));
        assertThat(dir.resolve("x.prom")).exists();
    }
}
