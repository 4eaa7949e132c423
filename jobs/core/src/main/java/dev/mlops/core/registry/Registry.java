package dev.mlops.core.registry;

import dev.mlops.core.JobException;
import dev.mlops.core.audit.Actor;
import dev.mlops.core.audit.AuditEntry;
import dev.mlops.core.audit.AuditLedger;
import dev.mlops.core.json.Json;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The model registry in PostgreSQL: versions with SageMaker's approval statuses, aliases
 * ({@code production}, {@code candidate}, {@code previous}) and an append-only event history of
 * every transition with its actor and reason. Registrations, status changes and alias moves are
 * also appended to the audit ledger ({@link AuditLedger}) in the same transaction.
 */
public final class Registry {
    public static final String PENDING = "PendingManualApproval";
    public static final String APPROVED = "Approved";
    public static final String REJECTED = "Rejected";
    public static final String PRODUCTION = "production";
    public static final String CANDIDATE = "candidate";
    public static final String PREVIOUS = "previous";

    private final DataSource ds;
    private final AuditLedger ledger;

    public Registry(DataSource ds) {
        this.ds = ds;
        this.ledger = new AuditLedger(ds);
    }

    /** A registered version. */
    public record Version(String model, int version, String status, LocalDate dataDate, String backend, String backendJob,
                          String artifactUri, String primaryMetric, Double primaryValue, Map<String, Object> metrics,
                          Map<String, Object> hyperparameters, List<String> features, Map<String, Object> lineage,
                          long jobInstanceId, Instant createdAt) {
    }

    /** A transition. */
    public record Event(long id, String model, int version, Instant at, String action, String actor, String reason,
                        String fromStatus, String toStatus) {
    }

    /** What to register; the version number is allocated by {@link #register}. */
    public record NewVersion(String model, LocalDate dataDate, String backend, String backendJob, String artifactUri,
                             String primaryMetric, Double primaryValue, Map<String, Object> metrics, Map<String, Object> hyperparameters,
                             List<String> features, Map<String, Object> lineage, long jobInstanceId) {
    }

