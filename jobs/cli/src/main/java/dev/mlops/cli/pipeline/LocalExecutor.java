package dev.mlops.cli.pipeline;

import dev.mlops.cli.MlopsCommand;
import dev.mlops.core.ExitCode;
import dev.mlops.core.JobException;
import dev.mlops.core.Platform;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.json.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;

/**
 * Runs a plan's tasks in process, date by date, with Airflow's semantics as the plan states
 * them: tasks in dependency order; a job task's exit code in its {@code skip_on_exit_code}
 * (100) marks it skipped, any other non-zero code failed (exit 1 is retried up to the task's
 * retries); trigger rules {@code all_success} (an upstream skip skips, an upstream failure is
 * upstream_failed) and {@code none_failed}; a branch follows the targets its condition picks
 * from the upstream task's result (the JSON the job writes, Airflow's XCom) and skips the
 * others; a trigger runs the triggered DAG for the same data date, with the trigger's conf as
 * its params, before the next date. The jobs share this process's SparkSession and database.
 *
 * <p>Many days cost little: the leading chain of jobs that accept a date range (ingest,
 * validate, features, each taking only {@code --model M --date {{ data_date }}}) runs once over the
 * whole range, and each date's state of those tasks is read from the job's per-date result
 * (or the range run's exit code), exactly as if they had run day by day.
 */
public final class LocalExecutor {
    /** Jobs that take {@code --from D1 --to D2} and process the dates in order in one run. */
    static final Set<String> RANGE_JOBS = Set.of("ingest", "validate", "features");
    /** The run's data date in a plan's arguments (the same date here, one run per date). */
    static final List<String> DATE_TEMPLATES = List.of("{{ data_date }}", "{{ ds }}");

    public enum State {
        SUCCESS("done"), SKIPPED("skipped"), FAILED("FAILED"), UPSTREAM_FAILED("upstream failed");

        final String label;

        State(String label) {
            this.label = label;
        }
    }

    /** One task of one DAG run. */
    public record TaskRun(String taskId, State state, int exitCode, Duration took, String summary, Map<String, Object> result) {
    }

    /** One DAG run: its date, its tasks' outcomes, the runs it triggered. */
    public record DagRun(String dagId, LocalDate date, Map<String, Object> params, List<TaskRun> tasks, List<DagRun> triggered) {
        public boolean failed() {
            return tasks.stream().anyMatch(t -> t.state() == State.FAILED) || triggered.stream().anyMatch(DagRun::failed);
        }

        /** The first failed task's exit code (in triggered runs too), else 0. */
        public int exitCode() {
            for (TaskRun t : tasks) {
                if (t.state() == State.FAILED) {
                    return t.exitCode();
                }
            }
            return triggered.stream().filter(DagRun::failed).map(DagRun::exitCode).findFirst().orElse(0);
        }
    }

    /** How one job invocation ran. */
    record Invocation(int exitCode, String out, String err, Duration took) {
    }

    private final Platform platform;
    private final java.util.function.Function<String, Plan> plans;
    private final PrintWriter progress;
    private final Path logs;
    private final boolean batchRanges;
    private final JobRunner runner;

    public LocalExecutor(Platform platform, PlanSource plans, PrintWriter progress, boolean batchRanges) {
        this(platform, plans::get, progress, batchRanges);
    }

    /** With the plans a trigger may run looked up by {@code plans} (tests). */
    LocalExecutor(Platform platform, java.util.function.Function<String, Plan> plans, PrintWriter progress, boolean batchRanges) {
        this.platform = platform;
        this.plans = plans;
        this.progress = progress;
        this.logs = platform.config().home().resolve("pipeline");
        this.batchRanges = batchRanges;
        this.runner = this::runInProcess;
    }

    /**
     * Runs every job task with {@code runner} instead of in this process, one date at a time (no range runs), with
     * task logs under {@code logs}: the same scheduling, trigger rules, exit-code mapping, branches and triggers.
     */
    public LocalExecutor(java.util.function.Function<String, Plan> plans, JobRunner runner, PrintWriter progress, Path logs) {
        this.platform = null;
        this.plans = plans;
        this.progress = progress;
        this.logs = logs;
        this.batchRanges = false;
        this.runner = runner;
    }

