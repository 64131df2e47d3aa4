//! Executing a [`Plan`]: one merge patch per object, clusters in parallel, objects in plan order.

use super::access::ClientSource;
use super::plan::{AnnotationValue, ClusterPlan, PatchTarget, Plan};
use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams};
use kube::discovery::{ApiCapabilities, Scope};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

/// The field manager fleetgate's patches are recorded under.
pub const FIELD_MANAGER: &str = "fleetgate";

const BACKOFF_START: Duration = Duration::from_millis(100);
const BACKOFF_CAP: Duration = Duration::from_secs(2);

/// How a plan is executed.
#[derive(Debug, Clone)]
pub struct ReconcileOptions {
    /// Report what would be patched; contact no cluster.
    pub dry_run: bool,
    /// Clusters worked on at the same time (at least 1).
    pub concurrency: usize,
    /// Time allowed for one cluster: client, discovery, all its patches and retries.
    pub timeout: Duration,
    /// Retries per request after a 5xx, 429 or connection error (backoff 100 ms doubling, capped at 2 s).
    pub retries: u32,
    /// The `requestedAt` value; `None` is the time of the run.
    pub now: Option<jiff::Timestamp>,
}

impl Default for ReconcileOptions {
    fn default() -> Self {
        ReconcileOptions { dry_run: false, concurrency: 8, timeout: Duration::from_secs(30), retries: 3, now: None }
    }
}

/// What happened to one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "status", content = "reason")]
pub enum Outcome {
    Patched,
    Failed(String),
    /// Not attempted, for the reason given (the cluster proved unreachable on an earlier object).
    Skipped(String),
    DryRun,
}

/// One line of the reconcile report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportRow {
    pub cluster: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub outcome: Outcome,
}

impl fmt::Display for ReportRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} {}/{}: ", self.cluster, self.kind, self.namespace, self.name)?;
        match &self.outcome {
            Outcome::Patched => f.write_str("reconcile requested"),
            Outcome::Failed(r) => write!(f, "failed: {r}"),
            Outcome::Skipped(r) => write!(f, "skipped: {r}"),
            Outcome::DryRun => f.write_str("would request a reconcile (dry run)"),
        }
    }
}

fn row(cluster: &str, t: &PatchTarget, outcome: Outcome) -> ReportRow {
    ReportRow {
        cluster: cluster.to_owned(),
        kind: t.kind.clone(),
        namespace: t.namespace.clone(),
        name: t.name.clone(),
        outcome,
    }
}

/// Executes `plan`: one [`ReportRow`] per step, clusters in plan order, steps in plan order.
///
/// Up to `concurrency` clusters are worked on at once; within a cluster the steps run one after the
/// other. A cluster that cannot be reached fails its own rows only. A failed step does not stop the
/// following ones (a Kustomization is still requested when its source's request failed: the source
/// polls on its own interval, and the request is harmless); but once a request fails to connect at
/// all, the cluster's remaining steps are skipped rather than each waiting for its own retries.
pub async fn execute(plan: &Plan, access: &dyn ClientSource, opts: &ReconcileOptions) -> Vec<ReportRow> {
    if opts.dry_run {
        return plan
            .clusters
            .iter()
            .flat_map(|c| c.steps.iter().map(|t| row(&c.cluster, t, Outcome::DryRun)))
            .collect();
    }
    let now = opts.now.unwrap_or_else(jiff::Timestamp::now).to_string();
    let permits = tokio::sync::Semaphore::new(opts.concurrency.max(1));
    let mut runs: Vec<Pin<Box<dyn Future<Output = Vec<ReportRow>> + Send + '_>>> = Vec::new();
    for cluster in &plan.clusters {
        let (permits, now) = (&permits, now.as_str());
        runs.push(Box::pin(async move {
            let _permit = permits.acquire().await.ok();
            run_cluster(cluster, access, opts, now).await
        }));
    }
    join_all(runs).await.into_iter().flatten().collect()
}

/// Polls every future until all are done; results in input order.
async fn join_all<T>(mut futures: Vec<Pin<Box<dyn Future<Output = T> + Send + '_>>>) -> Vec<T> {
    let mut results: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, result) in futures.iter_mut().zip(results.iter_mut()) {
            if result.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => *result = Some(value),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending { Poll::Pending } else { Poll::Ready(()) }
    })
    .await;
    results.into_iter().flatten().collect()
}

async fn run_cluster(
    plan: &ClusterPlan,
    access: &dyn ClientSource,
    opts: &ReconcileOptions,
    now: &str,
) -> Vec<ReportRow> {
    use tracing::Instrument;
    let span = tracing::info_span!("reconcile", cluster = %plan.cluster);
    let mut rows = Vec::with_capacity(plan.steps.len());
    let steps = run_steps(plan, access, opts, now, &mut rows).instrument(span);
    let finished = tokio::time::timeout(opts.timeout, steps).await;
    if finished.is_err() {
        tracing::warn!(cluster = %plan.cluster, timeout = ?opts.timeout, "cluster timed out");
        let reason = format!(
            "cluster {} did not finish within {:?}; it may be slow or unreachable (raise the reconcile timeout)",
            plan.cluster, opts.timeout
        );
        for t in plan.steps.iter().skip(rows.len()) {
            rows.push(row(&plan.cluster, t, Outcome::Failed(reason.clone())));
        }
    }
    rows
}

