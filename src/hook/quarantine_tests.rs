//! QuarantineView against real `git push`es into a bare repository whose pre-receive hook saves a copy of the
//! quarantine directory and rejects the push, so the pushed objects exist only in that copy.

use super::*;
use crate::hook::{UpdateKind, parse_updates};
use crate::source::{ChangeKind, Snapshot, changed_paths};
use std::collections::BTreeMap;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.test")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.test")
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `git push` that is expected to be rejected by the hook.
fn push_rejected(work: &Path, remote: &Path, refspec: &str) {
    let out = Command::new("git")
        .args(["push", "--porcelain", &remote.display().to_string(), refspec])
        .current_dir(work)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("run git push");
    assert!(!out.status.success(), "push of {refspec} should have been rejected by the hook");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("pre-receive hook declined") && text.contains("rejected by test"), "{text}");
}

struct Saved {
    env: BTreeMap<String, String>,
    stdin: String,
    quarantine: PathBuf,
}

/// A bare `remote.git` whose pre-receive hook, when `<save>/reject` exists, records its environment and stdin,
/// copies `$GIT_OBJECT_DIRECTORY` to `<save>/quarantine` and rejects the push.
fn remote_with_hook(root: &Path, unpack_limit: &str) -> (PathBuf, PathBuf) {
    let remote = root.join("remote.git");
    let save = root.join("save");
    std::fs::create_dir_all(&save).unwrap();
    git(root, &["init", "-q", "--bare", "-b", "main", &remote.display().to_string()]);
    git(&remote, &["config", "receive.unpackLimit", unpack_limit]);
    let script = format!(
        "#!/bin/sh\nSAVE='{}'\n[ -e \"$SAVE/reject\" ] || exit 0\n\
         env | grep -E '^GIT_(OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|QUARANTINE_PATH)=' > \"$SAVE/env\"\n\
         cat > \"$SAVE/stdin\"\nrm -rf \"$SAVE/quarantine\"\ncp -R \"$GIT_OBJECT_DIRECTORY\" \"$SAVE/quarantine\"\n\
         echo rejected by test >&2\nexit 1\n",
        save.display()
    );
    let hook = remote.join("hooks/pre-receive");
    std::fs::write(&hook, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    (remote, save)
}

fn read_saved(save: &Path) -> Saved {
    let env = std::fs::read_to_string(save.join("env"))
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect();
    Saved { env, stdin: std::fs::read_to_string(save.join("stdin")).unwrap(), quarantine: save.join("quarantine") }
}

/// The saved environment with `GIT_OBJECT_DIRECTORY`/`GIT_QUARANTINE_PATH` pointing at the saved copy.
fn env_for(saved: &Saved) -> impl Fn(&str) -> Option<String> + use<> {
    let mut env = saved.env.clone();
    let original = env.get("GIT_OBJECT_DIRECTORY").cloned().expect("hook saw GIT_OBJECT_DIRECTORY");
    let copy = saved.quarantine.display().to_string();
    for value in env.values_mut() {
        *value = value.replace(&original, &copy);
    }
    move |k: &str| env.get(k).cloned()
}

/// Every file below `dir` with its size and modification time (to prove nothing was written there).
fn listing(dir: &Path) -> BTreeMap<PathBuf, (u64, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let md = e.metadata().unwrap();
            if md.is_dir() {
                stack.push(e.path());
            }
            out.insert(e.path(), (md.len(), md.modified().unwrap()));
        }
    }
    out
}

