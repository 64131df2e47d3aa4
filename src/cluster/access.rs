//! How fleetgate reaches each cluster's API server, and the `kube::Client`s built from that.

use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Mutex;
use zeroize::Zeroizing;

/// Access per cluster name.
///
/// ```yaml
/// management:
///   kubeconfig: { path: ~/.kube/config, context: kind-management }
/// self:
///   inCluster: true
/// prod-eu-1:   # kubeconfig in a Secret on the management cluster (Crossplane: key kubeconfig)
///   secret: { via: management, namespace: flux-system, name: prod-eu-1-kubeconfig, key: value }
/// ```
pub type AccessConfig = BTreeMap<String, ClusterAccess>;

/// How to reach one cluster. In YAML/JSON exactly one of `kubeconfig`, `inCluster: true`, `secret`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawAccess", into = "RawAccess")]
pub enum ClusterAccess {
    /// A context of a kubeconfig file.
    Kubeconfig(KubeconfigAccess),
    /// The cluster fleetgate runs in (service account token, `KUBERNETES_SERVICE_HOST`).
    InCluster,
    /// A kubeconfig stored in a Secret on another cluster (Crossplane connection secret, Cluster API
    /// `<cluster>-kubeconfig`), read through that cluster's own access.
    Secret(SecretAccess),
}

/// `kubeconfig: { path, context }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KubeconfigAccess {
    /// The kubeconfig file; a leading `~/` is the home directory.
    pub path: PathBuf,
    /// The context to use. Default: the context named like the cluster, else the file's
    /// current-context when the file has exactly one context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
}

/// `secret: { via, namespace, name, key, context }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretAccess {
    /// The cluster holding the Secret (usually the management cluster).
    pub via: String,
    pub namespace: String,
    pub name: String,
    /// The data key holding the kubeconfig: `value` (Cluster API, the default), `kubeconfig` (Crossplane).
    #[serde(default = "default_secret_key")]
    pub key: String,
    /// The context to use; default as for [`KubeconfigAccess::context`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
}

fn default_secret_key() -> String {
    "value".to_owned()
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawAccess {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kubeconfig: Option<KubeconfigAccess>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    in_cluster: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret: Option<SecretAccess>,
}

impl TryFrom<RawAccess> for ClusterAccess {
    type Error = String;

    fn try_from(raw: RawAccess) -> Result<Self, String> {
        match (raw.kubeconfig, raw.in_cluster, raw.secret) {
            (Some(k), false, None) => Ok(ClusterAccess::Kubeconfig(k)),
            (None, true, None) => Ok(ClusterAccess::InCluster),
            (None, false, Some(s)) => Ok(ClusterAccess::Secret(s)),
            (None, false, None) => {
                Err("cluster access needs one of `kubeconfig: {path, context}`, `inCluster: true`, `secret: {via, \
                     namespace, name, key}`"
                    .to_owned())
            }
            _ => Err("cluster access takes exactly one of `kubeconfig`, `inCluster`, `secret`, not several".to_owned()),
        }
    }
}

impl From<ClusterAccess> for RawAccess {
    fn from(a: ClusterAccess) -> Self {
        let mut raw = RawAccess { kubeconfig: None, in_cluster: false, secret: None };
        match a {
            ClusterAccess::Kubeconfig(k) => raw.kubeconfig = Some(k),
            ClusterAccess::InCluster => raw.in_cluster = true,
            ClusterAccess::Secret(s) => raw.secret = Some(s),
        }
        raw
    }
}

/// Why no client could be built for a cluster. Messages name the cluster and what to fix; they never
/// contain kubeconfig contents or credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "cluster {cluster}: no access configured; add it to the cluster access map (kubeconfig, inCluster or secret)"
    )]
    NoAccess { cluster: String },
    #[error(
        "cluster {cluster}: its access goes through a loop of `secret.via` clusters ({}); point `via` at a \
         cluster reached by kubeconfig or inCluster",
        chain.join(" -> ")
    )]
    ViaLoop { cluster: String, chain: Vec<String> },
    #[error("cluster {cluster}: cannot read kubeconfig file {path}: {reason}; fix kubeconfig.path")]
    ReadKubeconfig { cluster: String, path: String, reason: String },
    #[error("cluster {cluster}: {origin} is not a valid kubeconfig ({reason}); contents not shown")]
    InvalidKubeconfig { cluster: String, origin: String, reason: String },
    #[error("cluster {cluster}: {problem} in {origin} (contexts: {}); set `context`", available.join(", "))]
    Context { cluster: String, origin: String, problem: String, available: Vec<String> },
    #[error(
        "cluster {cluster}: in-cluster access unavailable ({reason}); fleetgate must run in a pod with a \
         service account, or use kubeconfig access"
    )]
    InCluster { cluster: String, reason: String },
    /// `secret` is `namespace/name on cluster <via>`.
    #[error(
        "cluster {cluster}: cannot read Secret {secret}: {reason}; check that the Secret exists and that \
         fleetgate may `get` Secrets in its namespace there"
    )]
    SecretRead { cluster: String, secret: String, reason: String },
    #[error(
        "cluster {cluster}: Secret {secret} has no key {key:?} (keys: {}); set `secret.key` (Cluster API uses \
         \"value\", Crossplane \"kubeconfig\")",
        present.join(", ")
    )]
    SecretKey { cluster: String, secret: String, key: String, present: Vec<String> },
    #[error(
        "cluster {cluster}: {origin} uses `{field}`, which would make fleetgate run a command or read a file on its \
         own host; a kubeconfig read from a Secret must carry its credentials inline (token, *-data fields)"
    )]
    HostReference { cluster: String, origin: String, field: &'static str },
    #[error("cluster {cluster}: cannot build a client: {reason}")]
    Build { cluster: String, reason: String },
}

