//! The webhook service: routes, webhook verification and parsing, the durable run queue and run store, metrics.

pub mod store;
