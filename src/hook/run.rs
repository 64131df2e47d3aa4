//! `fleetgate hook pre-receive`: check every ref update of a push with the repository's pipeline (without the
//! steps that write outside) before git accepts it, and tell the pushing client why it is rejected.
//!
//! Settings come from the command line, else the environment, else the repository's git config:
//!
//! | setting | flag | environment | git config |
//! |---|---|---|---|
//! | config file | `--config` | `FLEETGATE_CONFIG` | `fleetgate.config` (relative: to `$GIT_DIR`) |
//! | repository | `--repo` | — | `fleetgate.repo` (else the repo whose `path` is `$GIT_DIR`) |
//! | mode | `--mode enforce\|warn` | `FLEETGATE_HOOK_MODE` | `fleetgate.mode` |
//! | internal errors | `--on-internal-error reject\|accept` | `FLEETGATE_HOOK_ON_ERROR` | `fleetgate.onInternalError` |
//! | time budget | `--budget 4s` | `FLEETGATE_HOOK_BUDGET` | `fleetgate.budget` |
//!
//! Everything is written to the given writer (stderr); git relays it to the client as `remote: …` lines. Under
//! GitLab (`GL_ID`, `GL_PROTOCOL` or `GL_REPOSITORY` set) every line explaining a rejection starts with
//! `GL-HOOK-ERR: ` so GitLab shows it.

use super::{HookError, QuarantineView, RefType, RefUpdate, UpdateKind, parse_updates};
use crate::config::{Config, ConfigError, RepoConfig};
use crate::pipeline::report::ReportFinding;
use crate::pipeline::spec::{self, SpecError};
use crate::pipeline::{self, Change, EventKind, Mode, NoEffects, Pipeline, Report, RunInput, StepStatus};
use crate::source::{Backend, DirEntry, EntryKind, Snapshot, SourceError};
use crate::workspace::{self, Workspace, WorkspaceError};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The time budget when none is configured.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(4);
/// Findings printed per step; the rest are counted.
const MAX_FINDINGS: usize = 100;
/// Log lines printed per step.
const MAX_LOG: usize = 20;

/// What a failing check does to the push.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HookMode {
    /// Reject the push when the pipeline fails.
    #[default]
    Enforce,
    /// Print the findings and accept the push.
    Warn,
}

impl FromStr for HookMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "enforce" => Ok(HookMode::Enforce),
            "warn" => Ok(HookMode::Warn),
            _ => Err(format!("{s:?} is not a hook mode; use enforce or warn")),
        }
    }
}

/// What an internal error (not a finding) does to the push.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnInternalError {
    #[default]
    Reject,
    Accept,
}

impl FromStr for OnInternalError {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "reject" => Ok(OnInternalError::Reject),
            "accept" => Ok(OnInternalError::Accept),
            _ => Err(format!("{s:?} is not an internal-error policy; use reject or accept")),
        }
    }
}

/// `4s`, `500ms`, `1m30s` or a number of seconds, between 1ms and 1h.
pub fn parse_budget(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let d = match s.parse::<u64>() {
        Ok(secs) => Some(Duration::from_secs(secs)),
        Err(_) => spec::parse_duration(s),
    };
    match d {
        Some(d) if !d.is_zero() && d <= Duration::from_secs(3600) => Ok(d),
        _ => Err(format!("{s:?} is not a time budget between 1ms and 1h (like 4s, 500ms, 1m30s)")),
    }
}

/// `4s`, `250ms`, `1.5s`.
fn show_duration(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:.3}s", d.as_secs_f64())
    }
}

/// Settings given on the command line; each wins over its environment variable and git config key.
#[derive(Debug, Clone, Default)]
pub struct PreReceiveOptions {
    pub config: Option<PathBuf>,
    pub repo: Option<String>,
    pub mode: Option<HookMode>,
    pub on_internal_error: Option<OnInternalError>,
    pub budget: Option<Duration>,
}

