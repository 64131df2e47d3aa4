//! Tests of the directory and git backends against real repositories made with the `git` CLI.

use super::*;
use std::path::Path;
use std::process::Command;
use tempfile::TempDir;

/// Run git in `dir` with a fixed identity and no user/system configuration; panics on failure; returns stdout.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "core.autocrlf=false",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn write(root: &Path, rel: &str, content: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

fn commit_all(dir: &Path, msg: &str) -> String {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", msg]);
    git(dir, &["rev-parse", "HEAD"])
}

/// A repository with nested directories and two commits. Returns (tempdir, repo path, sha1, sha2).
/// Rev 1 is tagged `v1` (annotated) and `v1-light` (lightweight).
fn two_commit_repo() -> (TempDir, std::path::PathBuf, String, String) {
    let tmp = TempDir::new().unwrap();
    let repo = tmp.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    write(&repo, "README.md", b"hello\n");
    write(&repo, "apps/base/kustomization.yaml", b"resources:\n- deploy.yaml\n");
    write(&repo, "apps/base/deploy.yaml", b"kind: Deployment\n");
    write(&repo, "clusters/prod/cluster.yaml", b"name: prod\n");
    write(&repo, "crlf.txt", b"a\r\nb\r\n");
    write(&repo, "old.txt", b"to be renamed\n");
    let sha1 = commit_all(&repo, "one");
    git(&repo, &["tag", "-a", "v1", "-m", "release 1"]);
    git(&repo, &["tag", "v1-light"]);
    write(&repo, "apps/base/deploy.yaml", b"kind: Deployment\nreplicas: 2\n");
    write(&repo, "apps/overlay/patch.yaml", b"patch: true\n");
    std::fs::remove_file(repo.join("README.md")).unwrap();
    std::fs::rename(repo.join("old.txt"), repo.join("renamed.txt")).unwrap();
    let sha2 = commit_all(&repo, "two");
    (tmp, repo, sha1, sha2)
}

/// Both snapshots hold the same files with the same bytes and give the same listings.
fn assert_same(a: &Snapshot, b: &Snapshot) {
    let wa = a.walk("").unwrap();
    let wb = b.walk("").unwrap();
    assert!(!wa.files.is_empty());
    assert_eq!(wa.files, wb.files, "{} vs {}", a.label(), b.label());
    assert_eq!(wa.submodules, wb.submodules);
    let mut dirs = std::collections::BTreeSet::new();
    for f in &wa.files {
        match (a.read(f), b.read(f)) {
            (Ok(x), Ok(y)) => assert_eq!(x, y, "{f}"),
            // Escaping or looping symlinks are listed but fail to read, alike in both.
            (Err(x), Err(y)) => {
                assert_eq!(std::mem::discriminant(&x), std::mem::discriminant(&y), "{f}")
            }
            (x, y) => panic!("{f}: {x:?} vs {y:?}"),
        }
        let mut d = parent(f);
        loop {
            dirs.insert(d.to_string());
            if d.is_empty() {
                break;
            }
            d = parent(d);
        }
    }
    for d in &dirs {
        assert_eq!(a.list(d).unwrap(), b.list(d).unwrap(), "listing {d:?}");
    }
}

fn file(name: &str) -> DirEntry {
    DirEntry { name: name.to_string(), kind: EntryKind::File, symlink: false }
}

fn dir(name: &str) -> DirEntry {
    DirEntry { name: name.to_string(), kind: EntryKind::Dir, symlink: false }
}

