//! The durable run queue and run store behind `fleetgate serve`.
//!
//! Owns one SQLite file (sqlx, WAL) holding every run: a webhook is answered with a run id as soon as
//! [`Store::enqueue`] has committed, workers take runs with [`Store::claim`] and record the outcome with
//! [`Store::finish`], and after a crash [`Store::requeue_interrupted`] makes runs that were running claimable again.
//!
//! Guarantees:
//! - **De-duplication**: a delivery `(provider, id)` is enqueued once; repeating it returns the first run's id.
//! - **Coalescing**: a new run supersedes every still-queued run with the same coalesce key, so at most one run
//!   per key waits; a running run is never touched.
//! - **Per-key serialization**: a run is claimed only while no run with its key is running, so runs of one key
//!   never overlap and the newest head runs last.
//! - **Bounded**: the number of queued runs and the size of a stored report are capped ([`StoreOptions`]).
//!
//! Every write is one `BEGIN IMMEDIATE` transaction: SQLite takes the write lock up front, so concurrent
//! enqueues and claims (from any number of pool connections) are serialized by the database itself.
//! Enqueues are group-committed: one writer task (spawned by [`Store::open_with`] on the current Tokio runtime)
//! applies every enqueue waiting for it, in arrival order, in one transaction, and answers each caller after the
//! commit — one fsync for a batch instead of one per webhook. Claims and finishes write directly.
//! One `fleetgate serve` process owns a store file; [`Store::requeue_interrupted`] assumes no worker is running.
//!
//! Schema changes are new files under `src/server/migrations/` added to `MIGRATIONS`; an applied migration is
//! never edited (sqlx checks its checksum on every open).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use sqlx::migrate::{MigrateError, Migration, MigrationType, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Row, SqlSafeStr};
use tokio::sync::{mpsc, oneshot};

/// The schema, oldest first: (version, description, SQL). Applied by sqlx's migrator, each in a transaction.
const MIGRATIONS: &[(i64, &str, &str)] = &[(1, "runs", include_str!("migrations/0001_runs.sql"))];

/// Most runs [`Store::list`] returns at once.
pub const MAX_LIST_LIMIT: usize = 500;

/// Most enqueues the writer task commits in one transaction.
pub const MAX_BATCH: usize = 256;

/// Enqueues waiting for the writer task beyond this make [`Store::enqueue`] wait to send (back-pressure).
const INBOX: usize = 4 * MAX_BATCH;

/// The columns of a full [`Run`], read by name in `Store::run_from_row`.
macro_rules! run_columns {
    () => {
        "id, status, provider, delivery, repo, coalesce_key, event, change_json, head, report_json, attempts, \
         worker, superseded_by, created_ms, started_ms, finished_ms"
    };
}

/// The columns of a [`RunSummary`].
macro_rules! summary_columns {
    () => {
        "id, status, repo, coalesce_key, event, head, attempts, superseded_by, created_ms, started_ms, finished_ms"
    };
}

/// What went wrong in the run store; every message names the store file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "cannot create the directory {dir} for the run store: {source}; check its permissions or set another store path"
    )]
    CreateDir { dir: PathBuf, source: std::io::Error },
    #[error(
        "cannot open the run store {path}: {source}; if the file is not a fleetgate run store (or is damaged), \
         move it aside and fleetgate starts a new, empty one"
    )]
    Open { path: PathBuf, source: sqlx::Error },
    #[error(
        "cannot bring the run store {path} to the current schema: {source}; a store written by a newer fleetgate \
         needs that version, otherwise move the file aside"
    )]
    Migrate { path: PathBuf, source: MigrateError },
    #[error("run store {path}: {op} failed: {source}")]
    Db { path: PathBuf, op: &'static str, source: sqlx::Error },
    #[error(
        "the run queue is full: {queued} runs are queued (limit {limit}); the webhook was not accepted, retry \
         later or raise the queue limit"
    )]
    QueueFull { queued: u64, limit: u64 },
    #[error(
        "run store {path}: the writer task stopped (the service is shutting down, or the runtime that opened the \
         store has ended), so the run may not have been enqueued; retry against a running service"
    )]
    WriterStopped { path: PathBuf },
    #[error("run {id} does not exist in the run store {path}")]
    UnknownRun { path: PathBuf, id: RunId },
    #[error("run {id} is {status}, not running, so it cannot be finished (run store {path})")]
    NotRunning { path: PathBuf, id: RunId, status: RunStatus },
    #[error("run {id} cannot be finished as {status}: a finished run is succeeded, failed or canceled")]
    NotFinal { id: RunId, status: RunStatus },
    #[error("run store {path}: run {id} has an unreadable {column}: {detail}; the file was changed outside fleetgate")]
    Corrupt { path: PathBuf, id: i64, column: &'static str, detail: String },
}

