//! Plan ordering, access configuration, and execution against Kubernetes API doubles on 127.0.0.1.

use super::*;
use base64::Engine;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use warp::Filter;

const TOKEN_MGMT: &str = "tok-mgmt-3b9f0c2e71";
const TOKEN_WORKLOAD: &str = "tok-workload-8d41aa07e5";
const TOKEN_STALE: &str = "tok-stale-55c1d0b9aa";
const NOW: &str = "2026-11-05T10:00:00Z";
const MERGE_PATCH: &str = "application/merge-patch+json";

// ---------------------------------------------------------------------------------------------
// The Kubernetes API double

/// (group, version, plural, kind) served by every double.
const RESOURCES: &[(&str, &str, &str, &str)] = &[
    ("", "v1", "secrets", "Secret"),
    ("source.toolkit.fluxcd.io", "v1", "gitrepositories", "GitRepository"),
    ("source.toolkit.fluxcd.io", "v1", "ocirepositories", "OCIRepository"),
    ("source.toolkit.fluxcd.io", "v1", "buckets", "Bucket"),
    ("kustomize.toolkit.fluxcd.io", "v1", "kustomizations", "Kustomization"),
    ("argoproj.io", "v1alpha1", "applications", "Application"),
];

#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    path: String,
    query: String,
    content_type: Option<String>,
    authorization: Option<String>,
    body: Vec<u8>,
}

impl Recorded {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Default)]
struct State {
    objects: BTreeMap<String, Value>,
    /// Status codes answered, in turn, to the next requests for a path.
    failures: HashMap<String, VecDeque<u16>>,
    delays: HashMap<String, Duration>,
    requests: Vec<Recorded>,
}

/// Requests in flight across doubles, and the most seen at once.
#[derive(Default)]
struct Gauge {
    now: AtomicUsize,
    max: AtomicUsize,
}

struct Double {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl Double {
    async fn start(token: &str) -> Double {
        Double::start_with(token, None).await
    }

    async fn start_with(token: &str, gauge: Option<Arc<Gauge>>) -> Double {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let state = Arc::new(Mutex::new(State::default()));
        let (st, token) = (state.clone(), token.to_owned());
        let route = warp::method()
            .and(warp::path::full())
            .and(warp::query::raw().or(warp::any().map(String::new)).unify())
            .and(warp::header::headers_cloned())
            .and(warp::body::bytes())
            .and_then(
                move |method: http::Method,
                      path: warp::path::FullPath,
                      query: String,
                      headers: http::HeaderMap,
                      body: warp::hyper::body::Bytes| {
                    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
                    let req = Recorded {
                        method: method.to_string(),
                        path: path.as_str().to_owned(),
                        query,
                        content_type: header("content-type"),
                        authorization: header("authorization"),
                        body: body.to_vec(),
                    };
                    let (state, token, gauge) = (st.clone(), token.clone(), gauge.clone());
                    async move {
                        if let Some(g) = &gauge {
                            let now = g.now.fetch_add(1, Ordering::SeqCst) + 1;
                            g.max.fetch_max(now, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            g.now.fetch_sub(1, Ordering::SeqCst);
                        }
                        let delay = state.lock().unwrap().delays.get(&req.path).copied();
                        if let Some(d) = delay {
                            tokio::time::sleep(d).await;
                        }
                        let (code, body) = handle(&state, &token, req);
                        let reply = http::Response::builder()
                            .status(code)
                            .header("content-type", "application/json")
                            .body(serde_json::to_vec(&body).unwrap())
                            .unwrap();
                        Ok::<_, std::convert::Infallible>(reply)
                    }
                },
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(warp::serve(route).incoming(listener).run());
        Double { addr, state }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn add(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> String {
        let path = object_path(api_version, kind, namespace, name);
        let object = json!({
            "apiVersion": api_version,
            "kind": kind,
            "metadata": {"name": name, "namespace": namespace, "resourceVersion": "1"},
            "spec": {},
        });
        self.state.lock().unwrap().objects.insert(path.clone(), object);
        path
    }

    fn add_secret(&self, namespace: &str, name: &str, data: &[(&str, &str)]) -> String {
        let path = object_path("v1", "Secret", namespace, name);
        let data: serde_json::Map<String, Value> = data
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(base64::engine::general_purpose::STANDARD.encode(v))))
            .collect();
        let object = json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": name, "namespace": namespace},
            "type": "Opaque",
            "data": data,
        });
        self.state.lock().unwrap().objects.insert(path.clone(), object);
        path
    }

