//! A git revision's tree, read through gix, as a snapshot backend; changed paths between revisions.
//!
//! Objects are read lazily from the object database: nothing is checked out, blobs are returned raw (no
//! filters), so a snapshot gives the same bytes as a checkout of the same commit. Symlinks (mode 120000) are
//! resolved with the rules of the directory backend (see `dir.rs`); gitlinks (mode 160000) are
//! [`EntryKind::Submodule`].

use super::dir::{self, Raw, RawTree};
use super::{Backend, DirEntry, EntryKind, SourceError};
use gix::ObjectId;
use gix::objs::tree::EntryKind as Mode;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// One entry of a git tree whose name is UTF-8.
struct TreeEntry {
    name: String,
    mode: Mode,
    id: ObjectId,
}

/// The error chain of a gix error on one line.
fn message(e: &gix::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for err in e.iter_errors() {
        let s = err.to_string();
        if !s.is_empty() && !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    if parts.is_empty() { e.to_string() } else { parts.join(": ") }
}

fn open_repo(repo: &Path) -> Result<gix::ThreadSafeRepository, SourceError> {
    gix::ThreadSafeRepository::discover(repo).map_err(|e| SourceError::OpenRepo {
        repo: repo.display().to_string(),
        message: format!(
            "{}; give a git repository (a work tree, a path inside one, or a bare repository)",
            message(&e)
        ),
    })
}

/// The repository's directory name: the work tree's, or the git dir's for a bare repository.
fn repo_name(repo: &gix::ThreadSafeRepository) -> String {
    let dir = repo.work_dir().unwrap_or_else(|| repo.git_dir());
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    match dir.file_name() {
        Some(n) => n.to_string_lossy().into_owned(),
        None => dir.display().to_string(),
    }
}

/// Resolve `rev` to (commit id, tree id), peeling annotated tags.
fn commit_and_tree(repo: &gix::Repository, name: &str, rev: &str) -> Result<(ObjectId, ObjectId), SourceError> {
    let err = |message: String| SourceError::Revision { repo: name.to_string(), rev: rev.to_string(), message };
    let id = repo
        .rev_parse_single(rev)
        .map_err(|e| err(format!("{}; give a branch, tag, commit SHA or expression like HEAD~1", message(&e))))?;
    let object = id.object().map_err(|e| err(message(&e)))?;
    let kind = object.kind;
    let commit = object.peel_to_commit().map_err(|e| err(format!("names a {kind}, not a commit ({})", message(&e))))?;
    let tree = commit.tree_id().map_err(|e| err(message(&e)))?.detach();
    Ok((commit.id, tree))
}

/// Decode tree `id` into its UTF-8-named entries, sorted by name.
fn load_tree(repo: &gix::Repository, label: &str, path: &str, id: ObjectId) -> Result<Vec<TreeEntry>, SourceError> {
    let git_err = |e: gix::Error| SourceError::Git {
        repo: label.to_string(),
        message: format!("reading tree {id} at {:?}: {}", path, message(&e)),
    };
    let tree = repo.find_tree(id).map_err(git_err)?;
    let decoded = tree.decode().map_err(git_err)?;
    let mut out: Vec<TreeEntry> = decoded
        .entries
        .iter()
        .filter_map(|e| {
            // Names that are not UTF-8 cannot be named by a repository path: left out.
            let name = std::str::from_utf8(e.filename.as_ref()).ok()?;
            Some(TreeEntry { name: name.to_string(), mode: e.mode.kind(), id: e.oid.to_owned() })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// A git revision's tree.
pub struct GitBackend {
    repo: gix::ThreadSafeRepository,
    commit: ObjectId,
    tree: ObjectId,
    label: String,
    trees: Mutex<HashMap<ObjectId, Arc<Vec<TreeEntry>>>>,
}

impl GitBackend {
    /// Open `repo` (bare or non-bare, or any path inside a work tree) at revision `rev`.
    pub fn open(repo: &Path, rev: &str) -> Result<Self, SourceError> {
        let ts = open_repo(repo)?;
        let name = repo_name(&ts);
        let local = ts.to_thread_local();
        let (commit, tree) = commit_and_tree(&local, &repo.display().to_string(), rev)?;
        let label = format!("git:{name}@{}", commit.to_hex_with_len(8));
        Ok(GitBackend { repo: ts, commit, tree, label, trees: Mutex::new(HashMap::new()) })
    }

    /// The full hex id of the commit this snapshot is at.
    pub fn commit_id(&self) -> String {
        self.commit.to_string()
    }

    fn tree_entries(
        &self,
        repo: &gix::Repository,
        id: ObjectId,
        path: &str,
    ) -> Result<Arc<Vec<TreeEntry>>, SourceError> {
        if let Ok(cache) = self.trees.lock()
            && let Some(t) = cache.get(&id)
        {
            return Ok(t.clone());
        }
        let entries = Arc::new(load_tree(repo, &self.label, path, id)?);
        if let Ok(mut cache) = self.trees.lock() {
            cache.insert(id, entries.clone());
        }
        Ok(entries)
    }

    fn blob(&self, repo: &gix::Repository, id: ObjectId, path: &str) -> Result<Vec<u8>, SourceError> {
        let git_err = |msg: String| SourceError::Git {
            repo: self.label.clone(),
            message: format!("reading blob {id} at {path:?}: {msg}"),
        };
        let object = repo.find_object(id).map_err(|e| git_err(message(&e)))?;
        if object.kind != gix::object::Kind::Blob {
            return Err(git_err(format!("expected a blob, found a {}", object.kind)));
        }
        Ok(object.detach().data)
    }

    fn view(&self) -> View<'_> {
        View { backend: self, repo: self.repo.to_thread_local() }
    }
}

/// The backend with a thread-local repository handle, for one call.
struct View<'a> {
    backend: &'a GitBackend,
    repo: gix::Repository,
}

impl View<'_> {
    fn raw(&self, e: &TreeEntry, path: &str) -> Result<Raw<ObjectId, ObjectId>, SourceError> {
        Ok(match e.mode {
            Mode::Tree => Raw::Dir(e.id),
            Mode::Blob | Mode::BlobExecutable => Raw::File(e.id),
            Mode::Link => Raw::Link(self.backend.blob(&self.repo, e.id, path)?),
            Mode::Commit => Raw::Submodule,
        })
    }
}

impl RawTree for View<'_> {
    type Dir = ObjectId;
    type File = ObjectId;

    fn label(&self) -> String {
        self.backend.label.clone()
    }

    fn root(&self) -> ObjectId {
        self.backend.tree
    }

    fn lookup(&self, dir: &ObjectId, name: &str, path: &str) -> Result<Option<Raw<ObjectId, ObjectId>>, SourceError> {
        let entries = self.backend.tree_entries(&self.repo, *dir, super::parent(path))?;
        match entries.binary_search_by(|e| e.name.as_str().cmp(name)) {
            Ok(i) => Ok(Some(self.raw(&entries[i], path)?)),
            Err(_) => Ok(None),
        }
    }

    fn entries(&self, dir: &ObjectId, path: &str) -> Result<Vec<(String, Raw<ObjectId, ObjectId>)>, SourceError> {
        let entries = self.backend.tree_entries(&self.repo, *dir, path)?;
        let mut out = Vec::with_capacity(entries.len());
        for e in entries.iter() {
            let child = if path.is_empty() { e.name.clone() } else { format!("{path}/{}", e.name) };
            out.push((e.name.clone(), self.raw(e, &child)?));
        }
        Ok(out)
    }
}

