//! The `sealCheck:` section of `fleetgate.yaml`, and turning it into keyrings.

use super::keys::{KeyError, Keyring, name_from_path};
use crate::config::{AwsSecretRef, Config, SecretRef};
use serde::{Deserialize, Serialize};

/// Seal-check settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SealCheckConfig {
    /// Cluster groups: clusters that share sealing key pairs, the files that land on them, and their keys.
    #[serde(default)]
    pub groups: Vec<GroupConfig>,
    /// Paths where a plaintext `kind: Secret` is allowed (test fixtures, placeholders).
    #[serde(default)]
    pub allow_plaintext: Vec<PathSelector>,
    /// Paths seal-check skips (besides dot-directories and Helm chart directories).
    #[serde(default)]
    pub ignore: Vec<PathSelector>,
    /// Warn when a sealing certificate expires within this many days (default 30).
    #[serde(default = "default_expiry_days")]
    pub expiry_warning_days: u32,
    /// Warn about sealing keys smaller than this many bits (default 2048).
    #[serde(default = "default_min_key_bits")]
    pub min_key_bits: u32,
    /// Build the kustomization directories (default true): flag Secrets that secretGenerators produce, and check
    /// SealedSecrets again where a build moves or renames them.
    #[serde(default = "default_true")]
    pub render: bool,
}

impl Default for SealCheckConfig {
    fn default() -> Self {
        SealCheckConfig {
            groups: Vec::new(),
            allow_plaintext: Vec::new(),
            ignore: Vec::new(),
            expiry_warning_days: default_expiry_days(),
            min_key_bits: default_min_key_bits(),
            render: true,
        }
    }
}

fn default_expiry_days() -> u32 {
    30
}
fn default_min_key_bits() -> u32 {
    2048
}
fn default_true() -> bool {
    true
}

/// Clusters that share sealing keys. A file belongs to the group when it matches one of `paths`, or when a
/// directory on its path is named after one of `clusters`. A group with neither is the default group: it takes
/// every file no other group claims.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GroupConfig {
    /// Unique name, used in reports.
    pub name: String,
    /// The clusters of the group (names as in `clusters:` and the estate's directories).
    #[serde(default)]
    pub clusters: Vec<String>,
    /// Files that land on the group's clusters.
    #[serde(default)]
    pub paths: Vec<PathSelector>,
    /// The group's key material, newest first: private keys (PEM, PKCS#1 or PKCS#8) and/or certificates. With a
    /// private key every value is opened; with certificates only, key sizes are checked. Several keys model
    /// rotation: a value passes when any of them opens it, as the controller tries every key it holds.
    #[serde(default)]
    pub keys: Vec<KeySource>,
}

/// Paths of one repository (or of every repository when `repo` is unset), as globs (`*` one segment, `**` any).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PathSelector {
    #[serde(default)]
    pub repo: Option<String>,
    pub paths: Vec<String>,
}

impl PathSelector {
    pub fn matches(&self, repo: &str, path: &str) -> bool {
        if self.repo.as_deref().is_some_and(|r| r != repo) {
            return false;
        }
        self.paths.iter().any(|g| crate::glob::matches(g, path) || crate::glob::matches(&format!("{g}/**"), path))
    }
}

/// Where key material comes from. Exactly one of `file`, `env`, `aws`, `secret` is set. The content is PEM
/// (keys and/or certificates) or the JSON `{"tls.crt": PEM, "tls.key": PEM}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KeySource {
    /// Name in reports; default: the file stem, variable name or secret id.
    #[serde(default)]
    pub name: Option<String>,
    /// A file path, relative to the config file.
    #[serde(default)]
    pub file: Option<String>,
    /// An environment variable holding the PEM or JSON.
    #[serde(default)]
    pub env: Option<String>,
    /// An AWS Secrets Manager secret (standard AWS configuration chain).
    #[serde(default)]
    pub aws: Option<AwsSecretRef>,
    /// A name under `secrets:`.
    #[serde(default)]
    pub secret: Option<String>,
}

