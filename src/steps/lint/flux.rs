//! Flux references: Kustomization sources, dependsOn and paths, HelmRelease chart sources, durations.

use super::index::{Index, Obj};
use super::{LintOptions, Severity, Sink};
use crate::manifest::Node;
use crate::source::{EntryKind, normalize};
use crate::workspace::Workspace;

pub(crate) fn is_flux_kustomization(o: &Obj) -> bool {
    o.id.group == "kustomize.toolkit.fluxcd.io" && o.id.kind == "Kustomization"
}

fn is_helm_release(o: &Obj) -> bool {
    o.id.group == "helm.toolkit.fluxcd.io" && o.id.kind == "HelmRelease"
}

fn is_flux_source(o: &Obj) -> bool {
    o.id.group == "source.toolkit.fluxcd.io"
}

/// True when a value is filled in by Flux substitution at apply time, so it cannot be checked from the files.
pub(crate) fn templated(s: &str) -> bool {
    s.contains("${") || s.contains("{{")
}

/// A Flux duration as the CRDs validate it: `^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`.
pub fn valid_duration(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            let fs = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == fs {
                return false;
            }
        }
        if b[i..].starts_with(b"ms") {
            i += 2;
        } else if i < b.len() && matches!(b[i], b's' | b'm' | b'h') {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

/// The repository a Flux source object points at: by URL among the configured repositories, or — for the
/// `flux-system` source that `flux bootstrap` writes — the repository that defines it.
pub(crate) fn source_repo(ws: &Workspace, source: &Obj) -> Option<usize> {
    if source.id.kind != "GitRepository" {
        return None;
    }
    if let Some(url) = source.node.str_at(&["spec", "url"])
        && let Some(m) = ws.repo_for_url(url)
    {
        return ws.repos.iter().position(|r| r.name == m.name);
    }
    (source.id.name == "flux-system").then_some(source.repo)
}

/// What a Kustomization's `sourceRef` resolves to.
pub(crate) enum Source<'a> {
    /// A source object (GitRepository, OCIRepository, Bucket, …).
    Object(&'a Obj),
    /// An `ExternalArtifact` produced by an `ArtifactGenerator` (source-watcher): the generator and the
    /// `spec.artifacts[]` entry.
    Artifact(&'a Obj, &'a Node),
}

impl Source<'_> {
    pub fn label(&self) -> String {
        match self {
            Source::Object(o) => o.label(),
            Source::Artifact(g, a) => {
                format!("ExternalArtifact {} (from {})", a.str_at(&["name"]).unwrap_or("?"), g.label())
            }
        }
    }
}

fn is_artifact_generator(o: &Obj) -> bool {
    o.id.group == "source.extensions.fluxcd.io" && o.id.kind == "ArtifactGenerator"
}

/// Sort key for candidates of a reference: the same repository first, then the longest shared directory
/// prefix (each cluster directory of a fleet usually defines its own `flux-system` source).
fn proximity(from: &Obj, to: &Obj) -> (bool, std::cmp::Reverse<usize>) {
    let shared = from.file.split('/').zip(to.file.split('/')).take_while(|(a, b)| a == b).count();
    (from.repo != to.repo, std::cmp::Reverse(if from.repo == to.repo { shared } else { 0 }))
}

/// The source a Flux Kustomization's `sourceRef` names, preferring one in the same repository.
pub(crate) fn find_source<'a>(idx: &'a Index, ks: &'a Obj) -> Option<Source<'a>> {
    let r = ks.node.at(&["spec", "sourceRef"])?;
    let kind = r.str_at(&["kind"])?;
    let name = r.str_at(&["name"])?;
    let ns = r.str_at(&["namespace"]).or(ks.id.namespace.as_deref());
    if kind == "ExternalArtifact" {
        let mut gens: Vec<&Obj> = idx
            .objects
            .iter()
            .filter(|o| is_artifact_generator(o))
            .filter(|o| match (ns, o.id.namespace.as_deref()) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            })
            .collect();
        gens.sort_by_key(|o| proximity(ks, o));
        for g in gens {
            for a in g.node.at(&["spec", "artifacts"]).and_then(Node::as_seq).unwrap_or_default() {
                if a.str_at(&["name"]) == Some(name) {
                    return Some(Source::Artifact(g, a));
                }
            }
        }
        return None;
    }
    let mut found: Vec<&Obj> = idx.find(kind, name, ns).filter(|o| is_flux_source(o)).collect();
    found.sort_by_key(|o| proximity(ks, o));
    found.into_iter().next().map(Source::Object)
}

