-- stripe-journal, SQLite schema version 2: each intent's namespace, its key's send limit (the
-- end of the last lease granted under it) and whether Stripe replayed a stored answer for the
-- key; the store's namespace; the sweep's cursor order.
ALTER TABLE journal_intents ADD COLUMN namespace TEXT NOT NULL DEFAULT '';
ALTER TABLE journal_intents ADD COLUMN send_limit_ms INTEGER;
ALTER TABLE journal_intents ADD COLUMN key_spent INTEGER NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS journal_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS journal_intents_cursor ON journal_intents (updated_ms, scope, op);
