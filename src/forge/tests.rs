//! Forge client tests against a local forge double on 127.0.0.1 that answers as GitHub or GitLab would and
//! records every request.

use super::retry::{Decision, Failure, backoff, decide, server_wait};
use super::*;
use http::HeaderMap;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use warp::Filter;

const TOKEN: &str = "tok-5ecret-9f8e7d6c5b4a";
const BOT: u64 = 1001;
const ALICE: u64 = 2002;
const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

// ---------------------------------------------------------------------------------------------------------
// The forge double
// ---------------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    GitHub,
    GitLab,
}

#[derive(Debug, Clone)]
struct Req {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Req {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

#[derive(Debug, Clone)]
struct Stored {
    id: u64,
    author: u64,
    body: String,
    system: bool,
}

#[derive(Debug, Clone)]
struct Fault {
    /// Only requests with this method take the fault.
    method: Option<&'static str>,
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

struct State {
    flavor: Flavor,
    origin: String,
    base_path: String,
    /// GitHub `owner/name`, GitLab project id segment as it appears in the URL.
    project: String,
    requests: Vec<Req>,
    comments: Vec<Stored>,
    next_id: u64,
    /// The most items a page holds, whatever `per_page` asks.
    page_size: usize,
    faults: VecDeque<Fault>,
    always: Option<Fault>,
    /// Body length limit in characters.
    limit: usize,
    /// Status of `GET /user` (200, or 403 like a GitHub App installation token).
    user_status: u16,
    last_status: Option<(String, String, String)>,
}

struct Double {
    state: Arc<Mutex<State>>,
    addr: SocketAddr,
}

type Reply = warp::http::Response<String>;

fn reply(status: u16, headers: &[(String, String)], body: String) -> Reply {
    let mut builder = warp::http::Response::builder().status(status);
    if !body.is_empty() {
        builder = builder.header("content-type", "application/json");
    }
    for (name, value) in headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder.body(body).expect("double response")
}

fn json_reply(status: u16, body: Value) -> Reply {
    reply(status, &[], body.to_string())
}

fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
}

fn login(id: u64) -> &'static str {
    if id == BOT { "fleetgate-bot" } else { "alice" }
}

fn gh_user(id: u64) -> Value {
    let login = login(id);
    let u = |tail: &str| format!("https://api.github.example/users/{login}{tail}");
    json!({
        "login": login, "id": id, "node_id": format!("U_{id}"), "avatar_url": "https://avatars.github.example/u/1",
        "gravatar_id": "", "url": u(""), "html_url": format!("https://github.example/{login}"),
        "followers_url": u("/followers"), "following_url": u("/following{/other_user}"),
        "gists_url": u("/gists{/gist_id}"), "starred_url": u("/starred{/owner}{/repo}"),
        "subscriptions_url": u("/subscriptions"), "organizations_url": u("/orgs"), "repos_url": u("/repos"),
        "events_url": u("/events{/privacy}"), "received_events_url": u("/received_events"),
        "type": if id == BOT { "Bot" } else { "User" }, "site_admin": false
    })
}

impl State {
    fn gh_comment(&self, c: &Stored) -> Value {
        json!({
            "id": c.id, "node_id": format!("IC_{}", c.id),
            "url": format!("https://api.github.example/repos/{}/issues/comments/{}", self.project, c.id),
            "html_url": format!("https://github.example/{}/pull/7#issuecomment-{}", self.project, c.id),
            "body": c.body, "user": gh_user(c.author),
            "created_at": "2026-11-02T10:00:00Z", "updated_at": "2026-11-02T10:00:00Z"
        })
    }

    fn gl_note(&self, c: &Stored) -> Value {
        json!({
            "id": c.id, "type": null, "body": c.body, "system": c.system, "noteable_type": "MergeRequest",
            "noteable_iid": 7, "author": { "id": c.author, "username": login(c.author), "name": login(c.author) },
            "created_at": "2026-11-02T10:00:00.000Z"
        })
    }

    fn too_long(&self, body: &str) -> Option<Reply> {
        if body.chars().count() <= self.limit {
            return None;
        }
        Some(match self.flavor {
            Flavor::GitHub => json_reply(
                422,
                json!({"message": "Validation Failed", "errors": [{"resource": "IssueComment", "code": "custom",
                "field": "body", "message": format!("body is too long (maximum is {} characters)", self.limit)}],
                "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment"}),
            ),
            Flavor::GitLab => json_reply(
                400,
                json!({"message": {"note": [format!("is too long (maximum is {} characters)", self.limit)]}}),
            ),
        })
    }

    fn handle(&mut self, req: Req) -> Reply {
        self.requests.push(req.clone());
        if let Some(at) = self.faults.iter().position(|f| f.method.is_none_or(|m| m == req.method)) {
            let f = self.faults.remove(at).expect("fault");
            return reply(f.status, &f.headers, f.body);
        }
        if let Some(f) = &self.always {
            return reply(f.status, &f.headers, f.body.clone());
        }
        let Some(rest) = req.path.strip_prefix(&self.base_path) else {
            return json_reply(404, json!({"message": "Not Found"}));
        };
        let segs: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
        match self.flavor {
            Flavor::GitHub => self.github(&req, &segs),
            Flavor::GitLab => self.gitlab(&req, &segs),
        }
    }

