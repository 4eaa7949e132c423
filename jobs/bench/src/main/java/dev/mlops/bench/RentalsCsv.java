package dev.mlops.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * Writes synthetic rows of the {@code rentals} dataset of {@code zone_demand} as plain CSV
 * (header + one line per rental), split into a few files, fast: one {@link StringBuilder} per
 * file, no formatting calls, seeded {@link SplittableRandom} per file (files are written in
 * parallel, the content does not depend on the thread schedule).
 *
 * <p>About {@link #MALFORMED_PER_MILLE} per mille of the rows carry a non-numeric
 * {@code distance_km}, so the ingest job quarantines them.
 */
final class RentalsCsv {
    /** The columns of dataset {@code rentals} in dags/models/zone_demand.yaml, in order (checked against the spec at start). */
    static final List<String> COLUMNS = List.of("rental_id", "zone_id", "vehicle_id", "start_ts", "end_ts",
            "duration_min", "distance_km", "price_eur", "customer_segment");
    static final int MALFORMED_PER_MILLE = 1;
    private static final String[] SEGMENTS = {"casual", "commuter", "business", "student", "tourist"};
    private static final String[] BAD_DISTANCE = {"n/a", "unknown", "12.5km", "-", "approx 7"};

    /** What was written: rows (all lines but the headers), of which malformed, bytes and files. */
    record Written(Path dir, long rows, long malformed, long bytes, List<Path> files) {
    }

    private RentalsCsv() {
    }

    /** Writes {@code rows} rows for {@code date} into {@code dir}/rentals_part-K.csv, K = 0..files-1. */
    static Written write(Path dir, LocalDate date, long rows, int files, long seed) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SplittableRandom root = new SplittableRandom(seed);
        List<SplittableRandom> rngs = new ArrayList<>();
        for (int k = 0; k < files; k++) {
            rngs.add(root.split());
        }
        long per = (rows + files - 1) / files;
        AtomicLong malformed = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        List<Path> paths = new ArrayList<>();
        for (int k = 0; k < files; k++) {
            paths.add(dir.resolve("rentals_part-" + k + ".csv"));
        }
        IntStream.range(0, files).parallel().forEach(k -> {
            long from = Math.min(rows, k * per);
            long to = Math.min(rows, from + per);
            long[] bad = {0};
            writeFile(paths.get(k), date, from, to, rngs.get(k), bad);
            malformed.addAndGet(bad[0]);
            try {
                bytes.addAndGet(Files.size(paths.get(k)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return new Written(dir, rows, malformed.get(), bytes.get(), List.copyOf(paths));
    }

    private static void writeFile(Path file, LocalDate date, long from, long to, SplittableRandom rng, long[] malformed) {
        String day = date + "T";
        String nextDay = date.plusDays(1) + "T";
        String idPrefix = "R" + date.toString().replace("-", "") + "-";
        StringBuilder sb = new StringBuilder(256);
        try (Writer w = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(file), StandardCharsets.UTF_8), 1 << 20)) {
            w.write(String.join(",", COLUMNS));
            w.write('\n');
            for (long i = from; i < to; i++) {
                sb.setLength(0);
                // rental_id
                sb.append(idPrefix);
                pad(sb, i, 10);
                // zone_id
                sb.append(',').append(1 + rng.nextInt(250));
                // vehicle_id
                sb.append(",V");
                pad(sb, rng.nextInt(20_000), 5);
                // start_ts, end_ts
                int start = rng.nextInt(86_400);
                int durationSec = 180 + rng.nextInt(3 * 3600);
                int end = start + durationSec;
                sb.append(',').append(day);
                time(sb, start);
                sb.append(',');
                if (end < 86_400) {
                    sb.append(day);
                    time(sb, end);
                } else {
                    sb.append(nextDay);
                    time(sb, end - 86_400);
                }
                // duration_min (2 decimals)
                sb.append(',');
                cents(sb, Math.round(durationSec * 100.0 / 60.0));
                // distance_km: a few per mille are not numbers
                sb.append(',');
                if (rng.nextInt(1000) < MALFORMED_PER_MILLE) {
                    sb.append(BAD_DISTANCE[rng.nextInt(BAD_DISTANCE.length)]);
                    malformed[0]++;
                } else {
                    cents(sb, 30 + rng.nextInt(6000));
                }
                // price_eur
                sb.append(',');
                cents(sb, 100 + durationSec * 5L + rng.nextInt(500));
                // customer_segment, optional: ~2% empty
                sb.append(',');
                int s = rng.nextInt(100);
                if (s >= 2) {
                    sb.append(SEGMENTS[s % SEGMENTS.length]);
                }
                sb.append('\n');
                w.append(sb);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void pad(StringBuilder sb, long value, int width) {
        String v = Long.toString(value);
        for (int i = v.length(); i < width; i++) {
            sb.append('0');
        }
        sb.append(v);
    }

    private static void two(StringBuilder sb, int v) {
        sb.append((char) ('0' + v / 10)).append((char) ('0' + v % 10));
    }

    private static void time(StringBuilder sb, int secondOfDay) {
        two(sb, secondOfDay / 3600);
        sb.append(':');
        two(sb, secondOfDay / 60 % 60);
        sb.append(':');
        two(sb, secondOfDay % 60);
    }

    private static void cents(StringBuilder sb, long cents) {
        sb.append(cents / 100).append('.');
        two(sb, (int) (cents % 100));
    }
}