async fn run_steps(
    plan: &ClusterPlan,
    access: &dyn ClientSource,
    opts: &ReconcileOptions,
    now: &str,
    rows: &mut Vec<ReportRow>,
) {
    let cluster = plan.cluster.as_str();
    let client = match access.client(cluster).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(cluster, error = %e, "no client");
            let reason = e.to_string();
            rows.extend(plan.steps.iter().map(|t| row(cluster, t, Outcome::Failed(reason.clone()))));
            return;
        }
    };
    let mut resources: HashMap<(String, String), (ApiResource, ApiCapabilities)> = HashMap::new();
    let mut unreachable: Option<String> = None;
    for t in &plan.steps {
        if let Some(first) = &unreachable {
            rows.push(row(
                cluster,
                t,
                Outcome::Skipped(format!("not attempted: cluster {cluster} is unreachable ({first})")),
            ));
            continue;
        }
        let outcome = match patch_one(&client, &mut resources, t, opts, now).await {
            Ok(()) => {
                tracing::info!(cluster, kind = %t.kind, namespace = %t.namespace, name = %t.name, "reconcile requested");
                Outcome::Patched
            }
            Err(StepError { reason, connect }) => {
                tracing::warn!(cluster, kind = %t.kind, namespace = %t.namespace, name = %t.name, %reason, "reconcile request failed");
                if connect {
                    unreachable = Some(reason.clone());
                }
                Outcome::Failed(format!("cluster {cluster}: {reason}"))
            }
        };
        rows.push(row(cluster, t, outcome));
    }
}

struct StepError {
    reason: String,
    /// The API server could not be reached at all.
    connect: bool,
}

impl StepError {
    fn new(e: &kube::Error, what: String, hint: &str) -> Self {
        let connect = matches!(e, kube::Error::HyperError(_) | kube::Error::Service(_));
        let mut reason = format!("{what}: {}", describe(e));
        if !hint.is_empty() {
            reason.push_str("; ");
            reason.push_str(hint);
        }
        StepError { reason, connect }
    }
}

async fn patch_one(
    client: &kube::Client,
    resources: &mut HashMap<(String, String), (ApiResource, ApiCapabilities)>,
    t: &PatchTarget,
    opts: &ReconcileOptions,
    now: &str,
) -> Result<(), StepError> {
    let key = (t.api_version.clone(), t.kind.clone());
    let (resource, caps) = match resources.get(&key) {
        Some(found) => found.clone(),
        None => {
            let gvk = kube::api::GroupVersionKind::gvk(t.group(), t.version(), &t.kind);
            let found = with_retries(opts, || kube::discovery::pinned_kind(client, &gvk)).await.map_err(|e| {
                StepError::new(
                    &e,
                    format!("discovery of {} {}", t.api_version, t.kind),
                    "is the controller serving this kind (Flux, Argo CD) installed at this API version?",
                )
            })?;
            resources.insert(key, found.clone());
            found
        }
    };
    let api: Api<DynamicObject> = match caps.scope {
        Scope::Namespaced => Api::namespaced_with(client.clone(), &t.namespace, &resource),
        Scope::Cluster => Api::all_with(client.clone(), &resource),
    };
    let value = match &t.annotation.value {
        AnnotationValue::Now => now.to_owned(),
        AnnotationValue::Literal(v) => v.clone(),
    };
    let body = serde_json::json!({ "metadata": { "annotations": { t.annotation.key.as_str(): value } } });
    let params = PatchParams { field_manager: Some(FIELD_MANAGER.to_owned()), ..PatchParams::default() };
    let patch = Patch::Merge(&body);
    with_retries(opts, || api.patch(&t.name, &params, &patch)).await.map(drop).map_err(|e| {
        let hint = match &e {
            kube::Error::Api(s) if s.code == 404 => "the object does not exist there; the plan may be stale",
            kube::Error::Api(s) if s.code == 401 => "the cluster rejected fleetgate's credentials",
            kube::Error::Api(s) if s.code == 403 => "grant fleetgate `patch` on this resource",
            _ => "",
        };
        StepError::new(&e, format!("PATCH {} {}/{}", t.kind, t.namespace, t.name), hint)
    })
}

fn retryable(e: &kube::Error) -> bool {
    match e {
        kube::Error::Api(s) => s.code == 429 || s.code >= 500,
        kube::Error::HyperError(_) | kube::Error::Service(_) => true,
        _ => false,
    }
}

async fn with_retries<T, F, Fut>(opts: &ReconcileOptions, mut request: F) -> Result<T, kube::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, kube::Error>>,
{
    let mut delay = BACKOFF_START;
    let mut attempt = 0;
    loop {
        match request().await {
            Ok(v) => return Ok(v),
            Err(e) if attempt < opts.retries && retryable(&e) => {
                attempt += 1;
                tracing::debug!(attempt, error = %describe(&e), "retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(BACKOFF_CAP);
            }
            Err(e) => return Err(e),
        }
    }
}

/// A kube error in one line: the API status, or the transport error with its causes.
pub(crate) fn describe(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => {
            let mut out = format!("HTTP {}", s.code);
            if !s.reason.is_empty() {
                out.push(' ');
                out.push_str(&s.reason);
            }
            if !s.message.is_empty() {
                out.push_str(": ");
                out.push_str(&s.message);
            }
            out
        }
        kube::Error::HyperError(_) | kube::Error::Service(_) => {
            let mut out = String::from("cannot reach the API server");
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                out.push_str(": ");
                out.push_str(&s.to_string());
                source = s.source();
            }
            out
        }
        other => other.to_string(),
    }
}
