//! YAML documents with positions, and Kubernetes objects.
//!
//! [`parse`] turns a multi-document YAML stream into [`Node`] trees that remember where every node came from
//! (1-based line and column). Duplicate mapping keys are errors; size, nesting depth and alias expansion are
//! bounded by [`Limits`]. Scalars keep their source text and style; typing (bool, int, null, …) is decided on
//! demand by the caller, because kustomize and Kubernetes disagree with YAML 1.2 on what `yes`, `y` or `0777` are.

mod node;
mod object;
mod parse;
#[cfg(test)]
mod tests;

pub use node::{Node, NodeKind, PathSeg, Pos, Scalar, ScalarStyle};
pub use object::{Object, ObjectError, ObjectId, objects_from_documents};
pub use parse::{Document, Limits, YamlError, parse};
