//! Built-in plugin configurations in a kustomization's `transformers:` and `generators:` fields
//! (`apiVersion: builtin`, `kind: PrefixSuffixTransformer` and so on), given inline, as files, or as
//! kustomization directories that produce them. fleetgate runs no external plugins: any other kind fails with
//! an error naming it.

use super::super::build::{Acc, RenderError, err};
use super::super::fieldspec::{FieldSpec, RawSpec};
use super::super::types::{Image, Replica};
use crate::manifest::{self, Limits};
use crate::source::{EntryKind, Snapshot, join};
use serde_json::Value;

/// The plugin configurations named by `entries` (inline YAML, files, or directories with a kustomization).
pub(crate) fn load(
    snap: &Snapshot,
    dir: &str,
    kfile: &str,
    entries: &[String],
    restrict_to: Option<&str>,
) -> Result<Vec<Value>, RenderError> {
    let mut out = Vec::new();
    for entry in entries {
        if entry.contains('\n')
            || entry.trim_start().starts_with("apiVersion")
            || entry.trim_start().starts_with("kind")
        {
            out.extend(parse(kfile, entry)?);
            continue;
        }
        let path = join(dir, entry).map_err(|e| err(format!("{kfile}: {entry:?}: {e}")))?;
        match snap.kind(&path).map_err(|e| err(e.to_string()))? {
            Some(EntryKind::File) => {
                super::super::build::check_restricted(&path, restrict_to)?;
                let text = snap.read_string(&path).map_err(|e| err(e.to_string()))?;
                out.extend(parse(&path, &text)?);
            }
            Some(EntryKind::Dir) => {
                let opts = super::super::Options { reorder: super::super::Reorder::None, ..Default::default() };
                let rendered = super::super::build(snap, &path, &opts)?;
                out.extend(rendered.values());
            }
            _ => return Err(err(format!("{kfile}: plugin configuration {entry:?} not found"))),
        }
    }
    Ok(out)
}

fn parse(file: &str, text: &str) -> Result<Vec<Value>, RenderError> {
    let docs = manifest::parse(file, text, &Limits::default()).map_err(|e| err(e.to_string()))?;
    Ok(docs.iter().filter(|d| !d.root.is_null()).map(|d| super::super::value_of(&d.root)).collect())
}

fn specs(cfg: &Value) -> Vec<FieldSpec> {
    cfg.get("fieldSpecs")
        .and_then(|v| serde_json::from_value::<Vec<RawSpec>>(v.clone()).ok())
        .unwrap_or_default()
        .iter()
        .map(RawSpec::spec)
        .collect()
}

fn string_pairs(v: Option<&Value>) -> Vec<(String, String)> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| if v.is_null() { String::new() } else { v.to_string() }),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Apply one transformer plugin configuration.
pub(crate) fn transform(
    snap: &Snapshot,
    dir: &str,
    kfile: &str,
    cfg: &Value,
    acc: &mut Acc,
    restrict_to: Option<&str>,
) -> Result<(), RenderError> {
    let kind = cfg.get("kind").and_then(Value::as_str).unwrap_or("");
    let api = cfg.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let fs = specs(cfg);
    let text = |key: &str| cfg.get(key).and_then(Value::as_str).unwrap_or("").to_string();
    match kind {
        "PrefixSuffixTransformer" | "PrefixTransformer" | "SuffixTransformer" => {
            let (p, s) = (text("prefix"), text("suffix"));
            if !p.is_empty() {
                super::prefix(acc, &p, &fs);
            }
            if !s.is_empty() {
                super::suffix(acc, &s, &fs);
            }
            Ok(())
        }
        "LabelTransformer" => super::set_map_entries(acc, &fs, &string_pairs(cfg.get("labels"))),
        "AnnotationsTransformer" => super::set_map_entries(acc, &fs, &string_pairs(cfg.get("annotations"))),
        "NamespaceTransformer" => {
            let ns =
                cfg.get("metadata").and_then(|m| m.get("namespace")).and_then(Value::as_str).unwrap_or("").to_string();
            if ns.is_empty() { Ok(()) } else { super::namespace(acc, &ns, &fs) }
        }
        "ImageTagTransformer" => {
            let img: Image = cfg
                .get("imageTag")
                .and_then(|v| serde_json::from_value(v.clone()).ok())
                .ok_or_else(|| err(format!("{kfile}: ImageTagTransformer needs imageTag")))?;
            let saved = std::mem::replace(&mut std::sync::Arc::make_mut(&mut acc.config).images, fs);
            let r = super::images::apply(acc, &img);
            std::sync::Arc::make_mut(&mut acc.config).images = saved;
            r
        }
        "ReplicaCountTransformer" => {
            let rep: Replica = cfg
                .get("replica")
                .and_then(|v| serde_json::from_value(v.clone()).ok())
                .ok_or_else(|| err(format!("{kfile}: ReplicaCountTransformer needs replica")))?;
            let saved = std::mem::replace(&mut std::sync::Arc::make_mut(&mut acc.config).replicas, fs);
            let r = super::replicas(acc, &rep);
            std::sync::Arc::make_mut(&mut acc.config).replicas = saved;
            r
        }
        "PatchTransformer" | "PatchJson6902Transformer" => {
            let mut patch: super::super::types::Patch = serde_json::from_value(serde_json::json!({
                "path": cfg.get("path"),
                "patch": cfg.get("patch").or(cfg.get("jsonOp")),
                "target": cfg.get("target"),
                "options": cfg.get("options"),
            }))
            .map_err(|e| err(format!("{kfile}: {kind}: {e}")))?;
            if patch.path.is_some() && patch.patch.is_some() {
                patch.patch = None;
            }
            super::patches::patch_entry(snap, dir, kfile, &patch, acc, restrict_to, kind == "PatchJson6902Transformer")
        }
        "PatchStrategicMergeTransformer" => {
            let mut entries: Vec<String> =
                cfg.get("paths").and_then(|v| serde_json::from_value(v.clone()).ok()).unwrap_or_default();
            if let Some(p) = cfg.get("patches").and_then(Value::as_str) {
                entries.push(p.to_string());
            }
            super::patches::strategic_merge_field(snap, dir, kfile, &entries, acc, restrict_to)
        }
        "ReplacementTransformer" => {
            let reps: Vec<super::super::types::ReplacementField> = cfg
                .get("replacements")
                .map(|v| serde_json::from_value(v.clone()))
                .transpose()
                .map_err(|e| err(format!("{kfile}: ReplacementTransformer: {e}")))?
                .unwrap_or_default();
            super::replacements(acc, &reps, kfile)
        }
        _ => Err(err(format!(
            "{kfile}: transformer {api}/{kind} is not supported by fleetgate's renderer (it runs no external plugins); use the equivalent kustomization field or configure the external kustomize fallback"
        ))),
    }
}

