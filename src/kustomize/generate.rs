//! `configMapGenerator` / `secretGenerator` and the name-hash suffix, as kustomize v5.5 (`kubectl kustomize`
//! v1.32) does them. Every rule below was checked against `kubectl kustomize`:
//!
//! - **Sources** are loaded in the order `envs` (then the deprecated `env`, appended), `literals`, `files`;
//!   a key seen twice anywhere is an error (`configmap NAME illegally repeats the key `K``, for secrets too).
//!   Keys are *not* validated (kustomize's field validator is a no-op): `a b`, `/x`, `..` are accepted.
//! - **Literals** `KEY=VALUE` split at the first `=`; a leading `=` or no `=` is an error; a value of at least
//!   two characters that starts and ends with the same quote (`"` or `'`) loses those two quotes. No trimming.
//! - **Files** `path` (key: the last element of the path as written, Go `path.Base`) or `key=path`; exactly
//!   one `=` that is neither first nor last, otherwise an error. Paths are relative to the kustomization
//!   directory; a load restrictor refuses files outside it.
//! - **Env files** are read line by line (`\n`; one trailing `\r` dropped); a line of 64 KiB or more ends the
//!   reading silently (Go's `bufio.Scanner` limit, whose error kustomize ignores); a line that is not UTF-8 is
//!   an error; a BOM is dropped from the first line only; leading Unicode whitespace is trimmed, nothing
//!   trailing; empty lines and lines starting with `#` are skipped; `KEY` alone gives an empty value; a line
//!   starting with `=` (empty key) is skipped; `export X=1` gives the key `export X`.
//! - **ConfigMap** values that are UTF-8 go to `data`, others to `binaryData` as base64. **Secret** values
//!   all go to `data` as base64 and `data` is always present (`{}` when empty); `type` defaults to `Opaque`.
//!   Base64 text of 70 characters or more is cut into lines of 70, each followed by `\n` (kyaml's encoder).
//! - **Options**: the kustomization's `generatorOptions` are merged into the entry's `options`: labels and
//!   annotations maps merged with the entry winning; `disableNameSuffixHash` and `immutable` are true when
//!   either says true (a local `false` cannot override a global `true`).
//! - Strings that YAML cannot carry (U+007F, U+0080–U+009F except U+0085, U+FFFE, U+FFFF) make kustomize
//!   fail when it writes the object out: they are refused here.
//! - **Hash**: sha256 of Go's `json.Marshal` of `{kind, name, data[, binaryData]}` (ConfigMap) or
//!   `{kind, name, type, data[, stringData]}` (Secret), where `name` is always `""` (kustomize v5.5 looks the
//!   name up under a key literally called `metadata/name`, which never exists) and `immutable` plays no part;
//!   hex, first 10 characters, then `0→g 1→h 3→k a→m e→t`.
//! - **merge / replace** ([`merge_into`]): the generated object replaces the existing one, keeping the
//!   existing name and namespace, labels and annotations merged (generated wins); with `merge`, `data` and
//!   `binaryData` are merged too (generated wins). The result needs a hash suffix only when both did
//!   ([`merged_needs_hash`]).

use crate::kustomize::types::{GeneratorArgs, GeneratorOptions};
use crate::source::{EntryKind, Snapshot, SourceError};
use base64::Engine as _;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

#[cfg(test)]
#[path = "generate_tests.rs"]
mod tests;

/// A generator entry kustomize would refuse. The message names the generator and, when one is involved, the
/// file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct GenError {
    pub message: String,
}

/// Which generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    ConfigMap,
    Secret,
}

impl Kind {
    /// The object kind: `ConfigMap` or `Secret`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ConfigMap => "ConfigMap",
            Kind::Secret => "Secret",
        }
    }

    /// The kustomization field: `configMapGenerator` or `secretGenerator`.
    pub fn field(self) -> &'static str {
        match self {
            Kind::ConfigMap => "configMapGenerator",
            Kind::Secret => "secretGenerator",
        }
    }
}

/// What to do with the generated object when one with the same id already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Behavior {
    /// `create`, absent, or any unknown value (kustomize treats them alike): an existing object is an error.
    #[default]
    Create,
    Merge,
    Replace,
}

impl Behavior {
    /// kustomize's reading of the `behavior` field: exact, case-sensitive; anything else is `Create`.
    pub fn parse(s: Option<&str>) -> Behavior {
        match s {
            Some("merge") => Behavior::Merge,
            Some("replace") => Behavior::Replace,
            _ => Behavior::Create,
        }
    }
}

