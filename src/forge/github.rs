//! GitHub and GitHub Enterprise through octocrab: issue comments on pull requests and commit statuses.
//!
//! octocrab's own retry layer is switched off; [`super::retry`] retries instead, reading the status and
//! headers octocrab keeps in its `GitHubError`.

use super::retry::{self, Call, Failure, scrub};
use super::{Comments, ForgeError, ForgeKind, RemoteComment, RetryNote, RetryPolicy, StatusState, Target};
use octocrab::Octocrab;
use octocrab::models::issues::Comment;
use octocrab::models::{CommentId, StatusState as GhState};
use octocrab::service::middleware::retry::RetryConfig;
use zeroize::Zeroizing;

/// Pages of comments read at most (100 comments each).
const MAX_PAGES: usize = 100;

pub(crate) struct GitHub {
    crab: Octocrab,
    /// The path of the API base (`/api/v3` on GitHub Enterprise, empty on api.github.com).
    base_path: String,
    token: Zeroizing<String>,
    policy: RetryPolicy,
}

/// A checked pull request.
pub(crate) struct PullRequest {
    owner: String,
    name: String,
    number: u64,
}

const FORGE: ForgeKind = ForgeKind::GitHub;

impl GitHub {
    pub fn new(
        api_url: &str,
        base_path: &str,
        token: Zeroizing<String>,
        policy: RetryPolicy,
    ) -> Result<Self, ForgeError> {
        let settings = |e: octocrab::Error| ForgeError::Settings {
            forge: FORGE,
            message: format!("cannot build the GitHub client for {api_url}: {}", scrub(&e.to_string(), &token)),
        };
        let crab = Octocrab::builder()
            .base_uri(api_url)
            .map_err(settings)?
            .personal_token(token.as_str().to_owned())
            .add_retry_config(RetryConfig::None)
            .set_connect_timeout(Some(policy.request_timeout))
            .set_read_timeout(Some(policy.request_timeout))
            .set_write_timeout(Some(policy.request_timeout))
            .build()
            .map_err(settings)?;
        Ok(GitHub { crab, base_path: base_path.trim_end_matches('/').to_string(), token, policy })
    }

    fn call<'a>(&self, method: &'a str, path: &'a str) -> Call<'a> {
        Call { forge: FORGE, method, path }
    }

    /// The full URL path of an API route, for messages.
    fn path(&self, route: &str) -> String {
        format!("{}{route}", self.base_path)
    }

    fn failure(&self, e: octocrab::Error) -> Failure {
        match e {
            octocrab::Error::GitHub { source, .. } => {
                let mut message = source.message.clone();
                for detail in source.errors.iter().flatten() {
                    let text = detail.get("message").and_then(|m| m.as_str()).map(str::to_string);
                    message.push_str("; ");
                    message.push_str(&text.unwrap_or_else(|| detail.to_string()));
                }
                Failure::Status {
                    status: source.status_code.as_u16(),
                    headers: source.headers.clone().unwrap_or_default(),
                    message: scrub(&message, &self.token),
                }
            }
            e @ (octocrab::Error::Hyper { .. } | octocrab::Error::Service { .. }) => {
                Failure::Connection(scrub(&error_chain(&e), &self.token))
            }
            e => Failure::Response(scrub(&error_chain(&e), &self.token)),
        }
    }

    fn repo<'r>(&self, repo: &'r str) -> Result<(&'r str, &'r str), ForgeError> {
        let valid = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        match repo.split_once('/') {
            Some((owner, name)) if valid(owner) && valid(name) && name != "." && name != ".." => Ok((owner, name)),
            _ => Err(ForgeError::Input {
                forge: FORGE,
                what: "repository",
                value: repo.to_string(),
                hint: "expected owner/name, e.g. acme/gitops-system",
            }),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn set_status(
        &self,
        repo: &str,
        sha: &str,
        state: StatusState,
        context: &str,
        description: &str,
        target_url: Option<&str>,
        notes: &mut Vec<RetryNote>,
    ) -> Result<(), ForgeError> {
        let (owner, name) = self.repo(repo)?;
        let state = match state {
            StatusState::Pending | StatusState::Running => GhState::Pending,
            StatusState::Success => GhState::Success,
            StatusState::Failed => GhState::Failure,
        };
        let path = self.path(&format!("/repos/{owner}/{name}/statuses/{sha}"));
        retry::run(&self.policy, self.call("POST", &path), notes, || async move {
            let repos = self.crab.repos(owner, name);
            let mut builder = repos
                .create_status(sha.to_string(), state)
                .context(context.to_string())
                .description(description.to_string());
            if let Some(url) = target_url {
                builder = builder.target(url.to_string());
            }
            builder.send().await.map(|_| ()).map_err(|e| self.failure(e))
        })
        .await
    }
}

fn remote(c: Comment) -> RemoteComment {
    RemoteComment {
        id: c.id.into_inner(),
        author: c.user.id.into_inner(),
        body: c.body.unwrap_or_default(),
        url: Some(c.html_url.to_string()),
    }
}

/// An error and its sources, each once.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out = format!("{out}: {text}");
        }
        source = s.source();
    }
    out
}

