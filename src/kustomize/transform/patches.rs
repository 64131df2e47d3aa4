//! `patchesStrategicMerge`, `patches` and `patchesJson6902`: finding the targets, keeping their identity, and
//! dropping objects a patch deletes. The merge itself is [`crate::kustomize::patch`].

use super::super::build::{Acc, RenderError, err};
use super::super::patch::{Gvk as PGvk, PatchOutcome, json6902, strategic_merge};
use super::super::resource::{ResId, Resource, ns_eq};
use super::super::types::{Patch, Selector};
use super::with_ids;
use crate::manifest::{self, Limits};
use crate::source::{Snapshot, join};
use serde_json::Value;

/// A patch's content: strategic merge documents or JSON 6902 operations.
enum Content {
    Smp(Vec<Value>),
    Json(Value),
}

fn parse_content(origin: &str, text: &str) -> Result<Content, RenderError> {
    let docs = manifest::parse(origin, text, &Limits::default())
        .map_err(|e| err(format!("trouble configuring builtin PatchTransformer with config: {e}")))?;
    let values: Vec<Value> =
        docs.iter().filter(|d| !d.root.is_null()).map(|d| super::super::value_of(&d.root)).collect();
    match values.as_slice() {
        [Value::Array(_)] => Ok(Content::Json(values.into_iter().next().unwrap_or(Value::Null))),
        _ if values.iter().all(Value::is_object) => Ok(Content::Smp(values)),
        _ => {
            Err(err(format!("{origin}: a patch is a strategic merge patch (a mapping) or a JSON 6902 patch (a list)")))
        }
    }
}

fn read_patch_file(
    snap: &Snapshot,
    dir: &str,
    kfile: &str,
    path: &str,
    restrict_to: Option<&str>,
) -> Result<(String, String), RenderError> {
    let full = join(dir, path).map_err(|m| err(format!("{kfile}: patch path {path:?}: {m}")))?;
    super::super::build::check_restricted(&full, restrict_to)?;
    let text = snap.read_string(&full).map_err(|m| err(format!("{kfile}: patch {path:?}: {m}")))?;
    Ok((full, text))
}

fn schema_gvk(r: &Resource) -> PGvk {
    let g = r.gvk();
    PGvk { group: g.group, version: g.version, kind: g.kind }
}

/// Merge `patch` into resource `i`, keeping its name, namespace and kind unless the options allow a change.
/// Returns whether the patch deleted the resource.
fn apply_smp(
    acc: &mut Acc,
    i: usize,
    patch: &Value,
    allow_name: bool,
    allow_kind: bool,
    origin: &str,
) -> Result<bool, RenderError> {
    let acc_schema = acc.schema.clone();
    let r = &mut acc.resources[i];
    let (name, ns, kind) = (r.name().to_string(), r.namespace().to_string(), r.kind().to_string());
    let gvk = schema_gvk(r);
    let schema = super::super::openapi::Layered { custom: acc_schema.as_deref() };
    let outcome = strategic_merge(&mut r.obj, patch, &schema)
        .map_err(|e| err(format!("{origin}: applying the patch to {}: {}", r.id().display(), e.message)))?;
    if outcome == PatchOutcome::Deleted {
        return Ok(true);
    }
    let _ = gvk;
    let new_name = r.name().to_string();
    let new_kind = r.kind().to_string();
    let kind_changes = allow_kind && !new_kind.is_empty() && new_kind != kind;
    let name_changes = allow_name && !new_name.is_empty() && new_name != name;
    // Remember the identity before the patch when it changes it.
    set_top(&mut r.obj, "kind", &kind);
    set_meta(&mut r.obj, "name", &name);
    if kind_changes || name_changes {
        r.remember();
    }
    if kind_changes {
        set_top(&mut r.obj, "kind", &new_kind);
    }
    if name_changes {
        set_meta(&mut r.obj, "name", &new_name);
    }
    if ns.is_empty() {
        if let Some(md) = r.obj.get_mut("metadata").and_then(Value::as_object_mut) {
            md.shift_remove("namespace");
        }
    } else {
        set_meta(&mut r.obj, "namespace", &ns);
    }
    Ok(false)
}

fn set_top(obj: &mut Value, key: &str, value: &str) {
    if let Some(m) = obj.as_object_mut() {
        m.insert(key.to_string(), Value::String(value.to_string()));
    }
}

fn set_meta(obj: &mut Value, key: &str, value: &str) {
    if let Some(md) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        md.insert(key.to_string(), Value::String(value.to_string()));
    }
}

/// The resource a patch names by its own apiVersion/kind/name/namespace: the one whose current or any earlier
/// id equals it.
fn target_of_patch(acc: &Acc, patch: &Value, origin: &str) -> Result<usize, RenderError> {
    let s = |p: &[&str]| {
        let mut v = patch;
        for k in p {
            v = match v.get(k) {
                Some(x) => x,
                None => return String::new(),
            };
        }
        v.as_str().unwrap_or("").to_string()
    };
    let want = ResId {
        gvk: super::super::resource::Gvk::from_api_version(&s(&["apiVersion"]), &s(&["kind"])),
        name: s(&["metadata", "name"]),
        namespace: s(&["metadata", "namespace"]),
    };
    let hits: Vec<usize> = acc
        .resources
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            let g = r.gvk();
            want.gvk.group == g.group
                && (want.gvk.version.is_empty() || want.gvk.version == g.version)
                && r.all_ids()
                    .iter()
                    .any(|(k, ns, n)| *k == want.gvk.kind && *n == want.name && ns_eq(ns, &want.namespace))
        })
        .map(|(i, _)| i)
        .collect();
    match hits.as_slice() {
        [one] => Ok(*one),
        [] => Err(err(format!(
            "{origin}: failed to find unique target for patch {}: no object matches; check its apiVersion, kind, name and namespace",
            want.display()
        ))),
        _ => Err(err(format!(
            "{origin}: failed to find unique target for patch {}: {} objects match",
            want.display(),
            hits.len()
        ))),
    }
}

