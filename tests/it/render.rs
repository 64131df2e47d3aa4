//! The native renderer end to end: conformance corpus, parity with kubectl on real estates, dependency sets.

use crate::support::*;
use fleetgate::kustomize::{Options, build, build_tracked, conformance, emit};
use fleetgate::source::Snapshot;
use std::collections::BTreeMap;
use std::path::Path;

#[test]
fn conformance_corpus_meets_the_bar() {
    let Some(shared) = shared("conformance/kustomize") else { return };
    let results = conformance::run_corpus(&shared.join("conformance/kustomize"), |_, _, _| {}).unwrap();
    let s = conformance::summarize(&results);
    eprintln!(
        "conformance: {}/{} byte-identical, {} semantic-only, {} failed; success {}/{}, errors rejected {}/{}",
        s.identical,
        s.total,
        s.semantic,
        s.failed,
        s.success_identical,
        s.success_cases,
        s.error_rejected,
        s.error_cases
    );
    for r in &results {
        if r.outcome != conformance::Outcome::Identical {
            eprintln!("  {}: {:?}", r.name, r.outcome);
        }
    }
    assert_eq!(s.error_rejected, s.error_cases, "every error case must be rejected");
    // The bar: at least 97% of the success cases byte-identical (173 of 178 today).
    assert!(
        s.success_identical * 100 >= s.success_cases * 97,
        "only {}/{} success cases byte-identical (the bar is 97%)",
        s.success_identical,
        s.success_cases
    );
}

fn kustomization_dirs(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            kustomization_dirs(root, &p, out);
        } else if p.file_name().is_some_and(|n| n == "kustomization.yaml") {
            out.push(dir.strip_prefix(root).unwrap().to_string_lossy().into_owned());
        }
    }
}

/// A change to any file outside a directory's dependency set, its deletion, or a new file in a directory the
/// build never listed, never changes that directory's output. Each directory is checked with all such
/// mutations applied at once (one re-render per kind of mutation).
#[test]
fn dependency_sets_are_complete() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("estate");
    copy_tree(&crate::support::root().join("examples"), &root);
    let mut dirs = Vec::new();
    kustomization_dirs(&root, &root, &mut dirs);
    dirs.sort();
    let snap = Snapshot::dir(&root).unwrap();
    let render = |d: &str| {
        build(&snap, d, &Options::default()).map(|r| emit::to_yaml_stream(&r.values())).map_err(|e| e.message)
    };
    let mut files = Vec::new();
    list_files(&root, &root, &mut files);
    let originals: BTreeMap<String, Vec<u8>> =
        files.iter().map(|f| (f.clone(), std::fs::read(root.join(f)).unwrap())).collect();
    let mut all_dirs: Vec<String> =
        files.iter().filter_map(|f| f.rsplit_once('/').map(|(d, _)| d.to_string())).collect();
    all_dirs.push(String::new());
    all_dirs.sort();
    all_dirs.dedup();
    let restore = || {
        for (f, bytes) in &originals {
            std::fs::write(root.join(f), bytes).unwrap();
        }
    };
    let mut mutated = 0;
    for d in &dirs {
        let before = render(d);
        let (before_again, deps) = build_tracked(&snap, d, &Options::default());
        assert_eq!(before_again.map(|r| emit::to_yaml_stream(&r.values())).map_err(|e| e.message), before);
        let outside: Vec<&String> = files.iter().filter(|f| !deps.touches(f)).collect();
        mutated += outside.len();
        for f in &outside {
            std::fs::write(root.join(f), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mutated\n").unwrap();
        }
        assert_eq!(render(d), before, "changing files outside the dependency set of {d} changed its output");
        for f in &outside {
            std::fs::remove_file(root.join(f)).unwrap();
        }
        assert_eq!(render(d), before, "deleting files outside the dependency set of {d} changed its output");
        restore();
        let unlisted: Vec<&String> = all_dirs.iter().filter(|x| !deps.lists.contains(*x)).collect();
        for x in &unlisted {
            std::fs::write(
                root.join(x).join("zz-new.yaml"),
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: new\n",
            )
            .unwrap();
        }
        assert_eq!(render(d), before, "adding files in directories {d} never listed changed its output");
        for x in &unlisted {
            std::fs::remove_file(root.join(x).join("zz-new.yaml")).unwrap();
        }
    }
    eprintln!(
        "dependency sets: {} directories, {} files, {mutated} outside-file mutations checked",
        dirs.len(),
        files.len()
    );
    assert!(dirs.len() > 40 && mutated > 1000);
}

fn list_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            list_files(root, &p, out);
        } else {
            out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
        }
    }
}

/// Every kustomization directory of the example estate and the shared corpus renders byte-identical to
/// `kubectl kustomize` (same load restrictor, legacy order); what kubectl rejects, fleetgate rejects too.
#[test]
fn estates_render_like_kubectl() {
    if !have_kubectl() {
        return;
    }
    let mut roots = vec![crate::support::root().join("examples")];
    if let Some(shared) = shared("corpus") {
        for e in std::fs::read_dir(shared.join("corpus")).unwrap().flatten() {
            if e.path().is_dir() {
                roots.push(e.path());
            }
        }
    }
    let mut checked = 0;
    let mut failures = Vec::new();
    for root in &roots {
        let mut dirs = Vec::new();
        kustomization_dirs(root, root, &mut dirs);
        dirs.sort();
        let snap = Snapshot::dir(root).unwrap();
        for d in &dirs {
            let ours = build(&snap, d, &Options::default()).map(|r| emit::to_yaml_stream(&r.values()));
            let theirs = std::process::Command::new("kubectl").arg("kustomize").arg(root.join(d)).output().unwrap();
            let theirs = theirs.status.success().then(|| String::from_utf8_lossy(&theirs.stdout).into_owned());
            checked += 1;
            match (&ours, &theirs) {
                (Ok(a), Some(b)) if a == b => {}
                (Err(_), None) => {}
                (Ok(a), Some(b)) => {
                    let line = a.lines().zip(b.lines()).position(|(x, y)| x != y).unwrap_or(0);
                    failures.push(format!("{}: output differs at line {}", root.join(d).display(), line + 1));
                }
                (Err(e), Some(_)) => {
                    failures.push(format!("{}: fleetgate failed: {}", root.join(d).display(), e.message))
                }
                (Ok(_), None) => {
                    failures.push(format!("{}: kubectl rejects it, fleetgate renders it", root.join(d).display()))
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} directories differ:\n{}", failures.len(), failures.join("\n"));
    eprintln!("{checked} kustomization directories render byte-identical to kubectl kustomize");
}
