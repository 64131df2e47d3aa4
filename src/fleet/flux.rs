//! Building one Flux Kustomization as kustomize-controller does: its `spec.path` (a kustomization, or the
//! implicit one for a plain directory) with `targetNamespace`, `patches`, `images`, `components`,
//! `namePrefix`/`nameSuffix` written into the kustomization, kustomize run without load restrictor and in input
//! order, then `postBuild` substitution and `commonMetadata` on the result.

use crate::kustomize::{self, KUSTOMIZATION_FILES, Options, emit};
use crate::manifest::{self, Limits};
use crate::source::{Access, Snapshot, join};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The annotation that turns substitution off for one object.
pub const SUBSTITUTE_ANNOTATION: &str = "kustomize.toolkit.fluxcd.io/substitute";

/// A Flux Kustomization's build settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BuildSpec {
    pub target_namespace: Option<String>,
    pub patches: Vec<Value>,
    pub images: Vec<Value>,
    pub components: Vec<String>,
    pub name_prefix: Option<String>,
    pub name_suffix: Option<String>,
    /// `postBuild.substitute` merged with the resolved `substituteFrom` values; `None` when there is no
    /// `postBuild` (then nothing is substituted).
    pub substitute: Option<BTreeMap<String, String>>,
    pub common_labels: BTreeMap<String, String>,
    pub common_annotations: BTreeMap<String, String>,
    /// Further kustomization fields to write (Argo CD's `commonLabels`, `commonAnnotations`, `replicas`); maps
    /// are merged into the kustomization's own, lists appended.
    pub kustomize_extra: BTreeMap<String, Value>,
    /// Set for Argo CD sync roots: how the root is built instead of as a Flux Kustomization.
    pub argo: Option<super::argo::ArgoBuild>,
}

impl BuildSpec {
    /// Read the settings of a Flux Kustomization object (`substituteFrom` is resolved by the caller).
    pub fn from_object(ks: &Value) -> BuildSpec {
        let spec = ks.get("spec");
        let s = |k: &str| spec.and_then(|s| s.get(k)).and_then(Value::as_str).map(str::to_string);
        let list = |k: &str| spec.and_then(|s| s.get(k)).and_then(Value::as_array).cloned().unwrap_or_default();
        let map = |v: Option<&Value>| -> BTreeMap<String, String> {
            v.and_then(Value::as_object)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), value_text(v))).collect())
                .unwrap_or_default()
        };
        let post = spec.and_then(|s| s.get("postBuild"));
        BuildSpec {
            target_namespace: s("targetNamespace").filter(|t| !t.is_empty()),
            patches: list("patches"),
            images: list("images"),
            components: list("components").iter().filter_map(|c| c.as_str().map(str::to_string)).collect(),
            name_prefix: s("namePrefix"),
            name_suffix: s("nameSuffix"),
            substitute: post.map(|p| map(p.get("substitute"))),
            common_labels: map(spec.and_then(|s| s.get("commonMetadata")).and_then(|c| c.get("labels"))),
            common_annotations: map(spec.and_then(|s| s.get("commonMetadata")).and_then(|c| c.get("annotations"))),
            kustomize_extra: BTreeMap::new(),
            argo: None,
        }
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The result of building one Flux Kustomization.
pub struct Built {
    pub objects: Result<Vec<Value>, String>,
    pub deps: Access,
}

/// Build directory `dir` of `snap` as kustomize-controller builds a Kustomization with `spec`.
pub fn build(snap: &Snapshot, dir: &str, spec: &BuildSpec) -> Built {
    build_with(snap, dir, spec, &Options::flux())
}

