package dev.mlops.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The DuckDB peer of {@link FeaturesBench}, run in a child JVM of its own (small heap) so its
 * native memory is measured apart from Spark's: the peak RSS of this process during the query.
 *
 * <pre>
 * DuckDbPeer join LABELS_GLOB FEATURES_GLOB T0_US SAMPLE_IDS_CSV SAMPLE_OUT_CSV
 *   times the ASOF LEFT JOIN of the labels and features Parquet reduced to the bench's checksum,
 *   then (untimed) writes the joined rows of the sampled label ids; prints one JSON line
 * DuckDbPeer csv LABELS_GLOB FEATURES_GLOB LABELS_CSV FEATURES_CSV
 *   writes the same Parquet data as CSV for the pandas peer (timestamps as epoch microseconds)
 * </pre>
 */
public final class DuckDbPeer {
    private DuckDbPeer() {
    }

    /** The joined result: all label columns, the matched feature time and the features (ttl none). */
    static String joined(String labels, String features) {
        return "SELECT l.label_id, l.entity_id, l.ts, l.label, f.feature_ts AS matched_ts, f.f1, f.f2, f.f3"
                + " FROM read_parquet(" + quote(labels) + ") l ASOF LEFT JOIN read_parquet(" + quote(features) + ") f"
                + " ON l.entity_id = f.entity_id AND l.ts >= f.feature_ts";
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            if (mode.equals("csv")) {
                st.execute("COPY (SELECT label_id, entity_id, epoch_us(ts) AS ts_us, label FROM read_parquet(" + quote(args[1])
                        + ")) TO " + quote(args[3]) + " (HEADER, DELIMITER ',')");
                st.execute("COPY (SELECT entity_id, epoch_us(feature_ts) AS feature_ts_us, f1, f2, f3 FROM read_parquet(" + quote(args[2])
                        + ")) TO " + quote(args[4]) + " (HEADER, DELIMITER ',')");
                return;
            }
            if (!mode.equals("join")) {
                throw new IllegalArgumentException("mode: join or csv, got " + mode);
            }
            String labels = args[1];
            String features = args[2];
            long t0 = Long.parseLong(args[3]);
            Map<String, Object> out = new LinkedHashMap<>();
            try (ResultSet rs = st.executeQuery("SELECT current_setting('threads'), version()")) {
                rs.next();
                out.put("threads", rs.getLong(1));
                out.put("duckdb_version", rs.getString(2));
            }
            System.gc();
            long rssBefore = ProcessMemory.rssBytes();
            boolean reset = ProcessMemory.resetPeak();
            double busy0 = ProcessMemory.machineBusySeconds();
            long cpu0 = Measure.processCpuNanos();
            long t = System.nanoTime();
            String sql = "SELECT count(*), count(f1), sum(f1), sum(f2), sum(f3), sum((epoch_us(matched_ts) - " + t0 + ") // 1000),"
                    + " sum(label) FROM (" + joined(labels, features) + ")";
            try (ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                out.put("rows", rs.getLong(1));
                out.put("matched", rs.getLong(2));
                out.put("sum_f1", rs.getLong(3));
                out.put("sum_f2", rs.getDouble(4));
                out.put("sum_f3", rs.getDouble(5));
                out.put("sum_ts_ms", rs.getLong(6));
                out.put("sum_label", rs.getLong(7));
            }
            double seconds = (System.nanoTime() - t) / 1e9;
            double cpu = (Measure.processCpuNanos() - cpu0) / 1e9;
            out.put("seconds", seconds);
            out.put("cpu_seconds", cpu);
            out.put("other_cpu_seconds", Math.max(0, ProcessMemory.machineBusySeconds() - busy0 - cpu));
            out.put("rss_before_bytes", rssBefore);
            out.put("peak_rss_bytes", ProcessMemory.peakRssBytes());
            out.put("peak_rss_reset", reset);
            st.execute("COPY (SELECT label_id, epoch_us(matched_ts) AS matched_us, f1, f2, f3 FROM (" + joined(labels, features)
                    + ") WHERE label_id IN (SELECT label_id FROM read_csv(" + quote(args[4]) + ", header = true))) TO "
                    + quote(args[5]) + " (HEADER, DELIMITER ',')");
            System.out.println(new ObjectMapper().writeValueAsString(out));
        } catch (SQLException e) {
            System.err.println("duckdb peer failed: " + e.getMessage());
            System.exit(1);
        }
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}
