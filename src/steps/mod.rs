//! Pipeline steps, one module each.

pub mod lint;
pub mod seal_check;
