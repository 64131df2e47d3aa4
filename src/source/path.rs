//! Repository-relative path arithmetic that can never leave the root.

/// Normalise a repository-relative path: `\` is not a separator, `.` segments and empty segments vanish, `..`
/// pops a segment. A leading `/` is an error, as is a `..` that would leave the root.
pub fn normalize(path: &str) -> Result<String, String> {
    if path.starts_with('/') {
        return Err(format!("absolute path {path:?}"));
    }
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if out.pop().is_none() {
                    return Err(format!("{path:?} goes above the repository root"));
                }
            }
            s => out.push(s),
        }
    }
    Ok(out.join("/"))
}

/// Join `rel` onto directory `base` (both repository-relative) and normalise.
pub fn join(base: &str, rel: &str) -> Result<String, String> {
    if rel.starts_with('/') {
        return Err(format!("absolute path {rel:?}"));
    }
    if base.is_empty() { normalize(rel) } else { normalize(&format!("{base}/{rel}")) }
}

/// The parent directory of a normalised path (`""` for top-level entries and for the root).
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => &path[..i],
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_and_rejects_escapes() {
        assert_eq!(normalize("a/./b//c/../d").unwrap(), "a/b/d");
        assert_eq!(normalize("").unwrap(), "");
        assert!(normalize("../x").is_err());
        assert!(normalize("a/../../x").is_err());
        assert!(normalize("/etc/passwd").is_err());
        assert_eq!(join("apps/base", "../x").unwrap(), "apps/x");
        assert!(join("apps", "../../../etc/passwd").is_err());
        assert_eq!(parent("a/b/c"), "a/b");
        assert_eq!(parent("a"), "");
    }
}
