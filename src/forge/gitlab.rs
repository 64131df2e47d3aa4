//! GitLab (gitlab.com or self-hosted) through its REST API v4 with reqwest: merge request notes and commit
//! statuses. Authenticates with the `PRIVATE-TOKEN` header; never follows redirects (the header would go along).

use super::retry::{self, Call, Failure, scrub};
use super::{Comments, ForgeError, ForgeKind, RemoteComment, RetryNote, RetryPolicy, StatusState, Target};
use http::HeaderMap;
use reqwest::Method;
use reqwest::header::HeaderValue;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

/// Pages of notes read at most (100 notes each).
const MAX_PAGES: usize = 100;

const FORGE: ForgeKind = ForgeKind::GitLab;

pub(crate) struct GitLab {
    http: reqwest::Client,
    /// The API base URL without a trailing slash.
    base: String,
    /// Its path, for messages (`/api/v4`).
    base_path: String,
    token: Zeroizing<String>,
    policy: RetryPolicy,
}

/// A checked merge request.
pub(crate) struct MergeRequest {
    /// Numeric id or URL-encoded path (`group%2Fsub%2Fproject`).
    project: String,
    iid: u64,
    web_url: String,
}

#[derive(Deserialize)]
struct Note {
    id: u64,
    #[serde(default)]
    body: String,
    author: User,
    #[serde(default)]
    system: bool,
}

#[derive(Deserialize)]
struct User {
    id: u64,
}

#[derive(Deserialize)]
struct MergeRequestJson {
    web_url: String,
}

impl GitLab {
    pub fn new(
        api_url: &str,
        base_path: &str,
        token: Zeroizing<String>,
        policy: RetryPolicy,
    ) -> Result<Self, ForgeError> {
        if HeaderValue::from_str(&token).is_err() {
            return Err(ForgeError::Settings {
                forge: FORGE,
                message: "the token contains characters not allowed in an HTTP header; check the secret".into(),
            });
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("fleetgate/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(policy.request_timeout)
            .timeout(policy.request_timeout)
            .build()
            .map_err(|e| ForgeError::Settings {
                forge: FORGE,
                message: format!("cannot build the GitLab client for {api_url}: {}", scrub(&e.to_string(), &token)),
            })?;
        Ok(GitLab {
            http,
            base: api_url.to_string(),
            base_path: base_path.trim_end_matches('/').to_string(),
            token,
            policy,
        })
    }

    fn project(&self, repo: &str) -> Result<String, ForgeError> {
        if !repo.is_empty() && repo.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(repo.to_string());
        }
        let path = repo.replace("%2F", "/").replace("%2f", "/");
        let valid = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        let segments: Vec<&str> = path.split('/').collect();
        if segments.len() < 2 || !segments.iter().all(|s| valid(s) && *s != "." && *s != "..") {
            return Err(ForgeError::Input {
                forge: FORGE,
                what: "project",
                value: repo.to_string(),
                hint: "expected a project path such as group/sub/project (or group%2Fsub%2Fproject) or a numeric id",
            });
        }
        Ok(segments.join("%2F"))
    }

    /// One request with retries; `route` is relative to the API base and may carry a query.
    async fn send(
        &self,
        method: Method,
        route: &str,
        body: Option<&serde_json::Value>,
        notes: &mut Vec<RetryNote>,
    ) -> Result<(HeaderMap, Vec<u8>), ForgeError> {
        let path = format!("{}{}", self.base_path, route.split('?').next().unwrap_or(route));
        let url = format!("{}{route}", self.base);
        let (method, url) = (&method, &url);
        retry::run(&self.policy, Call { forge: FORGE, method: method.as_str(), path: &path }, notes, || async move {
            let mut token = HeaderValue::from_str(&self.token)
                .map_err(|_| Failure::Response("the token is not a valid header value".into()))?;
            token.set_sensitive(true);
            let mut request = self.http.request(method.clone(), url.as_str()).header("PRIVATE-TOKEN", token);
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request.send().await.map_err(|e| self.transport(e))?;
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = response.bytes().await.map_err(|e| self.transport(e))?;
            if status.is_success() {
                Ok((headers, bytes.to_vec()))
            } else {
                Err(Failure::Status { status: status.as_u16(), headers, message: self.message(&bytes) })
            }
        })
        .await
    }

    async fn send_json<T: DeserializeOwned>(
        &self,
        method: Method,
        route: &str,
        body: Option<&serde_json::Value>,
        notes: &mut Vec<RetryNote>,
    ) -> Result<(HeaderMap, T), ForgeError> {
        let (headers, bytes) = self.send(method.clone(), route, body, notes).await?;
        let value = serde_json::from_slice(&bytes).map_err(|e| ForgeError::Response {
            forge: FORGE,
            method: method.as_str().to_string(),
            path: format!("{}{}", self.base_path, route.split('?').next().unwrap_or(route)),
            message: format!("cannot read the JSON answer: {e}"),
        })?;
        Ok((headers, value))
    }

    fn transport(&self, e: reqwest::Error) -> Failure {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            let more = s.to_string();
            if !text.contains(&more) {
                text = format!("{text}: {more}");
            }
            source = s.source();
        }
        let text = scrub(&text, &self.token);
        if e.is_decode() || e.is_builder() { Failure::Response(text) } else { Failure::Connection(text) }
    }

