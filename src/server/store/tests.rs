use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;

use super::*;

fn new_run(key: &str, head: &str, delivery: Option<&str>) -> NewRun {
    NewRun {
        delivery: delivery.map(|id| ("github".to_owned(), id.to_owned())),
        repo: "org/gitops".to_owned(),
        coalesce_key: key.to_owned(),
        event: "push".to_owned(),
        change: serde_json::json!({ "ref": "refs/heads/main", "head": head }),
        head: head.to_owned(),
    }
}

async fn open_temp(options: StoreOptions) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_with(&dir.path().join("state/runs.db"), options).await.unwrap();
    (dir, store)
}

async fn open_default() -> (tempfile::TempDir, Store) {
    open_temp(StoreOptions::default()).await
}

#[tokio::test]
async fn open_creates_directories_and_an_empty_store() {
    let (dir, store) = open_default().await;
    assert!(dir.path().join("state/runs.db").is_file());
    assert_eq!(store.path(), dir.path().join("state/runs.db"));
    assert_eq!(store.counts().await.unwrap(), Counts { queue_limit: 10_000, ..Counts::default() });
    assert!(store.claim("w").await.unwrap().is_none());
}

#[tokio::test]
async fn duplicate_delivery_returns_the_earlier_run() {
    let (_dir, store) = open_default().await;
    let first = store.enqueue(new_run("k", "a1", Some("d-1"))).await.unwrap();
    assert!(!first.duplicate);
    let again = store.enqueue(new_run("k", "a2", Some("d-1"))).await.unwrap();
    assert_eq!(again, Enqueued { id: first.id, duplicate: true, superseded: vec![] });
    // Same delivery id from another provider is another delivery.
    let mut gitlab = new_run("k2", "a3", Some("d-1"));
    gitlab.delivery = Some(("gitlab".to_owned(), "d-1".to_owned()));
    assert!(!store.enqueue(gitlab).await.unwrap().duplicate);
    // Runs without a delivery never de-duplicate.
    let a = store.enqueue(new_run("k3", "a4", None)).await.unwrap();
    let b = store.enqueue(new_run("k4", "a5", None)).await.unwrap();
    assert!(!a.duplicate && !b.duplicate && a.id != b.id);
    let run = store.get(first.id).await.unwrap().unwrap();
    assert_eq!(run.head, "a1", "the duplicate must not overwrite the first run");
    assert_eq!(run.delivery, Some(("github".to_owned(), "d-1".to_owned())));
    assert_eq!(store.counts().await.unwrap().queued, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_enqueues_of_one_delivery_make_one_run() {
    let (_dir, store) = open_default().await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move { store.enqueue(new_run("k", &format!("h{i}"), Some("same"))).await }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap().unwrap());
    }
    let ids: BTreeSet<RunId> = outcomes.iter().map(|o| o.id).collect();
    assert_eq!(ids.len(), 1, "{outcomes:?}");
    assert_eq!(outcomes.iter().filter(|o| !o.duplicate).count(), 1, "{outcomes:?}");
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.queued, counts.superseded), (1, 0));
}

