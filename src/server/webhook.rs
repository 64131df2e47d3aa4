//! Webhook payload parsing: GitHub, GitLab and Gitea deliveries → [`Delivery`] (the facts fleetgate acts on).
//!
//! The event header decides the event, never the body's shape. Handled events: GitHub/Gitea `push`,
//! `pull_request` and GitHub `ping`; GitLab `Push Hook`, `Tag Push Hook` and `Merge Request Hook`. Every other
//! event is [`EventKind::Ignored`], never an error.
//!
//! Bodies are untrusted (even when authenticated): they are decoded with serde into small structs holding only
//! the fields used (serde_json's recursion limit stays on), every commit id is checked to be a full lowercase
//! hex object id (40 or 64 digits) before anyone can hand it to git, and errors name the event and the JSON path.
//! The file lists of push payloads are not read: changed paths come from git (DESIGN.md).

use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::fmt;

/// The forge that sent a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    GitHub,
    GitLab,
    Gitea,
}

impl Provider {
    /// `github`, `gitlab` or `gitea`.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::GitHub => "github",
            Provider::GitLab => "gitlab",
            Provider::Gitea => "gitea",
        }
    }

    /// The header naming the event.
    pub fn event_header(self) -> &'static str {
        match self {
            Provider::GitHub => "x-github-event",
            Provider::GitLab => "x-gitlab-event",
            Provider::Gitea => "x-gitea-event",
        }
    }

    /// The header carrying the delivery's unique id.
    pub fn delivery_header(self) -> &'static str {
        match self {
            Provider::GitHub => "x-github-delivery",
            Provider::GitLab => "x-gitlab-event-uuid",
            Provider::Gitea => "x-gitea-delivery",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One parsed delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub provider: Provider,
    /// The event header's value (`push`, `Merge Request Hook`, …).
    pub event: String,
    /// `X-GitHub-Delivery` / `X-Gitlab-Event-UUID` / `X-Gitea-Delivery`, when sent.
    pub delivery_id: Option<String>,
    /// The repository (GitHub/Gitea `repository`, GitLab `project`); `None` when the payload has none (an
    /// organization or app hook's ping, an ignored event without one).
    pub repo: Option<RepoFacts>,
    pub kind: EventKind,
}

/// The repository a delivery is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoFacts {
    /// `owner/name` (GitHub `full_name`, GitLab `path_with_namespace`).
    pub full_name: String,
    /// HTTPS (or HTTP) clone URL (GitLab `git_http_url`).
    pub clone_url: String,
    pub ssh_url: Option<String>,
    pub html_url: Option<String>,
    pub default_branch: Option<String>,
    /// GitHub/Gitea `private`.
    pub private: Option<bool>,
    /// GitLab's numeric project id.
    pub project_id: Option<u64>,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// GitHub's hook-creation ping.
    Ping(PingFacts),
    /// A branch or tag push (GitLab `Tag Push Hook` included).
    Push(PushFacts),
    /// A pull request (GitHub, Gitea) or merge request (GitLab).
    PullRequest(PullRequestFacts),
    /// An event fleetgate does not act on: accept the delivery (2xx) and do nothing.
    Ignored {
        reason: String,
        /// The payload's action, when it has one (best effort, informational).
        action: Option<String>,
    },
}

/// GitHub `ping` facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingFacts {
    pub hook_id: Option<u64>,
    /// `Repository`, `Organization` or `App`.
    pub hook_type: Option<String>,
    pub zen: Option<String>,
    pub events: Vec<String>,
}

/// What a ref is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefType {
    /// `refs/heads/…`
    Branch,
    /// `refs/tags/…`
    Tag,
    Other,
}

impl RefType {
    pub fn as_str(self) -> &'static str {
        match self {
            RefType::Branch => "branch",
            RefType::Tag => "tag",
            RefType::Other => "other",
        }
    }
}

