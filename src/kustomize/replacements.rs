//! kustomize v5.5 `replacements`, and the resource selection shared with patches' `target`.
//!
//! Resources are JSON objects. Where a resource carries kustomize's internal build annotations
//! (`internal.config.kubernetes.io/previousNames`, `…/previousNamespaces`, `…/previousKinds`, comma-separated, as
//! kustomize writes them when a prefix, suffix or namespace changes an id), selection also matches those earlier ids,
//! as kustomize does.

use super::fieldpath::{self, Error, NodeKind, Seg, WalkError};
use super::types::{FieldOptions, ReplacementField, Selector, SourceSelector, TargetSelector};
use serde_json::Value;
use std::fmt;

pub const PREVIOUS_NAMES: &str = "internal.config.kubernetes.io/previousNames";
pub const PREVIOUS_NAMESPACES: &str = "internal.config.kubernetes.io/previousNamespaces";
pub const PREVIOUS_KINDS: &str = "internal.config.kubernetes.io/previousKinds";

const DEFAULT_FIELD_PATH: &str = "metadata.name";

// ---------------------------------------------------------------------------------------------------------------
// Resource ids
// ---------------------------------------------------------------------------------------------------------------

/// A resource id as kustomize's `resid.ResId`: group, version, kind, name, namespace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ResId {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
}

/// `apps/v1` → (`apps`, `v1`); `v1` → (``, `v1`).
pub fn parse_group_version(api_version: &str) -> (String, String) {
    match api_version.split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), api_version.to_string()),
    }
}

