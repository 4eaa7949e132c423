package dev.mlops.validate;

import dev.mlops.core.spec.AnomalySpec;
import dev.mlops.core.spec.CheckSpec;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Locale;

/** Failure messages a data engineer can act on: what was observed, what was expected, and the hint. */
final class Messages {
    private Messages() {
    }

    static String failure(String dataset, CheckSpec spec, Double value, String deequMessage, long dayEndEpoch) {
        String target = dataset + "." + (spec.column() != null ? spec.column() : spec.columns() != null ? String.join("+", spec.columns()) : spec.displayName());
        String text;
        if (value == null) {
            String why = deequMessage == null ? "" : deequMessage.lines().findFirst().orElse("");
            text = target + ": " + spec.kind().specName() + " could not be computed on this data"
                    + (why.isEmpty() ? "" : " (" + (why.length() > 200 ? why.substring(0, 200) + "..." : why) + ")");
        } else {
            text = switch (spec.kind()) {
                case COMPLETENESS -> target + ": completeness " + pct(value) + " < " + pct(spec.min());
                case UNIQUENESS -> target + ": uniqueness " + pct(value) + " < " + pct(spec.min());
                case MIN -> target + ": min " + num(value) + " < " + num(spec.min());
                case MAX -> target + ": max " + num(value) + " > " + num(spec.max());
                case NON_NEGATIVE -> target + ": " + pct(1 - value) + " of rows negative, expected none";
                case ALLOWED_VALUES -> target + ": " + pct(1 - value) + " of values outside " + spec.values()
                        + ", expected at most " + pct(1 - spec.minRatioOrDefault());
                case PATTERN -> target + ": " + pct(value) + " of values match " + spec.regex() + ", expected >= " + pct(spec.minRatioOrDefault());
                case SIZE -> dataset + ": " + (long) (double) value + " rows, expected " + range(spec.min(), spec.max(), true);
                case SATISFIES -> dataset + "." + spec.displayName() + ": " + pct(value) + " of rows satisfy '" + spec.predicate()
                        + "', expected >= " + pct(spec.minRatioOrDefault());
                case MEAN -> target + ": mean " + num(value) + outside(value, spec.min(), spec.max());
                case STDDEV -> target + ": stddev " + num(value) + outside(value, spec.min(), spec.max());
                case QUANTILE -> target + ": quantile " + spec.quantile() + " = " + num(value) + outside(value, spec.min(), spec.max());
                case FRESHNESS -> target + ": newest value " + Instant.ofEpochSecond((long) (double) value) + " is older than "
                        + spec.maxAge().text() + " before the end of the data date (" + Instant.ofEpochSecond(dayEndEpoch) + ")";
            };
        }
        return spec.hint() == null ? text : text + " (" + spec.hint() + ")";
    }

    static String anomaly(String dataset, AnomalySpec a, Double value, LocalDate date) {
        String text = a.kind() == AnomalySpec.Kind.ROW_COUNT_CHANGE
                ? dataset + ": row count " + (value == null ? "?" : Long.toString((long) (double) value))
                        + " is an anomaly against the previous date (allowed change x" + num(a.maxDecrease()) + "..x" + num(a.maxIncrease()) + ")"
                : dataset + "." + a.column() + ": mean " + (value == null ? "?" : num(value)) + " is outside "
                        + num(a.stddevs()) + " standard deviations of its history before " + date;
        if (a.kind() == AnomalySpec.Kind.ROW_COUNT_CHANGE && (a.maxDecrease() == null || a.maxIncrease() == null)) {
            text = dataset + ": row count " + (value == null ? "?" : Long.toString((long) (double) value))
                    + " is an anomaly against the previous date (allowed change "
                    + (a.maxDecrease() == null ? "" : ">= x" + num(a.maxDecrease())) + (a.maxIncrease() == null ? "" : "<= x" + num(a.maxIncrease())) + ")";
        }
        return a.hint() == null ? text : text + " (" + a.hint() + ")";
    }

    static String meanBand(String dataset, AnomalySpec a, Double value, double mu, double sd, int points, LocalDate date) {
        String text = dataset + "." + a.column() + ": mean " + (value == null ? "?" : num(value)) + " is outside "
                + num(mu) + " +- " + num(a.stddevs()) + " x " + num(sd) + " (median and robust stddev of " + points + " dates before " + date + ")";
        return a.hint() == null ? text : text + " (" + a.hint() + ")";
    }

    private static String outside(double value, Double min, Double max) {
        if (min != null && value < min) {
            return " < " + num(min);
        }
        if (max != null && value > max) {
            return " > " + num(max);
        }
        return ", expected " + range(min, max, false);
    }

    private static String range(Double min, Double max, boolean whole) {
        String lo = min == null ? null : whole ? Long.toString(min.longValue()) : num(min);
        String hi = max == null ? null : whole ? Long.toString(max.longValue()) : num(max);
        if (lo != null && hi != null) {
            return lo + ".." + hi;
        }
        return lo != null ? ">= " + lo : "<= " + hi;
    }

    static String num(Double v) {
        if (v == null) {
            return "-";
        }
        double d = v;
        if (Math.abs(d) >= 1000 || d == Math.rint(d)) {
            return String.format(Locale.ROOT, "%.1f", d);
        }
        return String.format(Locale.ROOT, "%.4g", d).replaceAll("0+$", "").replaceAll("\\.$", ".0");
    }

    /** A percentage that never rounds a small shortfall away (99.9993% is not printed as 100.00%). */
    static String pct(double ratio) {
        String two = String.format(Locale.ROOT, "%.2f%%", 100 * ratio);
        if ((two.equals("100.00%") && ratio < 1) || (two.equals("0.00%") && ratio > 0)) {
            return String.format(Locale.ROOT, "%.6f%%", 100 * ratio).replaceAll("0+%$", "%");
        }
        return two;
    }
}