    fn github(&mut self, req: &Req, segs: &[&str]) -> Reply {
        let auth = req.header("authorization").unwrap_or("");
        if auth != format!("Bearer {TOKEN}") {
            // Echoes what it got, so that tests see the client keeps it out of errors.
            return json_reply(401, json!({"message": format!("Bad credentials ({auth})")}));
        }
        let not_found =
            || json_reply(404, json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}));
        let repo_ok = |o: &str, r: &str| format!("{o}/{r}") == self.project;
        match (req.method.as_str(), segs) {
            ("GET", ["user"]) if self.user_status == 200 => json_reply(200, gh_user(BOT)),
            ("GET", ["user"]) => {
                json_reply(self.user_status, json!({"message": "Resource not accessible by integration"}))
            }
            ("GET", ["repos", o, r, "issues", "7", "comments"]) if repo_ok(o, r) => {
                let per_page = query_param(&req.query, "per_page").and_then(|v| v.parse().ok()).unwrap_or(30usize);
                let size = per_page.min(self.page_size).max(1);
                let page = query_param(&req.query, "page").and_then(|v| v.parse().ok()).unwrap_or(1usize);
                let pages = self.comments.len().div_ceil(size).max(1);
                let items: Vec<Value> =
                    self.comments.iter().skip((page - 1) * size).take(size).map(|c| self.gh_comment(c)).collect();
                let link = |p: usize| format!("<{}{}?per_page={per_page}&page={p}>", self.origin, req.path);
                let mut links = Vec::new();
                if page < pages {
                    links.push(format!("{}; rel=\"next\"", link(page + 1)));
                    links.push(format!("{}; rel=\"last\"", link(pages)));
                }
                let headers: Vec<(String, String)> =
                    if links.is_empty() { vec![] } else { vec![("link".into(), links.join(", "))] };
                reply(200, &headers, Value::Array(items).to_string())
            }
            ("POST", ["repos", o, r, "issues", "7", "comments"]) if repo_ok(o, r) => {
                let body = req.json()["body"].as_str().unwrap_or("").to_string();
                if let Some(r) = self.too_long(&body) {
                    return r;
                }
                let c = Stored { id: self.next_id, author: BOT, body, system: false };
                self.next_id += 1;
                let out = self.gh_comment(&c);
                self.comments.push(c);
                json_reply(201, out)
            }
            ("PATCH", ["repos", o, r, "issues", "comments", id]) if repo_ok(o, r) => {
                let body = req.json()["body"].as_str().unwrap_or("").to_string();
                if let Some(r) = self.too_long(&body) {
                    return r;
                }
                let id: u64 = id.parse().unwrap_or(0);
                let Some(at) = self.comments.iter().position(|c| c.id == id) else { return not_found() };
                if self.comments[at].author != BOT {
                    return json_reply(403, json!({"message": "Must have admin rights to Repository."}));
                }
                self.comments[at].body = body;
                json_reply(200, self.gh_comment(&self.comments[at].clone()))
            }
            ("DELETE", ["repos", o, r, "issues", "comments", id]) if repo_ok(o, r) => {
                let id: u64 = id.parse().unwrap_or(0);
                let before = self.comments.len();
                self.comments.retain(|c| !(c.id == id && c.author == BOT));
                if self.comments.len() == before { not_found() } else { reply(204, &[], String::new()) }
            }
            ("POST", ["repos", o, r, "statuses", sha]) if repo_ok(o, r) => {
                let mut out = req.json();
                out["id"] = json!(42);
                out["url"] = json!(format!("https://api.github.example/repos/{}/statuses/{sha}", self.project));
                out["created_at"] = json!("2026-11-02T10:00:00Z");
                out["creator"] = gh_user(BOT);
                json_reply(201, out)
            }
            _ => not_found(),
        }
    }

    fn gitlab(&mut self, req: &Req, segs: &[&str]) -> Reply {
        if req.header("private-token") != Some(TOKEN) {
            return json_reply(401, json!({"message": "401 Unauthorized"}));
        }
        if segs.first() == Some(&"projects") && segs.get(1) != Some(&self.project.as_str()) {
            return json_reply(404, json!({"message": "404 Project Not Found"}));
        }
        let note_not_found = || json_reply(404, json!({"message": "404 Note Not Found"}));
        match (req.method.as_str(), segs) {
            ("GET", ["user"]) => json_reply(200, json!({"id": BOT, "username": "fleetgate-bot", "bot": true})),
            ("GET", ["projects", _, "merge_requests", "7"]) => json_reply(
                200,
                json!({"id": 9007, "iid": 7, "state": "opened",
                       "web_url": "https://gitlab.example.com/group/sub/project/-/merge_requests/7"}),
            ),
            ("GET", ["projects", _, "merge_requests", "7", "notes"]) => {
                let per_page = query_param(&req.query, "per_page").and_then(|v| v.parse().ok()).unwrap_or(20usize);
                let size = per_page.min(self.page_size).max(1);
                let page = query_param(&req.query, "page").and_then(|v| v.parse().ok()).unwrap_or(1usize);
                let mut all: Vec<&Stored> = self.comments.iter().collect();
                if query_param(&req.query, "sort").as_deref() != Some("asc") {
                    all.reverse(); // GitLab lists notes newest first by default
                }
                let pages = all.len().div_ceil(size).max(1);
                let items: Vec<Value> =
                    all.iter().skip((page - 1) * size).take(size).map(|c| self.gl_note(c)).collect();
                let next = if page < pages { (page + 1).to_string() } else { String::new() };
                let headers = vec![
                    ("x-page".to_string(), page.to_string()),
                    ("x-per-page".to_string(), size.to_string()),
                    ("x-next-page".to_string(), next),
                    ("x-total".to_string(), all.len().to_string()),
                ];
                reply(200, &headers, Value::Array(items).to_string())
            }
            ("POST", ["projects", _, "merge_requests", "7", "notes"]) => {
                let body = req.json()["body"].as_str().unwrap_or("").to_string();
                if let Some(r) = self.too_long(&body) {
                    return r;
                }
                let c = Stored { id: self.next_id, author: BOT, body, system: false };
                self.next_id += 1;
                let out = self.gl_note(&c);
                self.comments.push(c);
                json_reply(201, out)
            }
            ("PUT", ["projects", _, "merge_requests", "7", "notes", id]) => {
                let body = req.json()["body"].as_str().unwrap_or("").to_string();
                if let Some(r) = self.too_long(&body) {
                    return r;
                }
                let id: u64 = id.parse().unwrap_or(0);
                let Some(at) = self.comments.iter().position(|c| c.id == id) else { return note_not_found() };
                if self.comments[at].author != BOT {
                    return json_reply(403, json!({"message": "403 Forbidden"}));
                }
                self.comments[at].body = body;
                json_reply(200, self.gl_note(&self.comments[at].clone()))
            }
            ("DELETE", ["projects", _, "merge_requests", "7", "notes", id]) => {
                let id: u64 = id.parse().unwrap_or(0);
                let before = self.comments.len();
                self.comments.retain(|c| !(c.id == id && c.author == BOT));
                if self.comments.len() == before { note_not_found() } else { reply(204, &[], String::new()) }
            }
            ("POST", ["projects", _, "statuses", sha]) => {
                let b = req.json();
                let key = (sha.to_string(), b["name"].to_string(), b["state"].to_string());
                if self.last_status.as_ref() == Some(&key) {
                    return json_reply(
                        400,
                        json!({"message": "Cannot transition status via :run from :running \
                                           (Reason(s): Status cannot transition via \"run\".)"}),
                    );
                }
                self.last_status = Some(key);
                let mut out = b.clone();
                out["id"] = json!(77);
                out["sha"] = json!(sha);
                json_reply(201, out)
            }
            _ => json_reply(404, json!({"message": "404 Not found"})),
        }
    }
}

