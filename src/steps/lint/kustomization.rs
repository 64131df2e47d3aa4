//! Kustomization references and duplicate identities.

use super::index::Index;
use super::{Severity, Sink};
use crate::kustomize::{KUSTOMIZATION_FILES, Kustomization};
use crate::manifest::{PathSeg, Pos};
use crate::source::{EntryKind, join};
use crate::workspace::Workspace;
use std::collections::BTreeMap;

/// What a reference must point at.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// `resources`/`bases`: a manifest file or a kustomization directory.
    Resource,
    /// `components`: a directory with a `kind: Component` kustomization.
    Component,
    /// An input file that need not be a Kubernetes object (patches, generator inputs, …).
    Input,
    /// `generators`/`transformers`/`validators`: a plugin config file or a kustomization directory.
    Plugin,
}

pub(crate) struct Ref {
    pub field: Vec<PathSeg>,
    pub value: String,
    pub role: Role,
}

fn seg(k: &str) -> PathSeg {
    PathSeg::Key(k.to_string())
}

pub(crate) fn refs_of(k: &Kustomization) -> Vec<Ref> {
    let mut out = Vec::new();
    let mut list = |key: &str, items: &Option<Vec<String>>, role: Role| {
        for (i, v) in items.iter().flatten().enumerate() {
            out.push(Ref { field: vec![seg(key), PathSeg::Index(i)], value: v.clone(), role });
        }
    };
    list("resources", &k.resources, Role::Resource);
    list("bases", &k.bases, Role::Resource);
    list("components", &k.components, Role::Component);
    list("crds", &k.crds, Role::Input);
    list("configurations", &k.configurations, Role::Input);
    list("generators", &k.generators, Role::Plugin);
    list("transformers", &k.transformers, Role::Plugin);
    list("validators", &k.validators, Role::Plugin);
    for (i, p) in k.patches_strategic_merge.iter().flatten().enumerate() {
        // An entry is a path, or an inline patch (kustomize tries the path first).
        if !p.contains('\n') && !p.trim_start().starts_with("apiVersion") {
            out.push(Ref {
                field: vec![seg("patchesStrategicMerge"), PathSeg::Index(i)],
                value: p.clone(),
                role: Role::Input,
            });
        }
    }
    for (key, patches) in [("patches", &k.patches), ("patchesJson6902", &k.patches_json6902)] {
        for (i, p) in patches.iter().flatten().enumerate() {
            if let Some(path) = &p.path {
                out.push(Ref {
                    field: vec![seg(key), PathSeg::Index(i), seg("path")],
                    value: path.clone(),
                    role: Role::Input,
                });
            }
        }
    }
    for (i, r) in k.replacements.iter().flatten().enumerate() {
        if let Some(path) = &r.path {
            out.push(Ref {
                field: vec![seg("replacements"), PathSeg::Index(i), seg("path")],
                value: path.clone(),
                role: Role::Input,
            });
        }
    }
    if let Some(path) = k.open_api.as_ref().and_then(|o| o.get("path").cloned().flatten()) {
        out.push(Ref { field: vec![seg("openapi"), seg("path")], value: path, role: Role::Input });
    }
    for (key, gens) in [("configMapGenerator", &k.config_map_generator), ("secretGenerator", &k.secret_generator)] {
        for (i, g) in gens.iter().flatten().enumerate() {
            for (j, f) in g.files.iter().flatten().enumerate() {
                // `[key=]path`
                let path = f.split_once('=').map_or(f.as_str(), |(_, p)| p);
                out.push(Ref {
                    field: vec![seg(key), PathSeg::Index(i), seg("files"), PathSeg::Index(j)],
                    value: path.to_string(),
                    role: Role::Input,
                });
            }
            for (j, e) in g.envs.iter().flatten().enumerate() {
                out.push(Ref {
                    field: vec![seg(key), PathSeg::Index(i), seg("envs"), PathSeg::Index(j)],
                    value: e.clone(),
                    role: Role::Input,
                });
            }
            if let Some(e) = &g.env {
                out.push(Ref {
                    field: vec![seg(key), PathSeg::Index(i), seg("env")],
                    value: e.clone(),
                    role: Role::Input,
                });
            }
        }
    }
    out
}

pub(crate) use crate::kustomize::is_remote;