/// One generated object.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// `apiVersion: v1` ConfigMap or Secret, name without any hash suffix.
    pub object: Value,
    /// True unless `disableNameSuffixHash` (entry or global). The suffix itself is added at the very end of a
    /// build, from the final object: see [`content_hash`] and [`add_hash_suffix`].
    pub needs_hash: bool,
    pub behavior: Behavior,
}

/// Generator options after merging the kustomization-level ones into an entry's own.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EffectiveOptions {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub disable_name_suffix_hash: bool,
    pub immutable: bool,
}

/// kustomize's `MergeGlobalOptionsIntoLocal`: maps merged with the local entry winning; booleans true when
/// either is true. A `null` label or annotation value is the empty string.
pub fn merge_options(local: Option<&GeneratorOptions>, global: Option<&GeneratorOptions>) -> EffectiveOptions {
    let mut out = EffectiveOptions::default();
    for opts in [global, local].into_iter().flatten() {
        for (k, v) in opts.labels.iter().flatten() {
            out.labels.insert(k.clone(), v.clone().unwrap_or_default());
        }
        for (k, v) in opts.annotations.iter().flatten() {
            out.annotations.insert(k.clone(), v.clone().unwrap_or_default());
        }
        out.disable_name_suffix_hash |= opts.disable_name_suffix_hash.unwrap_or(false);
        out.immutable |= opts.immutable.unwrap_or(false);
    }
    out
}

/// Build the object for one generator entry of the kustomization in directory `dir` (repository-relative,
/// normalised). `global` is the kustomization's `generatorOptions`. Files outside `restrict_to` (normally the
/// kustomization directory; `None` for no restriction) are refused as kustomize's load restrictor does.
pub fn generate(
    kind: Kind,
    args: &GeneratorArgs,
    global: Option<&GeneratorOptions>,
    snapshot: &Snapshot,
    dir: &str,
    restrict_to: Option<&str>,
) -> Result<Generated, GenError> {
    let name = args.name.as_deref().unwrap_or("");
    let fail = |msg: String| GenError {
        message: if name.is_empty() {
            format!("{} entry without a name: {msg}", kind.field())
        } else {
            format!("{} {name:?}: {msg}", kind.field())
        },
    };
    if name.is_empty() {
        return Err(fail("a configmap must have a name".to_string()));
    }
    let pairs = load_pairs(args, snapshot, dir, restrict_to).map_err(fail)?;
    let mut data: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (k, v) in pairs {
        if data.contains_key(&k) {
            return Err(fail(format!("configmap {name} illegally repeats the key `{k}`")));
        }
        data.insert(k, v);
    }
    let opts = merge_options(args.options.as_ref(), global);

    let mut meta = Map::new();
    meta.insert("name".into(), Value::String(name.to_string()));
    if let Some(ns) = args.namespace.as_deref().filter(|ns| !ns.is_empty()) {
        meta.insert("namespace".into(), Value::String(ns.to_string()));
    }
    if !opts.labels.is_empty() {
        meta.insert("labels".into(), string_map(&opts.labels));
    }
    if !opts.annotations.is_empty() {
        meta.insert("annotations".into(), string_map(&opts.annotations));
    }
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), Value::String("v1".into()));
    obj.insert("kind".into(), Value::String(kind.as_str().into()));
    obj.insert("metadata".into(), Value::Object(meta));
    match kind {
        Kind::ConfigMap => {
            let mut text = Map::new();
            let mut binary = Map::new();
            for (k, v) in data {
                match String::from_utf8(v) {
                    Ok(s) => text.insert(k, Value::String(s)),
                    Err(e) => binary.insert(k, Value::String(encode_base64(e.as_bytes()))),
                };
            }
            if !text.is_empty() {
                obj.insert("data".into(), Value::Object(text));
            }
            if !binary.is_empty() {
                obj.insert("binaryData".into(), Value::Object(binary));
            }
        }
        Kind::Secret => {
            let t = args.type_.as_deref().filter(|t| !t.is_empty()).unwrap_or("Opaque");
            obj.insert("type".into(), Value::String(t.to_string()));
            let encoded = data.into_iter().map(|(k, v)| (k, Value::String(encode_base64(&v)))).collect();
            obj.insert("data".into(), Value::Object(encoded));
        }
    }
    if opts.immutable {
        obj.insert("immutable".into(), Value::Bool(true));
    }
    let object = Value::Object(obj);
    if let Some(bad) = first_unwritable(&object) {
        return Err(fail(format!("{bad:?}: yaml: control characters are not allowed")));
    }
    Ok(Generated {
        object,
        needs_hash: !opts.disable_name_suffix_hash,
        behavior: Behavior::parse(args.behavior.as_deref()),
    })
}

