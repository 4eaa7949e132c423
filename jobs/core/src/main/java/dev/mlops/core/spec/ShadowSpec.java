package dev.mlops.core.spec;

import static dev.mlops.core.spec.SpecViolation.check;

/**
 * How a candidate is compared with production on the same batch inputs before it may replace it
 * ({@code mlops shadow}): the number of days it must be shadowed, the gate (the share of
 * predictions on which both models agree, over the whole period and within every segment), what
 * "agree" means for a regression (a relative tolerance, with an absolute floor for values near
 * zero), and the size of the top-k overlap. Segments are the training slices. Defaults from our
 * users' rollout design: shadow for 3 days, replace when agreement is at least 95%.
 */
public record ShadowSpec(SpecDuration period, Double minAgreement, Double segmentFloor, Tolerance tolerance, Integer topK, Integer bins) {
    /** Two regression predictions agree when |candidate - production| <= max(relative * |production|, absolute). */
    public record Tolerance(Double relative, Double absolute) {
        public Tolerance {
            relative = relative == null ? 0.1 : relative;
            absolute = absolute == null ? 0.0 : absolute;
            check(relative >= 0 && absolute >= 0 && relative + absolute > 0, "",
                    "expected relative and absolute tolerances >= 0, not both 0, got " + relative + " and " + absolute);
        }

        public boolean agree(double production, double candidate) {
            return Math.abs(candidate - production) <= Math.max(relative * Math.abs(production), absolute);
        }
    }

    public static final ShadowSpec DEFAULT = new ShadowSpec(null, null, null, null, null, null);

    public ShadowSpec {
        period = period == null ? SpecDuration.parse("3d") : period;
        check(period.value().toSeconds() % 86_400 == 0 && period.value().toDays() >= 1, "period",
                "expected whole days, e.g. 3d or 7d, got " + period.text());
        minAgreement = minAgreement == null ? 0.95 : minAgreement;
        check(minAgreement > 0 && minAgreement <= 1, "min_agreement", "expected a share in (0, 1], got " + minAgreement);
        segmentFloor = segmentFloor == null ? minAgreement - 0.05 : segmentFloor;
        check(segmentFloor >= 0 && segmentFloor <= 1, "segment_floor", "expected a share in [0, 1], got " + segmentFloor);
        tolerance = tolerance == null ? new Tolerance(null, null) : tolerance;
        topK = topK == null ? 100 : topK;
        check(topK >= 1, "top_k", "expected at least 1, got " + topK);
        bins = bins == null ? 10 : bins;
        check(bins >= 2 && bins <= 100, "bins", "expected 2..100 quantile bins for the PSI, got " + bins);
    }

    public int days() {
        return (int) period.value().toDays();
    }
}
