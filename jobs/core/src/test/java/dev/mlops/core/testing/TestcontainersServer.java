package dev.mlops.core.testing;

import dev.mlops.core.config.JdbcTarget;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.testcontainers.containers.PostgreSQLContainer;

/** PostgreSQL in Docker via Testcontainers, for machines that run Docker (MLOPS_TEST_POSTGRES=testcontainers). */
final class TestcontainersServer implements TestEnvironment.Server {
    private final PostgreSQLContainer<?> container;

    private TestcontainersServer(PostgreSQLContainer<?> container) {
        this.container = container;
    }

    @SuppressWarnings("resource")
    static TestcontainersServer start() {
        PostgreSQLContainer<?> c = new PostgreSQLContainer<>("postgres:16-alpine");
        c.start();
        Runtime.getRuntime().addShutdownHook(new Thread(c::stop));
        return new TestcontainersServer(c);
    }

    @Override
    public JdbcTarget target(String database) {
        String url = "jdbc:postgresql://" + container.getHost() + ":" + container.getFirstMappedPort() + "/" + database;
        return new JdbcTarget(url, container.getUsername(), container.getPassword());
    }

    @Override
    public void createDatabase(String name) {
        try (Connection conn = DriverManager.getConnection(container.getJdbcUrl(), container.getUsername(), container.getPassword());
             Statement st = conn.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            if (!"42P04".equals(e.getSQLState())) {
                throw new IllegalStateException(e);
            }
        }
    }
}
