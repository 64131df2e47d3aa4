//! Test doubles for the integration tests: a GitHub forge and a Kubernetes API server, each a real HTTP server on
//! 127.0.0.1 (port 0) that records every request. Each double owns a Tokio runtime on its own thread, so
//! synchronous tests (and tests that drive the `fleetgate` binary) can use it; dropping the double stops it.
//!
//! Compact versions of the library's unit-test doubles (src/forge/tests.rs, src/cluster/tests.rs), which the
//! integration test binary cannot reach.

// Not every test uses every accessor (the `serve` tests use the rest).
#![allow(dead_code)]

use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use warp::Filter;

/// One request as the double received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// A query parameter's raw value.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v)
    }
}

/// What a handler answers: status, extra headers, JSON body (empty for none).
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn json(status: u16, body: Value) -> Answer {
        Answer { status, headers: Vec::new(), body: body.to_string() }
    }
}

/// An HTTP server on 127.0.0.1 on its own thread and runtime; stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Serves every request with `handler`.
    pub fn start(handler: impl Fn(Recorded) -> Answer + Send + Sync + 'static) -> Server {
        let handler = Arc::new(handler);
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("test-double".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("double runtime");
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
                    addr_tx.send(listener.local_addr().expect("local addr")).expect("send addr");
                    let route = warp::method()
                        .and(warp::path::full())
                        .and(warp::query::raw().or(warp::any().map(String::new)).unify())
                        .and(warp::header::headers_cloned())
                        .and(warp::body::bytes())
                        .map(
                            move |method: http::Method,
                                  path: warp::path::FullPath,
                                  query: String,
                                  headers: http::HeaderMap,
                                  body: warp::hyper::body::Bytes| {
                                let req = Recorded {
                                    method: method.to_string(),
                                    path: path.as_str().to_string(),
                                    query,
                                    headers: headers
                                        .iter()
                                        .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
                                        .collect(),
                                    body: String::from_utf8_lossy(&body).into_owned(),
                                };
                                let a = handler(req);
                                let mut b = http::Response::builder().status(a.status);
                                if !a.body.is_empty() {
                                    b = b.header("content-type", "application/json");
                                }
                                for (n, v) in &a.headers {
                                    b = b.header(n.as_str(), v.as_str());
                                }
                                b.body(a.body).expect("double response")
                            },
                        );
                    tokio::select! {
                        _ = warp::serve(route).incoming(listener).run() => {}
                        _ = stopped => {}
                    }
                });
            })
            .expect("spawn double thread");
        let addr = addr_rx.recv().expect("double address");
        Server { addr, stop: Some(stop), thread: Some(thread) }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A URL on 127.0.0.1 where nothing listens.
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}")
}

// ---------------------------------------------------------------------------------------------------------------
// GitHub

/// GitHub's limit on an issue comment body, in characters.
pub const GITHUB_COMMENT_LIMIT: usize = 65_536;
/// The user id of the token's owner (the bot); other authors are humans.
pub const BOT_ID: u64 = 1001;
pub const HUMAN_ID: u64 = 2002;

#[derive(Debug, Clone)]
pub struct Comment {
    pub id: u64,
    pub issue: u64,
    pub author: u64,
    pub body: String,
}

#[derive(Debug, Clone)]
pub struct CommitStatus {
    pub sha: String,
    pub state: String,
    pub context: String,
    pub description: String,
    pub target_url: Option<String>,
}

struct ForgeState {
    token: String,
    project: String,
    requests: Vec<Recorded>,
    comments: Vec<Comment>,
    statuses: Vec<CommitStatus>,
    next_id: u64,
}

/// A GitHub REST API double for one repository (`owner/name`): `GET /user`, issue comments (list with
/// pagination, create, edit, delete; bodies over 65,536 characters are refused with 422 as GitHub does) and commit
/// statuses. Requests without `Authorization: Bearer <token>` get 401.
pub struct GitHubDouble {
    server: Server,
    state: Arc<Mutex<ForgeState>>,
}

