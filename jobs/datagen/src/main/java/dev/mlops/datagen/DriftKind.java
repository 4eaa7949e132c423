package dev.mlops.datagen;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** A pattern change injected from a given date on (see {@link Drift}). */
public enum DriftKind {
    /** zone_demand: the weekday evening peak moves two hours later and weekend demand rises by 30%. */
    DEMAND_SHIFT("demand_shift", ModelKind.ZONE_DEMAND),
    /** trip_risk: the telematics firmware ({@code fw-2.0}) reports speeds in mph; behaviour and claims are unchanged. */
    SPEED_MPH("speed_mph", ModelKind.TRIP_RISK);

    private final String cliName;
    private final ModelKind model;

    DriftKind(String cliName, ModelKind model) {
        this.cliName = cliName;
        this.model = model;
    }

    /** The lower-case name used on the command line, e.g. {@code demand_shift}. */
    public String cliName() {
        return cliName;
    }

    /** The model whose data this drift changes. */
    public ModelKind model() {
        return model;
    }

    /**
     * Parses {@code demand_shift} or {@code speed_mph} (case-insensitive, {@code -} accepted for {@code _}).
     *
     * @throws IllegalArgumentException naming the bad text and the accepted names
     */
    public static DriftKind fromName(String name) {
        DriftKind k = lookup(name);
        if (k == null) {
            throw new IllegalArgumentException("bad drift kind '" + name + "': expected one of " + names());
        }
        return k;
    }

    static DriftKind lookup(String name) {
        if (name == null) {
            return null;
        }
        String n = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        for (DriftKind k : values()) {
            if (k.cliName.equals(n)) {
                return k;
            }
        }
        return null;
    }

    static String names() {
        return Arrays.stream(values()).map(DriftKind::cliName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return cliName;
    }
}
