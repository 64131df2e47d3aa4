//! A directory on disk as a snapshot backend. (stub: to be implemented)

use super::{Backend, DirEntry, EntryKind, SourceError};
use std::path::PathBuf;

pub struct DirBackend {
    root: PathBuf,
}

impl DirBackend {
    pub fn open(root: PathBuf) -> Result<Self, SourceError> {
        Ok(DirBackend { root })
    }
}

impl Backend for DirBackend {
    fn label(&self) -> String {
        self.root.display().to_string()
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