/// Why the hook could not check a push (as opposed to a check that fails).
#[derive(Debug, thiserror::Error)]
pub enum PreReceiveError {
    #[error(transparent)]
    Hook(#[from] HookError),
    #[error("cannot read the ref updates from standard input: {0}")]
    Stdin(std::io::Error),
    #[error(
        "no fleetgate config is set: pass --config, set FLEETGATE_CONFIG, or run `git config fleetgate.config /path/to/fleetgate.yaml` in {git_dir}"
    )]
    NoConfig { git_dir: String },
    #[error("the config (from {from}) is unusable: {source}")]
    Config {
        from: &'static str,
        #[source]
        source: ConfigError,
    },
    #[error("the pipelines in {dir} are unusable: {source}; fix the file or remove the folder to use the defaults")]
    Pipelines {
        dir: String,
        #[source]
        source: SpecError,
    },
    #[error(
        "no repository in {config} has path {git_dir} (it lists {names}); set `git config fleetgate.repo <name>` in the repository or pass --repo"
    )]
    RepoNotFound { config: String, git_dir: String, names: String },
    #[error("{from} names repository {name:?}, which {config} does not list (it lists {names})")]
    UnknownRepo { from: &'static str, name: String, config: String, names: String },
    #[error("{from}: {message}")]
    BadSetting { from: &'static str, message: String },
    #[error("{refname}: cannot read the pushed revisions: {source}")]
    Workspace {
        refname: String,
        #[source]
        source: WorkspaceError,
    },
    #[error("cannot read branch {branch} of {git_dir} (the base of a new branch): {message}")]
    DefaultBranch { branch: String, git_dir: String, message: String },
    #[error(
        "the check of {refname} did not finish within the {budget} budget ({what}); raise it with --budget, FLEETGATE_HOOK_BUDGET or `git config fleetgate.budget 10s`"
    )]
    Budget { refname: String, budget: String, what: String },
}

/// Run the pre-receive hook. `input` is what git wrote on stdin; `var` reads an environment variable; `cwd` is
/// the current directory (git runs the hook in `$GIT_DIR`). Writes its messages to `out` and returns whether
/// the push is accepted.
pub fn pre_receive(
    opts: &PreReceiveOptions,
    input: &str,
    var: &dyn Fn(&str) -> Option<String>,
    cwd: &Path,
    out: &mut dyn Write,
) -> bool {
    let started = Instant::now();
    let var = |k: &str| var(k).filter(|v| !v.is_empty());
    let gitlab = ["GL_ID", "GL_PROTOCOL", "GL_REPOSITORY"].iter().any(|k| var(k).is_some());
    let mut p = Printer { out, gitlab };
    let git_dir = var("GIT_DIR").map(|d| cwd.join(d)).unwrap_or_else(|| cwd.to_path_buf());
    let git_config = match read_git_config(&git_dir) {
        Ok(c) => c,
        Err(e) => {
            p.line(
                false,
                &format!("fleetgate: warning: cannot read git config ({e}); using flags and environment only"),
            );
            BTreeMap::new()
        }
    };
    let on_error = resolve_on_error(opts, &var, &git_config);
    // A policy that cannot be read is itself an internal error, handled by the default policy.
    let policy = on_error.as_ref().copied().unwrap_or_default();
    let outcome = on_error.and_then(|on_error| resolve(opts, &var, &git_config, &git_dir, on_error)).and_then(|s| {
        let deadline = started + s.budget;
        check_push(&s, input, &var, &git_dir, deadline, &mut p)
    });
    let (accepted, unchecked) = match outcome {
        Ok(Verdict { rejected, internal }) => (!rejected, internal > 0),
        Err(e) => {
            internal_lines(&e, policy).iter().for_each(|l| p.line(policy == OnInternalError::Reject, l));
            (policy == OnInternalError::Accept, true)
        }
    };
    let took = started.elapsed().as_secs_f64();
    if accepted {
        let how = if unchecked { ", not every ref checked" } else { "" };
        p.line(false, &format!("fleetgate: push accepted ({took:.2}s{how})"));
    } else {
        p.line(true, &format!("fleetgate: push rejected ({took:.2}s)"));
    }
    tracing::info!(accepted, seconds = took, "pre-receive finished");
    accepted
}