#[test]
fn git_revisions_and_checkouts_agree() {
    let (tmp, repo, sha1, sha2) = two_commit_repo();
    let work = Snapshot::dir(&repo).unwrap();

    // Rev 2 by branch, HEAD and full SHA equals the checked-out work tree.
    for rev in ["main", "HEAD", sha2.as_str()] {
        let snap = Snapshot::git(&repo, rev).unwrap();
        assert_same(&snap, &work);
    }
    let head = Snapshot::git(&repo, "main").unwrap();
    assert_eq!(
        head.walk("").unwrap().files,
        [
            "apps/base/deploy.yaml",
            "apps/base/kustomization.yaml",
            "apps/overlay/patch.yaml",
            "clusters/prod/cluster.yaml",
            "crlf.txt",
            "renamed.txt",
        ]
    );
    assert_eq!(head.read("crlf.txt").unwrap(), b"a\r\nb\r\n");
    assert_eq!(head.read("apps/base/deploy.yaml").unwrap(), b"kind: Deployment\nreplicas: 2\n");
    assert_eq!(head.list("").unwrap(), [dir("apps"), dir("clusters"), file("crlf.txt"), file("renamed.txt")]);
    assert_eq!(head.list("apps").unwrap(), [dir("base"), dir("overlay")]);

    // Rev 1 by annotated tag, lightweight tag, full and short SHA and HEAD~1 equals a checkout of rev 1.
    let wt1 = tmp.path().join("wt1");
    git(&repo, &["worktree", "add", "-q", "--detach", wt1.to_str().unwrap(), "v1"]);
    assert!(wt1.join(".git").exists());
    let work1 = Snapshot::dir(&wt1).unwrap();
    assert!(!work1.list("").unwrap().iter().any(|e| e.name == ".git"));
    for rev in ["v1", "v1-light", sha1.as_str(), &sha1[..7], "HEAD~1", "main~1"] {
        let snap = Snapshot::git(&repo, rev).unwrap();
        assert_same(&snap, &work1);
        assert_eq!(snap.read("README.md").unwrap(), b"hello\n", "{rev}");
        assert_eq!(snap.kind("apps/overlay").unwrap(), None, "{rev}");
    }

    // The backend's label and commit id.
    let b1 = GitBackend::open(&repo, "v1").unwrap();
    assert_eq!(b1.commit_id(), sha1);
    assert_eq!(b1.label(), format!("git:repo@{}", &sha1[..8]));
    // A path inside the work tree finds the repository too.
    let inner = GitBackend::open(&repo.join("apps/base"), "HEAD").unwrap();
    assert_eq!(inner.commit_id(), sha2);

    // A bare clone.
    let bare = tmp.path().join("bare.git");
    git(tmp.path(), &["clone", "-q", "--bare", repo.to_str().unwrap(), bare.to_str().unwrap()]);
    let bare_head = GitBackend::open(&bare, "main").unwrap();
    assert_eq!(bare_head.commit_id(), sha2);
    assert_eq!(bare_head.label(), format!("git:bare.git@{}", &sha2[..8]));
    assert_same(&Snapshot::git(&bare, "main").unwrap(), &work);
    assert_same(&Snapshot::git(&bare, "HEAD~1").unwrap(), &work1);
    assert_same(&Snapshot::git(&bare, "v1").unwrap(), &work1);
}

#[test]
fn reads_errors_and_kinds() {
    let (_tmp, repo, _, _) = two_commit_repo();
    let snaps = [Snapshot::git(&repo, "main").unwrap(), Snapshot::dir(&repo).unwrap()];
    for s in &snaps {
        assert_eq!(s.kind("").unwrap(), Some(EntryKind::Dir));
        assert_eq!(s.kind("apps/base").unwrap(), Some(EntryKind::Dir));
        assert_eq!(s.kind("crlf.txt").unwrap(), Some(EntryKind::File));
        assert_eq!(s.kind("nope").unwrap(), None);
        assert_eq!(s.kind("crlf.txt/x").unwrap(), None);
        assert_eq!(s.kind(".git").unwrap(), None);
        assert!(matches!(
            s.read("nope/x.yaml"),
            Err(SourceError::NotFound { ref path, .. }) if path == "nope/x.yaml"
        ));
        assert!(matches!(
            s.read("apps"),
            Err(SourceError::IsDir { ref path, .. }) if path == "apps"
        ));
        assert!(matches!(
            s.read("crlf.txt/x"),
            Err(SourceError::NotDir { ref path, .. }) if path == "crlf.txt"
        ));
        assert!(matches!(
            s.list("crlf.txt"),
            Err(SourceError::NotDir { ref path, .. }) if path == "crlf.txt"
        ));
        assert!(matches!(s.list("nope"), Err(SourceError::NotFound { .. })));
        let msg = s.read("nope").unwrap_err().to_string();
        assert!(msg.contains("nope") && msg.contains(&s.label()), "{msg}");
    }
}

