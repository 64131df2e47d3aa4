//! Field paths as kustomize v5.5 uses them, over resources held as `serde_json::Value`.
//!
//! Two syntaxes:
//! - **kyaml field paths** (`replacements`, `vars`): dot-separated, `spec.template.spec.containers.[name=nginx].image`,
//!   `spec.ports.0.port`, `*` (every element of a list), `[key=value]` (list elements whose `key` matches),
//!   `[=value]` (scalar elements), `[a.b/c]` (a map key containing dots: the brackets are dropped), `a\.b`
//!   (an escaped dot). Two readings exist, as in kyaml: [`get`] (kyaml's `PathGetter`: one value, exact `[k=v]`
//!   matches, `-` is the last element, no wildcard) for replacement sources and vars, and [`for_each_match_mut`] /
//!   [`get_all`] (kyaml's `PathMatcher`: every match, `[k=v]` values are unanchored regular expressions, `*`
//!   wildcards, optional creation of what is missing) for replacement targets.
//! - **FieldSpec paths** (transformer configurations): slash-separated, `spec/template/metadata/labels`,
//!   `spec/containers[]/image`; a list met on the way applies the rest of the path to every element; see
//!   [`apply_field_spec`].

use serde_json::{Map, Value};
use std::fmt;

/// An error in the terms kustomize uses for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Error(pub String);

impl Error {
    pub fn new(message: impl Into<String>) -> Error {
        Error(message.into())
    }
    fn prefixed(self, prefix: impl fmt::Display) -> Error {
        Error(format!("{prefix}: {}", self.0))
    }
}

/// One step of a kyaml field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A map key.
    Field(String),
    /// A list index (`0`); negative values are kept so that each reader can treat them as kustomize does.
    Index(i64),
    /// `-`: the last element (getter), or a key named `-` (matcher).
    Last,
    /// `*`: every element of a list (matcher only).
    Wildcard,
    /// `[key=value]`, or `[=value]` with an empty key for lists of scalars.
    Match { key: String, value: String },
}

/// Split a dot-separated path as kyaml's `SmarterPathSplitter` does: `\.` escapes a dot, a bracketed part keeps its
/// dots (`[name=a.b]` stays whole; `[a.b]`, having no `=`, becomes the key `a.b`).
pub fn split_path(path: &str) -> Vec<String> {
    let split = split_escaped(path, '.');
    let mut out = Vec::new();
    let mut i = 0;
    while i < split.len() {
        let part = &split[i];
        if part.starts_with('[') && !part.ends_with(']') {
            let mut bracketed = vec![part.clone()];
            while i + 1 < split.len() {
                i += 1;
                bracketed.push(split[i].clone());
                if split[i].ends_with(']') {
                    break;
                }
            }
            out.push(join_bracketed(&bracketed));
        } else {
            out.push(part.clone());
        }
        i += 1;
    }
    out
}

fn join_bracketed(parts: &[String]) -> String {
    let joined = parts.join(".");
    if joined.contains('=') { joined } else { joined.trim_matches(|c| c == '[' || c == ']').to_string() }
}

/// Split on `delim`, where a part ending in a backslash escapes the delimiter (kyaml's `PathSplitter`).
fn split_escaped(path: &str, delim: char) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in path.split(delim) {
        match out.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push(delim);
                last.push_str(part);
            }
            _ => out.push(part.to_string()),
        }
    }
    out
}

/// Classify one path part as kyaml does (an integer, `-`, `*`, `[k=v]`, or a key).
pub fn classify(part: &str) -> Result<Seg, Error> {
    if part == "*" {
        return Ok(Seg::Wildcard);
    }
    if part == "-" {
        return Ok(Seg::Last);
    }
    if let Some(n) = parse_go_int(part) {
        return Ok(Seg::Index(n));
    }
    if part.len() >= 2 && part.starts_with('[') && part.ends_with(']') {
        let inner = &part[1..part.len() - 1];
        return match inner.split_once('=') {
            Some((key, value)) => Ok(Seg::Match { key: key.to_string(), value: value.to_string() }),
            None => Err(Error::new("list path element must contain fieldName=fieldValue for element to match")),
        };
    }
    Ok(Seg::Field(part.to_string()))
}

/// Go's `strconv.Atoi`: optional sign, decimal digits only.
fn parse_go_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

