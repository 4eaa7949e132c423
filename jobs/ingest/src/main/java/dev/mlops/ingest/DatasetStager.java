package dev.mlops.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.mlops.core.JobException;
import dev.mlops.core.config.JdbcTarget;
import dev.mlops.core.lake.Lake;
import dev.mlops.core.lake.Manifest;
import dev.mlops.core.spec.ColumnSpec;
import dev.mlops.core.spec.DatasetSpec;
import dev.mlops.core.spec.FileFormat;
import dev.mlops.core.spec.FilesSource;
import dev.mlops.core.spec.JdbcSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one dataset's input for a data date, enforces its schema and writes the valid rows
 * and the quarantined rows (with reasons) to a staging directory. Nothing here touches a
 * published partition.
 */
final class DatasetStager {
    private static final Logger LOG = LoggerFactory.getLogger(DatasetStager.class);
    /** A column is "of an incompatible type" in a file when all of at least this many values fail to parse. */
    static final int TYPE_CHANGE_MIN_VALUES = 5;

    private final SparkSession spark;
    private final Lake landing;
    private final Lake lake;
    private final Function<String, JdbcTarget> connections;

    DatasetStager(SparkSession spark, Lake landing, Lake lake, Function<String, JdbcTarget> connections) {
        this.spark = spark;
        this.landing = landing;
        this.lake = lake;
        this.connections = connections;
    }

    StagedDataset stage(String name, DatasetSpec spec, LocalDate date, Path stagingDir) {
        lake.delete(stagingDir);
        try {
            return stageInto(name, spec, date, stagingDir);
        } catch (JobException e) {
            if (e.exitCode() == dev.mlops.core.ExitCode.DATA_CONTRACT || e.exitCode() == dev.mlops.core.ExitCode.USAGE) {
                // the next run of this date starts fresh (no resume after exit 2/3): nothing staged here is reused
                lake.delete(stagingDir);
            }
            throw e;
        }
    }

    private StagedDataset stageInto(String name, DatasetSpec spec, LocalDate date, Path stagingDir) {
        Path rawOut = new Path(stagingDir, "raw");
        Path quarantineOut = new Path(stagingDir, "quarantine");
        Read read = spec.source() instanceof FilesSource files
                ? readFiles(name, spec, files, date)
                : readJdbc(name, spec, (JdbcSource) spec.source(), date);
        if (read == null) {
            String expected = spec.source() instanceof FilesSource f
                    ? f.format().specName() + " files in " + landing.root() + "/" + f.pathFor(date)
                    : "new rows in " + ((JdbcSource) spec.source()).table() + " for " + date;
            if (spec.required()) {
                throw JobException.dataContract("dataset '" + name + "' is required but has no input for " + date
                        + ": expected " + expected);
            }
            return StagedDataset.noInput(name, "no input: expected " + expected);
        }

        // no cache: one pass writes the valid rows while Dataset.observe counts totals and per-column parse
        // failures; the quarantine write and the per-file type check only run when something failed
        Dataset<Row> checked = RowValidator.validate(read.strings, spec.columns(), eventWindow(spec, date));
        List<Column> observed = new ArrayList<>();
        observed.add(count(lit(1)).alias("total"));
        observed.add(sum(when(RowValidator.valid(), 0).otherwise(1)).alias("invalid"));
        for (ColumnSpec c : spec.columns()) {
            observed.add(sum(when(col(RowValidator.FAIL_PREFIX + c.name()), 1).otherwise(0)).alias("f_" + c.name()));
        }
        org.apache.spark.sql.Observation observation = new org.apache.spark.sql.Observation("ingest_" + name);
        List<Column> typed = spec.columns().stream().map(c -> col(c.name())).toList();
        checked.observe(observation, observed.get(0), observed.subList(1, observed.size()).toArray(Column[]::new))
                .filter(RowValidator.valid())
                .select(typed.toArray(Column[]::new))
                .write().mode("overwrite").parquet(rawOut.toString());
        Map<String, Object> stats;
        try {
            stats = observation.getAsJava();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw JobException.retryable("interrupted while ingesting " + name, e);
        }
        long total = number(stats.get("total"));
        long quarantined = number(stats.get("invalid"));
        long rows = total - quarantined;
        List<ColumnSpec> failing = spec.columns().stream().filter(c -> number(stats.get("f_" + c.name())) > 0).toList();
        if (!failing.isEmpty()) {
            checkTypes(name, failing, checked);
        }
        List<Column> quarantine = new ArrayList<>();
        for (ColumnSpec c : spec.columns()) {
            quarantine.add(col(RowValidator.RAW_PREFIX + c.name()).alias(c.name()));
        }
        quarantine.add(col(RowValidator.REASONS).alias("_reasons"));
        quarantine.add(col(RowValidator.SOURCE).alias("_source_file"));
        quarantine.add(col(RowValidator.CORRUPT).alias("_raw_record"));
        // always a Parquet file with the schema, so readers of an empty quarantine partition still get one
        checked.filter(quarantined > 0 ? RowValidator.valid().unary_$bang() : lit(false))
                .select(quarantine.toArray(Column[]::new))
                .repartition(1).write().mode("overwrite").parquet(quarantineOut.toString());
        Map<String, Long> reasons = quarantined == 0 ? Map.of() : topReasons(spark.read().parquet(quarantineOut.toString()));
        double ratio = total == 0 ? 0 : (double) quarantined / total;
        if (ratio > spec.maxQuarantineRatio()) {
            throw JobException.dataContract(String.format(java.util.Locale.ROOT,
                    "dataset '%s' on %s: %d of %d rows (%.1f%%) are malformed or outside the event-time window, above"
                            + " max_quarantine_ratio %.1f%%; top reasons: %s",
                    name, date, quarantined, total, 100 * ratio, 100 * spec.maxQuarantineRatio(), reasons));
        }
        if (rows == 0 && spec.required()) {
            // a required dataset whose files hold no row would be published as an empty partition: say what was seen
            List<String> files = read.inputs.stream().map(Manifest.InputFile::uri).toList();
            throw JobException.dataContract("dataset '" + name + "' is required but its input for " + date + " has no rows"
                    + (total == 0 ? "" : " that can be used (all " + total + " quarantined: " + reasons + ")") + ": "
                    + (total == 0 ? (files.size() == 1 ? "the file is" : "the " + files.size() + " files are") + " empty or header only: "
                    : "") + String.join(", ", files));
        }
        if (quarantined > 0) {
            LOG.warn("dataset {}: {} rows quarantined: {}", name, quarantined, reasons);
        }
        return new StagedDataset(name, StagedDataset.Status.STAGED, rows, quarantined, read.inputs, read.watermark,
                reasons, read.notes, rawOut.toString(), quarantineOut.toString());
    }

