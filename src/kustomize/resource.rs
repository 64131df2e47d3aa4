//! Resources as the renderer holds them: a JSON object plus what kustomize remembers about it (where it came
//! from, its earlier names, generator settings).

use serde_json::{Map, Value};

/// Group, version, kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Gvk {
    pub group: String,
    pub version: String,
    pub kind: String,
}

impl Gvk {
    pub fn from_api_version(api_version: &str, kind: &str) -> Gvk {
        let (group, version) = match api_version.rsplit_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.to_string()),
        };
        Gvk { group, version, kind: kind.to_string() }
    }

    pub fn api_version(&self) -> String {
        if self.group.is_empty() { self.version.clone() } else { format!("{}/{}", self.group, self.version) }
    }

    /// True when this selector-like Gvk (empty fields match anything) matches `other`.
    pub fn selects(&self, other: &Gvk) -> bool {
        (self.group.is_empty() || self.group == other.group)
            && (self.version.is_empty() || self.version == other.version)
            && (self.kind.is_empty() || self.kind == other.kind)
    }

    /// kustomize's `Gvk.String()`: `kind.version.group` with `[noVer]`/`[noGrp]` for empty parts.
    pub fn display(&self) -> String {
        let v = if self.version.is_empty() { "[noVer]" } else { &self.version };
        let g = if self.group.is_empty() { "[noGrp]" } else { &self.group };
        format!("{}.{}.{}", self.kind, v, g)
    }

    /// Whether objects of this kind live in a namespace (cluster-scoped built-in kinds return false; unknown
    /// kinds are namespaced, as kustomize assumes).
    pub fn is_namespaced(&self) -> bool {
        !super::replacements::is_cluster_scoped(&self.group, &self.kind)
    }
}

/// An object's identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResId {
    pub gvk: Gvk,
    pub name: String,
    /// `""` when unset.
    pub namespace: String,
}

impl ResId {
    /// kustomize's equality: same Gvk and name, and namespaces equal where `""` and `default` are one.
    pub fn same(&self, other: &ResId) -> bool {
        self.gvk == other.gvk && self.name == other.name && ns_eq(&self.namespace, &other.namespace)
    }

    /// `kind.version.group/name.namespace` as kustomize prints ids in messages.
    pub fn display(&self) -> String {
        let ns = if self.namespace.is_empty() { "[noNs]" } else { &self.namespace };
        format!("{}/{}.{}", self.gvk.display(), self.name, ns)
    }
}

/// Namespaces compare equal when equal, or when one is empty and the other `default`.
pub fn ns_eq(a: &str, b: &str) -> bool {
    let norm = |s: &str| if s.is_empty() { "default" } else { s }.to_string();
    norm(a) == norm(b)
}

/// One resource of a build.
#[derive(Debug, Clone)]
pub struct Resource {
    pub obj: Value,
    /// Repository path of the file it came from (`None` for generated resources).
    pub origin: Option<String>,
    /// For generated resources: whether a content-hash suffix is added at the end of the build.
    pub needs_hash: bool,
    /// Earlier (namespace, name) pairs, oldest first, recorded whenever a transformer renamed the resource:
    /// name references written against an earlier name are fixed up to the current one.
    pub history: Vec<(String, String)>,
    /// The kind at each entry of `history` (a patch may change the kind too).
    pub prev_kinds: Vec<String>,
    /// Name prefixes and suffixes applied so far, in the order applied (innermost first): among
    /// several candidates of one name reference, the one built alongside the referrer wins.
    pub prefixes: Vec<String>,
    pub suffixes: Vec<String>,
    /// For generated objects: the kustomization file, the generator kind (`ConfigMapGenerator`, …) and, for a
    /// generator plugin configuration, its name.
    pub generated_by: Option<(String, &'static str, Option<String>)>,
    /// Names of the legacy `vars` bound to this object by the kustomization that declared them.
    pub ref_vars: Vec<String>,
    /// Transformers that ran over this object: (kustomization file, kind, plugin name, plugin namespace).
    pub transformations: Vec<(String, String, Option<String>, Option<String>)>,
}

impl Resource {
    pub fn new(obj: Value, origin: Option<String>) -> Resource {
        Resource {
            obj,
            origin,
            needs_hash: false,
            history: Vec::new(),
            prev_kinds: Vec::new(),
            prefixes: Vec::new(),
            suffixes: Vec::new(),
            generated_by: None,
            ref_vars: Vec::new(),
            transformations: Vec::new(),
        }
    }

    fn str_at(&self, path: &[&str]) -> &str {
        let mut v = &self.obj;
        for k in path {
            match v.get(k) {
                Some(n) => v = n,
                None => return "",
            }
        }
        v.as_str().unwrap_or("")
    }

    pub fn gvk(&self) -> Gvk {
        Gvk::from_api_version(self.str_at(&["apiVersion"]), self.str_at(&["kind"]))
    }
    pub fn kind(&self) -> &str {
        self.str_at(&["kind"])
    }
    pub fn name(&self) -> &str {
        self.str_at(&["metadata", "name"])
    }
    pub fn namespace(&self) -> &str {
        self.str_at(&["metadata", "namespace"])
    }
    pub fn id(&self) -> ResId {
        ResId { gvk: self.gvk(), name: self.name().to_string(), namespace: self.namespace().to_string() }
    }