/// Parse a kyaml field path (dot syntax) into segments, without trimming (as the target matcher reads it).
pub fn parse_field_path(path: &str) -> Result<Vec<Seg>, Error> {
    split_path(path).iter().map(|p| classify(p)).collect()
}

/// Parse a path for [`get`] as kyaml's `PathGetter` cleans it: parts are trimmed and empty ones dropped.
pub fn parse_getter_path(path: &str) -> Result<Vec<Seg>, Error> {
    clean_parts(split_path(path))
}

fn clean_parts(parts: Vec<String>) -> Result<Vec<Seg>, Error> {
    parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()).map(classify).collect()
}

/// The path a legacy `vars` `fieldref.fieldpath` names: split on every dot, `ports[0]` read as `ports.0`.
pub fn parse_var_path(path: &str) -> Result<Vec<Seg>, Error> {
    let mut parts = Vec::new();
    for part in path.split('.') {
        match slice_index(part) {
            Some((head, idx)) => {
                if !head.is_empty() {
                    parts.push(head.to_string());
                }
                parts.push(idx.to_string());
            }
            None => parts.push(part.to_string()),
        }
    }
    clean_parts(parts)
}

/// `name[12]` → (`name`, `12`).
fn slice_index(part: &str) -> Option<(&str, &str)> {
    let body = part.strip_suffix(']')?;
    let open = body.rfind('[')?;
    let idx = &body[open + 1..];
    (!idx.is_empty() && idx.bytes().all(|b| b.is_ascii_digit())).then(|| (&body[..open], idx))
}

/// The kind of a YAML node, for errors and for what gets created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Scalar,
    Map,
    Seq,
}

impl NodeKind {
    pub fn of(v: &Value) -> NodeKind {
        match v {
            Value::Object(_) => NodeKind::Map,
            Value::Array(_) => NodeKind::Seq,
            _ => NodeKind::Scalar,
        }
    }
    fn name(self) -> &'static str {
        match self {
            NodeKind::Scalar => "ScalarNode",
            NodeKind::Map => "MappingNode",
            NodeKind::Seq => "SequenceNode",
        }
    }
    fn empty(self) -> Value {
        match self {
            NodeKind::Scalar => Value::Null,
            NodeKind::Map => Value::Object(Map::new()),
            NodeKind::Seq => Value::Array(Vec::new()),
        }
    }
}

fn wrong_kind(expected: NodeKind, got: &Value) -> Error {
    Error(format!(
        "wrong node kind: expected {} but got {}: node contents:\n{}",
        expected.name(),
        NodeKind::of(got).name(),
        node_contents(got)
    ))
}

fn node_contents(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => {
            let s = other.to_string();
            if s.len() <= 2000 {
                return s;
            }
            let mut cut = 2000;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("{}…", &s[..cut])
        }
    }
}

/// The text of a scalar as kyaml compares it (`Value` of a YAML node): strings as they are, numbers and booleans as
/// written, null as `null`; collections have none.
pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some("null".to_string()),
        _ => None,
    }
}

/// kyaml's `PathGetter` (`yaml.Lookup`): the one value at `path`, `None` when something on the way is missing or
/// null. Errors for a wrong kind of node on the way, a negative index, and wildcards.
pub fn get<'a>(v: &'a Value, path: &[Seg]) -> Result<Option<&'a Value>, Error> {
    let mut node = v;
    for seg in path {
        let next = match seg {
            Seg::Wildcard => return Err(Error::new("wildcard is not supported in PathGetter")),
            Seg::Index(n) if *n < 0 => return Err(Error(format!("array index {n} cannot be negative"))),
            Seg::Index(n) => match node {
                Value::Array(items) => usize::try_from(*n).ok().and_then(|i| items.get(i)),
                Value::Null => None,
                other => return Err(wrong_kind(NodeKind::Seq, other)),
            },
            Seg::Last => match node {
                Value::Array(items) => items.last(),
                Value::Null => None,
                other => return Err(wrong_kind(NodeKind::Seq, other)),
            },
            Seg::Match { key, value } => match node {
                Value::Array(items) => items.iter().find(|item| element_equals(item, key, value)),
                Value::Null => None,
                other => return Err(wrong_kind(NodeKind::Seq, other)),
            },
            Seg::Field(name) => match node {
                Value::Null => None,
                Value::Object(map) if !name.is_empty() => map.get(name),
                Value::String(_) | Value::Number(_) | Value::Bool(_) if name.is_empty() => None,
                other if name.is_empty() => return Err(wrong_kind(NodeKind::Scalar, other)),
                other => return Err(wrong_kind(NodeKind::Map, other)),
            },
        };
        match next {
            Some(n) => node = n,
            None => return Ok(None),
        }
    }
    Ok(Some(node))
}

