//! The fleet: which clusters exist, what lands on each (and from which sync root), and which of them a change
//! affects. Entrypoints are `clusters/<name>/flux-system` (the Kustomization of `gotk-sync.yaml`) and configured
//! cluster root directories; from there every Flux Kustomization, Argo CD Application and ApplicationSet found in
//! rendered output is followed, recursively, across repositories (sources matched by URL).
//! `spec.kubeConfig.secretRef` sends a Kustomization's objects to another cluster; an Application's
//! `destination` sends its objects to an Argo CD cluster (see [`argo`]).

pub mod affected;
pub mod argo;
pub mod diff;
pub mod flux;
pub mod generate;
mod gotmpl;

use crate::config::Config;
use crate::manifest::{self, Limits};
use crate::source::{Access, normalize, parent};
use crate::workspace::Workspace;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Most sync roots one fleet render follows (a guard against Kustomizations that include each other).
const MAX_ROOTS: usize = 20_000;

/// What produces a set of objects on a cluster.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SyncRoot {
    /// The cluster the objects land on.
    pub cluster: String,
    /// The cluster whose controllers reconcile it (differs under `spec.kubeConfig`).
    pub reconciler: String,
    /// `Kustomization namespace/name` for Flux, or `dir <path>` for a configured cluster directory.
    pub name: String,
    pub repo: String,
    pub path: String,
    /// A git reference the source pins (`tag`, `commit`, or a branch other than the repository's default);
    /// `None` renders the workspace's revision.
    pub pinned: Option<String>,
    /// A Flux Kustomization with `spec.suspend: true`: its changes wait until it is resumed.
    pub suspended: bool,
}

impl SyncRoot {
    pub fn label(&self) -> String {
        format!(
            "{} ({}:{}){}",
            self.name,
            self.repo,
            if self.path.is_empty() { "." } else { &self.path },
            if self.suspended { " [suspended]" } else { "" }
        )
    }
}

fn is_suspended(v: &Value) -> bool {
    v.get("spec").and_then(|s| s.get("suspend")).and_then(Value::as_bool).unwrap_or(false)
}

/// One sync root rendered.
#[derive(Debug, Clone)]
pub struct RootRender {
    pub root: SyncRoot,
    /// The Flux Kustomization object behind the root, when there is one.
    pub object: Option<Value>,
    pub objects: Result<Vec<Value>, String>,
    /// Paths read and directories listed, per repository.
    pub deps: BTreeMap<String, Access>,
    /// The build settings it was rendered with (resolved `substituteFrom` included).
    pub spec: flux::BuildSpec,
}

/// Every sync root of a fleet at one revision.
#[derive(Debug, Clone, Default)]
pub struct FleetRender {
    pub roots: Vec<RootRender>,
    /// Kustomizations whose source is not in the workspace (not rendered).
    pub external: Vec<String>,
}

impl FleetRender {
    pub fn clusters(&self) -> BTreeSet<String> {
        self.roots.iter().map(|r| r.root.cluster.clone()).collect()
    }
}

/// A pending root: where to build it and with which settings.
struct Pending {
    root: SyncRoot,
    object: Option<Value>,
    /// Build settings known when the root was found (Argo CD roots); Flux roots resolve theirs later.
    prepared: Option<Box<flux::BuildSpec>>,
}

