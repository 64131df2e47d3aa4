//! Pipeline files (`pipelines/*.yaml`): which repositories and events a pipeline applies to and its steps.
//!
//! ```yaml
//! name: system
//! appliesTo:
//!   roles: [system]          # and/or repos: [hub-system]
//!   events: [push, pull_request]
//! steps:
//!   - uses: lint
//!   - uses: render
//!     timeout: 5m
//!   - uses: seal-check
//!     onFailure: warn
//!   - uses: diff
//!     with: {ignoreLabels: [app.kubernetes.io/version]}
//!   - uses: comment
//!     when: {events: [pull_request]}
//!   - uses: reconcile
//!     when: {events: [push], branches: [$default]}
//! ```
//! Loading checks everything and names the field and line of each mistake.

use crate::config::{ConfigError, Role, from_node};
use crate::manifest::{self, Limits, Node, PathSeg};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;

/// A pipeline mistake: the file, line and field, and what is wrong.
pub type SpecError = ConfigError;

/// What triggers a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A push of a branch (webhook, pre-receive hook or the CLI).
    Push,
    /// A pull request or merge request opened or updated.
    PullRequest,
    /// A push of a tag.
    Tag,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Push => "push",
            EventKind::PullRequest => "pull_request",
            EventKind::Tag => "tag",
        }
    }
}

/// The kinds of step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    Lint,
    Render,
    SealCheck,
    Diff,
    Comment,
    Reconcile,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Lint => "lint",
            StepKind::Render => "render",
            StepKind::SealCheck => "seal-check",
            StepKind::Diff => "diff",
            StepKind::Comment => "comment",
            StepKind::Reconcile => "reconcile",
        }
    }

    /// Steps that write outside fleetgate (skipped in the pre-receive hook).
    pub fn writes_outside(self) -> bool {
        matches!(self, StepKind::Comment | StepKind::Reconcile)
    }

    fn default_timeout(self) -> Duration {
        Duration::from_secs(match self {
            StepKind::Lint | StepKind::SealCheck | StepKind::Diff => 120,
            StepKind::Render => 600,
            StepKind::Comment => 120,
            StepKind::Reconcile => 300,
        })
    }

    /// The keys its `with` accepts.
    fn settings(self) -> &'static [&'static str] {
        match self {
            StepKind::Lint => &["disable", "ignore"],
            StepKind::Render => &[],
            StepKind::SealCheck => &["level"],
            StepKind::Diff => &["ignoreLabels", "ignoreAnnotations"],
            StepKind::Comment => &["marker", "status"],
            StepKind::Reconcile => &["dryRun"],
        }
    }
}

/// What a failed step does to the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnFailure {
    /// The run fails (and the hook rejects the push).
    #[default]
    Fail,
    /// Reported, but the run goes on and passes.
    Warn,
}

/// When a step runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct When {
    /// Events the step runs for; empty: all.
    #[serde(default)]
    pub events: Vec<EventKind>,
    /// Branch globs (`release/*`); `$default` is the repository's default branch; empty: all.
    #[serde(default)]
    pub branches: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawStep {
    #[serde(default)]
    name: Option<String>,
    uses: StepKind,
    #[serde(default)]
    with: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    when: Option<When>,
    #[serde(default)]
    on_failure: OnFailure,
    #[serde(default)]
    timeout: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawAppliesTo {
    #[serde(default)]
    repos: Vec<String>,
    #[serde(default)]
    roles: Vec<Role>,
    #[serde(default)]
    events: Vec<EventKind>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawPipeline {
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    applies_to: RawAppliesTo,
    steps: Vec<RawStep>,
}

/// One step of a pipeline, checked.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub name: String,
    pub uses: StepKind,
    pub with: serde_json::Map<String, serde_json::Value>,
    pub when: When,
    pub on_failure: OnFailure,
    #[serde(serialize_with = "ser_duration")]
    pub timeout: Duration,
}

fn ser_duration<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{}s", d.as_secs()))
}