#[tokio::test]
async fn enqueue_supersedes_queued_runs_of_the_key_but_not_the_running_one() {
    let (_dir, store) = open_default().await;
    let first = store.enqueue(new_run("org/gitops@main", "h0", None)).await.unwrap();
    let running = store.claim("w1").await.unwrap().unwrap();
    assert_eq!(running.id, first.id);
    let other = store.enqueue(new_run("other", "o1", None)).await.unwrap();

    let mut previous: Option<RunId> = None;
    let mut ids = Vec::new();
    for i in 1..=5 {
        let enqueued = store.enqueue(new_run("org/gitops@main", &format!("h{i}"), None)).await.unwrap();
        assert_eq!(enqueued.superseded, previous.into_iter().collect::<Vec<_>>());
        previous = Some(enqueued.id);
        ids.push(enqueued.id);
    }
    let queued = store
        .list(&RunFilter { status: Some(RunStatus::Queued), ..RunFilter::default() })
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.key == "org/gitops@main")
        .collect::<Vec<_>>();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].head, "h5");
    for pair in ids.windows(2) {
        let old = store.get(pair[0]).await.unwrap().unwrap();
        assert_eq!(old.status, RunStatus::Superseded);
        assert_eq!(old.superseded_by, Some(pair[1]));
        assert!(old.finished.is_some());
    }
    assert_eq!(store.get(first.id).await.unwrap().unwrap().status, RunStatus::Running);
    assert_eq!(store.get(other.id).await.unwrap().unwrap().status, RunStatus::Queued);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claimers_get_each_run_exactly_once() {
    let (_dir, store) = open_default().await;
    let mut enqueued = BTreeSet::new();
    for i in 0..40 {
        enqueued.insert(store.enqueue(new_run(&format!("k{i}"), "h", None)).await.unwrap().id);
    }
    let mut tasks = Vec::new();
    for w in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let worker = format!("w{w}");
            let mut got = Vec::new();
            while let Some(run) = store.claim(&worker).await.unwrap() {
                assert_eq!(run.status, RunStatus::Running);
                assert_eq!(run.worker.as_deref(), Some(worker.as_str()));
                got.push(run.id);
            }
            got
        }));
    }
    let mut claimed = Vec::new();
    for task in tasks {
        claimed.extend(task.await.unwrap());
    }
    let unique: BTreeSet<RunId> = claimed.iter().copied().collect();
    assert_eq!(claimed.len(), unique.len(), "a run was claimed twice: {claimed:?}");
    assert_eq!(unique, enqueued);
    assert_eq!(store.counts().await.unwrap().running, 40);
}

#[tokio::test]
async fn runs_of_one_key_never_run_concurrently() {
    let (_dir, store) = open_default().await;
    let r1 = store.enqueue(new_run("k", "h1", None)).await.unwrap().id;
    assert_eq!(store.claim("w1").await.unwrap().unwrap().id, r1);
    let r2 = store.enqueue(new_run("k", "h2", None)).await.unwrap().id;
    let other = store.enqueue(new_run("other", "o", None)).await.unwrap().id;
    // r2 is older than `other` but its key is running: `other` goes first, then nothing.
    assert_eq!(store.claim("w2").await.unwrap().unwrap().id, other);
    assert!(store.claim("w2").await.unwrap().is_none());
    store.finish(r1, RunStatus::Succeeded, &serde_json::json!({})).await.unwrap();
    let next = store.claim("w2").await.unwrap().unwrap();
    assert_eq!((next.id, next.head.as_str()), (r2, "h2"));
}

#[tokio::test]
async fn claim_takes_the_oldest_claimable_run() {
    let (_dir, store) = open_default().await;
    let a = store.enqueue(new_run("a", "h", None)).await.unwrap().id;
    let b = store.enqueue(new_run("b", "h", None)).await.unwrap().id;
    let run = store.claim("w").await.unwrap().unwrap();
    assert_eq!(run.id, a);
    assert_eq!(run.attempts, 1);
    assert!(run.started.is_some() && run.finished.is_none());
    assert_eq!(store.claim("w").await.unwrap().unwrap().id, b);
}

#[tokio::test]
async fn finish_records_status_and_report_once() {
    let (_dir, store) = open_default().await;
    let id = store.enqueue(new_run("k", "h", None)).await.unwrap().id;
    let report = serde_json::json!({ "markdown": "## diff\n+ a", "affected": ["c1"] });
    assert!(matches!(
        store.finish(id, RunStatus::Succeeded, &report).await,
        Err(StoreError::NotRunning { status: RunStatus::Queued, .. })
    ));
    store.claim("w").await.unwrap().unwrap();
    assert!(matches!(
        store.finish(id, RunStatus::Queued, &report).await,
        Err(StoreError::NotFinal { status: RunStatus::Queued, .. })
    ));
    store.finish(id, RunStatus::Failed, &report).await.unwrap();
    let run = store.get(id).await.unwrap().unwrap();
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(run.report, Some(report.clone()));
    assert!(run.finished.is_some());
    let again = store.finish(id, RunStatus::Succeeded, &report).await.unwrap_err();
    assert!(matches!(again, StoreError::NotRunning { status: RunStatus::Failed, .. }), "{again}");
    let unknown = store.finish(RunId(999), RunStatus::Succeeded, &report).await.unwrap_err();
    assert!(matches!(unknown, StoreError::UnknownRun { id: RunId(999), .. }), "{unknown}");
    assert!(unknown.to_string().contains("runs.db"), "{unknown}");
}

