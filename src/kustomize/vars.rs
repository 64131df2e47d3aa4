//! Legacy kustomize `vars`: `$(NAME)` references replaced by a field of a resource, in the fields kustomize's
//! `varReference` configuration lists (the built-in list plus any given by `configurations:`).

use super::fieldpath::{self, Error};
use super::replacements::{ResId, parse_group_version};
use super::types::{FieldSpec, Var};
use serde_json::Value;
use std::collections::BTreeMap;

/// kustomize v5.5's built-in `varReference` field specs: (kind, path); an empty kind applies to every kind.
pub const BUILTIN_VAR_REFERENCES: &[(&str, &str)] = &[
    ("CronJob", "spec/jobTemplate/spec/template/spec/containers/args"),
    ("CronJob", "spec/jobTemplate/spec/template/spec/containers/command"),
    ("CronJob", "spec/jobTemplate/spec/template/spec/containers/env/value"),
    ("CronJob", "spec/jobTemplate/spec/template/spec/containers/volumeMounts/mountPath"),
    ("CronJob", "spec/jobTemplate/spec/template/spec/initContainers/args"),
    ("CronJob", "spec/jobTemplate/spec/template/spec/initContainers/command"),
    ("CronJob", "spec/jobTemplate/spec/template/spec/initContainers/env/value"),
    ("CronJob", "spec/jobTemplate/spec/template/spec/initContainers/volumeMounts/mountPath"),
    ("CronJob", "spec/jobTemplate/spec/template/volumes/nfs/server"),
    ("DaemonSet", "spec/template/spec/containers/args"),
    ("DaemonSet", "spec/template/spec/containers/command"),
    ("DaemonSet", "spec/template/spec/containers/env/value"),
    ("DaemonSet", "spec/template/spec/containers/volumeMounts/mountPath"),
    ("DaemonSet", "spec/template/spec/initContainers/args"),
    ("DaemonSet", "spec/template/spec/initContainers/command"),
    ("DaemonSet", "spec/template/spec/initContainers/env/value"),
    ("DaemonSet", "spec/template/spec/initContainers/volumeMounts/mountPath"),
    ("DaemonSet", "spec/template/spec/volumes/nfs/server"),
    ("Deployment", "spec/template/spec/containers/args"),
    ("Deployment", "spec/template/spec/containers/command"),
    ("Deployment", "spec/template/spec/containers/env/value"),
    ("Deployment", "spec/template/spec/containers/volumeMounts/mountPath"),
    ("Deployment", "spec/template/spec/initContainers/args"),
    ("Deployment", "spec/template/spec/initContainers/command"),
    ("Deployment", "spec/template/spec/initContainers/env/value"),
    ("Deployment", "spec/template/spec/initContainers/volumeMounts/mountPath"),
    ("Deployment", "spec/template/spec/volumes/nfs/server"),
    ("Deployment", "spec/template/metadata/annotations"),
    ("Ingress", "spec/rules/host"),
    ("Ingress", "spec/tls/hosts"),
    ("Ingress", "spec/tls/secretName"),
    ("Job", "spec/template/spec/containers/args"),
    ("Job", "spec/template/spec/containers/command"),
    ("Job", "spec/template/spec/containers/env/value"),
    ("Job", "spec/template/spec/containers/volumeMounts/mountPath"),
    ("Job", "spec/template/spec/initContainers/args"),
    ("Job", "spec/template/spec/initContainers/command"),
    ("Job", "spec/template/spec/initContainers/env/value"),
    ("Job", "spec/template/spec/initContainers/volumeMounts/mountPath"),
    ("Job", "spec/template/spec/volumes/nfs/server"),
    ("Pod", "spec/containers/args"),
    ("Pod", "spec/containers/command"),
    ("Pod", "spec/containers/env/value"),
    ("Pod", "spec/containers/volumeMounts/mountPath"),
    ("Pod", "spec/initContainers/args"),
    ("Pod", "spec/initContainers/command"),
    ("Pod", "spec/initContainers/env/value"),
    ("Pod", "spec/initContainers/volumeMounts/mountPath"),
    ("Pod", "spec/volumes/nfs/server"),
    ("ReplicaSet", "spec/template/spec/containers/args"),
    ("ReplicaSet", "spec/template/spec/containers/command"),
    ("ReplicaSet", "spec/template/spec/containers/env/value"),
    ("ReplicaSet", "spec/template/spec/containers/volumeMounts/mountPath"),
    ("ReplicaSet", "spec/template/spec/initContainers/args"),
    ("ReplicaSet", "spec/template/spec/initContainers/command"),
    ("ReplicaSet", "spec/template/spec/initContainers/env/value"),
    ("ReplicaSet", "spec/template/spec/initContainers/volumeMounts/mountPath"),
    ("ReplicaSet", "spec/template/spec/volumes/nfs/server"),
    ("Service", "spec/ports/port"),
    ("Service", "spec/ports/targetPort"),
    ("StatefulSet", "spec/template/spec/containers/args"),
    ("StatefulSet", "spec/template/spec/containers/command"),
    ("StatefulSet", "spec/template/spec/containers/env/value"),
    ("StatefulSet", "spec/template/spec/containers/volumeMounts/mountPath"),
    ("StatefulSet", "spec/template/spec/initContainers/args"),
    ("StatefulSet", "spec/template/spec/initContainers/command"),
    ("StatefulSet", "spec/template/spec/initContainers/env/value"),
    ("StatefulSet", "spec/template/spec/initContainers/volumeMounts/mountPath"),
    ("StatefulSet", "spec/volumeClaimTemplates/spec/nfs/server"),
    ("PersistentVolume", "spec/nfs/server"),
    ("", "metadata/labels"),
    ("", "metadata/annotations"),
];

