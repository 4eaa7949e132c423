package dev.mlops.bench;

import dev.mlops.core.logging.Logs;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import java.nio.file.Paths;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import dev.mlops.bench.IngestBench.BenchFailure;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What every benchmark's {@code main} does around its work: text logs, a scratch directory that
 * is deleted however the JVM ends, exit 1 with the reason on failure, and an explicit exit (Spark,
 * Hikari and DynamoDB Local leave non-daemon threads behind).
 */
final class BenchMain {
    private BenchMain() {
    }

    /** The work of a benchmark, given its scratch directory. */
    interface Body {
        void run(Path tmp) throws Exception;
    }

    static void run(String tmpPrefix, Body body) {
        if (System.getProperty("mlops.log.format") == null && System.getenv("MLOPS_LOG_FORMAT") == null) {
            System.setProperty("mlops.log.format", "text");
        }
        Logs.configure();
        int code;
        Path tmp = null;
        AtomicBoolean cleaned = new AtomicBoolean();
        try {
            tmp = Files.createTempDirectory(tmpPrefix);
            Path toClean = tmp;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                if (cleaned.compareAndSet(false, true)) {
                    IngestBench.deleteTree(toClean);
                }
            }, "bench-cleanup"));
            body.run(tmp);
            code = 0;
        } catch (BenchFailure e) {
            System.err.println("bench FAILED: " + e.getMessage());
            code = 1;
        } catch (Exception e) {
            System.err.println("bench FAILED: " + e);
            e.printStackTrace();
            code = 1;
        } finally {
            if (tmp != null && cleaned.compareAndSet(false, true)) {
                IngestBench.deleteTree(tmp);
            }
        }
        System.exit(code);
    }

    /** System property {@code bench.<prefix>.NAME}, else env {@code BENCH_<PREFIX>_NAME}, else the default. */
    static String setting(String prefix, String name, String dflt) {
        String v = System.getProperty("bench." + prefix + "." + name);
        if (v == null || v.isBlank()) {
            v = System.getenv("BENCH_" + prefix.toUpperCase(Locale.ROOT) + "_" + name.toUpperCase(Locale.ROOT).replace('.', '_'));
        }
        return v == null || v.isBlank() ? dflt : v.trim();
    }

    /** A whole-number setting within [min, max] (digits may be grouped with _ or ,). */
    static long size(String prefix, String name, long dflt, long min, long max) {
        String v = setting(prefix, name, Long.toString(dflt));
        String key = "bench." + prefix + "." + name;
        try {
            long n = Long.parseLong(v.replace("_", "").replace(",", ""));
            if (n < min || n > max) {
                throw new BenchFailure(max == Long.MAX_VALUE ? key + " must be at least " + min + ", got " + v
                        : key + " must be between " + min + " and " + max + ", got " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new BenchFailure(key + " must be a number, got '" + v + "'");
        }
    }

    /** null when the python has numpy and xgboost, else why the python peer is skipped (the train and transform benches). */
    static String xgboostMissing(String python) {
        return pythonMissing(python, "numpy, xgboost", "xgboost", "python3-xgboost", 120);
    }

    /**
     * null when {@code python -c 'import IMPORTS'} works, else why the peer that needs {@code module}
     * (Debian's {@code debianPackage}) is skipped.
     */
    static String pythonMissing(String python, String imports, String module, String debianPackage, int timeoutSeconds) {
        if (!Files.isExecutable(Paths.get(python))) {
            return python + " does not exist (install Debian's " + debianPackage + ": make bench does it when missing)";
        }
        try {
            Process p = new ProcessBuilder(python, "-c", "import " + imports).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return python + " -c 'import " + module + "' did not finish in " + timeoutSeconds + "s";
            }
            return p.exitValue() == 0 ? null : python + " has no " + module + " (apt-get install -y " + debianPackage
                    + "; make bench does it when missing): " + text.lines().reduce((a, b) -> b).orElse("");
        } catch (IOException e) {
            return "cannot run " + python + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