/// A run's id: positive, increasing, never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunId(pub i64);

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a run is in its life: `queued → running → succeeded | failed | canceled`, or `queued → superseded`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    /// A newer run with the same coalesce key replaced it before it started.
    Superseded,
    Canceled,
}

impl RunStatus {
    /// Every status, in life-cycle order.
    pub const ALL: [RunStatus; 6] = [
        RunStatus::Queued,
        RunStatus::Running,
        RunStatus::Succeeded,
        RunStatus::Failed,
        RunStatus::Superseded,
        RunStatus::Canceled,
    ];

    /// The lowercase name, as stored and as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Superseded => "superseded",
            RunStatus::Canceled => "canceled",
        }
    }

    /// Whether [`Store::finish`] accepts it.
    pub fn is_final(self) -> bool {
        matches!(self, RunStatus::Succeeded | RunStatus::Failed | RunStatus::Canceled)
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing an unknown status name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown run status {0:?}; expected one of queued, running, succeeded, failed, superseded, canceled")]
pub struct UnknownStatus(pub String);

impl FromStr for RunStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RunStatus::ALL.into_iter().find(|status| status.as_str() == s).ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

/// Limits and timings of a store; [`Default`] is what `fleetgate serve` uses.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// [`Store::enqueue`] refuses a run that would make more than this many runs queued.
    pub max_queued: u64,
    /// A run interrupted this many times (claimed, then the process died) is failed instead of requeued.
    pub max_attempts: u32,
    /// A report whose JSON text is longer is replaced by a short stub saying so (see [`Store::finish`]).
    pub max_report_bytes: usize,
    /// How long a statement waits for another connection's write lock.
    pub busy_timeout: Duration,
    /// Connections in the pool (SQLite allows one writer at a time and any number of WAL readers).
    pub max_connections: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_queued: 10_000,
            max_attempts: 3,
            max_report_bytes: 16 * 1024 * 1024,
            busy_timeout: Duration::from_secs(30),
            max_connections: 8,
        }
    }
}

/// A run to enqueue.
#[derive(Debug, Clone)]
pub struct NewRun {
    /// `(provider, delivery id)` of the webhook delivery, for de-duplication; `None` for runs not from a webhook.
    pub delivery: Option<(String, String)>,
    pub repo: String,
    /// Runs with the same key coalesce and never run concurrently (e.g. repo + ref, or repo + pull request).
    pub coalesce_key: String,
    pub event: String,
    /// The change to check, opaque to the store.
    pub change: Value,
    /// The head revision, for listings.
    pub head: String,
}

/// The outcome of [`Store::enqueue`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enqueued {
    pub id: RunId,
    /// The delivery was seen before: `id` is the earlier run and nothing was enqueued.
    pub duplicate: bool,
    /// Queued runs with the same coalesce key that this run replaced.
    pub superseded: Vec<RunId>,
}

/// A run as stored. Timestamps serialize as RFC 3339.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    pub id: RunId,
    pub status: RunStatus,
    pub delivery: Option<(String, String)>,
    pub repo: String,
    pub key: String,
    pub event: String,
    pub change: Value,
    pub head: String,
    pub report: Option<Value>,
    /// How many times a worker has claimed it.
    pub attempts: u32,
    /// The worker that claimed it last.
    pub worker: Option<String>,
    pub superseded_by: Option<RunId>,
    #[serde(serialize_with = "rfc3339")]
    pub created: Timestamp,
    #[serde(serialize_with = "rfc3339_opt")]
    pub started: Option<Timestamp>,
    #[serde(serialize_with = "rfc3339_opt")]
    pub finished: Option<Timestamp>,
}

