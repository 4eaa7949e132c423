-- Data, prediction and attribution drift of `mlops quality`: one row per feature (kind feature,
-- prediction, slice, time_feature) of the date's scored data against the production version's
-- reference profile; every value is stored, drifted or not. drift_metrics/dt=<date>/model=<model>/.
CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.drift_metrics (
  `model_version`             int,
  `feature`                   string,
  `kind`                      string,
  `rows`                      bigint,
  `reference_rows`            bigint,
  `psi`                       double,
  `ks_statistic`              double,
  `ks_p_value`                double,
  `ks_significant`            boolean,
  `js_distance`               double,
  `null_share`                double,
  `reference_null_share`      double,
  `null_share_delta`          double,
  `mean`                      double,
  `reference_mean`            double,
  `min`                       double,
  `max`                       double,
  `reference_min`             double,
  `reference_max`             double,
  `mean_abs_shap`             double,
  `reference_mean_abs_shap`   double,
  `drifted`                   boolean,
  `reasons`                   string,
  `evaluated_at`              timestamp
)
PARTITIONED BY (dt string, model string)
STORED AS PARQUET
LOCATION '${lake}/drift_metrics/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'projection.model.type' = 'injected',
  'storage.location.template' = '${lake}/drift_metrics/dt=${dt}/model=${model}/'
);

-- Example:
-- SELECT dt, feature, psi, ks_p_value, drifted FROM ${database}.drift_metrics WHERE model = 'trip_risk' AND kind = 'feature' ORDER BY dt, psi DESC;
