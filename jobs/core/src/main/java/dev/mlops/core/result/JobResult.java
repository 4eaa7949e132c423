package dev.mlops.core.result;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
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

    static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static JobResult fromJson(String json) {
        try {
            return JSON.readValue(json, JobResult.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a job result: " + e.getOriginalMessage(), e);
        }
    }
}