fn text_at(v: &Value, path: &[&str]) -> String {
    let mut node = v;
    for k in path {
        match node.get(k) {
            Some(n) => node = n,
            None => return String::new(),
        }
    }
    match node {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// Kinds of the built-in Kubernetes API (kustomize's bundled schema) that are cluster-scoped, by group.
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    ("", "ComponentStatus"),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("authentication.k8s.io", "TokenReview"),
    ("authentication.k8s.io", "SelfSubjectReview"),
    ("authorization.k8s.io", "SelfSubjectAccessReview"),
    ("authorization.k8s.io", "SelfSubjectRulesReview"),
    ("authorization.k8s.io", "SubjectAccessReview"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("certificates.k8s.io", "ClusterTrustBundle"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    ("internal.apiserver.k8s.io", "StorageVersion"),
    ("networking.k8s.io", "IngressClass"),
    ("networking.k8s.io", "IPAddress"),
    ("networking.k8s.io", "ServiceCIDR"),
    ("node.k8s.io", "RuntimeClass"),
    ("policy", "PodSecurityPolicy"),
    ("extensions", "PodSecurityPolicy"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("storage.k8s.io", "VolumeAttributesClass"),
];

/// True for built-in cluster-scoped kinds (unknown kinds are namespaced, as in kustomize).
pub fn is_cluster_scoped(group: &str, kind: &str) -> bool {
    CLUSTER_SCOPED.iter().any(|(g, k)| *g == group && *k == kind)
}

impl ResId {
    /// The current id of a resource.
    pub fn of(v: &Value) -> ResId {
        let (group, version) = parse_group_version(&text_at(v, &["apiVersion"]));
        ResId {
            group,
            version,
            kind: text_at(v, &["kind"]),
            name: text_at(v, &["metadata", "name"]),
            namespace: text_at(v, &["metadata", "namespace"]),
        }
    }

    /// The ids a resource had before prefixes, suffixes or namespaces changed it (oldest first), from kustomize's
    /// internal build annotations.
    pub fn previous_of(v: &Value) -> Result<Vec<ResId>, Error> {
        let annotations = v.get("metadata").and_then(|m| m.get("annotations"));
        let get = |k: &str| annotations.and_then(|a| a.get(k)).and_then(Value::as_str);
        let Some(names) = get(PREVIOUS_NAMES) else { return Ok(Vec::new()) };
        let names: Vec<&str> = names.split(',').collect();
        let namespaces: Vec<&str> = get(PREVIOUS_NAMESPACES).unwrap_or("").split(',').collect();
        let kinds: Vec<&str> = get(PREVIOUS_KINDS).unwrap_or("").split(',').collect();
        if names.len() != namespaces.len() || names.len() != kinds.len() {
            return Err(Error::new(
                "number of previous names, number of previous namespaces, number of previous kinds not equal",
            ));
        }
        let (group, version) = parse_group_version(&text_at(v, &["apiVersion"]));
        Ok(names
            .iter()
            .zip(namespaces.iter().zip(kinds.iter()))
            .map(|(n, (ns, k))| ResId {
                group: group.clone(),
                version: version.clone(),
                kind: k.to_string(),
                name: n.to_string(),
                namespace: ns.to_string(),
            })
            .collect())
    }

    /// The current id followed by the previous ones (kustomize's `MakeResIds`).
    pub fn all_of(v: &Value) -> Result<Vec<ResId>, Error> {
        let mut ids = vec![ResId::of(v)];
        ids.extend(ResId::previous_of(v)?);
        Ok(ids)
    }

    /// The original id: the oldest previous id, or the current one.
    pub fn original_of(v: &Value) -> ResId {
        ResId::previous_of(v).ok().and_then(|p| p.into_iter().next()).unwrap_or_else(|| ResId::of(v))
    }

    pub fn is_cluster_scoped(&self) -> bool {
        is_cluster_scoped(&self.group, &self.kind)
    }

    /// kustomize's effective namespace: `~X` for cluster-scoped kinds, `default` for an empty namespace.
    pub fn effective_namespace(&self) -> String {
        if self.is_cluster_scoped() {
            "~X".to_string()
        } else if self.namespace.is_empty() || self.namespace == "default" {
            "default".to_string()
        } else {
            self.namespace.clone()
        }
    }

    /// kustomize's `IsSelectedBy`: every non-empty field of `selector` equals this id's (namespaces compared as
    /// effective namespaces).
    pub fn is_selected_by(&self, selector: &ResId) -> bool {
        (selector.name.is_empty() || selector.name == self.name)
            && (selector.namespace.is_empty() || selector.effective_namespace() == self.effective_namespace())
            && self.gvk_selected_by(selector)
    }

    fn gvk_selected_by(&self, selector: &ResId) -> bool {
        (selector.group.is_empty() || selector.group == self.group)
            && (selector.version.is_empty() || selector.version == self.version)
            && (selector.kind.is_empty() || selector.kind == self.kind)
    }

    pub fn is_empty(&self) -> bool {
        *self == ResId::default()
    }

    /// Group/version/kind/name equality (kustomize's `GvknEquals`).
    pub fn gvkn_equals(&self, o: &ResId) -> bool {
        self.group == o.group && self.version == o.version && self.kind == o.kind && self.name == o.name
    }

    /// `GvknEquals` plus the same effective namespace (kustomize's `Equals`).
    pub fn equals(&self, o: &ResId) -> bool {
        self.gvkn_equals(o) && self.effective_namespace() == o.effective_namespace()
    }

    /// `Kind.version.group` with kustomize's placeholders.
    pub fn gvk_string(&self) -> String {
        let or = |s: &str, d: &'static str| if s.is_empty() { d.to_string() } else { s.to_string() };
        format!("{}.{}.{}", or(&self.kind, "[noKind]"), or(&self.version, "[noVer]"), or(&self.group, "[noGrp]"))
    }
}

impl fmt::Display for ResId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&fieldpath::format_id(&self.kind, &self.version, &self.group, &self.name, &self.namespace))
    }
}

fn selector_res_id(s: &Selector) -> ResId {
    ResId {
        group: s.group.clone().unwrap_or_default(),
        version: s.version.clone().unwrap_or_default(),
        kind: s.kind.clone().unwrap_or_default(),
        name: s.name.clone().unwrap_or_default(),
        namespace: s.namespace.clone().unwrap_or_default(),
    }
}

fn source_res_id(s: &SourceSelector) -> ResId {
    ResId {
        group: s.group.clone().unwrap_or_default(),
        version: s.version.clone().unwrap_or_default(),
        kind: s.kind.clone().unwrap_or_default(),
        name: s.name.clone().unwrap_or_default(),
        namespace: s.namespace.clone().unwrap_or_default(),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Label selectors
// ---------------------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    In,
    NotIn,
    Equals,
    DoubleEquals,
    NotEquals,
    Exists,
    DoesNotExist,
    GreaterThan,
    LessThan,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    key: String,
    op: Op,
    values: Vec<String>,
}

/// A Kubernetes label selector (`a=b,c!=d,e in (x,y),f notin (z),g,!h,i>3`), as `labels.Parse` reads it; used for
/// `labelSelector` and `annotationSelector`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    reqs: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    In,
    NotIn,
    Not,
    NotEquals,
    Equals,
    DoubleEquals,
    Gt,
    Lt,
    Open,
    Close,
    Comma,
    End,
}

impl Tok {
    fn literal(&self) -> String {
        match self {
            Tok::Ident(s) => s.clone(),
            Tok::In => "in".into(),
            Tok::NotIn => "notin".into(),
            Tok::Not => "!".into(),
            Tok::NotEquals => "!=".into(),
            Tok::Equals => "=".into(),
            Tok::DoubleEquals => "==".into(),
            Tok::Gt => ">".into(),
            Tok::Lt => "<".into(),
            Tok::Open => "(".into(),
            Tok::Close => ")".into(),
            Tok::Comma => ",".into(),
            Tok::End => String::new(),
        }
    }
    /// In a value position `in` and `notin` are plain identifiers.
    fn into_value(self) -> Tok {
        match self {
            Tok::In => Tok::Ident("in".into()),
            Tok::NotIn => Tok::Ident("notin".into()),
            t => t,
        }
    }
}

fn lex(s: &str) -> Vec<Tok> {
    let special = |c: char| matches!(c, '=' | '!' | '(' | ')' | ',' | '>' | '<');
    let mut out = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if matches!(c, ' ' | '\t' | '\r' | '\n') {
            i += 1;
            continue;
        }
        if special(c) {
            let two = chars.get(i + 1).copied();
            let (tok, n) = match (c, two) {
                ('!', Some('=')) => (Tok::NotEquals, 2),
                ('=', Some('=')) => (Tok::DoubleEquals, 2),
                ('!', _) => (Tok::Not, 1),
                ('=', _) => (Tok::Equals, 1),
                ('(', _) => (Tok::Open, 1),
                (')', _) => (Tok::Close, 1),
                (',', _) => (Tok::Comma, 1),
                ('>', _) => (Tok::Gt, 1),
                _ => (Tok::Lt, 1),
            };
            out.push(tok);
            i += n;
            continue;
        }
        let start = i;
        while i < chars.len() && !special(chars[i]) && !matches!(chars[i], ' ' | '\t' | '\r' | '\n') {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        out.push(match word.as_str() {
            "in" => Tok::In,
            "notin" => Tok::NotIn,
            _ => Tok::Ident(word),
        });
    }
    out.push(Tok::End);
    out
}

struct SelParser {
    toks: Vec<Tok>,
    pos: usize,
}

impl SelParser {
    fn peek(&self, value: bool) -> Tok {
        let t = self.toks.get(self.pos).cloned().unwrap_or(Tok::End);
        if value { t.into_value() } else { t }
    }
    fn next(&mut self, value: bool) -> Tok {
        let t = self.peek(value);
        if self.pos < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, Error> {
        let mut reqs = Vec::new();
        loop {
            match self.peek(true) {
                Tok::Ident(_) | Tok::Not => {
                    let r = self.requirement().map_err(|e| Error(format!("unable to parse requirement: {}", e.0)))?;
                    reqs.push(r);
                    match self.next(true) {
                        Tok::End => return Ok(reqs),
                        Tok::Comma => match self.peek(true) {
                            Tok::Ident(_) | Tok::Not => {}
                            t => {
                                return Err(Error(format!("found '{}', expected: identifier after ','", t.literal())));
                            }
                        },
                        t => return Err(Error(format!("found '{}', expected: ',' or 'end of string'", t.literal()))),
                    }
                }
                Tok::End => return Ok(reqs),
                t => {
                    return Err(Error(format!("found '{}', expected: !, identifier, or 'end of string'", t.literal())));
                }
            }
        }
    }

    fn requirement(&mut self) -> Result<Requirement, Error> {
        let mut op = None;
        let mut tok = self.next(true);
        if tok == Tok::Not {
            op = Some(Op::DoesNotExist);
            tok = self.next(true);
        }
        let Tok::Ident(key) = tok else {
            return Err(Error(format!("found '{}', expected: identifier", tok.literal())));
        };
        validate_label_key(&key)?;
        if matches!(self.peek(true), Tok::End | Tok::Comma) {
            let op = op.unwrap_or(Op::Exists);
            return Ok(Requirement { key, op, values: Vec::new() });
        }
        if op == Some(Op::DoesNotExist) {
            // `!key` followed by anything but `,` or the end.
            let t = self.peek(true);
            return Err(Error(format!("found '{}', expected: ',' or 'end of string'", t.literal())));
        }
        let op = match self.next(false) {
            Tok::In => Op::In,
            Tok::NotIn => Op::NotIn,
            Tok::Equals => Op::Equals,
            Tok::DoubleEquals => Op::DoubleEquals,
            Tok::NotEquals => Op::NotEquals,
            Tok::Gt => Op::GreaterThan,
            Tok::Lt => Op::LessThan,
            t => {
                return Err(Error(format!("found '{}', expected: '=', '!=', '==', 'in', notin'", t.literal())));
            }
        };
        let values = match op {
            Op::In | Op::NotIn => self.values()?,
            _ => self.exact_value()?,
        };
        validate_requirement(&key, op, &values)?;
        Ok(Requirement { key, op, values })
    }

    fn values(&mut self) -> Result<Vec<String>, Error> {
        let t = self.next(true);
        if t != Tok::Open {
            return Err(Error(format!("found '{}' expected: '('", t.literal())));
        }
        match self.peek(true) {
            Tok::Ident(_) | Tok::Comma => {
                let list = self.identifiers()?;
                match self.next(true) {
                    Tok::Close => Ok(list),
                    t => Err(Error(format!("found '{}', expected: ')'", t.literal()))),
                }
            }
            Tok::Close => {
                self.next(true);
                Ok(vec![String::new()])
            }
            t => Err(Error(format!("found '{}', expected: ',', ')' or identifier", t.literal()))),
        }
    }

    fn identifiers(&mut self) -> Result<Vec<String>, Error> {
        let mut set: Vec<String> = Vec::new();
        let insert = |set: &mut Vec<String>, s: String| {
            if !set.contains(&s) {
                set.push(s);
            }
        };
        loop {
            match self.next(true) {
                Tok::Ident(s) => {
                    insert(&mut set, s);
                    match self.peek(true) {
                        Tok::Comma => continue,
                        Tok::Close => return Ok(set),
                        t => return Err(Error(format!("found '{}', expected: ',' or ')'", t.literal()))),
                    }
                }
                Tok::Comma => {
                    if set.is_empty() {
                        insert(&mut set, String::new());
                    }
                    match self.peek(true) {
                        Tok::Close => {
                            insert(&mut set, String::new());
                            return Ok(set);
                        }
                        Tok::Comma => {
                            self.next(true);
                            insert(&mut set, String::new());
                        }
                        _ => {}
                    }
                }
                t => return Err(Error(format!("found '{}', expected: ',', or identifier", t.literal()))),
            }
        }
    }

    fn exact_value(&mut self) -> Result<Vec<String>, Error> {
        if matches!(self.peek(true), Tok::End | Tok::Comma) {
            return Ok(vec![String::new()]);
        }
        match self.next(true) {
            Tok::Ident(s) => Ok(vec![s]),
            t => Err(Error(format!("found '{}', expected: identifier", t.literal()))),
        }
    }
}

fn is_label_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            let b = l.as_bytes();
            !b.is_empty()
                && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
                && (b[b.len() - 1].is_ascii_lowercase() || b[b.len() - 1].is_ascii_digit())
                && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        })
}

