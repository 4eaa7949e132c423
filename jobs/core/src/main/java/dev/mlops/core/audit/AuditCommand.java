package dev.mlops.core.audit;

import dev.mlops.core.ExitCode;
import dev.mlops.core.Platform;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformCommand;
import java.io.PrintWriter;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code mlops audit}: the append-only, hash-chained ledger of every decision of the platform. */
@Command(name = "audit", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        subcommands = {AuditCommand.Verify.class, AuditCommand.Log.class, AuditCommand.Export.class, AuditCommand.Anchor.class},
        description = {"The audit ledger: every decision of the platform (validation gates, registrations, approvals,",
            "promotions, rollbacks, verdicts, overrides) with time, actor, reasons and evidence, append-only and",
            "hash-chained in PostgreSQL (audit_log), exported to the lake for Athena (audit/dt=<date>/), its daily head",
            "anchored outside the database (audit.anchor_uri: an S3 bucket under Object Lock)."})
public final class AuditCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: expected one of " + spec.subcommands().keySet());
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Recompute every entry's hash and check each links to its predecessor; name the first broken entry.",
                "With audit.anchor_uri set, also compare the ledger with every anchor (mlops audit anchor): an anchored",
                "entry rewritten or deleted since is named with its seq and the anchor's date."},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:the chain holds (and matches every anchor)", "1:failed, retryable", "2:bad usage or config",
                "3:the chain is broken (the first broken seq and whether an entry was edited, deleted or reordered),",
                "  or the ledger no longer matches an anchor (the seq and the anchor's date)"})
    public static final class Verify extends PlatformCommand {
        @Override
        protected int run(Platform platform) {
            long started = System.nanoTime();
            AuditLedger.Report r = new AuditLedger(platform.metadata()).verify();
            List<AuditAnchor.Mismatch> mismatches = List.of();
            int anchors = 0;
            if (platform.config().auditAnchorUri().isPresent()) {
                AuditAnchor anchor = anchor(platform, java.time.Clock.systemUTC());
                anchors = anchor.anchors().size();
                mismatches = anchor.check();
            }
            boolean ok = r.ok() && mismatches.isEmpty();
            int code = ok ? ExitCode.OK.code() : ExitCode.DATA_CONTRACT.code();
            publish(platform, r, code, (System.nanoTime() - started) / 1e9);
            if (!mismatches.isEmpty()) {
                out().println("audit log: " + (r.ok() ? "chain intact" : "chain broken at seq " + r.broken().seq()) + "; "
                        + mismatches.size() + " of " + anchors + " anchors no longer match the ledger");
                for (AuditAnchor.Mismatch m : mismatches) {
                    err().println("mlops audit verify: the ledger does not match its anchor at " + m);
                }
                if (!r.ok()) {
                    err().println("mlops audit verify: chain broken at " + r.broken());
                }
                return code;
            }
            if (r.ok()) {
                out().println("audit log: " + r.verified() + " entries, chain intact; head seq " + r.headSeq() + " hash " + r.headHash()
                        + (platform.config().auditAnchorUri().isPresent() ? "; matches all " + anchors + " anchors" : ""));
                return code;
            }
            out().println("audit log: chain broken at seq " + r.broken().seq() + " (" + r.broken().kind().name().toLowerCase(Locale.ROOT)
                    + "); " + r.verified() + " entries before it verify, the last one seq " + r.headSeq() + " hash " + r.headHash());
            err().println("mlops audit verify: chain broken at " + r.broken());
            return code;
        }

        /**
         * The verdict as metrics, like a job run's: {@code mlops_audit_chain_ok} (1 intact, 0 broken) and
         * {@code mlops_audit_entries}, with job {@code audit}, model {@code _ledger} and today's date, written
         * to {@code results/audit/_ledger/<date>.prom} and pushed when a Pushgateway is configured.
         */
        private static void publish(Platform platform, AuditLedger.Report r, int code, double seconds) {
            LocalDate today = LocalDate.now(ZoneOffset.UTC);
            dev.mlops.core.metrics.JobMetrics m = new dev.mlops.core.metrics.JobMetrics(new dev.mlops.core.batch.RunIdentity("audit", "_ledger", today));
            double ok = r.ok() ? 1 : 0;
            double entries = r.verified();
            io.micrometer.core.instrument.Gauge.builder("mlops_audit_chain_ok", () -> ok)
                    .description("1 when mlops audit verify found the ledger's hash chain intact, 0 when broken").strongReference(true).register(m.registry());
            io.micrometer.core.instrument.Gauge.builder("mlops_audit_entries", () -> entries)
                    .description("entries verified by mlops audit verify").strongReference(true).register(m.registry());
            m.finished(code, seconds);
            java.nio.file.Path json = platform.results().pathFor("audit", "_ledger", today, "all");
            m.publish(platform.config().pushgatewayUrl(), json.resolveSibling(today + ".prom"));
        }
    }

    @Command(name = "log", mixinStandardHelpOptions = true,
            description = {"A model's decisions, oldest first. With --on: which version was in production at the end of",
                "that day (UTC), the entry that put it there and that version's history up to then."},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:done", "1:failed, retryable", "2:bad usage or config", "100:--on: no version was in production by then"})
    public static final class Log extends PlatformCommand {
        @Option(names = "--model", required = true, paramLabel = "MODEL")
        String model;

        @Option(names = "--on", paramLabel = "YYYY-MM-DD", description = "which version was in production on that date, and why")
        LocalDate on;

        @Override
        protected int run(Platform platform) {
            AuditLedger ledger = new AuditLedger(platform.metadata());
            if (on == null) {
                List<AuditEntry> entries = ledger.log(model);
                if (entries.isEmpty()) {
                    err().println("no audit entries for model " + model);
                } else {
                    table(out(), entries);
                }
                return ExitCode.OK.code();
            }
            Optional<AuditEntry> production = ledger.productionOn(model, on);
            if (production.isEmpty()) {
                err().println("no version of " + model + " was in production on " + on + " (no promotion recorded by the end of that day, UTC)");
                return ExitCode.NOTHING_TO_DO.code();
            }
            AuditEntry p = production.get();
            out().println(model + " on " + on + ": version " + p.version() + ", in production since " + p.at().truncatedTo(ChronoUnit.SECONDS)
                    + " (seq " + p.seq() + ", " + p.action() + " by " + actor(p) + (p.reasons().isEmpty() ? "" : ": " + String.join("; ", p.reasons())) + ")");
            var end = on.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
            table(out(), ledger.log(model).stream().filter(e -> p.version().equals(e.version()) && e.at().isBefore(end)).toList());
            return ExitCode.OK.code();
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write the entries of a date (UTC) to <lake>/audit/dt=<date>/ (Parquet, for Athena); a re-run replaces it.")
    public static final class Export extends PlatformCommand {
        @Option(names = "--date", required = true, paramLabel = "YYYY-MM-DD")
        LocalDate date;

        @Override
        protected int run(Platform platform) {
            AuditExport.Exported x = new AuditExport(platform).export(date);
            out().println("audit export " + date + ": " + x.entries() + " entries"
                    + (x.entries() == 0 ? "" : " (seq " + x.firstSeq() + ".." + x.lastSeq() + ")") + " -> " + x.partition());
            return ExitCode.OK.code();
        }
    }

    @Command(name = "anchor", mixinStandardHelpOptions = true,
            description = {"Write the ledger's head at the end of a date (UTC) and that date's entries' hashes to",
                "<audit.anchor_uri>/dt=<date>/head.json, once (S3 Object Lock keeps it): the external copy that shows a",
                "ledger rewritten later. A re-run that finds the identical anchor does nothing. No Spark."},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:anchored, or already anchored identically", "1:failed, retryable",
                "2:bad usage or config (no audit.anchor_uri, a date not over yet, access refused)",
                "3:the ledger's chain is broken, or a different anchor exists for the date (anchors are never replaced)"})
    public static final class Anchor extends PlatformCommand {
        @Option(names = "--date", required = true, paramLabel = "YYYY-MM-DD")
        LocalDate date;

        @Override
        protected int run(Platform platform) {
            AuditAnchor.Anchored a = anchor(platform, java.time.Clock.systemUTC()).anchor(date);
            out().println("audit anchor " + date + ": head seq " + a.head().seq() + " hash " + a.head().hash() + ", "
                    + a.head().entries().size() + " entries of the date -> " + a.location() + (a.written() ? "" : " (already anchored, identical)"));
            return ExitCode.OK.code();
        }
    }

    /** The anchor of the configured audit.anchor_uri (an S3 client of the configured region for s3://). */
    static AuditAnchor anchor(Platform platform, java.time.Clock clock) {
        java.net.URI uri = platform.config().auditAnchorUri().orElseThrow(() -> dev.mlops.core.JobException.usage(
                "audit.anchor_uri is not set (MLOPS_AUDIT_ANCHOR_URI): where the ledger's heads are anchored, e.g. s3://<audit bucket>/<prefix>/"));
        return new AuditAnchor(platform.metadata(), AuditAnchor.store(uri, () -> s3(platform.config())), clock);
    }

    private static software.amazon.awssdk.services.s3.S3Client s3(dev.mlops.core.config.PlatformConfig config) {
        var b = software.amazon.awssdk.services.s3.S3Client.builder();
        config.awsRegion().map(software.amazon.awssdk.regions.Region::of).ifPresent(b::region);
        return b.build();
    }

    private static String actor(AuditEntry e) {
        return e.runId() == null ? e.actor() : e.actor() + " (run " + e.runId() + ")";
    }

    static void table(PrintWriter out, List<AuditEntry> entries) {
        out.printf("%-6s %-20s %-7s %-9s %-22s %-30s %s%n", "SEQ", "AT", "VERSION", "ACTION", "DECISION", "ACTOR", "REASONS");
        for (AuditEntry e : entries) {
            out.printf(Locale.ROOT, "%-6d %-20s %-7s %-9s %-22s %-30s %s%n", e.seq(), e.at().truncatedTo(ChronoUnit.SECONDS),
                    e.version() == null ? "-" : e.version(), e.action(), e.decision(), actor(e), String.join("; ", e.reasons()));
        }
    }
}
