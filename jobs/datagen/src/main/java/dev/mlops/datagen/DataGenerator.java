package dev.mlops.datagen;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deterministic synthetic upstream data for the zone_demand and trip_risk models.
 *
 * <p>{@link #writeLanding(Path)} writes the file datasets as {@code <landingRoot>/<dataset>/<yyyy-MM-dd>/<file>}:
 * <ul>
 *   <li>{@code rentals/<d>/rentals_<d>_part-0.csv.gz}, {@code ..._part-1.csv.gz} (gzipped CSV, header in each part)</li>
 *   <li>{@code weather/<d>/weather_<d>.jsonl} (24 hourly rows per city)</li>
 *   <li>{@code events/<d>/events_<d>.csv} (header only on days without events)</li>
 *   <li>{@code trips/<d>/trips_<d>.jsonl.gz} (gzipped JSON lines)</li>
 *   <li>{@code claims/<d>/claims_<d>.csv} (claims filed that day; header only on days without claims)</li>
 * </ul>
 * Columns are exactly those of the model specs, in spec order. A date directory is replaced as a whole (atomic moves,
 * stale files removed), so re-running is idempotent. {@link #writeReferenceTables(DataSource)} upserts the zones,
 * vehicles and drivers tables as of the end of {@code to}.
 *
 * <p>The output of a date is a function of (seed, scale, model, dataset, date, drifts, bad days) only.
 */
public final class DataGenerator {

    private static final Logger LOG = LoggerFactory.getLogger(DataGenerator.class);

    private final GeneratorOptions options;

    /** A generator for the given options; nothing is computed until a write method is called. */
    public DataGenerator(GeneratorOptions options) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        this.options = options;
    }

    /** The options this generator was built with. */
    public GeneratorOptions options() {
        return options;
    }

    /** Writes the landing files of every date of the range for the selected models. */
    public GenerationReport writeLanding(Path landingRoot) throws IOException {
        LandingWriter out = new LandingWriter(landingRoot);
        Map<String, Long> rows = new LinkedHashMap<>();
        if (options.models().contains(ModelKind.ZONE_DEMAND)) {
            writeZoneDemand(out, rows);
        }
        if (options.models().contains(ModelKind.TRIP_RISK)) {
            writeTripRisk(out, rows);
        }
        LOG.info("datagen landing {}..{} seed={} scale={} -> {} files, rows {}", options.from(), options.to(),
                options.seed(), options.scale(), out.written().size(), rows);
        return new GenerationReport(rows, out.written());
    }

    private void writeZoneDemand(LandingWriter out, Map<String, Long> rows) throws IOException {
        ZoneDemandWorld world = new ZoneDemandWorld(options);
        JsonLinesWriter json = new JsonLinesWriter();
        for (LocalDate d = options.from(); !d.isAfter(options.to()); d = d.plusDays(1)) {
            Table rentals = world.rentalsTable(d);
            applyBadData(rentals, ZoneDemandWorld.RENTALS_BAD_DATA, d);
            int half = (rentals.rows.size() + 1) / 2;
            Table part0 = rentals.slice(0, half);
            Table part1 = rentals.slice(half, rentals.rows.size());
            out.replaceDateDir("rentals", d, List.of(
                    new LandingWriter.FileSpec("rentals_" + d + "_part-0.csv.gz", true, w -> CsvWriter.write(part0, w)),
                    new LandingWriter.FileSpec("rentals_" + d + "_part-1.csv.gz", true, w -> CsvWriter.write(part1, w))));
            count(rows, "rentals", rentals);

            Table weather = world.weatherTable(d);
            out.replaceDateDir("weather", d, List.of(
                    new LandingWriter.FileSpec("weather_" + d + ".jsonl", false, w -> json.write(weather, w))));
            count(rows, "weather", weather);

            Table events = world.eventsTable(d);
            out.replaceDateDir("events", d, List.of(
                    new LandingWriter.FileSpec("events_" + d + ".csv", false, w -> CsvWriter.write(events, w))));
            count(rows, "events", events);
        }
    }

    private void writeTripRisk(LandingWriter out, Map<String, Long> rows) throws IOException {
        TripRiskWorld world = new TripRiskWorld(options);
        JsonLinesWriter json = new JsonLinesWriter();
        // trips of the last 31 days, replayed to find the claims filed on each day
        Map<LocalDate, List<TripRiskWorld.Trip>> recent = new HashMap<>();
        for (LocalDate d = options.from(); !d.isAfter(options.to()); d = d.plusDays(1)) {
            LocalDate day = d;
            recent.keySet().removeIf(k -> k.isBefore(day.minusDays(TripRiskWorld.MAX_CLAIM_DELAY_DAYS)));
            Table trips = world.tripsTable(d, recent.computeIfAbsent(d, world::trips));
            applyBadData(trips, TripRiskWorld.TRIPS_BAD_DATA, d);
            out.replaceDateDir("trips", d, List.of(
                    new LandingWriter.FileSpec("trips_" + d + ".jsonl.gz", true, w -> json.write(trips, w))));
            count(rows, "trips", trips);

            Table claims = world.claimsTable(d, k -> recent.computeIfAbsent(k, world::trips));
            out.replaceDateDir("claims", d, List.of(
                    new LandingWriter.FileSpec("claims_" + d + ".csv", false, w -> CsvWriter.write(claims, w))));
            count(rows, "claims", claims);
        }
    }

    private void applyBadData(Table table, BadData targets, LocalDate date) {
        for (BadDataKind kind : options.badKindsOn(date)) {
            targets.apply(table, kind, options.seed(), date);
        }
    }

    private static void count(Map<String, Long> rows, String dataset, Table table) {
        rows.merge(dataset, (long) table.rows.size(), Long::sum);
    }

    /**
     * Creates (if needed) and upserts the reference tables of the selected models in the "ops" database, each row in
     * its latest version as of the end of {@code to}: zones for zone_demand, vehicles and drivers for trip_risk.
     */
    public GenerationReport writeReferenceTables(DataSource ops) throws SQLException {
        if (ops == null) {
            throw new IllegalArgumentException("ops data source must not be null");
        }
        Map<String, Long> rows = new LinkedHashMap<>();
        long seed = options.seed();
        if (options.models().contains(ModelKind.ZONE_DEMAND)) {
            ZoneDemandWorld world = new ZoneDemandWorld(options);
            rows.put("zones", ReferenceTables.writeZones(ops,
                    ReferenceTables.zonesAsOf(seed, world.zones(), options.to())));
        }
        if (options.models().contains(ModelKind.TRIP_RISK)) {
            TripRiskWorld world = new TripRiskWorld(options);
            rows.put("vehicles", ReferenceTables.writeVehicles(ops, ReferenceTables.vehiclesAsOf(seed,
                    world.vehicles(), ZoneDemandWorld.zoneCount(options.scale()), options.to())));
            rows.put("drivers", ReferenceTables.writeDrivers(ops,
                    ReferenceTables.driversAsOf(seed, world.drivers(), options.to())));
        }
        LOG.info("datagen reference tables as of {} seed={} scale={} -> rows {}", options.to(), seed,
                options.scale(), rows);
        return new GenerationReport(rows, List.of());
    }
}