/// Settings after flags, environment and git config.
#[derive(Debug, Clone, PartialEq)]
struct Settings {
    /// The config file and where the setting came from.
    config: Option<(PathBuf, &'static str)>,
    repo: Option<(String, &'static str)>,
    mode: HookMode,
    on_error: OnInternalError,
    budget: Duration,
}

/// One setting: the flag, else the environment variable, else the git config key (lower-cased).
fn pick<T>(
    flag: Option<T>,
    env: &dyn Fn(&str) -> Option<String>,
    env_name: &'static str,
    git_config: &BTreeMap<String, String>,
    git_key: &'static str,
    parse: fn(&str) -> Result<T, String>,
) -> Result<Option<T>, PreReceiveError> {
    if let Some(v) = flag {
        return Ok(Some(v));
    }
    let bad = |from: &'static str| move |message: String| PreReceiveError::BadSetting { from, message };
    if let Some(v) = env(env_name) {
        return parse(&v).map(Some).map_err(bad(env_name));
    }
    if let Some(v) = git_config.get(&git_key.to_ascii_lowercase()) {
        return parse(v).map(Some).map_err(bad(git_key));
    }
    Ok(None)
}

fn resolve_on_error(
    opts: &PreReceiveOptions,
    env: &dyn Fn(&str) -> Option<String>,
    git_config: &BTreeMap<String, String>,
) -> Result<OnInternalError, PreReceiveError> {
    Ok(pick(
        opts.on_internal_error,
        env,
        "FLEETGATE_HOOK_ON_ERROR",
        git_config,
        "fleetgate.onInternalError",
        OnInternalError::from_str,
    )?
    .unwrap_or_default())
}

fn resolve(
    opts: &PreReceiveOptions,
    env: &dyn Fn(&str) -> Option<String>,
    git_config: &BTreeMap<String, String>,
    git_dir: &Path,
    on_error: OnInternalError,
) -> Result<Settings, PreReceiveError> {
    let mode = pick(opts.mode, env, "FLEETGATE_HOOK_MODE", git_config, "fleetgate.mode", HookMode::from_str)?
        .unwrap_or_default();
    let budget = pick(opts.budget, env, "FLEETGATE_HOOK_BUDGET", git_config, "fleetgate.budget", parse_budget)?
        .unwrap_or(DEFAULT_BUDGET);
    let config = if let Some(c) = &opts.config {
        Some((c.clone(), "--config"))
    } else if let Some(c) = env("FLEETGATE_CONFIG") {
        Some((PathBuf::from(c), "FLEETGATE_CONFIG"))
    } else {
        git_config.get("fleetgate.config").map(|c| (git_dir.join(c), "git config fleetgate.config"))
    };
    let repo = if let Some(r) = &opts.repo {
        Some((r.clone(), "--repo"))
    } else {
        git_config.get("fleetgate.repo").map(|r| (r.clone(), "git config fleetgate.repo"))
    };
    Ok(Settings { config, repo, mode, on_error, budget })
}

/// The repository's `fleetgate.*` git config (system, global and local, as `git config` sees them), keys
/// lower-cased.
fn read_git_config(git_dir: &Path) -> Result<BTreeMap<String, String>, String> {
    let out = std::process::Command::new("git")
        .args(["config", "--null", "--get-regexp", r"^fleetgate\."])
        .env("GIT_DIR", git_dir)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    // Exit code 1: no key matches.
    if !out.status.success() && out.status.code() != Some(1) {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    let mut map = BTreeMap::new();
    // With --null: `key\nvalue\0` per entry (later entries win, as with `git config --get`).
    for entry in out.stdout.split(|&b| b == 0).filter(|e| !e.is_empty()) {
        let text = String::from_utf8_lossy(entry);
        let (key, value) = text.split_once('\n').unwrap_or((&text, ""));
        map.insert(key.to_ascii_lowercase(), value.to_string());
    }
    Ok(map)
}

/// The whole push's outcome when it could be checked.
struct Verdict {
    rejected: bool,
    /// Refs whose check failed internally.
    internal: usize,
}

/// Everything the checks of one push share.
struct Push<'a> {
    settings: &'a Settings,
    config: Arc<Config>,
    repo: RepoConfig,
    pipelines: Vec<Pipeline>,
    git_dir: PathBuf,
    view: QuarantineView,
    /// Configured repositories whose path is the pushed repository (read through the view).
    in_view: Vec<String>,
    deadline: Instant,
}

fn check_push(
    settings: &Settings,
    input: &str,
    env: &dyn Fn(&str) -> Option<String>,
    git_dir: &Path,
    deadline: Instant,
    p: &mut Printer,
) -> Result<Verdict, PreReceiveError> {
    let updates = parse_updates(input)?;
    let mut to_check = Vec::new();
    for u in &updates {
        match (u.kind, u.ref_type) {
            (UpdateKind::Delete, _) => {
                p.line(false, &format!("fleetgate: {}: deleted (deletions are not checked)", u.refname));
            }
            (_, RefType::Other) => {
                p.line(false, &format!("fleetgate: {}: not a branch or tag, not checked", u.refname));
            }
            _ => to_check.push(u),
        }
    }
    if to_check.is_empty() {
        return Ok(Verdict { rejected: false, internal: 0 });
    }
    let push = open_push(settings, env, git_dir, deadline)?;
    let mut verdict = Verdict { rejected: false, internal: 0 };
    for u in to_check {
        match check_update(&push, u, p) {
            Ok(rejected) => verdict.rejected |= rejected,
            Err(e) => {
                let reject = settings.on_error == OnInternalError::Reject;
                internal_lines(&e, settings.on_error).iter().for_each(|l| p.line(reject, l));
                verdict.rejected |= reject;
                verdict.internal += 1;
            }
        }
    }
    Ok(verdict)
}

fn open_push<'a>(
    settings: &'a Settings,
    env: &dyn Fn(&str) -> Option<String>,
    git_dir: &Path,
    deadline: Instant,
) -> Result<Push<'a>, PreReceiveError> {
    let git_dir_abs = std::path::absolute(git_dir).unwrap_or_else(|_| git_dir.to_path_buf());
    let git_dir_canon = git_dir_abs.canonicalize().unwrap_or_else(|_| git_dir_abs.clone());
    let Some((config_path, from)) = &settings.config else {
        return Err(PreReceiveError::NoConfig { git_dir: git_dir_abs.display().to_string() });
    };
    let config = Config::load(config_path).map_err(|source| PreReceiveError::Config { from, source })?;
    let names = config.repos.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ");
    let in_view: Vec<String> = config
        .repos
        .iter()
        .filter(|r| config.repo_path(r).and_then(|p| p.canonicalize().ok()).is_some_and(|p| p == git_dir_canon))
        .map(|r| r.name.clone())
        .collect();
    let repo = match &settings.repo {
        Some((name, from)) => config.repo(name).cloned().ok_or_else(|| PreReceiveError::UnknownRepo {
            from,
            name: name.clone(),
            config: config.file.clone(),
            names: names.clone(),
        })?,
        None => in_view.first().and_then(|n| config.repo(n)).cloned().ok_or_else(|| PreReceiveError::RepoNotFound {
            config: config.file.clone(),
            git_dir: git_dir_canon.display().to_string(),
            names: names.clone(),
        })?,
    };
    let mut in_view = in_view;
    if !in_view.contains(&repo.name) {
        // Named by --repo or git config: its configured path (if any) is somewhere else, the push is here.
        in_view.push(repo.name.clone());
    }
    let pipelines = spec::for_config(&config).map_err(|source| PreReceiveError::Pipelines {
        dir: config.base_dir.join(config.pipelines.as_deref().unwrap_or("pipelines")).display().to_string(),
        source,
    })?;
    let view = QuarantineView::open(&git_dir_abs, env)?;
    tracing::debug!(repo = %repo.name, view = %view.path().display(), pipelines = pipelines.len(), "push opened");
    Ok(Push { settings, config: Arc::new(config), repo, pipelines, git_dir: git_dir_abs, view, in_view, deadline })
}

