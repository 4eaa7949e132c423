package dev.mlops.train;

import dev.mlops.core.JobException;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * XGBoost4J in process, driven by SageMaker's built-in XGBoost hyperparameter names:
 * {@code num_round} and {@code early_stopping_rounds} become the training loop's arguments, the
 * rest are passed to the booster as is. Early stopping watches the validation split (the last
 * watch, as SageMaker does with its validation channel).
 */
public final class LocalXgboost {
    private LocalXgboost() {
    }

    /** A trained booster and how it went. */
    public record Trained(byte[] model, Map<String, Object> hyperparameters, int bestIteration, double validationScore, String evalMetric) {
    }

    /** A tuning trial. */
    public record Trial(int trial, Map<String, Object> hyperparameters, double validationScore, int bestIteration) {
    }

    public static Trained train(Matrix train, Matrix validation, Map<String, Object> hyperparameters) {
        Map<String, Object> hp = new LinkedHashMap<>(hyperparameters);
        int rounds = intParam(hp.remove("num_round"), 100);
        int early = intParam(hp.remove("early_stopping_rounds"), 0);
        String metric = String.valueOf(hp.getOrDefault("eval_metric", defaultMetric(String.valueOf(hp.get("objective")))));
        hp.put("eval_metric", metric);
        hp.putIfAbsent("seed", 0);
        hp.putIfAbsent("verbosity", 0);
        // XGBoost4J prints every round's evaluation on stderr unless this is the string "false"
        hp.putIfAbsent("verbose_eval", "false");
        DMatrix dtrain = null;
        DMatrix dvalid = null;
        Booster b = null;
        try {
            dtrain = dmatrix(train);
            dvalid = dmatrix(validation);
            Map<String, DMatrix> watches = new LinkedHashMap<>();
            watches.put("train", dtrain);
            watches.put("validation", dvalid);
            float[][] history = new float[watches.size()][rounds];
            b = XGBoost.train(dtrain, hp, rounds, watches, history, null, null, early);
            String best = b.getAttr("best_iteration");
            int bestIteration = best == null ? b.getNumBoostedRound() - 1 : Integer.parseInt(best);
            // the validation score of the rounds the model predicts with (predict() stops at the best iteration)
            double score = history[1][Math.min(bestIteration, rounds - 1)];
            Map<String, Object> used = new LinkedHashMap<>(hyperparameters);
            used.put("eval_metric", metric);
            return new Trained(b.toByteArray("json"), used, bestIteration, score, metric);
        } catch (XGBoostError e) {
            throw JobException.usage("XGBoost refused the hyperparameters " + hyperparameters + ": " + firstLine(e.getMessage()));
        } finally {
            if (b != null) {
                b.dispose();
            }
            if (dtrain != null) {
                dtrain.dispose();
            }
            if (dvalid != null) {
                dvalid.dispose();
            }
        }
    }

    /**
     * Random search: {@code trials} draws from the ranges (seeded, so repeatable), each trained
     * with early stopping; the best by the validation metric wins.
     */
    public static List<Trial> tune(Matrix train, Matrix validation, Map<String, Object> base, Map<String, List<Double>> ranges, int trials,
                                   long seed, Consumer<Trial> progress) {
        Random rnd = new Random(seed);
        List<Trial> out = new ArrayList<>();
        for (int t = 1; t <= trials; t++) {
            Map<String, Object> hp = new LinkedHashMap<>(base);
            for (var r : ranges.entrySet()) {
                double lo = r.getValue().get(0);
                double hi = r.getValue().get(1);
                if (INTEGER.contains(r.getKey())) {
                    hp.put(r.getKey(), (int) Math.round(lo + rnd.nextDouble() * (hi - lo)));
                } else if (r.getKey().equals("eta") && lo > 0) {
                    // learning rates: uniform on the log scale
                    hp.put(r.getKey(), round(Math.exp(Math.log(lo) + rnd.nextDouble() * (Math.log(hi) - Math.log(lo)))));
                } else {
                    hp.put(r.getKey(), round(lo + rnd.nextDouble() * (hi - lo)));
                }
            }
            Trained tr = train(train, validation, hp);
            Trial trial = new Trial(t, hp, tr.validationScore(), tr.bestIteration());
            out.add(trial);
            progress.accept(trial);
        }
        return out;
    }