impl Backend for GitBackend {
    fn label(&self) -> String {
        self.label.clone()
    }

    fn kind(&self, path: &str) -> Result<Option<EntryKind>, SourceError> {
        dir::kind_of(&self.view(), path)
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, SourceError> {
        let view = self.view();
        let id = dir::file_of(&view, path)?;
        self.blob(&view.repo, id, path)
    }

    fn list(&self, path: &str) -> Result<Vec<DirEntry>, SourceError> {
        dir::list_of(&self.view(), path)
    }
}

/// How a path changed between two revisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
}

/// One changed file path (a rename is reported as `Deleted` old + `Added` new).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct ChangedPath {
    pub path: String,
    pub kind: ChangeKind,
}

/// Files that differ between `base` and `head` (revision expressions) in `repo`, sorted by path. A base of all
/// zeros (40 or 64 of them: git's marker for a new branch) compares against the empty tree.
///
/// Symlinks and gitlinks count as files (a changed target or submodule commit is `Modified`); a change of mode
/// (file ↔ symlink, executable bit) is `Modified`; a directory replaced by a file (or the reverse) gives
/// `Deleted` for every file under the old one and `Added` for every new one. Names that are not UTF-8 are left
/// out, as in listings.
pub fn changed_paths(repo: &Path, base: &str, head: &str) -> Result<Vec<ChangedPath>, SourceError> {
    let ts = open_repo(repo)?;
    let local = ts.to_thread_local();
    let name = repo.display().to_string();
    let label = format!("git:{}", repo_name(&ts));
    let (_, head_tree) = commit_and_tree(&local, &name, head)?;
    let base_tree = if matches!(base.len(), 40 | 64) && base.bytes().all(|b| b == b'0') {
        ObjectId::empty_tree(local.object_hash())
    } else {
        commit_and_tree(&local, &name, base)?.1
    };
    let mut out = Vec::new();
    if base_tree != head_tree {
        diff_trees(&local, &label, "", Some(base_tree), Some(head_tree), &mut out)?;
    }
    out.sort();
    Ok(out)
}

