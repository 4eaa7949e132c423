package dev.mlops.datagen;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ReferenceTablesTest {

    private static final LocalDate FROM = LocalDate.of(2024, 3, 1);
    private static final LocalDate TO = LocalDate.of(2024, 3, 10);

    private static EmbeddedPostgres pg;

    @BeforeAll
    static void startPostgres() throws IOException {
        pg = EmbeddedPostgres.start();
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        if (pg != null) {
            pg.close();
        }
    }

    private static DataSource newDatabase(String name) throws SQLException {
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        return pg.getDatabase("postgres", name);
    }

    private static GeneratorOptions options(LocalDate from, LocalDate to, EnumSet<ModelKind> models) {
        return new GeneratorOptions(from, to, models, 42, 1.0);
    }

    private static List<String> dump(DataSource ds, String table, String key) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT * FROM public." + table + " ORDER BY " + key)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder sb = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    sb.append(rs.getString(i)).append('|');
                }
                rows.add(sb.toString());
            }
        }
        return rows;
    }

    private static List<String> columns(DataSource ds, String table) throws SQLException {
        List<String> cols = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT column_name FROM information_schema.columns WHERE table_schema = "
                     + "'public' AND table_name = '" + table + "' ORDER BY ordinal_position")) {
            while (rs.next()) {
                cols.add(rs.getString(1));
            }
        }
        return cols;
    }

    private static List<LocalDateTime> updatedAt(DataSource ds, String table) throws SQLException {
        List<LocalDateTime> out = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT updated_at FROM public." + table)) {
            while (rs.next()) {
                out.add(rs.getObject(1, LocalDateTime.class));
            }
        }
        return out;
    }

    @Test
    void tablesAreIdempotentAndIndependentOfTheRangeStart() throws SQLException {
        DataSource ops = newDatabase("ops_all");
        GenerationReport report = new DataGenerator(options(FROM, TO, EnumSet.allOf(ModelKind.class)))
                .writeReferenceTables(ops);
        assertThat(report.rowsByDataset()).containsExactly(
                java.util.Map.entry("zones", 20L), java.util.Map.entry("vehicles", 400L),
                java.util.Map.entry("drivers", 1000L));
        assertThat(report.files()).isEmpty();

        assertThat(columns(ops, "zones")).isEqualTo(ReferenceTables.ZONE_COLUMNS);
        assertThat(columns(ops, "vehicles")).isEqualTo(ReferenceTables.VEHICLE_COLUMNS);
        assertThat(columns(ops, "drivers")).isEqualTo(ReferenceTables.DRIVER_COLUMNS);

        List<String> zones = dump(ops, "zones", "zone_id");
        List<String> vehicles = dump(ops, "vehicles", "vehicle_no");
        List<String> drivers = dump(ops, "drivers", "driver_no");
        assertThat(zones).hasSize(20);
        assertThat(vehicles).hasSize(400);
        assertThat(drivers).hasSize(1000);

        new DataGenerator(options(FROM, TO, EnumSet.allOf(ModelKind.class))).writeReferenceTables(ops);
        assertThat(dump(ops, "zones", "zone_id")).isEqualTo(zones);
        assertThat(dump(ops, "vehicles", "vehicle_no")).isEqualTo(vehicles);
        assertThat(dump(ops, "drivers", "driver_no")).isEqualTo(drivers);

        new DataGenerator(options(TO.minusDays(2), TO, EnumSet.allOf(ModelKind.class))).writeReferenceTables(ops);
        assertThat(dump(ops, "zones", "zone_id")).isEqualTo(zones);
        assertThat(dump(ops, "vehicles", "vehicle_no")).isEqualTo(vehicles);
        assertThat(dump(ops, "drivers", "driver_no")).isEqualTo(drivers);

        // a later end date moves some rows forward
        new DataGenerator(options(FROM, TO.plusDays(5), EnumSet.allOf(ModelKind.class))).writeReferenceTables(ops);
        assertThat(dump(ops, "drivers", "driver_no")).isNotEqualTo(drivers).hasSize(1000);
        assertThat(updatedAt(ops, "drivers")).anyMatch(t -> t.toLocalDate().isAfter(TO));
    }

    @Test
    void updatedAtFallsOnGeneratedDaysForSomeRows() throws SQLException {
        DataSource ops = newDatabase("ops_updates");
        new DataGenerator(options(FROM, TO, EnumSet.allOf(ModelKind.class))).writeReferenceTables(ops);
        for (String table : List.of("vehicles", "drivers")) {
            List<LocalDateTime> stamps = updatedAt(ops, table);
            long inRange = stamps.stream()
                    .filter(t -> !t.toLocalDate().isBefore(FROM) && !t.toLocalDate().isAfter(TO)).count();
            assertThat(inRange).as(table).isBetween((long) (stamps.size() * 0.05), (long) (stamps.size() * 0.4));
            assertThat(stamps).as(table).contains(ReferenceTables.CREATED)
                    .allMatch(t -> !t.toLocalDate().isAfter(TO));
        }
        assertThat(updatedAt(ops, "zones")).allMatch(t -> !t.toLocalDate().isAfter(TO))
                .anyMatch(t -> t.toLocalDate().isAfter(ReferenceTables.CREATED.toLocalDate()));
    }

    @Test
    void onlyTheSelectedModelsTablesAreWritten() throws SQLException {
        DataSource ops = newDatabase("ops_zd");
        GenerationReport report = new DataGenerator(options(FROM, TO, EnumSet.of(ModelKind.ZONE_DEMAND)))
                .writeReferenceTables(ops);
        assertThat(report.rowsByDataset()).containsOnlyKeys("zones");
        assertThat(columns(ops, "zones")).isNotEmpty();
        assertThat(columns(ops, "vehicles")).isEmpty();
        assertThat(columns(ops, "drivers")).isEmpty();
    }

    @Test
    void historyIsAFunctionOfTheEndDate() {
        GeneratorOptions o = options(FROM, TO, EnumSet.allOf(ModelKind.class));
        TripRiskWorld world = new TripRiskWorld(o);
        List<ReferenceTables.DriverRow> atTo = ReferenceTables.driversAsOf(42, world.drivers(), TO);
        assertThat(ReferenceTables.driversAsOf(42, world.drivers(), TO)).isEqualTo(atTo);
        List<ReferenceTables.DriverRow> before = ReferenceTables.driversAsOf(42, world.drivers(), LocalDate.of(2023, 6, 1));
        assertThat(before).allMatch(d -> d.updatedAt().equals(ReferenceTables.CREATED));
        // licence years only grow
        for (int i = 0; i < atTo.size(); i++) {
            assertThat(atTo.get(i).licenseYears()).isGreaterThanOrEqualTo(before.get(i).licenseYears());
        }
    }
}
