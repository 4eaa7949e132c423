package dev.mlops.train;

import dev.mlops.core.JobException;
import dev.mlops.core.Platform;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformCommand;
import dev.mlops.core.json.Json;
import dev.mlops.core.registry.Registry;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code mlops registry}: model versions, their status, aliases and history. */
@Command(name = "registry", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        subcommands = {RegistryCommand.ListVersions.class, RegistryCommand.Show.class, RegistryCommand.Approve.class, RegistryCommand.Reject.class},
        description = {"The model registry: versions with SageMaker's approval statuses (PendingManualApproval, Approved,",
            "Rejected), aliases (production, candidate, previous) and every transition with who and why."})
public final class RegistryCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: expected one of " + spec.subcommands().keySet());
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the versions (of one model, or all) with status, metric and aliases.")
    public static final class ListVersions extends PlatformCommand {
        @Option(names = "--model", paramLabel = "MODEL", description = "only this model")
        String model;

        @Override
        protected int run(Platform platform) {
            Registry r = new Registry(platform.metadata());
            var versions = r.list(model);
            out().printf("%-14s %-7s %-22s %-10s %-22s %s%n", "MODEL", "VERSION", "STATUS", "DATE", "METRIC", "ALIASES");
            Map<String, Map<String, Integer>> aliases = new LinkedHashMap<>();
            for (Registry.Version v : versions) {
                Map<String, Integer> a = aliases.computeIfAbsent(v.model(), r::aliases);
                String names = String.join(",", a.entrySet().stream().filter(x -> x.getValue() == v.version()).map(Map.Entry::getKey).toList());
                out().printf(Locale.ROOT, "%-14s %-7d %-22s %-10s %-22s %s%n", v.model(), v.version(), v.status(), v.dataDate(),
                        v.primaryMetric() + " " + (v.primaryValue() == null ? "n/a" : String.format(Locale.ROOT, "%.4f", v.primaryValue())), names);
            }
            if (versions.isEmpty()) {
                err().println("no registered versions" + (model == null ? "" : " of " + model) + " (mlops train registers them)");
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a version as JSON: metrics, hyperparameters, lineage, history.")
    public static final class Show extends PlatformCommand {
        @Option(names = "--model", required = true, paramLabel = "MODEL")
        String model;

        @Option(names = "--version", required = true, paramLabel = "N")
        int version;

        @Override
        protected int run(Platform platform) {
            Registry r = new Registry(platform.metadata());
            Registry.Version v = r.get(model, version).orElseThrow(() -> JobException.usage("model " + model + " has no version " + version));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("version", v);
            out.put("aliases", r.aliases(model).entrySet().stream().filter(x -> x.getValue() == version).map(Map.Entry::getKey).toList());
            out.put("history", r.events(model, version));
            out().println(Json.writePretty(out));
            return 0;
        }
    }

    abstract static class Decide extends PlatformCommand {
        @Option(names = "--model", required = true, paramLabel = "MODEL")
        String model;

        @Option(names = "--version", required = true, paramLabel = "N")
        int version;

        @Option(names = "--as", required = true, paramLabel = "NAME", description = "who decides (recorded)")
        String actor;

        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "why (recorded)")
        String reason;

        abstract String status();

        @Override
        protected int run(Platform platform) {
            Registry.Version v = new Registry(platform.metadata()).setStatus(model, version, status(), actor, reason);
            out().println(model + " version " + version + ": " + v.status() + " (by " + actor + ": " + reason + ")");
            return 0;
        }
    }

    @Command(name = "approve", mixinStandardHelpOptions = true, description = "Approve a version (needed before promote where the spec requires a human).")
    public static final class Approve extends Decide {
        @Override
        String status() {
            return Registry.APPROVED;
        }
    }

    @Command(name = "reject", mixinStandardHelpOptions = true, description = "Reject a version (it leaves the candidate alias).")
    public static final class Reject extends Decide {
        @Override
        String status() {
            return Registry.REJECTED;
        }
    }
}
