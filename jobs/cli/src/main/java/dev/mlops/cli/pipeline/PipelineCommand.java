package dev.mlops.cli.pipeline;

import dev.mlops.core.JobException;
import dev.mlops.core.Platform;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.cli.PlatformCommand;
import dev.mlops.core.json.Json;
import java.time.Duration;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mlops pipeline}: the Airflow DAGs' plans, and the local executor that runs them. */
@Command(name = "pipeline", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        description = {"The pipeline plans the Airflow DAGs are built from (dags/mlops_plan, derived from each model spec), and a",
            "local executor that runs the same tasks in process: no Airflow, no Kubernetes. See docs/dags.md."},
        subcommands = {PipelineCommand.ListDags.class, PipelineCommand.Show.class, PipelineCommand.Run.class})
public final class PipelineCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command: expected one of " + spec.subcommands().keySet());
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the DAGs: id, schedule, tasks.")
    public static final class ListDags extends PlatformCommand {
        @Override
        protected int run(Platform platform) {
            for (Plan p : PlanSource.of(platform.config().specsDir()).all()) {
                out().printf("%-24s %-14s %s%n", p.dagId(), p.schedule() == null ? "(triggered)" : p.schedule(),
                        String.join(" ", p.tasks().stream().map(Plan.Task::taskId).toList()));
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Print one DAG's plan as JSON (what Airflow and the local executor run).")
    public static final class Show extends PlatformCommand {
        @Parameters(index = "0", paramLabel = "DAG_ID", description = "e.g. zone_demand_daily (see mlops pipeline list)")
        String dagId;

        @Override
        protected int run(Platform platform) {
            out().println(Json.writePretty(PlanSource.of(platform.config().specsDir()).get(dagId)));
            return 0;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Run a DAG for each data date of a range, in process, as Airflow would: tasks in dependency order, exit 100",
                "skips downstream tasks (trigger rules as planned), branches follow the job's result, a trigger runs the triggered DAG",
                "for the same date. Jobs that take a date range (ingest, validate, features) run once over the range first.",
                "Task logs: $MLOPS_HOME/pipeline/<dag>/<date>/<task>.log."},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:every task of every date succeeded or was skipped", "1:a task failed, retryable",
                "2:bad usage (unknown DAG or param, bad value)", "3:a task hit a data contract violation (the other dates still ran)"})
    public static final class Run extends PlatformCommand {
        @Parameters(index = "0", paramLabel = "DAG_ID", description = "e.g. zone_demand_daily (see mlops pipeline list)")
        String dagId;

        @Option(names = "--from", required = true, paramLabel = "YYYY-MM-DD", description = "first data date")
        LocalDate from;

        @Option(names = "--to", paramLabel = "YYYY-MM-DD", description = "last data date, inclusive (default: --from)")
        LocalDate to;

        @Option(names = "--param", paramLabel = "NAME=VALUE", description = "a DAG param (as in Airflow's trigger form), e.g. --param tune=true")
        Map<String, String> params = new LinkedHashMap<>();

        @Option(names = "--no-batch", description = "run every task date by date (default: range-capable jobs run once over the range)")
        boolean noBatch;

        @Override
        protected int run(Platform platform) {
            LocalDate last = to == null ? from : to;
            if (last.isBefore(from)) {
                throw JobException.usage("--to " + last + " is before --from " + from + "; expected --from <= --to");
            }
            PlanSource source = PlanSource.of(platform.config().specsDir());
            Plan plan = source.get(dagId);
            long t0 = System.nanoTime();
            List<LocalExecutor.DagRun> runs = new LocalExecutor(platform, source, out(), !noBatch).run(plan, from, last, new LinkedHashMap<>(params));
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            return summarize(plan, runs, took);
        }

        private int summarize(Plan plan, List<LocalExecutor.DagRun> runs, Duration took) {
            int failedDays = 0;
            int firstExit = 0;
            int triggered = 0;
            Map<String, int[]> byTask = new LinkedHashMap<>();
            for (LocalExecutor.DagRun r : runs) {
                triggered += r.triggered().size();
                if (r.failed()) {
                    failedDays++;
                    if (firstExit == 0) {
                        firstExit = r.exitCode();
                    }
                }
                for (LocalExecutor.TaskRun t : r.tasks()) {
                    byTask.computeIfAbsent(t.taskId(), k -> new int[4])[t.state().ordinal()]++;
                }
            }
            out().printf("pipeline %s %s..%s: %d date(s) in %.0fs, %d with a failed task, %d triggered run(s)%n", plan.dagId(), from,
                    to == null ? from : to, runs.size(), took.toMillis() / 1000.0, failedDays, triggered);
            byTask.forEach((task, n) -> out().printf("  %-16s done %3d  skipped %3d  failed %3d  upstream failed %3d%n", task, n[0], n[1], n[2], n[3]));
            return firstExit;
        }
    }
}
