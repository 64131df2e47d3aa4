//! A directory on disk as a snapshot backend, and the symlink resolution both backends share.
//!
//! Symlinks are never followed by the operating system: every path is resolved one name at a time
//! (`lstat`-style), a symlink's target is spliced in relative to the link's own directory, and a target that is
//! absolute or climbs above the root is an [`SourceError::Escapes`] error. More than [`MAX_HOPS`] symlinks in
//! one resolution is a [`SourceError::SymlinkLoop`].
//!
//! Listing rules (the same for the git backend):
//! - a dangling symlink (or one whose target names a path under a file) is left out, like a missing file;
//! - a symlink that escapes the root or loops is *listed* as a [`EntryKind::File`], so that whoever reads it
//!   gets the `Escapes` / `SymlinkLoop` error instead of the entry vanishing silently; `kind` and `read` on it
//!   are errors;
//! - names that are not UTF-8 are left out, and so is `.git` at any depth (git never tracks it);
//! - on disk, a subdirectory that holds a `.git` (a checked-out submodule or a nested repository) is reported
//!   as [`EntryKind::Submodule`], as git reports a gitlink; other special files (fifos, sockets, devices) are
//!   left out.

use super::{Backend, DirEntry, EntryKind, SourceError};
use std::collections::VecDeque;
use std::fs;
use std::path::{Path, PathBuf};

/// Most symlinks followed while resolving one path (the Linux limit).
pub(super) const MAX_HOPS: usize = 40;

/// One directory entry as stored, before symlinks are followed.
#[derive(Clone)]
pub(super) enum Raw<D, F> {
    File(F),
    Dir(D),
    /// A symbolic link, with its target's raw bytes.
    Link(Vec<u8>),
    /// A gitlink (submodule).
    Submodule,
}

/// One looked-up entry, `None` when absent.
pub(super) type Found<D, F> = Option<Raw<D, F>>;
/// A directory's raw entries with their names.
pub(super) type RawEntries<D, F> = Vec<(String, Raw<D, F>)>;

/// Storage the resolver walks one name at a time.
pub(super) trait RawTree {
    /// A handle on a directory whose path holds no symlinks.
    type Dir: Clone;
    /// A handle on a regular file.
    type File;
    fn label(&self) -> String;
    fn root(&self) -> Self::Dir;
    /// The entry `name` of `dir` (`path` is its repository path, for messages), `None` when absent.
    fn lookup(&self, dir: &Self::Dir, name: &str, path: &str) -> Result<Found<Self::Dir, Self::File>, SourceError>;
    /// All entries of `dir` (`path` is its repository path, for messages), in any order.
    fn entries(&self, dir: &Self::Dir, path: &str) -> Result<RawEntries<Self::Dir, Self::File>, SourceError>;
}

/// What a path resolves to.
pub(super) enum Resolved<D, F> {
    /// Nothing there (a missing name, or a dangling symlink).
    Missing,
    /// A component before the last one is a file; the string is that file's (physical) path.
    NotDir(String),
    File(F),
    /// A directory, with its physical path (its repository path with all symlinks resolved).
    Dir(D, String),
    /// The last component is a gitlink at this physical path.
    Submodule(String),
}

fn join_phys(stack: &[(String, impl Sized)], name: &str) -> String {
    let mut out = String::new();
    for (seg, _) in stack {
        out.push_str(seg);
        out.push('/');
    }
    out.push_str(name);
    out
}

