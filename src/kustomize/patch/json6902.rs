//! RFC 6902 JSON patch with the semantics and messages of evanphx/json-patch v4, the library kustomize v5.5
//! applies them with.
//!
//! Departures from the RFC that kustomize users see: `replace` of a missing key of an object adds it, negative
//! array indices count from the end (`-1` is the last item; for `add`, `-1` appends), `copy` from a missing key
//! of an object copies `null`, and `test` compares objects by the keys of the document's object only. After
//! the patch every number has been through a float64, as in kustomize: integers beyond 2^53 lose precision.

use super::PatchError;
use serde_json::{Map, Value};

/// Apply the operations `ops` (a JSON array, as parsed from the patch file) to `target`. On error the target is
/// left unchanged; the message is the one kustomize prints.
pub fn json6902(target: &mut Value, ops: &Value) -> Result<(), PatchError> {
    let Value::Array(ops) = ops else {
        return err(format!("json: cannot unmarshal {} into Go value of type jsonpatch.Patch", go_type(ops)));
    };
    let mut decoded = Vec::with_capacity(ops.len());
    for op in ops {
        match op {
            Value::Object(m) => decoded.push(Some(m)),
            // A JSON null decodes to an empty operation.
            Value::Null => decoded.push(None),
            other => {
                return err(format!(
                    "json: cannot unmarshal {} into Go value of type jsonpatch.Operation",
                    go_type(other)
                ));
            }
        }
    }
    if !(target.is_object() || target.is_array()) {
        return err(format!("json: cannot unmarshal {} into Go value of type jsonpatch.partialDoc", go_type(target)));
    }
    let mut doc = target.clone();
    for op in decoded {
        let empty = Map::new();
        let op = Op(op.unwrap_or(&empty));
        match op.kind().as_str() {
            "add" => add(&mut doc, &op)?,
            "remove" => remove(&mut doc, &op)?,
            "replace" => replace(&mut doc, &op)?,
            "move" => move_op(&mut doc, &op)?,
            "test" => test(&mut doc, &op)?,
            "copy" => copy(&mut doc, &op)?,
            other => return err(format!("Unexpected kind: {other}")),
        }
    }
    if !doc.is_object() {
        // kustomize reads the result back into a map.
        return err(format!(
            "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            go_type(&doc)
        ));
    }
    through_float64(&mut doc);
    *target = doc;
    Ok(())
}

fn err<T>(message: impl Into<String>) -> Result<T, PatchError> {
    Err(PatchError::new(message))
}

/// The JSON type names of Go's `encoding/json` errors.
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

const MISSING: &str = "missing value";

/// One operation (jsonpatch.Operation).
struct Op<'a>(&'a Map<String, Value>);

impl Op<'_> {
    fn kind(&self) -> String {
        match self.0.get("op") {
            Some(Value::String(s)) => s.clone(),
            _ => "unknown".to_string(),
        }
    }

    fn string_field(&self, name: &str, missing: &str) -> Result<String, String> {
        match self.0.get(name) {
            Some(Value::String(s)) => Ok(s.clone()),
            None | Some(Value::Null) => Err(format!("{missing}: {MISSING}")),
            Some(other) => Err(format!("json: cannot unmarshal {} into Go value of type string", go_type(other))),
        }
    }

    fn path(&self) -> Result<String, String> {
        self.string_field("path", "operation missing path field")
    }

    fn from(&self) -> Result<String, String> {
        self.string_field("from", "operation, missing from field")
    }

    /// The `value` field: `None` when absent (a JSON null is `Some(Null)`).
    fn value(&self) -> Option<&Value> {
        self.0.get("value")
    }
}

/// A step from the document root to a container.
enum Step {
    Key(String),
    Index(usize),
}

/// RFC 6901 unescaping (`~1` is `/`, `~0` is `~`, in one pass).
fn decode_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.peek() {
                Some('1') => {
                    out.push('/');
                    chars.next();
                }
                Some('0') => {
                    out.push('~');
                    chars.next();
                }
                _ => out.push(c),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Go's `strconv.Atoi`.
fn atoi(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("strconv.Atoi: parsing {s:?}: invalid syntax"));
    }
    s.parse::<i64>().map_err(|_| format!("strconv.Atoi: parsing {s:?}: value out of range"))
}

fn invalid_index(idx: i64) -> String {
    format!("Unable to access invalid index: {idx}: invalid index referenced")
}