/// A push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushFacts {
    /// The full ref (`refs/heads/main`).
    pub git_ref: String,
    pub ref_type: RefType,
    /// The ref without `refs/heads/` or `refs/tags/` (the full ref for [`RefType::Other`]).
    pub ref_name: String,
    /// The old tip (all zeros when the ref was created).
    pub before: String,
    /// The new tip (all zeros when the ref was deleted; for an annotated tag, the tag object).
    pub after: String,
    pub created: bool,
    pub deleted: bool,
    /// GitHub's `forced`; `None` when the forge does not say (GitLab, Gitea).
    pub forced: Option<bool>,
    /// True when `created`/`deleted`/`forced` came from the payload (GitHub), false when derived from zero SHAs.
    pub flags_from_payload: bool,
    /// The commit to build; `None` when the ref was deleted. GitHub/Gitea: `head_commit.id`, else `after`;
    /// GitLab: `checkout_sha` (the commit even for annotated tags), else `after`.
    pub head_sha: Option<String>,
    /// GitHub/Gitea `head_commit.id`.
    pub head_commit_id: Option<String>,
    /// GitLab `checkout_sha`.
    pub checkout_sha: Option<String>,
    /// GitHub `base_ref`.
    pub base_ref: Option<String>,
    /// Ids of the commits listed in the payload, in payload order (the list may be truncated).
    pub commit_ids: Vec<String>,
    /// GitLab `total_commits_count` / Gitea `total_commits`; GitHub sends none.
    pub total_commits_count: Option<u64>,
    /// Whether the payload lists fewer commits than `total_commits_count` (`None` when that is unknown).
    pub commits_truncated: Option<bool>,
}

/// A pull/merge request action, normalised across forges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PullRequestAction {
    Opened,
    /// New commits (GitHub `synchronize`, Gitea `synchronized`, GitLab `update` with `oldrev`).
    Updated,
    Reopened,
    Closed,
    Merged,
    /// Title, body, base or other metadata changed (GitLab `update` without `oldrev`).
    Edited,
    /// Labels, assignees, reviews, approvals, …
    Other,
}

impl PullRequestAction {
    pub fn as_str(self) -> &'static str {
        match self {
            PullRequestAction::Opened => "opened",
            PullRequestAction::Updated => "updated",
            PullRequestAction::Reopened => "reopened",
            PullRequestAction::Closed => "closed",
            PullRequestAction::Merged => "merged",
            PullRequestAction::Edited => "edited",
            PullRequestAction::Other => "other",
        }
    }
}

/// The base (target) side of a pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestBase {
    /// Branch name (GitHub `base.ref`, GitLab `target_branch`).
    pub git_ref: String,
    /// `None` for GitLab: merge request hooks carry no target SHA.
    pub sha: Option<String>,
    pub repo_full_name: Option<String>,
}

/// The head (source) side of a pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestHead {
    /// Branch name (GitHub `head.ref`, GitLab `source_branch`).
    pub git_ref: String,
    /// GitHub `head.sha`, GitLab `last_commit.id`.
    pub sha: String,
    /// `None` when the payload does not say (a deleted fork, Gitea).
    pub repo_full_name: Option<String>,
    pub clone_url: Option<String>,
}

/// A base change of an `edited` pull request (retargeted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseChange {
    pub git_ref: Option<String>,
    pub sha: Option<String>,
}

/// A pull request (GitHub, Gitea) or merge request (GitLab).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequestFacts {
    /// GitHub/Gitea `number`; GitLab `iid` (the project-scoped `!N`).
    pub number: u64,
    /// GitLab's instance-wide merge request id.
    pub id: Option<u64>,
    /// The raw action.
    pub action: String,
    pub normalized_action: PullRequestAction,
    pub state: String,
    pub merged: bool,
    pub draft: Option<bool>,
    pub title: String,
    pub base: PullRequestBase,
    pub head: PullRequestHead,
    /// Head repository ≠ base repository; `None` when unknown.
    pub from_fork: Option<bool>,
    /// As sent; set on unmerged GitHub PRs too (test merge), so use `merged`.
    pub merge_commit_sha: Option<String>,
    /// GitHub `synchronize`: the previous and new head.
    pub before: Option<String>,
    pub after: Option<String>,
    /// GitLab `update` with new commits: the previous head.
    pub oldrev: Option<String>,
    /// Keys of the payload's `changes` object, sorted.
    pub changes_keys: Vec<String>,
    /// The previous base when an `edited` PR was retargeted (GitHub `changes.base`, GitLab
    /// `changes.target_branch`).
    pub base_changed_from: Option<BaseChange>,
    /// Whether the head or the base moved so the change must be checked: opened, updated, reopened, or edited
    /// with a new base.
    pub needs_build: bool,
}

