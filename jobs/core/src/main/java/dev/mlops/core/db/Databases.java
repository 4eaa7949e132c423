package dev.mlops.core.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.mlops.core.JobException;
import dev.mlops.core.config.JdbcTarget;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Connection pools and the schema migrations of the metadata database ({@code sql/postgres}). */
public final class Databases {
    private static final Logger LOG = LoggerFactory.getLogger(Databases.class);

    private Databases() {
    }

    public static HikariDataSource pool(JdbcTarget target, String name, int maxSize) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(target.url());
        if (target.user() != null) {
            hc.setUsername(target.user());
        }
        if (target.password() != null && !target.password().isEmpty()) {
            hc.setPassword(target.password());
        }
        hc.setPoolName(name);
        hc.setMaximumPoolSize(maxSize);
        hc.setMinimumIdle(0);
        hc.setConnectionTimeout(15_000);
        hc.setInitializationFailTimeout(15_000);
        try {
            return new HikariDataSource(hc);
        } catch (RuntimeException e) {
            throw JobException.retryable("cannot connect to " + target + ": " + rootMessage(e), e);
        }
    }

    /** Applies the versioned migrations shipped in the jar ({@code db/migration}, from {@code sql/postgres}). */
    public static void migrate(javax.sql.DataSource ds) {
        try {
            MigrateResult r = Flyway.configure()
                    .dataSource(ds)
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
            if (r.migrationsExecuted > 0) {
                LOG.info("metadata schema migrated to version {} ({} migrations)", r.targetSchemaVersion, r.migrationsExecuted);
            }
        } catch (FlywayException e) {
            throw JobException.retryable("cannot migrate the metadata database: " + rootMessage(e), e);
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
