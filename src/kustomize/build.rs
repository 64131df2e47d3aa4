//! The build: load a kustomization tree from a snapshot and run kustomize v5.5's pipeline over it.
//!
//! Per kustomization (recursively, as kustomize's `accumulateTarget`): resources (files and sub-kustomizations,
//! each fully built), `configurations`/`crds`, components (applied to the accumulated resources), generators,
//! then the built-in transformers in kustomize's order — patchesStrategicMerge, patches, namespace, namePrefix,
//! nameSuffix, labels/commonLabels, commonAnnotations, patchesJson6902, replicas, images, replacements — and
//! vars are collected. At the top only: name-hash suffixes, name back-references, vars, ordering.

use super::fieldspec::{ConfigFile, TransformerConfig};
use super::resource::Resource;
use super::transform;
use super::types::{KUSTOMIZATION_FILES, Kustomization};
use crate::manifest::{self, Limits};
use crate::source::{Access, EntryKind, Snapshot, join};
use serde_json::Value;

/// How resources are ordered in the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reorder {
    /// kustomize's CLI default: the legacy kind order.
    #[default]
    Legacy,
    /// Depth-first input order.
    None,
}

/// Which files a kustomization may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoadRestrictor {
    /// Files must be inside the kustomization's directory (kustomize's default).
    #[default]
    RootOnly,
    /// Anything inside the snapshot (Flux's setting).
    None,
}

/// Build options.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub reorder: Reorder,
    pub load_restrictor: LoadRestrictor,
    /// Flux mode: a directory without a kustomization file is built as kustomize-controller generates it (every
    /// YAML file below it, subdirectories with a kustomization as units); the load restrictor is off.
    pub flux: bool,
}

impl Options {
    /// kustomize-controller's options.
    pub fn flux() -> Options {
        Options { reorder: Reorder::None, load_restrictor: LoadRestrictor::None, flux: true }
    }
}

/// A failed build, naming the file or directory and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RenderError {
    pub message: String,
}

pub(crate) fn err(message: impl Into<String>) -> RenderError {
    RenderError { message: message.into() }
}

/// The output of a build.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The resources in output order.
    pub resources: Vec<Resource>,
    /// Every path read and directory listed: the build's dependency set.
    pub deps: Access,
}

impl Rendered {
    /// The objects as JSON values, in output order.
    pub fn values(&self) -> Vec<Value> {
        self.resources.iter().map(|r| r.obj.clone()).collect()
    }
}

/// What one kustomization accumulates.
#[derive(Debug, Default)]
pub(crate) struct Acc {
    pub resources: Vec<Resource>,
    /// The custom OpenAPI schema set by a kustomization of the build (kustomize keeps one, build-wide).
    pub schema: Option<std::sync::Arc<super::openapi::CustomSchema>>,
    /// Shared until a kustomization changes it (most never do).
    pub config: std::sync::Arc<TransformerConfig>,
    pub vars: Vec<super::types::Var>,
}

impl Acc {
    fn new() -> Acc {
        Acc { resources: Vec::new(), schema: None, config: builtin_config(), vars: Vec::new() }
    }

    /// Append one generated resource, refusing an id that is already present.
    pub(crate) fn append_generated(&mut self, r: Resource, from: &str) -> Result<(), RenderError> {
        self.append(vec![r], from)
    }

    /// Append resources, refusing ids that are already present.
    fn append(&mut self, more: Vec<Resource>, from: &str) -> Result<(), RenderError> {
        for r in more {
            let id = r.id();
            if self.resources.iter().any(|x| x.id().same(&id)) {
                return Err(err(format!(
                    "{from}: may not add resource with an already registered id: {}; rename one of them (namePrefix, nameSuffix or a patch)",
                    id.display()
                )));
            }
            self.resources.push(r);
        }
        Ok(())
    }
}

/// Build the kustomization in directory `dir` (repository-relative) of `snapshot`.
pub fn build(snapshot: &Snapshot, dir: &str, options: &Options) -> Result<Rendered, RenderError> {
    build_tracked(snapshot, dir, options).0
}

/// [`build`], also returning the dependency set when the build fails (what it read up to the failure: a
/// change to anything else cannot make it succeed or fail differently).
pub fn build_tracked(snapshot: &Snapshot, dir: &str, options: &Options) -> (Result<Rendered, RenderError>, Access) {
    let snap = snapshot.fork();
    let result = build_inner(&snap, dir, options);
    let deps = snap.access();
    (result, deps)
}

