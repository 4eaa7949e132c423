package dev.mlops.core.spec;

import static dev.mlops.core.spec.SpecViolation.check;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * An anomaly check over a dataset's metric history (dates before the data date only):
 * <ul>
 *   <li>{@code row_count_change}: the row count may fall to at least {@code max_decrease} times and rise to at
 *       most {@code max_increase} times the previous date's (e.g. 0.5 and 2.0);</li>
 *   <li>{@code mean_band}: the mean of {@code column} must stay within {@code stddevs} robust standard deviations
 *       (1.4826 x median absolute deviation) of the median of its values on earlier dates; judged from 5 earlier
 *       dates on.</li>
 * </ul>
 */
public record AnomalySpec(Kind kind, String name, String column, Double maxDecrease, Double maxIncrease, Double stddevs,
                          Severity severity, String hint) {
    /** Anomaly strategies. */
    public enum Kind {
        ROW_COUNT_CHANGE, MEAN_BAND;

        @JsonValue
        public String specName() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static Kind fromSpec(String value) {
            for (Kind k : values()) {
                if (k.specName().equals(value)) {
                    return k;
                }
            }
            throw new SpecViolation("", "expected one of [row_count_change, mean_band], got '" + value + "'");
        }
    }

    public AnomalySpec {
        check(kind != null, "kind", "expected one of [row_count_change, mean_band]");
        severity = severity == null ? Severity.ERROR : severity;
        if (kind == Kind.ROW_COUNT_CHANGE) {
            check(maxDecrease != null || maxIncrease != null, "max_decrease",
                    "expected max_decrease (e.g. 0.5: may fall to half) and/or max_increase (e.g. 2.0)");
            if (maxDecrease != null) {
                check(maxDecrease > 0 && maxDecrease < 1, "max_decrease", "expected a factor in (0, 1), got " + maxDecrease);
            }
            if (maxIncrease != null) {
                check(maxIncrease > 1, "max_increase", "expected a factor above 1, got " + maxIncrease);
            }
        } else {
            check(column != null, "column", "expected the column whose mean is watched");
            stddevs = stddevs == null ? 3.0 : stddevs;
            check(stddevs > 0, "stddevs", "expected a positive number of standard deviations, got " + stddevs);
        }
        if (name != null) {
            SpecViolation.checkName(name, "name");
        }
    }

    public String displayName() {
        if (name != null) {
            return name;
        }
        return kind == Kind.ROW_COUNT_CHANGE ? "row_count_change" : column + "_mean_band";
    }
}
