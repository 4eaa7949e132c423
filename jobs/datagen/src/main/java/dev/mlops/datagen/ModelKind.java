package dev.mlops.datagen;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The two models whose upstream systems the generator simulates; {@link #specName()} is the name used in the model specs. */
public enum ModelKind {
    /** Hourly car-sharing demand per zone ({@code dags/models/zone_demand.yaml}). */
    ZONE_DEMAND("zone_demand"),
    /** Claim risk per telematics trip ({@code dags/models/trip_risk.yaml}). */
    TRIP_RISK("trip_risk");

    private final String specName;

    ModelKind(String specName) {
        this.specName = specName;
    }

    /** The model name as written in the spec, e.g. {@code zone_demand}. */
    public String specName() {
        return specName;
    }

    /**
     * Parses a spec name ({@code zone_demand}, {@code trip_risk}; case-insensitive, {@code -} accepted for {@code _}).
     *
     * @throws IllegalArgumentException naming the bad text and the accepted names
     */
    public static ModelKind fromName(String name) {
        if (name != null) {
            String n = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
            for (ModelKind k : values()) {
                if (k.specName.equals(n)) {
                    return k;
                }
            }
        }
        throw new IllegalArgumentException("bad model '" + name + "': expected one of " + names());
    }

    static String names() {
        return Arrays.stream(values()).map(ModelKind::specName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return specName;
    }
}
