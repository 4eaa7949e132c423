-- Generated from dags/models/trip_risk.yaml by `mlops spec --athena-views`; do not edit.
-- Analyst views of model trip_risk over its tables (sql/athena/trip_risk.sql). ${database} = Glue database.

-- Which version served on a date: per data date (dt) the version(s) whose predictions of trip_risk were
-- served (alias production when scored; candidate predictions are shadow only), how many, their mean
-- score and when they were scored. Two rows for one dt: production changed and the date was scored again.
CREATE OR REPLACE VIEW ${database}.served_versions_trip_risk AS
SELECT
  dt,
  model,
  model_version,
  count(*) AS predictions,
  avg(score) AS mean_score,
  min(scored_at) AS first_scored_at,
  max(scored_at) AS last_scored_at
FROM ${database}.predictions_trip_risk
WHERE alias = 'production'
GROUP BY dt, model, model_version;

-- Example: the version that served each day of March 2024
-- SELECT dt, model_version, predictions FROM ${database}.served_versions_trip_risk
--  WHERE dt BETWEEN '2024-03-01' AND '2024-03-31' ORDER BY dt;