fn gh_user(id: u64) -> Value {
    let login = if id == BOT_ID { "fleetgate-bot" } else { "alice" };
    let u = |tail: &str| format!("https://api.github.example/users/{login}{tail}");
    json!({
        "login": login, "id": id, "node_id": format!("U_{id}"), "avatar_url": "https://avatars.github.example/u/1",
        "gravatar_id": "", "url": u(""), "html_url": format!("https://github.example/{login}"),
        "followers_url": u("/followers"), "following_url": u("/following{/other_user}"),
        "gists_url": u("/gists{/gist_id}"), "starred_url": u("/starred{/owner}{/repo}"),
        "subscriptions_url": u("/subscriptions"), "organizations_url": u("/orgs"), "repos_url": u("/repos"),
        "events_url": u("/events{/privacy}"), "received_events_url": u("/received_events"),
        "type": if id == BOT_ID { "Bot" } else { "User" }, "site_admin": false
    })
}

impl ForgeState {
    fn comment_json(&self, c: &Comment) -> Value {
        json!({
            "id": c.id, "node_id": format!("IC_{}", c.id),
            "url": format!("https://api.github.example/repos/{}/issues/comments/{}", self.project, c.id),
            "html_url": format!("https://github.example/{}/pull/{}#issuecomment-{}", self.project, c.issue, c.id),
            "body": c.body, "user": gh_user(c.author),
            "created_at": "2026-11-02T10:00:00Z", "updated_at": "2026-11-02T10:00:00Z"
        })
    }

    fn too_long(body: &str) -> Option<Answer> {
        (body.chars().count() > GITHUB_COMMENT_LIMIT).then(|| {
            Answer::json(
                422,
                json!({"message": "Validation Failed", "errors": [{"resource": "IssueComment", "code": "custom",
                    "field": "body", "message": format!("body is too long (maximum is {GITHUB_COMMENT_LIMIT} characters)")}]}),
            )
        })
    }

    fn handle(&mut self, req: Recorded) -> Answer {
        self.requests.push(req.clone());
        if req.header("authorization") != Some(format!("Bearer {}", self.token).as_str()) {
            return Answer::json(401, json!({"message": "Bad credentials"}));
        }
        let not_found = || Answer::json(404, json!({"message": "Not Found"}));
        let segs: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
        let ours = |o: &str, r: &str| format!("{o}/{r}") == self.project;
        match (req.method.as_str(), segs.as_slice()) {
            ("GET", ["user"]) => Answer::json(200, gh_user(BOT_ID)),
            ("GET", ["repos", o, r, "issues", n, "comments"]) if ours(o, r) => {
                let issue: u64 = n.parse().unwrap_or(0);
                let per_page: usize = req.query_param("per_page").and_then(|v| v.parse().ok()).unwrap_or(30).max(1);
                let page: usize = req.query_param("page").and_then(|v| v.parse().ok()).unwrap_or(1).max(1);
                let all: Vec<&Comment> = self.comments.iter().filter(|c| c.issue == issue).collect();
                let pages = all.len().div_ceil(per_page).max(1);
                let items: Vec<Value> =
                    all.iter().skip((page - 1) * per_page).take(per_page).map(|c| self.comment_json(c)).collect();
                let mut headers = Vec::new();
                if page < pages {
                    let origin = req.header("host").unwrap_or("127.0.0.1");
                    let l = |p: usize| format!("<http://{origin}{}?per_page={per_page}&page={p}>", req.path);
                    headers.push((
                        "link".to_string(),
                        format!("{}; rel=\"next\", {}; rel=\"last\"", l(page + 1), l(pages)),
                    ));
                }
                Answer { status: 200, headers, body: Value::Array(items).to_string() }
            }
            ("POST", ["repos", o, r, "issues", n, "comments"]) if ours(o, r) => {
                let body = req.json()["body"].as_str().unwrap_or("").to_string();
                if let Some(a) = Self::too_long(&body) {
                    return a;
                }
                let c = Comment { id: self.next_id, issue: n.parse().unwrap_or(0), author: BOT_ID, body };
                self.next_id += 1;
                let out = self.comment_json(&c);
                self.comments.push(c);
                Answer::json(201, out)
            }
            ("PATCH", ["repos", o, r, "issues", "comments", id]) if ours(o, r) => {
                let body = req.json()["body"].as_str().unwrap_or("").to_string();
                if let Some(a) = Self::too_long(&body) {
                    return a;
                }
                let id: u64 = id.parse().unwrap_or(0);
                let Some(at) = self.comments.iter().position(|c| c.id == id) else { return not_found() };
                if self.comments[at].author != BOT_ID {
                    return Answer::json(403, json!({"message": "Must have admin rights to Repository."}));
                }
                self.comments[at].body = body;
                let c = self.comments[at].clone();
                Answer::json(200, self.comment_json(&c))
            }
            ("DELETE", ["repos", o, r, "issues", "comments", id]) if ours(o, r) => {
                let id: u64 = id.parse().unwrap_or(0);
                let before = self.comments.len();
                self.comments.retain(|c| !(c.id == id && c.author == BOT_ID));
                if self.comments.len() == before {
                    not_found()
                } else {
                    Answer { status: 204, headers: Vec::new(), body: String::new() }
                }
            }
            ("POST", ["repos", o, r, "statuses", sha]) if ours(o, r) => {
                let b = req.json();
                let text = |k: &str| b[k].as_str().unwrap_or("").to_string();
                self.statuses.push(CommitStatus {
                    sha: sha.to_string(),
                    state: text("state"),
                    context: text("context"),
                    description: text("description"),
                    target_url: b["target_url"].as_str().map(str::to_string),
                });
                let mut out = b.clone();
                out["id"] = json!(self.statuses.len());
                out["url"] = json!(format!("https://api.github.example/repos/{}/statuses/{sha}", self.project));
                out["created_at"] = json!("2026-11-02T10:00:00Z");
                out["updated_at"] = json!("2026-11-02T10:00:00Z");
                out["creator"] = gh_user(BOT_ID);
                Answer::json(201, out)
            }
            _ => not_found(),
        }
    }
}

