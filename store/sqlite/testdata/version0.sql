-- The schema of a database written before the schema had versions, and an execution in it.

CREATE TABLE IF NOT EXISTS resources (
    arn     TEXT PRIMARY KEY,
    kind    TEXT NOT NULL,
    parent  TEXT NOT NULL DEFAULT '',
    name    TEXT NOT NULL,
    created INTEGER NOT NULL,
    body    BLOB,
    tags    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS resources_by_kind ON resources (kind, parent, arn);

CREATE TABLE IF NOT EXISTS executions (
    arn           TEXT PRIMARY KEY,
    state_machine TEXT NOT NULL,
    version       TEXT NOT NULL DEFAULT '',
    alias         TEXT NOT NULL DEFAULT '',
    name          TEXT NOT NULL,
    express       INTEGER NOT NULL DEFAULT 0,
    status        TEXT NOT NULL,
    input         TEXT NOT NULL DEFAULT '',
    output        TEXT NOT NULL DEFAULT '',
    has_output    INTEGER NOT NULL DEFAULT 0,
    error         TEXT NOT NULL DEFAULT '',
    cause         TEXT NOT NULL DEFAULT '',
    start         INTEGER NOT NULL,
    stop          INTEGER NOT NULL DEFAULT 0,
    redrive_count INTEGER NOT NULL DEFAULT 0,
    redrive_date  INTEGER NOT NULL DEFAULT 0,
    definition    TEXT NOT NULL DEFAULT '',
    role_arn      TEXT NOT NULL DEFAULT '',
    meta          BLOB
);
CREATE INDEX IF NOT EXISTS executions_by_machine ON executions (state_machine, start DESC, arn);
CREATE INDEX IF NOT EXISTS executions_running ON executions (status) WHERE status = 'RUNNING';

CREATE TABLE IF NOT EXISTS events (
    execution TEXT NOT NULL,
    id        INTEGER NOT NULL,
    body      BLOB NOT NULL,
    PRIMARY KEY (execution, id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS journal (
    execution TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    body      BLOB NOT NULL,
    PRIMARY KEY (execution, seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS timers (
    execution TEXT NOT NULL,
    id        INTEGER NOT NULL,
    due       INTEGER NOT NULL,
    PRIMARY KEY (execution, id)
);
CREATE INDEX IF NOT EXISTS timers_by_due ON timers (due);

CREATE TABLE IF NOT EXISTS activity_tasks (
    token     TEXT PRIMARY KEY,
    activity  TEXT NOT NULL,
    execution TEXT NOT NULL,
    task_id   INTEGER NOT NULL,
    input     TEXT NOT NULL,
    created   INTEGER NOT NULL,
    worker    TEXT NOT NULL DEFAULT '',
    claimed   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS activity_tasks_queue ON activity_tasks (activity, claimed, created);

INSERT INTO executions (arn, state_machine, name, status, input, start, definition, meta)
VALUES ('arn:aws:states:us-east-1:123456789012:execution:m:old', 'arn:aws:states:us-east-1:123456789012:stateMachine:m', 'old', 'RUNNING', '{}', 1, '{}', '{}');
INSERT INTO journal (execution, seq, body) VALUES ('arn:aws:states:us-east-1:123456789012:execution:m:old', 1, '{"k":"start","t":1}');
INSERT INTO journal (execution, seq, body) VALUES ('arn:aws:states:us-east-1:123456789012:execution:m:old', 2, '{"k":"timer","t":2,"id":1}');
INSERT INTO events (execution, id, body) VALUES ('arn:aws:states:us-east-1:123456789012:execution:m:old', 1, '{"id":1,"type":"ExecutionStarted"}');
INSERT INTO events (execution, id, body) VALUES ('arn:aws:states:us-east-1:123456789012:execution:m:old', 2, '{"id":2,"type":"WaitStateEntered"}');
