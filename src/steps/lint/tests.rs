//! Lint rule tests: each rule with a failing and a passing fixture.

use super::*;
use crate::workspace::{RepoView, Workspace};

/// A further repository: name, URL, files.
type OtherRepo<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

/// Write `files` into a fresh directory and lint it as one repository (plus `others` as further repositories,
/// each with its URL).
fn lint_with(files: &[(&str, &str)], others: &[OtherRepo], opts: &LintOptions) -> Vec<Finding> {
    let mut dirs = Vec::new();
    let mut repos = Vec::new();
    let mut add = |name: &str, url: Option<&str>, files: &[(&str, &str)]| {
        let d = tempfile::tempdir().unwrap();
        for (p, c) in files {
            let full = d.path().join(p);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, c).unwrap();
        }
        repos.push(RepoView {
            name: name.to_string(),
            role: None,
            snapshot: crate::source::Snapshot::dir(d.path()).unwrap(),
            url_keys: url.and_then(crate::config::normalize_git_url).into_iter().collect(),
            local: None,
            default_branch: "main".into(),
        });
        dirs.push(d);
    };
    add("main", Some("https://git.example.com/org/main.git"), files);
    for (name, url, files) in others {
        add(name, Some(url), files);
    }
    lint(&Workspace { repos }, opts).findings
}

fn lint_files(files: &[(&str, &str)]) -> Vec<Finding> {
    lint_with(files, &[], &LintOptions::default())
}

fn rules(f: &[Finding]) -> Vec<&'static str> {
    f.iter().map(|f| f.rule).collect()
}

