-- Several nodes: each running execution has an owner (a node's lease) and
-- the position of its journal, which every write checks; timers are claimed
-- before they fire; secrets (the task-token key) live with the data.

CREATE TABLE nodes (
    id      TEXT PRIMARY KEY,
    epoch   INTEGER NOT NULL,
    expires INTEGER NOT NULL
);

ALTER TABLE executions ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE executions ADD COLUMN owner_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE executions ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE executions SET seq = (SELECT COALESCE(MAX(seq), 0) FROM journal WHERE journal.execution = executions.arn);
-- The last history event, which a replay of the journal must give back.
ALTER TABLE executions ADD COLUMN last_event INTEGER NOT NULL DEFAULT 0;
ALTER TABLE executions ADD COLUMN last_event_type TEXT NOT NULL DEFAULT '';
UPDATE executions SET last_event = (SELECT COALESCE(MAX(id), 0) FROM events WHERE events.execution = executions.arn);
UPDATE executions SET last_event_type = COALESCE((SELECT json_extract(body, '$.type') FROM events
    WHERE events.execution = executions.arn AND events.id = executions.last_event), '');
-- Finding the executions of a lapsed lease reads only theirs.
CREATE INDEX executions_by_owner ON executions (owner, owner_epoch) WHERE status = 'RUNNING' AND express = 0;

-- A timer's claim is its claimer's (an execution owner's epoch) until
-- claimed_until; it lapses early when the execution changes hands.
ALTER TABLE timers ADD COLUMN claimed_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE timers ADD COLUMN claimed_epoch INTEGER NOT NULL DEFAULT 0;

CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
