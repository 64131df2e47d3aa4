//! The webhook service: request verification and payload parsing, the durable run queue and run store, the
//! HTTP routes, workers and metrics.
//!
//! - [`verify`]: authenticates a delivery (GitHub/Gitea HMAC-SHA256 signatures, GitLab tokens) in constant time.
//! - [`webhook`]: turns an authenticated delivery's headers and body into a [`webhook::Delivery`].
//! - [`store`]: the SQLite queue and run store (deduplication, coalescing, crash recovery).
//! - [`service`]: accepting deliveries (enqueue) and the workers that execute runs.
//! - [`http`]: the warp routes; [`mirror`]: bare mirrors of the repositories; [`metrics`]: Prometheus metrics.

pub mod effects;
pub mod http;
pub mod metrics;
pub mod mirror;
pub mod service;
pub mod store;
pub mod verify;
pub mod webhook;
