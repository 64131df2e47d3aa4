//! A git directory that sees the objects of a push in progress.
//!
//! During `pre-receive`, git keeps the pushed objects in a quarantine directory (`GIT_OBJECT_DIRECTORY`, also
//! `GIT_QUARANTINE_PATH`) and lists the repository's real object directory in `GIT_ALTERNATE_OBJECT_DIRECTORIES`.
//! gix ignores both variables, so [`QuarantineView`] builds a temporary bare git directory whose
//! `objects/info/alternates` lists the quarantine directory, the real object directory, every entry of
//! `GIT_ALTERNATE_OBJECT_DIRECTORIES` and the real repository's own alternates. Opening that directory with
//! gix reads the pushed objects. Nothing is ever written into the quarantine directory (git moves it into the
//! repository when the push is accepted) nor into the repository.

use super::HookError;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The repository as the hook should read it. Dropping the view removes its temporary directory.
#[derive(Debug)]
pub struct QuarantineView {
    path: PathBuf,
    /// The temporary git directory, when one was needed.
    temp: Option<TempDir>,
}

impl QuarantineView {
    /// A view of the repository at `git_dir` (the hook's `$GIT_DIR`) including the objects of the push in
    /// progress. `env` reads an environment variable (`|k| std::env::var(k).ok()` in the hook). When neither
    /// `GIT_OBJECT_DIRECTORY` nor `GIT_QUARANTINE_PATH` is set, the view is the repository itself.
    ///
    /// Relative paths in the variables are taken relative to the current directory, as git does (a
    /// pre-receive hook runs in `$GIT_DIR`).
    pub fn open(git_dir: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<QuarantineView, HookError> {
        let var = |name: &str| env(name).filter(|v| !v.is_empty());
        let mut quarantine: Vec<PathBuf> = Vec::new();
        for name in ["GIT_OBJECT_DIRECTORY", "GIT_QUARANTINE_PATH"] {
            if let Some(v) = var(name) {
                let dir = absolute(Path::new(&v))?;
                if !dir.is_dir() {
                    return Err(HookError::Quarantine {
                        path: dir,
                        reason: format!(
                            "{name} names a directory that does not exist; run fleetgate from git's pre-receive hook or unset {name}"
                        ),
                    });
                }
                push_unique(&mut quarantine, dir);
            }
        }
        if quarantine.is_empty() {
            return Ok(QuarantineView { path: git_dir.to_path_buf(), temp: None });
        }

        let git_dir = absolute(git_dir)?;
        let common = common_dir(&git_dir)?;
        let real_objects = common.join("objects");
        if !real_objects.is_dir() {
            return Err(HookError::Quarantine {
                path: real_objects,
                reason: "the repository has no object directory; give the hook's $GIT_DIR".to_string(),
            });
        }

        let mut alternates = quarantine;
        push_unique(&mut alternates, real_objects.clone());
        if let Some(v) = var("GIT_ALTERNATE_OBJECT_DIRECTORIES") {
            for entry in parse_alternates(v.as_bytes(), b':') {
                let dir = absolute(&entry)?;
                if dir.is_dir() {
                    push_unique(&mut alternates, dir);
                }
            }
        }
        let info_alternates = real_objects.join("info").join("alternates");
        match std::fs::read(&info_alternates) {
            Ok(content) => {
                for entry in parse_alternates(&content, b'\n') {
                    let dir = if entry.is_absolute() { entry } else { real_objects.join(entry) };
                    if dir.is_dir() {
                        push_unique(&mut alternates, dir);
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(HookError::Io { path: info_alternates, source }),
        }

        let config = view_config(&common.join("config"))?;
        let temp = tempfile::Builder::new()
            .prefix("fleetgate-quarantine-")
            .tempdir()
            .map_err(|source| HookError::Io { path: std::env::temp_dir(), source })?;
        let root = temp.path().to_path_buf();
        for dir in ["refs/heads", "refs/tags", "objects/info", "objects/pack"] {
            let path = root.join(dir);
            std::fs::create_dir_all(&path).map_err(|source| HookError::Io { path, source })?;
        }
        let mut list = Vec::new();
        for dir in &alternates {
            list.extend_from_slice(&alternates_line(dir));
            list.push(b'\n');
        }
        write(&root.join("HEAD"), b"ref: refs/heads/main\n")?;
        write(&root.join("config"), config.as_bytes())?;
        write(&root.join("objects/info/alternates"), &list)?;
        tracing::debug!(view = %root.display(), alternates = alternates.len(), "quarantine view created");
        Ok(QuarantineView { path: root, temp: Some(temp) })
    }

    /// The git directory to open (with gix, [`crate::source::Snapshot::git`], …).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True when the view adds a quarantine directory (false: [`Self::path`] is the repository itself).
    pub fn is_quarantined(&self) -> bool {
        self.temp.is_some()
    }
}

fn absolute(path: &Path) -> Result<PathBuf, HookError> {
    std::path::absolute(path).map_err(|source| HookError::Io { path: path.to_path_buf(), source })
}

fn push_unique(list: &mut Vec<PathBuf>, dir: PathBuf) {
    if !list.contains(&dir) {
        list.push(dir);
    }
}

fn write(path: &Path, content: &[u8]) -> Result<(), HookError> {
    std::fs::write(path, content).map_err(|source| HookError::Io { path: path.to_path_buf(), source })
}

/// The repository's common directory: `git_dir`, or what its `commondir` file names (a linked worktree).
fn common_dir(git_dir: &Path) -> Result<PathBuf, HookError> {
    let file = git_dir.join("commondir");
    match std::fs::read_to_string(&file) {
        Ok(s) => {
            let named = Path::new(s.trim_end_matches(['\n', '\r']));
            Ok(if named.is_absolute() { named.to_path_buf() } else { git_dir.join(named) })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(git_dir.to_path_buf()),
        Err(source) => Err(HookError::Io { path: file, source }),
    }
}

/// The view's config: a bare repository with the real one's format version and object format.
fn view_config(real_config: &Path) -> Result<String, HookError> {
    let bad = |reason: String| HookError::Quarantine { path: real_config.to_path_buf(), reason };
    let (version, format) = if real_config.is_file() {
        let file = gix::config::File::from_path_no_includes(real_config.to_path_buf(), gix::config::Source::Local)
            .map_err(|e| bad(format!("cannot read the repository's config: {e}")))?;
        let version = file
            .integer("core.repositoryformatversion")
            .map_err(|e| bad(format!("core.repositoryFormatVersion: {e}")))?
            .unwrap_or(0);
        let format = file.string("extensions.objectformat").map(|s| s.to_string());
        (version, format)
    } else {
        (0, None)
    };
    if !(0..=1).contains(&version) {
        return Err(bad(format!("core.repositoryFormatVersion {version} is not supported (0 or 1)")));
    }
    let mut out = format!("[core]\n\trepositoryformatversion = {version}\n\tbare = true\n");
    if let Some(format) = format {
        if !format.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(bad(format!("extensions.objectFormat {format:?} is not an object format")));
        }
        out.push_str(&format!("[extensions]\n\tobjectformat = {format}\n"));
    }
    Ok(out)
}

/// Entries of an alternates list separated by `sep` (`:` in `GIT_ALTERNATE_OBJECT_DIRECTORIES`, newline in
/// `objects/info/alternates`), with git's rules: an entry starting with `#` is a comment, one starting with `"`
/// is C-quoted (broken quoting falls back to the raw entry), empty entries are skipped, trailing `/` removed.
fn parse_alternates(input: &[u8], sep: u8) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut rest = input;
    while !rest.is_empty() {
        let until_sep = rest.iter().position(|&b| b == sep).unwrap_or(rest.len());
        let (entry, consumed) = if rest[0] == b'#' {
            (None, until_sep)
        } else if let Some((unquoted, consumed)) = rest.first().filter(|&&b| b == b'"').and_then(|_| unquote_c(rest)) {
            (Some(unquoted), consumed)
        } else {
            (Some(rest[..until_sep].to_vec()), until_sep)
        };
        // Skip the separator (or, after a quoted entry, whatever single byte follows it).
        rest = &rest[(consumed + 1).min(rest.len())..];
        let Some(mut entry) = entry else { continue };
        while entry.len() > 1 && entry.last() == Some(&b'/') {
            entry.pop();
        }
        if !entry.is_empty() {
            out.push(path_from_bytes(entry));
        }
    }
    out
}

#[cfg(unix)]
fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
}

/// Undo git's C-style quoting of `input` (which starts with `"`): the unquoted bytes and the number of input
/// bytes up to and including the closing quote, or `None` when the quoting is broken.
fn unquote_c(input: &[u8]) -> Option<(Vec<u8>, usize)> {
    let mut out = Vec::new();
    let mut i = 1;
    loop {
        let b = *input.get(i)?;
        i += 1;
        match b {
            b'"' => return Some((out, i)),
            b'\\' => {
                let e = *input.get(i)?;
                i += 1;
                let byte = match e {
                    b'a' => 0x07,
                    b'b' => 0x08,
                    b'f' => 0x0c,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'v' => 0x0b,
                    b'\\' => b'\\',
                    b'"' => b'"',
                    b'0'..=b'3' => {
                        let d1 = *input.get(i)?;
                        let d2 = *input.get(i + 1)?;
                        if !(b'0'..=b'7').contains(&d1) || !(b'0'..=b'7').contains(&d2) {
                            return None;
                        }
                        i += 2;
                        ((e - b'0') << 6) | ((d1 - b'0') << 3) | (d2 - b'0')
                    }
                    _ => return None,
                };
                out.push(byte);
            }
            _ => out.push(b),
        }
    }
}

/// One line of the view's `objects/info/alternates`: the path as is, or C-quoted when it contains a line break
/// or starts with a character the parser treats specially.
fn alternates_line(dir: &Path) -> Vec<u8> {
    let bytes = dir.as_os_str().as_encoded_bytes();
    let needs_quote = bytes.iter().any(|&b| b == b'\n' || b == b'\r') || matches!(bytes.first(), Some(b'"' | b'#'));
    if !needs_quote {
        return bytes.to_vec();
    }
    let mut out = vec![b'"'];
    for &b in bytes {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..0x20 | 0x7f => out.extend_from_slice(format!("\\{b:03o}").as_bytes()),
            _ => out.push(b),
        }
    }
    out.push(b'"');
    out
}

#[cfg(test)]
#[path = "quarantine_tests.rs"]
mod tests;
