-- Foundation schema: API keys, decision records, review events and the ledger.
-- Times are milliseconds since the Unix epoch (UTC); ids are UUID v7 text.

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL,
    token_hash  BLOB NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

CREATE TABLE decisions (
    id               TEXT PRIMARY KEY,
    service          TEXT NOT NULL,
    model_name       TEXT NOT NULL,
    model_version    TEXT NOT NULL,
    input_sha256     TEXT NOT NULL,
    input            TEXT,
    input_expires_at INTEGER,
    output           TEXT NOT NULL,
    explanation      TEXT NOT NULL,
    confidence       REAL,
    status           TEXT NOT NULL,
    initial_status   TEXT NOT NULL,
    requested_by     TEXT NOT NULL,
    reference        TEXT,
    created_at       INTEGER NOT NULL,
    ledger_index     INTEGER NOT NULL UNIQUE
);
CREATE INDEX decisions_status_created ON decisions (status, created_at);
CREATE INDEX decisions_input_expiry ON decisions (input_expires_at) WHERE input_expires_at IS NOT NULL;

CREATE TABLE review_events (
    id            TEXT PRIMARY KEY,
    decision_id   TEXT NOT NULL REFERENCES decisions (id),
    action        TEXT NOT NULL,
    output        TEXT,
    reason        TEXT,
    reviewer      TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    ledger_index  INTEGER NOT NULL UNIQUE
);
CREATE INDEX review_events_decision ON review_events (decision_id);

-- The append-only log. `entry` is the canonical JSON that was hashed.
CREATE TABLE ledger_entries (
    idx        INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    entry      BLOB NOT NULL,
    leaf_hash  BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

-- The Merkle tree's stored hashes (Go sumdb/tlog addressing), for proofs.
CREATE TABLE ledger_hashes (
    id   INTEGER PRIMARY KEY,
    hash BLOB NOT NULL
);

-- Signed checkpoints (C2SP signed note text).
CREATE TABLE checkpoints (
    tree_size  INTEGER PRIMARY KEY,
    root_hash  BLOB NOT NULL,
    note       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
