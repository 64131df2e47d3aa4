//! Pipelines: the spec (`pipelines/*.yaml`), the runner that executes one for a [`Change`], and the
//! [`Report`] it produces. The same runner serves the webhook service, the pre-receive hook (without the
//! steps that write outside) and the CLI. Steps that talk to the outside (forge comments, cluster
//! reconcile) go through [`Effects`], so the runner knows nothing of HTTP.

pub mod plan;
pub mod report;
pub mod spec;

pub use plan::{ReconcilePlan, plan};
pub use report::{Report, StepReport, StepStatus};
pub use spec::{EventKind, Pipeline, Step, StepKind};

use crate::config::Config;
use crate::fleet::affected::{Comparison, compare};
use crate::fleet::diff::{self, DiffOptions, MARKDOWN_PART_LIMIT};
use crate::source::ChangedPath;
use crate::steps::lint::{LintOptions, Severity, lint};
use crate::workspace::Workspace;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// What happened in a repository: the unit a run checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// The configured repository's name.
    pub repo: String,
    pub event: EventKind,
    /// `refs/heads/<branch>` or `refs/tags/<tag>` (for pull requests: the head branch).
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// The revision before (a commit id; all zeros for a new branch).
    pub base: String,
    /// The revision after.
    pub head: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<u64>,
    /// The branch a pull request merges into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_branch: Option<String>,
}

impl Change {
    /// The branch name of `ref` (empty for tags).
    pub fn branch(&self) -> &str {
        self.git_ref.strip_prefix("refs/heads/").unwrap_or("")
    }
}

/// Where a run happens; decides which steps may write outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Service,
    /// The pre-receive hook: `comment` and `reconcile` are left out.
    Hook,
    Cli,
}

/// A comment to post (the `comment` step).
#[derive(Debug, Clone)]
pub struct CommentRequest {
    pub change: Change,
    pub pipeline: String,
    /// Tells apart the comments of different pipelines on one pull request.
    pub marker: String,
    pub parts: Vec<String>,
    /// The one-line summary for the commit status.
    pub summary: String,
    pub success: bool,
    pub set_status: bool,
    /// A link to this run (commit statuses point at it).
    pub run_url: Option<String>,
}

/// The outside world: forges and clusters. The service implements it; the CLI and tests may too.
pub trait Effects: Send + Sync {
    /// Post or edit the pull request comment (and commit status). Returns log lines.
    fn comment(&self, req: &CommentRequest) -> Result<Vec<String>, String>;
    /// Annotate the plan's objects. Returns log lines, and whether every object was patched.
    fn reconcile(&self, change: &Change, plan: &ReconcilePlan, dry_run: bool) -> Result<(Vec<String>, bool), String>;
}

/// Effects that are not configured: the steps fail with a message saying what to configure.
pub struct NoEffects;

impl Effects for NoEffects {
    fn comment(&self, _: &CommentRequest) -> Result<Vec<String>, String> {
        Err("no forge is configured for this repository (set `forge:` in fleetgate.yaml)".to_string())
    }
    fn reconcile(&self, _: &Change, plan: &ReconcilePlan, dry_run: bool) -> Result<(Vec<String>, bool), String> {
        if dry_run {
            return Ok((plan_lines(plan), true));
        }
        Err("no cluster access is configured (set `clusters.access` in fleetgate.yaml)".to_string())
    }
}

/// The plan as log lines.
pub fn plan_lines(plan: &ReconcilePlan) -> Vec<String> {
    let mut out = Vec::new();
    for (cluster, targets) in &plan.clusters {
        for t in targets {
            out.push(format!("{cluster}: {} {}/{} (for {})", t.kind, t.namespace, t.name, t.for_cluster));
        }
    }
    out.extend(plan.notes.iter().map(|n| format!("note: {n}")));
    out
}

/// Everything one run works on.
pub struct RunInput {
    pub config: Arc<Config>,
    pub change: Change,
    pub base: Workspace,
    pub head: Workspace,
    pub changed: BTreeMap<String, Vec<ChangedPath>>,
    /// The repository's default branch.
    pub default_branch: String,
    /// Where the run's Report can be seen (the service's `/runs/{id}`), for statuses.
    pub run_url: Option<String>,
}

