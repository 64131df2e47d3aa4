//! Argo CD: Applications and ApplicationSets as sync roots.
//!
//! An **Application** found in a cluster's rendered objects is a sync root per source: the source's `repoURL` is
//! matched to a configured repository, `targetRevision` pins a ref unless it is `HEAD` or the default branch, and
//! `path` is built the way the repo server builds it — with kustomize (Argo's `kustomize` options written into the
//! kustomization, kustomize's default load restrictor) when it holds a kustomization file, else as a plain
//! directory of YAML/JSON manifests (`directory.recurse`, `include`, `exclude`). Namespaced objects without a
//! namespace take `destination.namespace`. Its objects land on the destination cluster (`destination.name` or
//! `server`, through the configured Argo CD cluster list; `in-cluster` / `https://kubernetes.default.svc` is the
//! cluster Argo CD runs on).
//!
//! An **ApplicationSet** is a sync root on the cluster it lands on whose objects are the Applications its
//! generators produce: `list`, `clusters` (against `clusters.argocd` of the configuration, with label
//! selectors and `values`), `git` directories and files, and `matrix` of two (the second generator templated
//! with the first one's parameters). Reads made by git generators are its dependency set, so a new
//! `clusters/<name>/config.json` re-expands it. Helm charts, `merge`, SCM and pull-request generators are
//! reported as not rendered.

use super::gotmpl::{self, MissingKey};
use super::text_at as text;
use crate::config::Config;
use crate::kustomize::{KUSTOMIZATION_FILES, Options};
use crate::manifest::{self, Limits};
use crate::source::{Access, EntryKind, Snapshot, join, normalize, parent};
use crate::workspace::Workspace;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The server URL of the cluster Argo CD runs in.
pub const IN_CLUSTER_SERVER: &str = "https://kubernetes.default.svc";
/// Most Applications one ApplicationSet may generate.
const MAX_GENERATED: usize = 10_000;

/// How an Argo CD sync root is built (part of [`super::flux::BuildSpec`], so a change to it re-renders).
#[derive(Debug, Clone, PartialEq)]
pub enum ArgoBuild {
    /// One source of an Application.
    Source(ArgoSource),
    /// An ApplicationSet object, expanded by its generators.
    AppSet(Value),
}

/// The build settings of one Application source.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ArgoSource {
    /// `destination.namespace`: the namespace of namespaced objects that name none.
    pub dest_namespace: Option<String>,
    pub recurse: bool,
    pub include: Option<String>,
    pub exclude: Option<String>,
    /// `kustomize` options of the source (`namePrefix`, `images`, `commonLabels`, …).
    pub kustomize: Value,
}

pub fn is_application(v: &Value) -> bool {
    is_argo(v, "Application")
}

pub fn is_application_set(v: &Value) -> bool {
    is_argo(v, "ApplicationSet")
}

fn is_argo(v: &Value, kind: &str) -> bool {
    v.get("kind").and_then(Value::as_str) == Some(kind)
        && v.get("apiVersion").and_then(Value::as_str).is_some_and(|a| a.starts_with("argoproj.io/"))
}

/// The cluster an Application's objects land on; `hub` is the cluster the Application object is on.
pub fn destination_cluster(app: &Value, config: Option<&Config>, hub: &str) -> String {
    let argo = config.map(|c| c.clusters.argocd.as_slice()).unwrap_or_default();
    let trim = |s: &str| s.trim_end_matches('/').to_string();
    if let Some(name) = text(app, &["spec", "destination", "name"]).filter(|n| !n.is_empty()) {
        let local = name == "in-cluster" || argo.iter().any(|c| c.name == name && trim(&c.server) == IN_CLUSTER_SERVER);
        return if local { hub.to_string() } else { name.to_string() };
    }
    let server = trim(text(app, &["spec", "destination", "server"]).unwrap_or(""));
    if server == IN_CLUSTER_SERVER || server.is_empty() {
        return hub.to_string();
    }
    argo.iter().find(|c| trim(&c.server) == server).map(|c| c.name.clone()).unwrap_or(server)
}

/// One source of an Application, resolved against the workspace.
pub struct AppSource {
    /// `Application ns/name`, with ` source N` for multi-source Applications.
    pub name: String,
    pub repo_url: String,
    pub revision: String,
    pub path: String,
    /// A Helm chart (from a chart repository), which is not rendered.
    pub chart: Option<String>,
    pub build: ArgoSource,
}

