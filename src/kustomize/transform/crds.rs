//! `crds:` files: CustomResourceDefinitions whose schemas declare references to other objects.

use super::super::build::{RenderError, err};
use super::super::fieldspec::TransformerConfig;
use crate::manifest::{self, Limits};

/// Read a `crds:` file. kustomize derives name-reference field specs from `x-kubernetes-object-ref-kind`
/// annotations in legacy OpenAPI definitions; such files are parsed and validated here, and contribute nothing
/// else yet.
pub fn merge_crd_config(path: &str, text: &str, _config: &mut TransformerConfig) -> Result<(), RenderError> {
    manifest::parse(path, text, &Limits::default()).map_err(|e| err(e.to_string()))?;
    Ok(())
}
