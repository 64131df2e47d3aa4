//! The forges fleetgate reports to: GitHub (through octocrab) and GitLab (REST v4 through reqwest).
//!
//! Owns pull / merge request comments and commit statuses. A report is posted as one comment per pull request
//! and pipeline, split in parts when long; every part starts with a hidden marker line
//! `<!-- fleetgate:<marker> part i/n -->` by which the next run finds it again and edits it in place.
//! Requests are retried on 5xx, 429 and connection errors within a [`RetryPolicy`]; other 4xx fail at once.
//! Tokens never appear in errors, logs or `Debug` output.

mod github;
mod gitlab;
mod retry;
#[cfg(test)]
mod tests;

pub use retry::{RetryNote, RetryPolicy};

use serde::{Deserialize, Serialize};
use std::fmt;
use zeroize::Zeroizing;

/// GitHub's limit on an issue / pull request comment body, in characters (Unicode scalar values).
pub const GITHUB_BODY_LIMIT: usize = 65_536;
/// GitLab's limit on a note body, in characters.
pub const GITLAB_BODY_LIMIT: usize = 1_000_000;
/// GitHub's limit on a commit status description, in characters.
pub const GITHUB_DESCRIPTION_LIMIT: usize = 140;
/// GitLab's limit on a commit status description, in characters.
pub const GITLAB_DESCRIPTION_LIMIT: usize = 255;

/// Which forge API a client talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ForgeKind {
    #[serde(rename = "github")]
    GitHub,
    #[serde(rename = "gitlab")]
    GitLab,
}

impl ForgeKind {
    /// The public SaaS API base.
    pub fn default_api_url(self) -> &'static str {
        match self {
            ForgeKind::GitHub => "https://api.github.com",
            ForgeKind::GitLab => "https://gitlab.com/api/v4",
        }
    }

    fn body_limit(self) -> usize {
        match self {
            ForgeKind::GitHub => GITHUB_BODY_LIMIT,
            ForgeKind::GitLab => GITLAB_BODY_LIMIT,
        }
    }
}

impl fmt::Display for ForgeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ForgeKind::GitHub => "GitHub",
            ForgeKind::GitLab => "GitLab",
        })
    }
}

/// The `forge:` section of `fleetgate.yaml`: `{ kind: github|gitlab, apiUrl, token: <secret name> }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ForgeConfig {
    pub kind: ForgeKind,
    /// API base: `https://api.github.com`, `https://ghe.example.com/api/v3`, `https://gitlab.example.com/api/v4`.
    /// Defaults to the public SaaS API of `kind`.
    #[serde(default)]
    pub api_url: Option<String>,
    /// The name of a secret under `secrets:` holding the API token.
    pub token: String,
}

impl ForgeConfig {
    /// Settings for a client, with the token resolved from the secret this config names.
    pub fn settings(&self, token: Zeroizing<String>) -> ForgeSettings {
        ForgeSettings {
            kind: self.kind,
            api_url: self.api_url.clone().unwrap_or_else(|| self.kind.default_api_url().to_string()),
            token,
            retry: RetryPolicy::default(),
        }
    }
}

/// Everything a [`ForgeClient`] needs. `Debug` never shows the token.
#[derive(Clone)]
pub struct ForgeSettings {
    pub kind: ForgeKind,
    pub api_url: String,
    pub token: Zeroizing<String>,
    pub retry: RetryPolicy,
}

impl fmt::Debug for ForgeSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForgeSettings")
            .field("kind", &self.kind)
            .field("api_url", &self.api_url)
            .field("token", &"[redacted]")
            .field("retry", &self.retry)
            .finish()
    }
}

/// A pull request (GitHub: `owner/name` and PR number) or merge request (GitLab: project path such as
/// `group/sub/project`, its URL-encoded form `group%2Fsub%2Fproject`, or a numeric project id; and the MR iid).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub repo: String,
    pub number: u64,
}

/// A commit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusState {
    Pending,
    /// GitHub has no running state: shown there as `pending`.
    Running,
    Success,
    /// `failure` on GitHub, `failed` on GitLab.
    Failed,
}

/// What [`ForgeClient::upsert_comment`] did. Ids are the forge's comment / note ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommentOutcome {
    pub created: Vec<u64>,
    pub updated: Vec<u64>,
    /// Parts whose body was already right; not sent again.
    pub unchanged: Vec<u64>,
    pub deleted: Vec<u64>,
    /// The web URL of the first part (none when there are no parts).
    pub url: Option<String>,
    /// Requests that were retried on the way.
    pub retries: Vec<RetryNote>,
}