#[test]
fn open_errors() {
    let (tmp, repo, _, _) = two_commit_repo();
    match GitBackend::open(&repo, "no-such-branch") {
        Err(SourceError::Revision { rev, .. }) => assert_eq!(rev, "no-such-branch"),
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("opened a bad revision"),
    }
    let err = Snapshot::git(&repo, "no-such-branch").unwrap_err().to_string();
    assert!(err.contains("no-such-branch"), "{err}");
    // A blob is not a commit.
    let blob = git(&repo, &["rev-parse", "HEAD:crlf.txt"]);
    assert!(matches!(GitBackend::open(&repo, &blob), Err(SourceError::Revision { .. })));

    let plain = tmp.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    assert!(matches!(GitBackend::open(&plain, "main"), Err(SourceError::OpenRepo { .. })));
    assert!(matches!(changed_paths(&plain, "a", "b"), Err(SourceError::OpenRepo { .. })));
    assert!(matches!(DirBackend::open(repo.join("crlf.txt")), Err(SourceError::Io { .. })));
    assert!(matches!(DirBackend::open(tmp.path().join("missing")), Err(SourceError::Io { .. })));
}

#[test]
fn access_log_records_exactly_what_was_asked() {
    let (_tmp, repo, _, _) = two_commit_repo();
    let snap = Snapshot::git(&repo, "main").unwrap();
    assert_eq!(snap.access(), Access::default());
    snap.read("apps/base/deploy.yaml").unwrap();
    assert!(!snap.exists("missing.yaml").unwrap());
    snap.list("apps").unwrap();
    assert!(snap.read("nope").is_err());
    let access = snap.access();
    assert_eq!(
        access.reads.iter().map(String::as_str).collect::<Vec<_>>(),
        ["apps/base/deploy.yaml", "missing.yaml", "nope"]
    );
    assert_eq!(access.lists.iter().map(String::as_str).collect::<Vec<_>>(), ["apps"]);
    assert!(access.touches("apps/base/deploy.yaml"));
    assert!(access.touches("apps/new")); // a new entry in a listed directory
    // An edit below a listed directory changes no listing; a new file there may create a new entry in it.
    let edit = ChangedPath { path: "apps/base/kustomization.yaml".into(), kind: ChangeKind::Modified };
    assert!(!access.touches_change(&edit));
    assert!(access.touches_change(&ChangedPath { kind: ChangeKind::Added, ..edit.clone() }));
    assert!(access.touches("apps/new/deep/file.yaml"));
    assert!(!access.touches("other/file.yaml"));

    let fork = snap.fork();
    assert_eq!(fork.access(), Access::default());
    assert_eq!(fork.label(), snap.label());
    fork.read("crlf.txt").unwrap();
    assert_eq!(fork.access().reads.len(), 1);
    assert_eq!(snap.access(), access, "the fork's reads stay out of the parent's log");
}

