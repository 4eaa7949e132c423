package dev.mlops.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a helper program of the tests (terraform, node, python) and returns what it printed. */
final class Processes {
    private Processes() {
    }

    /** Whether {@code program} is an executable on PATH (or an existing path). */
    static boolean onPath(String program) {
        if (program.contains("/")) {
            return Files.isExecutable(Path.of(program));
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** Runs {@code command} in {@code dir} with {@code stdin}; its stdout, or an error naming the command and its stderr. */
    static String run(List<String> command, Path dir, String stdin, int timeoutSeconds) {
        try {
            Path err = Files.createTempFile("mlops-deploy-", ".stderr");
            Path out = Files.createTempFile("mlops-deploy-", ".stdout");
            try {
                Process p = new ProcessBuilder(command).directory(dir.toFile())
                        .redirectError(err.toFile()).redirectOutput(out.toFile()).start();
                try (var in = p.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException(String.join(" ", command) + " (in " + dir + "): no answer after " + timeoutSeconds + " s");
                }
                if (p.exitValue() != 0) {
                    throw new IllegalStateException(String.join(" ", command) + " (in " + dir + ") exited " + p.exitValue() + ":\n"
                            + Files.readString(err) + Files.readString(out));
                }
                return Files.readString(out);
            } finally {
                Files.deleteIfExists(err);
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
