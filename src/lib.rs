//! fleetgate: guards the GitOps repositories of Kubernetes fleets.
//!
//! Module arrows point one way: `cli/server/hook → pipeline → steps → fleet → kustomize → manifest → source`
//! (see DESIGN.md).

pub mod cli;
pub mod cluster;
pub mod config;
pub mod fleet;
pub mod forge;
pub mod glob;
pub mod hook;
pub mod kustomize;
pub mod manifest;
pub mod pipeline;
pub mod server;
pub mod source;
pub mod steps;
pub mod workspace;
