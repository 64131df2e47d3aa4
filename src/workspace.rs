//! The repositories of one run, each as a [`Snapshot`] at one revision.

use crate::config::{Config, Role, normalize_git_url};
use crate::source::{Snapshot, SourceError};
use std::path::{Path, PathBuf};

/// Why a workspace could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error("repository {repo:?} has no `path` in {config}; set one to read it locally")]
    NoPath { repo: String, config: String },
    #[error("{path}: not a directory")]
    NotADir { path: String },
    #[error("{path}: not inside a git repository, so --rev cannot be used; drop --rev to read the directory")]
    NotGit { path: String },
    #[error(transparent)]
    Source(#[from] SourceError),
}

/// One repository of the workspace.
#[derive(Debug, Clone)]
pub struct RepoView {
    pub name: String,
    pub role: Option<Role>,
    pub snapshot: Snapshot,
    /// Normalised clone URLs ([`normalize_git_url`]).
    pub url_keys: Vec<String>,
    /// Where the repository is on disk, when it is.
    pub local: Option<PathBuf>,
    /// The branch the workspace's snapshot stands for (`main` unless configured).
    pub default_branch: String,
}

/// Every repository of a run.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    pub repos: Vec<RepoView>,
}

impl Workspace {
    /// One repository from a path (a directory, or with `rev` the git repository containing it).
    pub fn single(path: &Path, rev: Option<&str>) -> Result<Workspace, WorkspaceError> {
        let name = repo_name_of(path);
        let snapshot = open_snapshot(path, rev)?;
        Ok(Workspace {
            repos: vec![RepoView {
                name,
                role: None,
                snapshot,
                url_keys: Vec::new(),
                local: Some(path.to_path_buf()),
                default_branch: "main".to_string(),
            }],
        })
    }

    /// Every configured repository with a local path, at `rev` (or as directories on disk).
    pub fn from_config(config: &Config, rev: Option<&str>) -> Result<Workspace, WorkspaceError> {
        let mut repos = Vec::new();
        for r in &config.repos {
            let path = config
                .repo_path(r)
                .ok_or_else(|| WorkspaceError::NoPath { repo: r.name.clone(), config: config.file.clone() })?;
            repos.push(RepoView {
                name: r.name.clone(),
                role: Some(r.role),
                snapshot: open_snapshot(&path, rev)?,
                url_keys: r.urls.iter().filter_map(|u| normalize_git_url(u)).collect(),
                local: Some(path),
                default_branch: r.default_branch.clone(),
            });
        }
        Ok(Workspace { repos })
    }

    /// The repository a git URL refers to.
    pub fn repo_for_url(&self, url: &str) -> Option<&RepoView> {
        let key = normalize_git_url(url)?;
        self.repos.iter().find(|r| r.url_keys.contains(&key))
    }

    pub fn repo(&self, name: &str) -> Option<&RepoView> {
        self.repos.iter().find(|r| r.name == name)
    }

    /// A snapshot of repository `name` at a pinned git reference (a tag, a commit, or a branch other than the
    /// one the workspace stands for), read from its local git repository. `None` when the repository is not a
    /// local git repository (the reference cannot be honoured); an error when the reference does not exist.
    pub fn pinned(&self, name: &str, reference: &str) -> Option<Result<Snapshot, String>> {
        let repo = self.repo(name)?;
        let local = repo.local.as_ref()?;
        gix::discover(local).ok()?;
        // Remote-tracking names first (a mirror), then the name as given.
        let tries = [format!("origin/{reference}"), reference.to_string()];
        let found = tries.iter().find_map(|r| open_snapshot(local, Some(r)).ok());
        Some(found.ok_or_else(|| format!("the source's ref {reference:?} does not exist in repository {name}")))
    }
}

fn repo_name_of(path: &Path) -> String {
    let canon = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    canon.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "repo".to_string())
}

/// A directory snapshot, or with `rev` the tree of the git repository that contains `path`, narrowed to the
/// subdirectory `path` is (so a repository that lives inside a bigger repository reads the same either way).
pub fn open_snapshot(path: &Path, rev: Option<&str>) -> Result<Snapshot, WorkspaceError> {
    let Some(rev) = rev else {
        if !path.is_dir() {
            return Err(WorkspaceError::NotADir { path: path.display().to_string() });
        }
        return Ok(Snapshot::dir_cached(path)?);
    };
    let (root, prefix) = git_root_and_prefix(path)?;
    let snap = Snapshot::git(&root, rev)?;
    Ok(if prefix.is_empty() { snap } else { snap.subdir(&prefix)? })
}