/// A ConfigMapGenerator/SecretGenerator plugin configuration as generator arguments (`metadata.name` and
/// `metadata.namespace` name the object; the other fields are those of a kustomization's generator entry).
pub(crate) fn generator_args(cfg: &Value) -> Result<super::super::types::GeneratorArgs, String> {
    let mut m = cfg.as_object().cloned().unwrap_or_default();
    let md = m.remove("metadata");
    for k in ["apiVersion", "kind"] {
        m.remove(k);
    }
    if let Some(md) = md {
        // The entry's own `name`/`namespace` win; metadata gives them only when they are absent.
        for k in ["name", "namespace"] {
            if let Some(v) = md.get(k)
                && !m.contains_key(k)
            {
                m.insert(k.to_string(), v.clone());
            }
        }
    }
    // Other fields (a plugin config's top-level `labels`, say) are not generator arguments: kustomize ignores
    // them.
    const KNOWN: [&str; 9] = ["namespace", "name", "behavior", "literals", "files", "envs", "env", "options", "type"];
    m.retain(|k, _| KNOWN.contains(&k.as_str()));
    serde_json::from_value(Value::Object(m)).map_err(|e| format!("generator configuration: {e}"))
}

/// kustomize's built-in `IAMPolicyGenerator` (GKE workload identity): a ServiceAccount annotated with the
/// Google service account it acts as.
pub(crate) fn iam_policy(cfg: &Value) -> Result<super::super::resource::Resource, String> {
    let text = |path: &[&str]| {
        let mut v = cfg;
        for k in path {
            v = v.get(k)?;
        }
        v.as_str().map(str::to_string)
    };
    if text(&["cloud"]).as_deref() != Some("gke") {
        return Err("only `cloud: gke` is supported".to_string());
    }
    let name = text(&["kubernetesService", "name"]).ok_or("kubernetesService.name is required")?;
    let gsa = text(&["serviceAccount", "name"]).ok_or("serviceAccount.name is required")?;
    let project = text(&["serviceAccount", "projectId"]).ok_or("serviceAccount.projectId is required")?;
    let mut md = serde_json::Map::new();
    md.insert(
        "annotations".into(),
        serde_json::json!({"iam.gke.io/gcp-service-account": format!("{gsa}@{project}.iam.gserviceaccount.com")}),
    );
    md.insert("name".into(), Value::String(name));
    if let Some(ns) = text(&["kubernetesService", "namespace"]) {
        md.insert("namespace".into(), Value::String(ns));
    }
    let obj = serde_json::json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": Value::Object(md)});
    Ok(super::super::resource::Resource::new(obj, None))
}