/// [`build`] with other kustomize options (Argo CD builds with kustomize's defaults).
pub fn build_with(snap: &Snapshot, dir: &str, spec: &BuildSpec, options: &Options) -> Built {
    let probe = snap.fork();
    let (overlay, mut deps) = match kustomization_override(&probe, dir, spec) {
        Ok(files) if files.is_empty() => (snap.clone(), probe.access()),
        Ok(files) => (probe.with_files(files), probe.access()),
        Err(e) => return Built { objects: Err(e), deps: probe.access() },
    };
    let (result, build_deps) = kustomize::build_tracked(&overlay, dir, options);
    deps.reads.extend(build_deps.reads);
    deps.lists.extend(build_deps.lists);
    let objects = result
        .map_err(|e| e.message)
        .and_then(|r| r.values().into_iter().map(|o| post_build(o, spec)).collect::<Result<Vec<_>, String>>());
    Built { objects, deps }
}

/// The kustomization file kustomize-controller writes for this build.
fn kustomization_override(snap: &Snapshot, dir: &str, spec: &BuildSpec) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut existing = None;
    for name in KUSTOMIZATION_FILES {
        let p = join(dir, name).map_err(|e| e.to_string())?;
        if snap.is_file(&p).map_err(|e| e.to_string())? {
            existing = Some(p);
            break;
        }
    }
    let needs_edit = spec.target_namespace.is_some()
        || !spec.patches.is_empty()
        || !spec.images.is_empty()
        || !spec.components.is_empty()
        || spec.name_prefix.is_some()
        || spec.name_suffix.is_some()
        || !spec.kustomize_extra.is_empty();
    let (path, mut k) = match &existing {
        // Built as it is: nothing to write.
        Some(_) if !needs_edit => return Ok(BTreeMap::new()),
        Some(p) => {
            let text = snap.read_string(p).map_err(|e| e.to_string())?;
            let limits = Limits { duplicate_keys_last_wins: true, ..Limits::default() };
            let docs = manifest::parse(p, &text, &limits).map_err(|e| e.to_string())?;
            let v = docs
                .first()
                .map(|d| kustomize::fieldcase::normalize_kustomization(kustomize::yaml11::to_json(&d.root)));
            (p.clone(), v.and_then(|v| v.as_object().cloned()).unwrap_or_default())
        }
        None => {
            let resources = kustomize::build::implicit_resources(snap, dir).map_err(|e| e.message)?;
            let mut m = Map::new();
            m.insert("apiVersion".into(), Value::String(kustomize::types::KUSTOMIZATION_API_VERSION.into()));
            m.insert("kind".into(), Value::String("Kustomization".into()));
            m.insert("resources".into(), Value::Array(resources.into_iter().map(Value::String).collect()));
            (join(dir, "kustomization.yaml").map_err(|e| e.to_string())?, m)
        }
    };
    if let Some(ns) = &spec.target_namespace {
        k.insert("namespace".into(), Value::String(ns.clone()));
    }
    let mut append = |key: &str, items: Vec<Value>| {
        if items.is_empty() {
            return;
        }
        let entry = k.entry(key.to_string()).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(a) = entry {
            a.extend(items);
        } else {
            *entry = Value::Array(items);
        }
    };
    append("patches", spec.patches.clone());
    append("images", spec.images.clone());
    append("components", spec.components.iter().cloned().map(Value::String).collect());
    if let Some(p) = &spec.name_prefix {
        k.insert("namePrefix".into(), Value::String(p.clone()));
    }
    if let Some(s) = &spec.name_suffix {
        k.insert("nameSuffix".into(), Value::String(s.clone()));
    }
    for (key, extra) in &spec.kustomize_extra {
        match (k.get_mut(key), extra) {
            (Some(Value::Object(mine)), Value::Object(more)) => {
                mine.extend(more.iter().map(|(a, b)| (a.clone(), b.clone())));
            }
            (Some(Value::Array(mine)), Value::Array(more)) => mine.extend(more.iter().cloned()),
            _ => {
                k.insert(key.clone(), extra.clone());
            }
        }
    }
    // JSON is YAML: the renderer reads it like any kustomization file.
    let text = serde_json::to_vec(&Value::Object(k)).map_err(|e| e.to_string())?;
    Ok(BTreeMap::from([(path, text)]))
}

