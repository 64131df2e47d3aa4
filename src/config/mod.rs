//! `fleetgate.yaml`: the repositories of an estate, cluster discovery, lint settings and secret references.
//!
//! Loading validates everything up front and reports each mistake with its field path and line
//! (`fleetgate.yaml:7:11: repos[1].role: unknown variant "sytem", expected one of system, workloads, app`).

mod url;

pub use url::{GitUrl, normalize_git_url};

use crate::manifest::{self, Limits, Node, PathSeg};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The file name looked for in a directory when no `--config` is given.
pub const CONFIG_FILE: &str = "fleetgate.yaml";

/// A mistake in the configuration, with the field it concerns.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {file}: {source}")]
    Read { file: String, source: std::io::Error },
    #[error(transparent)]
    Yaml(#[from] manifest::YamlError),
    #[error("{file}:{line}:{col}: {field}: {message}")]
    Invalid { file: String, line: u32, col: u32, field: String, message: String },
}

/// What a repository is in the estate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Cluster entrypoints, cluster definitions, tools (`gitops-system`).
    System,
    /// Which app runs on which cluster (`gitops-workloads`).
    Workloads,
    /// An application's manifests (`base/`, `overlays/<env>/`).
    App,
}

/// One repository of the estate.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RepoConfig {
    /// Unique name, used in reports and pipelines.
    pub name: String,
    pub role: Role,
    /// Clone URLs by which manifests refer to this repository (https, ssh, scp-like, file).
    #[serde(default)]
    pub urls: Vec<String>,
    #[serde(default = "default_branch")]
    pub default_branch: String,
    /// Local path (a directory, or a git work tree or bare repository), relative to the config file.
    #[serde(default)]
    pub path: Option<String>,
    /// The secret holding a token to fetch this repository over https.
    #[serde(default)]
    pub token: Option<String>,
    /// The repository on the forge (`owner/name` on GitHub, the project path or id on GitLab), for comments and
    /// statuses; by default the path of its first https URL.
    #[serde(default)]
    pub forge_project: Option<String>,
}

fn default_branch() -> String {
    "main".to_string()
}

/// Directories of a repository that are cluster entrypoints.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterRoots {
    pub repo: String,
    /// Globs (`*` matches one path segment, `**` any number) of plain kustomization directories.
    pub paths: Vec<String>,
    /// The cluster's name when `paths` names one directory (an Argo CD hub's bootstrap, say); by default a
    /// directory's last segment names its cluster.
    #[serde(default)]
    pub cluster: Option<String>,
}

/// One Argo CD destination cluster.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ArgoCluster {
    pub name: String,
    pub server: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// How clusters and their sync roots are found.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterConfig {
    /// Plain kustomization directories that are clusters, besides `clusters/<name>/flux-system` entrypoints.
    #[serde(default)]
    pub roots: Vec<ClusterRoots>,
    /// Globs of directories that are templates, not clusters.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Flux `spec.kubeConfig.secretRef` → cluster name, as `namespace/secret: cluster`. Unlisted secrets map by
    /// the Crossplane / Cluster API convention (`<cluster>-kubeconfig`, `<cluster>-conn`, …).
    #[serde(default)]
    pub kube_config_secrets: BTreeMap<String, String>,
    /// Argo CD clusters, for the `clusters` generator and `destination.name`.
    #[serde(default)]
    pub argocd: Vec<ArgoCluster>,
    /// How to reach each cluster for reconcile: `kubeconfig: {path, context}`, `inCluster: true`, or
    /// `secret: {via, namespace, name, key}` (a kubeconfig in a Secret on a management cluster).
    #[serde(default)]
    pub access: crate::cluster::AccessConfig,
}

/// The `server:` section: `fleetgate serve`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServerConfig {
    /// Address to listen on.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// The service's external URL, for links to runs in statuses and comments.
    #[serde(default)]
    pub public_url: Option<String>,
    /// Largest webhook body accepted, in bytes.
    #[serde(default = "default_body_limit")]
    pub body_limit: u64,
    /// Runs executed at the same time.
    #[serde(default = "default_workers")]
    pub workers: usize,
    /// Most queued runs.
    #[serde(default = "default_queue_limit")]
    pub queue_limit: u64,
    /// Webhook secrets, each the name of a secret under `secrets:`.
    #[serde(default)]
    pub webhooks: WebhookSecrets,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: default_listen(),
            public_url: None,
            body_limit: default_body_limit(),
            workers: default_workers(),
            queue_limit: default_queue_limit(),
            webhooks: WebhookSecrets::default(),
        }
    }
}

