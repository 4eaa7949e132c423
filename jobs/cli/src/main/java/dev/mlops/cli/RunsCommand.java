package dev.mlops.cli;

import dev.mlops.core.JobException;
import dev.mlops.core.Platform;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformCommand;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mlops runs}: the recorded runs (Spring Batch executions) with their outcome. */
@Command(name = "runs", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = "List recent job runs from the job repository, newest first, with status, exit code and summary.")
public final class RunsCommand extends PlatformCommand {
    @Option(names = "--model", paramLabel = "MODEL", description = "only this model")
    String model;

    @Option(names = "--job", paramLabel = "JOB", description = "only this job, e.g. ingest")
    String job;

    @Option(names = "--limit", defaultValue = "30", description = "how many runs (default: ${DEFAULT-VALUE})")
    int limit;

    @Override
    protected int run(Platform platform) {
        String sql = """
                SELECT e.JOB_EXECUTION_ID, i.JOB_NAME,
                       (SELECT PARAMETER_VALUE FROM BATCH_JOB_EXECUTION_PARAMS p WHERE p.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID AND p.PARAMETER_NAME = 'model') AS MODEL,
                       (SELECT PARAMETER_VALUE FROM BATCH_JOB_EXECUTION_PARAMS p WHERE p.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID AND p.PARAMETER_NAME = 'date') AS DATA_DATE,
                       (SELECT PARAMETER_VALUE FROM BATCH_JOB_EXECUTION_PARAMS p WHERE p.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID AND p.PARAMETER_NAME = 'run') AS RUN,
                       e.STATUS, e.START_TIME, e.END_TIME, r.exit_code, r.summary
                  FROM BATCH_JOB_EXECUTION e
                  JOIN BATCH_JOB_INSTANCE i ON i.JOB_INSTANCE_ID = e.JOB_INSTANCE_ID
                  LEFT JOIN mlops_run_result r ON r.job_execution_id = e.JOB_EXECUTION_ID
                 WHERE (CAST(? AS VARCHAR) IS NULL OR i.JOB_NAME = ?)
                   AND (CAST(? AS VARCHAR) IS NULL OR EXISTS (SELECT 1 FROM BATCH_JOB_EXECUTION_PARAMS p
                        WHERE p.JOB_EXECUTION_ID = e.JOB_EXECUTION_ID AND p.PARAMETER_NAME = 'model' AND p.PARAMETER_VALUE = ?))
                 ORDER BY e.JOB_EXECUTION_ID DESC
                 LIMIT ?""";
        int shown = 0;
        try (Connection c = platform.metadata().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, job);
            ps.setString(2, job);
            ps.setString(3, model);
            ps.setString(4, model);
            ps.setInt(5, limit);
            try (ResultSet rs = ps.executeQuery()) {
                out().printf("%-6s %-10s %-14s %-10s %-3s %-9s %-4s %7s  %s%n", "EXEC", "JOB", "MODEL", "DATE", "RUN", "STATUS", "EXIT", "SECONDS", "SUMMARY");
                while (rs.next()) {
                    LocalDateTime start = rs.getObject("START_TIME", LocalDateTime.class);
                    LocalDateTime end = rs.getObject("END_TIME", LocalDateTime.class);
                    String secs = start != null && end != null ? String.format("%.1f", Duration.between(start, end).toMillis() / 1000.0) : "-";
                    Object exit = rs.getObject("exit_code");
                    out().printf("%-6d %-10s %-14s %-10s %-3s %-9s %-4s %7s  %s%n", rs.getLong(1), rs.getString(2), rs.getString("MODEL"),
                            rs.getString("DATA_DATE"), rs.getString("RUN"), rs.getString("STATUS"), exit == null ? "-" : exit, secs,
                            rs.getString("summary") == null ? "" : rs.getString("summary"));
                    shown++;
                }
            }
        } catch (SQLException e) {
            throw JobException.retryable("cannot read runs: " + e.getMessage(), e);
        }
        if (shown == 0) {
            out().println("(no runs recorded yet)");
        }
        return 0;
    }
}