    /** The event-time window of the data date (spec {@code allowed_lateness}), or null when the dataset has no event time. */
    static RowValidator.EventWindow eventWindow(DatasetSpec spec, LocalDate date) {
        return spec.eventTimeWindowColumn().map(c -> {
            java.time.format.DateTimeFormatter f = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
            String from = spec.allowedLateness().from(date).format(f);
            String until = spec.allowedLateness().until(date).format(f);
            return new RowValidator.EventWindow(c.name(), from, until, "[" + from + ", " + until + ") of data date " + date
                    + " (allowed_lateness: back " + spec.allowedLateness().back().text() + ", forward "
                    + spec.allowedLateness().forward().text() + ")");
        }).orElse(null);
    }

    private static long number(Object o) {
        return o == null ? 0 : ((Number) o).longValue();
    }

    private record Read(Dataset<Row> strings, List<Manifest.InputFile> inputs, Map<String, String> watermark, List<String> notes) {
    }

    private Read readFiles(String name, DatasetSpec spec, FilesSource source, LocalDate date) {
        Path dir = new Path(landing.root(), source.pathFor(date));
        List<FileStatus> files = landing.listFiles(dir).stream().filter(f -> source.accepts(f.getPath().getName())).toList();
        if (files.isEmpty()) {
            return null;
        }
        List<Manifest.InputFile> inputs = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Dataset<Row> union = null;
        for (FileStatus status : files) {
            SourceFile file = SourceFile.inspect(status, source.format(), lake.conf());
            inputs.add(file.asInput());
            Set<String> present = Set.copyOf(file.columns());
            for (ColumnSpec c : spec.columns()) {
                if (!present.contains(c.name()) && c.required() && !(file.columns().isEmpty())) {
                    throw JobException.dataContract("dataset '" + name + "': file " + file.path() + " lacks required column '"
                            + c.name() + "' (expected " + c.type().specName() + "); columns found: " + file.columns());
                }
                if (!present.contains(c.name()) && !file.columns().isEmpty()) {
                    notes.add("file " + file.path().getName() + " lacks optional column '" + c.name() + "' (read as null)");
                }
            }
            List<String> extra = file.columns().stream().filter(c -> spec.column(c).isEmpty()).toList();
            if (!extra.isEmpty()) {
                notes.add("file " + file.path().getName() + " has columns not in the spec, ignored: " + extra);
            }
            Dataset<Row> df = readOne(file, source.format(), spec);
            union = union == null ? df : union.unionByName(df);
        }
        if (!notes.isEmpty()) {
            notes.forEach(n -> LOG.warn("dataset {}: {}", name, n));
        }
        return new Read(union, inputs, Map.of(), notes);
    }

