package dev.mlops.datagen;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a generation wrote.
 *
 * @param rowsByDataset data rows written per dataset name (landing: summed over dates, without headers; tables: rows upserted)
 * @param files         the landing files written, in write order (empty for reference tables)
 */
public record GenerationReport(Map<String, Long> rowsByDataset, List<Path> files) {

    public GenerationReport {
        rowsByDataset = Collections.unmodifiableMap(new LinkedHashMap<>(rowsByDataset));
        files = List.copyOf(files);
    }

    /** Total rows over all datasets. */
    public long totalRows() {
        return rowsByDataset.values().stream().mapToLong(Long::longValue).sum();
    }
}
