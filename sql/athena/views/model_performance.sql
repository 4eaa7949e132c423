-- Model performance over time per version: every quality metric `mlops quality` computed for the
-- production predictions of a date (dt = the prediction date), overall (segment 'all') and per
-- slice, with the labelled predictions it was computed on. The counts (predictions, labelled,
-- label_coverage) are in label_coverage. A later quality run with more labels replaces a date's
-- rows (as_of = the date of that run). Columns: model, model_version, dt, metric, segment, value,
-- labelled, as_of, evaluated_at.
CREATE OR REPLACE VIEW ${database}.model_performance AS
SELECT model, model_version, dt, metric, segment, value, labelled, as_of, evaluated_at
FROM (
  SELECT
    model,
    model_version,
    dt,
    metric,
    segment,
    value,
    CAST(max(CASE WHEN metric = 'labelled' THEN value END)
         OVER (PARTITION BY model, dt, model_version, segment) AS bigint) AS labelled,
    as_of,
    evaluated_at
  FROM ${database}.quality_metrics
) m
WHERE metric NOT IN ('predictions', 'labelled', 'label_coverage');

-- Example: rmse of zone_demand per prediction date and version, since 2024
-- SELECT dt, model_version, value, labelled FROM ${database}.model_performance
--  WHERE model = 'zone_demand' AND metric = 'rmse' AND segment = 'all' AND dt >= '2024-01-01'
--  ORDER BY dt, model_version;