/// Check one branch or tag update; `Ok(true)` when it makes the push rejected.
fn check_update(push: &Push, u: &RefUpdate, p: &mut Printer) -> Result<bool, PreReceiveError> {
    let event = if u.ref_type == RefType::Tag { EventKind::Tag } else { EventKind::Push };
    let repo = &push.repo;
    let Some(pipeline) = spec::select(&push.pipelines, &repo.name, Some(repo.role), event) else {
        let what = if event == EventKind::Tag { "tag pushes" } else { "pushes" };
        p.line(
            false,
            &format!("fleetgate: {}: no pipeline applies to {what} of {}; not checked", u.refname, repo.name),
        );
        return Ok(false);
    };
    let ws_err = |source| PreReceiveError::Workspace { refname: u.refname.clone(), source };
    let base = match u.kind {
        UpdateKind::Create => {
            default_branch_commit(&push.git_dir, &repo.default_branch)?.unwrap_or_else(|| "0".repeat(u.new.len()))
        }
        _ => u.old.clone(),
    };
    let view_path = push.view.path().to_path_buf();
    let path_of = |r: &RepoConfig| {
        if push.in_view.contains(&r.name) { Some(view_path.clone()) } else { push.config.repo_path(r) }
    };
    let head_ws = workspace::for_change(&push.config, &repo.name, &u.new, &path_of).map_err(ws_err)?;
    let base_ws = if base.bytes().all(|b| b == b'0') {
        empty_base(&head_ws, &view_path)
    } else {
        workspace::for_change(&push.config, &repo.name, &base, &path_of).map_err(ws_err)?
    };
    let changed = workspace::changed_paths_for(&head_ws, &repo.name, &base, &u.new).map_err(ws_err)?;
    if Instant::now() >= push.deadline {
        return Err(PreReceiveError::Budget {
            refname: u.refname.clone(),
            budget: show_duration(push.settings.budget),
            what: "spent before the pipeline started".to_string(),
        });
    }
    let input = RunInput {
        config: push.config.clone(),
        change: Change {
            repo: repo.name.clone(),
            event,
            git_ref: u.refname.clone(),
            base: base.clone(),
            head: u.new.clone(),
            pull_request: None,
            target_branch: None,
        },
        base: base_ws,
        head: head_ws,
        changed,
        default_branch: repo.default_branch.clone(),
        run_url: None,
    };
    let report = pipeline::run(pipeline, input, Mode::Hook, Arc::new(NoEffects), Some(push.deadline), &|step| {
        tracing::debug!(step, "step started")
    });
    let timed_out: Vec<&str> =
        report.steps.iter().filter(|s| s.status == StepStatus::TimedOut).map(|s| s.name.as_str()).collect();
    let failed = report.steps.iter().any(|s| s.status == StepStatus::Failed);
    let reject = failed && push.settings.mode == HookMode::Enforce;
    let short = |id: &str| id.chars().take(7).collect::<String>();
    let head_line = format!(
        "fleetgate: {} {}..{}: {} ({:.2}s)",
        u.refname,
        short(&base),
        short(&u.new),
        report.one_line().trim_start_matches("fleetgate "),
        report.duration_ms as f64 / 1000.0
    );
    p.line(reject, &head_line);
    for l in report_lines(&report, &repo.name) {
        p.line(reject, &l);
    }
    if failed && !reject {
        p.line(false, &format!("fleetgate: {}: failed, accepted because the hook runs in warn mode", u.refname));
    }
    if reject {
        p.line(true, &format!("fleetgate: {}: rejected; fix the errors above and push again", u.refname));
    }
    if !timed_out.is_empty() && !failed {
        return Err(PreReceiveError::Budget {
            refname: u.refname.clone(),
            budget: show_duration(push.settings.budget),
            what: format!("timed out: {}", timed_out.join(", ")),
        });
    }
    Ok(reject)
}