/// A boxed future returned by [`ClientSource::client`].
pub type ClientFuture<'a> = Pin<Box<dyn Future<Output = Result<kube::Client, ClusterError>> + Send + 'a>>;

/// Gives a `kube::Client` for a cluster name.
pub trait ClientSource: Send + Sync {
    fn client<'a>(&'a self, cluster: &'a str) -> ClientFuture<'a>;
}

/// [`ClientSource`] over an [`AccessConfig`]; clients are built on first use and reused.
pub struct KubeClients {
    access: AccessConfig,
    cache: Mutex<HashMap<String, kube::Client>>,
}

impl fmt::Debug for KubeClients {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KubeClients").field("clusters", &self.access.keys().collect::<Vec<_>>()).finish()
    }
}

impl KubeClients {
    /// Checks that every `secret.via` names a configured cluster and that no `via` chain loops.
    pub fn new(access: AccessConfig) -> Result<Self, ClusterError> {
        for cluster in access.keys() {
            let mut chain = vec![cluster.clone()];
            let mut current = cluster;
            while let Some(ClusterAccess::Secret(s)) = access.get(current) {
                if chain.contains(&s.via) {
                    chain.push(s.via.clone());
                    return Err(ClusterError::ViaLoop { cluster: cluster.clone(), chain });
                }
                if !access.contains_key(&s.via) {
                    return Err(ClusterError::NoAccess { cluster: s.via.clone() });
                }
                chain.push(s.via.clone());
                current = &s.via;
            }
        }
        Ok(KubeClients { access, cache: Mutex::new(HashMap::new()) })
    }

    fn cached(&self, cluster: &str) -> Option<kube::Client> {
        self.cache.lock().ok().and_then(|c| c.get(cluster).cloned())
    }

    async fn build(&self, cluster: &str) -> Result<kube::Client, ClusterError> {
        let access = self.access.get(cluster).ok_or_else(|| ClusterError::NoAccess { cluster: cluster.to_owned() })?;
        let config = match access {
            ClusterAccess::Kubeconfig(k) => {
                let path = expand_home(&k.path);
                let shown = path.display().to_string();
                let kubeconfig = Kubeconfig::read_from(&path).map_err(|e| match e {
                    KubeconfigError::ReadConfig(source, _) => ClusterError::ReadKubeconfig {
                        cluster: cluster.to_owned(),
                        path: shown.clone(),
                        reason: source.to_string(),
                    },
                    other => invalid(cluster, &format!("kubeconfig file {shown}"), &other),
                })?;
                let origin = format!("kubeconfig file {shown}");
                from_kubeconfig(cluster, &origin, kubeconfig, k.context.as_deref(), Trust::Operator).await?
            }
            ClusterAccess::InCluster => kube::Config::incluster()
                .map_err(|e| ClusterError::InCluster { cluster: cluster.to_owned(), reason: e.to_string() })?,
            ClusterAccess::Secret(s) => {
                // `new` rejected loops, so this recursion ends.
                let via = self.client(&s.via).await?;
                let secret_ref = format!("{}/{} on cluster {}", s.namespace, s.name, s.via);
                let origin = format!("key {:?} of Secret {secret_ref}", s.key);
                let read_error = |reason: String| ClusterError::SecretRead {
                    cluster: cluster.to_owned(),
                    secret: secret_ref.clone(),
                    reason,
                };
                let api: kube::Api<k8s_openapi::api::core::v1::Secret> = kube::Api::namespaced(via, &s.namespace);
                let secret = api.get(&s.name).await.map_err(|e| read_error(super::execute::describe(&e)))?;
                let mut data = secret.data.unwrap_or_default();
                let present: Vec<String> = data.keys().cloned().collect();
                let Some(value) = data.remove(&s.key) else {
                    return Err(ClusterError::SecretKey {
                        cluster: cluster.to_owned(),
                        secret: secret_ref,
                        key: s.key.clone(),
                        present,
                    });
                };
                for (_, mut other) in data {
                    zeroize::Zeroize::zeroize(&mut other.0);
                }
                let bytes = Zeroizing::new(value.0);
                let text = std::str::from_utf8(&bytes).map_err(|_| ClusterError::InvalidKubeconfig {
                    cluster: cluster.to_owned(),
                    origin: origin.clone(),
                    reason: "not UTF-8 text".to_owned(),
                })?;
                let kubeconfig = Kubeconfig::from_yaml(text).map_err(|e| invalid(cluster, &origin, &e))?;
                from_kubeconfig(cluster, &origin, kubeconfig, s.context.as_deref(), Trust::ClusterData).await?
            }
        };
        let mut config = config;
        // Retries are fleetgate's own (bounded, per request); kube's default layer retries up to 15 times.
        config.default_retry = false;
        kube::Client::try_from(config)
            .map_err(|e| ClusterError::Build { cluster: cluster.to_owned(), reason: super::execute::describe(&e) })
    }
}