impl GitHubDouble {
    /// A GitHub double for repository `project` (`owner/name`) accepting `token`.
    pub fn start(token: &str, project: &str) -> GitHubDouble {
        let state = Arc::new(Mutex::new(ForgeState {
            token: token.to_string(),
            project: project.to_string(),
            requests: Vec::new(),
            comments: Vec::new(),
            statuses: Vec::new(),
            next_id: 500,
        }));
        let shared = state.clone();
        let server = Server::start(move |req| shared.lock().expect("forge state").handle(req));
        GitHubDouble { server, state }
    }

    /// The `forge.apiUrl` to configure.
    pub fn api_url(&self) -> String {
        self.server.url()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().expect("state").requests.clone()
    }

    /// The requests that change something (not GETs).
    pub fn writes(&self) -> Vec<Recorded> {
        self.requests().into_iter().filter(|r| r.method != "GET").collect()
    }

    pub fn clear_requests(&self) {
        self.state.lock().expect("state").requests.clear();
    }

    /// Every comment, in creation order.
    pub fn comments(&self) -> Vec<Comment> {
        self.state.lock().expect("state").comments.clone()
    }

    pub fn statuses(&self) -> Vec<CommitStatus> {
        self.state.lock().expect("state").statuses.clone()
    }

    /// Adds a comment written by someone else (`HUMAN_ID`) or the bot; returns its id.
    pub fn seed_comment(&self, issue: u64, author: u64, body: &str) -> u64 {
        let mut s = self.state.lock().expect("state");
        let id = s.next_id;
        s.next_id += 1;
        s.comments.push(Comment { id, issue, author, body: body.to_string() });
        id
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Kubernetes

/// (group, version, plural, kind) the Kubernetes double serves.
pub const KUBE_RESOURCES: &[(&str, &str, &str, &str)] = &[
    ("", "v1", "secrets", "Secret"),
    ("source.toolkit.fluxcd.io", "v1", "gitrepositories", "GitRepository"),
    ("source.toolkit.fluxcd.io", "v1", "ocirepositories", "OCIRepository"),
    ("source.toolkit.fluxcd.io", "v1", "buckets", "Bucket"),
    ("kustomize.toolkit.fluxcd.io", "v1", "kustomizations", "Kustomization"),
    ("argoproj.io", "v1alpha1", "applications", "Application"),
];

/// The API path of a namespaced object of a kind in [`KUBE_RESOURCES`].
pub fn kube_path(api_version: &str, kind: &str, namespace: &str, name: &str) -> String {
    let plural = KUBE_RESOURCES.iter().find(|r| r.3 == kind).map_or("unknown", |r| r.2);
    let prefix = if api_version.contains('/') { format!("/apis/{api_version}") } else { format!("/api/{api_version}") };
    format!("{prefix}/namespaces/{namespace}/{plural}/{name}")
}

struct KubeState {
    token: String,
    requests: Vec<Recorded>,
    /// Objects by path; a PATCH to a path of a served kind creates the object when absent, unless `strict`.
    objects: std::collections::BTreeMap<String, Value>,
    strict: bool,
}

fn kstatus(code: u16, reason: &str, message: &str) -> Answer {
    Answer::json(
        code,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}),
    )
}

