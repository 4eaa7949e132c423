package dev.mlops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import dev.mlops.train.testing.TinyDemand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The lake and the results of a whole lifecycle of the tiny demand model (spec {@code tt}), run in
 * process once per test JVM and shared by the tests that look at what the jobs leave behind
 * (MonitoringRulesTest: the metrics; AthenaViewsTest and AthenaViewsTrinoTest: the tables and
 * views). One day comes from a landing file through ingest and validate (a warning-level check
 * fails on it, an error-level one does not); features; train twice (production, then a candidate); transform with both; shadow;
 * quality; promote; the audit ledger's check and its export (the day or days the runs took, UTC).
 */
final class TinyLifecycle {
    static final LocalDate LAST = TinyDemand.LAST;
    static final LocalDate BEFORE = LAST.minusDays(1);
    /** The day that goes through ingest and validate (after the fixture's days, so it changes none of them). */
    static final LocalDate EXTRA = LAST.plusDays(1);

    private static TinyLifecycle instance;

    final Path home;
    final TestPlatform tp;
    private final Map<String, TestEnvironment.Output> ran = new LinkedHashMap<>();
    /** "job date" -> what the run returned and printed, in run order. */
    final Map<String, TestEnvironment.Output> runs = Collections.unmodifiableMap(ran);

    private TinyLifecycle(Path home, TestPlatform tp) {
        this.home = home;
        this.tp = tp;
    }

    /** The lifecycle's outcome, run on first use; the platform and its folder go at JVM exit. */
    static synchronized TinyLifecycle get() throws IOException {
        if (instance == null) {
            Path home = Files.createTempDirectory("mlops-tiny-lifecycle");
            TestPlatform tp = TestEnvironment.platform(home, Map.of("specs.dir", writeSpec(home).toString()));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                tp.close();
                delete(home);
            }));
            instance = new TinyLifecycle(home, tp);
            instance.runAll();
        }
        return instance;
    }

    /** The spec tt (TinyDemand's, with checks, shadow, quality and promotion) under {@code home}/specs; returns that folder. */
    static Path writeSpec(Path home) throws IOException {
        Path specs = Files.createDirectories(home.resolve("specs"));
        String columns = "      - {name: v, type: double}\n";
        assertThat(TinyDemand.SPEC).contains(columns);
        // the landing day's v runs to 10: the max check fails as a warning (dq_results holds a failure, validate passes)
        Files.writeString(specs.resolve("tt.yaml"), TinyDemand.SPEC.replace(columns, columns + """
                    checks:
                      - {kind: completeness, column: k}
                      - {kind: non_negative, column: v}
                      - {kind: size, min: 10}
                      - {kind: max, column: v, max: 5, severity: warning}
                """) + """
                shadow: {period: 1d, min_agreement: 0.5, segment_floor: 0.1, tolerance: {relative: 0.5, absolute: 2.0}, top_k: 10}
                quality: {window: 2d, min_labelled: 50, metrics: {rmse: {max: 100.0, days: 1}}, new_labels: 100}
                promotion: {bootstrap: 100, require_shadow: false}
                """);
        return specs;
    }

    /**
     * The job runs of the lifecycle, in order: "job date" -> the command line of ./mlops (ClusterModeIT runs the
     * same ones on a standalone cluster).
     */
    static Map<String, List<String>> jobRuns() {
        Map<String, List<String>> runs = new LinkedHashMap<>();
        jobRun(runs, "ingest", EXTRA);
        jobRun(runs, "validate", EXTRA);
        jobRun(runs, "features", LAST, "--from", TinyDemand.D0.toString(), "--to", LAST.toString(), "--no-online", "--chunk-days", "10");
        jobRun(runs, "train", BEFORE, "--param", "num_round=10");   // the first version: production
        jobRun(runs, "train", LAST, "--param", "num_round=10");     // the candidate
        jobRun(runs, "transform", BEFORE);                           // production and candidate; its labels are due by LAST
        jobRun(runs, "shadow", BEFORE);
        jobRun(runs, "quality", LAST);                               // quality of BEFORE's predictions, drift of LAST's scoring set
        jobRun(runs, "promote", LAST);
        return runs;
    }

    private void runAll() throws IOException {
        LocalDate started = LocalDate.now(ZoneOffset.UTC);
        TinyDemand.writeEvents(tp);
        writeLanding(Paths.get(tp.platform().config().landingUri()), EXTRA);
        jobRuns().forEach((name, args) -> ran.put(name, execute(args.toArray(String[]::new))));
        // the ledger's check writes metrics too (job audit, model _ledger, today); its export is the audit table
        ran.put("audit verify", execute("audit", "verify"));
        // the ledger's entries carry the real clock: export the day(s) of the run (two when it crossed midnight, UTC)
        for (LocalDate d = started; !d.isAfter(LocalDate.now(ZoneOffset.UTC)); d = d.plusDays(1)) {
            ran.put("audit export " + d, execute("audit", "export", "--date", d.toString()));
        }
        System.out.println("TinyLifecycle: the runs\n" + describeRuns());
    }

    private static void jobRun(Map<String, List<String>> runs, String job, LocalDate date, String... more) {
        List<String> args = new ArrayList<>(List.of(job, "--model", "tt"));
        if (more.length == 0 || !more[0].equals("--from")) {
            args.addAll(List.of("--date", date.toString()));
        }
        args.addAll(List.of(more));
        runs.put(job + " " + date, List.copyOf(args));
    }

    /** Runs one command line of ./mlops in process, on the shared platform. */
    TestEnvironment.Output execute(String... args) {
        return TestEnvironment.execute(Cli.commandLine(new MlopsCommand(), c -> tp.platform()), args);
    }

    /** {@code mlops spec <option> --model tt} (the spec command reads its own config: the fixture's home and specs). */
    TestEnvironment.Output spec(String option) {
        return execute("spec", option, "--model", "tt", "--home", home.toString(), "--set", "specs.dir=" + home.resolve("specs"));
    }

    /** A day of events as the upstream system would deliver it: a CSV file in the landing zone. */
    static void writeLanding(Path landing, LocalDate date) throws IOException {
        Path dir = Files.createDirectories(landing.resolve("ev").resolve(date.toString()));
        StringBuilder csv = new StringBuilder("k,ts,v\n");
        Random rnd = new Random(3);
        for (int k = 1; k <= 6; k++) {
            for (int h = 0; h < 24; h += 2) {
                csv.append(k).append(',').append(date).append(String.format(" %02d:%02d:00,", h, rnd.nextInt(60)))
                        .append(Math.round(rnd.nextDouble() * 1000) / 100.0).append('\n');
            }
        }
        Files.writeString(dir.resolve("ev.csv"), csv);
    }

    /** Every run's exit code and summary, and the error output of those that failed. */
    String describeRuns() {
        StringBuilder b = new StringBuilder();
        runs.forEach((k, o) -> b.append(k).append(": exit ").append(o.code()).append(' ').append(o.out().strip()).append('\n')
                .append(o.code() == 0 || o.code() == 100 ? "" : o.err()));
        return b.toString();
    }

    /** The JSON result a job run wrote: results/<job>/tt/<date>.json. */
    Path result(String job, LocalDate date) {
        return home.resolve("results").resolve(job).resolve("tt").resolve(date + ".json");
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // best effort at JVM exit
        }
    }
}
