//! Strategic merge patch: a port of kyaml's `merge2` walker (kyaml v0.18.1, kustomize v5.5.0).
//!
//! The Go code works on shared `yaml.Node` pointers and mutates them in place; parts of its observable
//! behaviour (which item wins in a keyed list, what a `$patch` directive removes) depend on that sharing. The
//! port keeps it: both documents are loaded into one arena of nodes addressed by index, and "the same node" means
//! "the same index". Function and variable names follow the Go code so the two can be read side by side.

use super::PatchError;
use super::schema::{Gvk, ListStrategy, MergeSchema};
use serde_json::{Map, Value};

/// What a strategic merge patch did to its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchOutcome {
    /// The target was merged with the patch (possibly without any change).
    Patched,
    /// The patch deleted the whole resource (top-level `$patch: delete`); the target is left as it was.
    Deleted,
}

/// Apply a strategic merge `patch` to `target` the way kustomize v5.5 does (see the module documentation of
/// [`super`] for the semantics and for what stays the caller's). On error the target is left unchanged.
pub fn strategic_merge(
    target: &mut Value,
    patch: &Value,
    schema: &dyn MergeSchema,
) -> Result<PatchOutcome, PatchError> {
    let mut m = Merger { arena: Vec::new(), schema };
    let dest = m.import(target, 0)?;
    let origin = m.import(patch, 0)?;
    let result = m.walk([Some(dest), Some(origin)], None, &mut Vec::new())?;
    match result {
        None => Ok(PatchOutcome::Deleted),
        Some(id) if m.is_missing_or_null(Some(id)) => Ok(PatchOutcome::Deleted),
        // kustomize drops a resource left without any field.
        Some(id) if id == dest && m.is_empty_map(id) => Ok(PatchOutcome::Deleted),
        Some(id) if id == dest => {
            *target = m.export(dest, 0)?;
            Ok(PatchOutcome::Patched)
        }
        // `$patch: replace` at the top: kyaml returns the patch as a new node, which kustomize ignores (it only
        // looks at whether the filter returned anything), so the resource stays as it was.
        Some(_) => Ok(PatchOutcome::Patched),
    }
}

/// Deepest nesting handled; deeper documents are refused rather than risking the stack.
const MAX_DEPTH: usize = 128;

type Id = usize;

#[derive(Debug, Clone)]
enum N {
    /// A null (YAML's tagged null).
    Null,
    /// A string, number or boolean; or a null that kyaml no longer treats as one (see `visit_map`).
    Scalar(Value),
    Map(Vec<(String, Id)>),
    Seq(Vec<Id>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// No source has a value (kyaml's kind 0).
    Empty,
    Scalar,
    Map,
    Seq,
}

impl Kind {
    fn go_name(self) -> &'static str {
        match self {
            Kind::Empty => "0",
            Kind::Scalar => "ScalarNode",
            Kind::Map => "MappingNode",
            Kind::Seq => "SequenceNode",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Directive {
    Merge,
    Replace,
    Delete,
}

/// The schema position of the node being walked: the kind whose schema applies and the path from that kind's
/// root. `None` means "no schema" (kyaml's nil schema).
type SchemaAt = Option<(Gvk, Vec<String>)>;

/// Sources of a walk: the destination (the target) and the origin (the patch).
type Sources = [Option<Id>; 2];

const DEST: usize = 0;
const ORIGIN: usize = 1;

struct Merger<'s> {
    arena: Vec<N>,
    schema: &'s dyn MergeSchema,
}

fn err<T>(message: impl Into<String>) -> Result<T, PatchError> {
    Err(PatchError::new(message))
}

impl Merger<'_> {
    // ---- the arena ----------------------------------------------------------------------------------------------

    fn alloc(&mut self, n: N) -> Id {
        self.arena.push(n);
        self.arena.len() - 1
    }

    fn node(&self, id: Id) -> &N {
        static NULL: N = N::Null;
        self.arena.get(id).unwrap_or(&NULL)
    }

    fn set_node(&mut self, id: Id, n: N) {
        if let Some(slot) = self.arena.get_mut(id) {
            *slot = n;
        }
    }

