package dev.mlops.core.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlops.core.testing.TestEnvironment;
import org.junit.jupiter.api.Test;

/** The spec's quality section: defaults from the users' trigger table, the bundled specs' values, errors that name the key. */
class QualitySpecTest {
    private static final String BASE = """
            model: m1
            task: regression
            entity: k
            label: {name: n, dataset: ev, event_time: ts, delay: 1d, kind: count, granularity: 1h}
            datasets:
              ev:
                event_time: ts
                source: {kind: files, format: csv, path: "ev/{date}"}
                columns:
                  - {name: k, type: int}
                  - {name: ts, type: timestamp}
            features:
              a:
                entity: k
                source: ev
                granularity: 1h
                ttl: 2d
                features:
                  - {name: n_1h, agg: count, window: 1h}
            training:
              window: 6d
              slices:
                - {name: part_of_day, expr: "CASE WHEN hour(event_ts) < 12 THEN 'am' ELSE 'pm' END"}
            """;

    @Test
    void defaultsComeFromTheTriggerTable() {
        QualitySpec q = SpecLoader.load("m1.yaml", BASE, "m1").spec().quality();
        assertThat(q.windowDays()).isEqualTo(7);
        assertThat(q.minLabelled()).isEqualTo(200);
        assertThat(q.metrics()).isEmpty();
        assertThat(q.drift().psi()).isEqualTo(0.2);
        assertThat(q.drift().share()).isEqualTo(0.1);
        assertThat(q.drift().ksPValue()).isEqualTo(0.01);
        assertThat(q.drift().js()).isEqualTo(0.1);
        assertThat(q.drift().nullShare()).isEqualTo(0.1);
        assertThat(q.drift().window().text()).isEqualTo("1d");
        assertThat(q.newLabels()).isEqualTo(10_000);
        assertThat(q.attributionFloor()).isEqualTo(0.9);
        assertThat(q.attributionSample()).isEqualTo(2000);
        assertThat(q.bias().slices()).isEmpty();
        assertThat(q.maxDays()).isEqualTo(1);
    }

    @Test
    void theSectionIsReadWithItsLimits() {
        QualitySpec q = SpecLoader.load("m1.yaml", BASE + """
                quality:
                  window: 3d
                  min_labelled: 50
                  metrics: {mape: {max: 0.2, days: 3}, r2: {min: 0.1}}
                  drift: {psi: 0.25, share: 0.2}
                  new_labels: 500
                  attribution_floor: 0.8
                  bias: {slices: [part_of_day], max_error_gap: 0.5}
                """, "m1").spec().quality();
        assertThat(q.windowDays()).isEqualTo(3);
        assertThat(q.metrics().get("mape").past(0.21)).isTrue();
        assertThat(q.metrics().get("mape").past(0.2)).isFalse();
        assertThat(q.metrics().get("mape").days()).isEqualTo(3);
        assertThat(q.metrics().get("r2").days()).isEqualTo(1);
        assertThat(q.metrics().get("r2").past(0.05)).isTrue();
        assertThat(q.metrics().get("r2").past(null)).isFalse();
        assertThat(q.metrics().get("r2").bound()).isEqualTo(">= 0.1");
        assertThat(q.maxDays()).isEqualTo(3);
        assertThat(q.drift().psi()).isEqualTo(0.25);
        assertThat(q.drift().ksPValue()).isEqualTo(0.01);
        assertThat(q.bias().slices()).containsExactly("part_of_day");
        assertThat(q.bias().maxErrorGap()).isEqualTo(0.5);
    }

    @Test
    void errorsNameTheKey() {
        assertThatThrownBy(() -> SpecLoader.load("m1.yaml", BASE + "quality: {metrics: {roc_auc: {min: 0.6}}}\n", "m1"))
                .hasMessageContaining("key 'quality.metrics.roc_auc'").hasMessageContaining("for regression");
        assertThatThrownBy(() -> SpecLoader.load("m1.yaml", BASE + "quality: {metrics: {mape: {days: 3}}}\n", "m1"))
                .hasMessageContaining("key 'quality.metrics.mape'").hasMessageContaining("expected min and/or max");
        assertThatThrownBy(() -> SpecLoader.load("m1.yaml", BASE + "quality: {metrics: {mape: {max: 0.2, days: 0}}}\n", "m1"))
                .hasMessageContaining("key 'quality.metrics.mape.days'");
        assertThatThrownBy(() -> SpecLoader.load("m1.yaml", BASE + "quality: {bias: {slices: [night]}}\n", "m1"))
                .hasMessageContaining("key 'quality.bias.slices[0]'").hasMessageContaining("[part_of_day]");
        assertThatThrownBy(() -> SpecLoader.load("m1.yaml", BASE + "quality: {drift: {psi: 0}}\n", "m1"))
                .hasMessageContaining("key 'quality.drift.psi'");
        assertThatThrownBy(() -> SpecLoader.load("m1.yaml", BASE + "quality: {drift: {window: 12h}}\n", "m1"))
                .hasMessageContaining("key 'quality.drift.window'").hasMessageContaining("expected whole days from 1d to 31d, got 12h");
        assertThatThrownBy(() -> SpecLoader.load("m1.yaml", BASE + "quality: {window: 12h}\n", "m1"))
                .hasMessageContaining("key 'quality.window'");
        assertThatThrownBy(() -> SpecLoader.load("m1.yaml", BASE + "quality: {min_labeled: 5}\n", "m1"))
                .hasMessageContaining("key 'quality.min_labeled'").hasMessageContaining("unknown key");
    }

    @Test
    void bundledSpecsDeclareTheirQualitySection() {
        SpecRepository repo = new SpecRepository(TestEnvironment.specsDir());
        QualitySpec zone = repo.load("zone_demand").spec().quality();
        assertThat(zone.metrics()).containsKeys("rmse", "r2");
        assertThat(zone.bias().slices()).containsExactly("time_of_day");
        assertThat(zone.drift().window().text()).isEqualTo("7d");
        QualitySpec trip = repo.load("trip_risk").spec().quality();
        assertThat(trip.metrics()).containsKey("roc_auc");
        assertThat(trip.bias().slices()).containsExactly("night_driving");
    }
}
