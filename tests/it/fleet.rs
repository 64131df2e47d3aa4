//! The fleet model end to end: exact affected clusters on scripted changes to the example estate.

use crate::support::*;
use fleetgate::config::Config;
use fleetgate::fleet::{self, affected};
use fleetgate::workspace::{self, Workspace};
use std::path::Path;

enum Op {
    Replace(&'static str, &'static str, &'static str),
    Write(&'static str, &'static str),
    Append(&'static str, &'static str),
    Delete(&'static str),
    Rename(&'static str, &'static str),
}

fn apply(root: &Path, ops: &[Op]) {
    for op in ops {
        match op {
            Op::Replace(f, from, to) => {
                let p = root.join(f);
                let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{f}: {e}"));
                assert!(text.contains(from), "{f} does not contain {from:?}");
                std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
            }
            Op::Write(f, content) => {
                let p = root.join(f);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(p, content).unwrap();
            }
            Op::Append(f, content) => {
                let p = root.join(f);
                let mut text = std::fs::read_to_string(&p).unwrap();
                text.push_str(content);
                std::fs::write(p, text).unwrap();
            }
            Op::Delete(f) => std::fs::remove_file(root.join(f)).unwrap(),
            Op::Rename(a, b) => std::fs::rename(root.join(a), root.join(b)).unwrap(),
        }
    }
}

fn changes() -> Vec<(&'static str, Vec<Op>)> {
    use Op::*;
    let fleet_prod = "fleet/infrastructure/overlays/production/kustomization.yaml";
    vec![
        (
            "base addon version",
            vec![Replace("fleet/infrastructure/base/cert-manager/release.yaml", "v1.16.2", "v1.16.3")],
        ),
        (
            "base addon (sealed-secrets) version",
            vec![Replace("fleet/infrastructure/base/sealed-secrets/release.yaml", "2.17.3", "2.17.4")],
        ),
        (
            "overlay label",
            vec![Replace(fleet_prod, "fleet.example.com/tier: production", "fleet.example.com/tier: prod")],
        ),
        ("overlay drops an addon", vec![Replace(fleet_prod, "  - ../../base/metrics-server\n", "")]),
        (
            "cluster-only file",
            vec![Replace("fleet/clusters/eu-west/prod-euw1-a/kustomization.yaml", "tier=production", "tier=prod")],
        ),
        ("formatting only", vec![Append(fleet_prod, "\n# a comment, nothing else\n")]),
        (
            "rename an overlay file",
            vec![
                Rename(
                    "fleet/infrastructure/overlays/production/alertmanager-slack.yaml",
                    "fleet/infrastructure/overlays/production/alertmanager.yaml",
                ),
                Replace(fleet_prod, "alertmanager-slack.yaml", "alertmanager.yaml"),
            ],
        ),
        (
            "new cluster",
            vec![Write(
                "fleet/clusters/eu-west/prod-euw1-d/kustomization.yaml",
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../../infrastructure/overlays/production\n",
            )],
        ),
        ("removed cluster", vec![Delete("fleet/clusters/eu-west/prod-euw1-c/kustomization.yaml")]),
        (
            "unreferenced new file",
            vec![Write("fleet/docs/notes.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\n")],
        ),
        (
            "app repo base change",
            vec![Replace(
                "hub-and-spoke/payment-app/base/deployment.yaml",
                "revisionHistoryLimit: 5",
                "revisionHistoryLimit: 6",
            )],
        ),
        (
            "workloads mapping change",
            vec![Replace("hub-and-spoke/gitops-workloads/prod-eu/kustomization.yaml", "  - payment-app\n", "")],
        ),
        (
            "substitution variable change",
            vec![Replace(
                "hub-and-spoke/gitops-workloads/prod-eu/payment-app/sync.yaml",
                "pay.example.com",
                "pay2.example.com",
            )],
        ),
        (
            "kubeConfig target change",
            vec![Replace(
                "hub-and-spoke/gitops-system/clusters-config/prod-eu/sync-flux.yaml",
                "name: prod-eu-kubeconfig",
                "name: prod-eu-2-kubeconfig",
            )],
        ),
        (
            "source pinned to a missing branch",
            vec![Replace(
                "hub-and-spoke/gitops-workloads/prod-eu/payment-app/git-repository.yaml",
                "branch: main",
                "branch: release",
            )],
        ),
        (
            "source pinned to a tag",
            vec![Replace(
                "hub-and-spoke/gitops-workloads/prod-eu/payment-app/git-repository.yaml",
                "branch: main",
                "tag: v1.0.0",
            )],
        ),
        (
            "app change while prod-eu pins the old tag",
            vec![
                Replace(
                    "hub-and-spoke/gitops-workloads/prod-eu/payment-app/git-repository.yaml",
                    "branch: main",
                    "tag: v1.0.0",
                ),
                Replace(
                    "hub-and-spoke/payment-app/base/deployment.yaml",
                    "revisionHistoryLimit: 5",
                    "revisionHistoryLimit: 9",
                ),
            ],
        ),
        (
            "hub tool version",
            vec![Replace(
                "hub-and-spoke/gitops-system/tools/external-secrets/helm-release.yaml",
                "version: 0.19.2",
                "version: 0.19.3",
            )],
        ),
        (
            "hub tool interval",
            vec![Replace(
                "hub-and-spoke/gitops-system/tools/external-secrets/helm-release.yaml",
                "interval: 30m",
                "interval: 20m",
            )],
        ),
        (
            "crossplane claim change",
            vec![Replace(
                "hub-and-spoke/gitops-system/clusters-config/staging-eu/def/eks-cluster.yaml",
                "region: eu-central-1",
                "region: eu-central-2",
            )],
        ),
        (
            "hub formatting only",
            vec![Append("hub-and-spoke/gitops-system/tools/external-secrets/helm-release.yaml", "\n# reviewed\n")],
        ),
        (
            "apps-infra app base change",
            vec![Replace(
                "apps-infra/apps/base/echo-server/deployment.yaml",
                "ealen/echo-server:0.9.2",
                "ealen/echo-server:0.9.3",
            )],
        ),
        (
            "apps-infra Kustomization interval",
            vec![Replace("apps-infra/clusters/dev/apps.yaml", "interval: 10m", "interval: 15m")],
        ),
        (
            "apps-infra cluster file deleted",
            vec![
                Delete("apps-infra/infrastructure/clusters/dev/ingress-nginx-values.yaml"),
                Replace(
                    "apps-infra/infrastructure/clusters/dev/kustomization.yaml",
                    "ingress-nginx-values.yaml",
                    "DELETED",
                ),
            ],
        ),
        (
            "argocd ApplicationSet generator change",
            vec![Replace("argocd/components/cluster-config.yaml", "clusters/*/config.json", "clusters/*/cluster.json")],
        ),
        (
            "payment-app overlay replicas",
            vec![Replace(
                "hub-and-spoke/payment-app/overlays/production/kustomization.yaml",
                "replicas:",
                "replicas:  ",
            )],
        ),
        (
            "payment-app base file removed from kustomization",
            vec![Replace("hub-and-spoke/payment-app/base/kustomization.yaml", "  - configmap.yaml\n", "")],
        ),
        (
            "two repos at once",
            vec![
                Replace(
                    "hub-and-spoke/payment-app/base/deployment.yaml",
                    "revisionHistoryLimit: 5",
                    "revisionHistoryLimit: 7",
                ),
                Replace("fleet/infrastructure/base/cert-manager/release.yaml", "v1.16.2", "v1.17.0"),
            ],
        ),
        (
            "new Flux Kustomization on mgmt",
            vec![Write(
                "hub-and-spoke/gitops-system/clusters/mgmt/extra.yaml",
                "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: extra\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./tools/external-secrets\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  targetNamespace: extra\n",
            )],
        ),
        (
            "whole-file rewrite, same content",
            vec![Replace("fleet/infrastructure/base/cert-manager/release.yaml", "v1.16.2", "v1.16.2")],
        ),
        (
            "cluster label change in another region",
            vec![Replace(
                "fleet/clusters/us-east/prod-use1-b/kustomization.yaml",
                "region=us-east-1",
                "region=us-east-2",
            )],
        ),
        (
            "staging overlay change",
            vec![Append(
                "fleet/infrastructure/overlays/staging/kustomization.yaml",
                "commonAnnotations:\n  fleet.example.com/reviewed: \"yes\"\n",
            )],
        ),
        (
            "gotk-components change on mgmt",
            vec![Append(
                "hub-and-spoke/gitops-system/clusters/mgmt/flux-system/gotk-components.yaml",
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flux-extra\n  namespace: flux-system\n",
            )],
        ),
        (
            "broken head render",
            vec![Replace(
                "fleet/infrastructure/overlays/production/kustomization.yaml",
                "  - ../../base/cert-manager\n",
                "  - ../../base/cert-manager-missing\n",
            )],
        ),
        (
            "suspended Kustomization with a change waiting",
            vec![
                Replace(
                    "hub-and-spoke/gitops-workloads/prod-eu/payment-app/sync.yaml",
                    "  prune: true\n",
                    "  prune: true\n  suspend: true\n",
                ),
                Replace(
                    "hub-and-spoke/gitops-workloads/prod-eu/payment-app/sync.yaml",
                    "pay.example.com",
                    "pay3.example.com",
                ),
            ],
        ),
        // --- Argo CD: Applications and ApplicationSets on the argocd-hub cluster -------------------------
        (
            "ApplicationSet list generator drops a cluster",
            vec![Replace(
                "argocd/components/guestbook.yaml",
                "          - cluster: prod-eu-west\n            env: prod\n",
                "",
            )],
        ),
        (
            "ApplicationSet clusters selector narrowed",
            vec![Replace(
                "argocd/components/node-problem-detector.yaml",
                "fleet.example.com/managed: \"true\"",
                "fleet.example.com/env: prod",
            )],
        ),
        (
            "git files generator: a new cluster folder",
            vec![
                Write(
                    "argocd/clusters/staging-us-east/config.json",
                    "{\"cluster\": {\"name\": \"staging-us-east\", \"env\": \"staging\"}}\n",
                ),
                Write(
                    "argocd/clusters/staging-us-east/kustomization.yaml",
                    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../services/cluster-config/base\n",
                ),
            ],
        ),
        (
            "git directories generator: an overlay no cluster selects",
            vec![Write(
                "argocd/services/status-page/overlays/staging/kustomization.yaml",
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\n",
            )],
        ),
        (
            "Argo app base change",
            vec![Replace(
                "argocd/services/guestbook/base/deployment.yaml",
                "ks-guestbook-demo:0.2",
                "ks-guestbook-demo:0.3",
            )],
        ),
        (
            "Argo app overlay change",
            vec![Replace("argocd/services/guestbook/overlays/prod/kustomization.yaml", "count: 3", "count: 4")],
        ),
        (
            "Argo cluster-only file",
            vec![Replace("argocd/clusters/dev-us-east/kustomization.yaml", "region=us-east-1", "region=us-east-2")],
        ),
        (
            "ApplicationSet template: destination namespace",
            vec![Replace("argocd/components/status-page.yaml", "namespace: status-page", "namespace: status")],
        ),
    ]
}

#[test]
fn affected_is_exact_on_scripted_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    copy_tree(&crate::support::root().join("examples"), root);
    git(root, &["init", "-q"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "base"]);
    // A tag that sources may pin: payment-app as it was before a later change.
    git(root, &["tag", "v1.0.0"]);
    let base = git(root, &["rev-parse", "HEAD"]);
    let config = Config::load(&root.join("fleetgate.yaml")).unwrap();
    let mut table = Vec::new();
    let all = changes();
    assert!(all.len() >= 30);
    for (name, ops) in all {
        git(root, &["reset", "-q", "--hard", &base]);
        git(root, &["clean", "-qfd"]);
        apply(root, &ops);
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "--allow-empty", "-m", name]);
        let head = git(root, &["rev-parse", "HEAD"]);
        let base_ws = Workspace::from_config(&config, Some(&base)).unwrap();
        let head_ws = Workspace::from_config(&config, Some(&head)).unwrap();
        let changed = workspace::changed_paths(&head_ws, &base, &head).unwrap();
        let cmp = affected::compare(&base_ws, &head_ws, Some(&config), changed);
        // Ground truth: every cluster rendered at both revisions, compared object by object.
        let truth =
            affected::diff_clusters(&fleet::render(&base_ws, Some(&config)), &fleet::render(&head_ws, Some(&config)));
        let got: Vec<(String, usize, usize, usize, usize)> = cmp
            .clusters
            .iter()
            .map(|(c, ch)| (c.clone(), ch.added.len(), ch.changed.len(), ch.removed.len(), ch.errors.len()))
            .collect();
        let want: Vec<(String, usize, usize, usize, usize)> = truth
            .iter()
            .map(|(c, ch)| (c.clone(), ch.added.len(), ch.changed.len(), ch.removed.len(), ch.errors.len()))
            .collect();
        assert_eq!(got, want, "change {name:?}: affected differs from the full-render ground truth");
        if name == "app change while prod-eu pins the old tag" {
            // prod-eu renders payment-app at the tag (unchanged); only staging-eu sees the new base.
            assert!(got.iter().any(|g| g.0 == "staging-eu"), "{got:?}");
            assert!(
                !cmp.clusters.get("prod-eu").is_some_and(|c| c.changed.iter().any(|k| k.contains("Deployment"))),
                "{got:?}"
            );
        }
        if name == "suspended Kustomization with a change waiting" {
            let prod = cmp.clusters.get("prod-eu").expect("prod-eu is affected");
            assert!(
                prod.sync_roots.iter().any(|r| r.contains("payment-app") && r.ends_with("[suspended]")),
                "{prod:?}"
            );
        }
        if name == "ApplicationSet list generator drops a cluster" {
            assert_eq!(got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(), ["argocd-hub", "prod-eu-west"]);
        }
        if name == "source pinned to a missing branch" {
            assert!(
                cmp.clusters.get("prod-eu").is_some_and(|c| !c.errors.is_empty()),
                "a missing ref is a render error: {got:?}"
            );
        }
        table.push(format!(
            "{name:<45} {:>2} affected, {:>2} re-rendered, {:>2} reused: {}",
            got.len(),
            cmp.rendered,
            cmp.reused,
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>().join(" ")
        ));
    }
    eprintln!("{}", table.join("\n"));
}

