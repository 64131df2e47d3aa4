//! Generators and the built-in transformers, in kustomize's order, and the end-of-build steps.

pub mod crds;
mod images;
mod nameref;
mod patches;
mod plugins;
pub mod sort;

use super::build::{Acc, RenderError, err};
use super::fieldspec::{FieldSpec, RawSpec, visit};
use super::resource::{Gvk, Resource};
use super::types::Kustomization;
use crate::source::Snapshot;
use serde_json::{Map, Value};

/// Kinds the prefix/suffix transformer leaves alone.
const PREFIX_SKIP: &[(&str, &str)] =
    &[("", "CustomResourceDefinition"), ("apiregistration.k8s.io", "APIService"), ("", "Namespace")];

/// configMapGenerator and secretGenerator, then generator plugin configurations (`generators:`).
pub(crate) fn generate(
    snap: &Snapshot,
    dir: &str,
    kfile: &str,
    k: &Kustomization,
    acc: &mut Acc,
    restrict_to: Option<&str>,
) -> Result<(), RenderError> {
    use super::generate::Kind;
    let global = k.generator_options.as_ref();
    for (kind, entries) in [(Kind::ConfigMap, &k.config_map_generator), (Kind::Secret, &k.secret_generator)] {
        for args in entries.iter().flatten() {
            add_generated(snap, dir, kfile, kind, args, global, acc, restrict_to, None)?;
        }
    }
    for cfg in plugins::load(snap, dir, kfile, k.generators.as_deref().unwrap_or_default(), restrict_to)? {
        if cfg.get("kind").and_then(Value::as_str) == Some("IAMPolicyGenerator") {
            let res = plugins::iam_policy(&cfg).map_err(|m| err(format!("{kfile}: IAMPolicyGenerator: {m}")))?;
            acc.append_generated(res, kfile)?;
            continue;
        }
        let kind = match cfg.get("kind").and_then(Value::as_str) {
            Some("ConfigMapGenerator") => Kind::ConfigMap,
            Some("SecretGenerator") => Kind::Secret,
            other => {
                return Err(err(format!(
                    "{kfile}: generator {} is not supported by fleetgate's renderer (it runs no external plugins); configure the external kustomize fallback",
                    other.unwrap_or("(no kind)")
                )));
            }
        };
        let args = plugins::generator_args(&cfg).map_err(|m| err(format!("{kfile}: {m}")))?;
        let plugin = cfg.get("metadata").and_then(|m| m.get("name")).and_then(Value::as_str).map(str::to_string);
        add_generated(snap, dir, kfile, kind, &args, global, acc, restrict_to, plugin)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn add_generated(
    snap: &Snapshot,
    dir: &str,
    kfile: &str,
    kind: super::generate::Kind,
    args: &super::types::GeneratorArgs,
    global: Option<&super::types::GeneratorOptions>,
    acc: &mut Acc,
    restrict_to: Option<&str>,
    plugin: Option<String>,
) -> Result<(), RenderError> {
    use super::generate::{Behavior, generate, merge_into, merged_needs_hash};
    let g = generate(kind, args, global, snap, dir, restrict_to).map_err(|e| err(format!("{kfile}: {}", e.message)))?;
    let mut res = Resource::new(g.object, None);
    res.needs_hash = g.needs_hash;
    let generator = match kind {
        super::generate::Kind::ConfigMap => "ConfigMapGenerator",
        super::generate::Kind::Secret => "SecretGenerator",
    };
    res.generated_by = Some((kfile.to_string(), generator, plugin));
    if g.behavior == Behavior::Create {
        let id = res.id();
        if acc.resources.iter().any(|x| x.id().same(&id)) {
            return Err(err(format!(
                "{kfile}: {}: may not add resource with an already registered id: {}; use behavior: merge or replace to change it",
                kind.field(),
                id.display()
            )));
        }
        acc.resources.push(res);
        return Ok(());
    }
    let (gvk, name, ns) = (res.gvk(), res.name().to_string(), res.namespace().to_string());
    let Some(existing) = acc.resources.iter_mut().find(|x| {
        x.gvk() == gvk && x.all_names().iter().any(|(xns, xn)| *xn == name && super::resource::ns_eq(xns, &ns))
    }) else {
        return Err(err(format!(
            "{kfile}: {}: id {} does not exist; cannot merge or replace",
            kind.field(),
            res.id().display()
        )));
    };
    merge_into(&mut existing.obj, &res.obj, g.behavior).map_err(|e| err(format!("{kfile}: {}", e.message)))?;
    existing.needs_hash = merged_needs_hash(existing.needs_hash, g.needs_hash);
    Ok(())
}

/// The built-in transformers of one kustomization, in kustomize v5.5's order.
pub(crate) fn run(
    _snap: &Snapshot,
    _dir: &str,
    kfile: &str,
    k: &Kustomization,
    acc: &mut Acc,
    _restrict_to: Option<&str>,
) -> Result<(), RenderError> {
    if let Some(entries) = k.patches_strategic_merge.as_ref().filter(|e| !e.is_empty()) {
        patches::strategic_merge_field(_snap, _dir, kfile, entries, acc, _restrict_to)?;
        record(acc, kfile, "PatchStrategicMergeTransformer", None);
    }
    for p in k.patches.iter().flatten() {
        patches::patch_entry(_snap, _dir, kfile, p, acc, _restrict_to, false)?;
        record(acc, kfile, "PatchTransformer", None);
    }
    if let Some(ns) = k.namespace.as_deref().filter(|n| !n.is_empty()) {
        let specs = acc.config.namespace.clone();
        namespace(acc, ns, &specs)?;
        record(acc, kfile, "NamespaceTransformer", None);
    }
    if let Some(p) = k.name_prefix.as_deref().filter(|p| !p.is_empty()) {
        let specs = acc.config.name_prefix.clone();
        prefix(acc, p, &specs);
        record(acc, kfile, "PrefixTransformer", None);
    }
    if let Some(s) = k.name_suffix.as_deref().filter(|s| !s.is_empty()) {
        let specs = acc.config.name_suffix.clone();
        suffix(acc, s, &specs);
        record(acc, kfile, "SuffixTransformer", None);
    }
    for label in k.labels.iter().flatten() {
        let pairs = string_map(label.pairs.as_ref());
        let mut specs: Vec<FieldSpec> = label.fields.iter().flatten().map(raw_spec).collect();
        if label.include_selectors == Some(true) {
            extend_unique(&mut specs, &acc.config.common_labels);
        } else {
            extend_unique(
                &mut specs,
                &[FieldSpec { path: "metadata/labels".into(), create: true, ..FieldSpec::default() }],
            );
            if label.include_templates == Some(true) {
                extend_unique(&mut specs, &acc.config.template_labels);
            }
        }
        extend_unique(&mut specs, &acc.config.labels);
        set_map_entries(acc, &specs, &pairs)?;
        record(acc, kfile, "LabelTransformer", None);
    }
    if let Some(labels) = k.common_labels.as_ref().filter(|l| !l.is_empty()) {
        let pairs = string_map(Some(labels));
        let specs = acc.config.common_labels.clone();
        set_map_entries(acc, &specs, &pairs)?;
        record(acc, kfile, "LabelTransformer", None);
    }
    if let Some(ann) = k.common_annotations.as_ref().filter(|a| !a.is_empty()) {
        let pairs = string_map(Some(ann));
        let specs = acc.config.common_annotations.clone();
        set_map_entries(acc, &specs, &pairs)?;
        record(acc, kfile, "AnnotationsTransformer", None);
    }
    for p in k.patches_json6902.iter().flatten() {
        patches::patch_entry(_snap, _dir, kfile, p, acc, _restrict_to, true)?;
        record(acc, kfile, "PatchJson6902Transformer", None);
    }
    for r in k.replicas.iter().flatten() {
        replicas(acc, r)?;
        record(acc, kfile, "ReplicaCountTransformer", None);
    }
    for img in k.images.iter().flatten().chain(k.image_tags.iter().flatten()) {
        images::apply(acc, img)?;
        record(acc, kfile, "ImageTagTransformer", None);
    }
    if let Some(reps) = k.replacements.as_ref().filter(|r| !r.is_empty()) {
        let reps = load_replacements(_snap, _dir, kfile, reps, _restrict_to)?;
        replacements(acc, &reps, kfile)?;
        record(acc, kfile, "ReplacementTransformer", None);
    }
    for cfg in plugins::load(_snap, _dir, kfile, k.transformers.as_deref().unwrap_or_default(), _restrict_to)? {
        plugins::transform(_snap, _dir, kfile, &cfg, acc, _restrict_to)?;
        let md = cfg.get("metadata");
        let text = |key: &str| md.and_then(|m| m.get(key)).and_then(Value::as_str).map(str::to_string);
        let kind = cfg.get("kind").and_then(Value::as_str).unwrap_or("").to_string();
        record(acc, kfile, &kind, Some((text("name"), text("namespace"))));
    }
    Ok(())
}

/// Note, on every object present, that a transformer configured in `kfile` ran over it (kustomize's
/// `transformerAnnotations` build metadata). `plugin` carries a plugin configuration's name and namespace.
fn record(acc: &mut Acc, kfile: &str, kind: &str, plugin: Option<(Option<String>, Option<String>)>) {
    let (name, ns) = plugin.unwrap_or_default();
    for r in &mut acc.resources {
        r.transformations.push((kfile.to_string(), kind.to_string(), name.clone(), ns.clone()));
    }
}

pub(crate) fn prefix(acc: &mut Acc, p: &str, specs: &[FieldSpec]) {
    rename(acc, specs, |n| format!("{p}{n}"), |r| r.prefixes.push(p.to_string()));
}

pub(crate) fn suffix(acc: &mut Acc, s: &str, specs: &[FieldSpec]) {
    rename(acc, specs, |n| format!("{n}{s}"), |r| r.suffixes.push(s.to_string()));
}

pub(crate) fn raw_spec(f: &super::types::FieldSpec) -> FieldSpec {
    RawSpec {
        group: f.group.clone(),
        version: f.version.clone(),
        kind: f.kind.clone(),
        path: f.path.clone(),
        create: f.create,
    }
    .spec()
}

fn extend_unique(into: &mut Vec<FieldSpec>, from: &[FieldSpec]) {
    for f in from {
        if !into.contains(f) {
            into.push(f.clone());
        }
    }
}

fn string_map(m: Option<&std::collections::BTreeMap<String, Option<String>>>) -> Vec<(String, String)> {
    m.into_iter().flatten().map(|(k, v)| (k.clone(), v.clone().unwrap_or_default())).collect()
}

/// Field specs that apply to a resource of `gvk`.
fn matching<'a>(specs: &'a [FieldSpec], gvk: &'a Gvk) -> impl Iterator<Item = &'a FieldSpec> + 'a {
    specs.iter().filter(move |f| f.gvk.selects(gvk))
}

/// Set entries of the maps at `specs` (labels, selectors, annotations).
pub(crate) fn set_map_entries(
    acc: &mut Acc,
    specs: &[FieldSpec],
    pairs: &[(String, String)],
) -> Result<(), RenderError> {
    if pairs.is_empty() {
        return Ok(());
    }
    for r in &mut acc.resources {
        let gvk = r.gvk();
        let id = r.id().display();
        for spec in matching(specs, &gvk) {
            visit(&mut r.obj, &spec.segments(), spec.create, &mut |v| {
                if v.is_null() {
                    *v = Value::Object(Map::new());
                }
                match v {
                    Value::Object(m) => {
                        for (k, val) in pairs {
                            m.insert(k.clone(), Value::String(val.clone()));
                        }
                        Ok(())
                    }
                    other => Err(format!("{}: expected a map at {}, found {other}", id, spec.path)),
                }
            })
            .map_err(err)?;
        }
    }
    Ok(())
}

pub(crate) fn namespace(acc: &mut Acc, ns: &str, specs: &[FieldSpec]) -> Result<(), RenderError> {
    for r in &mut acc.resources {
        let gvk = r.gvk();
        if gvk.kind == "Namespace" && gvk.group.is_empty() {
            r.set_name(ns);
            continue;
        }
        if gvk.group == "rbac.authorization.k8s.io" && matches!(gvk.kind.as_str(), "RoleBinding" | "ClusterRoleBinding")
        {
            // kustomize's default subject mode: a subject named `default` is the namespace's default
            // ServiceAccount, so it follows the namespace.
            if let Some(Value::Array(subjects)) = r.obj.get_mut("subjects") {
                for s in subjects.iter_mut().filter_map(Value::as_object_mut) {
                    if s.get("name").and_then(Value::as_str) == Some("default") {
                        s.insert("namespace".into(), Value::String(ns.to_string()));
                    }
                }
            }
        }
        for spec in matching(specs, &gvk) {
            if spec.path == "metadata/namespace" {
                if gvk.is_namespaced() {
                    r.set_namespace(ns);
                }
                continue;
            }
            visit(&mut r.obj, &spec.segments(), spec.create, &mut |v| {
                *v = Value::String(ns.to_string());
                Ok(())
            })
            .map_err(err)?;
        }
    }
    Ok(())
}

fn rename(acc: &mut Acc, specs: &[FieldSpec], new_name: impl Fn(&str) -> String, record: impl Fn(&mut Resource)) {
    for r in &mut acc.resources {
        let gvk = r.gvk();
        if PREFIX_SKIP.iter().any(|(g, k)| *k == gvk.kind && (g.is_empty() || *g == gvk.group)) {
            continue;
        }
        let mut touched = false;
        for spec in matching(specs, &gvk) {
            if spec.path == "metadata/name" {
                let n = new_name(r.name());
                r.set_name(&n);
                touched = true;
                continue;
            }
            let _ = visit(&mut r.obj, &spec.segments(), spec.create, &mut |v| {
                if let Some(s) = v.as_str() {
                    *v = Value::String(new_name(s));
                }
                Ok(())
            });
        }
        if touched {
            record(r);
        }
    }
}

fn replicas(acc: &mut Acc, rep: &super::types::Replica) -> Result<(), RenderError> {
    let name = rep.name.as_deref().unwrap_or("");
    let count = rep.count.unwrap_or(0);
    let specs = acc.config.replicas.clone();
    let mut found = false;
    for r in &mut acc.resources {
        if !r.all_names().iter().any(|(_, n)| n == name) {
            continue;
        }
        let gvk = r.gvk();
        for spec in matching(&specs, &gvk) {
            found = true;
            visit(&mut r.obj, &spec.segments(), spec.create, &mut |v| {
                *v = Value::from(count);
                Ok(())
            })
            .map_err(err)?;
        }
    }
    if !found && acc.resources.iter().any(|r| r.all_names().iter().any(|(_, n)| n == name)) {
        let gvks: Vec<String> = specs.iter().map(|s| s.gvk.display()).collect();
        return Err(err(format!(
            "resource with name {name} does not match a config with the following GVK [{}]",
            gvks.join(" ")
        )));
    }
    Ok(())
}

/// Bind a kustomization's `vars` to the one object each names (by original id) among what it has
/// accumulated, as kustomize's `MergeVars` does, and add them to the accumulated vars.
pub(crate) fn bind_vars(acc: &mut Acc, vars: &[super::types::Var]) -> Result<(), RenderError> {
    for v in vars {
        let Some(obj) = &v.objref else { continue };
        let api = obj.api_version.clone().unwrap_or_else(|| {
            let (g, ver) = (obj.group.clone().unwrap_or_default(), obj.version.clone().unwrap_or_default());
            if g.is_empty() { ver } else { format!("{g}/{ver}") }
        });
        let want = Gvk::from_api_version(&api, obj.kind.as_deref().unwrap_or(""));
        let name = obj.name.as_deref().unwrap_or("");
        let ns = obj.namespace.as_deref().unwrap_or("");
        let ns_aware = !ns.is_empty() || !want.is_namespaced();
        let matched: Vec<usize> = acc
            .resources
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                let org = r.original_id();
                org.gvk == want && org.name == name && (!ns_aware || super::resource::ns_eq(&org.namespace, ns))
            })
            .map(|(i, _)| i)
            .collect();
        if matched.len() > 1 {
            return Err(err(format!(
                "found {} resId matches for var {} (unable to disambiguate)",
                matched.len(),
                v.name.as_deref().unwrap_or("")
            )));
        }
        if let (Some(i), Some(n)) = (matched.first(), &v.name) {
            acc.resources[*i].ref_vars.push(n.clone());
        }
        acc.vars.push(v.clone());
    }
    Ok(())
}

