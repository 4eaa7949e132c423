-- Label coverage: per model, prediction date (dt), version and segment ('all' or '<slice>=<value>'),
-- how many production predictions there were, how many have their label by now and the share
-- (null for a segment without predictions), as of the last quality run over that date. Labels
-- arrive late (the spec's label delay, e.g. 30 days for claims): a date's coverage grows with each
-- run until its labels are all in. Columns: model, dt, model_version, segment, predictions,
-- labelled, label_coverage, as_of.
CREATE OR REPLACE VIEW ${database}.label_coverage AS
SELECT
  model,
  dt,
  model_version,
  segment,
  CAST(max(CASE WHEN metric = 'predictions' THEN value END) AS bigint) AS predictions,
  CAST(max(CASE WHEN metric = 'labelled' THEN value END) AS bigint) AS labelled,
  max(CASE WHEN metric = 'label_coverage' THEN value END) AS label_coverage,
  max(as_of) AS as_of
FROM ${database}.quality_metrics
WHERE metric IN ('predictions', 'labelled', 'label_coverage')
GROUP BY model, dt, model_version, segment;

-- Example: dates of trip_risk whose labels are not all in yet
-- SELECT dt, model_version, predictions, labelled, label_coverage FROM ${database}.label_coverage
--  WHERE model = 'trip_risk' AND segment = 'all' AND label_coverage < 1 ORDER BY dt;