/// A checked pipeline.
#[derive(Debug, Clone, Serialize)]
pub struct Pipeline {
    pub name: String,
    pub description: Option<String>,
    pub repos: Vec<String>,
    pub roles: Vec<Role>,
    pub events: Vec<EventKind>,
    pub steps: Vec<Step>,
    /// The file it came from.
    pub file: String,
}

impl Pipeline {
    /// Does it apply to a change of `repo` (with `role`) for `event`?
    pub fn applies(&self, repo: &str, role: Option<Role>, event: EventKind) -> bool {
        let who = (self.repos.is_empty() && self.roles.is_empty())
            || self.repos.iter().any(|r| r == repo)
            || role.is_some_and(|r| self.roles.contains(&r));
        who && (self.events.is_empty() || self.events.contains(&event))
    }
}

impl Step {
    /// Does the step run for `event` on `branch` (`default_branch` stands for `$default`)?
    pub fn runs_for(&self, event: EventKind, branch: &str, default_branch: &str) -> bool {
        let ev = self.when.events.is_empty() || self.when.events.contains(&event);
        let br = self.when.branches.is_empty()
            || self
                .when
                .branches
                .iter()
                .any(|g| if g == "$default" { branch == default_branch } else { crate::glob::matches(g, branch) });
        ev && br
    }
}

/// Parse `30s`, `5m`, `1h`, `1m30s`, `250ms`.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        total += match unit {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.checked_mul(60)?),
            "h" => Duration::from_secs(n.checked_mul(3600)?),
            _ => return None,
        };
    }
    Some(total)
}

fn invalid(file: &str, node: &Node, path: &[PathSeg], field: &str, message: String) -> SpecError {
    let pos = node.pos_of_path(path);
    SpecError::Invalid { file: file.to_string(), line: pos.line, col: pos.col, field: field.to_string(), message }
}

/// Parse and check one pipeline file's text.
pub fn parse(file: &str, text: &str) -> Result<Pipeline, SpecError> {
    let docs = manifest::parse(file, text, &Limits::default())?;
    let [doc] = docs.as_slice() else {
        return Err(SpecError::Invalid {
            file: file.to_string(),
            line: 1,
            col: 1,
            field: String::new(),
            message: format!("expected one YAML document, found {}", docs.len()),
        });
    };
    let node = &doc.root;
    let raw: RawPipeline = from_node(file, node)?;
    let key = |k: &str| PathSeg::Key(k.to_string());
    if raw.name.is_empty() || !raw.name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_')) {
        return Err(invalid(file, node, &[key("name")], "name", "use letters, digits, `-` and `_`".to_string()));
    }
    if raw.steps.is_empty() {
        return Err(invalid(file, node, &[key("steps")], "steps", "a pipeline needs at least one step".to_string()));
    }
    let mut steps = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    for (i, s) in raw.steps.into_iter().enumerate() {
        let at = |sub: &str| vec![key("steps"), PathSeg::Index(i), key(sub)];
        let name = s.name.clone().unwrap_or_else(|| s.uses.as_str().to_string());
        if !names.insert(name.clone()) {
            return Err(invalid(
                file,
                node,
                &at("name"),
                &format!("steps[{i}].name"),
                format!("step name {name:?} is used twice; give one of them a `name`"),
            ));
        }
        for k in s.with.keys() {
            if !s.uses.settings().contains(&k.as_str()) {
                let mut p = at("with");
                p.push(key(k));
                let allowed = s.uses.settings();
                return Err(invalid(
                    file,
                    node,
                    &p,
                    &format!("steps[{i}].with.{k}"),
                    if allowed.is_empty() {
                        format!("step {} takes no settings", s.uses.as_str())
                    } else {
                        format!("unknown setting for {}; expected one of {}", s.uses.as_str(), allowed.join(", "))
                    },
                ));
            }
        }
        let timeout = match &s.timeout {
            None => s.uses.default_timeout(),
            Some(t) => match parse_duration(t) {
                Some(d) if !d.is_zero() && d <= Duration::from_secs(3600) => d,
                _ => {
                    return Err(invalid(
                        file,
                        node,
                        &at("timeout"),
                        &format!("steps[{i}].timeout"),
                        format!("{t:?} is not a duration between 1ms and 1h (like 30s, 5m, 1m30s)"),
                    ));
                }
            },
        };
        let when = s.when.clone().unwrap_or_default();
        for (bi, b) in when.branches.iter().enumerate() {
            if b.is_empty() || (b.starts_with('$') && b != "$default") {
                let p = vec![key("steps"), PathSeg::Index(i), key("when"), key("branches"), PathSeg::Index(bi)];
                return Err(invalid(
                    file,
                    node,
                    &p,
                    &format!("steps[{i}].when.branches[{bi}]"),
                    format!("{b:?}: use a branch glob or $default"),
                ));
            }
        }
        steps.push(Step { name, uses: s.uses, with: s.with, when, on_failure: s.on_failure, timeout });
    }
    Ok(Pipeline {
        name: raw.name,
        description: raw.description,
        repos: raw.applies_to.repos,
        roles: raw.applies_to.roles,
        events: raw.applies_to.events,
        steps,
        file: file.to_string(),
    })
}