impl Double {
    /// Starts a double for `flavor` whose API lives under `base_path` (`""`, `/api/v3`, `/api/v4`).
    async fn start(flavor: Flavor, base_path: &str, project: &str) -> Double {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(Mutex::new(State {
            flavor,
            origin: format!("http://{addr}"),
            base_path: base_path.to_string(),
            project: project.to_string(),
            requests: Vec::new(),
            comments: Vec::new(),
            next_id: 500,
            page_size: 100,
            faults: VecDeque::new(),
            always: None,
            limit: match flavor {
                Flavor::GitHub => 65_536,
                Flavor::GitLab => 1_000_000,
            },
            user_status: 200,
            last_status: None,
        }));
        let shared = state.clone();
        let query = warp::query::raw().or(warp::any().map(String::new)).unify();
        let routes = warp::method()
            .and(warp::path::full())
            .and(query)
            .and(warp::header::headers_cloned())
            .and(warp::body::bytes())
            .map(
                move |method: warp::http::Method,
                      path: warp::path::FullPath,
                      query: String,
                      headers: HeaderMap,
                      body: warp::hyper::body::Bytes| {
                    let req = Req {
                        method: method.to_string(),
                        path: path.as_str().to_string(),
                        query,
                        headers: headers
                            .iter()
                            .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
                            .collect(),
                        body: String::from_utf8_lossy(&body).to_string(),
                    };
                    shared.lock().expect("double state").handle(req)
                },
            );
        tokio::spawn(warp::serve(routes).incoming(listener).run());
        Double { state, addr }
    }

    fn api_url(&self) -> String {
        format!("http://{}{}", self.addr, self.state.lock().expect("state").base_path)
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().expect("state"))
    }

    fn requests(&self) -> Vec<Req> {
        self.with(|s| s.requests.clone())
    }

    fn clear_requests(&self) {
        self.with(|s| s.requests.clear());
    }

    fn comments(&self) -> Vec<Stored> {
        self.with(|s| s.comments.clone())
    }

    fn seed(&self, author: u64, body: &str) -> u64 {
        self.with(|s| {
            let id = s.next_id;
            s.next_id += 1;
            s.comments.push(Stored { id, author, body: body.to_string(), system: false });
            id
        })
    }

    fn fault(&self, method: Option<&'static str>, status: u16, headers: &[(&str, &str)]) {
        let headers = headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        let body = json!({"message": format!("injected {status}")}).to_string();
        self.with(|s| s.faults.push_back(Fault { method, status, headers, body }));
    }

    fn client(&self, kind: ForgeKind) -> ForgeClient {
        client_for(kind, &self.api_url(), TOKEN)
    }
}

fn test_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(4),
        max_total_wait: Duration::from_secs(5),
        request_timeout: Duration::from_secs(10),
    }
}

fn client_for(kind: ForgeKind, api_url: &str, token: &str) -> ForgeClient {
    let settings = ForgeSettings {
        kind,
        api_url: api_url.to_string(),
        token: Zeroizing::new(token.to_string()),
        retry: test_policy(),
    };
    ForgeClient::new(settings).expect("client")
}

fn gh_target() -> Target {
    Target { repo: "acme/gitops".into(), number: 7 }
}

fn gl_target() -> Target {
    Target { repo: "group/sub/project".into(), number: 7 }
}

fn parts(texts: &[&str]) -> Vec<String> {
    texts.iter().map(|t| t.to_string()).collect()
}

fn count(reqs: &[Req], method: &str, path_end: &str) -> usize {
    reqs.iter().filter(|r| r.method == method && r.path.ends_with(path_end)).count()
}

// ---------------------------------------------------------------------------------------------------------
// Comments on GitHub
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn github_first_run_creates_one_comment_with_marker() {
    let double = Double::start(Flavor::GitHub, "/api/v3", "acme/gitops").await;
    let client = double.client(ForgeKind::GitHub);
    let out =
        client.upsert_comment(&gh_target(), "default", &parts(&["## fleetgate\nall good"])).await.expect("upsert");

    let comments = double.comments();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].body, "<!-- fleetgate:default part 1/1 -->\n## fleetgate\nall good");
    assert_eq!(out.created, vec![comments[0].id]);
    assert!(out.updated.is_empty() && out.deleted.is_empty() && out.unchanged.is_empty());
    assert_eq!(
        out.url.as_deref(),
        Some(format!("https://github.example/acme/gitops/pull/7#issuecomment-{}", comments[0].id).as_str())
    );
}

#[tokio::test]
async fn github_second_run_edits_in_place() {
    let double = Double::start(Flavor::GitHub, "/api/v3", "acme/gitops").await;
    let client = double.client(ForgeKind::GitHub);
    let first = client.upsert_comment(&gh_target(), "default", &parts(&["head 1"])).await.expect("first");
    double.clear_requests();
    let second = client.upsert_comment(&gh_target(), "default", &parts(&["head 2"])).await.expect("second");

    let comments = double.comments();
    assert_eq!(comments.len(), 1, "no new comment");
    assert_eq!(comments[0].body, "<!-- fleetgate:default part 1/1 -->\nhead 2");
    assert_eq!(second.updated, first.created);
    assert!(second.created.is_empty());
    let reqs = double.requests();
    assert_eq!(count(&reqs, "POST", "/comments"), 0);
    assert_eq!(count(&reqs, "PATCH", &format!("/api/v3/repos/acme/gitops/issues/comments/{}", first.created[0])), 1);
    assert_eq!(reqs.iter().find(|r| r.method == "PATCH").map(Req::json), Some(json!({"body": comments[0].body})));

    // The same report again: nothing is sent.
    double.clear_requests();
    let third = client.upsert_comment(&gh_target(), "default", &parts(&["head 2"])).await.expect("third");
    assert_eq!(third.unchanged, first.created);
    assert!(double.requests().iter().all(|r| r.method == "GET"));
}

#[tokio::test]
async fn github_long_report_makes_two_parts_and_a_short_one_deletes_the_second() {
    let double = Double::start(Flavor::GitHub, "", "acme/gitops").await;
    let client = double.client(ForgeKind::GitHub);
    let long = parts(&["diff part one", "diff part two"]);
    let out = client.upsert_comment(&gh_target(), "default", &long).await.expect("long");
    assert_eq!(out.created.len(), 2);
    let bodies: Vec<String> = double.comments().into_iter().map(|c| c.body).collect();
    assert_eq!(
        bodies,
        vec![
            "<!-- fleetgate:default part 1/2 -->\ndiff part one".to_string(),
            "<!-- fleetgate:default part 2/2 -->\ndiff part two".to_string()
        ]
    );

    let short = client.upsert_comment(&gh_target(), "default", &parts(&["small diff"])).await.expect("short");
    assert_eq!(short.updated, vec![out.created[0]]);
    assert_eq!(short.deleted, vec![out.created[1]]);
    let comments = double.comments();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].id, out.created[0]);
    assert_eq!(comments[0].body, "<!-- fleetgate:default part 1/1 -->\nsmall diff");
    assert_eq!(
        count(&double.requests(), "DELETE", &format!("/repos/acme/gitops/issues/comments/{}", out.created[1])),
        1
    );
}