    fn import(&mut self, v: &Value, depth: usize) -> Result<Id, PatchError> {
        if depth > MAX_DEPTH {
            return err(format!("document nested deeper than {MAX_DEPTH} levels"));
        }
        let n = match v {
            Value::Null => N::Null,
            Value::Bool(_) | Value::Number(_) | Value::String(_) => N::Scalar(v.clone()),
            Value::Array(items) => {
                let mut ids = Vec::with_capacity(items.len());
                for item in items {
                    ids.push(self.import(item, depth + 1)?);
                }
                N::Seq(ids)
            }
            Value::Object(map) => {
                let mut fields = Vec::with_capacity(map.len());
                for (k, item) in map {
                    fields.push((k.clone(), self.import(item, depth + 1)?));
                }
                N::Map(fields)
            }
        };
        Ok(self.alloc(n))
    }

    fn export(&self, id: Id, depth: usize) -> Result<Value, PatchError> {
        if depth > MAX_DEPTH {
            return err(format!("merged document nested deeper than {MAX_DEPTH} levels"));
        }
        Ok(match self.node(id) {
            N::Null => Value::Null,
            N::Scalar(v) => v.clone(),
            N::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for &item in items {
                    out.push(self.export(item, depth + 1)?);
                }
                Value::Array(out)
            }
            N::Map(fields) => {
                let mut out = Map::new();
                for (k, item) in fields {
                    out.insert(k.clone(), self.export(*item, depth + 1)?);
                }
                Value::Object(out)
            }
        })
    }

    // ---- node predicates and accessors (kyaml's yaml package) -------------------------------------------------

    fn is_missing_or_null(&self, id: Option<Id>) -> bool {
        match id {
            None => true,
            Some(id) => matches!(self.node(id), N::Null),
        }
    }

    fn is_empty_map(&self, id: Id) -> bool {
        matches!(self.node(id), N::Map(f) if f.is_empty())
    }

    fn is_map(&self, id: Id) -> bool {
        matches!(self.node(id), N::Map(_))
    }

    /// kyaml's `RNode.IsNilOrEmpty`: null, `{}` or `[]`.
    fn is_nil_or_empty(&self, id: Id) -> bool {
        match self.node(id) {
            N::Null => true,
            N::Map(f) => f.is_empty(),
            N::Seq(s) => s.is_empty(),
            N::Scalar(_) => false,
        }
    }

    fn kind_of(&self, id: Id) -> Kind {
        match self.node(id) {
            N::Null | N::Scalar(_) => Kind::Scalar,
            N::Map(_) => Kind::Map,
            N::Seq(_) => Kind::Seq,
        }
    }

    /// A node's `Value` in the Go YAML tree: the scalar's text, `""` for maps and lists.
    fn text(&self, id: Id) -> String {
        match self.node(id) {
            N::Null => "null".to_string(),
            N::Scalar(Value::String(s)) => s.clone(),
            N::Scalar(v) => v.to_string(),
            N::Map(_) | N::Seq(_) => String::new(),
        }
    }

    fn content(&self, id: Id) -> Vec<Id> {
        match self.node(id) {
            N::Seq(items) => items.clone(),
            _ => Vec::new(),
        }
    }

    fn set_content(&mut self, id: Id, items: Vec<Id>) {
        if let Some(N::Seq(old)) = self.arena.get_mut(id) {
            *old = items;
        }
    }

    fn fields(&self, id: Option<Id>) -> Vec<String> {
        match id.map(|id| self.node(id)) {
            Some(N::Map(f)) => f.iter().map(|(k, _)| k.clone()).collect(),
            _ => Vec::new(),
        }
    }

    /// `RNode.Field(name).Value`: `None` for non-maps and missing fields.
    fn field(&self, id: Option<Id>, name: &str) -> Option<Id> {
        match id.map(|id| self.node(id)) {
            Some(N::Map(f)) => f.iter().find(|(k, _)| k == name).map(|(_, v)| *v),
            _ => None,
        }
    }

    /// The YAML text of a node, for error messages.
    fn dump(&self, id: Id) -> String {
        match self.export(id, 0) {
            Ok(Value::String(s)) => s,
            Ok(v) => v.to_string(),
            Err(e) => e.message,
        }
    }

    fn wrong_kind(&self, expected: Kind, id: Id) -> PatchError {
        PatchError::new(format!(
            "wrong node kind: expected {} but got {}: node contents:\n{}",
            expected.go_name(),
            self.kind_of(id).go_name(),
            self.dump(id)
        ))
    }

