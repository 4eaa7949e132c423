package dev.mlops.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Resident memory of this process from {@code /proc/self} (Linux): the current RSS and its peak
 * ({@code VmHWM}), which {@link #resetPeak()} sets back to the current RSS (writing 5 to
 * {@code /proc/self/clear_refs}), so a phase's peak can be told apart from an earlier one's.
 * Everything returns -1 / false where /proc does not tell.
 */
final class ProcessMemory {
    private static final Path STATUS = Paths.get("/proc/self/status");
    private static final Path CLEAR_REFS = Paths.get("/proc/self/clear_refs");

    private ProcessMemory() {
    }

    /** Starts a phase: the peak RSS becomes the current RSS. False when the kernel does not allow it. */
    static boolean resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5", StandardCharsets.US_ASCII);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static long rssBytes() {
        return statusKb("VmRSS");
    }

    /** The peak RSS since the process started or the last {@link #resetPeak()}. */
    static long peakRssBytes() {
        return statusKb("VmHWM");
    }

    /**
     * CPU seconds the whole machine spent busy (all processes, all cores: user, nice, system, irq, softirq, steal)
     * since boot, from /proc/stat; -1 when unknown. Its delta over a run minus the run's own CPU time is what other
     * processes took meanwhile.
     */
    static double machineBusySeconds() {
        try {
            String[] f = Files.readAllLines(Paths.get("/proc/stat"), StandardCharsets.US_ASCII).get(0).trim().split("\\s+");
            long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6]) + Long.parseLong(f[7])
                    + (f.length > 8 ? Long.parseLong(f[8]) : 0);
            return busy / 100.0; // USER_HZ, 100 on Linux
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static long statusKb(String field) {
        try {
            for (String line : Files.readAllLines(STATUS, StandardCharsets.US_ASCII)) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }
}
