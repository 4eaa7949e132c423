package dev.mlops.cli.pipeline;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One DAG's plan as {@code dags/mlops_plan} derives it from a model spec: the same JSON the
 * Airflow layer turns into operators. What the local executor needs is bound, and what a runner needs to run a task
 * as its pod would (the pod's environment, secrets, service account and specs ConfigMap: jobs/deploy's rehearsal);
 * the scheduling fields of Kubernetes (resources, node selector, tolerations, ...) are ignored here.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Plan(int planVersion, String dagId, String model, String kind, String description, String specFile, String specSha256,
                   String schedule, Map<String, Map<String, Object>> params, List<Task> tasks) {
    /** The plan layout this executor understands (dags/mlops_plan/plan.py PLAN_VERSION). */
    public static final int VERSION = 1;

    public Plan {
        params = params == null ? Map.of() : params;
        tasks = tasks == null ? List.of() : tasks;
    }

    /**
     * A task: {@code job} (a lifecycle job's image and arguments, and its pod's environment variables, which may hold
     * templates, Kubernetes secrets, service account and specs ConfigMap), {@code branch} or {@code trigger}.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Task(String taskId, String kind, String job, String doc, String image, List<String> arguments, List<String> upstream,
                       String triggerRule, List<Integer> skipOnExitCode, Integer retries, Condition condition, List<String> ifTrue,
                       List<String> ifFalse, String triggerDagId, Map<String, String> conf, Map<String, String> envVars,
                       List<String> secretEnv, String serviceAccount, String specsConfigMap) {
        public Task {
            envVars = envVars == null ? Map.of() : envVars;
            secretEnv = secretEnv == null ? List.of() : secretEnv;
            arguments = arguments == null ? List.of() : arguments;
            upstream = upstream == null ? List.of() : upstream;
            triggerRule = triggerRule == null ? "all_success" : triggerRule;
            skipOnExitCode = skipOnExitCode == null ? List.of() : skipOnExitCode;
            ifTrue = ifTrue == null ? List.of() : ifTrue;
            ifFalse = ifFalse == null ? List.of() : ifFalse;
            conf = conf == null ? Map.of() : conf;
        }
    }

    /** A branch condition: the value at {@code path} in the upstream task's result (its XCom) equals {@code equals}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Condition(String task, List<Object> path, Object equals) {
    }

    public Optional<Task> task(String id) {
        return tasks.stream().filter(t -> t.taskId().equals(id)).findFirst();
    }
}