fn validate_label_key(key: &str) -> Result<(), Error> {
    let ok = match key.split_once('/') {
        Some((prefix, name)) => is_dns_subdomain(prefix) && is_label_name(name),
        None => is_label_name(key),
    };
    if ok {
        Ok(())
    } else {
        Err(Error(format!(
            "key: Invalid value: {key:?}: name part must consist of alphanumeric characters, '-', '_' or '.', and \
             must start and end with an alphanumeric character (with an optional DNS subdomain prefix and '/')"
        )))
    }
}

fn validate_requirement(key: &str, op: Op, values: &[String]) -> Result<(), Error> {
    match op {
        Op::In | Op::NotIn if values.is_empty() => {
            return Err(Error::new("values: Invalid value: for 'in', 'notin' operators, values set can't be empty"));
        }
        Op::GreaterThan | Op::LessThan => {
            if values.len() != 1 || values[0].parse::<i64>().is_err() {
                return Err(Error(format!(
                    "values[0]: Invalid value: {:?}: for 'Gt', 'Lt' operators, the value must be an integer",
                    values.first().cloned().unwrap_or_default()
                )));
            }
            return Ok(());
        }
        _ => {}
    }
    for v in values {
        if !v.is_empty() && !is_label_name(v) {
            return Err(Error(format!(
                "values[0][{key}]: Invalid value: {v:?}: a valid label must be an empty string or consist of \
                 alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
            )));
        }
    }
    Ok(())
}

