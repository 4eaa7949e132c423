package dev.mlops.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.core.testing.TestEnvironment;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.stream.LongStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hash chain on the real embedded PostgreSQL: it verifies, and an edited, deleted or reordered row is found. */
class AuditLedgerTest {
    @TempDir
    Path home;
    TestEnvironment.TestPlatform test;
    AuditLedger ledger;

    @BeforeEach
    void setUp() {
        test = TestEnvironment.platform(home);
        ledger = new AuditLedger(test.metadata());
    }

    @AfterEach
    void tearDown() {
        test.close();
    }

    private List<AuditEntry> appendFive() {
        List<AuditEntry> out = new ArrayList<>();
        Map<String, Object> gate = new LinkedHashMap<>();
        gate.put("failed", List.of(Map.of("check", "price_eur_min", "value", -3.5, "bound", ">= 0")));
        gate.put("input_manifest_sha256", "ab".repeat(32));
        out.add(ledger.append(new AuditLedger.NewEntry("zone_demand", null, AuditEntry.VALIDATE, Actor.job("validate", Map.of("MLOPS_RUN_ID", "scheduled__2024-03-01")),
                "fail", List.of("rentals.price_eur: 1.00% of rows negative, expected none"), gate)));
        out.add(ledger.append(new AuditLedger.NewEntry("zone_demand", 1, AuditEntry.REGISTER, Actor.job("train", Map.of()), "PendingManualApproval",
                List.of("trained on data up to 2024-03-01"), Map.of("rmse", 3.3296, "data_date", LocalDate.of(2024, 3, 1)))));
        out.add(ledger.append(new AuditLedger.NewEntry("zone_demand", 1, AuditEntry.APPROVE, Actor.person("ana"), "Approved",
                List.of("reviewed the model card"), Map.of())));
        out.add(ledger.append(new AuditLedger.NewEntry("zone_demand", 1, AuditEntry.PROMOTE, Actor.person("ana"), AuditEntry.PRODUCTION,
                List.of("first deployment"), Map.of("replaced", "none"))));
        out.add(ledger.append(new AuditLedger.NewEntry("trip_risk", null, AuditEntry.OVERRIDE, Actor.person("bo"), "pass",
                List.of("known upstream outage"), Map.of("ticket", "OPS-12"))));
        return out;
    }

