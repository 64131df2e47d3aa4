//! `fleetgate hook pre-receive` end to end: real `git push`es into a bare repository whose pre-receive hook is
//! the shim in hooks/pre-receive, running the test binary.

use crate::support::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const KUSTOMIZATION: &str =
    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - settings.yaml\n";
const SETTINGS: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\ndata:\n  replicas: \"1\"\n";

/// A bare `remote.git` with the shim as its pre-receive hook and `git config fleetgate.config` pointing at an
/// estate config naming it (one repository, clusters under `clusters/<name>`), and a clone `work` whose first
/// commit (cluster `dev`) is pushed already.
struct Estate {
    _dir: tempfile::TempDir,
    root: PathBuf,
    remote: PathBuf,
    work: PathBuf,
}

fn estate() -> Estate {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let remote = root.join("remote.git");
    git(&root, &["init", "-q", "--bare", "-b", "main", "remote.git"]);
    let hook = remote.join("hooks/pre-receive");
    std::fs::copy(crate::support::root().join("hooks/pre-receive"), &hook).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    write(
        &root,
        &[(
            "estate/fleetgate.yaml",
            "repos:\n  - name: platform\n    role: system\n    urls: [https://git.example.com/platform/estate.git]\n    path: ../remote.git\nclusters:\n  roots:\n    - repo: platform\n      paths: [\"clusters/*\"]\n",
        )],
    );
    git(&remote, &["config", "fleetgate.config", "../estate/fleetgate.yaml"]);
    let work = root.join("work");
    git(&root, &["init", "-q", "-b", "main", "work"]);
    write(&work, &[("clusters/dev/kustomization.yaml", KUSTOMIZATION), ("clusters/dev/settings.yaml", SETTINGS)]);
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-qm", "cluster dev"]);
    git(&work, &["remote", "add", "origin", &remote.display().to_string()]);
    let e = Estate { _dir: dir, root, remote, work };
    let (ok, out) = push(&e, &["push", "origin", "main"], &[]);
    assert!(ok, "the first push (base: the empty tree) should pass:\n{out}");
    assert!(out.contains("refs/heads/main 0000000.."), "{out}");
    e
}

