//! The webhook service: request verification and payload parsing (routes, the durable queue, the run store and
//! metrics are added here too).
//!
//! - [`verify`]: authenticates a delivery (GitHub/Gitea HMAC-SHA256 signatures, GitLab tokens) in constant time.
//! - [`webhook`]: turns an authenticated delivery's headers and body into a [`webhook::Delivery`].

pub mod verify;
pub mod webhook;