fn build_inner(snap: &Snapshot, dir: &str, options: &Options) -> Result<Rendered, RenderError> {
    let dir = crate::source::normalize(dir).map_err(|e| err(format!("{dir}: {e}")))?;
    let mut b = Builder { snap, opts: *options, schema: None, schema_set: false, stack: Vec::new() };
    let mut acc = b.accumulate(&dir, Acc::new(), false)?;
    let top = b.load_kustomization(&dir)?;
    transform::finish(&mut acc, top.as_ref().map(|(k, _)| k))?;
    let reorder = match top.as_ref().and_then(|(k, _)| k.sort_options.as_ref()).and_then(|s| s.order.as_deref()) {
        Some("legacy") => Some(Reorder::Legacy),
        Some("fifo") => Some(Reorder::None),
        _ => None,
    };
    if reorder.unwrap_or(options.reorder) == Reorder::Legacy {
        let legacy =
            top.as_ref().and_then(|(k, _)| k.sort_options.as_ref()).and_then(|s| s.legacy_sort_options.as_ref());
        transform::sort::legacy(&mut acc.resources, legacy);
    }
    transform::strip_internal(&mut acc.resources, top.as_ref().map(|(k, _)| k), &dir);
    Ok(Rendered { resources: acc.resources, deps: snap.access() })
}

struct Builder<'a> {
    snap: &'a Snapshot,
    opts: Options,
    /// The custom OpenAPI schema, once a kustomization sets one.
    schema: Option<std::sync::Arc<super::openapi::CustomSchema>>,
    schema_set: bool,
    /// Directories being built, for cycle detection.
    stack: Vec<String>,
}

/// The load restrictor: with `restrict_to` (a kustomization directory), a file outside it is refused.
pub(crate) fn check_restricted(path: &str, restrict_to: Option<&str>) -> Result<(), RenderError> {
    if let Some(root) = restrict_to
        && !(root.is_empty() || path.starts_with(&format!("{root}/")))
    {
        return Err(err(format!("security; file '{}' is not in or below '{}'", show(path), show(root))));
    }
    Ok(())
}

/// Display a repository path as kustomize would (absolute-looking).
pub(crate) fn show(path: &str) -> String {
    format!("/{path}")
}