/// The commit branch `branch` points at in the repository (before the push), if the branch exists.
fn default_branch_commit(git_dir: &Path, branch: &str) -> Result<Option<String>, PreReceiveError> {
    let err = |message: String| PreReceiveError::DefaultBranch {
        branch: branch.to_string(),
        git_dir: git_dir.display().to_string(),
        message,
    };
    let repo = gix::open(git_dir).map_err(|e| err(e.to_string()))?;
    let name = format!("refs/heads/{branch}");
    let Some(mut reference) = repo.try_find_reference(name.as_str()).map_err(|e| err(e.to_string()))? else {
        return Ok(None);
    };
    let id = reference.peel_to_id().map_err(|e| err(e.to_string()))?;
    Ok(Some(id.to_string()))
}

/// The base workspace of a push without a base: every repository read through the view is an empty tree.
fn empty_base(head: &Workspace, view_path: &Path) -> Workspace {
    let mut base = head.clone();
    for r in &mut base.repos {
        if r.local.as_deref() == Some(view_path) {
            r.snapshot = Snapshot::new(Arc::new(EmptyTree));
        }
    }
    base
}

/// A tree with nothing in it: the base of the first push to a repository.
struct EmptyTree;

impl Backend for EmptyTree {
    fn label(&self) -> String {
        "empty tree".to_string()
    }
    fn kind(&self, path: &str) -> Result<Option<EntryKind>, SourceError> {
        Ok(path.is_empty().then_some(EntryKind::Dir))
    }
    fn read(&self, path: &str) -> Result<Vec<u8>, SourceError> {
        Err(SourceError::NotFound { snapshot: self.label(), path: path.to_string() })
    }
    fn list(&self, path: &str) -> Result<Vec<DirEntry>, SourceError> {
        if path.is_empty() {
            Ok(Vec::new())
        } else {
            Err(SourceError::NotFound { snapshot: self.label(), path: path.to_string() })
        }
    }
}