fn string_map(m: &BTreeMap<String, String>) -> Value {
    Value::Object(m.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect())
}

/// Go's `%v` of a `[]string`.
fn go_list(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

/// All key/value pairs of an entry, in kustomize's order, or kustomize's message.
fn load_pairs(
    args: &GeneratorArgs,
    snapshot: &Snapshot,
    dir: &str,
    restrict_to: Option<&str>,
) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut envs: Vec<String> = args.envs.clone().unwrap_or_default();
    if let Some(env) = args.env.as_deref().filter(|e| !e.is_empty()) {
        envs.push(env.to_string());
    }
    let literals = args.literals.as_deref().unwrap_or(&[]);
    let files = args.files.as_deref().unwrap_or(&[]);
    let mut all = Vec::new();

    for path in &envs {
        let content = load_file(snapshot, dir, restrict_to, path)
            .map_err(|e| format!("loading KV pairs: env source files: {}: {e}", go_list(&envs)))?;
        let pairs = parse_env(&content)
            .map_err(|e| format!("loading KV pairs: env source files: {}: {path}: {e}", go_list(&envs)))?;
        all.extend(pairs.into_iter().map(|(k, v)| (k, v.into_bytes())));
    }
    for lit in literals {
        let (k, v) =
            parse_literal(lit).map_err(|e| format!("loading KV pairs: literal sources {}: {e}", go_list(literals)))?;
        all.push((k, v.into_bytes()));
    }
    for src in files {
        let wrap = |e: String| format!("loading KV pairs: file sources: {}: {e}", go_list(files));
        let (k, path) = parse_file_source(src).map_err(wrap)?;
        let content = load_file(snapshot, dir, restrict_to, &path).map_err(wrap)?;
        all.push((k, content));
    }
    Ok(all)
}

/// Read a file named relative to the kustomization directory, under the load restrictor.
fn load_file(snapshot: &Snapshot, dir: &str, restrict_to: Option<&str>, rel: &str) -> Result<Vec<u8>, String> {
    if rel.contains("://") {
        return Err(format!("file '{rel}': remote files are not supported"));
    }
    if rel.starts_with('/') {
        return Err(format!("file '{rel}': absolute paths are not supported; use a path relative to '{dir}'"));
    }
    let path = crate::source::join(dir, rel).map_err(|reason| format!("file '{rel}': {reason}"))?;
    if let Some(root) = restrict_to
        && !(root.is_empty() || path == root || path.starts_with(&format!("{root}/")))
    {
        return Err(format!("security; file '{path}' is not in or below '{root}'"));
    }
    let shown = if path.is_empty() { "." } else { path.as_str() };
    match snapshot.kind(&path) {
        Ok(Some(EntryKind::File)) => {}
        Ok(Some(_)) => return Err(format!("'{shown}' must resolve to a file")),
        Ok(None) => return Err(format!("file '{shown}': no such file or directory")),
        Err(e) => return Err(source_error(e)),
    }
    snapshot.read(&path).map_err(source_error)
}

fn source_error(e: SourceError) -> String {
    match e {
        SourceError::IsDir { path, .. } => format!("'{path}' must resolve to a file"),
        other => other.to_string(),
    }
}

/// `KEY=VALUE` → (KEY, VALUE without one pair of matching surrounding quotes).
fn parse_literal(source: &str) -> Result<(String, String), String> {
    match source.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), remove_quotes(v).to_string())),
        _ => Err(format!("invalid literal source {source}, expected key=value")),
    }
}

fn remove_quotes(s: &str) -> &str {
    let b = s.as_bytes();
    if b.len() >= 2 && b[0] == b[b.len() - 1] && (b[0] == b'"' || b[0] == b'\'') { &s[1..s.len() - 1] } else { s }
}

