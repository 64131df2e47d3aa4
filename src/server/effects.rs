//! The outside world of the service: the forge (comments, statuses) and the clusters (reconcile), behind
//! [`pipeline::Effects`]. The runner calls it from a blocking thread; the async clients run on the service's
//! Tokio runtime through its handle.

use crate::cluster::{self, ClientSource, KubeClients, NamespacedName, PatchTarget, ReconcileOptions};
use crate::config::Config;
use crate::forge::{ForgeClient, StatusState, Target};
use crate::pipeline::plan::TargetRole;
use crate::pipeline::{Change, CommentRequest, Effects, ReconcilePlan};
use std::sync::Arc;
use std::time::Duration;

/// Forge and cluster clients of a running service.
pub struct ServiceEffects {
    pub config: Arc<Config>,
    pub forge: Option<ForgeClient>,
    pub clusters: Option<Arc<dyn ClientSource>>,
    pub runtime: tokio::runtime::Handle,
    /// Link for statuses: `<public url>/runs/<id>` is filled by the caller.
    pub run_url: Option<String>,
}

impl ServiceEffects {
    /// Build the clients a config asks for. Must be called inside the runtime (the forge client needs it);
    /// `forge_token` is the resolved secret of `forge.token`.
    pub fn new(
        config: Arc<Config>,
        forge_token: Option<zeroize::Zeroizing<String>>,
        runtime: tokio::runtime::Handle,
    ) -> Result<Self, String> {
        let forge = match (&config.forge, forge_token) {
            (Some(f), Some(token)) => Some(ForgeClient::new(f.settings(token)).map_err(|e| e.to_string())?),
            _ => None,
        };
        let clusters: Option<Arc<dyn ClientSource>> = if config.clusters.access.is_empty() {
            None
        } else {
            Some(Arc::new(KubeClients::new(config.clusters.access.clone()).map_err(|e| e.to_string())?))
        };
        Ok(ServiceEffects { config, forge, clusters, runtime, run_url: None })
    }

    fn project(&self, change: &Change) -> Result<String, String> {
        let repo = self.config.repo(&change.repo).ok_or_else(|| format!("unknown repository {}", change.repo))?;
        self.config.forge_project(repo).ok_or_else(|| {
            format!("repository {}: set `forgeProject` (owner/name) or an https URL in fleetgate.yaml", change.repo)
        })
    }
}

/// The cluster module's plan for the pipeline's plan.
pub fn to_cluster_plan(plan: &ReconcilePlan) -> Result<cluster::Plan, String> {
    let mut out = cluster::Plan::default();
    for (name, targets) in &plan.clusters {
        let mut steps = Vec::new();
        for t in targets {
            steps.push(match t.role {
                TargetRole::Source => PatchTarget::flux_source(&t.api_version, &t.kind, &t.namespace, &t.name),
                TargetRole::Kustomization => {
                    let deps = t
                        .depends_on
                        .iter()
                        .filter_map(|d| d.split_once('/').map(|(ns, n)| NamespacedName::new(ns, n)))
                        .collect();
                    let mut p = PatchTarget::flux_kustomization(&t.namespace, &t.name, deps);
                    p.api_version = t.api_version.clone();
                    p
                }
                TargetRole::Application => {
                    let mut p = PatchTarget::argo_application(&t.namespace, &t.name);
                    p.api_version = t.api_version.clone();
                    p
                }
            });
        }
        out.clusters.push(cluster::ClusterPlan::new(name.clone(), steps).map_err(|e| format!("cluster {name}: {e}"))?);
    }
    Ok(out)
}

impl Effects for ServiceEffects {
    fn comment(&self, req: &CommentRequest) -> Result<Vec<String>, String> {
        let forge = self.forge.as_ref().ok_or("no forge is configured (set `forge:` in fleetgate.yaml)")?;
        let project = self.project(&req.change)?;
        let number = req.change.pull_request.ok_or("a comment needs a pull request")?;
        let mut log = Vec::new();
        self.runtime.block_on(async {
            let target = Target { repo: project.clone(), number };
            let out = forge.upsert_comment(&target, &req.marker, &req.parts).await.map_err(|e| e.to_string())?;
            log.push(format!(
                "comment parts: {} created, {} edited, {} unchanged, {} deleted{}",
                out.created.len(),
                out.updated.len(),
                out.unchanged.len(),
                out.deleted.len(),
                out.url.as_deref().map(|u| format!(" ({u})")).unwrap_or_default()
            ));
            log.extend(out.retries.iter().map(|r| format!("retried: {r:?}")));
            if req.set_status {
                let state = if req.success { StatusState::Success } else { StatusState::Failed };
                let description = format!("{}: {}", req.pipeline, req.summary);
                forge
                    .set_status(
                        &project,
                        &req.change.head,
                        state,
                        &format!("fleetgate/{}", req.pipeline),
                        &description,
                        req.run_url.as_deref().or(self.run_url.as_deref()),
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                log.push(format!("status {state:?}: {description}"));
            }
            Ok::<(), String>(())
        })?;
        Ok(log)
    }

    fn reconcile(&self, _change: &Change, plan: &ReconcilePlan, dry_run: bool) -> Result<(Vec<String>, bool), String> {
        let cplan = to_cluster_plan(plan)?;
        let dry_run = dry_run || self.config.reconcile.dry_run;
        let opts = ReconcileOptions {
            dry_run,
            concurrency: self.config.reconcile.concurrency.max(1),
            timeout: Duration::from_secs(self.config.reconcile.timeout_seconds.max(1)),
            ..ReconcileOptions::default()
        };
        let rows = match (&self.clusters, dry_run) {
            (Some(c), _) => self.runtime.block_on(cluster::execute(&cplan, c.as_ref(), &opts)),
            (None, true) => self.runtime.block_on(cluster::execute(&cplan, &NoClusters, &opts)),
            (None, false) => return Err("no cluster access is configured (set `clusters.access`)".to_string()),
        };
        let ok = rows.iter().all(|r| matches!(r.outcome, cluster::Outcome::Patched | cluster::Outcome::DryRun));
        let mut log: Vec<String> = rows.iter().map(ToString::to_string).collect();
        log.extend(plan.notes.iter().map(|n| format!("note: {n}")));
        Ok((log, ok))
    }
}

/// A client source for dry runs without any cluster access.
struct NoClusters;

impl ClientSource for NoClusters {
    fn client<'a>(&'a self, cluster: &'a str) -> cluster::ClientFuture<'a> {
        Box::pin(async move { Err(cluster::ClusterError::NoAccess { cluster: cluster.to_string() }) })
    }
}
