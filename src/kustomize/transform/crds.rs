//! `crds:` files: legacy OpenAPI definitions (`{"<pkg>.<Kind>": {"Schema": …, "Dependencies": …}}`) whose
//! properties carry `x-kubernetes-object-ref-kind` / `x-kubernetes-object-ref-api-version` declare name
//! references: a custom kind's field that names, say, a Secret is then updated when the Secret is renamed.

use super::super::build::{RenderError, err};
use super::super::fieldspec::{FieldSpec, NameRef, TransformerConfig};
use super::super::resource::Gvk;
use crate::manifest::{self, Limits};
use serde_json::Value;

/// Read a `crds:` file and add the name references it declares to `config`.
pub fn merge_crd_config(path: &str, text: &str, config: &mut TransformerConfig) -> Result<(), RenderError> {
    let docs = manifest::parse(path, text, &Limits::default()).map_err(|e| err(e.to_string()))?;
    for d in docs {
        let v = d.root.to_json();
        let Some(defs) = v.as_object() else { continue };
        let mut refs = Vec::new();
        for (name, def) in defs {
            let Some(schema) = def.get("Schema") else { continue };
            let props = schema.get("properties");
            // Objects (things with apiVersion and kind) are where references start.
            if !props.is_some_and(|p| p.get("apiVersion").is_some() && p.get("kind").is_some()) {
                continue;
            }
            let kind = name.rsplit('.').next().unwrap_or(name).to_string();
            walk(defs, schema, &kind, "", &mut refs, 0);
        }
        let mut extra = TransformerConfig::default();
        for (referral, spec) in refs {
            match extra.name_reference.iter_mut().find(|n| n.referral == referral) {
                Some(n) => n.specs.push(spec),
                None => extra.name_reference.push(NameRef { referral, specs: vec![spec] }),
            }
        }
        config.merge(extra);
    }
    Ok(())
}

fn walk(
    defs: &serde_json::Map<String, Value>,
    schema: &Value,
    kind: &str,
    prefix: &str,
    out: &mut Vec<(Gvk, FieldSpec)>,
    depth: usize,
) {
    if depth > 20 {
        return;
    }
    let Some(props) = schema.get("properties").and_then(Value::as_object) else { return };
    for (field, p) in props {
        let path = if prefix.is_empty() { field.clone() } else { format!("{prefix}/{field}") };
        if let Some(ref_kind) = p.get("x-kubernetes-object-ref-kind").and_then(Value::as_str) {
            let api = p.get("x-kubernetes-object-ref-api-version").and_then(Value::as_str).unwrap_or("");
            let referral = Gvk::from_api_version(api, ref_kind);
            let spec = FieldSpec {
                gvk: Gvk { kind: kind.to_string(), ..Gvk::default() },
                path: format!("{path}/name"),
                create: false,
            };
            out.push((referral, spec));
            continue;
        }
        if let Some(target) = p.get("$ref").and_then(Value::as_str)
            && let Some(sub) = defs.get(target).and_then(|d| d.get("Schema"))
        {
            walk(defs, sub, kind, &path, out, depth + 1);
        } else if p.get("properties").is_some() {
            walk(defs, p, kind, &path, out, depth + 1);
        }
    }
}
