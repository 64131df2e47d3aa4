//! Read-only file trees at one revision (`Snapshot`), with read tracking, and changed paths between revisions.
//!
//! Paths are repository-relative, `/`-separated, normalised (no `.`/`..` segments, no leading or trailing `/`);
//! the root directory is `""`. Use [`normalize`] / [`join`] to build them from user input: they reject any path
//! that would escape the root.

mod dir;
mod git;
mod overlay;
mod path;
mod subdir;
#[cfg(test)]
mod tests;

pub use dir::DirBackend;
pub use git::{ChangeKind, ChangedPath, GitBackend, changed_paths};
pub use overlay::OverlayBackend;
pub use path::{join, normalize, parent};
pub use subdir::SubdirBackend;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// Errors from reading a snapshot.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: no such file or directory in {snapshot}")]
    NotFound { snapshot: String, path: String },
    #[error("{path}: is a directory, not a file, in {snapshot}")]
    IsDir { snapshot: String, path: String },
    #[error("{path}: is not a directory in {snapshot}")]
    NotDir { snapshot: String, path: String },
    #[error("{path}: escapes the repository root ({reason}); references must stay inside the repository")]
    Escapes { path: String, reason: String },
    #[error(
        "{path}: git submodules are not supported (in {snapshot}); vendor the content or reference it as a separate repository"
    )]
    Submodule { snapshot: String, path: String },
    #[error("{path}: symlink loop or too many symlink hops in {snapshot}")]
    SymlinkLoop { snapshot: String, path: String },
    #[error("cannot open git repository {repo}: {message}")]
    OpenRepo { repo: String, message: String },
    #[error("cannot resolve revision {rev:?} in {repo}: {message}")]
    Revision { repo: String, rev: String, message: String },
    #[error("git error in {repo}: {message}")]
    Git { repo: String, message: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// What a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntryKind {
    File,
    Dir,
    /// A gitlink (submodule). Reading through it is an error.
    Submodule,
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DirEntry {
    /// The entry's file name (no `/`).
    pub name: String,
    /// What the entry is after resolving symlinks (inside the root).
    pub kind: EntryKind,
    /// True when the entry is a symlink (resolved inside the root).
    pub symlink: bool,
}

/// A storage backend: a git tree or a directory on disk. Implementations resolve symlinks themselves and never
/// leave the root. All paths given are normalised.
pub trait Backend: Send + Sync {
    /// A human label for messages: `git:<repo>@<short sha>` or the directory path.
    fn label(&self) -> String;
    /// What is at `path` (after symlinks), or `None` when nothing is there.
    fn kind(&self, path: &str) -> Result<Option<EntryKind>, SourceError>;
    /// The bytes of the file at `path`.
    fn read(&self, path: &str) -> Result<Vec<u8>, SourceError>;
    /// The entries of directory `path`, sorted by name. A directory snapshot leaves out `.git`.
    fn list(&self, path: &str) -> Result<Vec<DirEntry>, SourceError>;
}

/// Everything a snapshot was asked: a render's dependency set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Access {
    /// Files read (and paths probed for existence, whether or not they exist).
    pub reads: BTreeSet<String>,
    /// Directories listed.
    pub lists: BTreeSet<String>,
}

impl Access {
    /// True when any change to `path` (an edit, or the file appearing or disappearing) could change what was
    /// observed: the path was read, or a directory above it was listed (a new file can create the directories
    /// between, so every listed ancestor sees a new entry).
    pub fn touches(&self, path: &str) -> bool {
        self.reads.contains(path) || self.listed_ancestor(path)
    }

    /// [`Access::touches`] knowing what the change was: an edit in place changes no listing but its directory's
    /// (a file's mode or type may show there), so only additions and deletions reach further up.
    pub fn touches_change(&self, change: &ChangedPath) -> bool {
        match change.kind {
            ChangeKind::Modified => self.reads.contains(&change.path) || self.lists.contains(parent(&change.path)),
            ChangeKind::Added | ChangeKind::Deleted => self.touches(&change.path),
        }
    }

    fn listed_ancestor(&self, path: &str) -> bool {
        let mut d = parent(path);
        loop {
            if self.lists.contains(d) {
                return true;
            }
            if d.is_empty() {
                return false;
            }
            d = parent(d);
        }
    }
}

/// A read-only file tree at one revision. Cheap to clone; [`Snapshot::fork`] gives a view over the same tree with
/// a fresh access log (one per render).
#[derive(Clone)]
pub struct Snapshot {
    backend: Arc<dyn Backend>,
    log: Arc<Mutex<Access>>,
    /// Results derived from file contents (parsed YAML, say), shared by every fork of the same tree.
    memo: Arc<Mutex<std::collections::HashMap<String, Arc<dyn std::any::Any + Send + Sync>>>>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot").field("label", &self.backend.label()).finish()
    }
}

impl Snapshot {
    pub fn new(backend: Arc<dyn Backend>) -> Self {
        Snapshot { backend, log: Arc::new(Mutex::new(Access::default())), memo: Arc::default() }
    }

    /// A value derived from this tree's content and stored under `key` by [`Snapshot::memo_put`]. The caller
    /// still records the reads it stands for ([`Snapshot::record_read`]).
    pub fn memo<T: std::any::Any + Send + Sync>(&self, key: &str) -> Option<Arc<T>> {
        let m = self.memo.lock().ok()?;
        m.get(key).cloned().and_then(|v| v.downcast::<T>().ok())
    }