/// Resolve `path` (normalised, repository-relative) inside `tree`, following symlinks within the root.
pub(super) fn resolve<T: RawTree>(tree: &T, path: &str) -> Result<Resolved<T::Dir, T::File>, SourceError> {
    let root = tree.root();
    // Resolved physical directories below the root: (name, handle).
    let mut stack: Vec<(String, T::Dir)> = Vec::new();
    // Names still to resolve, each with the index (into `links`) of the symlink whose target it came from.
    let mut pending: VecDeque<(String, Option<usize>)> = path.split('/').map(|s| (s.to_string(), None)).collect();
    // Symlinks followed so far: (physical path of the link, target).
    let mut links: Vec<(String, String)> = Vec::new();
    while let Some((seg, origin)) = pending.pop_front() {
        match seg.as_str() {
            "" | "." => continue,
            ".." => {
                if stack.pop().is_none() {
                    let reason = match origin.and_then(|i| links.get(i)) {
                        Some((link, target)) => {
                            format!("symlink {link} -> {target} leads above the root")
                        }
                        None => "the path leads above the root".to_string(),
                    };
                    return Err(SourceError::Escapes { path: path.to_string(), reason });
                }
                continue;
            }
            // Git never tracks `.git`; on disk it is the repository's own data.
            ".git" => return Ok(Resolved::Missing),
            _ => {}
        }
        let here = join_phys(&stack, &seg);
        let last = pending.iter().all(|(s, _)| s.is_empty() || s == ".");
        let dir = match stack.last() {
            Some((_, d)) => d.clone(),
            None => root.clone(),
        };
        match tree.lookup(&dir, &seg, &here)? {
            None => return Ok(Resolved::Missing),
            Some(Raw::Dir(d)) => stack.push((seg, d)),
            Some(Raw::File(f)) => {
                return Ok(if last { Resolved::File(f) } else { Resolved::NotDir(here) });
            }
            Some(Raw::Submodule) => {
                if last {
                    return Ok(Resolved::Submodule(here));
                }
                return Err(SourceError::Submodule { snapshot: tree.label(), path: here });
            }
            Some(Raw::Link(target)) => {
                if links.len() >= MAX_HOPS {
                    return Err(SourceError::SymlinkLoop { snapshot: tree.label(), path: path.to_string() });
                }
                // A target that is not UTF-8 names something no listing shows: treat it as dangling.
                let Ok(target) = String::from_utf8(target) else {
                    return Ok(Resolved::Missing);
                };
                if target.is_empty() {
                    return Ok(Resolved::Missing);
                }
                if target.starts_with('/') {
                    return Err(SourceError::Escapes {
                        path: path.to_string(),
                        reason: format!("symlink {here} points to the absolute path {target}"),
                    });
                }
                let idx = links.len();
                for s in target.split('/').rev() {
                    pending.push_front((s.to_string(), Some(idx)));
                }
                links.push((here, target));
            }
        }
    }
    let phys = join_phys(&stack, "");
    let phys = phys.strip_suffix('/').unwrap_or(&phys).to_string();
    Ok(match stack.pop() {
        Some((_, d)) => Resolved::Dir(d, phys),
        None => Resolved::Dir(root, phys),
    })
}

/// `kind` on any backend.
pub(super) fn kind_of<T: RawTree>(tree: &T, path: &str) -> Result<Option<EntryKind>, SourceError> {
    Ok(match resolve(tree, path)? {
        Resolved::Missing | Resolved::NotDir(_) => None,
        Resolved::File(_) => Some(EntryKind::File),
        Resolved::Dir(..) => Some(EntryKind::Dir),
        Resolved::Submodule(_) => Some(EntryKind::Submodule),
    })
}

/// The file handle for `read` on any backend, or the error saying why there is none.
pub(super) fn file_of<T: RawTree>(tree: &T, path: &str) -> Result<T::File, SourceError> {
    match resolve(tree, path)? {
        Resolved::File(f) => Ok(f),
        Resolved::Missing => Err(SourceError::NotFound { snapshot: tree.label(), path: path.to_string() }),
        Resolved::NotDir(p) => Err(SourceError::NotDir { snapshot: tree.label(), path: p }),
        Resolved::Dir(..) => Err(SourceError::IsDir { snapshot: tree.label(), path: path.to_string() }),
        Resolved::Submodule(p) => Err(SourceError::Submodule { snapshot: tree.label(), path: p }),
    }
}

/// `list` on any backend: entries after symlinks, sorted by name (see the module docs for what is left out).
pub(super) fn list_of<T: RawTree>(tree: &T, path: &str) -> Result<Vec<DirEntry>, SourceError> {
    let (dir, phys) = match resolve(tree, path)? {
        Resolved::Dir(d, phys) => (d, phys),
        Resolved::Missing => {
            return Err(SourceError::NotFound { snapshot: tree.label(), path: path.to_string() });
        }
        Resolved::NotDir(p) => {
            return Err(SourceError::NotDir { snapshot: tree.label(), path: p });
        }
        Resolved::File(_) => {
            return Err(SourceError::NotDir { snapshot: tree.label(), path: path.to_string() });
        }
        Resolved::Submodule(p) => {
            return Err(SourceError::Submodule { snapshot: tree.label(), path: p });
        }
    };
    let mut out = Vec::new();
    for (name, raw) in tree.entries(&dir, &phys)? {
        if name == ".git" {
            continue;
        }
        let symlink = matches!(raw, Raw::Link(_));
        let kind = match raw {
            Raw::File(_) => EntryKind::File,
            Raw::Dir(_) => EntryKind::Dir,
            Raw::Submodule => EntryKind::Submodule,
            Raw::Link(_) => {
                let link = if phys.is_empty() { name.clone() } else { format!("{phys}/{name}") };
                match resolve(tree, &link) {
                    Ok(Resolved::File(_)) => EntryKind::File,
                    Ok(Resolved::Dir(..)) => EntryKind::Dir,
                    Ok(Resolved::Submodule(_)) => EntryKind::Submodule,
                    Ok(Resolved::Missing | Resolved::NotDir(_)) => continue,
                    // Listed so that reading it reports the problem (see the module docs).
                    Err(SourceError::Escapes { .. } | SourceError::SymlinkLoop { .. }) => EntryKind::File,
                    Err(e) => return Err(e),
                }
            }
        };
        out.push(DirEntry { name, kind, symlink });
    }
    out.sort();
    Ok(out)
}

