//! Pipeline steps, one file each.
