//! The service core behind `fleetgate serve`: accepting a webhook delivery (verify, parse, match the repository,
//! enqueue a run) and the workers that execute queued runs (fetch mirrors, build the workspaces, run the
//! pipeline, store the Report).
//!
//! A delivery is answered as soon as its run is committed to the store: no git or render work happens on the
//! request path. Workers wait on a [`Notify`] poked by every enqueue (or poll every 500 ms).

use super::effects::ServiceEffects;
use super::metrics;
use super::mirror::{Mirrors, resolve_commit};
use super::store::{NewRun, Run, RunId, RunStatus, Store};
use super::verify::{self, VerifyError};
use super::webhook::{self, EventKind as Hook, Provider, RefType};
use crate::config::Config;
use crate::pipeline::report::StepReport;
use crate::pipeline::{self, Change, EventKind, Mode, Pipeline, Report, RunInput, StepStatus, spec};
use crate::workspace;
use http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::Notify;
use tracing::Instrument;
use zeroize::Zeroizing;

/// The all-zero commit id of a created or deleted ref.
fn is_zero(sha: &str) -> bool {
    !sha.is_empty() && sha.bytes().all(|b| b == b'0')
}

/// The resolved webhook secrets. `Debug` shows which are set, never a value.
#[derive(Default)]
pub struct WebhookKeys {
    pub github: Option<Zeroizing<String>>,
    pub gitlab: Option<Zeroizing<String>>,
    pub gitea: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for WebhookKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookKeys")
            .field("github", &self.github.is_some())
            .field("gitlab", &self.gitlab.is_some())
            .field("gitea", &self.gitea.is_some())
            .finish()
    }
}

impl WebhookKeys {
    fn get(&self, p: Provider) -> Option<&Zeroizing<String>> {
        match p {
            Provider::GitHub => self.github.as_ref(),
            Provider::GitLab => self.gitlab.as_ref(),
            Provider::Gitea => self.gitea.as_ref(),
        }
        .filter(|s| !s.is_empty())
    }
}

/// How the service runs.
#[derive(Debug, Clone)]
pub struct ServiceOptions {
    pub workers: usize,
    /// Longest a mirror fetch may take.
    pub fetch_timeout: Duration,
    /// Mirrors of repositories other than the changed one are refreshed when older than this.
    pub refresh_age: Duration,
    /// Test-only (`FLEETGATE_TEST_STEP_DELAY_MS`): a pause after claiming a run, so tests can kill a running
    /// service mid-run. Zero in production.
    pub test_delay: Duration,
}

impl Default for ServiceOptions {
    fn default() -> Self {
        ServiceOptions {
            workers: 2,
            fetch_timeout: Duration::from_secs(300),
            refresh_age: Duration::from_secs(60),
            test_delay: Duration::ZERO,
        }
    }
}

/// An HTTP answer: status and JSON body.
pub type Answer = (StatusCode, Value);

/// The running service.
pub struct Service {
    pub config: Arc<Config>,
    pub store: Store,
    pub keys: WebhookKeys,
    pub effects: Arc<ServiceEffects>,
    pub mirrors: Arc<Mirrors>,
    pub pipelines: Arc<Vec<Pipeline>>,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    pub options: ServiceOptions,
    notify: Notify,
    stopping: AtomicBool,
}