/// kyaml's `ElementMatcher`: exact comparison of a scalar element, or of an element's field.
fn element_equals(item: &Value, key: &str, value: &str) -> bool {
    if key.is_empty() {
        return node_value_text(item) == value;
    }
    match item {
        Value::Object(map) => map.get(key).is_some_and(|f| node_value_text(f) == value),
        _ => false,
    }
}

/// The `Value` string of a yaml.v3 node: the text of a scalar, empty for collections.
fn node_value_text(v: &Value) -> String {
    scalar_text(v).unwrap_or_default()
}

/// Parse and look up a getter path (see [`get`]) in one go.
pub fn lookup<'a>(v: &'a Value, path: &str) -> Result<Option<&'a Value>, Error> {
    get(v, &parse_getter_path(path)?)
}

/// An error from walking a path, kept apart from an error of the caller's function.
#[derive(Debug)]
pub enum WalkError {
    Path(Error),
    Callback(Error),
}

impl From<WalkError> for Error {
    fn from(e: WalkError) -> Error {
        match e {
            WalkError::Path(e) | WalkError::Callback(e) => e,
        }
    }
}

type Visit<'f> = dyn FnMut(&mut Value, bool) -> Result<(), Error> + 'f;

/// kyaml's `PathMatcher` over a mutable value: calls `f(node, created)` on every node matching `path` and returns
/// how many matched. With `create: Some(kind)`, missing map keys, `[k=v]` elements (when none matches) and the
/// element just past the end of a list are created, the last one as `kind` (a created scalar is passed as `Null`
/// with `created == true`); what kyaml would create under a null node is built and dropped, as kyaml does.
/// `[k=v]` values are unanchored regular expressions, as in kyaml.
pub fn for_each_match_mut(
    v: &mut Value,
    path: &[Seg],
    create: Option<NodeKind>,
    f: &mut Visit<'_>,
) -> Result<usize, WalkError> {
    walk_mut(v, path, create, false, f)
}

fn part_kind(next: Option<&Seg>, create: NodeKind) -> NodeKind {
    match next {
        None => create,
        Some(Seg::Match { .. }) => NodeKind::Seq,
        Some(Seg::Index(n)) if *n >= 0 => NodeKind::Seq,
        Some(_) => NodeKind::Map,
    }
}

fn compile(pattern: &str) -> Result<regex::Regex, Error> {
    regex::Regex::new(pattern).map_err(|e| Error(format!("error parsing regexp: {e}")))
}

