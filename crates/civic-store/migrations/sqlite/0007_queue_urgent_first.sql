-- The review queue is read urgent items first (safeguarding alerts), then
-- by waiting time: keyset pages on (urgent DESC, created_at, decision_id).
-- The filtered views keep their own indexes from 0003.
CREATE INDEX review_queue_urgent_age ON review_queue (urgent DESC, created_at, decision_id);
