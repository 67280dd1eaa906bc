-- Baton's PostgreSQL store, version 1: the schema SQLite reached in its
-- sixth version, in PostgreSQL's types. Times are Unix nanoseconds (as in
-- SQLite, so that list cursors mean the same on both drivers). Text that
-- is ordered or compared by prefix (ARNs, names) collates as "C": by its
-- UTF-8 bytes, as SQLite orders it, whatever the database's locale.

CREATE TABLE resources (
    arn     TEXT COLLATE "C" PRIMARY KEY,
    kind    TEXT NOT NULL,
    parent  TEXT COLLATE "C" NOT NULL DEFAULT '',
    name    TEXT NOT NULL,
    created BIGINT NOT NULL,
    body    BYTEA,
    tags    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX resources_by_kind ON resources (kind, parent, arn);

-- Executions get an ever larger integer key; their history, journal and
-- timers are filed under it.
CREATE TABLE executions (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    arn             TEXT COLLATE "C" NOT NULL UNIQUE,
    state_machine   TEXT COLLATE "C" NOT NULL,
    version         TEXT COLLATE "C" NOT NULL DEFAULT '',
    alias           TEXT COLLATE "C" NOT NULL DEFAULT '',
    name            TEXT COLLATE "C" NOT NULL,
    express         BOOLEAN NOT NULL DEFAULT false,
    status          TEXT COLLATE "C" NOT NULL,
    input           TEXT COLLATE "C" NOT NULL DEFAULT '',
    output          TEXT COLLATE "C" NOT NULL DEFAULT '',
    has_output      BOOLEAN NOT NULL DEFAULT false,
    error           TEXT COLLATE "C" NOT NULL DEFAULT '',
    cause           TEXT COLLATE "C" NOT NULL DEFAULT '',
    start           BIGINT NOT NULL,
    stop            BIGINT NOT NULL DEFAULT 0,
    redrive_count   INTEGER NOT NULL DEFAULT 0,
    redrive_date    BIGINT NOT NULL DEFAULT 0,
    definition      TEXT NOT NULL DEFAULT '',
    role_arn        TEXT NOT NULL DEFAULT '',
    meta            BYTEA,
    -- The lease of the node that advances it, and its journal position,
    -- which every write checks.
    owner           TEXT COLLATE "C" NOT NULL DEFAULT '',
    owner_epoch     BIGINT NOT NULL DEFAULT 0,
    seq             BIGINT NOT NULL DEFAULT 0,
    last_event      BIGINT NOT NULL DEFAULT 0,
    last_event_type TEXT NOT NULL DEFAULT '',
    idle            BOOLEAN NOT NULL DEFAULT false
);
-- Lists of a state machine's (version's, alias's) executions read one
-- range per status; the console's lists read by start or by status.
CREATE INDEX executions_by_machine ON executions (state_machine, status, start, id);
CREATE INDEX executions_by_version ON executions (version, status, start, id) WHERE version <> '';
CREATE INDEX executions_by_alias ON executions (alias, status, start, id) WHERE alias <> '';
CREATE INDEX executions_by_start ON executions (start, id);
CREATE INDEX executions_by_status ON executions (status, start, id);
-- Finding the executions of a lapsed lease reads only theirs.
CREATE INDEX executions_by_owner ON executions (owner, owner_epoch) WHERE status = 'RUNNING' AND NOT express;

CREATE TABLE events (
    execution BIGINT NOT NULL,
    id        BIGINT NOT NULL,
    body      BYTEA NOT NULL,
    PRIMARY KEY (execution, id)
);

CREATE TABLE journal (
    execution BIGINT NOT NULL,
    seq       BIGINT NOT NULL,
    body      BYTEA NOT NULL,
    PRIMARY KEY (execution, seq)
);

-- A timer's claim is its claimer's (an execution owner's epoch) until
-- claimed_until; it lapses early when the execution changes hands.
CREATE TABLE timers (
    execution     BIGINT NOT NULL,
    id            BIGINT NOT NULL,
    due           BIGINT NOT NULL,
    claimed_until BIGINT NOT NULL DEFAULT 0,
    claimed_epoch BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (execution, id)
);
CREATE INDEX timers_by_due ON timers (due);

CREATE TABLE activity_tasks (
    token     TEXT COLLATE "C" PRIMARY KEY,
    activity  TEXT COLLATE "C" NOT NULL,
    execution TEXT COLLATE "C" NOT NULL,
    task_id   BIGINT NOT NULL,
    input     TEXT NOT NULL,
    created   BIGINT NOT NULL,
    worker    TEXT NOT NULL DEFAULT '',
    claimed   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX activity_tasks_queue ON activity_tasks (activity, claimed, created, token);
CREATE INDEX activity_tasks_by_execution ON activity_tasks (execution);

CREATE TABLE nodes (
    id      TEXT COLLATE "C" PRIMARY KEY,
    epoch   BIGINT NOT NULL,
    expires BIGINT NOT NULL
);

CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);

-- Messages owed to the world (an outbox), written with the change they
-- tell of, deleted once delivered.
CREATE TABLE notices (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target   TEXT NOT NULL,
    body     BYTEA NOT NULL,
    created  BIGINT NOT NULL,
    due      BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notices_by_due ON notices (due, id);

-- A step's statements go to the server together, in one round trip; a
-- condition that fails half-way (the execution's lease or journal
-- position, an activity task already claimed) must stop the rest, so it
-- raises an error of Baton's own code, which the driver reads back.
CREATE FUNCTION baton_refuse(what TEXT) RETURNS BIGINT LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'baton: % refused', what USING ERRCODE = 'BT001';
END
$$;
