//! The reconcile plan: which objects to annotate on which cluster, in which order.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The annotation Flux controllers watch to reconcile an object now.
pub const FLUX_REQUESTED_AT: &str = "reconcile.fluxcd.io/requestedAt";
/// The annotation the Argo CD application controller watches to refresh an Application.
pub const ARGO_REFRESH: &str = "argocd.argoproj.io/refresh";

const FLUX_SOURCE_GROUP: &str = "source.toolkit.fluxcd.io";
const FLUX_KUSTOMIZE_GROUP: &str = "kustomize.toolkit.fluxcd.io";
const ARGO_GROUP: &str = "argoproj.io";

/// Reconcile requests for a set of clusters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Plan {
    pub clusters: Vec<ClusterPlan>,
}

/// Reconcile requests for one cluster, executed one after the other in `steps` order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterPlan {
    /// The cluster name, as in the access configuration.
    pub cluster: String,
    pub steps: Vec<PatchTarget>,
}

impl ClusterPlan {
    /// A plan for `cluster` with `targets` put in reconcile order (see [`order`]).
    pub fn new(cluster: impl Into<String>, targets: Vec<PatchTarget>) -> Result<Self, OrderError> {
        Ok(ClusterPlan { cluster: cluster.into(), steps: order(targets)? })
    }
}

/// A namespaced object name; `Display` is `namespace/name`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NamespacedName {
    pub namespace: String,
    pub name: String,
}

impl NamespacedName {
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        NamespacedName { namespace: namespace.into(), name: name.into() }
    }
}

impl fmt::Display for NamespacedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// The value written into the annotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AnnotationValue {
    /// The time of the run, RFC 3339 (`2026-11-05T10:00:00Z`).
    Now,
    /// A fixed value (`normal` for Argo CD).
    Literal(String),
}

/// The annotation a reconcile request sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Annotation {
    pub key: String,
    pub value: AnnotationValue,
}

impl Annotation {
    /// `reconcile.fluxcd.io/requestedAt: <now>`.
    pub fn flux_requested_at() -> Self {
        Annotation { key: FLUX_REQUESTED_AT.to_owned(), value: AnnotationValue::Now }
    }

    /// `argocd.argoproj.io/refresh: normal`.
    pub fn argo_refresh() -> Self {
        Annotation { key: ARGO_REFRESH.to_owned(), value: AnnotationValue::Literal("normal".to_owned()) }
    }
}

/// One object to annotate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PatchTarget {
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub annotation: Annotation,
    /// Flux `spec.dependsOn`, namespaces filled in (Flux defaults them to the Kustomization's own).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<NamespacedName>,
}

impl PatchTarget {
    /// A Flux source (`source.toolkit.fluxcd.io/v1` GitRepository, OCIRepository, Bucket, …).
    pub fn flux_source(api_version: &str, kind: &str, namespace: &str, name: &str) -> Self {
        PatchTarget {
            api_version: api_version.to_owned(),
            kind: kind.to_owned(),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            annotation: Annotation::flux_requested_at(),
            depends_on: Vec::new(),
        }
    }

    /// A Flux `kustomize.toolkit.fluxcd.io/v1` Kustomization.
    pub fn flux_kustomization(namespace: &str, name: &str, depends_on: Vec<NamespacedName>) -> Self {
        PatchTarget {
            api_version: format!("{FLUX_KUSTOMIZE_GROUP}/v1"),
            kind: "Kustomization".to_owned(),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            annotation: Annotation::flux_requested_at(),
            depends_on,
        }
    }

    /// An Argo CD `argoproj.io/v1alpha1` Application.
    pub fn argo_application(namespace: &str, name: &str) -> Self {
        PatchTarget {
            api_version: format!("{ARGO_GROUP}/v1alpha1"),
            kind: "Application".to_owned(),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            annotation: Annotation::argo_refresh(),
            depends_on: Vec::new(),
        }
    }

    /// The API group (empty for the core group).
    pub(crate) fn group(&self) -> &str {
        self.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }

    /// The API version without the group.
    pub(crate) fn version(&self) -> &str {
        self.api_version.rsplit_once('/').map_or(self.api_version.as_str(), |(_, v)| v)
    }

    fn id(&self) -> NamespacedName {
        NamespacedName::new(self.namespace.clone(), self.name.clone())
    }

    fn role(&self) -> Option<Role> {
        match (self.group(), self.kind.as_str()) {
            (FLUX_SOURCE_GROUP, _) => Some(Role::Source),
            (FLUX_KUSTOMIZE_GROUP, "Kustomization") => Some(Role::Kustomization),
            (ARGO_GROUP, "Application") => Some(Role::Application),
            _ => None,
        }
    }
}

impl fmt::Display for PatchTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Source,
    Kustomization,
    Application,
}