impl Builder<'_> {
    /// The kustomization file of `dir` and its decoded content, or `None` when there is none.
    fn load_kustomization(&self, dir: &str) -> Result<Option<(Kustomization, String)>, RenderError> {
        let mut found = Vec::new();
        for name in KUSTOMIZATION_FILES {
            let p = join(dir, name).map_err(err)?;
            if self.snap.is_file(&p).map_err(|e| err(e.to_string()))? {
                found.push(p);
            }
        }
        let Some(file) = found.first().cloned() else { return Ok(None) };
        let bytes = self.snap.read(&file).map_err(|e| err(e.to_string()))?;
        let key = format!("kustomization:{file}:{}:{:x}", found.len(), content_hash(&bytes));
        if let Some(hit) = self.snap.memo::<Result<Option<(Kustomization, String)>, RenderError>>(&key) {
            return (*hit).clone();
        }
        let result = self.parse_kustomization(file, &found, dir);
        self.snap.memo_put(key, std::sync::Arc::new(result.clone()));
        result
    }

    fn parse_kustomization(
        &self,
        file: String,
        found: &[String],
        dir: &str,
    ) -> Result<Option<(Kustomization, String)>, RenderError> {
        if found.len() > 1 {
            return Err(err(format!(
                "Found multiple kustomization files under: {}; keep one of {}",
                show(dir),
                found.join(", ")
            )));
        }
        let text = self.snap.read_string(&file).map_err(|e| err(e.to_string()))?;
        // kustomization files go through go-yaml v2, where a repeated key silently wins.
        let limits = Limits { duplicate_keys_last_wins: true, ..Limits::default() };
        let docs = manifest::parse(&file, &text, &limits).map_err(|e| err(e.to_string()))?;
        let k = match docs.as_slice() {
            [] => return Err(err(format!("{file}: kustomization.yaml is empty; add resources or delete the file"))),
            [d] => Kustomization::from_node(&file, &d.root).map_err(|e| err(e.to_string()))?,
            _ => return Err(err(format!("{file}: a kustomization file holds one YAML document"))),
        };
        Ok(Some((k, file)))
    }

    /// Flux's implicit kustomization for a directory without one.
    fn implicit_kustomization(&self, dir: &str) -> Result<Kustomization, RenderError> {
        Ok(Kustomization { resources: Some(implicit_resources(self.snap, dir)?), ..Kustomization::default() })
    }

    fn accumulate(&mut self, dir: &str, mut acc: Acc, is_component: bool) -> Result<Acc, RenderError> {
        if self.stack.iter().any(|d| d == dir) {
            return Err(err(format!(
                "cycle detected: {} is included again by itself ({} → {}); remove the loop",
                show(dir),
                self.stack.iter().map(|d| show(d)).collect::<Vec<_>>().join(" → "),
                show(dir)
            )));
        }
        if self.stack.len() > 64 {
            return Err(err(format!("{}: kustomizations nested more than 64 deep", show(dir))));
        }
        let (k, kfile) = match self.load_kustomization(dir)? {
            Some(x) => x,
            None if self.opts.flux && self.stack.is_empty() => {
                (self.implicit_kustomization(dir)?, join(dir, "kustomization.yaml").unwrap_or_default())
            }
            None => {
                return Err(err(format!(
                    "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{}'",
                    show(dir)
                )));
            }
        };
        if is_component && !k.is_component() {
            return Err(err(format!(
                "accumulating components: accumulateDirectory: \"expected kind 'Component' for path '{}' but got 'Kustomization'\"",
                show(dir)
            )));
        }
        if !is_component && k.is_component() && !self.stack.is_empty() {
            return Err(err(format!(
                "accumulating resources: accumulateDirectory: \"expected kind != 'Component' for path '{}'\"",
                show(dir)
            )));
        }
        unsupported(&k, &kfile)?;
        self.load_schema(dir, &kfile, &k)?;
        if let Some(v) = k.open_api.as_ref().and_then(|o| o.get("version").cloned().flatten())
            && v != "v1.21.2"
        {
            return Err(err(format!(
                "{kfile}: openapi version {v:?}: the specified OpenAPI version is not built in (kustomize v5.5 has v1.21.2); give a schema file with openapi.path instead"
            )));
        }
        if let Some(so) = &k.sort_options
            && !matches!(so.order.as_deref(), Some("fifo" | "legacy"))
        {
            return Err(err(format!("{kfile}: the field 'sortOptions.order' must be one of [fifo, legacy]")));
        }
        self.stack.push(dir.to_string());
        let result = self.accumulate_inner(dir, &kfile, &k, &mut acc);
        self.stack.pop();
        result?;
        Ok(acc)
    }

    /// `openapi: {path: …}`: read the schema file and make it the build's schema.
    fn load_schema(&mut self, dir: &str, kfile: &str, k: &Kustomization) -> Result<(), RenderError> {
        let Some(o) = &k.open_api else { return Ok(()) };
        let path = o.get("path").cloned().flatten();
        let version = o.get("version").cloned().flatten();
        if path.is_some() && version.is_some() {
            return Err(err(format!(
                "{kfile}: builtin version and file path cannot both be specified in openapi; keep one"
            )));
        }
        // The first kustomization that sets the schema wins (an overlay is loaded before its bases).
        if self.schema_set {
            return Ok(());
        }
        self.schema_set = path.is_some() || version.is_some();
        let Some(path) = path else { return Ok(()) };
        let full = self.resolve(dir, &path, kfile)?;
        let text = self.snap.read_string(&full).map_err(|e| err(format!("{kfile}: openapi path {path:?}: {e}")))?;
        let docs = manifest::parse(&full, &text, &Limits::default()).map_err(|e| err(e.to_string()))?;
        let Some(doc) = docs.first() else { return Err(err(format!("{full}: the OpenAPI schema file is empty"))) };
        let schema =
            super::openapi::CustomSchema::from_value(&doc.root.to_json()).map_err(|e| err(format!("{full}: {e}")))?;
        self.schema = Some(std::sync::Arc::new(schema));
        Ok(())
    }

    fn accumulate_inner(
        &mut self,
        dir: &str,
        kfile: &str,
        k: &Kustomization,
        acc: &mut Acc,
    ) -> Result<(), RenderError> {
        let resources: Vec<&String> = k.resources.iter().flatten().chain(k.bases.iter().flatten()).collect();
        for entry in resources {
            let path = self.resolve(dir, entry, kfile)?;
            match self.snap.kind(&path).map_err(|e| err(e.to_string()))? {
                Some(EntryKind::Dir) => {
                    let sub = self
                        .accumulate(&path, Acc::new(), false)
                        .map_err(|e| err(format!("accumulating resources from '{entry}': {}", e.message)))?;
                    acc.append(sub.resources, kfile)?;
                    acc.vars.extend(sub.vars);
                    // A base's transformer configuration (configurations, crds) carries up to its overlays.
                    if sub.config.custom {
                        std::sync::Arc::make_mut(&mut acc.config).merge((*sub.config).clone());
                    }
                }
                Some(EntryKind::File) => {
                    self.check_restrictor(dir, &path)?;
                    let loaded = self.load_resources(&path)?;
                    acc.append(loaded, kfile)?;
                }
                _ => {
                    return Err(err(format!(
                        "accumulating resources: accumulation err='accumulating resources from '{entry}': '{}' doesn't exist': must build at directory: not a valid directory: evalsymlink failure on '{}' : lstat {}: no such file or directory",
                        show(&path),
                        show(&path),
                        show(&path)
                    )));
                }
            }
        }
        for c in k.configurations.iter().flatten() {
            let path = self.resolve(dir, c, kfile)?;
            self.check_restrictor(dir, &path)?;
            let text = self.snap.read_string(&path).map_err(|e| err(e.to_string()))?;
            let docs = manifest::parse(&path, &text, &Limits::default()).map_err(|e| err(e.to_string()))?;
            for d in docs {
                let cfg: ConfigFile = serde_path_to_error::deserialize(d.root.to_json())
                    .map_err(|e| err(format!("{path}: {}: {}", e.path(), e.inner())))?;
                std::sync::Arc::make_mut(&mut acc.config).merge(cfg.into_config());
            }
        }
        for c in k.crds.iter().flatten() {
            let path = self.resolve(dir, c, kfile)?;
            self.check_restrictor(dir, &path)?;
            let text = self.snap.read_string(&path).map_err(|e| err(e.to_string()))?;
            transform::crds::merge_crd_config(&path, &text, std::sync::Arc::make_mut(&mut acc.config))?;
        }
        for c in k.components.iter().flatten() {
            let path = self.resolve(dir, c, kfile)?;
            if !self.snap.is_dir(&path).map_err(|e| err(e.to_string()))? {
                return Err(err(format!(
                    "{kfile}: component {c:?} is not a directory; a component is a directory with a kind: Component kustomization"
                )));
            }
            let taken = std::mem::take(acc);
            *acc = self
                .accumulate(&path, taken, true)
                .map_err(|e| err(format!("accumulating components: {}", e.message)))?;
        }
        acc.schema = self.schema.clone();
        transform::generate(self.snap, dir, kfile, k, acc, self.restrict_to(dir))?;
        transform::run(self.snap, dir, kfile, k, acc, self.restrict_to(dir))?;
        transform::bind_vars(acc, k.vars.as_deref().unwrap_or_default())?;
        Ok(())
    }

    fn restrict_to<'d>(&self, dir: &'d str) -> Option<&'d str> {
        (self.opts.load_restrictor == LoadRestrictor::RootOnly && !self.opts.flux).then_some(dir)
    }

    fn resolve(&self, dir: &str, entry: &str, kfile: &str) -> Result<String, RenderError> {
        if super::is_remote(entry) {
            return Err(err(format!(
                "{kfile}: remote resource {entry:?} is not supported by fleetgate's renderer (no network); vendor it into the repository or configure an external kustomize fallback"
            )));
        }
        join(dir, entry)
            .map_err(|e| err(format!("{kfile}: {entry:?}: {e}; references must stay inside the repository")))
    }

    fn check_restrictor(&self, dir: &str, path: &str) -> Result<(), RenderError> {
        check_restricted(path, self.restrict_to(dir))
    }

    /// The resources of a manifest file (Lists expanded), parsed once per tree.
    fn load_resources(&self, path: &str) -> Result<Vec<Resource>, RenderError> {
        let bytes = self.snap.read(path).map_err(|e| err(e.to_string()))?;
        let key = format!("kustomize-resources:{path}:{:x}", content_hash(&bytes));
        if let Some(hit) = self.snap.memo::<Result<Vec<Resource>, RenderError>>(&key) {
            return (*hit).clone();
        }
        let result = self.load_resources_uncached(path);
        self.snap.memo_put(key, std::sync::Arc::new(result.clone()));
        result
    }

    fn load_resources_uncached(&self, path: &str) -> Result<Vec<Resource>, RenderError> {
        let text = self.snap.read_string(path).map_err(|e| err(e.to_string()))?;
        let docs =
            manifest::parse(path, &text, &Limits::default()).map_err(|e| err(format!("MalformedYAMLError: {e}")))?;
        let mut out = Vec::new();
        for mut d in docs {
            if d.root.is_null() {
                continue;
            }
            stringify_metadata(&mut d.root);
            let v = super::value_of(&d.root);
            let Value::Object(map) = &v else {
                return Err(err(format!(
                    "{path}: document {} is not a mapping; every document must be a Kubernetes object",
                    d.index + 1
                )));
            };
            let kind = map.get("kind").and_then(Value::as_str).unwrap_or("");
            if kind.ends_with("List") && map.get("items").is_some_and(Value::is_array) {
                for item in map.get("items").and_then(Value::as_array).into_iter().flatten() {
                    out.push(Resource::new(item.clone(), Some(path.to_string())));
                }
                continue;
            }
            if kind.is_empty() {
                return Err(err(format!("{path}: missing kind in object {}", d.index + 1)));
            }
            out.push(Resource::new(v, Some(path.to_string())));
        }
        Ok(out)
    }
}