    /// `ErrorIfInvalid`: null passes, any other kind must be `kind`.
    fn check_kind(&self, id: Id, kind: Kind) -> Result<(), PatchError> {
        if self.is_missing_or_null(Some(id)) || self.kind_of(id) == kind {
            Ok(())
        } else {
            Err(self.wrong_kind(kind, id))
        }
    }

    /// `FieldClearer`.
    fn clear_field(&mut self, map: Id, name: &str) {
        if let Some(N::Map(f)) = self.arena.get_mut(map) {
            f.retain(|(k, _)| k != name);
        }
    }

    /// `FieldSetter{Name, Value}` on a map: clear on nil or null; an existing field's node takes the value's
    /// content (Go's `SetYNode` copies the node in place); a new field is appended.
    fn field_set(&mut self, map: Id, name: &str, value: Option<Id>) -> Result<(), PatchError> {
        let Some(value) = value.filter(|v| !self.is_missing_or_null(Some(*v))) else {
            self.check_kind(map, Kind::Map)?;
            self.clear_field(map, name);
            return Ok(());
        };
        self.check_kind(map, Kind::Map)?;
        if let Some(existing) = self.field(Some(map), name) {
            if existing != value {
                let copy = self.node(value).clone();
                self.set_node(existing, copy);
            }
            return Ok(());
        }
        if let Some(N::Map(f)) = self.arena.get_mut(map) {
            f.push((name.to_string(), value));
        }
        Ok(())
    }

    /// `FieldMatcher{Name, StringValue}.Filter`: the value of field `name` (whatever it is when `value` is
    /// empty, else only when its text is `value`); with an empty name, the scalar itself when its text matches.
    fn field_matcher(&self, elem: Id, name: &str, value: &str) -> Result<Option<Id>, PatchError> {
        if self.is_missing_or_null(Some(elem)) {
            return Ok(None);
        }
        if name.is_empty() {
            self.check_kind(elem, Kind::Scalar)?;
            return Ok((self.text(elem) == value).then_some(elem));
        }
        self.check_kind(elem, Kind::Map)?;
        if let N::Map(f) = self.node(elem) {
            for (k, v) in f {
                if k == name && (value.is_empty() || self.text(*v) == value) {
                    return Ok(Some(*v));
                }
            }
        }
        Ok(None)
    }

    /// `RNode.ElementList(keys, values)`: the first item whose fields `keys` have the texts `values` (for the
    /// empty key, the first scalar with that text).
    fn element_list(&self, list: Option<Id>, keys: &[String], values: &[String]) -> Option<Id> {
        let list = list?;
        let N::Seq(items) = self.node(list) else {
            return None;
        };
        let first_key = keys.first().map(String::as_str).unwrap_or("");
        let first_value = values.first().map(String::as_str).unwrap_or("");
        if first_key.is_empty() {
            return items.iter().copied().find(|&i| self.text(i) == first_value);
        }
        if keys.len() != values.len() {
            return None;
        }
        items.iter().copied().find(|&item| {
            let N::Map(f) = self.node(item) else {
                return false;
            };
            keys.iter().zip(values).all(|(k, v)| f.iter().any(|(fk, fv)| fk == k && self.text(*fv) == *v))
        })
    }

    /// `ElementSetter{Element, Keys, Values}.Filter` on a list: drops null and `{}` items, replaces every item
    /// matching all key/value pairs with `element` (removes them when `element` is `None`), appends `element`
    /// when nothing matched.
    fn element_setter(
        &mut self,
        list: Id,
        element: Option<Id>,
        keys: &[String],
        values: &[String],
    ) -> Result<(), PatchError> {
        let default_keys = [String::new()];
        let keys = if keys.is_empty() { &default_keys[..] } else { keys };
        self.check_kind(list, Kind::Seq)?;
        let mapping_setter =
            keys.first().is_some_and(|k| !k.is_empty()) && values.first().is_some_and(|v| !v.is_empty());
        let mut new_content = Vec::new();
        let mut matched = false;
        for elem in self.content(list) {
            if self.is_missing_or_null(Some(elem)) || self.is_empty_map(elem) {
                continue;
            }
            if !self.is_map(elem) && mapping_setter {
                new_content.push(elem);
                continue;
            }
            let mut found = true;
            let mut val = None;
            for (j, key) in keys.iter().enumerate() {
                if let Some(value) = values.get(j) {
                    val = self.field_matcher(elem, key, value)?;
                }
                if val.is_none() {
                    found = false;
                    break;
                }
            }
            if !found {
                if !values.is_empty() {
                    new_content.push(elem);
                }
                continue;
            }
            matched = true;
            if let Some(e) = element {
                new_content.push(e);
            }
        }
        self.set_content(list, new_content);
        let Some(e) = element.filter(|e| !self.is_missing_or_null(Some(*e))) else {
            return Ok(());
        };
        if !matched {
            let mut items = self.content(list);
            items.push(e);
            self.set_content(list, items);
        }
        Ok(())
    }

