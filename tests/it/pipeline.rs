//! The pipeline runner on a real git estate: step statuses, findings with file and line, `onFailure: warn`,
//! the hook mode, time limits, and the reconcile plan of a change.

use crate::support::*;
use fleetgate::config::Config;
use fleetgate::pipeline::{self, Change, EventKind, Mode, NoEffects, RunInput, StepStatus, spec};
use fleetgate::workspace;
use std::path::Path;
use std::sync::Arc;

/// A one-repository estate: two clusters over a shared base.
fn estate(root: &Path) -> Config {
    let w = |p: &str, t: &str| {
        let f = root.join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, t).unwrap();
    };
    w(
        "fleetgate.yaml",
        "repos:\n  - {name: fleet, role: system, path: repo}\nclusters:\n  roots:\n    - {repo: fleet, paths: [\"clusters/*\"]}\n",
    );
    w("repo/base/kustomization.yaml", "resources: [cm.yaml]\n");
    w("repo/base/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  level: info\n");
    for c in ["alpha", "beta"] {
        w(&format!("repo/clusters/{c}/kustomization.yaml"), &format!("resources: [../../base]\nnamePrefix: {c}-\n"));
    }
    git(&root.join("repo"), &["init", "-q"]);
    git(&root.join("repo"), &["add", "-A"]);
    git(&root.join("repo"), &["commit", "-qm", "base"]);
    Config::load(&root.join("fleetgate.yaml")).unwrap()
}

fn commit(root: &Path, file: &str, text: &str) -> (String, String) {
    let repo = root.join("repo");
    let base = git(&repo, &["rev-parse", "HEAD"]);
    std::fs::write(repo.join(file), text).unwrap();
    git(&repo, &["commit", "-qam", "change"]);
    (base, git(&repo, &["rev-parse", "HEAD"]))
}

fn run(config: &Config, pipeline_yaml: &str, base: &str, head: &str, mode: Mode) -> pipeline::Report {
    let p = spec::parse("p.yaml", pipeline_yaml).unwrap();
    let path_of = |r: &fleetgate::config::RepoConfig| config.repo_path(r);
    let input = RunInput {
        config: Arc::new(config.clone()),
        change: Change {
            repo: "fleet".into(),
            event: EventKind::Push,
            git_ref: "refs/heads/main".into(),
            base: base.into(),
            head: head.into(),
            pull_request: None,
            target_branch: None,
        },
        base: workspace::for_change(config, "fleet", base, &path_of).unwrap(),
        head: workspace::for_change(config, "fleet", head, &path_of).unwrap(),
        changed: {
            let ws = workspace::for_change(config, "fleet", head, &path_of).unwrap();
            workspace::changed_paths_for(&ws, "fleet", base, head).unwrap()
        },
        default_branch: "main".into(),
        run_url: None,
    };
    pipeline::run(&p, input, mode, Arc::new(NoEffects), None, &|_| {})
}

const ALL: &str = "name: all\nsteps:\n  - uses: lint\n  - uses: render\n  - uses: diff\n  - uses: comment\n  - uses: reconcile\n    with: {dryRun: true}\n";

#[test]
fn a_change_to_the_base_affects_both_clusters_and_plans_nothing_to_annotate() {
    let tmp = tempfile::tempdir().unwrap();
    let config = estate(tmp.path());
    let (base, head) = commit(
        tmp.path(),
        "base/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  level: debug\n",
    );
    let r = run(&config, ALL, &base, &head, Mode::Hook);
    let status: Vec<(&str, StepStatus)> = r.steps.iter().map(|s| (s.name.as_str(), s.status)).collect();
    assert_eq!(
        status,
        [
            ("lint", StepStatus::Passed),
            ("render", StepStatus::Passed),
            ("diff", StepStatus::Passed),
            ("comment", StepStatus::Skipped),
            ("reconcile", StepStatus::Skipped),
        ]
    );
    assert!(r.succeeded());
    let affected: Vec<&String> = r.affected.as_ref().unwrap().keys().collect();
    assert_eq!(affected, ["alpha", "beta"]);
    assert!(r.markdown[0].contains("| alpha | 0 | 1 | 0 |"), "{}", r.markdown[0]);
    // Outside the hook, the comment step needs a forge and fails; the dry-run reconcile notes the directories.
    let r = run(&config, ALL, &base, &head, Mode::Service);
    let comment = r.steps.iter().find(|s| s.name == "comment").unwrap();
    assert_eq!(comment.status, StepStatus::Failed);
    assert!(comment.summary.contains("no forge is configured"), "{}", comment.summary);
    let reconcile = r.steps.iter().find(|s| s.name == "reconcile").unwrap();
    assert_eq!(reconcile.status, StepStatus::Skipped, "an earlier step failed: nothing is reconciled");
    assert!(!r.succeeded());
}

#[test]
fn findings_carry_file_and_line_and_warn_does_not_fail_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let config = estate(tmp.path());
    let (base, head) =
        commit(tmp.path(), "clusters/beta/kustomization.yaml", "resources: [../../base, missing.yaml]\n");
    let r = run(&config, "name: p\nsteps:\n  - uses: lint\n  - uses: render\n", &base, &head, Mode::Hook);
    let lint = &r.steps[0];
    assert_eq!(lint.status, StepStatus::Failed);
    let f = lint.findings.iter().find(|f| f.rule == "kustomization-missing-ref").expect("a missing-ref finding");
    assert_eq!((f.file.as_str(), f.line), ("clusters/beta/kustomization.yaml", 1));
    assert_eq!(r.steps[1].status, StepStatus::Failed, "the render fails at head too");
    assert!(r.affected.as_ref().unwrap().get("beta").is_some_and(|c| !c.errors.is_empty()));
    assert!(!r.succeeded());

    let warn = "name: p\nsteps:\n  - uses: lint\n    onFailure: warn\n  - uses: render\n    onFailure: warn\n";
    let r = run(&config, warn, &base, &head, Mode::Hook);
    assert_eq!(r.steps[0].status, StepStatus::Warned);
    assert!(r.succeeded());
}

#[test]
fn a_step_over_its_time_limit_is_reported_timed_out() {
    let tmp = tempfile::tempdir().unwrap();
    let config = estate(tmp.path());
    let (base, head) = commit(tmp.path(), "clusters/alpha/kustomization.yaml", "resources: [../../base]\n");
    let r = run(&config, "name: p\nsteps:\n  - uses: render\n    timeout: 1ms\n", &base, &head, Mode::Hook);
    assert_eq!(r.steps[0].status, StepStatus::TimedOut, "{:?}", r.steps[0]);
    assert!(!r.succeeded());
}
