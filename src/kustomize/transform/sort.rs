//! kustomize's legacy resource order: a fixed kind order first and last, then Gvk, namespace, name.

use super::super::resource::{Gvk, Resource};
use super::super::types::LegacySortOptions;
use std::cmp::Ordering;

const ORDER_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];

const ORDER_LAST: &[&str] = &["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];

fn rank(kind: &str, first: &[String], last: &[String]) -> i64 {
    if let Some(i) = first.iter().position(|k| k == kind) {
        return i as i64 - first.len() as i64;
    }
    if let Some(i) = last.iter().position(|k| k == kind) {
        return i as i64 + 1;
    }
    0
}

/// Sort in kustomize's legacy order (stable). Custom `orderFirst`/`orderLast` replace the defaults.
pub fn legacy(resources: &mut [Resource], custom: Option<&LegacySortOptions>) {
    let first: Vec<String> = match custom.and_then(|c| c.order_first.clone()) {
        Some(v) => v,
        None => ORDER_FIRST.iter().map(|s| s.to_string()).collect(),
    };
    let last: Vec<String> = match custom.and_then(|c| c.order_last.clone()) {
        Some(v) => v,
        None => ORDER_LAST.iter().map(|s| s.to_string()).collect(),
    };
    resources.sort_by(|a, b| {
        let (ga, gb) = (a.gvk(), b.gvk());
        compare_gvk(&ga, &gb, &first, &last)
            .then_with(|| a.namespace().cmp(b.namespace()))
            .then_with(|| a.name().cmp(b.name()))
    });
}

fn compare_gvk(a: &Gvk, b: &Gvk, first: &[String], last: &[String]) -> Ordering {
    rank(&a.kind, first, last).cmp(&rank(&b.kind, first, last)).then_with(|| sort_key(a).cmp(&sort_key(b)))
}

/// kyaml's `Gvk.String()`: `group_version_kind`, with `~G`, `~V`, `~K` for empty parts.
fn sort_key(g: &Gvk) -> String {
    let or = |s: &str, d: &str| if s.is_empty() { d.to_string() } else { s.to_string() };
    format!("{}_{}_{}", or(&g.group, "~G"), or(&g.version, "~V"), or(&g.kind, "~K"))
}