    /** Runs the DAG for every date of [from, to], in order. */
    public List<DagRun> run(Plan plan, LocalDate from, LocalDate to, Map<String, Object> params) {
        Map<String, Object> p = Params.resolve(plan, params);
        List<Plan.Task> prefix = batchRanges && from.isBefore(to) ? rangePrefix(plan) : List.of();
        Map<LocalDate, Map<String, TaskRun>> pre = new LinkedHashMap<>();
        if (!prefix.isEmpty()) {
            say("%s %s..%s: %s over the whole range first (jobs that take a date range), then each date", plan.dagId(), from, to,
                    String.join(" -> ", prefix.stream().map(Plan.Task::taskId).toList()));
            pre = runRange(plan, prefix, from, to);
        }
        List<DagRun> runs = new ArrayList<>();
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            runs.add(runOne(plan, d, p, pre.getOrDefault(d, Map.of()), 0));
        }
        return runs;
    }

    /** The leading chain of range-capable tasks: each takes exactly --model M --date D, D {{ data_date }} or {{ ds }}, and follows the previous one. */
    static List<Plan.Task> rangePrefix(Plan plan) {
        List<Plan.Task> out = new ArrayList<>();
        for (Plan.Task t : plan.tasks()) {
            boolean chained = out.isEmpty() ? t.upstream().isEmpty() : t.upstream().equals(List.of(out.get(out.size() - 1).taskId()));
            if (!"job".equals(t.kind()) || !RANGE_JOBS.contains(t.job()) || !chained || !"all_success".equals(t.triggerRule())
                    || DATE_TEMPLATES.stream().noneMatch(d -> t.arguments().equals(List.of("--model", plan.model(), "--date", d)))) {
                break;
            }
            out.add(t);
        }
        return out;
    }

    private Map<LocalDate, Map<String, TaskRun>> runRange(Plan plan, List<Plan.Task> prefix, LocalDate from, LocalDate to) {
        Map<LocalDate, Map<String, TaskRun>> out = new LinkedHashMap<>();
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            out.put(d, new LinkedHashMap<>());
        }
        for (Plan.Task t : prefix) {
            List<String> args = List.of("--model", plan.model(), "--from", from.toString(), "--to", to.toString());
            Instant started = Instant.now();
            JobRunner.JobRun run = runWithRetries(plan, t, args, new Templates.Context(to.toString(), "local__" + from + "_" + to, Map.of()),
                    logs.resolve(plan.dagId()).resolve(from + "_" + to).resolve(t.taskId() + ".log"));
            Invocation inv = new Invocation(run.exitCode(), run.out(), run.err(), run.took());
            say("  %-10s %s..%s  %-15s %6.1fs  %s", t.taskId(), from, to, state(t, inv.exitCode()).label, inv.took().toMillis() / 1000.0,
                    headline(inv));
            for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
                Map<String, TaskRun> day = out.get(d);
                State upstream = t.upstream().isEmpty() ? State.SUCCESS : day.get(t.upstream().get(0)).state();
                if (upstream != State.SUCCESS) {
                    day.put(t.taskId(), new TaskRun(t.taskId(), upstream == State.SKIPPED ? State.SKIPPED : State.UPSTREAM_FAILED, -1,
                            Duration.ZERO, "", Map.of()));
                    continue;
                }
                Map<String, Object> result = result(t.job(), plan.model(), d, started);
                int code = result.get("exit_code") instanceof Number n ? n.intValue() : inv.exitCode();
                String summary = result.get("summary") instanceof String s ? s : "";
                day.put(t.taskId(), new TaskRun(t.taskId(), state(t, code), code, Duration.ZERO, summary, result));
            }
        }
        return out;
    }

    private DagRun runOne(Plan plan, LocalDate date, Map<String, Object> params, Map<String, TaskRun> done, int depth) {
        if (depth > 3) {
            throw JobException.usage(plan.dagId() + ": DAGs trigger each other more than 3 deep; expected no trigger cycle");
        }
        String indent = "  ".repeat(depth);
        say("%s%s %s", indent, plan.dagId(), date);
        Templates.Context ctx = new Templates.Context(date.toString(), "local__" + date + "T00:00:00+00:00", params);
        Map<String, TaskRun> runs = new LinkedHashMap<>(done);
        Set<String> branchSkipped = new HashSet<>();
        List<DagRun> triggered = new ArrayList<>();
        for (Plan.Task t : plan.tasks()) {
            if (runs.containsKey(t.taskId())) {
                TaskRun r = runs.get(t.taskId());
                say("%s  %-16s %-15s %6s   %s", indent, t.taskId(), r.state().label, "", r.summary());
                continue;
            }
            State blocked = branchSkipped.contains(t.taskId()) ? State.SKIPPED : blockedBy(t, runs);
            if (blocked != null) {
                runs.put(t.taskId(), new TaskRun(t.taskId(), blocked, -1, Duration.ZERO, "", Map.of()));
                say("%s  %-16s %s", indent, t.taskId(), blocked.label);
                continue;
            }
            switch (t.kind()) {
                case "job" -> {
                    List<String> args = t.arguments().stream().map(a -> Templates.render(a, ctx)).toList();
                    JobRunner.JobRun run = runWithRetries(plan, t, args, ctx, logs.resolve(plan.dagId()).resolve(date.toString()).resolve(t.taskId() + ".log"));
                    State s = state(t, run.exitCode());
                    Invocation inv = new Invocation(run.exitCode(), run.out(), run.err(), run.took());
                    runs.put(t.taskId(), new TaskRun(t.taskId(), s, run.exitCode(), run.took(), headline(inv), s == State.SUCCESS ? run.result() : Map.of()));
                    say("%s  %-16s %-15s %6.1fs  %s", indent, t.taskId(), s.label, run.took().toMillis() / 1000.0, headline(inv));
                }
                case "branch" -> {
                    Plan.Condition c = t.condition();
                    boolean holds = holds(runs.get(c.task()).result(), c);
                    List<String> follow = holds ? t.ifTrue() : t.ifFalse();
                    for (String target : concat(t.ifTrue(), t.ifFalse())) {
                        if (!follow.contains(target)) {
                            branchSkipped.add(target);
                        }
                    }
                    runs.put(t.taskId(), new TaskRun(t.taskId(), State.SUCCESS, 0, Duration.ZERO, "follow " + follow, Map.of()));
                    say("%s  %-16s %-15s %6s   %s", indent, t.taskId(), "done", "", c.task() + " " + String.join(".", c.path().stream()
                            .map(String::valueOf).toList()) + (holds ? " = " : " != ") + c.equals() + ": follow " + (follow.isEmpty() ? "nothing" : follow));
                }
                case "trigger" -> {
                    Plan target = plans.apply(t.triggerDagId());
                    Map<String, Object> conf = new LinkedHashMap<>();
                    t.conf().forEach((k, v) -> conf.put(k, Templates.render(v, ctx)));
                    Map<String, Object> targetParams = new LinkedHashMap<>();
                    conf.forEach((k, v) -> {
                        if (target.params().containsKey(k)) {
                            targetParams.put(k, v);
                        }
                    });
                    runs.put(t.taskId(), new TaskRun(t.taskId(), State.SUCCESS, 0, Duration.ZERO, "triggered " + target.dagId(), Map.of()));
                    say("%s  %-16s %-15s %6s   %s", indent, t.taskId(), "done", "", "triggered " + target.dagId() + " " + conf);
                    triggered.add(runOne(target, date, Params.resolve(target, targetParams), Map.of(), depth + 1));
                }
                default -> throw JobException.usage(plan.dagId() + "." + t.taskId() + ": task kind '" + t.kind()
                        + "' is not one the local executor runs (job, branch, trigger)");
            }
        }
        return new DagRun(plan.dagId(), date, params, List.copyOf(runs.values()), triggered);
    }

    /** Null when the task runs; else the state its trigger rule gives it. */
    static State blockedBy(Plan.Task t, Map<String, TaskRun> runs) {
        List<State> up = t.upstream().stream().map(u -> runs.get(u).state()).toList();
        boolean failed = up.stream().anyMatch(s -> s == State.FAILED || s == State.UPSTREAM_FAILED);
        boolean allSuccess = up.stream().allMatch(s -> s == State.SUCCESS);
        return switch (t.triggerRule()) {
            case "all_success" -> failed ? State.UPSTREAM_FAILED : allSuccess ? null : State.SKIPPED;
            case "none_failed" -> failed ? State.UPSTREAM_FAILED : null;
            case "none_failed_min_one_success" -> failed ? State.UPSTREAM_FAILED : up.isEmpty() || up.contains(State.SUCCESS) ? null : State.SKIPPED;
            case "all_done" -> null;
            default -> throw JobException.usage(t.taskId() + ": trigger rule '" + t.triggerRule()
                    + "' is not one the local executor implements (all_success, none_failed, none_failed_min_one_success, all_done)");
        };
    }

    static State state(Plan.Task t, int exitCode) {
        if (exitCode == 0) {
            return State.SUCCESS;
        }
        return t.skipOnExitCode().contains(exitCode) ? State.SKIPPED : State.FAILED;
    }

    /** The value at the condition's path in the result equals the expected value. */
    static boolean holds(Map<String, Object> result, Plan.Condition c) {
        Object v = result;
        for (Object key : c.path()) {
            if (v instanceof Map<?, ?> m && key instanceof String k) {
                v = m.get(k);
            } else if (v instanceof List<?> l && key instanceof Number i && i.intValue() < l.size()) {
                v = l.get(i.intValue());
            } else {
                return false;
            }
        }
        return v != null && v.equals(c.equals());
    }

    private JobRunner.JobRun runWithRetries(Plan plan, Plan.Task t, List<String> args, Templates.Context ctx, Path log) {
        int retries = t.retries() == null ? 0 : t.retries();
        JobRunner.JobRun run = runner.run(plan, t, args, ctx, log);
        for (int attempt = 1; attempt <= retries && run.exitCode() == ExitCode.FAILED.code(); attempt++) {
            say("  %s: exit 1 (retryable): retry %d of %d", t.taskId(), attempt, retries);
            JobRunner.JobRun again = runner.run(plan, t, args, ctx, log);
            run = new JobRunner.JobRun(again.exitCode(), again.out(), again.err(), run.took().plus(again.took()), again.result());
        }
        return run;
    }

    /** The in-process runner: the job's command on this process's platform, its result read from the results store. */
    private JobRunner.JobRun runInProcess(Plan plan, Plan.Task t, List<String> args, Templates.Context ctx, Path log) {
        Instant started = Instant.now();
        Invocation inv = invoke(t.job(), args, log);
        Map<String, Object> result = inv.exitCode() == 0 ? result(t.job(), plan.model(), dateOf(args, LocalDate.parse(ctx.ds())), started) : Map.of();
        return new JobRunner.JobRun(inv.exitCode(), inv.out(), inv.err(), inv.took(), result);
    }

    /** The job's own command, in process, on this process's platform. */
    Invocation invoke(String job, List<String> args, Path log) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Cli.commandLine(new MlopsCommand(), cfg -> Platform.builder(platform.config()).spark(platform.spark())
                .metadata(platform.metadata()).connections(platform::connection).build());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> argv = new ArrayList<>();
        argv.add(job);
        argv.addAll(args);
        long t0 = System.nanoTime();
        int code = Cli.run(cl, argv.toArray(String[]::new));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(log, "$ mlops " + String.join(" ", argv) + "\n" + out + err + "exit " + code + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            say("  (could not write the task log %s: %s)", log, e.getMessage());
        }
        return new Invocation(code, out.toString(), err.toString(), took);
    }

    /** The job's JSON result of the date (its XCom in a pod), when this run wrote it. */
    private Map<String, Object> result(String job, String model, LocalDate date, Instant since) {
        Path file = platform.results().pathFor(job, model, date, "all");
        try {
            if (!Files.exists(file) || Files.getLastModifiedTime(file).toInstant().isBefore(since.minusSeconds(1))) {
                return Map.of();
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> m = Json.read(Files.readString(file), Map.class);
            return m;
        } catch (IOException | IllegalArgumentException e) {
            return Map.of();
        }
    }

    private static LocalDate dateOf(List<String> args, LocalDate fallback) {
        int i = args.indexOf("--date");
        if (i >= 0 && i + 1 < args.size()) {
            try {
                return LocalDate.parse(args.get(i + 1));
            } catch (java.time.format.DateTimeParseException e) {
                return fallback;
            }
        }
        return fallback;
    }

    /** The job's error line ("mlops <job>: <what>: ...") when it printed one, else its one-line summary (stdout), else its first line. */
    static String headline(Invocation inv) {
        if (inv.exitCode() != 0) {
            for (String line : inv.err().split("\n")) {
                if (line.strip().startsWith("mlops ")) {
                    return shorten(line.strip());
                }
            }
        }
        for (String text : new String[] {inv.out(), inv.err()}) {
            for (String line : text.split("\n")) {
                if (!line.isBlank()) {
                    return shorten(line.strip());
                }
            }
        }
        return "";
    }

    private static String shorten(String s) {
        return s.length() > 220 ? s.substring(0, 217) + "..." : s;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private void say(String format, Object... args) {
        if (progress != null) {
            progress.println(String.format(Locale.ROOT, format, args));
            progress.flush();
        }
    }
}
