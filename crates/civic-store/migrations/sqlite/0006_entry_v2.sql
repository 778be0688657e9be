-- Ledger entry version 2: nothing derived from an input's text, or typed by
-- a person, enters the append-only ledger. A decision's entry holds the
-- SHA-256 of its explanation and of its reference instead of the text, and
-- an override's entry the SHA-256 of its reason. The text stays in the
-- record; the digests are stored beside it so that the entry still rebuilds
-- once the text is gone. Rows written before this migration keep version 1
-- (their entries hold the text itself and are verified as before).
ALTER TABLE decisions ADD COLUMN entry_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE decisions ADD COLUMN explanation_sha256 TEXT;
ALTER TABLE decisions ADD COLUMN reference_sha256 TEXT;

-- A version-2 decision's explanation and reference are kept as long as its
-- input (input_retention_days) and then removed: the explanation becomes
-- JSON null and removed_at says when. Without a retention period they are
-- never stored.
ALTER TABLE decisions ADD COLUMN text_expires_at INTEGER;
ALTER TABLE decisions ADD COLUMN explanation_removed_at INTEGER;
CREATE INDEX decisions_text_expiry ON decisions (text_expires_at) WHERE text_expires_at IS NOT NULL;

ALTER TABLE review_events ADD COLUMN entry_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE review_events ADD COLUMN reason_sha256 TEXT;
ALTER TABLE review_events ADD COLUMN reason_redacted_at INTEGER;

-- An administrator's redaction of a stored reason (an erasure request):
-- itself a ledger entry, which holds the digest of why, never the reason.
CREATE TABLE reason_redactions (
    id           TEXT PRIMARY KEY,
    review_id    TEXT NOT NULL UNIQUE REFERENCES review_events (id),
    decision_id  TEXT NOT NULL REFERENCES decisions (id),
    redacted_by  TEXT NOT NULL,
    why          TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    ledger_index INTEGER NOT NULL UNIQUE
);
