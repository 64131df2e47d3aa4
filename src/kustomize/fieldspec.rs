//! Field specs (which fields of which kinds a transformer touches) and the built-in transformer
//! configuration, in kustomize's sense: `namePrefix`, `namespace`, `commonLabels`, `templateLabels`,
//! `commonAnnotations`, `images`, `replicas`, `varReference` and `nameReference`, extendable by a
//! kustomization's `configurations:` files.

use super::resource::Gvk;
use serde::Deserialize;
use serde_json::{Map, Value};

/// One field spec: objects matching `gvk` (empty parts match anything), the `/`-separated `path` (a `\/` is a
/// literal slash, a trailing `[]` on a segment marks a list), and whether missing fields are created.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldSpec {
    pub gvk: Gvk,
    pub path: String,
    pub create: bool,
}

impl FieldSpec {
    fn new(group: &str, version: &str, kind: &str, path: &str, create: bool) -> FieldSpec {
        FieldSpec {
            gvk: Gvk { group: group.into(), version: version.into(), kind: kind.into() },
            path: path.into(),
            create,
        }
    }

    /// The path's segments, unescaped, with `[]` markers removed.
    pub fn segments(&self) -> Vec<String> {
        split_path(&self.path)
    }
}

/// Split a field spec path on unescaped `/`.
pub fn split_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'/') => {
                cur.push('/');
                chars.next();
            }
            '/' => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter().filter(|s| !s.is_empty()).map(|s| s.strip_suffix("[]").map(str::to_string).unwrap_or(s)).collect()
}