fn default_listen() -> String {
    "127.0.0.1:8080".to_string()
}
fn default_body_limit() -> u64 {
    25 * 1024 * 1024
}
fn default_workers() -> usize {
    2
}
fn default_queue_limit() -> u64 {
    10_000
}

/// Secret names for each provider's webhooks.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WebhookSecrets {
    /// The HMAC secret of GitHub webhooks (`X-Hub-Signature-256`).
    #[serde(default)]
    pub github: Option<String>,
    /// The token of GitLab webhooks (`X-Gitlab-Token`).
    #[serde(default)]
    pub gitlab: Option<String>,
    /// The HMAC secret of Gitea webhooks (`X-Gitea-Signature`).
    #[serde(default)]
    pub gitea: Option<String>,
}

/// The `reconcile:` section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReconcileConfig {
    /// Plan and report, patch nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Clusters patched at the same time.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Seconds allowed per cluster.
    #[serde(default = "default_cluster_timeout")]
    pub timeout_seconds: u64,
}

impl Default for ReconcileConfig {
    fn default() -> Self {
        ReconcileConfig {
            dry_run: false,
            concurrency: default_concurrency(),
            timeout_seconds: default_cluster_timeout(),
        }
    }
}

fn default_concurrency() -> usize {
    8
}
fn default_cluster_timeout() -> u64 {
    30
}

/// Lint settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LintConfig {
    /// Flux sources defined outside every configured repository, as `Kind/namespace/name`.
    #[serde(default)]
    pub external_sources: Vec<String>,
    /// Globs of repository paths lint skips (besides dot-directories and Helm chart directories).
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Rule ids to turn off.
    #[serde(default)]
    pub disable: Vec<String>,
}

/// Where a secret value comes from. Exactly one field is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SecretRef {
    /// An environment variable's name.
    #[serde(default)]
    pub env: Option<String>,
    /// A file path (relative to the config file).
    #[serde(default)]
    pub file: Option<String>,
    /// An AWS Secrets Manager secret.
    #[serde(default)]
    pub aws: Option<AwsSecretRef>,
}

/// An AWS Secrets Manager secret, optionally one JSON key of its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AwsSecretRef {
    pub secret_id: String,
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
}

/// Where runs and the queue are stored.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StoreConfig {
    /// Data directory (SQLite file, mirrors), relative to the config file.
    #[serde(default)]
    pub data_dir: Option<String>,
}

/// The whole `fleetgate.yaml`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Config {
    pub repos: Vec<RepoConfig>,
    #[serde(default)]
    pub clusters: ClusterConfig,
    #[serde(default)]
    pub lint: LintConfig,
    #[serde(default)]
    pub secrets: BTreeMap<String, SecretRef>,
    #[serde(default)]
    pub store: StoreConfig,
    /// A folder of pipeline files, relative to the config file; by default `pipelines/` beside it when it
    /// exists, else the built-in default pipelines.
    #[serde(default)]
    pub pipelines: Option<String>,
    #[serde(default)]
    pub server: ServerConfig,
    /// Where pull request comments and commit statuses go.
    #[serde(default)]
    pub forge: Option<crate::forge::ForgeConfig>,
    #[serde(default)]
    pub reconcile: ReconcileConfig,
    /// Seal-check settings: cluster groups and their sealing keys, paths allowed to hold plaintext Secrets.
    #[serde(default)]
    pub seal_check: crate::steps::seal_check::SealCheckConfig,
    /// The directory the config file is in; relative paths resolve against it.
    #[serde(skip)]
    pub base_dir: PathBuf,
    /// The config file, for messages.
    #[serde(skip)]
    pub file: String,
}