/// `path` or `key=path` → (key, path).
fn parse_file_source(source: &str) -> Result<(String, String), String> {
    match source.matches('=').count() {
        0 => Ok((go_path_base(source).to_string(), source.to_string())),
        1 if source.starts_with('=') => {
            Err(format!("missing key name for file path {:?} in source {source:?}", source.trim_start_matches('=')))
        }
        1 if source.ends_with('=') => {
            Err(format!("missing file path for key name {:?} in source {source:?}", source.trim_end_matches('=')))
        }
        1 => match source.split_once('=') {
            Some((k, p)) => Ok((k.to_string(), p.to_string())),
            None => Err(format!("source {source:?} key name or file path contains '='")),
        },
        _ => Err(format!("source {source:?} key name or file path contains '='")),
    }
}

/// Go's `path.Base`.
fn go_path_base(p: &str) -> &str {
    if p.is_empty() {
        return ".";
    }
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/";
    }
    match trimmed.rfind('/') {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    }
}

/// The longest line Go's `bufio.Scanner` (default buffer) hands out; a longer one stops the scan.
const MAX_ENV_LINE: usize = 64 * 1024 - 1;

/// An env file's `KEY=VALUE` pairs, as kustomize's `keyValuesFromLines` reads them.
fn parse_env(content: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut rest = content;
    let mut first = true;
    while !rest.is_empty() {
        let (line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        if line.len() > MAX_ENV_LINE {
            break;
        }
        rest = next;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let text = std::str::from_utf8(line).map_err(|_| {
            let bytes: Vec<String> = line.iter().map(u8::to_string).collect();
            format!("line [{}] has invalid utf8 bytes : {}", bytes.join(" "), String::from_utf8_lossy(line))
        })?;
        let text = if first { text.strip_prefix('\u{feff}').unwrap_or(text) } else { text };
        first = false;
        let text = text.trim_start_matches(char::is_whitespace);
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let (k, v) = text.split_once('=').unwrap_or((text, ""));
        if k.is_empty() {
            continue;
        }
        out.push((k.to_string(), v.to_string()));
    }
    Ok(out)
}

/// Base64 as kyaml writes generated values: standard alphabet with padding; when the text is 70 characters
/// or longer, every 70-character line (the last one too) ends with `\n`.
pub fn encode_base64(bytes: &[u8]) -> String {
    const LINE: usize = 70;
    let enc = base64::engine::general_purpose::STANDARD.encode(bytes);
    if enc.len() < LINE {
        return enc;
    }
    let mut out = String::with_capacity(enc.len() + enc.len() / LINE + 1);
    let mut rest = enc.as_str();
    while !rest.is_empty() {
        let (chunk, tail) = rest.split_at(rest.len().min(LINE));
        out.push_str(chunk);
        out.push('\n');
        rest = tail;
    }
    out
}

/// Characters go-yaml cannot write out (kustomize fails with "control characters are not allowed").
fn unwritable(c: char) -> bool {
    matches!(c, '\u{7f}'..='\u{84}' | '\u{86}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}')
}

fn first_unwritable(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => s.chars().any(unwritable).then(|| s.clone()),
        Value::Array(items) => items.iter().find_map(first_unwritable),
        Value::Object(m) => {
            m.iter().find_map(|(k, v)| if k.chars().any(unwritable) { Some(k.clone()) } else { first_unwritable(v) })
        }
        _ => None,
    }
}

/// kustomize's content hash of a ConfigMap or Secret: the 10-character name suffix.
pub fn content_hash(object: &Value) -> Result<String, GenError> {
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
    let mut m: BTreeMap<&str, Value> = BTreeMap::new();
    m.insert("kind", Value::String(kind.to_string()));
    // kustomize v5.5 looks the name up as a single field called "metadata/name": always absent.
    m.insert("name", Value::String(String::new()));
    m.insert("data", hash_field(object.get("data")));
    let optional = match kind {
        "ConfigMap" => "binaryData",
        "Secret" => {
            m.insert("type", hash_field(object.get("type")));
            "stringData"
        }
        other => {
            return Err(GenError {
                message: format!("a name hash suffix can only be computed for a ConfigMap or a Secret, not {other:?}"),
            });
        }
    };
    if let Some(v) = object.get(optional).filter(|v| v.is_object() || v.is_array()) {
        m.insert(optional, hash_field(Some(v)));
    }
    let mut json = String::new();
    json.push('{');
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        go_json_string(k, &mut json);
        json.push(':');
        go_json(v, &mut json);
    }
    json.push('}');
    let digest = Sha256::digest(json.as_bytes());
    let hex: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
    Ok(hex
        .chars()
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            c => c,
        })
        .collect())
}