/// Append the file changes between trees `old` and `new` (`None`: absent) below `prefix`.
fn diff_trees(
    repo: &gix::Repository,
    label: &str,
    prefix: &str,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
    out: &mut Vec<ChangedPath>,
) -> Result<(), SourceError> {
    let load = |id: Option<ObjectId>| match id {
        Some(id) => load_tree(repo, label, prefix, id),
        None => Ok(Vec::new()),
    };
    let old_entries = load(old)?;
    let new_entries = load(new)?;
    let mut pairs: BTreeMap<&str, (Option<&TreeEntry>, Option<&TreeEntry>)> = BTreeMap::new();
    for e in &old_entries {
        pairs.entry(&e.name).or_default().0 = Some(e);
    }
    for e in &new_entries {
        pairs.entry(&e.name).or_default().1 = Some(e);
    }
    for (name, pair) in pairs {
        let path = if prefix.is_empty() { name.to_string() } else { format!("{prefix}/{name}") };
        let is_tree = |e: &TreeEntry| e.mode == Mode::Tree;
        let push = |out: &mut Vec<ChangedPath>, kind| out.push(ChangedPath { path: path.clone(), kind });
        match pair {
            (Some(o), Some(n)) if o.mode == n.mode && o.id == n.id => {}
            (Some(o), Some(n)) => match (is_tree(o), is_tree(n)) {
                (true, true) => diff_trees(repo, label, &path, Some(o.id), Some(n.id), out)?,
                (true, false) => {
                    diff_trees(repo, label, &path, Some(o.id), None, out)?;
                    push(out, ChangeKind::Added);
                }
                (false, true) => {
                    push(out, ChangeKind::Deleted);
                    diff_trees(repo, label, &path, None, Some(n.id), out)?;
                }
                (false, false) => push(out, ChangeKind::Modified),
            },
            (Some(o), None) if is_tree(o) => diff_trees(repo, label, &path, Some(o.id), None, out)?,
            (Some(_), None) => push(out, ChangeKind::Deleted),
            (None, Some(n)) if is_tree(n) => diff_trees(repo, label, &path, None, Some(n.id), out)?,
            (None, Some(_)) => push(out, ChangeKind::Added),
            (None, None) => {}
        }
    }
    Ok(())
}
