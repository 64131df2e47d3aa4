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
    copy_dir(&root().join("examples"), &copy);
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

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
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

#[test]
fn shared_corpus_lints_to_the_end() {
    let Some(shared) = shared("corpus") else {
        return;
    };
    for entry in std::fs::read_dir(shared.join("corpus")).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_dir() {
            continue;
        }
        let o = fleetgate(&["lint", path.to_str().unwrap(), "--output", "json"], &root());
        let code = o.status.code();
        assert!(matches!(code, Some(0 | 1)), "{}: exit {code:?}\n{}", path.display(), stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let n = v["summary"]["objects"].as_u64().unwrap_or(0);
        assert!(n > 10, "{}: only {n} objects read", path.display());
        eprintln!("{}: {}", path.display(), v["summary"]);
    }
}
