//! A synthetic Flux fleet for benchmarks: `clusters/<region>/<cluster>/` over `infrastructure/overlays/<tier>/`
//! over 7 base addons (Namespace + HelmRepository + HelmRelease each), with per-cluster patches.

use std::path::Path;

pub const ADDONS: [&str; 7] = [
    "cert-manager",
    "ingress-nginx",
    "external-dns",
    "metrics-server",
    "kube-prometheus-stack",
    "cluster-autoscaler",
    "sealed-secrets",
];
pub const REGIONS: [&str; 3] = ["eu-west", "us-east", "ap-southeast"];

/// The path of cluster `i`'s kustomization.
pub fn cluster_dir(i: usize) -> String {
    format!("clusters/{}/cluster-{i:04}", REGIONS[i % REGIONS.len()])
}

/// Write a fleet of `n` clusters under `root`, with a `fleetgate.yaml` naming it.
pub fn write_fleet(root: &Path, n: usize) -> std::io::Result<()> {
    let w = |rel: &str, text: String| -> std::io::Result<()> {
        let p = root.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(p, text)
    };
    w(
        "fleetgate.yaml",
        "repos:\n  - name: fleet\n    role: system\n    urls: [https://git.example.com/platform/fleet.git]\n    path: fleet\nclusters:\n  roots:\n    - repo: fleet\n      paths: [\"clusters/*/*\"]\n".into(),
    )?;
    for (i, addon) in ADDONS.iter().enumerate() {
        let base = format!("fleet/infrastructure/base/{addon}");
        w(&format!("{base}/kustomization.yaml"), "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - namespace.yaml\n  - repository.yaml\n  - release.yaml\n".into())?;
        w(&format!("{base}/namespace.yaml"), format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {addon}\n"))?;
        w(
            &format!("{base}/repository.yaml"),
            format!(
                "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: {addon}\n  namespace: flux-system\nspec:\n  interval: 1h\n  url: https://charts.example.com/{addon}\n"
            ),
        )?;
        w(
            &format!("{base}/release.yaml"),
            format!(
                "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: {addon}\n  namespace: flux-system\nspec:\n  interval: 30m\n  targetNamespace: {addon}\n  chart:\n    spec:\n      chart: {addon}\n      version: \"1.{i}.0\"\n      sourceRef:\n        kind: HelmRepository\n        name: {addon}\n  values:\n    replicaCount: 1\n    resources:\n      requests: {{cpu: 100m, memory: 128Mi}}\n"
            ),
        )?;
    }
    for tier in ["production", "staging"] {
        let mut k = format!(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nlabels:\n  - pairs:\n      fleet.example.com/tier: {tier}\nresources:\n"
        );
        for addon in ADDONS {
            k.push_str(&format!("  - ../../base/{addon}\n"));
        }
        k.push_str("patches:\n  - patch: |-\n      apiVersion: helm.toolkit.fluxcd.io/v2\n      kind: HelmRelease\n      metadata:\n        name: ingress-nginx\n        namespace: flux-system\n      spec:\n        values:\n          replicaCount: ");
        k.push_str(if tier == "production" { "3\n" } else { "1\n" });
        w(&format!("fleet/infrastructure/overlays/{tier}/kustomization.yaml"), k)?;
    }
    for i in 0..n {
        let tier = if i % 4 == 3 { "staging" } else { "production" };
        let region = REGIONS[i % REGIONS.len()];
        w(
            &format!("fleet/{}/kustomization.yaml", cluster_dir(i)),
            format!(
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nlabels:\n  - pairs:\n      fleet.example.com/cluster: cluster-{i:04}\n      fleet.example.com/region: {region}\nresources:\n  - ../../../infrastructure/overlays/{tier}\npatches:\n  - patch: |-\n      apiVersion: helm.toolkit.fluxcd.io/v2\n      kind: HelmRelease\n      metadata:\n        name: external-dns\n        namespace: flux-system\n      spec:\n        values:\n          txtOwnerId: cluster-{i:04}\n          domainFilters: [cluster-{i:04}.{region}.example.net]\n"
            ),
        )?;
    }
    Ok(())
}