#[tokio::test]
async fn github_never_touches_other_users_other_markers_or_unmarked_comments() {
    let double = Double::start(Flavor::GitHub, "/api/v3", "acme/gitops").await;
    let alice_copy = double.seed(ALICE, "<!-- fleetgate:default part 1/1 -->\nI copied the bot's marker");
    let mine_unmarked = double.seed(BOT, "a comment of the bot user without marker");
    let other_pipeline = double.seed(BOT, "<!-- fleetgate:nightly part 1/1 -->\nanother pipeline");
    let prefixed = double.seed(BOT, "<!-- fleetgate:default-2 part 1/1 -->\nsimilar marker");
    let quoted = double.seed(BOT, "> <!-- fleetgate:default part 1/1 -->\nquoted, not first line");
    let before = double.comments();

    let client = double.client(ForgeKind::GitHub);
    let out = client.upsert_comment(&gh_target(), "default", &parts(&["report"])).await.expect("upsert");
    assert_eq!(out.created.len(), 1);
    let out = client.upsert_comment(&gh_target(), "default", &parts(&[])).await.expect("empty");
    assert_eq!(out.deleted.len(), 1, "only our own part is removed");

    let after = double.comments();
    assert_eq!(after.len(), before.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!((b.id, &b.body), (a.id, &a.body));
    }
    let touched: Vec<Req> = double.requests().into_iter().filter(|r| r.method != "GET").collect();
    for id in [alice_copy, mine_unmarked, other_pipeline, prefixed, quoted] {
        assert!(touched.iter().all(|r| !r.path.ends_with(&format!("/comments/{id}"))), "comment {id} was touched");
    }
}

#[tokio::test]
async fn github_pagination_finds_the_marker_comment_on_page_two() {
    let double = Double::start(Flavor::GitHub, "/api/v3", "acme/gitops").await;
    double.with(|s| s.page_size = 2);
    double.seed(ALICE, "first");
    double.seed(ALICE, "second");
    let ours = double.seed(BOT, "<!-- fleetgate:default part 1/1 -->\nold report");
    let client = double.client(ForgeKind::GitHub);
    let out = client.upsert_comment(&gh_target(), "default", &parts(&["new report"])).await.expect("upsert");
    assert_eq!(out.updated, vec![ours]);
    assert!(out.created.is_empty());

    let lists: Vec<Req> =
        double.requests().into_iter().filter(|r| r.method == "GET" && r.path.ends_with("/issues/7/comments")).collect();
    assert_eq!(lists.len(), 2);
    assert_eq!(query_param(&lists[0].query, "per_page").as_deref(), Some("100"));
    assert_eq!(query_param(&lists[1].query, "page").as_deref(), Some("2"));
    assert_eq!(lists[1].path, "/api/v3/repos/acme/gitops/issues/7/comments");
    assert_eq!(lists[1].header("authorization"), Some(format!("Bearer {TOKEN}").as_str()), "next page authenticated");
}

#[tokio::test]
async fn github_dot_com_style_base_sends_bearer_token_and_plain_paths() {
    let double = Double::start(Flavor::GitHub, "", "acme/gitops").await;
    let client = double.client(ForgeKind::GitHub);
    client.upsert_comment(&gh_target(), "default", &parts(&["report"])).await.expect("upsert");
    let reqs = double.requests();
    let seen: Vec<(String, String)> = reqs.iter().map(|r| (r.method.clone(), r.path.clone())).collect();
    assert_eq!(
        seen,
        vec![
            ("GET".to_string(), "/user".to_string()),
            ("GET".to_string(), "/repos/acme/gitops/issues/7/comments".to_string()),
            ("POST".to_string(), "/repos/acme/gitops/issues/7/comments".to_string()),
        ]
    );
    for r in &reqs {
        assert_eq!(r.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()), "{} {}", r.method, r.path);
        assert!(r.header("user-agent").is_some_and(|ua| !ua.is_empty()));
    }
}