/// The sources of an Application that produce objects (`ref`-only sources of multi-source apps do not).
pub fn application_sources(app: &Value) -> Vec<AppSource> {
    let label = format!(
        "Application {}/{}",
        text(app, &["metadata", "namespace"]).unwrap_or("argocd"),
        text(app, &["metadata", "name"]).unwrap_or("")
    );
    let spec = app.get("spec");
    let dest_namespace =
        spec.and_then(|s| text(s, &["destination", "namespace"])).filter(|n| !n.is_empty()).map(str::to_string);
    let single = spec.and_then(|s| s.get("source")).filter(|s| s.is_object());
    let list: Vec<Value> = match (single, spec.and_then(|s| s.get("sources")).and_then(Value::as_array)) {
        (_, Some(many)) if !many.is_empty() => many.clone(),
        (Some(one), _) => vec![one.clone()],
        _ => Vec::new(),
    };
    let multi = list.len() > 1 || single.is_none();
    let mut out = Vec::new();
    for (i, src) in list.iter().enumerate() {
        let chart = text(src, &["chart"]).map(str::to_string);
        let path = text(src, &["path"]);
        if chart.is_none() && path.is_none() {
            continue;
        }
        let dir = src.get("directory");
        out.push(AppSource {
            name: if multi { format!("{label} source {}", i + 1) } else { label.clone() },
            repo_url: text(src, &["repoURL"]).unwrap_or("").to_string(),
            revision: text(src, &["targetRevision"]).unwrap_or("").to_string(),
            path: normalize(path.unwrap_or("").trim_start_matches('/')).unwrap_or_else(|_| path.unwrap_or("").into()),
            chart,
            build: ArgoSource {
                dest_namespace: dest_namespace.clone(),
                recurse: dir.and_then(|d| d.get("recurse")).and_then(Value::as_bool).unwrap_or(false),
                include: dir.and_then(|d| text(d, &["include"])).filter(|s| !s.is_empty()).map(str::to_string),
                exclude: dir.and_then(|d| text(d, &["exclude"])).filter(|s| !s.is_empty()).map(str::to_string),
                kustomize: src.get("kustomize").cloned().unwrap_or(Value::Null),
            },
        });
    }
    out
}

/// The ref a source pins: `None` for `HEAD`, empty, or the repository's default branch.
pub fn pinned_revision(revision: &str, default_branch: &str) -> Option<String> {
    let r = revision.trim();
    let r = r.strip_prefix("refs/heads/").unwrap_or(r);
    if r.is_empty() || r == "HEAD" || r == default_branch { None } else { Some(r.to_string()) }
}

/// Build one Application source from `snap`.
pub fn build_source(snap: &Snapshot, dir: &str, src: &ArgoSource) -> super::flux::Built {
    let probe = snap.fork();
    let has_kustomization =
        KUSTOMIZATION_FILES.iter().any(|f| join(dir, f).ok().is_some_and(|p| probe.is_file(&p).unwrap_or(false)));
    let chart = join(dir, "Chart.yaml").ok().is_some_and(|p| probe.is_file(&p).unwrap_or(false));
    let mut built = if has_kustomization {
        let spec = kustomize_spec(&src.kustomize);
        let mut b = super::flux::build_with(snap, dir, &spec, &Options::default());
        b.deps.reads.extend(probe.access().reads);
        b
    } else if chart {
        super::flux::Built {
            objects: Err(format!("{dir}: a Helm chart (Chart.yaml); fleetgate does not render Helm charts yet")),
            deps: probe.access(),
        }
    } else {
        let objects = directory_objects(&probe, dir, src);
        super::flux::Built { objects, deps: probe.access() }
    };
    if let (Ok(objects), Some(ns)) = (&mut built.objects, &src.dest_namespace) {
        for o in objects.iter_mut() {
            set_default_namespace(o, ns);
        }
    }
    built
}

fn set_default_namespace(o: &mut Value, ns: &str) {
    let api = text(o, &["apiVersion"]).unwrap_or("");
    let group = api.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
    let kind = text(o, &["kind"]).unwrap_or("");
    if crate::kustomize::replacements::is_cluster_scoped(group, kind) {
        return;
    }
    if let Some(md) = o.get_mut("metadata").and_then(Value::as_object_mut)
        && md.get("namespace").and_then(Value::as_str).is_none_or(str::is_empty)
    {
        md.insert("namespace".into(), Value::String(ns.to_string()));
    }
}