/// The built-in `varReference` field specs as `FieldSpec`s.
pub fn builtin_var_reference_specs() -> Vec<FieldSpec> {
    BUILTIN_VAR_REFERENCES
        .iter()
        .map(|(kind, path)| FieldSpec {
            kind: (!kind.is_empty()).then(|| kind.to_string()),
            path: Some(path.to_string()),
            ..FieldSpec::default()
        })
        .collect()
}

/// Whether a FieldSpec's group/version/kind admit a resource (empty parts admit anything).
pub fn field_spec_matches(fs: &FieldSpec, resource: &Value) -> bool {
    let id = ResId::of(resource);
    let ok = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w.is_empty() || w == have);
    ok(&fs.group, &id.group) && ok(&fs.version, &id.version) && ok(&fs.kind, &id.kind)
}

/// The value of a var: what `$(NAME)` becomes.
#[derive(Debug, Clone, PartialEq)]
pub enum VarValue {
    String(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A map or list: kustomize counts the reference as used but leaves `$(NAME)` in place.
    Unmappable,
}

impl VarValue {
    fn of(v: &Value) -> VarValue {
        match v {
            Value::String(s) => VarValue::String(s.clone()),
            Value::Bool(b) => VarValue::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => VarValue::Int(i),
                None => VarValue::Float(n.as_f64().unwrap_or(0.0)),
            },
            // kustomize returns the text of a null scalar.
            Value::Null => VarValue::String("null".to_string()),
            Value::Object(_) | Value::Array(_) => VarValue::Unmappable,
        }
    }

    /// As Go's `fmt.Sprintf("%v")` prints it.
    fn to_text(&self, name: &str) -> String {
        match self {
            VarValue::String(s) => s.clone(),
            VarValue::Int(i) => i.to_string(),
            VarValue::Float(f) => go_float_v(*f),
            VarValue::Bool(b) => b.to_string(),
            VarValue::Unmappable => format!("$({name})"),
        }
    }

    /// The node a whole-string reference becomes.
    fn to_value(&self, name: &str) -> Value {
        match self {
            VarValue::String(s) => Value::String(s.clone()),
            VarValue::Int(i) => Value::Number((*i).into()),
            VarValue::Float(f) => {
                serde_json::Number::from_f64(*f).map(Value::Number).unwrap_or_else(|| Value::String(go_float_v(*f)))
            }
            VarValue::Bool(b) => Value::Bool(*b),
            VarValue::Unmappable => Value::String(format!("$({name})")),
        }
    }
}

/// Go's `%v` for a float64: shortest digits, exponent form when the exponent is below -4 or at least 6.
fn go_float_v(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let sci = format!("{f:e}"); // e.g. "-1.2345e6", shortest round-trip digits
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if neg { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{frac}e{esign}{:02}", exp.abs());
    }
    // Plain notation with the shortest digits.
    let point = exp + 1; // digits before the decimal point
    let s = if point <= 0 {
        format!("0.{}{}", "0".repeat(usize::try_from(-point).unwrap_or(0)), digits)
    } else {
        let p = usize::try_from(point).unwrap_or(0);
        if digits.len() <= p {
            format!("{digits}{}", "0".repeat(p - digits.len()))
        } else {
            format!("{}.{}", &digits[..p], &digits[p..])
        }
    };
    format!("{sign}{s}")
}

