-- The model registry (local default of SageMaker's model package groups, and their mirror in aws):
-- one row per registered model version with its status (SageMaker's ModelApprovalStatus values),
-- metrics, hyperparameters and lineage; aliases (production, candidate, previous) per model; and
-- every transition with who and why.
CREATE TABLE mlops_model_version (
    model            VARCHAR(100) NOT NULL,
    version          INT          NOT NULL,
    status           VARCHAR(32)  NOT NULL CHECK (status IN ('PendingManualApproval', 'Approved', 'Rejected')),
    data_date        DATE         NOT NULL,
    backend          VARCHAR(32)  NOT NULL,
    backend_job      TEXT,
    artifact_uri     TEXT         NOT NULL,
    primary_metric   VARCHAR(32)  NOT NULL,
    primary_value    DOUBLE PRECISION,
    metrics          JSONB        NOT NULL,
    hyperparameters  JSONB        NOT NULL,
    features         JSONB        NOT NULL,
    lineage          JSONB        NOT NULL,
    job_instance_id  BIGINT       NOT NULL,
    created_at       TIMESTAMPTZ  NOT NULL DEFAULT now(),
    PRIMARY KEY (model, version),
    UNIQUE (model, job_instance_id)
);

CREATE TABLE mlops_model_alias (
    model       VARCHAR(100) NOT NULL,
    alias       VARCHAR(32)  NOT NULL,
    version     INT          NOT NULL,
    updated_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    PRIMARY KEY (model, alias),
    FOREIGN KEY (model, version) REFERENCES mlops_model_version (model, version)
);

CREATE TABLE mlops_model_event (
    id          BIGSERIAL    PRIMARY KEY,
    model       VARCHAR(100) NOT NULL,
    version     INT          NOT NULL,
    at          TIMESTAMPTZ  NOT NULL DEFAULT now(),
    action      VARCHAR(32)  NOT NULL,
    actor       TEXT         NOT NULL,
    reason      TEXT,
    from_status VARCHAR(32),
    to_status   VARCHAR(32),
    details     JSONB,
    FOREIGN KEY (model, version) REFERENCES mlops_model_version (model, version)
);

CREATE INDEX mlops_model_event_model ON mlops_model_event (model, version, at);
