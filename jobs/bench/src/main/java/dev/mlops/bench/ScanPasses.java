package dev.mlops.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.sql.execution.SparkPlanInfo;
import org.apache.spark.sql.execution.metric.SQLMetricInfo;
import org.apache.spark.sql.execution.ui.SparkListenerSQLAdaptiveExecutionUpdate;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart;
import scala.collection.JavaConverters;

/**
 * Counts the passes over the data: which stage read how many rows from which source.
 *
 * <p>How: every SQL execution announces its physical plan (and AQE every re-plan) on the
 * listener bus, with the accumulator id of each node's SQL metrics. For every file scan (a
 * node with a {@code Location}, e.g. {@code Scan parquet}) and every scan of a cached relation
 * ({@code InMemoryTableScan}) this listener remembers the id of its "number of output rows"
 * metric. Tasks report their metric updates when they end, so summing those updates per stage
 * gives the rows each stage really read through each scan: a stage that read (about) all rows
 * of the raw partition is one pass over it, whatever columns it read (a uniqueness pass reads
 * only the key) and whatever its call site. A stage served from the cache reads no file rows
 * (its scan metric stays 0) and shows up as a cache scan instead.
 *
 * <p>Task updates are kept as raw (stage, accumulator) sums and resolved against the plans at
 * report time, so the order of plan and task events does not matter.
 */
final class ScanPasses extends SparkListener {
    /** A scan node: {@code Scan parquet} with its location and read schema, or {@code InMemoryTableScan} (location "cache"). */
    record Source(String node, String location, String readSchema) {
        boolean cache() {
            return "cache".equals(location);
        }
    }

    /** A Spark job: its call site (the name of its last stage), epoch ms start/end, its stages, its SQL execution (-1: none). */
    record Job(int id, String name, long start, long end, List<Integer> stageIds, long executionId) {
        double seconds() {
            return end < start ? 0 : (end - start) / 1000.0;
        }
    }

    /** Rows a completed stage read through one scan. */
    record Read(int stageId, String stageName, int jobId, Source source, long rows, long wallMs) {
    }

    private static final String OUTPUT_ROWS = "number of output rows";
    /** Plan nodes not worth naming in a job's operator list. */
    private static final Set<String> PLUMBING = Set.of("WholeStageCodegen", "InputAdapter", "ColumnarToRow", "Project", "Filter",
            "AdaptiveSparkPlan", "ShuffleQueryStage", "ResultQueryStage", "TableCacheQueryStage", "BroadcastQueryStage", "LocalTableScan",
            "SerializeFromObject", "DeserializeToObject", "MapElements", "MapPartitions");

    private final SparkContext sc;
    /** Accumulator id of "number of output rows" -> the scan it counts. Kept across phases: cached plans keep their ids. */
    private final Map<Long, Source> scanRowMetrics = new HashMap<>();
    private final Map<Integer, Job> jobs = new LinkedHashMap<>();
    /** SQL execution id -> distinct operators of its plans (all AQE versions), and its latest physical plan text. */
    private final Map<Long, Set<String>> executionOperators = new HashMap<>();
    private final Map<Long, String> executionPlans = new HashMap<>();
    private final Map<Integer, Integer> stageJob = new HashMap<>();
    private final Map<Integer, String> stageNames = new HashMap<>();
    private final Map<Integer, Long> stageWallMs = new HashMap<>();
    /** stage -> accumulator id -> summed task updates. */
    private final Map<Integer, Map<Long, Long>> stageUpdates = new LinkedHashMap<>();

    ScanPasses(SparkContext sc) {
        this.sc = sc;
    }

    /** Starts a new phase: forgets jobs and stages (not the plans). */
    void reset() {
        drain();
        synchronized (this) {
            jobs.clear();
            stageJob.clear();
            stageNames.clear();
            stageWallMs.clear();
            stageUpdates.clear();
        }
    }

