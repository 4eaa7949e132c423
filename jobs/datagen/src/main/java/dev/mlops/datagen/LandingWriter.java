package dev.mlops.datagen;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Replaces the files of one {@code <root>/<dataset>/<yyyy-MM-dd>/} directory: every file is written to a hidden temp
 * name in the same directory and atomically moved into place; files of the directory not written by this call are removed.
 */
final class LandingWriter {

    /** Writes the content of one file. */
    @FunctionalInterface
    interface Content {
        void writeTo(Writer out) throws IOException;
    }

    /** One file of a date directory. */
    record FileSpec(String name, boolean gzip, Content content) {
    }

    /** gzip at the fastest level: the landing files are short-lived, and the bytes stay deterministic. */
    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(OutputStream out) throws IOException {
            super(out, 1 << 16);
            def.setLevel(Deflater.BEST_SPEED);
        }
    }

    private final Path root;
    private final List<Path> written = new ArrayList<>();

    LandingWriter(Path root) {
        this.root = root;
    }

    List<Path> written() {
        return written;
    }

    void replaceDateDir(String dataset, LocalDate date, List<FileSpec> files) throws IOException {
        Path dir = root.resolve(dataset).resolve(date.toString());
        Files.createDirectories(dir);
        Set<String> names = new HashSet<>();
        for (FileSpec f : files) {
            Path target = dir.resolve(f.name());
            Path tmp = dir.resolve("." + f.name() + ".tmp");
            try (OutputStream file = Files.newOutputStream(tmp, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
                 OutputStream buffered = new BufferedOutputStream(file, 1 << 16);
                 OutputStream body = f.gzip() ? new FastGzip(buffered) : buffered;
                 Writer out = new OutputStreamWriter(body, StandardCharsets.UTF_8)) {
                f.content().writeTo(out);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            names.add(f.name());
            written.add(target);
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (Files.isRegularFile(p) && !names.contains(p.getFileName().toString())) {
                    Files.delete(p);
                }
            }
        }
    }
}
