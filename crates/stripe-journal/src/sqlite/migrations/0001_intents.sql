-- stripe-journal, SQLite schema version 1: one table of intents and one index.
CREATE TABLE IF NOT EXISTS journal_intents (
    scope          TEXT    NOT NULL,
    op             TEXT    NOT NULL,
    idem_key       TEXT    NOT NULL,
    key_created_ms INTEGER NOT NULL,
    fingerprint    TEXT    NOT NULL,
    created_ms     INTEGER NOT NULL,
    updated_ms     INTEGER NOT NULL,
    state          TEXT    NOT NULL,
    status         INTEGER,
    object_id      TEXT,
    body           TEXT,
    advice         TEXT,
    reason         TEXT,
    attempts       INTEGER NOT NULL,
    lease_owner    TEXT,
    lease_until_ms INTEGER,
    epoch          INTEGER NOT NULL,
    version        INTEGER NOT NULL,
    request        TEXT,
    PRIMARY KEY (scope, op)
);
-- Listing, sweeping and pruning go by state, then by age.
CREATE INDEX IF NOT EXISTS journal_intents_state ON journal_intents (state, updated_ms);
