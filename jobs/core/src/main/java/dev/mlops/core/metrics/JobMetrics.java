package dev.mlops.core.metrics;

import dev.mlops.core.batch.RunIdentity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.exporter.pushgateway.PushGateway;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Micrometer registry per job run, tagged with model, job and data date. Jobs count rows in,
 * out and rejected (per dataset) and add their own meters; at the end the registry is pushed
 * to a Prometheus Pushgateway when one is configured (grouping key: job, model, data_date; the
 * same values as the metric tags), and
 * always written next to the run's result as Prometheus text.
 *
 * <p>Metric names: see docs/metrics.md.
 */
public final class JobMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(JobMetrics.class);

    private final RunIdentity identity;
    private final PrometheusMeterRegistry registry;

    public JobMetrics(RunIdentity identity) {
        this.identity = identity;
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags(Tags.of(
                Tag.of("model", identity.model()),
                Tag.of("job", identity.job()),
                Tag.of("data_date", identity.date().toString())));
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void rows(String direction, String dataset, long count) {
        Counter.builder("mlops_rows_" + direction)
                .description("rows " + direction + " by the job, per dataset")
                .tag("dataset", dataset)
                .register(registry)
                .increment(count);
    }

    public void finished(int exitCode, double seconds) {
        double finishedAt = System.currentTimeMillis() / 1000.0;
        io.micrometer.core.instrument.Gauge.builder("mlops_job_exit_code", () -> exitCode)
                .description("exit code of the run (0 done, 1 retryable, 2 usage, 3 data contract, 100 nothing to do)")
                .strongReference(true).register(registry);
        io.micrometer.core.instrument.Gauge.builder("mlops_job_last_finished_timestamp_seconds", () -> finishedAt)
                .strongReference(true).register(registry);
        registry.timer("mlops_job_duration").record((long) (seconds * 1000), TimeUnit.MILLISECONDS);
    }

    public String scrape() {
        return registry.scrape();
    }

    /** Pushes to the Pushgateway if configured; a push failure is logged, never fails the job. */
    public void publish(Optional<URI> pushgateway, Path textFile) {
        try {
            Files.createDirectories(textFile.getParent());
            Files.writeString(textFile, scrape());
        } catch (IOException e) {
            LOG.warn("could not write metrics to {}: {}", textFile, e.getMessage());
        }
        if (pushgateway.isEmpty()) {
            return;
        }
        URI url = pushgateway.get();
        try {
            PushGateway pg = PushGateway.builder()
                    .address(url.getHost() + ":" + (url.getPort() > 0 ? url.getPort() : 9091))
                    .scheme("https".equals(url.getScheme()) ? io.prometheus.metrics.exporter.pushgateway.Scheme.HTTPS
                            : io.prometheus.metrics.exporter.pushgateway.Scheme.HTTP)
                    .job(identity.job())
                    .groupingKey("model", identity.model())
                    .groupingKey("data_date", identity.date().toString())
                    .registry(registry.getPrometheusRegistry())
                    .build();
            pg.push();
            LOG.info("metrics pushed to {}", url);
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not push metrics to {}: {}", url, e.getMessage());
        }
    }
}