/// Where a Kustomization's `spec.path` lands.
pub(crate) enum PathTarget {
    /// The source's repository is not in the workspace (or the path is templated): nothing to check.
    Unknown,
    /// A directory of a workspace repository (it may not exist).
    Dir { repo: usize, dir: String },
    /// The path cannot be valid, with the reason.
    Invalid(String),
}

/// Resolve `spec.path` of a Flux Kustomization through its source to a repository directory. For an
/// `ExternalArtifact`, the generator's `copy` rules (`@alias/<dir>/**` → `@artifact/<dir>/`) map the artifact
/// path back to the repository path.
pub(crate) fn resolve_path(ws: &Workspace, idx: &Index, ks: &Obj, source: &Source) -> PathTarget {
    let raw = ks.node.str_at(&["spec", "path"]).unwrap_or("./");
    if templated(raw) {
        return PathTarget::Unknown;
    }
    let path = match normalize(raw.trim_start_matches('/')) {
        Ok(p) => p,
        Err(reason) => return PathTarget::Invalid(format!("spec.path {raw:?} leaves the source's root ({reason})")),
    };
    match source {
        Source::Object(o) => match source_repo(ws, o) {
            Some(repo) => PathTarget::Dir { repo, dir: path },
            None => PathTarget::Unknown,
        },
        Source::Artifact(generator, artifact) => {
            let sources = generator.node.at(&["spec", "sources"]).and_then(Node::as_seq).unwrap_or_default();
            for c in artifact.get("copy").and_then(Node::as_seq).unwrap_or_default() {
                let (Some(from), Some(to)) = (c.str_at(&["from"]), c.str_at(&["to"])) else { continue };
                let Some((alias, src_glob)) = from.strip_prefix('@').and_then(|f| f.split_once('/')) else { continue };
                let Some(dst) = to.strip_prefix("@artifact/").or_else(|| (to == "@artifact").then_some("")) else {
                    continue;
                };
                let Some(src_dir) = src_glob.strip_suffix("/**").or_else(|| (src_glob == "**").then_some("")) else {
                    continue;
                };
                let dst = dst.trim_end_matches('/');
                let rest = if dst.is_empty() {
                    Some(path.as_str())
                } else if path == dst {
                    Some("")
                } else {
                    path.strip_prefix(&format!("{dst}/"))
                };
                let Some(rest) = rest else { continue };
                let Some(src) = sources.iter().find(|s| s.str_at(&["alias"]) == Some(alias)) else { continue };
                let (Some(kind), Some(name)) = (src.str_at(&["kind"]), src.str_at(&["name"])) else { continue };
                let ns = src.str_at(&["namespace"]).or(generator.id.namespace.as_deref());
                let Some(obj) = idx.find(kind, name, ns).find(|o| is_flux_source(o)) else {
                    return PathTarget::Unknown;
                };
                let Some(repo) = source_repo(ws, obj) else { return PathTarget::Unknown };
                let dir = [src_dir, rest].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join("/");
                return match normalize(&dir) {
                    Ok(dir) => PathTarget::Dir { repo, dir },
                    Err(reason) => PathTarget::Invalid(reason),
                };
            }
            PathTarget::Invalid(format!("no copy rule of the artifact puts anything at {raw:?}"))
        }
    }
}

pub(crate) fn check(ws: &Workspace, idx: &Index, opts: &LintOptions, sink: &mut Sink) {
    for o in &idx.objects {
        let repo = &ws.repos[o.repo].name;
        let emit = |sink: &mut Sink, rule: &'static str, node: Option<&Node>, msg: String| {
            sink.push(Severity::Error, rule, repo, &o.file, node.map_or(o.pos, |n| n.pos), Some(o.label()), msg);
        };
        if is_flux_kustomization(o) || is_helm_release(o) || is_flux_source(o) {
            for key in ["interval", "retryInterval", "timeout"] {
                if let Some(n) = o.node.at(&["spec", key]) {
                    match n.as_str() {
                        Some(v) if valid_duration(v) || templated(v) => {}
                        _ => emit(
                            sink,
                            "flux-duration-invalid",
                            Some(n),
                            format!(
                                "spec.{key}: {:?} is not a duration Flux accepts; write it like 30s, 10m, 1h or 1h30m",
                                n.scalar_text().unwrap_or(n.type_name())
                            ),
                        ),
                    }
                }
            }
        }
        if is_flux_kustomization(o) {
            check_kustomization(ws, idx, opts, o, sink);
        }
        if is_helm_release(o) {
            let (r, field) =
                match (o.node.at(&["spec", "chart", "spec", "sourceRef"]), o.node.at(&["spec", "chartRef"])) {
                    (Some(r), _) => (r, "spec.chart.spec.sourceRef"),
                    (None, Some(r)) => (r, "spec.chartRef"),
                    (None, None) => continue,
                };
            let (Some(kind), Some(name)) = (r.str_at(&["kind"]), r.str_at(&["name"])) else {
                emit(sink, "flux-helm-source-missing", Some(r), format!("{field} needs kind and name"));
                continue;
            };
            if templated(name) {
                continue;
            }
            let ns = r.str_at(&["namespace"]).or(o.id.namespace.as_deref());
            if idx.find(kind, name, ns).next().is_none() && !external(opts, kind, ns, name) {
                emit(
                    sink,
                    "flux-helm-source-missing",
                    Some(r),
                    format!(
                        "{field} names {kind} {}{name}, which no repository defines; add it or list it under lint.externalSources",
                        ns.map(|n| format!("{n}/")).unwrap_or_default()
                    ),
                );
            }
        }
    }
}