impl ClientSource for KubeClients {
    fn client<'a>(&'a self, cluster: &'a str) -> ClientFuture<'a> {
        Box::pin(async move {
            if let Some(client) = self.cached(cluster) {
                return Ok(client);
            }
            let client = self.build(cluster).await?;
            if let Ok(mut cache) = self.cache.lock() {
                cache.insert(cluster.to_owned(), client.clone());
            }
            tracing::debug!(cluster, "kube client ready");
            Ok(client)
        })
    }
}

fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => path.to_path_buf(),
    }
}

/// A kubeconfig that cannot be used; parse errors are summarised because their text may quote the file.
fn invalid(cluster: &str, origin: &str, e: &KubeconfigError) -> ClusterError {
    let reason = match e {
        KubeconfigError::Parse(_) => "YAML that does not parse as a kubeconfig".to_owned(),
        KubeconfigError::LoadClientKey(_) => "the client key cannot be loaded".to_owned(),
        KubeconfigError::LoadClientCertificate(_) => "the client certificate cannot be loaded".to_owned(),
        other => other.to_string(),
    };
    ClusterError::InvalidKubeconfig { cluster: cluster.to_owned(), origin: origin.to_owned(), reason }
}

/// Where a kubeconfig came from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Trust {
    /// A file the operator configured: exec plugins and file paths are theirs to use.
    Operator,
    /// A Secret on a cluster, written by controllers (Crossplane, Cluster API) or anyone who may write
    /// Secrets there: never run its commands or read host files for it.
    ClusterData,
}

/// The first field of the context's user or cluster that points at fleetgate's host.
fn host_reference(kubeconfig: &Kubeconfig, context: &str) -> Option<&'static str> {
    let ctx = kubeconfig.contexts.iter().find(|c| c.name == context)?.context.as_ref()?;
    let cluster = kubeconfig.clusters.iter().find(|c| c.name == ctx.cluster).and_then(|c| c.cluster.as_ref());
    if cluster.is_some_and(|c| c.certificate_authority.is_some()) {
        return Some("certificate-authority");
    }
    let user = ctx.user.as_ref()?;
    let auth = kubeconfig.auth_infos.iter().find(|a| &a.name == user).and_then(|a| a.auth_info.as_ref())?;
    [
        ("exec", auth.exec.is_some()),
        ("auth-provider", auth.auth_provider.is_some()),
        ("tokenFile", auth.token_file.is_some()),
        ("client-certificate", auth.client_certificate.is_some()),
        ("client-key", auth.client_key.is_some()),
    ]
    .into_iter()
    .find_map(|(field, set)| set.then_some(field))
}

async fn from_kubeconfig(
    cluster: &str,
    origin: &str,
    kubeconfig: Kubeconfig,
    context: Option<&str>,
    trust: Trust,
) -> Result<kube::Config, ClusterError> {
    let available: Vec<String> = kubeconfig.contexts.iter().map(|c| c.name.clone()).collect();
    let context_error = |problem: String| ClusterError::Context {
        cluster: cluster.to_owned(),
        origin: origin.to_owned(),
        problem,
        available: available.clone(),
    };
    let context = match context {
        Some(c) if available.iter().any(|a| a == c) => c.to_owned(),
        Some(c) => return Err(context_error(format!("no context {c:?}"))),
        None if available.iter().any(|a| a == cluster) => cluster.to_owned(),
        None => match (&kubeconfig.current_context, available.len()) {
            (Some(current), 1) if available.iter().any(|a| a == current) => current.clone(),
            _ => return Err(context_error(format!("no context named {cluster:?} and no single current-context"))),
        },
    };
    if trust == Trust::ClusterData
        && let Some(field) = host_reference(&kubeconfig, &context)
    {
        return Err(ClusterError::HostReference { cluster: cluster.to_owned(), origin: origin.to_owned(), field });
    }
    let options = KubeConfigOptions { context: Some(context), ..KubeConfigOptions::default() };
    kube::Config::from_custom_kubeconfig(kubeconfig, &options).await.map_err(|e| match e {
        KubeconfigError::LoadContext(_) | KubeconfigError::LoadClusterOfContext(_) => context_error(e.to_string()),
        other => invalid(cluster, origin, &other),
    })
}