    fn fail(&self, path: &str, codes: &[u16]) {
        self.state.lock().unwrap().failures.entry(path.to_owned()).or_default().extend(codes);
    }

    fn delay(&self, path: &str, d: Duration) {
        self.state.lock().unwrap().delays.insert(path.to_owned(), d);
    }

    fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }

    /// Every request that is not a read.
    fn writes(&self) -> Vec<Recorded> {
        self.requests().into_iter().filter(|r| r.method != "GET").collect()
    }

    fn object(&self, path: &str) -> Value {
        self.state.lock().unwrap().objects[path].clone()
    }
}

fn plural(kind: &str) -> &'static str {
    RESOURCES.iter().find(|r| r.3 == kind).map(|r| r.2).unwrap()
}

fn object_path(api_version: &str, kind: &str, namespace: &str, name: &str) -> String {
    let prefix = if api_version.contains('/') { format!("/apis/{api_version}") } else { format!("/api/{api_version}") };
    format!("{prefix}/namespaces/{namespace}/{}/{name}", plural(kind))
}

fn status(code: u16, reason: &str, message: &str) -> (u16, Value) {
    let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code});
    (code, body)
}

fn resource_list(group_version: &str) -> Option<Value> {
    let resources: Vec<Value> = RESOURCES
        .iter()
        .filter(|(g, v, _, _)| if g.is_empty() { *v == group_version } else { format!("{g}/{v}") == group_version })
        .map(|(_, _, plural, kind)| {
            json!({"name": plural, "singularName": kind.to_lowercase(), "namespaced": true, "kind": kind,
                "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]})
        })
        .collect();
    (!resources.is_empty())
        .then(|| json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}))
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

fn handle(state: &Mutex<State>, token: &str, req: Recorded) -> (u16, Value) {
    let mut st = state.lock().unwrap();
    st.requests.push(req.clone());
    if req.authorization.as_deref() != Some(format!("Bearer {token}").as_str()) {
        return status(401, "Unauthorized", "Unauthorized");
    }
    if let Some(code) = st.failures.get_mut(&req.path).and_then(VecDeque::pop_front) {
        return status(code, "ServiceUnavailable", "injected failure");
    }
    let segments: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["api"] => (200, json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []})),
        ["apis"] => {
            let mut groups: Vec<Value> = Vec::new();
            for (g, v, _, _) in RESOURCES.iter().filter(|r| !r.0.is_empty()) {
                if groups.iter().any(|x| x["name"] == *g) {
                    continue;
                }
                let gv = json!({"groupVersion": format!("{g}/{v}"), "version": v});
                groups.push(json!({"name": g, "versions": [gv.clone()], "preferredVersion": gv}));
            }
            (200, json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}))
        }
        ["api", v] => resource_list(v).map_or_else(|| status(404, "NotFound", "no such group"), |l| (200, l)),
        ["apis", g, v] => {
            resource_list(&format!("{g}/{v}")).map_or_else(|| status(404, "NotFound", "no such group"), |l| (200, l))
        }
        [.., "namespaces", _, plural, name] => {
            let Some(object) = st.objects.get_mut(&req.path) else {
                return status(404, "NotFound", &format!("{plural} \"{name}\" not found"));
            };
            match req.method.as_str() {
                "GET" => (200, object.clone()),
                "PATCH" if req.content_type.as_deref() == Some(MERGE_PATCH) => {
                    let Ok(patch) = serde_json::from_slice::<Value>(&req.body) else {
                        return status(400, "BadRequest", "body is not JSON");
                    };
                    merge(object, &patch);
                    (200, object.clone())
                }
                "PATCH" => status(415, "UnsupportedMediaType", "unsupported patch type"),
                _ => status(405, "MethodNotAllowed", "the double only serves GET and PATCH"),
            }
        }
        _ => status(404, "NotFound", "the server could not find the requested resource"),
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures

const GITREPO: (&str, &str) = ("source.toolkit.fluxcd.io/v1", "GitRepository");
const KS: (&str, &str) = ("kustomize.toolkit.fluxcd.io/v1", "Kustomization");
const APP: (&str, &str) = ("argoproj.io/v1alpha1", "Application");

/// A Flux + Argo CD cluster; returns the paths of flux-system, infrastructure, apps, monitoring (not
/// planned) and guestbook.
fn populate(d: &Double) -> [String; 5] {
    [
        d.add(GITREPO.0, GITREPO.1, "flux-system", "flux-system"),
        d.add(KS.0, KS.1, "flux-system", "infrastructure"),
        d.add(KS.0, KS.1, "flux-system", "apps"),
        d.add(KS.0, KS.1, "flux-system", "monitoring"),
        d.add(APP.0, APP.1, "argocd", "guestbook"),
    ]
}

