-- The console lists executions across every state machine, newest first,
-- and filters them by status or by the beginning of their name: each of
-- these reads one index range, not the table, whatever it holds. (Those of
-- one state machine, version or alias are read from the indexes of
-- migration 3; counts by state machine and status too.) An execution's
-- start and name never change: the first and last index cost one entry
-- when it is created; the status index is updated when it ends.

CREATE INDEX executions_by_start ON executions (start);
CREATE INDEX executions_by_status ON executions (status, start);
CREATE INDEX executions_by_name ON executions (name, start);