    // ---- the walker (kyaml walk.Walker) --------------------------------------------------------------------

    /// `Walker.Kind`: the kind of the first source that is neither missing nor null.
    fn kind(&self, sources: &Sources) -> Kind {
        sources
            .iter()
            .flatten()
            .find(|&&id| !self.is_missing_or_null(Some(id)))
            .map_or(Kind::Empty, |&id| self.kind_of(id))
    }

    /// `Walker.GetSchema`: the schema handed down, else that of the first source that is an object of a kind
    /// the schema knows.
    fn get_schema(&self, sources: &Sources, at: SchemaAt) -> SchemaAt {
        if at.is_some() {
            return at;
        }
        for &id in sources.iter().flatten() {
            let (Some(api_version), Some(kind)) = (self.field(Some(id), "apiVersion"), self.field(Some(id), "kind"))
            else {
                continue;
            };
            let (N::Scalar(Value::String(api_version)), N::Scalar(Value::String(kind))) =
                (self.node(api_version), self.node(kind))
            else {
                continue;
            };
            if api_version.is_empty() || kind.is_empty() {
                continue;
            }
            let gvk = Gvk::from_api_version(api_version, kind);
            if self.schema.knows(&gvk) {
                return Some((gvk, Vec::new()));
            }
        }
        None
    }

    fn strategy(&self, at: &SchemaAt) -> ListStrategy {
        match at {
            Some((gvk, path)) => {
                let path: Vec<&str> = path.iter().map(String::as_str).collect();
                self.schema.list_strategy(gvk, &path)
            }
            None => ListStrategy::Replace,
        }
    }

    fn walk(&mut self, sources: Sources, at: SchemaAt, path: &mut Vec<String>) -> Result<Option<Id>, PatchError> {
        if path.len() > MAX_DEPTH {
            return err(format!("patch nested deeper than {MAX_DEPTH} levels at {}", path.join(".")));
        }
        let at = self.get_schema(&sources, at);
        let kind = self.kind(&sources);
        if kind != Kind::Empty {
            // `ErrorIfAnyInvalidAndNonNull`.
            for &id in sources.iter().flatten() {
                self.check_kind(id, kind)?;
            }
        }
        match kind {
            Kind::Map | Kind::Empty => self.walk_map(sources, at, path),
            Kind::Seq => {
                if self.strategy(&at) == ListStrategy::Replace {
                    Ok(self.visit_list_non_associative(&sources))
                } else {
                    self.walk_associative_sequence(sources, at, path)
                }
            }
            Kind::Scalar => Ok(self.visit_scalar(&sources)),
        }
    }

    fn walk_map(
        &mut self,
        mut sources: Sources,
        at: SchemaAt,
        path: &mut Vec<String>,
    ) -> Result<Option<Id>, PatchError> {
        let Some(dest) = self.visit_map(&sources)? else {
            return Ok(None);
        };
        sources[DEST] = Some(dest);
        let mut names: Vec<String> = sources.iter().flat_map(|&s| self.fields(s)).collect();
        names.sort();
        names.dedup();
        for key in names {
            let field_at = at.as_ref().and_then(|(gvk, p)| {
                let mut p = p.clone();
                p.push(key.clone());
                let refs: Vec<&str> = p.iter().map(String::as_str).collect();
                self.schema.knows_path(gvk, &refs).then(|| (gvk.clone(), p))
            });
            let values = [self.field(sources[DEST], &key), self.field(sources[ORIGIN], &key)];
            path.push(key.clone());
            let val = self.walk(values, field_at, path);
            path.pop();
            let val = val?;
            self.field_set(dest, &key, val)?;
        }
        Ok(Some(dest))
    }

