//! Pipeline steps, one module each.

pub mod lint;