/// The planned targets, deliberately out of order.
fn targets() -> Vec<PatchTarget> {
    vec![
        PatchTarget::argo_application("argocd", "guestbook"),
        PatchTarget::flux_kustomization(
            "flux-system",
            "apps",
            vec![NamespacedName::new("flux-system", "infrastructure"), NamespacedName::new("flux-system", "elsewhere")],
        ),
        PatchTarget::flux_kustomization("flux-system", "infrastructure", vec![]),
        PatchTarget::flux_source(GITREPO.0, GITREPO.1, "flux-system", "flux-system"),
    ]
}

/// A kubeconfig with one context (and cluster, and token user) per entry: (name, server, token).
fn kubeconfig(entries: &[(&str, &str, &str)], current: &str) -> String {
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
    s + &format!("current-context: {current}\n")
}

fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

/// A kubeconfig file with the entries, and access for each through its context.
fn kubeconfig_access(dir: &tempfile::TempDir, entries: &[(&str, &str, &str)]) -> AccessConfig {
    let path = dir.path().join("kubeconfig.yaml");
    std::fs::write(&path, kubeconfig(entries, entries[0].0)).unwrap();
    entries
        .iter()
        .map(|(n, _, _)| {
            let access =
                ClusterAccess::Kubeconfig(KubeconfigAccess { path: path.clone(), context: Some(n.to_string()) });
            (n.to_string(), access)
        })
        .collect()
}

fn options() -> ReconcileOptions {
    ReconcileOptions { now: Some(NOW.parse().unwrap()), ..ReconcileOptions::default() }
}

fn outcomes(rows: &[ReportRow]) -> Vec<(String, String, Outcome)> {
    rows.iter().map(|r| (r.cluster.clone(), format!("{} {}", r.kind, r.name), r.outcome.clone())).collect()
}

fn assert_no_secret(text: &str) {
    for token in [TOKEN_MGMT, TOKEN_WORKLOAD, TOKEN_STALE] {
        assert!(!text.contains(token), "a token leaked into: {text}");
    }
}

fn assert_rows_hold_no_secret(rows: &[ReportRow]) {
    for r in rows {
        assert_no_secret(&r.to_string());
        assert_no_secret(&format!("{r:?}"));
        assert_no_secret(&serde_json::to_string(r).unwrap());
    }
}

