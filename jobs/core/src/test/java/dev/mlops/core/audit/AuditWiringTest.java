package dev.mlops.core.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlops.core.cli.Cli;
import dev.mlops.core.lake.Lake;
import dev.mlops.core.lake.Manifest;
import dev.mlops.core.registry.Registry;
import dev.mlops.core.testing.TestEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** The registry's decisions land in the ledger in their own transaction; the lake export; {@code mlops audit}. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuditWiringTest {
    @TempDir
    static Path home;
    static TestEnvironment.TestPlatform test;
    static Registry registry;
    static AuditLedger ledger;
    static final LocalDate TODAY = LocalDate.now(ZoneOffset.UTC);

    @BeforeAll
    static void setUp() {
        test = TestEnvironment.platform(home);
        registry = new Registry(test.metadata());
        ledger = new AuditLedger(test.metadata());
    }

    @AfterAll
    static void tearDown() {
        test.close();
    }

    private static Registry.Version register(long instance, double rmse) {
        return registry.register(new Registry.NewVersion("zone_demand", LocalDate.of(2024, 3, 31), "local", "local-" + instance,
                "file:/lake/models/zone_demand/{version}", "rmse", rmse, Map.of("rmse", rmse, "baseline_rmse", 3.85),
                Map.of("max_depth", 6, "eta", 0.1), List.of("hour", "zone_id"), Map.of("inputs", List.of("features/zone_activity/dt=2024-03-31"),
                        "spec_hash", "abc123"), instance), "job train local-" + instance);
    }

    private static TestEnvironment.Output audit(String... args) {
        return TestEnvironment.execute(Cli.commandLine(new AuditCommand(), c -> test.platform()), args);
    }

    @Test
    @Order(1)
    void registryDecisionsAreAuditedInTheirOwnTransaction() {
        Registry.Version v1 = register(11, 3.33);
        assertThat(register(11, 3.33).version()).isEqualTo(v1.version()); // a restarted run registers nothing new
        registry.setStatus("zone_demand", 1, Registry.APPROVED, "job train local-11", "first version meeting the deploy thresholds");
        registry.setStatus("zone_demand", 1, Registry.APPROVED, "ana", "again"); // no change, no entry
        registry.setAlias("zone_demand", Registry.PRODUCTION, 1, "job train local-11", "first deployment");
        register(12, 3.10);
        registry.setAlias("zone_demand", Registry.CANDIDATE, 2, "job train local-12", "new version waiting for promote");
        registry.setStatus("zone_demand", 2, Registry.APPROVED, "ana", "reviewed the model card");
        registry.setAlias("zone_demand", Registry.PRODUCTION, 2, "job:promote", "beats production on shadow traffic");
        registry.setAlias("zone_demand", Registry.PRODUCTION, 1, "bo", "complaints from ops: back to version 1");
        // a change that fails leaves no entry behind (same transaction)
        assertThatThrownBy(() -> registry.setAlias("zone_demand", Registry.CANDIDATE, 99, "ana", "no such version"))
                .hasMessageContaining("model registry");

        List<AuditEntry> log = ledger.log("zone_demand");
        assertThat(log).extracting(AuditEntry::action).containsExactly("register", "approve", "promote", "register", "alias", "approve",
                "promote", "rollback");
        assertThat(log).extracting(AuditEntry::decision).containsExactly("PendingManualApproval", "Approved", "production",
                "PendingManualApproval", "candidate", "Approved", "production", "production");
        assertThat(log).extracting(AuditEntry::version).containsExactly(1, 1, 1, 2, 2, 2, 2, 1);
        assertThat(log).extracting(AuditEntry::actor).containsExactly("job:train", "job:train", "job:train", "job:train", "job:train",
                "ana", "job:promote", "bo");
        AuditEntry registered = log.get(0);
        assertThat(registered.reasons()).containsExactly("trained on data up to 2024-03-31");
        assertThat(registered.evidence()).containsEntry("artifact_uri", "file:/lake/models/zone_demand/1")
                .containsEntry("backend_job", "local-11").containsKey("lineage").containsKey("metrics");
        assertThat(log.get(7).evidence()).containsEntry("replaced", java.math.BigInteger.TWO).containsEntry("status", "Approved");
        assertThat(ledger.productionOn("zone_demand", TODAY)).contains(log.get(7));
        assertThat(ledger.verify().ok()).isTrue();
    }

    @Test
    @Order(2)
    void theDocumentedProductionQueryAnswersWithTheVersionAndWhy() throws Exception {
        String doc = Files.readString(TestEnvironment.specsDir().getParent().getParent().resolve("docs/audit.md"));
        Matcher m = Pattern.compile("```sql\n((?:--[^\n]*\n)*WITH put AS.*?)```", Pattern.DOTALL).matcher(doc);
        assertThat(m.find()).as("the production query in docs/audit.md").isTrue();
        String sql = m.group(1).replace("DATE '2024-03-15'", "DATE '" + TODAY + "'");
        List<AuditEntry> log = ledger.log("zone_demand");
        List<String> history = new ArrayList<>();
        try (Connection c = test.metadata().getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                assertThat(rs.getInt("version")).isEqualTo(1);
                assertThat(rs.getObject("in_production_since", java.time.OffsetDateTime.class).toInstant()).isEqualTo(log.get(7).at());
                assertThat(rs.getString("put_there_by")).isEqualTo("rollback");
                assertThat(rs.getString("decided_by")).isNotBlank();
                history.add(rs.getString("action") + ":" + rs.getString("decision"));
            }
        }
        assertThat(history).containsExactly("register:PendingManualApproval", "approve:Approved", "promote:production", "rollback:production");
        try (Connection c = test.metadata().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql.replace("DATE '" + TODAY + "'", "DATE '" + TODAY.minusDays(1) + "'"))) {
            assertThat(rs.next()).as("nothing in production yesterday").isFalse();
        }
    }

    @Test
    @Order(3)
    void exportWritesTheDaysEntriesToTheLakeAndIsIdempotent() {
        ledger.append(new AuditLedger.NewEntry("trip_risk", null, AuditEntry.VALIDATE, Actor.job("validate", Map.of("MLOPS_RUN_ID", "r-7")),
                "fail", List.of("trips.fare: 2 rows negative"), Map.of("failed", List.of(Map.of("check", "fare_min", "value", -1.5)))));
        List<AuditEntry> today = ledger.on(TODAY);
        AuditExport.Exported first = new AuditExport(test.platform()).export(TODAY);
        AuditExport.Exported again = new AuditExport(test.platform()).export(TODAY);
        assertThat(again).isEqualTo(first);
        assertThat(first.entries()).isEqualTo(today.size()).isEqualTo(9);
        assertThat(first.firstSeq()).isEqualTo(1);
        assertThat(first.lastSeq()).isEqualTo(9);

        Lake lake = test.platform().lake();
        org.apache.hadoop.fs.Path partition = AuditExport.partition(lake, TODAY);
        assertThat(partition.toString()).endsWith("/audit/dt=" + TODAY);
        List<Row> rows = test.platform().spark().read().parquet(partition.toString()).orderBy("seq").collectAsList();
        assertThat(rows).hasSize(9);
        // each exported row re-hashes to its stored hash and links to the one before: the export verifies without the database
        String prev = AuditEntry.GENESIS;
        for (Row r : rows) {
            AuditEntry e = new AuditEntry(r.getAs("seq"), ((java.sql.Timestamp) r.getAs("at")).toInstant(), r.getAs("model"), r.getAs("version"),
                    r.getAs("action"), r.getAs("actor"), r.getAs("run_id"), r.getAs("decision"), r.getList(r.fieldIndex("reasons")),
                    AuditEntry.fromJson(r.getAs("evidence")), r.getAs("prev_hash"), r.getAs("hash"));
            assertThat(e.intact()).as("seq %s", e.seq()).isTrue();
            assertThat(e.prevHash()).isEqualTo(prev);
            prev = e.hash();
        }
        Manifest m = Manifest.fromJson(lake.readText(Manifest.pathIn(partition)).orElseThrow());
        assertThat(m.table()).isEqualTo("audit");
        assertThat(m.rows()).isEqualTo(9);
        assertThat(m.inputs().get(0).uri()).endsWith("#audit_log");
        // the run's staging is gone, up to the model's directory; _staging/<job>/ stays (on S3 removing it would make S3A
        // put a marker at _staging/, outside the job's role: Lake.cleanStaging)
        assertThat(lake.exists(lake.path(Lake.STAGING, AuditExport.JOB, "all"))).isFalse();
        assertThat(lake.exists(new org.apache.hadoop.fs.Path(partition.getParent(), "_backup_dt_" + TODAY))).isFalse();

        // a day without entries is an empty partition with the schema
        AuditExport.Exported none = new AuditExport(test.platform()).export(TODAY.minusDays(3));
        assertThat(none.entries()).isZero();
        assertThat(test.platform().spark().read().parquet(none.partition()).count()).isZero();
    }

    @Test
    @Order(4)
    void theCommandVerifiesLogsAnswersAndExports() throws Exception {
        TestEnvironment.Output ok = audit("verify");
        assertThat(ok.code()).isZero();
        assertThat(ok.out()).startsWith("audit log: 9 entries, chain intact; head seq 9 hash ");

        TestEnvironment.Output log = audit("log", "--model", "zone_demand");
        assertThat(log.code()).isZero();
        assertThat(log.out().lines().toList()).hasSize(9);
        assertThat(log.out()).contains("rollback", "complaints from ops: back to version 1", "job:train");

        TestEnvironment.Output on = audit("log", "--model", "zone_demand", "--on", TODAY.toString());
        assertThat(on.code()).isZero();
        assertThat(on.out()).startsWith("zone_demand on " + TODAY + ": version 1, in production since ")
                .contains("(seq 8, rollback by bo: complaints from ops: back to version 1)");
        assertThat(on.out().lines().skip(2).toList()).hasSize(4); // register, approve, promote, rollback of version 1

        TestEnvironment.Output before = audit("log", "--model", "zone_demand", "--on", TODAY.minusDays(1).toString());
        assertThat(before.code()).isEqualTo(100);
        assertThat(before.err()).contains("no version of zone_demand was in production on " + TODAY.minusDays(1));

        TestEnvironment.Output export = audit("export", "--date", TODAY.toString());
        assertThat(export.code()).isZero();
        assertThat(export.out()).contains("audit export " + TODAY + ": 9 entries (seq 1..9) -> ").contains("/audit/dt=" + TODAY);

        assertThat(audit().code()).isEqualTo(2);

        try (Connection c = test.metadata().getConnection(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("SET LOCAL session_replication_role = replica");
            st.execute("DELETE FROM audit_log WHERE seq = 4");
            c.commit();
            c.setAutoCommit(true);
        }
        TestEnvironment.Output broken = audit("verify");
        assertThat(broken.code()).isEqualTo(3);
        assertThat(broken.out()).startsWith("audit log: chain broken at seq 5 (deleted); 3 entries before it verify");
        assertThat(broken.err()).contains("mlops audit verify: chain broken at seq 5 (deleted): seq 4 is missing");
    }
}