#[tokio::test]
async fn oversized_report_is_replaced_by_a_stub() {
    let (_dir, store) = open_temp(StoreOptions { max_report_bytes: 1_000, ..StoreOptions::default() }).await;
    let id = store.enqueue(new_run("k", "h", None)).await.unwrap().id;
    store.claim("w").await.unwrap().unwrap();
    let big = serde_json::json!({ "markdown": "x".repeat(2_000) });
    store.finish(id, RunStatus::Succeeded, &big).await.unwrap();
    let run = store.get(id).await.unwrap().unwrap();
    assert_eq!(run.status, RunStatus::Succeeded);
    let report = run.report.unwrap();
    assert_eq!(report["truncated"], serde_json::json!(true));
    assert_eq!(report["limit"], serde_json::json!(1_000));
    assert!(report["bytes"].as_u64().unwrap() > 2_000);
    assert!(report.get("markdown").is_none());
}

#[tokio::test]
async fn large_report_within_the_limit_round_trips() {
    let (_dir, store) = open_default().await;
    let id = store.enqueue(new_run("k", "h", None)).await.unwrap().id;
    store.claim("w").await.unwrap().unwrap();
    let report = serde_json::json!({ "markdown": "- old\n+ new\n".repeat(300_000) });
    store.finish(id, RunStatus::Succeeded, &report).await.unwrap();
    assert_eq!(store.get(id).await.unwrap().unwrap().report, Some(report));
}

#[tokio::test]
async fn queue_full_refuses_new_keys_but_accepts_coalescing_and_duplicates() {
    let (_dir, store) = open_temp(StoreOptions { max_queued: 3, ..StoreOptions::default() }).await;
    for key in ["a", "b", "c"] {
        store.enqueue(new_run(key, "h", Some(key))).await.unwrap();
    }
    let full = store.enqueue(new_run("d", "h", Some("d"))).await.unwrap_err();
    assert!(matches!(full, StoreError::QueueFull { queued: 3, limit: 3 }), "{full}");
    assert!(full.to_string().contains("queue is full"), "{full}");
    // Replacing a queued run does not grow the queue.
    let coalesced = store.enqueue(new_run("a", "h2", Some("a2"))).await.unwrap();
    assert_eq!(coalesced.superseded.len(), 1);
    // A redelivery is answered with its run.
    let dup = store.enqueue(new_run("b", "h", Some("b"))).await.unwrap();
    assert!(dup.duplicate);
    assert_eq!(store.counts().await.unwrap().queued, 3);
    // Claiming frees a slot.
    store.claim("w").await.unwrap().unwrap();
    store.enqueue(new_run("d", "h", Some("d"))).await.unwrap();
    // The refused delivery left no trace: it was enqueued now, not reported as a duplicate.
    assert_eq!(store.counts().await.unwrap().queued, 3);
}

#[tokio::test]
async fn list_filters_and_pages_newest_first() {
    let (_dir, store) = open_default().await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let mut run = new_run(&format!("k{i}"), &format!("h{i}"), None);
        if i % 2 == 1 {
            run.repo = "org/apps".to_owned();
        }
        ids.push(store.enqueue(run).await.unwrap().id);
    }
    store.claim("w").await.unwrap().unwrap(); // ids[0]
    let all = store.list(&RunFilter::default()).await.unwrap();
    assert_eq!(all.iter().map(|r| r.id).collect::<Vec<_>>(), ids.iter().rev().copied().collect::<Vec<_>>());

    let apps = store.list(&RunFilter { repo: Some("org/apps".to_owned()), ..RunFilter::default() }).await.unwrap();
    assert_eq!(apps.iter().map(|r| r.id).collect::<Vec<_>>(), vec![ids[5], ids[3], ids[1]]);

    let running = store.list(&RunFilter { status: Some(RunStatus::Running), ..RunFilter::default() }).await.unwrap();
    assert_eq!(running.len(), 1);
    assert_eq!((running[0].id, running[0].status, running[0].attempts), (ids[0], RunStatus::Running, 1));

    let page1 = store.list(&RunFilter { limit: 3, ..RunFilter::default() }).await.unwrap();
    assert_eq!(page1.iter().map(|r| r.id).collect::<Vec<_>>(), vec![ids[6], ids[5], ids[4]]);
    let page2 = store.list(&RunFilter { limit: 3, before: Some(ids[4]), ..RunFilter::default() }).await.unwrap();
    assert_eq!(page2.iter().map(|r| r.id).collect::<Vec<_>>(), vec![ids[3], ids[2], ids[1]]);
    let zero = store.list(&RunFilter { limit: 0, ..RunFilter::default() }).await.unwrap();
    assert_eq!(zero.len(), 1, "a limit of 0 is clamped to 1");
    let combined = store
        .list(&RunFilter {
            status: Some(RunStatus::Queued),
            repo: Some("org/gitops".to_owned()),
            before: Some(ids[6]),
            limit: 500,
        })
        .await
        .unwrap();
    assert_eq!(combined.iter().map(|r| r.id).collect::<Vec<_>>(), vec![ids[4], ids[2]]);
}