impl Config {
    /// Read and validate a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { file: file.clone(), source })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::parse(&file, &text, &base)
    }

    /// Parse and validate config text; `base_dir` is where relative paths resolve.
    pub fn parse(file: &str, text: &str, base_dir: &Path) -> Result<Config, ConfigError> {
        let docs = manifest::parse(file, text, &Limits::default())?;
        let root = match docs.as_slice() {
            [one] => &one.root,
            [] => {
                return Err(invalid(file, None, "", "the file is empty; it needs at least `repos:`"));
            }
            [_, second, ..] => {
                return Err(invalid(file, Some(second.root.pos), "", "expected one YAML document, found several"));
            }
        };
        let mut config: Config = from_node(file, root)?;
        config.base_dir = base_dir.to_path_buf();
        config.file = file.to_string();
        config.validate(root)?;
        Ok(config)
    }

    fn validate(&self, root: &Node) -> Result<(), ConfigError> {
        let file = self.file.as_str();
        let at = |path: &str| Some(root.pos_of_path(&parse_field_path(path)));
        if self.repos.is_empty() {
            return Err(invalid(file, at("repos"), "repos", "list at least one repository"));
        }
        let mut names = BTreeSet::new();
        let mut urls: BTreeMap<String, String> = BTreeMap::new();
        for (i, repo) in self.repos.iter().enumerate() {
            let field = format!("repos[{i}]");
            if !valid_name(&repo.name) {
                return Err(invalid(
                    file,
                    at(&format!("{field}.name")),
                    &format!("{field}.name"),
                    &format!("{:?} is not a valid name: use letters, digits, '-', '_' and '.'", repo.name),
                ));
            }
            if !names.insert(repo.name.as_str()) {
                return Err(invalid(
                    file,
                    at(&format!("{field}.name")),
                    &format!("{field}.name"),
                    &format!("repository name {:?} is used twice; names must be unique", repo.name),
                ));
            }
            for (j, u) in repo.urls.iter().enumerate() {
                let f = format!("{field}.urls[{j}]");
                let key = normalize_git_url(u).ok_or_else(|| {
                    invalid(
                        file,
                        at(&f),
                        &f,
                        &format!("{u:?} is not a git URL (use https://host/org/repo.git, ssh://git@host/org/repo.git or git@host:org/repo.git)"),
                    )
                })?;
                if let Some(other) = urls.insert(key, repo.name.clone())
                    && other != repo.name
                {
                    return Err(invalid(file, at(&f), &f, &format!("{u:?} is also a URL of repository {other:?}")));
                }
            }
            if let Some(p) = &repo.path {
                let full = self.base_dir.join(p);
                if !full.exists() {
                    return Err(invalid(
                        file,
                        at(&format!("{field}.path")),
                        &format!("{field}.path"),
                        &format!("{} does not exist (paths are relative to the config file)", full.display()),
                    ));
                }
            }
            if let Some(t) = &repo.token
                && !self.secrets.contains_key(t)
            {
                let f = format!("{field}.token");
                return Err(invalid(file, at(&f), &f, &format!("no secret named {t:?} under `secrets:`")));
            }
        }
        for (i, roots) in self.clusters.roots.iter().enumerate() {
            if !names.contains(roots.repo.as_str()) {
                let f = format!("clusters.roots[{i}].repo");
                return Err(invalid(file, at(&f), &f, &format!("no repository named {:?} under `repos:`", roots.repo)));
            }
        }
        for (i, s) in self.lint.external_sources.iter().enumerate() {
            if s.split('/').count() != 3 || s.split('/').any(str::is_empty) {
                let f = format!("lint.externalSources[{i}]");
                return Err(invalid(file, at(&f), &f, &format!("{s:?} should be Kind/namespace/name")));
            }
        }
        let mut secret_refs: Vec<(String, &String)> = Vec::new();
        if let Some(f) = &self.forge {
            secret_refs.push(("forge.token".to_string(), &f.token));
        }
        for (k, v) in [
            ("github", &self.server.webhooks.github),
            ("gitlab", &self.server.webhooks.gitlab),
            ("gitea", &self.server.webhooks.gitea),
        ] {
            if let Some(v) = v {
                secret_refs.push((format!("server.webhooks.{k}"), v));
            }
        }
        for (f, name) in secret_refs {
            if !self.secrets.contains_key(name.as_str()) {
                return Err(invalid(file, at(&f), &f, &format!("no secret named {name:?} under `secrets:`")));
            }
        }
        if self.server.workers == 0 || self.server.workers > 64 {
            return Err(invalid(file, at("server.workers"), "server.workers", "use 1 to 64 workers"));
        }
        for (cluster, a) in &self.clusters.access {
            if let crate::cluster::ClusterAccess::Secret(s) = a
                && !self.clusters.access.contains_key(&s.via)
            {
                let f = format!("clusters.access.{cluster}.secret.via");
                return Err(invalid(file, at(&f), &f, &format!("no cluster {:?} under clusters.access", s.via)));
            }
        }
        for (name, r) in &self.secrets {
            let f = format!("secrets.{name}");
            let set = [r.env.is_some(), r.file.is_some(), r.aws.is_some()].iter().filter(|b| **b).count();
            if set != 1 {
                return Err(invalid(file, at(&f), &f, "set exactly one of `env`, `file` or `aws`"));
            }
        }
        Ok(())
    }

    /// A secret's value, by its name under `secrets:` (env, file or AWS Secrets Manager).
    pub fn secret(&self, name: &str) -> Result<zeroize::Zeroizing<String>, String> {
        let r = self.secrets.get(name).ok_or_else(|| format!("no secret named {name:?} under `secrets:`"))?;
        let aws = match &r.aws {
            Some(_) => Some(crate::steps::seal_check::aws::SecretsManager::new(Default::default())?),
            None => None,
        };
        crate::steps::seal_check::config::read_secret_ref(
            self,
            r,
            aws.as_ref().map(|m| m as &dyn crate::steps::seal_check::AwsFetch),
        )
        .map(|(_, _, text)| zeroize::Zeroizing::new(text.trim_end_matches(['\n', '\r']).to_string()))
        .map_err(|e| format!("secret {name:?}: {e}"))
    }

    /// The forge project of a repository: `forgeProject`, else the path of its first http(s) URL.
    pub fn forge_project(&self, repo: &RepoConfig) -> Option<String> {
        if let Some(p) = &repo.forge_project {
            return Some(p.clone());
        }
        repo.urls.iter().find_map(|u| {
            let rest = u.strip_prefix("https://").or_else(|| u.strip_prefix("http://"))?;
            let (_, path) = rest.split_once('/')?;
            let path = path.trim_end_matches('/').trim_end_matches(".git");
            (!path.is_empty()).then(|| path.to_string())
        })
    }

    /// The repository named `name`.
    pub fn repo(&self, name: &str) -> Option<&RepoConfig> {
        self.repos.iter().find(|r| r.name == name)
    }

    /// The configured repository a git URL refers to.
    pub fn repo_for_url(&self, url: &str) -> Option<&RepoConfig> {
        let key = normalize_git_url(url)?;
        self.repos.iter().find(|r| r.urls.iter().any(|u| normalize_git_url(u).as_deref() == Some(key.as_str())))
    }

    /// A repository's local path, resolved against the config file's directory.
    pub fn repo_path(&self, repo: &RepoConfig) -> Option<PathBuf> {
        repo.path.as_ref().map(|p| self.base_dir.join(p))
    }
}

