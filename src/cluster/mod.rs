//! Kube clients per cluster and reconcile requests.
//!
//! After a merge fleetgate asks exactly the affected sync roots to reconcile, never the whole fleet:
//! for Flux it merge-patches `reconcile.fluxcd.io/requestedAt: <now, RFC 3339>` on the sync root's source
//! (GitRepository, OCIRepository, Bucket), then on the affected Kustomizations in `dependsOn` order; for
//! Argo CD it sets `argocd.argoproj.io/refresh: normal` on the affected Applications.
//!
//! - [`Plan`] is plain data (serde, for `--plan` output); [`order`] puts a cluster's targets in order.
//! - [`ClusterAccess`] says how each cluster is reached (kubeconfig context, in-cluster, or a kubeconfig
//!   in a Secret read through another cluster); [`KubeClients`] builds and caches the clients.
//! - [`execute`] runs a plan and returns one [`ReportRow`] per object. Kinds are resolved with
//!   `kube::discovery::pinned_kind` (one `GET /apis/<group>/<version>` per kind and cluster).

mod access;
mod execute;
mod plan;

pub use access::{
    AccessConfig, ClientFuture, ClientSource, ClusterAccess, ClusterError, KubeClients, KubeconfigAccess, SecretAccess,
};
pub use execute::{FIELD_MANAGER, Outcome, ReconcileOptions, ReportRow, execute};
pub use plan::{
    ARGO_REFRESH, Annotation, AnnotationValue, ClusterPlan, FLUX_REQUESTED_AT, NamespacedName, OrderError, PatchTarget,
    Plan, order,
};

#[cfg(test)]
mod tests;