    private Dataset<Row> readOne(SourceFile file, FileFormat format, DatasetSpec spec) {
        Dataset<Row> df;
        if (format == FileFormat.CSV) {
            List<StructField> fields = new ArrayList<>();
            List<String> header = file.columns().isEmpty() ? List.of("_empty") : file.columns();
            for (String c : header) {
                fields.add(DataTypes.createStructField(c, DataTypes.StringType, true));
            }
            fields.add(DataTypes.createStructField(RowValidator.CORRUPT, DataTypes.StringType, true));
            df = spark.read()
                    .option("header", "true")
                    .option("mode", "PERMISSIVE")
                    .option("columnNameOfCorruptRecord", RowValidator.CORRUPT)
                    .option("enforceSchema", "true")
                    .option("escape", "\"")
                    .schema(DataTypes.createStructType(fields))
                    .csv(file.path().toString());
        } else {
            List<StructField> fields = new ArrayList<>();
            for (ColumnSpec c : spec.columns()) {
                fields.add(DataTypes.createStructField(c.name(), DataTypes.StringType, true));
            }
            fields.add(DataTypes.createStructField(RowValidator.CORRUPT, DataTypes.StringType, true));
            df = spark.read()
                    .option("mode", "PERMISSIVE")
                    .option("columnNameOfCorruptRecord", RowValidator.CORRUPT)
                    .schema(DataTypes.createStructType(fields))
                    .json(file.path().toString());
        }
        Set<String> present = Set.of(df.columns());
        List<Column> cols = new ArrayList<>();
        for (ColumnSpec c : spec.columns()) {
            cols.add(present.contains(c.name()) ? col(c.name()) : lit(null).cast("string").alias(c.name()));
        }
        cols.add(col(RowValidator.CORRUPT));
        cols.add(lit(file.path().toString()).alias(RowValidator.SOURCE));
        return df.select(cols.toArray(Column[]::new));
    }

