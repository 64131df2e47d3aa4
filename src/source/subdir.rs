//! A subdirectory of another backend as a snapshot of its own (a repository that lives inside a bigger tree).

use super::{Backend, DirEntry, EntryKind, SourceError};
use std::sync::Arc;

pub struct SubdirBackend {
    inner: Arc<dyn Backend>,
    prefix: String,
}

impl SubdirBackend {
    /// `prefix` is a normalised path inside `inner`; it must be a directory.
    pub fn new(inner: Arc<dyn Backend>, prefix: String) -> Result<Self, SourceError> {
        match inner.kind(&prefix)? {
            Some(EntryKind::Dir) => Ok(SubdirBackend { inner, prefix }),
            Some(_) => Err(SourceError::NotDir { snapshot: inner.label(), path: prefix }),
            None => Err(SourceError::NotFound { snapshot: inner.label(), path: prefix }),
        }
    }

    fn full(&self, path: &str) -> String {
        match (self.prefix.is_empty(), path.is_empty()) {
            (true, _) => path.to_string(),
            (false, true) => self.prefix.clone(),
            (false, false) => format!("{}/{}", self.prefix, path),
        }
    }

    fn strip(&self, err: SourceError) -> SourceError {
        let fix = |p: String| match p.strip_prefix(&format!("{}/", self.prefix)) {
            Some(rest) => rest.to_string(),
            None => p,
        };
        match err {
            SourceError::NotFound { snapshot, path } => {
                SourceError::NotFound { snapshot: self.label_of(snapshot), path: fix(path) }
            }
            SourceError::IsDir { snapshot, path } => {
                SourceError::IsDir { snapshot: self.label_of(snapshot), path: fix(path) }
            }
            SourceError::NotDir { snapshot, path } => {
                SourceError::NotDir { snapshot: self.label_of(snapshot), path: fix(path) }
            }
            other => other,
        }
    }

    fn label_of(&self, inner: String) -> String {
        format!("{inner}:{}", self.prefix)
    }
}

impl Backend for SubdirBackend {
    fn label(&self) -> String {
        self.label_of(self.inner.label())
    }
    fn kind(&self, path: &str) -> Result<Option<EntryKind>, SourceError> {
        self.inner.kind(&self.full(path)).map_err(|e| self.strip(e))
    }
    fn read(&self, path: &str) -> Result<Vec<u8>, SourceError> {
        self.inner.read(&self.full(path)).map_err(|e| self.strip(e))
    }
    fn list(&self, path: &str) -> Result<Vec<DirEntry>, SourceError> {
        self.inner.list(&self.full(path)).map_err(|e| self.strip(e))
    }
}