impl Service {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        config: Arc<Config>,
        store: Store,
        keys: WebhookKeys,
        effects: Arc<ServiceEffects>,
        mirrors: Arc<Mirrors>,
        pipelines: Vec<Pipeline>,
        metrics: metrics_exporter_prometheus::PrometheusHandle,
        options: ServiceOptions,
    ) -> Service {
        Service {
            config,
            store,
            keys,
            effects,
            mirrors,
            pipelines: Arc::new(pipelines),
            metrics,
            options,
            notify: Notify::new(),
            stopping: AtomicBool::new(false),
        }
    }

    /// Ask workers to stop after their current run.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    /// Handle one delivery to `/webhooks/<provider>` with its raw body.
    pub async fn webhook(&self, provider: Provider, headers: &HeaderMap, body: &[u8]) -> Answer {
        let p = provider.as_str();
        let Some(secret) = self.keys.get(provider) else {
            tracing::warn!(
                provider = p,
                "webhook refused: no secret is configured; set `server.webhooks.{p}` to the name of a secret under `secrets:`"
            );
            metrics::webhook(p, "unknown", "unauthorized");
            return (StatusCode::UNAUTHORIZED, json!({"error": format!("no {p} webhook secret is configured")}));
        };
        if let Err(e) = verify::verify(provider, headers, body, secret.as_bytes()) {
            let msg = match &e {
                VerifyError::NoSecret { .. } => "no webhook secret is configured",
                VerifyError::Missing { .. } => "missing signature",
                VerifyError::Malformed { .. } | VerifyError::Mismatch { .. } => "bad signature",
            };
            tracing::warn!(provider = p, error = %e, "webhook refused");
            metrics::webhook(p, "unknown", "unauthorized");
            return (StatusCode::UNAUTHORIZED, json!({"error": msg}));
        }
        let delivery = match webhook::parse(provider, headers, body) {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(provider = p, error = %e, "webhook payload rejected");
                metrics::webhook(p, "unknown", "bad_request");
                return (StatusCode::BAD_REQUEST, json!({"error": e.to_string()}));
            }
        };
        let ev = metrics::event_label(&delivery.event);
        let answer = self.accept(delivery).await;
        metrics::webhook(p, ev, answer.0);
        answer.1
    }

    /// An authenticated, parsed delivery → (metrics result label, answer).
    async fn accept(&self, d: webhook::Delivery) -> (&'static str, Answer) {
        let ignored = |why: String| ("ignored", (StatusCode::ACCEPTED, json!({"ignored": why})));
        if let Hook::Ping(_) = &d.kind {
            return ("pong", (StatusCode::OK, json!({"pong": true})));
        }
        if let Hook::Ignored { reason, .. } = &d.kind {
            tracing::info!(event = %d.event, "delivery ignored: {reason}");
            return ignored(reason.clone());
        }
        let Some(facts) = &d.repo else {
            return ignored("the delivery names no repository".to_string());
        };
        let urls = [Some(&facts.clone_url), facts.ssh_url.as_ref(), facts.html_url.as_ref()];
        let Some(repo) = urls.iter().flatten().find_map(|u| self.config.repo_for_url(u)) else {
            tracing::info!(repository = %facts.full_name, "delivery for a repository not in the config");
            return ("unknown_repo", (StatusCode::NOT_FOUND, json!({"error": "unknown repository"})));
        };
        let (change, key) = match &d.kind {
            Hook::Push(push) => {
                let Some(head) = push.head_sha.clone().filter(|_| !push.deleted) else {
                    return ignored(format!("{} was deleted", push.git_ref));
                };
                let event = match push.ref_type {
                    RefType::Branch => EventKind::Push,
                    RefType::Tag => EventKind::Tag,
                    RefType::Other => return ignored(format!("{} is neither a branch nor a tag", push.git_ref)),
                };
                let change = Change {
                    repo: repo.name.clone(),
                    event,
                    git_ref: push.git_ref.clone(),
                    base: push.before.clone(),
                    head,
                    pull_request: None,
                    target_branch: None,
                };
                (change, format!("push:{}:{}", repo.name, push.git_ref))
            }
            Hook::PullRequest(pr) => {
                if !pr.needs_build {
                    return ignored(format!("pull request #{} {}: nothing to check", pr.number, pr.action));
                }
                let change = Change {
                    repo: repo.name.clone(),
                    event: EventKind::PullRequest,
                    git_ref: format!("refs/heads/{}", pr.head.git_ref),
                    base: pr.base.sha.clone().unwrap_or_default(),
                    head: pr.head.sha.clone(),
                    pull_request: Some(pr.number),
                    target_branch: Some(pr.base.git_ref.clone()),
                };
                (change, format!("pr:{}:{}", repo.name, pr.number))
            }
            Hook::Ping(_) | Hook::Ignored { .. } => return ignored("not handled".to_string()),
        };
        if spec::select(&self.pipelines, &repo.name, Some(repo.role), change.event).is_none() {
            return ignored(format!("no pipeline applies to {} for {}", repo.name, change.event.as_str()));
        }
        let new = NewRun {
            delivery: d.delivery_id.clone().map(|id| (d.provider.as_str().to_string(), id)),
            repo: repo.name.clone(),
            coalesce_key: key,
            event: change.event.as_str().to_string(),
            head: change.head.clone(),
            change: serde_json::to_value(&change).unwrap_or(Value::Null),
        };
        match self.store.enqueue(new).await {
            Ok(e) => {
                if !e.duplicate {
                    self.notify.notify_one();
                }
                tracing::info!(run_id = %e.id, duplicate = e.duplicate, superseded = ?e.superseded, repo = %repo.name, "run enqueued");
                let result = if e.duplicate { "duplicate" } else { "accepted" };
                (result, (StatusCode::ACCEPTED, json!({"run": e.id.0, "duplicate": e.duplicate})))
            }
            Err(super::store::StoreError::QueueFull { .. }) => {
                tracing::warn!("queue full: delivery refused");
                (
                    "queue_full",
                    (StatusCode::SERVICE_UNAVAILABLE, json!({"error": "the run queue is full; retry later"})),
                )
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot enqueue a run");
                ("error", (StatusCode::INTERNAL_SERVER_ERROR, json!({"error": "cannot store the run"})))
            }
        }
    }

    /// One worker: claim, execute, finish, until [`Service::stop`].
    pub async fn worker(self: Arc<Self>, name: String) {
        loop {
            if self.stopping.load(Ordering::SeqCst) {
                break;
            }
            let run = match self.store.claim(&name).await {
                Ok(Some(run)) => run,
                Ok(None) => {
                    let _ = tokio::time::timeout(Duration::from_millis(500), self.notify.notified()).await;
                    continue;
                }
                Err(e) => {
                    tracing::error!(worker = %name, error = %e, "cannot claim a run");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            let span = tracing::info_span!("run", run_id = %run.id, repo = %run.repo, worker = %name);
            let id = run.id;
            async {
                if !self.options.test_delay.is_zero() {
                    tokio::time::sleep(self.options.test_delay).await;
                }
                let (status, report) = self.execute(run).await;
                metrics::run_finished(status.as_str());
                tracing::info!(status = %status, "run finished");
                if let Err(e) = self.store.finish(id, status, &report).await {
                    tracing::error!(error = %e, "cannot record the run's outcome");
                }
            }
            .instrument(span)
            .await;
        }
    }

    /// Execute one claimed run; every failure becomes a failed Report saying what failed.
    async fn execute(&self, run: Run) -> (RunStatus, Value) {
        let change: Change = match serde_json::from_value(run.change.clone()) {
            Ok(c) => c,
            Err(e) => return failed(&run, None, format!("the stored change of run {} is unreadable: {e}", run.id)),
        };
        let Some(repo) = self.config.repo(&change.repo).cloned() else {
            return failed(&run, Some(&change), format!("repository {} is no longer in the config", change.repo));
        };
        if let Err(e) = self.mirrors.refresh(&self.config, &repo, None).await {
            return failed(&run, Some(&change), format!("fetching {}: {e}", repo.name));
        }
        for other in self.config.repos.iter().filter(|r| r.name != repo.name && !r.urls.is_empty()) {
            if let Err(e) = self.mirrors.refresh(&self.config, other, Some(self.options.refresh_age)).await {
                tracing::warn!(repo = %other.name, error = %e, "cannot refresh a mirror; using what is there");
            }
        }
        let Some(pipeline) = spec::select(&self.pipelines, &repo.name, Some(repo.role), change.event).cloned() else {
            return failed(
                &run,
                Some(&change),
                format!("no pipeline applies to {} for {}", repo.name, change.event.as_str()),
            );
        };
        let (config, mirrors, effects) = (self.config.clone(), self.mirrors.clone(), self.effects.clone());
        let run_url =
            self.config.server.public_url.as_ref().map(|u| format!("{}/runs/{}", u.trim_end_matches('/'), run.id));
        let span = tracing::Span::current();
        let joined = tokio::task::spawn_blocking(move || {
            let _enter = span.enter();
            prepare_and_run(&config, &mirrors, &repo, change, &pipeline, effects, run_url)
        })
        .await;
        match joined {
            Ok(Ok(report)) => {
                for s in &report.steps {
                    if s.status != StepStatus::Skipped {
                        metrics::step_duration(&s.name, s.duration_ms as f64 / 1000.0);
                    }
                }
                let status = if report.succeeded() { RunStatus::Succeeded } else { RunStatus::Failed };
                (status, serde_json::to_value(&report).unwrap_or(Value::Null))
            }
            Ok(Err(e)) => {
                let (change, msg) = *e;
                failed(&run, Some(&change), msg)
            }
            Err(e) => failed(&run, None, format!("the run stopped unexpectedly: {e}")),
        }
    }
}

/// Build the workspaces of a change (read from the mirrors) and run the pipeline. Blocking.
fn prepare_and_run(
    config: &Arc<Config>,
    mirrors: &Mirrors,
    repo: &crate::config::RepoConfig,
    mut change: Change,
    pipeline: &Pipeline,
    effects: Arc<ServiceEffects>,
    run_url: Option<String>,
) -> Result<Report, Box<(Change, String)>> {
    let path_of = |r: &crate::config::RepoConfig| mirrors.path_of(config, r);
    let Some(path) = path_of(repo) else {
        return Err(Box::new((change, format!("repository {} has no mirror and no local path", repo.name))));
    };
    let head = match resolve_commit(&path, &change.head) {
        Ok(h) => h,
        Err(e) => return Err(Box::new((change, format!("head: {e}")))),
    };
    // A new branch (zero base) compares with the default branch; a pull request without a base commit with
    // the head of its target branch.
    let base_rev = if change.base.is_empty() || is_zero(&change.base) {
        let branch = change.target_branch.clone().unwrap_or_else(|| repo.default_branch.clone());
        format!("refs/heads/{branch}")
    } else {
        change.base.clone()
    };
    let base = match resolve_commit(&path, &base_rev) {
        Ok(b) => b,
        Err(e) => return Err(Box::new((change, format!("base: {e}")))),
    };
    change.head = head.clone();
    change.base = base.clone();
    let base_ws = match workspace::for_change(config, &repo.name, &base, &path_of) {
        Ok(w) => w,
        Err(e) => return Err(Box::new((change, format!("opening the base revision {base}: {e}")))),
    };
    let head_ws = match workspace::for_change(config, &repo.name, &head, &path_of) {
        Ok(w) => w,
        Err(e) => return Err(Box::new((change, format!("opening the head revision {head}: {e}")))),
    };
    let changed = match workspace::changed_paths_for(&head_ws, &repo.name, &base, &head) {
        Ok(c) => c,
        Err(e) => return Err(Box::new((change, format!("listing the paths changed between {base} and {head}: {e}")))),
    };
    let input = RunInput {
        config: config.clone(),
        change,
        base: base_ws,
        head: head_ws,
        changed,
        default_branch: repo.default_branch.clone(),
        run_url,
    };
    let progress = |step: &str| tracing::debug!(step, "step starting");
    Ok(pipeline::run(pipeline, input, Mode::Service, effects, None, &progress))
}

/// A failed Report-shaped JSON for a run that could not be executed.
fn failed(run: &Run, change: Option<&Change>, error: String) -> (RunStatus, Value) {
    tracing::warn!(error = %error, "run failed before its pipeline");
    let report = Report {
        pipeline: String::new(),
        repo: run.repo.clone(),
        event: run.event.clone(),
        git_ref: change.map(|c| c.git_ref.clone()).unwrap_or_default(),
        base: change.map(|c| c.base.clone()).unwrap_or_default(),
        head: change.map(|c| c.head.clone()).unwrap_or_else(|| run.head.clone()),
        pull_request: change.and_then(|c| c.pull_request),
        status: "failed".to_string(),
        started_at: jiff::Timestamp::now().to_string(),
        duration_ms: 0,
        steps: vec![StepReport {
            name: "prepare".to_string(),
            uses: "prepare".to_string(),
            status: StepStatus::Failed,
            duration_ms: 0,
            summary: error.clone(),
            findings: Vec::new(),
            log: Vec::new(),
        }],
        affected: None,
        clusters: None,
        markdown: Vec::new(),
    };
    let mut value = serde_json::to_value(&report).unwrap_or_else(|_| json!({}));
    if let Value::Object(m) = &mut value {
        m.insert("error".to_string(), Value::String(error));
    }
    (RunStatus::Failed, value)
}

/// A run id from a path segment.
pub fn parse_run_id(s: &str) -> Option<RunId> {
    s.parse::<i64>().ok().filter(|n| *n > 0).map(RunId)
}
