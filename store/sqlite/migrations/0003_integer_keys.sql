-- Executions get an integer key, and their history, journal and timers are
-- filed under it instead of under the ARN. New executions take ever larger
-- keys, so the rows a step writes go at the end of each table, where those
-- of the other steps of its transaction go too: a transaction writes a few
-- pages instead of one scattered page per table and step (with random
-- execution names, three times fewer pages). The key is declared (INTEGER
-- PRIMARY KEY), so VACUUM keeps it.
--
-- Listing a state machine's (or version's, or alias's) executions reads an
-- index range whatever the table holds: one range per status, merged.

CREATE TABLE executions_v3 (
    id              INTEGER PRIMARY KEY,
    arn             TEXT NOT NULL UNIQUE,
    state_machine   TEXT NOT NULL,
    version         TEXT NOT NULL DEFAULT '',
    alias           TEXT NOT NULL DEFAULT '',
    name            TEXT NOT NULL,
    express         INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL,
    input           TEXT NOT NULL DEFAULT '',
    output          TEXT NOT NULL DEFAULT '',
    has_output      INTEGER NOT NULL DEFAULT 0,
    error           TEXT NOT NULL DEFAULT '',
    cause           TEXT NOT NULL DEFAULT '',
    start           INTEGER NOT NULL,
    stop            INTEGER NOT NULL DEFAULT 0,
    redrive_count   INTEGER NOT NULL DEFAULT 0,
    redrive_date    INTEGER NOT NULL DEFAULT 0,
    definition      TEXT NOT NULL DEFAULT '',
    role_arn        TEXT NOT NULL DEFAULT '',
    meta            BLOB,
    owner           TEXT NOT NULL DEFAULT '',
    owner_epoch     INTEGER NOT NULL DEFAULT 0,
    seq             INTEGER NOT NULL DEFAULT 0,
    last_event      INTEGER NOT NULL DEFAULT 0,
    last_event_type TEXT NOT NULL DEFAULT ''
);
INSERT INTO executions_v3 (id, arn, state_machine, version, alias, name, express, status, input, output, has_output, error, cause,
        start, stop, redrive_count, redrive_date, definition, role_arn, meta, owner, owner_epoch, seq, last_event, last_event_type)
    SELECT rowid, arn, state_machine, version, alias, name, express, status, input, output, has_output, error, cause,
        start, stop, redrive_count, redrive_date, definition, role_arn, meta, owner, owner_epoch, seq, last_event, last_event_type
    FROM executions ORDER BY rowid;

CREATE TABLE events_v3 (
    execution INTEGER NOT NULL,
    id        INTEGER NOT NULL,
    body      BLOB NOT NULL,
    PRIMARY KEY (execution, id)
) WITHOUT ROWID;
INSERT INTO events_v3 (execution, id, body)
    SELECT x.id, e.id, e.body FROM events e JOIN executions_v3 x ON x.arn = e.execution ORDER BY x.id, e.id;

CREATE TABLE journal_v3 (
    execution INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    body      BLOB NOT NULL,
    PRIMARY KEY (execution, seq)
) WITHOUT ROWID;
INSERT INTO journal_v3 (execution, seq, body)
    SELECT x.id, j.seq, j.body FROM journal j JOIN executions_v3 x ON x.arn = j.execution ORDER BY x.id, j.seq;

CREATE TABLE timers_v3 (
    execution     INTEGER NOT NULL,
    id            INTEGER NOT NULL,
    due           INTEGER NOT NULL,
    claimed_until INTEGER NOT NULL DEFAULT 0,
    claimed_epoch INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (execution, id)
) WITHOUT ROWID;
INSERT INTO timers_v3 (execution, id, due, claimed_until, claimed_epoch)
    SELECT x.id, t.id, t.due, t.claimed_until, t.claimed_epoch FROM timers t JOIN executions_v3 x ON x.arn = t.execution;

DROP TABLE events;
DROP TABLE journal;
DROP TABLE timers;
DROP TABLE executions;
ALTER TABLE executions_v3 RENAME TO executions;
ALTER TABLE events_v3 RENAME TO events;
ALTER TABLE journal_v3 RENAME TO journal;
ALTER TABLE timers_v3 RENAME TO timers;

CREATE INDEX executions_by_machine ON executions (state_machine, status, start);
CREATE INDEX executions_by_version ON executions (version, status, start) WHERE version != '';
CREATE INDEX executions_by_alias ON executions (alias, status, start) WHERE alias != '';
CREATE INDEX executions_by_owner ON executions (owner, owner_epoch) WHERE status = 'RUNNING' AND express = 0;
CREATE INDEX timers_by_due ON timers (due);
