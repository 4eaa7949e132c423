package dev.mlops.core.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.mlops.core.JobException;
import dev.mlops.core.config.JdbcTarget;
import dev.mlops.core.db.Databases;
import dev.mlops.core.testing.TestEnvironment;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The privilege boundary on the real embedded PostgreSQL (which runs as a superuser): the writer
 * role cannot UPDATE, DELETE or TRUNCATE, the trigger refuses them for the table's owner (a
 * non-superuser, as on RDS, who also ran the migrations) and for a superuser, every append really
 * runs under the writer role, and the migration is re-runnable.
 */
class AuditPrivilegeTest {
    @TempDir
    static Path home;
    static TestEnvironment.TestPlatform test;
    static AuditLedger ledger;

    @BeforeAll
    static void setUp() {
        test = TestEnvironment.platform(home);
        ledger = new AuditLedger(test.metadata());
        ledger.append(new AuditLedger.NewEntry("m", 1, AuditEntry.APPROVE, Actor.person("ana"), "Approved", List.of("ok"), Map.of()));
    }

    @AfterAll
    static void tearDown() {
        test.close();
    }

    /** Runs one statement in a transaction of its own, after {@code setup} (e.g. SET LOCAL ROLE), and returns the error it raised. */
    private static SQLException refused(DataSource ds, String setup, String statement) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                if (setup != null) {
                    st.execute(setup);
                }
                st.execute(statement);
                c.commit();
                throw new AssertionError("'" + statement + "' was not refused");
            } catch (SQLException e) {
                c.rollback();
                return e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    private static long count(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement(); var rs = st.executeQuery("SELECT count(*) FROM audit_log")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void theWriterRoleMayNotUpdateDeleteOrTruncate() throws SQLException {
        long before = count(test.metadata());
        String asWriter = "SET LOCAL ROLE " + AuditLedger.WRITER_ROLE;
        for (String statement : List.of("UPDATE audit_log SET decision = 'Rejected' WHERE seq = 1", "DELETE FROM audit_log WHERE seq = 1",
                "TRUNCATE audit_log")) {
            SQLException e = refused(test.metadata(), asWriter, statement);
            assertThat(e.getSQLState()).as(statement).isEqualTo("42501");
            assertThat(e.getMessage()).as(statement).contains("permission denied for table audit_log");
        }
        // it may read and append (what the ledger does)
        try (Connection c = test.metadata().getConnection(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute(asWriter);
            assertThat(st.executeQuery("SELECT count(*) FROM audit_log").next()).isTrue();
            c.rollback();
            c.setAutoCommit(true);
        }
        assertThat(count(test.metadata())).isEqualTo(before);
        assertThat(ledger.verify().ok()).isTrue();
    }

    @Test
    void theTriggerRefusesASuperuser() throws SQLException {
        long before = count(test.metadata());
        for (String statement : List.of("UPDATE audit_log SET decision = 'Rejected'", "DELETE FROM audit_log", "TRUNCATE audit_log")) {
            SQLException e = refused(test.metadata(), null, statement);
            assertThat(e.getSQLState()).as(statement).isEqualTo("42501");
            assertThat(e.getMessage()).as(statement).contains("audit_log is append-only: " + statement.split(" ")[0] + " refused");
        }
        assertThat(count(test.metadata())).isEqualTo(before);
    }

    @Test
    void everyAppendRunsUnderTheWriterRole() throws SQLException {
        try (Connection c = test.metadata().getConnection(); Statement st = c.createStatement()) {
            st.execute("REVOKE INSERT ON audit_log FROM " + AuditLedger.WRITER_ROLE);
        }
        try {
            assertThatThrownBy(() -> ledger.append(new AuditLedger.NewEntry("m", 1, AuditEntry.REJECT, Actor.person("bo"), "Rejected",
                    List.of("changed my mind"), Map.of())))
                    .isInstanceOf(JobException.class)
                    .hasMessageContaining("audit ledger: cannot record reject of m: ERROR: permission denied for table audit_log")
                    .satisfies(e -> assertThat(((SQLException) e.getCause()).getSQLState()).isEqualTo("42501"));
        } finally {
            try (Connection c = test.metadata().getConnection(); Statement st = c.createStatement()) {
                st.execute("GRANT INSERT ON audit_log TO " + AuditLedger.WRITER_ROLE);
            }
        }
        long before = count(test.metadata());
        assertThat(ledger.append(new AuditLedger.NewEntry("m", 1, AuditEntry.REJECT, Actor.person("bo"), "Rejected", List.of("x"), Map.of())).seq())
                .isEqualTo(before + 1);
        assertThat(ledger.verify().ok()).isTrue();
    }

    @Test
    void aNonSuperuserOwnerMigratesAppendsAndIsRefusedByTheTrigger() throws SQLException {
        // as on RDS: the migrating (and application) user may create roles but is no superuser, and owns the tables
        String suffix = ProcessHandle.current().pid() + "_" + System.nanoTime();
        String user = "app_" + suffix;
        String db = "rds_" + suffix;
        try (Connection c = test.metadata().getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + user + " LOGIN CREATEROLE PASSWORD 'app-secret'");
            st.execute("CREATE DATABASE " + db + " OWNER " + user);
        }
        String url = test.metadata().getJdbcUrl().replaceFirst("/[^/?]+(\\?.*)?$", "/" + db);
        try (HikariDataSource app = Databases.pool(new JdbcTarget(url, user, "app-secret"), db, 2)) {
            Databases.migrate(app);
            try (Connection c = app.getConnection(); Statement st = c.createStatement();
                 var rs = st.executeQuery("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")) {
                rs.next();
                assertThat(rs.getBoolean(1)).isFalse();
            }
            AuditLedger appLedger = new AuditLedger(app);
            appLedger.append(new AuditLedger.NewEntry("m", 1, AuditEntry.PROMOTE, Actor.job("promote", Map.of()), AuditEntry.PRODUCTION,
                    List.of("gates passed"), Map.of("shadow_rmse", 3.1)));
            for (String statement : List.of("UPDATE audit_log SET decision = 'candidate'", "DELETE FROM audit_log", "TRUNCATE audit_log")) {
                SQLException e = refused(app, null, statement);
                assertThat(e.getSQLState()).as(statement).isEqualTo("42501");
                assertThat(e.getMessage()).as(statement).contains("append-only");
            }
            assertThat(appLedger.verify().ok()).isTrue();
            assertThat(count(app)).isEqualTo(1);
            // an owner may still switch the trigger off (DDL on its own table, see docs/audit.md): the chain is what catches that
            try (Connection c = app.getConnection(); Statement st = c.createStatement()) {
                st.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete");
                st.execute("UPDATE audit_log SET reasons = '{\"gates passed, honestly\"}'");
            }
            AuditLedger.Report r = appLedger.verify();
            assertThat(r.broken().seq()).isEqualTo(1);
            assertThat(r.broken().kind()).isEqualTo(AuditLedger.Kind.EDITED);
        }
    }

    @Test
    void theMigrationRunsAgainOnAnExistingDatabase() throws SQLException, IOException {
        String sql;
        try (InputStream in = AuditPrivilegeTest.class.getResourceAsStream("/db/migration/V4__audit_ledger.sql")) {
            assertThat(in).as("V4 migration on the classpath").isNotNull();
            sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try (Connection c = test.metadata().getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
        assertThat(count(test.metadata())).isGreaterThanOrEqualTo(1);
        assertThat(ledger.verify().ok()).isTrue();
        assertThat(refused(test.metadata(), null, "DELETE FROM audit_log").getMessage()).contains("append-only");
        assertThat(refused(test.metadata(), "SET LOCAL ROLE " + AuditLedger.WRITER_ROLE, "DELETE FROM audit_log").getMessage())
                .contains("permission denied");
    }
}
