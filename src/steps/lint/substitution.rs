//! `${VAR}` placeholders under a Flux Kustomization that nothing substitutes.
//!
//! Flux's post-build substitution replaces `${var}` (and `${var:=default}`, `${var:-default}`) in the built
//! objects with `spec.postBuild.substitute` and `substituteFrom` values; `$${var}` escapes; an object annotated
//! `kustomize.toolkit.fluxcd.io/substitute: disabled` is left alone. A placeholder with no value and no default
//! reaches the cluster literally (or, with Flux's strict mode, fails the apply).

use super::flux::{PathTarget, find_source, is_flux_kustomization, resolve_path};
use super::index::{Index, ParsedFile, base_name, is_yaml};
use super::kustomization::{is_remote, refs_of};
use super::{Severity, Sink};
use crate::kustomize::KUSTOMIZATION_FILES;
use crate::manifest::{Node, NodeKind, Pos};
use crate::source::{join, parent};
use crate::workspace::Workspace;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A placeholder found in text: its variable name and whether it has a default.
#[derive(Debug, PartialEq, Eq)]
pub struct Placeholder {
    pub name: String,
    pub has_default: bool,
}

/// Every `${…}` placeholder of `text`, skipping `$${escaped}` ones.
pub fn placeholders(text: &str) -> Vec<Placeholder> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b'$' && b[i + 1] == b'$' {
            i += 2;
            continue;
        }
        if b[i] == b'$' && b[i + 1] == b'{' {
            let start = i + 2;
            let mut j = start;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            let name = &text[start..j];
            let valid = !name.is_empty() && !name.as_bytes()[0].is_ascii_digit();
            if valid && j < b.len() {
                let rest = &text[j..];
                let has_default = [":=", ":-", "=", "-"].iter().any(|op| rest.starts_with(op));
                if rest.starts_with('}') || has_default || rest.contains('}') {
                    out.push(Placeholder { name: name.to_string(), has_default });
                }
            }
            i = j.max(i + 2);
            continue;
        }
        i += 1;
    }
    out
}

fn collect_build(
    idx: &Index,
    repo: usize,
    dir: &str,
    out: &mut BTreeSet<(usize, String)>,
    seen: &mut BTreeSet<String>,
    depth: usize,
) {
    if depth > 50 || !seen.insert(dir.to_string()) {
        return;
    }
    if let Some(kf) = idx.kust_in(repo, dir) {
        out.insert((repo, kf.file.clone()));
        let Some(k) = &kf.k else { return };
        for r in refs_of(k) {
            if is_remote(&r.value) {
                continue;
            }
            let Ok(p) = join(dir, &r.value) else { continue };
            if idx.all_files[repo].contains(&p) {
                out.insert((repo, p));
            } else if idx.all_dirs[repo].contains(&p) {
                collect_build(idx, repo, &p, out, seen, depth + 1);
            }
        }
        return;
    }
    // Flux's implicit kustomization: every YAML file below, and subdirectories with a kustomization file as units.
    let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
    for f in idx.all_files[repo].iter().filter(|f| f.starts_with(&prefix) && is_yaml(f)) {
        let mut d = parent(f);
        let mut unit = None;
        while d.len() > dir.len() {
            if idx.kust_in(repo, d).is_some() {
                unit = Some(d.to_string());
            }
            d = parent(d);
        }
        match unit {
            Some(u) => collect_build(idx, repo, &u, out, seen, depth + 1),
            None if !KUSTOMIZATION_FILES.contains(&base_name(f)) => {
                out.insert((repo, f.clone()));
            }
            None => {}
        }
    }
}

fn scan(node: &Node, out: &mut Vec<(Pos, Placeholder)>) {
    match &node.kind {
        NodeKind::Scalar(s) => out.extend(placeholders(&s.text).into_iter().map(|p| (node.pos, p))),
        NodeKind::Seq(items) => items.iter().for_each(|n| scan(n, out)),
        NodeKind::Map(entries) => entries.iter().for_each(|(k, v)| {
            scan(k, out);
            scan(v, out);
        }),
    }
}

/// Where a placeholder is: repository, file, position, variable name.
type Site = (usize, String, Pos, String);