/// The lines explaining a run: one per failed, warned or timed-out step, each followed by its findings
/// (`file:line:col: severity[rule]: message`, prefixed by `repo:` for another repository's files) and its log.
fn report_lines(report: &Report, repo: &str) -> Vec<String> {
    let mut out = Vec::new();
    for s in &report.steps {
        let status = match s.status {
            StepStatus::Failed => "failed",
            StepStatus::Warned => "warned",
            StepStatus::TimedOut => "timed out",
            StepStatus::Passed | StepStatus::Skipped => continue,
        };
        out.push(format!("fleetgate: step {} {status}: {}", s.name, clean(&s.summary)));
        for f in s.findings.iter().take(MAX_FINDINGS) {
            out.push(finding_line(f, repo));
        }
        if s.findings.len() > MAX_FINDINGS {
            out.push(format!("fleetgate:   … and {} more findings", s.findings.len() - MAX_FINDINGS));
        }
        for l in s.log.iter().take(MAX_LOG) {
            out.push(format!("fleetgate:   {}", clean(l)));
        }
        if s.log.len() > MAX_LOG {
            out.push(format!("fleetgate:   … and {} more", s.log.len() - MAX_LOG));
        }
    }
    out
}

fn finding_line(f: &ReportFinding, repo: &str) -> String {
    let other = if f.repo.is_empty() || f.repo == repo { String::new() } else { format!("{}:", f.repo) };
    format!("{other}{}:{}:{}: {}[{}]: {}", clean(&f.file), f.line, f.col, f.severity, f.rule, clean(&f.message))
}

/// One line of text: line breaks become spaces, other control characters (terminal escapes) `?`.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => '?',
            c => c,
        })
        .collect()
}

fn internal_lines(e: &PreReceiveError, on_error: OnInternalError) -> Vec<String> {
    let mut out = vec![format!("fleetgate: internal error: {}", clean(&e.to_string()))];
    match on_error {
        OnInternalError::Reject => {
            out.push(
                "fleetgate: fleetgate failed internally, so the push was not checked; it is rejected to be safe (this is not a finding in your change)"
                    .to_string(),
            );
            out.push(
                "fleetgate: to let pushes through while it is broken, a server admin can run `git config fleetgate.onInternalError accept` in the repository (or set FLEETGATE_HOOK_ON_ERROR=accept)"
                    .to_string(),
            );
        }
        OnInternalError::Accept => {
            out.push("fleetgate: the push is accepted unchecked (onInternalError is accept)".to_string());
        }
    }
    out
}

/// Writes lines, marking those that explain a rejection for GitLab.
struct Printer<'a> {
    out: &'a mut dyn Write,
    gitlab: bool,
}

