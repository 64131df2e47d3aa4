//! Kustomize: the kustomization file schema (as kustomize v5.5 reads it) and, later, the native renderer.

pub mod patch;
pub mod types;
pub mod yaml11;

pub use types::{KUSTOMIZATION_FILES, Kustomization, KustomizationError};