/// What [`ForgeClient::set_status`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusOutcome {
    /// Requests that were retried on the way.
    pub retries: Vec<RetryNote>,
}

/// A forge request or its input failed. Messages name the forge, the request and what to do; never the token.
#[derive(Debug, thiserror::Error)]
pub enum ForgeError {
    #[error("{forge} settings: {message}")]
    Settings { forge: ForgeKind, message: String },
    #[error("{forge}: invalid {what} {value:?}: {hint}")]
    Input { forge: ForgeKind, what: &'static str, value: String, hint: &'static str },
    #[error(
        "{forge}: comment part {part}/{parts} is {chars} characters with its marker line, over the {forge} limit \
         of {limit}; split the Markdown into smaller parts"
    )]
    BodyTooLong { forge: ForgeKind, part: usize, parts: usize, chars: usize, limit: usize },
    #[error(
        "{forge}: {method} {path} failed with HTTP {status_text}: {message}; {hint}",
        status_text = retry::status_text(*.status)
    )]
    Rejected { forge: ForgeKind, method: String, path: String, status: u16, message: String, hint: &'static str },
    #[error(
        "{forge}: {method} {path} failed after {attempts} attempt(s), last {last}; the forge is unavailable or \
         rate limiting, try the run again later"
    )]
    Unavailable { forge: ForgeKind, method: String, path: String, attempts: u32, last: String },
    #[error("{forge}: {method} {path}: unexpected response: {message}")]
    Response { forge: ForgeKind, method: String, path: String, message: String },
}

/// A comment or note as listed by a forge.
#[derive(Debug, Clone)]
pub(crate) struct RemoteComment {
    pub id: u64,
    /// The author's user id.
    pub author: u64,
    pub body: String,
    pub url: Option<String>,
}

/// The calls [`ForgeClient::upsert_comment`] makes, per forge.
trait Comments {
    type Target;
    /// Checks and resolves a target (and, for GitLab, finds the merge request's web URL).
    async fn resolve(&self, target: &Target, notes: &mut Vec<RetryNote>) -> Result<Self::Target, ForgeError>;
    /// The token's user id; `None` when the forge does not say (a GitHub App installation token).
    async fn identity(&self, notes: &mut Vec<RetryNote>) -> Result<Option<u64>, ForgeError>;
    /// Every comment of the pull / merge request, oldest first.
    async fn list(&self, t: &Self::Target, notes: &mut Vec<RetryNote>) -> Result<Vec<RemoteComment>, ForgeError>;
    async fn create(
        &self,
        t: &Self::Target,
        body: &str,
        notes: &mut Vec<RetryNote>,
    ) -> Result<RemoteComment, ForgeError>;
    async fn update(
        &self,
        t: &Self::Target,
        id: u64,
        body: &str,
        notes: &mut Vec<RetryNote>,
    ) -> Result<RemoteComment, ForgeError>;
    async fn delete(&self, t: &Self::Target, id: u64, notes: &mut Vec<RetryNote>) -> Result<(), ForgeError>;
}

enum Backend {
    GitHub(github::GitHub),
    GitLab(gitlab::GitLab),
}

/// A client for one forge. Cheap to share (`&self` methods); create it inside a Tokio runtime.
pub struct ForgeClient {
    kind: ForgeKind,
    api_url: String,
    backend: Backend,
    identity: tokio::sync::OnceCell<Option<u64>>,
}

impl fmt::Debug for ForgeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForgeClient").field("kind", &self.kind).field("api_url", &self.api_url).finish_non_exhaustive()
    }
}