fn failed(o: &Outcome) -> &str {
    match o {
        Outcome::Failed(r) => r,
        other => panic!("expected a failure, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Plan

#[test]
fn order_puts_sources_first_then_kustomizations_by_depends_on_then_applications() {
    let mut input = targets();
    input.push(PatchTarget::flux_kustomization(
        "flux-system",
        "aaa-last",
        vec![NamespacedName::new("flux-system", "apps")],
    ));
    input.push(PatchTarget::flux_source("source.toolkit.fluxcd.io/v1", "Bucket", "flux-system", "b"));
    input.push(PatchTarget::flux_kustomization("flux-system", "infrastructure", vec![])); // duplicate
    let ordered = order(input.clone()).unwrap();
    let names: Vec<String> = ordered.iter().map(ToString::to_string).collect();
    assert_eq!(
        names,
        [
            "Bucket flux-system/b",
            "GitRepository flux-system/flux-system",
            "Kustomization flux-system/infrastructure",
            "Kustomization flux-system/apps",
            "Kustomization flux-system/aaa-last",
            "Application argocd/guestbook",
        ]
    );
    input.reverse();
    assert_eq!(order(input).unwrap(), ordered, "the order does not depend on the input order");
}

#[test]
fn order_names_the_members_of_a_dependency_cycle() {
    let ks = |name: &str, deps: &[&str]| {
        PatchTarget::flux_kustomization("fs", name, deps.iter().map(|d| NamespacedName::new("fs", *d)).collect())
    };
    let err =
        order(vec![ks("a", &["c"]), ks("b", &["a"]), ks("c", &["b"]), ks("d", &["a"]), ks("e", &[])]).unwrap_err();
    assert_eq!(err, OrderError::Cycle { members: vec!["fs/a".into(), "fs/b".into(), "fs/c".into()] });
    assert!(err.to_string().contains("fs/a, fs/b, fs/c"), "{err}");
    let err = order(vec![ks("self", &["self"])]).unwrap_err();
    assert_eq!(err, OrderError::Cycle { members: vec!["fs/self".into()] });
}

#[test]
fn order_rejects_objects_that_are_not_sync_roots() {
    let mut t = PatchTarget::flux_source("apps/v1", "Deployment", "default", "web");
    let err = order(vec![t.clone()]).unwrap_err();
    assert!(matches!(err, OrderError::Unsupported { .. }), "{err:?}");
    assert!(err.to_string().contains("apps/v1 Deployment default/web"), "{err}");
    t = PatchTarget::argo_application("", "guestbook");
    assert!(matches!(order(vec![t]).unwrap_err(), OrderError::Unnamed { .. }));
}

#[test]
fn plan_is_plain_json_for_plan_output() {
    let plan = Plan { clusters: vec![ClusterPlan::new("prod-eu-1", targets()).unwrap()] };
    let text = serde_json::to_value(&plan).unwrap();
    let steps = &text["clusters"][0]["steps"];
    assert_eq!(text["clusters"][0]["cluster"], "prod-eu-1");
    assert_eq!(
        steps[0],
        json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository", "namespace": "flux-system",
            "name": "flux-system", "annotation": {"key": "reconcile.fluxcd.io/requestedAt", "value": "now"}})
    );
    assert_eq!(steps[2]["dependsOn"][0], json!({"namespace": "flux-system", "name": "infrastructure"}));
    assert_eq!(steps[3]["annotation"], json!({"key": "argocd.argoproj.io/refresh", "value": {"literal": "normal"}}));
    let back: Plan = serde_json::from_value(text).unwrap();
    assert_eq!(back, plan);
}

// ---------------------------------------------------------------------------------------------
// Access configuration

#[test]
fn access_config_reads_each_form_and_rejects_mixtures() {
    let json = json!({
        "mgmt": {"kubeconfig": {"path": "~/.kube/config", "context": "kind-mgmt"}},
        "self": {"inCluster": true},
        "capi": {"secret": {"via": "mgmt", "namespace": "default", "name": "capi-kubeconfig"}},
        "xp": {"secret": {"via": "mgmt", "namespace": "crossplane-system", "name": "xp-conn", "key": "kubeconfig"}},
    });
    let access: AccessConfig = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(access["self"], ClusterAccess::InCluster);
    assert_eq!(
        access["mgmt"],
        ClusterAccess::Kubeconfig(KubeconfigAccess {
            path: "~/.kube/config".into(),
            context: Some("kind-mgmt".into())
        })
    );
    let ClusterAccess::Secret(capi) = &access["capi"] else { panic!("{:?}", access["capi"]) };
    assert_eq!((capi.via.as_str(), capi.key.as_str()), ("mgmt", "value"));
    let ClusterAccess::Secret(xp) = &access["xp"] else { panic!("{:?}", access["xp"]) };
    assert_eq!(xp.key, "kubeconfig");
    let mut written = serde_json::to_value(&access).unwrap();
    written["capi"]["secret"].as_object_mut().unwrap().remove("key");
    assert_eq!(written, json);

    for bad in [
        json!({"inCluster": true, "kubeconfig": {"path": "k"}}),
        json!({}),
        json!({"inCluster": false}),
        json!({"kubeconfig": {"path": "k", "contxt": "typo"}}),
    ] {
        assert!(serde_json::from_value::<ClusterAccess>(bad.clone()).is_err(), "accepted {bad}");
    }
}

#[test]
fn via_chains_must_end_at_a_configured_cluster_without_loops() {
    let secret = |via: &str| {
        ClusterAccess::Secret(SecretAccess {
            via: via.into(),
            namespace: "ns".into(),
            name: "kc".into(),
            key: "value".into(),
            context: None,
        })
    };
    let looped: AccessConfig = [("a".to_string(), secret("b")), ("b".to_string(), secret("a"))].into();
    let err = KubeClients::new(looped).unwrap_err();
    assert!(matches!(err, ClusterError::ViaLoop { .. }), "{err:?}");
    assert!(err.to_string().contains("a -> b -> a"), "{err}");
    let dangling: AccessConfig = [("a".to_string(), secret("mgmt"))].into();
    assert_eq!(KubeClients::new(dangling).unwrap_err(), ClusterError::NoAccess { cluster: "mgmt".into() });
}

#[tokio::test]
async fn client_errors_name_the_cluster_and_what_to_fix_without_contents() {
    let dir = tempfile::tempdir().unwrap();
    let mut access = kubeconfig_access(
        &dir,
        &[("one", "http://127.0.0.1:1", TOKEN_MGMT), ("two", "http://127.0.0.1:1", TOKEN_MGMT)],
    );
    let shared = dir.path().join("kubeconfig.yaml");
    // No context named like the cluster and two contexts: ambiguous.
    access.insert("three".into(), ClusterAccess::Kubeconfig(KubeconfigAccess { path: shared.clone(), context: None }));
    access.insert(
        "four".into(),
        ClusterAccess::Kubeconfig(KubeconfigAccess { path: shared.clone(), context: Some("nope".into()) }),
    );
    access.insert(
        "gone".into(),
        ClusterAccess::Kubeconfig(KubeconfigAccess { path: dir.path().join("missing.yaml"), context: None }),
    );
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, format!("users:\n- name: u\n  user: {{token: {TOKEN_MGMT}\n  : [\n")).unwrap();
    access.insert("broken".into(), ClusterAccess::Kubeconfig(KubeconfigAccess { path: broken, context: None }));
    let clients = KubeClients::new(access).unwrap();

    assert!(clients.client("one").await.is_ok());
    let errors: BTreeMap<&str, ClusterError> = {
        let mut m = BTreeMap::new();
        for c in ["three", "four", "gone", "broken", "unknown"] {
            m.insert(c, clients.client(c).await.err().unwrap_or_else(|| panic!("{c} built a client")));
        }
        m
    };
    assert!(matches!(&errors["three"], ClusterError::Context { available, .. } if available == &["one", "two"]));
    assert!(errors["three"].to_string().contains("set `context`"), "{}", errors["three"]);
    assert!(errors["four"].to_string().contains("no context \"nope\""), "{}", errors["four"]);
    assert!(matches!(&errors["gone"], ClusterError::ReadKubeconfig { path, .. } if path.ends_with("missing.yaml")));
    assert!(matches!(&errors["broken"], ClusterError::InvalidKubeconfig { .. }), "{:?}", errors["broken"]);
    assert_eq!(errors["unknown"], ClusterError::NoAccess { cluster: "unknown".into() });
    for (cluster, e) in &errors {
        assert!(e.to_string().starts_with(&format!("cluster {cluster}:")), "{e}");
        assert_no_secret(&e.to_string());
        assert_no_secret(&format!("{e:?}"));
    }
    assert_no_secret(&format!("{clients:?}"));
}

