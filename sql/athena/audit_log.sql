-- The audit ledger's daily export (`mlops audit export --date D`, AuditExport): one row per decision
-- of the platform appended on that date (UTC), written to audit/dt=<date>/. See docs/audit.md.
CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.audit_log (
  seq        bigint         COMMENT 'position in the hash chain (1, 2, 3, ... without gaps)',
  `at`       timestamp      COMMENT 'when the entry was appended (UTC)',
  model      string         COMMENT 'model the decision is about',
  version    int            COMMENT 'model version (null for data decisions such as a validation gate)',
  action     string         COMMENT 'validate, register, approve, reject, promote, rollback, alias, shadow, quality, retrain, override',
  actor      string         COMMENT 'a person, or job:<name>',
  run_id     string         COMMENT 'Airflow run id of a job (MLOPS_RUN_ID)',
  decision   string         COMMENT 'the outcome; production = this entry put its version in production',
  reasons    array<string>  COMMENT 'why, in words',
  evidence   string         COMMENT 'JSON: metrics, thresholds, observed values and bounds, input manifests hashes',
  prev_hash  string         COMMENT 'hash of the entry before (64 zeros for the first)',
  hash       string         COMMENT 'SHA-256 of the canonical JSON of the entry (docs/audit.md)'
)
COMMENT 'append-only, hash-chained ledger of platform decisions, exported daily from PostgreSQL audit_log'
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION '${lake}/audit/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'storage.location.template' = '${lake}/audit/dt=${dt}/'
);

-- Example: which version of zone_demand was in production at the end of 2024-03-15, and the entry that put it there
-- SELECT version, "at", action, actor, reasons FROM ${database}.audit_log
--  WHERE model = 'zone_demand' AND decision = 'production' AND dt <= '2024-03-15'
--  ORDER BY seq DESC LIMIT 1;
