package dev.mlops.core.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlops.core.ExitCode;
import dev.mlops.core.JobException;
import dev.mlops.core.cli.Cli;
import dev.mlops.core.testing.TestEnvironment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger's external anchor on file:// (the S3 store: AuditAnchorS3Test): written once, re-runs, tampering found. */
class AuditAnchorTest {
    static final LocalDate TODAY = LocalDate.now(ZoneOffset.UTC);

    @TempDir
    Path home;
    TestEnvironment.TestPlatform test;
    AuditLedger ledger;
    Path anchors;

    @BeforeEach
    void setUp() {
        anchors = home.resolve("anchors");
        test = TestEnvironment.platform(home, Map.of("audit.anchor_uri", anchors.toUri().toString()));
        ledger = new AuditLedger(test.metadata());
    }

    @AfterEach
    void tearDown() {
        test.close();
    }

    /** The entries are appended today (the database's clock): a clock at tomorrow makes today a date that is over. */
    AuditAnchor anchorAfterToday() {
        return new AuditAnchor(test.metadata(), new AuditAnchor.FileStore(anchors), Clock.fixed(TODAY.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC).plusSeconds(60), ZoneOffset.UTC));
    }

    List<AuditEntry> append(int n) {
        List<AuditEntry> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(ledger.append(new AuditLedger.NewEntry("zone_demand", i + 1, AuditEntry.REGISTER, Actor.person("ana"), "PendingManualApproval",
                    List.of("entry " + i), Map.of("i", i))));
        }
        return out;
    }

    @Test
    void anchorsTheHeadAndTheDatesEntriesAndReadsThemBack() throws Exception {
        List<AuditEntry> written = append(3);

        AuditAnchor.Anchored a = anchorAfterToday().anchor(TODAY);

        assertThat(a.written()).isTrue();
        Path file = anchors.resolve("dt=" + TODAY).resolve("head.json");
        assertThat(a.location()).isEqualTo(file.toUri().toString());
        String json = Files.readString(file);
        assertThat(json).contains("\"format\" : \"mlops-audit-anchor/1\"").contains("\"date\" : \"" + TODAY + "\"")
                .contains(written.get(2).hash()).contains(written.get(0).hash());
        AuditAnchor.Head h = anchorAfterToday().anchors().get(0);
        assertThat(h.date()).isEqualTo(TODAY);
        assertThat(h.seq()).isEqualTo(3);
        assertThat(h.hash()).isEqualTo(written.get(2).hash());
        assertThat(h.entries()).containsExactlyInAnyOrderEntriesOf(Map.of(1L, written.get(0).hash(), 2L, written.get(1).hash(), 3L, written.get(2).hash()));
        assertThat(h.entries().keySet()).containsExactly(1L, 2L, 3L);
        assertThat(anchorAfterToday().check()).isEmpty();
        // a date before any entry anchors the genesis head with no entries
        AuditAnchor.Head before = anchorAfterToday().anchor(TODAY.minusDays(3)).head();
        assertThat(before.seq()).isZero();
        assertThat(before.hash()).isEqualTo(AuditEntry.GENESIS);
        assertThat(before.entries()).isEmpty();
    }

    @Test
    void aReRunFindingTheIdenticalAnchorIsANoOpAndADifferentOneIsRefused() throws Exception {
        append(2);
        anchorAfterToday().anchor(TODAY);
        Path file = anchors.resolve("dt=" + TODAY).resolve("head.json");
        byte[] first = Files.readAllBytes(file);

        AuditAnchor.Anchored again = anchorAfterToday().anchor(TODAY);
        assertThat(again.written()).isFalse();
        assertThat(Files.readAllBytes(file)).isEqualTo(first);

        // an entry added to the anchored date afterwards: the anchor is not replaced, the run fails with exit 3
        append(1);
        assertThatThrownBy(() -> anchorAfterToday().anchor(TODAY)).isInstanceOf(JobException.class)
                .satisfies(e -> assertThat(((JobException) e).exitCode()).isEqualTo(ExitCode.DATA_CONTRACT))
                .hasMessageContaining("already holds a different anchor").hasMessageContaining("head seq 2").hasMessageContaining("head seq 3")
                .hasMessageContaining("anchors are never replaced");
        assertThat(Files.readAllBytes(file)).isEqualTo(first);
        // and verify names the entry the anchor does not know
        assertThat(anchorAfterToday().check()).singleElement()
                .satisfies(m -> assertThat(m.toString()).startsWith("seq 3 (anchored " + TODAY + ")").contains("added after the date was anchored"));
    }

    @Test
    void aDateThatIsNotOverIsNotAnchored() {
        append(1);
        AuditAnchor now = new AuditAnchor(test.metadata(), new AuditAnchor.FileStore(anchors), Clock.systemUTC());
        assertThatThrownBy(() -> now.anchor(TODAY)).isInstanceOf(JobException.class)
                .satisfies(e -> assertThat(((JobException) e).exitCode()).isEqualTo(ExitCode.USAGE))
                .hasMessageContaining("is not over yet");
        assertThat(anchors).doesNotExist();
    }

    @Test
    void aBrokenLedgerIsNotAnchored() throws SQLException {
        append(3);
        tamper(test.metadata(), "UPDATE audit_log SET decision = 'Approved' WHERE seq = 2");
        assertThatThrownBy(() -> anchorAfterToday().anchor(TODAY)).isInstanceOf(JobException.class)
                .satisfies(e -> assertThat(((JobException) e).exitCode()).isEqualTo(ExitCode.DATA_CONTRACT))
                .hasMessageContaining("not anchoring a broken ledger").hasMessageContaining("seq 2");
    }

    @Test
    void aLedgerRewrittenWithRecomputedHashesVerifiesAloneButNotAgainstItsAnchor() throws SQLException {
        append(5);
        anchorAfterToday().anchor(TODAY);

        // the attack the chain cannot see: entry 3 changed and every hash from it on recomputed
        rewriteFrom(3, "reviewed nothing");
        assertThat(ledger.verify().ok()).isTrue();

        assertThat(anchorAfterToday().check()).singleElement().satisfies(m -> {
            assertThat(m.seq()).isEqualTo(3);
            assertThat(m.date()).isEqualTo(TODAY);
            assertThat(m.detail()).contains("rewritten after it was anchored");
        });
        TestEnvironment.Output out = verifyCommand();
        assertThat(out.code()).isEqualTo(3);
        assertThat(out.out()).contains("chain intact; 1 of 1 anchors no longer match the ledger");
        assertThat(out.err()).contains("the ledger does not match its anchor at seq 3 (anchored " + TODAY + ")");
    }

    @Test
    void aDeletedTailIsFoundByTheAnchor() throws SQLException {
        append(4);
        anchorAfterToday().anchor(TODAY);
        TestEnvironment.Output ok = verifyCommand();
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("4 entries, chain intact").contains("matches all 1 anchors");

        // the last entry removed: the chain of the rest still verifies
        tamper(test.metadata(), "DELETE FROM audit_log WHERE seq = 4");
        assertThat(ledger.verify().ok()).isTrue();

        TestEnvironment.Output out = verifyCommand();
        assertThat(out.code()).isEqualTo(3);
        assertThat(out.err()).contains("at seq 4 (anchored " + TODAY + ")").contains("missing from the ledger (deleted)");
    }

    @Test
    void anchorCommandRefusesWithoutAnAnchorUriAndForAnOpenDay() {
        append(1);
        TestEnvironment.Output out = TestEnvironment.execute(Cli.commandLine(new AuditCommand(), c -> test.platform()),
                "anchor", "--date", TODAY.toString());
        assertThat(out.code()).isEqualTo(2);
        assertThat(out.err()).contains("is not over yet");
        // yesterday is over: the command anchors it (no entries then), and a re-run is a no-op
        TestEnvironment.Output y = TestEnvironment.execute(Cli.commandLine(new AuditCommand(), c -> test.platform()),
                "anchor", "--date", TODAY.minusDays(1).toString());
        assertThat(y.code()).as(y.err()).isZero();
        assertThat(y.out()).contains("audit anchor " + TODAY.minusDays(1) + ": head seq 0").contains("dt=" + TODAY.minusDays(1) + "/head.json");
        TestEnvironment.Output again = TestEnvironment.execute(Cli.commandLine(new AuditCommand(), c -> test.platform()),
                "anchor", "--date", TODAY.minusDays(1).toString());
        assertThat(again.code()).isZero();
        assertThat(again.out()).contains("(already anchored, identical)");
    }

    TestEnvironment.Output verifyCommand() {
        return TestEnvironment.execute(Cli.commandLine(new AuditCommand(), c -> test.platform()), "verify");
    }

    /** Rewrites entry {@code seq} (new reasons) and re-chains every entry from it on with recomputed hashes. */
    void rewriteFrom(long seq, String reason) throws SQLException {
        List<AuditEntry> all = new ArrayList<>();
        for (String m : List.of("zone_demand")) {
            all.addAll(ledger.log(m));
        }
        String prev = all.stream().filter(e -> e.seq() == seq - 1).findFirst().map(AuditEntry::hash).orElse(AuditEntry.GENESIS);
        try (Connection c = test.metadata().getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL session_replication_role = replica");
            }
            for (AuditEntry e : all) {
                if (e.seq() < seq) {
                    continue;
                }
                AuditEntry changed = e.seq() == seq
                        ? new AuditEntry(0, e.at(), e.model(), e.version(), e.action(), e.actor(), e.runId(), e.decision(), List.of(reason),
                        e.evidence(), null, null).chained(e.seq(), prev)
                        : new AuditEntry(0, e.at(), e.model(), e.version(), e.action(), e.actor(), e.runId(), e.decision(), e.reasons(),
                        e.evidence(), null, null).chained(e.seq(), prev);
                try (PreparedStatement ps = c.prepareStatement("UPDATE audit_log SET reasons = ?, prev_hash = ?, hash = ? WHERE seq = ?")) {
                    ps.setArray(1, c.createArrayOf("text", changed.reasons().toArray()));
                    ps.setString(2, changed.prevHash());
                    ps.setString(3, changed.hash());
                    ps.setLong(4, changed.seq());
                    ps.executeUpdate();
                }
                prev = changed.hash();
            }
            c.commit();
        }
    }

    static void tamper(DataSource ds, String... statements) throws SQLException {
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
    void theAnchorBytesAreDeterministic() {
        java.util.LinkedHashMap<Long, String> backwards = new java.util.LinkedHashMap<>();
        backwards.put(2L, "b".repeat(64));
        backwards.put(1L, "a".repeat(64));
        AuditAnchor.Head h = new AuditAnchor.Head(TODAY, 2, "b".repeat(64), backwards);
        AuditAnchor.Head same = new AuditAnchor.Head(TODAY, 2, "b".repeat(64), Map.of(1L, "a".repeat(64), 2L, "b".repeat(64)));
        String json = new String(h.json(), StandardCharsets.UTF_8);
        assertThat(h.json()).isEqualTo(same.json());
        assertThat(json.indexOf("\"seq\" : 1,")).isLessThan(json.lastIndexOf("\"seq\" : 2,"));
        assertThat(AuditAnchor.Head.parse(h.json(), "test")).isEqualTo(h);
    }
}