    /** Waits until the listener bus delivered the events of the jobs that ran so far. */
    void drain() {
        try {
            sc.listenerBus().waitUntilEmpty(10_000L);
        } catch (Exception e) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void onOtherEvent(SparkListenerEvent event) {
        if (event instanceof SparkListenerSQLExecutionStart s) {
            plan(s.executionId(), s.physicalPlanDescription(), s.sparkPlanInfo());
        } else if (event instanceof SparkListenerSQLAdaptiveExecutionUpdate u) {
            plan(u.executionId(), u.physicalPlanDescription(), u.sparkPlanInfo());
        }
    }

    private synchronized void plan(long executionId, String description, SparkPlanInfo root) {
        executionPlans.put(executionId, description);
        collect(root, executionOperators.computeIfAbsent(executionId, k -> new LinkedHashSet<>()));
    }

    private void collect(SparkPlanInfo node, Set<String> operators) {
        if (node == null) {
            return;
        }
        String op = node.nodeName().trim();
        if (op.startsWith("Scan ")) {
            op = op.split(" ")[0] + " " + op.split(" ")[1];
        } else if (op.startsWith("Execute ")) {
            op = "Write";
        }
        if (op.startsWith("WholeStageCodegen")) {
            op = "WholeStageCodegen";
        }
        if (!PLUMBING.contains(op)) {
            operators.add(op);
        }
        Map<String, String> meta = JavaConverters.mapAsJavaMap(node.metadata());
        Source source = null;
        if (meta.containsKey("Location")) {
            source = new Source(node.nodeName().trim(), meta.get("Location"), meta.getOrDefault("ReadSchema", ""));
        } else if (node.nodeName().startsWith("InMemoryTableScan")) {
            String s = node.simpleString();
            source = new Source("InMemoryTableScan", "cache", s.length() > 200 ? s.substring(0, 200) + "..." : s);
        }
        if (source != null) {
            for (SQLMetricInfo m : JavaConverters.seqAsJavaList(node.metrics())) {
                if (OUTPUT_ROWS.equals(m.name())) {
                    scanRowMetrics.put(m.accumulatorId(), source);
                }
            }
        }
        for (SparkPlanInfo child : JavaConverters.seqAsJavaList(node.children())) {
            collect(child, operators);
        }
    }

    @Override
    public synchronized void onJobStart(SparkListenerJobStart e) {
        List<Integer> ids = new ArrayList<>();
        String name = "";
        int last = -1;
        for (StageInfo s : JavaConverters.seqAsJavaList(e.stageInfos())) {
            ids.add(s.stageId());
            stageJob.putIfAbsent(s.stageId(), e.jobId());
            if (s.stageId() > last) {
                last = s.stageId();
                name = s.name();
            }
        }
        String execution = e.properties() == null ? null : e.properties().getProperty("spark.sql.execution.id");
        jobs.put(e.jobId(), new Job(e.jobId(), name, e.time(), -1, ids, execution == null ? -1 : Long.parseLong(execution)));
    }

    @Override
    public synchronized void onJobEnd(SparkListenerJobEnd e) {
        Job j = jobs.get(e.jobId());
        if (j != null) {
            jobs.put(e.jobId(), new Job(j.id(), j.name(), j.start(), e.time(), j.stageIds(), j.executionId()));
        }
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd e) {
        if (e.taskInfo() == null) {
            return;
        }
        Map<Long, Long> sums = stageUpdates.computeIfAbsent(e.stageId(), k -> new HashMap<>());
        for (AccumulableInfo a : JavaConverters.seqAsJavaList(e.taskInfo().accumulables())) {
            if (a.update().isDefined() && a.update().get() instanceof Long v && v != 0L) {
                sums.merge(a.id(), v, Long::sum);
            }
        }
    }

    @Override
    public synchronized void onStageCompleted(SparkListenerStageCompleted e) {
        StageInfo info = e.stageInfo();
        stageNames.put(info.stageId(), info.name());
        long submitted = info.submissionTime().isDefined() ? (Long) info.submissionTime().get() : 0L;
        long completed = info.completionTime().isDefined() ? (Long) info.completionTime().get() : submitted;
        stageWallMs.merge(info.stageId(), completed - submitted, Long::sum);
    }

    /** Jobs of this phase, in start order. */
    synchronized List<Job> jobs() {
        return new ArrayList<>(jobs.values());
    }

    /** The operators of a SQL execution's plans (e.g. Scan parquet, Exchange, Window, HashAggregate, InMemoryTableScan, Write). */
    synchronized List<String> operators(long executionId) {
        return new ArrayList<>(executionOperators.getOrDefault(executionId, Set.of()));
    }

    /** The latest physical plan text of a SQL execution, or null. */
    synchronized String plan(long executionId) {
        return executionPlans.get(executionId);
    }

    /** What each stage of this phase read through the known scans (rows > 0 only), in stage order. */
    synchronized List<Read> reads() {
        List<Read> out = new ArrayList<>();
        for (Map.Entry<Integer, Map<Long, Long>> st : stageUpdates.entrySet()) {
            Map<Source, Long> bySource = new LinkedHashMap<>();
            for (Map.Entry<Long, Long> u : st.getValue().entrySet()) {
                Source src = scanRowMetrics.get(u.getKey());
                if (src != null) {
                    bySource.merge(src, u.getValue(), Long::sum);
                }
            }
            int stage = st.getKey();
            for (Map.Entry<Source, Long> r : bySource.entrySet()) {
                out.add(new Read(stage, stageNames.getOrDefault(stage, "?"), stageJob.getOrDefault(stage, -1), r.getKey(), r.getValue(),
                        stageWallMs.getOrDefault(stage, 0L)));
            }
        }
        return out;
    }
}