// ---------------------------------------------------------------------------------------------
// Execution

#[tokio::test]
async fn patches_exactly_the_planned_objects_in_order_with_a_merge_patch() {
    let d = Double::start(TOKEN_MGMT).await;
    let [source, infra, apps, _monitoring, guestbook] = populate(&d);
    let dir = tempfile::tempdir().unwrap();
    let clients = KubeClients::new(kubeconfig_access(&dir, &[("mgmt", &d.url(), TOKEN_MGMT)])).unwrap();
    let plan = Plan { clusters: vec![ClusterPlan::new("mgmt", targets()).unwrap()] };

    let rows = execute(&plan, &clients, &options()).await;

    let expected: Vec<(String, String, Outcome)> =
        ["GitRepository flux-system", "Kustomization infrastructure", "Kustomization apps", "Application guestbook"]
            .iter()
            .map(|o| ("mgmt".to_string(), o.to_string(), Outcome::Patched))
            .collect();
    assert_eq!(outcomes(&rows), expected);
    let writes = d.writes();
    let paths: Vec<&str> = writes.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, [&source, &infra, &apps, &guestbook], "only the planned objects are written, in order");
    assert!(writes.iter().all(|r| r.method == "PATCH"), "{writes:?}");
    for w in &writes {
        assert_eq!(w.content_type.as_deref(), Some(MERGE_PATCH));
        assert!(w.query.split('&').any(|p| p == "fieldManager=fleetgate"), "{}", w.query);
    }
    for w in &writes[..3] {
        assert_eq!(w.json(), json!({"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": NOW}}}));
    }
    assert_eq!(writes[3].json(), json!({"metadata": {"annotations": {"argocd.argoproj.io/refresh": "normal"}}}));
    for r in d.requests() {
        assert_eq!(r.authorization.as_deref(), Some(format!("Bearer {TOKEN_MGMT}").as_str()), "{}", r.path);
    }
    assert_eq!(d.object(&apps)["metadata"]["annotations"]["reconcile.fluxcd.io/requestedAt"], NOW);
    assert_rows_hold_no_secret(&rows);
}