/// Argo's `kustomize` source options as the equivalent kustomization edits.
fn kustomize_spec(k: &Value) -> super::flux::BuildSpec {
    let mut spec = super::flux::BuildSpec::default();
    let s = |key: &str| text(k, &[key]).filter(|v| !v.is_empty()).map(str::to_string);
    spec.name_prefix = s("namePrefix");
    spec.name_suffix = s("nameSuffix");
    spec.target_namespace = s("namespace");
    spec.patches = k.get("patches").and_then(Value::as_array).cloned().unwrap_or_default();
    spec.components = k
        .get("components")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|c| c.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    spec.images = k
        .get("images")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|i| i.as_str().map(image_override)).collect())
        .unwrap_or_default();
    for key in ["commonLabels", "commonAnnotations"] {
        if let Some(m) = k.get(key).filter(|m| m.is_object()) {
            spec.kustomize_extra.insert(key.to_string(), m.clone());
        }
    }
    if let Some(r) = k.get("replicas").filter(|r| r.is_array()) {
        spec.kustomize_extra.insert("replicas".to_string(), r.clone());
    }
    spec
}

/// `kustomize edit set image` syntax (`old=new:tag`, `name:tag`, `name@digest`) as a kustomization image.
fn image_override(s: &str) -> Value {
    let (name, target) = s.split_once('=').unwrap_or((s, s));
    let mut m = Map::new();
    let base = |t: &str| -> String {
        let cut = t.find('@').or_else(|| t.rfind(':').filter(|&i| !t[i..].contains('/'))).unwrap_or(t.len());
        t[..cut].to_string()
    };
    m.insert("name".into(), Value::String(base(name)));
    let (image, digest) = match target.split_once('@') {
        Some((i, d)) => (i, Some(d)),
        None => (target, None),
    };
    let (new_name, tag) = match image.rfind(':').filter(|&i| !image[i..].contains('/')) {
        Some(i) => (&image[..i], Some(&image[i + 1..])),
        None => (image, None),
    };
    if new_name != base(name) {
        m.insert("newName".into(), Value::String(new_name.to_string()));
    }
    if let Some(t) = tag {
        m.insert("newTag".into(), Value::String(t.to_string()));
    }
    if let Some(d) = digest {
        m.insert("digest".into(), Value::String(d.to_string()));
    }
    Value::Object(m)
}

/// A plain directory source: every `.yaml`, `.yml` and `.json` file (below it too with `recurse`), filtered
/// by `include` / `exclude` (globs over the path relative to the directory, `{a,b}` alternatives).
fn directory_objects(snap: &Snapshot, dir: &str, src: &ArgoSource) -> Result<Vec<Value>, String> {
    let mut files = Vec::new();
    collect_files(snap, dir, "", src.recurse, &mut files)?;
    let mut out = Vec::new();
    for rel in files {
        if !(rel.ends_with(".yaml") || rel.ends_with(".yml") || rel.ends_with(".json")) {
            continue;
        }
        if src.include.as_deref().is_some_and(|g| !glob_alternatives(g, &rel))
            || src.exclude.as_deref().is_some_and(|g| glob_alternatives(g, &rel))
        {
            continue;
        }
        let path = join(dir, &rel).map_err(|e| e.to_string())?;
        let text = snap.read_string(&path).map_err(|e| e.to_string())?;
        let docs = manifest::parse(&path, &text, &Limits::default()).map_err(|e| e.to_string())?;
        for d in docs {
            let v = crate::kustomize::value_of(&d.root);
            if v.is_null() {
                continue;
            }
            let items = match (text_of(&v, "kind"), v.get("items").and_then(Value::as_array)) {
                (Some(k), Some(items)) if k.ends_with("List") => items.clone(),
                _ => vec![v],
            };
            for item in items {
                if text_of(&item, "apiVersion").is_none() || text_of(&item, "kind").is_none() {
                    return Err(format!(
                        "{path}:{}: not a Kubernetes object (no apiVersion/kind); Argo CD would fail to sync it",
                        d.root.pos.line
                    ));
                }
                out.push(item);
            }
        }
    }
    Ok(out)
}

