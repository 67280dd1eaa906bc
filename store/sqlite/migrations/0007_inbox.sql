-- The inbox keeps what a node received for an execution another node owns
-- (a task's result, a stop, an activity task's start) until the owner
-- applies it, in order, deleting it in the step that records it.
CREATE TABLE inbox (
    id        INTEGER PRIMARY KEY,
    execution INTEGER NOT NULL,
    body      BLOB NOT NULL,
    at        INTEGER NOT NULL
);
CREATE INDEX inbox_by_execution ON inbox (execution, id);

-- A task whose start a node posted to its execution's owner is its
-- worker's: the claim is not released, though the start is not in the
-- execution's journal yet.
ALTER TABLE activity_tasks ADD COLUMN started INTEGER NOT NULL DEFAULT 0;