#[tokio::test]
async fn github_enterprise_base_keeps_api_v3_prefix() {
    let double = Double::start(Flavor::GitHub, "/api/v3", "acme/gitops").await;
    let client = double.client(ForgeKind::GitHub);
    client.upsert_comment(&gh_target(), "default", &parts(&["report"])).await.expect("upsert");
    let reqs = double.requests();
    assert_eq!(reqs.len(), 3);
    for r in &reqs {
        assert!(r.path.starts_with("/api/v3/") && !r.path.starts_with("/api/v3/api/v3"), "{}", r.path);
        assert_eq!(r.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    }
    assert_eq!(reqs[2].path, "/api/v3/repos/acme/gitops/issues/7/comments");
}

#[tokio::test]
async fn github_app_token_without_user_falls_back_to_the_marker() {
    let double = Double::start(Flavor::GitHub, "", "acme/gitops").await;
    double.with(|s| s.user_status = 403);
    let ours = double.seed(BOT, "<!-- fleetgate:default part 1/1 -->\nold");
    let client = double.client(ForgeKind::GitHub);
    let out = client.upsert_comment(&gh_target(), "default", &parts(&["new"])).await.expect("upsert");
    assert_eq!(out.updated, vec![ours]);
}

// ---------------------------------------------------------------------------------------------------------
// Body limits
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn github_limit_counts_characters_so_a_body_of_exactly_65536_is_posted() {
    let double = Double::start(Flavor::GitHub, "", "acme/gitops").await;
    let client = double.client(ForgeKind::GitHub);
    let marker = marker_line("default", 1, 1);
    // Astral emoji: one character each, two UTF-16 units, four UTF-8 bytes.
    let fill = GITHUB_BODY_LIMIT - marker.chars().count() - 1;
    let part = "🌈".repeat(fill);
    let out = client.upsert_comment(&gh_target(), "default", std::slice::from_ref(&part)).await.expect("at the limit");
    assert_eq!(out.created.len(), 1);
    assert_eq!(double.comments()[0].body.chars().count(), GITHUB_BODY_LIMIT);

    double.clear_requests();
    let err = client.upsert_comment(&gh_target(), "default", &[part + "x"]).await.expect_err("over the limit");
    match &err {
        ForgeError::BodyTooLong { part: 1, parts: 1, chars, limit: GITHUB_BODY_LIMIT, .. } => {
            assert_eq!(*chars, GITHUB_BODY_LIMIT + 1)
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(double.requests().is_empty(), "nothing is sent when a part is too long");
}

#[tokio::test]
async fn too_long_part_error_names_the_part() {
    let double = Double::start(Flavor::GitHub, "", "acme/gitops").await;
    let client = double.client(ForgeKind::GitHub);
    let err = client
        .upsert_comment(&gh_target(), "default", &["small".to_string(), "x".repeat(65_600)])
        .await
        .expect_err("part 2 too long");
    assert!(matches!(err, ForgeError::BodyTooLong { part: 2, parts: 2, .. }), "{err:?}");
    assert!(err.to_string().contains("part 2/2"), "{err}");
    assert!(double.requests().is_empty());
}

#[tokio::test]
async fn github_422_from_the_forge_is_reported_without_retry() {
    let double = Double::start(Flavor::GitHub, "", "acme/gitops").await;
    double.with(|s| s.limit = 100);
    let client = double.client(ForgeKind::GitHub);
    let err = client.upsert_comment(&gh_target(), "default", &["y".repeat(200)]).await.expect_err("422");
    match &err {
        ForgeError::Rejected { status: 422, path, message, .. } => {
            assert_eq!(path, "/repos/acme/gitops/issues/7/comments");
            assert!(message.contains("body is too long (maximum is 100 characters)"), "{message}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(count(&double.requests(), "POST", "/comments"), 1);
}

#[tokio::test]
async fn gitlab_limit_is_one_million_characters() {
    let double = Double::start(Flavor::GitLab, "/api/v4", "group%2Fsub%2Fproject").await;
    let client = double.client(ForgeKind::GitLab);
    let fill = GITLAB_BODY_LIMIT - marker_line("default", 1, 1).chars().count() - 1;
    let out = client.upsert_comment(&gl_target(), "default", &["z".repeat(fill)]).await.expect("at the limit");
    assert_eq!(out.created.len(), 1);
    let err = client.upsert_comment(&gl_target(), "default", &["z".repeat(fill + 1)]).await.expect_err("over");
    assert!(matches!(err, ForgeError::BodyTooLong { limit: GITLAB_BODY_LIMIT, part: 1, .. }), "{err:?}");
}

// ---------------------------------------------------------------------------------------------------------
// Comments on GitLab
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn gitlab_notes_use_private_token_and_encoded_project_path() {
    let double = Double::start(Flavor::GitLab, "/api/v4", "group%2Fsub%2Fproject").await;
    let client = double.client(ForgeKind::GitLab);
    let first = client.upsert_comment(&gl_target(), "default", &parts(&["one", "two"])).await.expect("first");
    assert_eq!(first.created.len(), 2);
    assert_eq!(
        first.url.as_deref(),
        Some(
            format!("https://gitlab.example.com/group/sub/project/-/merge_requests/7#note_{}", first.created[0])
                .as_str()
        )
    );
    let reqs = double.requests();
    let seen: Vec<(String, String)> = reqs.iter().map(|r| (r.method.clone(), r.path.clone())).collect();
    let mr = "/api/v4/projects/group%2Fsub%2Fproject/merge_requests/7";
    assert_eq!(
        seen,
        vec![
            ("GET".to_string(), mr.to_string()),
            ("GET".to_string(), "/api/v4/user".to_string()),
            ("GET".to_string(), format!("{mr}/notes")),
            ("POST".to_string(), format!("{mr}/notes")),
            ("POST".to_string(), format!("{mr}/notes")),
        ]
    );
    for r in &reqs {
        assert_eq!(r.header("private-token"), Some(TOKEN));
        assert_eq!(r.header("authorization"), None);
    }
    assert_eq!(reqs[3].json(), json!({"body": "<!-- fleetgate:default part 1/2 -->\none"}));
    assert_eq!(query_param(&reqs[2].query, "sort").as_deref(), Some("asc"));

    // Shrinks: part 1 edited with PUT, part 2 deleted.
    double.clear_requests();
    let second = client.upsert_comment(&gl_target(), "default", &parts(&["only"])).await.expect("second");
    assert_eq!(second.updated, vec![first.created[0]]);
    assert_eq!(second.deleted, vec![first.created[1]]);
    let reqs = double.requests();
    assert_eq!(count(&reqs, "PUT", &format!("{mr}/notes/{}", first.created[0])), 1);
    assert_eq!(count(&reqs, "DELETE", &format!("{mr}/notes/{}", first.created[1])), 1);
    let bodies: Vec<String> = double.comments().into_iter().map(|c| c.body).collect();
    assert_eq!(bodies, vec!["<!-- fleetgate:default part 1/1 -->\nonly".to_string()]);
}

#[tokio::test]
async fn gitlab_accepts_an_encoded_path_and_a_numeric_project_id() {
    let double = Double::start(Flavor::GitLab, "/api/v4", "group%2Fsub%2Fproject").await;
    let client = double.client(ForgeKind::GitLab);
    let encoded = Target { repo: "group%2Fsub%2Fproject".into(), number: 7 };
    client.upsert_comment(&encoded, "default", &parts(&["a"])).await.expect("encoded path");

    let numeric = Double::start(Flavor::GitLab, "/api/v4", "4242").await;
    let client = numeric.client(ForgeKind::GitLab);
    client.upsert_comment(&Target { repo: "4242".into(), number: 7 }, "default", &parts(&["a"])).await.expect("id");
    assert!(
        numeric
            .requests()
            .iter()
            .any(|r| r.method == "POST" && r.path == "/api/v4/projects/4242/merge_requests/7/notes")
    );

    let err = client.upsert_comment(&Target { repo: "../etc".into(), number: 7 }, "default", &parts(&["a"])).await;
    assert!(matches!(err, Err(ForgeError::Input { what: "project", .. })), "{err:?}");
}

#[tokio::test]
async fn gitlab_pagination_skips_system_and_foreign_notes() {
    let double = Double::start(Flavor::GitLab, "/api/v4", "group%2Fsub%2Fproject").await;
    double.with(|s| s.page_size = 2);
    double.seed(ALICE, "<!-- fleetgate:default part 1/1 -->\nforged by a user");
    double.with(|s| {
        s.comments.push(Stored {
            id: 90,
            author: BOT,
            body: "<!-- fleetgate:default part 1/1 -->\nsys".into(),
            system: true,
        })
    });
    double.seed(ALICE, "lgtm");
    let ours = double.seed(BOT, "<!-- fleetgate:default part 1/1 -->\nold");
    let client = double.client(ForgeKind::GitLab);
    let out = client.upsert_comment(&gl_target(), "default", &parts(&["new"])).await.expect("upsert");
    assert_eq!(out.updated, vec![ours]);
    let pages: Vec<String> = double
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/notes"))
        .filter_map(|r| query_param(&r.query, "page"))
        .collect();
    assert_eq!(pages, vec!["1", "2"]);
    assert_eq!(double.comments().iter().filter(|c| c.body.ends_with("\nnew")).count(), 1);
}

// ---------------------------------------------------------------------------------------------------------
// Retries and failures
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn retries_429_after_the_retry_after_wait() {
    let double = Double::start(Flavor::GitHub, "", "acme/gitops").await;
    double.fault(Some("POST"), 429, &[("retry-after", "1")]);
    let client = double.client(ForgeKind::GitHub);
    let out = client.upsert_comment(&gh_target(), "default", &parts(&["report"])).await.expect("upsert");
    assert_eq!(count(&double.requests(), "POST", "/issues/7/comments"), 2);
    assert_eq!(double.comments().len(), 1);
    assert_eq!(
        out.retries,
        vec![RetryNote {
            method: "POST".into(),
            path: "/repos/acme/gitops/issues/7/comments".into(),
            reason: "HTTP 429 Too Many Requests".into(),
            wait: Duration::from_secs(1),
        }]
    );
}

#[tokio::test]
async fn retries_a_502_once_with_backoff() {
    let double = Double::start(Flavor::GitHub, "/api/v3", "acme/gitops").await;
    double.fault(Some("GET"), 502, &[]);
    let client = double.client(ForgeKind::GitHub);
    let out = client.upsert_comment(&gh_target(), "default", &parts(&["report"])).await.expect("upsert");
    assert_eq!(out.created.len(), 1);
    assert_eq!(count(&double.requests(), "GET", "/user"), 2);
    assert_eq!(out.retries.len(), 1);
    assert_eq!(out.retries[0].reason, "HTTP 502 Bad Gateway");
    assert!(out.retries[0].wait <= test_policy().max_delay);
}

#[tokio::test]
async fn gitlab_retries_429_and_503() {
    let double = Double::start(Flavor::GitLab, "/api/v4", "group%2Fsub%2Fproject").await;
    double.fault(Some("POST"), 503, &[]);
    double.fault(Some("POST"), 429, &[("retry-after", "0")]);
    let client = double.client(ForgeKind::GitLab);
    let out = client.upsert_comment(&gl_target(), "default", &parts(&["x"])).await.expect("upsert");
    assert_eq!(count(&double.requests(), "POST", "/notes"), 3);
    let reasons: Vec<&str> = out.retries.iter().map(|n| n.reason.as_str()).collect();
    assert_eq!(reasons, vec!["HTTP 503 Service Unavailable", "HTTP 429 Too Many Requests"]);
    assert_eq!(out.retries[1].wait, Duration::ZERO);
    assert_eq!(double.comments().len(), 1);
}

#[tokio::test]
async fn a_permanently_failing_forge_gives_up_after_max_attempts() {
    let double = Double::start(Flavor::GitHub, "/api/v3", "acme/gitops").await;
    double.with(|s| {
        s.always = Some(Fault { method: None, status: 502, headers: vec![], body: "<html>bad gateway</html>".into() })
    });
    let client = double.client(ForgeKind::GitHub);
    let err = client.upsert_comment(&gh_target(), "default", &parts(&["report"])).await.expect_err("outage");
    assert_eq!(double.requests().len(), test_policy().max_attempts as usize);
    match &err {
        ForgeError::Unavailable { forge: ForgeKind::GitHub, method, path, attempts, .. } => {
            assert_eq!((method.as_str(), path.as_str(), *attempts), ("GET", "/api/v3/user", 4));
        }
        other => panic!("unexpected {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("GitHub") && text.contains("/api/v3/user") && text.contains("502"), "{text}");

    // Statuses give up the same way.
    double.clear_requests();
    let err = client.set_status("acme/gitops", SHA, StatusState::Pending, "fleetgate", "", None).await;
    assert!(matches!(err, Err(ForgeError::Unavailable { attempts: 4, .. })), "{err:?}");
    assert_eq!(double.requests().len(), 4);
}

#[tokio::test]
async fn a_retry_after_beyond_the_budget_fails_at_once() {
    let double = Double::start(Flavor::GitLab, "/api/v4", "group%2Fsub%2Fproject").await;
    double.fault(None, 429, &[("retry-after", "3600")]);
    let client = double.client(ForgeKind::GitLab);
    let err = client.upsert_comment(&gl_target(), "default", &parts(&["x"])).await.expect_err("budget");
    assert_eq!(double.requests().len(), 1);
    match &err {
        ForgeError::Unavailable { attempts: 1, last, .. } => assert!(last.contains("3600 s"), "{last}"),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn connection_errors_are_retried_then_reported() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    for kind in [ForgeKind::GitHub, ForgeKind::GitLab] {
        let client = client_for(kind, &format!("http://{addr}/api"), TOKEN);
        let target = if kind == ForgeKind::GitHub { gh_target() } else { gl_target() };
        let err = client.upsert_comment(&target, "default", &parts(&["x"])).await.expect_err("refused");
        match &err {
            ForgeError::Unavailable { attempts: 4, last, .. } => assert!(last.contains("connection error"), "{last}"),
            other => panic!("{kind}: unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn unauthorized_fails_at_once_and_never_shows_the_token() {
    let double = Double::start(Flavor::GitHub, "", "acme/gitops").await;
    let wrong = "ghp_wrongTokenValue0001";
    let client = client_for(ForgeKind::GitHub, &double.api_url(), wrong);
    let err = client.upsert_comment(&gh_target(), "default", &parts(&["x"])).await.expect_err("401");
    assert_eq!(double.requests().len(), 1, "no retry on 401");
    assert!(double.requests()[0].body.is_empty());
    assert!(matches!(&err, ForgeError::Rejected { status: 401, .. }), "{err:?}");
    // The double echoed the credentials it got; the client must not pass them on.
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains(wrong), "token leaked: {text}");
        assert!(text.contains("GitHub") && text.contains("/user") && text.contains("401"), "{text}");
    }

    let gl = Double::start(Flavor::GitLab, "/api/v4", "group%2Fsub%2Fproject").await;
    let client = client_for(ForgeKind::GitLab, &gl.api_url(), wrong);
    let err = client.set_status("group/sub/project", SHA, StatusState::Success, "fleetgate", "ok", None).await;
    let err = err.expect_err("401");
    assert_eq!(gl.requests().len(), 1);
    assert!(!err.to_string().contains(wrong) && !format!("{err:?}").contains(wrong));
    assert!(err.to_string().contains("GitLab") && err.to_string().contains("401"), "{err}");
}

#[tokio::test]
async fn not_found_fails_at_once_naming_the_path() {
    let double = Double::start(Flavor::GitHub, "/api/v3", "acme/gitops").await;
    let client = double.client(ForgeKind::GitHub);
    let target = Target { repo: "acme/missing".into(), number: 7 };
    let err = client.upsert_comment(&target, "default", &parts(&["x"])).await.expect_err("404");
    assert_eq!(count(&double.requests(), "GET", "/repos/acme/missing/issues/7/comments"), 1);
    let text = err.to_string();
    assert!(text.contains("GitHub: GET /api/v3/repos/acme/missing/issues/7/comments failed with HTTP 404"), "{text}");
    assert!(!text.contains(TOKEN) && !format!("{err:?}").contains(TOKEN));
}

// ---------------------------------------------------------------------------------------------------------
// Statuses
// ---------------------------------------------------------------------------------------------------------

#[tokio::test]
async fn github_status_request() {
    let double = Double::start(Flavor::GitHub, "/api/v3", "acme/gitops").await;
    let client = double.client(ForgeKind::GitHub);
    let long = "d".repeat(200);
    client
        .set_status("acme/gitops", SHA, StatusState::Failed, "fleetgate/diff", &long, Some("https://fg.example/runs/1"))
        .await
        .expect("status");
    client.set_status("acme/gitops", SHA, StatusState::Running, "fleetgate/diff", "busy", None).await.expect("running");
    let reqs = double.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].path, format!("/api/v3/repos/acme/gitops/statuses/{SHA}"));
    assert_eq!(reqs[0].header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    let description = format!("{}…", "d".repeat(139));
    assert_eq!(
        reqs[0].json(),
        json!({"state": "failure", "context": "fleetgate/diff", "description": description,
               "target_url": "https://fg.example/runs/1"})
    );
    assert_eq!(reqs[1].json(), json!({"state": "pending", "context": "fleetgate/diff", "description": "busy"}));
}

#[tokio::test]
async fn gitlab_status_request_and_repeated_state() {
    let double = Double::start(Flavor::GitLab, "/api/v4", "group%2Fsub%2Fproject").await;
    let client = double.client(ForgeKind::GitLab);
    let url = Some("https://fg.example/runs/2");
    client
        .set_status("group/sub/project", SHA, StatusState::Running, "fleetgate/diff", "rendering", url)
        .await
        .expect("1");
    // GitLab refuses a transition to the state the status already has; that is success.
    client
        .set_status("group/sub/project", SHA, StatusState::Running, "fleetgate/diff", "rendering", url)
        .await
        .expect("2");
    client
        .set_status("group/sub/project", SHA, StatusState::Failed, "fleetgate/diff", "2 clusters", None)
        .await
        .expect("3");
    let reqs = double.requests();
    assert_eq!(reqs.len(), 3);
    for r in &reqs {
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("POST", format!("/api/v4/projects/group%2Fsub%2Fproject/statuses/{SHA}").as_str())
        );
        assert_eq!(r.header("private-token"), Some(TOKEN));
    }
    assert_eq!(
        reqs[0].json(),
        json!({"state": "running", "name": "fleetgate/diff", "description": "rendering",
               "target_url": "https://fg.example/runs/2"})
    );
    assert_eq!(reqs[2].json(), json!({"state": "failed", "name": "fleetgate/diff", "description": "2 clusters"}));
}

#[tokio::test]
async fn status_input_is_checked_before_any_request() {
    let double = Double::start(Flavor::GitHub, "", "acme/gitops").await;
    let client = double.client(ForgeKind::GitHub);
    let bad_sha = client.set_status("acme/gitops", "main?x=1", StatusState::Success, "c", "", None).await;
    assert!(matches!(bad_sha, Err(ForgeError::Input { what: "commit sha", .. })), "{bad_sha:?}");
    let bad_repo = client.set_status("acme/gitops/extra", SHA, StatusState::Success, "c", "", None).await;
    assert!(matches!(bad_repo, Err(ForgeError::Input { what: "repository", .. })), "{bad_repo:?}");
    let bad_marker = client.upsert_comment(&gh_target(), "a b -->", &parts(&["x"])).await;
    assert!(matches!(bad_marker, Err(ForgeError::Input { what: "comment marker", .. })), "{bad_marker:?}");
    assert!(double.requests().is_empty());
}

// ---------------------------------------------------------------------------------------------------------
// Pure parts: retry decisions, markers, planning, settings
// ---------------------------------------------------------------------------------------------------------

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (n, v) in pairs {
        h.insert(http::HeaderName::from_bytes(n.as_bytes()).expect("name"), v.parse().expect("value"));
    }
    h
}

fn now() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_800_000_000).expect("ts")
}

#[test]
fn retry_after_seconds_date_and_rate_limit_reset() {
    assert_eq!(server_wait(&headers(&[("retry-after", "7")]), now()), Some(Duration::from_secs(7)));
    let date = jiff::fmt::rfc2822::DateTimePrinter::new()
        .timestamp_to_rfc9110_string(&jiff::Timestamp::from_second(1_800_000_030).expect("ts"))
        .expect("date");
    assert!(date.ends_with("GMT"), "{date}");
    assert_eq!(server_wait(&headers(&[("retry-after", &date)]), now()), Some(Duration::from_secs(30)));
    // A date in the past means now.
    assert_eq!(server_wait(&headers(&[("retry-after", "Thu, 01 Jan 2015 00:00:00 GMT")]), now()), Some(Duration::ZERO));
    let reset = headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "1800000060")]);
    assert_eq!(server_wait(&reset, now()), Some(Duration::from_secs(61)));
    let quota_left = headers(&[("x-ratelimit-remaining", "12"), ("x-ratelimit-reset", "1800000060")]);
    assert_eq!(server_wait(&quota_left, now()), None);
    assert_eq!(server_wait(&headers(&[("retry-after", "soon")]), now()), None);
}

#[test]
fn backoff_doubles_with_jitter_and_is_capped() {
    let policy = RetryPolicy {
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(350),
        ..RetryPolicy::default()
    };
    for random in [0u64, 1, 7, u64::MAX / 3, u64::MAX] {
        let first = backoff(&policy, 1, random);
        assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100), "{first:?}");
        let second = backoff(&policy, 2, random);
        assert!(second >= Duration::from_millis(100) && second <= Duration::from_millis(200), "{second:?}");
        let capped = backoff(&policy, 9, random);
        assert!(capped >= Duration::from_millis(175) && capped <= Duration::from_millis(350), "{capped:?}");
    }
    assert_ne!(backoff(&policy, 1, 0), backoff(&policy, 1, 12_345_678), "jitter varies the wait");
}

