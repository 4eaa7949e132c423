package dev.mlops.core.batch;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;

/** A run is identified by (job, model, data date): the unit of locking, restart and re-run. */
public record RunIdentity(String job, String model, LocalDate date) {
    public RunIdentity {
        requireNonNull(job, "job is null");
        requireNonNull(model, "model is null");
        requireNonNull(date, "date is null");
    }

    /** A 64-bit key for PostgreSQL advisory locks. */
    public long lockKey() {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(toString().getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(h).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return job + " " + model + " " + date;
    }
}
