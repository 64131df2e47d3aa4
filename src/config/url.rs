//! Git URL normalisation, so that the many spellings of one repository compare equal.

/// A parsed git URL: lower-cased host (with a non-default port) and the repository path without `.git`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GitUrl {
    pub host: String,
    pub path: String,
}

impl GitUrl {
    /// Parse `https://[user@]host[:port]/path[.git]`, `http://…`, `ssh://[user@]host[:port]/path`, `git://…`,
    /// scp-like `[user@]host:path` and `file:///path`.
    pub fn parse(url: &str) -> Option<GitUrl> {
        let url = url.trim();
        if url.is_empty() || url.chars().any(char::is_whitespace) {
            return None;
        }
        let (host, path) = if let Some((scheme, rest)) = url.split_once("://") {
            let scheme = scheme.to_ascii_lowercase();
            if scheme == "file" {
                return Some(GitUrl { host: String::new(), path: clean_path(rest)? });
            }
            if !matches!(scheme.as_str(), "https" | "http" | "ssh" | "git" | "git+ssh" | "ssh+git") {
                return None;
            }
            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
            let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            let hostport = hostport.to_ascii_lowercase();
            let default_port = match scheme.as_str() {
                "https" => ":443",
                "http" => ":80",
                "git" => ":9418",
                _ => ":22",
            };
            let host = hostport.strip_suffix(default_port).unwrap_or(&hostport).to_string();
            (host, path)
        } else {
            // scp-like: [user@]host:path (a colon before any slash).
            let colon = url.find(':')?;
            if url[..colon].contains('/') {
                return None;
            }
            let hostpart = &url[..colon];
            let host = hostpart.rsplit_once('@').map_or(hostpart, |(_, h)| h).to_ascii_lowercase();
            (host, &url[colon + 1..])
        };
        if host.is_empty() {
            return None;
        }
        Some(GitUrl { host, path: clean_path(path)? })
    }

    /// `host/path`, the comparison key.
    pub fn key(&self) -> String {
        if self.host.is_empty() { self.path.clone() } else { format!("{}/{}", self.host, self.path) }
    }
}

fn clean_path(path: &str) -> Option<String> {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path).trim_end_matches('/');
    if path.is_empty() { None } else { Some(path.to_string()) }
}

/// The comparison key of a git URL (`host/org/repo`). A reference that is not a URL but a single token — the
/// placeholders of template repositories, such as `REPO_PREFIX/gitops-system` — compares literally (without a
/// trailing `.git` or `/`). `None` for an empty string or one with whitespace.
pub fn normalize_git_url(url: &str) -> Option<String> {
    if let Some(u) = GitUrl::parse(url) {
        return Some(u.key());
    }
    let t = url.trim();
    if t.is_empty() || t.chars().any(char::is_whitespace) || t.contains("://") {
        return None;
    }
    let t = t.trim_end_matches('/');
    Some(format!("literal:{}", t.strip_suffix(".git").unwrap_or(t)))
}

#[cfg(test)]
mod tests {
    use super::normalize_git_url as n;

    #[test]
    fn spellings_of_one_repo_compare_equal() {
        let want = Some("github.com/org/repo".to_string());
        for u in [
            "https://github.com/org/repo",
            "https://github.com/org/repo.git",
            "https://GitHub.com/org/repo.git/",
            "https://user:token@github.com:443/org/repo.git",
            "ssh://git@github.com/org/repo.git",
            "ssh://git@github.com:22/org/repo",
            "git@github.com:org/repo.git",
            "github.com:org/repo",
        ] {
            assert_eq!(n(u), want, "{u}");
        }
        assert_eq!(n("ssh://git@github.com:2222/org/repo").as_deref(), Some("github.com:2222/org/repo"));
        assert_ne!(n("https://github.com/org/Repo"), want, "paths stay case-sensitive");
        assert_eq!(n("file:///srv/git/repo.git").as_deref(), Some("srv/git/repo"));
        assert_eq!(n("not a url"), None);
        assert_eq!(n("https://github.com/"), None);
        assert_eq!(n("ftp://x/y"), None);
        assert_eq!(n(""), None);
        assert_eq!(n("REPO_PREFIX/gitops-system.git").as_deref(), Some("literal:REPO_PREFIX/gitops-system"));
        assert_eq!(n("REPO_PREFIX/gitops-system"), n("REPO_PREFIX/gitops-system/"));
    }
}