    /** Changes rows the way someone with superuser rights could: with the append-only trigger switched off for the session. */
    private static void tamper(DataSource ds, String... statements) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL session_replication_role = replica");
                for (String s : statements) {
                    st.execute(s);
                }
            }
            c.commit();
            c.setAutoCommit(true);
        }
    }

    @Test
    void appendedEntriesChainAndVerify() {
        List<AuditEntry> written = appendFive();
        assertThat(written).extracting(AuditEntry::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(written.get(0).prevHash()).isEqualTo(AuditEntry.GENESIS);
        for (int i = 1; i < written.size(); i++) {
            assertThat(written.get(i).prevHash()).isEqualTo(written.get(i - 1).hash());
            assertThat(written.get(i).at()).isAfterOrEqualTo(written.get(i - 1).at());
        }
        assertThat(written.get(0).actor()).isEqualTo("job:validate");
        assertThat(written.get(0).runId()).isEqualTo("scheduled__2024-03-01");
        assertThat(written.get(2).runId()).isNull();

        AuditLedger.Report report = ledger.verify();
        assertThat(report.ok()).isTrue();
        assertThat(report.verified()).isEqualTo(5);
        assertThat(report.headSeq()).isEqualTo(5);
        assertThat(report.headHash()).isEqualTo(written.get(4).hash());

        // what comes back from the database is what was hashed
        List<AuditEntry> read = ledger.log("zone_demand");
        assertThat(read).hasSize(4).allMatch(AuditEntry::intact);
        assertThat(read.get(0)).isEqualTo(written.get(0));
        assertThat(read.get(1).evidence()).containsEntry("rmse", new BigDecimal("3.3296")).containsEntry("data_date", "2024-03-01");
        assertThat(ledger.on(LocalDate.now(java.time.ZoneOffset.UTC))).hasSize(5);
        assertThat(ledger.on(LocalDate.now(java.time.ZoneOffset.UTC).minusDays(1))).isEmpty();
    }

    @Test
    void numbersAndTimesHashTheSameAfterARoundTrip() {
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("tiny", 1.0E-5);
        evidence.put("huge", 1.0E20);
        evidence.put("whole", 2.0);
        evidence.put("long", Long.MAX_VALUE);
        evidence.put("nan", Double.NaN);
        evidence.put("when", Instant.parse("2024-03-01T10:15:30.123456789Z"));
        evidence.put("text", "ümlaut \"quoted\" \\ line\nbreak");
        evidence.put("nested", Map.of("z", List.of(1, 2.50, "x"), "a", true));
        AuditEntry e = ledger.append(new AuditLedger.NewEntry("m", 7, AuditEntry.QUALITY, Actor.person("qa"), "pass", List.of(), evidence));
        AuditEntry back = ledger.log("m").get(0);
        assertThat(back.hash()).isEqualTo(e.hash()).isEqualTo(back.computeHash());
        assertThat(back.canonical()).isEqualTo(e.canonical())
                .contains("\"huge\":100000000000000000000", "\"tiny\":0.00001", "\"whole\":2", "\"nan\":\"NaN\"", "\"z\":[1,2.5,\"x\"]");
        assertThat(back.evidence().get("long")).isEqualTo(BigInteger.valueOf(Long.MAX_VALUE));
        assertThat(ledger.verify().ok()).isTrue();
    }

    @Test
    void anEditedRowIsFound() throws SQLException {
        appendFive();
        tamper(test.metadata(), "UPDATE audit_log SET decision = 'pass' WHERE seq = 3");
        AuditLedger.Report r = ledger.verify();
        assertThat(r.ok()).isFalse();
        assertThat(r.broken().seq()).isEqualTo(3);
        assertThat(r.broken().kind()).isEqualTo(AuditLedger.Kind.EDITED);
        assertThat(r.verified()).isEqualTo(2);
        assertThat(r.headSeq()).isEqualTo(2);
        assertThat(r.broken().toString()).startsWith("seq 3 (edited): its content hashes to");
    }

    @Test
    void editedEvidenceIsFoundEvenWhenOnlyJsonChanges() throws SQLException {
        appendFive();
        tamper(test.metadata(), "UPDATE audit_log SET evidence = jsonb_set(evidence, '{rmse}', '2.1') WHERE seq = 2");
        AuditLedger.Report r = ledger.verify();
        assertThat(r.broken().seq()).isEqualTo(2);
        assertThat(r.broken().kind()).isEqualTo(AuditLedger.Kind.EDITED);
    }

    @Test
    void aDeletedRowIsFound() throws SQLException {
        appendFive();
        tamper(test.metadata(), "DELETE FROM audit_log WHERE seq = 3");
        AuditLedger.Report r = ledger.verify();
        assertThat(r.broken().seq()).isEqualTo(4);
        assertThat(r.broken().kind()).isEqualTo(AuditLedger.Kind.DELETED);
        assertThat(r.broken().detail()).startsWith("seq 3 is missing");
    }

    @Test
    void aDeletedRowIsFoundWhenTheSeqsAfterItWereRenumbered() throws SQLException {
        appendFive();
        tamper(test.metadata(), "DELETE FROM audit_log WHERE seq = 3", "UPDATE audit_log SET seq = seq - 1 WHERE seq > 3");
        AuditLedger.Report r = ledger.verify();
        assertThat(r.broken().seq()).isEqualTo(3);
        assertThat(r.broken().kind()).isEqualTo(AuditLedger.Kind.DELETED);
        assertThat(r.broken().detail()).contains("is missing");
    }

    @Test
    void aDeletedFirstRowIsFound() throws SQLException {
        appendFive();
        tamper(test.metadata(), "DELETE FROM audit_log WHERE seq = 1");
        AuditLedger.Report r = ledger.verify();
        assertThat(r.broken().seq()).isEqualTo(2);
        assertThat(r.broken().kind()).isEqualTo(AuditLedger.Kind.DELETED);
        assertThat(r.verified()).isZero();
    }

    @Test
    void aReorderedRowIsFound() throws SQLException {
        appendFive();
        tamper(test.metadata(), "UPDATE audit_log SET seq = 100 WHERE seq = 2", "UPDATE audit_log SET seq = 2 WHERE seq = 3",
                "UPDATE audit_log SET seq = 3 WHERE seq = 100");
        AuditLedger.Report r = ledger.verify();
        assertThat(r.broken().seq()).isEqualTo(2);
        assertThat(r.broken().kind()).isEqualTo(AuditLedger.Kind.REORDERED);
        assertThat(r.broken().detail()).contains("follows seq 3 in the chain");
    }

    @Test
    void concurrentAppendsNeverForkTheChain() {
        int threads = 4;
        int each = 15;
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            all.add(CompletableFuture.runAsync(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                for (int i = 0; i < each; i++) {
                    ledger.append(new AuditLedger.NewEntry("m" + thread, i, AuditEntry.SHADOW, Actor.job("shadow", Map.of()), "pass",
                            List.of("iteration " + i), Map.of("thread", thread)));
                }
            }));
        }
        start.countDown();
        all.forEach(CompletableFuture::join);
        AuditLedger.Report r = ledger.verify();
        assertThat(r.ok()).isTrue();
        assertThat(r.verified()).isEqualTo(threads * each);
        List<Long> seqs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            ledger.log("m" + t).forEach(e -> seqs.add(e.seq()));
        }
        assertThat(seqs).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, threads * each).boxed().toList());
    }

    @Test
    void productionOnNamesTheVersionAndTheEntryThatPutItThere() throws InterruptedException {
        LocalDate today = LocalDate.now(java.time.ZoneOffset.UTC);
        assertThat(ledger.productionOn("zone_demand", today)).isEmpty();
        AuditEntry first = ledger.append(new AuditLedger.NewEntry("zone_demand", 1, AuditEntry.PROMOTE, Actor.person("ana"), AuditEntry.PRODUCTION,
                List.of("first deployment"), Map.of()));
        ledger.append(new AuditLedger.NewEntry("zone_demand", 2, AuditEntry.ALIAS, Actor.job("train", Map.of()), "candidate",
                List.of("new version waiting for promote"), Map.of()));
        Thread.sleep(2);
        Instant between = Instant.now();
        Thread.sleep(2);
        AuditEntry second = ledger.append(new AuditLedger.NewEntry("zone_demand", 2, AuditEntry.PROMOTE, Actor.job("promote", Map.of()),
                AuditEntry.PRODUCTION, List.of("beats production on shadow traffic"), Map.of()));
        assertThat(ledger.productionAt("zone_demand", between)).contains(first);
        assertThat(ledger.productionOn("zone_demand", today)).contains(second);
        assertThat(ledger.productionOn("zone_demand", today.minusDays(1))).isEmpty();
        assertThat(ledger.productionOn("trip_risk", today)).isEmpty();
    }

    @Test
    void actorsOfJobsCarryTheRunIdAndPeopleTheirName() {
        assertThat(Actor.job("validate", Map.of("MLOPS_RUN_ID", "manual__2024-03-01T00:00:00"))).isEqualTo(new Actor("job:validate", "manual__2024-03-01T00:00:00"));
        assertThat(Actor.job("validate", Map.of())).isEqualTo(new Actor("job:validate", null));
        assertThat(Actor.of("job train local-42", Map.of("MLOPS_RUN_ID", "r1"))).isEqualTo(new Actor("job:train", "r1"));
        assertThat(Actor.of("job:promote", Map.of())).isEqualTo(new Actor("job:promote", null));
        assertThat(Actor.of(" ana ", Map.of("MLOPS_RUN_ID", "r1"))).isEqualTo(new Actor("ana", null));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Actor.person(" "))
                .hasMessageContaining("an actor is required");
    }
}