/// A directory on disk.
/// Remembered lookups: a physical path and what is there.
type LookupCache = std::sync::Mutex<std::collections::HashMap<PathBuf, Option<Raw<PathBuf, PathBuf>>>>;

pub struct DirBackend {
    root: PathBuf,
    /// With [`DirBackend::open_cached`]: what each path is, looked up once (for one-shot runs over a tree
    /// that does not change meanwhile).
    cache: Option<LookupCache>,
}

impl DirBackend {
    /// Open the directory `root` (canonicalised; an error when it is missing or not a directory).
    pub fn open(root: PathBuf) -> Result<Self, SourceError> {
        let canon =
            fs::canonicalize(&root).map_err(|source| SourceError::Io { path: root.display().to_string(), source })?;
        let meta =
            fs::metadata(&canon).map_err(|source| SourceError::Io { path: canon.display().to_string(), source })?;
        if !meta.is_dir() {
            return Err(SourceError::Io {
                path: canon.display().to_string(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotADirectory,
                    "not a directory; give the directory that holds the repository's files",
                ),
            });
        }
        Ok(DirBackend { root: canon, cache: None })
    }

    /// [`DirBackend::open`], remembering every lookup: faster for a run that reads a tree that does not change
    /// while it runs.
    pub fn open_cached(root: PathBuf) -> Result<Self, SourceError> {
        let mut b = Self::open(root)?;
        b.cache = Some(std::sync::Mutex::default());
        Ok(b)
    }

    /// The canonical root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn io(&self, path: &str, source: std::io::Error) -> SourceError {
        SourceError::Io { path: format!("{} (in {})", display_path(path), self.root.display()), source }
    }

    /// Classify `full` (whose parent directory holds no symlinks) without following it.
    fn classify(
        &self,
        full: PathBuf,
        ft: fs::FileType,
        path: &str,
    ) -> Result<Option<Raw<PathBuf, PathBuf>>, SourceError> {
        if ft.is_symlink() {
            let target = fs::read_link(&full).map_err(|e| self.io(path, e))?;
            return Ok(Some(Raw::Link(target.into_os_string().into_encoded_bytes())));
        }
        if ft.is_dir() {
            // An unreadable directory is a directory: reading into it reports the real error.
            return Ok(Some(match fs::symlink_metadata(full.join(".git")) {
                Ok(_) => Raw::Submodule,
                Err(_) => Raw::Dir(full),
            }));
        }
        if ft.is_file() {
            return Ok(Some(Raw::File(full)));
        }
        Ok(None)
    }
}

fn display_path(path: &str) -> &str {
    if path.is_empty() { "." } else { path }
}

impl RawTree for DirBackend {
    type Dir = PathBuf;
    type File = PathBuf;

    fn label(&self) -> String {
        self.root.display().to_string()
    }

    fn root(&self) -> PathBuf {
        self.root.clone()
    }

    fn lookup(&self, dir: &PathBuf, name: &str, path: &str) -> Result<Option<Raw<PathBuf, PathBuf>>, SourceError> {
        let full = dir.join(name);
        if let Some(hit) = self.cache.as_ref().and_then(|c| c.lock().ok()).and_then(|c| c.get(&full).cloned()) {
            return Ok(hit);
        }
        let found = match fs::symlink_metadata(&full) {
            Ok(meta) => self.classify(full.clone(), meta.file_type(), path),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) => Ok(None),
            Err(e) => Err(self.io(path, e)),
        }?;
        if let Some(mut c) = self.cache.as_ref().and_then(|c| c.lock().ok()) {
            c.insert(full, found.clone());
        }
        Ok(found)
    }

    fn entries(&self, dir: &PathBuf, path: &str) -> Result<Vec<(String, Raw<PathBuf, PathBuf>)>, SourceError> {
        let mut out = Vec::new();
        let rd = fs::read_dir(dir).map_err(|e| self.io(path, e))?;
        for entry in rd {
            let entry = entry.map_err(|e| self.io(path, e))?;
            let Ok(name) = entry.file_name().into_string() else {
                continue; // not UTF-8: cannot be named by a repository path
            };
            if name == ".git" {
                continue;
            }
            let child = if path.is_empty() { name.clone() } else { format!("{path}/{name}") };
            let ft = entry.file_type().map_err(|e| self.io(&child, e))?;
            if let Some(raw) = self.classify(entry.path(), ft, &child)? {
                out.push((name, raw));
            }
        }
        Ok(out)
    }
}

impl Backend for DirBackend {
    fn label(&self) -> String {
        RawTree::label(self)
    }

    fn kind(&self, path: &str) -> Result<Option<EntryKind>, SourceError> {
        kind_of(self, path)
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, SourceError> {
        let file = file_of(self, path)?;
        fs::read(&file).map_err(|e| self.io(path, e))
    }

    fn list(&self, path: &str) -> Result<Vec<DirEntry>, SourceError> {
        list_of(self, path)
    }
}