#[tokio::test]
async fn the_default_timestamp_is_rfc3339() {
    let d = Double::start(TOKEN_MGMT).await;
    let [_, infra, ..] = populate(&d);
    let dir = tempfile::tempdir().unwrap();
    let clients = KubeClients::new(kubeconfig_access(&dir, &[("mgmt", &d.url(), TOKEN_MGMT)])).unwrap();
    let targets = vec![PatchTarget::flux_kustomization("flux-system", "infrastructure", vec![])];
    let plan = Plan { clusters: vec![ClusterPlan::new("mgmt", targets).unwrap()] };

    let rows = execute(&plan, &clients, &ReconcileOptions::default()).await;

    assert_eq!(rows[0].outcome, Outcome::Patched);
    let writes = d.writes();
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0].path, infra);
    let value = writes[0].json()["metadata"]["annotations"]["reconcile.fluxcd.io/requestedAt"].clone();
    let value = value.as_str().unwrap().to_owned();
    let rfc3339 = regex::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$").unwrap();
    assert!(rfc3339.is_match(&value), "{value}");
    assert!(value.parse::<jiff::Timestamp>().is_ok(), "{value}");
}

#[tokio::test]
async fn an_unreachable_cluster_fails_while_the_others_are_patched() {
    let (a, b) = (Double::start(TOKEN_MGMT).await, Double::start(TOKEN_WORKLOAD).await);
    populate(&a);
    populate(&b);
    let dir = tempfile::tempdir().unwrap();
    let down = closed_port_url();
    let entries = [("a", a.url(), TOKEN_MGMT), ("down", down, TOKEN_MGMT), ("b", b.url(), TOKEN_WORKLOAD)];
    let entries: Vec<(&str, &str, &str)> = entries.iter().map(|(n, u, t)| (*n, u.as_str(), *t)).collect();
    let clients = KubeClients::new(kubeconfig_access(&dir, &entries)).unwrap();
    let plan = Plan { clusters: ["a", "down", "b"].iter().map(|c| ClusterPlan::new(*c, targets()).unwrap()).collect() };
    let opts = ReconcileOptions { concurrency: 1, retries: 1, ..options() };

    let rows = execute(&plan, &clients, &opts).await;

    assert_eq!(rows.len(), 12);
    let (by_a, rest) = rows.split_at(4);
    let (by_down, by_b) = rest.split_at(4);
    assert!(by_a.iter().chain(by_b).all(|r| r.outcome == Outcome::Patched), "{rows:#?}");
    assert!(by_down.iter().all(|r| r.cluster == "down"));
    let reason = failed(&by_down[0].outcome);
    assert!(reason.contains("cluster down") && reason.contains("cannot reach the API server"), "{reason}");
    for r in &by_down[1..] {
        assert!(matches!(&r.outcome, Outcome::Skipped(s) if s.contains("unreachable")), "{r}");
    }
    assert_eq!(a.writes().len(), 4);
    assert_eq!(b.writes().len(), 4);
    assert!(b.requests().iter().all(|r| r.authorization.as_deref() == Some(&format!("Bearer {TOKEN_WORKLOAD}"))));
    assert_rows_hold_no_secret(&rows);
}

#[tokio::test]
async fn a_503_then_a_429_are_retried_until_the_patch_succeeds() {
    let d = Double::start(TOKEN_MGMT).await;
    let [_, _, apps, ..] = populate(&d);
    d.fail(&apps, &[503, 429]);
    let dir = tempfile::tempdir().unwrap();
    let clients = KubeClients::new(kubeconfig_access(&dir, &[("mgmt", &d.url(), TOKEN_MGMT)])).unwrap();
    let plan = Plan { clusters: vec![ClusterPlan::new("mgmt", targets()).unwrap()] };

    let rows = execute(&plan, &clients, &options()).await;

    assert!(rows.iter().all(|r| r.outcome == Outcome::Patched), "{rows:#?}");
    let to_apps = d.writes().into_iter().filter(|w| w.path == apps).count();
    assert_eq!(to_apps, 3, "two failures, then success");
}

#[tokio::test]
async fn a_missing_object_fails_without_retries_and_the_next_steps_proceed() {
    let d = Double::start(TOKEN_MGMT).await;
    let [_, _, apps, ..] = populate(&d);
    d.state.lock().unwrap().objects.remove(&apps);
    let dir = tempfile::tempdir().unwrap();
    let clients = KubeClients::new(kubeconfig_access(&dir, &[("mgmt", &d.url(), TOKEN_MGMT)])).unwrap();
    let plan = Plan { clusters: vec![ClusterPlan::new("mgmt", targets()).unwrap()] };

    let rows = execute(&plan, &clients, &options()).await;

    let reason = failed(&rows[2].outcome);
    assert!(reason.contains("HTTP 404") && reason.contains("does not exist"), "{reason}");
    assert_eq!(d.writes().iter().filter(|w| w.path == apps).count(), 1, "a 404 is not retried");
    assert_eq!(rows[3].outcome, Outcome::Patched, "the Application after it is still requested");
}