/// The default pipelines, as shipped in `pipelines/`.
pub const DEFAULTS: [(&str, &str); 3] = [
    ("pipelines/system.yaml", include_str!("../../pipelines/system.yaml")),
    ("pipelines/workloads.yaml", include_str!("../../pipelines/workloads.yaml")),
    ("pipelines/app.yaml", include_str!("../../pipelines/app.yaml")),
];

/// The built-in default pipelines.
pub fn defaults() -> Result<Vec<Pipeline>, SpecError> {
    DEFAULTS.iter().map(|(f, t)| parse(f, t)).collect()
}

/// Every `*.yaml` / `*.yml` pipeline of a directory, in file name order; names must be unique.
pub fn load_dir(dir: &Path) -> Result<Vec<Pipeline>, SpecError> {
    let read_err = |source| SpecError::Read { file: dir.display().to_string(), source };
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(read_err)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    let mut out: Vec<Pipeline> = Vec::new();
    for f in files {
        let p = load_file(&f)?;
        if let Some(other) = out.iter().find(|o| o.name == p.name) {
            return Err(SpecError::Invalid {
                file: p.file.clone(),
                line: 1,
                col: 1,
                field: "name".to_string(),
                message: format!("pipeline name {:?} is also used by {}", p.name, other.file),
            });
        }
        out.push(p);
    }
    Ok(out)
}

/// One pipeline file.
pub fn load_file(path: &Path) -> Result<Pipeline, SpecError> {
    let file = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|source| SpecError::Read { file: file.clone(), source })?;
    if meta.len() > 1 << 20 {
        return Err(SpecError::Invalid {
            file,
            line: 1,
            col: 1,
            field: String::new(),
            message: "larger than 1 MiB; a pipeline file is a short list of steps".to_string(),
        });
    }
    let text = std::fs::read_to_string(path).map_err(|source| SpecError::Read { file: file.clone(), source })?;
    parse(&file, &text)
}

/// The pipelines of an estate: `pipelines:` of the config, else `pipelines/` beside it, else the defaults.
pub fn for_config(config: &crate::config::Config) -> Result<Vec<Pipeline>, SpecError> {
    if let Some(dir) = &config.pipelines {
        return load_dir(&config.base_dir.join(dir));
    }
    let beside = config.base_dir.join("pipelines");
    if beside.is_dir() {
        let found = load_dir(&beside)?;
        if !found.is_empty() {
            return Ok(found);
        }
    }
    defaults()
}

