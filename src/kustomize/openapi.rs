//! Custom OpenAPI schemas (a kustomization's `openapi: {path: …}`): which lists of custom kinds merge by key
//! in strategic merge patches, read from `x-kubernetes-patch-strategy`, `x-kubernetes-patch-merge-key` and
//! `x-kubernetes-list-map-keys` of Swagger-style `definitions`, found by `x-kubernetes-group-version-kind`.

use super::patch::{BuiltinSchema, Gvk, ListStrategy, MergeSchema};
use serde_json::Value;
use std::collections::HashMap;

/// A schema file's definitions.
#[derive(Debug, Default, Clone)]
pub struct CustomSchema {
    definitions: HashMap<String, Value>,
    by_gvk: HashMap<Gvk, String>,
}

impl CustomSchema {
    /// Read a schema document (JSON or YAML already parsed).
    pub fn from_value(doc: &Value) -> Result<CustomSchema, String> {
        let Some(defs) = doc.get("definitions").and_then(Value::as_object) else {
            return Err("the schema has no `definitions` map".to_string());
        };
        let mut s = CustomSchema::default();
        for (name, def) in defs {
            s.definitions.insert(name.clone(), def.clone());
            for g in def.get("x-kubernetes-group-version-kind").and_then(Value::as_array).into_iter().flatten() {
                let text = |k: &str| g.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                s.by_gvk.insert(Gvk::new(text("group"), text("version"), text("kind")), name.clone());
            }
        }
        Ok(s)
    }

    /// Follow `$ref`s inside the file. A reference to a Kubernetes type the file does not define is answered by
    /// kustomize's built-in schema (kyaml layers custom definitions over the built-in ones).
    fn deref<'a>(&'a self, mut v: &'a Value) -> Step<'a> {
        for _ in 0..32 {
            let Some(name) = v.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/definitions/"))
            else {
                return Step::Here(v);
            };
            match self.definitions.get(name) {
                Some(d) => v = d,
                None => return builtin_anchor(name).map_or(Step::Unknown, |(gvk, prefix)| Step::Builtin(gvk, prefix)),
            }
        }
        Step::Unknown
    }

    /// Where the field at `path` is described, stepping into list items on the way.
    fn field(&self, gvk: &Gvk, path: &[&str]) -> Option<Found<'_>> {
        let mut node = match self.deref(self.definitions.get(self.by_gvk.get(gvk)?)?) {
            Step::Here(v) => v,
            _ => return None,
        };
        for (i, seg) in path.iter().enumerate() {
            if i > 0 && node.get("items").is_some() {
                node = match self.deref(node.get("items")?) {
                    Step::Here(v) => v,
                    Step::Builtin(g, mut prefix) => {
                        prefix.extend(path[i..].iter().map(|s| s.to_string()));
                        return Some(Found::Builtin(g, prefix));
                    }
                    Step::Unknown => return None,
                };
            }
            node = match self.deref(node.get("properties")?.get(*seg)?) {
                Step::Here(v) => v,
                Step::Builtin(g, mut prefix) => {
                    prefix.extend(path[i + 1..].iter().map(|s| s.to_string()));
                    return Some(Found::Builtin(g, prefix));
                }
                Step::Unknown => return None,
            };
        }
        Some(Found::Here(node))
    }
}

enum Step<'a> {
    Here(&'a Value),
    Builtin(Gvk, Vec<String>),
    Unknown,
}

enum Found<'a> {
    Here(&'a Value),
    Builtin(Gvk, Vec<String>),
}

/// Built-in Kubernetes types a custom schema may refer to, as a built-in kind and the path where that kind holds
/// the type.
fn builtin_anchor(definition: &str) -> Option<(Gvk, Vec<String>)> {
    let pod = || Gvk::new("", "v1", "Pod");
    let (gvk, path): (Gvk, &[&str]) = match definition {
        "io.k8s.api.core.v1.PodTemplateSpec" => (Gvk::new("", "v1", "PodTemplate"), &["template"]),
        "io.k8s.api.core.v1.PodSpec" => (pod(), &["spec"]),
        "io.k8s.api.core.v1.Container" => (pod(), &["spec", "containers"]),
        "io.k8s.api.core.v1.Volume" => (pod(), &["spec", "volumes"]),
        "io.k8s.api.core.v1.VolumeMount" => (pod(), &["spec", "containers", "volumeMounts"]),
        "io.k8s.api.core.v1.EnvVar" => (pod(), &["spec", "containers", "env"]),
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" => (pod(), &["metadata"]),
        _ => return None,
    };
    Some((gvk, path.iter().map(|s| s.to_string()).collect()))
}

impl MergeSchema for CustomSchema {
    fn list_strategy(&self, gvk: &Gvk, path: &[&str]) -> ListStrategy {
        let f = match self.field(gvk, path) {
            Some(Found::Here(f)) => f,
            Some(Found::Builtin(g, p)) => {
                let p: Vec<&str> = p.iter().map(String::as_str).collect();
                return BuiltinSchema.list_strategy(&g, &p);
            }
            None => return ListStrategy::Replace,
        };
        let strategy = f.get("x-kubernetes-patch-strategy").and_then(Value::as_str).unwrap_or("");
        if !strategy.split(',').any(|s| s.trim() == "merge") {
            return ListStrategy::Replace;
        }
        if let Some(keys) = f.get("x-kubernetes-list-map-keys").and_then(Value::as_array) {
            let keys: Vec<String> = keys.iter().filter_map(|k| k.as_str().map(str::to_string)).collect();
            if !keys.is_empty() {
                return ListStrategy::MergeKeys(keys);
            }
        }
        match f.get("x-kubernetes-patch-merge-key").and_then(Value::as_str) {
            Some(k) => ListStrategy::MergeKey(k.to_string()),
            None => ListStrategy::MergePrimitives,
        }
    }

    fn knows(&self, gvk: &Gvk) -> bool {
        self.by_gvk.contains_key(gvk)
    }

    fn knows_path(&self, gvk: &Gvk, path: &[&str]) -> bool {
        match self.field(gvk, path) {
            Some(Found::Here(_)) => true,
            Some(Found::Builtin(g, p)) => {
                let p: Vec<&str> = p.iter().map(String::as_str).collect();
                BuiltinSchema.knows_path(&g, &p)
            }
            None => false,
        }
    }
}

/// A custom schema in front of kustomize's built-in one.
pub struct Layered<'a> {
    pub custom: Option<&'a CustomSchema>,
}

impl MergeSchema for Layered<'_> {
    fn list_strategy(&self, gvk: &Gvk, path: &[&str]) -> ListStrategy {
        match self.custom {
            Some(c) if c.knows(gvk) => c.list_strategy(gvk, path),
            _ => BuiltinSchema.list_strategy(gvk, path),
        }
    }

    fn knows(&self, gvk: &Gvk) -> bool {
        self.custom.is_some_and(|c| c.knows(gvk)) || BuiltinSchema.knows(gvk)
    }

    fn knows_path(&self, gvk: &Gvk, path: &[&str]) -> bool {
        match self.custom {
            Some(c) if c.knows(gvk) => c.knows_path(gvk, path),
            _ => BuiltinSchema.knows_path(gvk, path),
        }
    }
}