/// The index an existing item is read, replaced or removed at (`get`/`set` of v4's partialArray).
fn existing_index(len: usize, key: &str) -> Result<usize, String> {
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    let mut idx = atoi(key)?;
    if idx < 0 {
        if idx < -len {
            return Err(invalid_index(idx));
        }
        idx += len;
    }
    if idx >= len {
        return Err(invalid_index(idx));
    }
    usize::try_from(idx).map_err(|_| invalid_index(idx))
}

/// `findObject`: the container holding the last path segment, and that segment, decoded. `None` when a parent
/// is missing, null, or not a container (and for paths without a `/`).
fn find_object(doc: &Value, path: &str) -> Option<(Vec<Step>, String)> {
    let split: Vec<&str> = path.split('/').collect();
    if split.len() < 2 {
        return None;
    }
    let (key, parts) = split.split_last()?;
    let parts = parts.get(1..)?;
    let mut cur = doc;
    let mut steps = Vec::with_capacity(parts.len());
    for part in parts {
        let part = decode_key(part);
        let next = match cur {
            Value::Object(m) => {
                let next = m.get(&part)?;
                steps.push(Step::Key(part));
                next
            }
            Value::Array(a) => {
                let idx = existing_index(a.len(), &part).ok()?;
                steps.push(Step::Index(idx));
                a.get(idx)?
            }
            _ => return None,
        };
        if !(next.is_object() || next.is_array()) {
            return None;
        }
        cur = next;
    }
    Some((steps, decode_key(key)))
}

