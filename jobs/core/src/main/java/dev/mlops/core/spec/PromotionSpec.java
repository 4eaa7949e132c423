package dev.mlops.core.spec;

import static dev.mlops.core.spec.SpecViolation.check;

/**
 * What a candidate must show before {@code mlops promote} makes it production: beat production on
 * the candidate's test split by {@code margin} (relative, on the primary metric) with at least
 * {@code confidence} of {@code bootstrap} paired resamples agreeing; no slice worse than
 * production by more than {@code slice_tolerance} (relative); the shadow gate passed against
 * this production version ({@code require_shadow}); and, where {@code require_approval}, a
 * human approval recorded in the registry. A candidate's own deploy thresholds
 * ({@code training.deploy_thresholds}) always apply.
 */
public record PromotionSpec(Double margin, Double confidence, Integer bootstrap, Double sliceTolerance, Boolean requireShadow,
                            Boolean requireApproval, Endpoint endpoint) {
    public static final PromotionSpec DEFAULT = new PromotionSpec(null, null, null, null, null, null, null);

    /**
     * A real-time SageMaker endpoint the model also serves from: promotion switches it with a
     * blue/green update shifting {@code canary_percent} of the capacity first, waiting
     * {@code canary_wait}, then the rest; the {@code alarms} (CloudWatch alarm names) roll it back
     * automatically while it runs.
     */
    public record Endpoint(String name, String instanceType, Integer instanceCount, Integer canaryPercent, SpecDuration canaryWait,
                           java.util.List<String> alarms, SpecDuration terminationWait, SpecDuration maxExecution) {
        public Endpoint {
            check(name != null && name.matches("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"), "name",
                    "expected a SageMaker endpoint name (letters, digits, hyphens; at most 63), got '" + name + "'");
            instanceType = instanceType == null ? "ml.m5.large" : instanceType;
            check(instanceType.startsWith("ml."), "instance_type", "expected a SageMaker instance type like ml.m5.large, got '" + instanceType + "'");
            instanceCount = instanceCount == null ? 2 : instanceCount;
            check(instanceCount >= 1, "instance_count", "expected at least 1");
            canaryPercent = canaryPercent == null ? 10 : canaryPercent;
            check(canaryPercent >= 1 && canaryPercent <= 50, "canary_percent", "expected 1..50 (% of the capacity), got " + canaryPercent);
            canaryWait = canaryWait == null ? SpecDuration.parse("10m") : canaryWait;
            check(canaryWait.value().toSeconds() <= 3600, "canary_wait", "expected at most 1h (SageMaker's limit), got " + canaryWait.text());
            alarms = alarms == null ? java.util.List.of() : java.util.List.copyOf(alarms);
            check(!alarms.isEmpty() && alarms.size() <= 10, "alarms",
                    "expected 1..10 CloudWatch alarm names that roll the canary back (without alarms a bad canary is never rolled back)");
            terminationWait = terminationWait == null ? SpecDuration.parse("10m") : terminationWait;
            maxExecution = maxExecution == null ? SpecDuration.parse("1h") : maxExecution;
        }
    }

    public PromotionSpec {
        margin = margin == null ? 0.0 : margin;
        check(margin >= 0 && margin < 1, "margin", "expected a relative improvement in [0, 1), e.g. 0.02, got " + margin);
        confidence = confidence == null ? 0.9 : confidence;
        check(confidence >= 0.5 && confidence < 1, "confidence", "expected a share in [0.5, 1), e.g. 0.95, got " + confidence);
        bootstrap = bootstrap == null ? 1000 : bootstrap;
        check(bootstrap >= 100 && bootstrap <= 100_000, "bootstrap", "expected 100..100000 resamples, got " + bootstrap);
        sliceTolerance = sliceTolerance == null ? 0.05 : sliceTolerance;
        check(sliceTolerance >= 0, "slice_tolerance", "expected a relative tolerance >= 0, got " + sliceTolerance);
        requireShadow = requireShadow == null || requireShadow;
        requireApproval = requireApproval != null && requireApproval;
    }
}
