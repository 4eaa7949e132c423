package dev.mlops.promote;

import static java.util.Objects.requireNonNull;

import dev.mlops.core.ExitCode;
import dev.mlops.core.JobException;
import dev.mlops.core.Platform;
import dev.mlops.core.audit.Actor;
import dev.mlops.core.audit.AuditEntry;
import dev.mlops.core.audit.AuditLedger;
import dev.mlops.core.batch.BatchJob;
import dev.mlops.core.batch.JobRunner;
import dev.mlops.core.batch.ResultParts;
import dev.mlops.core.batch.RunOutcome;
import dev.mlops.core.json.Json;
import dev.mlops.core.metrics.JobMetrics;
import dev.mlops.core.registry.Registry;
import dev.mlops.core.spec.LoadedSpec;
import dev.mlops.core.spec.ModelSpec;
import dev.mlops.core.spec.PromotionSpec;
import dev.mlops.core.spec.Task;
import dev.mlops.core.spec.TrainingSpec;
import dev.mlops.train.LocalXgboost;
import dev.mlops.train.Matrix;
import dev.mlops.train.SageMakerTrainer;
import dev.mlops.train.TrainingData;
import java.io.PrintWriter;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.Job;
import org.springframework.batch.core.JobExecution;
import org.springframework.batch.core.StepContribution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.repeat.RepeatStatus;

/**
 * The promote job for one model and date: {@code gates} (every gate the spec declares, all
 * evaluated and reported, not only the first failure) and {@code switch} (when they all pass:
 * the candidate becomes production, the old production becomes previous, the registry status
 * follows, and SageMaker's model package too when the version was mirrored there). Every
 * decision, passing or not, is an audit ledger entry with the gates as evidence.
 *
 * <p>Gates: {@code deploy_thresholds} (the candidate's own test metrics within
 * {@code training.deploy_thresholds}); {@code beats_production} (on the candidate's test split,
 * rebuilt from the lake, the candidate's primary metric improves on production's by
 * {@code promotion.margin}, in at least {@code promotion.confidence} of the paired bootstrap
 * resamples); {@code slices} (no slice worse than production by more than
 * {@code promotion.slice_tolerance}); {@code shadow} (the latest shadow verdict of the candidate,
 * against this production version, passed); {@code approval} (where required, the registry has
 * it approved by a person).
 */
public final class PromoteJob implements BatchJob {
    public static final String NAME = "promote";
    static final String GATES = "promote.gates";
    static final String SWITCHED = "promote.switched";

    record Evaluated(int candidate, Integer production, List<Gates.Gate> gates) {
        boolean passed() {
            return gates.stream().allMatch(Gates.Gate::passed);
        }
    }

    private final Platform platform;
    private final LoadedSpec spec;
    private final LocalDate date;
    private final Integer version;
    private final String approver;
    private final String reason;
    private final PrintWriter progress;
    private final SageMakerSync sagemaker;
    private final EndpointDeployer deployer;

    public PromoteJob(Platform platform, LoadedSpec spec, LocalDate date, Integer version, String approver, String reason, PrintWriter progress,
                      SageMakerSync sagemaker, EndpointDeployer deployer) {
        this.platform = requireNonNull(platform);
        this.spec = requireNonNull(spec);
        this.date = requireNonNull(date);
        this.version = version;
        this.approver = approver;
        this.reason = reason;
        this.progress = progress;
        this.sagemaker = sagemaker;
        this.deployer = deployer;
        if (spec.spec().promotion().endpoint() != null && deployer == null) {
            throw JobException.usage("model '" + spec.model() + "' declares a real-time endpoint (promotion.endpoint) in " + spec.file()
                    + ": promote needs sagemaker.role_arn (MLOPS_SAGEMAKER_ROLE_ARN) and an s3:// lake to switch it");
        }
        if (spec.spec().training() == null) {
            throw JobException.usage("model '" + spec.model() + "' has no training section in " + spec.file() + ": no versions to promote");
        }
        if (approver != null && (reason == null || reason.isBlank())) {
            throw JobException.usage("--approve-as needs --reason: an approval records who and why");
        }
    }

