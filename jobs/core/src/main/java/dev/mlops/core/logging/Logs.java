package dev.mlops.core.logging;

import java.util.Map;
import org.slf4j.MDC;

/**
 * Log setup: JSON lines when stdout is not a terminal (pods, CI, files), readable text on a
 * terminal; {@code MLOPS_LOG_FORMAT=json|text} forces one. Every line carries the run's
 * model, job and date, and the Airflow dag/run/task/try when the environment has them.
 * Must run before the first logger is created.
 */
public final class Logs {
    private static final Map<String, String> AIRFLOW = Map.of(
            "AIRFLOW_CTX_DAG_ID", "dag_id",
            "AIRFLOW_CTX_DAG_RUN_ID", "dag_run_id",
            "AIRFLOW_CTX_TASK_ID", "task_id",
            "AIRFLOW_CTX_TRY_NUMBER", "try_number");

    private Logs() {
    }

    public static void configure() {
        if (System.getProperty("log4j2.configurationFile") != null) {
            return;
        }
        String format = System.getProperty("mlops.log.format", System.getenv("MLOPS_LOG_FORMAT"));
        if (format == null) {
            format = System.console() != null ? "text" : "json";
        }
        System.setProperty("log4j2.configurationFile", "json".equalsIgnoreCase(format.trim()) ? "mlops-log4j2-json.xml" : "mlops-log4j2-text.xml");
        AIRFLOW.forEach((env, key) -> {
            String v = System.getenv(env);
            if (v != null && !v.isBlank()) {
                MDC.put(key, v);
            }
        });
    }

    /** Puts the run identity on every following log line of this thread. */
    public static void runContext(String job, String model, String date) {
        MDC.put("job", job);
        MDC.put("model", model);
        MDC.put("date", date);
    }

    public static void clearRunContext() {
        MDC.remove("job");
        MDC.remove("model");
        MDC.remove("date");
    }
}
