package dev.mlops.quality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each model-quality metric on a handful of predictions, against values worked out by hand (see the comments). */
class ModelQualityTest {
    static ModelQuality.Scored p(double score, Float label, String part) {
        return new ModelQuality.Scored(score, null, label, Map.of("part", part));
    }

    static Map<String, Double> values(List<ModelQuality.MetricRow> rows, String segment) {
        Map<String, Double> out = new LinkedHashMap<>();
        rows.stream().filter(r -> r.segment().equals(segment)).forEach(r -> out.put(r.metric(), r.value()));
        return out;
    }

    @Test
    void regressionMetricsCoverageAndGaps() {
        List<ModelQuality.Scored> preds = new ArrayList<>();
        // labels 1, 2, 4, 0 and one not arrived yet; errors (prediction - label) 0.5, 0, -1, 1
        preds.add(p(1.5, 1f, "am"));
        preds.add(p(2.0, 2f, "am"));
        preds.add(p(3.0, 4f, "pm"));
        preds.add(p(1.0, 0f, "pm"));
        preds.add(p(2.0, null, "pm"));
        List<ModelQuality.MetricRow> rows = ModelQuality.rows(preds, false, 0.5, List.of("part"), List.of("part"));
        Map<String, Double> all = values(rows, "all");
        assertThat(all.get("predictions")).isEqualTo(5.0);
        assertThat(all.get("labelled")).isEqualTo(4.0);
        assertThat(all.get("label_coverage")).isEqualTo(0.8);
        // rmse sqrt((0.25 + 0 + 1 + 1) / 4) = 0.75; mae (0.5 + 0 + 1 + 1) / 4
        assertThat(all.get("rmse")).isCloseTo(0.75, within(1e-12));
        assertThat(all.get("mae")).isCloseTo(0.625, within(1e-12));
        // mape over labels != 0: (0.5/1 + 0/2 + 1/4) / 3
        assertThat(all.get("mape")).isCloseTo(0.25, within(1e-12));
        // r2 = 1 - 2.25 / sum((y - 1.75)^2) = 1 - 2.25 / 8.75
        assertThat(all.get("r2")).isCloseTo(1 - 2.25 / 8.75, within(1e-12));
        // bias: mean(prediction - label)
        assertThat(all.get("bias")).isCloseTo(0.125, within(1e-12));
        Map<String, Double> am = values(rows, "part=am");
        assertThat(am.get("rmse")).isCloseTo(Math.sqrt(0.25 / 2), within(1e-12));
        assertThat(am.get("label_coverage")).isEqualTo(1.0);
        Map<String, Double> pm = values(rows, "part=pm");
        assertThat(pm.get("predictions")).isEqualTo(3.0);
        assertThat(pm.get("label_coverage")).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(pm.get("rmse")).isCloseTo(1.0, within(1e-12));
        // bias slice: mean prediction over all predictions (am 1.75, pm 2.0), MAE over the labelled ones (am 0.25, pm 1.0)
        assertThat(am.get("group_mean_prediction")).isCloseTo(1.75, within(1e-12));
        assertThat(pm.get("group_mean_prediction")).isCloseTo(2.0, within(1e-12));
        assertThat(am.get("group_error")).isCloseTo(0.25, within(1e-12));
        assertThat(pm.get("group_error")).isCloseTo(1.0, within(1e-12));
        Map<String, Double> gaps = values(rows, "part");
        assertThat(gaps.get("mean_prediction_gap")).isCloseTo(0.25, within(1e-12));
        assertThat(gaps.get("error_gap")).isCloseTo(0.75, within(1e-12));
    }

