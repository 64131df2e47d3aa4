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

    fn deref<'a>(&'a self, mut v: &'a Value) -> &'a Value {
        for _ in 0..32 {
            match v.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/definitions/")) {
                Some(name) => match self.definitions.get(name) {
                    Some(d) => v = d,
                    None => return v,
                },
                None => return v,
            }
        }
        v
    }

    /// The schema of the field at `path`, stepping into list items on the way.
    fn field(&self, gvk: &Gvk, path: &[&str]) -> Option<&Value> {
        let mut node = self.deref(self.definitions.get(self.by_gvk.get(gvk)?)?);
        for (i, seg) in path.iter().enumerate() {
            if i > 0 && node.get("items").is_some() {
                node = self.deref(node.get("items")?);
            }
            node = self.deref(node.get("properties")?.get(*seg)?);
        }
        Some(node)
    }
}

impl MergeSchema for CustomSchema {
    fn list_strategy(&self, gvk: &Gvk, path: &[&str]) -> ListStrategy {
        let Some(f) = self.field(gvk, path) else { return ListStrategy::Replace };
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
        self.field(gvk, path).is_some()
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