fn has_loose_objects(dir: &Path) -> bool {
    std::fs::read_dir(dir).unwrap().any(|e| {
        let name = e.unwrap().file_name().to_string_lossy().to_string();
        name.len() == 2 && name.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

fn has_pack(dir: &Path) -> bool {
    std::fs::read_dir(dir.join("pack"))
        .map(|rd| rd.filter_map(Result::ok).any(|e| e.file_name().to_string_lossy().ends_with(".pack")))
        .unwrap_or(false)
}

#[test]
fn without_quarantine_env_the_view_is_the_repository() {
    let view = QuarantineView::open(Path::new("/some/repo.git"), &|_| None).unwrap();
    assert_eq!(view.path(), Path::new("/some/repo.git"));
    assert!(!view.is_quarantined());
    let empty = QuarantineView::open(Path::new("/some/repo.git"), &|_| Some(String::new())).unwrap();
    assert!(!empty.is_quarantined());
}

#[test]
fn missing_quarantine_directory_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let err = QuarantineView::open(tmp.path(), &|k| (k == "GIT_OBJECT_DIRECTORY").then(|| "/nonexistent/q".into()))
        .unwrap_err();
    assert!(err.to_string().contains("GIT_OBJECT_DIRECTORY"), "{err}");
}

#[test]
fn loose_push_with_relative_repository_alternates_is_readable_through_the_view() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    // `upstream.git` holds the base commit; `remote.git` borrows it through a *relative* alternates entry.
    let work = root.join("work");
    std::fs::create_dir_all(work.join("apps")).unwrap();
    git(root, &["init", "-q", "-b", "main", "work"]);
    std::fs::write(work.join("README.md"), "base\n").unwrap();
    std::fs::write(work.join("apps/a.yaml"), "a: 1\n").unwrap();
    std::fs::write(work.join("gone.txt"), "bye\n").unwrap();
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "base"]);
    let base = git(&work, &["rev-parse", "HEAD"]);
    git(root, &["clone", "-q", "--bare", "work", "upstream.git"]);

    let (remote, save) = remote_with_hook(root, "10000");
    std::fs::write(remote.join("objects/info/alternates"), "../../upstream.git/objects\n").unwrap();
    git(&remote, &["update-ref", "refs/heads/main", &base]);

    std::fs::create_dir_all(work.join("apps/b")).unwrap();
    std::fs::write(work.join("apps/a.yaml"), "a: 2\n").unwrap();
    std::fs::write(work.join("apps/b/deploy.yaml"), "kind: Deployment\n").unwrap();
    std::fs::write(work.join("apps/b/svc.yaml"), "kind: Service\n").unwrap();
    std::fs::write(work.join("new.txt"), "new\n").unwrap();
    std::fs::remove_file(work.join("gone.txt")).unwrap();
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "change"]);
    let head = git(&work, &["rev-parse", "HEAD"]);

    std::fs::write(save.join("reject"), "").unwrap();
    push_rejected(&work, &remote, "HEAD:refs/heads/main");
    let saved = read_saved(&save);
    assert!(has_loose_objects(&saved.quarantine), "expected loose objects in the quarantine copy");
    assert!(!has_pack(&saved.quarantine));
    assert!(saved.env.contains_key("GIT_QUARANTINE_PATH"), "{:?}", saved.env);

    let updates = parse_updates(&saved.stdin).unwrap();
    assert_eq!(updates.len(), 1);
    assert_eq!(
        (updates[0].old.as_str(), updates[0].new.as_str(), updates[0].kind),
        (&*base, &*head, UpdateKind::Update)
    );

    // Without the view the pushed commit is unknown: the objects exist only in the saved copy.
    assert!(Snapshot::git(&remote, &head).is_err());

    let before = listing(&saved.quarantine);
    let env = env_for(&saved);
    let view = QuarantineView::open(&remote, &env).unwrap();
    assert!(view.is_quarantined());
    assert!(!view.path().starts_with(&saved.quarantine));

    let snap = Snapshot::git(view.path(), &head).unwrap();
    assert_eq!(snap.read_string("apps/a.yaml").unwrap(), "a: 2\n");
    assert_eq!(snap.read_string("apps/b/deploy.yaml").unwrap(), "kind: Deployment\n");
    assert_eq!(snap.read_string("apps/b/svc.yaml").unwrap(), "kind: Service\n");
    assert_eq!(snap.read_string("new.txt").unwrap(), "new\n");
    // An unchanged blob that lives only in upstream.git (through the relative alternates entry).
    assert_eq!(snap.read_string("README.md").unwrap(), "base\n");
    assert!(snap.read_string("gone.txt").is_err());

    let changed: Vec<(String, ChangeKind)> =
        changed_paths(view.path(), &base, &head).unwrap().into_iter().map(|c| (c.path, c.kind)).collect();
    assert_eq!(
        changed,
        vec![
            ("apps/a.yaml".to_string(), ChangeKind::Modified),
            ("apps/b/deploy.yaml".to_string(), ChangeKind::Added),
            ("apps/b/svc.yaml".to_string(), ChangeKind::Added),
            ("gone.txt".to_string(), ChangeKind::Deleted),
            ("new.txt".to_string(), ChangeKind::Added),
        ]
    );
    drop(snap);
    let view_dir = view.path().to_path_buf();
    drop(view);
    assert!(!view_dir.exists(), "the temporary git dir is removed with the view");
    assert_eq!(listing(&saved.quarantine), before, "nothing was written into the quarantine directory");
}

