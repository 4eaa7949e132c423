package dev.mlops.datagen;

import java.time.LocalDate;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What to generate. Equal options always produce byte-identical output; the data of one date does not depend on
 * {@code from}/{@code to}.
 *
 * @param from     first date (inclusive)
 * @param to       last date (inclusive)
 * @param models   the models whose datasets are generated (not empty)
 * @param seed     seed of all randomness (entities, days)
 * @param scale    size multiplier (zones, vehicles, drivers, trips); 1 gives ~20 zones, ~2,500 rentals and ~2,000 trips a day
 * @param drifts   pattern changes to inject
 * @param badDays  broken deliveries to inject
 */
public record GeneratorOptions(LocalDate from, LocalDate to, Set<ModelKind> models, long seed, double scale,
                               List<Drift> drifts, List<BadDay> badDays) {

    public GeneratorOptions {
        if (from == null) {
            throw new IllegalArgumentException("from date must not be null");
        }
        if (to == null) {
            throw new IllegalArgumentException("to date must not be null");
        }
        if (from.isAfter(to)) {
            throw new IllegalArgumentException("bad date range: from " + from + " is after to " + to);
        }
        if (models == null || models.isEmpty() || hasNull(models)) {
            throw new IllegalArgumentException("bad models " + models + ": expected at least one of " + ModelKind.names());
        }
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("bad scale " + scale + ": expected a finite number > 0");
        }
        if (drifts == null || hasNull(drifts)) {
            throw new IllegalArgumentException("bad drifts " + drifts + ": expected a list without nulls");
        }
        if (badDays == null || hasNull(badDays)) {
            throw new IllegalArgumentException("bad bad days " + badDays + ": expected a list without nulls");
        }
        models = Collections.unmodifiableSet(EnumSet.copyOf(models));
        drifts = List.copyOf(drifts);
        badDays = List.copyOf(badDays);
    }

    private static boolean hasNull(Collection<?> values) {
        return values.stream().anyMatch(Objects::isNull);
    }

    /** Options without drifts and bad days. */
    public GeneratorOptions(LocalDate from, LocalDate to, Set<ModelKind> models, long seed, double scale) {
        this(from, to, models, seed, scale, List.of(), List.of());
    }

    /** Whether a drift of this kind is active on the date. */
    boolean driftActive(DriftKind kind, LocalDate date) {
        return drifts.stream().anyMatch(d -> d.kind() == kind && d.activeOn(date));
    }

    /** The bad-data kinds to apply on the date, in the order given. */
    List<BadDataKind> badKindsOn(LocalDate date) {
        return badDays.stream().filter(b -> b.date().equals(date)).map(BadDay::kind).distinct().toList();
    }
}