/// Label and annotation values are strings: kustomize reads `happy: true` in annotations as `"true"`.
fn stringify_metadata(root: &mut manifest::Node) {
    use manifest::{NodeKind, ScalarStyle};
    let NodeKind::Map(entries) = &mut root.kind else { return };
    let Some((_, md)) = entries.iter_mut().find(|(k, _)| k.scalar_text() == Some("metadata")) else { return };
    let NodeKind::Map(md) = &mut md.kind else { return };
    for (k, v) in md.iter_mut() {
        if !matches!(k.scalar_text(), Some("labels" | "annotations")) {
            continue;
        }
        let NodeKind::Map(pairs) = &mut v.kind else { continue };
        for (_, val) in pairs.iter_mut() {
            if let NodeKind::Scalar(s) = &mut val.kind
                && s.style == ScalarStyle::Plain
                && !s.is_null()
            {
                s.style = ScalarStyle::DoubleQuoted;
            }
        }
    }
}

/// Fields fleetgate's renderer does not implement: fail naming the field and the file.
fn unsupported(k: &Kustomization, kfile: &str) -> Result<(), RenderError> {
    let fields: [(&str, bool); 3] = [
        ("helmCharts", k.helm_charts.as_ref().is_some_and(|v| !v.is_empty())),
        ("helmChartInflationGenerator", k.helm_chart_inflation_generator.as_ref().is_some_and(|v| !v.is_empty())),
        ("validators", k.validators.as_ref().is_some_and(|v| !v.is_empty())),
    ];
    for (field, set) in fields {
        if set {
            return Err(err(format!(
                "{kfile}: `{field}` is not supported by fleetgate's renderer (it would run an external program); configure the external kustomize fallback for this directory"
            )));
        }
    }
    Ok(())
}

