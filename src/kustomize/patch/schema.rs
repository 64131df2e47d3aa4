//! Which lists merge by key: the schema interface and kustomize's built-in table.
//!
//! kustomize (through kyaml) decides list merging from an OpenAPI schema: a list merges when its field carries
//! `x-kubernetes-patch-strategy` containing `merge`; its keys are `x-kubernetes-list-map-keys` when present,
//! else `x-kubernetes-patch-merge-key`, else none (a set of primitives, like `finalizers`). Without a schema for
//! the object's kind every list is replaced. The built-in schema of kustomize v5.5 is Kubernetes **v1.21.2**, so
//! fields newer than that (`resourceClaims`, `schedulingGates`, `resizePolicy`, …) and kinds newer than that
//! (`autoscaling/v2` HorizontalPodAutoscaler, …) have no merge keys: their lists are replaced.

use std::collections::HashMap;
use std::sync::OnceLock;

/// An object's group, version and kind. The core group is `""`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gvk {
    pub group: String,
    pub version: String,
    pub kind: String,
}

impl Gvk {
    pub fn new(group: impl Into<String>, version: impl Into<String>, kind: impl Into<String>) -> Self {
        Gvk { group: group.into(), version: version.into(), kind: kind.into() }
    }

    /// From an `apiVersion` (`apps/v1`, `v1`) and a kind.
    pub fn from_api_version(api_version: &str, kind: &str) -> Self {
        match api_version.split_once('/') {
            Some((g, v)) => Gvk::new(g, v, kind),
            None => Gvk::new("", api_version, kind),
        }
    }

    /// The `apiVersion` form: `group/version`, or `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() { self.version.clone() } else { format!("{}/{}", self.group, self.version) }
    }
}

impl std::fmt::Display for Gvk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}, Kind={}", self.api_version(), self.kind)
    }
}

/// How a list field merges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListStrategy {
    /// Items are maps matched by this key (`name` for containers, `mountPath` for volume mounts, …).
    MergeKey(String),
    /// Items are maps matched by several keys (`x-kubernetes-list-map-keys`, e.g. `containerPort` and `protocol`
    /// for container ports): kyaml matches on the keys an item has.
    MergeKeys(Vec<String>),
    /// A set of primitives (`metadata.finalizers`): the union, patch items first.
    MergePrimitives,
    /// The patch's list replaces the target's (the default).
    Replace,
}

/// Which list fields merge by key, for one object type. Implemented for built-in Kubernetes kinds by
/// [`BuiltinSchema`]; custom schemas (from a kustomization's `openapi:` or `crds:`) can be added later.
pub trait MergeSchema {
    /// For the list at `path` (JSON keys from the object root; list items are not in the path) of an object of
    /// `gvk`, the strategy. Unknown lists replace.
    fn list_strategy(&self, gvk: &Gvk, path: &[&str]) -> ListStrategy;

    /// Whether the schema knows this kind at all. Objects of unknown kinds (custom resources) are merged without
    /// a schema: maps merge, `null` deletes, `$patch` works on maps, every list is replaced.
    fn knows(&self, gvk: &Gvk) -> bool;

    /// Whether the schema describes the field at `path` of a known kind. Below a field it does not describe,
    /// kyaml looks for an embedded object (a map with `apiVersion` and `kind`) and uses that object's schema.
    fn knows_path(&self, gvk: &Gvk, path: &[&str]) -> bool {
        let _ = path;
        self.knows(gvk)
    }
}

/// kustomize v5.5's built-in schema: the `patchStrategy`/`patchMergeKey`/`listMapKey` tags of the Kubernetes
/// v1.21.2 API (every group of that release: core, apps, batch, networking, rbac, policy, autoscaling, storage,
/// admissionregistration, apiextensions, …).
#[derive(Debug, Clone, Copy, Default)]
pub struct BuiltinSchema;

impl BuiltinSchema {
    fn root(gvk: &Gvk) -> Option<T> {
        static INDEX: OnceLock<HashMap<(&'static str, &'static str, &'static str), T>> = OnceLock::new();
        let index = INDEX.get_or_init(|| KINDS.iter().map(|&(g, v, k, t)| ((g, v, k), t)).collect());
        index.get(&(gvk.group.as_str(), gvk.version.as_str(), gvk.kind.as_str())).copied()
    }

    /// The field at `path`: its type and list strategy, or `None` when the schema does not describe it.
    fn field(gvk: &Gvk, path: &[&str]) -> Option<(T, S)> {
        let mut cur = (Self::root(gvk)?, S::No);
        for seg in path {
            cur = match cur.0 {
                // Below a type without merge lists: described, nothing merges.
                T::Leaf => (T::Leaf, S::No),
                T::Def(i) => {
                    let def = TYPES.get(usize::from(i))?;
                    match def.fields.binary_search_by(|(name, _, _)| (*name).cmp(seg)) {
                        Ok(pos) => {
                            let (_, t, s) = def.fields.get(pos)?;
                            (*t, *s)
                        }
                        Err(_) => (def.additional?, S::No),
                    }
                }
            };
        }
        Some(cur)
    }
}

impl MergeSchema for BuiltinSchema {
    fn list_strategy(&self, gvk: &Gvk, path: &[&str]) -> ListStrategy {
        match Self::field(gvk, path) {
            Some((_, S::Keys([key]))) => ListStrategy::MergeKey((*key).to_string()),
            Some((_, S::Keys(keys))) => ListStrategy::MergeKeys(keys.iter().map(|k| (*k).to_string()).collect()),
            Some((_, S::Prim)) => ListStrategy::MergePrimitives,
            _ => ListStrategy::Replace,
        }
    }

    fn knows(&self, gvk: &Gvk) -> bool {
        Self::root(gvk).is_some()
    }

    fn knows_path(&self, gvk: &Gvk, path: &[&str]) -> bool {
        Self::field(gvk, path).is_some()
    }
}

/// A type of the table: a definition with merge lists somewhere below it, or `Leaf` (anything else).
#[derive(Debug, Clone, Copy)]
enum T {
    Leaf,
    Def(u16),
}

/// A field's list strategy.
#[derive(Debug, Clone, Copy)]
enum S {
    No,
    Prim,
    Keys(&'static [&'static str]),
}

/// A definition: its properties sorted by name (type of the value, or of the items for lists), and the type of
/// `additionalProperties` values if it has them.
struct TypeDef {
    fields: &'static [(&'static str, T, S)],
    additional: Option<T>,
}