    @Override
    public String scope() {
        return version == null ? "candidate" : "v" + version;
    }

    @Override
    public Job build(JobMetrics metrics) {
        var repo = platform.batch().jobRepository();
        var tx = platform.batch().transactionManager();
        return new JobBuilder(NAME, repo)
                .start(new StepBuilder("gates", repo).tasklet(this::gates, tx).build())
                .next(new StepBuilder("switch", repo).tasklet(this::switchAliases, tx).build())
                .build();
    }

    private ModelSpec model() {
        return spec.spec();
    }

    private RepeatStatus gates(StepContribution contribution, ChunkContext context) {
        JobExecution e = context.getStepContext().getStepExecution().getJobExecution();
        Registry registry = new Registry(platform.metadata());
        int candidate = version != null ? version : registry.alias(spec.model(), Registry.CANDIDATE).orElseThrow(() -> JobException.nothingToDo(
                "no candidate version of " + spec.model() + " to promote (train one, or name a version with --version)"));
        Registry.Version c = registry.get(spec.model(), candidate).orElseThrow(() -> JobException.usage("model " + spec.model()
                + " has no version " + candidate + "; registered: " + registry.list(spec.model()).stream().map(Registry.Version::version).toList()));
        Optional<Integer> production = registry.alias(spec.model(), Registry.PRODUCTION);
        if (production.isPresent() && production.get() == candidate) {
            throw JobException.nothingToDo("version " + candidate + " of " + spec.model() + " is already in production");
        }
        if (Registry.REJECTED.equals(c.status())) {
            throw JobException.usage("version " + candidate + " of " + spec.model() + " was rejected; it cannot be promoted");
        }
        if (approver != null) {
            registry.setStatus(spec.model(), candidate, Registry.APPROVED, approver, reason);
            c = registry.get(spec.model(), candidate).orElseThrow();
        }
        PromotionSpec ps = model().promotion();
        List<Gates.Gate> gates = new ArrayList<>();
        gates.add(deployThresholds(c));
        if (production.isPresent()) {
            Registry.Version p = registry.get(spec.model(), production.get()).orElseThrow();
            gates.addAll(versus(c, p, ps));
            if (ps.requireShadow()) {
                gates.add(shadow(candidate, p.version()));
            }
        }
        if (ps.requireApproval()) {
            boolean approved = Registry.APPROVED.equals(c.status());
            gates.add(new Gates.Gate("approval", approved, approved ? "approved" : "version " + candidate + " is " + c.status()
                    + "; this model requires a human approval: mlops registry approve --model " + spec.model() + " --version " + candidate
                    + " --as NAME --reason TEXT (or --approve-as)", Map.of("status", c.status())));
        }
        Evaluated ev = new Evaluated(candidate, production.orElse(null), gates);
        for (Gates.Gate g : gates) {
            say("promote %s v%d: %s %s: %s", spec.model(), candidate, g.name(), g.passed() ? "passed" : "FAILED", g.detail());
        }
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("data_date", date.toString());
        evidence.put("production_version", production.orElse(null));
        evidence.put("gates", gates);
        new AuditLedger(platform.metadata()).append(new AuditLedger.NewEntry(spec.model(), candidate, AuditEntry.PROMOTE, Actor.job(NAME),
                ev.passed() ? "gates_passed" : "gates_failed", gates.stream().filter(g -> !g.passed()).map(g -> g.name() + ": " + g.detail()).toList(),
                evidence));
        e.getExecutionContext().putString(GATES, Json.write(ev));
        platform.batch().jobRepository().updateExecutionContext(e);
        if (!ev.passed()) {
            ExitStatus noop = new ExitStatus(JobRunner.NOOP, "candidate v" + candidate + " not promoted: " + Gates.failures(gates));
            contribution.setExitStatus(noop);
            e.setExitStatus(noop);
        }
        return RepeatStatus.FINISHED;
    }

