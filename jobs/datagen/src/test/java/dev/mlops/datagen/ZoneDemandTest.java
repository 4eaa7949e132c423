package dev.mlops.datagen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZoneDemandTest {

    /** A Monday; two weeks. */
    private static final LocalDate FROM = LocalDate.of(2024, 3, 4);
    private static final LocalDate TO = FROM.plusDays(13);

    @TempDir
    static Path landing;

    @BeforeAll
    static void generate() throws IOException {
        new DataGenerator(new GeneratorOptions(FROM, TO, EnumSet.of(ModelKind.ZONE_DEMAND), 7, 1.0))
                .writeLanding(landing);
    }

    private static TestFiles.Csv rentals(LocalDate d) throws IOException {
        return TestFiles.csv(TestFiles.dateFiles(landing, "rentals", d));
    }

    @Test
    void rentalsPerDayArePlausibleAndWeekdaysHavePeaks() throws IOException {
        double[] weekdayHours = new double[24];
        int weekdays = 0;
        for (LocalDate d = FROM; !d.isAfter(TO); d = d.plusDays(1)) {
            TestFiles.Csv csv = rentals(d);
            assertThat(csv.rows().size()).as("rentals on %s", d).isBetween(1500, 4000);
            if (!ZoneDemandWorld.isWeekend(d)) {
                weekdays++;
                for (List<String> row : csv.rows()) {
                    weekdayHours[LocalDateTime.parse(row.get(csv.col("start_ts"))).getHour()]++;
                }
            }
        }
        assertThat(weekdays).isEqualTo(10);
        double morning = (weekdayHours[7] + weekdayHours[8] + weekdayHours[9]) / 3;
        double evening = (weekdayHours[17] + weekdayHours[18] + weekdayHours[19]) / 3;
        double night = (weekdayHours[1] + weekdayHours[2] + weekdayHours[3] + weekdayHours[4]) / 4;
        double midday = (weekdayHours[12] + weekdayHours[13] + weekdayHours[14]) / 3;
        assertThat(morning).isGreaterThan(4 * night).isGreaterThan(1.3 * midday);
        assertThat(evening).isGreaterThan(4 * night).isGreaterThan(1.3 * midday);
    }

    @Test
    void rentalRowsAreConsistent() throws IOException {
        Set<String> ids = new HashSet<>();
        for (LocalDate d = FROM; !d.isAfter(TO); d = d.plusDays(1)) {
            TestFiles.Csv csv = rentals(d);
            for (List<String> r : csv.rows()) {
                assertThat(r).hasSize(9);
                assertThat(ids.add(r.get(0))).as("unique rental_id %s", r.get(0)).isTrue();
                assertThat(r.get(0)).matches("R\\d{8}-\\d{3}-\\d{4}");
                assertThat(Integer.parseInt(r.get(1))).isBetween(1, 20);
                assertThat(r.get(2)).matches("V\\d{5}");
                LocalDateTime start = LocalDateTime.parse(r.get(3));
                assertThat(start.toLocalDate()).isEqualTo(d);
                double duration = Double.parseDouble(r.get(5));
                assertThat(duration).isBetween(10.0, 120.0);
                assertThat(Double.parseDouble(r.get(7))).isCloseTo(0.29 * duration + 1, within(0.0051));
                if (!r.get(4).isEmpty()) {
                    assertThat(LocalDateTime.parse(r.get(4))).isAfter(start);
                }
                assertThat(Double.parseDouble(r.get(6))).isPositive();
                assertThat(r.get(8)).isIn("", "commuter", "leisure", "business", "tourist");
            }
        }
        assertThat(ids).hasSizeGreaterThan(20_000);
    }

    @Test
    void weatherIsHourlyPerCityAndSometimesRains() throws IOException {
        int rainy = 0;
        for (LocalDate d = FROM; !d.isAfter(TO); d = d.plusDays(1)) {
            List<JsonNode> rows = TestFiles.jsonLines(TestFiles.dateFiles(landing, "weather", d));
            assertThat(rows).hasSize(48).doesNotContainNull();
            for (JsonNode w : rows) {
                assertThat(w.get("city").asText()).isIn("Berlin", "Hamburg");
                assertThat(LocalDateTime.parse(w.get("observed_at").asText()).toLocalDate()).isEqualTo(d);
                assertThat(w.get("temp_c").isNumber()).isTrue();
                assertThat(w.get("temp_c").asDouble()).isBetween(-25.0, 40.0);
                assertThat(w.get("precip_mm").asDouble()).isGreaterThanOrEqualTo(0.0);
                assertThat(w.get("wind_kph").asDouble()).isGreaterThanOrEqualTo(0.0);
                if (w.get("precip_mm").asDouble() > 0) {
                    rainy++;
                }
            }
        }
        assertThat(rainy).isBetween(20, 14 * 48 / 2);
    }

    @Test
    void eventsAreFewAndTiedToZones() throws IOException {
        int total = 0;
        for (LocalDate d = FROM; !d.isAfter(TO); d = d.plusDays(1)) {
            TestFiles.Csv csv = TestFiles.csv(TestFiles.dateFiles(landing, "events", d));
            assertThat(csv.header()).isEqualTo(ZoneDemandWorld.EVENT_COLUMNS);
            assertThat(csv.rows().size()).isBetween(0, 3);
            total += csv.rows().size();
            for (List<String> e : csv.rows()) {
                assertThat(Integer.parseInt(e.get(1))).isBetween(1, 20);
                assertThat(LocalDateTime.parse(e.get(3))).isAfter(LocalDateTime.parse(e.get(2)));
                assertThat(e.get(4)).isIn("concert", "football", "fair", "festival");
                assertThat(Integer.parseInt(e.get(5))).isBetween(500, 40_000);
            }
        }
        assertThat(total).isPositive();
    }

    @Test
    void demandShiftMovesTheEveningPeakAndLiftsWeekends() {
        LocalDate drift = FROM.plusDays(14);
        GeneratorOptions plain = new GeneratorOptions(drift, drift.plusDays(13), EnumSet.of(ModelKind.ZONE_DEMAND), 7, 1.0);
        GeneratorOptions shifted = new GeneratorOptions(drift, drift.plusDays(13), EnumSet.of(ModelKind.ZONE_DEMAND), 7,
                1.0, List.of(new Drift(DriftKind.DEMAND_SHIFT, drift)), List.of());
        double[] before = new double[24];
        double[] after = new double[24];
        long weekendBefore = 0;
        long weekendAfter = 0;
        ZoneDemandWorld a = new ZoneDemandWorld(plain);
        ZoneDemandWorld b = new ZoneDemandWorld(shifted);
        for (LocalDate d = drift; !d.isAfter(plain.to()); d = d.plusDays(1)) {
            Table ta = a.rentalsTable(d);
            Table tb = b.rentalsTable(d);
            if (ZoneDemandWorld.isWeekend(d)) {
                weekendBefore += ta.rows.size();
                weekendAfter += tb.rows.size();
            } else {
                hours(ta, before);
                hours(tb, after);
            }
        }
        assertThat(peakHour(before, 15)).isBetween(17, 18);
        assertThat(peakHour(after, 15)).isBetween(19, 20);
        assertThat((double) weekendAfter / weekendBefore).isBetween(1.2, 1.4);
    }

    private static void hours(Table t, double[] out) {
        int c = t.indexOf("start_ts");
        for (Table.Row r : t.rows) {
            out[((LocalDateTime) r.values[c]).getHour()]++;
        }
    }

    private static int peakHour(double[] hours, int fromHour) {
        int best = fromHour;
        for (int h = fromHour; h < 24; h++) {
            if (hours[h] > hours[best]) {
                best = h;
            }
        }
        return best;
    }

    @Test
    void zonesComeFromTheSeedAndScale() {
        GeneratorOptions one = new GeneratorOptions(FROM, FROM, EnumSet.of(ModelKind.ZONE_DEMAND), 7, 1.0);
        GeneratorOptions two = new GeneratorOptions(FROM, TO, EnumSet.of(ModelKind.ZONE_DEMAND), 7, 2.0);
        List<ZoneDemandWorld.Zone> z1 = new ZoneDemandWorld(one).zones();
        List<ZoneDemandWorld.Zone> z2 = new ZoneDemandWorld(two).zones();
        assertThat(z1).hasSize(20);
        assertThat(z2).hasSize(40).startsWith(z1.toArray(ZoneDemandWorld.Zone[]::new));
        assertThat(z1).extracting(ZoneDemandWorld.Zone::city).contains("Berlin", "Hamburg");
        assertThat(new ZoneDemandWorld(new GeneratorOptions(FROM, FROM, EnumSet.of(ModelKind.ZONE_DEMAND), 7, 0.001))
                .zones()).hasSize(1);
    }
}