    /// `Merger.VisitMap`.
    fn visit_map(&mut self, sources: &Sources) -> Result<Option<Id>, PatchError> {
        let (dest, origin) = (sources[DEST], sources[ORIGIN]);
        if self.is_missing_or_null(dest) {
            // Add. An unknown directive is ignored here; the walk below reports it.
            if let Ok(Directive::Delete) = self.determine_smp_directive(origin) {
                return Ok(None);
            }
            // A null the target spells out (`null`, `~`) is kept when the patch does not mention the field: kyaml
            // replaces it with a plain scalar of the same text, which is no longer "tagged null". (Go drops a null
            // written as an empty value; a JSON value cannot tell the two apart, so every null is kept.)
            if origin.is_none() && dest.is_some() {
                return Ok(Some(self.alloc(N::Scalar(Value::Null))));
            }
            return Ok(origin);
        }
        if origin.is_some() && self.is_missing_or_null(origin) {
            return Ok(None);
        }
        Ok(match self.determine_smp_directive(origin)? {
            Directive::Delete => None,
            Directive::Replace => origin,
            Directive::Merge => dest,
        })
    }

    /// `Merger.VisitScalar`: the patch's value when it has one (a null clears the field).
    fn visit_scalar(&self, sources: &Sources) -> Option<Id> {
        sources[ORIGIN].or(sources[DEST])
    }

    /// `Merger.VisitList` for a list without merge strategy: the patch's list replaces the target's.
    fn visit_list_non_associative(&self, sources: &Sources) -> Option<Id> {
        sources[ORIGIN].or(sources[DEST])
    }

    /// `Merger.VisitList` for a list with a merge strategy.
    fn visit_list_associative(&mut self, sources: &Sources) -> Result<Option<Id>, PatchError> {
        let (dest, origin) = (sources[DEST], sources[ORIGIN]);
        if self.is_missing_or_null(dest) {
            return Ok(origin);
        }
        if origin.is_some() && self.is_missing_or_null(origin) {
            return Ok(None);
        }
        Ok(match self.determine_smp_directive(origin)? {
            Directive::Delete => None,
            Directive::Replace => origin,
            Directive::Merge => dest,
        })
    }

    /// `determineSmpDirective`: reads `$patch` from a map, or from a list's first item that has one when that item
    /// has no other field, and removes it (for the three known values).
    fn determine_smp_directive(&mut self, patch: Option<Id>) -> Result<Directive, PatchError> {
        let Some(patch) = patch else {
            return Ok(Directive::Merge);
        };
        match self.node(patch) {
            N::Seq(items) => {
                let first = items.iter().copied().find(|&i| self.field(Some(i), "$patch").is_some());
                let Some(item) = first else {
                    return Ok(Directive::Merge);
                };
                if !matches!(self.node(item), N::Map(f) if f.len() == 1) {
                    return Ok(Directive::Merge);
                }
                let v = self.field(Some(item), "$patch").map(|v| self.text(v)).unwrap_or_default();
                let d = match v.as_str() {
                    "delete" => Directive::Delete,
                    "replace" => Directive::Replace,
                    "merge" => Directive::Merge,
                    _ => return err(format!("unknown patch strategy '{v}'")),
                };
                // Every item with that directive goes (Go removes them with an ElementSetter).
                self.element_setter(patch, None, &["$patch".to_string()], &[v])?;
                Ok(d)
            }
            N::Map(_) => {
                let Some(v) = self.field(Some(patch), "$patch") else {
                    return Ok(Directive::Merge);
                };
                let v = self.text(v);
                let d = match v.as_str() {
                    "delete" => Directive::Delete,
                    "replace" => Directive::Replace,
                    "merge" => Directive::Merge,
                    _ => return err(format!("unknown patch strategy '{v}'")),
                };
                self.clear_field(patch, "$patch");
                Ok(d)
            }
            N::Null | N::Scalar(_) => err(format!(
                "no implemented strategic merge patch strategy for '{}' ('{}')",
                short_tag(self.node(patch)),
                self.dump(patch)
            )),
        }
    }

