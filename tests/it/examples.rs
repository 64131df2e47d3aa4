//! The example estate: every kustomization in it builds with the reference renderer.

use crate::support::*;
use std::path::Path;
use std::process::Command;

fn kustomization_dirs(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            kustomization_dirs(&p, out);
        } else if p.file_name().is_some_and(|n| n == "kustomization.yaml") {
            out.push(dir.to_path_buf());
        }
    }
}

#[test]
fn every_example_kustomization_builds_with_kubectl() {
    if !have_kubectl() {
        return;
    }
    let mut dirs = Vec::new();
    kustomization_dirs(&root().join("examples"), &mut dirs);
    assert!(dirs.len() > 40, "the example estate has {} kustomizations", dirs.len());
    let mut failures = Vec::new();
    for d in &dirs {
        // Components are built through the kustomizations that use them.
        let text = std::fs::read_to_string(d.join("kustomization.yaml")).unwrap();
        if text.contains("kind: Component") {
            continue;
        }
        let o = Command::new("kubectl").arg("kustomize").arg(d).output().unwrap();
        if !o.status.success() {
            failures.push(format!("{}: {}", d.display(), String::from_utf8_lossy(&o.stderr)));
        }
    }
    assert!(failures.is_empty(), "kubectl kustomize failed:\n{}", failures.join("\n"));
}