fn external(opts: &LintOptions, kind: &str, ns: Option<&str>, name: &str) -> bool {
    opts.external_sources.iter().any(|e| {
        let mut p = e.split('/');
        match (p.next(), p.next(), p.next()) {
            (Some(k), Some(n), Some(m)) => k == kind && m == name && ns.is_none_or(|ns| ns == n),
            _ => false,
        }
    })
}

fn check_kustomization(ws: &Workspace, idx: &Index, opts: &LintOptions, o: &Obj, sink: &mut Sink) {
    let repo = &ws.repos[o.repo].name;
    let emit = |sink: &mut Sink, rule: &'static str, node: &Node, msg: String| {
        sink.push(Severity::Error, rule, repo, &o.file, node.pos, Some(o.label()), msg);
    };
    let source = match o.node.at(&["spec", "sourceRef"]) {
        None => {
            emit(
                sink,
                "flux-source-missing",
                &o.node,
                "spec.sourceRef is missing; name the GitRepository, OCIRepository or Bucket to build from".to_string(),
            );
            None
        }
        Some(r) => match (r.str_at(&["kind"]), r.str_at(&["name"])) {
            (Some(kind), Some(name)) => {
                let ns = r.str_at(&["namespace"]).or(o.id.namespace.as_deref());
                let found = find_source(idx, o);
                if found.is_none() && !templated(name) && !external(opts, kind, ns, name) {
                    emit(
                        sink,
                        "flux-source-missing",
                        r,
                        format!(
                            "spec.sourceRef names {kind} {}{name}, which no repository defines; add it or list it under lint.externalSources in fleetgate.yaml",
                            ns.map(|n| format!("{n}/")).unwrap_or_default()
                        ),
                    );
                }
                found
            }
            _ => {
                emit(sink, "flux-source-missing", r, "spec.sourceRef needs kind and name".to_string());
                None
            }
        },
    };
    for d in o.node.at(&["spec", "dependsOn"]).and_then(Node::as_seq).unwrap_or_default() {
        let Some(name) = d.str_at(&["name"]) else {
            emit(sink, "flux-dependson-missing", d, "dependsOn entries need a name".to_string());
            continue;
        };
        if templated(name) {
            continue;
        }
        let ns = d.str_at(&["namespace"]).or(o.id.namespace.as_deref());
        if !idx.find("Kustomization", name, ns).any(is_flux_kustomization) {
            emit(
                sink,
                "flux-dependson-missing",
                d,
                format!(
                    "dependsOn names Kustomization {}{name}, which no repository defines; fix the name or add the Kustomization",
                    ns.map(|n| format!("{n}/")).unwrap_or_default()
                ),
            );
        }
    }
    let Some(src) = source else { return };
    let at = o.node.at(&["spec", "path"]).unwrap_or(&o.node);
    let raw = at.as_str().unwrap_or("./");
    match resolve_path(ws, idx, o, &src) {
        PathTarget::Unknown => {}
        PathTarget::Invalid(reason) => {
            emit(sink, "flux-path-missing", at, format!("spec.path {raw:?}: {reason} (source {})", src.label()))
        }
        PathTarget::Dir { repo, dir } => {
            let target = &ws.repos[repo];
            if !matches!(target.snapshot.kind(&dir), Ok(Some(EntryKind::Dir))) {
                emit(
                    sink,
                    "flux-path-missing",
                    at,
                    format!(
                        "spec.path {raw:?} is not a directory in repository {} (looked for {}, source {}); fix the path",
                        target.name,
                        if dir.is_empty() { "the root" } else { &dir },
                        src.label()
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::valid_duration as v;

    #[test]
    fn flux_durations() {
        for ok in ["10m", "1h", "30s", "1h30m", "500ms", "1.5h", "0s", "10m0s"] {
            assert!(v(ok), "{ok}");
        }
        for bad in ["", "10", "10 m", "1d", "m", "1.h", "-5m", "1H"] {
            assert!(!v(bad), "{bad}");
        }
    }
}
