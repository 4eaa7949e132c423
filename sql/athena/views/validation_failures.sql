-- Validation failures by dataset: per data date (dt), dataset and model, how many data checks
-- `mlops validate` evaluated and how many failed, split by severity (an error stops the dataset at
-- the gate; a warning is reported and lets it through). The failed checks themselves, with their
-- observed values and messages, are the dq_results rows with status = 'failed'. Columns: dt,
-- dataset, model, checks, passed, failed, failed_errors, failed_warnings.
CREATE OR REPLACE VIEW ${database}.validation_failures AS
SELECT
  dt,
  dataset,
  model,
  count(*) AS checks,
  sum(CASE WHEN status = 'passed' THEN 1 ELSE 0 END) AS passed,
  sum(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed,
  sum(CASE WHEN status = 'failed' AND severity = 'error' THEN 1 ELSE 0 END) AS failed_errors,
  sum(CASE WHEN status = 'failed' AND severity = 'warning' THEN 1 ELSE 0 END) AS failed_warnings
FROM ${database}.dq_results
GROUP BY dt, dataset, model;

-- Example: the days the gate stopped rentals, last days first (in Athena, name the dataset: dq_results
-- projects it as an injected partition key)
-- SELECT dt, failed_errors, failed_warnings, checks FROM ${database}.validation_failures
--  WHERE dataset = 'rentals' AND failed_errors > 0 ORDER BY dt DESC;