#[tokio::test]
async fn list_limit_is_capped_at_500() {
    let (_dir, store) = open_temp(StoreOptions { max_queued: 1_000, ..StoreOptions::default() }).await;
    for i in 0..510 {
        store.enqueue(new_run(&format!("k{i}"), "h", None)).await.unwrap();
    }
    let listed = store.list(&RunFilter { limit: 10_000, ..RunFilter::default() }).await.unwrap();
    assert_eq!(listed.len(), MAX_LIST_LIMIT);
}

#[tokio::test]
async fn get_and_counts_reflect_every_status() {
    let (_dir, store) = open_default().await;
    assert!(store.get(RunId(1)).await.unwrap().is_none());
    let a = store.enqueue(new_run("a", "h1", Some("x"))).await.unwrap().id;
    store.enqueue(new_run("a", "h2", None)).await.unwrap(); // supersedes a
    let b = store.enqueue(new_run("b", "h", None)).await.unwrap().id;
    let c = store.enqueue(new_run("c", "h", None)).await.unwrap().id;
    store.enqueue(new_run("d", "h", None)).await.unwrap();
    let mut claimed = Vec::new();
    for _ in 0..4 {
        claimed.push(store.claim("w").await.unwrap().unwrap().id);
    }
    assert!(claimed.contains(&b) && claimed.contains(&c));
    store.finish(b, RunStatus::Succeeded, &serde_json::json!({})).await.unwrap();
    store.finish(c, RunStatus::Canceled, &serde_json::json!({})).await.unwrap();
    store.enqueue(new_run("e", "h", None)).await.unwrap();
    let counts = store.counts().await.unwrap();
    assert_eq!(
        counts,
        Counts { queued: 1, running: 2, succeeded: 1, failed: 0, superseded: 1, canceled: 1, queue_limit: 10_000 }
    );
    let run = store.get(a).await.unwrap().unwrap();
    assert_eq!(run.status, RunStatus::Superseded);
    assert_eq!(run.change, serde_json::json!({ "ref": "refs/heads/main", "head": "h1" }));
    assert_eq!((run.repo.as_str(), run.key.as_str(), run.event.as_str()), ("org/gitops", "a", "push"));
    assert_eq!(run.attempts, 0);
    assert!(run.report.is_none() && run.worker.is_none() && run.started.is_none());
}

#[tokio::test]
async fn run_serializes_with_rfc3339_times_and_lowercase_status() {
    let (_dir, store) = open_default().await;
    let id = store.enqueue(new_run("k", "h", None)).await.unwrap().id;
    let json = serde_json::to_value(store.get(id).await.unwrap().unwrap()).unwrap();
    assert_eq!(json["status"], "queued");
    assert_eq!(json["id"], serde_json::json!(id.0));
    let created = json["created"].as_str().unwrap();
    assert!(created.parse::<Timestamp>().is_ok() && created.ends_with('Z'), "{created}");
    assert!(json["started"].is_null());
    assert_eq!("superseded".parse::<RunStatus>(), Ok(RunStatus::Superseded));
    assert!("done".parse::<RunStatus>().is_err());
}

