-- The model registry: trained models, versioned per name, one active version per name.
CREATE TABLE models (
    name                 TEXT NOT NULL,
    version              INTEGER NOT NULL,
    service              TEXT NOT NULL,
    active               INTEGER NOT NULL DEFAULT 0,
    training_data_sha256 TEXT NOT NULL,
    metrics              TEXT NOT NULL,
    model                BLOB NOT NULL,
    created_by           TEXT NOT NULL,
    created_at           INTEGER NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE UNIQUE INDEX models_one_active ON models (name) WHERE active = 1;