fn only(f: &[Finding], rule: &str) -> Finding {
    let hits: Vec<&Finding> = f.iter().filter(|x| x.rule == rule).collect();
    assert_eq!(hits.len(), 1, "expected one {rule} finding, got {f:#?}");
    hits[0].clone()
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n";
const KS_OK: &str = "resources:\n  - cm.yaml\n";

#[test]
fn yaml_parse() {
    let f = lint_files(&[("a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n")]);
    let hit = only(&f, "yaml-parse");
    assert_eq!((hit.file.as_str(), hit.line), ("a.yaml", 5));
    assert!(lint_files(&[("a.yaml", CM)]).is_empty());
}

#[test]
fn not_an_object() {
    let f = lint_files(&[("a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {}\n---\nfoo: bar\n")]);
    assert_eq!(rules(&f), ["not-an-object", "not-an-object"]);
    assert!(f[0].message.contains("metadata.name"), "{}", f[0].message);
    assert_eq!(f[1].line, 6);
    // Patch and generator inputs need not be objects; dot-directories and Helm charts are skipped.
    let f = lint_files(&[
        (
            "kustomization.yaml",
            "resources: [cm.yaml]\npatches:\n  - path: p.yaml\n    target: {kind: ConfigMap}\nconfigMapGenerator:\n  - name: v\n    files: [values.yaml]\n",
        ),
        ("cm.yaml", CM),
        ("p.yaml", "- op: add\n  path: /data/x\n  value: y\n"),
        ("values.yaml", "replicas: 2\n"),
        (".github/workflows/ci.yaml", "on: push\n"),
        ("chart/Chart.yaml", "name: c\n"),
        ("chart/templates/x.yaml", "{{ .Values.x }}\n"),
    ]);
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn kustomization_schema() {
    let f = lint_files(&[
        ("kustomization.yaml", "resources:\n  - cm.yaml\nimages:\n  - name: app\n    newTagg: v2\n"),
        ("cm.yaml", CM),
    ]);
    let hit = only(&f, "kustomization-schema");
    assert_eq!(hit.line, 5, "the unknown field's own line");
    assert!(hit.message.contains("newTagg"), "{}", hit.message);
    // YAML 1.1 typing, as kustomize: `y` is a boolean, so not a label value.
    let f = lint_files(&[("kustomization.yaml", "resources: [cm.yaml]\ncommonLabels:\n  x: y\n"), ("cm.yaml", CM)]);
    assert!(only(&f, "kustomization-schema").message.contains("commonLabels"));
    let f = lint_files(&[("kustomization.yaml", "kind: Kustomisation\n")]);
    assert_eq!(only(&f, "kustomization-schema").line, 1);
    let f = lint_files(&[
        ("kustomization.yaml", "resources: [cm.yaml]\ncommonLabels:\n  x: \"y\"\nnamespace: apps\n"),
        ("cm.yaml", CM),
    ]);
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn kustomization_multiple() {
    let f = lint_files(&[("kustomization.yaml", KS_OK), ("kustomization.yml", KS_OK), ("cm.yaml", CM)]);
    assert_eq!(only(&f, "kustomization-multiple").file, "kustomization.yml");
    assert!(lint_files(&[("kustomization.yaml", KS_OK), ("cm.yaml", CM)]).is_empty());
}

#[test]
fn kustomization_missing_ref() {
    let f = lint_files(&[
        (
            "app/kustomization.yaml",
            "resources:\n  - cm.yaml\n  - missing.yaml\n  - ../nokust\npatches:\n  - path: nope.yaml\nconfigMapGenerator:\n  - name: c\n    files: [k=absent.txt]\n",
        ),
        ("app/cm.yaml", CM),
        ("nokust/x.yaml", CM),
    ]);
    let lines: Vec<u32> = f.iter().filter(|x| x.rule == "kustomization-missing-ref").map(|x| x.line).collect();
    assert_eq!(lines, [3, 4, 6, 9], "{f:#?}");
    assert!(f.iter().any(|x| x.message.contains("has no kustomization.yaml")));
    let f = lint_files(&[
        ("app/kustomization.yaml", "resources:\n  - cm.yaml\n  - ../base\ncomponents: [../comp]\n"),
        ("app/cm.yaml", CM),
        ("base/kustomization.yaml", "resources: [svc.yaml]\n"),
        ("base/svc.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n"),
        (
            "comp/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonLabels: {c: d}\n",
        ),
    ]);
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn kustomization_escapes() {
    let f = lint_files(&[("kustomization.yaml", "resources:\n  - ../../../etc/passwd\n")]);
    let hit = only(&f, "kustomization-escapes");
    assert_eq!(hit.line, 2);
    assert!(hit.message.contains("leaves the repository"));
    let f = lint_files(&[("a/kustomization.yaml", "resources:\n  - ../b/cm.yaml\n"), ("b/cm.yaml", CM)]);
    assert_eq!(rules(&f), ["kustomization-load-restrictor"], "inside the repo but outside the root: only a warning");
    assert_eq!(f[0].severity, Severity::Warning);
}

#[test]
fn kustomization_kind_mismatch() {
    let comp = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonLabels: {c: d}\n";
    let f = lint_files(&[
        ("kustomization.yaml", "resources: [comp]\ncomponents: [base]\n"),
        ("comp/kustomization.yaml", comp),
        ("base/kustomization.yaml", "resources: []\n"),
    ]);
    assert_eq!(rules(&f), ["kustomization-kind-mismatch", "kustomization-kind-mismatch"]);
    let f = lint_files(&[
        ("kustomization.yaml", "resources: [base]\ncomponents: [comp]\n"),
        ("comp/kustomization.yaml", comp),
        ("base/kustomization.yaml", "resources: []\n"),
    ]);
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn kustomization_remote_is_a_warning() {
    let f = lint_files(&[("kustomization.yaml", "resources:\n  - https://github.com/org/repo//base?ref=v1\n")]);
    assert_eq!(rules(&f), ["kustomization-remote"]);
    assert_eq!(f[0].severity, Severity::Warning);
}

#[test]
fn duplicate_object() {
    let f = lint_files(&[
        ("kustomization.yaml", "resources: [a.yaml, b.yaml]\n"),
        ("a.yaml", CM),
        ("b.yaml", &format!("# again\n{CM}")),
    ]);
    let hit = only(&f, "duplicate-object");
    assert_eq!((hit.file.as_str(), hit.line), ("b.yaml", 2));
    assert!(hit.message.contains("a.yaml:1"), "{}", hit.message);
    // Different namespaces are different objects; "default" and no namespace are the same one.
    let ns = |n: &str| format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: {n}\n");
    let f = lint_files(&[
        ("kustomization.yaml", "resources: [a.yaml, b.yaml]\n"),
        ("a.yaml", &ns("x")),
        ("b.yaml", &ns("y")),
    ]);
    assert!(f.is_empty(), "{f:#?}");
    let f = lint_files(&[
        ("kustomization.yaml", "resources: [a.yaml, b.yaml]\n"),
        ("a.yaml", &ns("default")),
        ("b.yaml", CM),
    ]);
    assert_eq!(rules(&f), ["duplicate-object"]);
}

const GITREPO: &str = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 1m\n  url: https://git.example.com/org/main.git\n  ref: {branch: main}\n";

fn flux_ks(name: &str, spec: &str) -> String {
    format!(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: flux-system\nspec:\n{spec}"
    )
}

#[test]
fn flux_source_missing() {
    let ks = flux_ks(
        "apps",
        "  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: elsewhere\n",
    );
    let f = lint_files(&[("clusters/a/apps.yaml", &ks), ("apps/cm.yaml", CM)]);
    let hit = only(&f, "flux-source-missing");
    assert_eq!(hit.line, 11);
    assert!(hit.message.contains("elsewhere"));
    // Declared external in config: fine.
    let opts =
        LintOptions { external_sources: vec!["GitRepository/flux-system/elsewhere".into()], ..Default::default() };
    assert!(lint_with(&[("clusters/a/apps.yaml", &ks), ("apps/cm.yaml", CM)], &[], &opts).is_empty());
    let ks = flux_ks(
        "apps",
        "  interval: 10m\n  path: ./apps\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
    );
    assert!(
        lint_files(&[("clusters/a/apps.yaml", &ks), ("clusters/a/sync.yaml", GITREPO), ("apps/cm.yaml", CM)])
            .is_empty()
    );
}

#[test]
fn flux_dependson_missing() {
    let infra =
        flux_ks("infra", "  interval: 10m\n  path: ./apps\n  sourceRef: {kind: GitRepository, name: flux-system}\n");
    let apps = flux_ks(
        "apps",
        "  interval: 10m\n  path: ./apps\n  dependsOn:\n    - name: infra\n    - name: infrastructure\n  sourceRef: {kind: GitRepository, name: flux-system}\n",
    );
    let f =
        lint_files(&[("c/infra.yaml", &infra), ("c/apps.yaml", &apps), ("c/sync.yaml", GITREPO), ("apps/cm.yaml", CM)]);
    let hit = only(&f, "flux-dependson-missing");
    assert_eq!((hit.file.as_str(), hit.line), ("c/apps.yaml", 11));
}

#[test]
fn flux_path_missing() {
    let ks = flux_ks("apps", "  interval: 10m\n  path: ./aps\n  sourceRef: {kind: GitRepository, name: flux-system}\n");
    let f = lint_files(&[("c/apps.yaml", &ks), ("c/sync.yaml", GITREPO), ("apps/cm.yaml", CM)]);
    assert_eq!(only(&f, "flux-path-missing").line, 8);
    // A source that points at another configured repository: the path is checked there.
    let other = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: app\n  namespace: flux-system\nspec:\n  interval: 1m\n  url: ssh://git@git.example.com/org/app\n";
    let ks =
        flux_ks("app", "  interval: 10m\n  path: ./overlays/prod\n  sourceRef: {kind: GitRepository, name: app}\n");
    let files = [("c/app.yaml", ks.as_str()), ("c/src.yaml", other)];
    let good: &[(&str, &str)] = &[("overlays/prod/cm.yaml", CM)];
    let bad: &[(&str, &str)] = &[("overlays/staging/cm.yaml", CM)];
    assert!(
        lint_with(&files, &[("app", "https://git.example.com/org/app.git", good)], &LintOptions::default()).is_empty()
    );
    let f = lint_with(&files, &[("app", "https://git.example.com/org/app.git", bad)], &LintOptions::default());
    assert!(only(&f, "flux-path-missing").message.contains("repository app"));
}

#[test]
fn flux_duration_invalid() {
    let ks = flux_ks(
        "apps",
        "  interval: 10 minutes\n  timeout: 1d\n  retryInterval: 30s\n  path: ./apps\n  sourceRef: {kind: GitRepository, name: flux-system}\n",
    );
    let f = lint_files(&[("c/apps.yaml", &ks), ("c/sync.yaml", GITREPO), ("apps/cm.yaml", CM)]);
    let lines: Vec<u32> = f.iter().filter(|x| x.rule == "flux-duration-invalid").map(|x| x.line).collect();
    assert_eq!(lines, [7, 8], "{f:#?}");
}

#[test]
fn flux_helm_source_missing() {
    let hr = |src: &str| {
        format!(
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\n  namespace: apps\nspec:\n  interval: 10m\n  chart:\n    spec:\n      chart: podinfo\n      sourceRef:\n        kind: HelmRepository\n        name: {src}\n"
        )
    };
    let repo = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: podinfo\n  namespace: apps\nspec:\n  interval: 1h\n  url: https://charts.example.com\n";
    let f = lint_files(&[("hr.yaml", &hr("podinf")), ("repo.yaml", repo)]);
    assert_eq!(only(&f, "flux-helm-source-missing").line, 12);
    assert!(lint_files(&[("hr.yaml", &hr("podinfo")), ("repo.yaml", repo)]).is_empty());
}

#[test]
fn argocd_path_missing() {
    let app = |path: &str| {
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: git@git.example.com:org/main.git\n    path: {path}\n    targetRevision: HEAD\n  destination: {{server: https://kubernetes.default.svc, namespace: web}}\n"
        )
    };
    let f = lint_files(&[("apps/web.yaml", &app("services/wbe")), ("services/web/cm.yaml", CM)]);
    assert_eq!(only(&f, "argocd-path-missing").line, 10);
    assert!(lint_files(&[("apps/web.yaml", &app("services/web")), ("services/web/cm.yaml", CM)]).is_empty());
    // Another repository's URL that is not configured: not checked.
    let foreign = app("x").replace("org/main.git", "other/thing.git");
    assert!(lint_files(&[("apps/web.yaml", &foreign)]).is_empty());
    let set = |pattern: &str| {
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: svc\n  namespace: argocd\nspec:\n  generators:\n    - matrix:\n        generators:\n          - git:\n              repoURL: https://git.example.com/org/main.git\n              revision: HEAD\n              directories:\n                - path: {pattern}\n          - list:\n              elements: [{{env: prod}}]\n  template:\n    metadata: {{name: '{{{{path.basename}}}}'}}\n    spec:\n      project: default\n      source: {{repoURL: https://git.example.com/org/main.git, path: '{{{{path}}}}', targetRevision: HEAD}}\n      destination: {{server: https://kubernetes.default.svc, namespace: x}}\n"
        )
    };
    let f = lint_files(&[("apps/set.yaml", &set("servics/*")), ("services/web/cm.yaml", CM)]);
    assert_eq!(only(&f, "argocd-path-missing").line, 14);
    assert!(lint_files(&[("apps/set.yaml", &set("services/*")), ("services/web/cm.yaml", CM)]).is_empty());
}

#[test]
fn crossplane_undefined_kind() {
    let xrd = "apiVersion: apiextensions.crossplane.io/v1\nkind: CompositeResourceDefinition\nmetadata:\n  name: xclusters.platform.example.org\nspec:\n  group: platform.example.org\n  names: {kind: XCluster, plural: xclusters}\n  claimNames: {kind: Cluster, plural: clusters}\n  versions:\n    - name: v1alpha1\n      served: true\n      referenceable: true\n";
    let claim = |kind: &str, v: &str| {
        format!(
            "apiVersion: platform.example.org/{v}\nkind: {kind}\nmetadata:\n  name: prod\n  namespace: infra\nspec: {{}}\n"
        )
    };
    let f = lint_files(&[("xrd.yaml", xrd), ("claim.yaml", &claim("Clustr", "v1alpha1"))]);
    assert_eq!(only(&f, "crossplane-undefined-kind").file, "claim.yaml");
    let f = lint_files(&[("xrd.yaml", xrd), ("claim.yaml", &claim("Cluster", "v1"))]);
    assert!(only(&f, "crossplane-undefined-kind").message.contains("v1alpha1"));
    assert!(lint_files(&[("xrd.yaml", xrd), ("claim.yaml", &claim("Cluster", "v1alpha1"))]).is_empty());
    // Without XRDs nothing is known, so nothing is reported.
    assert!(lint_files(&[("claim.yaml", &claim("Clustr", "v1alpha1"))]).is_empty());
}

#[test]
fn flux_substitution_unset() {
    let ks = |subst: &str| {
        flux_ks(
            "apps",
            &format!(
                "  interval: 10m\n  path: ./apps\n  sourceRef: {{kind: GitRepository, name: flux-system}}\n{subst}"
            ),
        )
    };
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  cluster: ${CLUSTER_NAME}\n  region: ${REGION:=eu-west-1}\n  literal: $${NOT_A_VAR}\n";
    let files = |k: String| {
        vec![("c/apps.yaml".to_string(), k), ("c/sync.yaml".into(), GITREPO.into()), ("apps/cm.yaml".into(), cm.into())]
    };
    let run = |k: String| {
        let owned = files(k);
        let v: Vec<(&str, &str)> = owned.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        lint_files(&v)
    };
    let f = run(ks(""));
    let hit = only(&f, "flux-substitution-unset");
    assert_eq!((hit.file.as_str(), hit.line, hit.severity), ("apps/cm.yaml", 6, Severity::Warning));
    assert!(hit.message.contains("CLUSTER_NAME"));
    assert!(run(ks("  postBuild:\n    substitute:\n      CLUSTER_NAME: prod\n")).is_empty());
    // substituteFrom a ConfigMap of the repository: its keys count.
    let vars = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: vars\n  namespace: flux-system\ndata:\n  CLUSTER_NAME: prod\n";
    let mut owned = files(ks("  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: vars\n"));
    owned.push(("c/vars.yaml".into(), vars.into()));
    let v: Vec<(&str, &str)> = owned.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert!(lint_files(&v).is_empty());
}

#[test]
fn disabled_rules_are_silent() {
    let opts = LintOptions { disable: vec!["not-an-object".into()], ..Default::default() };
    assert!(lint_with(&[("a.yaml", "foo: bar\n")], &[], &opts).is_empty());
}