impl Comments for GitHub {
    type Target = PullRequest;

    async fn resolve(&self, target: &Target, _notes: &mut Vec<RetryNote>) -> Result<PullRequest, ForgeError> {
        let (owner, name) = self.repo(&target.repo)?;
        Ok(PullRequest { owner: owner.to_string(), name: name.to_string(), number: target.number })
    }

    async fn identity(&self, notes: &mut Vec<RetryNote>) -> Result<Option<u64>, ForgeError> {
        let path = self.path("/user");
        let user = retry::run(&self.policy, self.call("GET", &path), notes, || async move {
            self.crab.current().user().await.map_err(|e| self.failure(e))
        })
        .await;
        match user {
            Ok(user) => Ok(Some(user.id.into_inner())),
            // A GitHub App installation token has no user: fall back to the marker alone.
            Err(ForgeError::Rejected { status: 403, .. }) => {
                tracing::warn!(
                    "GitHub: the token has no user (GET /user is forbidden); matching comments by marker only"
                );
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    async fn list(&self, pr: &PullRequest, notes: &mut Vec<RetryNote>) -> Result<Vec<RemoteComment>, ForgeError> {
        let path = self.path(&format!("/repos/{}/{}/issues/{}/comments", pr.owner, pr.name, pr.number));
        let mut page = retry::run(&self.policy, self.call("GET", &path), notes, || async move {
            let issues = self.crab.issues(&pr.owner, &pr.name);
            issues.list_comments(pr.number).per_page(100u8).send().await.map_err(|e| self.failure(e))
        })
        .await?;
        let mut out: Vec<RemoteComment> = page.take_items().into_iter().map(remote).collect();
        for _ in 1..MAX_PAGES {
            let Some(next) = page.next.take() else { return Ok(out) };
            let next_path = next.path().to_string();
            let next = &next;
            let got = retry::run(&self.policy, self.call("GET", &next_path), notes, || async move {
                self.crab.get_page::<Comment>(&Some(next.clone())).await.map_err(|e| self.failure(e))
            })
            .await?;
            let Some(got) = got else { return Ok(out) };
            page = got;
            out.extend(page.take_items().into_iter().map(remote));
        }
        Err(ForgeError::Response {
            forge: FORGE,
            method: "GET".into(),
            path,
            message: format!("more than {MAX_PAGES} pages of comments; refusing to read further"),
        })
    }

    async fn create(
        &self,
        pr: &PullRequest,
        body: &str,
        notes: &mut Vec<RetryNote>,
    ) -> Result<RemoteComment, ForgeError> {
        let path = self.path(&format!("/repos/{}/{}/issues/{}/comments", pr.owner, pr.name, pr.number));
        let c = retry::run(&self.policy, self.call("POST", &path), notes, || async move {
            self.crab.issues(&pr.owner, &pr.name).create_comment(pr.number, body).await.map_err(|e| self.failure(e))
        })
        .await?;
        Ok(remote(c))
    }

    async fn update(
        &self,
        pr: &PullRequest,
        id: u64,
        body: &str,
        notes: &mut Vec<RetryNote>,
    ) -> Result<RemoteComment, ForgeError> {
        let path = self.path(&format!("/repos/{}/{}/issues/comments/{id}", pr.owner, pr.name));
        // octocrab's `update_comment` sends POST (an old alias); GitHub documents PATCH, so the typed `patch`.
        let route = format!("/repos/{}/{}/issues/comments/{id}", pr.owner, pr.name);
        let (route, json) = (&route, &serde_json::json!({ "body": body }));
        let c = retry::run(&self.policy, self.call("PATCH", &path), notes, || async move {
            self.crab.patch::<Comment, _, _>(route, Some(json)).await.map_err(|e| self.failure(e))
        })
        .await?;
        Ok(remote(c))
    }

    async fn delete(&self, pr: &PullRequest, id: u64, notes: &mut Vec<RetryNote>) -> Result<(), ForgeError> {
        let path = self.path(&format!("/repos/{}/{}/issues/comments/{id}", pr.owner, pr.name));
        let deleted = retry::run(&self.policy, self.call("DELETE", &path), notes, || async move {
            self.crab.issues(&pr.owner, &pr.name).delete_comment(CommentId(id)).await.map_err(|e| self.failure(e))
        })
        .await;
        match deleted {
            // Already gone: what was wanted.
            Ok(()) | Err(ForgeError::Rejected { status: 404, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