pub(crate) fn check(ws: &Workspace, idx: &Index, sink: &mut Sink) {
    // (repo, file, pos, var) → the Kustomizations that leave it unset
    let mut unset: BTreeMap<Site, Vec<(String, bool)>> = BTreeMap::new();
    let by_path: HashMap<(usize, &str), &ParsedFile> =
        idx.files.iter().map(|p| ((p.repo, p.path.as_str()), p)).collect();
    for ks in idx.objects.iter().filter(|o| is_flux_kustomization(o)) {
        let Some(src) = find_source(idx, ks) else { continue };
        let PathTarget::Dir { repo: target, dir } = resolve_path(ws, idx, ks, &src) else { continue };
        let post = ks.node.at(&["spec", "postBuild"]);
        let mut vars: BTreeSet<String> = post
            .and_then(|p| p.get("substitute"))
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .filter_map(|(k, _)| k.scalar_text().map(str::to_string))
            .collect();
        let mut unknown = false;
        for from in post.and_then(|p| p.get("substituteFrom")).and_then(Node::as_seq).unwrap_or_default() {
            let (Some(kind), Some(name)) = (from.str_at(&["kind"]), from.str_at(&["name"])) else {
                continue;
            };
            let optional = from.str_at(&["optional"]) == Some("true");
            let mut found = false;
            for o in idx.find(kind, name, ks.id.namespace.as_deref()) {
                found = true;
                for key in ["data", "stringData"] {
                    for (k, _) in o.node.get(key).and_then(Node::as_map).unwrap_or_default() {
                        if let Some(t) = k.scalar_text() {
                            vars.insert(t.to_string());
                        }
                    }
                }
                if o.id.kind == "SealedSecret" || o.node.get("spec").is_some() {
                    unknown = true;
                }
            }
            if !found && !optional {
                // Values come from a ConfigMap or Secret outside the repositories (or made by a controller):
                // nothing can be said about which variables it holds.
                unknown = true;
            }
        }
        if unknown {
            continue;
        }
        let mut files = BTreeSet::new();
        collect_build(idx, target, &dir, &mut files, &mut BTreeSet::new(), 0);
        for (repo, file) in files {
            let Some(pf) = by_path.get(&(repo, file.as_str())) else { continue };
            for doc in &pf.docs {
                let disabled = doc.root.str_at(&["metadata", "annotations", "kustomize.toolkit.fluxcd.io/substitute"])
                    == Some("disabled");
                // Without postBuild, Flux substitutes nothing: CRD schemas legitimately document `${var}` syntax.
                let crd = doc.root.str_at(&["kind"]) == Some("CustomResourceDefinition");
                if disabled || (post.is_none() && crd) {
                    continue;
                }
                let mut found = Vec::new();
                scan(&doc.root, &mut found);
                for (pos, p) in found {
                    if p.has_default || vars.contains(&p.name) {
                        continue;
                    }
                    unset.entry((repo, file.clone(), pos, p.name)).or_default().push((ks.label(), post.is_some()));
                }
            }
        }
    }
    for ((repo, file, pos, var), users) in unset {
        let more = if users.len() > 1 { format!(" (and {} more)", users.len() - 1) } else { String::new() };
        let (first, substitutes) = &users[0];
        let what = if *substitutes {
            "is replaced by an empty string"
        } else {
            "reaches the cluster literally (the Kustomization has no spec.postBuild)"
        };
        sink.push(
            Severity::Warning,
            "flux-substitution-unset",
            &ws.repos[repo].name,
            &file,
            pos,
            None,
            format!(
                "${{{var}}} has no value under Flux {first}{more} and {what}: add {var} to spec.postBuild.substitute, give a default with ${{{var}:=value}}, or escape it as $${{{var}}}"
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn finds_placeholders() {
        let p = placeholders("a ${CLUSTER} b ${REGION:=eu} c $${ESCAPED} d ${1BAD} ${x_y-z}");
        let names: Vec<(&str, bool)> = p.iter().map(|p| (p.name.as_str(), p.has_default)).collect();
        assert_eq!(names, vec![("CLUSTER", false), ("REGION", true), ("x_y", true)]);
        assert!(placeholders("no vars, $HOME, {{ .Values }}").is_empty());
    }
}