#[test]
fn changed_paths_between_revisions() {
    let (_tmp, repo, sha1, sha2) = two_commit_repo();
    let cp = |path: &str, kind| ChangedPath { path: path.to_string(), kind };
    use ChangeKind::*;
    let changes = changed_paths(&repo, &sha1, &sha2).unwrap();
    assert_eq!(
        changes,
        [
            cp("README.md", Deleted),
            cp("apps/base/deploy.yaml", Modified),
            cp("apps/overlay/patch.yaml", Added),
            cp("old.txt", Deleted),
            cp("renamed.txt", Added),
        ]
    );
    assert_eq!(changed_paths(&repo, "v1", "main").unwrap(), changes);
    assert_eq!(changed_paths(&repo, "main", "main").unwrap(), []);
    // Backwards: additions become deletions.
    assert_eq!(
        changed_paths(&repo, "main", "v1").unwrap(),
        [
            cp("README.md", Added),
            cp("apps/base/deploy.yaml", Modified),
            cp("apps/overlay/patch.yaml", Deleted),
            cp("old.txt", Added),
            cp("renamed.txt", Deleted),
        ]
    );
    // A new branch: everything is added.
    let zeros = "0".repeat(40);
    assert_eq!(
        changed_paths(&repo, &zeros, "v1").unwrap(),
        [
            cp("README.md", Added),
            cp("apps/base/deploy.yaml", Added),
            cp("apps/base/kustomization.yaml", Added),
            cp("clusters/prod/cluster.yaml", Added),
            cp("crlf.txt", Added),
            cp("old.txt", Added),
        ]
    );
    assert!(matches!(
        changed_paths(&repo, "nope", "main"),
        Err(SourceError::Revision { ref rev, .. }) if rev == "nope"
    ));
}

