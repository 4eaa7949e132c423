package dev.mlops.core.db;

import dev.mlops.core.JobException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * Short critical sections across processes, on PostgreSQL advisory locks (e.g. the
 * read-modify-write of a dataset's metric history by two dates validated at once).
 */
public final class Locks {
    private Locks() {
    }

    /** Runs {@code work} holding the lock named {@code name}, waiting for it if another process holds it. */
    public static <T> T withLock(DataSource ds, String name, Supplier<T> work) {
        try (Connection c = ds.getConnection()) {
            long key = key(name);
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_lock(?)")) {
                ps.setLong(1, key);
                ps.execute();
            }
            try {
                return work.get();
            } finally {
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                    ps.setLong(1, key);
                    ps.execute();
                } catch (SQLException e) {
                    if (ds instanceof com.zaxxer.hikari.HikariDataSource pool) {
                        pool.evictConnection(c);
                    }
                }
            }
        } catch (SQLException e) {
            throw JobException.retryable("cannot take lock '" + name + "': " + e.getMessage(), e);
        }
    }

    /** The advisory lock key of a name (also for {@code pg_advisory_xact_lock}). */
    public static long key(String name) {
        try {
            return ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(("lock|" + name).getBytes(StandardCharsets.UTF_8))).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