#[tokio::test]
async fn reopen_keeps_every_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.db");
    let store = Store::open(&path).await.unwrap();
    let a = store.enqueue(new_run("a", "h", Some("d1"))).await.unwrap().id;
    let b = store.enqueue(new_run("b", "h", None)).await.unwrap().id;
    store.claim("w").await.unwrap().unwrap();
    store.finish(a, RunStatus::Succeeded, &serde_json::json!({ "ok": true })).await.unwrap();
    let before = (store.get(a).await.unwrap(), store.get(b).await.unwrap(), store.counts().await.unwrap());
    store.close().await;

    let store = Store::open(&path).await.unwrap();
    let after = (store.get(a).await.unwrap(), store.get(b).await.unwrap(), store.counts().await.unwrap());
    assert_eq!(before, after);
    assert!(store.enqueue(new_run("a", "h", Some("d1"))).await.unwrap().duplicate);
    let c = store.enqueue(new_run("c", "h", None)).await.unwrap().id;
    assert!(c > b, "ids are never reused");
}

#[tokio::test]
async fn interrupted_run_is_requeued_after_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.db");
    let store = Store::open(&path).await.unwrap();
    let id = store.enqueue(new_run("k", "h", None)).await.unwrap().id;
    store.claim("w1").await.unwrap().unwrap();
    drop(store); // the process "dies": no finish

    let store = Store::open(&path).await.unwrap();
    assert!(store.claim("w2").await.unwrap().is_none(), "still marked running until recovery");
    let recovered = store.requeue_interrupted().await.unwrap();
    assert_eq!(recovered, Recovered { requeued: vec![id], ..Recovered::default() });
    let run = store.claim("w2").await.unwrap().unwrap();
    assert_eq!((run.id, run.attempts, run.worker.as_deref()), (id, 2, Some("w2")));
    assert_eq!(store.requeue_interrupted().await.unwrap(), Recovered { requeued: vec![id], ..Recovered::default() });
}

#[tokio::test]
async fn requeue_supersedes_the_interrupted_run_when_a_newer_one_waits() {
    let (_dir, store) = open_default().await;
    let old = store.enqueue(new_run("k", "h1", None)).await.unwrap().id;
    store.claim("w").await.unwrap().unwrap();
    let new = store.enqueue(new_run("k", "h2", None)).await.unwrap().id;
    let recovered = store.requeue_interrupted().await.unwrap();
    assert_eq!(recovered, Recovered { superseded: vec![old], ..Recovered::default() });
    let run = store.get(old).await.unwrap().unwrap();
    assert_eq!((run.status, run.superseded_by), (RunStatus::Superseded, Some(new)));
    assert_eq!(store.claim("w").await.unwrap().unwrap().id, new);
}

#[tokio::test]
async fn run_interrupted_too_often_fails() {
    let (_dir, store) = open_temp(StoreOptions { max_attempts: 2, ..StoreOptions::default() }).await;
    let id = store.enqueue(new_run("k", "h", None)).await.unwrap().id;
    store.claim("w").await.unwrap().unwrap();
    assert_eq!(store.requeue_interrupted().await.unwrap().requeued, vec![id]);
    store.claim("w").await.unwrap().unwrap();
    let recovered = store.requeue_interrupted().await.unwrap();
    assert_eq!(recovered, Recovered { failed: vec![id], ..Recovered::default() });
    let run = store.get(id).await.unwrap().unwrap();
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(run.report.unwrap()["interrupted"], serde_json::json!(2));
    assert!(store.claim("w").await.unwrap().is_none());
}

#[tokio::test]
async fn non_sqlite_file_gives_an_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not-a-db.sqlite");
    std::fs::write(&path, "this is not an SQLite database\n".repeat(200)).unwrap();
    let err = Store::open(&path).await.unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, StoreError::Open { .. } | StoreError::Migrate { .. }), "{message}");
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("move it aside"), "{message}");
}

#[tokio::test]
async fn store_from_an_unknown_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.db");
    let store = Store::open(&path).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99, 'future', 1, x'00', 0)",
    )
    .execute(&store.pool)
    .await
    .unwrap();
    store.close().await;
    let err = Store::open(&path).await.unwrap_err();
    assert!(matches!(err, StoreError::Migrate { .. }), "{err}");
    assert!(err.to_string().contains("runs.db"), "{err}");
}