// Generated from the OpenAPI document kustomize v5.5.0 embeds (kyaml `kubernetesapi/v1_21_2`): every definition
// that has a merge list below it, with all its properties; every kind (`x-kubernetes-group-version-kind`).
#[rustfmt::skip]
static TYPES: [TypeDef; 201] = [
    // 0: api.admissionregistration.v1.MutatingWebhookConfiguration
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("webhooks", T::Leaf, S::Keys(&["name"]))], additional: None },
    // 1: apimachinery.pkg.apis.meta.v1.ObjectMeta
    TypeDef { fields: &[("annotations", T::Leaf, S::No), ("clusterName", T::Leaf, S::No), ("creationTimestamp", T::Leaf, S::No), ("deletionGracePeriodSeconds", T::Leaf, S::No), ("deletionTimestamp", T::Leaf, S::No), ("finalizers", T::Leaf, S::Prim), ("generateName", T::Leaf, S::No), ("generation", T::Leaf, S::No), ("labels", T::Leaf, S::No), ("managedFields", T::Leaf, S::No), ("name", T::Leaf, S::No), ("namespace", T::Leaf, S::No), ("ownerReferences", T::Leaf, S::Keys(&["uid"])), ("resourceVersion", T::Leaf, S::No), ("selfLink", T::Leaf, S::No), ("uid", T::Leaf, S::No)], additional: None },
    // 2: api.admissionregistration.v1.MutatingWebhookConfigurationList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(0), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 3: api.admissionregistration.v1.ValidatingWebhookConfiguration
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("webhooks", T::Leaf, S::Keys(&["name"]))], additional: None },
    // 4: api.admissionregistration.v1.ValidatingWebhookConfigurationList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(3), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 5: api.admissionregistration.v1beta1.MutatingWebhookConfiguration
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("webhooks", T::Leaf, S::Keys(&["name"]))], additional: None },
    // 6: api.admissionregistration.v1beta1.MutatingWebhookConfigurationList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(5), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 7: api.admissionregistration.v1beta1.ValidatingWebhookConfiguration
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("webhooks", T::Leaf, S::Keys(&["name"]))], additional: None },
    // 8: api.admissionregistration.v1beta1.ValidatingWebhookConfigurationList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(7), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 9: api.apps.v1.ControllerRevision
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("data", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("revision", T::Leaf, S::No)], additional: None },
    // 10: api.apps.v1.ControllerRevisionList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(9), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 11: api.apps.v1.DaemonSet
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Def(12), S::No), ("status", T::Def(20), S::No)], additional: None },
    // 12: api.apps.v1.DaemonSetSpec
    TypeDef { fields: &[("minReadySeconds", T::Leaf, S::No), ("revisionHistoryLimit", T::Leaf, S::No), ("selector", T::Leaf, S::No), ("template", T::Def(13), S::No), ("updateStrategy", T::Leaf, S::No)], additional: None },
    // 13: api.core.v1.PodTemplateSpec
    TypeDef { fields: &[("metadata", T::Def(1), S::No), ("spec", T::Def(14), S::No)], additional: None },
    // 14: api.core.v1.PodSpec
    TypeDef { fields: &[("activeDeadlineSeconds", T::Leaf, S::No), ("affinity", T::Leaf, S::No), ("automountServiceAccountToken", T::Leaf, S::No), ("containers", T::Def(15), S::Keys(&["name"])), ("dnsConfig", T::Leaf, S::No), ("dnsPolicy", T::Leaf, S::No), ("enableServiceLinks", T::Leaf, S::No), ("ephemeralContainers", T::Def(16), S::Keys(&["name"])), ("hostAliases", T::Leaf, S::Keys(&["ip"])), ("hostIPC", T::Leaf, S::No), ("hostNetwork", T::Leaf, S::No), ("hostPID", T::Leaf, S::No), ("hostname", T::Leaf, S::No), ("imagePullSecrets", T::Leaf, S::Keys(&["name"])), ("initContainers", T::Def(15), S::Keys(&["name"])), ("nodeName", T::Leaf, S::No), ("nodeSelector", T::Leaf, S::No), ("overhead", T::Leaf, S::No), ("preemptionPolicy", T::Leaf, S::No), ("priority", T::Leaf, S::No), ("priorityClassName", T::Leaf, S::No), ("readinessGates", T::Leaf, S::No), ("restartPolicy", T::Leaf, S::No), ("runtimeClassName", T::Leaf, S::No), ("schedulerName", T::Leaf, S::No), ("securityContext", T::Leaf, S::No), ("serviceAccount", T::Leaf, S::No), ("serviceAccountName", T::Leaf, S::No), ("setHostnameAsFQDN", T::Leaf, S::No), ("shareProcessNamespace", T::Leaf, S::No), ("subdomain", T::Leaf, S::No), ("terminationGracePeriodSeconds", T::Leaf, S::No), ("tolerations", T::Leaf, S::No), ("topologySpreadConstraints", T::Leaf, S::Keys(&["topologyKey", "whenUnsatisfiable"])), ("volumes", T::Def(17), S::Keys(&["name"]))], additional: None },
    // 15: api.core.v1.Container
    TypeDef { fields: &[("args", T::Leaf, S::No), ("command", T::Leaf, S::No), ("env", T::Leaf, S::Keys(&["name"])), ("envFrom", T::Leaf, S::No), ("image", T::Leaf, S::No), ("imagePullPolicy", T::Leaf, S::No), ("lifecycle", T::Leaf, S::No), ("livenessProbe", T::Leaf, S::No), ("name", T::Leaf, S::No), ("ports", T::Leaf, S::Keys(&["containerPort", "protocol"])), ("readinessProbe", T::Leaf, S::No), ("resources", T::Leaf, S::No), ("securityContext", T::Leaf, S::No), ("startupProbe", T::Leaf, S::No), ("stdin", T::Leaf, S::No), ("stdinOnce", T::Leaf, S::No), ("terminationMessagePath", T::Leaf, S::No), ("terminationMessagePolicy", T::Leaf, S::No), ("tty", T::Leaf, S::No), ("volumeDevices", T::Leaf, S::Keys(&["devicePath"])), ("volumeMounts", T::Leaf, S::Keys(&["mountPath"])), ("workingDir", T::Leaf, S::No)], additional: None },
    // 16: api.core.v1.EphemeralContainer
    TypeDef { fields: &[("args", T::Leaf, S::No), ("command", T::Leaf, S::No), ("env", T::Leaf, S::Keys(&["name"])), ("envFrom", T::Leaf, S::No), ("image", T::Leaf, S::No), ("imagePullPolicy", T::Leaf, S::No), ("lifecycle", T::Leaf, S::No), ("livenessProbe", T::Leaf, S::No), ("name", T::Leaf, S::No), ("ports", T::Leaf, S::No), ("readinessProbe", T::Leaf, S::No), ("resources", T::Leaf, S::No), ("securityContext", T::Leaf, S::No), ("startupProbe", T::Leaf, S::No), ("stdin", T::Leaf, S::No), ("stdinOnce", T::Leaf, S::No), ("targetContainerName", T::Leaf, S::No), ("terminationMessagePath", T::Leaf, S::No), ("terminationMessagePolicy", T::Leaf, S::No), ("tty", T::Leaf, S::No), ("volumeDevices", T::Leaf, S::Keys(&["devicePath"])), ("volumeMounts", T::Leaf, S::Keys(&["mountPath"])), ("workingDir", T::Leaf, S::No)], additional: None },
    // 17: api.core.v1.Volume
    TypeDef { fields: &[("awsElasticBlockStore", T::Leaf, S::No), ("azureDisk", T::Leaf, S::No), ("azureFile", T::Leaf, S::No), ("cephfs", T::Leaf, S::No), ("cinder", T::Leaf, S::No), ("configMap", T::Leaf, S::No), ("csi", T::Leaf, S::No), ("downwardAPI", T::Leaf, S::No), ("emptyDir", T::Leaf, S::No), ("ephemeral", T::Def(18), S::No), ("fc", T::Leaf, S::No), ("flexVolume", T::Leaf, S::No), ("flocker", T::Leaf, S::No), ("gcePersistentDisk", T::Leaf, S::No), ("gitRepo", T::Leaf, S::No), ("glusterfs", T::Leaf, S::No), ("hostPath", T::Leaf, S::No), ("iscsi", T::Leaf, S::No), ("name", T::Leaf, S::No), ("nfs", T::Leaf, S::No), ("persistentVolumeClaim", T::Leaf, S::No), ("photonPersistentDisk", T::Leaf, S::No), ("portworxVolume", T::Leaf, S::No), ("projected", T::Leaf, S::No), ("quobyte", T::Leaf, S::No), ("rbd", T::Leaf, S::No), ("scaleIO", T::Leaf, S::No), ("secret", T::Leaf, S::No), ("storageos", T::Leaf, S::No), ("vsphereVolume", T::Leaf, S::No)], additional: None },
    // 18: api.core.v1.EphemeralVolumeSource
    TypeDef { fields: &[("volumeClaimTemplate", T::Def(19), S::No)], additional: None },
    // 19: api.core.v1.PersistentVolumeClaimTemplate
    TypeDef { fields: &[("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No)], additional: None },
    // 20: api.apps.v1.DaemonSetStatus
    TypeDef { fields: &[("collisionCount", T::Leaf, S::No), ("conditions", T::Leaf, S::Keys(&["type"])), ("currentNumberScheduled", T::Leaf, S::No), ("desiredNumberScheduled", T::Leaf, S::No), ("numberAvailable", T::Leaf, S::No), ("numberMisscheduled", T::Leaf, S::No), ("numberReady", T::Leaf, S::No), ("numberUnavailable", T::Leaf, S::No), ("observedGeneration", T::Leaf, S::No), ("updatedNumberScheduled", T::Leaf, S::No)], additional: None },
    // 21: api.apps.v1.DaemonSetList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(11), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 22: api.apps.v1.Deployment
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Def(23), S::No), ("status", T::Def(24), S::No)], additional: None },
    // 23: api.apps.v1.DeploymentSpec
    TypeDef { fields: &[("minReadySeconds", T::Leaf, S::No), ("paused", T::Leaf, S::No), ("progressDeadlineSeconds", T::Leaf, S::No), ("replicas", T::Leaf, S::No), ("revisionHistoryLimit", T::Leaf, S::No), ("selector", T::Leaf, S::No), ("strategy", T::Leaf, S::No), ("template", T::Def(13), S::No)], additional: None },
    // 24: api.apps.v1.DeploymentStatus
    TypeDef { fields: &[("availableReplicas", T::Leaf, S::No), ("collisionCount", T::Leaf, S::No), ("conditions", T::Leaf, S::Keys(&["type"])), ("observedGeneration", T::Leaf, S::No), ("readyReplicas", T::Leaf, S::No), ("replicas", T::Leaf, S::No), ("unavailableReplicas", T::Leaf, S::No), ("updatedReplicas", T::Leaf, S::No)], additional: None },
    // 25: api.apps.v1.DeploymentList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(22), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 26: api.apps.v1.ReplicaSet
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Def(27), S::No), ("status", T::Def(28), S::No)], additional: None },
    // 27: api.apps.v1.ReplicaSetSpec
    TypeDef { fields: &[("minReadySeconds", T::Leaf, S::No), ("replicas", T::Leaf, S::No), ("selector", T::Leaf, S::No), ("template", T::Def(13), S::No)], additional: None },
    // 28: api.apps.v1.ReplicaSetStatus
    TypeDef { fields: &[("availableReplicas", T::Leaf, S::No), ("conditions", T::Leaf, S::Keys(&["type"])), ("fullyLabeledReplicas", T::Leaf, S::No), ("observedGeneration", T::Leaf, S::No), ("readyReplicas", T::Leaf, S::No), ("replicas", T::Leaf, S::No)], additional: None },
    // 29: api.apps.v1.ReplicaSetList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(26), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 30: api.apps.v1.StatefulSet
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Def(31), S::No), ("status", T::Def(34), S::No)], additional: None },
    // 31: api.apps.v1.StatefulSetSpec
    TypeDef { fields: &[("podManagementPolicy", T::Leaf, S::No), ("replicas", T::Leaf, S::No), ("revisionHistoryLimit", T::Leaf, S::No), ("selector", T::Leaf, S::No), ("serviceName", T::Leaf, S::No), ("template", T::Def(13), S::No), ("updateStrategy", T::Leaf, S::No), ("volumeClaimTemplates", T::Def(32), S::No)], additional: None },
    // 32: api.core.v1.PersistentVolumeClaim
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Def(33), S::No)], additional: None },
    // 33: api.core.v1.PersistentVolumeClaimStatus
    TypeDef { fields: &[("accessModes", T::Leaf, S::No), ("capacity", T::Leaf, S::No), ("conditions", T::Leaf, S::Keys(&["type"])), ("phase", T::Leaf, S::No)], additional: None },
    // 34: api.apps.v1.StatefulSetStatus
    TypeDef { fields: &[("collisionCount", T::Leaf, S::No), ("conditions", T::Leaf, S::Keys(&["type"])), ("currentReplicas", T::Leaf, S::No), ("currentRevision", T::Leaf, S::No), ("observedGeneration", T::Leaf, S::No), ("readyReplicas", T::Leaf, S::No), ("replicas", T::Leaf, S::No), ("updateRevision", T::Leaf, S::No), ("updatedReplicas", T::Leaf, S::No)], additional: None },
    // 35: api.apps.v1.StatefulSetList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(30), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 36: api.authentication.v1.TokenRequest
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 37: api.authentication.v1.TokenReview
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 38: api.authentication.v1beta1.TokenReview
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 39: api.authorization.v1.LocalSubjectAccessReview
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 40: api.authorization.v1.SelfSubjectAccessReview
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 41: api.authorization.v1.SelfSubjectRulesReview
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 42: api.authorization.v1.SubjectAccessReview
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 43: api.authorization.v1beta1.LocalSubjectAccessReview
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 44: api.authorization.v1beta1.SelfSubjectAccessReview
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 45: api.authorization.v1beta1.SelfSubjectRulesReview
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 46: api.authorization.v1beta1.SubjectAccessReview
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 47: api.autoscaling.v1.HorizontalPodAutoscaler
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 48: api.autoscaling.v1.HorizontalPodAutoscalerList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(47), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 49: api.autoscaling.v1.Scale
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 50: api.autoscaling.v2beta1.HorizontalPodAutoscaler
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 51: api.autoscaling.v2beta1.HorizontalPodAutoscalerList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(50), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 52: api.autoscaling.v2beta2.HorizontalPodAutoscaler
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 53: api.autoscaling.v2beta2.HorizontalPodAutoscalerList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(52), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 54: api.batch.v1.CronJob
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Def(55), S::No), ("status", T::Leaf, S::No)], additional: None },
    // 55: api.batch.v1.CronJobSpec
    TypeDef { fields: &[("concurrencyPolicy", T::Leaf, S::No), ("failedJobsHistoryLimit", T::Leaf, S::No), ("jobTemplate", T::Def(56), S::No), ("schedule", T::Leaf, S::No), ("startingDeadlineSeconds", T::Leaf, S::No), ("successfulJobsHistoryLimit", T::Leaf, S::No), ("suspend", T::Leaf, S::No)], additional: None },
    // 56: api.batch.v1.JobTemplateSpec
    TypeDef { fields: &[("metadata", T::Def(1), S::No), ("spec", T::Def(57), S::No)], additional: None },
    // 57: api.batch.v1.JobSpec
    TypeDef { fields: &[("activeDeadlineSeconds", T::Leaf, S::No), ("backoffLimit", T::Leaf, S::No), ("completionMode", T::Leaf, S::No), ("completions", T::Leaf, S::No), ("manualSelector", T::Leaf, S::No), ("parallelism", T::Leaf, S::No), ("selector", T::Leaf, S::No), ("suspend", T::Leaf, S::No), ("template", T::Def(13), S::No), ("ttlSecondsAfterFinished", T::Leaf, S::No)], additional: None },
    // 58: api.batch.v1.CronJobList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(54), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 59: api.batch.v1.Job
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Def(57), S::No), ("status", T::Def(60), S::No)], additional: None },
    // 60: api.batch.v1.JobStatus
    TypeDef { fields: &[("active", T::Leaf, S::No), ("completedIndexes", T::Leaf, S::No), ("completionTime", T::Leaf, S::No), ("conditions", T::Leaf, S::Keys(&["type"])), ("failed", T::Leaf, S::No), ("startTime", T::Leaf, S::No), ("succeeded", T::Leaf, S::No)], additional: None },
    // 61: api.batch.v1.JobList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(59), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 62: api.batch.v1beta1.CronJob
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Def(63), S::No), ("status", T::Leaf, S::No)], additional: None },
    // 63: api.batch.v1beta1.CronJobSpec
    TypeDef { fields: &[("concurrencyPolicy", T::Leaf, S::No), ("failedJobsHistoryLimit", T::Leaf, S::No), ("jobTemplate", T::Def(64), S::No), ("schedule", T::Leaf, S::No), ("startingDeadlineSeconds", T::Leaf, S::No), ("successfulJobsHistoryLimit", T::Leaf, S::No), ("suspend", T::Leaf, S::No)], additional: None },
    // 64: api.batch.v1beta1.JobTemplateSpec
    TypeDef { fields: &[("metadata", T::Def(1), S::No), ("spec", T::Def(57), S::No)], additional: None },
    // 65: api.batch.v1beta1.CronJobList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(62), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 66: api.certificates.v1.CertificateSigningRequest
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 67: api.certificates.v1.CertificateSigningRequestList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(66), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 68: api.certificates.v1beta1.CertificateSigningRequest
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 69: api.certificates.v1beta1.CertificateSigningRequestList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(68), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 70: api.coordination.v1.Lease
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No)], additional: None },
    // 71: api.coordination.v1.LeaseList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(70), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 72: api.coordination.v1beta1.Lease
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No)], additional: None },
    // 73: api.coordination.v1beta1.LeaseList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(72), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 74: api.core.v1.Binding
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("target", T::Leaf, S::No)], additional: None },
    // 75: api.core.v1.ComponentStatus
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("conditions", T::Leaf, S::Keys(&["type"])), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No)], additional: None },
    // 76: api.core.v1.ComponentStatusList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(75), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 77: api.core.v1.ConfigMap
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("binaryData", T::Leaf, S::No), ("data", T::Leaf, S::No), ("immutable", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No)], additional: None },
    // 78: api.core.v1.ConfigMapList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(77), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 79: api.core.v1.Endpoints
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("subsets", T::Leaf, S::No)], additional: None },
    // 80: api.core.v1.EndpointsList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(79), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 81: api.core.v1.Event
    TypeDef { fields: &[("action", T::Leaf, S::No), ("apiVersion", T::Leaf, S::No), ("count", T::Leaf, S::No), ("eventTime", T::Leaf, S::No), ("firstTimestamp", T::Leaf, S::No), ("involvedObject", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("lastTimestamp", T::Leaf, S::No), ("message", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("reason", T::Leaf, S::No), ("related", T::Leaf, S::No), ("reportingComponent", T::Leaf, S::No), ("reportingInstance", T::Leaf, S::No), ("series", T::Leaf, S::No), ("source", T::Leaf, S::No), ("type", T::Leaf, S::No)], additional: None },
    // 82: api.core.v1.EventList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(81), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 83: api.core.v1.LimitRange
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No)], additional: None },
    // 84: api.core.v1.LimitRangeList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(83), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 85: api.core.v1.Namespace
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Def(86), S::No)], additional: None },
    // 86: api.core.v1.NamespaceStatus
    TypeDef { fields: &[("conditions", T::Leaf, S::Keys(&["type"])), ("phase", T::Leaf, S::No)], additional: None },
    // 87: api.core.v1.NamespaceList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(85), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 88: api.core.v1.Node
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Def(89), S::No), ("status", T::Def(90), S::No)], additional: None },
    // 89: api.core.v1.NodeSpec
    TypeDef { fields: &[("configSource", T::Leaf, S::No), ("externalID", T::Leaf, S::No), ("podCIDR", T::Leaf, S::No), ("podCIDRs", T::Leaf, S::Prim), ("providerID", T::Leaf, S::No), ("taints", T::Leaf, S::No), ("unschedulable", T::Leaf, S::No)], additional: None },
    // 90: api.core.v1.NodeStatus
    TypeDef { fields: &[("addresses", T::Leaf, S::Keys(&["type"])), ("allocatable", T::Leaf, S::No), ("capacity", T::Leaf, S::No), ("conditions", T::Leaf, S::Keys(&["type"])), ("config", T::Leaf, S::No), ("daemonEndpoints", T::Leaf, S::No), ("images", T::Leaf, S::No), ("nodeInfo", T::Leaf, S::No), ("phase", T::Leaf, S::No), ("volumesAttached", T::Leaf, S::No), ("volumesInUse", T::Leaf, S::No)], additional: None },
    // 91: api.core.v1.NodeList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(88), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 92: api.core.v1.PersistentVolume
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 93: api.core.v1.PersistentVolumeClaimList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(32), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 94: api.core.v1.PersistentVolumeList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(92), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 95: api.core.v1.Pod
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Def(14), S::No), ("status", T::Def(96), S::No)], additional: None },
    // 96: api.core.v1.PodStatus
    TypeDef { fields: &[("conditions", T::Leaf, S::Keys(&["type"])), ("containerStatuses", T::Leaf, S::No), ("ephemeralContainerStatuses", T::Leaf, S::No), ("hostIP", T::Leaf, S::No), ("initContainerStatuses", T::Leaf, S::No), ("message", T::Leaf, S::No), ("nominatedNodeName", T::Leaf, S::No), ("phase", T::Leaf, S::No), ("podIP", T::Leaf, S::No), ("podIPs", T::Leaf, S::Keys(&["ip"])), ("qosClass", T::Leaf, S::No), ("reason", T::Leaf, S::No), ("startTime", T::Leaf, S::No)], additional: None },
    // 97: api.core.v1.PodList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(95), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 98: api.core.v1.PodTemplate
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("template", T::Def(13), S::No)], additional: None },
    // 99: api.core.v1.PodTemplateList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(98), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 100: api.core.v1.ReplicationController
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Def(101), S::No), ("status", T::Def(102), S::No)], additional: None },
    // 101: api.core.v1.ReplicationControllerSpec
    TypeDef { fields: &[("minReadySeconds", T::Leaf, S::No), ("replicas", T::Leaf, S::No), ("selector", T::Leaf, S::No), ("template", T::Def(13), S::No)], additional: None },
    // 102: api.core.v1.ReplicationControllerStatus
    TypeDef { fields: &[("availableReplicas", T::Leaf, S::No), ("conditions", T::Leaf, S::Keys(&["type"])), ("fullyLabeledReplicas", T::Leaf, S::No), ("observedGeneration", T::Leaf, S::No), ("readyReplicas", T::Leaf, S::No), ("replicas", T::Leaf, S::No)], additional: None },
    // 103: api.core.v1.ReplicationControllerList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(100), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 104: api.core.v1.ResourceQuota
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 105: api.core.v1.ResourceQuotaList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(104), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 106: api.core.v1.Secret
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("data", T::Leaf, S::No), ("immutable", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("stringData", T::Leaf, S::No), ("type", T::Leaf, S::No)], additional: None },
    // 107: api.core.v1.SecretList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(106), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 108: api.core.v1.Service
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Def(109), S::No), ("status", T::Def(110), S::No)], additional: None },
    // 109: api.core.v1.ServiceSpec
    TypeDef { fields: &[("allocateLoadBalancerNodePorts", T::Leaf, S::No), ("clusterIP", T::Leaf, S::No), ("clusterIPs", T::Leaf, S::No), ("externalIPs", T::Leaf, S::No), ("externalName", T::Leaf, S::No), ("externalTrafficPolicy", T::Leaf, S::No), ("healthCheckNodePort", T::Leaf, S::No), ("internalTrafficPolicy", T::Leaf, S::No), ("ipFamilies", T::Leaf, S::No), ("ipFamilyPolicy", T::Leaf, S::No), ("loadBalancerClass", T::Leaf, S::No), ("loadBalancerIP", T::Leaf, S::No), ("loadBalancerSourceRanges", T::Leaf, S::No), ("ports", T::Leaf, S::Keys(&["port", "protocol"])), ("publishNotReadyAddresses", T::Leaf, S::No), ("selector", T::Leaf, S::No), ("sessionAffinity", T::Leaf, S::No), ("sessionAffinityConfig", T::Leaf, S::No), ("topologyKeys", T::Leaf, S::No), ("type", T::Leaf, S::No)], additional: None },
    // 110: api.core.v1.ServiceStatus
    TypeDef { fields: &[("conditions", T::Leaf, S::Keys(&["type"])), ("loadBalancer", T::Leaf, S::No)], additional: None },
    // 111: api.core.v1.ServiceAccount
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("automountServiceAccountToken", T::Leaf, S::No), ("imagePullSecrets", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("secrets", T::Leaf, S::Keys(&["name"]))], additional: None },
    // 112: api.core.v1.ServiceAccountList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(111), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 113: api.core.v1.ServiceList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(108), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 114: api.discovery.v1.EndpointSlice
    TypeDef { fields: &[("addressType", T::Leaf, S::No), ("apiVersion", T::Leaf, S::No), ("endpoints", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("ports", T::Leaf, S::No)], additional: None },
    // 115: api.discovery.v1.EndpointSliceList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(114), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 116: api.discovery.v1beta1.EndpointSlice
    TypeDef { fields: &[("addressType", T::Leaf, S::No), ("apiVersion", T::Leaf, S::No), ("endpoints", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("ports", T::Leaf, S::No)], additional: None },
    // 117: api.discovery.v1beta1.EndpointSliceList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(116), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 118: api.events.v1.Event
    TypeDef { fields: &[("action", T::Leaf, S::No), ("apiVersion", T::Leaf, S::No), ("deprecatedCount", T::Leaf, S::No), ("deprecatedFirstTimestamp", T::Leaf, S::No), ("deprecatedLastTimestamp", T::Leaf, S::No), ("deprecatedSource", T::Leaf, S::No), ("eventTime", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("note", T::Leaf, S::No), ("reason", T::Leaf, S::No), ("regarding", T::Leaf, S::No), ("related", T::Leaf, S::No), ("reportingController", T::Leaf, S::No), ("reportingInstance", T::Leaf, S::No), ("series", T::Leaf, S::No), ("type", T::Leaf, S::No)], additional: None },
    // 119: api.events.v1.EventList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(118), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 120: api.events.v1beta1.Event
    TypeDef { fields: &[("action", T::Leaf, S::No), ("apiVersion", T::Leaf, S::No), ("deprecatedCount", T::Leaf, S::No), ("deprecatedFirstTimestamp", T::Leaf, S::No), ("deprecatedLastTimestamp", T::Leaf, S::No), ("deprecatedSource", T::Leaf, S::No), ("eventTime", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("note", T::Leaf, S::No), ("reason", T::Leaf, S::No), ("regarding", T::Leaf, S::No), ("related", T::Leaf, S::No), ("reportingController", T::Leaf, S::No), ("reportingInstance", T::Leaf, S::No), ("series", T::Leaf, S::No), ("type", T::Leaf, S::No)], additional: None },
    // 121: api.events.v1beta1.EventList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(120), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 122: api.extensions.v1beta1.Ingress
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 123: api.extensions.v1beta1.IngressList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(122), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 124: api.flowcontrol.v1beta1.FlowSchema
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 125: api.flowcontrol.v1beta1.FlowSchemaList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(124), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 126: api.flowcontrol.v1beta1.PriorityLevelConfiguration
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 127: api.flowcontrol.v1beta1.PriorityLevelConfigurationList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(126), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 128: api.networking.v1.Ingress
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 129: api.networking.v1.IngressClass
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No)], additional: None },
    // 130: api.networking.v1.IngressClassList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(129), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 131: api.networking.v1.IngressList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(128), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 132: api.networking.v1.NetworkPolicy
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No)], additional: None },
    // 133: api.networking.v1.NetworkPolicyList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(132), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 134: api.networking.v1beta1.Ingress
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 135: api.networking.v1beta1.IngressClass
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No)], additional: None },
    // 136: api.networking.v1beta1.IngressClassList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(135), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 137: api.networking.v1beta1.IngressList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(134), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 138: api.node.v1.RuntimeClass
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("handler", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("overhead", T::Leaf, S::No), ("scheduling", T::Leaf, S::No)], additional: None },
    // 139: api.node.v1.RuntimeClassList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(138), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 140: api.node.v1beta1.RuntimeClass
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("handler", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("overhead", T::Leaf, S::No), ("scheduling", T::Leaf, S::No)], additional: None },
    // 141: api.node.v1beta1.RuntimeClassList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(140), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 142: api.policy.v1.PodDisruptionBudget
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Def(143), S::No)], additional: None },
    // 143: api.policy.v1.PodDisruptionBudgetStatus
    TypeDef { fields: &[("conditions", T::Leaf, S::Keys(&["type"])), ("currentHealthy", T::Leaf, S::No), ("desiredHealthy", T::Leaf, S::No), ("disruptedPods", T::Leaf, S::No), ("disruptionsAllowed", T::Leaf, S::No), ("expectedPods", T::Leaf, S::No), ("observedGeneration", T::Leaf, S::No)], additional: None },
    // 144: api.policy.v1.PodDisruptionBudgetList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(142), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 145: api.policy.v1beta1.Eviction
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("deleteOptions", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No)], additional: None },
    // 146: api.policy.v1beta1.PodDisruptionBudget
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Def(147), S::No)], additional: None },
    // 147: api.policy.v1beta1.PodDisruptionBudgetStatus
    TypeDef { fields: &[("conditions", T::Leaf, S::Keys(&["type"])), ("currentHealthy", T::Leaf, S::No), ("desiredHealthy", T::Leaf, S::No), ("disruptedPods", T::Leaf, S::No), ("disruptionsAllowed", T::Leaf, S::No), ("expectedPods", T::Leaf, S::No), ("observedGeneration", T::Leaf, S::No)], additional: None },
    // 148: api.policy.v1beta1.PodDisruptionBudgetList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(146), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 149: api.policy.v1beta1.PodSecurityPolicy
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No)], additional: None },
    // 150: api.policy.v1beta1.PodSecurityPolicyList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(149), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 151: api.rbac.v1.ClusterRole
    TypeDef { fields: &[("aggregationRule", T::Leaf, S::No), ("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("rules", T::Leaf, S::No)], additional: None },
    // 152: api.rbac.v1.ClusterRoleBinding
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("roleRef", T::Leaf, S::No), ("subjects", T::Leaf, S::No)], additional: None },
    // 153: api.rbac.v1.ClusterRoleBindingList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(152), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 154: api.rbac.v1.ClusterRoleList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(151), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 155: api.rbac.v1.Role
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("rules", T::Leaf, S::No)], additional: None },
    // 156: api.rbac.v1.RoleBinding
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("roleRef", T::Leaf, S::No), ("subjects", T::Leaf, S::No)], additional: None },
    // 157: api.rbac.v1.RoleBindingList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(156), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 158: api.rbac.v1.RoleList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(155), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 159: api.rbac.v1beta1.ClusterRole
    TypeDef { fields: &[("aggregationRule", T::Leaf, S::No), ("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("rules", T::Leaf, S::No)], additional: None },
    // 160: api.rbac.v1beta1.ClusterRoleBinding
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("roleRef", T::Leaf, S::No), ("subjects", T::Leaf, S::No)], additional: None },
    // 161: api.rbac.v1beta1.ClusterRoleBindingList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(160), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 162: api.rbac.v1beta1.ClusterRoleList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(159), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 163: api.rbac.v1beta1.Role
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("rules", T::Leaf, S::No)], additional: None },
    // 164: api.rbac.v1beta1.RoleBinding
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("roleRef", T::Leaf, S::No), ("subjects", T::Leaf, S::No)], additional: None },
    // 165: api.rbac.v1beta1.RoleBindingList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(164), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 166: api.rbac.v1beta1.RoleList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(163), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 167: api.scheduling.v1.PriorityClass
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("description", T::Leaf, S::No), ("globalDefault", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("preemptionPolicy", T::Leaf, S::No), ("value", T::Leaf, S::No)], additional: None },
    // 168: api.scheduling.v1.PriorityClassList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(167), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 169: api.scheduling.v1beta1.PriorityClass
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("description", T::Leaf, S::No), ("globalDefault", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("preemptionPolicy", T::Leaf, S::No), ("value", T::Leaf, S::No)], additional: None },
    // 170: api.scheduling.v1beta1.PriorityClassList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(169), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 171: api.storage.v1.CSIDriver
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No)], additional: None },
    // 172: api.storage.v1.CSIDriverList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(171), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 173: api.storage.v1.CSINode
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Def(174), S::No)], additional: None },
    // 174: api.storage.v1.CSINodeSpec
    TypeDef { fields: &[("drivers", T::Leaf, S::Keys(&["name"]))], additional: None },
    // 175: api.storage.v1.CSINodeList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(173), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 176: api.storage.v1.StorageClass
    TypeDef { fields: &[("allowVolumeExpansion", T::Leaf, S::No), ("allowedTopologies", T::Leaf, S::No), ("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("mountOptions", T::Leaf, S::No), ("parameters", T::Leaf, S::No), ("provisioner", T::Leaf, S::No), ("reclaimPolicy", T::Leaf, S::No), ("volumeBindingMode", T::Leaf, S::No)], additional: None },
    // 177: api.storage.v1.StorageClassList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(176), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 178: api.storage.v1.VolumeAttachment
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 179: api.storage.v1.VolumeAttachmentList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(178), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 180: api.storage.v1beta1.CSIDriver
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No)], additional: None },
    // 181: api.storage.v1beta1.CSIDriverList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(180), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 182: api.storage.v1beta1.CSINode
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Def(183), S::No)], additional: None },
    // 183: api.storage.v1beta1.CSINodeSpec
    TypeDef { fields: &[("drivers", T::Leaf, S::Keys(&["name"]))], additional: None },
    // 184: api.storage.v1beta1.CSINodeList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(182), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 185: api.storage.v1beta1.CSIStorageCapacity
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("capacity", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("maximumVolumeSize", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("nodeTopology", T::Leaf, S::No), ("storageClassName", T::Leaf, S::No)], additional: None },
    // 186: api.storage.v1beta1.CSIStorageCapacityList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(185), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 187: api.storage.v1beta1.StorageClass
    TypeDef { fields: &[("allowVolumeExpansion", T::Leaf, S::No), ("allowedTopologies", T::Leaf, S::No), ("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("mountOptions", T::Leaf, S::No), ("parameters", T::Leaf, S::No), ("provisioner", T::Leaf, S::No), ("reclaimPolicy", T::Leaf, S::No), ("volumeBindingMode", T::Leaf, S::No)], additional: None },
    // 188: api.storage.v1beta1.StorageClassList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(187), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 189: api.storage.v1beta1.VolumeAttachment
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 190: api.storage.v1beta1.VolumeAttachmentList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(189), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 191: apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 192: apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(191), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 193: apiextensions-apiserver.pkg.apis.apiextensions.v1beta1.CustomResourceDefinition
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Leaf, S::No)], additional: None },
    // 194: apiextensions-apiserver.pkg.apis.apiextensions.v1beta1.CustomResourceDefinitionList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(193), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 195: kube-aggregator.pkg.apis.apiregistration.v1.APIService
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Def(196), S::No)], additional: None },
    // 196: kube-aggregator.pkg.apis.apiregistration.v1.APIServiceStatus
    TypeDef { fields: &[("conditions", T::Leaf, S::Keys(&["type"]))], additional: None },
    // 197: kube-aggregator.pkg.apis.apiregistration.v1.APIServiceList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(195), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
    // 198: kube-aggregator.pkg.apis.apiregistration.v1beta1.APIService
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("kind", T::Leaf, S::No), ("metadata", T::Def(1), S::No), ("spec", T::Leaf, S::No), ("status", T::Def(199), S::No)], additional: None },
    // 199: kube-aggregator.pkg.apis.apiregistration.v1beta1.APIServiceStatus
    TypeDef { fields: &[("conditions", T::Leaf, S::Keys(&["type"]))], additional: None },
    // 200: kube-aggregator.pkg.apis.apiregistration.v1beta1.APIServiceList
    TypeDef { fields: &[("apiVersion", T::Leaf, S::No), ("items", T::Def(198), S::No), ("kind", T::Leaf, S::No), ("metadata", T::Leaf, S::No)], additional: None },
];

