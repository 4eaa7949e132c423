package dev.mlops.core.batch;

import java.util.List;
import java.util.Map;

/** What a job reports about a finished run: counts, outputs, decisions, reasons and a short summary. */
public record ResultParts(String summary, Map<String, Object> counts, List<String> outputs,
                          List<Map<String, Object>> decisions, List<String> reasons) {
    public ResultParts {
        counts = counts == null ? Map.of() : counts;
        outputs = outputs == null ? List.of() : List.copyOf(outputs);
        decisions = decisions == null ? List.of() : List.copyOf(decisions);
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
    }
}
