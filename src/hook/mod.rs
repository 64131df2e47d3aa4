//! The pre-receive entry point's building blocks: the ref updates git writes on the hook's stdin
//! ([`parse_updates`]) and a view of the repository that includes the pushed objects, which git keeps in a
//! quarantine directory until the hook accepts the push ([`QuarantineView`]), and the hook itself
//! ([`pre_receive`]: settings, checks of each ref update with the repository's pipeline, messages for the client).

mod quarantine;
mod run;

pub use quarantine::QuarantineView;
pub use run::{
    DEFAULT_BUDGET, HookMode, OnInternalError, PreReceiveError, PreReceiveOptions, parse_budget, pre_receive,
};

use std::path::PathBuf;

/// Errors of the pre-receive building blocks.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    #[error(
        "pre-receive input, line {line}: {reason}; git writes `<old-sha> <new-sha> <refname>` lines, is this running as a pre-receive hook?"
    )]
    BadLine { line: usize, reason: String },
    #[error("{path}: {reason}")]
    Quarantine { path: PathBuf, reason: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What a ref is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefType {
    /// `refs/heads/…`
    Branch,
    /// `refs/tags/…`
    Tag,
    /// Anything else (`refs/notes/…`, `refs/pull/…`, …).
    Other,
}

/// What a push does to a ref.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UpdateKind {
    /// The old id is all zeros.
    Create,
    Update,
    /// The new id is all zeros.
    Delete,
}

/// One line of pre-receive input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    /// Old object id (all zeros on create), 40 (SHA-1) or 64 (SHA-256) lowercase hex digits.
    pub old: String,
    /// New object id (all zeros on delete).
    pub new: String,
    /// The full ref name (`refs/heads/main`).
    pub refname: String,
    pub ref_type: RefType,
    pub kind: UpdateKind,
}

impl RefUpdate {
    /// The ref name without `refs/heads/` or `refs/tags/` (the full name for other refs).
    pub fn short_name(&self) -> &str {
        match self.ref_type {
            RefType::Branch => self.refname.strip_prefix("refs/heads/").unwrap_or(&self.refname),
            RefType::Tag => self.refname.strip_prefix("refs/tags/").unwrap_or(&self.refname),
            RefType::Other => &self.refname,
        }
    }
}

/// Parse pre-receive input: one `<old-sha> <new-sha> <refname>` per line. Empty lines are skipped; any other
/// malformed line is an error naming its (1-based) number.
pub fn parse_updates(input: &str) -> Result<Vec<RefUpdate>, HookError> {
    let mut out = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let line_no = i + 1;
        if line.is_empty() {
            continue;
        }
        let bad = |reason: &str| HookError::BadLine { line: line_no, reason: reason.to_string() };
        let mut parts = line.splitn(3, ' ');
        let (Some(old), Some(new), Some(refname)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("expected three space-separated fields"));
        };
        if !is_object_id(old) {
            return Err(bad("the old id is not 40 or 64 lowercase hex digits"));
        }
        if !is_object_id(new) {
            return Err(bad("the new id is not 40 or 64 lowercase hex digits"));
        }
        if old.len() != new.len() {
            return Err(bad("the old and new ids have different lengths (SHA-1 and SHA-256 mixed)"));
        }
        if !refname.starts_with("refs/") || refname.len() == "refs/".len() {
            return Err(bad("the ref name must be a full name starting with `refs/`"));
        }
        if refname.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("the ref name contains whitespace or control characters"));
        }
        let kind = match (is_zero(old), is_zero(new)) {
            (true, true) => return Err(bad("both ids are zero")),
            (true, false) => UpdateKind::Create,
            (false, true) => UpdateKind::Delete,
            (false, false) => UpdateKind::Update,
        };
        let ref_type = if refname.starts_with("refs/heads/") {
            RefType::Branch
        } else if refname.starts_with("refs/tags/") {
            RefType::Tag
        } else {
            RefType::Other
        };
        out.push(RefUpdate {
            old: old.to_string(),
            new: new.to_string(),
            refname: refname.to_string(),
            ref_type,
            kind,
        });
    }
    Ok(out)
}

fn is_object_id(s: &str) -> bool {
    matches!(s.len(), 40 | 64) && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn is_zero(s: &str) -> bool {
    s.bytes().all(|b| b == b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";
    const Z: &str = "0000000000000000000000000000000000000000";

    #[test]
    fn parses_creates_updates_deletes_and_tags() {
        let s256 = "a".repeat(64);
        let z256 = "0".repeat(64);
        let input = format!(
            "{A} {B} refs/heads/main\n{Z} {B} refs/heads/new\n{A} {Z} refs/heads/old\n\n{Z} {A} refs/tags/v1\n{A} {B} refs/notes/commits\n{z256} {s256} refs/heads/sha256\n"
        );
        let u = parse_updates(&input).unwrap();
        let got: Vec<_> = u.iter().map(|u| (u.kind, u.ref_type, u.short_name())).collect();
        assert_eq!(
            got,
            vec![
                (UpdateKind::Update, RefType::Branch, "main"),
                (UpdateKind::Create, RefType::Branch, "new"),
                (UpdateKind::Delete, RefType::Branch, "old"),
                (UpdateKind::Create, RefType::Tag, "v1"),
                (UpdateKind::Update, RefType::Other, "refs/notes/commits"),
                (UpdateKind::Create, RefType::Branch, "sha256"),
            ]
        );
        assert_eq!((u[0].old.as_str(), u[0].new.as_str(), u[0].refname.as_str()), (A, B, "refs/heads/main"));
        assert_eq!(parse_updates("").unwrap(), vec![]);
    }

    #[test]
    fn bad_lines_name_their_line_number() {
        let cases = [
            (format!("{A} {B} refs/heads/ok\n{A} {B}\n"), 2),
            (format!("{A} {B} refs/heads/ok\n\n{A} zzzz refs/heads/x\n"), 3),
            (format!("{} {B} refs/heads/x\n", A.to_uppercase().replace('1', "A")), 1),
            (format!("{A} {} refs/heads/x\n", "b".repeat(64)), 1),
            (format!("{Z} {Z} refs/heads/x\n"), 1),
            (format!("{A} {B} main\n"), 1),
            (format!("{A} {B} refs/heads/a b\n"), 1),
            (format!("{A}  {B} refs/heads/x\n"), 1),
            (format!("{A} {B} refs/\n"), 1),
        ];
        for (input, want) in cases {
            match parse_updates(&input) {
                Err(HookError::BadLine { line, .. }) => assert_eq!(line, want, "{input:?}"),
                other => panic!("{input:?}: {other:?}"),
            }
        }
        let err = parse_updates("x\n").unwrap_err().to_string();
        assert!(err.contains("line 1"), "{err}");
    }
}
