-- The audit ledger: every decision of the platform (validation gates, registrations, approvals,
-- promotions, rollbacks, shadow and quality verdicts, retrain decisions, manual overrides) as one
-- append-only, hash-chained table. See docs/audit.md and docs/adr/0007-audit-ledger.md.
--
-- seq is assigned by the ledger (predecessor + 1, under a transaction-level advisory lock), not by
-- a sequence: a rolled-back append would burn a sequence value, and a gap must mean a deleted row.
-- hash = SHA-256 of the canonical JSON of (at, model, version, action, actor, run_id, decision,
-- reasons, evidence, prev_hash); prev_hash of the first entry is 64 zeros.
--
-- Re-runnable: every statement is guarded, so it also applies to a database (or cluster) where
-- some of these objects already exist. Works as a non-superuser (e.g. on RDS) with CREATEROLE.

CREATE TABLE IF NOT EXISTS audit_log (
    seq        BIGINT       PRIMARY KEY CHECK (seq > 0),
    at         TIMESTAMPTZ  NOT NULL,
    model      VARCHAR(100) NOT NULL,
    version    INT,
    action     VARCHAR(32)  NOT NULL,
    actor      TEXT         NOT NULL,
    run_id     TEXT,
    decision   VARCHAR(64)  NOT NULL,
    reasons    TEXT[]       NOT NULL DEFAULT '{}',
    evidence   JSONB        NOT NULL DEFAULT '{}',
    prev_hash  CHAR(64)     NOT NULL,
    hash       CHAR(64)     NOT NULL UNIQUE
);

CREATE INDEX IF NOT EXISTS audit_log_model ON audit_log (model, version, seq);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at);

COMMENT ON TABLE audit_log IS 'append-only, hash-chained ledger of platform decisions (docs/audit.md)';

-- The role the application's appends run under (SET LOCAL ROLE in the appending transaction).
-- Roles are per cluster: another database of the same server may have created it already, possibly
-- at the same moment (concurrent migrations race on pg_authid).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mlops_audit_writer') THEN
        CREATE ROLE mlops_audit_writer NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

REVOKE ALL ON audit_log FROM PUBLIC;
REVOKE ALL ON audit_log FROM mlops_audit_writer;
GRANT SELECT, INSERT ON audit_log TO mlops_audit_writer;

-- SET ROLE needs membership unless the migrating user is a superuser. A user that may not grant the
-- role to itself (it exists and was created by someone else) gets a warning: its appends then fail
-- with "permission denied to set role", naming the fix (GRANT mlops_audit_writer TO <app user>).
DO $$
BEGIN
    IF NOT pg_has_role(current_user, 'mlops_audit_writer', 'MEMBER') THEN
        EXECUTE format('GRANT mlops_audit_writer TO %I', current_user);
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'cannot grant mlops_audit_writer to %: %; run GRANT mlops_audit_writer TO % as an admin', current_user, SQLERRM, current_user;
END
$$;

-- Refuses UPDATE, DELETE and TRUNCATE for everyone, the table's owner included. A superuser can still
-- disable the trigger (ALTER TABLE ... DISABLE TRIGGER, session_replication_role = replica): the hash
-- chain is what detects that (mlops audit verify).
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'entries are never changed or removed; append a correcting entry instead (e.g. action override)';
END
$$;

DROP TRIGGER IF EXISTS audit_log_no_update_delete ON audit_log;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
