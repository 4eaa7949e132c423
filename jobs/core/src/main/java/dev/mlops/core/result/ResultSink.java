package dev.mlops.core.result;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where results go: {@code <home>/results/<job>/<model>/<date>.json} (the latest run of that
 * identity), the {@code mlops_run_result} table, and, in a pod, the XCom file the
 * KubernetesPodOperator sidecar reads ({@code /airflow/xcom/return.json}).
 */
public final class ResultSink {
    private static final Logger LOG = LoggerFactory.getLogger(ResultSink.class);

    private final Path resultsDir;
    private final Optional<Path> extraCopy;
    private final java.util.function.Supplier<DataSource> metadata;

    /** @param metadata the metadata database, asked for only after the files are written (may return null) */
    public ResultSink(Path resultsDir, Optional<Path> extraCopy, java.util.function.Supplier<DataSource> metadata) {
        this.resultsDir = resultsDir;
        this.extraCopy = extraCopy;
        this.metadata = metadata;
    }

    /** {@code <job>/<model>/<date>.json} for a full run, {@code <date>.<scope>.json} for a partial one (e.g. one dataset). */
    public Path pathFor(String job, String model, java.time.LocalDate date, String scope) {
        String name = scope == null || scope.isEmpty() || "all".equals(scope) ? date.toString() : date + "." + scope.replace(',', '+');
        return resultsDir.resolve(job).resolve(model).resolve(name + ".json");
    }

    /** Writes the result; returns the local file. Failing to record a result never hides the job's own outcome. */
    public Path write(JobResult result, String scope, Long jobExecutionId) {
        String json = result.toJson();
        Path file = pathFor(result.job(), result.model(), result.date(), scope);
        try {
            writeAtomically(file, json);
            if (extraCopy.isPresent()) {
                writeAtomically(extraCopy.get(), json);
            }
        } catch (IOException e) {
            LOG.warn("could not write the result file {}: {}", file, e.getMessage());
        }
        DataSource db = null;
        if (jobExecutionId != null) {
            try {
                db = metadata.get();
            } catch (RuntimeException e) {
                LOG.warn("could not record the result in the metadata database: {}", e.getMessage());
            }
        }
        if (db != null) {
            String sql = """
                    INSERT INTO mlops_run_result (job_execution_id, job_name, model, data_date, exit_code, summary, result)
                    VALUES (?, ?, ?, ?, ?, ?, CAST(? AS JSONB))
                    ON CONFLICT (job_execution_id) DO UPDATE
                       SET exit_code = EXCLUDED.exit_code, summary = EXCLUDED.summary, result = EXCLUDED.result, finished_at = now()""";
            try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setLong(1, jobExecutionId);
                ps.setString(2, result.job());
                ps.setString(3, result.model());
                ps.setObject(4, result.date());
                ps.setInt(5, result.exitCode());
                ps.setString(6, result.summary());
                ps.setString(7, json);
                ps.executeUpdate();
            } catch (SQLException e) {
                LOG.warn("could not record the result in the metadata database: {}", e.getMessage());
            }
        }
        return file;
    }

    /**
     * Writes an already recorded result again, as it is: the result file and the extra copy (the XCom a retried
     * task must return), not the database (it holds it).
     */
    public Path writeFiles(JobResult result, String scope) {
        String json = result.toJson();
        Path file = pathFor(result.job(), result.model(), result.date(), scope);
        try {
            writeAtomically(file, json);
            if (extraCopy.isPresent()) {
                writeAtomically(extraCopy.get(), json);
            }
        } catch (IOException e) {
            LOG.warn("could not write the result file {}: {}", file, e.getMessage());
        }
        return file;
    }

    /** The result recorded for an execution ({@code mlops_run_result}), if any. */
    public Optional<String> recorded(long jobExecutionId) {
        String sql = "SELECT result::text FROM mlops_run_result WHERE job_execution_id = ?";
        try (Connection c = metadata.get().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, jobExecutionId);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw dev.mlops.core.JobException.retryable("cannot read the recorded result of execution " + jobExecutionId + ": " + e.getMessage(), e);
        }
    }

    private static void writeAtomically(Path file, String json) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, json + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
