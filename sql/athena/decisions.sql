-- The retrain decision of `mlops quality`: one row per trigger rule (drift_share, metric_limit,
-- new_labels, attribution_drift) with its value, threshold and whether it fired, plus the retrain
-- row. decisions/dt=<date>/model=<model>/; evidence is JSON.
CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.decisions (
  `model_version`     int,
  `rule`              string,
  `metric`            string,
  `value`             double,
  `threshold`         double,
  `comparison`        string,
  `days`              int,
  `required_days`     int,
  `fired`             boolean,
  `retrain`           boolean,
  `reason`            string,
  `evidence`          string,
  `latest_due_date`   date,
  `evaluated_at`      timestamp
)
PARTITIONED BY (dt string, model string)
STORED AS PARQUET
LOCATION '${lake}/decisions/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'projection.model.type' = 'injected',
  'storage.location.template' = '${lake}/decisions/dt=${dt}/model=${model}/'
);

-- Example:
-- SELECT dt, rule, metric, value, threshold, fired, reason FROM ${database}.decisions WHERE model = 'zone_demand' AND fired ORDER BY dt;
