//! Kubernetes objects: a document with apiVersion, kind and metadata.name. (stub: to be implemented)

use super::node::{Node, Pos};
use super::parse::Document;

/// An object's identity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct ObjectId {
    /// API group (`""` for the core group).
    pub group: String,
    pub version: String,
    pub kind: String,
    /// `None` when the object names no namespace.
    pub namespace: Option<String>,
    pub name: String,
}

/// A Kubernetes object read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub id: ObjectId,
    pub file: String,
    pub pos: Pos,
    pub doc_index: usize,
    pub root: Node,
}

/// Why a document is not a Kubernetes object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{}:{}: {message}", pos.line, pos.col)]
pub struct ObjectError {
    pub file: String,
    pub pos: Pos,
    pub doc_index: usize,
    pub message: String,
}

/// Turn documents into objects; each document that is not an object yields an error instead. A `List`
/// (`kind: List` or `*List` with `items`) is expanded into its items.
pub fn objects_from_documents(file: &str, docs: Vec<Document>) -> Vec<Result<Object, ObjectError>> {
    let _ = (file, docs);
    todo!()
}
