package dev.mlops.datagen;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The reference tables of the "ops" database (zones, vehicles, drivers) and their change history. Every row is created
 * at {@link #CREATED}; from {@link #FIRST_UPDATE_DAY} on, each day updates ~2% of the rows (seeded per table and day)
 * with {@code updated_at} at a seeded time of that day. The state as of a date therefore does not depend on where a
 * generated range starts.
 */
final class ReferenceTables {

    /** Creation time of every reference row. */
    static final LocalDateTime CREATED = LocalDateTime.of(2023, 12, 31, 0, 0);
    /** First day with updates. */
    static final LocalDate FIRST_UPDATE_DAY = LocalDate.of(2024, 1, 1);
    /** Daily probability that a row changes (drivers also change on their licence anniversary). */
    static final double DAILY_UPDATE_SHARE = 0.02;

    record ZoneRow(int zoneId, String name, String city, double lat, double lon, int parkingSpots,
                   LocalDateTime updatedAt) {
    }

    record VehicleRow(int vehicleNo, String vehicleId, String make, String model, int year, int homeZoneId,
                      LocalDateTime updatedAt) {
    }

    record DriverRow(int driverNo, String driverId, int birthYear, int licenseYears, String region,
                     LocalDateTime updatedAt) {
    }

    private ReferenceTables() {
    }

    private static LocalDateTime updateTime(Rng r, LocalDate day) {
        return day.atTime(r.nextInt(24), r.nextInt(60), r.nextInt(60));
    }

    static List<ZoneRow> zonesAsOf(long seed, List<ZoneDemandWorld.Zone> zones, LocalDate asOf) {
        int n = zones.size();
        int[] spots = new int[n];
        LocalDateTime[] updated = new LocalDateTime[n];
        for (int i = 0; i < n; i++) {
            spots[i] = zones.get(i).parkingSpots();
            updated[i] = CREATED;
        }
        for (LocalDate day = FIRST_UPDATE_DAY; !day.isAfter(asOf); day = day.plusDays(1)) {
            Rng r = Rng.of(seed, "zones-updates", day);
            for (int i = 0; i < n; i++) {
                if (r.chance(DAILY_UPDATE_SHARE)) {
                    int delta = r.between(1, 5) * (r.chance(0.5) ? 1 : -1);
                    spots[i] = Math.max(5, spots[i] + delta);
                    updated[i] = updateTime(r, day);
                }
            }
        }
        List<ZoneRow> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ZoneDemandWorld.Zone z = zones.get(i);
            rows.add(new ZoneRow(z.zoneId(), z.name(), z.city(), z.lat(), z.lon(), spots[i], updated[i]));
        }
        return rows;
    }

    static List<VehicleRow> vehiclesAsOf(long seed, List<TripRiskWorld.Vehicle> vehicles, int zoneCount,
                                         LocalDate asOf) {
        int n = vehicles.size();
        int[] home = new int[n];
        LocalDateTime[] updated = new LocalDateTime[n];
        for (int i = 0; i < n; i++) {
            home[i] = vehicles.get(i).homeZoneId();
            updated[i] = CREATED;
        }
        for (LocalDate day = FIRST_UPDATE_DAY; !day.isAfter(asOf); day = day.plusDays(1)) {
            Rng r = Rng.of(seed, "vehicles-updates", day);
            for (int i = 0; i < n; i++) {
                if (r.chance(DAILY_UPDATE_SHARE)) {
                    int next = 1 + r.nextInt(zoneCount);
                    home[i] = zoneCount > 1 && next == home[i] ? next % zoneCount + 1 : next;
                    updated[i] = updateTime(r, day);
                }
            }
        }
        List<VehicleRow> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            TripRiskWorld.Vehicle v = vehicles.get(i);
            rows.add(new VehicleRow(v.vehicleNo(), v.vehicleId(), v.make(), v.model(), v.year(), home[i], updated[i]));
        }
        return rows;
    }

    static List<DriverRow> driversAsOf(long seed, List<TripRiskWorld.Driver> drivers, LocalDate asOf) {
        int n = drivers.size();
        int[] licenseYears = new int[n];
        String[] region = new String[n];
        LocalDateTime[] updated = new LocalDateTime[n];
        for (int i = 0; i < n; i++) {
            licenseYears[i] = drivers.get(i).licenseYears();
            region[i] = drivers.get(i).region();
            updated[i] = CREATED;
        }
        for (LocalDate day = FIRST_UPDATE_DAY; !day.isAfter(asOf); day = day.plusDays(1)) {
            Rng r = Rng.of(seed, "drivers-updates", day);
            for (int i = 0; i < n; i++) {
                boolean moved = r.chance(DAILY_UPDATE_SHARE - 1.0 / 365);
                boolean anniversary = drivers.get(i).licenseDayOfYear() == day.getDayOfYear();
                if (moved) {
                    int current = List.of(TripRiskWorld.REGIONS).indexOf(region[i]);
                    int next = r.nextInt(TripRiskWorld.REGIONS.length - 1);
                    region[i] = TripRiskWorld.REGIONS[next >= current ? next + 1 : next];
                }
                if (anniversary) {
                    licenseYears[i]++;
                }
                if (moved || anniversary) {
                    updated[i] = updateTime(r, day);
                }
            }
        }
        List<DriverRow> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            TripRiskWorld.Driver d = drivers.get(i);
            rows.add(new DriverRow(d.driverNo(), d.driverId(), d.birthYear(), licenseYears[i], region[i], updated[i]));
        }
        return rows;
    }

    // ---------------------------------------------------------------- JDBC

    static final String ZONES_DDL = "CREATE TABLE IF NOT EXISTS public.zones (zone_id int PRIMARY KEY, name text, "
            + "city text, lat double precision, lon double precision, parking_spots int, updated_at timestamp NOT NULL)";
    static final String VEHICLES_DDL = "CREATE TABLE IF NOT EXISTS public.vehicles (vehicle_no int PRIMARY KEY, "
            + "vehicle_id text UNIQUE NOT NULL, make text, model text, year int, home_zone_id int, "
            + "updated_at timestamp NOT NULL)";
    static final String DRIVERS_DDL = "CREATE TABLE IF NOT EXISTS public.drivers (driver_no int PRIMARY KEY, "
            + "driver_id text UNIQUE NOT NULL, birth_year int, license_years int, region text, "
            + "updated_at timestamp NOT NULL)";

    /** An upsert that leaves identical rows untouched. */
    static String upsert(String table, String key, List<String> columns) {
        StringBuilder sql = new StringBuilder("INSERT INTO public.").append(table).append(" AS t (")
                .append(String.join(", ", columns)).append(") VALUES (")
                .append(String.join(", ", columns.stream().map(c -> "?").toList()))
                .append(") ON CONFLICT (").append(key).append(") DO UPDATE SET ");
        List<String> rest = columns.stream().filter(c -> !c.equals(key)).toList();
        sql.append(String.join(", ", rest.stream().map(c -> c + " = EXCLUDED." + c).toList()));
        sql.append(" WHERE (").append(String.join(", ", rest.stream().map(c -> "t." + c).toList()))
                .append(") IS DISTINCT FROM (")
                .append(String.join(", ", rest.stream().map(c -> "EXCLUDED." + c).toList())).append(")");
        return sql.toString();
    }

    /** Creates the table if needed and upserts the rows in one transaction; returns the number of rows written. */
    static long write(DataSource ds, String ddl, String table, String key, List<String> columns,
                      List<Object[]> rows) throws SQLException {
        try (Connection c = ds.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute(ddl);
                try (PreparedStatement ps = c.prepareStatement(upsert(table, key, columns))) {
                    int batched = 0;
                    for (Object[] row : rows) {
                        for (int i = 0; i < row.length; i++) {
                            ps.setObject(i + 1, row[i]);
                        }
                        ps.addBatch();
                        if (++batched % 500 == 0) {
                            ps.executeBatch();
                        }
                    }
                    ps.executeBatch();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        }
        return rows.size();
    }

    static final List<String> ZONE_COLUMNS = List.of("zone_id", "name", "city", "lat", "lon", "parking_spots",
            "updated_at");
    static final List<String> VEHICLE_COLUMNS = List.of("vehicle_no", "vehicle_id", "make", "model", "year",
            "home_zone_id", "updated_at");
    static final List<String> DRIVER_COLUMNS = List.of("driver_no", "driver_id", "birth_year", "license_years",
            "region", "updated_at");

    static long writeZones(DataSource ds, List<ZoneRow> rows) throws SQLException {
        return write(ds, ZONES_DDL, "zones", "zone_id", ZONE_COLUMNS, rows.stream()
                .map(z -> new Object[]{z.zoneId(), z.name(), z.city(), z.lat(), z.lon(), z.parkingSpots(), z.updatedAt()})
                .toList());
    }

    static long writeVehicles(DataSource ds, List<VehicleRow> rows) throws SQLException {
        return write(ds, VEHICLES_DDL, "vehicles", "vehicle_no", VEHICLE_COLUMNS, rows.stream()
                .map(v -> new Object[]{v.vehicleNo(), v.vehicleId(), v.make(), v.model(), v.year(), v.homeZoneId(),
                        v.updatedAt()})
                .toList());
    }

    static long writeDrivers(DataSource ds, List<DriverRow> rows) throws SQLException {
        return write(ds, DRIVERS_DDL, "drivers", "driver_no", DRIVER_COLUMNS, rows.stream()
                .map(d -> new Object[]{d.driverNo(), d.driverId(), d.birthYear(), d.licenseYears(), d.region(),
                        d.updatedAt()})
                .toList());
    }
}
