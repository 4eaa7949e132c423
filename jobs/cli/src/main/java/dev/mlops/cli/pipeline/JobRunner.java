package dev.mlops.cli.pipeline;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * How the {@link LocalExecutor} runs one job task: in this process, on its platform (the local executor, {@code mlops
 * pipeline run}), or as the task's pod would run it (jobs/deploy's production rehearsal: the task's image in a container
 * engine, with its rendered environment, its specs mount and its XCom file).
 */
public interface JobRunner {
    /** What one run of a job task did: its exit code and output, and its result of the date (Airflow's XCom), empty when none. */
    record JobRun(int exitCode, String out, String err, Duration took, Map<String, Object> result) {
        public JobRun {
            result = result == null ? Map.of() : result;
        }
    }

    /**
     * Runs {@code task} of {@code plan} once with {@code arguments} (the task's, rendered for the run); {@code context} is
     * the run's template context (the pod's environment renders with it), {@code log} where the task's log goes.
     */
    JobRun run(Plan plan, Plan.Task task, List<String> arguments, Templates.Context context, Path log);
}
