//! Integration tests: one test binary, one module per area. They drive the real `fleetgate` binary, real git and
//! (when installed) `kubectl kustomize`.

mod doubles;
mod examples;
mod fleet;
mod hook;
mod lint_cli;
mod loop_e2e;
mod pipeline;
mod reconcile;
mod render;
mod seal;
mod serve;
mod support;