#[cfg(unix)]
#[test]
fn changed_paths_mode_and_dir_to_file() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let tmp = TempDir::new().unwrap();
    let repo = tmp.path();
    git(repo, &["init", "-q"]);
    write(repo, "d/x.yaml", b"x\n");
    write(repo, "d/sub/y.yaml", b"y\n");
    write(repo, "f/z.yaml", b"z\n");
    write(repo, "link.txt", b"plain\n");
    write(repo, "run.sh", b"#!/bin/sh\n");
    write(repo, "same.txt", b"same\n");
    let a = commit_all(repo, "a");
    std::fs::remove_dir_all(repo.join("d")).unwrap();
    write(repo, "d", b"now a file\n");
    std::fs::remove_file(repo.join("link.txt")).unwrap();
    symlink("same.txt", repo.join("link.txt")).unwrap();
    std::fs::set_permissions(repo.join("run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let b = commit_all(repo, "b");
    use ChangeKind::*;
    let cp = |path: &str, kind| ChangedPath { path: path.to_string(), kind };
    assert_eq!(
        changed_paths(repo, &a, &b).unwrap(),
        [
            cp("d", Added),
            cp("d/sub/y.yaml", Deleted),
            cp("d/x.yaml", Deleted),
            cp("link.txt", Modified),
            cp("run.sh", Modified),
        ]
    );
    assert_eq!(
        changed_paths(repo, &b, &a).unwrap(),
        [
            cp("d", Deleted),
            cp("d/sub/y.yaml", Added),
            cp("d/x.yaml", Added),
            cp("link.txt", Modified),
            cp("run.sh", Modified),
        ]
    );
}

/// A repository with in-root, escaping, looping and dangling symlinks, committed.
#[cfg(unix)]
fn symlink_repo() -> TempDir {
    use std::os::unix::fs::symlink;
    let tmp = TempDir::new().unwrap();
    let repo = tmp.path();
    git(repo, &["init", "-q"]);
    write(repo, "real/file.txt", b"content\n");
    write(repo, "real/sub/inner.txt", b"inner\n");
    std::fs::create_dir(repo.join("links")).unwrap();
    let l = |target: &str, name: &str| symlink(target, repo.join("links").join(name)).unwrap();
    l("../real/file.txt", "to_file");
    l("../real", "to_dir");
    l("to_file", "chain");
    l("../real/../real/sub/./inner.txt", "winding");
    l("to_dir/sub", "through_dir");
    l("../../etc/passwd", "escape");
    l("../..", "escape_dir");
    l("/etc/passwd", "abs");
    l("loop_b", "loop_a");
    l("loop_a", "loop_b");
    l("nothing-here", "dangling");
    l("../real/file.txt/x", "under_file");
    commit_all(repo, "links");
    tmp
}

#[cfg(unix)]
#[test]
fn symlinks_resolve_inside_the_root_only() {
    let tmp = symlink_repo();
    let repo = tmp.path();
    let snaps = [Snapshot::git(repo, "HEAD").unwrap(), Snapshot::dir(repo).unwrap()];
    for s in &snaps {
        let label = s.label();
        assert_eq!(s.read("links/to_file").unwrap(), b"content\n", "{label}");
        assert_eq!(s.read("links/chain").unwrap(), b"content\n", "{label}");
        assert_eq!(s.read("links/winding").unwrap(), b"inner\n", "{label}");
        assert_eq!(s.read("links/to_dir/file.txt").unwrap(), b"content\n");
        assert_eq!(s.read("links/to_dir/sub/inner.txt").unwrap(), b"inner\n");
        assert_eq!(s.read("links/through_dir/inner.txt").unwrap(), b"inner\n");
        assert_eq!(s.kind("links/to_dir").unwrap(), Some(EntryKind::Dir));
        assert_eq!(s.kind("links/to_file").unwrap(), Some(EntryKind::File));
        assert_eq!(s.list("links/to_dir").unwrap(), s.list("real").unwrap());
        assert_eq!(s.list("real").unwrap(), [file("file.txt"), dir("sub")], "{label}");

        for p in ["links/escape", "links/abs", "links/escape_dir/etc/passwd"] {
            match s.read(p) {
                Err(SourceError::Escapes { path, reason }) => {
                    assert_eq!(path, p);
                    assert!(reason.contains("symlink links/"), "{reason}");
                }
                other => panic!("{label}: read {p}: {other:?}"),
            }
            assert!(matches!(s.kind(p), Err(SourceError::Escapes { .. })), "{label} {p}");
        }
        assert!(matches!(s.list("links/escape_dir"), Err(SourceError::Escapes { .. })));
        assert!(matches!(
            s.read("links/loop_a"),
            Err(SourceError::SymlinkLoop { ref path, .. }) if path == "links/loop_a"
        ));
        assert!(matches!(s.kind("links/loop_b"), Err(SourceError::SymlinkLoop { .. })));
        assert_eq!(s.kind("links/dangling").unwrap(), None);
        assert!(matches!(s.read("links/dangling"), Err(SourceError::NotFound { .. })));
        assert_eq!(s.kind("links/under_file").unwrap(), None);

        // Dangling links are left out; escaping and looping ones are listed as files (reading them fails).
        let link = |e: DirEntry| DirEntry { symlink: true, ..e };
        assert_eq!(
            s.list("links").unwrap(),
            [
                link(file("abs")),
                link(file("chain")),
                link(file("escape")),
                link(file("escape_dir")),
                link(file("loop_a")),
                link(file("loop_b")),
                link(dir("through_dir")),
                link(dir("to_dir")),
                link(file("to_file")),
                link(file("winding")),
            ],
            "{label}"
        );
        // A walk does not descend into symlinked directories (a link to an ancestor would never end).
        let w = s.walk("links").unwrap();
        assert_eq!(w.symlinked_dirs, ["links/through_dir", "links/to_dir"], "{label}");
    }
    assert_same(&snaps[0], &snaps[1]);
}

#[cfg(unix)]
#[test]
fn dir_backend_never_follows_links_out_of_the_root() {
    use std::os::unix::fs::symlink;
    let outside = TempDir::new().unwrap();
    write(outside.path(), "secret.txt", b"secret\n");
    let tmp = TempDir::new().unwrap();
    let root = tmp.path();
    write(root, "a/ok.txt", b"ok\n");
    symlink(outside.path(), root.join("a/out")).unwrap();
    symlink(outside.path().join("secret.txt"), root.join("secret")).unwrap();
    let s = Snapshot::dir(root).unwrap();
    assert!(matches!(s.read("a/out/secret.txt"), Err(SourceError::Escapes { .. })));
    assert!(matches!(s.read("secret"), Err(SourceError::Escapes { .. })));
    assert_eq!(s.read("a/ok.txt").unwrap(), b"ok\n");

    // The root itself may be reached through a symlink.
    let via = TempDir::new().unwrap();
    symlink(root, via.path().join("root")).unwrap();
    let s2 = Snapshot::dir(via.path().join("root")).unwrap();
    assert_eq!(s2.read("a/ok.txt").unwrap(), b"ok\n");
}

#[cfg(unix)]
#[test]
fn non_utf8_names_are_skipped() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let tmp = TempDir::new().unwrap();
    let repo = tmp.path();
    git(repo, &["init", "-q"]);
    write(repo, "ok.txt", b"ok\n");
    std::fs::write(repo.join(OsStr::from_bytes(b"bad\xff.txt")), b"bad\n").unwrap();
    commit_all(repo, "names");
    for s in [Snapshot::git(repo, "HEAD").unwrap(), Snapshot::dir(repo).unwrap()] {
        assert_eq!(s.list("").unwrap(), [file("ok.txt")], "{}", s.label());
        assert_eq!(s.walk("").unwrap().files, ["ok.txt"]);
    }
}

