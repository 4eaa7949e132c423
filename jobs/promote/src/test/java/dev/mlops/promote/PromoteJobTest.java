package dev.mlops.promote;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.core.audit.Actor;
import dev.mlops.core.audit.AuditEntry;
import dev.mlops.core.audit.AuditLedger;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.registry.Registry;
import dev.mlops.core.testing.TestEnvironment;
import dev.mlops.core.testing.TestEnvironment.TestPlatform;
import dev.mlops.features.FeaturesCommand;
import dev.mlops.train.TrainCommand;
import dev.mlops.train.testing.TinyDemand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Promotion of the tiny demand model on real trained versions: a weak version forced into
 * production, a strong candidate promoted, rolled back and forth; a weak candidate refused with
 * every failed gate; a model that requires a shadow verdict and a human approval.
 */
class PromoteJobTest {
    static final LocalDate DAY = TinyDemand.LAST;
    static final String WEAK = "--param=num_round=2";

    @TempDir
    static Path home;
    static TestPlatform tp;

    @BeforeAll
    static void setUp() throws Exception {
        Path specs = Files.createDirectories(home.resolve("specs"));
        Files.writeString(specs.resolve("tt.yaml"), TinyDemand.SPEC
                + "promotion: {margin: 0.02, confidence: 0.8, bootstrap: 300, slice_tolerance: 0.1, require_shadow: false}\n");
        Files.writeString(specs.resolve("ta.yaml"), TinyDemand.SPEC.replace("model: tt", "model: ta")
                + "promotion: {require_shadow: true, require_approval: true, bootstrap: 200}\n");
        tp = TestEnvironment.platform(home, Map.of("specs.dir", specs.toString()));
        TinyDemand.writeEvents(tp);
        ok(TestEnvironment.execute(Cli.commandLine(new FeaturesCommand(), c -> tp.platform()),
                "--model", "tt", "--from", TinyDemand.D0.toString(), "--to", DAY.toString(), "--no-online", "--chunk-days", "10"));
    }

    @AfterAll
    static void tearDown() {
        tp.close();
    }

    static TestEnvironment.Output ok(TestEnvironment.Output o) {
        assertThat(o.code()).as(o.out() + o.err()).isZero();
        return o;
    }

    static int train(String model, LocalDate date, String... params) {
        List<String> args = new ArrayList<>(List.of("--model", model, "--date", date.toString()));
        args.addAll(List.of(params));
        ok(TestEnvironment.execute(Cli.commandLine(new TrainCommand(), c -> tp.platform()), args.toArray(String[]::new)));
        List<Registry.Version> versions = new Registry(tp.platform().metadata()).list(model);
        return versions.get(versions.size() - 1).version();
    }

    static TestEnvironment.Output promote(String model, String... more) {
        List<String> args = new ArrayList<>(List.of("--model", model, "--date", DAY.toString()));
        args.addAll(List.of(more));
        return TestEnvironment.execute(Cli.commandLine(new PromoteCommand(), c -> tp.platform()), args.toArray(String[]::new));
    }

    static TestEnvironment.Output rollback(String model, String... more) {
        List<String> args = new ArrayList<>(List.of("--model", model));
        args.addAll(List.of(more));
        return TestEnvironment.execute(Cli.commandLine(new RollbackCommand(), c -> tp.platform()), args.toArray(String[]::new));
    }