/// What steps hand to later steps.
#[derive(Default)]
struct State {
    comparison: Option<Arc<Comparison>>,
    markdown: Vec<String>,
}

struct StepResult {
    ok: bool,
    summary: String,
    findings: Vec<report::ReportFinding>,
    log: Vec<String>,
}

impl StepResult {
    fn ok(summary: impl Into<String>) -> Self {
        StepResult { ok: true, summary: summary.into(), findings: Vec::new(), log: Vec::new() }
    }
    fn fail(summary: impl Into<String>) -> Self {
        StepResult { ok: false, summary: summary.into(), findings: Vec::new(), log: Vec::new() }
    }
}

/// Run `pipeline` for `input`. `deadline` bounds the whole run (the hook's time budget); `progress` hears
/// each step as it starts.
pub fn run(
    pipeline: &Pipeline,
    input: RunInput,
    mode: Mode,
    effects: Arc<dyn Effects>,
    deadline: Option<Instant>,
    progress: &dyn Fn(&str),
) -> Report {
    let started = Instant::now();
    let started_at = jiff::Timestamp::now().to_string();
    let change = input.change.clone();
    let default_branch = input.default_branch.clone();
    let input = Arc::new(input);
    let state = Arc::new(Mutex::new(State::default()));
    let mut steps = Vec::new();
    let mut failed = false;
    let span = tracing::info_span!("run", pipeline = %pipeline.name, repo = %change.repo, head = %change.head);
    let _enter = span.enter();
    for step in &pipeline.steps {
        let skip = |why: &str| StepReport {
            name: step.name.clone(),
            uses: step.uses.as_str().to_string(),
            status: StepStatus::Skipped,
            duration_ms: 0,
            summary: why.to_string(),
            findings: Vec::new(),
            log: Vec::new(),
        };
        if mode == Mode::Hook && step.uses.writes_outside() {
            steps.push(skip("not run in the pre-receive hook"));
            continue;
        }
        let branch = change.target_branch.as_deref().filter(|_| change.event == EventKind::PullRequest);
        if !step.runs_for(change.event, branch.unwrap_or(change.branch()), &default_branch) {
            steps.push(skip("`when` does not match this event"));
            continue;
        }
        if failed && step.uses.writes_outside() && step.uses == StepKind::Reconcile {
            steps.push(skip("an earlier step failed; nothing is reconciled"));
            continue;
        }
        let mut timeout = step.timeout;
        if let Some(d) = deadline {
            let left = d.saturating_duration_since(Instant::now());
            if left.is_zero() {
                steps.push(StepReport { status: StepStatus::TimedOut, ..skip("the run's time budget is spent") });
                failed = true;
                continue;
            }
            timeout = timeout.min(left);
        }
        progress(&step.name);
        let step_span = tracing::info_span!("step", name = %step.name, uses = step.uses.as_str());
        let _s = step_span.enter();
        let t0 = Instant::now();
        let (tx, rx) = std::sync::mpsc::channel();
        {
            let (input, state, effects, step, pipeline_name, failed_so_far) =
                (input.clone(), state.clone(), effects.clone(), step.clone(), pipeline.name.clone(), failed);
            let spawned = std::thread::Builder::new().name(format!("step-{}", step.name)).spawn(move || {
                let r = run_step(&step, &input, &state, &*effects, &pipeline_name, failed_so_far);
                let _ = tx.send(r);
            });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a thread for the step");
            }
        }
        let result = rx.recv_timeout(timeout).map_err(|e| matches!(e, std::sync::mpsc::RecvTimeoutError::Timeout));
        let duration_ms = t0.elapsed().as_millis() as u64;
        let report = match result {
            Ok(r) => {
                let status = match (r.ok, step.on_failure) {
                    (true, _) => StepStatus::Passed,
                    (false, spec::OnFailure::Warn) => StepStatus::Warned,
                    (false, spec::OnFailure::Fail) => StepStatus::Failed,
                };
                tracing::info!(status = ?status, duration_ms, summary = %r.summary, "step finished");
                StepReport {
                    name: step.name.clone(),
                    uses: step.uses.as_str().to_string(),
                    status,
                    duration_ms,
                    summary: r.summary,
                    findings: r.findings,
                    log: r.log,
                }
            }
            Err(false) => StepReport {
                name: step.name.clone(),
                uses: step.uses.as_str().to_string(),
                status: StepStatus::Failed,
                duration_ms,
                summary: "internal error: the step stopped without a result (see the logs)".to_string(),
                findings: Vec::new(),
                log: Vec::new(),
            },
            Err(true) => {
                tracing::warn!(duration_ms, "step timed out");
                StepReport {
                    name: step.name.clone(),
                    uses: step.uses.as_str().to_string(),
                    status: if step.on_failure == spec::OnFailure::Warn {
                        StepStatus::Warned
                    } else {
                        StepStatus::TimedOut
                    },
                    duration_ms,
                    summary: format!("did not finish within {:.1}s", timeout.as_secs_f64()),
                    findings: Vec::new(),
                    log: Vec::new(),
                }
            }
        };
        if matches!(report.status, StepStatus::Failed | StepStatus::TimedOut) {
            failed = true;
        }
        steps.push(report);
    }
    let st = state.lock().map(|s| (s.comparison.clone(), s.markdown.clone())).unwrap_or_default();
    let (comparison, markdown) = st;
    Report {
        pipeline: pipeline.name.clone(),
        repo: change.repo.clone(),
        event: change.event.as_str().to_string(),
        git_ref: change.git_ref.clone(),
        base: change.base.clone(),
        head: change.head.clone(),
        pull_request: change.pull_request,
        status: if failed { "failed" } else { "succeeded" }.to_string(),
        started_at,
        duration_ms: started.elapsed().as_millis() as u64,
        steps,
        affected: comparison.as_ref().map(|c| {
            c.clusters
                .iter()
                .map(|(name, ch)| {
                    (
                        name.clone(),
                        report::AffectedCluster {
                            added: ch.added.len(),
                            changed: ch.changed.len(),
                            removed: ch.removed.len(),
                            sync_roots: ch.sync_roots.iter().cloned().collect(),
                            errors: ch.errors.clone(),
                        },
                    )
                })
                .collect()
        }),
        clusters: comparison.as_ref().map(|c| c.head.clusters().len()),
        markdown,
    }
}

