package dev.mlops.promote;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlops.core.audit.Actor;
import dev.mlops.core.audit.AuditEntry;
import dev.mlops.core.audit.AuditLedger;
import dev.mlops.core.testing.TestEnvironment;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The promote image's entry point also runs the audit ledger's commands (the daily DAG's audit tasks). */
class PromoteMainTest {
    @TempDir
    Path home;

    @Test
    void auditFirstRunsTheAuditCommandAnchorThenVerify() throws Exception {
        Path anchors = home.resolve("anchors");
        try (TestEnvironment.TestPlatform tp = TestEnvironment.platform(home, Map.of("audit.anchor_uri", anchors.toUri().toString()))) {
            new AuditLedger(tp.metadata()).append(new AuditLedger.NewEntry("zz", 1, AuditEntry.APPROVE, Actor.person("ana"), "Approved",
                    List.of("ok"), Map.of()));
            LocalDate yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1);
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();

            int code = PromoteMain.run(new String[] {"audit", "anchor", "--date", yesterday.toString()}, c -> tp.platform(),
                    new PrintWriter(out, true), new PrintWriter(err, true));

            assertThat(code).as(err.toString()).isZero();
            assertThat(out.toString()).contains("audit anchor " + yesterday + ": head seq 0");
            assertThat(anchors.resolve("dt=" + yesterday).resolve("head.json")).exists();
            assertThat(Files.readString(anchors.resolve("dt=" + yesterday).resolve("head.json"))).contains("\"date\" : \"" + yesterday + "\"");

            StringWriter vout = new StringWriter();
            int verify = PromoteMain.run(new String[] {"audit", "verify"}, c -> tp.platform(), new PrintWriter(vout, true),
                    new PrintWriter(new StringWriter(), true));
            assertThat(verify).isZero();
            assertThat(vout.toString()).contains("1 entries, chain intact").contains("matches all 1 anchors");

            // without `audit` first it is the promote command, which knows no `anchor`
            StringWriter perr = new StringWriter();
            int promote = PromoteMain.run(new String[] {"anchor", "--date", yesterday.toString()}, c -> tp.platform(),
                    new PrintWriter(new StringWriter(), true), new PrintWriter(perr, true));
            assertThat(promote).isEqualTo(2);
        }
    }
}