fn text_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn collect_files(snap: &Snapshot, dir: &str, rel: &str, recurse: bool, out: &mut Vec<String>) -> Result<(), String> {
    let here = if rel.is_empty() { dir.to_string() } else { join(dir, rel).map_err(|e| e.to_string())? };
    for e in snap.list(&here).map_err(|e| e.to_string())? {
        let r = if rel.is_empty() { e.name.clone() } else { format!("{rel}/{}", e.name) };
        match e.kind {
            EntryKind::File => out.push(r),
            EntryKind::Dir if recurse && !e.name.starts_with('.') => collect_files(snap, dir, &r, recurse, out)?,
            _ => {}
        }
    }
    Ok(())
}

/// A glob with `{a,b}` alternatives at the top level.
fn glob_alternatives(pattern: &str, path: &str) -> bool {
    match (pattern.find('{'), pattern.find('}')) {
        (Some(o), Some(c)) if o < c => pattern[o + 1..c]
            .split(',')
            .any(|alt| glob_alternatives(&format!("{}{alt}{}", &pattern[..o], &pattern[c + 1..]), path)),
        _ => crate::glob::matches(pattern, path),
    }
}

/// The Applications an ApplicationSet generates, and what its git generators read (per repository).
pub fn expand(
    ws: &Workspace,
    config: Option<&Config>,
    appset: &Value,
) -> (Result<Vec<Value>, String>, BTreeMap<String, Access>) {
    let mut ctx = Ctx { ws, config, reads: BTreeMap::new(), go: false, missing: MissingKey::Default };
    let result = expand_inner(&mut ctx, appset);
    let mut deps: BTreeMap<String, Access> = BTreeMap::new();
    for (repo, snap) in ctx.reads.into_values() {
        let a = snap.access();
        let d = deps.entry(repo).or_default();
        d.reads.extend(a.reads);
        d.lists.extend(a.lists);
    }
    (result, deps)
}

struct Ctx<'a> {
    ws: &'a Workspace,
    config: Option<&'a Config>,
    /// One tracking fork per repository and pinned ref read by git generators: key → (repository, fork).
    reads: BTreeMap<String, (String, Snapshot)>,
    go: bool,
    missing: MissingKey,
}

fn expand_inner(ctx: &mut Ctx, appset: &Value) -> Result<Vec<Value>, String> {
    let spec = appset.get("spec").ok_or("ApplicationSet has no spec")?;
    ctx.go = spec.get("goTemplate").and_then(Value::as_bool).unwrap_or(false);
    ctx.missing = if spec
        .get("goTemplateOptions")
        .and_then(Value::as_array)
        .is_some_and(|o| o.iter().any(|x| x.as_str() == Some("missingkey=error")))
    {
        MissingKey::Error
    } else {
        MissingKey::Default
    };
    if spec.get("templatePatch").is_some() {
        return Err("spec.templatePatch is not supported by fleetgate yet".to_string());
    }
    let template = spec.get("template").cloned().unwrap_or(Value::Null);
    let namespace = text(appset, &["metadata", "namespace"]).unwrap_or("argocd").to_string();
    let mut apps: BTreeMap<String, Value> = BTreeMap::new();
    for (gi, g) in spec.get("generators").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let params = generate(ctx, g).map_err(|e| format!("spec.generators[{gi}]: {e}"))?;
        let mut t = template.clone();
        if let Some(over) = first_generator_template(g) {
            merge_into(&mut t, over);
        }
        for p in params {
            let rendered = render_value(ctx, &t, &p).map_err(|e| format!("spec.generators[{gi}] template: {e}"))?;
            let name = text(&rendered, &["metadata", "name"]).unwrap_or("").to_string();
            if name.is_empty() {
                return Err(format!("spec.generators[{gi}]: the template gives an Application without a name"));
            }
            let mut md = rendered.get("metadata").and_then(Value::as_object).cloned().unwrap_or_default();
            md.insert("namespace".into(), Value::String(namespace.clone()));
            let app = json!({
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Application",
                "metadata": Value::Object(md),
                "spec": rendered.get("spec").cloned().unwrap_or(Value::Null),
            });
            // Argo CD keeps the first Application of a duplicated name.
            apps.entry(name).or_insert(app);
            if apps.len() > MAX_GENERATED {
                return Err(format!("more than {MAX_GENERATED} Applications generated"));
            }
        }
    }
    Ok(apps.into_values().collect())
}