/// A run without its change and report, for listings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    pub id: RunId,
    pub status: RunStatus,
    pub repo: String,
    pub key: String,
    pub event: String,
    pub head: String,
    pub attempts: u32,
    pub superseded_by: Option<RunId>,
    #[serde(serialize_with = "rfc3339")]
    pub created: Timestamp,
    #[serde(serialize_with = "rfc3339_opt")]
    pub started: Option<Timestamp>,
    #[serde(serialize_with = "rfc3339_opt")]
    pub finished: Option<Timestamp>,
}

/// Which runs [`Store::list`] returns: newest first, all filters optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunFilter {
    pub status: Option<RunStatus>,
    pub repo: Option<String>,
    /// Only runs older than this one (the cursor: pass the last id of the previous page).
    pub before: Option<RunId>,
    /// At most this many runs; clamped to `1..=MAX_LIST_LIMIT`.
    pub limit: usize,
}

impl Default for RunFilter {
    fn default() -> Self {
        RunFilter { status: None, repo: None, before: None, limit: 50 }
    }
}

/// Runs per status; `queued` is the queue depth.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub queued: u64,
    pub running: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub superseded: u64,
    pub canceled: u64,
    /// The configured bound on `queued`.
    pub queue_limit: u64,
}

/// What [`Store::requeue_interrupted`] did with the runs left `running` by a previous process.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Recovered {
    /// Back to `queued`, claimable again.
    pub requeued: Vec<RunId>,
    /// Not requeued because a newer run with the same key is queued.
    pub superseded: Vec<RunId>,
    /// Interrupted `max_attempts` times: failed with an `interrupted` report.
    pub failed: Vec<RunId>,
}

/// The run store: a cheap-to-clone handle on a pool of SQLite connections and on the writer task that
/// group-commits enqueues.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
    options: StoreOptions,
    /// The writer task's inbox; `None` in the writer task's own handle, which writes directly (so that the
    /// channel closes, and the task ends, when the last other handle is dropped).
    writer: Option<mpsc::Sender<Pending>>,
}

/// An enqueue waiting for the writer task.
#[derive(Debug)]
struct Pending {
    run: NewRun,
    reply: Reply,
}

type Reply = oneshot::Sender<Result<Enqueued, StoreError>>;

