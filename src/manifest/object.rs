//! Kubernetes objects: a document with apiVersion, kind and metadata.name.
//!
//! Rules:
//! - the root must be a mapping with non-empty string `apiVersion`, `kind` and `metadata.name` (a plain scalar
//!   counts as a string unless it is null, so `name: 1` is the name `"1"`);
//! - `apiVersion` is split on its last `/` into group and version (`v1` → group `""`);
//! - the namespace is `metadata.namespace` when it is a non-null, non-empty string, else `None`;
//! - `metadata.generateName` without `metadata.name` is refused (names must be known before applying);
//! - `kind: List`, or any kind ending in `List` that has an `items` sequence, is expanded into its items, each
//!   checked the same way (and expanded again if it is itself a list); the list itself needs no name.
//!
//! Errors point at the most precise node: the offending field when it exists, else the mapping that lacks it.
//! Messages number documents and items from 1.

use super::node::{Node, NodeKind, Pos};
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
    let mut out = Vec::with_capacity(docs.len());
    for doc in docs {
        let what = format!("document {}", doc.index.saturating_add(1));
        collect(file, doc.index, &what, doc.root, &mut out);
    }
    out
}

fn collect(file: &str, doc_index: usize, what: &str, root: Node, out: &mut Vec<Result<Object, ObjectError>>) {
    let fail = |pos: Pos, problem: String| ObjectError {
        file: file.to_string(),
        pos,
        doc_index,
        message: format!("{what} is not a Kubernetes object: {problem}"),
    };
    if let Some(items_at) = list_items(&root) {
        let NodeKind::Map(entries) = root.kind else {
            return;
        };
        let Some((_, items)) = entries.into_iter().nth(items_at) else {
            return;
        };
        let NodeKind::Seq(items) = items.kind else {
            return;
        };
        for (i, item) in items.into_iter().enumerate() {
            let what = format!("{what}, item {}", i.saturating_add(1));
            collect(file, doc_index, &what, item, out);
        }
        return;
    }
    if root.str_at(&["kind"]) == Some("List") {
        let pos = root.get("items").map_or(root.pos, |n| n.pos);
        out.push(Err(fail(pos, "kind List needs an `items` sequence of objects".to_string())));
        return;
    }
    out.push(identify(&root, &fail).map(|id| Object { id, file: file.to_string(), pos: root.pos, doc_index, root }));
}

/// The index of the `items` entry when `root` is a list (`kind: List`, or `*List` with an `items` sequence).
fn list_items(root: &Node) -> Option<usize> {
    let kind = root.str_at(&["kind"])?;
    if !kind.ends_with("List") {
        return None;
    }
    root.as_map()?.iter().position(|(k, v)| k.scalar_text() == Some("items") && v.as_seq().is_some())
}

/// A required non-empty string field of `map`.
fn required<'n>(
    map: &'n Node,
    key: &str,
    display: &str,
    fail: &dyn Fn(Pos, String) -> ObjectError,
) -> Result<&'n str, ObjectError> {
    match map.get(key) {
        None => Err(fail(map.pos, format!("missing {display}"))),
        Some(v) => match v.as_str() {
            Some(s) if !s.is_empty() => Ok(s),
            Some(_) => Err(fail(v.pos, format!("{display} is empty"))),
            None => Err(fail(v.pos, format!("{display} must be a non-empty string, found a {}", v.type_name()))),
        },
    }
}

fn identify(root: &Node, fail: &dyn Fn(Pos, String) -> ObjectError) -> Result<ObjectId, ObjectError> {
    if root.as_map().is_none() {
        return Err(fail(
            root.pos,
            format!("it is a {}, not a mapping with apiVersion, kind and metadata.name", root.type_name()),
        ));
    }
    let api_version = required(root, "apiVersion", "apiVersion", fail)?;
    let kind = required(root, "kind", "kind", fail)?;
    let Some(metadata) = root.get("metadata") else {
        return Err(fail(root.pos, "missing metadata.name".to_string()));
    };
    if metadata.as_map().is_none() {
        return Err(fail(
            metadata.pos,
            format!("missing metadata.name: metadata is a {}, not a mapping", metadata.type_name()),
        ));
    }
    if metadata.get("name").is_none()
        && let Some(generate) = metadata.get("generateName")
    {
        return Err(fail(
            generate.pos,
            "missing metadata.name: metadata.generateName is not supported, set metadata.name".to_string(),
        ));
    }
    let name = required(metadata, "name", "metadata.name", fail)?;
    let namespace = match metadata.get("namespace") {
        None => None,
        Some(ns) if ns.is_null() => None,
        Some(ns) => match ns.as_str() {
            Some("") => None,
            Some(s) => Some(s.to_string()),
            None => {
                return Err(fail(ns.pos, format!("metadata.namespace must be a string, found a {}", ns.type_name())));
            }
        },
    };
    let (group, version) = match api_version.rsplit_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    };
    if version.is_empty() || (group.is_empty() && api_version.contains('/')) {
        let pos = root.get("apiVersion").map_or(root.pos, |n| n.pos);
        return Err(fail(pos, format!("apiVersion {api_version:?} is not `version` or `group/version`")));
    }
    Ok(ObjectId {
        group: group.to_string(),
        version: version.to_string(),
        kind: kind.to_string(),
        namespace,
        name: name.to_string(),
    })
}