impl Printer<'_> {
    fn line(&mut self, rejection: bool, text: &str) {
        let prefix = if rejection && self.gitlab { "GL-HOOK-ERR: " } else { "" };
        // Nothing to do when the client has gone away.
        let _ = writeln!(self.out, "{prefix}{text}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::StepReport;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    fn resolve_all(
        opts: &PreReceiveOptions,
        env: &dyn Fn(&str) -> Option<String>,
        git: &BTreeMap<String, String>,
        dir: &Path,
    ) -> Settings {
        let on_error = resolve_on_error(opts, env, git).unwrap();
        resolve(opts, env, git, dir, on_error).unwrap()
    }

    #[test]
    fn settings_come_from_flags_then_environment_then_git_config() {
        let git: BTreeMap<String, String> = [
            ("fleetgate.config", "../estate/fleetgate.yaml"),
            ("fleetgate.repo", "fleet"),
            ("fleetgate.mode", "warn"),
            ("fleetgate.oninternalerror", "accept"),
            ("fleetgate.budget", "10s"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let dir = Path::new("/srv/git/fleet.git");
        let none = env_of(&[]);
        let s = resolve_all(&PreReceiveOptions::default(), &none, &git, dir);
        assert_eq!(
            s,
            Settings {
                config: Some((dir.join("../estate/fleetgate.yaml"), "git config fleetgate.config")),
                repo: Some(("fleet".to_string(), "git config fleetgate.repo")),
                mode: HookMode::Warn,
                on_error: OnInternalError::Accept,
                budget: Duration::from_secs(10),
            }
        );
        let env = env_of(&[
            ("FLEETGATE_CONFIG", "/etc/fleetgate.yaml"),
            ("FLEETGATE_HOOK_MODE", "enforce"),
            ("FLEETGATE_HOOK_ON_ERROR", "reject"),
            ("FLEETGATE_HOOK_BUDGET", "2"),
        ]);
        let s = resolve_all(&PreReceiveOptions::default(), &env, &git, dir);
        assert_eq!(s.config, Some((PathBuf::from("/etc/fleetgate.yaml"), "FLEETGATE_CONFIG")));
        assert_eq!(
            (s.mode, s.on_error, s.budget),
            (HookMode::Enforce, OnInternalError::Reject, Duration::from_secs(2))
        );
        let flags = PreReceiveOptions {
            config: Some(PathBuf::from("f.yaml")),
            repo: Some("other".to_string()),
            mode: Some(HookMode::Warn),
            on_internal_error: Some(OnInternalError::Accept),
            budget: Some(Duration::from_millis(500)),
        };
        let s = resolve_all(&flags, &env, &git, dir);
        assert_eq!(s.config, Some((PathBuf::from("f.yaml"), "--config")));
        assert_eq!(s.repo, Some(("other".to_string(), "--repo")));
        assert_eq!(
            (s.mode, s.on_error, s.budget),
            (HookMode::Warn, OnInternalError::Accept, Duration::from_millis(500))
        );
        let s = resolve_all(&PreReceiveOptions::default(), &none, &BTreeMap::new(), dir);
        assert_eq!((s.config, s.repo), (None, None));
        assert_eq!((s.mode, s.on_error, s.budget), (HookMode::Enforce, OnInternalError::Reject, DEFAULT_BUDGET));
    }

    #[test]
    fn bad_settings_name_their_source() {
        let env = env_of(&[("FLEETGATE_HOOK_MODE", "wrn")]);
        let err =
            resolve(&PreReceiveOptions::default(), &env, &BTreeMap::new(), Path::new("."), OnInternalError::Reject)
                .unwrap_err();
        assert!(err.to_string().starts_with("FLEETGATE_HOOK_MODE: \"wrn\" is not a hook mode"), "{err}");
        let git = BTreeMap::from([("fleetgate.budget".to_string(), "soon".to_string())]);
        let err = resolve(&PreReceiveOptions::default(), &env_of(&[]), &git, Path::new("."), OnInternalError::Reject)
            .unwrap_err();
        assert!(err.to_string().starts_with("fleetgate.budget: \"soon\" is not a time budget"), "{err}");
        let git = BTreeMap::from([("fleetgate.oninternalerror".to_string(), "maybe".to_string())]);
        let err = resolve_on_error(&PreReceiveOptions::default(), &env_of(&[]), &git).unwrap_err();
        assert!(err.to_string().starts_with("fleetgate.onInternalError: \"maybe\" is not"), "{err}");
        assert_eq!(parse_budget("1m30s"), Ok(Duration::from_secs(90)));
        assert!(parse_budget("0").is_err() && parse_budget("2h").is_err());
        let shown: Vec<String> = [4000, 250, 1500].iter().map(|&ms| show_duration(Duration::from_millis(ms))).collect();
        assert_eq!(shown, ["4s", "250ms", "1.500s"]);
    }

    fn report(steps: Vec<StepReport>) -> Report {
        Report {
            pipeline: "system".into(),
            repo: "estate".into(),
            event: "push".into(),
            git_ref: "refs/heads/main".into(),
            base: "a".repeat(40),
            head: "b".repeat(40),
            pull_request: None,
            status: "failed".into(),
            started_at: String::new(),
            duration_ms: 10,
            steps,
            affected: None,
            clusters: None,
            markdown: Vec::new(),
        }
    }

    fn step(name: &str, status: StepStatus, findings: Vec<ReportFinding>, log: Vec<String>) -> StepReport {
        StepReport {
            name: name.into(),
            uses: name.into(),
            status,
            duration_ms: 1,
            summary: format!("{name} summary"),
            findings,
            log,
        }
    }

    fn finding(repo: &str, file: &str, message: &str) -> ReportFinding {
        ReportFinding {
            severity: "error".into(),
            rule: "yaml-parse".into(),
            repo: repo.into(),
            file: file.into(),
            line: 3,
            col: 7,
            message: message.into(),
        }
    }

    #[test]
    fn report_lines_list_failed_and_warned_steps_with_findings_and_logs() {
        let r = report(vec![
            step("lint", StepStatus::Failed, vec![finding("estate", "a.yaml", "bad\nyaml \x1b[31m")], vec![]),
            step("ok", StepStatus::Passed, vec![finding("estate", "hidden.yaml", "x")], vec![]),
            step("render", StepStatus::Warned, vec![finding("other", "b.yaml", "m")], vec!["cluster dev: boom".into()]),
            step("skipped", StepStatus::Skipped, vec![], vec![]),
        ]);
        assert_eq!(
            report_lines(&r, "estate"),
            vec![
                "fleetgate: step lint failed: lint summary",
                "a.yaml:3:7: error[yaml-parse]: bad yaml ?[31m",
                "fleetgate: step render warned: render summary",
                "other:b.yaml:3:7: error[yaml-parse]: m",
                "fleetgate:   cluster dev: boom",
            ]
        );
        let many = report(vec![step(
            "lint",
            StepStatus::Failed,
            (0..MAX_FINDINGS + 5).map(|_| finding("estate", "a.yaml", "x")).collect(),
            vec![],
        )]);
        let lines = report_lines(&many, "estate");
        assert_eq!(lines.len(), MAX_FINDINGS + 2);
        assert_eq!(lines.last().map(String::as_str), Some("fleetgate:   … and 5 more findings"));
    }

    #[test]
    fn gitlab_prefix_only_on_rejection_lines() {
        let mut buf = Vec::new();
        let mut p = Printer { out: &mut buf, gitlab: true };
        p.line(true, "no");
        p.line(false, "fine");
        let mut plain = Vec::new();
        Printer { out: &mut plain, gitlab: false }.line(true, "no");
        assert_eq!(String::from_utf8(buf).unwrap(), "GL-HOOK-ERR: no\nfine\n");
        assert_eq!(String::from_utf8(plain).unwrap(), "no\n");
    }

    #[test]
    fn internal_errors_say_how_to_bypass_or_that_the_push_went_through() {
        let e = PreReceiveError::NoConfig { git_dir: "/srv/x.git".into() };
        let reject = internal_lines(&e, OnInternalError::Reject).join("\n");
        assert!(reject.contains("fleetgate failed internally") && reject.contains("fleetgate.onInternalError accept"));
        assert!(reject.contains("git config fleetgate.config"), "{reject}");
        let accept = internal_lines(&e, OnInternalError::Accept).join("\n");
        assert!(accept.contains("accepted unchecked") && !accept.contains("rejected"), "{accept}");
    }

    #[test]
    fn deletions_and_other_refs_are_accepted_without_a_config() {
        let a = "1".repeat(40);
        let z = "0".repeat(40);
        let input = format!("{a} {z} refs/heads/gone\n{z} {a} refs/notes/commits\n");
        let dir = tempfile::tempdir().unwrap();
        let mut out = Vec::new();
        let env = env_of(&[("GIT_DIR", ".")]);
        let ok = pre_receive(&PreReceiveOptions::default(), &input, &env, dir.path(), &mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(ok, "{text}");
        assert!(
            text.contains("refs/heads/gone: deleted") && text.contains("refs/notes/commits: not a branch"),
            "{text}"
        );
    }

    #[test]
    fn a_push_without_config_is_an_internal_error() {
        let input = format!("{} {} refs/heads/main\n", "1".repeat(40), "2".repeat(40));
        let dir = tempfile::tempdir().unwrap();
        for (policy, want) in [("reject", false), ("accept", true)] {
            let mut out = Vec::new();
            let env = env_of(&[("FLEETGATE_HOOK_ON_ERROR", policy), ("GL_ID", "user-1")]);
            let ok = pre_receive(&PreReceiveOptions::default(), &input, &env, dir.path(), &mut out);
            let text = String::from_utf8(out).unwrap();
            assert_eq!(ok, want, "{text}");
            assert!(text.contains("no fleetgate config is set"), "{text}");
            assert_eq!(text.contains("GL-HOOK-ERR: fleetgate: internal error"), !want, "{text}");
        }
    }
}