fn valid_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 100 && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn invalid(file: &str, pos: Option<manifest::Pos>, field: &str, message: &str) -> ConfigError {
    let pos = pos.unwrap_or(manifest::Pos { line: 1, col: 1 });
    ConfigError::Invalid {
        file: file.to_string(),
        line: pos.line,
        col: pos.col,
        field: if field.is_empty() { "(top level)".to_string() } else { field.to_string() },
        message: message.to_string(),
    }
}

/// Deserialise a YAML node into a typed value; an error names the field path and points at its line.
pub fn from_node<T: serde::de::DeserializeOwned>(file: &str, node: &Node) -> Result<T, ConfigError> {
    let json = node.to_json();
    serde_path_to_error::deserialize(json).map_err(|e| {
        let path = e.path().to_string();
        let segs = parse_field_path(&path);
        let pos = node.pos_of_path(&segs);
        let field = if path == "." { String::new() } else { path };
        invalid(file, Some(pos), &field, &e.inner().to_string())
    })
}

/// Split `a.b[2].c` into path segments.
pub fn parse_field_path(path: &str) -> Vec<PathSeg> {
    let mut out = Vec::new();
    for part in path.split('.') {
        if part.is_empty() {
            continue;
        }
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            if i > 0 {
                out.push(PathSeg::Key(rest[..i].to_string()));
            }
            rest = &rest[i..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let Some(end) = stripped.find(']') else { break };
                if let Ok(n) = stripped[..end].parse() {
                    out.push(PathSeg::Index(n));
                }
                rest = &stripped[end + 1..];
            }
        } else {
            out.push(PathSeg::Key(rest.to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests;