/// Replace `$(NAME)` references in `input` as kustomize's expansion does: `$$` is an escaped `$`, unknown names and
/// unterminated references stay as written; a string that is exactly one reference becomes the var's typed value.
/// `used` counts the names that were found.
pub fn expand(input: &str, vars: &BTreeMap<String, VarValue>, used: &mut BTreeMap<String, usize>) -> Value {
    let b = input.as_bytes();
    let mut buf: Vec<u8> = Vec::with_capacity(b.len());
    let mut checkpoint = 0;
    let mut cursor = 0;
    while cursor < b.len() {
        if b[cursor] == b'$' && cursor + 1 < b.len() {
            buf.extend_from_slice(&b[checkpoint..cursor]);
            let rest = &b[cursor + 1..];
            let advance = match rest[0] {
                b'$' => {
                    buf.push(b'$');
                    1
                }
                b'(' => match rest.iter().position(|&c| c == b')') {
                    Some(close) => {
                        let name = String::from_utf8_lossy(&rest[1..close]).into_owned();
                        match vars.get(&name) {
                            Some(value) => {
                                *used.entry(name.clone()).or_insert(0) += 1;
                                if input.len() == close + 2 && cursor == 0 {
                                    return value.to_value(&name);
                                }
                                buf.extend_from_slice(value.to_text(&name).as_bytes());
                            }
                            None => {
                                if input.len() == close + 2 && cursor == 0 {
                                    return Value::String(input.to_string());
                                }
                                buf.extend_from_slice(format!("$({name})").as_bytes());
                            }
                        }
                        close + 1
                    }
                    None => {
                        buf.extend_from_slice(b"$(");
                        1
                    }
                },
                other => {
                    buf.push(b'$');
                    buf.push(other);
                    1
                }
            };
            cursor += advance;
            checkpoint = cursor + 1;
        }
        cursor += 1;
    }
    if checkpoint < b.len() {
        buf.extend_from_slice(&b[checkpoint..]);
    }
    Value::String(String::from_utf8_lossy(&buf).into_owned())
}

/// What a var's `objref` names, as kustomize resolves it (`apiVersion`, when set, gives group and version).
fn objref_id(v: &Var) -> ResId {
    let o = v.objref.clone().unwrap_or_default();
    let (group, version) = match o.api_version.as_deref().filter(|a| !a.is_empty()) {
        Some(av) => parse_group_version(av),
        None => (o.group.unwrap_or_default(), o.version.unwrap_or_default()),
    };
    ResId {
        group,
        version,
        kind: o.kind.unwrap_or_default(),
        name: o.name.unwrap_or_default(),
        namespace: o.namespace.unwrap_or_default(),
    }
}

fn field_path(v: &Var) -> String {
    v.fieldref
        .as_ref()
        .and_then(|f| f.fieldpath.clone())
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| "metadata.name".into())
}

/// A var as kustomize prints it in errors: `{NAME Kind.version.group {fieldpath}}`.
fn var_string(v: &Var) -> String {
    format!("{{{} {} {{{}}}}}", v.name.as_deref().unwrap_or(""), objref_id(v).gvk_string(), field_path(v))
}

/// The index of the resource a var's `objref` names, matched against original ids as kustomize does (an objref
/// without namespace matches any namespace, unless its kind is cluster-scoped); `None` when nothing matches.
pub fn find_var_target(resources: &[Value], v: &Var) -> Result<Option<usize>, Error> {
    let target = objref_id(v);
    let ns_aware = !target.namespace.is_empty() || target.is_cluster_scoped();
    let matched: Vec<usize> = resources
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            let org = ResId::original_of(r);
            if ns_aware { target.equals(&org) } else { target.gvkn_equals(&org) }
        })
        .map(|(i, _)| i)
        .collect();
    if matched.len() > 1 {
        return Err(Error(format!(
            "found {} resId matches for var {} (unable to disambiguate)",
            matched.len(),
            var_string(v)
        )));
    }
    Ok(matched.first().copied())
}

