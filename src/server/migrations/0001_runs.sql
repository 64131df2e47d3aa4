-- fleetgate run store, schema 1: one table of runs, which is also the durable queue.
-- Times are unix milliseconds (UTC). JSON columns hold serde_json text.
CREATE TABLE runs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: ids are never reused, so `before` cursors stay valid
    status        TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'superseded', 'canceled')),
    provider      TEXT,
    delivery      TEXT,
    repo          TEXT    NOT NULL,
    coalesce_key  TEXT    NOT NULL,
    event         TEXT    NOT NULL,
    change_json   TEXT    NOT NULL,
    head          TEXT    NOT NULL,
    report_json   TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    worker        TEXT,
    superseded_by INTEGER REFERENCES runs (id),
    created_ms    INTEGER NOT NULL,
    started_ms    INTEGER,
    finished_ms   INTEGER,
    CHECK ((provider IS NULL) = (delivery IS NULL))
);

-- De-duplication of webhook deliveries. NULLs are distinct in SQLite unique indexes, so runs without a delivery
-- (CLI, hook) never conflict.
CREATE UNIQUE INDEX runs_delivery ON runs (provider, delivery);
-- claim: oldest queued run; counts and list by status.
CREATE INDEX runs_status ON runs (status, id);
-- coalescing and the per-key "is one running?" check.
CREATE INDEX runs_key_status ON runs (coalesce_key, status);
-- list by repository, newest first.
CREATE INDEX runs_repo ON runs (repo, id);
