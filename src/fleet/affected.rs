//! Which clusters a change affects: changed paths come from git; a sync root whose dependency set misses every
//! changed path is taken from the base render unchanged; the rest are rendered at head and every cluster's
//! objects are compared, object by object.

use super::{FleetRender, RootRender, SyncRoot, object_key};
use crate::config::Config;
use crate::source::ChangedPath;
use crate::workspace::Workspace;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What changed on one cluster.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ClusterChange {
    /// Sync roots (labels) that produced a change or failed.
    pub sync_roots: BTreeSet<String>,
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
    /// Renders that fail at head.
    pub errors: Vec<String>,
}

impl ClusterChange {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty() && self.errors.is_empty()
    }
}

/// The result of comparing two revisions of a fleet.
pub struct Comparison {
    pub base: FleetRender,
    pub head: FleetRender,
    pub changed_paths: BTreeMap<String, Vec<ChangedPath>>,
    /// Affected clusters only.
    pub clusters: BTreeMap<String, ClusterChange>,
    /// Sync roots taken from the base render without rendering them again.
    pub reused: usize,
    pub rendered: usize,
}

fn touched(root: &RootRender, changed: &BTreeMap<String, Vec<ChangedPath>>) -> bool {
    root.deps
        .iter()
        .any(|(repo, access)| changed.get(repo).is_some_and(|paths| paths.iter().any(|c| access.touches_change(c))))
}

/// Render the fleet at base, then at head reusing every root the change cannot touch, and compare.
pub fn compare(
    base_ws: &Workspace,
    head_ws: &Workspace,
    config: Option<&Config>,
    changed_paths: BTreeMap<String, Vec<ChangedPath>>,
) -> Comparison {
    let base = super::render(base_ws, config);
    let index: BTreeMap<(String, String), &RootRender> =
        base.roots.iter().map(|r| ((r.root.reconciler.clone(), r.root.name.clone()), r)).collect();
    let mut reused = 0;
    let mut rendered = 0;
    let head = super::render_with(head_ws, config, &mut |root: &SyncRoot, spec: &super::flux::BuildSpec| {
        let prev = index.get(&(root.reconciler.clone(), root.name.clone()))?;
        // Same place, same source, same build settings, and nothing it read has changed: same output.
        if &prev.root == root && &prev.spec == spec && !touched(prev, &changed_paths) {
            reused += 1;
            Some((*prev).clone())
        } else {
            rendered += 1;
            None
        }
    });
    let clusters = diff_clusters(&base, &head);
    Comparison { base, head, changed_paths, clusters, reused, rendered }
}

/// Per-cluster object differences between two fleet renders (affected clusters only).
pub fn diff_clusters(base: &FleetRender, head: &FleetRender) -> BTreeMap<String, ClusterChange> {
    let b = base.by_cluster();
    let h = head.by_cluster();
    let mut out: BTreeMap<String, ClusterChange> = BTreeMap::new();
    let names: BTreeSet<&String> = b.keys().chain(h.keys()).collect();
    let empty = BTreeMap::new();
    for c in names {
        let bo = b.get(c).unwrap_or(&empty);
        let ho = h.get(c).unwrap_or(&empty);
        let mut ch = ClusterChange::default();
        for (k, (root, o)) in ho {
            match bo.get(k) {
                None => {
                    ch.added.push(k.clone());
                    ch.sync_roots.insert(root.label());
                }
                Some((_, old)) if old != o => {
                    ch.changed.push(k.clone());
                    ch.sync_roots.insert(root.label());
                }
                _ => {}
            }
        }
        for (k, (root, _)) in bo {
            if !ho.contains_key(k) {
                ch.removed.push(k.clone());
                ch.sync_roots.insert(root.label());
            }
        }
        for r in head.roots.iter().filter(|r| &r.root.cluster == c) {
            let Err(e) = &r.objects else { continue };
            // A failure the base revision already had, the same, is not this change's doing.
            let before = base.roots.iter().find(|b| b.root == r.root).map(|b| &b.objects);
            if matches!(before, Some(Err(old)) if old == e) {
                continue;
            }
            ch.errors.push(format!("{}: {e}", r.root.label()));
            ch.sync_roots.insert(r.root.label());
        }
        if !ch.is_empty() {
            out.insert(c.clone(), ch);
        }
    }
    out
}

/// The objects of one cluster at one side, by key (for diffs).
pub fn cluster_objects(render: &FleetRender, cluster: &str) -> BTreeMap<String, Value> {
    render
        .roots
        .iter()
        .filter(|r| r.root.cluster == cluster)
        .filter_map(|r| r.objects.as_ref().ok())
        .flatten()
        .map(|o| (object_key(o), o.clone()))
        .collect()
}
