package dev.mlops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlops.core.registry.Registry;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import dev.mlops.train.testing.TinyDemand;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole lifecycle of the tiny model ({@link TinyLifecycle}'s job runs: ingest, validate, features, train twice,
 * transform, shadow, quality, promote) on a Spark standalone cluster: a Master and a Worker in their own JVMs on
 * 127.0.0.1, each job a {@code java ... dev.mlops.cli.Main} process whose driver gets {@code spark.master=spark://...},
 * so every task runs in an executor JVM the Worker launched (with the image's classpath: the CLI's lib/, as a job
 * image's executors have it). Asserts that every job exits as in process, that the lake holds the same partitions
 * with the same row counts as the in-process {@code local[2]} run of the same commands, that the results count the
 * same, that both versions are registered with the same aliases, and, from each run's Spark event log and the
 * Master's JSON, that every job was an application of the cluster whose tasks all ran on its executors.
 */
class ClusterModeIT {
    static final Path ROOT = Paths.get("").toAbsolutePath().getParent().getParent();
    static final Path TARGET = ROOT.resolve("jobs/cli/target");
    static final Duration DRIVER_TIMEOUT = Duration.ofMinutes(15);
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theLifecycleRunsOnAStandaloneClusterAsItDoesInProcess(@TempDir Path tmp) throws Exception {
        Path lib = TARGET.resolve("lib");
        assertThat(lib.resolve("mlops-transform-0.1.0-SNAPSHOT.jar")).as("the CLI's lib/ (mvn package)").exists();
        assertThat(TARGET.resolve("mlops-cli.jar")).exists();

        // the reference: the same commands in process on local[2] (and its fixture data)
        TinyLifecycle local = TinyLifecycle.get();

        long started = System.nanoTime();
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path specs = TinyLifecycle.writeSpec(home);
        // the logs of the cluster and the jobs, and the event logs, stay for a look after a failure
        Path work = TARGET.resolve("cluster-mode-it");
        deleteTree(work);
        Path events = Files.createDirectories(work.resolve("events"));
        try (TestPlatform tp = TestEnvironment.platform(home, Map.of("specs.dir", specs.toString()));
             Cluster cluster = Cluster.start(work.resolve("cluster"), lib)) {
            // the same fixture: ten validated days of events, and the landing file of the day ingest and validate take
            TinyDemand.writeEvents(tp);
            TinyLifecycle.writeLanding(Paths.get(tp.platform().config().landingUri()), TinyLifecycle.EXTRA);

            List<String> common = new ArrayList<>(List.of("--home", home.toString(),
                    "--set", "specs.dir=" + specs,
                    "--set", "metadata.jdbc_url=" + tp.metadata().getJdbcUrl(),
                    "--set", "metadata.user=" + tp.metadata().getUsername(),
                    "--set", "metadata.password=" + tp.metadata().getPassword(),
                    "--set", "spark.master=" + cluster.masterUrl(),
                    "--set", "spark.driver_host=127.0.0.1",
                    "--set", "spark.conf.spark.executor.memory=1g",
                    // the partitioning of the in-process reference (TestEnvironment.spark), so rows meet in the same order
                    "--set", "spark.conf.spark.sql.shuffle.partitions=2",
                    "--set", "spark.conf.spark.default.parallelism=2",
                    "--set", "spark.conf.spark.eventLog.enabled=true",
                    "--set", "spark.conf.spark.eventLog.dir=" + events.toUri()));

            // one driver process for the whole lifecycle (ClusterDriver), every job a command line of ./mlops
            StringBuilder runsFile = new StringBuilder();
            TinyLifecycle.jobRuns().forEach((name, args) -> runsFile.append(name).append('\t').append(String.join("\t", args)).append('\n'));
            Files.writeString(work.resolve("runs.tsv"), runsFile);
            List<String> driver = new ArrayList<>(List.of(work.resolve("runs.tsv").toString(), work.resolve("exits.tsv").toString()));
            driver.addAll(common);
            int driverExit = cluster.runDriver(work, driver);
            Map<String, Integer> exits = new LinkedHashMap<>();
            if (Files.exists(work.resolve("exits.tsv"))) {
                for (String line : Files.readAllLines(work.resolve("exits.tsv"))) {
                    String[] f = line.split("\t");
                    exits.put(f[0], Integer.parseInt(f[1]));
                    System.out.printf("ClusterModeIT: %s exit %s in %s s%n", f[0], f[1], f[2]);
                }
            }
            assertThat(driverExit).as("the driver process; its output:\n" + cluster.output(work, "driver")).isZero();
            Map<String, Integer> expected = new LinkedHashMap<>();
            local.runs.forEach((name, o) -> {
                if (TinyLifecycle.jobRuns().containsKey(name)) {
                    expected.put(name, o.code());
                }
            });
            assertThat(exits).as("every job on the cluster exits as in process; the driver's output:\n" + cluster.output(work, "driver"))
                    .isEqualTo(expected).containsValue(0);

            // the jobs' Spark jobs ran as tasks on the Worker's executors, none in the driver
            EventLog log = EventLog.read(events);
            assertThat(log.executors).as("executors added").isNotEmpty().doesNotContain("driver");
            for (String run : exits.keySet()) {
                Map<String, Integer> byExecutor = log.tasks.getOrDefault(run, Map.of());
                assertThat(byExecutor.values().stream().mapToInt(Integer::intValue).sum()).as(run + ": tasks").isPositive();
                assertThat(byExecutor.keySet()).as(run + ": the executors that ran its tasks").isSubsetOf(log.executors);
            }
            assertThat(log.tasks.values()).as("no task anywhere ran in the driver").allSatisfy(t -> assertThat(t).doesNotContainKey("driver"));
            JsonNode master = cluster.masterJson();
            List<String> completed = new ArrayList<>();
            master.path("completedapps").forEach(a -> completed.add(a.path("id").asText()));
            assertThat(completed).as("the Master's completed applications").containsExactly(log.appId);
            assertThat(master.path("workers")).hasSize(1);

            // the same lake: the same published partitions with the same row counts
            SparkSession spark = TestEnvironment.spark();
            Map<String, Long> onCluster = partitions(spark, home.resolve("lake"));
            Map<String, Long> inProcess = partitions(spark, local.home.resolve("lake"));
            inProcess.keySet().removeIf(p -> p.startsWith("audit/"));   // TinyLifecycle also exports its audit ledger
            assertThat(onCluster).as("partitions and their rows on the cluster vs in process").isEqualTo(inProcess);
            assertThat(onCluster.keySet()).contains("validated/ev/dt=" + TinyLifecycle.EXTRA)
                    .anyMatch(p -> p.startsWith("features/")).anyMatch(p -> p.startsWith("predictions/"));

            // the same results (a file per job, model and date: status and every whole-number count)
            Map<String, Path> clusterResults = results(home.resolve("results"));
            Map<String, Path> localResults = results(local.home.resolve("results"));
            localResults.keySet().removeIf(r -> r.startsWith("audit"));   // TinyLifecycle also checks and exports its audit ledger
            assertThat(clusterResults.keySet()).as("the results written").isEqualTo(localResults.keySet()).hasSize(exits.size());
            for (String r : clusterResults.keySet()) {
                JsonNode c = JSON.readTree(clusterResults.get(r).toFile());
                JsonNode l = JSON.readTree(localResults.get(r).toFile());
                assertThat(c.path("status").asText()).as(r + " status").isEqualTo(l.path("status").asText());
                assertThat(integers(c.path("counts"))).as(r + " counts").isEqualTo(integers(l.path("counts")));
            }
            // both versions registered, with the same aliases
            Registry registry = new Registry(tp.metadata());
            assertThat(registry.list("tt")).extracting(Registry.Version::version).containsExactly(1, 2);
            assertThat(registry.aliases("tt")).isEqualTo(new Registry(local.tp.metadata()).aliases("tt"))
                    .containsKey(Registry.PRODUCTION);
        }
        System.out.printf("ClusterModeIT: the lifecycle on the standalone cluster took %.0f s%n", (System.nanoTime() - started) / 1e9);
    }

    static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** The leaf folders of a lake that hold Parquet files (staging and backups aside) and their rows. */
    static Map<String, Long> partitions(SparkSession spark, Path lake) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(lake)) {
            List<Path> dirs = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).map(Path::getParent).distinct().toList();
            for (Path d : dirs) {
                String rel = lake.relativize(d).toString();
                if (rel.contains("_staging") || rel.contains("_backup_")) {
                    continue;
                }
                out.put(rel, spark.read().parquet(d.toString()).count());
            }
        }
        return out;
    }

    /** The JSON results under a results folder, by their path in it. */
    static Map<String, Path> results(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json") && !f.getFileName().toString().startsWith("."))
                    .collect(Collectors.toMap(f -> dir.relativize(f).toString(), f -> f, (a, b) -> a, TreeMap::new));
        }
    }

    /** The whole-number counts of a result (counts nest: per dataset, per check ...), by their path. */
    static Map<String, Long> integers(JsonNode node) {
        Map<String, Long> out = new TreeMap<>();
        collect("", node, out);
        return out;
    }

    private static void collect(String path, JsonNode node, Map<String, Long> out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> collect(path + "/" + e.getKey(), e.getValue(), out));
        } else if (node.isIntegralNumber()) {
            out.put(path, node.asLong());
        }
    }

    /** What the Spark event log of the driver's application says: its executors, and per run, the tasks per executor. */
    static final class EventLog {
        String appId;
        final List<String> executors = new ArrayList<>();
        /** run (the mlops.run property of the stage) -> executor id -> tasks ended there. */
        final Map<String, Map<String, Integer>> tasks = new TreeMap<>();

        static EventLog read(Path dir) throws IOException {
            List<Path> files;
            try (Stream<Path> list = Files.list(dir)) {
                files = list.toList();
            }
            assertThat(files).as("one event log, finished").hasSize(1).allMatch(f -> !f.toString().endsWith(".inprogress"));
            EventLog log = new EventLog();
            Map<Integer, String> runOfStage = new TreeMap<>();
            for (String line : Files.readAllLines(files.get(0), StandardCharsets.UTF_8)) {
                JsonNode e = JSON.readTree(line);
                switch (e.path("Event").asText()) {
                    case "SparkListenerApplicationStart" -> log.appId = e.path("App ID").asText();
                    case "SparkListenerExecutorAdded" -> log.executors.add(e.path("Executor ID").asText());
                    case "SparkListenerStageSubmitted" -> runOfStage.put(e.path("Stage Info").path("Stage ID").asInt(),
                            e.path("Properties").path(ClusterDriver.RUN_PROPERTY).asText("(none)"));
                    case "SparkListenerTaskEnd" -> log.tasks
                            .computeIfAbsent(runOfStage.getOrDefault(e.path("Stage ID").asInt(), "(unknown stage)"), r -> new TreeMap<>())
                            .merge(e.path("Task Info").path("Executor ID").asText(), 1, Integer::sum);
                    default -> {
                    }
                }
            }
            return log;
        }
    }

    /** A standalone Master and one Worker (2 cores), each in its own JVM, and the job processes run against them. */
    static final class Cluster implements AutoCloseable {
        private final List<Process> processes = new ArrayList<>();
        private final Path dir;
        private final Path lib;
        private int masterPort;
        private int masterUiPort;

        private Cluster(Path dir, Path lib) {
            this.dir = dir;
            this.lib = lib;
        }

        static Cluster start(Path dir, Path lib) throws Exception {
            Cluster c = new Cluster(Files.createDirectories(dir), lib);
            try {
                c.startMaster();
                c.startWorker();
            } catch (Exception | AssertionError e) {
                c.close();
                throw e;
            }
            return c;
        }

        String masterUrl() {
            return "spark://127.0.0.1:" + masterPort;
        }

        private void startMaster() throws Exception {
            masterPort = freePort();
            masterUiPort = freePort();
            spawn("master", Map.of(), List.of("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                    "--port", String.valueOf(masterPort), "--webui-port", String.valueOf(masterUiPort)));
            awaitMaster(j -> "ALIVE".equals(j.path("status").asText()), "the Master up");
        }

        private void startWorker() throws Exception {
            // the Worker launches executors with SPARK_HOME/jars/* as their classpath: the CLI's lib/, as in a job image
            Path sparkHome = Files.createDirectories(dir.resolve("spark-home"));
            Files.createSymbolicLink(sparkHome.resolve("jars"), lib);
            spawn("worker", Map.of("SPARK_HOME", sparkHome.toString(), "SPARK_SCALA_VERSION", "2.12"),
                    List.of("org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--port", String.valueOf(freePort()),
                            "--webui-port", String.valueOf(freePort()), "--cores", "2", "--memory", "3g",
                            "--work-dir", Files.createDirectories(dir.resolve("work")).toString(), masterUrl()));
            awaitMaster(j -> j.path("aliveworkers").asInt() == 1, "a Worker registered");
        }

        private void spawn(String name, Map<String, String> env, List<String> mainAndArgs) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(java()));
            cmd.addAll(jvmFlags());
            cmd.addAll(List.of("-Xmx512m", "-cp", lib + File.separator + "*"));
            cmd.addAll(mainAndArgs);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile());
            pb.environment().putAll(env);
            processes.add(pb.start());
        }

        /** Runs {@link ClusterDriver} with these arguments; its output goes to driver.out and driver.err. */
        int runDriver(Path logs, List<String> args) throws Exception {
            List<String> cmd = new ArrayList<>(List.of(java()));
            cmd.addAll(jvmFlags());
            cmd.addAll(List.of("-Xmx1g", "-cp", String.join(File.pathSeparator, TARGET.resolve("test-classes").toString(),
                    TARGET.resolve("mlops-cli.jar").toString(), lib + File.separator + "*"), ClusterDriver.class.getName()));
            cmd.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile())
                    .redirectOutput(logs.resolve("driver.out").toFile()).redirectError(logs.resolve("driver.err").toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("MLOPS_"));
            pb.environment().put("MLOPS_LOG_FORMAT", "text");
            Process p = pb.start();
            processes.add(p);
            if (!p.waitFor(DRIVER_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                kill(p);
                throw new AssertionError("the driver did not finish in " + DRIVER_TIMEOUT + "; its output:\n" + output(logs, "driver"));
            }
            processes.remove(p);
            return p.exitValue();
        }

        String output(Path logs, String name) throws IOException {
            if (!Files.exists(logs.resolve(name + ".err"))) {
                return "(none)";
            }
            String err = Files.readString(logs.resolve(name + ".err"));
            return Files.readString(logs.resolve(name + ".out")) + "\n--- stderr (last 4000 chars):\n"
                    + err.substring(Math.max(0, err.length() - 4000));
        }

        JsonNode masterJson() throws IOException, InterruptedException {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + masterUiPort + "/json/")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        }

        private void awaitMaster(java.util.function.Predicate<JsonNode> ready, String what) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            Exception last = null;
            while (System.nanoTime() < deadline) {
                for (Process p : processes) {
                    if (!p.isAlive()) {
                        throw new AssertionError("a cluster process exited (" + p.exitValue() + ") waiting for " + what + ":\n" + logs());
                    }
                }
                try {
                    if (ready.test(masterJson())) {
                        return;
                    }
                } catch (IOException e) {
                    last = e;
                }
                Thread.sleep(250);
            }
            throw new AssertionError("no " + what + " in 60 s (" + last + "):\n" + logs());
        }

        private String logs() throws IOException {
            StringBuilder b = new StringBuilder();
            for (String n : List.of("master", "worker")) {
                Path f = dir.resolve(n + ".log");
                if (Files.exists(f)) {
                    String s = Files.readString(f);
                    b.append("--- ").append(n).append(":\n").append(s, Math.max(0, s.length() - 3000), s.length()).append('\n');
                }
            }
            return b.toString();
        }

        /** Stops the jobs, the Worker (and the executors it launched) and the Master, by their process handles. */
        @Override
        public void close() {
            for (int i = processes.size() - 1; i >= 0; i--) {
                kill(processes.get(i));
            }
            processes.clear();
        }

        private static void kill(Process p) {
            List<ProcessHandle> children = p.descendants().toList();
            p.destroy();
            children.forEach(ProcessHandle::destroy);
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        }

        private static String java() {
            return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        }

        /** Spark's JVM flags on Java 17 (the parent pom's spark.jvm.flags, passed by failsafe; else this JVM's own). */
        static List<String> jvmFlags() {
            String flags = System.getProperty("mlops.spark.jvm.flags");
            if (flags != null && !flags.isBlank()) {
                return List.of(flags.trim().split("\\s+"));
            }
            return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .filter(a -> a.startsWith("--add-opens") || a.startsWith("-Djdk.reflect") || a.startsWith("-Dio.netty")
                            || a.equals("-XX:+IgnoreUnrecognizedVMOptions"))
                    .collect(Collectors.toList());
        }

        static int freePort() throws IOException {
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            }
        }
    }
}
