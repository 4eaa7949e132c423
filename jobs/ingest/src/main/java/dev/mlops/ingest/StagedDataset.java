package dev.mlops.ingest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.mlops.core.lake.Manifest;
import java.util.List;
import java.util.Map;

/**
 * What the stage step of one dataset produced, kept in the job's execution context so that
 * a restarted run (which skips completed stage steps) can still publish and report it.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record StagedDataset(
        String dataset,
        Status status,
        long rows,
        long quarantined,
        List<Manifest.InputFile> inputs,
        Map<String, String> watermark,
        Map<String, Long> quarantineReasons,
        List<String> notes,
        String stagedRaw,
        String stagedQuarantine) {

    public enum Status { STAGED, NO_INPUT }

    public StagedDataset {
        inputs = inputs == null ? List.of() : inputs;
        watermark = watermark == null ? Map.of() : watermark;
        quarantineReasons = quarantineReasons == null ? Map.of() : quarantineReasons;
        notes = notes == null ? List.of() : notes;
    }

    private static final ObjectMapper JSON = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    public static StagedDataset noInput(String dataset, String note) {
        return new StagedDataset(dataset, Status.NO_INPUT, 0, 0, List.of(), Map.of(), Map.of(), List.of(note), null, null);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static StagedDataset fromJson(String json) {
        try {
            return JSON.readValue(json, StagedDataset.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable staged dataset: " + e.getOriginalMessage(), e);
        }
    }
}