/// Files that changed between two revisions in each repository of the workspace (repositories that live in a
/// subdirectory of a git repository get the changes below that subdirectory, relative to it).
pub fn changed_paths(
    ws: &Workspace,
    base: &str,
    head: &str,
) -> Result<std::collections::BTreeMap<String, Vec<crate::source::ChangedPath>>, WorkspaceError> {
    let mut out = std::collections::BTreeMap::new();
    for r in &ws.repos {
        let Some(local) = &r.local else { continue };
        let (root, prefix) = git_root_and_prefix(local)?;
        let all = crate::source::changed_paths(&root, base, head)?;
        let mine = all
            .into_iter()
            .filter_map(|c| {
                let rel = if prefix.is_empty() {
                    Some(c.path.clone())
                } else {
                    c.path.strip_prefix(&format!("{prefix}/")).map(str::to_string)
                }?;
                Some(crate::source::ChangedPath { path: rel, kind: c.kind })
            })
            .collect();
        out.insert(r.name.clone(), mine);
    }
    Ok(out)
}

fn git_root_and_prefix(path: &Path) -> Result<(PathBuf, String), WorkspaceError> {
    let not_git = || WorkspaceError::NotGit { path: path.display().to_string() };
    let repo = gix::discover(path).map_err(|_| not_git())?;
    let Some(workdir) = repo.workdir() else {
        return Ok((repo.path().to_path_buf(), String::new()));
    };
    let canon_wd = workdir.canonicalize().map_err(|_| not_git())?;
    let canon = path.canonicalize().map_err(|_| not_git())?;
    let rel = canon.strip_prefix(&canon_wd).map_err(|_| not_git())?;
    let prefix = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/");
    Ok((canon_wd, prefix))
}

/// The workspace of one change: repository `changed` — and every repository that lives in the same git
/// repository — at `rev`; the others at their default branch (`refs/heads/<branch>`, else `HEAD`) when they are
/// git repositories, or as directories. `path_of` says where each repository is (its configured path, a
/// mirror, a pre-receive quarantine view).
pub fn for_change(
    config: &Config,
    changed: &str,
    rev: &str,
    path_of: &dyn Fn(&crate::config::RepoConfig) -> Option<PathBuf>,
) -> Result<Workspace, WorkspaceError> {
    let changed_cfg = config
        .repo(changed)
        .ok_or_else(|| WorkspaceError::NoPath { repo: changed.to_string(), config: config.file.clone() })?;
    let changed_path = path_of(changed_cfg)
        .ok_or_else(|| WorkspaceError::NoPath { repo: changed.to_string(), config: config.file.clone() })?;
    let changed_root = git_root_and_prefix(&changed_path)?.0;
    let mut repos = Vec::new();
    for r in &config.repos {
        let Some(path) = path_of(r) else { continue };
        let shares = git_root_and_prefix(&path).ok().map(|(root, _)| root);
        let snapshot = match shares {
            Some(root) if root == changed_root => open_snapshot(&path, Some(rev))?,
            Some(_) => open_snapshot(&path, Some(&format!("refs/heads/{}", r.default_branch)))
                .or_else(|_| open_snapshot(&path, Some("HEAD")))?,
            None => open_snapshot(&path, None)?,
        };
        repos.push(RepoView {
            name: r.name.clone(),
            role: Some(r.role),
            snapshot,
            url_keys: r.urls.iter().filter_map(|u| normalize_git_url(u)).collect(),
            local: Some(path),
            default_branch: r.default_branch.clone(),
        });
    }
    Ok(Workspace { repos })
}

/// [`changed_paths`] for one change: only the repositories that live in the git repository of `changed`.
pub fn changed_paths_for(
    ws: &Workspace,
    changed: &str,
    base: &str,
    head: &str,
) -> Result<std::collections::BTreeMap<String, Vec<crate::source::ChangedPath>>, WorkspaceError> {
    let Some(local) = ws.repo(changed).and_then(|r| r.local.clone()) else {
        return Ok(Default::default());
    };
    let root = git_root_and_prefix(&local)?.0;
    let same: Vec<RepoView> = ws
        .repos
        .iter()
        .filter(|r| r.local.as_ref().and_then(|l| git_root_and_prefix(l).ok()).is_some_and(|(rt, _)| rt == root))
        .cloned()
        .collect();
    changed_paths(&Workspace { repos: same }, base, head)
}