impl LabelSelector {
    /// Parse a selector; the empty string selects everything.
    pub fn parse(s: &str) -> Result<LabelSelector, Error> {
        let mut p = SelParser { toks: lex(s), pos: 0 };
        Ok(LabelSelector { reqs: p.parse()? })
    }

    pub fn is_empty(&self) -> bool {
        self.reqs.is_empty()
    }

    /// Whether a map of labels (or annotations) satisfies every requirement.
    pub fn matches(&self, labels: Option<&serde_json::Map<String, Value>>) -> bool {
        let get = |k: &str| -> Option<String> {
            labels.and_then(|m| m.get(k)).map(|v| match v {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => fieldpath::scalar_text(other).unwrap_or_default(),
            })
        };
        self.reqs.iter().all(|r| {
            let val = get(&r.key);
            match r.op {
                Op::In | Op::Equals | Op::DoubleEquals => val.is_some_and(|v| r.values.contains(&v)),
                Op::NotIn | Op::NotEquals => val.is_none_or(|v| !r.values.contains(&v)),
                Op::Exists => val.is_some(),
                Op::DoesNotExist => val.is_none(),
                Op::GreaterThan | Op::LessThan => {
                    let (Some(v), Some(bound)) = (val, r.values.first().and_then(|b| b.parse::<i64>().ok())) else {
                        return false;
                    };
                    match v.parse::<i64>() {
                        Ok(n) if r.op == Op::GreaterThan => n > bound,
                        Ok(n) => n < bound,
                        Err(_) => false,
                    }
                }
            }
        })
    }
}

