-- Governance events: every change of who may act (API keys, web users) and
-- of what decides (model versions, the settings that alter decisions, purges
-- of lapsed inputs) is a ledger entry of its own, written in the same
-- transaction as the change. Each row holds the columns its entry is rebuilt
-- from: the kind (event), who (actor, a principal), when, and the kind's own
-- fields as canonical JSON (details). A settings_changed row keeps the
-- settings themselves in details; its entry holds only their SHA-256.
CREATE TABLE governance_events (
    id           TEXT PRIMARY KEY,
    event        TEXT NOT NULL,
    actor        TEXT NOT NULL,
    details      TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    ledger_index BIGINT NOT NULL UNIQUE
);
-- The audit listing filters by kind or by who, newest first.
CREATE INDEX governance_events_event ON governance_events (event, ledger_index);
CREATE INDEX governance_events_actor ON governance_events (actor, ledger_index);