impl Store {
    /// Opens (creating directories and file as needed) the store at `path` with default options.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with(path, StoreOptions::default()).await
    }

    /// Opens the store at `path`: WAL journal, `synchronous = FULL`, foreign keys on, busy timeout, migrated.
    ///
    /// `synchronous = FULL` rather than `NORMAL`: with WAL, `NORMAL` survives a process kill but may lose the
    /// last commits on power loss or an OS crash, and a webhook answered 202 is never redelivered by the forge.
    /// FULL costs one fsync per commit, which a webhook-rate queue affords.
    pub async fn open_with(path: &Path, options: StoreOptions) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|source| StoreError::CreateDir { dir: dir.to_path_buf(), source })?;
        }
        let connect = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(options.busy_timeout)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .connect_with(connect)
            .await
            .map_err(|source| StoreError::Open { path: path.to_path_buf(), source })?;
        migrator().run(&pool).await.map_err(|source| StoreError::Migrate { path: path.to_path_buf(), source })?;
        let direct = Store { pool, path: path.to_path_buf(), options, writer: None };
        let (inbox, receiver) = mpsc::channel(INBOX);
        tokio::spawn(direct.clone().write_loop(receiver));
        Ok(Store { writer: Some(inbox), ..direct })
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes every connection (after waiting for those in use); later calls fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Enqueues a run, atomically: de-duplicates its delivery, enforces the queue bound, supersedes queued runs
    /// with the same coalesce key. A duplicate delivery is answered even when the queue is full; a run that
    /// supersedes one does not grow the queue, so it is accepted even when the queue is at its limit.
    ///
    /// Returns only after the transaction holding the run has committed (durably: `synchronous = FULL`).
    /// Concurrent calls are group-committed by the store's writer task: it takes every waiting run (at most
    /// [`MAX_BATCH`]), applies them in arrival order in one transaction with one fsync, then answers each.
    pub async fn enqueue(&self, new: NewRun) -> Result<Enqueued, StoreError> {
        let Some(writer) = &self.writer else {
            return self.write_alone(&new).await;
        };
        let (reply, answer) = oneshot::channel();
        writer.send(Pending { run: new, reply }).await.map_err(|_| self.writer_stopped())?;
        answer.await.map_err(|_| self.writer_stopped())?
    }

    /// The writer task: group commit of enqueues until every [`Store`] handle (and so every sender) is gone.
    async fn write_loop(self, mut inbox: mpsc::Receiver<Pending>) {
        let mut pending = Vec::with_capacity(MAX_BATCH);
        while inbox.recv_many(&mut pending, MAX_BATCH).await > 0 {
            let (runs, replies): (Vec<NewRun>, Vec<Reply>) = pending.drain(..).map(|p| (p.run, p.reply)).unzip();
            match self.write_batch(&runs).await {
                Ok(outcomes) => {
                    for (reply, outcome) in replies.into_iter().zip(outcomes) {
                        let _ = reply.send(outcome);
                    }
                }
                Err(e) if runs.len() == 1 => {
                    if let Some(reply) = replies.into_iter().next() {
                        let _ = reply.send(Err(e));
                    }
                }
                Err(e) => {
                    // Nothing of the batch was committed. Retry each run in its own transaction, so a failure
                    // that belongs to one run fails that run only.
                    tracing::warn!(runs = runs.len(), error = %e, "a batch of enqueues failed; retrying them one by one");
                    for (run, reply) in runs.iter().zip(replies) {
                        let _ = reply.send(self.write_alone(run).await);
                    }
                }
            }
        }
    }

    /// One run in its own transaction.
    async fn write_alone(&self, run: &NewRun) -> Result<Enqueued, StoreError> {
        let mut outcomes = self.write_batch(std::slice::from_ref(run)).await?;
        outcomes.pop().unwrap_or_else(|| Err(self.writer_stopped()))
    }

    /// Applies `runs` in order in one `BEGIN IMMEDIATE` transaction and commits once. The outer error means
    /// nothing was committed; an inner error (queue full) refused that run only, and wrote nothing for it.
    ///
    /// The statements do not grow with the batch: the state the batch depends on is read with three queries
    /// (JSON arrays bound as one parameter each), the outcome of every run is decided here in arrival order,
    /// exactly as one enqueue after another would, and written with one insert and one update.
    async fn write_batch(&self, runs: &[NewRun]) -> Result<Vec<Result<Enqueued, StoreError>>, StoreError> {
        const OP: &str = "enqueue";
        let mut tx = self.begin(OP).await?;
        let (queued, last_id): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM runs WHERE status = 'queued'), \
             MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'runs'), 0), \
             COALESCE((SELECT MAX(id) FROM runs), 0))",
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| self.db(OP, e))?;
        let keys: Vec<&str> = runs.iter().map(|r| r.coalesce_key.as_str()).collect();
        let waiting: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, coalesce_key FROM runs WHERE status = 'queued' \
             AND coalesce_key IN (SELECT value FROM json_each(?1)) ORDER BY id",
        )
        .bind(Value::from(keys).to_string())
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| self.db(OP, e))?;
        let deliveries: Vec<[&str; 2]> =
            runs.iter().filter_map(|r| r.delivery.as_ref()).map(|(p, d)| [p.as_str(), d.as_str()]).collect();
        let seen: Vec<(i64, String, String)> = if deliveries.is_empty() {
            Vec::new()
        } else {
            sqlx::query_as(
                "SELECT r.id, r.provider, r.delivery FROM json_each(?1) AS d CROSS JOIN runs AS r \
                 WHERE r.provider = d.value ->> 0 AND r.delivery = d.value ->> 1",
            )
            .bind(serde_json::to_string(&deliveries).unwrap_or_default())
            .fetch_all(&mut *tx)
            .await
            .map_err(|e| self.db(OP, e))?
        };

        let mut plan = BatchPlan {
            queued: u64::try_from(queued).unwrap_or(0),
            next_id: last_id,
            waiting: HashMap::new(),
            seen: seen.into_iter().map(|(id, p, d)| ((p, d), RunId(id))).collect(),
            inserts: Vec::new(),
            supersedes: Vec::new(),
        };
        for (id, key) in waiting {
            plan.waiting.entry(key).or_default().push(id);
        }
        let outcomes: Vec<Result<Enqueued, StoreError>> =
            runs.iter().map(|new| plan.decide(new, self.options.max_queued)).collect();

        let now = now_ms();
        if !plan.inserts.is_empty() {
            let inserted = sqlx::query(
                "INSERT INTO runs (id, status, provider, delivery, repo, coalesce_key, event, change_json, head, \
                 created_ms) SELECT r.value ->> 0, 'queued', r.value ->> 1, r.value ->> 2, r.value ->> 3, \
                 r.value ->> 4, r.value ->> 5, r.value ->> 6, r.value ->> 7, ?2 FROM json_each(?1) AS r ORDER BY r.key",
            )
            .bind(Value::from(std::mem::take(&mut plan.inserts)).to_string())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.db(OP, e))?;
            let expected = outcomes.iter().flatten().filter(|o| !o.duplicate).count();
            self.check_rows(OP, "id", inserted.rows_affected(), expected)?;
        }
        if !plan.supersedes.is_empty() {
            let updated = sqlx::query(
                "UPDATE runs SET status = 'superseded', superseded_by = s.value ->> 1, finished_ms = ?2 \
                 FROM json_each(?1) AS s WHERE runs.id = s.value ->> 0 AND runs.status = 'queued'",
            )
            .bind(serde_json::to_string(&plan.supersedes).unwrap_or_default())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.db(OP, e))?;
            self.check_rows(OP, "status", updated.rows_affected(), plan.supersedes.len())?;
        }
        self.commit(tx, OP).await?;
        for outcome in outcomes.iter().flatten().filter(|o| !o.duplicate) {
            tracing::debug!(run = outcome.id.0, superseded = outcome.superseded.len(), "run enqueued");
        }
        tracing::trace!(runs = runs.len(), "enqueue batch committed");
        Ok(outcomes)
    }

    /// A batch statement changed another number of rows than planned: only a writer that ignores the write lock
    /// (another program on the file) can cause it; the transaction is rolled back.
    fn check_rows(&self, op: &'static str, column: &'static str, got: u64, planned: usize) -> Result<(), StoreError> {
        if got == u64::try_from(planned).unwrap_or(u64::MAX) {
            return Ok(());
        }
        tracing::error!(op, got, planned, "a batch statement changed an unexpected number of runs");
        Err(self.corrupt(0, column, format!("{op}: a batch statement changed {got} runs instead of {planned}")))
    }

    /// Claims the oldest queued run whose coalesce key has no running run, marking it running for `worker`.
    /// Two concurrent claimers never get the same run. `None` when nothing is claimable.
    pub async fn claim(&self, worker: &str) -> Result<Option<Run>, StoreError> {
        const OP: &str = "claim";
        let mut tx = self.begin(OP).await?;
        let row = sqlx::query(concat!(
            "UPDATE runs SET status = 'running', worker = ?1, started_ms = ?2, finished_ms = NULL, \
             attempts = attempts + 1 \
             WHERE status = 'queued' AND id = (SELECT q.id FROM runs AS q WHERE q.status = 'queued' \
             AND NOT EXISTS (SELECT 1 FROM runs AS r WHERE r.coalesce_key = q.coalesce_key AND r.status = 'running') \
             ORDER BY q.id LIMIT 1) RETURNING ",
            run_columns!()
        ))
        .bind(worker)
        .bind(now_ms())
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| self.db(OP, e))?;
        let run = row.map(|row| self.run_from_row(&row)).transpose()?;
        self.commit(tx, OP).await?;
        Ok(run)
    }

    /// Records the outcome of a running run: `status` must be succeeded, failed or canceled.
    ///
    /// A report whose JSON text exceeds `max_report_bytes` is not stored: the run gets
    /// `{"truncated": true, "error": "...", "bytes": n, "limit": m}` instead (and a warning is logged), so the
    /// run still finishes with its status rather than staying `running`.
    pub async fn finish(&self, id: RunId, status: RunStatus, report: &Value) -> Result<(), StoreError> {
        const OP: &str = "finish";
        if !status.is_final() {
            return Err(StoreError::NotFinal { id, status });
        }
        let mut text = report.to_string();
        if text.len() > self.options.max_report_bytes {
            tracing::warn!(
                run = id.0,
                bytes = text.len(),
                limit = self.options.max_report_bytes,
                "report exceeds the run store's limit; storing a stub"
            );
            text = serde_json::json!({
                "truncated": true,
                "error": format!(
                    "the report of {} bytes exceeds the run store's limit of {} bytes and was not stored",
                    text.len(),
                    self.options.max_report_bytes
                ),
                "bytes": text.len(),
                "limit": self.options.max_report_bytes,
            })
            .to_string();
        }
        let updated = sqlx::query(
            "UPDATE runs SET status = ?1, report_json = ?2, finished_ms = ?3 WHERE id = ?4 AND status = 'running'",
        )
        .bind(status.as_str())
        .bind(text)
        .bind(now_ms())
        .bind(id.0)
        .execute(&self.pool)
        .await
        .map_err(|e| self.db(OP, e))?;
        if updated.rows_affected() == 1 {
            return Ok(());
        }
        match self.get(id).await? {
            None => Err(StoreError::UnknownRun { path: self.path.clone(), id }),
            Some(run) => Err(StoreError::NotRunning { path: self.path.clone(), id, status: run.status }),
        }
    }

    /// At startup, before any worker runs: every run left `running` by a killed process becomes `queued` again
    /// (keeping its attempts), unless a newer run with its key is queued (then it is superseded by the newest)
    /// or it was already claimed `max_attempts` times (then it fails with an `interrupted` report).
    pub async fn requeue_interrupted(&self) -> Result<Recovered, StoreError> {
        const OP: &str = "requeue interrupted runs";
        let mut tx = self.begin(OP).await?;
        let running = sqlx::query("SELECT id, coalesce_key, attempts FROM runs WHERE status = 'running' ORDER BY id")
            .fetch_all(&mut *tx)
            .await
            .map_err(|e| self.db(OP, e))?;
        let now = now_ms();
        let mut recovered = Recovered::default();
        for row in &running {
            let id: i64 = self.column(row, 0, "id")?;
            let key: String = self.column(row, id, "coalesce_key")?;
            let attempts: i64 = self.column(row, id, "attempts")?;
            if attempts >= i64::from(self.options.max_attempts) {
                let report = serde_json::json!({
                    "error": format!(
                        "the service stopped while this run was running, {attempts} times (limit {}); it is not retried",
                        self.options.max_attempts
                    ),
                    "interrupted": attempts,
                });
                sqlx::query("UPDATE runs SET status = 'failed', report_json = ?1, finished_ms = ?2 WHERE id = ?3")
                    .bind(report.to_string())
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| self.db(OP, e))?;
                recovered.failed.push(RunId(id));
                continue;
            }
            let newest: Option<i64> = sqlx::query_scalar(
                "SELECT MAX(id) FROM runs WHERE coalesce_key = ?1 AND status = 'queued' AND id > ?2",
            )
            .bind(&key)
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| self.db(OP, e))?;
            match newest {
                Some(newest) => {
                    sqlx::query(
                        "UPDATE runs SET status = 'superseded', superseded_by = ?1, finished_ms = ?2 WHERE id = ?3",
                    )
                    .bind(newest)
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| self.db(OP, e))?;
                    recovered.superseded.push(RunId(id));
                }
                None => {
                    sqlx::query(
                        "UPDATE runs SET status = 'queued', worker = NULL, started_ms = NULL, finished_ms = NULL \
                         WHERE id = ?1",
                    )
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| self.db(OP, e))?;
                    recovered.requeued.push(RunId(id));
                }
            }
        }
        self.commit(tx, OP).await?;
        if !running.is_empty() {
            tracing::warn!(
                requeued = recovered.requeued.len(),
                superseded = recovered.superseded.len(),
                failed = recovered.failed.len(),
                "recovered runs interrupted by a previous stop"
            );
        }
        Ok(recovered)
    }

    /// The run with this id.
    pub async fn get(&self, id: RunId) -> Result<Option<Run>, StoreError> {
        let row = sqlx::query(concat!("SELECT ", run_columns!(), " FROM runs WHERE id = ?1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.db("get run", e))?;
        row.map(|row| self.run_from_row(&row)).transpose()
    }

    /// Runs matching `filter`, newest first.
    pub async fn list(&self, filter: &RunFilter) -> Result<Vec<RunSummary>, StoreError> {
        let limit = i64::try_from(filter.limit.clamp(1, MAX_LIST_LIMIT)).unwrap_or(50);
        let rows = sqlx::query(concat!(
            "SELECT ",
            summary_columns!(),
            " FROM runs WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR repo = ?2) \
             AND (?3 IS NULL OR id < ?3) ORDER BY id DESC LIMIT ?4"
        ))
        .bind(filter.status.map(RunStatus::as_str))
        .bind(filter.repo.as_deref())
        .bind(filter.before.map(|id| id.0))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.db("list runs", e))?;
        rows.iter().map(|row| self.summary_from_row(row)).collect()
    }

    /// Runs per status.
    pub async fn counts(&self) -> Result<Counts, StoreError> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM runs GROUP BY status")
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.db("count runs", e))?;
        let mut counts = Counts { queue_limit: self.options.max_queued, ..Counts::default() };
        for row in &rows {
            let status = self.status(row, 0)?;
            let n: i64 = self.column(row, 0, "n")?;
            let n = u64::try_from(n).unwrap_or(0);
            let slot = match status {
                RunStatus::Queued => &mut counts.queued,
                RunStatus::Running => &mut counts.running,
                RunStatus::Succeeded => &mut counts.succeeded,
                RunStatus::Failed => &mut counts.failed,
                RunStatus::Superseded => &mut counts.superseded,
                RunStatus::Canceled => &mut counts.canceled,
            };
            *slot = n;
        }
        Ok(counts)
    }

    async fn begin(&self, op: &'static str) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(|e| self.db(op, e))
    }

    async fn commit(&self, tx: sqlx::Transaction<'static, sqlx::Sqlite>, op: &'static str) -> Result<(), StoreError> {
        tx.commit().await.map_err(|e| self.db(op, e))
    }

    fn writer_stopped(&self) -> StoreError {
        StoreError::WriterStopped { path: self.path.clone() }
    }

    fn db(&self, op: &'static str, source: sqlx::Error) -> StoreError {
        StoreError::Db { path: self.path.clone(), op, source }
    }

    fn column<'r, T>(&self, row: &'r SqliteRow, id: i64, column: &'static str) -> Result<T, StoreError>
    where
        T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
    {
        row.try_get(column).map_err(|e| self.corrupt(id, column, e.to_string()))
    }

    fn corrupt(&self, id: i64, column: &'static str, detail: String) -> StoreError {
        StoreError::Corrupt { path: self.path.clone(), id, column, detail }
    }

    fn status(&self, row: &SqliteRow, id: i64) -> Result<RunStatus, StoreError> {
        let text: String = self.column(row, id, "status")?;
        text.parse().map_err(|e: UnknownStatus| self.corrupt(id, "status", e.to_string()))
    }

    fn json(&self, id: i64, column: &'static str, text: &str) -> Result<Value, StoreError> {
        serde_json::from_str(text).map_err(|e| self.corrupt(id, column, e.to_string()))
    }

    fn time(&self, id: i64, column: &'static str, ms: i64) -> Result<Timestamp, StoreError> {
        Timestamp::from_millisecond(ms).map_err(|e| self.corrupt(id, column, e.to_string()))
    }

    fn time_opt(&self, id: i64, column: &'static str, ms: Option<i64>) -> Result<Option<Timestamp>, StoreError> {
        ms.map(|ms| self.time(id, column, ms)).transpose()
    }

    fn attempts(&self, row: &SqliteRow, id: i64) -> Result<u32, StoreError> {
        let attempts: i64 = self.column(row, id, "attempts")?;
        u32::try_from(attempts).map_err(|e| self.corrupt(id, "attempts", e.to_string()))
    }

    fn run_from_row(&self, row: &SqliteRow) -> Result<Run, StoreError> {
        let id: i64 = self.column(row, 0, "id")?;
        let provider: Option<String> = self.column(row, id, "provider")?;
        let delivery: Option<String> = self.column(row, id, "delivery")?;
        let change: String = self.column(row, id, "change_json")?;
        let report: Option<String> = self.column(row, id, "report_json")?;
        Ok(Run {
            id: RunId(id),
            status: self.status(row, id)?,
            delivery: provider.zip(delivery),
            repo: self.column(row, id, "repo")?,
            key: self.column(row, id, "coalesce_key")?,
            event: self.column(row, id, "event")?,
            change: self.json(id, "change_json", &change)?,
            head: self.column(row, id, "head")?,
            report: report.map(|text| self.json(id, "report_json", &text)).transpose()?,
            attempts: self.attempts(row, id)?,
            worker: self.column(row, id, "worker")?,
            superseded_by: self.column::<Option<i64>>(row, id, "superseded_by")?.map(RunId),
            created: self.time(id, "created_ms", self.column(row, id, "created_ms")?)?,
            started: self.time_opt(id, "started_ms", self.column(row, id, "started_ms")?)?,
            finished: self.time_opt(id, "finished_ms", self.column(row, id, "finished_ms")?)?,
        })
    }

    fn summary_from_row(&self, row: &SqliteRow) -> Result<RunSummary, StoreError> {
        let id: i64 = self.column(row, 0, "id")?;
        Ok(RunSummary {
            id: RunId(id),
            status: self.status(row, id)?,
            repo: self.column(row, id, "repo")?,
            key: self.column(row, id, "coalesce_key")?,
            event: self.column(row, id, "event")?,
            head: self.column(row, id, "head")?,
            attempts: self.attempts(row, id)?,
            superseded_by: self.column::<Option<i64>>(row, id, "superseded_by")?.map(RunId),
            created: self.time(id, "created_ms", self.column(row, id, "created_ms")?)?,
            started: self.time_opt(id, "started_ms", self.column(row, id, "started_ms")?)?,
            finished: self.time_opt(id, "finished_ms", self.column(row, id, "finished_ms")?)?,
        })
    }
}