fn meta_map<'a>(v: &'a Value, field: &str) -> Option<&'a serde_json::Map<String, Value>> {
    v.get("metadata").and_then(|m| m.get(field)).and_then(Value::as_object)
}

/// A selector's label and annotation parts, parsed once.
struct MetaSelector {
    labels: LabelSelector,
    annotations: LabelSelector,
}

impl MetaSelector {
    fn of(s: &Selector) -> Result<MetaSelector, Error> {
        Ok(MetaSelector {
            labels: LabelSelector::parse(s.label_selector.as_deref().unwrap_or(""))?,
            annotations: LabelSelector::parse(s.annotation_selector.as_deref().unwrap_or(""))?,
        })
    }
    fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.annotations.is_empty()
    }
    fn matches(&self, v: &Value) -> bool {
        self.annotations.matches(meta_map(v, "annotations")) && self.labels.matches(meta_map(v, "labels"))
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Patch-style selection
// ---------------------------------------------------------------------------------------------------------------

fn anchored(pattern: &Option<String>) -> Result<Option<regex::Regex>, Error> {
    match pattern.as_deref() {
        None | Some("") => Ok(None),
        Some(p) => regex::Regex::new(&format!("^(?:{p})$")).map(Some).map_err(|e| Error(format!("{e}"))),
    }
}

/// The resources a `Selector` picks as patches' `target` does (kustomize's `ResMap.Select`): group, version, kind,
/// name and namespace are anchored regular expressions; name and namespace match the original or the current id
/// (namespaces as effective namespaces: `default` for none); then the label and annotation selectors.
pub fn select(resources: &[Value], sel: &Selector) -> Result<Vec<usize>, Error> {
    let name = anchored(&sel.name)?;
    let namespace = anchored(&sel.namespace)?;
    let group = anchored(&sel.group)?;
    let version = anchored(&sel.version)?;
    let kind = anchored(&sel.kind)?;
    let meta = MetaSelector::of(sel)?;
    let ok = |re: &Option<regex::Regex>, s: &str| re.as_ref().is_none_or(|r| r.is_match(s));
    let mut out = Vec::new();
    for (i, r) in resources.iter().enumerate() {
        let cur = ResId::of(r);
        let org = ResId::original_of(r);
        if !ok(&namespace, &org.effective_namespace()) && !ok(&namespace, &cur.effective_namespace()) {
            continue;
        }
        if !ok(&name, &org.name) && !ok(&name, &cur.name) {
            continue;
        }
        if !ok(&group, &cur.group) || !ok(&version, &cur.version) || !ok(&kind, &cur.kind) {
            continue;
        }
        if !meta.matches(r) {
            continue;
        }
        out.push(i);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------------------------
// Replacements
// ---------------------------------------------------------------------------------------------------------------

/// The YAML tag a scalar carries, which decides how a new text is read back (kustomize keeps a target scalar's tag
/// and replaces only its text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Str,
    Int,
    Float,
    Bool,
    Null,
    /// No tag: a scalar kustomize has just created, read as plain YAML.
    Plain,
}

impl Tag {
    fn of(v: &Value) -> Tag {
        match v {
            Value::String(_) => Tag::Str,
            Value::Number(n) if n.is_f64() => Tag::Float,
            Value::Number(_) => Tag::Int,
            Value::Bool(_) => Tag::Bool,
            _ => Tag::Null,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Tag::Str | Tag::Plain => "!!str",
            Tag::Int => "!!int",
            Tag::Float => "!!float",
            Tag::Bool => "!!bool",
            Tag::Null => "!!null",
        }
    }
}

/// Read `text` as a scalar tagged `tag`, as kustomize's final decoding does (a text that does not fit the tag is
/// the error kustomize reports).
fn decode(tag: Tag, text: &str) -> Result<Value, Error> {
    if tag == Tag::Str {
        return Ok(Value::String(text.to_string()));
    }
    let plain = fieldpath::resolve_plain(text);
    if tag == Tag::Plain {
        return Ok(plain);
    }
    let fits = match (&plain, tag) {
        (Value::Number(n), Tag::Int) => !n.is_f64(),
        (Value::Number(_), Tag::Float) => true,
        (Value::Bool(_), Tag::Bool) => true,
        (Value::Null, Tag::Null) => true,
        _ => false,
    };
    if fits {
        return Ok(match (plain, tag) {
            (Value::Number(n), Tag::Float) => {
                n.as_f64().and_then(serde_json::Number::from_f64).map(Value::Number).unwrap_or(Value::Number(n))
            }
            (v, _) => v,
        });
    }
    let got = match plain {
        Value::Number(n) if n.is_f64() => "!!float",
        Value::Number(_) => "!!int",
        Value::Bool(_) => "!!bool",
        Value::Null => "!!null",
        _ => "!!str",
    };
    Err(Error(format!("yaml: cannot decode {got} `{text}` as a {}", tag.name())))
}

/// The replacement value: a scalar (tag and text, which delimiters may change) or a whole map or list.
#[derive(Debug, Clone)]
enum Repl {
    Scalar { tag: Tag, text: String },
    Node(Value),
}

impl Repl {
    fn of(v: &Value) -> Repl {
        match v {
            Value::Object(_) | Value::Array(_) => Repl::Node(v.clone()),
            other => Repl::Scalar { tag: Tag::of(other), text: fieldpath::scalar_text(other).unwrap_or_default() },
        }
    }
    fn kind(&self) -> NodeKind {
        match self {
            Repl::Scalar { .. } => NodeKind::Scalar,
            Repl::Node(v) => NodeKind::of(v),
        }
    }
    /// The `Value` text of the node (empty for collections).
    fn text(&self) -> &str {
        match self {
            Repl::Scalar { text, .. } => text,
            Repl::Node(_) => "",
        }
    }
    fn to_value(&self) -> Result<Value, Error> {
        match self {
            Repl::Scalar { tag, text } => decode(*tag, text),
            Repl::Node(v) => Ok(v.clone()),
        }
    }
}

fn opts_string(o: &Option<FieldOptions>) -> String {
    match o {
        Some(o) if o.delimiter.as_deref().is_some_and(|d| !d.is_empty()) || o.create == Some(true) => format!(
            "{}({}), create={}",
            o.delimiter.as_deref().unwrap_or(""),
            o.index.unwrap_or(0),
            o.create.unwrap_or(false)
        ),
        _ => String::new(),
    }
}

fn source_string(s: &SourceSelector) -> String {
    let mut parts = vec![source_res_id(s).to_string()];
    if let Some(fp) = s.field_path.as_deref().filter(|f| !f.is_empty()) {
        parts.push(fp.to_string());
    }
    let o = opts_string(&s.options);
    if !o.is_empty() {
        parts.push(o);
    }
    parts.join(":")
}

fn select_source<'a>(resources: &'a [Value], s: &SourceSelector) -> Result<&'a Value, Error> {
    let sel = source_res_id(s);
    let mut found = None;
    for r in resources {
        if ResId::all_of(r)?.iter().any(|id| id.is_selected_by(&sel)) {
            if found.is_some() {
                return Err(Error(format!("multiple matches for selector {}", source_string(s))));
            }
            found = Some(r);
        }
    }
    found.ok_or_else(|| Error(format!("nothing selected by {}", source_string(s))))
}