/// `git <args>` in the work clone with the hook's environment plus `env`; (accepted, client output).
fn push(e: &Estate, args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let mut cmd = Command::new("git");
    cmd.args(args)
        .current_dir(&e.work)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("FLEETGATE_BIN", env!("CARGO_BIN_EXE_fleetgate"))
        // A loaded CI machine runs a debug build: the budget is not what these tests are about.
        .env("FLEETGATE_HOOK_BUDGET", "5m")
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG");
    for k in
        ["FLEETGATE_CONFIG", "FLEETGATE_HOOK_MODE", "FLEETGATE_HOOK_ON_ERROR", "GL_ID", "GL_PROTOCOL", "GL_REPOSITORY"]
    {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("run git push");
    (o.status.success(), format!("{}{}", stdout(&o), stderr(&o)))
}

fn commit(e: &Estate, files: &[(&str, &str)], message: &str) -> String {
    write(&e.work, files);
    git(&e.work, &["add", "-A"]);
    git(&e.work, &["commit", "-qm", message]);
    git(&e.work, &["rev-parse", "HEAD"])
}

fn remote_head(e: &Estate, branch: &str) -> String {
    git(&e.remote, &["rev-parse", &format!("refs/heads/{branch}")])
}

fn broken_kustomization() -> String {
    format!("{KUSTOMIZATION}  - missing.yaml\n")
}

#[test]
fn a_broken_kustomization_is_rejected_naming_file_and_line() {
    let e = estate();
    let before = remote_head(&e, "main");
    commit(&e, &[("clusters/dev/kustomization.yaml", &broken_kustomization())], "missing resource");
    let (ok, out) = push(&e, &["push", "origin", "main"], &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("pre-receive hook declined"), "{out}");
    assert!(out.contains("remote: clusters/dev/kustomization.yaml:5:5: error[kustomization-missing-ref]: "), "{out}");
    assert!(out.contains("remote: fleetgate: step lint failed"), "{out}");
    assert!(out.contains("remote: fleetgate: step render failed"), "{out}");
    assert!(!out.contains("GL-HOOK-ERR"), "not under GitLab:\n{out}");
    assert_eq!(remote_head(&e, "main"), before, "the push must not land");

    // Bad YAML in another file of the same push: both are named.
    commit(
        &e,
        &[("clusters/dev/settings.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   bad: [\n")],
        "bad yaml",
    );
    let (ok, out) = push(&e, &["push", "origin", "main"], &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("remote: clusters/dev/settings.yaml:5:7: error[yaml-parse]: "), "{out}");
    assert_eq!(remote_head(&e, "main"), before);
}

#[test]
fn a_good_change_and_a_new_branch_are_accepted() {
    let e = estate();
    let main_before = remote_head(&e, "main");
    let head = commit(&e, &[("clusters/dev/settings.yaml", &SETTINGS.replace("\"1\"", "\"3\""))], "scale");
    let (ok, out) = push(&e, &["push", "origin", "main"], &[]);
    assert!(ok, "{out}");
    assert!(
        out.contains(&format!(
            "refs/heads/main {}..{}: system: passed, 1 cluster affected",
            &main_before[..7],
            &head[..7]
        )),
        "{out}"
    );
    assert!(out.contains("fleetgate: push accepted"), "{out}");
    assert_eq!(remote_head(&e, "main"), head);

    // A new branch is compared with the default branch: adding cluster `prod` affects one cluster.
    let feature = commit(
        &e,
        &[("clusters/prod/kustomization.yaml", KUSTOMIZATION), ("clusters/prod/settings.yaml", SETTINGS)],
        "cluster prod",
    );
    let (ok, out) = push(&e, &["push", "origin", "HEAD:refs/heads/feature"], &[]);
    assert!(ok, "{out}");
    assert!(
        out.contains(&format!(
            "refs/heads/feature {}..{}: system: passed, 1 cluster affected",
            &head[..7],
            &feature[..7]
        )),
        "{out}"
    );
    assert_eq!(remote_head(&e, "feature"), feature);
}

#[test]
fn warn_mode_accepts_and_prints_the_findings() {
    let e = estate();
    git(&e.remote, &["config", "fleetgate.mode", "warn"]);
    let head = commit(&e, &[("clusters/dev/kustomization.yaml", &broken_kustomization())], "missing resource");
    let (ok, out) = push(&e, &["push", "origin", "main"], &[]);
    assert!(ok, "{out}");
    assert!(out.contains("remote: clusters/dev/kustomization.yaml:5:5: error[kustomization-missing-ref]"), "{out}");
    assert!(out.contains("failed, accepted because the hook runs in warn mode"), "{out}");
    assert_eq!(remote_head(&e, "main"), head);
    // The environment wins over git config.
    let head2 = commit(&e, &[("clusters/dev/extra.yaml", "a: [\n")], "worse");
    let (ok, out) = push(&e, &["push", "origin", "main"], &[("FLEETGATE_HOOK_MODE", "enforce")]);
    assert!(!ok, "{out}");
    assert_ne!(remote_head(&e, "main"), head2);
}

#[test]
fn a_packed_push_of_200_files_is_checked_and_accepted() {
    let e = estate();
    git(&e.remote, &["config", "receive.unpackLimit", "1"]);
    let mut kustomization =
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n".to_string();
    let mut files = Vec::new();
    for i in 0..199 {
        kustomization.push_str(&format!("  - cm-{i:03}.yaml\n"));
        files.push((
            format!("clusters/big/cm-{i:03}.yaml"),
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i:03}\n  namespace: default\ndata:\n  i: \"{i}\"\n"),
        ));
    }
    files.push(("clusters/big/kustomization.yaml".to_string(), kustomization));
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect();
    let head = commit(&e, &refs, "200 files");
    let packs_before = packs(&e.remote);
    let (ok, out) = push(&e, &["-c", "pack.threads=1", "push", "origin", "main"], &[]);
    assert!(ok, "{out}");
    assert!(out.contains("system: passed, 1 cluster affected"), "{out}");
    assert_eq!(remote_head(&e, "main"), head);
    assert!(packs(&e.remote) > packs_before, "the push should have been kept as a pack");
}