    @Test
    void aBetterCandidateIsPromotedARollbackRestoresTheExactPreviousVersionAndAWeakerOneIsRefused() {
        Registry registry = new Registry(tp.platform().metadata());
        int weak = train("tt", DAY.minusDays(1), WEAK);
        registry.setAlias("tt", Registry.PRODUCTION, weak, "test", "a weak version in production, to be replaced");
        int strong = train("tt", DAY);
        assertThat(registry.alias("tt", Registry.CANDIDATE)).contains(strong);

        TestEnvironment.Output o = ok(promote("tt"));
        assertThat(o.err()).contains("beats_production passed").contains("slices passed").contains("deploy_thresholds passed");
        assertThat(o.out()).contains("v" + strong + " promoted to production, v" + weak + " previous");
        assertThat(registry.aliases("tt")).containsEntry("production", strong).containsEntry("previous", weak).doesNotContainKey("candidate");
        assertThat(registry.get("tt", strong).orElseThrow().status()).isEqualTo(Registry.APPROVED);

        ok(rollback("tt", "--reason", "on-call: forecasts too high", "--as", "ana"));
        assertThat(registry.aliases("tt")).containsEntry("production", weak).containsEntry("previous", strong);
        ok(rollback("tt", "--to", Integer.toString(strong), "--reason", "false alarm"));
        assertThat(registry.aliases("tt")).containsEntry("production", strong).containsEntry("previous", weak);
        List<AuditEntry> ledger = new AuditLedger(tp.platform().metadata()).log("tt");
        assertThat(ledger).anyMatch(x -> x.action().equals(AuditEntry.PROMOTE) && "gates_passed".equals(x.decision()));
        assertThat(ledger).anyMatch(x -> x.action().equals(AuditEntry.ROLLBACK) && x.actor().equals("ana") && x.reasons().toString().contains("forecasts too high"));

        // a weak challenger: refused, with every failed gate, and nothing moves
        int challenger = train("tt", DAY.minusDays(2), WEAK);
        TestEnvironment.Output refused = promote("tt");
        assertThat(refused.code()).as(refused.out() + refused.err()).isEqualTo(100);
        assertThat(refused.out()).contains("candidate v" + challenger + " not promoted").contains("beats_production: rmse")
                .contains("% of 300 paired resamples");
        assertThat(registry.aliases("tt")).containsEntry("production", strong).containsEntry("candidate", challenger);
        assertThat(new AuditLedger(tp.platform().metadata()).log("tt")).anyMatch(x -> x.action().equals(AuditEntry.PROMOTE)
                && "gates_failed".equals(x.decision()) && x.version() == challenger);
        assertThat(new AuditLedger(tp.platform().metadata()).verify().ok()).isTrue();
    }

    @Test
    void aModelThatRequiresShadowAndApprovalWaitsForBoth() {
        Registry registry = new Registry(tp.platform().metadata());
        int weak = train("ta", DAY.minusDays(1), WEAK);
        registry.setAlias("ta", Registry.PRODUCTION, weak, "test", "a weak version in production");
        int strong = train("ta", DAY);
        TestEnvironment.Output first = promote("ta");
        assertThat(first.code()).isEqualTo(100);
        assertThat(first.out()).contains("shadow: no shadow verdict for v" + strong).contains("approval: version " + strong + " is PendingManualApproval");

        // a passed shadow verdict against the current production, and a person's approval
        new AuditLedger(tp.platform().metadata()).append(new AuditLedger.NewEntry("ta", strong, AuditEntry.SHADOW, Actor.job("shadow"),
                "shadow_passed", List.of(), Map.of("production_version", weak, "agreement", 0.97, "dates", List.of("d1", "d2", "d3"))));
        TestEnvironment.Output second = promote("ta", "--approve-as", "ana", "--reason", "read the model card");
        assertThat(second.code()).as(second.out() + second.err()).isZero();
        assertThat(second.err()).contains("shadow passed").contains("approval passed");
        assertThat(registry.alias("ta", Registry.PRODUCTION)).contains(strong);
        assertThat(registry.events("ta", strong)).anyMatch(e -> e.actor().equals("ana") && e.toStatus().equals(Registry.APPROVED));

        TestEnvironment.Output none = promote("ta");
        assertThat(none.code()).isEqualTo(100);
        assertThat(none.out()).contains("no candidate version of ta to promote");
        TestEnvironment.Output noReason = rollback("ta", "--to", "99", "--reason", "x");
        assertThat(noReason.code()).isEqualTo(2);
        assertThat(noReason.err()).contains("has no version 99");
    }
}