    private Gates.Gate deployThresholds(Registry.Version c) {
        Map<String, TrainingSpec.Bound> bounds = model().training().deployThresholds();
        List<String> failed = new ArrayList<>();
        Map<String, Object> evidence = new LinkedHashMap<>();
        bounds.forEach((m, b) -> {
            Object v = c.metrics() == null ? null : c.metrics().get(m);
            evidence.put(m, v);
            if (!(v instanceof Number n) || !b.holds(n.doubleValue())) {
                failed.add(m + " " + v + " not " + b);
            }
        });
        String detail = bounds.isEmpty() ? "none declared" : failed.isEmpty() ? "test metrics within " + bounds : String.join(", ", failed);
        return new Gates.Gate("deploy_thresholds", failed.isEmpty(), detail, evidence);
    }

    /** The candidate's test split (rebuilt from the lake as its training run split it), scored by both versions. */
    private List<Gates.Gate> versus(Registry.Version c, Registry.Version p, PromotionSpec ps) {
        TrainingData.Split split = new TrainingData(platform.spark(), platform.lake()).build(model(), c.dataDate());
        Dataset<Row> test = split.test().persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
        try {
            List<String> columns = List.of(test.columns());
            List<String> missing = p.features().stream().filter(f -> !columns.contains(f)).toList();
            if (!missing.isEmpty()) {
                return List.of(new Gates.Gate("beats_production", false, "production v" + p.version() + " needs " + missing
                        + ", which the candidate's test split does not have: the two cannot be compared on the same rows", Map.of("missing", missing)));
            }
            String label = model().label().name();
            Matrix mc = TrainingData.matrix(test, c.features(), label);
            Matrix mp = TrainingData.matrix(test, p.features(), label);
            float[] yc = mc.labels();
            float[] pc = LocalXgboost.predict(SageMakerTrainer.readModel(platform.lake(), c.artifactUri() + "/model.tar.gz"), mc);
            float[] pp = LocalXgboost.predict(SageMakerTrainer.readModel(platform.lake(), p.artifactUri() + "/model.tar.gz"), mp);
            String metric = model().primaryMetric();
            Task task = model().task();
            double threshold = model().training().threshold();
            Gates.Paired b = Gates.bootstrap(task, metric, yc, pp, pc, threshold, ps.margin(), ps.bootstrap(), 42);
            Map<String, Object> ev = new LinkedHashMap<>();
            ev.put("metric", metric);
            ev.put("rows", yc.length);
            ev.put("test_from", split.testFrom());
            ev.put("production", b.production());
            ev.put("candidate", b.candidate());
            ev.put("improvement", b.improvement());
            ev.put("margin", ps.margin());
            ev.put("bootstrap_share", b.share());
            ev.put("confidence", ps.confidence());
            ev.put("resamples", b.resamples());
            boolean beats = b.improvement() >= ps.margin() && b.share() >= ps.confidence();
            String detail = String.format(Locale.ROOT, "%s %.5f vs production v%d %.5f on %d test rows: improvement %+.2f%% (margin %.2f%%), "
                    + "reached in %.1f%% of %d paired resamples (confidence %.0f%%)", metric, b.candidate(), p.version(), b.production(), yc.length,
                    b.improvement() * 100, ps.margin() * 100, b.share() * 100, b.resamples(), ps.confidence() * 100);
            List<Gates.Gate> out = new ArrayList<>();
            out.add(new Gates.Gate("beats_production", beats, detail, ev));
            out.add(slices(test, yc, pc, pp, metric, task, threshold, ps, p.version()));
            return out;
        } finally {
            test.unpersist();
        }
    }