/// Run `f` over the objects with kustomize's previous-id annotations written, then drop them again.
pub(crate) fn with_ids<T>(acc: &mut Acc, f: impl FnOnce(&mut [Value]) -> T) -> T {
    let mut vals: Vec<Value> = acc.resources.iter().map(Resource::annotated).collect();
    let out = f(&mut vals);
    for (r, v) in acc.resources.iter_mut().zip(vals) {
        r.set_from_annotated(v);
    }
    out
}

pub(crate) fn replacements(
    acc: &mut Acc,
    reps: &[super::types::ReplacementField],
    kfile: &str,
) -> Result<(), RenderError> {
    with_ids(acc, |vals| super::replacements::apply_replacements(vals, reps))
        .map_err(|e| err(format!("{kfile}: {}", e.0)))
}

/// `replacements:` entries, with `path:` entries read from their files (a list of replacements or one).
fn load_replacements(
    snap: &Snapshot,
    dir: &str,
    kfile: &str,
    entries: &[super::types::ReplacementField],
    restrict_to: Option<&str>,
) -> Result<Vec<super::types::ReplacementField>, RenderError> {
    let mut out = Vec::new();
    for e in entries {
        let Some(path) = &e.path else {
            out.push(e.clone());
            continue;
        };
        let full =
            crate::source::join(dir, path).map_err(|m| err(format!("{kfile}: replacements path {path:?}: {m}")))?;
        super::build::check_restricted(&full, restrict_to)?;
        let text = snap.read_string(&full).map_err(|m| err(m.to_string()))?;
        let docs = crate::manifest::parse(&full, &text, &crate::manifest::Limits::default())
            .map_err(|m| err(m.to_string()))?;
        for d in docs {
            let v = d.root.to_json();
            let list = if v.is_array() { v } else { Value::Array(vec![v]) };
            let reps: Vec<super::types::ReplacementField> =
                serde_json::from_value(list).map_err(|m| err(format!("{full}: not a list of replacements: {m}")))?;
            out.extend(reps);
        }
    }
    Ok(out)
}