/// Find the sync roots to start from: `flux-system` entrypoints and configured cluster directories.
fn entrypoints(ws: &Workspace, config: Option<&Config>) -> Vec<Pending> {
    let mut out = Vec::new();
    let exclude = config.map(|c| c.clusters.exclude.clone()).unwrap_or_default();
    let excluded =
        |p: &str| exclude.iter().any(|g| crate::glob::matches(g, p) || crate::glob::matches(&format!("{g}/**"), p));
    for repo in &ws.repos {
        let Ok(walk) = repo.snapshot.walk("") else { continue };
        for f in walk.files.iter().filter(|f| f.ends_with("flux-system/gotk-sync.yaml")) {
            let dir = parent(f);
            if excluded(dir) || f.split('/').any(|s| s.starts_with('.')) {
                continue;
            }
            let cluster = parent(dir).rsplit('/').next().unwrap_or("").to_string();
            let Ok(text) = repo.snapshot.read_string(f) else { continue };
            let Ok(docs) = manifest::parse(f, &text, &Limits::default()) else { continue };
            for d in docs {
                let v = crate::kustomize::value_of(&d.root);
                if is_flux_kustomization(&v) {
                    let name = object_label(&v);
                    let path = spec_path(&v);
                    out.push(Pending {
                        root: SyncRoot {
                            cluster: cluster.clone(),
                            reconciler: cluster.clone(),
                            name,
                            repo: repo.name.clone(),
                            path,
                            pinned: None,
                            suspended: is_suspended(&v),
                        },
                        object: Some(v),
                        prepared: None,
                    });
                }
            }
        }
    }
    for roots in config.map(|c| c.clusters.roots.clone()).unwrap_or_default() {
        let Some(repo) = ws.repo(&roots.repo) else { continue };
        let Ok(walk) = repo.snapshot.walk("") else { continue };
        let mut dirs: BTreeSet<String> = BTreeSet::new();
        for f in &walk.files {
            let mut d = parent(f);
            loop {
                dirs.insert(d.to_string());
                if d.is_empty() {
                    break;
                }
                d = parent(d);
            }
        }
        for d in dirs {
            if roots.paths.iter().any(|g| crate::glob::matches(g, &d)) && !excluded(&d) {
                let cluster = roots.cluster.clone().unwrap_or_else(|| d.rsplit('/').next().unwrap_or(&d).to_string());
                out.push(Pending {
                    root: SyncRoot {
                        cluster: cluster.clone(),
                        reconciler: cluster,
                        name: format!("dir {d}"),
                        repo: repo.name.clone(),
                        path: d,
                        pinned: None,
                        suspended: false,
                    },
                    object: None,
                    prepared: None,
                });
            }
        }
    }
    out
}

fn is_flux_kustomization(v: &Value) -> bool {
    v.get("kind").and_then(Value::as_str) == Some("Kustomization")
        && v.get("apiVersion").and_then(Value::as_str).is_some_and(|a| a.starts_with("kustomize.toolkit.fluxcd.io/"))
}

/// The string at a path of map keys.
pub fn text_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for k in path {
        cur = cur.get(k)?;
    }
    cur.as_str()
}

fn object_label(v: &Value) -> String {
    format!(
        "Kustomization {}/{}",
        text_at(v, &["metadata", "namespace"]).unwrap_or("default"),
        text_at(v, &["metadata", "name"]).unwrap_or("")
    )
}

fn spec_path(v: &Value) -> String {
    let raw = text_at(v, &["spec", "path"]).unwrap_or("./");
    normalize(raw.trim_start_matches('/')).unwrap_or_default()
}

/// The cluster a `spec.kubeConfig.secretRef` points at: the configured mapping, else the Crossplane / Cluster
/// API naming convention (`<cluster>-kubeconfig`, `<cluster>-eks-connection`, `<cluster>-conn`, …).
pub fn kubeconfig_cluster(config: Option<&Config>, namespace: &str, secret: &str) -> String {
    if let Some(c) = config
        && let Some(name) = c
            .clusters
            .kube_config_secrets
            .get(&format!("{namespace}/{secret}"))
            .or(c.clusters.kube_config_secrets.get(secret))
    {
        return name.clone();
    }
    for suffix in ["-eks-connection", "-kubeconfig", "-connection", "-conn", "-cluster-kubeconfig"] {
        if let Some(c) = secret.strip_suffix(suffix)
            && !c.is_empty()
        {
            return c.to_string();
        }
    }
    secret.to_string()
}