#[test]
fn which_failures_are_retried() {
    let policy = test_policy();
    let status =
        |s: u16, h: &[(&str, &str)]| Failure::Status { status: s, headers: headers(h), message: String::new() };
    let retried =
        |f: &Failure, failed: u32| matches!(decide(&policy, failed, f, Duration::ZERO, now(), 3), Decision::Retry(_));
    assert!(retried(&status(429, &[]), 1));
    assert!(retried(&status(500, &[]), 1));
    assert!(retried(&status(502, &[]), 3));
    assert!(!retried(&status(502, &[]), 4), "the fourth failure is the last");
    assert!(retried(&Failure::Connection("reset".into()), 1));
    for s in [400, 401, 404, 409, 422] {
        assert!(!retried(&status(s, &[]), 1), "{s}");
    }
    assert!(!retried(&status(403, &[]), 1), "a plain 403 is a permission problem");
    assert!(retried(&status(403, &[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "1800000001")]), 1));
    assert!(retried(&status(403, &[("retry-after", "1")]), 1), "GitHub secondary rate limit");
    assert!(!retried(&Failure::Response("bad json".into()), 1));
    assert_eq!(
        decide(&policy, 1, &status(429, &[("retry-after", "2")]), Duration::from_millis(4_000), now(), 0),
        Decision::GiveUp(Some("the next retry would wait 2 s, beyond the retry budget of 5 s".into()))
    );
    assert_eq!(
        decide(&policy, 1, &status(429, &[("retry-after", "2")]), Duration::ZERO, now(), 0),
        Decision::Retry(Duration::from_secs(2))
    );
}