#[test]
fn submodules_are_reported_not_read() {
    let tmp = TempDir::new().unwrap();
    let repo = tmp.path();
    git(repo, &["init", "-q"]);
    write(repo, "apps/app.yaml", b"app\n");
    let first = commit_all(repo, "one");
    git(repo, &["update-index", "--add", "--cacheinfo", &format!("160000,{first},apps/sub")]);
    git(repo, &["commit", "-q", "-m", "submodule"]);
    let s = Snapshot::git(repo, "HEAD").unwrap();
    assert_eq!(
        s.list("apps").unwrap(),
        [file("app.yaml"), DirEntry { name: "sub".into(), kind: EntryKind::Submodule, symlink: false }]
    );
    assert_eq!(s.kind("apps/sub").unwrap(), Some(EntryKind::Submodule));
    for r in [s.read("apps/sub"), s.read("apps/sub/x.yaml")] {
        match r {
            Err(SourceError::Submodule { path, .. }) => assert_eq!(path, "apps/sub"),
            other => panic!("{other:?}"),
        }
    }
    assert!(matches!(s.list("apps/sub"), Err(SourceError::Submodule { .. })));
    let walk = s.walk("").unwrap();
    assert_eq!(walk.files, ["apps/app.yaml"]);
    assert_eq!(walk.submodules, ["apps/sub"]);
    let head = git(repo, &["rev-parse", "HEAD"]);
    assert_eq!(
        changed_paths(repo, &first, &head).unwrap(),
        [ChangedPath { path: "apps/sub".into(), kind: ChangeKind::Added }]
    );

    // On disk, a directory holding a `.git` (a checked-out submodule) is a submodule as well.
    write(repo, "apps/sub/.git", b"gitdir: ../../.git/modules/sub\n");
    write(repo, "apps/sub/inside.yaml", b"x\n");
    let d = Snapshot::dir(repo).unwrap();
    assert_eq!(d.list("apps").unwrap(), s.list("apps").unwrap());
    assert!(matches!(d.read("apps/sub/inside.yaml"), Err(SourceError::Submodule { .. })));
    assert_eq!(d.walk("").unwrap().submodules, ["apps/sub"]);
}

#[test]
fn git_backend_is_shared_across_threads() {
    let (_tmp, repo, _, _) = two_commit_repo();
    let snap = Snapshot::git(&repo, "main").unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let s = snap.fork();
            std::thread::spawn(move || s.read("apps/base/deploy.yaml").unwrap())
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), b"kind: Deployment\nreplicas: 2\n");
    }
}
