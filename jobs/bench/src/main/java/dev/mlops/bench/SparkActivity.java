package dev.mlops.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.StageInfo;

/**
 * Records the Spark jobs and stages of the current phase (one timed run), so the report can
 * say where the time went: stages by wall time (grouped by call site, e.g.
 * {@code parquet at DatasetStager.java:104}) and how much of the run was outside any Spark job
 * (driver work: listing and checksumming files, Spring Batch, metadata, publish).
 */
final class SparkActivity extends SparkListener {
    /** One completed stage. */
    record Stage(int id, String name, int tasks, long wallMs, long taskRunMs, long cpuMs, long inputBytes, long shuffleWriteBytes,
                 long spilledBytes, long outputBytes) {
    }

    private final SparkContext sc;
    private final List<Stage> stages = new ArrayList<>();
    private final Map<Integer, long[]> jobs = new LinkedHashMap<>();

    SparkActivity(SparkContext sc) {
        this.sc = sc;
    }

    /** Starts a new phase: forgets what was recorded. */
    void reset() {
        drain();
        synchronized (this) {
            stages.clear();
            jobs.clear();
        }
    }

    /** Waits until the listener bus delivered the events of the jobs that ran so far. */
    void drain() {
        try {
            sc.listenerBus().waitUntilEmpty(10_000L);
        } catch (RuntimeException e) {
            sleep(500);
        } catch (Exception e) {
            // waitUntilEmpty declares TimeoutException in Scala; the events will just be incomplete
            sleep(500);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void onJobStart(SparkListenerJobStart e) {
        jobs.put(e.jobId(), new long[] {e.time(), -1});
    }

    @Override
    public synchronized void onJobEnd(SparkListenerJobEnd e) {
        long[] j = jobs.get(e.jobId());
        if (j != null) {
            j[1] = e.time();
        }
    }

    @Override
    public synchronized void onStageCompleted(SparkListenerStageCompleted e) {
        StageInfo info = e.stageInfo();
        long submitted = info.submissionTime().isDefined() ? (Long) info.submissionTime().get() : 0L;
        long completed = info.completionTime().isDefined() ? (Long) info.completionTime().get() : submitted;
        TaskMetrics m = info.taskMetrics();
        long run = m == null ? 0 : m.executorRunTime();
        long cpu = m == null ? 0 : m.executorCpuTime() / 1_000_000;
        long in = m == null ? 0 : m.inputMetrics().bytesRead();
        long sw = m == null ? 0 : m.shuffleWriteMetrics().bytesWritten();
        long spill = m == null ? 0 : m.diskBytesSpilled();
        long out = m == null ? 0 : m.outputMetrics().bytesWritten();
        stages.add(new Stage(info.stageId(), info.name(), info.numTasks(), completed - submitted, run, cpu, in, sw, spill, out));
    }

    /** The completed stages of the phase, in completion order. */
    synchronized List<Stage> stageList() {
        return List.copyOf(stages);
    }

    synchronized int jobCount() {
        return jobs.size();
    }

    /** Wall time covered by at least one Spark job (jobs of this driver mostly run one after the other). */
    synchronized long jobWallMs() {
        List<long[]> spans = new ArrayList<>();
        for (long[] j : jobs.values()) {
            if (j[1] >= 0) {
                spans.add(j);
            }
        }
        spans.sort(Comparator.comparingLong(j -> j[0]));
        long total = 0;
        long curStart = -1;
        long curEnd = -1;
        for (long[] s : spans) {
            if (s[0] > curEnd) {
                if (curEnd > curStart) {
                    total += curEnd - curStart;
                }
                curStart = s[0];
                curEnd = s[1];
            } else {
                curEnd = Math.max(curEnd, s[1]);
            }
        }
        if (curEnd > curStart) {
            total += curEnd - curStart;
        }
        return total;
    }

    /** Stages grouped by name (call site), longest total wall time first. */
    synchronized List<Map<String, Object>> stagesByName() {
        Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
        for (Stage s : stages) {
            Map<String, Object> g = byName.computeIfAbsent(s.name(), n -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", n);
                m.put("stages", 0);
                m.put("tasks", 0);
                m.put("wall_ms", 0L);
                m.put("task_run_ms", 0L);
                m.put("task_cpu_ms", 0L);
                m.put("input_bytes", 0L);
                m.put("shuffle_write_bytes", 0L);
                m.put("disk_spilled_bytes", 0L);
                m.put("output_bytes", 0L);
                return m;
            });
            g.merge("stages", 1, (a, b) -> (Integer) a + (Integer) b);
            g.merge("tasks", s.tasks(), (a, b) -> (Integer) a + (Integer) b);
            g.merge("wall_ms", s.wallMs(), (a, b) -> (Long) a + (Long) b);
            g.merge("task_run_ms", s.taskRunMs(), (a, b) -> (Long) a + (Long) b);
            g.merge("task_cpu_ms", s.cpuMs(), (a, b) -> (Long) a + (Long) b);
            g.merge("input_bytes", s.inputBytes(), (a, b) -> (Long) a + (Long) b);
            g.merge("shuffle_write_bytes", s.shuffleWriteBytes(), (a, b) -> (Long) a + (Long) b);
            g.merge("disk_spilled_bytes", s.spilledBytes(), (a, b) -> (Long) a + (Long) b);
            g.merge("output_bytes", s.outputBytes(), (a, b) -> (Long) a + (Long) b);
        }
        List<Map<String, Object>> out = new ArrayList<>(byName.values());
        out.sort(Comparator.comparingLong((Map<String, Object> m) -> (Long) m.get("wall_ms")).reversed());
        return out;
    }
}