/// The README's first command.
#[test]
fn quickstart_check_demo() {
    let o = fleetgate(&["check", "examples", "--demo"], &crate::support::root());
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{}", stderr(&o));
    assert!(out.contains("ok: 0 errors"), "{out}");
    assert!(out.contains("12 of 21 clusters affected"), "{out}");
    assert!(out.contains("-      version: v1.16.2") && out.contains("+      version: v1.16.3"), "{out}");
    let o = fleetgate(&["check", "examples", "--demo", "--output", "markdown"], &crate::support::root());
    let out = stdout(&o);
    assert!(out.contains("| cluster | added | changed | removed | sync roots |") && out.contains("<details>"), "{out}");
}

/// The hub-and-spoke corpus as three git repositories, as its `repos/` folder lays them out.
#[test]
fn hub_and_spoke_corpus_affected() {
    let Some(shared) = shared("corpus/aws-samples+eks-multi-cluster-gitops") else { return };
    let repos = shared.join("corpus/aws-samples+eks-multi-cluster-gitops/repos");
    let tmp = tempfile::tempdir().unwrap();
    let layout = [
        ("gitops-system", "gitops-system", "system"),
        ("gitops-workloads", "gitops-workloads", "workloads"),
        ("payment-app", "apps-manifests/payment-app", "app"),
    ];
    let url = |name: &str| match name {
        "payment-app" => "REPO_PREFIX/payment-app-manifests".to_string(),
        other => format!("REPO_PREFIX/{other}"),
    };
    let mut config = String::from("repos:\n");
    for (name, from, role) in layout {
        let dir = tmp.path().join(name);
        copy_tree(&repos.join(from), &dir);
        git(&dir, &["init", "-q"]);
        git(&dir, &["add", "-A"]);
        git(&dir, &["commit", "-qm", "base"]);
        config.push_str(&format!("  - {{name: {name}, role: {role}, urls: [{}], path: {name}}}\n", url(name)));
    }
    config.push_str("clusters:\n  exclude: [\"**/template/**\", \"**/app-template/**\"]\n");
    std::fs::write(tmp.path().join("fleetgate.yaml"), config).unwrap();
    let cfg = Config::load(&tmp.path().join("fleetgate.yaml")).unwrap();
    // Every repository gets a commit; only the changed one differs.
    let run = |changes: &[(&str, &str, &str, &str)]| {
        for (name, _, _, _) in layout.iter().map(|(n, ..)| (*n, "", "", "")) {
            let dir = tmp.path().join(name);
            for (repo, file, from, to) in changes {
                if *repo == name {
                    let p = dir.join(file);
                    let text = std::fs::read_to_string(&p).unwrap();
                    assert!(text.contains(from), "{file}: {from:?}");
                    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
                }
            }
            git(&dir, &["add", "-A"]);
            git(&dir, &["commit", "-q", "--allow-empty", "-m", "change"]);
        }
        let base_ws = Workspace::from_config(&cfg, Some("HEAD~1")).unwrap();
        let head_ws = Workspace::from_config(&cfg, Some("HEAD")).unwrap();
        let changed = workspace::changed_paths(&head_ws, "HEAD~1", "HEAD").unwrap();
        let cmp = affected::compare(&base_ws, &head_ws, Some(&cfg), changed);
        let truth = affected::diff_clusters(&fleet::render(&base_ws, Some(&cfg)), &fleet::render(&head_ws, Some(&cfg)));
        assert_eq!(cmp.clusters.keys().collect::<Vec<_>>(), truth.keys().collect::<Vec<_>>());
        eprintln!("clusters: {:?}; affected: {:?}", cmp.head.clusters(), cmp.clusters.keys().collect::<Vec<_>>());
        cmp
    };
    // payment-app base: exactly the clusters that deploy payment-app.
    let cmp =
        run(&[("payment-app", "kubernetes/base/deployment.yaml", "replicas:", "replicas: 3\n  revisionHistoryLimit:")]);
    let deploying: Vec<&String> =
        cmp.head.roots.iter().filter(|r| r.root.repo == "payment-app").map(|r| &r.root.cluster).collect();
    assert!(!deploying.is_empty(), "no cluster deploys payment-app");
    let mut expected: Vec<&String> = deploying.clone();
    expected.sort();
    expected.dedup();
    assert_eq!(cmp.clusters.keys().collect::<Vec<_>>(), expected);
    // The corpus's management cluster deploys only commercial-staging's clusters-config; onboarding
    // commercial-prod changes mgmt (its own Flux Kustomizations for commercial-prod) and commercial-prod.
    let cmp = run(&[(
        "gitops-system",
        "clusters-config/kustomization.yaml",
        "  - commercial-staging",
        "  - commercial-staging\n  - commercial-prod",
    )]);
    assert_eq!(cmp.clusters.keys().collect::<Vec<_>>(), ["commercial-prod", "mgmt"]);
    let mgmt = &cmp.clusters["mgmt"];
    assert!(
        mgmt.added.iter().all(|k| k.contains("commercial-prod")),
        "mgmt gains only commercial-prod's objects: {mgmt:?}"
    );
    // A change under clusters-config/commercial-prod: commercial-prod only.
    let cmp = run(&[(
        "gitops-system",
        "clusters-config/commercial-prod/secrets/namespace.yaml",
        "name:",
        "labels: {team: platform}\n  name:",
    )]);
    assert_eq!(cmp.clusters.keys().collect::<Vec<_>>(), ["commercial-prod"]);
    // A change to one of mgmt's own objects for commercial-prod (a Flux Kustomization's interval): mgmt only.
    let cmp =
        run(&[("gitops-system", "clusters-config/commercial-prod/secrets.yaml", "interval: 30s", "interval: 1m")]);
    assert_eq!(cmp.clusters.keys().collect::<Vec<_>>(), ["mgmt"]);
    // A no-op edit affects nothing.
    let cmp = run(&[(
        "gitops-system",
        "clusters-config/commercial-prod/def/eks-cluster.yaml",
        "commercial-prod",
        "commercial-prod",
    )]);
    assert!(cmp.clusters.is_empty());
}