/// Why targets cannot be put in order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    #[error(
        "cannot request a reconcile of {api_version} {kind} {namespace}/{name}: only Flux sources \
         (source.toolkit.fluxcd.io), Flux Kustomizations and Argo CD Applications are reconcile targets"
    )]
    Unsupported { api_version: String, kind: String, namespace: String, name: String },
    #[error("reconcile target {kind} with apiVersion {api_version:?} needs a namespace and a name")]
    Unnamed { api_version: String, kind: String },
    #[error(
        "Flux Kustomizations depend on each other in a cycle: {}; fix spec.dependsOn of one of them",
        members.join(", ")
    )]
    Cycle { members: Vec<String> },
}

/// Puts reconcile targets in the order they must be requested: Flux sources first, then Flux
/// Kustomizations so that each comes after the listed Kustomizations it depends on (dependencies on
/// objects not listed are ignored), then Argo CD Applications. Ties are broken by namespace and name,
/// so the result does not depend on the input order. Duplicates are merged (their `dependsOn` joined).
pub fn order(targets: Vec<PatchTarget>) -> Result<Vec<PatchTarget>, OrderError> {
    let mut by_role: BTreeMap<Role, BTreeMap<(String, String, NamespacedName), PatchTarget>> = BTreeMap::new();
    for t in targets {
        if t.namespace.is_empty() || t.name.is_empty() {
            return Err(OrderError::Unnamed { api_version: t.api_version, kind: t.kind });
        }
        let Some(role) = t.role() else {
            return Err(OrderError::Unsupported {
                api_version: t.api_version,
                kind: t.kind,
                namespace: t.namespace,
                name: t.name,
            });
        };
        // Sources sort by kind first (all GitRepositories, then OCIRepositories, …); the others by name.
        let key = match role {
            Role::Source => (t.kind.clone(), t.api_version.clone(), t.id()),
            _ => (String::new(), t.api_version.clone(), t.id()),
        };
        match by_role.entry(role).or_default().entry(key) {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(t);
            }
            std::collections::btree_map::Entry::Occupied(mut o) => {
                let existing = o.get_mut();
                for d in t.depends_on {
                    if !existing.depends_on.contains(&d) {
                        existing.depends_on.push(d);
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    out.extend(by_role.remove(&Role::Source).unwrap_or_default().into_values());
    let kustomizations: Vec<PatchTarget> =
        by_role.remove(&Role::Kustomization).unwrap_or_default().into_values().collect();
    out.extend(topological(kustomizations)?);
    out.extend(by_role.remove(&Role::Application).unwrap_or_default().into_values());
    Ok(out)
}

/// Kahn's algorithm over Kustomizations keyed by namespace/name; the ready set is ordered, so the
/// result is deterministic.
fn topological(items: Vec<PatchTarget>) -> Result<Vec<PatchTarget>, OrderError> {
    // Two Kustomization API versions of the same name are one object on the cluster; keep the first.
    let mut nodes: BTreeMap<NamespacedName, PatchTarget> = BTreeMap::new();
    for t in items {
        nodes.entry(t.id()).or_insert(t);
    }
    let mut pending: BTreeMap<NamespacedName, BTreeSet<NamespacedName>> = BTreeMap::new();
    let mut dependents: BTreeMap<NamespacedName, BTreeSet<NamespacedName>> = BTreeMap::new();
    for (id, t) in &nodes {
        let deps: BTreeSet<NamespacedName> = t.depends_on.iter().filter(|d| nodes.contains_key(*d)).cloned().collect();
        for d in &deps {
            dependents.entry(d.clone()).or_default().insert(id.clone());
        }
        pending.insert(id.clone(), deps);
    }
    let mut ready: BTreeSet<NamespacedName> =
        pending.iter().filter(|(_, deps)| deps.is_empty()).map(|(id, _)| id.clone()).collect();
    let mut out = Vec::with_capacity(nodes.len());
    while let Some(id) = ready.pop_first() {
        pending.remove(&id);
        for dependent in dependents.get(&id).into_iter().flatten() {
            if let Some(deps) = pending.get_mut(dependent) {
                deps.remove(&id);
                if deps.is_empty() {
                    ready.insert(dependent.clone());
                }
            }
        }
        if let Some(t) = nodes.remove(&id) {
            out.push(t);
        }
    }
    if pending.is_empty() {
        return Ok(out);
    }
    // What is left is on a cycle or depends on one; drop those nothing left depends on, repeatedly,
    // so the error names the cycle rather than everything downstream of it.
    loop {
        let leaves: Vec<NamespacedName> =
            pending.keys().filter(|id| !pending.values().any(|deps| deps.contains(*id))).cloned().collect();
        if leaves.is_empty() {
            break;
        }
        for id in leaves {
            pending.remove(&id);
        }
    }
    Err(OrderError::Cycle { members: pending.keys().map(ToString::to_string).collect() })
}