fn packs(remote: &Path) -> usize {
    std::fs::read_dir(remote.join("objects/pack"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "pack"))
        .count()
}

#[test]
fn deletions_and_tags_are_accepted_unchecked() {
    let e = estate();
    commit(&e, &[("clusters/dev/kustomization.yaml", &broken_kustomization())], "broken, on a branch");
    let (ok, out) = push(&e, &["push", "origin", "HEAD:refs/heads/feature"], &[("FLEETGATE_HOOK_MODE", "warn")]);
    assert!(ok, "{out}");
    let (ok, out) = push(&e, &["push", "origin", ":feature"], &[]);
    assert!(ok, "{out}");
    assert!(out.contains("refs/heads/feature: deleted (deletions are not checked)"), "{out}");
    assert!(git(&e.remote, &["branch", "--list", "feature"]).is_empty());
    // The default pipelines do not apply to tags: even a broken tagged commit is accepted, with a note.
    git(&e.work, &["tag", "-a", "-m", "v1", "v1"]);
    let (ok, out) = push(&e, &["push", "origin", "v1"], &[]);
    assert!(ok, "{out}");
    assert!(out.contains("refs/tags/v1: no pipeline applies to tag pushes of platform; not checked"), "{out}");
}

#[test]
fn a_pipeline_for_tags_checks_tag_pushes() {
    let e = estate();
    write(
        &e.root,
        &[("estate/pipelines/tags.yaml", "name: tags\nappliesTo: {events: [tag]}\nsteps:\n  - uses: lint\n")],
    );
    commit(&e, &[("clusters/dev/kustomization.yaml", &broken_kustomization())], "broken");
    git(&e.work, &["tag", "v1"]);
    let (ok, out) = push(&e, &["push", "origin", "v1"], &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("refs/tags/v1 ") && out.contains("tags: lint failed"), "{out}");
    assert!(out.contains("remote: clusters/dev/kustomization.yaml:5:5: error[kustomization-missing-ref]"), "{out}");
}

#[test]
fn under_gitlab_rejection_lines_start_with_gl_hook_err() {
    let e = estate();
    commit(&e, &[("clusters/dev/kustomization.yaml", &broken_kustomization())], "missing resource");
    let (ok, out) = push(&e, &["push", "origin", "main"], &[("GL_ID", "user-1"), ("GL_PROTOCOL", "ssh")]);
    assert!(!ok, "{out}");
    let hook_lines: Vec<&str> = out.lines().filter(|l| l.starts_with("remote: ")).collect();
    assert!(hook_lines.len() >= 4, "{out}");
    for l in &hook_lines {
        assert!(l.starts_with("remote: GL-HOOK-ERR: "), "unprefixed rejection line {l:?} in\n{out}");
    }
    assert!(
        out.contains("remote: GL-HOOK-ERR: clusters/dev/kustomization.yaml:5:5: error[kustomization-missing-ref]"),
        "{out}"
    );
}