fn walk_mut(
    node: &mut Value,
    path: &[Seg],
    create: Option<NodeKind>,
    created: bool,
    f: &mut Visit<'_>,
) -> Result<usize, WalkError> {
    let Some((seg, rest)) = path.split_first() else {
        f(node, created).map_err(WalkError::Callback)?;
        return Ok(1);
    };
    let perr = WalkError::Path;
    let next_kind = |c: NodeKind| part_kind(rest.first(), c);
    match seg {
        Seg::Index(n) if *n >= 0 => {
            let idx = usize::try_from(*n).unwrap_or(usize::MAX);
            match node {
                Value::Array(items) => {
                    let mut fresh = false;
                    if let Some(c) = create
                        && items.len() == idx
                    {
                        items.push(next_kind(c).empty());
                        fresh = true;
                    }
                    let len = items.len();
                    match items.get_mut(idx) {
                        Some(item) => walk_mut(item, rest, create, fresh, f),
                        None => Err(perr(Error(format!("index {n} specified but only {len} elements found")))),
                    }
                }
                Value::Null => match create {
                    Some(c) if idx == 0 => walk_mut(&mut next_kind(c).empty(), rest, create, true, f),
                    _ => Err(perr(Error(format!("index {n} specified but only 0 elements found")))),
                },
                other => Err(perr(wrong_kind(NodeKind::Seq, other))),
            }
        }
        Seg::Wildcard => match node {
            Value::Array(items) => {
                let mut count = 0;
                for item in items.iter_mut() {
                    count += walk_mut(item, rest, create, false, f)?;
                }
                Ok(count)
            }
            Value::Null => Ok(0),
            other => Err(perr(wrong_kind(NodeKind::Seq, other))),
        },
        Seg::Match { key, value } => {
            let re = compile(value).map_err(perr)?;
            match node {
                Value::Array(items) => {
                    let count = walk_matching(items, key, &re, rest, create, false, f)?;
                    if count > 0 || create.is_none() {
                        return Ok(count);
                    }
                    items.push(new_element(key, value));
                    walk_matching(items, key, &re, rest, create, true, f)
                }
                Value::Null => match create {
                    Some(_) => {
                        let mut items = vec![new_element(key, value)];
                        walk_matching(&mut items, key, &re, rest, create, true, f)
                    }
                    None => Ok(0),
                },
                other => Err(perr(wrong_kind(NodeKind::Seq, other))),
            }
        }
        Seg::Field(_) | Seg::Last | Seg::Index(_) => {
            let name = match seg {
                Seg::Field(name) => name.clone(),
                Seg::Last => "-".to_string(),
                Seg::Index(n) => n.to_string(),
                _ => String::new(),
            };
            match node {
                Value::Null => match create {
                    Some(c) => walk_mut(&mut next_kind(c).empty(), rest, create, true, f),
                    None => Ok(0),
                },
                Value::Object(_) if name.is_empty() => Err(perr(wrong_kind(NodeKind::Scalar, node))),
                Value::Object(map) => {
                    let fresh = !map.contains_key(&name);
                    if fresh {
                        match create {
                            Some(c) => {
                                map.insert(name.clone(), next_kind(c).empty());
                            }
                            None => return Ok(0),
                        }
                    }
                    match map.get_mut(&name) {
                        Some(child) => walk_mut(child, rest, create, fresh, f),
                        None => Ok(0),
                    }
                }
                Value::Array(_) => {
                    Err(perr(wrong_kind(if name.is_empty() { NodeKind::Scalar } else { NodeKind::Map }, node)))
                }
                _ if name.is_empty() => Ok(0),
                other => Err(perr(wrong_kind(NodeKind::Map, other))),
            }
        }
    }
}

/// The element kyaml appends for a `[key=value]` (or `[=value]`) part that matched nothing: untagged scalars.
fn new_element(key: &str, value: &str) -> Value {
    let scalar = resolve_plain(value);
    if key.is_empty() {
        scalar
    } else {
        let mut m = Map::new();
        m.insert(key.to_string(), scalar);
        Value::Object(m)
    }
}

fn walk_matching(
    items: &mut [Value],
    key: &str,
    re: &regex::Regex,
    rest: &[Seg],
    create: Option<NodeKind>,
    after_create: bool,
    f: &mut Visit<'_>,
) -> Result<usize, WalkError> {
    let mut count = 0;
    for item in items.iter_mut() {
        if key.is_empty() {
            // kyaml appends a matching scalar element itself and ignores the rest of the path; one it has just
            // created is an untagged scalar.
            if regex_matches_element(item, re) {
                count += walk_mut(item, &[], create, after_create, f)?;
            }
        } else if element_field_matches(item, key, re) {
            count += walk_mut(item, rest, create, false, f)?;
        }
    }
    Ok(count)
}

fn regex_matches_element(item: &Value, re: &regex::Regex) -> bool {
    match item {
        Value::Object(_) | Value::Array(_) => re.is_match(&item.to_string()),
        other => re.is_match(scalar_text(other).unwrap_or_default().trim()),
    }
}

fn element_field_matches(item: &Value, key: &str, re: &regex::Regex) -> bool {
    match item {
        Value::Object(map) => match map.get(key) {
            None => false,
            Some(Value::Object(_) | Value::Array(_)) => map.get(key).is_some_and(|v| re.is_match(&v.to_string())),
            Some(v) => re.is_match(scalar_text(v).unwrap_or_default().trim()),
        },
        _ => false,
    }
}

/// kyaml's `PathMatcher` read-only: every value matching `path` (no creation).
pub fn get_all<'a>(v: &'a Value, path: &[Seg]) -> Result<Vec<&'a Value>, Error> {
    let mut out = Vec::new();
    walk(v, path, &mut out)?;
    Ok(out)
}

