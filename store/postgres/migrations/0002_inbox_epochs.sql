-- The inbox keeps what a node received for an execution another node owns
-- (a task's result, a stop, an activity task's start) until the owner
-- applies it, in order, deleting it in the step that records it.
CREATE TABLE inbox (
    id        BIGSERIAL PRIMARY KEY,
    execution BIGINT NOT NULL,
    body      BYTEA NOT NULL,
    at        BIGINT NOT NULL
);
CREATE INDEX inbox_by_execution ON inbox (execution, id);

-- Node epochs come from one sequence, unique across nodes: a timer's claim
-- names the epoch that made it, and another node's incarnation must not
-- share its number. It starts above every epoch given so far.
CREATE SEQUENCE node_epochs;
SELECT setval('node_epochs', COALESCE((SELECT max(epoch) FROM nodes), 0) + 1, false);

-- A task whose start a node posted to its execution's owner is its
-- worker's: the claim is not released, though the start is not in the
-- execution's journal yet.
ALTER TABLE activity_tasks ADD COLUMN started BOOLEAN NOT NULL DEFAULT false;