    /// The identity the resource had when it was loaded or generated.
    pub fn original_id(&self) -> ResId {
        let mut id = self.id();
        if let Some((ns, name)) = self.history.first() {
            id.namespace = ns.clone();
            id.name = name.clone();
        }
        id
    }

    /// Every (namespace, name) the resource has had, current last.
    pub fn all_names(&self) -> Vec<(String, String)> {
        let mut v = self.history.clone();
        v.push((self.namespace().to_string(), self.name().to_string()));
        v
    }

    fn metadata_mut(&mut self) -> &mut Map<String, Value> {
        if !self.obj.is_object() {
            self.obj = Value::Object(Map::new());
        }
        let obj = self.obj.as_object_mut().expect("object ensured above");
        let md = obj.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
        if !md.is_object() {
            *md = Value::Object(Map::new());
        }
        md.as_object_mut().expect("object ensured above")
    }

    /// Record the current identity as an earlier one.
    pub fn remember(&mut self) {
        self.history.push((self.namespace().to_string(), self.name().to_string()));
        self.prev_kinds.push(self.kind().to_string());
    }

    /// Every (kind, namespace, name) the resource has had, current last.
    pub fn all_ids(&self) -> Vec<(String, String, String)> {
        let mut v: Vec<(String, String, String)> = self
            .history
            .iter()
            .zip(self.prev_kinds.iter())
            .map(|((ns, n), k)| (k.clone(), ns.clone(), n.clone()))
            .collect();
        v.push((self.kind().to_string(), self.namespace().to_string(), self.name().to_string()));
        v
    }

    /// Rename, remembering the old identity.
    pub fn set_name(&mut self, name: &str) {
        if self.name() == name {
            return;
        }
        self.remember();
        self.metadata_mut().insert("name".into(), Value::String(name.to_string()));
    }

    /// Move to another namespace, remembering the old identity.
    pub fn set_namespace(&mut self, ns: &str) {
        if self.namespace() == ns {
            return;
        }
        self.remember();
        self.metadata_mut().insert("namespace".into(), Value::String(ns.to_string()));
    }

    /// Labels (or annotations) map of the metadata.
    pub fn meta_map(&self, key: &str) -> Option<&Map<String, Value>> {
        self.obj.get("metadata")?.get(key)?.as_object()
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.meta_map("annotations")?.get(key)?.as_str()
    }

    pub fn set_annotation(&mut self, key: &str, value: &str) {
        let md = self.metadata_mut();
        let ann = md.entry("annotations").or_insert_with(|| Value::Object(Map::new()));
        if !ann.is_object() {
            *ann = Value::Object(Map::new());
        }
        if let Some(m) = ann.as_object_mut() {
            m.insert(key.to_string(), Value::String(value.to_string()));
        }
    }

    pub fn remove_annotation(&mut self, key: &str) {
        let Some(md) = self.obj.get_mut("metadata").and_then(Value::as_object_mut) else { return };
        let Some(ann) = md.get_mut("annotations").and_then(Value::as_object_mut) else { return };
        ann.shift_remove(key);
        if ann.is_empty() {
            md.shift_remove("annotations");
        }
    }
}

impl Resource {
    /// The object with kustomize's internal `previousNames`/`previousNamespaces`/`previousKinds` annotations
    /// written from the rename history (what replacements, vars and patch selectors read).
    pub fn annotated(&self) -> Value {
        let mut v = self.obj.clone();
        if self.history.is_empty() {
            return v;
        }
        let names: Vec<&str> = self.history.iter().map(|(_, n)| n.as_str()).collect();
        let nss: Vec<&str> = self.history.iter().map(|(ns, _)| ns.as_str()).collect();
        let kinds: Vec<&str> = self.prev_kinds.iter().map(String::as_str).collect();
        if let Some(md) = v.get_mut("metadata").and_then(Value::as_object_mut) {
            let ann = md.entry("annotations").or_insert_with(|| Value::Object(Map::new()));
            if let Some(a) = ann.as_object_mut() {
                a.insert(super::replacements::PREVIOUS_NAMES.into(), Value::String(names.join(",")));
                a.insert(super::replacements::PREVIOUS_NAMESPACES.into(), Value::String(nss.join(",")));
                a.insert(super::replacements::PREVIOUS_KINDS.into(), Value::String(kinds.join(",")));
            }
        }
        v
    }

    /// Take back an object produced from [`Resource::annotated`], dropping the internal annotations.
    pub fn set_from_annotated(&mut self, mut v: Value) {
        if let Some(md) = v.get_mut("metadata").and_then(Value::as_object_mut) {
            let mut empty = false;
            if let Some(a) = md.get_mut("annotations").and_then(Value::as_object_mut) {
                for k in [
                    super::replacements::PREVIOUS_NAMES,
                    super::replacements::PREVIOUS_NAMESPACES,
                    super::replacements::PREVIOUS_KINDS,
                ] {
                    a.shift_remove(k);
                }
                empty = a.is_empty();
            }
            if empty && self.obj.get("metadata").and_then(|m| m.get("annotations")).is_none() {
                md.shift_remove("annotations");
            }
        }
        self.obj = v;
    }
}