/// The `resources` of the kustomization Flux's kustomize-controller generates for a directory without one:
/// every YAML file below it, and subdirectories that have a kustomization file as units (relative paths).
pub fn implicit_resources(snap: &Snapshot, dir: &str) -> Result<Vec<String>, RenderError> {
    let mut out = Vec::new();
    scan_implicit(snap, dir, dir, &mut out)?;
    Ok(out)
}

fn scan_implicit(snap: &Snapshot, root: &str, dir: &str, out: &mut Vec<String>) -> Result<(), RenderError> {
    for e in snap.list(dir).map_err(|e| err(e.to_string()))? {
        let path = join(dir, &e.name).map_err(err)?;
        let rel =
            path.strip_prefix(&format!("{root}/")).unwrap_or(if root.is_empty() { &path } else { &e.name }).to_string();
        match e.kind {
            EntryKind::Dir => {
                let has_k = KUSTOMIZATION_FILES
                    .iter()
                    .any(|n| join(&path, n).ok().is_some_and(|p| snap.is_file(&p).unwrap_or(false)));
                if has_k {
                    out.push(rel);
                } else {
                    scan_implicit(snap, root, &path, out)?;
                }
            }
            EntryKind::File if e.name.ends_with(".yaml") || e.name.ends_with(".yml") => out.push(rel),
            _ => {}
        }
    }
    Ok(())
}

/// A fast hash of file content, for memo keys.
fn content_hash(bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// The built-in transformer configuration, shared.
fn builtin_config() -> std::sync::Arc<TransformerConfig> {
    static BUILTIN: std::sync::OnceLock<std::sync::Arc<TransformerConfig>> = std::sync::OnceLock::new();
    BUILTIN.get_or_init(|| std::sync::Arc::new(TransformerConfig::builtin())).clone()
}