impl ForgeClient {
    /// Checks the settings and builds the HTTP client. Must be called inside a Tokio runtime.
    pub fn new(settings: ForgeSettings) -> Result<Self, ForgeError> {
        let kind = settings.kind;
        let settings_error = |message: String| ForgeError::Settings { forge: kind, message };
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(settings_error("the client must be created inside a Tokio runtime".into()));
        }
        if settings.token.trim().is_empty() {
            return Err(settings_error("the token is empty; check the secret named in the forge config".into()));
        }
        if settings.retry.max_attempts == 0 {
            return Err(settings_error("retry.max_attempts must be at least 1".into()));
        }
        let api_url = settings.api_url.trim_end_matches('/').to_string();
        let uri: http::Uri = api_url.parse().map_err(|e| {
            settings_error(format!("apiUrl {api_url:?} is not a URL ({e}); use e.g. {}", kind.default_api_url()))
        })?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() || uri.query().is_some() {
            return Err(settings_error(format!(
                "apiUrl {api_url:?} must be an http(s) URL with a host and no query, e.g. {}",
                kind.default_api_url()
            )));
        }
        if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
            return Err(settings_error("apiUrl must not carry credentials; put the token in a secret".into()));
        }
        let backend = match kind {
            ForgeKind::GitHub => {
                Backend::GitHub(github::GitHub::new(&api_url, uri.path(), settings.token, settings.retry)?)
            }
            ForgeKind::GitLab => {
                Backend::GitLab(gitlab::GitLab::new(&api_url, uri.path(), settings.token, settings.retry)?)
            }
        };
        Ok(ForgeClient { kind, api_url, backend, identity: tokio::sync::OnceCell::new() })
    }

    pub fn kind(&self) -> ForgeKind {
        self.kind
    }

    /// Makes the pull / merge request carry exactly `parts` as fleetgate's comments for `marker`: existing
    /// parts (found by their marker line, written by the token's user) are edited in place, missing ones
    /// created in order, extra ones (the report shrank) deleted. Comments of other users, other markers or
    /// without a marker are never touched. With no parts, every existing part is deleted.
    pub async fn upsert_comment(
        &self,
        target: &Target,
        marker: &str,
        parts: &[String],
    ) -> Result<CommentOutcome, ForgeError> {
        validate_marker(self.kind, marker)?;
        let bodies = part_bodies(self.kind, marker, parts)?;
        match &self.backend {
            Backend::GitHub(b) => self.upsert_with(b, target, marker, &bodies).await,
            Backend::GitLab(b) => self.upsert_with(b, target, marker, &bodies).await,
        }
    }

    async fn upsert_with<B: Comments>(
        &self,
        backend: &B,
        target: &Target,
        marker: &str,
        bodies: &[String],
    ) -> Result<CommentOutcome, ForgeError> {
        let mut out = CommentOutcome::default();
        let resolved = backend.resolve(target, &mut out.retries).await?;
        let me = match self.identity.get() {
            Some(me) => *me,
            None => {
                let me = backend.identity(&mut out.retries).await?;
                let _ = self.identity.set(me);
                me
            }
        };
        let existing = backend.list(&resolved, &mut out.retries).await?;
        let plan = plan(marker, me, &existing, bodies);
        for (index, body) in bodies.iter().enumerate() {
            let url = match plan.keep.get(index) {
                Some(current) if current.body == *body => {
                    out.unchanged.push(current.id);
                    current.url.clone()
                }
                Some(current) => {
                    let c = backend.update(&resolved, current.id, body, &mut out.retries).await?;
                    out.updated.push(c.id);
                    c.url
                }
                None => {
                    let c = backend.create(&resolved, body, &mut out.retries).await?;
                    out.created.push(c.id);
                    c.url
                }
            };
            if index == 0 {
                out.url = url;
            }
        }
        for id in plan.delete {
            backend.delete(&resolved, id, &mut out.retries).await?;
            out.deleted.push(id);
        }
        Ok(out)
    }

    /// Sets the commit status `context` of `sha` in `repo` (GitHub `owner/name`, GitLab project path or id).
    /// The description is cut to the forge's limit (140 characters on GitHub, 255 on GitLab).
    pub async fn set_status(
        &self,
        repo: &str,
        sha: &str,
        state: StatusState,
        context: &str,
        description: &str,
        target_url: Option<&str>,
    ) -> Result<StatusOutcome, ForgeError> {
        let input = |what, value: &str, hint| ForgeError::Input { forge: self.kind, what, value: value.into(), hint };
        if !(4..=64).contains(&sha.len()) || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(input("commit sha", sha, "expected a hexadecimal commit id"));
        }
        if context.trim().is_empty() {
            return Err(input("status context", context, "the context names the check and must not be empty"));
        }
        let mut out = StatusOutcome::default();
        match &self.backend {
            Backend::GitHub(b) => {
                let description = truncate(description, GITHUB_DESCRIPTION_LIMIT);
                b.set_status(repo, sha, state, context, &description, target_url, &mut out.retries).await?;
            }
            Backend::GitLab(b) => {
                let description = truncate(description, GITLAB_DESCRIPTION_LIMIT);
                b.set_status(repo, sha, state, context, &description, target_url, &mut out.retries).await?;
            }
        }
        Ok(out)
    }
}