/// Render every sync root of the fleet in `ws`.
pub fn render(ws: &Workspace, config: Option<&Config>) -> FleetRender {
    render_with(ws, config, &mut |_, _| None)
}

/// [`render`], where `reuse` may answer a root from elsewhere (an unchanged root from the other revision). It
/// is asked after the root's source and build settings are resolved, with the root and those settings.
pub fn render_with(
    ws: &Workspace,
    config: Option<&Config>,
    reuse: &mut dyn FnMut(&SyncRoot, &flux::BuildSpec) -> Option<RootRender>,
) -> FleetRender {
    let mut out = FleetRender::default();
    let mut queue: VecDeque<Pending> = entrypoints(ws, config).into();
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    // Kustomizations waiting for their source to appear in some cluster's output.
    let mut waiting: Vec<(Pending, usize)> = Vec::new();
    loop {
        while !queue.is_empty() {
            // Resolve every pending root against what is rendered so far (sequentially: sources and reuse),
            // then build the batch in parallel, then take the results in order.
            let mut batch: Vec<BatchItem> = Vec::new();
            while let Some(p) = queue.pop_front() {
                if out.roots.len() + batch.len() >= MAX_ROOTS {
                    break;
                }
                if !seen.insert((p.root.reconciler.clone(), p.root.name.clone())) {
                    continue;
                }
                match resolve_root(ws, config, &out, &p) {
                    RootOutcome::Resolved(root, spec) => match reuse(&root, &spec) {
                        Some(r) => batch.push((p, Some(r), None)),
                        None => batch.push((p, None, Some((root, *spec)))),
                    },
                    RootOutcome::External(label) => out.external.push(label),
                    RootOutcome::SourceNotYet => {
                        seen.remove(&(p.root.reconciler.clone(), p.root.name.clone()));
                        waiting.push((p, out.roots.len()));
                    }
                }
            }
            build_parallel(ws, config, &mut batch);
            for (p, rendered, _) in batch {
                let Some(rendered) = rendered else { continue };
                let _ = &p;
                if let Ok(objects) = &rendered.objects {
                    for o in objects.iter().filter(|o| is_flux_kustomization(o)) {
                        let ns = text_at(o, &["metadata", "namespace"]).unwrap_or("default");
                        let cluster = match text_at(o, &["spec", "kubeConfig", "secretRef", "name"]) {
                            Some(secret) => kubeconfig_cluster(config, ns, secret),
                            None => rendered.root.cluster.clone(),
                        };
                        queue.push_back(Pending {
                            root: SyncRoot {
                                // The Kustomization object lands on the root's cluster; its objects on `cluster`.
                                cluster,
                                reconciler: rendered.root.cluster.clone(),
                                name: object_label(o),
                                repo: String::new(),
                                path: spec_path(o),
                                pinned: None,
                                suspended: is_suspended(o),
                            },
                            object: Some(o.clone()),
                            prepared: None,
                        });
                    }
                    queue.extend(argo_roots(ws, config, &rendered, objects));
                }
                out.roots.push(rendered);
            }
            if out.roots.len() >= MAX_ROOTS {
                break;
            }
        }
        // Kustomizations whose source appeared since they were parked get another try.
        let progress_at = out.roots.len();
        let (ready, still): (Vec<_>, Vec<_>) =
            std::mem::take(&mut waiting).into_iter().partition(|(_, at)| *at < progress_at);
        waiting = still;
        if ready.is_empty() || out.roots.len() >= MAX_ROOTS {
            break;
        }
        queue.extend(ready.into_iter().map(|(p, _)| p));
    }
    for (p, _) in waiting {
        out.external.push(format!("{} on {}: source not found", p.root.name, p.root.reconciler));
    }
    out
}