/// A cluster group with its keys loaded.
#[derive(Debug, Default)]
pub struct Group {
    pub name: String,
    pub clusters: Vec<String>,
    pub paths: Vec<PathSelector>,
    pub ring: Keyring,
}

impl Group {
    /// True when the group has neither paths nor clusters: it takes the files no other group claims.
    pub fn is_default(&self) -> bool {
        self.paths.is_empty() && self.clusters.is_empty()
    }

    /// Whether a file belongs to the group (by `paths`, or by a directory named after one of its clusters).
    pub fn claims(&self, repo: &str, path: &str) -> bool {
        if self.paths.iter().any(|p| p.matches(repo, path)) {
            return true;
        }
        let dirs: Vec<&str> = path.split('/').collect();
        let dirs = dirs.split_last().map(|(_, d)| d).unwrap_or_default();
        self.clusters.iter().any(|c| dirs.contains(&c.as_str()))
    }
}

/// A mistake in the seal-check settings or key material that stops the run.
#[derive(Debug, thiserror::Error)]
pub enum SealConfigError {
    #[error("{file}: {field}: {message}")]
    Invalid { file: String, field: String, message: String },
    #[error("{file}: {field}: {error}")]
    Key { file: String, field: String, error: KeyError },
}

/// Fetches AWS Secrets Manager secrets (the AWS SDK lives at the CLI edge; tests can plug in a fake).
pub trait AwsFetch {
    /// The secret's string value; errors name the secret id and what to do.
    fn fetch(&self, secret: &AwsSecretRef) -> Result<zeroize::Zeroizing<String>, String>;
}

/// Check the settings and load every group's key material.
pub fn load_groups(config: &Config, aws: Option<&dyn AwsFetch>) -> Result<Vec<Group>, SealConfigError> {
    let sc = &config.seal_check;
    let file = config.file.clone();
    let invalid = |field: String, message: String| SealConfigError::Invalid { file: file.clone(), field, message };
    let mut names = std::collections::BTreeSet::new();
    let mut defaults = 0;
    let mut groups = Vec::new();
    for (gi, g) in sc.groups.iter().enumerate() {
        let field = format!("sealCheck.groups[{gi}]");
        if g.name.is_empty() || !names.insert(g.name.as_str()) {
            return Err(invalid(format!("{field}.name"), format!("group name {:?} is empty or used twice", g.name)));
        }
        for (pi, p) in g.paths.iter().enumerate() {
            if let Some(r) = &p.repo
                && config.repo(r).is_none()
            {
                return Err(invalid(
                    format!("{field}.paths[{pi}].repo"),
                    format!("no repository named {r:?} under `repos:`"),
                ));
            }
        }
        let mut group =
            Group { name: g.name.clone(), clusters: g.clusters.clone(), paths: g.paths.clone(), ..Group::default() };
        if group.is_default() {
            defaults += 1;
            if defaults > 1 {
                return Err(invalid(
                    field,
                    "only one group may have neither `paths` nor `clusters` (the default group)".to_string(),
                ));
            }
        }
        for (ki, k) in g.keys.iter().enumerate() {
            let kfield = format!("{field}.keys[{ki}]");
            load_source(config, k, &kfield, aws, &mut group.ring)?;
        }
        groups.push(group);
    }
    for (field, list) in [("sealCheck.allowPlaintext", &sc.allow_plaintext), ("sealCheck.ignore", &sc.ignore)] {
        for (i, p) in list.iter().enumerate() {
            if let Some(r) = &p.repo
                && config.repo(r).is_none()
            {
                return Err(invalid(format!("{field}[{i}].repo"), format!("no repository named {r:?} under `repos:`")));
            }
        }
    }
    Ok(groups)
}