/// The pipeline for a change: one that names the repository, else the first (in file order) whose roles or
/// wildcard match.
pub fn select<'a>(pipelines: &'a [Pipeline], repo: &str, role: Option<Role>, event: EventKind) -> Option<&'a Pipeline> {
    pipelines
        .iter()
        .find(|p| p.repos.iter().any(|r| r == repo) && p.applies(repo, role, event))
        .or_else(|| pipelines.iter().find(|p| p.applies(repo, role, event)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_cover_every_role() {
        let d = defaults().unwrap();
        for role in [Role::System, Role::Workloads, Role::App] {
            let p = select(&d, "x", Some(role), EventKind::PullRequest).unwrap();
            let kinds: Vec<StepKind> = p.steps.iter().map(|s| s.uses).collect();
            assert_eq!(
                kinds,
                [
                    StepKind::Lint,
                    StepKind::Render,
                    StepKind::SealCheck,
                    StepKind::Diff,
                    StepKind::Comment,
                    StepKind::Reconcile
                ]
            );
            let comment = &p.steps[4];
            assert!(comment.runs_for(EventKind::PullRequest, "feature", "main"));
            assert!(!comment.runs_for(EventKind::Push, "main", "main"));
            let reconcile = &p.steps[5];
            assert!(reconcile.runs_for(EventKind::Push, "main", "main"));
            assert!(!reconcile.runs_for(EventKind::Push, "feature", "main"));
        }
    }

    #[test]
    fn mistakes_name_their_field_and_line() {
        let cases = [
            ("name: p\nsteps:\n  - uses: lnt\n", "steps[0].uses", 3),
            ("name: p\nsteps:\n  - uses: lint\n    onFailure: maybe\n", "steps[0].onFailure", 4),
            ("name: p\nsteps:\n  - uses: lint\n    timeout: soon\n", "steps[0].timeout", 4),
            ("name: p\nsteps:\n  - uses: diff\n    with:\n      ignoreLabel: [x]\n", "steps[0].with.ignoreLabel", 5),
            ("name: p\nsteps:\n  - uses: lint\n  - uses: lint\n", "steps[1].name", 4),
            ("name: p\nsteps:\n  - uses: lint\n    when: {events: [merge]}\n", "steps[0].when.events[0]", 4),
            ("name: p\nsteps:\n  - uses: lint\n    when: {branches: [$main]}\n", "steps[0].when.branches[0]", 4),
            ("name: p\nappliesTo: {roles: [sytem]}\nsteps:\n  - uses: lint\n", "appliesTo.roles[0]", 2),
            ("name: p\nsteps: []\n", "steps", 2),
            ("name: p\nsteps:\n  - uses: lint\n    extra: 1\n", "steps[0].extra", 4),
        ];
        for (text, field, line) in cases {
            match parse("p.yaml", text) {
                Err(SpecError::Invalid { field: f, line: l, .. }) => {
                    assert_eq!((f.as_str(), l), (field, line), "{text}");
                }
                other => panic!("{text}: expected an error at {field}, got {other:?}"),
            }
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("5"), None);
        assert_eq!(parse_duration("m"), None);
    }

    #[test]
    fn a_pipeline_naming_the_repo_wins_over_roles() {
        let by_role = parse("a.yaml", "name: a\nappliesTo: {roles: [system]}\nsteps: [{uses: lint}]\n").unwrap();
        let by_repo = parse("b.yaml", "name: b\nappliesTo: {repos: [hub]}\nsteps: [{uses: render}]\n").unwrap();
        let all = [by_role, by_repo];
        assert_eq!(select(&all, "hub", Some(Role::System), EventKind::Push).map(|p| p.name.as_str()), Some("b"));
        assert_eq!(select(&all, "other", Some(Role::System), EventKind::Push).map(|p| p.name.as_str()), Some("a"));
        assert!(select(&all, "other", Some(Role::App), EventKind::Push).is_none());
    }
}