/// Why a delivery could not be parsed. Messages name the event and, for body problems, the JSON path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("{provider} delivery without a {header} header; only webhook deliveries are accepted here")]
    MissingHeader { provider: Provider, header: &'static str },
    #[error("{provider} delivery: the {header} header {reason}")]
    BadHeader { provider: Provider, header: &'static str, reason: &'static str },
    #[error("{provider} `{event}` payload, at `{path}`: {message}; the body is not a valid {provider} webhook payload")]
    Json { provider: Provider, event: String, path: String, message: String },
    #[error("{provider} `{event}` payload, at `{path}`: {reason}")]
    Invalid { provider: Provider, event: String, path: String, reason: String },
}

/// Longest accepted event or delivery-id header value.
const MAX_HEADER_LEN: usize = 256;

/// Parse a delivery from `provider` (already authenticated with [`super::verify`]).
pub fn parse(provider: Provider, headers: &http::HeaderMap, body: &[u8]) -> Result<Delivery, ParseError> {
    let event = match header(provider, headers, provider.event_header())? {
        Some(e) if !e.is_empty() => e,
        _ => return Err(ParseError::MissingHeader { provider, header: provider.event_header() }),
    };
    let delivery_id = header(provider, headers, provider.delivery_header())?.filter(|d| !d.is_empty());
    let cx = Cx { provider, event: &event };
    let (repo, kind) = match (provider, event.as_str()) {
        (Provider::GitHub | Provider::Gitea, "push") => github_push(&cx, body)?,
        (Provider::GitHub | Provider::Gitea, "pull_request") => github_pull_request(&cx, body)?,
        (Provider::GitHub, "ping") => github_ping(&cx, body)?,
        (Provider::GitLab, "Push Hook" | "Tag Push Hook") => gitlab_push(&cx, body)?,
        (Provider::GitLab, "Merge Request Hook") => gitlab_merge_request(&cx, body)?,
        _ => ignored(&cx, body),
    };
    Ok(Delivery { provider, event, delivery_id, repo, kind })
}

/// The single value of `name` as visible ASCII, or `None` when absent.
fn header(provider: Provider, headers: &http::HeaderMap, name: &'static str) -> Result<Option<String>, ParseError> {
    let mut values = headers.get_all(name).iter();
    let Some(value) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err(ParseError::BadHeader { provider, header: name, reason: "is sent more than once" });
    }
    let text = value.to_str().map_err(|_| ParseError::BadHeader {
        provider,
        header: name,
        reason: "is not printable ASCII",
    })?;
    if text.len() > MAX_HEADER_LEN {
        return Err(ParseError::BadHeader { provider, header: name, reason: "is longer than 256 bytes" });
    }
    Ok(Some(text.to_string()))
}

/// The provider and event being parsed, for error messages.
struct Cx<'a> {
    provider: Provider,
    event: &'a str,
}

impl Cx<'_> {
    fn decode<T: DeserializeOwned>(&self, body: &[u8]) -> Result<T, ParseError> {
        let mut de = serde_json::Deserializer::from_slice(body);
        let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| self.json_error(e))?;
        de.end().map_err(|e| ParseError::Json {
            provider: self.provider,
            event: self.event.to_string(),
            path: ".".to_string(),
            message: e.to_string(),
        })?;
        Ok(value)
    }

    fn json_error(&self, e: serde_path_to_error::Error<serde_json::Error>) -> ParseError {
        let path = e.path().to_string();
        ParseError::Json {
            provider: self.provider,
            event: self.event.to_string(),
            path,
            message: e.into_inner().to_string(),
        }
    }

    fn invalid(&self, path: &str, reason: impl Into<String>) -> ParseError {
        ParseError::Invalid {
            provider: self.provider,
            event: self.event.to_string(),
            path: path.to_string(),
            reason: reason.into(),
        }
    }

    /// `value` must be a full object id: 40 or 64 lowercase hex digits.
    fn sha(&self, path: &str, value: String) -> Result<String, ParseError> {
        if is_object_id(&value) {
            Ok(value)
        } else {
            let shown: String = value.chars().take(80).collect();
            Err(self.invalid(path, format!("{shown:?} is not a full commit id (40 or 64 lowercase hex digits)")))
        }
    }

    fn opt_sha(&self, path: &str, value: Option<String>) -> Result<Option<String>, ParseError> {
        value.map(|v| self.sha(path, v)).transpose()
    }

    fn non_empty(&self, path: &str, value: String) -> Result<String, ParseError> {
        if value.is_empty() { Err(self.invalid(path, "must not be empty")) } else { Ok(value) }
    }
}

