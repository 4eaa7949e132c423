package dev.mlops.core.spec;

import static dev.mlops.core.spec.SpecViolation.check;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;

/**
 * Landing files for a data date. {@code path} is relative to the landing root and may hold
 * {@code {date}} (ISO, 2024-03-01) or {@code {yyyyMMdd}}; every file in that directory whose
 * name ends with the format's extension (optionally {@code .gz}) is read.
 */
public record FilesSource(FileFormat format, String path) implements SourceSpec {
    public FilesSource {
        check(format != null, "format", "expected a file format, one of [csv, jsonl]");
        check(path != null && !path.isBlank(), "path", "expected a directory under the landing root, e.g. 'rentals/{date}'");
        check(!path.startsWith("/") && !path.contains(".."), "path",
                "expected a relative path inside the landing root, got '" + path + "'");
    }

    /** The directory for a data date, relative to the landing root. */
    public String pathFor(LocalDate date) {
        return path.replace("{date}", date.toString())
                .replace("{yyyyMMdd}", date.format(DateTimeFormatter.BASIC_ISO_DATE));
    }

    /** Whether a file name is an input of this source. */
    public boolean accepts(String fileName) {
        String name = fileName.endsWith(".gz") ? fileName.substring(0, fileName.length() - 3) : fileName;
        if (fileName.startsWith(".") || fileName.startsWith("_")) {
            return false;
        }
        return switch (format) {
            case CSV -> name.endsWith(".csv");
            case JSONL -> name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson");
        };
    }
}
