-- Quality sampling: a share of the decisions that would have been applied
-- automatically is queued for review instead. The writer decides when it
-- records the decision (from the decision's id and the configured rate) and
-- the flag is part of the decision's ledger entry, so the ledger says why it
-- was queued. Decisions recorded before this migration were never samples.
ALTER TABLE decisions ADD COLUMN quality_sample BIGINT NOT NULL DEFAULT 0;

-- The override rate on samples, per model version, reads only the samples.
CREATE INDEX decisions_quality_sample ON decisions (model_name, model_version)
    WHERE quality_sample = 1;

-- Exports page through decisions and review events by time.
CREATE INDEX decisions_created_id ON decisions (created_at, id);
CREATE INDEX review_events_created_id ON review_events (created_at, id);
