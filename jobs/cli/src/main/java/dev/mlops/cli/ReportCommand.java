package dev.mlops.cli;

import dev.mlops.cli.report.Report;
import dev.mlops.cli.report.ReportData;
import dev.mlops.core.JobException;
import dev.mlops.core.Platform;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformCommand;
import dev.mlops.core.spec.LoadedSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mlops report}: what the jobs wrote, per model, as one self-contained HTML page with
 * charts (quality over time, drift per feature, shadow agreement, validation results, the decision
 * timeline) and a plain-text summary on stdout. Reads only: the lake's quality, drift, decisions,
 * shadow and dq tables, the registry and the audit ledger.
 */
@Command(name = "report", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = {"Write one HTML report of the models' lifecycle and print its summary. Per model:",
            "the registry's versions, model quality over time per version, drift per feature",
            "and day, shadow agreement, validation results per dataset and day, and the",
            "decision timeline of the audit ledger (promotions, rollbacks, gates, verdicts,",
            "retrain decisions). Self-contained (inline SVG charts): it opens offline.",
            "A table no job has written yet (e.g. no shadow run) is a section saying so."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the report was written (also when some tables are still empty)", "1:failed, retryable (lake, database, disk)",
            "2:bad usage or config: an unknown model (naming the specs directory), --to before --from"})
public final class ReportCommand extends PlatformCommand {
    public static final String DEFAULT_FILE = "reports/mlops-report.html";

    @Option(names = "--model", paramLabel = "MODEL", description = "a model to report on (repeatable); default: every model with a spec")
    List<String> models;

    @Option(names = "--from", paramLabel = "YYYY-MM-DD", description = "first data date to include (default: the earliest)")
    LocalDate from;

    @Option(names = "--to", paramLabel = "YYYY-MM-DD", description = "last data date to include, inclusive (default: the latest)")
    LocalDate to;

    @Option(names = "--out", paramLabel = "PATH", description = "the HTML file to write (default: $MLOPS_HOME/" + DEFAULT_FILE + ")")
    Path out;

    @Override
    protected int run(Platform platform) {
        if (from != null && to != null && to.isBefore(from)) {
            throw JobException.usage("--to " + to + " is before --from " + from + "; expected --from <= --to");
        }
        // the specs first: an unknown model is a usage error before Spark or the database start
        List<String> names = models == null || models.isEmpty() ? platform.specs().models() : List.copyOf(new LinkedHashSet<>(models));
        if (names.isEmpty()) {
            throw JobException.usage("no model specs in " + platform.specs().dir() + ": nothing to report on (expected <model>.yaml files)");
        }
        List<LoadedSpec> specs = new ArrayList<>();
        for (String name : names) {
            specs.add(platform.specs().load(name));
        }
        List<ReportData> data = new ArrayList<>();
        for (LoadedSpec spec : specs) {
            data.add(ReportData.read(platform, spec, from, to));
        }
        Report report = new Report(data, from, to, Instant.now());
        Path file = (out != null ? out : platform.config().home().resolve(DEFAULT_FILE)).toAbsolutePath().normalize();
        write(file, report.html());
        out().print(report.summary());
        out().println("report: " + file);
        return 0;
    }

    /** Written next to its place, then moved over it: a reader never sees half a report. */
    private static void write(Path file, String html) {
        try {
            Files.createDirectories(file.getParent());
            // not createTempFile: its owner-only permissions would stay with the report
            Path tmp = file.resolveSibling("." + file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
            Files.writeString(tmp, html, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw JobException.retryable("cannot write the report " + file + ": " + e, e);
        }
    }
}