    private Gates.Gate slices(Dataset<Row> test, float[] y, float[] pc, float[] pp, String metric, Task task, double threshold, PromotionSpec ps,
                              int production) {
        List<String> failed = new ArrayList<>();
        Map<String, Object> evidence = new LinkedHashMap<>();
        for (TrainingSpec.Slice s : model().training().slices()) {
            List<Row> values = test.select(TrainingData.SLICE_PREFIX + s.name()).collectAsList();
            Map<String, List<Integer>> groups = new LinkedHashMap<>();
            for (int i = 0; i < values.size(); i++) {
                groups.computeIfAbsent(String.valueOf(values.get(i).get(0)), k -> new ArrayList<>()).add(i);
            }
            for (var g : groups.entrySet()) {
                int n = g.getValue().size();
                float[] yy = new float[n];
                float[] cc = new float[n];
                float[] ppp = new float[n];
                for (int k = 0; k < n; k++) {
                    int i = g.getValue().get(k);
                    yy[k] = y[i];
                    cc[k] = pc[i];
                    ppp[k] = pp[i];
                }
                double mp = Gates.metric(task, metric, yy, ppp, threshold);
                double mc = Gates.metric(task, metric, yy, cc, threshold);
                double imp = Gates.improvement(metric, mp, mc);
                String key = s.name() + "=" + g.getKey();
                evidence.put(key, Map.of("production", mp, "candidate", mc, "rows", n));
                if (!Double.isNaN(imp) && imp < -ps.sliceTolerance()) {
                    failed.add(String.format(Locale.ROOT, "%s: %s %.5f vs production v%d %.5f (%.1f%% worse, tolerance %.1f%%)", key, metric, mc,
                            production, mp, -imp * 100, ps.sliceTolerance() * 100));
                }
            }
        }
        String detail = failed.isEmpty() ? (evidence.isEmpty() ? "no slices declared" : "no slice worse than production by more than "
                + String.format(Locale.ROOT, "%.1f%%", ps.sliceTolerance() * 100)) : String.join(", ", failed);
        return new Gates.Gate("slices", failed.isEmpty(), detail, evidence);
    }

    /** The candidate's latest shadow verdict, which must be against the current production version. */
    private Gates.Gate shadow(int candidate, int production) {
        Optional<AuditEntry> last = new AuditLedger(platform.metadata()).log(spec.model()).stream()
                .filter(x -> AuditEntry.SHADOW.equals(x.action()) && x.version() != null && x.version() == candidate)
                .reduce((a, b) -> b);
        if (last.isEmpty()) {
            return new Gates.Gate("shadow", false, "no shadow verdict for v" + candidate + " yet: run mlops transform and mlops shadow over "
                    + model().shadow().period().text(), Map.of());
        }
        AuditEntry s = last.get();
        Object against = s.evidence() == null ? null : s.evidence().get("production_version");
        boolean sameProduction = against instanceof Number n && n.intValue() == production;
        boolean passed = "shadow_passed".equals(s.decision()) && sameProduction;
        String detail = !sameProduction ? "the last shadow verdict compared v" + candidate + " with v" + against + ", not the production v" + production
                : passed ? "passed on " + s.evidence().get("dates") + " (agreement " + s.evidence().get("agreement") + ")"
                : "not passed: " + String.join("; ", s.reasons());
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("audit_seq", s.seq());
        ev.put("decision", s.decision());
        ev.put("agreement", s.evidence() == null ? null : s.evidence().get("agreement"));
        return new Gates.Gate("shadow", passed, detail, ev);
    }

