package dev.mlops.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * Writes a raw partition of dataset {@code trips} of {@code trip_risk} directly as Parquet with
 * Spark ({@code spark.range} + SQL expressions with seeded {@code rand}), the way the ingest job
 * would have published it: the spec's 14 columns with the spec's types, nothing else.
 *
 * <p>The rows keep every check of the benchmark's spec passing, with realistic wrinkles: about
 * {@link #SPEED_ORDER_BROKEN} of the rows have {@code max_speed_kph < avg_speed_kph} (check
 * {@code speed_order} has min_ratio 0.99, so it passes, but those rows are quarantined), 1% of
 * {@code phone_use_min} and 0.2% of {@code firmware} are null. Content depends only on the seed,
 * the row count and the date (rand(seed) is deterministic for a given partitioning).
 */
final class TripsParquet {
    /** The columns of dataset {@code trips} in dags/models/trip_risk.yaml, in order, with their spec types. */
    static final List<String> COLUMNS = List.of("trip_id", "driver_id", "vehicle_id", "start_ts", "end_ts", "distance_km",
            "duration_min", "avg_speed_kph", "max_speed_kph", "harsh_brake_count", "harsh_accel_count", "night_share",
            "phone_use_min", "firmware");
    static final List<String> TYPES = List.of("string", "string", "string", "timestamp", "timestamp", "double",
            "double", "double", "double", "int", "int", "double", "double", "string");
    /** Share of rows breaking speed_order (max_speed_kph >= avg_speed_kph). */
    static final double SPEED_ORDER_BROKEN = 0.002;
    static final long ROWS_PER_FILE = 1_250_000L;

    /** What was written. */
    record Written(Path dir, String uri, LocalDate date, long rows, long bytes, int files, double seconds) {
    }

    private TripsParquet() {
    }

    static Written write(SparkSession spark, Path dir, LocalDate date, long rows, long seed) {
        long t0 = System.nanoTime();
        int parts = (int) Math.max(2, Math.min(16, (rows + ROWS_PER_FILE - 1) / ROWS_PER_FILE));
        long dayStart = date.atStartOfDay().toEpochSecond(ZoneOffset.UTC);
        int idPrefix = Integer.parseInt(date.toString().replace("-", ""));
        long s = seed * 1000;
        spark.range(0, rows, 1, parts)
                .selectExpr(
                        "id",
                        "cast(" + dayStart + " + floor(rand(" + (s + 1) + ") * 86400) as long) as start_s",
                        "round(3 + pow(rand(" + (s + 2) + "), 2) * 120, 2) as duration_min",
                        "round(18 + rand(" + (s + 3) + ") * 45, 1) as avg_speed_kph",
                        "rand(" + (s + 4) + ") as u_max",
                        "rand(" + (s + 5) + ") as u_broken",
                        "cast(floor(rand(" + (s + 6) + ") * 50000) as int) as driver_no",
                        "cast(floor(rand(" + (s + 7) + ") * 20000) as int) as vehicle_no",
                        "cast(floor(pow(rand(" + (s + 8) + "), 3) * 8) as int) as harsh_brake_count",
                        "cast(floor(pow(rand(" + (s + 9) + "), 3) * 6) as int) as harsh_accel_count",
                        "round(pow(rand(" + (s + 10) + "), 2), 3) as night_share",
                        "rand(" + (s + 11) + ") as u_phone_null",
                        "rand(" + (s + 12) + ") as u_phone",
                        "rand(" + (s + 13) + ") as u_fw")
                .selectExpr(
                        // trip_id must match ^T\d{8}-\d{6}$ and be unique: 8 digits (date-based, +1 per million), 6 digits
                        "format_string('T%08d-%06d', " + idPrefix + " + (id div 1000000), id % 1000000) as trip_id",
                        "format_string('D%06d', driver_no) as driver_id",
                        "format_string('V%05d', vehicle_no) as vehicle_id",
                        "timestamp_seconds(start_s) as start_ts",
                        "timestamp_seconds(start_s + cast(round(duration_min * 60) as long)) as end_ts",
                        "round(avg_speed_kph * duration_min / 60, 2) as distance_km",
                        "duration_min",
                        "avg_speed_kph",
                        "case when u_broken < " + SPEED_ORDER_BROKEN + " then round(avg_speed_kph * (0.8 + 0.15 * u_max), 1)"
                                + " else round(avg_speed_kph + u_max * 50, 1) end as max_speed_kph",
                        "harsh_brake_count",
                        "harsh_accel_count",
                        "night_share",
                        "case when u_phone_null < 0.01 then cast(null as double) else round(u_phone * 0.2 * duration_min, 2) end as phone_use_min",
                        "case when u_fw < 0.002 then cast(null as string) else 'fw-1.4' end as firmware")
                .write().mode("overwrite").parquet(dir.toUri().toString());
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Written(dir, dir.toUri().toString(), date, rows, size(dir), files(dir), seconds);
    }

    static long size(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".parquet")).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int files(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return (int) s.filter(p -> p.getFileName().toString().endsWith(".parquet")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path local(org.apache.hadoop.fs.Path p) {
        return Paths.get(p.toUri());
    }
}