fn resource_list(group_version: &str) -> Option<Value> {
    let resources: Vec<Value> = KUBE_RESOURCES
        .iter()
        .filter(|(g, v, _, _)| if g.is_empty() { *v == group_version } else { format!("{g}/{v}") == group_version })
        .map(|(_, _, plural, kind)| {
            json!({"name": plural, "singularName": kind.to_lowercase(), "namespaced": true, "kind": kind,
                "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]})
        })
        .collect();
    (!resources.is_empty()).then(
        || json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}),
    )
}

fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

impl KubeState {
    fn handle(&mut self, req: Recorded) -> Answer {
        self.requests.push(req.clone());
        if req.header("authorization") != Some(format!("Bearer {}", self.token).as_str()) {
            return kstatus(401, "Unauthorized", "Unauthorized");
        }
        let segs: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
        match segs.as_slice() {
            ["api"] => {
                Answer::json(200, json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}))
            }
            ["apis"] => {
                let mut groups: Vec<Value> = Vec::new();
                for (g, v, _, _) in KUBE_RESOURCES.iter().filter(|r| !r.0.is_empty()) {
                    if groups.iter().any(|x| x["name"] == *g) {
                        continue;
                    }
                    let gv = json!({"groupVersion": format!("{g}/{v}"), "version": v});
                    groups.push(json!({"name": g, "versions": [gv.clone()], "preferredVersion": gv}));
                }
                Answer::json(200, json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}))
            }
            ["api", v] => {
                resource_list(v).map_or_else(|| kstatus(404, "NotFound", "no such group"), |l| Answer::json(200, l))
            }
            ["apis", g, v] => resource_list(&format!("{g}/{v}"))
                .map_or_else(|| kstatus(404, "NotFound", "no such group"), |l| Answer::json(200, l)),
            [.., "namespaces", ns, plural, name] => {
                let Some(&(_, _, _, kind)) = KUBE_RESOURCES.iter().find(|r| r.2 == *plural) else {
                    return kstatus(404, "NotFound", "the server could not find the requested resource");
                };
                if !self.strict && req.method == "PATCH" && !self.objects.contains_key(&req.path) {
                    let api_version = segs[1..segs.len() - 4].join("/");
                    self.objects.insert(
                        req.path.clone(),
                        json!({"apiVersion": api_version, "kind": kind,
                            "metadata": {"name": name, "namespace": ns, "resourceVersion": "1"}, "spec": {}}),
                    );
                }
                let Some(object) = self.objects.get_mut(&req.path) else {
                    return kstatus(404, "NotFound", &format!("{plural} \"{name}\" not found"));
                };
                match req.method.as_str() {
                    "GET" => Answer::json(200, object.clone()),
                    "PATCH" if req.content_type() == Some("application/merge-patch+json") => {
                        let Ok(patch) = serde_json::from_str::<Value>(&req.body) else {
                            return kstatus(400, "BadRequest", "body is not JSON");
                        };
                        merge(object, &patch);
                        Answer::json(200, object.clone())
                    }
                    "PATCH" => kstatus(415, "UnsupportedMediaType", "unsupported patch type"),
                    _ => kstatus(405, "MethodNotAllowed", "the double serves GET and PATCH"),
                }
            }
            _ => kstatus(404, "NotFound", "the server could not find the requested resource"),
        }
    }
}

/// A Kubernetes API server double for one cluster: discovery for core v1, Flux source and kustomize, Argo CD;
/// GET and merge-PATCH of namespaced objects. Objects exist on first PATCH unless [`KubeDouble::strict`] (then
/// only [`KubeDouble::add`]ed ones do). Requests without `Authorization: Bearer <token>` get 401.
pub struct KubeDouble {
    server: Server,
    state: Arc<Mutex<KubeState>>,
}