/// The Argo CD sync roots among a root's objects: each ApplicationSet (expanded on the cluster it lands on) and
/// each source of each Application (its objects landing on the destination cluster).
fn argo_roots(ws: &Workspace, config: Option<&Config>, rendered: &RootRender, objects: &[Value]) -> Vec<Pending> {
    let hub = &rendered.root.cluster;
    let mut out = Vec::new();
    for o in objects {
        if argo::is_application_set(o) {
            let name = format!(
                "ApplicationSet {}/{}",
                text_at(o, &["metadata", "namespace"]).unwrap_or("argocd"),
                text_at(o, &["metadata", "name"]).unwrap_or("")
            );
            let spec = flux::BuildSpec { argo: Some(argo::ArgoBuild::AppSet(o.clone())), ..flux::BuildSpec::default() };
            out.push(Pending {
                root: SyncRoot {
                    cluster: hub.clone(),
                    reconciler: hub.clone(),
                    name,
                    repo: rendered.root.repo.clone(),
                    path: String::new(),
                    pinned: None,
                    suspended: false,
                },
                object: Some(o.clone()),
                prepared: Some(Box::new(spec)),
            });
        } else if argo::is_application(o) {
            let cluster = argo::destination_cluster(o, config, hub);
            for src in argo::application_sources(o) {
                let (repo, pinned) = match ws.repo_for_url(&src.repo_url) {
                    Some(r) if src.chart.is_none() => {
                        (r.name.clone(), argo::pinned_revision(&src.revision, &r.default_branch))
                    }
                    _ => {
                        let what = match &src.chart {
                            Some(c) => format!("Helm chart {c} from {} is not rendered", src.repo_url),
                            None => format!("repoURL {} is not a configured repository", src.repo_url),
                        };
                        (what, None)
                    }
                };
                let spec =
                    flux::BuildSpec { argo: Some(argo::ArgoBuild::Source(src.build)), ..flux::BuildSpec::default() };
                out.push(Pending {
                    root: SyncRoot {
                        cluster: cluster.clone(),
                        reconciler: hub.clone(),
                        name: src.name,
                        repo,
                        path: src.path,
                        pinned,
                        suspended: false,
                    },
                    object: Some(o.clone()),
                    prepared: Some(Box::new(spec)),
                });
            }
        }
    }
    out
}

enum RootOutcome {
    Resolved(SyncRoot, Box<flux::BuildSpec>),
    External(String),
    SourceNotYet,
}