/// `postBuild` substitution and `commonMetadata` on one built object.
fn post_build(obj: Value, spec: &BuildSpec) -> Result<Value, String> {
    let mut obj = obj;
    let disabled = obj
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(SUBSTITUTE_ANNOTATION))
        .and_then(Value::as_str)
        == Some("disabled");
    if let (Some(vars), false) = (&spec.substitute, disabled) {
        let text = emit::to_yaml(&obj);
        let out = substitute(&text, vars)?;
        if out != text {
            let docs = manifest::parse("postBuild", &out, &Limits::default())
                .map_err(|e| format!("after substitution: {e}"))?;
            if let Some(d) = docs.first() {
                obj = kustomize::value_of(&d.root);
            }
        }
    }
    for (key, extra) in [("labels", &spec.common_labels), ("annotations", &spec.common_annotations)] {
        if extra.is_empty() {
            continue;
        }
        if let Some(md) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            let m = md.entry(key).or_insert_with(|| Value::Object(Map::new()));
            if let Some(m) = m.as_object_mut() {
                for (k, v) in extra {
                    m.insert(k.clone(), Value::String(v.clone()));
                }
            }
        }
    }
    Ok(obj)
}

/// Flux's variable substitution (drone/envsubst syntax): `${var}`, `${var:=default}`, `${var:-default}`,
/// `${var=default}`, `${var-default}`; `$${var}` is an escape for a literal `${var}`. Unset variables without a
/// default become empty strings, as Flux does outside strict mode.
pub fn substitute(text: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut last = 0;
    while i + 1 < b.len() {
        if b[i] == b'$' && b[i + 1] == b'$' && b.get(i + 2) == Some(&b'{') {
            out.push_str(&text[last..i]);
            out.push('$');
            i += 2;
            last = i;
            continue;
        }
        if b[i] == b'$' && b[i + 1] == b'{' {
            let Some(close) = text[i + 2..].find('}') else { break };
            let inner = &text[i + 2..i + 2 + close];
            let name_end = inner.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(inner.len());
            let (name, rest) = inner.split_at(name_end);
            if name.is_empty() || name.as_bytes()[0].is_ascii_digit() {
                i += 1;
                continue;
            }
            let value = match vars.get(name) {
                Some(v) if !(v.is_empty() && rest.starts_with(":")) => v.clone(),
                found => {
                    let default = [":=", ":-", "=", "-"].iter().find_map(|op| rest.strip_prefix(op));
                    match (found, default) {
                        (Some(v), None) => v.clone(),
                        (_, Some(d)) => d.to_string(),
                        (None, None) => String::new(),
                    }
                }
            };
            out.push_str(&text[last..i]);
            out.push_str(&value);
            i = i + 2 + close + 1;
            last = i;
            continue;
        }
        i += 1;
    }
    out.push_str(&text[last..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitution_follows_flux() {
        let vars: BTreeMap<String, String> = [("CLUSTER".to_string(), "prod-eu".to_string())].into_iter().collect();
        assert_eq!(substitute("name: ${CLUSTER}-x", &vars).unwrap(), "name: prod-eu-x");
        assert_eq!(substitute("r: ${REGION:=eu-west-1}", &vars).unwrap(), "r: eu-west-1");
        assert_eq!(substitute("r: ${REGION:-eu}", &vars).unwrap(), "r: eu");
        assert_eq!(substitute("r: ${CLUSTER:=other}", &vars).unwrap(), "r: prod-eu");
        assert_eq!(substitute("r: ${MISSING}", &vars).unwrap(), "r: ");
        assert_eq!(substitute("lit: $${CLUSTER}", &vars).unwrap(), "lit: ${CLUSTER}");
        assert_eq!(substitute("no vars here $HOME", &vars).unwrap(), "no vars here $HOME");
    }
}
