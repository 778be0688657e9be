-- Counters for the overview and the queue's filters, so that those pages
-- read a handful of rows instead of counting 100,000 queued items or a
-- million decisions on every request. The ledger writer keeps them in step
-- in the same transaction as the rows they count (see writer.rs), so they
-- can never disagree with what was committed. They are derived data: the
-- ledger and the decision rows stay the record, and these are rebuilt from
-- them below.

-- Items waiting for review, per service and suggested team ('' when the
-- decision suggested no team).
CREATE TABLE queue_counts (
    service  TEXT NOT NULL,
    team     TEXT NOT NULL,
    waiting  INTEGER NOT NULL,
    PRIMARY KEY (service, team)
);
INSERT INTO queue_counts (service, team, waiting)
SELECT service, COALESCE(team, ''), COUNT(*) FROM review_queue
GROUP BY service, COALESCE(team, '');

-- Decisions recorded and reviews made per UTC day (days since the Unix
-- epoch: created_at / 86,400,000).
CREATE TABLE daily_activity (
    day        INTEGER PRIMARY KEY,
    decisions  INTEGER NOT NULL,
    reviews    INTEGER NOT NULL,
    overrides  INTEGER NOT NULL
);
INSERT INTO daily_activity (day, decisions, reviews, overrides)
SELECT day, SUM(d), SUM(r), SUM(o) FROM (
    SELECT created_at / 86400000 AS day, 1 AS d, 0 AS r, 0 AS o FROM decisions
    UNION ALL
    SELECT created_at / 86400000, 0, 1, CASE WHEN action = 'override' THEN 1 ELSE 0 END
    FROM review_events
) AS activity GROUP BY day;

-- Quality samples per model version: how many were sampled, reviewed and
-- overridden.
CREATE TABLE quality_counts (
    model_name     TEXT NOT NULL,
    model_version  TEXT NOT NULL,
    sampled        INTEGER NOT NULL,
    reviewed       INTEGER NOT NULL,
    overridden     INTEGER NOT NULL,
    PRIMARY KEY (model_name, model_version)
);
INSERT INTO quality_counts (model_name, model_version, sampled, reviewed, overridden)
SELECT d.model_name, d.model_version, COUNT(*), COUNT(r.id),
       COALESCE(SUM(CASE WHEN r.action = 'override' THEN 1 ELSE 0 END), 0)
FROM decisions d LEFT JOIN review_events r ON r.decision_id = d.id
WHERE d.quality_sample = 1
GROUP BY d.model_name, d.model_version;