fn first_generator_template(g: &Value) -> Option<&Value> {
    g.as_object()?.values().find_map(|inner| inner.get("template")).filter(|t| t.is_object())
}

fn merge_into(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(slot) if slot.is_object() && v.is_object() => merge_into(slot, v),
                    _ if v.is_null() || (v.as_str() == Some("")) => {}
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

/// Render every string in `v` with the parameter set `p`.
fn render_value(ctx: &Ctx, v: &Value, p: &Value) -> Result<Value, String> {
    let flat = if ctx.go { BTreeMap::new() } else { flatten(p) };
    fn walk(ctx: &Ctx, v: &Value, p: &Value, flat: &BTreeMap<String, String>) -> Result<Value, String> {
        Ok(match v {
            Value::String(s) if s.contains("{{") => {
                Value::String(if ctx.go { gotmpl::render_go(s, p, ctx.missing)? } else { gotmpl::render_fast(s, flat) })
            }
            Value::Array(a) => Value::Array(a.iter().map(|x| walk(ctx, x, p, flat)).collect::<Result<_, _>>()?),
            Value::Object(m) => Value::Object(
                m.iter().map(|(k, x)| Ok((k.clone(), walk(ctx, x, p, flat)?))).collect::<Result<_, String>>()?,
            ),
            other => other.clone(),
        })
    }
    walk(ctx, v, p, &flat)
}

/// fasttemplate parameters: nested keys joined by `.`, list items as `key[i]`; a git generator's `path`
/// object gives `path` (the path itself), `path.basename`, …, and `path[i]` for its segments.
fn flatten(p: &Value) -> BTreeMap<String, String> {
    fn go(prefix: &str, v: &Value, out: &mut BTreeMap<String, String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    if k == "path" && prefix.is_empty() && x.get("path").is_some() {
                        for (pk, pv) in x.as_object().into_iter().flatten() {
                            match (pk.as_str(), pv) {
                                ("path", Value::String(s)) => {
                                    out.insert("path".into(), s.clone());
                                }
                                ("segments", Value::Array(segs)) => {
                                    for (i, s) in segs.iter().enumerate() {
                                        out.insert(format!("path[{i}]"), s.as_str().unwrap_or("").to_string());
                                    }
                                }
                                (pk, pv) => go(&format!("path.{pk}"), pv, out),
                            }
                        }
                        continue;
                    }
                    go(&key, x, out);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    go(&format!("{prefix}[{i}]"), x, out);
                }
            }
            Value::String(s) => {
                out.insert(prefix.to_string(), s.clone());
            }
            Value::Null => {
                out.insert(prefix.to_string(), String::new());
            }
            other => {
                out.insert(prefix.to_string(), other.to_string());
            }
        }
    }
    let mut out = BTreeMap::new();
    go("", p, &mut out);
    out
}

/// The parameter sets of one generator.
fn generate(ctx: &mut Ctx, g: &Value) -> Result<Vec<Value>, String> {
    let obj = g.as_object().ok_or("a generator must be a map")?;
    let (kind, body) = obj.iter().find(|(k, _)| k.as_str() != "selector").ok_or("an empty generator")?;
    let params = match kind.as_str() {
        "list" => list_params(body)?,
        "clusters" => cluster_params(ctx, body)?,
        "git" => git_params(ctx, body)?,
        "matrix" => matrix_params(ctx, body)?,
        other => return Err(format!("the {other:?} generator is not supported by fleetgate yet")),
    };
    // A generator-level `selector` filters its parameter sets by their (flattened) values.
    match obj.get("selector") {
        Some(sel) => Ok(params.into_iter().filter(|p| selector_matches(sel, &flatten(p))).collect()),
        None => Ok(params),
    }
}

fn list_params(body: &Value) -> Result<Vec<Value>, String> {
    if body.get("elementsYaml").is_some() {
        return Err("list.elementsYaml is not supported by fleetgate yet".to_string());
    }
    Ok(body.get("elements").and_then(Value::as_array).cloned().unwrap_or_default())
}

