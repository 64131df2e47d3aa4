//! Kustomize v5.5, natively: the kustomization schema, the renderer, and the byte-exact YAML printer.

pub mod fieldcase;
pub mod fieldpath;
pub mod generate;
pub mod openapi;
pub mod patch;
pub mod replacements;
pub mod types;
pub mod vars;
pub mod yaml11;

pub use types::{KUSTOMIZATION_FILES, Kustomization, KustomizationError};
pub mod build;
pub mod fieldspec;
pub mod resource;
pub mod transform;

pub use build::{LoadRestrictor, Options, RenderError, Rendered, Reorder, build, build_tracked};

/// True for references kustomize would fetch from the network (URLs, `github.com/…`, `git@…`, `?ref=`).
pub fn is_remote(value: &str) -> bool {
    value.contains("://")
        || value.starts_with("git@")
        || value.contains("?ref=")
        || ["github.com/", "gitlab.com/", "bitbucket.org/"].iter().any(|h| value.starts_with(h))
}

/// A parsed YAML node as the value kustomize holds (yaml.v3 typing, then Go's JSON round trip).
pub fn value_of(node: &crate::manifest::Node) -> serde_json::Value {
    emit::node_to_value(node)
}
pub mod conformance;
pub mod emit;