    fn walk_associative_sequence(
        &mut self,
        mut sources: Sources,
        at: SchemaAt,
        path: &mut Vec<String>,
    ) -> Result<Option<Id>, PatchError> {
        let Some(dest) = self.visit_list_associative(&sources)? else {
            return Ok(None);
        };
        sources[DEST] = Some(dest);
        let keys: Vec<String> = match self.strategy(&at) {
            ListStrategy::MergeKey(k) => vec![k],
            ListStrategy::MergeKeys(ks) => ks,
            ListStrategy::MergePrimitives | ListStrategy::Replace => Vec::new(),
        };
        let values = self.element_values(&sources, &keys);
        if !values.is_empty() || !keys.is_empty() {
            return self.set_associative_sequence_elements(values, &keys, dest, &sources, at, path);
        }
        let values = self.element_primitive_values(&sources);
        self.set_associative_sequence_elements(values, &[String::new()], dest, &sources, at, path)
    }

    /// `elementValues`: for every item of the patch, then of the target, the texts of its key fields (`""` where
    /// missing or empty); each combination once.
    fn element_values(&self, sources: &Sources, keys: &[String]) -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = Vec::new();
        // Prepend mode (kustomize's): the patch's items first.
        for src in [sources[ORIGIN], sources[DEST]].into_iter().flatten() {
            for item in self.content(src) {
                let values: Vec<String> = keys
                    .iter()
                    .map(|k| match self.field(Some(item), k) {
                        Some(v) if !self.is_nil_or_empty(v) => self.text(v),
                        _ => String::new(),
                    })
                    .collect();
                if values.is_empty() || out.contains(&values) {
                    continue;
                }
                out.push(values);
            }
        }
        out
    }

    /// `elementPrimitiveValues`: the texts of all items, patch first, each once.
    fn element_primitive_values(&self, sources: &Sources) -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for src in [sources[ORIGIN], sources[DEST]].into_iter().flatten() {
            for item in self.content(src) {
                let t = self.text(item);
                if seen.insert(t.clone()) {
                    out.push(vec![t]);
                }
            }
        }
        out
    }

    fn set_associative_sequence_elements(
        &mut self,
        mut values_list: Vec<Vec<String>>,
        keys: &[String],
        dest: Id,
        sources: &Sources,
        at: SchemaAt,
        path: &mut Vec<String>,
    ) -> Result<Option<Id>, PatchError> {
        let items_to_be_added = self.alloc(N::Seq(Vec::new()));
        if keys.len() > 1 {
            merge_values(&mut values_list);
        }
        let mut valid_keys: Vec<String> = Vec::new();
        for values in &values_list {
            if values.is_empty() {
                continue;
            }
            let (vk, vv) = validate_keys(&values_list, values, keys);
            valid_keys.clone_from(&vk);
            // `elementValueList` narrows the keys again, to this item's.
            let (ek, ev) = validate_keys(std::slice::from_ref(&vv), &vv, &vk);
            let elems = [self.element_list(sources[DEST], &ek, &ev), self.element_list(sources[ORIGIN], &ek, &ev)];
            let val = self.walk(elems, at.clone(), path)?;
            let mut exit = false;
            for (i, key) in vk.iter().enumerate() {
                match val {
                    Some(v) if !self.is_missing_or_null(Some(v)) && !self.is_empty_map(v) => {
                        let value = vv.get(i).map(String::as_str).unwrap_or("");
                        if self.field(Some(v), key).is_none() && !value.is_empty() {
                            self.set_field_text(v, key, value)?;
                        }
                    }
                    _ => {
                        // Deleted (or empty): remove it from the target.
                        self.element_setter(dest, None, &vk, &vv)?;
                        exit = true;
                    }
                }
            }
            if exit {
                continue;
            }
            self.element_setter(items_to_be_added, val, &vk, &vv)?;
        }
        if values_list.is_empty() {
            return Ok(Some(dest));
        }
        // Prepend mode: the target's items are set into the new list, which has the patch's items first.
        self.append_list_node(items_to_be_added, dest, &valid_keys)?;
        Ok(Some(items_to_be_added))
    }

    /// `val.Pipe(yaml.SetField(key, yaml.NewScalarRNode(value)))`: a plain scalar, typed by its text; on a scalar
    /// with an empty key, Go replaces the scalar with one of the same text (a no-op here).
    fn set_field_text(&mut self, val: Id, key: &str, value: &str) -> Result<(), PatchError> {
        if key.is_empty() {
            return self.check_kind(val, Kind::Scalar);
        }
        let scalar = crate::manifest::Scalar { text: value.to_string(), style: crate::manifest::ScalarStyle::Plain };
        let json = scalar.to_json(None);
        let id = self.alloc(if json.is_null() { N::Null } else { N::Scalar(json) });
        self.field_set(val, key, Some(id))
    }

    /// `appendListNode(dst, src, keys)`: sets every item of `src` into `dst` by its key values.
    fn append_list_node(&mut self, dst: Id, src: Id, keys: &[String]) -> Result<(), PatchError> {
        let default_keys = [String::new()];
        let keys = if keys.is_empty() { &default_keys[..] } else { keys };
        for elem in self.content(src) {
            if keys.first().is_some_and(String::is_empty) {
                let text = self.text(elem);
                self.element_setter(dst, Some(elem), &default_keys, &[text])?;
                continue;
            }
            let mut v = Vec::new();
            for key in keys {
                // `yaml.Get(key)`.
                let value_node = if self.is_missing_or_null(Some(elem)) {
                    None
                } else {
                    self.check_kind(elem, Kind::Map)?;
                    self.field(Some(elem), key)
                };
                match value_node {
                    None => {
                        // No key: appended as it is (and, as in Go, still set below with the values found).
                        let mut items = self.content(dst);
                        items.push(elem);
                        self.set_content(dst, items);
                    }
                    Some(value) => v.push(self.text(value)),
                }
            }
            if keys.len() > 1 {
                self.element_setter(dst, None, keys, &v)?;
            }
            self.element_setter(dst, Some(elem), keys, &v)?;
        }
        Ok(())
    }
}