impl KubeDouble {
    pub fn start(token: &str) -> KubeDouble {
        let state = Arc::new(Mutex::new(KubeState {
            token: token.to_string(),
            requests: Vec::new(),
            objects: Default::default(),
            strict: false,
        }));
        let shared = state.clone();
        let server = Server::start(move |req| shared.lock().expect("kube state").handle(req));
        KubeDouble { server, state }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Only objects added with [`KubeDouble::add`] exist.
    pub fn strict(&self) {
        self.state.lock().expect("state").strict = true;
    }

    /// Adds an object; returns its path.
    pub fn add(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> String {
        let path = kube_path(api_version, kind, namespace, name);
        let object = json!({"apiVersion": api_version, "kind": kind,
            "metadata": {"name": name, "namespace": namespace, "resourceVersion": "1"}, "spec": {}});
        self.state.lock().expect("state").objects.insert(path.clone(), object);
        path
    }

    pub fn object(&self, path: &str) -> Option<Value> {
        self.state.lock().expect("state").objects.get(path).cloned()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().expect("state").requests.clone()
    }

    /// Every PATCH, in arrival order.
    pub fn patches(&self) -> Vec<Recorded> {
        self.requests().into_iter().filter(|r| r.method == "PATCH").collect()
    }
}

/// A kubeconfig with one context (cluster, token user) per entry `(name, server, token)`.
pub fn kubeconfig(entries: &[(&str, &str, &str)]) -> String {
    let mut s = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
    for (n, server, _) in entries {
        s += &format!("- name: {n}\n  cluster:\n    server: {server}\n");
    }
    s += "users:\n";
    for (n, _, token) in entries {
        s += &format!("- name: {n}-user\n  user:\n    token: {token}\n");
    }
    s += "contexts:\n";
    for (n, _, _) in entries {
        s += &format!("- name: {n}\n  context:\n    cluster: {n}\n    user: {n}-user\n");
    }
    if let Some((first, _, _)) = entries.first() {
        s += &format!("current-context: {first}\n");
    }
    s
}

// ---------------------------------------------------------------------------------------------------------------
// The doubles answer as the real APIs would on the points the tests rely on.

#[test]
fn the_github_double_enforces_its_token_and_the_comment_limit() {
    let d = GitHubDouble::start("tok-double", "o/r");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let http = reqwest::Client::new();
    let post = |token: &str, chars: usize| {
        let req = http
            .post(format!("{}/repos/o/r/issues/3/comments", d.api_url()))
            .bearer_auth(token)
            .header("user-agent", "it")
            .json(&json!({ "body": "x".repeat(chars) }));
        rt.block_on(async { req.send().await.unwrap().status().as_u16() })
    };
    assert_eq!(post("wrong", 10), 401);
    assert_eq!(post("tok-double", GITHUB_COMMENT_LIMIT + 1), 422);
    assert_eq!(post("tok-double", GITHUB_COMMENT_LIMIT), 201);
    let comments = d.comments();
    assert_eq!(comments.len(), 1);
    assert_eq!((comments[0].issue, comments[0].author, comments[0].body.len()), (3, BOT_ID, GITHUB_COMMENT_LIMIT));
    assert_eq!(d.requests().len(), 3);
}

#[test]
fn the_kube_double_accepts_only_merge_patches_of_served_kinds() {
    let d = KubeDouble::start("tok-kube");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let http = reqwest::Client::new();
    let app = kube_path("argoproj.io/v1alpha1", "Application", "argocd", "a");
    let patch = |path: &str, content_type: &str| {
        let req = http
            .patch(format!("{}{path}", d.url()))
            .bearer_auth("tok-kube")
            .header("content-type", content_type)
            .body(r#"{"metadata":{"annotations":{"k":"v"}}}"#);
        rt.block_on(async { req.send().await.unwrap().status().as_u16() })
    };
    assert_eq!(patch(&app, "application/json-patch+json"), 415);
    assert_eq!(patch(&app, "application/merge-patch+json"), 200);
    assert_eq!(d.object(&app).unwrap()["metadata"]["annotations"]["k"], "v");
    assert_eq!(patch("/apis/example.com/v1/namespaces/x/widgets/w", "application/merge-patch+json"), 404);
    d.strict();
    let other = kube_path("argoproj.io/v1alpha1", "Application", "argocd", "b");
    assert_eq!(patch(&other, "application/merge-patch+json"), 404);
    assert_eq!(d.patches().len(), 4);
    assert_eq!(d.patches()[1].content_type(), Some("application/merge-patch+json"));
}
