package dev.mlops.core.spec;

import static dev.mlops.core.spec.SpecViolation.check;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A feature group: features of one entity, computed from one dataset of the model.
 *
 * <ul>
 *   <li>{@code entity}: the key column (e.g. zone_id); the online store's key;</li>
 *   <li>{@code source}: the dataset (its validated rows) the features are computed from;</li>
 *   <li>{@code event_time}: the time column (default: the dataset's event_time); a feature row is
 *       known from this time on;</li>
 *   <li>{@code granularity}: when set, rows are aggregated into buckets of that size and stamped
 *       with the bucket's end; without it, every source row is a feature row;</li>
 *   <li>{@code dense}: with a granularity, one row per entity and bucket of the day even when the
 *       entity had no rows in it (counts 0);</li>
 *   <li>{@code ttl}: how long a feature row stays valid: point-in-time joins ignore older rows, the
 *       online store expires them;</li>
 *   <li>{@code online}: whether the latest row per entity is materialized to the online store;</li>
 *   <li>{@code missing_days}: {@code null} (default) or {@code zero}: what a windowed feature is when its
 *       window overlaps a day with no validated data of the source; a feature's own key overrides it.</li>
 * </ul>
 */
public record FeatureGroupSpec(String description, String entity, String source, String eventTime, SpecDuration granularity,
                               Boolean dense, SpecDuration ttl, Boolean online, List<FeatureSpec> features,
                               @JsonInclude(JsonInclude.Include.NON_NULL) MissingDays missingDays) {
    public FeatureGroupSpec {
        check(entity != null && !entity.isBlank(), "entity", "expected the entity key column, e.g. 'zone_id'");
        check(source != null && !source.isBlank(), "source", "expected the dataset the features are computed from");
        check(ttl != null, "ttl", "expected how long a feature value stays valid, e.g. 2d");
        check(!ttl.value().isZero() && !ttl.value().isNegative(), "ttl", "expected a positive duration");
        dense = dense != null && dense;
        online = online == null || online;
        check(!dense || granularity != null, "dense", "dense needs a granularity (e.g. granularity: 1h)");
        check(features != null && !features.isEmpty(), "features", "expected at least one feature");
        features = List.copyOf(features);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < features.size(); i++) {
            FeatureSpec f = features.get(i);
            check(names.add(f.name()), "features[" + i + "].name", "expected unique feature names, '" + f.name() + "' appears twice");
            check(!f.name().equals(entity), "features[" + i + "].name", "a feature cannot be named like the entity '" + entity + "'");
            if (granularity != null) {
                check(f.windowed(), "features[" + i + "].agg",
                        "a group with a granularity aggregates: expected agg (one of " + Aggregation.names() + ")");
                check(multipleOf(f.window().value(), granularity.value()), "features[" + i + "].window",
                        "expected a multiple of the granularity " + granularity.text() + ", got " + f.window().text());
                check(f.lag() == null || multipleOf(f.lag().value(), granularity.value()), "features[" + i + "].lag",
                        "expected a multiple of the granularity " + granularity.text() + ", got " + (f.lag() == null ? "" : f.lag().text()));
            }
        }
        if (granularity != null) {
            check(!granularity.value().isZero() && Duration.ofDays(1).toSeconds() % granularity.value().toSeconds() == 0, "granularity",
                    "expected a duration that divides a day (e.g. 15m, 1h, 1d), got " + granularity.text());
        }
    }

    private static boolean multipleOf(Duration d, Duration unit) {
        return d.toSeconds() % unit.toSeconds() == 0;
    }

    /** How much history before a day the group needs: the longest lag + window. */
    public Duration lookback() {
        return features.stream().map(FeatureSpec::reach).max(Duration::compareTo).orElse(Duration.ZERO);
    }

    /** The missing-days policy of a feature: its own, else the group's, else {@link MissingDays#NULL}. */
    public MissingDays missingDays(FeatureSpec f) {
        if (f.missingDays() != null) {
            return f.missingDays();
        }
        return missingDays == null ? MissingDays.NULL : missingDays;
    }

    public List<String> featureNames() {
        return features.stream().map(FeatureSpec::name).toList();
    }
}
