package dev.mlops.core.audit;

import dev.mlops.core.JobException;
import java.util.Map;

/**
 * Who made a decision: a person (their name) or a job ({@code job:<name>}, with the Airflow run
 * id from {@code MLOPS_RUN_ID}, which the DAGs set to {@code {{ run_id }}}, when present).
 */
public record Actor(String name, String runId) {
    public static final String RUN_ID_ENV = "MLOPS_RUN_ID";
    public static final String JOB_PREFIX = "job:";

    public Actor {
        if (name == null || name.isBlank()) {
            throw JobException.usage("an actor is required: a person's name (--as NAME) or job:<name>");
        }
        name = name.strip();
        runId = runId == null || runId.isBlank() ? null : runId.strip();
    }

    /** A job: {@code job:<name>} and the run id from {@code MLOPS_RUN_ID}, if set. */
    public static Actor job(String job) {
        return job(job, System.getenv());
    }

    static Actor job(String job, Map<String, String> env) {
        return new Actor(JOB_PREFIX + job, env.get(RUN_ID_ENV));
    }

    /** A person, by name; a person's decision has no run id. */
    public static Actor person(String name) {
        return new Actor(name, null);
    }

    /**
     * Reads the free-form actor the registry is given: {@code job:<name>} or {@code job <name> [detail]}
     * (how jobs name themselves there, e.g. {@code job train local-42}) is a job, anything else a person.
     */
    public static Actor of(String who) {
        return of(who, System.getenv());
    }

    static Actor of(String who, Map<String, String> env) {
        String s = who == null ? "" : who.strip();
        if (s.startsWith(JOB_PREFIX) && s.length() > JOB_PREFIX.length()) {
            return job(s.substring(JOB_PREFIX.length()).split("\\s+")[0], env);
        }
        if (s.startsWith("job ") && !s.substring(4).isBlank()) {
            return job(s.substring(4).strip().split("\\s+")[0], env);
        }
        return person(s);
    }
}