fn walk<'a>(node: &'a Value, path: &[Seg], out: &mut Vec<&'a Value>) -> Result<(), Error> {
    let Some((seg, rest)) = path.split_first() else {
        out.push(node);
        return Ok(());
    };
    match seg {
        Seg::Index(n) if *n >= 0 => match node {
            Value::Array(items) => match usize::try_from(*n).ok().and_then(|i| items.get(i)) {
                Some(item) => walk(item, rest, out),
                None => Err(Error(format!("index {n} specified but only {} elements found", items.len()))),
            },
            Value::Null => Err(Error(format!("index {n} specified but only 0 elements found"))),
            other => Err(wrong_kind(NodeKind::Seq, other)),
        },
        Seg::Wildcard => match node {
            Value::Array(items) => items.iter().try_for_each(|item| walk(item, rest, out)),
            Value::Null => Ok(()),
            other => Err(wrong_kind(NodeKind::Seq, other)),
        },
        Seg::Match { key, value } => {
            let re = compile(value)?;
            match node {
                Value::Array(items) => {
                    for item in items {
                        if key.is_empty() {
                            if regex_matches_element(item, &re) {
                                out.push(item);
                            }
                        } else if element_field_matches(item, key, &re) {
                            walk(item, rest, out)?;
                        }
                    }
                    Ok(())
                }
                Value::Null => Ok(()),
                other => Err(wrong_kind(NodeKind::Seq, other)),
            }
        }
        Seg::Field(_) | Seg::Last | Seg::Index(_) => {
            let name = match seg {
                Seg::Field(name) => name.clone(),
                Seg::Last => "-".to_string(),
                Seg::Index(n) => n.to_string(),
                _ => String::new(),
            };
            match node {
                Value::Null => Ok(()),
                Value::Object(_) if name.is_empty() => Err(wrong_kind(NodeKind::Scalar, node)),
                Value::Object(map) => match map.get(&name) {
                    Some(child) => walk(child, rest, out),
                    None => Ok(()),
                },
                Value::Array(_) => {
                    Err(wrong_kind(if name.is_empty() { NodeKind::Scalar } else { NodeKind::Map }, node))
                }
                _ if name.is_empty() => Ok(()),
                other => Err(wrong_kind(NodeKind::Map, other)),
            }
        }
    }
}

/// Set every match of `path` (matcher reading, see [`for_each_match_mut`]) to a copy of `value`; with `create`,
/// what is missing is created. Returns how many places were set.
pub fn set(v: &mut Value, path: &[Seg], value: &Value, create: bool) -> Result<usize, Error> {
    let kind = create.then(|| NodeKind::of(value));
    Ok(for_each_match_mut(v, path, kind, &mut |node, _| {
        *node = value.clone();
        Ok(())
    })?)
}

/// How yaml.v3 reads an untagged plain scalar, as JSON: null, booleans, integers (decimal, `0x`, `0o`, `0b`, leading
/// `0` octal, `_` separators), floats (`.inf`/`.nan` stay strings, JSON having none); anything else is a string.
pub fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return Value::String(text.to_string());
    }
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    if let Some(i) = parse_go_int_base0(&plain) {
        return Value::Number(i.into());
    }
    if is_yaml_float(&plain)
        && let Ok(f) = plain.parse::<f64>()
        && let Some(n) = serde_json::Number::from_f64(f)
    {
        return Value::Number(n);
    }
    Value::String(text.to_string())
}

/// Go's `strconv.ParseInt(s, 0, 64)` (sign, then `0x`/`0o`/`0b`/leading-`0` octal or decimal).
fn parse_go_int_base0(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(digits, radix).ok()?;
    let value = if neg { -magnitude } else { magnitude };
    i64::try_from(value).ok()
}

/// yaml.v3's float pattern: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.first() == Some(&b'.') {
        i = 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

// ---------------------------------------------------------------------------------------------------------------
// FieldSpec paths
// ---------------------------------------------------------------------------------------------------------------

/// Split a FieldSpec path on `/` (`\/` escapes a slash; a leading `/` is ignored).
pub fn split_field_spec_path(path: &str) -> Vec<String> {
    let mut parts = split_escaped(path, '/');
    if parts.len() > 1 && parts[0].is_empty() {
        parts.remove(0);
    }
    parts
}

