//! A git revision's tree, read through gix, as a snapshot backend; changed paths between revisions.
//! (stub: to be implemented)

use super::{Backend, DirEntry, EntryKind, SourceError};
use std::path::Path;

pub struct GitBackend {
    label: String,
}

impl GitBackend {
    /// Open `repo` (bare or non-bare, or any path inside a work tree) at revision `rev`.
    pub fn open(repo: &Path, rev: &str) -> Result<Self, SourceError> {
        let _ = (repo, rev);
        todo!()
    }

    /// The full hex id of the commit this snapshot is at.
    pub fn commit_id(&self) -> String {
        todo!()
    }
}

impl Backend for GitBackend {
    fn label(&self) -> String {
        self.label.clone()
    }
    fn kind(&self, _path: &str) -> Result<Option<EntryKind>, SourceError> {
        todo!()
    }
    fn read(&self, _path: &str) -> Result<Vec<u8>, SourceError> {
        todo!()
    }
    fn list(&self, _path: &str) -> Result<Vec<DirEntry>, SourceError> {
        todo!()
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
/// zeros (a new branch) compares against the empty tree.
pub fn changed_paths(repo: &Path, base: &str, head: &str) -> Result<Vec<ChangedPath>, SourceError> {
    let _ = (repo, base, head);
    todo!()
}