/// 40 or 64 lowercase hex digits.
fn is_object_id(s: &str) -> bool {
    matches!(s.len(), 40 | 64) && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn is_zero(sha: &str) -> bool {
    sha.bytes().all(|b| b == b'0')
}

fn split_ref(git_ref: &str) -> (RefType, String) {
    if let Some(name) = git_ref.strip_prefix("refs/heads/") {
        (RefType::Branch, name.to_string())
    } else if let Some(name) = git_ref.strip_prefix("refs/tags/") {
        (RefType::Tag, name.to_string())
    } else {
        (RefType::Other, git_ref.to_string())
    }
}

// ---- payload shapes (only the fields used) ----

/// GitHub/Gitea `repository`.
#[derive(Deserialize)]
struct GhRepo {
    full_name: String,
    clone_url: String,
    ssh_url: Option<String>,
    html_url: Option<String>,
    default_branch: Option<String>,
    private: Option<bool>,
}

impl GhRepo {
    fn facts(self, cx: &Cx) -> Result<RepoFacts, ParseError> {
        Ok(RepoFacts {
            full_name: cx.non_empty("repository.full_name", self.full_name)?,
            clone_url: cx.non_empty("repository.clone_url", self.clone_url)?,
            ssh_url: self.ssh_url,
            html_url: self.html_url,
            default_branch: self.default_branch,
            private: self.private,
            project_id: None,
        })
    }
}

/// GitLab `project`.
#[derive(Deserialize)]
struct GlProject {
    id: Option<u64>,
    path_with_namespace: String,
    git_http_url: String,
    git_ssh_url: Option<String>,
    web_url: Option<String>,
    default_branch: Option<String>,
}

impl GlProject {
    fn facts(self, cx: &Cx) -> Result<RepoFacts, ParseError> {
        Ok(RepoFacts {
            full_name: cx.non_empty("project.path_with_namespace", self.path_with_namespace)?,
            clone_url: cx.non_empty("project.git_http_url", self.git_http_url)?,
            ssh_url: self.git_ssh_url,
            html_url: self.web_url,
            default_branch: self.default_branch,
            private: None,
            project_id: self.id,
        })
    }
}

#[derive(Deserialize)]
struct CommitId {
    id: String,
}

#[derive(Deserialize)]
struct GhPush {
    #[serde(rename = "ref")]
    git_ref: String,
    before: String,
    after: String,
    created: Option<bool>,
    deleted: Option<bool>,
    forced: Option<bool>,
    base_ref: Option<String>,
    head_commit: Option<CommitId>,
    #[serde(default)]
    commits: Vec<CommitId>,
    /// Gitea only.
    total_commits: Option<u64>,
    repository: GhRepo,
}

fn github_push(cx: &Cx, body: &[u8]) -> Result<(Option<RepoFacts>, EventKind), ParseError> {
    let p: GhPush = cx.decode(body)?;
    let git_ref = cx.non_empty("ref", p.git_ref)?;
    let before = cx.sha("before", p.before)?;
    let after = cx.sha("after", p.after)?;
    let (before_zero, after_zero) = (is_zero(&before), is_zero(&after));
    if before_zero && after_zero {
        return Err(cx.invalid("before", "`before` and `after` are both the zero id"));
    }
    // GitHub sends the flags; they must agree with the zero ids (a contradiction means a broken payload).
    let flags_from_payload = p.created.is_some() || p.deleted.is_some() || p.forced.is_some();
    if p.created.is_some_and(|c| c != before_zero) {
        return Err(cx.invalid("created", "contradicts `before` (created means `before` is the zero id)"));
    }
    if p.deleted.is_some_and(|d| d != after_zero) {
        return Err(cx.invalid("deleted", "contradicts `after` (deleted means `after` is the zero id)"));
    }
    let head_commit_id = p.head_commit.map(|c| cx.sha("head_commit.id", c.id)).transpose()?;
    let commit_ids = commit_ids(cx, p.commits)?;
    let head_sha = if after_zero { None } else { Some(head_commit_id.clone().unwrap_or_else(|| after.clone())) };
    let (ref_type, ref_name) = split_ref(&git_ref);
    let total = p.total_commits;
    let facts = PushFacts {
        git_ref,
        ref_type,
        ref_name,
        before,
        after,
        created: before_zero,
        deleted: after_zero,
        forced: p.forced,
        flags_from_payload,
        head_sha,
        head_commit_id,
        checkout_sha: None,
        base_ref: p.base_ref,
        commits_truncated: total.map(|t| t > commit_ids.len() as u64),
        total_commits_count: total,
        commit_ids,
    };
    Ok((Some(p.repository.facts(cx)?), EventKind::Push(facts)))
}

fn commit_ids(cx: &Cx, commits: Vec<CommitId>) -> Result<Vec<String>, ParseError> {
    commits.into_iter().enumerate().map(|(i, c)| cx.sha(&format!("commits[{i}].id"), c.id)).collect()
}

#[derive(Deserialize)]
struct GlPush {
    #[serde(rename = "ref")]
    git_ref: String,
    before: String,
    after: String,
    checkout_sha: Option<String>,
    total_commits_count: Option<u64>,
    #[serde(default)]
    commits: Vec<CommitId>,
    /// Some payloads carry the project id only here.
    project_id: Option<u64>,
    project: GlProject,
}

fn gitlab_push(cx: &Cx, body: &[u8]) -> Result<(Option<RepoFacts>, EventKind), ParseError> {
    let p: GlPush = cx.decode(body)?;
    let git_ref = cx.non_empty("ref", p.git_ref)?;
    let before = cx.sha("before", p.before)?;
    let after = cx.sha("after", p.after)?;
    let (before_zero, after_zero) = (is_zero(&before), is_zero(&after));
    if before_zero && after_zero {
        return Err(cx.invalid("before", "`before` and `after` are both the zero id"));
    }
    let checkout_sha = cx.opt_sha("checkout_sha", p.checkout_sha)?;
    let commit_ids = commit_ids(cx, p.commits)?;
    let head_sha = if after_zero { None } else { Some(checkout_sha.clone().unwrap_or_else(|| after.clone())) };
    let (ref_type, ref_name) = split_ref(&git_ref);
    let total = p.total_commits_count;
    let facts = PushFacts {
        git_ref,
        ref_type,
        ref_name,
        before,
        after,
        created: before_zero,
        deleted: after_zero,
        forced: None,
        flags_from_payload: false,
        head_sha,
        head_commit_id: None,
        checkout_sha,
        base_ref: None,
        commits_truncated: total.map(|t| t > commit_ids.len() as u64),
        total_commits_count: total,
        commit_ids,
    };
    let mut repo = p.project.facts(cx)?;
    repo.project_id = repo.project_id.or(p.project_id);
    Ok((Some(repo), EventKind::Push(facts)))
}

#[derive(Deserialize)]
struct GhPing {
    zen: Option<String>,
    hook_id: Option<u64>,
    hook: Option<GhHook>,
    repository: Option<GhRepo>,
}

#[derive(Deserialize)]
struct GhHook {
    id: Option<u64>,
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    events: Vec<String>,
}

fn github_ping(cx: &Cx, body: &[u8]) -> Result<(Option<RepoFacts>, EventKind), ParseError> {
    let p: GhPing = cx.decode(body)?;
    let repo = p.repository.map(|r| r.facts(cx)).transpose()?;
    let (hook_type, events, id) = match p.hook {
        Some(h) => (h.kind, h.events, h.id),
        None => (None, Vec::new(), None),
    };
    let facts = PingFacts { hook_id: p.hook_id.or(id), hook_type, zen: p.zen, events };
    Ok((repo, EventKind::Ping(facts)))
}

#[derive(Deserialize)]
struct GhPullRequestEvent {
    action: String,
    number: u64,
    pull_request: GhPullRequest,
    repository: GhRepo,
    before: Option<String>,
    after: Option<String>,
    changes: Option<BTreeMap<String, serde_json::Value>>,
}

#[derive(Deserialize)]
struct GhPullRequest {
    state: String,
    title: String,
    merged: Option<bool>,
    draft: Option<bool>,
    merge_commit_sha: Option<String>,
    base: GhBranch,
    head: GhBranch,
}

#[derive(Deserialize)]
struct GhBranch {
    #[serde(rename = "ref")]
    git_ref: String,
    sha: String,
    repo: Option<GhBranchRepo>,
}

#[derive(Deserialize)]
struct GhBranchRepo {
    full_name: Option<String>,
    clone_url: Option<String>,
}

/// A string at `path` (keys) inside `changes`, if it is one.
fn changes_str(changes: &BTreeMap<String, serde_json::Value>, path: &[&str]) -> Option<String> {
    let (first, rest) = path.split_first()?;
    let mut v = changes.get(*first)?;
    for key in rest {
        v = v.get(key)?;
    }
    v.as_str().map(str::to_string)
}

fn github_pull_request(cx: &Cx, body: &[u8]) -> Result<(Option<RepoFacts>, EventKind), ParseError> {
    let p: GhPullRequestEvent = cx.decode(body)?;
    let pr = p.pull_request;
    let merged = pr.merged.unwrap_or(false);
    let normalized_action = match p.action.as_str() {
        "opened" => PullRequestAction::Opened,
        "synchronize" | "synchronized" => PullRequestAction::Updated,
        "reopened" => PullRequestAction::Reopened,
        "closed" if merged => PullRequestAction::Merged,
        "closed" => PullRequestAction::Closed,
        "edited" => PullRequestAction::Edited,
        _ => PullRequestAction::Other,
    };
    let changes = p.changes.unwrap_or_default();
    let base_changed_from = if changes.contains_key("base") {
        let sha = changes_str(&changes, &["base", "sha", "from"]);
        Some(BaseChange {
            git_ref: changes_str(&changes, &["base", "ref", "from"]),
            sha: cx.opt_sha("changes.base.sha.from", sha)?,
        })
    } else {
        None
    };
    let base_name = pr.base.repo.as_ref().and_then(|r| r.full_name.clone());
    let head_name = pr.head.repo.as_ref().and_then(|r| r.full_name.clone());
    let from_fork = match (&base_name, &head_name) {
        (Some(b), Some(h)) => Some(b != h),
        _ => None,
    };
    let (before, after) = if normalized_action == PullRequestAction::Updated {
        (cx.opt_sha("before", p.before)?, cx.opt_sha("after", p.after)?)
    } else {
        (None, None)
    };
    let facts = PullRequestFacts {
        number: p.number,
        id: None,
        needs_build: needs_build(normalized_action, base_changed_from.is_some()),
        action: p.action,
        normalized_action,
        state: pr.state,
        merged,
        draft: pr.draft,
        title: pr.title,
        base: PullRequestBase {
            git_ref: cx.non_empty("pull_request.base.ref", pr.base.git_ref)?,
            sha: Some(cx.sha("pull_request.base.sha", pr.base.sha)?),
            repo_full_name: base_name,
        },
        head: PullRequestHead {
            git_ref: cx.non_empty("pull_request.head.ref", pr.head.git_ref)?,
            sha: cx.sha("pull_request.head.sha", pr.head.sha)?,
            repo_full_name: head_name,
            clone_url: pr.head.repo.and_then(|r| r.clone_url),
        },
        from_fork,
        merge_commit_sha: cx.opt_sha("pull_request.merge_commit_sha", pr.merge_commit_sha)?,
        before,
        after,
        oldrev: None,
        changes_keys: changes.keys().cloned().collect(),
        base_changed_from,
    };
    Ok((Some(p.repository.facts(cx)?), EventKind::PullRequest(facts)))
}

fn needs_build(action: PullRequestAction, base_changed: bool) -> bool {
    match action {
        PullRequestAction::Opened | PullRequestAction::Updated | PullRequestAction::Reopened => true,
        PullRequestAction::Edited => base_changed,
        PullRequestAction::Closed | PullRequestAction::Merged | PullRequestAction::Other => false,
    }
}

#[derive(Deserialize)]
struct GlMergeRequestEvent {
    object_attributes: GlMergeRequest,
    project: GlProject,
    changes: Option<BTreeMap<String, serde_json::Value>>,
}

#[derive(Deserialize)]
struct GlMergeRequest {
    iid: u64,
    id: Option<u64>,
    action: Option<String>,
    state: String,
    title: String,
    draft: Option<bool>,
    work_in_progress: Option<bool>,
    target_branch: String,
    source_branch: String,
    source_project_id: Option<u64>,
    target_project_id: Option<u64>,
    last_commit: CommitId,
    merge_commit_sha: Option<String>,
    oldrev: Option<String>,
    source: Option<GlMrProject>,
    target: Option<GlMrProject>,
}

#[derive(Deserialize)]
struct GlMrProject {
    path_with_namespace: Option<String>,
    git_http_url: Option<String>,
}

fn gitlab_merge_request(cx: &Cx, body: &[u8]) -> Result<(Option<RepoFacts>, EventKind), ParseError> {
    let p: GlMergeRequestEvent = cx.decode(body)?;
    let mr = p.object_attributes;
    let action = mr.action.unwrap_or_default();
    let oldrev = cx.opt_sha("object_attributes.oldrev", mr.oldrev)?;
    let normalized_action = match action.as_str() {
        "open" => PullRequestAction::Opened,
        "reopen" => PullRequestAction::Reopened,
        "merge" => PullRequestAction::Merged,
        "close" => PullRequestAction::Closed,
        "update" if oldrev.is_some() => PullRequestAction::Updated,
        "update" => PullRequestAction::Edited,
        _ => PullRequestAction::Other,
    };
    let changes = p.changes.unwrap_or_default();
    let base_changed_from = changes_str(&changes, &["target_branch", "previous"])
        .map(|previous| BaseChange { git_ref: Some(previous), sha: None });
    let from_fork = match (mr.source_project_id, mr.target_project_id) {
        (Some(s), Some(t)) => Some(s != t),
        _ => None,
    };
    let (source, target) = (mr.source, mr.target);
    let facts = PullRequestFacts {
        number: mr.iid,
        id: mr.id,
        needs_build: needs_build(normalized_action, base_changed_from.is_some()),
        merged: mr.state == "merged" || action == "merge",
        action,
        normalized_action,
        state: mr.state,
        draft: mr.draft.or(mr.work_in_progress),
        title: mr.title,
        base: PullRequestBase {
            git_ref: cx.non_empty("object_attributes.target_branch", mr.target_branch)?,
            sha: None,
            repo_full_name: target.and_then(|t| t.path_with_namespace),
        },
        head: PullRequestHead {
            git_ref: cx.non_empty("object_attributes.source_branch", mr.source_branch)?,
            sha: cx.sha("object_attributes.last_commit.id", mr.last_commit.id)?,
            repo_full_name: source.as_ref().and_then(|s| s.path_with_namespace.clone()),
            clone_url: source.and_then(|s| s.git_http_url),
        },
        from_fork,
        merge_commit_sha: cx.opt_sha("object_attributes.merge_commit_sha", mr.merge_commit_sha)?,
        before: None,
        after: None,
        oldrev,
        changes_keys: changes.keys().cloned().collect(),
        base_changed_from,
    };
    Ok((Some(p.project.facts(cx)?), EventKind::PullRequest(facts)))
}

/// Best-effort facts of an ignored event: never an error.
#[derive(Deserialize)]
struct IgnoredGh {
    repository: Option<GhRepo>,
    action: Option<String>,
}

#[derive(Deserialize)]
struct IgnoredGl {
    project: Option<GlProject>,
    object_attributes: Option<IgnoredGlAttributes>,
}

#[derive(Deserialize)]
struct IgnoredGlAttributes {
    action: Option<String>,
}

fn ignored(cx: &Cx, body: &[u8]) -> (Option<RepoFacts>, EventKind) {
    let reason = format!("{} event `{}` is not handled", cx.provider, cx.event);
    let (repo, action) = match cx.provider {
        Provider::GitLab => match cx.decode::<IgnoredGl>(body) {
            Ok(p) => (p.project.and_then(|r| r.facts(cx).ok()), p.object_attributes.and_then(|a| a.action)),
            Err(_) => (None, None),
        },
        Provider::GitHub | Provider::Gitea => match cx.decode::<IgnoredGh>(body) {
            Ok(p) => (p.repository.and_then(|r| r.facts(cx).ok()), p.action),
            Err(_) => (None, None),
        },
    };
    (repo, EventKind::Ignored { reason, action })
}

#[cfg(test)]
#[path = "tests_webhook.rs"]
mod tests;
