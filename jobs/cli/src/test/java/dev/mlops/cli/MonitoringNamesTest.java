package dev.mlops.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlops.cli.MonitoringNames.Emitted;
import dev.mlops.cli.MonitoringNames.Query;
import dev.mlops.cli.MonitoringNames.Selector;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The tokenizer and the text-format parser MonitoringRulesTest relies on, on small inputs. */
class MonitoringNamesTest {

    static List<String> names(String expr) {
        return MonitoringNames.selectors(expr).stream().map(Selector::metric).toList();
    }

    @Test
    void metricsAreTheIdentifiersThatAreNeitherKeywordsNorFunctionsNorLabels() {
        assertThat(names("mlops_job_exit_code == 1")).containsExactly("mlops_job_exit_code");
        assertThat(names("mlops_job_exit_code{job=\"validate\", model=~\"zone.*\"} == 3")).containsExactly("mlops_job_exit_code");
        assertThat(names("time() - max by (job, model) (mlops_job_last_finished_timestamp_seconds{job=~\"ingest|validate\"}) > 26 * 3600"))
                .containsExactly("mlops_job_last_finished_timestamp_seconds");
        assertThat(names("sum without (dataset) (rate(mlops_rows_in_total[5m])) / ignoring (x) group_left (y) "
                + "sum(mlops_rows_out_total offset 1d) by (job)")).containsExactly("mlops_rows_in_total", "mlops_rows_out_total");
        assertThat(names("a == on (job, model) group_left max by (job, model) (b) and on (job) c unless d or bool e"))
                .containsExactly("a", "b", "c", "d", "e");
        assertThat(names("SUM BY (job) (x) AND y")).containsExactly("x", "y");
        assertThat(names("label_replace(mlops_drift, \"f\", \"$1\", \"feature\", \"(.*)\") > Inf or NaN < 1e-3"))
                .containsExactly("mlops_drift");
        assertThat(names("max_over_time(x[1h:5m]) @ end() > 0x1f # a comment naming not_a_metric\n or y[$__rate_interval]"))
                .containsExactly("x", "y");
        assertThat(names("count_values(\"v\", x) + topk(3, y) + quantile(0.9, z) + absent(w{job=\"ingest\"})"))
                .containsExactly("x", "y", "z", "w");
        assertThat(names("job_model:mlops_job_last_finished_timestamp_seconds:latest")).containsExactly("job_model:mlops_job_last_finished_timestamp_seconds:latest");
        // Grafana's variables are not names
        assertThat(names("mlops_job_exit_code{model=~\"$model\", job=~\"${job}\"} / $scale")).containsExactly("mlops_job_exit_code");
    }

    @Test
    void selectorsCarryTheLabelsTheyMatchOn() {
        assertThat(MonitoringNames.selectors("mlops_drift{statistic=\"drifted\", feature!~'a.*'} == 1 and on (job, data_date) x"))
                .containsExactly(new Selector("mlops_drift", Set.of("statistic", "feature")), new Selector("x", Set.of()));
        assertThat(MonitoringNames.selectors("{__name__=\"mlops_drift\", kind=\"feature\"}"))
                .containsExactly(new Selector("mlops_drift", Set.of("kind")));
        assertThat(MonitoringNames.selectors("{job=\"x\"}")).containsExactly(new Selector(null, Set.of("job")));
    }

    @Test
    void anUnknownFunctionIsAnErrorNotAMetric() {
        assertThatThrownBy(() -> MonitoringNames.selectors("rte(mlops_rows_in_total[5m])")).hasMessageContaining("unknown function rte(");
        assertThatThrownBy(() -> MonitoringNames.selectors("x{job=\"a\"")).hasMessageContaining("unterminated");
    }

    @Test
    void theTextFormatGivesSampleNamesAndTheirLabels() {
        String text = """
                # TYPE mlops_job_duration_seconds summary
                mlops_job_duration_seconds_count{data_date="2024-03-02",job="ingest",model="zone_demand"} 1
                mlops_job_duration_seconds_sum{data_date="2024-03-02",job="ingest",model="zone_demand"} 4.504
                # TYPE mlops_job_duration_seconds_max gauge
                mlops_job_duration_seconds_max{data_date="2024-03-02",job="ingest",model="zone_demand"} 4.504
                # HELP mlops_rows_in_total rows in by the job, per dataset
                # TYPE mlops_rows_in_total counter
                mlops_rows_in_total{data_date="2024-03-02",dataset="a \\"quoted\\", {odd} one",job="ingest",model="zone_demand"} 2572.0
                # TYPE h histogram
                h_bucket{le="+Inf"} 3
                h_count 3
                h_sum 1.5
                """;
        Map<String, Set<String>> labels = new TreeMap<>();
        MonitoringNames.parseText(text, "t", labels, new TreeMap<>());
        assertThat(labels.keySet()).containsExactly("h_bucket", "h_count", "h_sum", "mlops_job_duration_seconds_count",
                "mlops_job_duration_seconds_max", "mlops_job_duration_seconds_sum", "mlops_rows_in_total");
        assertThat(labels.get("mlops_rows_in_total")).containsExactly("data_date", "dataset", "job", "model");
        assertThat(labels.get("h_bucket")).containsExactly("le");
        // a summary's family name is not a series of its own without quantiles, and _created is not invented
        assertThat(labels).doesNotContainKeys("mlops_job_duration_seconds", "mlops_job_duration_seconds_created");
        assertThatThrownBy(() -> MonitoringNames.parseText("# TYPE a gauge\nb 1\n", "t", new TreeMap<>(), new TreeMap<>()))
                .hasMessageContaining("sample b belongs to no # TYPE family");
    }

    @Test
    void theCheckNamesEveryUnknownMetricAndLabel() {
        Emitted emitted = new Emitted(Map.of("mlops_job_exit_code", Set.of("job", "model", "data_date")), Map.of(), List.of());
        MonitoringNames.Check c = MonitoringNames.check(emitted, Set.of("rec:x"), List.of(
                new Query("r1", "mlops_job_exit_code{job=\"a\"} == 1 and on (job) rec:x"),
                new Query("r2", "mlops_job_exit_codes == 1"),
                new Query("r3", "mlops_job_exit_code{jobs=\"a\"}"),
                new Query("r4", "rte(mlops_job_exit_code[5m])"),
                new Query("r5", "time() > 0")));
        assertThat(c.missing()).containsExactly("mlops_job_exit_codes");
        assertThat(c.problems()).containsExactly(
                "r2: mlops_job_exit_codes is not emitted by any job run",
                "r3: mlops_job_exit_code has no label jobs (its labels: [data_date, job, model])",
                "r4: unknown function rte( in: rte(mlops_job_exit_code[5m])",
                "r5: no metric in time() > 0");
    }
}
