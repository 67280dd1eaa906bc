-- Schedules (SQLite's version 8): one row per declared schedule, holding
-- the next due time not yet fired and who claimed it. Nodes claim due
-- times with FOR UPDATE SKIP LOCKED, start the execution under a name made
-- from the schedule and the due time, then move due on, conditionally on
-- their claim: a crash in between is repaired by starting again, which the
-- name makes idempotent.
CREATE TABLE schedules (
    name           TEXT COLLATE "C" PRIMARY KEY,
    fingerprint    TEXT NOT NULL,
    seen           BIGINT NOT NULL,
    due            BIGINT NOT NULL DEFAULT 0,
    fire_at        BIGINT NOT NULL DEFAULT 0,
    attempts       INTEGER NOT NULL DEFAULT 0,
    claimed_by     TEXT NOT NULL DEFAULT '',
    claimed_until  BIGINT NOT NULL DEFAULT 0,
    last_due       BIGINT NOT NULL DEFAULT 0,
    last_fired     BIGINT NOT NULL DEFAULT 0,
    last_execution TEXT NOT NULL DEFAULT '',
    last_error     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX schedules_by_fire_at ON schedules (fire_at) WHERE due <> 0;