#[test]
fn marker_lines_match_exactly() {
    assert_eq!(marker_line("pr/default", 2, 3), "<!-- fleetgate:pr/default part 2/3 -->");
    assert_eq!(parse_marker_line("<!-- fleetgate:default part 1/2 -->\nbody"), Some(("default", 1, 2)));
    assert_eq!(parse_marker_line("<!-- fleetgate:default part 1/1 -->\r\nbody"), Some(("default", 1, 1)));
    assert_eq!(parse_marker_line("<!-- fleetgate:default part 1/1 -->"), Some(("default", 1, 1)));
    assert_eq!(parse_marker_line("<!-- fleetgate:x part 2/3 -->").map(|m| m.0), Some("x"));
    for not in [
        " <!-- fleetgate:default part 1/1 -->",
        "<!-- fleetgate:default part 1/1 --> trailing",
        "text\n<!-- fleetgate:default part 1/1 -->",
        "<!-- fleetgate:default part 0/1 -->",
        "<!-- fleetgate:default part 3/2 -->",
        "<!-- fleetgate:default part +1/2 -->",
        "<!-- fleetgate:default -->",
        "<!-- other:default part 1/1 -->",
    ] {
        assert_eq!(parse_marker_line(not), None, "{not:?}");
    }
    assert!(validate_marker(ForgeKind::GitHub, "pipeline.default:pr-7").is_ok());
    for bad in ["", "a b", "a--b", "x-->", "é", "a\nb"] {
        assert!(validate_marker(ForgeKind::GitHub, bad).is_err(), "{bad:?}");
    }
}