/// How kustomize's hasher sees one top-level field: absent → `""`; a scalar → its text; a mapping → itself;
/// any other collection → `null` (it fails to decode as a map).
fn hash_field(v: Option<&Value>) -> Value {
    match v {
        None | Some(Value::Null) => Value::String(String::new()),
        Some(Value::String(s)) => Value::String(s.clone()),
        Some(Value::Bool(b)) => Value::String(b.to_string()),
        Some(Value::Number(n)) => Value::String(n.to_string()),
        Some(Value::Object(m)) => Value::Object(m.clone()),
        Some(Value::Array(_)) => Value::Null,
    }
}

/// Go's `encoding/json` output for a decoded value: object keys sorted, HTML-safe escaping.
fn go_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => go_json_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(item, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json_string(k, out);
                out.push(':');
                if let Some(v) = m.get(*k) {
                    go_json(v, out);
                }
            }
            out.push('}');
        }
    }
}

fn go_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Append `-<content_hash>` to `metadata.name`, as kustomize does at the end of a build for objects that need
/// it. Returns the suffix.
pub fn add_hash_suffix(object: &mut Value) -> Result<String, GenError> {
    let hash = content_hash(object)?;
    let name = object.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("").to_string();
    let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
        return Err(GenError { message: "cannot add a name hash suffix: the object has no metadata".to_string() });
    };
    meta.insert("name".into(), Value::String(format!("{name}-{hash}")));
    Ok(hash)
}

/// Whether the object that results from [`merge_into`] needs a hash suffix: only when the existing object and
/// the generated one both did (a plain resource never does).
pub fn merged_needs_hash(existing: bool, generated: bool) -> bool {
    existing && generated
}

/// Combine a generated object into an existing one with the same id, as kustomize's `appendReplaceOrMerge`
/// does: `existing` becomes the generated object with the existing name and namespace, labels and annotations
/// merged (generated wins) and, for [`Behavior::Merge`], `data` and `binaryData` merged (generated wins; as
/// strings, an empty result dropping the field). Everything else (`type`, `immutable`, …) is the generated
/// object's. [`Behavior::Create`] is an error: the id exists.
pub fn merge_into(existing: &mut Value, generated: &Value, behavior: Behavior) -> Result<(), GenError> {
    let kind = generated.get("kind").and_then(Value::as_str).unwrap_or("");
    let name = existing.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("").to_string();
    if behavior == Behavior::Create {
        return Err(GenError {
            message: format!("{kind} {name:?} already exists; the generator's behavior must be merge or replace"),
        });
    }
    let Some(mut result) = generated.as_object().cloned() else {
        return Err(GenError { message: format!("{kind} {name:?}: the generated object is not a mapping") });
    };
    let mut meta = result.get("metadata").and_then(Value::as_object).cloned().unwrap_or_default();
    for field in ["labels", "annotations"] {
        let mut merged = string_map_of(existing.pointer(&format!("/metadata/{field}")));
        merged.extend(string_map_of(meta.get(field)));
        meta.remove(field);
        if !merged.is_empty() {
            meta.insert(field.to_string(), string_map(&merged));
        }
    }
    meta.insert("name".into(), Value::String(name));
    match existing.pointer("/metadata/namespace").map(scalar_text).filter(|ns| !ns.is_empty()) {
        Some(ns) => meta.insert("namespace".into(), Value::String(ns)),
        None => meta.remove("namespace"),
    };
    result.insert("metadata".into(), Value::Object(meta));
    if behavior == Behavior::Merge {
        for field in ["data", "binaryData"] {
            let mut merged = string_map_of(existing.get(field));
            merged.extend(string_map_of(result.get(field)));
            result.remove(field);
            if !merged.is_empty() {
                result.insert(field.to_string(), string_map(&merged));
            }
        }
    }
    *existing = Value::Object(result);
    Ok(())
}

/// A mapping read as kyaml's `GetDataMap`/`GetLabels` do: scalar values as their text, others empty.
fn string_map_of(v: Option<&Value>) -> BTreeMap<String, String> {
    match v {
        Some(Value::Object(m)) => m.iter().map(|(k, v)| (k.clone(), scalar_text(v))).collect(),
        _ => BTreeMap::new(),
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Null | Value::Array(_) | Value::Object(_) => String::new(),
    }
}