const CRASH_ENV: &str = "FLEETGATE_STORE_CRASH_CHILD_DIR";
const CRASH_MARK: &str = "FLEETGATE_CRASH_CHILD_CLAIMED";

/// The child half of `killed_mid_run_is_requeued`: enqueue, claim, say so, then hang until killed.
#[tokio::test]
#[ignore = "child process of killed_mid_run_is_requeued, which runs it"]
async fn crash_child() {
    let dir = std::env::var_os(CRASH_ENV).expect("set by killed_mid_run_is_requeued");
    let store = Store::open(&PathBuf::from(dir).join("runs.db")).await.unwrap();
    let id = store.enqueue(new_run("k", "h-child", Some("child"))).await.unwrap().id;
    let run = store.claim("child").await.unwrap().unwrap();
    assert_eq!(run.id, id);
    println!("{CRASH_MARK} {id}");
    std::future::pending::<()>().await;
}

#[tokio::test]
async fn killed_mid_run_is_requeued() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args(["--exact", "server::store::tests::crash_child", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CRASH_ENV, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            // libtest prints "test … ... " on the same line before the child's output.
            if let Some((_, id)) = line.split_once(CRASH_MARK) {
                let _ = tx.send(id.trim().parse::<i64>().ok());
                return;
            }
        }
        let _ = tx.send(None);
    });
    // A generous safety net so a broken child cannot hang the suite; not a timing assertion.
    let claimed = rx.recv_timeout(Duration::from_secs(300));
    child.kill().unwrap(); // SIGKILL: no destructors, no pool close
    child.wait().unwrap();
    let id = RunId(claimed.ok().flatten().expect("the child claimed a run before it was killed"));

    let store = Store::open(&dir.path().join("runs.db")).await.unwrap();
    let run = store.get(id).await.unwrap().unwrap();
    assert_eq!((run.status, run.worker.as_deref()), (RunStatus::Running, Some("child")));
    assert_eq!(store.requeue_interrupted().await.unwrap().requeued, vec![id]);
    let run = store.claim("parent").await.unwrap().unwrap();
    assert_eq!((run.id, run.head.as_str(), run.attempts), (id, "h-child", 2));
    assert!(store.enqueue(new_run("k", "h", Some("child"))).await.unwrap().duplicate);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_enqueue_and_claim_keep_one_running_per_key() {
    let (_dir, store) = open_default().await;
    let producing = Arc::new(std::sync::atomic::AtomicUsize::new(4));
    let mut producers = Vec::new();
    for p in 0..4 {
        let (store, producing) = (store.clone(), Arc::clone(&producing));
        producers.push(tokio::spawn(async move {
            for i in 0..10 {
                store.enqueue(new_run(&format!("k{}", i % 3), &format!("p{p}-{i}"), None)).await.unwrap();
            }
            producing.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        }));
    }
    let mut workers = Vec::new();
    for w in 0..3 {
        let (store, producing) = (store.clone(), Arc::clone(&producing));
        workers.push(tokio::spawn(async move {
            let mut done = 0;
            loop {
                let finished_producing = producing.load(std::sync::atomic::Ordering::SeqCst) == 0;
                let Some(run) = store.claim(&format!("w{w}")).await.unwrap() else {
                    if finished_producing {
                        return done;
                    }
                    tokio::task::yield_now().await;
                    continue;
                };
                let running =
                    store.list(&RunFilter { status: Some(RunStatus::Running), ..RunFilter::default() }).await.unwrap();
                let keys: BTreeSet<&str> = running.iter().map(|r| r.key.as_str()).collect();
                assert_eq!(keys.len(), running.len(), "two runs of one key running: {running:?}");
                store.finish(run.id, RunStatus::Succeeded, &serde_json::json!({})).await.unwrap();
                done += 1;
            }
        }));
    }
    for producer in producers {
        producer.await.unwrap();
    }
    let mut done = 0;
    for worker in workers {
        done += worker.await.unwrap();
    }
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.queued, counts.running), (0, 0));
    assert_eq!(counts.succeeded, done);
    assert_eq!(counts.succeeded + counts.superseded, 40);
    // The last head of every key ran.
    for key in ["k0", "k1", "k2"] {
        let last = store.list(&RunFilter::default()).await.unwrap().into_iter().find(|r| r.key == key).unwrap();
        assert_eq!(last.status, RunStatus::Succeeded, "{last:?}");
    }
}

