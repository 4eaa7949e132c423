package dev.mlops.ingest;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.mlops.core.json.Json;
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


    public static StagedDataset noInput(String dataset, String note) {
        return new StagedDataset(dataset, Status.NO_INPUT, 0, 0, List.of(), Map.of(), Map.of(), List.of(note), null, null);
    }

    public String toJson() {
        return Json.write(this);
    }

    public static StagedDataset fromJson(String json) {
        return Json.read(json, StagedDataset.class);
    }
}