/// Visit every field at `path` in `v`: lists met on the way apply the rest of the path to each element; with
/// `create`, missing intermediate maps are created and a missing leaf is inserted as `null` before `f` sees it.
pub fn visit(
    v: &mut Value,
    path: &[String],
    create: bool,
    f: &mut dyn FnMut(&mut Value) -> Result<(), String>,
) -> Result<(), String> {
    let Some((seg, rest)) = path.split_first() else { return f(v) };
    match v {
        Value::Array(items) => {
            for item in items {
                visit(item, path, create, f)?;
            }
            Ok(())
        }
        Value::Object(map) => {
            if !map.contains_key(seg.as_str()) {
                if !create {
                    return Ok(());
                }
                let fresh = if rest.is_empty() { Value::Null } else { Value::Object(Map::new()) };
                map.insert(seg.clone(), fresh);
            }
            match map.get_mut(seg.as_str()) {
                Some(next) if next.is_null() && !rest.is_empty() => {
                    if create {
                        *next = Value::Object(Map::new());
                        visit(next, rest, create, f)
                    } else {
                        Ok(())
                    }
                }
                Some(next) => visit(next, rest, create, f),
                None => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

/// A `nameReference` entry: fields (of referrers) that hold the name of a `referral` kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameRef {
    pub referral: Gvk,
    pub specs: Vec<FieldSpec>,
}

/// The transformer configuration.
#[derive(Debug, Clone, Default)]
pub struct TransformerConfig {
    pub name_prefix: Vec<FieldSpec>,
    pub name_suffix: Vec<FieldSpec>,
    pub namespace: Vec<FieldSpec>,
    pub common_labels: Vec<FieldSpec>,
    pub template_labels: Vec<FieldSpec>,
    /// Extra field specs for the `labels:` field's entries (from `configurations:`).
    pub labels: Vec<FieldSpec>,
    pub common_annotations: Vec<FieldSpec>,
    pub images: Vec<FieldSpec>,
    pub replicas: Vec<FieldSpec>,
    pub var_reference: Vec<FieldSpec>,
    pub name_reference: Vec<NameRef>,
    /// True once a `configurations:` file or `crds:` added to the built-in configuration.
    pub custom: bool,
}

/// Pod-spec holders: (group, version, kind, path of the pod spec).
const POD_SPECS: &[(&str, &str, &str, &str)] = &[
    ("", "v1", "Pod", "spec"),
    ("", "", "PodTemplate", "template/spec"),
    ("", "", "Deployment", "spec/template/spec"),
    ("", "", "ReplicaSet", "spec/template/spec"),
    ("", "", "DaemonSet", "spec/template/spec"),
    ("", "", "StatefulSet", "spec/template/spec"),
    ("", "", "Job", "spec/template/spec"),
    ("", "", "CronJob", "spec/jobTemplate/spec/template/spec"),
];

/// Workload kinds whose pod spec references ServiceAccounts, PVCs and PriorityClasses.
const WORKLOADS: &[(&str, &str)] = &[
    ("Pod", "spec"),
    ("StatefulSet", "spec/template/spec"),
    ("Deployment", "spec/template/spec"),
    ("ReplicationController", "spec/template/spec"),
    ("CronJob", "spec/jobTemplate/spec/template/spec"),
    ("Job", "spec/template/spec"),
    ("DaemonSet", "spec/template/spec"),
];

fn pod_refs(subpaths: &[&str]) -> Vec<FieldSpec> {
    let mut out = Vec::new();
    for (g, v, k, base) in POD_SPECS {
        for sub in subpaths {
            out.push(FieldSpec::new(g, v, k, &format!("{base}/{sub}"), false));
        }
    }
    out
}

fn workload_refs(sub: &str) -> Vec<FieldSpec> {
    WORKLOADS.iter().map(|(k, base)| FieldSpec::new("", "", k, &format!("{base}/{sub}"), false)).collect()
}

fn specs(list: &[(&str, &str, &str, &str)]) -> Vec<FieldSpec> {
    list.iter().map(|(g, v, k, p)| FieldSpec::new(g, v, k, p, false)).collect()
}

fn gvk(group: &str, version: &str, kind: &str) -> Gvk {
    Gvk { group: group.into(), version: version.into(), kind: kind.into() }
}

impl TransformerConfig {
    /// kustomize v5.5's built-in configuration (built once, cloned).
    pub fn builtin() -> TransformerConfig {
        static BUILTIN: std::sync::OnceLock<TransformerConfig> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(Self::make_builtin).clone()
    }

    fn make_builtin() -> TransformerConfig {
        let template_labels: Vec<FieldSpec> = [
            ("", "v1", "ReplicationController", "spec/template/metadata/labels"),
            ("", "", "Deployment", "spec/template/metadata/labels"),
            ("", "", "ReplicaSet", "spec/template/metadata/labels"),
            ("", "", "DaemonSet", "spec/template/metadata/labels"),
            ("apps", "", "StatefulSet", "spec/template/metadata/labels"),
            ("apps", "", "StatefulSet", "spec/volumeClaimTemplates[]/metadata/labels"),
            ("batch", "", "Job", "spec/template/metadata/labels"),
            ("batch", "", "CronJob", "spec/jobTemplate/metadata/labels"),
            ("batch", "", "CronJob", "spec/jobTemplate/spec/template/metadata/labels"),
        ]
        .iter()
        .map(|(g, v, k, p)| FieldSpec::new(g, v, k, p, true))
        .collect();
        let mut common_labels = vec![
            FieldSpec::new("", "v1", "Service", "spec/selector", true),
            FieldSpec::new("", "v1", "ReplicationController", "spec/selector", true),
            FieldSpec::new("", "", "Deployment", "spec/selector/matchLabels", true),
        ];
        let affinity = [
            "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
            "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
            "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
            "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
            "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
        ];
        common_labels.extend(affinity.iter().map(|p| FieldSpec::new("apps", "", "Deployment", p, false)));
        common_labels.push(FieldSpec::new("", "", "ReplicaSet", "spec/selector/matchLabels", true));
        common_labels.push(FieldSpec::new("", "", "DaemonSet", "spec/selector/matchLabels", true));
        common_labels.push(FieldSpec::new("apps", "", "StatefulSet", "spec/selector/matchLabels", true));
        common_labels.push(FieldSpec::new(
            "apps",
            "",
            "StatefulSet",
            "spec/volumeClaimTemplates[]/metadata/labels",
            true,
        ));
        common_labels.extend(affinity.iter().map(|p| FieldSpec::new("apps", "", "StatefulSet", p, false)));
        common_labels.extend(specs(&[
            ("batch", "", "Job", "spec/selector/matchLabels"),
            ("batch", "", "CronJob", "spec/jobTemplate/spec/selector/matchLabels"),
            ("policy", "", "PodDisruptionBudget", "spec/selector/matchLabels"),
            ("networking.k8s.io", "", "NetworkPolicy", "spec/podSelector/matchLabels"),
            ("networking.k8s.io", "", "NetworkPolicy", "spec/ingress/from/podSelector/matchLabels"),
            ("networking.k8s.io", "", "NetworkPolicy", "spec/egress/to/podSelector/matchLabels"),
        ]));
        common_labels.push(FieldSpec::new("", "", "", "metadata/labels", true));
        common_labels.extend(template_labels.iter().cloned());

        let mut common_annotations = vec![FieldSpec::new("", "", "", "metadata/annotations", true)];
        common_annotations.extend(
            [
                ("", "v1", "ReplicationController", "spec/template/metadata/annotations"),
                ("", "", "Deployment", "spec/template/metadata/annotations"),
                ("", "", "ReplicaSet", "spec/template/metadata/annotations"),
                ("", "", "DaemonSet", "spec/template/metadata/annotations"),
                ("apps", "", "StatefulSet", "spec/template/metadata/annotations"),
                ("batch", "", "Job", "spec/template/metadata/annotations"),
                ("batch", "", "CronJob", "spec/jobTemplate/metadata/annotations"),
                ("batch", "", "CronJob", "spec/jobTemplate/spec/template/metadata/annotations"),
            ]
            .iter()
            .map(|(g, v, k, p)| FieldSpec::new(g, v, k, p, true)),
        );

        let mut configmap = pod_refs(&[
            "volumes/configMap/name",
            "containers/env/valueFrom/configMapKeyRef/name",
            "initContainers/env/valueFrom/configMapKeyRef/name",
            "containers/envFrom/configMapRef/name",
            "initContainers/envFrom/configMapRef/name",
            "volumes/projected/sources/configMap/name",
        ]);
        configmap.extend(specs(&[
            ("", "", "Node", "spec/configSource/configMap"),
            ("", "", "Role", "rules/resourceNames"),
            ("", "", "ClusterRole", "rules/resourceNames"),
            ("", "", "Ingress", "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap"),
        ]));
        let mut secret = pod_refs(&[
            "volumes/secret/secretName",
            "containers/env/valueFrom/secretKeyRef/name",
            "initContainers/env/valueFrom/secretKeyRef/name",
            "containers/envFrom/secretRef/name",
            "initContainers/envFrom/secretRef/name",
            "imagePullSecrets/name",
            "volumes/projected/sources/secret/name",
        ]);
        secret.extend(specs(&[
            ("", "", "Ingress", "spec/tls/secretName"),
            ("", "", "Ingress", "metadata/annotations/ingress.kubernetes.io\\/auth-secret"),
            ("", "", "Ingress", "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret"),
            ("", "", "Ingress", "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret"),
            ("", "", "ServiceAccount", "imagePullSecrets/name"),
            ("", "", "StorageClass", "parameters/secretName"),
            ("", "", "StorageClass", "parameters/adminSecretName"),
            ("", "", "StorageClass", "parameters/userSecretName"),
            ("", "", "StorageClass", "parameters/secretRef"),
            ("", "", "Role", "rules/resourceNames"),
            ("", "", "ClusterRole", "rules/resourceNames"),
            ("serving.knative.dev", "v1", "Service", "spec/template/spec/containers/env/valueFrom/secretKeyRef/name"),
            ("", "", "PersistentVolume", "spec/azureFile/secretName"),
        ]));
        let service = specs(&[
            ("apps", "", "StatefulSet", "spec/serviceName"),
            ("", "", "Ingress", "spec/rules/http/paths/backend/serviceName"),
            ("", "", "Ingress", "spec/backend/serviceName"),
            ("", "", "Ingress", "spec/rules/http/paths/backend/service/name"),
            ("", "", "Ingress", "spec/defaultBackend/service/name"),
            ("apiregistration.k8s.io", "", "APIService", "spec/service/name"),
            ("admissionregistration.k8s.io", "", "ValidatingWebhookConfiguration", "webhooks/clientConfig/service"),
            ("admissionregistration.k8s.io", "", "MutatingWebhookConfiguration", "webhooks/clientConfig/service"),
            ("", "", "HTTPRoute", "spec/rules/backendRefs/name"),
        ]);
        let rbac = "rbac.authorization.k8s.io";
        let mut service_account =
            specs(&[(rbac, "", "RoleBinding", "subjects"), (rbac, "", "ClusterRoleBinding", "subjects")]);
        service_account.extend(
            WORKLOADS
                .iter()
                .filter(|(k, _)| *k != "ReplicaSet")
                .map(|(k, base)| FieldSpec::new("", "", k, &format!("{base}/serviceAccountName"), false)),
        );
        let hpa = specs(&[("", "", "HorizontalPodAutoscaler", "spec/scaleTargetRef/name")]);
        let name_reference = vec![
            NameRef { referral: gvk("", "", "Deployment"), specs: hpa.clone() },
            NameRef { referral: gvk("", "", "ReplicationController"), specs: hpa.clone() },
            NameRef { referral: gvk("", "", "ReplicaSet"), specs: hpa.clone() },
            NameRef { referral: gvk("", "", "StatefulSet"), specs: hpa },
            NameRef { referral: gvk("", "v1", "ConfigMap"), specs: configmap },
            NameRef { referral: gvk("", "v1", "Secret"), specs: secret },
            NameRef { referral: gvk("", "v1", "Service"), specs: service },
            NameRef { referral: gvk(rbac, "", "Role"), specs: specs(&[(rbac, "", "RoleBinding", "roleRef/name")]) },
            NameRef {
                referral: gvk(rbac, "", "ClusterRole"),
                specs: specs(&[
                    (rbac, "", "RoleBinding", "roleRef/name"),
                    (rbac, "", "ClusterRoleBinding", "roleRef/name"),
                ]),
            },
            NameRef { referral: gvk("", "v1", "ServiceAccount"), specs: service_account },
            NameRef {
                referral: gvk("", "v1", "PersistentVolumeClaim"),
                specs: workload_refs("volumes/persistentVolumeClaim/claimName"),
            },
            NameRef {
                referral: gvk("", "v1", "PersistentVolume"),
                specs: specs(&[
                    ("", "", "PersistentVolumeClaim", "spec/volumeName"),
                    ("", "", "ClusterRole", "rules/resourceNames"),
                ]),
            },
            NameRef {
                referral: gvk("storage.k8s.io", "v1", "StorageClass"),
                specs: specs(&[
                    ("", "", "PersistentVolume", "spec/storageClassName"),
                    ("", "", "PersistentVolumeClaim", "spec/storageClassName"),
                    ("", "", "StatefulSet", "spec/volumeClaimTemplates/spec/storageClassName"),
                ]),
            },
            NameRef {
                referral: gvk("scheduling.k8s.io", "v1", "PriorityClass"),
                specs: workload_refs("priorityClassName"),
            },
            NameRef {
                referral: gvk("networking.k8s.io/v1", "v1", "IngressClass"),
                specs: specs(&[("", "", "Ingress", "spec/ingressClassName")]),
            },
            NameRef {
                referral: gvk("admissionregistration.k8s.io", "", "ValidatingAdmissionPolicy"),
                specs: specs(&[(
                    "admissionregistration.k8s.io",
                    "",
                    "ValidatingAdmissionPolicyBinding",
                    "spec/policyName",
                )]),
            },
        ];

        let containers = [
            "spec/containers",
            "spec/initContainers",
            "spec/template/spec/containers",
            "spec/template/spec/initContainers",
        ];
        TransformerConfig {
            name_prefix: vec![FieldSpec::new("", "", "", "metadata/name", false)],
            name_suffix: vec![FieldSpec::new("", "", "", "metadata/name", false)],
            namespace: vec![
                FieldSpec::new("", "", "", "metadata/namespace", true),
                FieldSpec::new("apiregistration.k8s.io", "", "APIService", "spec/service/namespace", false),
                FieldSpec::new(
                    "apiextensions.k8s.io",
                    "",
                    "CustomResourceDefinition",
                    "spec/conversion/webhook/clientConfig/service/namespace",
                    false,
                ),
            ],
            common_labels,
            template_labels,
            labels: Vec::new(),
            common_annotations,
            images: containers.iter().map(|p| FieldSpec::new("", "", "", &format!("{p}[]/image"), true)).collect(),
            replicas: specs(&[
                ("", "", "Deployment", "spec/replicas"),
                ("", "", "ReplicationController", "spec/replicas"),
                ("", "", "ReplicaSet", "spec/replicas"),
                ("apps", "", "StatefulSet", "spec/replicas"),
            ])
            .into_iter()
            .map(|mut f| {
                f.create = true;
                f
            })
            .collect(),
            var_reference: Vec::new(),
            name_reference,
            custom: false,
        }
    }

    /// Add another configuration's specs (a `configurations:` file). A spec for the same path whose kind an
    /// existing spec already selects replaces that spec (so a custom `namePrefix` spec for one kind narrows the
    /// default one for all kinds, as in kustomize); other specs are appended.
    pub fn merge(&mut self, other: TransformerConfig) {
        self.custom = true;
        fn add(into: &mut Vec<FieldSpec>, from: Vec<FieldSpec>) {
            for f in from {
                match into.iter().position(|e| e.path == f.path && e.gvk.selects(&f.gvk)) {
                    Some(i) => into[i] = f,
                    None => into.push(f),
                }
            }
        }
        add(&mut self.name_prefix, other.name_prefix);
        add(&mut self.name_suffix, other.name_suffix);
        add(&mut self.namespace, other.namespace);
        add(&mut self.common_labels, other.common_labels);
        add(&mut self.template_labels, other.template_labels);
        add(&mut self.labels, other.labels);
        add(&mut self.common_annotations, other.common_annotations);
        add(&mut self.images, other.images);
        add(&mut self.replicas, other.replicas);
        add(&mut self.var_reference, other.var_reference);
        for nr in other.name_reference {
            match self.name_reference.iter_mut().find(|n| n.referral == nr.referral) {
                Some(existing) => add(&mut existing.specs, nr.specs),
                None => self.name_reference.push(nr),
            }
        }
    }
}

/// A `configurations:` file, as kustomize reads it (unknown fields are ignored, as there).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigFile {
    #[serde(default)]
    name_prefix: Option<Vec<RawSpec>>,
    #[serde(default)]
    name_suffix: Option<Vec<RawSpec>>,
    #[serde(default)]
    namespace: Option<Vec<RawSpec>>,
    #[serde(default)]
    common_labels: Option<Vec<RawSpec>>,
    #[serde(default)]
    template_labels: Option<Vec<RawSpec>>,
    #[serde(default)]
    labels: Option<Vec<RawSpec>>,
    #[serde(default)]
    common_annotations: Option<Vec<RawSpec>>,
    #[serde(default)]
    images: Option<Vec<RawSpec>>,
    #[serde(default)]
    replicas: Option<Vec<RawSpec>>,
    #[serde(default)]
    var_reference: Option<Vec<RawSpec>>,
    #[serde(default)]
    name_reference: Option<Vec<RawNameRef>>,
}

/// A field spec as written in configuration files and kustomizations (`fields:` of `labels:`).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawSpec {
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub create: Option<bool>,
}

impl RawSpec {
    pub fn spec(&self) -> FieldSpec {
        FieldSpec {
            gvk: gvk(
                self.group.as_deref().unwrap_or(""),
                self.version.as_deref().unwrap_or(""),
                self.kind.as_deref().unwrap_or(""),
            ),
            path: self.path.clone().unwrap_or_default(),
            create: self.create.unwrap_or(false),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawNameRef {
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    field_specs: Option<Vec<RawSpec>>,
}

impl ConfigFile {
    pub fn into_config(self) -> TransformerConfig {
        let conv = |v: Option<Vec<RawSpec>>| v.unwrap_or_default().iter().map(RawSpec::spec).collect::<Vec<_>>();
        TransformerConfig {
            name_prefix: conv(self.name_prefix),
            name_suffix: conv(self.name_suffix),
            namespace: conv(self.namespace),
            common_labels: conv(self.common_labels),
            template_labels: conv(self.template_labels),
            labels: conv(self.labels),
            common_annotations: conv(self.common_annotations),
            images: conv(self.images),
            replicas: conv(self.replicas),
            var_reference: conv(self.var_reference),
            name_reference: self
                .name_reference
                .unwrap_or_default()
                .into_iter()
                .map(|n| NameRef {
                    referral: gvk(
                        n.group.as_deref().unwrap_or(""),
                        n.version.as_deref().unwrap_or(""),
                        n.kind.as_deref().unwrap_or(""),
                    ),
                    specs: n.field_specs.unwrap_or_default().iter().map(RawSpec::spec).collect(),
                })
                .collect(),
            custom: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_split_and_visit() {
        assert_eq!(split_path("metadata/annotations/a.b\\/c"), ["metadata", "annotations", "a.b/c"]);
        assert_eq!(split_path("spec/containers[]/image"), ["spec", "containers", "image"]);
        let mut v = json!({"spec": {"containers": [{"image": "a"}, {"image": "b"}, {"name": "c"}]}});
        let mut seen = Vec::new();
        visit(&mut v, &split_path("spec/containers/image"), false, &mut |x| {
            seen.push(x.clone());
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, [json!("a"), json!("b")]);
        let mut v = json!({"metadata": {}});
        visit(&mut v, &split_path("metadata/labels"), true, &mut |x| {
            *x = json!({"a": "b"});
            Ok(())
        })
        .unwrap();
        assert_eq!(v, json!({"metadata": {"labels": {"a": "b"}}}));
    }
}