    static final java.util.Set<String> INTEGER = java.util.Set.of("max_depth", "num_round", "min_child_weight", "max_bin",
            "early_stopping_rounds", "max_delta_step");

    /** Whether a higher value of the eval metric is better (auc, aucpr, map, ndcg). */
    public static boolean higherIsBetter(String metric) {
        String m = metric.toLowerCase(Locale.ROOT);
        return m.startsWith("auc") || m.startsWith("map") || m.startsWith("ndcg");
    }

    static String defaultMetric(String objective) {
        return objective != null && objective.startsWith("binary") ? "logloss" : "rmse";
    }

    /** The best iteration a booster recorded (early stopping), else its last round. */
    public static int bestIteration(byte[] model) {
        try {
            Booster b = XGBoost.loadModel(new ByteArrayInputStream(model));
            String best = b.getAttr("best_iteration");
            int n = best == null ? b.getNumBoostedRound() - 1 : Integer.parseInt(best);
            b.dispose();
            return n;
        } catch (XGBoostError | java.io.IOException e) {
            throw JobException.retryable("cannot load the trained booster: " + e.getMessage(), e);
        }
    }

    /**
     * Predictions with the trees up to the booster's best iteration (early stopping keeps
     * {@code early_stopping_rounds} more trees in the model; they are not used), as evaluation and
     * scoring both do.
     */
    public static float[] predict(byte[] model, Matrix m) {
        Booster b = null;
        try {
            b = XGBoost.loadModel(new ByteArrayInputStream(model));
            String best = b.getAttr("best_iteration");
            int[] range = best == null ? new int[] {0, 0} : new int[] {0, Integer.parseInt(best) + 1};
            float[][] p = b.inplace_predict(m.values(), m.rows(), m.cols(), Float.NaN, range);
            float[] out = new float[m.rows()];
            for (int i = 0; i < out.length; i++) {
                out[i] = p[i][0];
            }
            return out;
        } catch (XGBoostError | java.io.IOException e) {
            throw JobException.retryable("XGBoost prediction failed: " + e.getMessage(), e);
        } finally {
            if (b != null) {
                b.dispose();
            }
        }
    }

    /** Mean |SHAP| per feature on the rows (XGBoost's contributions; the last column is the bias). */
    public static double[] meanAbsShap(byte[] model, Matrix m) {
        try {
            Booster b = XGBoost.loadModel(new ByteArrayInputStream(model));
            DMatrix d = dmatrix(m);
            float[][] c = b.predictContrib(d, 0);
            double[] out = new double[m.cols()];
            for (float[] row : c) {
                for (int j = 0; j < out.length; j++) {
                    out[j] += Math.abs(row[j]);
                }
            }
            for (int j = 0; j < out.length; j++) {
                out[j] /= Math.max(1, c.length);
            }
            d.dispose();
            b.dispose();
            return out;
        } catch (XGBoostError | java.io.IOException e) {
            throw JobException.retryable("XGBoost contributions failed: " + e.getMessage(), e);
        }
    }

    private static DMatrix dmatrix(Matrix m) throws XGBoostError {
        DMatrix d = new DMatrix(m.values(), m.rows(), m.cols(), Float.NaN);
        d.setLabel(m.labels());
        return d;
    }

    private static int intParam(Object v, int dflt) {
        if (v == null) {
            return dflt;
        }
        return v instanceof Number n ? n.intValue() : (int) Double.parseDouble(v.toString());
    }

    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.split("\n")[0];
    }
}