#[tokio::test]
async fn one_batch_dedupes_a_repeated_delivery_and_coalesces_one_key_in_arrival_order() {
    let (_dir, store) = open_default().await;
    let batch = [
        new_run("k", "h1", Some("d-1")),
        new_run("k", "h1-again", Some("d-1")),
        new_run("other", "o1", Some("d-2")),
        new_run("k", "h2", Some("d-3")),
    ];
    let outcomes: Vec<Enqueued> =
        store.write_batch(&batch).await.unwrap().into_iter().collect::<Result<_, _>>().unwrap();
    let (first, other, last) = (outcomes[0].id, outcomes[2].id, outcomes[3].id);
    assert_eq!(outcomes[0], Enqueued { id: first, duplicate: false, superseded: vec![] });
    assert_eq!(outcomes[1], Enqueued { id: first, duplicate: true, superseded: vec![] });
    assert_eq!(outcomes[3], Enqueued { id: last, duplicate: false, superseded: vec![first] });
    assert!(first < other && other < last, "ids follow arrival order: {outcomes:?}");
    let superseded = store.get(first).await.unwrap().unwrap();
    assert_eq!((superseded.status, superseded.superseded_by), (RunStatus::Superseded, Some(last)));
    assert_eq!(superseded.head, "h1", "the repeated delivery must not overwrite the first run");
    assert_eq!(store.get(last).await.unwrap().unwrap().head, "h2");
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.queued, counts.superseded), (2, 1));
    // The batch was committed: a later enqueue of the repeated delivery sees it.
    assert_eq!(store.enqueue(new_run("k", "h3", Some("d-1"))).await.unwrap().id, first);
}

#[tokio::test]
async fn a_full_queue_refuses_one_run_of_a_batch_and_keeps_the_others() {
    let (_dir, store) = open_temp(StoreOptions { max_queued: 1, ..StoreOptions::default() }).await;
    let batch = [new_run("k1", "a", None), new_run("k2", "b", None), new_run("k1", "c", None)];
    let mut outcomes = store.write_batch(&batch).await.unwrap().into_iter();
    let first = outcomes.next().unwrap().unwrap();
    assert!(matches!(outcomes.next().unwrap(), Err(StoreError::QueueFull { queued: 1, limit: 1 })));
    let third = outcomes.next().unwrap().unwrap();
    assert_eq!(third.superseded, vec![first.id]);
    let queued = store.list(&RunFilter { status: Some(RunStatus::Queued), ..RunFilter::default() }).await.unwrap();
    assert_eq!(queued.iter().map(|r| r.head.as_str()).collect::<Vec<_>>(), ["c"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_enqueues_are_all_answered_with_distinct_committed_runs() {
    let (dir, store) = open_default().await;
    let mut tasks = Vec::new();
    for i in 0..300 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.enqueue(new_run(&format!("k{}", i % 7), &format!("h{i}"), Some(&format!("d-{i}")))).await
        }));
    }
    let mut ids = BTreeSet::new();
    for task in tasks {
        let outcome = task.await.unwrap().unwrap();
        assert!(!outcome.duplicate);
        ids.insert(outcome.id);
    }
    assert_eq!(ids.len(), 300);
    store.close().await;
    // Everything answered is in the file: reopen and count.
    let reopened = Store::open(&dir.path().join("state/runs.db")).await.unwrap();
    let counts = reopened.counts().await.unwrap();
    assert_eq!((counts.queued, counts.superseded), (7, 293));
}

#[tokio::test]
async fn enqueue_after_close_is_an_error_not_a_hang() {
    let (_dir, store) = open_default().await;
    store.close().await;
    let err = store.enqueue(new_run("k", "h", None)).await.unwrap_err();
    assert!(matches!(err, StoreError::Db { op: "enqueue", .. }), "{err}");
}
