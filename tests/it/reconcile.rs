//! Closing the loop on the example estate: `fleetgate reconcile --plan` names exactly the affected sync roots'
//! objects; executing it patches exactly those on Kubernetes API doubles; and a pipeline run with the service's
//! effects comments once on a pull request (edited in place on the next head) and reconciles on a push.

use crate::doubles::{GitHubDouble, KubeDouble, closed_port_url, kube_path, kubeconfig};
use crate::support::*;
use fleetgate::config::Config;
use fleetgate::pipeline::{self, Change, EventKind, Mode, RunInput, spec};
use fleetgate::server::effects::ServiceEffects;
use fleetgate::workspace;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const MERGE_PATCH: &str = "application/merge-patch+json";
const FLUX_ANNOTATION: &str = "reconcile.fluxcd.io/requestedAt";
const ARGO_ANNOTATION: &str = "argocd.argoproj.io/refresh";
const TOKEN_MGMT: &str = "tok-it-mgmt-61c2f0";
const TOKEN_HUB: &str = "tok-it-argocd-hub-9e07b4";
const GITHUB_TOKEN: &str = "ghp-it-token-3f9a1c";
const GITHUB_TOKEN_ENV: &str = "FLEETGATE_IT_GITHUB_TOKEN";

/// One cluster's overlay in the large Flux fleet: a configured cluster directory, nothing to annotate.
const FLEET_CHANGE: &[(&str, &str, &str)] =
    &[("fleet/clusters/eu-west/prod-euw1-a/kustomization.yaml", "tier=production", "tier=prod")];

/// Hub and spoke: two Kustomizations mgmt reconciles for prod-eu (prod-eu-flux dependsOn prod-eu-initialization).
const HUB_CHANGE: &[(&str, &str, &str)] = &[
    (
        "hub-and-spoke/gitops-system/clusters-config/prod-eu/initialization/priority-class.yaml",
        "value: 100000",
        "value: 100001",
    ),
    (
        "hub-and-spoke/gitops-system/clusters/prod-eu/flux-system/gotk-components.yaml",
        "app.kubernetes.io/version: v2.4.0",
        "app.kubernetes.io/version: v2.4.1",
    ),
];

/// Argo CD: the prod overlay of guestbook, deployed by the ApplicationSet to prod-eu-west and prod-us-east.
const ARGO_CHANGE: &[(&str, &str, &str)] =
    &[("argocd/services/guestbook/overlays/prod/kustomization.yaml", "count: 3", "count: 4")];
const ARGO_CHANGE_AGAIN: &[(&str, &str, &str)] =
    &[("argocd/services/guestbook/overlays/prod/kustomization.yaml", "count: 4", "count: 5")];

/// The example estate in a fresh git repository (one commit); returns it and the commit.
fn estate() -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&root().join("examples"), tmp.path());
    git(tmp.path(), &["init", "-q"]);
    git(tmp.path(), &["add", "-A"]);
    git(tmp.path(), &["commit", "-qm", "base"]);
    let base = git(tmp.path(), &["rev-parse", "HEAD"]);
    (tmp, base)
}

/// Applies the edits (each replaces a text that must be there) and commits the tracked files; returns the commit.
fn commit(root: &Path, name: &str, edits: &[&[(&str, &str, &str)]]) -> String {
    for (file, from, to) in edits.iter().flat_map(|e| e.iter()) {
        let p = root.join(file);
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(text.contains(from), "{file} does not contain {from:?}");
        std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
    }
    git(root, &["commit", "-qam", name]);
    git(root, &["rev-parse", "HEAD"])
}