#[tokio::test]
async fn kustomizations_are_still_requested_when_their_source_fails() {
    let d = Double::start(TOKEN_MGMT).await;
    let [source, ..] = populate(&d);
    d.fail(&source, &[500, 500, 500]);
    let dir = tempfile::tempdir().unwrap();
    let clients = KubeClients::new(kubeconfig_access(&dir, &[("mgmt", &d.url(), TOKEN_MGMT)])).unwrap();
    let plan = Plan { clusters: vec![ClusterPlan::new("mgmt", targets()).unwrap()] };
    let opts = ReconcileOptions { retries: 1, ..options() };

    let rows = execute(&plan, &clients, &opts).await;

    assert!(failed(&rows[0].outcome).contains("HTTP 500"), "{}", rows[0]);
    assert_eq!(d.writes().iter().filter(|w| w.path == source).count(), 2, "one retry");
    assert!(rows[1..].iter().all(|r| r.outcome == Outcome::Patched), "{rows:#?}");
}

#[tokio::test]
async fn dry_run_contacts_no_cluster() {
    let d = Double::start(TOKEN_MGMT).await;
    populate(&d);
    let dir = tempfile::tempdir().unwrap();
    let clients = KubeClients::new(kubeconfig_access(&dir, &[("mgmt", &d.url(), TOKEN_MGMT)])).unwrap();
    let plan = Plan { clusters: vec![ClusterPlan::new("mgmt", targets()).unwrap()] };

    let rows = execute(&plan, &clients, &ReconcileOptions { dry_run: true, ..options() }).await;

    assert_eq!(rows.len(), 4);
    assert!(rows.iter().all(|r| r.outcome == Outcome::DryRun));
    assert!(d.requests().is_empty(), "{:?}", d.requests());
}

#[tokio::test]
async fn rejected_credentials_are_reported_without_the_token() {
    let d = Double::start(TOKEN_MGMT).await;
    populate(&d);
    let dir = tempfile::tempdir().unwrap();
    let clients = KubeClients::new(kubeconfig_access(&dir, &[("stale", &d.url(), TOKEN_STALE)])).unwrap();
    let targets = vec![PatchTarget::argo_application("argocd", "guestbook")];
    let plan = Plan { clusters: vec![ClusterPlan::new("stale", targets).unwrap()] };

    let rows = execute(&plan, &clients, &options()).await;

    let reason = failed(&rows[0].outcome);
    assert!(reason.contains("HTTP 401"), "{reason}");
    assert_eq!(d.requests()[0].authorization.as_deref(), Some(format!("Bearer {TOKEN_STALE}").as_str()));
    assert!(d.writes().is_empty());
    assert_rows_hold_no_secret(&rows);
}