#[test]
fn packed_push_of_200_files_is_readable_through_the_view() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let work = root.join("work");
    git(root, &["init", "-q", "-b", "main", "work"]);
    std::fs::write(work.join("base.txt"), "base\n").unwrap();
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "base"]);
    let base = git(&work, &["rev-parse", "HEAD"]);
    let (remote, save) = remote_with_hook(root, "1");
    git(&work, &["push", "-q", &remote.display().to_string(), "HEAD:refs/heads/main"]);

    for i in 0..200 {
        let dir = work.join(format!("clusters/c{:02}", i % 20));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("f{i:03}.yaml")), format!("n: {i}\n")).unwrap();
    }
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "200 files"]);
    let head = git(&work, &["rev-parse", "HEAD"]);
    std::fs::write(save.join("reject"), "").unwrap();
    push_rejected(&work, &remote, "HEAD:refs/heads/big");
    let saved = read_saved(&save);
    assert!(has_pack(&saved.quarantine), "expected a pack in the quarantine copy (receive.unpackLimit=1)");

    let updates = parse_updates(&saved.stdin).unwrap();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].kind, UpdateKind::Create);
    assert_eq!((updates[0].new.as_str(), updates[0].short_name()), (&*head, "big"));
    assert!(Snapshot::git(&remote, &head).is_err());

    let env = env_for(&saved);
    let view = QuarantineView::open(&remote, &env).unwrap();
    let snap = Snapshot::git(view.path(), &head).unwrap();
    for i in 0..200 {
        let path = format!("clusters/c{:02}/f{i:03}.yaml", i % 20);
        assert_eq!(snap.read_string(&path).unwrap(), format!("n: {i}\n"), "{path}");
    }
    assert_eq!(snap.read_string("base.txt").unwrap(), "base\n");
    // New branch: against the empty tree, and against the base commit that only the real repository holds.
    let from_zero = changed_paths(view.path(), &updates[0].old, &head).unwrap();
    assert_eq!(from_zero.len(), 201);
    let from_base = changed_paths(view.path(), &base, &head).unwrap();
    assert_eq!(from_base.len(), 200);
    assert!(from_base.iter().all(|c| c.kind == ChangeKind::Added && c.path.starts_with("clusters/")));
}

#[test]
fn alternates_lists_follow_git_quoting() {
    let got = parse_alternates(br#"/a/b:"/q/x\"y\tz\101":#comment:rel/dir/::/trail//"#, b':');
    let want: Vec<PathBuf> = ["/a/b", "/q/x\"y\tzA", "rel/dir", "/trail"].iter().map(PathBuf::from).collect();
    assert_eq!(got, want);
    // Broken quoting falls back to the raw entry.
    assert_eq!(parse_alternates(br#""/no/end:/b"#, b':'), vec![PathBuf::from("\"/no/end"), PathBuf::from("/b")]);
    assert_eq!(
        parse_alternates(b"# c\n/x/objects\n\n\"/y\\nz\"\n", b'\n'),
        vec![PathBuf::from("/x/objects"), PathBuf::from("/y\nz")]
    );
    // What the view writes reads back the same.
    let odd = PathBuf::from("/tmp/with\nnewline \"and\" \\ tab\t");
    let mut line = alternates_line(&odd);
    line.push(b'\n');
    assert_eq!(parse_alternates(&line, b'\n'), vec![odd.clone()]);
    assert_eq!(gix::odb::alternate::parse(&line).unwrap(), vec![odd]);
    assert_eq!(alternates_line(Path::new("/plain/objects")), b"/plain/objects".to_vec());
}

#[test]
fn view_config_copies_the_object_format() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("config");
    std::fs::write(&cfg, "[core]\n\trepositoryFormatVersion = 1\n\tbare = true\n[extensions]\n\tobjectFormat = sha256\n\tworktreeConfig = true\n").unwrap();
    let out = view_config(&cfg).unwrap();
    assert!(out.contains("repositoryformatversion = 1"), "{out}");
    assert!(out.contains("objectformat = sha256"), "{out}");
    assert!(!out.contains("worktree"), "{out}");
    assert_eq!(
        view_config(&tmp.path().join("absent")).unwrap(),
        "[core]\n\trepositoryformatversion = 0\n\tbare = true\n"
    );
    std::fs::write(&cfg, "[core]\n\trepositoryformatversion = 7\n").unwrap();
    assert!(view_config(&cfg).is_err());
}
