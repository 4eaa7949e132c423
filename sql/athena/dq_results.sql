-- Every data check outcome of `mlops validate`: one row per declared check or anomaly check,
-- per dataset partition and data date (written by ValidateJob to dq_results/dt=<date>/dataset=<name>/).
CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.dq_results (
  model           string  COMMENT 'model spec name',
  `check`         string  COMMENT 'check name from the spec (or <column>_<kind>)',
  kind            string  COMMENT 'check kind, or anomaly:<strategy>',
  `constraint`    string  COMMENT 'the Deequ constraint evaluated',
  severity        string  COMMENT 'error or warning',
  status          string  COMMENT 'passed or failed',
  metric          string  COMMENT 'Deequ metric name (Maximum, Completeness, Size, ...)',
  value           double  COMMENT 'the observed metric value',
  message         string  COMMENT 'failure message: observed value and expected bound',
  job_instance_id bigint  COMMENT 'the validate run that wrote the row'
)
PARTITIONED BY (dt string, dataset string)
STORED AS PARQUET
LOCATION '${lake}/dq_results/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'projection.dataset.type' = 'injected',
  'storage.location.template' = '${lake}/dq_results/dt=${dt}/dataset=${dataset}/'
);

-- Example: failed error-level checks of the last 30 days
-- SELECT dt, dataset, "check", value, message FROM ${database}.dq_results
--  WHERE dataset = 'trips' AND dt >= cast(current_date - interval '30' day AS varchar)
--    AND status = 'failed' AND severity = 'error' ORDER BY dt;
