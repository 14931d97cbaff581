-- stripe-journal, PostgreSQL schema version 2: each intent's namespace, its key's send limit
-- (the end of the last lease granted under it) and whether Stripe replayed a stored answer for
-- the key; the store's namespace; the sweep's cursor order.
-- {schema} is replaced by the store's (validated) schema name before this runs.
ALTER TABLE {schema}.journal_intents ADD COLUMN IF NOT EXISTS namespace TEXT NOT NULL DEFAULT '';
ALTER TABLE {schema}.journal_intents ADD COLUMN IF NOT EXISTS send_limit_ms BIGINT;
ALTER TABLE {schema}.journal_intents ADD COLUMN IF NOT EXISTS key_spent BIGINT NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS {schema}.journal_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS journal_intents_cursor ON {schema}.journal_intents (updated_ms, scope, op);