/// Resolve every var to its value (errors as kustomize's for a duplicate name, an ambiguous or unknown objref, and a
/// missing field).
pub fn resolve_vars(resources: &[Value], vars: &[Var]) -> Result<BTreeMap<String, VarValue>, Error> {
    resolve_bound_vars(resources, vars, &BTreeMap::new())
}

/// [`resolve_vars`], where `bound` names the resource (by index) each var was bound to when its kustomization
/// declared it; unbound vars are looked up across all resources.
pub fn resolve_bound_vars(
    resources: &[Value],
    vars: &[Var],
    bound: &BTreeMap<String, usize>,
) -> Result<BTreeMap<String, VarValue>, Error> {
    let mut sorted: Vec<&Var> = Vec::new();
    for v in vars {
        let name = v.name.as_deref().unwrap_or("");
        if sorted.iter().any(|o| o.name.as_deref().unwrap_or("") == name) {
            return Err(Error(format!("var '{name}' already encountered")));
        }
        sorted.push(v);
    }
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = BTreeMap::new();
    for v in sorted {
        let bound_idx = v.name.as_deref().and_then(|n| bound.get(n)).copied();
        let found = match bound_idx {
            Some(i) => Some(i),
            None => find_var_target(resources, v)?,
        };
        let Some(idx) = found else {
            return Err(Error(format!(
                "var '{}' cannot be mapped to a field in the set of known resources",
                var_string(v)
            )));
        };
        let not_found =
            || Error(format!("field specified in var '{}' not found in corresponding resource", var_string(v)));
        let path = fieldpath::parse_var_path(&field_path(v)).map_err(|_| not_found())?;
        let value = match resources.get(idx).map(|r| fieldpath::get(r, &path)) {
            Some(Ok(Some(value))) => value,
            _ => return Err(not_found()),
        };
        out.insert(v.name.clone().unwrap_or_default(), VarValue::of(value));
    }
    Ok(out)
}

fn set_node(
    node: &mut Value,
    vars: &BTreeMap<String, VarValue>,
    used: &mut BTreeMap<String, usize>,
) -> Result<(), Error> {
    match node {
        Value::Null => Ok(()),
        Value::String(s) => {
            let s = s.clone();
            *node = expand(&s, vars, used);
            Ok(())
        }
        Value::Object(map) => {
            for (_, v) in map.iter_mut() {
                if let Value::String(s) = v {
                    let s = s.clone();
                    *v = expand(&s, vars, used);
                }
            }
            Ok(())
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                let Value::String(s) = item else {
                    return Err(Error::new("invalid value type expect a string"));
                };
                let s = s.clone();
                *item = expand(&s, vars, used);
            }
            Ok(())
        }
        // Numbers and booleans hold no reference.
        _ => Ok(()),
    }
}

/// Apply legacy `vars` to `resources`: resolve each var, then replace `$(NAME)` in the built-in `varReference`
/// fields and in `extra_field_specs` (from `configurations:`). Returns the names of vars that were never
/// referenced, sorted. Does nothing when `vars` is empty.
pub fn apply_vars(
    resources: &mut [Value],
    vars: &[Var],
    extra_field_specs: &[FieldSpec],
) -> Result<Vec<String>, Error> {
    apply_bound_vars(resources, vars, &BTreeMap::new(), extra_field_specs)
}

/// [`apply_vars`] with vars bound to resources at declaration (see [`resolve_bound_vars`]).
pub fn apply_bound_vars(
    resources: &mut [Value],
    vars: &[Var],
    bound: &BTreeMap<String, usize>,
    extra_field_specs: &[FieldSpec],
) -> Result<Vec<String>, Error> {
    if vars.is_empty() {
        return Ok(Vec::new());
    }
    let values = resolve_bound_vars(resources, vars, bound)?;
    let mut specs = builtin_var_reference_specs();
    for fs in extra_field_specs {
        let same =
            |o: &FieldSpec| o.group == fs.group && o.version == fs.version && o.kind == fs.kind && o.path == fs.path;
        if !specs.iter().any(same) {
            specs.push(fs.clone());
        }
    }
    let mut used = BTreeMap::new();
    for r in resources.iter_mut() {
        for fs in &specs {
            let Some(path) = fs.path.as_deref() else { continue };
            if !field_spec_matches(fs, r) {
                continue;
            }
            fieldpath::apply_field_spec(r, path, false, &mut |node| set_node(node, &values, &mut used))?;
        }
    }
    Ok(values.keys().filter(|k| !used.contains_key(*k)).cloned().collect())
}