/// Find a root's repository (through its source) and build settings (with `substituteFrom` resolved).
fn resolve_root(ws: &Workspace, config: Option<&Config>, done: &FleetRender, p: &Pending) -> RootOutcome {
    if let Some(spec) = &p.prepared {
        if ws.repo(&p.root.repo).is_none() {
            return RootOutcome::External(format!("{} on {}: {}", p.root.name, p.root.reconciler, p.root.repo));
        }
        return RootOutcome::Resolved(p.root.clone(), spec.clone());
    }
    let mut root = p.root.clone();
    let mut spec = flux::BuildSpec::default();
    if let Some(ks) = &p.object {
        spec = flux::BuildSpec::from_object(ks);
        // The source: a GitRepository (or OCIRepository) among the objects of the reconciling cluster, or in the
        // repository that holds an entrypoint's gotk-sync.yaml.
        let kind = text_at(ks, &["spec", "sourceRef", "kind"]).unwrap_or("GitRepository");
        let name = text_at(ks, &["spec", "sourceRef", "name"]).unwrap_or("");
        let ns = text_at(ks, &["spec", "sourceRef", "namespace"])
            .or(text_at(ks, &["metadata", "namespace"]))
            .unwrap_or("default");
        let source = find_source(done, &root.reconciler, kind, ns, name);
        let repo = match (source, root.repo.is_empty()) {
            (Some((src, defined_in)), _) => match text_at(&src, &["spec", "url"]).and_then(|u| ws.repo_for_url(u)) {
                Some(r) => {
                    // Honour the source's ref: a tag or commit, or a branch other than the one the workspace
                    // stands for, is rendered from the repository's git history.
                    let pin = text_at(&src, &["spec", "ref", "commit"])
                        .or(text_at(&src, &["spec", "ref", "tag"]))
                        .map(str::to_string)
                        .or_else(|| {
                            text_at(&src, &["spec", "ref", "branch"])
                                .filter(|b| *b != r.default_branch)
                                .map(str::to_string)
                        });
                    root.pinned = pin;
                    r.name.clone()
                }
                // `flux bootstrap`'s own source points at the repository that defines it.
                None if name == "flux-system" => defined_in,
                None => {
                    return RootOutcome::External(format!(
                        "{} on {}: source {kind} {ns}/{name} is not a configured repository",
                        root.name, root.reconciler
                    ));
                }
            },
            (None, false) => root.repo.clone(),
            (None, true) => return RootOutcome::SourceNotYet,
        };
        root.repo = repo;
        // substituteFrom: ConfigMaps and Secrets among the reconciling cluster's objects.
        if let Some(vars) = spec.substitute.as_mut() {
            let froms = ks
                .get("spec")
                .and_then(|s| s.get("postBuild"))
                .and_then(|p| p.get("substituteFrom"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let explicit = vars.clone();
            for f in froms {
                let (Some(k), Some(n)) = (text_at(&f, &["kind"]), text_at(&f, &["name"])) else { continue };
                if let Some(obj) = find_object(
                    done,
                    &root.reconciler,
                    k,
                    text_at(ks, &["metadata", "namespace"]).unwrap_or("default"),
                    n,
                ) {
                    for key in ["data", "stringData"] {
                        for (dk, dv) in obj.get(key).and_then(Value::as_object).into_iter().flatten() {
                            let v = dv.as_str().unwrap_or("").to_string();
                            let v = if key == "data" && k == "Secret" { decode_b64(&v).unwrap_or(v) } else { v };
                            vars.insert(dk.clone(), v);
                        }
                    }
                }
            }
            // Inline values win over substituteFrom.
            vars.extend(explicit);
        }
    }
    if ws.repo(&root.repo).is_none() {
        return RootOutcome::External(format!("{}: repository {} is not in the workspace", root.name, root.repo));
    }
    let _ = config;
    RootOutcome::Resolved(root, Box::new(spec))
}

/// A pending root, its render (reused or built), and what is left to build.
type BatchItem = (Pending, Option<RootRender>, Option<(SyncRoot, flux::BuildSpec)>);

/// Build the roots of a batch that need building, on every core.
fn build_parallel(ws: &Workspace, config: Option<&Config>, batch: &mut [BatchItem]) {
    let todo: Vec<usize> = batch.iter().enumerate().filter(|(_, b)| b.2.is_some()).map(|(i, _)| i).collect();
    if todo.is_empty() {
        return;
    }
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(todo.len()).max(1);
    let jobs: Vec<(usize, SyncRoot, Option<Value>, flux::BuildSpec)> = todo
        .iter()
        .filter_map(|&i| batch[i].2.take().map(|(root, spec)| (i, root, batch[i].0.object.clone(), spec)))
        .collect();
    let chunk = jobs.len().div_ceil(threads);
    let results: Vec<(usize, RootRender)> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(i, root, object, spec)| {
                            (*i, build_root(ws, config, root.clone(), object.clone(), spec.clone()))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    for (i, r) in results {
        batch[i].1 = Some(r);
    }
}

fn build_root(
    ws: &Workspace,
    config: Option<&Config>,
    root: SyncRoot,
    object: Option<Value>,
    spec: flux::BuildSpec,
) -> RootRender {
    match &spec.argo {
        Some(argo::ArgoBuild::AppSet(appset)) => {
            let (objects, deps) = argo::expand(ws, config, appset);
            return RootRender { root, object, objects, deps, spec };
        }
        Some(argo::ArgoBuild::Source(src)) => {
            let pinned = root.pinned.as_ref().and_then(|p| ws.pinned(&root.repo, p));
            let built = match (ws.repo(&root.repo), pinned) {
                (Some(_), Some(Ok(snap))) => argo::build_source(&snap, &root.path, src),
                (Some(_), Some(Err(e))) => flux::Built { objects: Err(e), deps: Access::default() },
                (Some(repo), None) => argo::build_source(&repo.snapshot, &root.path, src),
                (None, _) => flux::Built {
                    objects: Err(format!("repository {} is not in the workspace", root.repo)),
                    deps: Access::default(),
                },
            };
            let deps = BTreeMap::from([(root.repo.clone(), built.deps)]);
            return RootRender { root, object, objects: built.objects, deps, spec };
        }
        None => {}
    }
    let pinned = root.pinned.as_ref().and_then(|p| ws.pinned(&root.repo, p));
    let built = match (ws.repo(&root.repo), pinned) {
        (Some(_), Some(Ok(snap))) => flux::build(&snap, &root.path, &spec),
        (Some(_), Some(Err(e))) => flux::Built { objects: Err(e), deps: Access::default() },
        (Some(repo), None) => flux::build(&repo.snapshot, &root.path, &spec),
        (None, _) => flux::Built {
            objects: Err(format!("repository {} is not in the workspace", root.repo)),
            deps: Access::default(),
        },
    };
    let deps = BTreeMap::from([(root.repo.clone(), built.deps)]);
    RootRender { root, object, objects: built.objects, deps, spec }
}

fn decode_b64(s: &str) -> Option<String> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s.trim()).ok().and_then(|b| String::from_utf8(b).ok())
}

fn find_object(done: &FleetRender, cluster: &str, kind: &str, ns: &str, name: &str) -> Option<Value> {
    find_source(done, cluster, kind, ns, name).map(|(o, _)| o)
}

/// An object on `cluster` (a source, a ConfigMap, …), and the repository of the root that rendered it.
pub fn find_source(done: &FleetRender, cluster: &str, kind: &str, ns: &str, name: &str) -> Option<(Value, String)> {
    done.roots.iter().filter(|r| r.root.cluster == cluster).find_map(|r| {
        r.objects
            .as_ref()
            .ok()?
            .iter()
            .find(|o| {
                text_at(o, &["kind"]) == Some(kind)
                    && text_at(o, &["metadata", "name"]) == Some(name)
                    && text_at(o, &["metadata", "namespace"]).unwrap_or("default") == ns
            })
            .map(|o| (o.clone(), r.root.repo.clone()))
    })
}

/// Every object on each cluster, tagged with its sync root: cluster → (object key → (root, object)).
pub type ClusterObjects = BTreeMap<String, BTreeMap<String, (SyncRoot, Value)>>;

/// The key objects are compared by: `group/kind/namespace/name`.
pub fn object_key(o: &Value) -> String {
    let api = text_at(o, &["apiVersion"]).unwrap_or("");
    let group = api.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
    format!(
        "{}/{}/{}/{}",
        if group.is_empty() { "core" } else { group },
        text_at(o, &["kind"]).unwrap_or(""),
        text_at(o, &["metadata", "namespace"]).unwrap_or(""),
        text_at(o, &["metadata", "name"]).unwrap_or("")
    )
}

impl FleetRender {
    /// Objects per cluster. A Kustomization object itself lands on its reconciler's cluster.
    pub fn by_cluster(&self) -> ClusterObjects {
        let mut out: ClusterObjects = BTreeMap::new();
        for r in &self.roots {
            let cluster = out.entry(r.root.cluster.clone()).or_default();
            if let Ok(objects) = &r.objects {
                for o in objects {
                    cluster.insert(object_key(o), (r.root.clone(), o.clone()));
                }
            }
        }
        out
    }
}