/// The steps kustomize runs once, at the top of the build: name-hash suffixes, name back-references, vars.
pub(crate) fn finish(acc: &mut Acc, _top: Option<&Kustomization>) -> Result<(), RenderError> {
    for r in acc.resources.iter_mut().filter(|r| r.needs_hash) {
        let hash =
            super::generate::content_hash(&r.obj).map_err(|e| err(format!("{}: {}", r.id().display(), e.message)))?;
        let name = format!("{}-{hash}", r.name());
        r.set_name(&name);
        r.needs_hash = false;
    }
    nameref::fix(&mut acc.resources, &acc.config.name_reference)?;
    if !acc.vars.is_empty() {
        let vars = acc.vars.clone();
        let specs: Vec<super::types::FieldSpec> = acc
            .config
            .var_reference
            .iter()
            .map(|f| {
                let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
                super::types::FieldSpec {
                    group: opt(&f.gvk.group),
                    version: opt(&f.gvk.version),
                    kind: opt(&f.gvk.kind),
                    path: Some(f.path.clone()),
                    create: Some(f.create),
                }
            })
            .collect();
        let mut bound = std::collections::BTreeMap::new();
        for (i, r) in acc.resources.iter().enumerate() {
            for name in &r.ref_vars {
                bound.entry(name.clone()).or_insert(i);
            }
        }
        with_ids(acc, |vals| super::vars::apply_bound_vars(vals, &vars, &bound, &specs)).map_err(|e| err(e.0))?;
    }
    // Objects marked local-config take part in the build (as name-reference sources, replacement sources)
    // but are not output.
    acc.resources.retain(|r| r.annotation("config.kubernetes.io/local-config") != Some("true"));
    Ok(())
}