/// The short YAML tag of a node, for messages.
fn short_tag(n: &N) -> &'static str {
    match n {
        N::Null => "!!null",
        N::Scalar(Value::Bool(_)) => "!!bool",
        N::Scalar(Value::Number(n)) if n.is_f64() => "!!float",
        N::Scalar(Value::Number(_)) => "!!int",
        N::Scalar(_) => "!!str",
        N::Map(_) => "!!map",
        N::Seq(_) => "!!seq",
    }
}

/// `validateKeys`: the keys that have a value in any of `values_list` (all keys when none has), and this item's
/// values for them.
fn validate_keys(values_list: &[Vec<String>], values: &[String], keys: &[String]) -> (Vec<String>, Vec<String>) {
    let mut valid: Vec<&str> = Vec::new();
    for vals in values_list {
        for (i, v) in vals.iter().enumerate() {
            if let Some(k) = keys.get(i)
                && !v.is_empty()
                && !valid.contains(&k.as_str())
            {
                valid.push(k);
            }
        }
    }
    if valid.is_empty() {
        return (keys.to_vec(), values.to_vec());
    }
    let valid_keys: Vec<String> = keys.iter().filter(|k| valid.contains(&k.as_str())).cloned().collect();
    let valid_values: Vec<String> = values
        .iter()
        .enumerate()
        .filter(|(i, v)| !v.is_empty() || keys.get(*i).is_some_and(|k| valid.contains(&k.as_str())))
        .map(|(_, v)| v.clone())
        .collect();
    (valid_keys, valid_values)
}

/// `mergeValues`: combinations that agree where both have a value are unified (an item without `protocol`
/// matches one with it). Mirrors Go's in-place updates during the double loop.
fn merge_values(list: &mut [Vec<String>]) {
    for i in 0..list.len() {
        let values1 = list[i].clone();
        for j in 0..list.len() {
            let values2 = list[j].clone();
            if let Some(res) = match_values(&values1, &values2) {
                list[i].clone_from(&res);
                list[j] = res;
            }
        }
    }
}

/// Two combinations match if they share a value and differ only where one of them is empty.
fn match_values(values1: &[String], values2: &[String]) -> Option<Vec<String>> {
    if values1.len() != values2.len() {
        return None;
    }
    let mut common = false;
    let mut res = Vec::with_capacity(values1.len());
    for (a, b) in values1.iter().zip(values2) {
        if a == b {
            common = true;
            res.push(a.clone());
        } else if !a.is_empty() && !b.is_empty() {
            return None;
        } else if !a.is_empty() {
            res.push(a.clone());
        } else {
            res.push(b.clone());
        }
    }
    common.then_some(res)
}
