-- Drift heatmap data: one cell per model, run date (dt) and feature (kind feature, prediction,
-- slice or time_feature) of the production version's scoring set against its reference profile,
-- with the statistics that colour it and the verdict (drifted_flag 1/0, for sums and colour
-- scales). Columns: model, dt, model_version, kind, feature, psi, ks_statistic, ks_p_value,
-- js_distance, null_share_delta, mean, reference_mean, mean_abs_shap, reference_mean_abs_shap,
-- drifted, drifted_flag, reasons.
CREATE OR REPLACE VIEW ${database}.drift_heatmap AS
SELECT
  model,
  dt,
  model_version,
  kind,
  feature,
  psi,
  ks_statistic,
  ks_p_value,
  js_distance,
  null_share_delta,
  mean,
  reference_mean,
  mean_abs_shap,
  reference_mean_abs_shap,
  drifted,
  CASE WHEN drifted THEN 1 ELSE 0 END AS drifted_flag,
  reasons
FROM ${database}.drift_metrics;

-- Example: the heatmap of zone_demand's features (rows: feature, columns: dt, cell: psi, marked when drifted)
-- SELECT feature, dt, psi, drifted_flag FROM ${database}.drift_heatmap
--  WHERE model = 'zone_demand' AND kind = 'feature' ORDER BY feature, dt;
-- Example: the share of drifted features per day
-- SELECT dt, CAST(sum(drifted_flag) AS double) / count(*) AS drifted_share FROM ${database}.drift_heatmap
--  WHERE model = 'zone_demand' AND kind = 'feature' GROUP BY dt ORDER BY dt;
