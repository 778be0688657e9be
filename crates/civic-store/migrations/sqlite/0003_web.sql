-- The web interface: users who sign in with a password, their server-side
-- sessions, and the review queue.
-- Times are milliseconds since the Unix epoch (UTC); ids are UUID v7 text.

-- People who sign in to the web interface. They have the same roles as API
-- keys. Only an argon2id PHC string of the password is stored.
CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    role           TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    disabled_at    INTEGER
);

-- Signed-in sessions. Only the SHA-256 of the cookie's secret is stored.
-- `draft` holds a review form that was submitted after the session had
-- expired, restored once the user signs in again.
CREATE TABLE sessions (
    token_hash  BLOB PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    csrf_token  TEXT NOT NULL,
    draft       TEXT,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Decisions waiting for a person, whatever the service. The ledger writer
-- adds a row in the same transaction as every `needs_review` decision and
-- removes it in the same transaction as the review; `team` and `urgent` are
-- read from the decision's output (`output.team`, `output.urgent`) when it
-- is recorded, so no service needs queue code of its own.
CREATE TABLE review_queue (
    decision_id  TEXT PRIMARY KEY REFERENCES decisions (id),
    service      TEXT NOT NULL,
    team         TEXT,
    urgent       INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    assigned_to  TEXT
);
-- Keyset pagination (oldest first) with and without each filter.
CREATE INDEX review_queue_age ON review_queue (created_at, decision_id);
CREATE INDEX review_queue_service ON review_queue (service, created_at, decision_id);
CREATE INDEX review_queue_team ON review_queue (team, created_at, decision_id);
CREATE INDEX review_queue_assigned ON review_queue (assigned_to, created_at, decision_id);

INSERT INTO review_queue (decision_id, service, team, urgent, created_at, assigned_to)
SELECT id, service, json_extract(output, '$.team'),
       CASE WHEN json_extract(output, '$.urgent') = 1 THEN 1 ELSE 0 END,
       created_at, NULL
FROM decisions WHERE status = 'needs_review';

-- The overview counts today's decisions and reviews.
CREATE INDEX decisions_created ON decisions (created_at);
CREATE INDEX review_events_created ON review_events (created_at);
