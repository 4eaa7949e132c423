package dev.mlops.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlops.core.JobException;
import dev.mlops.core.lake.Manifest;
import dev.mlops.core.spec.FileFormat;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** A landing file: its columns (from the CSV header or the first JSON record) and checksum. */
record SourceFile(Path path, long bytes, String sha256, List<String> columns) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static SourceFile inspect(FileStatus status, FileFormat format, Configuration conf) {
        Path path = status.getPath();
        try {
            FileSystem fs = path.getFileSystem(conf);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (InputStream raw = fs.open(path)) {
                // checksum of the bytes as they landed
                DigestInputStream digest = new DigestInputStream(raw, sha);
                digest.transferTo(java.io.OutputStream.nullOutputStream());
            }
            List<String> columns;
            try (InputStream in = open(fs, path);
                 BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                columns = format == FileFormat.CSV ? csvHeader(r) : jsonKeys(r);
            }
            return new SourceFile(path, status.getLen(), HexFormat.of().formatHex(sha.digest()), columns);
        } catch (IOException e) {
            throw JobException.retryable("cannot read landing file " + path + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    Manifest.InputFile asInput() {
        return Manifest.InputFile.file(path.toString(), bytes, sha256);
    }

    private static InputStream open(FileSystem fs, Path path) throws IOException {
        InputStream in = fs.open(path);
        return path.getName().endsWith(".gz") ? new GZIPInputStream(in) : in;
    }

    private static List<String> csvHeader(BufferedReader r) throws IOException {
        String line = r.readLine();
        if (line == null) {
            return List.of();
        }
        if (line.startsWith("\uFEFF")) {
            line = line.substring(1);
        }
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (ch == '"') {
                if (quoted && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else {
                    quoted = !quoted;
                }
            } else if (ch == ',' && !quoted) {
                out.add(cur.toString().trim());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        out.add(cur.toString().trim());
        return out;
    }

    /** Keys of the first records (up to 20 lines that parse), in first-seen order. */
    private static List<String> jsonKeys(BufferedReader r) throws IOException {
        LinkedHashSet<String> keys = new LinkedHashSet<>();
        String line;
        int parsed = 0;
        while (parsed < 20 && (line = r.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode node = JSON.readTree(line);
                if (node != null && node.isObject()) {
                    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                        keys.add(it.next());
                    }
                    parsed++;
                }
            } catch (IOException malformed) {
                // a malformed line is quarantined later; it says nothing about the schema
            }
        }
        return new ArrayList<>(keys);
    }
}