fn rc(id: u64, author: u64, body: &str) -> RemoteComment {
    RemoteComment { id, author, body: body.to_string(), url: None }
}

#[test]
fn plan_reuses_a_prefix_and_deletes_the_rest() {
    let bodies = vec!["b1".to_string(), "b2".to_string()];
    let existing = vec![
        rc(1, BOT, "<!-- fleetgate:m part 1/3 -->\na"),
        rc(2, ALICE, "<!-- fleetgate:m part 2/3 -->\nforged"),
        rc(3, BOT, "<!-- fleetgate:m part 2/3 -->\nb"),
        rc(4, BOT, "<!-- fleetgate:m part 3/3 -->\nc"),
        rc(5, BOT, "<!-- fleetgate:m part 1/3 -->\nduplicate from a race"),
        rc(6, BOT, "<!-- fleetgate:other part 1/1 -->\nother pipeline"),
    ];
    let p = plan("m", Some(BOT), &existing, &bodies);
    assert_eq!(p.keep.iter().map(|c| c.id).collect::<Vec<_>>(), vec![1, 3]);
    assert_eq!(p.delete, vec![4, 5]);

    // Part 1 was deleted by hand: part 2 must not stay above a new part 1.
    let gap = vec![rc(3, BOT, "<!-- fleetgate:m part 2/2 -->\nb")];
    let p = plan("m", Some(BOT), &gap, &bodies);
    assert!(p.keep.is_empty());
    assert_eq!(p.delete, vec![3]);

    // Unknown identity: the marker alone decides.
    let p = plan("m", None, &existing[..2], &bodies);
    assert_eq!(p.keep.iter().map(|c| c.id).collect::<Vec<_>>(), vec![1, 2]);
}

#[test]
fn settings_debug_and_config() {
    let cfg: ForgeConfig =
        serde_json::from_value(json!({"kind": "gitlab", "apiUrl": "https://gl.example.com/api/v4", "token": "gl"}))
            .expect("config");
    assert_eq!(cfg.kind, ForgeKind::GitLab);
    let settings = cfg.settings(Zeroizing::new(TOKEN.to_string()));
    assert_eq!(settings.api_url, "https://gl.example.com/api/v4");
    let debug = format!("{settings:?}");
    assert!(!debug.contains(TOKEN) && debug.contains("[redacted]"), "{debug}");

    let cfg: ForgeConfig = serde_json::from_value(json!({"kind": "github", "token": "gh"})).expect("config");
    assert_eq!(cfg.settings(Zeroizing::new("t".into())).api_url, "https://api.github.com");
    assert!(serde_json::from_value::<ForgeConfig>(json!({"kind": "github", "token": "gh", "tokn": 1})).is_err());
    assert!(serde_json::from_value::<ForgeConfig>(json!({"kind": "gitea", "token": "gh"})).is_err());
    assert_eq!(truncate("abc", 3), "abc");
    assert_eq!(truncate("abcd", 3), "ab…");
}

#[tokio::test]
async fn client_checks_settings_and_hides_the_token() {
    let make = |api_url: &str, token: &str| {
        ForgeClient::new(ForgeSettings {
            kind: ForgeKind::GitHub,
            api_url: api_url.into(),
            token: Zeroizing::new(token.into()),
            retry: test_policy(),
        })
    };
    assert!(matches!(make("ftp://x.example", TOKEN), Err(ForgeError::Settings { .. })));
    assert!(matches!(make("not a url", TOKEN), Err(ForgeError::Settings { .. })));
    assert!(matches!(make("https://user:pw@x.example", TOKEN), Err(ForgeError::Settings { .. })));
    assert!(matches!(make("https://api.github.com", " "), Err(ForgeError::Settings { .. })));
    let client = make("https://ghe.example.com/api/v3/", TOKEN).expect("client");
    let debug = format!("{client:?}");
    assert!(!debug.contains(TOKEN) && debug.contains("ghe.example.com/api/v3"), "{debug}");

    fn assert_send<T: Send>(_: &T) {}
    let parts = parts(&["x"]);
    let target = gh_target();
    let fut = client.upsert_comment(&target, "m", &parts);
    assert_send(&fut);
    let status = client.set_status("acme/gitops", SHA, StatusState::Success, "c", "", None);
    assert_send(&status);
}

#[test]
fn client_outside_a_runtime_is_an_error() {
    let err = ForgeClient::new(ForgeSettings {
        kind: ForgeKind::GitLab,
        api_url: "https://gitlab.com/api/v4".into(),
        token: Zeroizing::new(TOKEN.into()),
        retry: RetryPolicy::default(),
    });
    assert!(matches!(err, Err(ForgeError::Settings { .. })), "{err:?}");
}