fn is_nil_or_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn delimiter(o: &Option<FieldOptions>) -> Option<&str> {
    o.as_ref().and_then(|o| o.delimiter.as_deref()).filter(|d| !d.is_empty())
}

fn index(o: &Option<FieldOptions>) -> i64 {
    o.as_ref().and_then(|o| o.index).unwrap_or(0)
}

/// The value a replacement's source yields.
fn source_value(resources: &[Value], s: &SourceSelector) -> Result<Repl, Error> {
    let node = select_source(resources, s)?;
    let fp = s.field_path.as_deref().filter(|f| !f.is_empty()).unwrap_or(DEFAULT_FIELD_PATH);
    let found = fieldpath::parse_getter_path(fp)
        .and_then(|path| fieldpath::get(node, &path))
        .map_err(|e| Error(format!("error looking up replacement source: {}", e.0)))?;
    let value = match found {
        Some(v) if !is_nil_or_empty(v) => v,
        _ => {
            return Err(Error(format!("fieldPath `{fp}` is missing for replacement source {}", source_res_id(s))));
        }
    };
    let repl = Repl::of(value);
    let Some(delim) = delimiter(&s.options) else { return Ok(repl) };
    let Repl::Scalar { tag, text } = repl else {
        return Err(Error::new("delimiter option can only be used with scalar nodes"));
    };
    let parts: Vec<&str> = text.split(delim).collect();
    let idx = index(&s.options);
    match usize::try_from(idx).ok().and_then(|i| parts.get(i)) {
        Some(part) => Ok(Repl::Scalar { tag, text: part.to_string() }),
        None => Err(Error(format!("options.index {idx} is out of bounds for value {text}"))),
    }
}

