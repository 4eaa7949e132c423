package dev.mlops.promote;

import dev.mlops.core.JobException;
import dev.mlops.core.Platform;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformCommand;
import dev.mlops.core.registry.Registry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mlops rollback}: the previous (or a named) version back into production at once. */
@Command(name = "rollback", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = {"Put the previous production version (or --to V) back into production at once, with no gates:",
            "the version being replaced becomes previous. Recorded in the registry and the audit ledger with who and why."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:rolled back", "2:no previous version (name one with --to), an unknown or rejected version, or no --reason"})
public final class RollbackCommand extends PlatformCommand {
    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "model spec name, e.g. zone_demand")
    String model;

    @Option(names = "--to", paramLabel = "V", description = "the version to put back (default: the previous production version)")
    Integer to;

    @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "why (recorded in the audit ledger)")
    String reason;

    @Option(names = "--as", paramLabel = "NAME", defaultValue = "${sys:user.name}", description = "who rolls back (default: the OS user)")
    String actor;

    @Override
    protected int run(Platform platform) {
        platform.specs().load(model);
        Registry registry = new Registry(platform.metadata());
        var current = registry.alias(model, Registry.PRODUCTION);
        int target = to != null ? to : registry.alias(model, Registry.PREVIOUS).orElseThrow(() -> JobException.usage(
                "model " + model + " has no previous production version; name the version to put back with --to"));
        Registry.Version v = registry.get(model, target).orElseThrow(() -> JobException.usage("model " + model + " has no version " + target));
        if (Registry.REJECTED.equals(v.status())) {
            throw JobException.usage("version " + target + " of " + model + " was rejected; approve it first if it should serve again");
        }
        if (current.isPresent() && current.get() == target) {
            out().println("rollback " + model + ": v" + target + " is already in production");
            return 0;
        }
        registry.setAlias(model, Registry.PRODUCTION, target, actor, "rollback: " + reason);
        out().println("rollback " + model + ": v" + target + " is production" + current.map(c -> " (v" + c + " is previous)").orElse(""));
        return 0;
    }
}