fn container_mut<'a>(doc: &'a mut Value, steps: &[Step]) -> Option<&'a mut Value> {
    let mut cur = doc;
    for step in steps {
        cur = match (step, cur) {
            (Step::Key(k), Value::Object(m)) => m.get_mut(k)?,
            (Step::Index(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn container<'a>(doc: &'a Value, steps: &[Step]) -> Option<&'a Value> {
    let mut cur = doc;
    for step in steps {
        cur = match (step, cur) {
            (Step::Key(k), Value::Object(m)) => m.get(k)?,
            (Step::Index(i), Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// `container.get`: the value (`None` for a missing key or a null), or the array error.
fn con_get(con: &Value, key: &str) -> Result<Option<Value>, String> {
    match con {
        Value::Object(m) => Ok(m.get(key).filter(|v| !v.is_null()).cloned()),
        Value::Array(a) => {
            let idx = existing_index(a.len(), key)?;
            Ok(a.get(idx).filter(|v| !v.is_null()).cloned())
        }
        _ => Err(MISSING.to_string()),
    }
}

/// `container.add`.
fn con_add(con: &mut Value, key: &str, val: Value) -> Result<(), String> {
    match con {
        Value::Object(m) => {
            m.insert(key.to_string(), val);
            Ok(())
        }
        Value::Array(a) => {
            if key == "-" {
                a.push(val);
                return Ok(());
            }
            let mut idx = atoi(key).map_err(|e| format!("value was not a proper array index: '{key}': {e}"))?;
            let size = i64::try_from(a.len()).unwrap_or(i64::MAX).saturating_add(1);
            if idx >= size {
                return Err(invalid_index(idx));
            }
            if idx < 0 {
                if idx < -size {
                    return Err(invalid_index(idx));
                }
                idx += size;
            }
            let idx = usize::try_from(idx).map_err(|_| invalid_index(idx))?;
            a.insert(idx.min(a.len()), val);
            Ok(())
        }
        _ => Err(MISSING.to_string()),
    }
}

/// `container.set` (after a successful `get`).
fn con_set(con: &mut Value, key: &str, val: Value) -> Result<(), String> {
    match con {
        Value::Object(m) => {
            m.insert(key.to_string(), val);
            Ok(())
        }
        Value::Array(a) => {
            let idx = existing_index(a.len(), key)?;
            if let Some(slot) = a.get_mut(idx) {
                *slot = val;
            }
            Ok(())
        }
        _ => Err(MISSING.to_string()),
    }
}

/// `container.remove`.
fn con_remove(con: &mut Value, key: &str) -> Result<(), String> {
    match con {
        Value::Object(m) => match m.shift_remove(key) {
            Some(_) => Ok(()),
            None => Err(format!("Unable to remove nonexistent key: {key}: {MISSING}")),
        },
        Value::Array(a) => {
            let len = i64::try_from(a.len()).unwrap_or(i64::MAX);
            let mut idx = atoi(key)?;
            if idx >= len {
                return Err(invalid_index(idx));
            }
            if idx < 0 {
                if idx < -len {
                    return Err(invalid_index(idx));
                }
                idx += len;
            }
            let idx = usize::try_from(idx).map_err(|_| invalid_index(idx))?;
            if idx < a.len() {
                a.remove(idx);
            }
            Ok(())
        }
        _ => Err(MISSING.to_string()),
    }
}

/// The container at `steps`, mutably; it was found a moment ago, so this only fails on a bug.
fn target_mut<'a>(doc: &'a mut Value, steps: &[Step], path: &str) -> Result<&'a mut Value, PatchError> {
    container_mut(doc, steps).ok_or_else(|| PatchError::new(format!("doc is missing path: \"{path}\": {MISSING}")))
}

fn add(doc: &mut Value, op: &Op) -> Result<(), PatchError> {
    let path = op.path().map_err(|_| PatchError::new(format!("add operation failed to decode path: {MISSING}")))?;
    let Some((steps, key)) = find_object(doc, &path) else {
        return err(format!("add operation does not apply: doc is missing path: \"{path}\": {MISSING}"));
    };
    let value = op.value().cloned().unwrap_or(Value::Null);
    let con = target_mut(doc, &steps, &path)?;
    con_add(con, &key, value).map_err(|e| PatchError::new(format!("error in add for path: '{path}': {e}")))
}

fn remove(doc: &mut Value, op: &Op) -> Result<(), PatchError> {
    let path = op.path().map_err(|_| PatchError::new(format!("remove operation failed to decode path: {MISSING}")))?;
    let Some((steps, key)) = find_object(doc, &path) else {
        return err(format!("remove operation does not apply: doc is missing path: \"{path}\": {MISSING}"));
    };
    let con = target_mut(doc, &steps, &path)?;
    con_remove(con, &key).map_err(|e| PatchError::new(format!("error in remove for path: '{path}': {e}")))
}

fn replace(doc: &mut Value, op: &Op) -> Result<(), PatchError> {
    let path = op.path().map_err(|e| PatchError::new(format!("replace operation failed to decode path: {e}")))?;
    if path.is_empty() {
        // The whole document: replaced by an object or array value; any other value is ignored.
        match op.value() {
            None => return err("replace operation does not apply: missing value"),
            Some(v @ (Value::Object(_) | Value::Array(_))) => *doc = v.clone(),
            Some(_) => {}
        }
        return Ok(());
    }
    let Some((steps, key)) = find_object(doc, &path) else {
        return err(format!("replace operation does not apply: doc is missing path: {path}: {MISSING}"));
    };
    let con = target_mut(doc, &steps, &path)?;
    if con_get(con, &key).is_err() {
        return err(format!("replace operation does not apply: doc is missing key: {path}: {MISSING}"));
    }
    let value = op.value().cloned().unwrap_or(Value::Null);
    con_set(con, &key, value).map_err(|e| PatchError::new(format!("error in remove for path: '{path}': {e}")))
}

fn move_op(doc: &mut Value, op: &Op) -> Result<(), PatchError> {
    let from = op.from().map_err(|e| PatchError::new(format!("move operation failed to decode from: {e}")))?;
    let Some((steps, key)) = find_object(doc, &from) else {
        return err(format!("move operation does not apply: doc is missing from path: {from}: {MISSING}"));
    };
    let con = target_mut(doc, &steps, &from)?;
    let val = con_get(con, &key).map_err(|e| PatchError::new(format!("error in move for path: '{key}': {e}")))?;
    con_remove(con, &key).map_err(|e| PatchError::new(format!("error in move for path: '{key}': {e}")))?;
    let path = op.path().map_err(|e| PatchError::new(format!("move operation failed to decode path: {e}")))?;
    let Some((steps, key)) = find_object(doc, &path) else {
        return err(format!("move operation does not apply: doc is missing destination path: {path}: {MISSING}"));
    };
    let con = target_mut(doc, &steps, &path)?;
    con_add(con, &key, val.unwrap_or(Value::Null))
        .map_err(|e| PatchError::new(format!("error in move for path: '{path}': {e}")))
}

fn test(doc: &mut Value, op: &Op) -> Result<(), PatchError> {
    let path = op.path().map_err(|e| PatchError::new(format!("test operation failed to decode path: {e}")))?;
    if path.is_empty() {
        // The whole document.
        return match op.value() {
            Some(v) if go_equal(doc, v) => Ok(()),
            _ => err("testing value  failed: test failed"),
        };
    }
    let Some((steps, key)) = find_object(doc, &path) else {
        return err(format!("test operation does not apply: is missing path: {path}: {MISSING}"));
    };
    let con = container(doc, &steps)
        .ok_or_else(|| PatchError::new(format!("test operation does not apply: is missing path: {path}: {MISSING}")))?;
    let val = con_get(con, &key).map_err(|e| PatchError::new(format!("error in test for path: '{path}': {e}")))?;
    let failed = || err(format!("testing value {path} failed: test failed"));
    match (val, op.value()) {
        (None, Some(Value::Null)) => Ok(()),
        (None, _) | (Some(_), None) => failed(),
        (Some(v), Some(expected)) => {
            if go_equal(&v, expected) {
                Ok(())
            } else {
                failed()
            }
        }
    }
}

fn copy(doc: &mut Value, op: &Op) -> Result<(), PatchError> {
    let from = op.from().map_err(|e| PatchError::new(format!("copy operation failed to decode from: {e}")))?;
    let Some((steps, key)) = find_object(doc, &from) else {
        return err(format!("copy operation does not apply: doc is missing from path: {from}: {MISSING}"));
    };
    let con = container(doc, &steps).ok_or_else(|| {
        PatchError::new(format!("copy operation does not apply: doc is missing from path: {from}: {MISSING}"))
    })?;
    let val = con_get(con, &key).map_err(|e| PatchError::new(format!("error in copy for from: '{from}': {e}")))?;
    let path = op.path().map_err(|_| PatchError::new(format!("copy operation failed to decode path: {MISSING}")))?;
    let Some((steps, key)) = find_object(doc, &path) else {
        return err(format!("copy operation does not apply: doc is missing destination path: {path}: {MISSING}"));
    };
    let con = target_mut(doc, &steps, &path)?;
    con_add(con, &key, val.unwrap_or(Value::Null))
        .map_err(|e| PatchError::new(format!("error while adding value during copy: {e}")))
}

/// v4's `lazyNode.equal(document value, operation value)`: objects compare by the document object's keys only;
/// scalars by their JSON text (the document's as Go's encoder writes it).
fn go_equal(n: &Value, o: &Value) -> bool {
    match n {
        Value::Object(nm) => {
            let Value::Object(om) = o else {
                return false;
            };
            nm.iter().all(|(k, v)| match om.get(k) {
                None => false,
                Some(ov) if v.is_null() => ov.is_null(),
                Some(ov) => go_equal(v, ov),
            })
        }
        Value::Array(na) => {
            let Value::Array(oa) = o else {
                return false;
            };
            na.len() == oa.len()
                && na.iter().zip(oa).all(|(v, ov)| if v.is_null() { ov.is_null() } else { go_equal(v, ov) })
        }
        _ => !o.is_null() && go_json_scalar(n) == json_text(o),
    }
}

/// A patch value's JSON text (kept as the patch wrote it, approximately: serde's compact form).
fn json_text(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// A scalar as Go's `encoding/json` writes it (HTML-safe string escaping, float64 formatting).
fn go_json_scalar(v: &Value) -> String {
    match v {
        Value::String(s) => {
            let mut out = String::with_capacity(s.len() + 2);
            let plain = Value::String(s.clone()).to_string();
            for c in plain.chars() {
                match c {
                    '<' => out.push_str("\\u003c"),
                    '>' => out.push_str("\\u003e"),
                    '&' => out.push_str("\\u0026"),
                    '\u{2028}' => out.push_str("\\u2028"),
                    '\u{2029}' => out.push_str("\\u2029"),
                    c => out.push(c),
                }
            }
            out
        }
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e21 => format!("{f}"),
            Some(f) if f == 0.0 || (1e-6..1e21).contains(&f.abs()) => format!("{f}"),
            Some(f) => format!("{f:e}"),
            None => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// kustomize reads the patched JSON back into Go maps, where every number is a float64, and writes it out again:
/// integral values print as integers (shortest digits), others stay floats.
fn through_float64(v: &mut Value) {
    match v {
        Value::Number(n) => {
            if let Some(f) = n.as_f64() {
                let same = n.as_i64().is_some_and(|i| i as f64 == f && i.unsigned_abs() <= 1 << 53)
                    || n.as_u64().is_some_and(|u| u <= 1 << 53);
                if same {
                    return;
                }
                if f.fract() == 0.0 && f.abs() < 1e21 {
                    let digits = format!("{f}");
                    if let Ok(i) = digits.parse::<i64>() {
                        *v = Value::from(i);
                        return;
                    }
                    if let Ok(u) = digits.parse::<u64>() {
                        *v = Value::from(u);
                        return;
                    }
                }
                if let Some(num) = serde_json::Number::from_f64(f) {
                    *v = Value::Number(num);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(through_float64),
        Value::Object(m) => m.values_mut().for_each(through_float64),
        _ => {}
    }
}