/// Put `value` into the target node `t` (`created`: a scalar kustomize has just created, without a tag).
fn set_target(options: &Option<FieldOptions>, t: &mut Value, created: bool, value: &Repl) -> Result<(), Error> {
    let target_scalar = !matches!(t, Value::Object(_) | Value::Array(_));
    let mut text = value.text().to_string();
    if let Some(delim) = delimiter(options) {
        if !target_scalar {
            return Err(Error::new("delimiter option can only be used with scalar nodes"));
        }
        let current = if created { String::new() } else { fieldpath::scalar_text(t).unwrap_or_default() };
        let mut parts: Vec<String> = current.split(delim).map(str::to_string).collect();
        let idx = index(options);
        match usize::try_from(idx) {
            Err(_) => parts.insert(0, text),
            Ok(i) if i >= parts.len() => parts.push(text),
            Ok(i) => parts[i] = text,
        }
        text = parts.join(delim);
        let tag = if created { Tag::Plain } else { Tag::of(t) };
        *t = decode(tag, &text)?;
        return Ok(());
    }
    if target_scalar {
        let tag = if created { Tag::Plain } else { Tag::of(t) };
        *t = match value {
            // A collection put into a created scalar: kyaml creates the node with the value's kind instead.
            Repl::Node(v) if created => v.clone(),
            _ => decode(tag, &text)?,
        };
    } else {
        *t = value.to_value()?;
    }
    Ok(())
}