/// Apply `f` to every node a FieldSpec path reaches in the resource `v`, as kustomize's fieldspec filter does.
///
/// Lists met on the way are transparent: the rest of the path applies to each element (`containers[]` may mark
/// such a field, which is then never created). A missing or null field stops that branch quietly, unless `create`
/// is set: intermediate fields are then created (or, when null, replaced) as maps, and a missing last field is
/// created as `Null` for `f` to fill; a created last field that `f` leaves `Null` is removed again. A scalar met
/// before the end of the path is an error (`expected sequence or mapping node`). Errors, `f`'s included, are
/// reported as kustomize does: `considering field 'PATH' of object ID: …`.
pub fn apply_field_spec(
    v: &mut Value,
    path: &str,
    create: bool,
    f: &mut dyn FnMut(&mut Value) -> Result<(), Error>,
) -> Result<(), Error> {
    let parts = split_field_spec_path(path);
    let parts: Vec<&str> = parts.iter().map(String::as_str).filter(|p| !p.is_empty()).collect();
    let id = resource_id_string(v);
    fs_filter(v, &parts, create, f).map_err(|e| e.prefixed(format_args!("considering field '{path}' of object {id}")))
}

fn fs_filter(
    node: &mut Value,
    path: &[&str],
    create: bool,
    f: &mut dyn FnMut(&mut Value) -> Result<(), Error>,
) -> Result<(), Error> {
    let Some((first, rest)) = path.split_first() else {
        return f(node);
    };
    match node {
        Value::Array(items) => {
            for item in items.iter_mut() {
                fs_filter(item, path, create, f)
                    .map_err(|e| e.prefixed(format_args!("visit traversal on path: [{}]", path.join(" "))))?;
            }
            Ok(())
        }
        Value::Object(map) => {
            let (name, is_seq) = match first.strip_suffix("[]") {
                Some(n) => (n, true),
                None => (*first, false),
            };
            let create_here = create && !is_seq;
            if !map.contains_key(name) {
                if !create_here {
                    return Ok(());
                }
                map.insert(name.to_string(), if rest.is_empty() { Value::Null } else { Value::Object(Map::new()) });
                let result = match map.get_mut(name) {
                    Some(child) => fs_filter(child, rest, create, f),
                    None => Ok(()),
                };
                if rest.is_empty() && map.get(name).is_some_and(Value::is_null) {
                    map.remove(name);
                }
                return result;
            }
            let Some(child) = map.get_mut(name) else { return Ok(()) };
            if child.is_null() {
                if create_here && !rest.is_empty() {
                    *child = Value::Object(Map::new());
                } else if rest.is_empty() {
                    return f(child);
                } else {
                    return Ok(());
                }
            }
            fs_filter(child, rest, create, f)
        }
        Value::Null => Ok(()),
        _ => Err(Error::new("expected sequence or mapping node")),
    }
}

/// A resource's id as kustomize prints it: `Kind.version.group/name.namespace`, with `[noKind]`, `[noVer]`,
/// `[noGrp]`, `[noName]`, `[noNs]` for what is missing.
pub fn resource_id_string(v: &Value) -> String {
    let text = |p: &[&str]| -> String {
        let mut node = v;
        for k in p {
            match node.get(k) {
                Some(n) => node = n,
                None => return String::new(),
            }
        }
        match node {
            Value::Null | Value::Object(_) | Value::Array(_) => String::new(),
            other => scalar_text(other).unwrap_or_default(),
        }
    };
    let api_version = text(&["apiVersion"]);
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), api_version),
    };
    format_id(&text(&["kind"]), &version, &group, &text(&["metadata", "name"]), &text(&["metadata", "namespace"]))
}

/// `Kind.version.group/name.namespace` with kustomize's placeholders for empty parts.
pub fn format_id(kind: &str, version: &str, group: &str, name: &str, namespace: &str) -> String {
    let or = |s: &str, d: &'static str| if s.is_empty() { d.to_string() } else { s.to_string() };
    format!(
        "{}.{}.{}/{}.{}",
        or(kind, "[noKind]"),
        or(version, "[noVer]"),
        or(group, "[noGrp]"),
        or(name, "[noName]"),
        or(namespace, "[noNs]")
    )
}