#[rustfmt::skip]
static KINDS: [(&str, &str, &str, T); 269] = [
    ("", "v1", "APIGroup", T::Leaf),
    ("", "v1", "APIGroupList", T::Leaf),
    ("", "v1", "APIResourceList", T::Leaf),
    ("", "v1", "APIVersions", T::Leaf),
    ("", "v1", "Binding", T::Def(74)),
    ("", "v1", "ComponentStatus", T::Def(75)),
    ("", "v1", "ComponentStatusList", T::Def(76)),
    ("", "v1", "ConfigMap", T::Def(77)),
    ("", "v1", "ConfigMapList", T::Def(78)),
    ("", "v1", "DeleteOptions", T::Leaf),
    ("", "v1", "Endpoints", T::Def(79)),
    ("", "v1", "EndpointsList", T::Def(80)),
    ("", "v1", "Event", T::Def(81)),
    ("", "v1", "EventList", T::Def(82)),
    ("", "v1", "LimitRange", T::Def(83)),
    ("", "v1", "LimitRangeList", T::Def(84)),
    ("", "v1", "Namespace", T::Def(85)),
    ("", "v1", "NamespaceList", T::Def(87)),
    ("", "v1", "Node", T::Def(88)),
    ("", "v1", "NodeList", T::Def(91)),
    ("", "v1", "PersistentVolume", T::Def(92)),
    ("", "v1", "PersistentVolumeClaim", T::Def(32)),
    ("", "v1", "PersistentVolumeClaimList", T::Def(93)),
    ("", "v1", "PersistentVolumeList", T::Def(94)),
    ("", "v1", "Pod", T::Def(95)),
    ("", "v1", "PodList", T::Def(97)),
    ("", "v1", "PodTemplate", T::Def(98)),
    ("", "v1", "PodTemplateList", T::Def(99)),
    ("", "v1", "ReplicationController", T::Def(100)),
    ("", "v1", "ReplicationControllerList", T::Def(103)),
    ("", "v1", "ResourceQuota", T::Def(104)),
    ("", "v1", "ResourceQuotaList", T::Def(105)),
    ("", "v1", "Secret", T::Def(106)),
    ("", "v1", "SecretList", T::Def(107)),
    ("", "v1", "Service", T::Def(108)),
    ("", "v1", "ServiceAccount", T::Def(111)),
    ("", "v1", "ServiceAccountList", T::Def(112)),
    ("", "v1", "ServiceList", T::Def(113)),
    ("", "v1", "Status", T::Leaf),
    ("", "v1", "WatchEvent", T::Leaf),
    ("admission.k8s.io", "v1", "DeleteOptions", T::Leaf),
    ("admission.k8s.io", "v1", "WatchEvent", T::Leaf),
    ("admission.k8s.io", "v1beta1", "DeleteOptions", T::Leaf),
    ("admission.k8s.io", "v1beta1", "WatchEvent", T::Leaf),
    ("admissionregistration.k8s.io", "v1", "DeleteOptions", T::Leaf),
    ("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration", T::Def(0)),
    ("admissionregistration.k8s.io", "v1", "MutatingWebhookConfigurationList", T::Def(2)),
    ("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration", T::Def(3)),
    ("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfigurationList", T::Def(4)),
    ("admissionregistration.k8s.io", "v1", "WatchEvent", T::Leaf),
    ("admissionregistration.k8s.io", "v1beta1", "DeleteOptions", T::Leaf),
    ("admissionregistration.k8s.io", "v1beta1", "MutatingWebhookConfiguration", T::Def(5)),
    ("admissionregistration.k8s.io", "v1beta1", "MutatingWebhookConfigurationList", T::Def(6)),
    ("admissionregistration.k8s.io", "v1beta1", "ValidatingWebhookConfiguration", T::Def(7)),
    ("admissionregistration.k8s.io", "v1beta1", "ValidatingWebhookConfigurationList", T::Def(8)),
    ("admissionregistration.k8s.io", "v1beta1", "WatchEvent", T::Leaf),
    ("apiextensions.k8s.io", "v1", "CustomResourceDefinition", T::Def(191)),
    ("apiextensions.k8s.io", "v1", "CustomResourceDefinitionList", T::Def(192)),
    ("apiextensions.k8s.io", "v1", "DeleteOptions", T::Leaf),
    ("apiextensions.k8s.io", "v1", "WatchEvent", T::Leaf),
    ("apiextensions.k8s.io", "v1beta1", "CustomResourceDefinition", T::Def(193)),
    ("apiextensions.k8s.io", "v1beta1", "CustomResourceDefinitionList", T::Def(194)),
    ("apiextensions.k8s.io", "v1beta1", "DeleteOptions", T::Leaf),
    ("apiextensions.k8s.io", "v1beta1", "WatchEvent", T::Leaf),
    ("apiregistration.k8s.io", "v1", "APIService", T::Def(195)),
    ("apiregistration.k8s.io", "v1", "APIServiceList", T::Def(197)),
    ("apiregistration.k8s.io", "v1", "DeleteOptions", T::Leaf),
    ("apiregistration.k8s.io", "v1", "WatchEvent", T::Leaf),
    ("apiregistration.k8s.io", "v1beta1", "APIService", T::Def(198)),
    ("apiregistration.k8s.io", "v1beta1", "APIServiceList", T::Def(200)),
    ("apiregistration.k8s.io", "v1beta1", "DeleteOptions", T::Leaf),
    ("apiregistration.k8s.io", "v1beta1", "WatchEvent", T::Leaf),
    ("apps", "v1", "ControllerRevision", T::Def(9)),
    ("apps", "v1", "ControllerRevisionList", T::Def(10)),
    ("apps", "v1", "DaemonSet", T::Def(11)),
    ("apps", "v1", "DaemonSetList", T::Def(21)),
    ("apps", "v1", "DeleteOptions", T::Leaf),
    ("apps", "v1", "Deployment", T::Def(22)),
    ("apps", "v1", "DeploymentList", T::Def(25)),
    ("apps", "v1", "ReplicaSet", T::Def(26)),
    ("apps", "v1", "ReplicaSetList", T::Def(29)),
    ("apps", "v1", "StatefulSet", T::Def(30)),
    ("apps", "v1", "StatefulSetList", T::Def(35)),
    ("apps", "v1", "WatchEvent", T::Leaf),
    ("apps", "v1beta1", "DeleteOptions", T::Leaf),
    ("apps", "v1beta1", "WatchEvent", T::Leaf),
    ("apps", "v1beta2", "DeleteOptions", T::Leaf),
    ("apps", "v1beta2", "WatchEvent", T::Leaf),
    ("authentication.k8s.io", "v1", "DeleteOptions", T::Leaf),
    ("authentication.k8s.io", "v1", "TokenRequest", T::Def(36)),
    ("authentication.k8s.io", "v1", "TokenReview", T::Def(37)),
    ("authentication.k8s.io", "v1", "WatchEvent", T::Leaf),
    ("authentication.k8s.io", "v1beta1", "DeleteOptions", T::Leaf),
    ("authentication.k8s.io", "v1beta1", "TokenReview", T::Def(38)),
    ("authentication.k8s.io", "v1beta1", "WatchEvent", T::Leaf),
    ("authorization.k8s.io", "v1", "DeleteOptions", T::Leaf),
    ("authorization.k8s.io", "v1", "LocalSubjectAccessReview", T::Def(39)),
    ("authorization.k8s.io", "v1", "SelfSubjectAccessReview", T::Def(40)),
    ("authorization.k8s.io", "v1", "SelfSubjectRulesReview", T::Def(41)),
    ("authorization.k8s.io", "v1", "SubjectAccessReview", T::Def(42)),
    ("authorization.k8s.io", "v1", "WatchEvent", T::Leaf),
    ("authorization.k8s.io", "v1beta1", "DeleteOptions", T::Leaf),
    ("authorization.k8s.io", "v1beta1", "LocalSubjectAccessReview", T::Def(43)),
    ("authorization.k8s.io", "v1beta1", "SelfSubjectAccessReview", T::Def(44)),
    ("authorization.k8s.io", "v1beta1", "SelfSubjectRulesReview", T::Def(45)),
    ("authorization.k8s.io", "v1beta1", "SubjectAccessReview", T::Def(46)),
    ("authorization.k8s.io", "v1beta1", "WatchEvent", T::Leaf),
    ("autoscaling", "v1", "DeleteOptions", T::Leaf),
    ("autoscaling", "v1", "HorizontalPodAutoscaler", T::Def(47)),
    ("autoscaling", "v1", "HorizontalPodAutoscalerList", T::Def(48)),
    ("autoscaling", "v1", "Scale", T::Def(49)),
    ("autoscaling", "v1", "WatchEvent", T::Leaf),
    ("autoscaling", "v2beta1", "DeleteOptions", T::Leaf),
    ("autoscaling", "v2beta1", "HorizontalPodAutoscaler", T::Def(50)),
    ("autoscaling", "v2beta1", "HorizontalPodAutoscalerList", T::Def(51)),
    ("autoscaling", "v2beta1", "WatchEvent", T::Leaf),
    ("autoscaling", "v2beta2", "DeleteOptions", T::Leaf),
    ("autoscaling", "v2beta2", "HorizontalPodAutoscaler", T::Def(52)),
    ("autoscaling", "v2beta2", "HorizontalPodAutoscalerList", T::Def(53)),
    ("autoscaling", "v2beta2", "WatchEvent", T::Leaf),
    ("batch", "v1", "CronJob", T::Def(54)),
    ("batch", "v1", "CronJobList", T::Def(58)),
    ("batch", "v1", "DeleteOptions", T::Leaf),
    ("batch", "v1", "Job", T::Def(59)),
    ("batch", "v1", "JobList", T::Def(61)),
    ("batch", "v1", "WatchEvent", T::Leaf),
    ("batch", "v1beta1", "CronJob", T::Def(62)),
    ("batch", "v1beta1", "CronJobList", T::Def(65)),
    ("batch", "v1beta1", "DeleteOptions", T::Leaf),
    ("batch", "v1beta1", "WatchEvent", T::Leaf),
    ("certificates.k8s.io", "v1", "CertificateSigningRequest", T::Def(66)),
    ("certificates.k8s.io", "v1", "CertificateSigningRequestList", T::Def(67)),
    ("certificates.k8s.io", "v1", "DeleteOptions", T::Leaf),
    ("certificates.k8s.io", "v1", "WatchEvent", T::Leaf),
    ("certificates.k8s.io", "v1beta1", "CertificateSigningRequest", T::Def(68)),
    ("certificates.k8s.io", "v1beta1", "CertificateSigningRequestList", T::Def(69)),
    ("certificates.k8s.io", "v1beta1", "DeleteOptions", T::Leaf),
    ("certificates.k8s.io", "v1beta1", "WatchEvent", T::Leaf),
    ("coordination.k8s.io", "v1", "DeleteOptions", T::Leaf),
    ("coordination.k8s.io", "v1", "Lease", T::Def(70)),
    ("coordination.k8s.io", "v1", "LeaseList", T::Def(71)),
    ("coordination.k8s.io", "v1", "WatchEvent", T::Leaf),
    ("coordination.k8s.io", "v1beta1", "DeleteOptions", T::Leaf),
    ("coordination.k8s.io", "v1beta1", "Lease", T::Def(72)),
    ("coordination.k8s.io", "v1beta1", "LeaseList", T::Def(73)),
    ("coordination.k8s.io", "v1beta1", "WatchEvent", T::Leaf),
    ("discovery.k8s.io", "v1", "DeleteOptions", T::Leaf),
    ("discovery.k8s.io", "v1", "EndpointSlice", T::Def(114)),
    ("discovery.k8s.io", "v1", "EndpointSliceList", T::Def(115)),
    ("discovery.k8s.io", "v1", "WatchEvent", T::Leaf),
    ("discovery.k8s.io", "v1beta1", "DeleteOptions", T::Leaf),
    ("discovery.k8s.io", "v1beta1", "EndpointSlice", T::Def(116)),
    ("discovery.k8s.io", "v1beta1", "EndpointSliceList", T::Def(117)),
    ("discovery.k8s.io", "v1beta1", "WatchEvent", T::Leaf),
    ("events.k8s.io", "v1", "DeleteOptions", T::Leaf),
    ("events.k8s.io", "v1", "Event", T::Def(118)),
    ("events.k8s.io", "v1", "EventList", T::Def(119)),
    ("events.k8s.io", "v1", "WatchEvent", T::Leaf),
    ("events.k8s.io", "v1beta1", "DeleteOptions", T::Leaf),
    ("events.k8s.io", "v1beta1", "Event", T::Def(120)),
    ("events.k8s.io", "v1beta1", "EventList", T::Def(121)),
    ("events.k8s.io", "v1beta1", "WatchEvent", T::Leaf),
    ("extensions", "v1beta1", "DeleteOptions", T::Leaf),
    ("extensions", "v1beta1", "Ingress", T::Def(122)),
    ("extensions", "v1beta1", "IngressList", T::Def(123)),
    ("extensions", "v1beta1", "WatchEvent", T::Leaf),
    ("flowcontrol.apiserver.k8s.io", "v1alpha1", "DeleteOptions", T::Leaf),
    ("flowcontrol.apiserver.k8s.io", "v1alpha1", "WatchEvent", T::Leaf),
    ("flowcontrol.apiserver.k8s.io", "v1beta1", "DeleteOptions", T::Leaf),
    ("flowcontrol.apiserver.k8s.io", "v1beta1", "FlowSchema", T::Def(124)),
    ("flowcontrol.apiserver.k8s.io", "v1beta1", "FlowSchemaList", T::Def(125)),
    ("flowcontrol.apiserver.k8s.io", "v1beta1", "PriorityLevelConfiguration", T::Def(126)),
    ("flowcontrol.apiserver.k8s.io", "v1beta1", "PriorityLevelConfigurationList", T::Def(127)),
    ("flowcontrol.apiserver.k8s.io", "v1beta1", "WatchEvent", T::Leaf),
    ("imagepolicy.k8s.io", "v1alpha1", "DeleteOptions", T::Leaf),
    ("imagepolicy.k8s.io", "v1alpha1", "WatchEvent", T::Leaf),
    ("internal.apiserver.k8s.io", "v1alpha1", "DeleteOptions", T::Leaf),
    ("internal.apiserver.k8s.io", "v1alpha1", "WatchEvent", T::Leaf),
    ("networking.k8s.io", "v1", "DeleteOptions", T::Leaf),
    ("networking.k8s.io", "v1", "Ingress", T::Def(128)),
    ("networking.k8s.io", "v1", "IngressClass", T::Def(129)),
    ("networking.k8s.io", "v1", "IngressClassList", T::Def(130)),
    ("networking.k8s.io", "v1", "IngressList", T::Def(131)),
    ("networking.k8s.io", "v1", "NetworkPolicy", T::Def(132)),
    ("networking.k8s.io", "v1", "NetworkPolicyList", T::Def(133)),
    ("networking.k8s.io", "v1", "WatchEvent", T::Leaf),
    ("networking.k8s.io", "v1beta1", "DeleteOptions", T::Leaf),
    ("networking.k8s.io", "v1beta1", "Ingress", T::Def(134)),
    ("networking.k8s.io", "v1beta1", "IngressClass", T::Def(135)),
    ("networking.k8s.io", "v1beta1", "IngressClassList", T::Def(136)),
    ("networking.k8s.io", "v1beta1", "IngressList", T::Def(137)),
    ("networking.k8s.io", "v1beta1", "WatchEvent", T::Leaf),
    ("node.k8s.io", "v1", "DeleteOptions", T::Leaf),
    ("node.k8s.io", "v1", "RuntimeClass", T::Def(138)),
    ("node.k8s.io", "v1", "RuntimeClassList", T::Def(139)),
    ("node.k8s.io", "v1", "WatchEvent", T::Leaf),
    ("node.k8s.io", "v1alpha1", "DeleteOptions", T::Leaf),
    ("node.k8s.io", "v1alpha1", "WatchEvent", T::Leaf),
    ("node.k8s.io", "v1beta1", "DeleteOptions", T::Leaf),
    ("node.k8s.io", "v1beta1", "RuntimeClass", T::Def(140)),
    ("node.k8s.io", "v1beta1", "RuntimeClassList", T::Def(141)),
    ("node.k8s.io", "v1beta1", "WatchEvent", T::Leaf),
    ("policy", "v1", "DeleteOptions", T::Leaf),
    ("policy", "v1", "PodDisruptionBudget", T::Def(142)),
    ("policy", "v1", "PodDisruptionBudgetList", T::Def(144)),
    ("policy", "v1", "WatchEvent", T::Leaf),
    ("policy", "v1beta1", "DeleteOptions", T::Leaf),
    ("policy", "v1beta1", "Eviction", T::Def(145)),
    ("policy", "v1beta1", "PodDisruptionBudget", T::Def(146)),
    ("policy", "v1beta1", "PodDisruptionBudgetList", T::Def(148)),
    ("policy", "v1beta1", "PodSecurityPolicy", T::Def(149)),
    ("policy", "v1beta1", "PodSecurityPolicyList", T::Def(150)),
    ("policy", "v1beta1", "WatchEvent", T::Leaf),
    ("rbac.authorization.k8s.io", "v1", "ClusterRole", T::Def(151)),
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", T::Def(152)),
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBindingList", T::Def(153)),
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleList", T::Def(154)),
    ("rbac.authorization.k8s.io", "v1", "DeleteOptions", T::Leaf),
    ("rbac.authorization.k8s.io", "v1", "Role", T::Def(155)),
    ("rbac.authorization.k8s.io", "v1", "RoleBinding", T::Def(156)),
    ("rbac.authorization.k8s.io", "v1", "RoleBindingList", T::Def(157)),
    ("rbac.authorization.k8s.io", "v1", "RoleList", T::Def(158)),
    ("rbac.authorization.k8s.io", "v1", "WatchEvent", T::Leaf),
    ("rbac.authorization.k8s.io", "v1alpha1", "DeleteOptions", T::Leaf),
    ("rbac.authorization.k8s.io", "v1alpha1", "WatchEvent", T::Leaf),
    ("rbac.authorization.k8s.io", "v1beta1", "ClusterRole", T::Def(159)),
    ("rbac.authorization.k8s.io", "v1beta1", "ClusterRoleBinding", T::Def(160)),
    ("rbac.authorization.k8s.io", "v1beta1", "ClusterRoleBindingList", T::Def(161)),
    ("rbac.authorization.k8s.io", "v1beta1", "ClusterRoleList", T::Def(162)),
    ("rbac.authorization.k8s.io", "v1beta1", "DeleteOptions", T::Leaf),
    ("rbac.authorization.k8s.io", "v1beta1", "Role", T::Def(163)),
    ("rbac.authorization.k8s.io", "v1beta1", "RoleBinding", T::Def(164)),
    ("rbac.authorization.k8s.io", "v1beta1", "RoleBindingList", T::Def(165)),
    ("rbac.authorization.k8s.io", "v1beta1", "RoleList", T::Def(166)),
    ("rbac.authorization.k8s.io", "v1beta1", "WatchEvent", T::Leaf),
    ("scheduling.k8s.io", "v1", "DeleteOptions", T::Leaf),
    ("scheduling.k8s.io", "v1", "PriorityClass", T::Def(167)),
    ("scheduling.k8s.io", "v1", "PriorityClassList", T::Def(168)),
    ("scheduling.k8s.io", "v1", "WatchEvent", T::Leaf),
    ("scheduling.k8s.io", "v1alpha1", "DeleteOptions", T::Leaf),
    ("scheduling.k8s.io", "v1alpha1", "WatchEvent", T::Leaf),
    ("scheduling.k8s.io", "v1beta1", "DeleteOptions", T::Leaf),
    ("scheduling.k8s.io", "v1beta1", "PriorityClass", T::Def(169)),
    ("scheduling.k8s.io", "v1beta1", "PriorityClassList", T::Def(170)),
    ("scheduling.k8s.io", "v1beta1", "WatchEvent", T::Leaf),
    ("storage.k8s.io", "v1", "CSIDriver", T::Def(171)),
    ("storage.k8s.io", "v1", "CSIDriverList", T::Def(172)),
    ("storage.k8s.io", "v1", "CSINode", T::Def(173)),
    ("storage.k8s.io", "v1", "CSINodeList", T::Def(175)),
    ("storage.k8s.io", "v1", "DeleteOptions", T::Leaf),
    ("storage.k8s.io", "v1", "StorageClass", T::Def(176)),
    ("storage.k8s.io", "v1", "StorageClassList", T::Def(177)),
    ("storage.k8s.io", "v1", "VolumeAttachment", T::Def(178)),
    ("storage.k8s.io", "v1", "VolumeAttachmentList", T::Def(179)),
    ("storage.k8s.io", "v1", "WatchEvent", T::Leaf),
    ("storage.k8s.io", "v1alpha1", "DeleteOptions", T::Leaf),
    ("storage.k8s.io", "v1alpha1", "WatchEvent", T::Leaf),
    ("storage.k8s.io", "v1beta1", "CSIDriver", T::Def(180)),
    ("storage.k8s.io", "v1beta1", "CSIDriverList", T::Def(181)),
    ("storage.k8s.io", "v1beta1", "CSINode", T::Def(182)),
    ("storage.k8s.io", "v1beta1", "CSINodeList", T::Def(184)),
    ("storage.k8s.io", "v1beta1", "CSIStorageCapacity", T::Def(185)),
    ("storage.k8s.io", "v1beta1", "CSIStorageCapacityList", T::Def(186)),
    ("storage.k8s.io", "v1beta1", "DeleteOptions", T::Leaf),
    ("storage.k8s.io", "v1beta1", "StorageClass", T::Def(187)),
    ("storage.k8s.io", "v1beta1", "StorageClassList", T::Def(188)),
    ("storage.k8s.io", "v1beta1", "VolumeAttachment", T::Def(189)),
    ("storage.k8s.io", "v1beta1", "VolumeAttachmentList", T::Def(190)),
    ("storage.k8s.io", "v1beta1", "WatchEvent", T::Leaf),
];
