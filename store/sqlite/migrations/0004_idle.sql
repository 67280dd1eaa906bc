-- An execution is idle when no task of it is in flight: it waits only on
-- timers (a Wait state, a retry's back-off). Recovery leaves idle
-- executions in the database, owned, for their timers to wake, instead of
-- rebuilding each one: a million waiting executions are taken over in the
-- time of one query. Existing rows are not known to be idle.
ALTER TABLE executions ADD COLUMN idle INTEGER NOT NULL DEFAULT 0;
