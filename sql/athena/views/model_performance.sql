-- Model performance over time per version: every quality metric `mlops quality` computed for the
-- production predictions of a date (dt = the prediction date), overall (segment 'all') and per
-- slice, with the labelled predictions it was computed on. The counts (predictions, labelled,
-- label_coverage) are in label_coverage. A later quality run with more labels replaces a date's
-- rows (as_of = the date of that run). Columns: model, model_version, dt, metric, segment, value,
-- labelled, as_of, evaluated_at.
CREATE OR REPLACE VIEW ${database}.model_performance AS
SELECT
  q.model,
  q.model_version,
  q.dt,
  q.metric,
  q.segment,
  q.value,
  CAST(n.value AS bigint) AS labelled,
  q.as_of,
  q.evaluated_at
FROM ${database}.quality_metrics q
LEFT JOIN ${database}.quality_metrics n
  ON n.model = q.model AND n.dt = q.dt AND n.model_version = q.model_version
 AND n.segment = q.segment AND n.metric = 'labelled'
WHERE q.metric NOT IN ('predictions', 'labelled', 'label_coverage');

-- Example: rmse of zone_demand per prediction date and version, over the last 90 days
-- SELECT dt, model_version, value, labelled FROM ${database}.model_performance
--  WHERE model = 'zone_demand' AND metric = 'rmse' AND segment = 'all' AND dt >= '2024-01-01'
--  ORDER BY dt, model_version;