    @Test
    void classificationMetricsAtTheThreshold() {
        float[] prob = {0.9f, 0.8f, 0.4f, 0.3f, 0.1f};
        float[] label = {1, 0, 1, 0, 0};
        String[] part = {"day", "day", "night", "night", "night"};
        List<ModelQuality.Scored> preds = new ArrayList<>();
        for (int i = 0; i < prob.length; i++) {
            preds.add(new ModelQuality.Scored(prob[i], prob[i] >= 0.5 ? 1 : 0, label[i], Map.of("part", part[i])));
        }
        List<ModelQuality.MetricRow> rows = ModelQuality.rows(preds, true, 0.5, List.of("part"), List.of("part"));
        Map<String, Double> all = values(rows, "all");
        // at 0.5: tp 1 (0.9), fp 1 (0.8), fn 1 (0.4), tn 2
        assertThat(all.get("confusion_tp")).isEqualTo(1.0);
        assertThat(all.get("confusion_fp")).isEqualTo(1.0);
        assertThat(all.get("confusion_fn")).isEqualTo(1.0);
        assertThat(all.get("confusion_tn")).isEqualTo(2.0);
        assertThat(all.get("precision")).isEqualTo(0.5);
        assertThat(all.get("recall")).isEqualTo(0.5);
        assertThat(all.get("f1")).isEqualTo(0.5);
        assertThat(all.get("accuracy")).isCloseTo(0.6, within(1e-12));
        // ROC AUC: positives 0.9 and 0.4 outrank 3 and 2 of the 3 negatives: 5/6
        assertThat(all.get("roc_auc")).isCloseTo(5.0 / 6, within(1e-12));
        // average precision: positives at ranks 1 and 3: (1/1 + 2/3) / 2
        assertThat(all.get("pr_auc")).isCloseTo((1 + 2.0 / 3) / 2, within(1e-12));
        double ll = -(Math.log(0.9f) + Math.log(1 - (double) 0.8f) + Math.log(0.4f) + Math.log(1 - (double) 0.3f) + Math.log(1 - (double) 0.1f)) / 5;
        assertThat(all.get("log_loss")).isCloseTo(ll, within(1e-12));
        // (Evaluation squares each error in float, as the training metrics always did)
        double brier = ((double) ((0.9f - 1) * (0.9f - 1)) + (double) (0.8f * 0.8f) + (double) ((0.4f - 1) * (0.4f - 1)) + (double) (0.3f * 0.3f)
                + (double) (0.1f * 0.1f)) / 5;
        assertThat(all.get("brier")).isCloseTo(brier, within(1e-12));
        assertThat(all.get("positives")).isEqualTo(2.0);
        // calibration by decile of the predictions (5 rows: deciles 2, 4, 6, 8, 10 hold one each); the top one is 0.9, observed 1
        Map<String, Double> top = values(rows, "decile=10");
        assertThat(top.get("calibration_rows")).isEqualTo(1.0);
        assertThat(top.get("calibration_mean_prediction")).isCloseTo(0.9f, within(1e-9));
        assertThat(top.get("calibration_observed_rate")).isEqualTo(1.0);
        assertThat(rows.stream().filter(r -> r.metric().equals("calibration_rows")).mapToDouble(ModelQuality.MetricRow::value).sum()).isEqualTo(5.0);
        // bias slice: positive rate day 2/2 (0.9, 0.8), night 0/3; error rate day 1/2 (0.8 is a false positive), night 1/3 (0.4 missed)
        assertThat(values(rows, "part=day").get("group_positive_rate")).isEqualTo(1.0);
        assertThat(values(rows, "part=night").get("group_positive_rate")).isEqualTo(0.0);
        assertThat(values(rows, "part").get("positive_rate_gap")).isEqualTo(1.0);
        assertThat(values(rows, "part=day").get("group_error")).isEqualTo(0.5);
        assertThat(values(rows, "part=night").get("group_error")).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(values(rows, "part").get("error_gap")).isCloseTo(0.5 - 1.0 / 3, within(1e-12));
        // night: the positive 0.4 outranks both negatives (AUC 1); day: one of each, the positive ranked first
        assertThat(values(rows, "part=night").get("roc_auc")).isCloseTo(1.0, within(1e-12));
        assertThat(values(rows, "part=day").get("roc_auc")).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void aDateWithoutLabelsHasCountsOnly() {
        List<ModelQuality.MetricRow> rows = ModelQuality.rows(List.of(p(1.0, null, "am"), p(2.0, null, "pm")), false, 0.5, List.of(), List.of());
        assertThat(values(rows, "all")).containsExactly(Map.entry("predictions", 2.0), Map.entry("labelled", 0.0), Map.entry("label_coverage", 0.0));
    }
}