fn cluster_params(ctx: &Ctx, body: &Value) -> Result<Vec<Value>, String> {
    let clusters = ctx.config.map(|c| c.clusters.argocd.as_slice()).unwrap_or_default();
    let mut out = Vec::new();
    for c in clusters {
        let labels: BTreeMap<String, String> = c.labels.clone();
        if let Some(sel) = body.get("selector")
            && !selector_matches(sel, &labels)
        {
            continue;
        }
        let mut p = json!({
            "name": c.name,
            "nameNormalized": gotmpl::normalize(&c.name),
            "server": c.server,
            "project": "",
            "metadata": {"labels": labels, "annotations": {}},
        });
        if let Some(values) = body.get("values").and_then(Value::as_object) {
            let mut rendered = Map::new();
            for (k, v) in values {
                let v = render_value(ctx, v, &p)?;
                rendered.insert(k.clone(), v);
            }
            if let Some(m) = p.as_object_mut() {
                m.insert("values".into(), Value::Object(rendered));
            }
        }
        out.push(p);
    }
    Ok(out)
}

/// A label selector (`matchLabels`, `matchExpressions` with In / NotIn / Exists / DoesNotExist).
fn selector_matches(sel: &Value, labels: &BTreeMap<String, String>) -> bool {
    for (k, v) in sel.get("matchLabels").and_then(Value::as_object).into_iter().flatten() {
        if labels.get(k).map(String::as_str) != v.as_str() {
            return false;
        }
    }
    for e in sel.get("matchExpressions").and_then(Value::as_array).into_iter().flatten() {
        let key = text(e, &["key"]).unwrap_or("");
        let values: Vec<&str> =
            e.get("values").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        let have = labels.get(key);
        let ok = match text(e, &["operator"]).unwrap_or("") {
            "In" => have.is_some_and(|h| values.contains(&h.as_str())),
            "NotIn" => have.is_none_or(|h| !values.contains(&h.as_str())),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

fn git_snapshot(ctx: &mut Ctx, body: &Value) -> Result<(String, Snapshot), String> {
    let url = text(body, &["repoURL"]).ok_or("git generator without repoURL")?;
    let repo = ctx
        .ws
        .repo_for_url(url)
        .ok_or_else(|| format!("git generator repoURL {url} is not a configured repository"))?;
    let rev = text(body, &["revision"]).unwrap_or("");
    let (key, snap) = match pinned_revision(rev, &repo.default_branch) {
        None => (repo.name.clone(), repo.snapshot.clone()),
        Some(r) => match ctx.ws.pinned(&repo.name, &r) {
            Some(Ok(s)) => (format!("{}@{r}", repo.name), s),
            Some(Err(e)) => return Err(e),
            None => (repo.name.clone(), repo.snapshot.clone()),
        },
    };
    // Dependency sets are per repository name: a pinned ref's reads count against the repository.
    let name = repo.name.clone();
    let tracked = ctx.reads.entry(key.clone()).or_insert_with(|| (name, snap.fork())).1.clone();
    Ok((key, tracked))
}

fn git_params(ctx: &mut Ctx, body: &Value) -> Result<Vec<Value>, String> {
    let (_, snap) = git_snapshot(ctx, body)?;
    let prefix = text(body, &["pathParamPrefix"]).filter(|p| !p.is_empty()).map(str::to_string);
    let mut out = Vec::new();
    if let Some(dirs) = body.get("directories").and_then(Value::as_array) {
        let (inc, exc) = split_patterns(dirs);
        let mut found = std::collections::BTreeSet::new();
        for p in &inc {
            found.extend(glob_paths(&snap, p, true)?);
        }
        for d in found {
            if exc.iter().any(|e| crate::glob::matches(e, &d)) {
                continue;
            }
            out.push(with_prefix(json!({ "path": path_param(&d, None) }), &prefix));
        }
    } else if let Some(files) = body.get("files").and_then(Value::as_array) {
        let (inc, exc) = split_patterns(files);
        let mut found = std::collections::BTreeSet::new();
        for p in &inc {
            found.extend(glob_paths(&snap, p, false)?);
        }
        for f in found {
            if exc.iter().any(|e| crate::glob::matches(e, &f)) {
                continue;
            }
            let text = snap.read_string(&f).map_err(|e| e.to_string())?;
            let docs = manifest::parse(&f, &text, &Limits::default()).map_err(|e| e.to_string())?;
            let dir = parent(&f).to_string();
            let name = f.rsplit('/').next().unwrap_or(&f).to_string();
            for d in docs {
                let v = crate::kustomize::value_of(&d.root);
                let items = match v {
                    Value::Array(a) => a,
                    Value::Null => continue,
                    other => vec![other],
                };
                for item in items {
                    let Value::Object(mut m) = item else {
                        return Err(format!("{f}: a git files generator file must hold a map or a list of maps"));
                    };
                    let p = path_param(&dir, Some(&name));
                    match &prefix {
                        Some(pre) => {
                            m.insert(pre.clone(), json!({ "path": p }));
                        }
                        None => {
                            m.insert("path".into(), p);
                        }
                    }
                    out.push(Value::Object(m));
                }
            }
        }
    } else {
        return Err("git generator needs `directories` or `files`".to_string());
    }
    Ok(out)
}

fn with_prefix(p: Value, prefix: &Option<String>) -> Value {
    match prefix {
        None => p,
        Some(pre) => json!({ pre.clone(): p }),
    }
}

fn split_patterns(list: &[Value]) -> (Vec<String>, Vec<String>) {
    let mut inc = Vec::new();
    let mut exc = Vec::new();
    for d in list {
        let Some(p) = text(d, &["path"]) else { continue };
        let p = p.trim_start_matches("./").trim_start_matches('/').to_string();
        if d.get("exclude").and_then(Value::as_bool).unwrap_or(false) {
            exc.push(p);
        } else {
            inc.push(p);
        }
    }
    (inc, exc)
}

/// The `path` parameter of a git generator: `path`, `basename`, `basenameNormalized`, `segments` (and
/// `filename`, `filenameNormalized` for files).
fn path_param(dir: &str, file: Option<&str>) -> Value {
    let base = dir.rsplit('/').next().unwrap_or(dir);
    let mut m = Map::new();
    m.insert("path".into(), Value::String(dir.to_string()));
    m.insert("basename".into(), Value::String(base.to_string()));
    m.insert("basenameNormalized".into(), Value::String(gotmpl::normalize(base)));
    m.insert(
        "segments".into(),
        Value::Array(dir.split('/').filter(|s| !s.is_empty()).map(|s| Value::String(s.to_string())).collect()),
    );
    if let Some(f) = file {
        m.insert("filename".into(), Value::String(f.to_string()));
        m.insert("filenameNormalized".into(), Value::String(gotmpl::normalize(f)));
    }
    Value::Object(m)
}

/// Paths matching a glob (`*` one segment, `**` any number), directories or files, found by listing only the
/// directories the pattern can reach (so the reads are the generator's true dependency set).
fn glob_paths(snap: &Snapshot, pattern: &str, dirs: bool) -> Result<Vec<String>, String> {
    let segs: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty() && *s != ".").collect();
    let mut out = Vec::new();
    glob_walk(snap, "", &segs, dirs, &mut out, 0)?;
    out.sort();
    out.dedup();
    Ok(out)
}

fn is_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

fn glob_walk(
    snap: &Snapshot,
    base: &str,
    segs: &[&str],
    dirs: bool,
    out: &mut Vec<String>,
    depth: usize,
) -> Result<(), String> {
    if depth > 64 {
        return Err("glob reaches more than 64 directories deep".to_string());
    }
    let Some((seg, rest)) = segs.split_first() else {
        if dirs && !base.is_empty() {
            out.push(base.to_string());
        }
        return Ok(());
    };
    let child = |name: &str| if base.is_empty() { name.to_string() } else { format!("{base}/{name}") };
    if *seg == "**" {
        glob_walk(snap, base, rest, dirs, out, depth + 1)?;
        for e in snap.list(base).map_err(|e| e.to_string())? {
            if e.kind == EntryKind::Dir && !e.name.starts_with('.') {
                glob_walk(snap, &child(&e.name), segs, dirs, out, depth + 1)?;
            }
        }
        return Ok(());
    }
    if is_glob(seg) {
        for e in snap.list(base).map_err(|e| e.to_string())? {
            if e.name.starts_with('.') || !crate::glob::matches(seg, &e.name) {
                continue;
            }
            match (e.kind, rest.is_empty()) {
                (EntryKind::Dir, _) => glob_walk(snap, &child(&e.name), rest, dirs, out, depth + 1)?,
                (EntryKind::File, true) if !dirs => out.push(child(&e.name)),
                _ => {}
            }
        }
        return Ok(());
    }
    let p = child(seg);
    match snap.kind(&p).map_err(|e| e.to_string())? {
        Some(EntryKind::Dir) => glob_walk(snap, &p, rest, dirs, out, depth + 1),
        Some(EntryKind::File) if rest.is_empty() && !dirs => {
            out.push(p);
            Ok(())
        }
        _ => Ok(()),
    }
}

fn matrix_params(ctx: &mut Ctx, body: &Value) -> Result<Vec<Value>, String> {
    let gens = body.get("generators").and_then(Value::as_array).ok_or("matrix without generators")?;
    let [first, second] = gens.as_slice() else {
        return Err(format!("a matrix needs exactly two generators, found {}", gens.len()));
    };
    let mut out = Vec::new();
    for p1 in generate(ctx, first).map_err(|e| format!("matrix.generators[0]: {e}"))? {
        // The second generator may use the first one's parameters.
        let g2 = render_value(ctx, second, &p1).map_err(|e| format!("matrix.generators[1]: {e}"))?;
        for p2 in generate(ctx, &g2).map_err(|e| format!("matrix.generators[1]: {e}"))? {
            let mut merged = p1.clone();
            merge_params(&mut merged, &p2);
            out.push(merged);
            if out.len() > MAX_GENERATED {
                return Err(format!("the matrix gives more than {MAX_GENERATED} parameter sets"));
            }
        }
    }
    Ok(out)
}

fn merge_params(base: &mut Value, over: &Value) {
    if let (Value::Object(b), Value::Object(o)) = (base, over) {
        for (k, v) in o {
            match b.get_mut(k) {
                Some(slot @ Value::Object(_)) if v.is_object() => merge_params(slot, v),
                _ => {
                    b.insert(k.clone(), v.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_in_kustomize_edit_syntax() {
        assert_eq!(image_override("nginx:1.2"), json!({"name": "nginx", "newTag": "1.2"}));
        assert_eq!(
            image_override("nginx=registry.io/nginx:1.3"),
            json!({"name": "nginx", "newName": "registry.io/nginx", "newTag": "1.3"})
        );
        assert_eq!(
            image_override("registry:5000/app@sha256:abc"),
            json!({"name": "registry:5000/app", "digest": "sha256:abc"})
        );
    }

    #[test]
    fn selectors_and_flattening() {
        let labels: BTreeMap<String, String> = [("env".to_string(), "prod".to_string())].into_iter().collect();
        assert!(selector_matches(&json!({"matchLabels": {"env": "prod"}}), &labels));
        assert!(!selector_matches(&json!({"matchLabels": {"env": "dev"}}), &labels));
        assert!(selector_matches(
            &json!({"matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "dev"]}]}),
            &labels
        ));
        assert!(!selector_matches(&json!({"matchExpressions": [{"key": "x", "operator": "Exists"}]}), &labels));
        let flat = flatten(&json!({"path": path_param("a/b", None), "cluster": {"name": "x"}}));
        assert_eq!(flat.get("path").map(String::as_str), Some("a/b"));
        assert_eq!(flat.get("path.basename").map(String::as_str), Some("b"));
        assert_eq!(flat.get("path[1]").map(String::as_str), Some("b"));
        assert_eq!(flat.get("cluster.name").map(String::as_str), Some("x"));
    }

    #[test]
    fn destinations_map_through_the_cluster_list() {
        let config = Config::parse(
            "f.yaml",
            "repos: [{name: a, role: system}]\nclusters:\n  argocd:\n    - {name: in-cluster, server: https://kubernetes.default.svc}\n    - {name: prod, server: https://prod.example.com/}\n",
            std::path::Path::new("."),
        )
        .unwrap();
        let app = |d: Value| json!({"spec": {"destination": d}});
        let c = Some(&config);
        assert_eq!(destination_cluster(&app(json!({"name": "in-cluster"})), c, "hub"), "hub");
        assert_eq!(destination_cluster(&app(json!({"server": "https://kubernetes.default.svc"})), c, "hub"), "hub");
        assert_eq!(destination_cluster(&app(json!({"server": "https://prod.example.com"})), c, "hub"), "prod");
        assert_eq!(destination_cluster(&app(json!({"name": "other"})), c, "hub"), "other");
    }
}
