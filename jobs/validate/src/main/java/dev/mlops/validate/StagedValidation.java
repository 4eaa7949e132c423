package dev.mlops.validate;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.mlops.core.json.Json;
import java.util.List;

/**
 * What the validate step of one dataset produced, kept in the job context for publish, gate and
 * restarts. {@code inputManifestSha256}: SHA-256 of the raw partition's {@code _manifest.json} as
 * it was when the step read it (null without a manifest), for the audit ledger. {@code quarantineNote}:
 * how the rows quarantined by row-level checks weighed in the verdict (within {@code max_quarantine_ratio}:
 * the day was judged on the remaining rows; above it: those checks stop the day), or null.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record StagedValidation(String dataset, Status status, long rows, long passed, long quarantined,
                               List<CheckOutcome> outcomes, String stagedValidated, String stagedQuarantine,
                               String stagedResults, String note, String inputManifestSha256, String quarantineNote) {
    public enum Status { VALIDATED, NO_INPUT }

    public StagedValidation {
        outcomes = outcomes == null ? List.of() : List.copyOf(outcomes);
    }

    public List<CheckOutcome> errors() {
        return outcomes.stream().filter(CheckOutcome::failedError).toList();
    }

    public List<CheckOutcome> warnings() {
        return outcomes.stream().filter(CheckOutcome::failedWarning).toList();
    }

    public String toJson() {
        return Json.write(this);
    }

    public static StagedValidation fromJson(String json) {
        return Json.read(json, StagedValidation.class);
    }
}
