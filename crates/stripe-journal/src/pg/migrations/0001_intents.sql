-- stripe-journal, PostgreSQL schema version 1: one table of intents and one index.
-- {schema} is replaced by the store's (validated) schema name before this runs.
CREATE TABLE IF NOT EXISTS {schema}.journal_intents (
    scope          TEXT    NOT NULL,
    op             TEXT    NOT NULL,
    idem_key       TEXT    NOT NULL,
    key_created_ms BIGINT  NOT NULL,
    fingerprint    TEXT    NOT NULL,
    created_ms     BIGINT  NOT NULL,
    updated_ms     BIGINT  NOT NULL,
    state          TEXT    NOT NULL,
    status         INTEGER,
    object_id      TEXT,
    body           TEXT,
    advice         TEXT,
    reason         TEXT,
    attempts       BIGINT  NOT NULL,
    lease_owner    TEXT,
    lease_until_ms BIGINT,
    epoch          BIGINT  NOT NULL,
    version        BIGINT  NOT NULL,
    request        TEXT,
    PRIMARY KEY (scope, op)
);
-- Listing, sweeping and pruning go by state, then by age.
CREATE INDEX IF NOT EXISTS journal_intents_state ON {schema}.journal_intents (state, updated_ms);
