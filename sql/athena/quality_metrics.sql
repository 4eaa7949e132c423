-- Model quality of `mlops quality`: the judged version's metrics on the predictions of a date whose
-- labels are due, overall and per slice (segment 'all' or '<slice>=<value>'), recomputed when more
-- labels arrive (the partition of that prediction date is replaced; as_of = the run date).
-- Written to quality_metrics/dt=<prediction date>/model=<model>/. See docs/quality.md.
CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.quality_metrics (
  `model_version`   int,
  `metric`          string,
  `segment`         string,
  `value`           double,
  `as_of`           date,
  `evaluated_at`    timestamp
)
PARTITIONED BY (dt string, model string)
STORED AS PARQUET
LOCATION '${lake}/quality_metrics/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'projection.model.type' = 'injected',
  'storage.location.template' = '${lake}/quality_metrics/dt=${dt}/model=${model}/'
);

-- Example:
-- SELECT dt, model_version, value FROM ${database}.quality_metrics WHERE model = 'zone_demand' AND metric = 'rmse' AND segment = 'all' ORDER BY dt;
