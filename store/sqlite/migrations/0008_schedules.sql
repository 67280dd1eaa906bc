-- Schedules: one row per declared schedule, holding the next due time not
-- yet fired and who claimed it. A node claims a due time (claimed_by,
-- claimed_until), starts its execution under a name made from the schedule
-- and the due time, then moves due on, conditionally on its claim: a crash
-- in between is repaired by starting again, which the name makes
-- idempotent.
CREATE TABLE schedules (
    name           TEXT PRIMARY KEY,
    fingerprint    TEXT NOT NULL,
    seen           INTEGER NOT NULL,
    due            INTEGER NOT NULL DEFAULT 0,
    fire_at        INTEGER NOT NULL DEFAULT 0,
    attempts       INTEGER NOT NULL DEFAULT 0,
    claimed_by     TEXT NOT NULL DEFAULT '',
    claimed_until  INTEGER NOT NULL DEFAULT 0,
    last_due       INTEGER NOT NULL DEFAULT 0,
    last_fired     INTEGER NOT NULL DEFAULT 0,
    last_execution TEXT NOT NULL DEFAULT '',
    last_error     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX schedules_by_fire_at ON schedules (fire_at) WHERE due != 0;