fn select(acc: &mut Acc, sel: &Selector, origin: &str) -> Result<Vec<usize>, RenderError> {
    with_ids(acc, |vals| super::super::replacements::select(vals, sel))
        .map_err(|e| err(format!("{origin}: patch target: {}", e.0)))
}

fn remove(acc: &mut Acc, mut deleted: Vec<usize>) {
    deleted.sort_unstable();
    deleted.dedup();
    for i in deleted.into_iter().rev() {
        acc.resources.remove(i);
    }
}

/// The legacy `patchesStrategicMerge:` field: files or inline patches, each applied to the object it names.
pub(crate) fn strategic_merge_field(
    snap: &Snapshot,
    dir: &str,
    kfile: &str,
    entries: &[String],
    acc: &mut Acc,
    restrict_to: Option<&str>,
) -> Result<(), RenderError> {
    let mut total = 0;
    for e in entries {
        let (origin, text) =
            if e.contains('\n') || e.trim_start().starts_with('{') || e.trim_start().starts_with("apiVersion") {
                (kfile.to_string(), e.clone())
            } else {
                read_patch_file(snap, dir, kfile, e, restrict_to)?
            };
        let Content::Smp(docs) = parse_content(&origin, &text)? else {
            return Err(err(format!(
                "{origin}: patchesStrategicMerge entries are strategic merge patches, not JSON 6902 lists"
            )));
        };
        total += docs.len();
        for p in docs {
            let i = target_of_patch(acc, &p, &origin)?;
            if apply_smp(acc, i, &p, false, false, &origin)? {
                acc.resources.remove(i);
            }
        }
    }
    if total == 0 && !entries.is_empty() {
        return Err(err(format!(
            "{kfile}: patch appears to be empty; files={entries:?}: give each patch file a strategic merge patch or remove it"
        )));
    }
    Ok(())
}

/// One entry of `patches:` (a strategic merge or JSON 6902 patch, inline or from a file, with an optional
/// target selector).
pub(crate) fn patch_entry(
    snap: &Snapshot,
    dir: &str,
    kfile: &str,
    p: &Patch,
    acc: &mut Acc,
    restrict_to: Option<&str>,
    json_only: bool,
) -> Result<(), RenderError> {
    let (origin, text) = match (&p.path, &p.patch) {
        (Some(path), None) => read_patch_file(snap, dir, kfile, path, restrict_to)?,
        (None, Some(inline)) => (kfile.to_string(), inline.clone()),
        (Some(_), Some(_)) => return Err(err(format!("{kfile}: a patch cannot have both path and patch; keep one"))),
        (None, None) => return Err(err(format!("{kfile}: a patch needs a path or an inline patch"))),
    };
    let opt = |k: &str| p.options.as_ref().and_then(|o| o.get(k).copied().flatten()).unwrap_or(false);
    let (allow_name, allow_kind) = (opt("allowNameChange"), opt("allowKindChange"));
    let content = parse_content(&origin, &text)?;
    match content {
        Content::Json(ops) => {
            let Some(target) = &p.target else {
                return Err(err(format!("{origin}: a JSON 6902 patch needs a target")));
            };
            for i in select(acc, target, &origin)? {
                let r = &mut acc.resources[i];
                let before = r.clone();
                json6902(&mut r.obj, &ops).map_err(|e| {
                    err(format!("{origin}: applying the JSON patch to {}: {}", r.id().display(), e.message))
                })?;
                if r.name() != before.name() || r.namespace() != before.namespace() || r.kind() != before.kind() {
                    // Record the identity the object had before the patch renamed it.
                    let after = std::mem::replace(&mut r.obj, before.obj);
                    r.remember();
                    r.obj = after;
                }
            }
        }
        Content::Smp(docs) if json_only => {
            let _ = docs;
            return Err(err(format!("{origin}: patchesJson6902 entries are JSON 6902 patches (a list of operations)")));
        }
        Content::Smp(docs) => {
            for patch in docs {
                match &p.target {
                    None => {
                        let i = target_of_patch(acc, &patch, &origin)?;
                        if apply_smp(acc, i, &patch, allow_name, allow_kind, &origin)? {
                            acc.resources.remove(i);
                        }
                    }
                    Some(sel) => {
                        let mut deleted = Vec::new();
                        for i in select(acc, sel, &origin)? {
                            let mut copy = patch.clone();
                            let r = &acc.resources[i];
                            if let Some(m) = copy.as_object_mut()
                                && !allow_kind
                            {
                                m.insert("apiVersion".into(), r.obj.get("apiVersion").cloned().unwrap_or(Value::Null));
                                m.insert("kind".into(), Value::String(r.kind().to_string()));
                            }
                            if !allow_name {
                                set_meta_or_create(&mut copy, "name", r.name());
                            }
                            if !r.namespace().is_empty() {
                                set_meta_or_create(&mut copy, "namespace", r.namespace());
                            }
                            if apply_smp(acc, i, &copy, allow_name, allow_kind, &origin)? {
                                deleted.push(i);
                            }
                        }
                        remove(acc, deleted);
                    }
                }
            }
        }
    }
    Ok(())
}

fn set_meta_or_create(obj: &mut Value, key: &str, value: &str) {
    let Some(m) = obj.as_object_mut() else { return };
    let md = m.entry("metadata").or_insert_with(|| Value::Object(Default::default()));
    if let Some(md) = md.as_object_mut() {
        md.insert(key.to_string(), Value::String(value.to_string()));
    }
}