    /**
     * A column whose every value in a file fails to parse changed type upstream: a contract
     * violation, not bad rows. Runs only for columns that had parse failures.
     */
    private void checkTypes(String name, List<ColumnSpec> failing, Dataset<Row> checked) {
        List<Column> aggs = new ArrayList<>();
        for (ColumnSpec c : failing) {
            aggs.add(sum(when(col(RowValidator.FAIL_PREFIX + c.name()), 1).otherwise(0)).alias("f_" + c.name()));
            aggs.add(count(when(col(RowValidator.CORRUPT).isNull(), col(RowValidator.RAW_PREFIX + c.name()))).alias("n_" + c.name()));
        }
        List<Row> stats = checked.groupBy(col(RowValidator.SOURCE)).agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new))
                .collectAsList();
        for (Row r : stats) {
            for (ColumnSpec c : failing) {
                long fails = r.getAs("f_" + c.name());
                long values = r.getAs("n_" + c.name());
                if (values >= TYPE_CHANGE_MIN_VALUES && fails == values) {
                    String file = r.getAs(RowValidator.SOURCE);
                    Row example = checked.filter(col(RowValidator.SOURCE).equalTo(file).and(col(RowValidator.FAIL_PREFIX + c.name())))
                            .select(col(RowValidator.RAW_PREFIX + c.name())).limit(1).first();
                    throw JobException.dataContract("dataset '" + name + "': column '" + c.name() + "' in file " + file
                            + " has an incompatible type: expected " + c.type().specName() + ", but all " + values
                            + " values fail to parse (e.g. '" + example.getString(0) + "')");
                }
            }
        }
    }

    private static Map<String, Long> topReasons(Dataset<Row> quarantine) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Row r : quarantine.select(explode(col(RowValidator.REASONS)).alias("r"))
                .withColumn("r", org.apache.spark.sql.functions.regexp_replace(col("r"), "'.*' is not", "'...' is not"))
                .groupBy("r").count().orderBy(col("count").desc(), col("r")).limit(5).collectAsList()) {
            out.put(r.getString(0), r.getLong(1));
        }
        return out;
    }

    // ---- JDBC ----

    private Read readJdbc(String name, DatasetSpec spec, JdbcSource source, LocalDate date) {
        JdbcTarget target = connections.apply(source.connection());
        String columns = spec.columns().stream().map(ColumnSpec::name).collect(Collectors.joining(", "));
        Map<String, String> watermark = new LinkedHashMap<>();
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        if (source.watermarkColumn() != null) {
            String high = date.plusDays(1).atStartOfDay().toString().replace('T', ' ');
            Optional<String> low = previousHighWatermark(name, date);
            low.ifPresent(l -> where.append(" AND ").append(source.watermarkColumn()).append(" >= TIMESTAMP '").append(l).append("'"));
            where.append(" AND ").append(source.watermarkColumn()).append(" < TIMESTAMP '").append(high).append("'");
            watermark.put("column", source.watermarkColumn());
            watermark.put("low_inclusive", low.orElse(""));
            watermark.put("high_exclusive", high);
        }
        String query = "SELECT " + columns + " FROM " + source.table() + where;
        Properties props = new Properties();
        if (target.user() != null) {
            props.setProperty("user", target.user());
        }
        if (target.password() != null && !target.password().isEmpty()) {
            props.setProperty("password", target.password());
        }
        props.setProperty("driver", "org.postgresql.Driver");
        long min = 0;
        long max = 0;
        long rows;
        try (Connection c = DriverManager.getConnection(target.url(), props)) {
            checkColumns(name, spec, source, c);
            String bounds = source.partitionColumn() == null ? "SELECT 0, 0, count(*) FROM (" + query + ") q"
                    : "SELECT min(" + source.partitionColumn() + "), max(" + source.partitionColumn() + "), count(*) FROM (" + query + ") q";
            try (PreparedStatement ps = c.prepareStatement(bounds); ResultSet rs = ps.executeQuery()) {
                rs.next();
                min = rs.getLong(1);
                max = rs.getLong(2);
                rows = rs.getLong(3);
            }
        } catch (SQLException e) {
            throw JobException.retryable("dataset '" + name + "': cannot query " + source.table() + " at " + target + ": " + e.getMessage(), e);
        }
        if (rows == 0) {
            // no change in the window: no partition for this date (the next date's window starts where the last one ended)
            return null;
        }
        Dataset<Row> df;
        String table = "(" + query + ") AS src";
        if (source.partitionColumn() != null && source.partitions() > 1 && rows > 0) {
            df = spark.read().jdbc(target.url(), table, source.partitionColumn(), min, max + 1, source.partitions(), props);
        } else {
            df = spark.read().jdbc(target.url(), table, props);
        }
        List<Column> cols = new ArrayList<>();
        for (ColumnSpec c : spec.columns()) {
            cols.add(col(c.name()).cast("string").alias(c.name()));
        }
        cols.add(lit(null).cast("string").alias(RowValidator.CORRUPT));
        cols.add(lit(target.url().replaceAll("\\?.*", "") + "#" + source.table()).alias(RowValidator.SOURCE));
        List<Manifest.InputFile> inputs = List.of(Manifest.InputFile.table(target.url().replaceAll("\\?.*", "") + "#" + source.table(), rows));
        return new Read(df.select(cols.toArray(Column[]::new)), inputs, watermark, List.of());
    }

    private static void checkColumns(String name, DatasetSpec spec, JdbcSource source, Connection c) throws SQLException {
        String[] parts = source.table().split("\\.");
        String schema = parts.length == 2 ? parts[0] : "public";
        String table = parts.length == 2 ? parts[1] : parts[0];
        Set<String> present = new java.util.HashSet<>();
        try (ResultSet rs = c.getMetaData().getColumns(null, schema, table, null)) {
            while (rs.next()) {
                present.add(rs.getString("COLUMN_NAME"));
            }
        }
        if (present.isEmpty()) {
            throw JobException.dataContract("dataset '" + name + "': table " + source.table() + " does not exist in connection '"
                    + source.connection() + "'");
        }
        for (ColumnSpec col : spec.columns()) {
            if (!present.contains(col.name())) {
                throw JobException.dataContract("dataset '" + name + "': table " + source.table() + " lacks column '" + col.name()
                        + "' (expected " + col.type().specName() + "); columns found: " + new java.util.TreeSet<>(present));
            }
        }
    }

    /** The high watermark of the latest published partition before {@code date}. */
    private Optional<String> previousHighWatermark(String dataset, LocalDate date) {
        List<LocalDate> published = lake.partitions("raw", dataset);
        for (int i = published.size() - 1; i >= 0; i--) {
            LocalDate d = published.get(i);
            if (!d.isBefore(date)) {
                continue;
            }
            Optional<String> text = lake.readText(Manifest.pathIn(lake.partition("raw", dataset, d)));
            if (text.isPresent()) {
                Map<String, String> wm = Manifest.fromJson(text.get()).watermark();
                if (wm != null && wm.get("high_exclusive") != null) {
                    return Optional.of(wm.get("high_exclusive"));
                }
            }
        }
        return Optional.empty();
    }

}
