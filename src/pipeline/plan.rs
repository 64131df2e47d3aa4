//! The reconcile plan of a change: for each cluster whose controllers must act, the objects to annotate — the
//! Flux sources then the Kustomizations of the affected sync roots, or the affected Argo CD Applications. Sync
//! roots with nothing to annotate (a configured cluster directory applied by other means) become notes.

use crate::fleet::affected::Comparison;
use crate::fleet::{RootRender, argo, find_source, text_at as text};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

pub const FLUX_ANNOTATION: &str = "reconcile.fluxcd.io/requestedAt";
pub const ARGO_ANNOTATION: &str = "argocd.argoproj.io/refresh";

/// What an object is to the reconcile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TargetRole {
    /// A Flux source (GitRepository, OCIRepository, Bucket): patched first.
    Source,
    /// A Flux Kustomization.
    Kustomization,
    /// An Argo CD Application.
    Application,
}

/// One object to annotate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanTarget {
    pub role: TargetRole,
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// `namespace/name` of Kustomizations this one depends on.
    pub depends_on: Vec<String>,
    /// The cluster whose objects changed because of it (it may live on another cluster).
    pub for_cluster: String,
}

/// Per cluster (where the objects live and their controllers run), the objects to annotate.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReconcilePlan {
    pub clusters: BTreeMap<String, Vec<PlanTarget>>,
    pub notes: Vec<String>,
}

impl ReconcilePlan {
    pub fn is_empty(&self) -> bool {
        self.clusters.values().all(Vec::is_empty)
    }
}

/// The sync roots of the head render whose output differs from base (new roots included), on affected clusters.
pub fn affected_roots(cmp: &Comparison) -> Vec<&RootRender> {
    let base: BTreeMap<(&str, &str), &RootRender> =
        cmp.base.roots.iter().map(|r| ((r.root.reconciler.as_str(), r.root.name.as_str()), r)).collect();
    cmp.head
        .roots
        .iter()
        .filter(|r| cmp.clusters.contains_key(&r.root.cluster))
        .filter(|r| match base.get(&(r.root.reconciler.as_str(), r.root.name.as_str())) {
            None => true,
            Some(b) => b.objects != r.objects || b.root != r.root,
        })
        .collect()
}

/// Build the plan of a comparison.
pub fn plan(cmp: &Comparison) -> ReconcilePlan {
    let mut out = ReconcilePlan::default();
    let mut seen: BTreeSet<(String, String, String, String)> = BTreeSet::new();
    for r in affected_roots(cmp) {
        let Some(obj) = &r.object else {
            out.notes.push(format!(
                "{}: {} has no sync object to annotate; it is applied by whatever applies that directory",
                r.root.cluster,
                r.root.label()
            ));
            continue;
        };
        if r.root.suspended {
            out.notes.push(format!("{}: {} is suspended; not requested", r.root.cluster, r.root.label()));
            continue;
        }
        let ns = text(obj, &["metadata", "namespace"]).unwrap_or("default").to_string();
        let name = text(obj, &["metadata", "name"]).unwrap_or("").to_string();
        let kind = text(obj, &["kind"]).unwrap_or("").to_string();
        let api = text(obj, &["apiVersion"]).unwrap_or("").to_string();
        let list = out.clusters.entry(r.root.reconciler.clone()).or_default();
        let mut push = |t: PlanTarget, list: &mut Vec<PlanTarget>| {
            if seen.insert((r.root.reconciler.clone(), t.kind.clone(), t.namespace.clone(), t.name.clone())) {
                list.push(t);
            }
        };
        if argo::is_application_set(obj) {
            out.notes.push(format!("{}: {} regenerates its Applications by itself", r.root.reconciler, r.root.label()));
            continue;
        }
        if argo::is_application(obj) {
            push(
                PlanTarget {
                    role: TargetRole::Application,
                    api_version: api,
                    kind,
                    namespace: ns,
                    name,
                    depends_on: Vec::new(),
                    for_cluster: r.root.cluster.clone(),
                },
                list,
            );
            continue;
        }
        // A Flux Kustomization: its source first.
        let src_kind = text(obj, &["spec", "sourceRef", "kind"]).unwrap_or("GitRepository").to_string();
        let src_name = text(obj, &["spec", "sourceRef", "name"]).unwrap_or("").to_string();
        let src_ns = text(obj, &["spec", "sourceRef", "namespace"]).unwrap_or(&ns).to_string();
        let src_api = find_source(&cmp.head, &r.root.reconciler, &src_kind, &src_ns, &src_name)
            .and_then(|(o, _)| text(&o, &["apiVersion"]).map(str::to_string))
            .unwrap_or_else(|| "source.toolkit.fluxcd.io/v1".to_string());
        push(
            PlanTarget {
                role: TargetRole::Source,
                api_version: src_api,
                kind: src_kind,
                namespace: src_ns,
                name: src_name,
                depends_on: Vec::new(),
                for_cluster: r.root.cluster.clone(),
            },
            list,
        );
        let depends_on = obj
            .get("spec")
            .and_then(|s| s.get("dependsOn"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|d| {
                let n = text(d, &["name"])?;
                Some(format!("{}/{n}", text(d, &["namespace"]).unwrap_or(&ns)))
            })
            .collect();
        push(
            PlanTarget {
                role: TargetRole::Kustomization,
                api_version: api,
                kind,
                namespace: ns,
                name,
                depends_on,
                for_cluster: r.root.cluster.clone(),
            },
            list,
        );
    }
    out.clusters.retain(|_, v| !v.is_empty());
    out
}