/// Add what the top kustomization's `buildMetadata` asks for: `originAnnotations` records, for each object
/// read from a file, that file's path relative to the top kustomization directory `top_dir`.
pub(crate) fn strip_internal(resources: &mut [Resource], top: Option<&Kustomization>, top_dir: &str) {
    let wants = |what: &str| top.and_then(|k| k.build_metadata.as_ref()).is_some_and(|b| b.iter().any(|x| x == what));
    if wants("transformerAnnotations") {
        for r in resources.iter_mut() {
            if !r.transformations.is_empty() {
                let text = transformation_annotation(top_dir, &r.transformations);
                r.set_annotation("alpha.config.kubernetes.io/transformations", &text);
            }
        }
    }
    if wants("originAnnotations") {
        for r in resources.iter_mut() {
            if let Some(origin) = r.origin.clone() {
                r.set_annotation("config.kubernetes.io/origin", &format!("path: {}\n", relative(top_dir, &origin)));
            } else if let Some((kfile, kind, name)) = r.generated_by.clone() {
                let name = name.map(|n| format!("  name: {n}\n")).unwrap_or_default();
                let text = format!(
                    "configuredIn: {}\nconfiguredBy:\n  apiVersion: builtin\n  kind: {kind}\n{name}",
                    relative(top_dir, &kfile)
                );
                r.set_annotation("config.kubernetes.io/origin", &text);
            }
        }
    }
}

fn transformation_annotation(top_dir: &str, list: &[(String, String, Option<String>, Option<String>)]) -> String {
    let mut out = String::new();
    for (kfile, kind, name, ns) in list {
        out.push_str(&format!(
            "- configuredIn: {}\n  configuredBy:\n    apiVersion: builtin\n    kind: {kind}\n",
            relative(top_dir, kfile)
        ));
        if let Some(n) = name {
            out.push_str(&format!("    name: {n}\n"));
        }
        if let Some(n) = ns {
            out.push_str(&format!("    namespace: {n}\n"));
        }
    }
    out
}

/// The path of `file` relative to directory `dir` (both repository paths).
pub fn relative(dir: &str, file: &str) -> String {
    let d: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    let f: Vec<&str> = file.split('/').filter(|s| !s.is_empty()).collect();
    let common = d.iter().zip(f.iter()).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = std::iter::repeat_n("..", d.len() - common).collect();
    parts.extend_from_slice(&f[common..]);
    parts.join("/")
}
