package dev.mlops.train;

import dev.mlops.core.spec.LoadedSpec;
import dev.mlops.core.spec.Task;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The model card of a version, as JSON and as Markdown. */
final class ModelCard {
    private ModelCard() {
    }

    static Map<String, Object> json(LoadedSpec spec, LocalDate date, TrainJob.Prepared p, TrainJob.Trained t, Map<String, Object> metrics) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("model", spec.model());
        c.put("description", spec.spec().description());
        c.put("owner", spec.spec().owner());
        c.put("task", spec.spec().task().specName());
        c.put("intended_use", spec.spec().description() == null ? "see the model spec" : spec.spec().description());
        c.put("trained_for_date", date.toString());
        c.put("label", Map.of("name", spec.spec().label().name(), "dataset", spec.spec().label().dataset(), "delay", spec.spec().label().delay().text()));
        c.put("data_window", Map.of("label_events", p.window(), "rows", p.rows(), "train", p.train(), "validation", p.validation(), "test", p.test(),
                "validation_from", p.validationFrom(), "test_from", p.testFrom()));
        c.put("features", p.features());
        c.put("algorithm", "xgboost");
        c.put("hyperparameters", t.hyperparameters());
        c.put("best_iteration", t.bestIteration());
        c.put("metrics", metrics);
        c.put("spec_hash", spec.hash());
        c.put("limitations", List.of(
                "Trained on label events " + p.window().get(0) + ".." + p.window().get(1) + "; behaviour outside that period's conditions is untested.",
                "Labels arrive " + spec.spec().label().delay().text() + " late: the newest " + spec.spec().label().delay().text()
                        + " of data before the training date are not in the training set.",
                spec.spec().task() == Task.REGRESSION ? "Point predictions only: no uncertainty interval."
                        : "Scores are not calibrated probabilities unless the calibration table says so; the decision threshold is "
                        + spec.spec().training().threshold() + "."));
        return c;
    }

    @SuppressWarnings("unchecked")
    static String markdown(Map<String, Object> c) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Model card: ").append(c.get("model")).append("\n\n");
        sb.append("- **Intended use:** ").append(c.get("intended_use")).append('\n');
        sb.append("- **Owner:** ").append(c.get("owner")).append('\n');
        sb.append("- **Task:** ").append(c.get("task")).append('\n');
        sb.append("- **Trained for:** ").append(c.get("trained_for_date")).append('\n');
        Map<String, Object> w = (Map<String, Object>) c.get("data_window");
        sb.append("- **Data window:** label events ").append(w.get("label_events")).append(", ").append(w.get("rows"))
                .append(" rows (train ").append(w.get("train")).append(", validation ").append(w.get("validation")).append(" from ")
                .append(w.get("validation_from")).append(", test ").append(w.get("test")).append(" from ").append(w.get("test_from")).append(")\n");
        sb.append("- **Features (").append(((List<?>) c.get("features")).size()).append("):** ").append(String.join(", ", (List<String>) c.get("features"))).append('\n');
        sb.append("- **Algorithm:** XGBoost, ").append(c.get("hyperparameters")).append(", best iteration ").append(c.get("best_iteration")).append("\n\n");
        Map<String, Object> m = (Map<String, Object>) c.get("metrics");
        sb.append("## Test metrics\n\n| metric | model | baseline (").append(((Map<String, Object>) m.get("baseline")).get("name")).append(") |\n|---|---|---|\n");
        Map<String, Object> overall = (Map<String, Object>) m.get("overall");
        Map<String, Object> baseline = (Map<String, Object>) m.get("baseline");
        for (var e : overall.entrySet()) {
            if (e.getValue() instanceof Number n && !"rows".equals(e.getKey()) && !"positives".equals(e.getKey()) && !"threshold".equals(e.getKey())) {
                sb.append("| ").append(e.getKey()).append(" | ").append(fmt(n)).append(" | ").append(fmt((Number) baseline.get(e.getKey()))).append(" |\n");
            }
        }
        Map<String, Object> slices = (Map<String, Object>) m.get("slices");
        if (slices != null && !slices.isEmpty()) {
            sb.append("\n## Slices\n");
            for (var s : slices.entrySet()) {
                sb.append("\n### ").append(s.getKey()).append("\n\n| value | rows | metrics |\n|---|---|---|\n");
                for (var v : ((Map<String, Object>) s.getValue()).entrySet()) {
                    Map<String, Object> sm = (Map<String, Object>) v.getValue();
                    StringBuilder ms = new StringBuilder();
                    sm.forEach((k, x) -> {
                        if (x instanceof Double d && !"threshold".equals(k)) {
                            ms.append(k).append(' ').append(fmt(d)).append("; ");
                        }
                    });
                    sb.append("| ").append(v.getKey()).append(" | ").append(sm.get("rows")).append(" | ").append(ms).append("|\n");
                }
            }
        }
        sb.append("\n## Limitations\n\n");
        for (Object l : (List<?>) c.get("limitations")) {
            sb.append("- ").append(l).append('\n');
        }
        return sb.toString();
    }

    private static String fmt(Number n) {
        return n == null ? "n/a" : n instanceof Double d ? String.format(Locale.ROOT, "%.4f", d) : n.toString();
    }
}
