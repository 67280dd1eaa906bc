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
