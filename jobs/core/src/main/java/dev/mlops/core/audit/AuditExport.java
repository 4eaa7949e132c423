package dev.mlops.core.audit;

import dev.mlops.core.JobException;
import dev.mlops.core.Platform;
import dev.mlops.core.Versions;
import dev.mlops.core.db.Locks;
import dev.mlops.core.lake.Lake;
import dev.mlops.core.lake.Manifest;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Exports the ledger entries of a date (their {@code at}, UTC) to {@code <lake>/audit/dt=<date>/}
 * as one Parquet file (evidence as JSON text), staged and published like every partition, with a
 * manifest. Idempotent: a re-run replaces the partition with the same entries plus any appended
 * since. Every exported row keeps its hashes, so the export can be verified without the database.
 */
public final class AuditExport {
    public static final String AREA = "audit";
    static final String JOB = "audit-export";
    public static final StructType SCHEMA = new StructType()
            .add("seq", DataTypes.LongType, false)
            .add("at", DataTypes.TimestampType, false)
            .add("model", DataTypes.StringType, false)
            .add("version", DataTypes.IntegerType)
            .add("action", DataTypes.StringType, false)
            .add("actor", DataTypes.StringType, false)
            .add("run_id", DataTypes.StringType)
            .add("decision", DataTypes.StringType, false)
            .add("reasons", DataTypes.createArrayType(DataTypes.StringType, false), false)
            .add("evidence", DataTypes.StringType, false)
            .add("prev_hash", DataTypes.StringType, false)
            .add("hash", DataTypes.StringType, false);

    private final Platform platform;

    public AuditExport(Platform platform) {
        this.platform = platform;
    }

    /** What an export wrote. */
    public record Exported(LocalDate date, long entries, Long firstSeq, Long lastSeq, String partition) {
    }

    /** The partition of a date: {@code <lake>/audit/dt=<date>}. */
    public static Path partition(Lake lake, LocalDate date) {
        return lake.path(AREA, Lake.partitionName(date));
    }

    public Exported export(LocalDate date) {
        return Locks.withLock(platform.metadata(), "audit_export|" + date, () -> exportLocked(date));
    }

    private Exported exportLocked(LocalDate date) {
        List<AuditEntry> entries = new AuditLedger(platform.metadata()).on(date);
        List<Row> rows = new ArrayList<>(entries.size());
        for (AuditEntry e : entries) {
            rows.add(RowFactory.create(e.seq(), Timestamp.from(e.at()), e.model(), e.version(), e.action(), e.actor(), e.runId(),
                    e.decision(), e.reasons().toArray(String[]::new), e.evidenceJson(), e.prevHash(), e.hash()));
        }
        Lake lake = platform.lake();
        long runKey = ProcessHandle.current().pid();
        Path staging = lake.staging(JOB, "all", date, runKey);
        Path staged = new Path(staging, "data");
        lake.delete(staging);
        platform.spark().createDataFrame(rows, SCHEMA).coalesce(1).write().mode("overwrite").parquet(staged.toString());
        Map<String, String> window = new LinkedHashMap<>();
        window.put("column", "at");
        window.put("low_inclusive", date.atStartOfDay().toString() + "Z");
        window.put("high_exclusive", date.plusDays(1).atStartOfDay().toString() + "Z");
        List<String> schema = java.util.Arrays.stream(SCHEMA.fields()).map(f -> f.name() + ":" + f.dataType().simpleString()).toList();
        Manifest manifest = new Manifest(AREA, date, null, rows.size(), 0, schema, null,
                List.of(Manifest.InputFile.table(source(), rows.size())), window,
                new Manifest.Run(JOB, 0, 0, Versions.codeVersion(), null), Instant.now());
        lake.writeText(Manifest.pathIn(staged), manifest.toJson());
        Path target = partition(lake, date);
        lake.publish(staged, target);
        lake.cleanStaging(JOB, "all", date, runKey);
        return new Exported(date, entries.size(), entries.isEmpty() ? null : entries.get(0).seq(),
                entries.isEmpty() ? null : entries.get(entries.size() - 1).seq(), target.toString());
    }

    /** {@code <jdbc url without query>#audit_log}, as manifests name a table input. */
    private String source() {
        try (Connection c = platform.metadata().getConnection()) {
            String url = c.getMetaData().getURL();
            int q = url.indexOf('?');
            return (q < 0 ? url : url.substring(0, q)) + "#audit_log";
        } catch (SQLException e) {
            throw JobException.retryable("audit export: metadata database unavailable: " + e.getMessage(), e);
        }
    }
}
