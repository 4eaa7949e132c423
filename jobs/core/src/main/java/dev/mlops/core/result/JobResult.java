package dev.mlops.core.result;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.mlops.core.json.Json;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * The small JSON every job run writes (and Airflow reads as the task's XCom): outcome,
 * counts, decisions and reasons, and URIs of the outputs (large results stay in the lake).
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record JobResult(
        String job,
        String model,
        LocalDate date,
        String status,
        int exitCode,
        String summary,
        String message,
        Map<String, Object> counts,
        List<String> outputs,
        List<Map<String, Object>> decisions,
        List<String> reasons,
        Map<String, Object> run,
        String codeVersion,
        Instant startedAt,
        Instant finishedAt,
        double durationSeconds) {


    public String toJson() {
        return Json.write(this);
    }

    public static JobResult fromJson(String json) {
        return Json.read(json, JobResult.class);
    }
}