    private RepeatStatus switchAliases(StepContribution contribution, ChunkContext context) {
        JobExecution e = context.getStepContext().getStepExecution().getJobExecution();
        Evaluated ev = Json.read(e.getExecutionContext().getString(GATES), Evaluated.class);
        if (!ev.passed()) {
            ExitStatus noop = new ExitStatus(JobRunner.NOOP, "candidate v" + ev.candidate() + " not promoted: " + Gates.failures(ev.gates()));
            contribution.setExitStatus(noop);
            e.setExitStatus(noop);
            return RepeatStatus.FINISHED;
        }
        Registry registry = new Registry(platform.metadata());
        String actor = Actor.JOB_PREFIX + NAME;
        String why = "all promotion gates passed: " + ev.gates().stream().map(Gates.Gate::name).toList();
        PromotionSpec.Endpoint endpoint = model().promotion().endpoint();
        if (endpoint != null) {
            EndpointDeployer.Outcome out = deployer.deploy(endpoint, model().training().sagemaker(), registry.get(spec.model(), ev.candidate()).orElseThrow());
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("endpoint", endpoint.name());
            evidence.put("endpoint_config", out.endpointConfig());
            evidence.put("canary_percent", endpoint.canaryPercent());
            evidence.put("canary_wait", endpoint.canaryWait().text());
            evidence.put("alarms", endpoint.alarms());
            new AuditLedger(platform.metadata()).append(new AuditLedger.NewEntry(spec.model(), ev.candidate(), AuditEntry.PROMOTE, Actor.job(NAME),
                    out.deployed() ? "endpoint_deployed" : "endpoint_rolled_back", List.of(out.detail()), evidence));
            say("promote %s v%d: %s", spec.model(), ev.candidate(), out.detail());
            if (!out.deployed()) {
                ExitStatus noop = new ExitStatus(JobRunner.NOOP, "candidate v" + ev.candidate() + " not promoted: the canary was rolled back: "
                        + out.detail() + "; production stays v" + ev.production());
                contribution.setExitStatus(noop);
                e.setExitStatus(noop);
                return RepeatStatus.FINISHED;
            }
        }
        if (!Registry.APPROVED.equals(registry.get(spec.model(), ev.candidate()).orElseThrow().status())) {
            registry.setStatus(spec.model(), ev.candidate(), Registry.APPROVED, actor, why);
        }
        registry.setAlias(spec.model(), Registry.PRODUCTION, ev.candidate(), actor, why);
        if (sagemaker != null) {
            sagemaker.approve(registry, spec.model(), ev.candidate(), why);
        }
        e.getExecutionContext().putString(SWITCHED, "true");
        platform.batch().jobRepository().updateExecutionContext(e);
        say("promote %s: v%d is production%s", spec.model(), ev.candidate(), ev.production() == null ? "" : " (v" + ev.production() + " is previous)");
        return RepeatStatus.FINISHED;
    }

    private void say(String format, Object... args) {
        if (progress != null) {
            progress.println(String.format(Locale.ROOT, format, args));
            progress.flush();
        }
    }

    /** It moves the production alias and appends its decision to the audit ledger: a retry within the same Airflow run returns the completed run's result (JobRunner). */
    @Override
    public boolean replaysCompletedRetry() {
        return true;
    }

    @Override
    public ResultParts describe(RunOutcome outcome) {
        if (!outcome.context().containsKey(GATES)) {
            return new ResultParts("", Map.of(), List.of(), List.of(), List.of());
        }
        Evaluated ev = Json.read(outcome.context().getString(GATES), Evaluated.class);
        boolean switched = outcome.context().containsKey(SWITCHED);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("decision", switched ? "promoted" : "not_promoted");
        d.put("candidate_version", ev.candidate());
        d.put("production_version", ev.production());
        d.put("gates", ev.gates());
        List<String> reasons = ev.gates().stream().filter(g -> !g.passed()).map(g -> g.name() + ": " + g.detail()).toList();
        String summary = switched ? "- v" + ev.candidate() + " promoted to production" + (ev.production() == null ? "" : ", v" + ev.production() + " previous")
                : "- v" + ev.candidate() + " not promoted: " + reasons.size() + " of " + ev.gates().size() + " gates failed";
        if (outcome.exitCode() != ExitCode.OK && outcome.exitCode() != ExitCode.NOTHING_TO_DO) {
            summary = "";
        }
        return new ResultParts(summary, Map.of("gates", ev.gates().size(), "failed", reasons.size()), List.of(), List.of(d), reasons);
    }
}
