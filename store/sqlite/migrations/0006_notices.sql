-- Notices are messages the server owes to the world, written in the same
-- transaction as the change they tell of (an outbox): an execution's status
-- change for a webhook. They are deleted once delivered; until then a
-- dispatcher retries them at due, so a crash loses none.
CREATE TABLE notices (
    id       INTEGER PRIMARY KEY,
    target   TEXT NOT NULL,
    body     BLOB NOT NULL,
    created  INTEGER NOT NULL,
    due      INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notices_by_due ON notices (due);