    /// GitLab's error text: `{"message": "..."}` (a string or an object of field errors) or `{"error": "..."}`.
    fn message(&self, bytes: &[u8]) -> String {
        let text = match serde_json::from_slice::<serde_json::Value>(bytes) {
            Ok(v) => match v.get("message").or_else(|| v.get("error")) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => v.to_string(),
            },
            Err(_) => String::from_utf8_lossy(bytes).trim().to_string(),
        };
        scrub(&text, &self.token)
    }

    fn notes_route(&self, mr: &MergeRequest) -> String {
        format!("/projects/{}/merge_requests/{}/notes", mr.project, mr.iid)
    }

    fn remote(&self, mr: &MergeRequest, note: Note) -> RemoteComment {
        RemoteComment {
            id: note.id,
            author: note.author.id,
            body: note.body,
            url: Some(format!("{}#note_{}", mr.web_url, note.id)),
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
        let project = self.project(repo)?;
        let state = match state {
            StatusState::Pending => "pending",
            StatusState::Running => "running",
            StatusState::Success => "success",
            StatusState::Failed => "failed",
        };
        let mut body = serde_json::json!({ "state": state, "name": context, "description": description });
        if let Some(url) = target_url {
            body["target_url"] = url.into();
        }
        match self.send(Method::POST, &format!("/projects/{project}/statuses/{sha}"), Some(&body), notes).await {
            Ok(_) => Ok(()),
            // Posting the state a status already has: GitLab refuses the transition; the status is as asked.
            Err(ForgeError::Rejected { status: 400, message, .. }) if message.contains("Cannot transition status") => {
                tracing::debug!(%message, "GitLab: commit status already in the requested state");
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

impl Comments for GitLab {
    type Target = MergeRequest;

    async fn resolve(&self, target: &Target, notes: &mut Vec<RetryNote>) -> Result<MergeRequest, ForgeError> {
        let project = self.project(&target.repo)?;
        let route = format!("/projects/{project}/merge_requests/{}", target.number);
        let (_, mr): (_, MergeRequestJson) = self.send_json(Method::GET, &route, None, notes).await?;
        Ok(MergeRequest { project, iid: target.number, web_url: mr.web_url })
    }

    async fn identity(&self, notes: &mut Vec<RetryNote>) -> Result<Option<u64>, ForgeError> {
        let (_, user): (_, User) = self.send_json(Method::GET, "/user", None, notes).await?;
        Ok(Some(user.id))
    }

    async fn list(&self, mr: &MergeRequest, notes: &mut Vec<RetryNote>) -> Result<Vec<RemoteComment>, ForgeError> {
        let mut out = Vec::new();
        let mut page = 1u64;
        for _ in 0..MAX_PAGES {
            let route = format!("{}?sort=asc&order_by=created_at&per_page=100&page={page}", self.notes_route(mr));
            let (headers, batch): (_, Vec<Note>) = self.send_json(Method::GET, &route, None, notes).await?;
            out.extend(batch.into_iter().filter(|n| !n.system).map(|n| self.remote(mr, n)));
            let next = headers.get("x-next-page").and_then(|v| v.to_str().ok()).map(str::trim).unwrap_or("");
            match next.parse::<u64>() {
                Ok(n) if n > page => page = n,
                _ => return Ok(out),
            }
        }
        Err(ForgeError::Response {
            forge: FORGE,
            method: "GET".into(),
            path: format!("{}{}", self.base_path, self.notes_route(mr)),
            message: format!("more than {MAX_PAGES} pages of notes; refusing to read further"),
        })
    }

    async fn create(
        &self,
        mr: &MergeRequest,
        body: &str,
        notes: &mut Vec<RetryNote>,
    ) -> Result<RemoteComment, ForgeError> {
        let json = serde_json::json!({ "body": body });
        let (_, note): (_, Note) = self.send_json(Method::POST, &self.notes_route(mr), Some(&json), notes).await?;
        Ok(self.remote(mr, note))
    }

    async fn update(
        &self,
        mr: &MergeRequest,
        id: u64,
        body: &str,
        notes: &mut Vec<RetryNote>,
    ) -> Result<RemoteComment, ForgeError> {
        let json = serde_json::json!({ "body": body });
        let route = format!("{}/{id}", self.notes_route(mr));
        let (_, note): (_, Note) = self.send_json(Method::PUT, &route, Some(&json), notes).await?;
        Ok(self.remote(mr, note))
    }

    async fn delete(&self, mr: &MergeRequest, id: u64, notes: &mut Vec<RetryNote>) -> Result<(), ForgeError> {
        let route = format!("{}/{id}", self.notes_route(mr));
        match self.send(Method::DELETE, &route, None, notes).await {
            // Already gone: what was wanted.
            Ok(_) | Err(ForgeError::Rejected { status: 404, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