/// Cuts `s` to at most `limit` characters, ending with `…` when cut.
fn truncate(s: &str, limit: usize) -> String {
    if s.chars().count() <= limit {
        return s.to_string();
    }
    let mut out: String = s.chars().take(limit.saturating_sub(1)).collect();
    out.push('…');
    out
}

const MARKER_PREFIX: &str = "<!-- fleetgate:";
const MARKER_SUFFIX: &str = " -->";

/// The hidden first line of part `i` of `n`.
pub fn marker_line(marker: &str, i: usize, n: usize) -> String {
    format!("{MARKER_PREFIX}{marker} part {i}/{n}{MARKER_SUFFIX}")
}

/// Reads a body's first line as a fleetgate marker line: `(marker, i, n)`.
fn parse_marker_line(body: &str) -> Option<(&str, usize, usize)> {
    let first = body.split('\n').next()?;
    let first = first.strip_suffix('\r').unwrap_or(first);
    let inner = first.strip_prefix(MARKER_PREFIX)?.strip_suffix(MARKER_SUFFIX)?;
    let (marker, counts) = inner.rsplit_once(" part ")?;
    let (i, n) = counts.split_once('/')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(i) || !digits(n) {
        return None;
    }
    let (i, n) = (i.parse().ok()?, n.parse().ok()?);
    (i >= 1 && i <= n).then_some((marker, i, n))
}

fn validate_marker(forge: ForgeKind, marker: &str) -> Result<(), ForgeError> {
    let ok = !marker.is_empty()
        && marker.len() <= 200
        && !marker.contains("--")
        && marker.bytes().all(|b| b.is_ascii_alphanumeric() || b"._:/@+=-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ForgeError::Input {
            forge,
            what: "comment marker",
            value: marker.to_string(),
            hint: "use 1-200 ASCII letters, digits and . _ : / @ + = - (no `--`), e.g. the pipeline name",
        })
    }
}

/// The bodies to post: marker line, newline, part. Errors when one exceeds the forge's limit.
fn part_bodies(forge: ForgeKind, marker: &str, parts: &[String]) -> Result<Vec<String>, ForgeError> {
    let n = parts.len();
    let limit = forge.body_limit();
    parts
        .iter()
        .enumerate()
        .map(|(index, part)| {
            let body = format!("{}\n{part}", marker_line(marker, index + 1, n));
            let chars = body.chars().count();
            if chars > limit {
                return Err(ForgeError::BodyTooLong { forge, part: index + 1, parts: n, chars, limit });
            }
            Ok(body)
        })
        .collect()
}

/// What to do with the existing comments.
#[derive(Debug, Default)]
struct Plan {
    /// Existing parts reused for parts 1..=keep.len(), in order.
    keep: Vec<RemoteComment>,
    /// Ids of fleetgate's comments for this marker that are no longer wanted.
    delete: Vec<u64>,
}

/// Matches existing comments to the wanted parts. Only comments by `me` (when known) whose first line is
/// exactly a marker line for `marker` count. Parts are reused as a prefix (1, 2, … as long as each exists) so
/// that parts created now come after them in the timeline; the others and duplicates are deleted.
fn plan(marker: &str, me: Option<u64>, existing: &[RemoteComment], bodies: &[String]) -> Plan {
    let mut by_index: Vec<Vec<&RemoteComment>> = Vec::new();
    for c in existing {
        if me.is_some_and(|me| c.author != me) {
            continue;
        }
        let Some((m, i, _)) = parse_marker_line(&c.body) else { continue };
        if m != marker {
            continue;
        }
        if by_index.len() < i {
            by_index.resize(i, Vec::new());
        }
        by_index[i - 1].push(c);
    }
    let mut out = Plan::default();
    let mut prefix = true;
    for (index, found) in by_index.iter().enumerate() {
        let mut found = found.iter();
        match found.next() {
            Some(first) if prefix && index < bodies.len() => out.keep.push((*first).clone()),
            Some(first) => out.delete.push(first.id),
            None => prefix = false,
        }
        out.delete.extend(found.map(|c| c.id));
    }
    out.delete.sort_unstable();
    out
}
