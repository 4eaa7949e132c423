package dev.mlops.datagen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LandingDeterminismTest {

    private static final LocalDate FROM = LocalDate.of(2024, 3, 1);
    private static final LocalDate TO = LocalDate.of(2024, 3, 6);
    private static final LocalDate DAY = LocalDate.of(2024, 3, 4);
    private static final List<String> DATASETS = List.of("rentals", "weather", "events", "trips", "claims");

    @TempDir
    Path tmp;

    private static GeneratorOptions options(LocalDate from, LocalDate to, List<BadDay> bad) {
        return new GeneratorOptions(from, to, EnumSet.allOf(ModelKind.class), 42, 1.0,
                List.of(Drift.parse("demand_shift@2024-03-03"), Drift.parse("speed_mph@2024-03-04")), bad);
    }

    @Test
    void sameOptionsGiveIdenticalBytes() throws IOException {
        GeneratorOptions o = options(FROM, TO, List.of(BadDay.parse("2024-03-04:malformed")));
        GenerationReport a = new DataGenerator(o).writeLanding(tmp.resolve("a"));
        GenerationReport b = new DataGenerator(o).writeLanding(tmp.resolve("b"));

        Map<String, String> hashesA = TestFiles.sha256Tree(tmp.resolve("a"));
        assertThat(hashesA).hasSize(6 * 6); // 6 days x (2 rentals parts, weather, events, trips, claims)
        assertThat(TestFiles.sha256Tree(tmp.resolve("b"))).isEqualTo(hashesA);
        assertThat(a.rowsByDataset()).isEqualTo(b.rowsByDataset());
        assertThat(a.rowsByDataset()).containsOnlyKeys(DATASETS);
        assertThat(a.files()).hasSize(36).allSatisfy(p -> assertThat(p).isRegularFile());
        assertThat(a.rowsByDataset().get("weather")).isEqualTo(6 * 48L);
    }

    @Test
    void layoutAndFileNames() throws IOException {
        new DataGenerator(options(DAY, DAY, List.of())).writeLanding(tmp);
        assertThat(names(TestFiles.dateFiles(tmp, "rentals", DAY)))
                .containsExactly("rentals_2024-03-04_part-0.csv.gz", "rentals_2024-03-04_part-1.csv.gz");
        assertThat(names(TestFiles.dateFiles(tmp, "weather", DAY))).containsExactly("weather_2024-03-04.jsonl");
        assertThat(names(TestFiles.dateFiles(tmp, "events", DAY))).containsExactly("events_2024-03-04.csv");
        assertThat(names(TestFiles.dateFiles(tmp, "trips", DAY))).containsExactly("trips_2024-03-04.jsonl.gz");
        assertThat(names(TestFiles.dateFiles(tmp, "claims", DAY))).containsExactly("claims_2024-03-04.csv");
    }

    @Test
    void aDayGeneratedAloneEqualsTheSameDayInALongerRange() throws IOException {
        List<BadDay> bad = List.of(BadDay.parse("2024-03-04:type_change"), BadDay.parse("2024-03-05:malformed"));
        new DataGenerator(options(DAY, DAY, bad)).writeLanding(tmp.resolve("alone"));
        new DataGenerator(options(LocalDate.of(2024, 2, 20), LocalDate.of(2024, 3, 10), bad))
                .writeLanding(tmp.resolve("range"));
        for (String dataset : DATASETS) {
            assertThat(dayHashes(tmp.resolve("alone"), dataset, DAY))
                    .as(dataset).isNotEmpty()
                    .isEqualTo(dayHashes(tmp.resolve("range"), dataset, DAY));
        }
    }

    @Test
    void regeneratingADateReplacesItsFiles() throws IOException {
        Path root = tmp.resolve("landing");
        new DataGenerator(options(DAY, DAY, List.of(BadDay.parse("2024-03-04:missing_column")))).writeLanding(root);
        Path rentalsDir = root.resolve("rentals").resolve(DAY.toString());
        Files.writeString(rentalsDir.resolve("rentals_2024-03-04_part-7.csv.gz"), "stale");
        Files.writeString(rentalsDir.resolve(".rentals_2024-03-04_part-0.csv.gz.tmp"), "half-written");

        new DataGenerator(options(DAY, DAY, List.of())).writeLanding(root);
        new DataGenerator(options(DAY, DAY, List.of())).writeLanding(tmp.resolve("fresh"));

        assertThat(TestFiles.sha256Tree(root)).isEqualTo(TestFiles.sha256Tree(tmp.resolve("fresh")));
        assertThat(TestFiles.csv(TestFiles.dateFiles(root, "rentals", DAY)).header()).contains("zone_id");
    }

    @Test
    void badDayOnlyChangesItsDateAndMainDatasets() throws IOException {
        new DataGenerator(options(FROM, TO, List.of())).writeLanding(tmp.resolve("clean"));
        new DataGenerator(options(FROM, TO, List.of(BadDay.parse("2024-03-04:missing_column"))))
                .writeLanding(tmp.resolve("bad"));
        Map<String, String> clean = TestFiles.sha256Tree(tmp.resolve("clean"));
        Map<String, String> bad = TestFiles.sha256Tree(tmp.resolve("bad"));
        Map<String, String> changed = new TreeMap<>();
        clean.forEach((k, v) -> {
            if (!v.equals(bad.get(k))) {
                changed.put(k, v);
            }
        });
        assertThat(changed.keySet()).containsExactlyInAnyOrder(
                "rentals/2024-03-04/rentals_2024-03-04_part-0.csv.gz",
                "rentals/2024-03-04/rentals_2024-03-04_part-1.csv.gz",
                "trips/2024-03-04/trips_2024-03-04.jsonl.gz");
    }

    @Test
    void columnsAreExactlyTheSpecColumns() throws IOException {
        new DataGenerator(options(DAY, DAY, List.of())).writeLanding(tmp);
        List<String> rentals = TestFiles.csv(TestFiles.dateFiles(tmp, "rentals", DAY)).header();
        List<String> events = TestFiles.csv(TestFiles.dateFiles(tmp, "events", DAY)).header();
        List<String> claims = TestFiles.csv(TestFiles.dateFiles(tmp, "claims", DAY)).header();
        List<String> weather = fieldNames(TestFiles.dateFiles(tmp, "weather", DAY));
        List<String> trips = fieldNames(TestFiles.dateFiles(tmp, "trips", DAY));

        assertThat(rentals).isEqualTo(ZoneDemandWorld.RENTAL_COLUMNS);
        assertThat(events).isEqualTo(ZoneDemandWorld.EVENT_COLUMNS);
        assertThat(weather).isEqualTo(ZoneDemandWorld.WEATHER_COLUMNS);
        assertThat(trips).isEqualTo(TripRiskWorld.TRIP_COLUMNS);
        assertThat(claims).isEqualTo(TripRiskWorld.CLAIM_COLUMNS);

        // and the same as the model specs, when they are in the checkout
        List<String> specRentals = TestFiles.specColumns("zone_demand", "rentals");
        if (specRentals != null) {
            assertThat(rentals).isEqualTo(specRentals);
            assertThat(weather).isEqualTo(TestFiles.specColumns("zone_demand", "weather"));
            assertThat(events).isEqualTo(TestFiles.specColumns("zone_demand", "events"));
            assertThat(trips).isEqualTo(TestFiles.specColumns("trip_risk", "trips"));
            assertThat(claims).isEqualTo(TestFiles.specColumns("trip_risk", "claims"));
            assertThat(ReferenceTables.ZONE_COLUMNS).isEqualTo(TestFiles.specColumns("zone_demand", "zones"));
            assertThat(ReferenceTables.VEHICLE_COLUMNS).isEqualTo(TestFiles.specColumns("trip_risk", "vehicles"));
            assertThat(ReferenceTables.DRIVER_COLUMNS).isEqualTo(TestFiles.specColumns("trip_risk", "drivers"));
        }
    }

    private static List<String> fieldNames(List<Path> files) throws IOException {
        List<String> names = new java.util.ArrayList<>();
        TestFiles.jsonLines(files).get(0).fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static Map<String, String> dayHashes(Path root, String dataset, LocalDate day) throws IOException {
        Map<String, String> out = new TreeMap<>();
        for (Path p : TestFiles.dateFiles(root, dataset, day)) {
            out.put(p.getFileName().toString(), TestFiles.sha256(Files.readAllBytes(p)));
        }
        return out;
    }

    private static List<String> names(List<Path> files) {
        return files.stream().map(p -> p.getFileName().toString()).toList();
    }
}
