//! fleetgate: guards the GitOps repositories of Kubernetes fleets.
//!
//! Module arrows point one way: `cli → steps → manifest → source` (see DESIGN.md).

pub mod cli;
pub mod config;
pub mod fleet;
pub mod glob;
pub mod kustomize;
pub mod manifest;
pub mod server;
pub mod source;
pub mod steps;
pub mod workspace;