    /**
     * Registers a version as PendingManualApproval under the next version number (allocated under
     * a per-model lock; {@code {version}} in the artifact URI is replaced by it), or returns the one
     * this job instance already registered (a restarted run must not register twice).
     */
    public Version register(NewVersion v, String actor) {
        return tx(c -> {
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                lock.setString(1, "registry|" + v.model());
                lock.execute();
            }
            Optional<Version> existing = byInstance(c, v.model(), v.jobInstanceId());
            if (existing.isPresent()) {
                return existing.get();
            }
            int version;
            try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(MAX(version), 0) + 1 FROM mlops_model_version WHERE model = ?")) {
                ps.setString(1, v.model());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    version = rs.getInt(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO mlops_model_version (model, version, status, data_date, backend, backend_job, artifact_uri,
                      primary_metric, primary_value, metrics, hyperparameters, features, lineage, job_instance_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb, ?)""")) {
                ps.setString(1, v.model());
                ps.setInt(2, version);
                ps.setString(3, PENDING);
                ps.setObject(4, v.dataDate());
                ps.setString(5, v.backend());
                ps.setString(6, v.backendJob());
                ps.setString(7, v.artifactUri().replace("{version}", Integer.toString(version)));
                ps.setString(8, v.primaryMetric());
                ps.setObject(9, v.primaryValue());
                ps.setString(10, Json.write(v.metrics()));
                ps.setString(11, Json.write(v.hyperparameters()));
                ps.setString(12, Json.write(v.features()));
                ps.setString(13, Json.write(v.lineage()));
                ps.setLong(14, v.jobInstanceId());
                ps.executeUpdate();
            }
            String artifact = v.artifactUri().replace("{version}", Integer.toString(version));
            String reason = "trained on data up to " + v.dataDate();
            event(c, v.model(), version, "register", actor, reason, null, PENDING, Map.of("artifact", artifact));
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("data_date", v.dataDate());
            evidence.put("artifact_uri", artifact);
            evidence.put("backend", v.backend());
            evidence.put("backend_job", v.backendJob());
            evidence.put("primary_metric", v.primaryMetric());
            evidence.put("primary_value", v.primaryValue());
            evidence.put("metrics", v.metrics());
            evidence.put("hyperparameters", v.hyperparameters());
            evidence.put("lineage", v.lineage());
            evidence.put("job_instance_id", v.jobInstanceId());
            audit(c, v.model(), version, AuditEntry.REGISTER, actor, PENDING, reason, evidence);
            return byInstance(c, v.model(), v.jobInstanceId()).orElseThrow();
        });
    }

    /** Sets the status (approve / reject) and records who and why. */
    public Version setStatus(String model, int version, String status, String actor, String reason) {
        if (reason == null || reason.isBlank()) {
            throw JobException.usage("a reason is required (--reason)");
        }
        return tx(c -> {
            Optional<Version> found = get(c, model, version);
            if (found.isEmpty()) {
                throw JobException.usage("model " + model + " has no version " + version + "; registered: " + versions(c, model));
            }
            Version v = found.get();
            if (v.status().equals(status)) {
                return v;
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE mlops_model_version SET status = ? WHERE model = ? AND version = ?")) {
                ps.setString(1, status);
                ps.setString(2, model);
                ps.setInt(3, version);
                ps.executeUpdate();
            }
            String action = APPROVED.equals(status) ? AuditEntry.APPROVE : REJECTED.equals(status) ? AuditEntry.REJECT : AuditEntry.STATUS;
            event(c, model, version, action, actor, reason, v.status(), status, null);
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("from_status", v.status());
            evidence.put("primary_metric", v.primaryMetric());
            evidence.put("primary_value", v.primaryValue());
            audit(c, model, version, action, actor, status, reason, evidence);
            if (REJECTED.equals(status)) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM mlops_model_alias WHERE model = ? AND alias = ? AND version = ?")) {
                    ps.setString(1, model);
                    ps.setString(2, CANDIDATE);
                    ps.setInt(3, version);
                    ps.executeUpdate();
                }
            }
            return get(c, model, version).orElseThrow();
        });
    }

    /** Records an event about a version (e.g. the SageMaker model package it was mirrored to). */
    public void record(String model, int version, String action, String actor, String reason, Map<String, Object> details) {
        tx(c -> {
            event(c, model, version, action, actor, reason, null, null, details);
            return null;
        });
    }

    /** Points an alias at a version (production moves the old one to previous), recording the move. */
    public void setAlias(String model, String alias, int version, String actor, String reason) {
        tx(c -> {
            Optional<Integer> old = alias(c, model, alias);
            if (old.isPresent() && old.get() == version) {
                return null;
            }
            if (PRODUCTION.equals(alias) && old.isPresent()) {
                upsertAlias(c, model, PREVIOUS, old.get());
            }
            upsertAlias(c, model, alias, version);
            if (PRODUCTION.equals(alias)) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM mlops_model_alias WHERE model = ? AND alias = ? AND version = ?")) {
                    ps.setString(1, model);
                    ps.setString(2, CANDIDATE);
                    ps.setInt(3, version);
                    ps.executeUpdate();
                }
            }
            event(c, model, version, "alias:" + alias, actor, reason, null, null,
                    old.map(o -> Map.<String, Object>of("replaced", o)).orElse(Map.of()));
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("alias", alias);
            evidence.put("replaced", old.orElse(null));
            get(c, model, version).ifPresent(v -> {
                evidence.put("status", v.status());
                evidence.put("primary_metric", v.primaryMetric());
                evidence.put("primary_value", v.primaryValue());
            });
            String action = !PRODUCTION.equals(alias) ? AuditEntry.ALIAS
                    : old.isPresent() && version < old.get() ? AuditEntry.ROLLBACK : AuditEntry.PROMOTE;
            audit(c, model, version, action, actor, alias, reason, evidence);
            return null;
        });
    }

    /** The details of the latest event of that action for a version (e.g. the ARN of its SageMaker model package). */
    public Optional<Map<String, Object>> details(String model, int version, String action) {
        List<Map<String, Object>> out = new ArrayList<>();
        query("SELECT details::text FROM mlops_model_event WHERE model = ? AND version = ? AND action = ? AND details IS NOT NULL ORDER BY id DESC LIMIT 1",
                ps -> {
                    ps.setString(1, model);
                    ps.setInt(2, version);
                    ps.setString(3, action);
                }, rs -> {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> m = Json.read(rs.getString(1), Map.class);
                    out.add(m);
                    return null;
                });
        return out.stream().findFirst();
    }

    public Optional<Integer> alias(String model, String alias) {
        return tx(c -> alias(c, model, alias));
    }

    public Map<String, Integer> aliases(String model) {
        Map<String, Integer> out = new LinkedHashMap<>();
        query("SELECT alias, version FROM mlops_model_alias WHERE model = ? ORDER BY alias", ps -> ps.setString(1, model), rs -> {
            out.put(rs.getString(1), rs.getInt(2));
            return null;
        });
        return out;
    }

    public Optional<Version> get(String model, int version) {
        return tx(c -> get(c, model, version));
    }

    public List<Version> list(String model) {
        return tx(c -> {
            List<Version> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM mlops_model_version WHERE (? IS NULL OR model = ?) ORDER BY model, version")) {
                ps.setString(1, model);
                ps.setString(2, model);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(version(rs));
                    }
                }
            }
            return out;
        });
    }

    public List<Event> events(String model, int version) {
        return query("SELECT id, model, version, at, action, actor, reason, from_status, to_status FROM mlops_model_event"
                + " WHERE model = ? AND version = ? ORDER BY id", ps -> {
                    ps.setString(1, model);
                    ps.setInt(2, version);
                }, rs -> new Event(rs.getLong(1), rs.getString(2), rs.getInt(3), rs.getTimestamp(4).toInstant(), rs.getString(5),
                        rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9)));
    }

    private static List<Integer> versions(Connection c, String model) throws SQLException {
        List<Integer> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT version FROM mlops_model_version WHERE model = ? ORDER BY version")) {
            ps.setString(1, model);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getInt(1));
                }
            }
        }
        return out;
    }

    private static void upsertAlias(Connection c, String model, String alias, int version) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO mlops_model_alias (model, alias, version) VALUES (?, ?, ?)
                ON CONFLICT (model, alias) DO UPDATE SET version = EXCLUDED.version, updated_at = now()""")) {
            ps.setString(1, model);
            ps.setString(2, alias);
            ps.setInt(3, version);
            ps.executeUpdate();
        }
    }

