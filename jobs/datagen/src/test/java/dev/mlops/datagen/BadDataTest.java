package dev.mlops.datagen;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BadDataTest {

    private static final LocalDate DAY = LocalDate.of(2024, 3, 5);

    @TempDir
    Path tmp;

    private Path generate(BadDataKind kind) throws IOException {
        Path root = tmp.resolve(kind == null ? "clean" : kind.cliName());
        List<BadDay> bad = kind == null ? List.of() : List.of(new BadDay(DAY, kind));
        new DataGenerator(new GeneratorOptions(DAY, DAY, EnumSet.allOf(ModelKind.class), 11, 1.0, List.of(), bad))
                .writeLanding(root);
        return root;
    }

    @Test
    void malformedRentalsHaveAboutOnePercentBrokenRows() throws IOException {
        TestFiles.Csv clean = TestFiles.csv(TestFiles.dateFiles(generate(null), "rentals", DAY));
        TestFiles.Csv csv = TestFiles.csv(TestFiles.dateFiles(generate(BadDataKind.MALFORMED), "rentals", DAY));
        assertThat(csv.header()).isEqualTo(ZoneDemandWorld.RENTAL_COLUMNS);
        assertThat(csv.rows()).hasSameSizeAs(clean.rows());
        int missingField = 0;
        int badTimestamp = 0;
        int badNumber = 0;
        int broken = 0;
        for (int i = 0; i < csv.rows().size(); i++) {
            List<String> r = csv.rows().get(i);
            boolean bad = false;
            if (r.size() != csv.header().size()) {
                missingField++;
                bad = true;
            } else {
                if (!TestFiles.isTimestamp(r.get(csv.col("start_ts")))) {
                    badTimestamp++;
                    bad = true;
                }
                if (!TestFiles.isDouble(r.get(csv.col("duration_min")))) {
                    badNumber++;
                    bad = true;
                }
            }
            if (bad) {
                broken++;
            } else {
                assertThat(r).isEqualTo(clean.rows().get(i));
            }
        }
        assertThat(missingField).isPositive();
        assertThat(badTimestamp).isPositive();
        assertThat(badNumber).isPositive();
        assertThat((double) broken / csv.rows().size()).isBetween(0.005, 0.02);
    }

    @Test
    void malformedTripsHaveAboutOnePercentBrokenLines() throws IOException {
        List<JsonNode> trips = TestFiles.jsonLines(TestFiles.dateFiles(generate(BadDataKind.MALFORMED), "trips", DAY));
        int unparsable = 0;
        int badTimestamp = 0;
        int badNumber = 0;
        for (JsonNode t : trips) {
            if (t == null) {
                unparsable++;
            } else if (!TestFiles.isTimestamp(t.get("start_ts").asText())) {
                badTimestamp++;
            } else if (!t.get("avg_speed_kph").isNumber()) {
                badNumber++;
                assertThat(t.get("avg_speed_kph").asText()).isEqualTo("n/a");
            }
        }
        assertThat(unparsable).isPositive();
        assertThat(badTimestamp).isPositive();
        assertThat(badNumber).isPositive();
        assertThat((double) (unparsable + badTimestamp + badNumber) / trips.size()).isBetween(0.005, 0.02);
    }

    @Test
    void missingColumnIsAbsentFromHeaderAndValues() throws IOException {
        Path root = generate(BadDataKind.MISSING_COLUMN);
        TestFiles.Csv rentals = TestFiles.csv(TestFiles.dateFiles(root, "rentals", DAY));
        assertThat(rentals.header()).doesNotContain("zone_id").hasSize(8);
        assertThat(rentals.rows()).isNotEmpty().allSatisfy(r -> assertThat(r).hasSize(8));

        List<JsonNode> trips = TestFiles.jsonLines(TestFiles.dateFiles(root, "trips", DAY));
        assertThat(trips).isNotEmpty().allSatisfy(t -> {
            assertThat(t.has("vehicle_id")).isFalse();
            assertThat(t.size()).isEqualTo(13);
        });
    }

    @Test
    void typeChangeTurnsANumericColumnIntoText() throws IOException {
        Path root = generate(BadDataKind.TYPE_CHANGE);
        TestFiles.Csv rentals = TestFiles.csv(TestFiles.dateFiles(root, "rentals", DAY));
        assertThat(rentals.rows()).isNotEmpty().allSatisfy(r -> {
            String distance = r.get(rentals.col("distance_km"));
            assertThat(distance).matches("\\d+\\.\\d km");
            assertThat(TestFiles.isDouble(distance)).isFalse();
            assertThat(TestFiles.isDouble(r.get(rentals.col("duration_min")))).isTrue();
        });

        List<JsonNode> trips = TestFiles.jsonLines(TestFiles.dateFiles(root, "trips", DAY));
        assertThat(trips).isNotEmpty().allSatisfy(t -> {
            assertThat(t.get("max_speed_kph").isTextual()).isTrue();
            assertThat(t.get("max_speed_kph").asText()).isIn("fast", "slow");
            assertThat(t.get("avg_speed_kph").isNumber()).isTrue();
        });
        assertThat(trips).extracting(t -> t.get("max_speed_kph").asText()).contains("fast", "slow");
    }

    private Path generateBadDay(String badDay) throws IOException {
        Path root = tmp.resolve(badDay.replace(':', '_'));
        new DataGenerator(new GeneratorOptions(DAY, DAY, EnumSet.allOf(ModelKind.class), 11, 1.0, List.of(),
                List.of(BadDay.parse(DAY + ":" + badDay)))).writeLanding(root);
        return root;
    }

    /** The share of rentals priced -9.99 and of trips at 412 km/h; every other row is the clean day's. */
    private List<Double> impossibleShares(Path root, Path clean) throws IOException {
        TestFiles.Csv rentals = TestFiles.csv(TestFiles.dateFiles(root, "rentals", DAY));
        TestFiles.Csv cleanRentals = TestFiles.csv(TestFiles.dateFiles(clean, "rentals", DAY));
        int badRentals = 0;
        for (int i = 0; i < rentals.rows().size(); i++) {
            if (rentals.rows().get(i).get(rentals.col("price_eur")).equals("-9.99")) {
                badRentals++;
            } else {
                assertThat(rentals.rows().get(i)).isEqualTo(cleanRentals.rows().get(i));
            }
        }
        List<JsonNode> trips = TestFiles.jsonLines(TestFiles.dateFiles(root, "trips", DAY));
        long badTrips = trips.stream().filter(t -> t.path("max_speed_kph").asDouble() == 412.0).count();
        return List.of((double) badRentals / rentals.rows().size(), (double) badTrips / trips.size());
    }

    @Test
    void outOfRangeIsAboveTheQuarantineRatioAndFewOutOfRangeWithinIt() throws IOException {
        Path clean = generate(null);
        // out_of_range: more impossible rows than the bundled specs' max_quarantine_ratio (0.05): validate stops the day
        assertThat(impossibleShares(generateBadDay("out_of_range"), clean)).allSatisfy(share -> assertThat(share).isBetween(0.08, 0.12));
        // few_out_of_range: a few rows, well within it: validate quarantines them and the day passes
        List<Double> few = impossibleShares(generateBadDay("few_out_of_range"), clean);
        assertThat(few).allSatisfy(share -> assertThat(share).isGreaterThan(0).isLessThanOrEqualTo(0.01));
    }
}
