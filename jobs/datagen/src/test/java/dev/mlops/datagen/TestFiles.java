package dev.mlops.datagen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/** Reading helpers for the landing files in tests. */
final class TestFiles {

    static final ObjectMapper JSON = new ObjectMapper();

    private TestFiles() {
    }

    /** Relative path -> SHA-256 of every regular file under the root. */
    static Map<String, String> sha256Tree(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(p).toString(), sha256(Files.readAllBytes(p)));
            }
        }
        return out;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The files of one dataset date directory, sorted by name. */
    static List<Path> dateFiles(Path root, String dataset, LocalDate date) throws IOException {
        try (Stream<Path> files = Files.list(root.resolve(dataset).resolve(date.toString()))) {
            return files.filter(Files::isRegularFile).sorted().toList();
        }
    }

    /** Text lines of a file, gunzipped when it ends with .gz. */
    static List<String> lines(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            List<String> out = new ArrayList<>();
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                out.add(line);
            }
            return out;
        }
    }

    /** A parsed CSV file: the header and the records (RFC-4180 quotes, no embedded line breaks). */
    record Csv(List<String> header, List<List<String>> rows) {
        int col(String name) {
            return header.indexOf(name);
        }
    }

    static Csv csv(List<Path> files) throws IOException {
        List<String> header = null;
        List<List<String>> rows = new ArrayList<>();
        for (Path f : files) {
            List<String> lines = lines(f);
            List<String> h = parseCsvLine(lines.get(0));
            if (header == null) {
                header = h;
            } else if (!header.equals(h)) {
                throw new AssertionError("header of " + f + " differs: " + h + " vs " + header);
            }
            for (String line : lines.subList(1, lines.size())) {
                rows.add(parseCsvLine(line));
            }
        }
        return new Csv(header, rows);
    }

    static List<String> parseCsvLine(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        out.add(field.toString());
        return out;
    }

    /** JSON lines of the files; a line that does not parse is returned as null. */
    static List<JsonNode> jsonLines(List<Path> files) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (Path f : files) {
            for (String line : lines(f)) {
                try {
                    out.add(JSON.readTree(line));
                } catch (IOException e) {
                    out.add(null);
                }
            }
        }
        return out;
    }

    static boolean isDouble(String s) {
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    static boolean isTimestamp(String s) {
        try {
            java.time.LocalDateTime.parse(s);
            return true;
        } catch (java.time.format.DateTimeParseException e) {
            return false;
        }
    }

    /**
     * Column names of one dataset in a model spec ({@code dags/models/<model>.yaml}), read line by line, or null when
     * the spec is not there. The specs use one {@code - {name: x, ...}} line per column.
     */
    static List<String> specColumns(String model, String dataset) throws IOException {
        Path spec = Path.of("../../dags/models/" + model + ".yaml");
        if (!Files.exists(spec)) {
            return null;
        }
        List<String> cols = new ArrayList<>();
        boolean inDataset = false;
        for (String line : Files.readAllLines(spec)) {
            if (line.matches("^  [a-z_]+:\\s*$")) {
                inDataset = line.trim().equals(dataset + ":");
            } else if (inDataset && line.trim().startsWith("- {name:")) {
                String rest = line.trim().substring("- {name:".length()).trim();
                cols.add(rest.split("[,}]")[0].trim());
            }
        }
        return cols;
    }
}
