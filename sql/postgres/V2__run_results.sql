-- One row per finished job run attempt: the JSON result every job writes, kept next to
-- the Spring Batch execution it belongs to, so `mlops runs` and analysts see outcomes
-- (exit code, counts, outputs) without reading the lake.
CREATE TABLE mlops_run_result (
    job_execution_id BIGINT      NOT NULL PRIMARY KEY,
    job_name         VARCHAR(100) NOT NULL,
    model            VARCHAR(100) NOT NULL,
    data_date        DATE         NOT NULL,
    exit_code        INT          NOT NULL,
    summary          TEXT         NOT NULL,
    result           JSONB        NOT NULL,
    finished_at      TIMESTAMPTZ  NOT NULL DEFAULT now()
);

CREATE INDEX mlops_run_result_identity ON mlops_run_result (job_name, model, data_date);
