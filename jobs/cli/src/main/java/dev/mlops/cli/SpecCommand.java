package dev.mlops.cli;

import dev.mlops.core.JobException;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.GlobalOptions;
import dev.mlops.core.config.PlatformConfig;
import dev.mlops.core.spec.LoadedSpec;
import dev.mlops.core.spec.SpecLoader;
import dev.mlops.core.spec.SpecRepository;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mlops spec}: validate model specs, or print the effective spec of one. */
@Command(name = "spec", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = {"Validate the model specs (all, or --model M) and print a line per model;",
            "with --show, print the effective spec (defaults filled in) as JSON. Exit 2 on the first invalid spec."})
public final class SpecCommand implements Callable<Integer> {
    @Mixin
    GlobalOptions global = new GlobalOptions();

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "MODEL", description = "only this model")
    String model;

    @Option(names = "--show", description = "print the effective spec as JSON")
    boolean show;

    @Option(names = "--athena", description = "print the Athena DDL of the model's lake tables (what sql/athena/<model>.sql holds)")
    boolean athena;

    @Option(names = "--athena-views", description = "print the Athena views of the model (what sql/athena/views/<model>.sql holds)")
    boolean athenaViews;

    @Override
    public Integer call() {
        PlatformConfig config = global.load();
        SpecRepository repo = new SpecRepository(config.specsDir());
        List<String> models = model != null ? List.of(model) : repo.models();
        if (models.isEmpty()) {
            throw JobException.usage("no model specs in " + config.specsDir() + "; expected <model>.yaml files");
        }
        List<LoadedSpec> loaded = new ArrayList<>();
        for (String m : models) {
            loaded.add(repo.load(m));
        }
        // the offline store (features/<group>/) and its Athena table are named by group: one owner per name
        java.util.Map<String, String> owners = new java.util.TreeMap<>();
        for (LoadedSpec s : loaded) {
            for (String g : s.spec().features().keySet()) {
                String other = owners.putIfAbsent(g, s.file());
                if (other != null) {
                    throw JobException.usage(s.file() + ": features." + g + ": the feature group name is already used by " + other
                            + "; group names are global (features/<group>/, Athena features_<group>): rename one");
                }
            }
        }
        for (LoadedSpec s : loaded) {
            if (athenaViews) {
                spec.commandLine().getOut().print(dev.mlops.core.athena.AthenaDdl.viewsForModel(s.spec()));
                spec.commandLine().getOut().flush();
            } else if (athena) {
                spec.commandLine().getOut().print(dev.mlops.core.athena.AthenaDdl.forModel(s.spec()));
                spec.commandLine().getOut().flush();
            } else if (show) {
                spec.commandLine().getOut().println(SpecLoader.toJson(s.spec()));
            } else {
                spec.commandLine().getOut().printf("%s: ok (%s, %d datasets, spec hash %s) %s%n", s.model(),
                        s.spec().task().specName(), s.spec().datasets().size(), s.hash(), s.file());
            }
        }
        return 0;
    }
}