#[test]
fn internal_errors_reject_with_a_message_or_accept_by_policy() {
    let e = estate();
    let missing = e.root.join("nowhere/fleetgate.yaml");
    let missing = missing.to_str().unwrap();
    let head = commit(&e, &[("clusters/dev/settings.yaml", &SETTINGS.replace("\"1\"", "\"2\""))], "scale");
    let (ok, out) = push(&e, &["push", "origin", "main"], &[("FLEETGATE_CONFIG", missing)]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("fleetgate: internal error: the config (from FLEETGATE_CONFIG) is unusable: cannot read"),
        "{out}"
    );
    assert!(out.contains("fleetgate failed internally, so the push was not checked"), "{out}");
    assert!(out.contains("git config fleetgate.onInternalError accept"), "{out}");
    let (ok, out) =
        push(&e, &["push", "origin", "main"], &[("FLEETGATE_CONFIG", missing), ("FLEETGATE_HOOK_ON_ERROR", "accept")]);
    assert!(ok, "{out}");
    assert!(out.contains("the push is accepted unchecked"), "{out}");
    assert_eq!(remote_head(&e, "main"), head);
}

#[test]
fn a_missing_binary_is_reported_by_the_shim() {
    let e = estate();
    let nope = e.root.join("no-such-fleetgate");
    let nope = nope.to_str().unwrap();
    let head = commit(&e, &[("clusters/dev/settings.yaml", &SETTINGS.replace("\"1\"", "\"2\""))], "scale");
    let (ok, out) = push(&e, &["push", "origin", "main"], &[("FLEETGATE_BIN", nope), ("GL_ID", "user-1")]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("remote: GL-HOOK-ERR: fleetgate: internal error: the fleetgate binary was not found (FLEETGATE_BIN does not name an executable file)"),
        "{out}"
    );
    git(&e.remote, &["config", "fleetgate.onInternalError", "accept"]);
    let (ok, out) = push(&e, &["push", "origin", "main"], &[("FLEETGATE_BIN", nope)]);
    assert!(ok, "{out}");
    assert!(out.contains("accepted unchecked"), "{out}");
    assert_eq!(remote_head(&e, "main"), head);
}

#[test]
fn the_repository_is_found_by_git_config_when_its_path_is_elsewhere() {
    let e = estate();
    // A config whose repository path is a different directory: the push's repository is named explicitly.
    write(
        &e.root,
        &[(
            "other/fleetgate.yaml",
            "repos:\n  - name: platform\n    role: system\n    path: .\nclusters:\n  roots:\n    - repo: platform\n      paths: [\"clusters/*\"]\n",
        )],
    );
    git(&e.remote, &["config", "fleetgate.config", "../other/fleetgate.yaml"]);
    commit(&e, &[("clusters/dev/kustomization.yaml", &broken_kustomization())], "missing resource");
    let (ok, out) = push(&e, &["push", "origin", "main"], &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("fleetgate: internal error: no repository in") && out.contains("has path"), "{out}");
    assert!(out.contains("git config fleetgate.repo"), "{out}");
    git(&e.remote, &["config", "fleetgate.repo", "platform"]);
    let (ok, out) = push(&e, &["push", "origin", "main"], &[]);
    assert!(!ok, "now checked, and the change is broken:\n{out}");
    assert!(out.contains("remote: clusters/dev/kustomization.yaml:5:5: error[kustomization-missing-ref]"), "{out}");
}

#[test]
fn running_out_of_budget_is_an_internal_error() {
    let e = estate();
    let head = commit(&e, &[("clusters/dev/settings.yaml", &SETTINGS.replace("\"1\"", "\"2\""))], "scale");
    // 1ms is spent before the pipeline starts (reading git config alone starts a git process).
    let (ok, out) = push(&e, &["push", "origin", "main"], &[("FLEETGATE_HOOK_BUDGET", "1ms")]);
    assert!(!ok, "{out}");
    assert!(out.contains("did not finish within the 1ms budget (spent before the pipeline started)"), "{out}");
    assert!(out.contains("fleetgate failed internally"), "{out}");
    let (ok, out) = push(
        &e,
        &["push", "origin", "main"],
        &[("FLEETGATE_HOOK_BUDGET", "1ms"), ("FLEETGATE_HOOK_ON_ERROR", "accept")],
    );
    assert!(ok, "{out}");
    assert!(out.contains("push accepted") && out.contains("not every ref checked"), "{out}");
    assert_eq!(remote_head(&e, "main"), head);
}