/// Check every kustomization's references; record which files are inputs rather than manifests, and the
/// namespace each kustomization gives the files it lists directly.
pub(crate) fn resolve(ws: &Workspace, idx: &mut Index, sink: &mut Sink) {
    let mut inputs = Vec::new();
    let mut namespaces = Vec::new();
    for kf in &idx.kusts {
        let Some(k) = &kf.k else { continue };
        let repo = &ws.repos[kf.repo];
        let pos_of = |field: &[PathSeg]| kf.root.pos_of_path(field);
        for r in refs_of(k) {
            let pos = pos_of(&r.field);
            let field = field_name(&r.field);
            let report = |sink: &mut Sink, severity: Severity, rule: &'static str, message: String| {
                sink.push(severity, rule, &repo.name, &kf.file, pos, None, message);
            };
            if is_remote(&r.value) {
                report(
                    sink,
                    Severity::Warning,
                    "kustomization-remote",
                    format!(
                        "{field}: remote reference {:?} is not checked, and fleetgate's renderer does not fetch it; vendor it into a repository",
                        r.value
                    ),
                );
                continue;
            }
            let path = match join(&kf.dir, &r.value) {
                Ok(p) => p,
                Err(reason) => {
                    report(
                        sink,
                        Severity::Error,
                        "kustomization-escapes",
                        format!(
                            "{field}: {:?} leaves the repository ({reason}); references must stay inside it",
                            r.value
                        ),
                    );
                    continue;
                }
            };
            let kind = match repo.snapshot.kind(&path) {
                Ok(k) => k,
                Err(e) => {
                    report(sink, Severity::Error, "kustomization-escapes", format!("{field}: {e}"));
                    continue;
                }
            };
            let missing = |sink: &mut Sink, what: &str| {
                report(
                    sink,
                    Severity::Error,
                    "kustomization-missing-ref",
                    format!("{field}: {what}; fix the path or add the file"),
                )
            };
            match (kind, r.role) {
                (None, _) => missing(sink, &format!("{path} does not exist")),
                (Some(EntryKind::Submodule), _) => {
                    missing(sink, &format!("{path} is a git submodule, which is not supported"))
                }
                (Some(EntryKind::Dir), Role::Input) => {
                    missing(sink, &format!("{path} is a directory, a file is expected"))
                }
                (Some(EntryKind::Dir), Role::Resource | Role::Component | Role::Plugin) => {
                    let Some(sub) = KUSTOMIZATION_FILES
                        .iter()
                        .map(|n| join(&path, n).unwrap_or_default())
                        .find(|p| idx.all_files[kf.repo].contains(p))
                    else {
                        missing(sink, &format!("directory {path} has no kustomization.yaml"));
                        continue;
                    };
                    let sub_kind =
                        idx.kust_in(kf.repo, &path).and_then(|s| s.k.as_ref()).map(Kustomization::is_component);
                    let mismatch = match (r.role, sub_kind) {
                        (Role::Resource, Some(true)) => Some(format!(
                            "{field}: {sub} is a Component; list it under `components:`, not `{}`",
                            base_key(&r.field)
                        )),
                        (Role::Component, Some(false)) => Some(format!(
                            "{field}: {sub} is a Kustomization, not a Component; set `kind: Component` in it or list it under `resources:`"
                        )),
                        _ => None,
                    };
                    if let Some(message) = mismatch {
                        report(sink, Severity::Error, "kustomization-kind-mismatch", message);
                    }
                }
                (Some(EntryKind::File), Role::Component) => {
                    missing(sink, &format!("{path} is a file; a component is a directory"))
                }
                (Some(EntryKind::File), role) => {
                    if role == Role::Resource {
                        if let Some(ns) = &k.namespace {
                            namespaces.push((kf.repo, path.clone(), ns.clone()));
                        }
                    } else {
                        inputs.push((kf.repo, path.clone()));
                    }
                    let in_root = kf.dir.is_empty() || path.starts_with(&format!("{}/", kf.dir));
                    if !in_root {
                        sink.push(
                            Severity::Warning,
                            "kustomization-load-restrictor",
                            &repo.name,
                            &kf.file,
                            pos,
                            None,
                            format!("{field}: {path} is outside {}/; `kubectl kustomize` refuses it by default (Flux allows it): move the file or reference its directory", if kf.dir.is_empty() { "." } else { &kf.dir }));
                    }
                }
            }
        }
    }
    for (repo, path) in inputs {
        idx.non_resource[repo].insert(path);
    }
    for (repo, path, ns) in namespaces {
        idx.namespace_of[repo].insert(path, ns);
    }
}

fn base_key(field: &[PathSeg]) -> &str {
    match field.first() {
        Some(PathSeg::Key(k)) => k,
        _ => "",
    }
}

pub(crate) fn field_name(field: &[PathSeg]) -> String {
    let mut s = String::new();
    for f in field {
        match f {
            PathSeg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            PathSeg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// Duplicate object identities among one kustomization directory's own resources.
pub(crate) fn check(ws: &Workspace, idx: &Index, sink: &mut Sink) {
    for kf in &idx.kusts {
        let Some(k) = &kf.k else { continue };
        // (group, version, kind, namespace, name) → first definition
        let mut seen: BTreeMap<[String; 5], (String, Pos)> = BTreeMap::new();
        let own: Vec<String> = k
            .resources
            .iter()
            .chain(k.bases.iter())
            .flatten()
            .filter_map(|r| join(&kf.dir, r).ok())
            .filter(|p| idx.all_files[kf.repo].contains(p))
            .collect();
        for path in &own {
            for o in idx.objects.iter().filter(|o| o.repo == kf.repo && &o.file == path) {
                let ns = k.namespace.clone().or_else(|| o.id.namespace.clone()).unwrap_or_default();
                let ns = if ns == "default" { String::new() } else { ns };
                let key = [o.id.group.clone(), o.id.version.clone(), o.id.kind.clone(), ns, o.id.name.clone()];
                if let Some((first_file, first_pos)) = seen.get(&key) {
                    sink.push(
                        Severity::Error,
                        "duplicate-object",
                        &ws.repos[kf.repo].name,
                        &o.file,
                        o.pos,
                        Some(o.label()),
                        format!(
                            "{} is also defined at {first_file}:{} and both are resources of {}; kustomize refuses duplicate ids: remove or rename one",
                            o.label(),
                            first_pos.line,
                            kf.file
                        ),
                    );
                } else {
                    seen.insert(key, (o.file.clone(), o.pos));
                }
            }
        }
    }
}
