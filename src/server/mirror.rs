//! Bare mirrors of the configured repositories under `<dataDir>/mirrors/<repo>.git`, created and fetched with
//! the `git` CLI (`git init --bare`, then `git fetch --prune` of every branch, tag and pull/merge request head
//! from the repository's first URL). A repository without URLs but with a local `path` is read in place and never fetched.
//!
//! Fetches are bounded by a timeout (the `git` child is killed when it runs out) and serialised per repository
//! by a mutex, so concurrent runs of one repository never fetch into the same mirror at once. An https token
//! (`token:` of the repository) reaches git through a credential helper that reads it from the child's
//! environment: it never appears on a command line, in a URL, in a log line or in an error.

use crate::config::{Config, RepoConfig};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// What a fetch mirrors: branches, tags, and pull/merge request heads so that requests from forks can be
/// checked (GitHub `refs/pull`, GitLab `refs/merge-requests`; on other forges these match nothing).
const REFSPECS: [&str; 4] = [
    "+refs/heads/*:refs/heads/*",
    "+refs/tags/*:refs/tags/*",
    "+refs/pull/*/head:refs/pull/*/head",
    "+refs/merge-requests/*/head:refs/merge-requests/*/head",
];

/// The environment variable that carries a repository token to git's credential helper.
const TOKEN_ENV: &str = "FLEETGATE_GIT_TOKEN";

/// Why a repository could not be made available.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    #[error(
        "repository {repo} has neither `urls` nor `path` in the config; list a clone URL so fleetgate can mirror it"
    )]
    NoSource { repo: String },
    #[error("cannot start git to {what} the mirror of {repo} ({path}): {source}; is git installed?")]
    Spawn { repo: String, what: &'static str, path: String, source: std::io::Error },
    #[error("git could not {what} the mirror of {repo} from {url}: {detail}")]
    Git { repo: String, what: &'static str, url: String, detail: String },
    #[error(
        "fetching {repo} from {url} took longer than {secs} s; the fetch was stopped (check the forge and the network)"
    )]
    Timeout { repo: String, url: String, secs: u64 },
}

/// The mirrors of one service.
pub struct Mirrors {
    dir: PathBuf,
    timeout: Duration,
    tokens: HashMap<String, Zeroizing<String>>,
    /// Per repository: serialises fetches and remembers the last successful one.
    state: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Instant>>>>>,
}