    private static Optional<Integer> alias(Connection c, String model, String alias) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT version FROM mlops_model_alias WHERE model = ? AND alias = ?")) {
            ps.setString(1, model);
            ps.setString(2, alias);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getInt(1)) : Optional.empty();
            }
        }
    }

    private void audit(Connection c, String model, int version, String action, String actor, String decision, String reason,
                       Map<String, ?> evidence) throws SQLException {
        ledger.append(c, new AuditLedger.NewEntry(model, version, action, Actor.of(actor), decision,
                reason == null ? List.of() : List.of(reason), evidence));
    }

    private static void event(Connection c, String model, int version, String action, String actor, String reason, String from, String to,
                              Map<String, Object> details) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO mlops_model_event (model, version, action, actor, reason, from_status, to_status, details)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb)""")) {
            ps.setString(1, model);
            ps.setInt(2, version);
            ps.setString(3, action);
            ps.setString(4, actor);
            ps.setString(5, reason);
            ps.setString(6, from);
            ps.setString(7, to);
            ps.setString(8, details == null ? null : Json.write(details));
            ps.executeUpdate();
        }
    }

    private static Optional<Version> byInstance(Connection c, String model, long instance) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM mlops_model_version WHERE model = ? AND job_instance_id = ?")) {
            ps.setString(1, model);
            ps.setLong(2, instance);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(version(rs)) : Optional.empty();
            }
        }
    }

    private static Optional<Version> get(Connection c, String model, int version) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM mlops_model_version WHERE model = ? AND version = ?")) {
            ps.setString(1, model);
            ps.setInt(2, version);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(version(rs)) : Optional.empty();
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Version version(ResultSet rs) throws SQLException {
        Double pv = rs.getObject("primary_value") == null ? null : rs.getDouble("primary_value");
        return new Version(rs.getString("model"), rs.getInt("version"), rs.getString("status"), rs.getObject("data_date", LocalDate.class),
                rs.getString("backend"), rs.getString("backend_job"), rs.getString("artifact_uri"), rs.getString("primary_metric"), pv,
                Json.read(rs.getString("metrics"), Map.class), Json.read(rs.getString("hyperparameters"), Map.class),
                Json.read(rs.getString("features"), List.class), Json.read(rs.getString("lineage"), Map.class),
                rs.getLong("job_instance_id"), rs.getTimestamp("created_at").toInstant());
    }

    interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    interface Mapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> List<T> query(String sql, Binder binder, Mapper<T> mapper) {
        return tx(c -> {
            List<T> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                binder.bind(ps);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(mapper.map(rs));
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
            throw JobException.retryable("model registry: " + e.getMessage(), e);
        }
    }
}