    pub fn memo_put<T: std::any::Any + Send + Sync>(&self, key: String, value: Arc<T>) {
        if let Ok(mut m) = self.memo.lock() {
            m.insert(key, value);
        }
    }

    /// Record a read without reading (the content came from the memo).
    pub fn record_read(&self, path: &str) {
        self.record(|a| {
            a.reads.insert(path.to_string());
        });
    }

    /// A snapshot of a directory on disk.
    pub fn dir(root: impl Into<std::path::PathBuf>) -> Result<Self, SourceError> {
        Ok(Self::new(Arc::new(DirBackend::open(root.into())?)))
    }

    /// A snapshot of a directory that does not change while it is read (one run of the CLI): lookups are
    /// remembered.
    pub fn dir_cached(root: impl Into<std::path::PathBuf>) -> Result<Self, SourceError> {
        Ok(Self::new(Arc::new(DirBackend::open_cached(root.into())?)))
    }

    /// A snapshot of a git revision (`main`, `v1.2`, a full or short SHA, `HEAD~1`, …) of a bare or non-bare
    /// repository.
    pub fn git(repo: impl AsRef<std::path::Path>, rev: &str) -> Result<Self, SourceError> {
        Ok(Self::new(Arc::new(GitBackend::open(repo.as_ref(), rev)?)))
    }

    /// The subdirectory `prefix` (normalised) of this snapshot's tree as a snapshot of its own.
    pub fn subdir(&self, prefix: &str) -> Result<Self, SourceError> {
        if prefix.is_empty() {
            return Ok(self.fork());
        }
        Ok(Self::new(Arc::new(SubdirBackend::new(self.backend.clone(), prefix.to_string())?)))
    }

    /// The same tree with `files` replaced or added in memory.
    pub fn with_files(&self, files: std::collections::BTreeMap<String, Vec<u8>>) -> Self {
        // The memo is shared: its users key entries by content, so replaced files cannot collide.
        Snapshot { memo: self.memo.clone(), ..Self::new(Arc::new(OverlayBackend::new(self.backend.clone(), files))) }
    }

    /// Same tree, fresh access log.
    pub fn fork(&self) -> Self {
        Snapshot {
            backend: self.backend.clone(),
            log: Arc::new(Mutex::new(Access::default())),
            memo: self.memo.clone(),
        }
    }

    pub fn label(&self) -> String {
        self.backend.label()
    }

    fn record(&self, f: impl FnOnce(&mut Access)) {
        if let Ok(mut log) = self.log.lock() {
            f(&mut log);
        }
    }

    /// What is at `path`; recorded as a read.
    pub fn kind(&self, path: &str) -> Result<Option<EntryKind>, SourceError> {
        self.record(|a| {
            a.reads.insert(path.to_string());
        });
        self.backend.kind(path)
    }

    pub fn exists(&self, path: &str) -> Result<bool, SourceError> {
        Ok(self.kind(path)?.is_some())
    }

    pub fn is_dir(&self, path: &str) -> Result<bool, SourceError> {
        Ok(self.kind(path)? == Some(EntryKind::Dir))
    }

    pub fn is_file(&self, path: &str) -> Result<bool, SourceError> {
        Ok(self.kind(path)? == Some(EntryKind::File))
    }

    /// The bytes of a file; recorded as a read.
    pub fn read(&self, path: &str) -> Result<Vec<u8>, SourceError> {
        self.record(|a| {
            a.reads.insert(path.to_string());
        });
        self.backend.read(path)
    }

    /// A file as UTF-8 text (invalid UTF-8 is an `Io` error of kind `InvalidData`).
    pub fn read_string(&self, path: &str) -> Result<String, SourceError> {
        let bytes = self.read(path)?;
        String::from_utf8(bytes).map_err(|e| SourceError::Io {
            path: path.to_string(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        })
    }

    /// A directory's entries, sorted by name; recorded as a listing.
    pub fn list(&self, path: &str) -> Result<Vec<DirEntry>, SourceError> {
        self.record(|a| {
            a.lists.insert(path.to_string());
        });
        self.backend.list(path)
    }

    /// Every file below `dir` (recursively, sorted, symlinked directories followed inside the root, submodules
    /// skipped and returned separately).
    pub fn walk(&self, dir: &str) -> Result<Walk, SourceError> {
        let mut out = Walk::default();
        let mut stack = vec![dir.to_string()];
        let mut seen = BTreeSet::new();
        while let Some(d) = stack.pop() {
            if !seen.insert(d.clone()) || seen.len() > 100_000 {
                continue;
            }
            for e in self.list(&d)? {
                let p = join(&d, &e.name).map_err(|reason| SourceError::Escapes { path: e.name.clone(), reason })?;
                match e.kind {
                    EntryKind::File => out.files.push(p),
                    // A symlinked directory is not descended into: a link to an ancestor would never end.
                    EntryKind::Dir if e.symlink => out.symlinked_dirs.push(p),
                    EntryKind::Dir => stack.push(p),
                    EntryKind::Submodule => out.submodules.push(p),
                }
            }
        }
        out.files.sort();
        out.submodules.sort();
        Ok(out)
    }

    /// What this snapshot (this fork) was asked so far.
    pub fn access(&self) -> Access {
        self.log.lock().map(|a| a.clone()).unwrap_or_default()
    }
}

/// The result of [`Snapshot::walk`].
#[derive(Debug, Default, Clone)]
pub struct Walk {
    pub files: Vec<String>,
    pub submodules: Vec<String>,
    /// Symlinks to directories, which the walk does not descend into.
    pub symlinked_dirs: Vec<String>,
}
