package dev.mlops.train;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Model metrics from labels and predictions. Regression: rmse, mae, mape (over labels != 0),
 * r2, bias (mean prediction - label). Binary classification: roc_auc (rank statistic, ties
 * averaged), pr_auc (average precision), precision / recall / f1 / accuracy at the threshold,
 * log_loss, brier, the confusion matrix and calibration by decile.
 */
public final class Evaluation {
    private Evaluation() {
    }

    public static Map<String, Object> regression(float[] label, float[] pred) {
        int n = label.length;
        double se = 0;
        double ae = 0;
        double ape = 0;
        int apeN = 0;
        double bias = 0;
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += label[i];
        }
        mean /= Math.max(1, n);
        double ss = 0;
        for (int i = 0; i < n; i++) {
            double d = pred[i] - label[i];
            se += d * d;
            ae += Math.abs(d);
            bias += d;
            ss += (label[i] - mean) * (label[i] - mean);
            if (label[i] != 0) {
                ape += Math.abs(d / label[i]);
                apeN++;
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rows", n);
        m.put("rmse", n == 0 ? null : Math.sqrt(se / n));
        m.put("mae", n == 0 ? null : ae / n);
        m.put("mape", apeN == 0 ? null : ape / apeN);
        m.put("r2", ss == 0 ? null : 1 - se / ss);
        m.put("bias", n == 0 ? null : bias / n);
        return m;
    }

    public static Map<String, Object> classification(float[] label, float[] prob, double threshold) {
        int n = label.length;
        long pos = 0;
        long tp = 0;
        long fp = 0;
        long tn = 0;
        long fn = 0;
        double ll = 0;
        double brier = 0;
        for (int i = 0; i < n; i++) {
            boolean y = label[i] > 0.5;
            double p = Math.min(1 - 1e-15, Math.max(1e-15, prob[i]));
            pos += y ? 1 : 0;
            boolean yhat = prob[i] >= threshold;
            if (y && yhat) {
                tp++;
            } else if (!y && yhat) {
                fp++;
            } else if (y) {
                fn++;
            } else {
                tn++;
            }
            ll += y ? -Math.log(p) : -Math.log(1 - p);
            brier += (prob[i] - (y ? 1 : 0)) * (prob[i] - (y ? 1 : 0));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rows", n);
        m.put("positives", pos);
        m.put("roc_auc", rocAuc(label, prob));
        m.put("pr_auc", averagePrecision(label, prob));
        Double precision = tp + fp == 0 ? null : (double) tp / (tp + fp);
        Double recall = tp + fn == 0 ? null : (double) tp / (tp + fn);
        m.put("precision", precision);
        m.put("recall", recall);
        m.put("f1", precision == null || recall == null || precision + recall == 0 ? null : 2 * precision * recall / (precision + recall));
        m.put("accuracy", n == 0 ? null : (double) (tp + tn) / n);
        m.put("log_loss", n == 0 ? null : ll / n);
        m.put("brier", n == 0 ? null : brier / n);
        m.put("threshold", threshold);
        m.put("confusion", Map.of("tp", tp, "fp", fp, "tn", tn, "fn", fn));
        m.put("calibration", calibration(label, prob));
        return m;
    }

    /** Mann-Whitney U over ranks (ties get their mean rank); null without both classes. */
    static Double rocAuc(float[] label, float[] prob) {
        int n = label.length;
        Integer[] idx = order(prob);
        double[] rank = new double[n];
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && prob[idx[j + 1]] == prob[idx[i]]) {
                j++;
            }
            double r = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                rank[idx[k]] = r;
            }
            i = j + 1;
        }
        long pos = 0;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            if (label[i] > 0.5) {
                pos++;
                sum += rank[i];
            }
        }
        long neg = n - pos;
        if (pos == 0 || neg == 0) {
            return null;
        }
        return (sum - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }

    /** Average precision: mean of the precision at each positive, by descending score. */
    static Double averagePrecision(float[] label, float[] prob) {
        Integer[] idx = order(prob);
        long pos = 0;
        for (float l : label) {
            pos += l > 0.5 ? 1 : 0;
        }
        if (pos == 0) {
            return null;
        }
        double ap = 0;
        long tp = 0;
        for (int k = idx.length - 1, seen = 1; k >= 0; k--, seen++) {
            if (label[idx[k]] > 0.5) {
                tp++;
                ap += (double) tp / seen;
            }
        }
        return ap / pos;
    }

    /** Mean predicted vs observed rate per decile of the predictions. */
    static java.util.List<Map<String, Object>> calibration(float[] label, float[] prob) {
        Integer[] idx = order(prob);
        java.util.List<Map<String, Object>> out = new java.util.ArrayList<>();
        int n = idx.length;
        for (int d = 0; d < 10 && n > 0; d++) {
            int from = d * n / 10;
            int to = (d + 1) * n / 10;
            if (to <= from) {
                continue;
            }
            double p = 0;
            double y = 0;
            for (int k = from; k < to; k++) {
                p += prob[idx[k]];
                y += label[idx[k]] > 0.5 ? 1 : 0;
            }
            out.add(Map.of("decile", d + 1, "rows", to - from, "mean_prediction", p / (to - from), "observed_rate", y / (to - from)));
        }
        return out;
    }

    private static Integer[] order(float[] v) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> Float.compare(v[a], v[b]));
        return idx;
    }
}