fn load_source(
    config: &Config,
    k: &KeySource,
    field: &str,
    aws: Option<&dyn AwsFetch>,
    ring: &mut Keyring,
) -> Result<(), SealConfigError> {
    let file = config.file.clone();
    let invalid = |message: String| SealConfigError::Invalid { file: file.clone(), field: field.to_string(), message };
    let key_err = |error: KeyError| SealConfigError::Key { file: file.clone(), field: field.to_string(), error };
    let set = [k.file.is_some(), k.env.is_some(), k.aws.is_some(), k.secret.is_some()].iter().filter(|b| **b).count();
    if set != 1 {
        return Err(invalid("set exactly one of `file`, `env`, `aws` or `secret`".to_string()));
    }
    let reference;
    let r: &SecretRef = match &k.secret {
        Some(name) => {
            config.secrets.get(name).ok_or_else(|| invalid(format!("no secret named {name:?} under `secrets:`")))?
        }
        None => {
            reference = SecretRef { env: k.env.clone(), file: k.file.clone(), aws: k.aws.clone() };
            &reference
        }
    };
    let (default_name, source, text) = read_secret_ref(config, r, aws).map_err(invalid)?;
    let name = k.name.clone().unwrap_or(default_name);
    ring.add_text(&name, &source, &text).map_err(key_err)?;
    Ok(())
}

/// Read a secret reference: `(default name, source description, text)`.
pub(crate) fn read_secret_ref(
    config: &Config,
    r: &SecretRef,
    aws: Option<&dyn AwsFetch>,
) -> Result<(String, String, zeroize::Zeroizing<String>), String> {
    if let Some(f) = &r.file {
        let path = config.base_dir.join(f);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            format!("cannot read key file {}: {e} (paths are relative to the config file)", path.display())
        })?;
        return Ok((name_from_path(f), path.display().to_string(), zeroize::Zeroizing::new(text)));
    }
    if let Some(var) = &r.env {
        let text = std::env::var(var)
            .map_err(|_| format!("environment variable {var} is not set (or not UTF-8); export the key PEM in it"))?;
        return Ok((var.clone(), format!("${var}"), zeroize::Zeroizing::new(text)));
    }
    if let Some(a) = &r.aws {
        let fetch = aws.ok_or_else(|| {
            format!("AWS Secrets Manager secret {:?}: this build cannot reach AWS Secrets Manager", a.secret_id)
        })?;
        let text = fetch.fetch(a)?;
        let text = match &a.key {
            None => text,
            Some(key) => {
                let v: serde_json::Value = serde_json::from_str(&text).map_err(|_| {
                    format!(
                        "AWS secret {:?}: `key: {key}` is set but the secret value is not a JSON object",
                        a.secret_id
                    )
                })?;
                let s = v.get(key).and_then(|s| s.as_str()).ok_or_else(|| {
                    format!(
                        "AWS secret {:?} has no string field {key:?}; drop `key` to use the whole value",
                        a.secret_id
                    )
                })?;
                zeroize::Zeroizing::new(s.to_string())
            }
        };
        let name = a.secret_id.rsplit('/').next().unwrap_or(&a.secret_id).to_string();
        return Ok((name, format!("aws:{}", a.secret_id), text));
    }
    Err("set exactly one of `file`, `env` or `aws`".to_string())
}

/// Turn `--key`/`--cert` files into one group that applies to every file.
pub fn cli_group(keys: &[std::path::PathBuf], certs: &[std::path::PathBuf]) -> Result<Group, KeyError> {
    let mut ring = Keyring::default();
    for p in keys.iter().chain(certs) {
        let source = p.display().to_string();
        let text = zeroize::Zeroizing::new(
            std::fs::read_to_string(p).map_err(|error| KeyError::Read { source_name: source.clone(), error })?,
        );
        ring.add_text(&name_from_path(&source), &source, &text)?;
    }
    Ok(Group { name: "command-line".to_string(), ring, ..Group::default() })
}
