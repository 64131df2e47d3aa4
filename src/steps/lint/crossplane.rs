//! Crossplane: claims and composites use kinds (and versions) that an XRD of the estate defines.

use super::index::{Index, Obj};
use super::{Severity, Sink};
use crate::manifest::Node;
use crate::workspace::Workspace;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Default)]
struct Group {
    /// kind → served versions
    kinds: BTreeMap<String, BTreeSet<String>>,
}

fn is_xrd(o: &Obj) -> bool {
    o.id.group == "apiextensions.crossplane.io" && o.id.kind == "CompositeResourceDefinition"
}

pub(crate) fn check(ws: &Workspace, idx: &Index, sink: &mut Sink) {
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for x in idx.objects.iter().filter(|o| is_xrd(o)) {
        let Some(group) = x.node.str_at(&["spec", "group"]) else {
            continue;
        };
        let versions: BTreeSet<String> = x
            .node
            .at(&["spec", "versions"])
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.str_at(&["name"]).map(str::to_string))
            .collect();
        let g = groups.entry(group.to_string()).or_default();
        for path in [["spec", "names", "kind"], ["spec", "claimNames", "kind"]] {
            if let Some(kind) = x.node.str_at(&path) {
                g.kinds.entry(kind.to_string()).or_default().extend(versions.iter().cloned());
            }
        }
    }
    if groups.is_empty() {
        return;
    }
    for o in &idx.objects {
        let repo = &ws.repos[o.repo].name;
        if let Some(g) = groups.get(o.api_group()) {
            let problem = match g.kinds.get(&o.id.kind) {
                None => Some(format!(
                    "no CompositeResourceDefinition defines kind {} in group {} (defined: {}); fix the kind or add the XRD",
                    o.id.kind,
                    o.id.group,
                    g.kinds.keys().cloned().collect::<Vec<_>>().join(", ")
                )),
                Some(versions) if !versions.is_empty() && !versions.contains(&o.id.version) => Some(format!(
                    "the XRD for {} serves versions {}, not {}; fix apiVersion",
                    o.id.kind,
                    versions.iter().cloned().collect::<Vec<_>>().join(", "),
                    o.id.version
                )),
                Some(_) => None,
            };
            if let Some(message) = problem {
                sink.push(Severity::Error, "crossplane-undefined-kind", repo, &o.file, o.pos, Some(o.label()), message);
            }
        }
        if o.id.group == "apiextensions.crossplane.io" && o.id.kind == "Composition" {
            let Some(r) = o.node.at(&["spec", "compositeTypeRef"]) else {
                continue;
            };
            let (Some(api), Some(kind)) = (r.str_at(&["apiVersion"]), r.str_at(&["kind"])) else {
                continue;
            };
            let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
            let defined =
                groups.get(group).and_then(|g| g.kinds.get(kind)).is_some_and(|v| v.is_empty() || v.contains(version));
            if !defined {
                sink.push(
                    Severity::Error,
                    "crossplane-undefined-kind",
                    repo,
                    &o.file,
                    r.pos,
                    Some(o.label()),
                    format!("compositeTypeRef {api} {kind} is defined by no CompositeResourceDefinition of the estate; fix it or add the XRD"),
                );
            }
        }
    }
}
