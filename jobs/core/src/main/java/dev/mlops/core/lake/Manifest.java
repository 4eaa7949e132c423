package dev.mlops.core.lake;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.mlops.core.json.Json;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;

/**
 * Lineage of one published partition, stored as {@code _manifest.json} inside it (ignored by
 * table readers): what it holds, what it was made from, and by which run and code.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Manifest(
        String table,
        LocalDate dt,
        String model,
        long rows,
        long quarantinedRows,
        List<String> schema,
        String schemaHash,
        List<InputFile> inputs,
        Map<String, String> watermark,
        Run run,
        Instant writtenAt,
        MissingData missingData) {

    public static final String FILE_NAME = "_manifest.json";

    /** A manifest without missing-input data (every table but features). */
    public Manifest(String table, LocalDate dt, String model, long rows, long quarantinedRows, List<String> schema, String schemaHash,
                    List<InputFile> inputs, Map<String, String> watermark, Run run, Instant writtenAt) {
        this(table, dt, model, rows, quarantinedRows, schema, schemaHash, inputs, watermark, run, writtenAt, null);
    }

    /**
     * A features partition whose windows overlap days with no validated data of the source: those
     * days ({@code dates}), and per feature how many of the partition's values were set to null
     * ({@code nulled}, policy {@code missing_days: null}) or computed with the days as zero rows
     * ({@code zero_filled}, policy {@code zero}).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MissingData(String source, List<LocalDate> dates, Map<String, Long> nulled, Map<String, Long> zeroFilled) {
        /** Every value of the partition affected, nulled or zero-filled. */
        public long affected() {
            return (nulled == null ? 0 : nulled.values().stream().mapToLong(Long::longValue).sum())
                    + (zeroFilled == null ? 0 : zeroFilled.values().stream().mapToLong(Long::longValue).sum());
        }
    }

    /** An input: a file with its size and checksum, or a table read with its row count. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record InputFile(String uri, Long bytes, String sha256, Long rows) {
        public static InputFile file(String uri, long bytes, String sha256) {
            return new InputFile(uri, bytes, sha256, null);
        }

        public static InputFile table(String uri, long rows) {
            return new InputFile(uri, null, null, rows);
        }
    }

    /** The run that wrote the partition. */
    public record Run(String job, long jobInstanceId, long jobExecutionId, String codeVersion, String specHash) {
    }


    public String toJson() {
        return Json.writePretty(this);
    }

    public static Manifest fromJson(String json) {
        return Json.read(json, Manifest.class);
    }

    public static Path pathIn(Path partition) {
        return new Path(partition, FILE_NAME);
    }
}
