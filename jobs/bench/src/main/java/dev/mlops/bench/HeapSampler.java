package dev.mlops.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;

/**
 * Samples the heap every 50 ms on a daemon thread and keeps, per phase, the peak of heap used
 * (includes garbage not yet collected, so it tracks the GC's appetite as much as the live set)
 * and the peak of heap used right after a collection (closer to what the job really holds).
 */
final class HeapSampler implements AutoCloseable {
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP && p.isCollectionUsageThresholdSupported()).toList();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long peakUsed;
    private volatile long peakAfterGc;

    HeapSampler() {
        thread = new Thread(this::loop, "bench-heap-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (running) {
            sample();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void sample() {
        long used = memory.getHeapMemoryUsage().getUsed();
        if (used > peakUsed) {
            peakUsed = used;
        }
        long afterGc = 0;
        for (MemoryPoolMXBean p : heapPools) {
            MemoryUsage u = p.getCollectionUsage();
            if (u != null) {
                afterGc += u.getUsed();
            }
        }
        if (afterGc > peakAfterGc) {
            peakAfterGc = afterGc;
        }
    }

    /** Starts a phase. */
    synchronized void reset() {
        peakUsed = 0;
        peakAfterGc = 0;
        sample();
    }

    /** {peak used, peak used after a GC} since the last reset, in bytes. */
    synchronized long[] peaks() {
        sample();
        return new long[] {peakUsed, peakAfterGc};
    }

    long maxHeap() {
        return memory.getHeapMemoryUsage().getMax();
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
