package dev.mlops.core.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalPostgresTest {
    @Test
    void stateSurvivesARestartAndASecondProcessAttaches(@TempDir Path home) throws Exception {
        try (LocalPostgres first = LocalPostgres.start(home, 0)) {
            assertThat(first.owner()).isTrue();
            try (Connection c = DriverManager.getConnection(first.jdbcUrl("mlops"), LocalPostgres.USER, null);
                 Statement st = c.createStatement()) {
                st.execute("CREATE TABLE kept (v int)");
                st.execute("INSERT INTO kept VALUES (42)");
            }
            // another CLI process on the same home finds the running server instead of starting a second one
            try (LocalPostgres second = LocalPostgres.start(home, 0)) {
                assertThat(second.owner()).isFalse();
                assertThat(second.port()).isEqualTo(first.port());
                assertThat(query(second.jdbcUrl("mlops"))).isEqualTo(42);
            }
            assertThat(query(first.jdbcUrl("mlops"))).as("closing an attached handle leaves the server up").isEqualTo(42);
        }
        assertThat(home.resolve("postgres/data/PG_VERSION")).exists();
        try (LocalPostgres again = LocalPostgres.start(home, 0)) {
            assertThat(again.owner()).isTrue();
            assertThat(query(again.jdbcUrl("mlops"))).as("data under MLOPS_HOME survives a restart").isEqualTo(42);
            try (Connection c = DriverManager.getConnection(again.jdbcUrl("ops"), LocalPostgres.USER, null)) {
                assertThat(c.isValid(2)).as("the ops database exists for reference tables").isTrue();
            }
        }
    }

    @Test
    void aUsersHomeIsCrashSafeWhileTestHomesKeepTheFastSettings(@TempDir Path userHome, @TempDir Path testHome) throws Exception {
        assertThat(System.getProperty(LocalPostgres.UNSAFE_FAST_PROPERTY))
                .as("surefire runs the test JVMs with the fast settings (parent pom)").isEqualTo("true");
        // a CLI run: nothing sets the property (the launcher, the images and a user's shell never do)
        System.clearProperty(LocalPostgres.UNSAFE_FAST_PROPERTY);
        try (LocalPostgres user = LocalPostgres.start(userHome, 0)) {
            assertThat(user.owner()).isTrue();
            assertThat(show(user, "fsync")).isEqualTo("on");
            assertThat(show(user, "full_page_writes")).isEqualTo("on");
            assertThat(show(user, "synchronous_commit")).isEqualTo("on");
        } finally {
            System.setProperty(LocalPostgres.UNSAFE_FAST_PROPERTY, "true");
        }
        try (LocalPostgres test = LocalPostgres.start(testHome, 0)) {
            assertThat(show(test, "fsync")).isEqualTo("off");
            assertThat(show(test, "full_page_writes")).isEqualTo("off");
        }
    }

    private static String show(LocalPostgres pg, String setting) throws Exception {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("mlops"), LocalPostgres.USER, null);
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static int query(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url, LocalPostgres.USER, null);
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT v FROM kept")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
