package dev.mlops.datagen;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TripRiskTest {

    @TempDir
    Path tmp;

    @Test
    void aboutThreePercentOfTripsLeadToAClaimFiledWithinThirtyDays() throws IOException {
        LocalDate from = LocalDate.of(2024, 1, 1);
        LocalDate windowEnd = from.plusDays(59);
        GeneratorOptions o = new GeneratorOptions(from, windowEnd.plusDays(30), EnumSet.of(ModelKind.TRIP_RISK), 42, 1.0);
        GenerationReport report = new DataGenerator(o).writeLanding(tmp);

        Map<String, LocalDate> tripDays = new HashMap<>();
        for (LocalDate d = from; !d.isAfter(windowEnd); d = d.plusDays(1)) {
            List<JsonNode> trips = TestFiles.jsonLines(TestFiles.dateFiles(tmp, "trips", d));
            assertThat(trips.size()).as("trips on %s", d).isBetween(1500, 2500);
            for (JsonNode t : trips) {
                tripDays.put(t.get("trip_id").asText(), d);
            }
        }
        int positives = 0;
        int filed = 0;
        for (LocalDate d = from; !d.isAfter(o.to()); d = d.plusDays(1)) {
            TestFiles.Csv claims = TestFiles.csv(TestFiles.dateFiles(tmp, "claims", d));
            assertThat(claims.header()).isEqualTo(TripRiskWorld.CLAIM_COLUMNS);
            for (List<String> c : claims.rows()) {
                filed++;
                LocalDateTime claimTs = LocalDateTime.parse(c.get(3));
                assertThat(claimTs.toLocalDate()).isEqualTo(d);
                assertThat(c.get(5)).isIn("collision", "theft", "glass", "vandalism");
                assertThat(Double.parseDouble(c.get(4))).isBetween(300.0, 15_000.0);
                LocalDate tripDay = tripDays.get(c.get(1));
                if (tripDay != null) {
                    positives++;
                    assertThat(ChronoUnit.DAYS.between(tripDay, d)).isBetween(1L, 30L);
                }
            }
        }
        double rate = (double) positives / tripDays.size();
        assertThat(rate).isBetween(0.02, 0.045);
        assertThat(report.rowsByDataset().get("claims")).isEqualTo(filed);

        // the same number, computed from the simulation
        TripRiskWorld world = new TripRiskWorld(o);
        long internal = 0;
        for (LocalDate d = from; !d.isAfter(windowEnd); d = d.plusDays(1)) {
            internal += world.trips(d).stream().filter(t -> t.claim() != null).count();
        }
        assertThat(internal).isEqualTo(positives);
    }

    @Test
    void speedMphDriftDividesReportedSpeedsButNotBehaviour() throws IOException {
        LocalDate from = LocalDate.of(2024, 3, 1);
        LocalDate drift = LocalDate.of(2024, 3, 8);
        LocalDate to = LocalDate.of(2024, 3, 14);
        GeneratorOptions plain = new GeneratorOptions(from, to, EnumSet.of(ModelKind.TRIP_RISK), 3, 1.0);
        GeneratorOptions mph = new GeneratorOptions(from, to, EnumSet.of(ModelKind.TRIP_RISK), 3, 1.0,
                List.of(new Drift(DriftKind.SPEED_MPH, drift)), List.of());
        new DataGenerator(mph).writeLanding(tmp);

        double[] before = new double[2];
        double[] after = new double[2];
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            boolean drifted = !d.isBefore(drift);
            for (JsonNode t : TestFiles.jsonLines(TestFiles.dateFiles(tmp, "trips", d))) {
                assertThat(t.get("firmware").asText()).isEqualTo(drifted ? "fw-2.0" : "fw-1.4");
                assertThat(t.get("avg_speed_kph").isNumber()).isTrue();
                double[] acc = drifted ? after : before;
                acc[0] += t.get("avg_speed_kph").asDouble();
                acc[1]++;
            }
        }
        double ratio = (before[0] / before[1]) / (after[0] / after[1]);
        assertThat(ratio).isBetween(1.45, 1.8);

        // the simulated behaviour and claims are those without the drift
        TripRiskWorld a = new TripRiskWorld(plain);
        TripRiskWorld b = new TripRiskWorld(mph);
        assertThat(b.trips(drift.plusDays(2))).isEqualTo(a.trips(drift.plusDays(2)));
    }

    @Test
    void tripsAreConsistent() {
        LocalDate d = LocalDate.of(2024, 3, 2);
        GeneratorOptions o = new GeneratorOptions(d, d, EnumSet.of(ModelKind.TRIP_RISK), 5, 1.0);
        TripRiskWorld world = new TripRiskWorld(o);
        assertThat(world.drivers()).hasSize(1000);
        assertThat(world.vehicles()).hasSize(400);
        List<TripRiskWorld.Trip> trips = world.trips(d);
        assertThat(trips).isSortedAccordingTo(java.util.Comparator.comparing(TripRiskWorld.Trip::start));
        for (TripRiskWorld.Trip t : trips) {
            assertThat(t.start().toLocalDate()).isEqualTo(d);
            assertThat(t.end()).isAfter(t.start());
            assertThat(t.maxSpeedKph()).isGreaterThanOrEqualTo(t.avgSpeedKph());
            assertThat(t.nightShare()).isBetween(0.0, 1.0);
            assertThat(t.driverNo()).isBetween(1, 1000);
            assertThat(t.vehicleNo()).isBetween(1, 400);
            if (t.claim() != null) {
                assertThat(t.claim().claimId()).isEqualTo("C" + t.tripId().substring(1));
            }
        }
        // riskier behaviour means more claims
        double night = trips.stream().filter(t -> t.nightShare() > 0.5).mapToDouble(TripRiskWorld.Trip::claimProbability)
                .average().orElseThrow();
        double day = trips.stream().filter(t -> t.nightShare() == 0).mapToDouble(TripRiskWorld.Trip::claimProbability)
                .average().orElseThrow();
        assertThat(night).isGreaterThan(day);
    }

    @Test
    void nightShareCountsTheMinutesBetween22And6() {
        LocalDate d = LocalDate.of(2024, 3, 1);
        assertThat(TripRiskWorld.nightShare(d.atTime(21, 0), d.atTime(23, 0))).isEqualTo(0.5);
        assertThat(TripRiskWorld.nightShare(d.atTime(5, 30), d.atTime(6, 30))).isEqualTo(0.5);
        assertThat(TripRiskWorld.nightShare(d.atTime(12, 0), d.atTime(13, 0))).isEqualTo(0.0);
        assertThat(TripRiskWorld.nightShare(d.atTime(23, 0), d.plusDays(1).atTime(1, 0))).isEqualTo(1.0);
    }

    @Test
    void claimsFilesAreHeaderOnlyOnDaysWithoutClaims() throws IOException {
        LocalDate from = LocalDate.of(2024, 3, 1);
        GeneratorOptions tiny = new GeneratorOptions(from, from.plusDays(9), EnumSet.of(ModelKind.TRIP_RISK), 42, 0.005);
        new DataGenerator(tiny).writeLanding(tmp);
        int headerOnly = 0;
        for (LocalDate d = from; !d.isAfter(tiny.to()); d = d.plusDays(1)) {
            List<String> lines = TestFiles.lines(TestFiles.dateFiles(tmp, "claims", d).get(0));
            assertThat(lines.get(0)).isEqualTo(String.join(",", TripRiskWorld.CLAIM_COLUMNS));
            if (lines.size() == 1) {
                headerOnly++;
            }
        }
        assertThat(headerOnly).isPositive();
    }
}