#[tokio::test]
async fn a_kubeconfig_from_a_management_secret_reaches_the_workload_cluster() {
    let (mgmt, workload) = (Double::start(TOKEN_MGMT).await, Double::start(TOKEN_WORKLOAD).await);
    let [.., guestbook] = populate(&workload);
    let inner = kubeconfig(&[("admin@workload", &workload.url(), TOKEN_WORKLOAD)], "admin@workload");
    let secret = mgmt.add_secret("default", "workload-kubeconfig", &[("value", &inner)]);
    mgmt.add_secret("crossplane-system", "xp-conn", &[("endpoint", "https://x"), ("token", "t")]);
    let dir = tempfile::tempdir().unwrap();
    let mut access = kubeconfig_access(&dir, &[("mgmt", &mgmt.url(), TOKEN_MGMT)]);
    let via = |namespace: &str, name: &str| {
        ClusterAccess::Secret(SecretAccess {
            via: "mgmt".into(),
            namespace: namespace.into(),
            name: name.into(),
            key: "value".into(),
            context: None,
        })
    };
    access.insert("workload".into(), via("default", "workload-kubeconfig"));
    access.insert("xp".into(), via("crossplane-system", "xp-conn"));
    access.insert("missing".into(), via("default", "nothing-here"));
    let exec = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: w\n  cluster:\n    server: {}\nusers:\n- name: u\n  user:\n    \
         exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: fleetgate-test-no-such-plugin\n\
         contexts:\n- name: w\n  context:\n    cluster: w\n    user: u\ncurrent-context: w\n",
        workload.url()
    );
    mgmt.add_secret("default", "exec-kubeconfig", &[("value", &exec)]);
    access.insert("exec".into(), via("default", "exec-kubeconfig"));
    let clients = KubeClients::new(access).unwrap();
    let targets = vec![PatchTarget::argo_application("argocd", "guestbook")];
    let plan = Plan {
        clusters: ["workload", "xp", "missing", "exec"]
            .iter()
            .map(|c| ClusterPlan::new(*c, targets.clone()).unwrap())
            .collect(),
    };

    let rows = execute(&plan, &clients, &options()).await;

    assert_eq!(rows[0].outcome, Outcome::Patched, "{}", rows[0]);
    let reads: Vec<(String, String)> = mgmt.requests().iter().map(|r| (r.method.clone(), r.path.clone())).collect();
    assert!(reads.contains(&("GET".into(), secret.clone())), "{reads:?}");
    assert!(mgmt.writes().is_empty(), "nothing is written on the management cluster");
    assert!(mgmt.requests().iter().all(|r| r.authorization.as_deref() == Some(&format!("Bearer {TOKEN_MGMT}"))));
    let writes = workload.writes();
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0].path, guestbook);
    assert_eq!(writes[0].authorization.as_deref(), Some(format!("Bearer {TOKEN_WORKLOAD}").as_str()));

    let xp = failed(&rows[1].outcome);
    assert!(xp.contains("no key \"value\" (keys: endpoint, token)") && xp.contains("set `secret.key`"), "{xp}");
    let missing = failed(&rows[2].outcome);
    assert!(missing.contains("cannot read Secret default/nothing-here on cluster mgmt: HTTP 404"), "{missing}");
    let exec = failed(&rows[3].outcome);
    assert!(exec.contains("uses `exec`"), "a kubeconfig from a Secret runs no command: {exec}");
    assert_eq!(workload.writes().len(), 1);
    assert_rows_hold_no_secret(&rows);
    assert!(!rows.iter().any(|r| r.to_string().contains("admin@workload")), "kubeconfig contents stay out");
}

#[tokio::test]
async fn a_slow_cluster_times_out_and_reports_what_was_not_done() {
    let d = Double::start(TOKEN_MGMT).await;
    let [_, _, apps, ..] = populate(&d);
    d.delay(&apps, Duration::from_secs(10));
    let dir = tempfile::tempdir().unwrap();
    let clients = KubeClients::new(kubeconfig_access(&dir, &[("mgmt", &d.url(), TOKEN_MGMT)])).unwrap();
    let plan = Plan { clusters: vec![ClusterPlan::new("mgmt", targets()).unwrap()] };
    let opts = ReconcileOptions { timeout: Duration::from_millis(700), ..options() };

    let rows = execute(&plan, &clients, &opts).await;

    assert_eq!(rows.len(), 4);
    assert_eq!((&rows[0].outcome, &rows[1].outcome), (&Outcome::Patched, &Outcome::Patched));
    for r in &rows[2..] {
        assert!(failed(&r.outcome).contains("did not finish within"), "{r}");
    }
}

#[tokio::test]
async fn at_most_concurrency_clusters_are_worked_on_at_once() {
    let gauge = Arc::new(Gauge::default());
    let mut doubles = Vec::new();
    for _ in 0..4 {
        let d = Double::start_with(TOKEN_MGMT, Some(gauge.clone())).await;
        populate(&d);
        doubles.push(d);
    }
    let dir = tempfile::tempdir().unwrap();
    let names = ["c0", "c1", "c2", "c3"];
    let urls: Vec<String> = doubles.iter().map(Double::url).collect();
    let entries: Vec<(&str, &str, &str)> = names.iter().zip(&urls).map(|(n, u)| (*n, u.as_str(), TOKEN_MGMT)).collect();
    let clients = KubeClients::new(kubeconfig_access(&dir, &entries)).unwrap();
    let targets = vec![PatchTarget::argo_application("argocd", "guestbook")];
    let plan = Plan { clusters: names.iter().map(|c| ClusterPlan::new(*c, targets.clone()).unwrap()).collect() };

    let rows = execute(&plan, &clients, &ReconcileOptions { concurrency: 2, ..options() }).await;

    assert!(rows.iter().all(|r| r.outcome == Outcome::Patched), "{rows:#?}");
    assert_eq!(gauge.max.load(Ordering::SeqCst), 2, "two clusters at a time, and no more");
}
