//! `fleetgate lint` end to end.

use crate::support::*;

#[test]
fn examples_lint_clean() {
    let o = fleetgate(&["lint", "examples"], &root());
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "lint examples failed:\n{out}\n{}", stderr(&o));
    assert!(out.contains("ok: 0 errors"), "{out}");
    // Six repositories, read together.
    assert!(out.contains("6 repositories"), "{out}");
}

#[test]
fn examples_lint_clean_at_a_git_revision() {
    // The example estate lives in a subdirectory of this repository; --rev reads it from git objects.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("estate");
    copy_tree(&root().join("examples"), &copy);
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "estate"]);
    // Break the working tree: --rev HEAD must not see it.
    std::fs::write(copy.join("fleet/clusters/broken.yaml"), "foo: [\n").unwrap();
    let o = fleetgate(&["lint", "estate", "--rev", "HEAD", "--output", "json"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["summary"]["errors"], 0);
    assert_eq!(v["summary"]["repos"], 6);
    let o = fleetgate(&["lint", "estate"], dir.path());
    assert_eq!(o.status.code(), Some(1), "the working tree has a broken file");
    assert!(stdout(&o).contains("fleet:clusters/broken.yaml:2:1: error[yaml-parse]"), "{}", stdout(&o));
}

#[test]
fn path_traversal_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("app/kustomization.yaml", "resources:\n  - ../../../etc/passwd\n")]);
    let o = fleetgate(&["lint", "app"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("kustomization.yaml:2:5: error[kustomization-escapes]"), "{out}");
}

#[test]
fn json_output_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")]);
    let o = fleetgate(&["lint", ".", "--output", "json"], dir.path());
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["summary"]["objects"], 1);
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(0));

    write(dir.path(), &[("bad.yaml", "kind: ConfigMap\n")]);
    let o = fleetgate(&["lint", ".", "--output", "json"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["findings"][0]["rule"], "not-an-object");
    assert_eq!(v["findings"][0]["file"], "bad.yaml");
    assert_eq!(v["findings"][0]["line"], 1);

    // Usage errors and unreadable inputs exit 2.
    assert_eq!(fleetgate(&["lint", "--output", "xml"], dir.path()).status.code(), Some(2));
    assert_eq!(fleetgate(&["lint", "does-not-exist"], dir.path()).status.code(), Some(2));
    assert_eq!(fleetgate(&["lint", ".", "--rev", "HEAD"], dir.path()).status.code(), Some(2), "not a git repository");
}

#[test]
fn config_mistakes_name_the_field() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("fleetgate.yaml", "repos:\n  - name: a\n    role: sytem\n")]);
    let o = fleetgate(&["config", "validate", "fleetgate.yaml"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("fleetgate.yaml:3:11: repos[0].role"), "{}", stderr(&o));
    let o = fleetgate(&["lint", "."], dir.path());
    assert_eq!(o.status.code(), Some(2), "lint refuses a broken config");
}

/// Lint a path and return (exit code, JSON report).
fn lint_json(args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let mut all = vec!["lint"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--output", "json"]);
    let o = fleetgate(&all, &root());
    let v = serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{args:?}: {e}\n{}", stderr(&o)));
    (o.status.code(), v)
}

#[test]
fn shared_corpus_lints_to_the_end() {
    let Some(shared) = shared("corpus") else { return };
    // Every corpus folder, read as one tree: runs to the end whatever it finds.
    for entry in std::fs::read_dir(shared.join("corpus")).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_dir() {
            continue;
        }
        let (code, v) = lint_json(&[path.to_str().unwrap()]);
        assert!(matches!(code, Some(0 | 1)), "{}: exit {code:?}", path.display());
        let n = v["summary"]["objects"].as_u64().unwrap_or(0);
        assert!(n > 10, "{}: only {n} objects read", path.display());
        eprintln!("{}: {}", path.display(), v["summary"]);
    }
    // The Flux monorepo splits itself with an ArtifactGenerator: ExternalArtifact sources and their paths resolve.
    let flux = shared.join("corpus/fluxcd+flux2-kustomize-helm-example");
    if flux.is_dir() {
        let (code, v) = lint_json(&[flux.to_str().unwrap()]);
        assert_eq!(code, Some(0), "{v:#}");
    }
    // The hub-and-spoke corpus is three repositories referring to each other through placeholder URLs.
    let aws = shared.join("corpus/aws-samples+eks-multi-cluster-gitops/repos");
    if aws.is_dir() {
        let dir = tempfile::tempdir().unwrap();
        let config = |ignore: &str| {
            format!(
                "repos:\n  - {{name: gitops-system, role: system, urls: [REPO_PREFIX/gitops-system], path: {0}/gitops-system}}\n  \
                 - {{name: gitops-workloads, role: workloads, urls: [REPO_PREFIX/gitops-workloads], path: {0}/gitops-workloads}}\n  \
                 - {{name: payment-app, role: app, urls: [REPO_PREFIX/payment-app-manifests], path: {0}/apps-manifests/payment-app}}\n\
                 lint:\n  ignore: [{ignore}]\n",
                aws.display()
            )
        };
        let cfg = dir.path().join("fleetgate.yaml");
        std::fs::write(&cfg, config("")).unwrap();
        let (code, v) = lint_json(&[dir.path().to_str().unwrap()]);
        assert_eq!(code, Some(1), "the template directories hold placeholder paths: {v:#}");
        // Besides the templates, one real problem: an empty kustomization, which kubectl refuses too
        // ("kustomization.yaml is empty").
        let empty = |f: &serde_json::Value| {
            f["repo"] == "gitops-workloads"
                && f["file"] == "commercial-prod/kustomization.yaml"
                && f["rule"] == "kustomization-schema"
        };
        let findings = v["findings"].as_array().unwrap();
        assert!(
            findings.iter().all(|f| f["file"].as_str().is_some_and(|p| p.contains("template/")) || empty(f)),
            "{v:#}"
        );
        std::fs::write(&cfg, config("\"**/template/**\", \"**/app-template/**\"")).unwrap();
        let (code, v) = lint_json(&["--config", cfg.to_str().unwrap(), dir.path().to_str().unwrap()]);
        assert_eq!(code, Some(1), "{v:#}");
        let findings = v["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 1, "{v:#}");
        assert!(empty(&findings[0]), "{v:#}");
        assert_eq!(v["summary"]["repos"], 3);
    }
}

#[test]
fn alias_bomb_is_rejected_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let mut bomb = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for (i, c) in "bcdefghi".chars().enumerate() {
        let prev = (b'a' + i as u8) as char;
        bomb.push_str(&format!("{c}: &{c} [{}]\n", vec![format!("*{prev}"); 9].join(",")));
    }
    write(dir.path(), &[("bomb.yaml", &bomb), ("ok.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")]);
    let o = fleetgate(&["lint", "."], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("bomb.yaml:") && out.contains("error[yaml-parse]") && out.contains("alias"), "{out}");
    assert!(out.contains("1 object"), "the good file is still read: {out}");
}
