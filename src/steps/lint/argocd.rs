//! Argo CD: Application and ApplicationSet paths exist in the repository their `repoURL` names.

use super::index::{Index, Obj};
use super::{Severity, Sink};
use crate::manifest::Node;
use crate::source::normalize;
use crate::workspace::Workspace;

fn is_argo(o: &Obj, kind: &str) -> bool {
    o.id.group == "argoproj.io" && o.id.kind == kind
}

pub(crate) fn check(ws: &Workspace, idx: &Index, sink: &mut Sink) {
    for o in &idx.objects {
        if is_argo(o, "Application") {
            for src in sources(o.node.at(&["spec"])) {
                check_source(ws, idx, o, src, sink);
            }
        } else if is_argo(o, "ApplicationSet") {
            for src in sources(o.node.at(&["spec", "template", "spec"])) {
                check_source(ws, idx, o, src, sink);
            }
            if let Some(gens) = o.node.at(&["spec", "generators"]).and_then(Node::as_seq) {
                check_generators(ws, idx, o, gens, sink, 0);
            }
        }
    }
}

fn sources(spec: Option<&Node>) -> Vec<&Node> {
    let Some(spec) = spec else { return Vec::new() };
    let mut out: Vec<&Node> = spec.get("source").into_iter().collect();
    out.extend(spec.get("sources").and_then(Node::as_seq).unwrap_or_default());
    out
}

fn emit(ws: &Workspace, o: &Obj, node: &Node, msg: String, sink: &mut Sink) {
    sink.push(Severity::Error, "argocd-path-missing", &ws.repos[o.repo].name, &o.file, node.pos, Some(o.label()), msg);
}

fn repo_index(ws: &Workspace, url: &str) -> Option<usize> {
    let m = ws.repo_for_url(url)?;
    ws.repos.iter().position(|r| r.name == m.name)
}

fn check_source(ws: &Workspace, idx: &Index, o: &Obj, src: &Node, sink: &mut Sink) {
    let (Some(url), Some(path_node)) = (src.str_at(&["repoURL"]), src.get("path")) else {
        return;
    };
    let Some(path) = path_node.as_str() else {
        return;
    };
    if super::flux::templated(url) || super::flux::templated(path) {
        return;
    }
    let Some(ri) = repo_index(ws, url) else {
        return;
    };
    let ok = normalize(path.trim_start_matches("./")).is_ok_and(|p| idx.all_dirs[ri].contains(&p));
    if !ok {
        emit(
            ws,
            o,
            path_node,
            format!("path {path:?} is not a directory in repository {} ({url}); fix the path", ws.repos[ri].name),
            sink,
        );
    }
}

fn check_generators(ws: &Workspace, idx: &Index, o: &Obj, gens: &[Node], sink: &mut Sink, depth: usize) {
    if depth > 4 {
        return;
    }
    for g in gens {
        for nested in ["matrix", "merge"] {
            if let Some(inner) = g.at(&[nested, "generators"]).and_then(Node::as_seq) {
                check_generators(ws, idx, o, inner, sink, depth + 1);
            }
        }
        let Some(git) = g.get("git") else { continue };
        let Some(url) = git.str_at(&["repoURL"]) else {
            continue;
        };
        if super::flux::templated(url) {
            continue;
        }
        let Some(ri) = repo_index(ws, url) else {
            continue;
        };
        let repo = &ws.repos[ri].name;
        for d in git.get("directories").and_then(Node::as_seq).unwrap_or_default() {
            let Some(pn) = d.get("path") else { continue };
            let Some(pattern) = pn.as_str() else { continue };
            if d.get("exclude").and_then(Node::as_str) == Some("true") || super::flux::templated(pattern) {
                continue;
            }
            if !idx.all_dirs[ri].iter().any(|dir| !dir.is_empty() && crate::glob::matches(pattern, dir)) {
                emit(
                    ws,
                    o,
                    pn,
                    format!(
                        "git generator directories path {pattern:?} matches no directory in repository {repo}; fix the pattern"
                    ),
                    sink,
                );
            }
        }
        for f in git.get("files").and_then(Node::as_seq).unwrap_or_default() {
            let Some(pn) = f.get("path") else { continue };
            let Some(pattern) = pn.as_str() else { continue };
            if super::flux::templated(pattern) {
                continue;
            }
            if !idx.all_files[ri].iter().any(|file| crate::glob::matches(pattern, file)) {
                emit(
                    ws,
                    o,
                    pn,
                    format!(
                        "git generator files path {pattern:?} matches no file in repository {repo}; fix the pattern"
                    ),
                    sink,
                );
            }
        }
    }
}