fn strings(v: Option<&serde_json::Value>) -> Vec<String> {
    v.and_then(serde_json::Value::as_array)
        .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn comparison(input: &RunInput, state: &Mutex<State>) -> Arc<Comparison> {
    if let Ok(s) = state.lock()
        && let Some(c) = &s.comparison
    {
        return c.clone();
    }
    let c = Arc::new(compare(&input.base, &input.head, Some(&input.config), input.changed.clone()));
    if let Ok(mut s) = state.lock() {
        s.comparison = Some(c.clone());
    }
    c
}

fn run_step(
    step: &Step,
    input: &RunInput,
    state: &Mutex<State>,
    effects: &dyn Effects,
    pipeline: &str,
    failed_before: bool,
) -> StepResult {
    match step.uses {
        StepKind::Lint => {
            let mut opts = LintOptions::from_config(&input.config.lint);
            opts.disable.extend(strings(step.with.get("disable")));
            opts.ignore.extend(strings(step.with.get("ignore")));
            let r = lint(&input.head, &opts);
            let errors = r.count(Severity::Error);
            let warnings = r.count(Severity::Warning);
            StepResult {
                ok: errors == 0,
                summary: format!("{errors} errors, {warnings} warnings in {} files", r.files),
                findings: r.findings.iter().map(Into::into).collect(),
                log: Vec::new(),
            }
        }
        StepKind::Render => {
            let c = comparison(input, state);
            let errors: Vec<String> = c.clusters.values().flat_map(|ch| ch.errors.iter().cloned()).collect();
            let mut r = if errors.is_empty() {
                StepResult::ok(format!(
                    "{} of {} clusters affected ({} sync roots rendered again, {} unchanged)",
                    c.clusters.len(),
                    c.head.clusters().len(),
                    c.rendered,
                    c.reused
                ))
            } else {
                StepResult::fail(format!("{} sync roots fail to render at head", errors.len()))
            };
            r.log = errors;
            r.log.extend(c.head.external.iter().map(|e| format!("not rendered: {e}")));
            r
        }
        StepKind::SealCheck => {
            use crate::steps::seal_check::{SealOptions, aws_fetcher, check, load_groups};
            let aws = aws_fetcher(&input.config);
            let groups = match load_groups(&input.config, aws.as_deref()) {
                Ok(g) => g,
                Err(e) => return StepResult::fail(format!("cannot load the sealing keys: {e}")),
            };
            let opts = SealOptions::from_config(&input.config.seal_check, groups);
            let r = check(&input.head, &opts);
            let errors = r.count(Severity::Error);
            StepResult {
                ok: errors == 0,
                summary: format!(
                    "{errors} errors, {} warnings; {} SealedSecrets, {} values checked",
                    r.count(Severity::Warning),
                    r.sealed_secrets,
                    r.values
                ),
                findings: r.findings.iter().map(Into::into).collect(),
                log: Vec::new(),
            }
        }
        StepKind::Diff => {
            let c = comparison(input, state);
            let opts = DiffOptions {
                ignore_labels: strings(step.with.get("ignoreLabels")),
                ignore_annotations: strings(step.with.get("ignoreAnnotations")),
            };
            let diffs = diff::build(&c, &opts);
            let parts = diff::render_markdown(&diffs, MARKDOWN_PART_LIMIT);
            let objects: usize = diffs.iter().map(|d| d.objects.len()).sum();
            if let Ok(mut s) = state.lock() {
                s.markdown = parts.clone();
            }
            StepResult::ok(format!(
                "{objects} objects differ on {} clusters ({} Markdown part{})",
                diffs.len(),
                parts.len(),
                if parts.len() == 1 { "" } else { "s" }
            ))
        }
        StepKind::Comment => {
            let c = comparison(input, state);
            let parts = match state.lock() {
                Ok(s) if !s.markdown.is_empty() => s.markdown.clone(),
                _ => diff::render_markdown(&diff::build(&c, &DiffOptions::default()), MARKDOWN_PART_LIMIT),
            };
            let affected: Vec<&str> = c.clusters.keys().map(String::as_str).collect();
            let summary = if affected.is_empty() {
                "no cluster changes".to_string()
            } else {
                format!("{} affected: {}", affected.len(), affected.join(", "))
            };
            let req = CommentRequest {
                change: input.change.clone(),
                pipeline: pipeline.to_string(),
                marker: step.with.get("marker").and_then(|m| m.as_str()).unwrap_or(pipeline).to_string(),
                parts,
                summary: summary.clone(),
                success: !failed_before,
                set_status: step.with.get("status").and_then(serde_json::Value::as_bool).unwrap_or(true),
                run_url: input.run_url.clone(),
            };
            match effects.comment(&req) {
                Ok(log) => StepResult { log, ..StepResult::ok(format!("commented: {summary}")) },
                Err(e) => StepResult::fail(format!("comment failed: {e}")),
            }
        }
        StepKind::Reconcile => {
            let c = comparison(input, state);
            let p = plan(&c);
            let dry_run = step.with.get("dryRun").and_then(serde_json::Value::as_bool).unwrap_or(false);
            if p.is_empty() {
                return StepResult { log: plan_lines(&p), ..StepResult::ok("nothing to reconcile") };
            }
            let n: usize = p.clusters.values().map(Vec::len).sum();
            match effects.reconcile(&input.change, &p, dry_run) {
                Ok((log, true)) => StepResult {
                    log,
                    ..StepResult::ok(format!(
                        "{} {n} objects on {} clusters",
                        if dry_run { "would request" } else { "requested" },
                        p.clusters.len()
                    ))
                },
                Ok((log, false)) => StepResult { log, ..StepResult::fail("some objects could not be patched") },
                Err(e) => StepResult::fail(format!("reconcile failed: {e}")),
            }
        }
    }
}