/// Writes `<root>/it-kubeconfig.yaml` for `clusters` (name, server, token) and `<root>/it-fleetgate.yaml`: the
/// example config with `clusters.access` mapping each to its context, plus `extra` top-level YAML. Both files are
/// untracked, so they are no part of any revision.
fn write_config(root: &Path, clusters: &[(&str, &str, &str)], extra: &str) -> PathBuf {
    let kubeconfig_path = root.join("it-kubeconfig.yaml");
    std::fs::write(&kubeconfig_path, kubeconfig(clusters)).unwrap();
    let mut access = String::from("clusters:\n  access:\n");
    for (name, _, _) in clusters {
        access += &format!("    {name}:\n      kubeconfig: {{path: {}, context: {name}}}\n", kubeconfig_path.display());
    }
    let text = std::fs::read_to_string(root.join("fleetgate.yaml")).unwrap();
    assert!(text.contains("\nclusters:\n"));
    let text = text.replacen("\nclusters:\n", &format!("\n{access}"), 1) + "\n" + extra;
    let path = root.join("it-fleetgate.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// (cluster, kind, namespace/name) of each object of `fleetgate reconcile --plan --output json`.
fn plan_objects(out: &Value) -> Vec<(String, String, String)> {
    out["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let s = |k: &str| o[k].as_str().unwrap().to_string();
            (s("cluster"), s("kind"), format!("{}/{}", s("namespace"), s("name")))
        })
        .collect()
}

fn owned(rows: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    rows.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect()
}

/// What the hub-and-spoke plus Argo CD change must reconcile, in order per cluster.
const PLANNED: &[(&str, &str, &str)] = &[
    ("argocd-hub", "Application", "argocd/guestbook-prod-eu-west"),
    ("argocd-hub", "Application", "argocd/guestbook-prod-us-east"),
    ("mgmt", "GitRepository", "flux-system/flux-system"),
    ("mgmt", "Kustomization", "flux-system/prod-eu-initialization"),
    ("mgmt", "Kustomization", "flux-system/prod-eu-flux"),
];

fn mgmt_paths() -> Vec<String> {
    vec![
        kube_path("source.toolkit.fluxcd.io/v1", "GitRepository", "flux-system", "flux-system"),
        kube_path("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "flux-system", "prod-eu-initialization"),
        kube_path("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "flux-system", "prod-eu-flux"),
    ]
}

fn hub_paths() -> Vec<String> {
    vec![
        kube_path("argoproj.io/v1alpha1", "Application", "argocd", "guestbook-prod-eu-west"),
        kube_path("argoproj.io/v1alpha1", "Application", "argocd", "guestbook-prod-us-east"),
    ]
}

/// Every patch is a merge patch by field manager fleetgate that sets exactly the expected annotation.
fn assert_patches(d: &KubeDouble, paths: &[String], annotation: &str, literal: Option<&str>) {
    let patches = d.patches();
    assert_eq!(patches.iter().map(|p| p.path.clone()).collect::<Vec<_>>(), paths, "patched objects, in order");
    for p in &patches {
        assert_eq!(p.content_type(), Some(MERGE_PATCH), "{}", p.path);
        assert_eq!(p.query_param("fieldManager"), Some("fleetgate"), "{}", p.path);
        let annotations = p.json()["metadata"]["annotations"].clone();
        assert_eq!(annotations.as_object().map(|a| a.len()), Some(1), "{}: {annotations}", p.path);
        let value = annotations[annotation].as_str().unwrap_or_else(|| panic!("{}: {annotations}", p.path));
        match literal {
            Some(l) => assert_eq!(value, l),
            None => {
                value.parse::<jiff::Timestamp>().unwrap_or_else(|e| panic!("{value} is not RFC 3339: {e}"));
            }
        }
        let object = d.object(&p.path).unwrap();
        assert_eq!(object["metadata"]["annotations"][annotation].as_str(), Some(value));
    }
}

#[test]
fn plan_lists_exactly_the_affected_sync_roots_and_touches_nothing() {
    let (tmp, base) = estate();
    let root = tmp.path();
    let fleet = commit(root, "one cluster's overlay", &[FLEET_CHANGE]);
    let hub = commit(root, "hub and spoke, and guestbook prod", &[HUB_CHANGE, ARGO_CHANGE]);
    let (mgmt, argocd) = (KubeDouble::start(TOKEN_MGMT), KubeDouble::start(TOKEN_HUB));
    let config = write_config(root, &[("mgmt", &mgmt.url(), TOKEN_MGMT), ("argocd-hub", &argocd.url(), TOKEN_HUB)], "");
    let config = config.to_str().unwrap();

    // A configured cluster directory has no sync object: an empty plan and one note naming the cluster.
    let o = fleetgate(
        &["reconcile", "--plan", "--base", &base, "--head", &fleet, "--config", config, "--output", "json", "."],
        root,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(plan_objects(&out), vec![]);
    let notes: Vec<&str> = out["notes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].starts_with("prod-euw1-a: dir clusters/eu-west/prod-euw1-a"), "{notes:?}");

    // Hub and spoke: the source before the Kustomizations on mgmt (the reconciler), in dependsOn order even though
    // prod-eu-flux sorts first by name; Argo CD: the two Applications on argocd-hub.
    let o = fleetgate(
        &["reconcile", "--plan", "--base", &fleet, "--head", &hub, "--config", config, "--output", "json", "."],
        root,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(plan_objects(&out), owned(PLANNED));
    let objects = out["objects"].as_array().unwrap();
    assert!(objects.iter().filter(|o| o["cluster"] == "mgmt").all(|o| o["forCluster"] == "prod-eu"), "{out:#}");
    assert_eq!(objects[4]["dependsOn"], json!(["flux-system/prod-eu-initialization"]));
    assert!(objects[..2].iter().all(|o| o["annotation"] == ARGO_ANNOTATION));
    assert!(objects[2..].iter().all(|o| o["annotation"] == FLUX_ANNOTATION));

    // The table says the same, in the same order.
    let o = fleetgate(&["reconcile", "--plan", "--base", &fleet, "--head", &hub, "--config", config, "."], root);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let rows: Vec<Vec<&str>> = text.lines().skip(1).map(|l| l.split_whitespace().collect()).collect();
    let got: Vec<(String, String, String)> =
        rows.iter().map(|r| (r[0].to_string(), r[1].to_string(), r[2].to_string())).collect();
    assert_eq!(got, owned(PLANNED), "{text}");
    assert!(text.starts_with("CLUSTER"), "{text}");

    assert!(mgmt.requests().is_empty() && argocd.requests().is_empty(), "--plan must not contact any cluster");
}

#[test]
fn executing_the_plan_patches_exactly_the_planned_objects_source_first() {
    let (tmp, base) = estate();
    let root = tmp.path();
    let head = commit(root, "hub and spoke, and guestbook prod", &[HUB_CHANGE, ARGO_CHANGE]);
    let (mgmt, argocd) = (KubeDouble::start(TOKEN_MGMT), KubeDouble::start(TOKEN_HUB));
    let clusters = [("mgmt", mgmt.url(), TOKEN_MGMT), ("argocd-hub", argocd.url(), TOKEN_HUB)];
    let clusters: Vec<(&str, &str, &str)> = clusters.iter().map(|(a, b, c)| (*a, b.as_str(), *c)).collect();

    // reconcile.dryRun: reported, nothing contacted.
    let config = write_config(root, &clusters, "reconcile:\n  dryRun: true\n");
    let o =
        fleetgate(&["reconcile", "--base", &base, "--head", &head, "--config", config.to_str().unwrap(), "."], root);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).matches("would request a reconcile (dry run)").count(), PLANNED.len(), "{}", stdout(&o));
    assert!(mgmt.requests().is_empty() && argocd.requests().is_empty());

    let config = write_config(root, &clusters, "");
    let o =
        fleetgate(&["reconcile", "--base", &base, "--head", &head, "--config", config.to_str().unwrap(), "."], root);
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    let text = stdout(&o);
    for (cluster, kind, object) in PLANNED {
        assert!(text.contains(&format!("{cluster}: {kind} {object}: reconcile requested")), "{text}");
    }
    assert_patches(&mgmt, &mgmt_paths(), FLUX_ANNOTATION, None);
    assert_patches(&argocd, &hub_paths(), ARGO_ANNOTATION, Some("normal"));
    // Every request carried the cluster's own token.
    for (d, token) in [(&mgmt, TOKEN_MGMT), (&argocd, TOKEN_HUB)] {
        assert!(d.requests().iter().all(|r| r.header("authorization") == Some(&format!("Bearer {token}"))));
    }
    assert!(!text.contains(TOKEN_MGMT) && !stderr(&o).contains(TOKEN_MGMT));
}

#[test]
fn an_unreachable_cluster_is_reported_and_the_others_are_still_patched() {
    let (tmp, base) = estate();
    let root = tmp.path();
    let head = commit(root, "hub and spoke, and guestbook prod", &[HUB_CHANGE, ARGO_CHANGE]);
    let mgmt = KubeDouble::start(TOKEN_MGMT);
    let (mgmt_url, closed) = (mgmt.url(), closed_port_url());
    let config = write_config(root, &[("mgmt", &mgmt_url, TOKEN_MGMT), ("argocd-hub", &closed, TOKEN_HUB)], "");
    let o =
        fleetgate(&["reconcile", "--base", &base, "--head", &head, "--config", config.to_str().unwrap(), "."], root);
    assert_eq!(o.status.code(), Some(1), "{}\n{}", stdout(&o), stderr(&o));
    let text = stdout(&o);
    let hub_lines: Vec<&str> = text.lines().filter(|l| l.starts_with("argocd-hub: ")).collect();
    assert_eq!(hub_lines.len(), 2, "{text}");
    assert!(hub_lines[0].contains("guestbook-prod-eu-west: failed") && hub_lines[0].contains("cannot reach"), "{text}");
    assert!(hub_lines[1].contains("guestbook-prod-us-east: skipped"), "{text}");
    assert_patches(&mgmt, &mgmt_paths(), FLUX_ANNOTATION, None);
}

/// The summary table of a comment's first part: the cluster of each row.
pub(crate) fn summary_clusters(body: &str) -> Vec<String> {
    let table = body.split("| cluster |").nth(1).unwrap_or_else(|| panic!("no summary table in {body}"));
    table
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim_start_matches('|').split('|').next().unwrap().trim().to_string())
        .collect()
}

fn github_token_env() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: set once, before this test starts any thread that reads it, to a value no other test reads.
    ONCE.call_once(|| unsafe { std::env::set_var(GITHUB_TOKEN_ENV, GITHUB_TOKEN) });
}

struct Service {
    runtime: tokio::runtime::Runtime,
    config: Arc<Config>,
}

impl Service {
    fn new(config: &Path) -> Service {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        Service { runtime, config: Arc::new(Config::load(config).unwrap()) }
    }

    fn run(&self, change: Change) -> fleetgate::pipeline::Report {
        let token = self.config.secret("github").unwrap();
        let effects = {
            let _inside = self.runtime.enter();
            ServiceEffects::new(self.config.clone(), Some(token), self.runtime.handle().clone()).unwrap()
        };
        let repo = self.config.repo(&change.repo).unwrap();
        let pipelines = spec::for_config(&self.config).unwrap();
        let p = spec::select(&pipelines, &change.repo, Some(repo.role), change.event).unwrap().clone();
        let path_of = |r: &fleetgate::config::RepoConfig| self.config.repo_path(r);
        let base = workspace::for_change(&self.config, &change.repo, &change.base, &path_of).unwrap();
        let head = workspace::for_change(&self.config, &change.repo, &change.head, &path_of).unwrap();
        let changed = workspace::changed_paths_for(&head, &change.repo, &change.base, &change.head).unwrap();
        let input = RunInput {
            config: self.config.clone(),
            change,
            base,
            head,
            changed,
            default_branch: repo.default_branch.clone(),
            run_url: Some("https://fleetgate.example.com/runs/7".into()),
        };
        pipeline::run(&p, input, Mode::Service, Arc::new(effects), None, &|_| {})
    }
}

#[test]
fn a_pipeline_comments_once_per_pull_request_and_reconciles_on_push() {
    github_token_env();
    let (tmp, base) = estate();
    let root = tmp.path();
    let first = commit(root, "guestbook prod: 4 replicas", &[ARGO_CHANGE]);
    let second = commit(root, "guestbook prod: 5 replicas", &[ARGO_CHANGE_AGAIN]);
    let forge = GitHubDouble::start(GITHUB_TOKEN, "platform/argocd-estate");
    let (mgmt, argocd) = (KubeDouble::start(TOKEN_MGMT), KubeDouble::start(TOKEN_HUB));
    let extra = format!(
        "forge:\n  kind: github\n  apiUrl: {}\n  token: github\nsecrets:\n  github:\n    env: {GITHUB_TOKEN_ENV}\n",
        forge.api_url()
    );
    let (mgmt_url, hub_url) = (mgmt.url(), argocd.url());
    let config = write_config(root, &[("mgmt", &mgmt_url, TOKEN_MGMT), ("argocd-hub", &hub_url, TOKEN_HUB)], &extra);
    let service = Service::new(&config);
    let pr = |head: &str| Change {
        repo: "argocd".into(),
        event: EventKind::PullRequest,
        git_ref: "refs/heads/guestbook-replicas".into(),
        base: base.clone(),
        head: head.to_string(),
        pull_request: Some(7),
        target_branch: Some("main".into()),
    };

    let report = service.run(pr(&first));
    assert!(report.succeeded(), "{report:#?}");
    let comments = forge.comments();
    assert_eq!(comments.len(), 1, "{comments:#?}");
    assert_eq!(comments[0].issue, 7);
    assert_eq!(summary_clusters(&comments[0].body), ["prod-eu-west", "prod-us-east"]);
    assert!(comments[0].body.contains("<!-- fleetgate:"), "the marker: {}", comments[0].body);
    let statuses = forge.statuses();
    assert_eq!(statuses.len(), 1);
    assert_eq!((statuses[0].sha.as_str(), statuses[0].state.as_str()), (first.as_str(), "success"));
    assert!(statuses[0].context.starts_with("fleetgate/"), "{:?}", statuses[0]);
    assert_eq!(statuses[0].target_url.as_deref(), Some("https://fleetgate.example.com/runs/7"), "the run's own URL");
    assert!(mgmt.requests().is_empty() && argocd.requests().is_empty(), "a pull request reconciles nothing");

    // A new head: the same comment is edited, none is added.
    forge.clear_requests();
    let report = service.run(pr(&second));
    assert!(report.succeeded(), "{report:#?}");
    let again = forge.comments();
    assert_eq!(again.len(), 1, "{again:#?}");
    assert_eq!(again[0].id, comments[0].id);
    assert_ne!(again[0].body, comments[0].body);
    let writes: Vec<(String, String)> = forge.writes().iter().map(|r| (r.method.clone(), r.path.clone())).collect();
    assert_eq!(
        writes,
        [
            ("PATCH".to_string(), format!("/repos/platform/argocd-estate/issues/comments/{}", comments[0].id)),
            ("POST".to_string(), format!("/repos/platform/argocd-estate/statuses/{second}")),
        ]
    );

    // The merge (with a hub-and-spoke change on top): a push to the default branch reconciles exactly the planned
    // objects and comments nothing.
    forge.clear_requests();
    let hub = commit(root, "hub and spoke", &[HUB_CHANGE]);
    let push = Change {
        repo: "argocd".into(),
        event: EventKind::Push,
        git_ref: "refs/heads/main".into(),
        base: base.clone(),
        head: hub.clone(),
        pull_request: None,
        target_branch: None,
    };
    let report = service.run(push);
    assert!(report.succeeded(), "{report:#?}");
    assert_patches(&mgmt, &mgmt_paths(), FLUX_ANNOTATION, None);
    assert_patches(&argocd, &hub_paths(), ARGO_ANNOTATION, Some("normal"));
    assert!(forge.writes().is_empty(), "a push comments nothing: {:?}", forge.writes());
}