impl std::fmt::Debug for Mirrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mirrors")
            .field("dir", &self.dir)
            .field("timeout", &self.timeout)
            .field("tokens", &self.tokens.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Mirrors {
    /// Mirrors under `dir`; `tokens` maps repository names to their https token.
    pub fn new(dir: PathBuf, timeout: Duration, tokens: HashMap<String, Zeroizing<String>>) -> Mirrors {
        Mirrors { dir, timeout, tokens, state: Mutex::new(HashMap::new()) }
    }

    /// Where the mirror of `repo` lives (whether or not it exists yet).
    pub fn mirror_path(&self, repo: &RepoConfig) -> PathBuf {
        self.dir.join(format!("{}.git", repo.name))
    }

    /// Where a run reads `repo`: its mirror when it has URLs and the mirror exists, else its local path.
    pub fn path_of(&self, config: &Config, repo: &RepoConfig) -> Option<PathBuf> {
        if repo.urls.is_empty() {
            return config.repo_path(repo);
        }
        let m = self.mirror_path(repo);
        if m.join("HEAD").is_file() { Some(m) } else { config.repo_path(repo) }
    }

    fn lock_of(&self, name: &str) -> Arc<tokio::sync::Mutex<Option<Instant>>> {
        let mut map = self.state.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(name.to_string()).or_default().clone()
    }

    /// Make `repo` current: fetch its mirror unless the last fetch is younger than `max_age` (`None`: always).
    /// Returns the path runs read it from.
    pub async fn refresh(
        &self,
        config: &Config,
        repo: &RepoConfig,
        max_age: Option<Duration>,
    ) -> Result<PathBuf, MirrorError> {
        let Some(url) = repo.urls.first() else {
            return config.repo_path(repo).ok_or_else(|| MirrorError::NoSource { repo: repo.name.clone() });
        };
        let lock = self.lock_of(&repo.name);
        let mut last = lock.lock().await;
        let path = self.mirror_path(repo);
        if let (Some(age), Some(at)) = (max_age, *last)
            && at.elapsed() < age
            && path.join("HEAD").is_file()
        {
            return Ok(path);
        }
        if !path.join("HEAD").is_file() {
            let parent = path.parent().unwrap_or(Path::new("."));
            tokio::fs::create_dir_all(parent).await.map_err(|source| MirrorError::Spawn {
                repo: repo.name.clone(),
                what: "create",
                path: parent.display().to_string(),
                source,
            })?;
            let mut cmd = tokio::process::Command::new("git");
            cmd.args(["init", "--bare", "--quiet"]).arg(&path);
            self.git(repo, url, "create", cmd, &path).await?;
        }
        let mut cmd = tokio::process::Command::new("git");
        cmd.arg("-C").arg(&path);
        cmd.args(["-c", "credential.helper=", "-c", "core.askPass="]);
        if self.tokens.contains_key(&repo.name) {
            cmd.args([
                "-c",
                &format!(
                    "credential.helper=!f() {{ test \"$1\" = get && echo username=x-access-token && echo \"password=${TOKEN_ENV}\"; }}; f"
                ),
            ]);
        }
        cmd.args(["fetch", "--quiet", "--prune", "--force", "--no-write-fetch-head", "--"]).arg(url).args(REFSPECS);
        self.git(repo, url, "fetch", cmd, &path).await?;
        *last = Some(Instant::now());
        Ok(path)
    }

    async fn git(
        &self,
        repo: &RepoConfig,
        url: &str,
        what: &'static str,
        mut cmd: tokio::process::Command,
        path: &Path,
    ) -> Result<(), MirrorError> {
        cmd.env("GIT_TERMINAL_PROMPT", "0")
            .env_remove("GIT_DIR")
            .env_remove("GIT_OBJECT_DIRECTORY")
            .env_remove("GIT_ALTERNATE_OBJECT_DIRECTORIES")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        if let Some(token) = self.tokens.get(&repo.name) {
            cmd.env(TOKEN_ENV, token.as_str());
        }
        let spawn_err =
            |source| MirrorError::Spawn { repo: repo.name.clone(), what, path: path.display().to_string(), source };
        let child = cmd.spawn().map_err(spawn_err)?;
        let out = match tokio::time::timeout(self.timeout, child.wait_with_output()).await {
            Ok(r) => r.map_err(spawn_err)?,
            Err(_) => {
                return Err(MirrorError::Timeout {
                    repo: repo.name.clone(),
                    url: url.to_string(),
                    secs: self.timeout.as_secs(),
                });
            }
        };
        if out.status.success() {
            return Ok(());
        }
        let mut detail = String::from_utf8_lossy(&out.stderr).trim().to_string();
        if let Some(token) = self.tokens.get(&repo.name)
            && !token.is_empty()
        {
            detail = detail.replace(token.as_str(), "***");
        }
        if detail.len() > 2000 {
            let mut cut = 2000;
            while !detail.is_char_boundary(cut) {
                cut -= 1;
            }
            detail.truncate(cut);
        }
        Err(MirrorError::Git { repo: repo.name.clone(), what, url: url.to_string(), detail })
    }
}

/// The commit `rev` names in the git repository at `path` (full hex id).
pub fn resolve_commit(path: &Path, rev: &str) -> Result<String, String> {
    let repo = gix::open(path).map_err(|e| format!("cannot open the git repository {}: {e}", path.display()))?;
    let spec = format!("{rev}^{{commit}}");
    let id = repo
        .rev_parse_single(spec.as_str())
        .map_err(|e| format!("revision {rev:?} is not a commit in {}: {e}", path.display()))?;
    Ok(id.detach().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) -> String {
        let o = std::process::Command::new("git")
            .args(["-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "T")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "T")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }

    fn repo_config(name: &str, url: &str) -> RepoConfig {
        serde_json::from_value(serde_json::json!({"name": name, "role": "system", "urls": [url]})).unwrap()
    }

    #[tokio::test]
    async fn mirrors_a_file_url_and_follows_new_commits() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        std::fs::create_dir_all(&src).unwrap();
        git(&src, &["init", "-q"]);
        std::fs::write(src.join("a.txt"), "1").unwrap();
        git(&src, &["add", "-A"]);
        git(&src, &["commit", "-qm", "one"]);
        let first = git(&src, &["rev-parse", "HEAD"]);
        let url = format!("file://{}", src.display());
        let repo = repo_config("r", &url);
        let config = Config::default();
        let m = Mirrors::new(tmp.path().join("mirrors"), Duration::from_secs(30), HashMap::new());
        let path = m.refresh(&config, &repo, None).await.unwrap();
        assert_eq!(path, tmp.path().join("mirrors/r.git"));
        assert_eq!(resolve_commit(&path, "refs/heads/main").unwrap(), first);
        std::fs::write(src.join("a.txt"), "2").unwrap();
        git(&src, &["commit", "-qam", "two"]);
        let second = git(&src, &["rev-parse", "HEAD"]);
        // A recent fetch is reused within max_age…
        m.refresh(&config, &repo, Some(Duration::from_secs(60))).await.unwrap();
        assert_eq!(resolve_commit(&path, "refs/heads/main").unwrap(), first);
        // …and a forced one sees the new commit.
        m.refresh(&config, &repo, None).await.unwrap();
        assert_eq!(resolve_commit(&path, "refs/heads/main").unwrap(), second);
        assert_eq!(m.path_of(&config, &repo), Some(path.clone()));
        assert!(resolve_commit(&path, "0123456789012345678901234567890123456789").is_err());
    }

    #[tokio::test]
    async fn a_bad_url_fails_with_git_message_and_no_token() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = repo_config("r", &format!("file://{}/missing.git", tmp.path().display()));
        let tokens = HashMap::from([("r".to_string(), Zeroizing::new("tok-secret-123".to_string()))]);
        let m = Mirrors::new(tmp.path().join("mirrors"), Duration::from_secs(30), tokens);
        let err = m.refresh(&Config::default(), &repo, None).await.unwrap_err();
        let text = err.to_string();
        assert!(text.contains("could not fetch the mirror of r"), "{text}");
        assert!(!text.contains("tok-secret-123") && !format!("{m:?}").contains("tok-secret-123"), "{text}");
    }
}
