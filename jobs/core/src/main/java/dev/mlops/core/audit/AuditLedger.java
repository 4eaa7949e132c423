package dev.mlops.core.audit;

import dev.mlops.core.JobException;
import dev.mlops.core.db.Locks;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The audit ledger: one append-only, hash-chained table ({@code audit_log}, migration V4) of every
 * decision of the platform. Appends are serialized by a transaction-level advisory lock (the
 * chain never forks) and run under {@code SET LOCAL ROLE mlops_audit_writer}, which may only
 * INSERT and SELECT; a trigger refuses UPDATE, DELETE and TRUNCATE for everyone. See docs/audit.md.
 */
public final class AuditLedger {
    public static final String WRITER_ROLE = "mlops_audit_writer";
    private static final long LOCK_KEY = Locks.key("audit_log");
    private static final String COLUMNS = "seq, at, model, version, action, actor, run_id, decision, reasons, evidence::text AS evidence, prev_hash, hash";

    private final DataSource ds;

    public AuditLedger(DataSource ds) {
        this.ds = ds;
    }

    /** A decision to record; the ledger adds seq, time and the hashes. {@code evidence} is anything the platform's JSON can write. */
    public record NewEntry(String model, Integer version, String action, Actor actor, String decision, List<String> reasons,
                           Map<String, ?> evidence) {
        public NewEntry {
            require(model, "model");
            require(action, "action");
            require(decision, "decision");
            if (actor == null) {
                throw new IllegalArgumentException("an audit entry needs an actor");
            }
            reasons = reasons == null ? List.of() : reasons.stream().filter(r -> r != null && !r.isBlank()).toList();
            evidence = evidence == null ? Map.of() : evidence;
        }

        private static void require(String value, String what) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException("an audit entry needs a " + what);
            }
        }
    }

    /** How the chain is broken at an entry. */
    public enum Kind {
        /** the entry's content no longer hashes to its stored hash (or its seq was renumbered) */
        EDITED,
        /** entries before it are missing: a gap in seq, or its prev_hash names no entry */
        DELETED,
        /** its prev_hash names an entry that exists, but elsewhere in seq order */
        REORDERED
    }

    /** The first place the chain does not hold. */
    public record Break(long seq, Kind kind, String detail) {
        @Override
        public String toString() {
            return "seq " + seq + " (" + kind.name().toLowerCase(java.util.Locale.ROOT) + "): " + detail;
        }
    }

    /**
     * The outcome of {@link #verify}: how many entries verified, the last one that did (seq 0 and
     * {@link AuditEntry#GENESIS} for none), and the first break, if any. A deleted tail cannot be
     * seen from the chain alone: compare the head with an earlier one (e.g. the lake export).
     */
    public record Report(long verified, long headSeq, String headHash, Break broken) {
        public boolean ok() {
            return broken == null;
        }
    }

    /** Appends an entry in a transaction of its own. */
    public AuditEntry append(NewEntry entry) {
        try (Connection c = ds.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                AuditEntry e = append(c, entry);
                c.commit();
                return e;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        } catch (SQLException e) {
            throw JobException.retryable("audit ledger: cannot record " + entry.action() + " of " + entry.model() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Appends an entry inside the caller's transaction (so it commits or rolls back with the change it
     * records). Holds the ledger's lock until that transaction ends: keep the rest of it short.
     */
    public AuditEntry append(Connection c, NewEntry entry) throws SQLException {
        if (c.getAutoCommit()) {
            throw new IllegalStateException("AuditLedger.append(Connection, ...) needs a transaction (autocommit off)");
        }
        Map<String, Object> evidence = AuditEntry.canonicalEvidence(entry.evidence());
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
            ps.setLong(1, LOCK_KEY);
            ps.execute();
        }
        String role;
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT current_setting('role')")) {
                rs.next();
                role = rs.getString(1);
            }
            st.execute("SET LOCAL ROLE " + WRITER_ROLE);
        } catch (SQLException e) {
            throw new SQLException("audit ledger: cannot SET ROLE " + WRITER_ROLE + ": " + e.getMessage()
                    + " (the application's database user must be a member: GRANT " + WRITER_ROLE + " TO <user>; see docs/audit.md)",
                    e.getSQLState(), e);
        }
        long seq;
        String prev;
        Instant at;
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT l.seq, l.hash, clock_timestamp() FROM (SELECT 1) one"
                     + " LEFT JOIN (SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1) l ON true")) {
            rs.next();
            seq = rs.getLong(1) + 1;
            prev = rs.getString(2) == null ? AuditEntry.GENESIS : rs.getString(2);
            at = rs.getObject(3, OffsetDateTime.class).toInstant();
        }
        AuditEntry e = new AuditEntry(0, at, entry.model(), entry.version(), entry.action(), entry.actor().name(), entry.actor().runId(),
                entry.decision(), entry.reasons(), evidence, null, null).chained(seq, prev);
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO audit_log (seq, at, model, version, action, actor, run_id, decision, reasons, evidence, prev_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)""")) {
            ps.setLong(1, e.seq());
            ps.setObject(2, OffsetDateTime.ofInstant(e.at(), ZoneOffset.UTC));
            ps.setString(3, e.model());
            ps.setObject(4, e.version(), java.sql.Types.INTEGER);
            ps.setString(5, e.action());
            ps.setString(6, e.actor());
            ps.setString(7, e.runId());
            ps.setString(8, e.decision());
            ps.setArray(9, c.createArrayOf("text", e.reasons().toArray()));
            ps.setString(10, e.evidenceJson());
            ps.setString(11, e.prevHash());
            ps.setString(12, e.hash());
            ps.executeUpdate();
        }
        try (Statement st = c.createStatement()) {
            st.execute("none".equals(role) ? "SET LOCAL ROLE NONE" : "SET LOCAL ROLE \"" + role.replace("\"", "\"\"") + "\"");
        }
        return e;
    }

    /** Walks the chain in seq order and reports the first entry where it does not hold. */
    public Report verify() {
        return tx(c -> {
            long verified = 0;
            long prevSeq = 0;
            String prevHash = AuditEntry.GENESIS;
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM audit_log ORDER BY seq")) {
                ps.setFetchSize(1000);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Break b;
                        try {
                            b = check(c, entry(rs), prevSeq, prevHash);
                        } catch (IllegalArgumentException | NullPointerException ex) {
                            b = new Break(rs.getLong("seq"), Kind.EDITED, "it cannot be read back as written (" + ex.getMessage() + ")");
                        }
                        if (b != null) {
                            return new Report(verified, prevSeq, prevHash, b);
                        }
                        verified++;
                        prevSeq = rs.getLong("seq");
                        prevHash = rs.getString("hash");
                    }
                }
            }
            return new Report(verified, prevSeq, prevHash, null);
        });
    }

    private static Break check(Connection c, AuditEntry e, long prevSeq, String prevHash) throws SQLException {
        String computed = e.computeHash();
        if (!computed.equals(e.hash())) {
            return new Break(e.seq(), Kind.EDITED, "its content hashes to " + shortHash(computed) + " but its stored hash is "
                    + shortHash(e.hash()) + ": changed after it was written");
        }
        boolean linked = e.prevHash().equals(prevHash);
        boolean gap = e.seq() != prevSeq + 1;
        if (linked && !gap) {
            return null;
        }
        if (linked) {
            return new Break(e.seq(), Kind.EDITED, "it follows seq " + prevSeq + " in the chain but is numbered " + e.seq()
                    + ": its seq was changed");
        }
        Optional<Long> owner = Optional.empty();
        try (PreparedStatement ps = c.prepareStatement("SELECT seq FROM audit_log WHERE hash = ?")) {
            ps.setString(1, e.prevHash());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    owner = Optional.of(rs.getLong(1));
                }
            }
        }
        if (owner.isPresent()) {
            return new Break(e.seq(), Kind.REORDERED, "it follows seq " + owner.get() + " in the chain (its prev_hash is that entry's hash)"
                    + " but is stored " + (prevSeq == 0 ? "first" : "after seq " + prevSeq));
        }
        if (gap) {
            return new Break(e.seq(), Kind.DELETED, e.seq() - prevSeq == 2 ? "seq " + (prevSeq + 1) + " is missing"
                    : "seq " + (prevSeq + 1) + ".." + (e.seq() - 1) + " are missing");
        }
        return new Break(e.seq(), Kind.DELETED, "the entry it follows (hash " + shortHash(e.prevHash()) + ") is missing: deleted with the seqs"
                + " after it renumbered, or rewritten with a recomputed hash");
    }

    private static String shortHash(String h) {
        return h == null ? "null" : h.length() > 12 ? h.substring(0, 12) + "..." : h;
    }

    /** Every entry of a model, oldest first. */
    public List<AuditEntry> log(String model) {
        return query("SELECT " + COLUMNS + " FROM audit_log WHERE model = ? ORDER BY seq", ps -> ps.setString(1, model));
    }

    /** Entries whose time falls on a date (UTC), in seq order. */
    public List<AuditEntry> on(LocalDate date) {
        return query("SELECT " + COLUMNS + " FROM audit_log WHERE at >= ? AND at < ? ORDER BY seq", ps -> {
            ps.setObject(1, date.atStartOfDay().atOffset(ZoneOffset.UTC));
            ps.setObject(2, date.plusDays(1).atStartOfDay().atOffset(ZoneOffset.UTC));
        });
    }

    /** The entry that put the version in production that was serving at an instant; empty if none was yet. */
    public Optional<AuditEntry> productionAt(String model, Instant at) {
        return query("SELECT " + COLUMNS + " FROM audit_log WHERE model = ? AND decision = '" + AuditEntry.PRODUCTION + "' AND at <= ?"
                + " ORDER BY seq DESC LIMIT 1", ps -> {
                    ps.setString(1, model);
                    ps.setObject(2, OffsetDateTime.ofInstant(at, ZoneOffset.UTC));
                }).stream().findFirst();
    }

    /** Which version was in production on a date: the one serving at the end of that day (UTC), and the entry that put it there. */
    public Optional<AuditEntry> productionOn(String model, LocalDate date) {
        return productionAt(model, date.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC).minusNanos(1000));
    }

    static AuditEntry entry(ResultSet rs) throws SQLException {
        Array a = rs.getArray("reasons");
        List<String> reasons = a == null ? List.of() : List.of((String[]) a.getArray());
        return new AuditEntry(rs.getLong("seq"), rs.getObject("at", OffsetDateTime.class).toInstant(), rs.getString("model"),
                (Integer) rs.getObject("version"), rs.getString("action"), rs.getString("actor"), rs.getString("run_id"),
                rs.getString("decision"), reasons, AuditEntry.fromJson(rs.getString("evidence")), rs.getString("prev_hash"), rs.getString("hash"));
    }

    interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private List<AuditEntry> query(String sql, Binder binder) {
        return tx(c -> {
            List<AuditEntry> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                binder.bind(ps);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(entry(rs));
                    }
                }
            }
            return out;
        });
    }

    private <T> T tx(Work<T> work) {
        try (Connection c = ds.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                T t = work.run(c);
                c.commit();
                return t;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        } catch (SQLException e) {
            throw JobException.retryable("audit ledger: " + e.getMessage(), e);
        }
    }
}