/// The outcome of a batch of enqueues, decided in arrival order from the state read at its start.
struct BatchPlan {
    /// Queued runs, in the store and planned.
    queued: u64,
    /// The id of the newest run; planned runs take the next ids (AUTOINCREMENT follows explicit ids).
    next_id: i64,
    /// Queued run ids per coalesce key of the batch, in the store and planned.
    waiting: HashMap<String, Vec<i64>>,
    /// The run of every delivery of the batch seen so far, in the store and planned.
    seen: HashMap<(String, String), RunId>,
    /// Rows to insert: `[id, provider, delivery, repo, key, event, change text, head]`.
    inserts: Vec<Value>,
    /// `[superseded id, superseding id]`.
    supersedes: Vec<[i64; 2]>,
}

impl BatchPlan {
    /// What enqueueing `new` after everything planned so far does (the rules of [`Store::enqueue`]).
    fn decide(&mut self, new: &NewRun, max_queued: u64) -> Result<Enqueued, StoreError> {
        if let Some(delivery) = &new.delivery
            && let Some(&id) = self.seen.get(delivery)
        {
            return Ok(Enqueued { id, duplicate: true, superseded: Vec::new() });
        }
        let same_key = self.waiting.get(&new.coalesce_key).map_or(0, Vec::len);
        let after = self.queued.saturating_sub(u64::try_from(same_key).unwrap_or(0)).saturating_add(1);
        if after > max_queued {
            return Err(StoreError::QueueFull { queued: self.queued, limit: max_queued });
        }
        self.next_id += 1;
        let id = self.next_id;
        let mut superseded = self.waiting.insert(new.coalesce_key.clone(), vec![id]).unwrap_or_default();
        superseded.sort_unstable();
        self.queued = after;
        self.supersedes.extend(superseded.iter().map(|&old| [old, id]));
        let (provider, delivery) = match &new.delivery {
            Some((provider, delivery)) => {
                self.seen.insert((provider.clone(), delivery.clone()), RunId(id));
                (Value::from(provider.as_str()), Value::from(delivery.as_str()))
            }
            None => (Value::Null, Value::Null),
        };
        self.inserts.push(Value::Array(vec![
            Value::from(id),
            provider,
            delivery,
            Value::from(new.repo.as_str()),
            Value::from(new.coalesce_key.as_str()),
            Value::from(new.event.as_str()),
            Value::from(new.change.to_string()),
            Value::from(new.head.as_str()),
        ]));
        Ok(Enqueued { id: RunId(id), duplicate: false, superseded: superseded.into_iter().map(RunId).collect() })
    }
}

fn migrator() -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(version, Cow::Borrowed(description), MigrationType::Simple, sql.into_sql_str(), false)
            })
            .collect(),
    )
}

fn now_ms() -> i64 {
    Timestamp::now().as_millisecond()
}

fn rfc3339<S: Serializer>(time: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(time)
}

fn rfc3339_opt<S: Serializer>(time: &Option<Timestamp>, serializer: S) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => serializer.collect_str(time),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests;