/// Apply one target of a replacement to one resource.
fn apply_to_node(node: &mut Value, value: &Repl, target: &TargetSelector) -> Result<(), Error> {
    let default = vec![DEFAULT_FIELD_PATH.to_string()];
    let paths = target.field_paths.as_ref().filter(|p| !p.is_empty()).unwrap_or(&default);
    let create = target.options.as_ref().and_then(|o| o.create).unwrap_or(false);
    for fp in paths {
        let what = if create { "unable to find or create field" } else { "unable to find field" };
        let prefix = format!("{what} {fp:?} in replacement target");
        let path: Vec<Seg> = fieldpath::parse_field_path(fp).map_err(|e| Error(format!("{prefix}: {}", e.0)))?;
        let kind = create.then(|| value.kind());
        let mut set = |t: &mut Value, created: bool| set_target(&target.options, t, created, value);
        match fieldpath::for_each_match_mut(node, &path, kind, &mut set) {
            Ok(0) => return Err(Error(prefix)),
            Ok(_) => {}
            Err(WalkError::Path(e)) => return Err(Error(format!("{prefix}: {}", e.0))),
            Err(WalkError::Callback(e)) => return Err(e),
        }
    }
    Ok(())
}

fn apply_target(resources: &mut [Value], value: &Repl, target: &TargetSelector) -> Result<(), Error> {
    let Some(select) = target.select.as_ref() else {
        return Err(Error::new("target must specify resources to select"));
    };
    let select_id = selector_res_id(select);
    let select_meta = MetaSelector::of(select)?;
    let rejects: Vec<(ResId, MetaSelector)> = target
        .reject
        .iter()
        .flatten()
        .map(|r| Ok((selector_res_id(r), MetaSelector::of(r)?)))
        .collect::<Result<_, Error>>()?;
    for node in resources.iter_mut() {
        let ids = ResId::all_of(node)?;
        if !select_meta.matches(node) || rejects.iter().any(|(_, m)| !m.is_empty() && m.matches(node)) {
            continue;
        }
        let rejected = rejects.iter().any(|(rid, _)| !rid.is_empty() && ids.iter().any(|id| id.is_selected_by(rid)));
        if !rejected && ids.iter().any(|id| id.is_selected_by(&select_id)) {
            apply_to_node(node, value, target)?;
        }
    }
    Ok(())
}

/// Apply `replacements` to `resources` in order, as kustomize v5.5's replacement transformer does. Entries given
/// by `path:` must have been loaded by the caller (an entry without `source` and `targets` is an error).
pub fn apply_replacements(resources: &mut [Value], replacements: &[ReplacementField]) -> Result<(), Error> {
    for r in replacements {
        let (Some(source), Some(targets)) = (r.source.as_ref(), r.targets.as_ref().filter(|t| !t.is_empty())) else {
            return Err(Error::new("replacements must specify a source and at least one target"));
        };
        let value = source_value(resources, source)?;
        for t in targets {
            apply_target(resources, &value, t)?;
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "repl_tests.rs"]
mod tests;
