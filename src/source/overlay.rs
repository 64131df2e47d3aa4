//! A snapshot with some files replaced or added in memory (the kustomization file Flux's kustomize-controller
//! rewrites before building, say). Reads of a replaced path still count as reads of that path.

use super::{Backend, DirEntry, EntryKind, SourceError, parent};
use std::collections::BTreeMap;
use std::sync::Arc;

pub struct OverlayBackend {
    inner: Arc<dyn Backend>,
    files: BTreeMap<String, Vec<u8>>,
}

impl OverlayBackend {
    /// `files`: normalised paths and their content; their parent directories must exist in `inner`.
    pub fn new(inner: Arc<dyn Backend>, files: BTreeMap<String, Vec<u8>>) -> Self {
        OverlayBackend { inner, files }
    }
}

impl Backend for OverlayBackend {
    fn label(&self) -> String {
        self.inner.label()
    }
    fn kind(&self, path: &str) -> Result<Option<EntryKind>, SourceError> {
        if self.files.contains_key(path) {
            return Ok(Some(EntryKind::File));
        }
        self.inner.kind(path)
    }
    fn read(&self, path: &str) -> Result<Vec<u8>, SourceError> {
        match self.files.get(path) {
            Some(b) => Ok(b.clone()),
            None => self.inner.read(path),
        }
    }
    fn list(&self, path: &str) -> Result<Vec<DirEntry>, SourceError> {
        let mut entries = self.inner.list(path)?;
        for f in self.files.keys().filter(|f| parent(f) == path) {
            let name = f.rsplit('/').next().unwrap_or(f).to_string();
            if !entries.iter().any(|e| e.name == name) {
                entries.push(DirEntry { name, kind: EntryKind::File, symlink: false });
            }
        }
        entries.sort();
        Ok(entries)
    }
}
