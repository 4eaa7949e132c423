-- Every comparison of `mlops shadow`: one row per metric and segment, per model and data date
-- (written by ShadowJob to shadow_results/dt=<date>/model=<model>/; a re-run replaces the partition).
-- segment is 'all' or '<slice>=<value>'; metrics: pairs, agreeing, agreement, pearson, spearman,
-- top_k_overlap, psi, production_mean, candidate_mean, mean_shift, q10/q50/q90_shift,
-- production/candidate_positive_rate (classification), and production.<m> / candidate.<m> with
-- labelled (the training metrics of both versions, where the date's labels are in).
CREATE EXTERNAL TABLE IF NOT EXISTS ${database}.shadow_results (
  prod_version      int     COMMENT 'the production version compared',
  candidate_version int     COMMENT 'the candidate version compared',
  metric            string,
  segment           string  COMMENT 'all, or <slice>=<value>',
  value             double  COMMENT 'null where undefined (e.g. the correlation of a constant score)'
)
PARTITIONED BY (dt string, model string)
STORED AS PARQUET
LOCATION '${lake}/shadow_results/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW',
  'projection.model.type' = 'injected',
  'storage.location.template' = '${lake}/shadow_results/dt=${dt}/model=${model}/'
);

-- Example: daily agreement of the current shadow pair, with the afternoon segment
-- SELECT dt, metric, segment, value FROM ${database}.shadow_results
--  WHERE model = 'zone_demand' AND metric = 'agreement' AND segment IN ('all', 'time_of_day=rush') ORDER BY dt;
