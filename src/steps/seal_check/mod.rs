//! The `seal_check` step: no plaintext Secret in Git, and every SealedSecret proven to unseal where it lands.
//!
//! Per document of every YAML file:
//! - a `kind: Secret` (v1) with `data`/`stringData` is a **plaintext** error, unless the document is
//!   SOPS-encrypted (a `sops:` metadata key and every value `ENC[...]`) or its path is allowed
//!   (`sealCheck.allowPlaintext`); Secrets that kustomization `secretGenerator`s produce are rendered and flagged
//!   the same way;
//! - a Bitnami `SealedSecret` is checked at the level its cluster group's key material allows
//!   ([`Level`]): **structure** (every `spec.encryptedData` value, and the legacy `spec.data`, is standard base64
//!   with padding and long enough for its framing), **cert** (the RSA block is as long as the certificate's
//!   modulus), **decrypt** (some private key opens the session key with RSA-OAEP SHA-256 and the scope label,
//!   and the body with AES-256-GCM, zero nonce). The scope and label come from the **top-level** metadata only,
//!   as the controller computes them; scope annotations in `spec.template.metadata` that say otherwise, and
//!   template names or namespaces that differ, are warnings;
//! - kustomization directories are rendered (when the repository has SealedSecrets or generators), and so are
//!   the paths of Flux Kustomizations with `targetNamespace`, `namePrefix` or `nameSuffix` (in whichever
//!   repository of the workspace their GitRepository points at): a SealedSecret that lands in another namespace
//!   or under another name is checked again with the label it gets there, against the keys of the group that
//!   claims the kustomization.
//! - Certificates get key-size and expiry warnings; a certificate that matches none of its group's private keys
//!   is a warning.
//!
//! Findings name the file, the object, the entry and what to do; they never contain a value. Decrypted bytes
//! stay in zeroed-on-drop buffers inside [`crypto`] and only the outcome leaves it.

pub mod aws;
pub mod config;
pub mod crypto;
mod der;
pub mod keys;
mod output;
mod rendered;

pub use config::{AwsFetch, Group, KeySource, PathSelector, SealCheckConfig, SealConfigError, cli_group, load_groups};
pub use crypto::Outcome;
pub use keys::{Certificate, KeyError, Keyring, Level, PrivateKey};
pub use output::{render_human, render_json, render_markdown};

use crate::manifest::{self, Limits, Node, NodeKind, Pos};
use crate::steps::lint::{Finding, Severity};
use crate::workspace::Workspace;
use serde::Serialize;

/// The annotation that makes a SealedSecret cluster-wide (label `""`).
pub const CLUSTER_WIDE: &str = "sealedsecrets.bitnami.com/cluster-wide";
/// The annotation that makes a SealedSecret namespace-wide (label `<namespace>`).
pub const NAMESPACE_WIDE: &str = "sealedsecrets.bitnami.com/namespace-wide";

/// Settings of one run.
#[derive(Debug)]
pub struct SealOptions {
    /// Cluster groups with their keys. Empty: every file is checked at the structure level.
    pub groups: Vec<Group>,
    pub allow_plaintext: Vec<PathSelector>,
    pub ignore: Vec<PathSelector>,
    pub expiry_warning_days: u32,
    pub min_key_bits: usize,
    /// Render kustomization directories: flag generated Secrets, and check SealedSecrets that a build renames
    /// or moves to another namespace with the label they get there.
    pub render: bool,
    /// The time certificates are checked against.
    pub now: jiff::Timestamp,
    /// Check at most at this level, whatever key material the groups have (`--level`).
    pub max_level: Level,
}

impl Default for SealOptions {
    fn default() -> Self {
        SealOptions::from_config(&SealCheckConfig::default(), Vec::new())
    }
}

impl SealOptions {
    pub fn from_config(c: &SealCheckConfig, groups: Vec<Group>) -> Self {
        SealOptions {
            groups,
            allow_plaintext: c.allow_plaintext.clone(),
            ignore: c.ignore.clone(),
            expiry_warning_days: c.expiry_warning_days,
            min_key_bits: c.min_key_bits as usize,
            render: c.render,
            now: jiff::Timestamp::now(),
            max_level: Level::Decrypt,
        }
    }

    /// The groups a file lands in: those that claim it, else the default group, else none.
    pub fn groups_for(&self, repo: &str, path: &str) -> Vec<&Group> {
        let claimed: Vec<&Group> = self.groups.iter().filter(|g| !g.is_default() && g.claims(repo, path)).collect();
        if !claimed.is_empty() {
            return claimed;
        }
        self.groups.iter().filter(|g| g.is_default()).collect()
    }
}

/// A SealedSecret's scope, read from its top-level annotations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    Strict,
    NamespaceWide,
    ClusterWide,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Strict => "strict",
            Scope::NamespaceWide => "namespace-wide",
            Scope::ClusterWide => "cluster-wide",
        }
    }
}

/// The verdict on one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocResult {
    Ok,
    Fail,
    PlainSecret,
    /// Neither a SealedSecret nor a Secret with data.
    Ignored,
    /// A Secret whose values are all SOPS-encrypted.
    SopsEncrypted,
    /// A plaintext Secret at an allowed path.
    Allowed,
}

impl DocResult {
    pub fn as_str(self) -> &'static str {
        match self {
            DocResult::Ok => "ok",
            DocResult::Fail => "fail",
            DocResult::PlainSecret => "plain-secret",
            DocResult::Ignored => "ignored",
            DocResult::SopsEncrypted => "sops-encrypted",
            DocResult::Allowed => "allowed",
        }
    }
}

/// One checked value of a SealedSecret.
#[derive(Debug, Clone, Serialize)]
pub struct EntryReport {
    /// The `encryptedData` key (`(spec.data)` for the legacy whole-Secret value).
    pub item: String,
    #[serde(flatten)]
    pub outcome: Outcome,
    pub line: u32,
    pub col: u32,
}

/// One document, checked for one cluster group.
#[derive(Debug, Clone, Serialize)]
pub struct DocReport {
    /// 0-based index of the document in its file.
    pub index: usize,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub result: DocResult,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// The label the controller computes (`None` when the namespace is unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<EntryReport>,
    /// Warning rule ids raised for this document (`scope-annotation-mismatch`, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<&'static str>,
}

/// The documents of one file that seal-check has something to say about (SealedSecrets and Secrets; with
/// `all_documents`, every document).
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub repo: String,
    pub file: String,
    pub documents: Vec<DocReport>,
}

/// A cluster group as the report shows it.
#[derive(Debug, Clone, Serialize)]
pub struct GroupSummary {
    pub name: String,
    pub level: Level,
    pub keys: Vec<KeySummary>,
    pub certs: Vec<KeySummary>,
}

/// Public facts about one key or certificate.
#[derive(Debug, Clone, Serialize)]
pub struct KeySummary {
    pub name: String,
    pub bits: usize,
    pub fingerprint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_after: Option<String>,
}

/// The result of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SealReport {
    pub findings: Vec<Finding>,
    pub files: Vec<FileReport>,
    pub groups: Vec<GroupSummary>,
    pub repos: usize,
    pub files_checked: usize,
    pub sealed_secrets: usize,
    pub values: usize,
}

impl SealReport {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == severity).count()
    }
    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }
}

pub(crate) use crate::steps::lint::Sink;

fn is_yaml(path: &str) -> bool {
    path.ends_with(".yaml") || path.ends_with(".yml")
}

/// Check every repository of the workspace.
pub fn check(ws: &Workspace, opts: &SealOptions) -> SealReport {
    let mut sink = Sink::default();
    let mut report = SealReport { repos: ws.repos.len(), ..SealReport::default() };
    check_groups(opts, &mut sink, &mut report);
    let mut flux_kustomizations = Vec::new();
    let mut flux_sources = Vec::new();
    for repo in &ws.repos {
        let walk = match repo.snapshot.walk("") {
            Ok(w) => w,
            Err(e) => {
                sink.push(
                    Severity::Error,
                    "read-error",
                    &repo.name,
                    "",
                    Pos::default(),
                    None,
                    format!("cannot read the repository: {e}"),
                );
                continue;
            }
        };
        let chart_dirs: Vec<String> = walk
            .files
            .iter()
            .filter(|f| f.rsplit('/').next() == Some("Chart.yaml"))
            .map(|f| crate::source::parent(f).to_string())
            .collect();
        let first_file = report.files.len();
        for f in walk.files.iter().filter(|f| is_yaml(f)) {
            if f.split('/').any(|s| s.starts_with('.'))
                || chart_dirs.iter().any(|d| d.is_empty() || f.starts_with(&format!("{d}/")))
                || opts.ignore.iter().any(|s| s.matches(&repo.name, f))
            {
                continue;
            }
            let text = match repo.snapshot.read_string(f) {
                Ok(t) => t,
                Err(e) => {
                    sink.push(
                        Severity::Warning,
                        "read-error",
                        &repo.name,
                        f,
                        Pos { line: 1, col: 1 },
                        None,
                        format!("cannot read, so it is not checked: {e}"),
                    );
                    continue;
                }
            };
            report.files_checked += 1;
            if opts.render {
                rendered::flux_objects(&repo.name, f, &text, &mut flux_kustomizations, &mut flux_sources);
            }
            let fr = check_text(&repo.name, f, &text, opts, &mut sink, false);
            if !fr.documents.is_empty() {
                report.files.push(fr);
            }
        }
        if opts.render {
            let files = report.files.get(first_file..).unwrap_or_default();
            rendered::check(repo, &walk.files, files, opts, &mut sink);
        }
    }
    if opts.render {
        rendered::check_flux(ws, &flux_kustomizations, &flux_sources, &report.files, opts, &mut sink);
    }
    for f in &report.files {
        for d in &f.documents {
            if d.kind == "SealedSecret" {
                report.sealed_secrets += 1;
                report.values += d.entries.len();
            }
        }
    }
    let mut findings = sink.findings;
    findings.sort();
    findings.dedup();
    report.findings = findings;
    report
}

/// Group-level findings (certificate expiry, key sizes, certificates without their key) and summaries.
fn check_groups(opts: &SealOptions, sink: &mut Sink, report: &mut SealReport) {
    for g in &opts.groups {
        let summary = |name: &str, bits: usize, fp: &str, not_after: Option<String>| KeySummary {
            name: name.to_string(),
            bits,
            fingerprint: fp.to_string(),
            not_after,
        };
        report.groups.push(GroupSummary {
            name: g.name.clone(),
            level: g.ring.level().min(opts.max_level),
            keys: g.ring.keys.iter().map(|k| summary(&k.name, k.bits, &k.fingerprint, None)).collect(),
            certs: g
                .ring
                .certs
                .iter()
                .map(|c| summary(&c.name, c.bits, &c.fingerprint, Some(c.not_after.to_string())))
                .collect(),
        });
        let at = Pos { line: 1, col: 1 };
        let object = Some(format!("group {}", g.name));
        for k in &g.ring.keys {
            if k.bits < opts.min_key_bits {
                sink.push(
                    Severity::Warning,
                    "key-size",
                    "",
                    &k.source,
                    at,
                    object.clone(),
                    format!(
                        "key {:?} ({}) is {} bits, below the {}-bit minimum: rotate to a 4096-bit key pair",
                        k.name, k.fingerprint, k.bits, opts.min_key_bits
                    ),
                );
            }
        }
        for c in &g.ring.certs {
            let what =
                format!("certificate {:?} ({}, CN {})", c.name, c.fingerprint, c.subject_cn.as_deref().unwrap_or("-"));
            if c.bits < opts.min_key_bits {
                sink.push(
                    Severity::Warning,
                    "key-size",
                    "",
                    &c.source,
                    at,
                    object.clone(),
                    format!(
                        "{what} has a {}-bit key, below the {}-bit minimum: rotate the sealing key",
                        c.bits, opts.min_key_bits
                    ),
                );
            }
            let days_left = (c.not_after.as_second() - opts.now.as_second()).div_euclid(86_400);
            if c.not_after < opts.now {
                sink.push(
                    Severity::Warning,
                    "cert-expiry",
                    "",
                    &c.source,
                    at,
                    object.clone(),
                    format!(
                        "{what} expired on {}: kubeseal refuses to seal with it; renew the sealing key and fetch the new certificate (`kubeseal --fetch-cert`)",
                        c.not_after
                    ),
                );
            } else if days_left < i64::from(opts.expiry_warning_days) {
                sink.push(
                    Severity::Warning,
                    "cert-expiry",
                    "",
                    &c.source,
                    at,
                    object.clone(),
                    format!(
                        "{what} expires on {} (in {days_left} days): renew the sealing key before then",
                        c.not_after
                    ),
                );
            }
            if c.not_before > opts.now {
                sink.push(
                    Severity::Warning,
                    "cert-expiry",
                    "",
                    &c.source,
                    at,
                    object.clone(),
                    format!("{what} is not valid before {}: check the clock or the certificate", c.not_before),
                );
            }
            if !g.ring.keys.is_empty() && !g.ring.keys.iter().any(|k| k.spki == c.spki) {
                sink.push(
                    Severity::Warning,
                    "cert-key-mismatch",
                    "",
                    &c.source,
                    at,
                    object.clone(),
                    format!(
                        "{what} belongs to none of the group's private keys: values sealed with it would not unseal; fetch the certificate of the cluster's active key"
                    ),
                );
            }
        }
    }
}

/// The check of one file's text. With `all_documents`, documents with nothing to report are included too.
pub(crate) fn check_text(
    repo: &str,
    file: &str,
    text: &str,
    opts: &SealOptions,
    sink: &mut Sink,
    all_documents: bool,
) -> FileReport {
    let mut fr = FileReport { repo: repo.to_string(), file: file.to_string(), documents: Vec::new() };
    let docs = match manifest::parse(file, text, &Limits::default()) {
        Ok(d) => d,
        Err(e) => {
            // A file that does not parse cannot be checked; a plain Secret might hide in it.
            let looks_secret = text.contains("kind: Secret") || text.contains("kind: SealedSecret");
            sink.push(
                if looks_secret { Severity::Error } else { Severity::Warning },
                "yaml-parse",
                repo,
                file,
                e.pos,
                None,
                format!("cannot parse, so it is not checked for secrets: {}", e.message),
            );
            return fr;
        }
    };
    let groups = opts.groups_for(repo, file);
    let allowed = opts.allow_plaintext.iter().any(|s| s.matches(repo, file));
    for doc in &docs {
        let ctx = Ctx { repo, file, opts, groups: &groups, allowed };
        let mut reports = Vec::new();
        check_node(&ctx, doc.index, &doc.root, sink, &mut reports, 0);
        for r in reports {
            if all_documents || r.result != DocResult::Ignored {
                fr.documents.push(r);
            }
        }
    }
    fr
}

pub(crate) struct Ctx<'a> {
    pub repo: &'a str,
    pub file: &'a str,
    pub opts: &'a SealOptions,
    pub groups: &'a [&'a Group],
    pub allowed: bool,
}

pub(crate) fn object_label(kind: &str, ns: Option<&str>, name: Option<&str>) -> String {
    match (ns, name) {
        (Some(ns), Some(n)) => format!("{kind} {ns}/{n}"),
        (None, Some(n)) => format!("{kind} {n}"),
        _ => kind.to_string(),
    }
}

pub(crate) fn check_node(
    ctx: &Ctx<'_>,
    index: usize,
    root: &Node,
    sink: &mut Sink,
    out: &mut Vec<DocReport>,
    depth: usize,
) {
    let kind = root.str_at(&["kind"]).unwrap_or("").to_string();
    let api_version = root.str_at(&["apiVersion"]).unwrap_or("");
    // A List's items are checked one by one (they share the document index).
    if kind.ends_with("List")
        && depth < 4
        && let Some(items) = root.get("items").and_then(Node::as_seq)
    {
        for item in items {
            check_node(ctx, index, item, sink, out, depth + 1);
        }
        return;
    }
    let name = root.str_at(&["metadata", "name"]).map(str::to_string);
    let namespace = root.str_at(&["metadata", "namespace"]).filter(|s| !s.is_empty()).map(str::to_string);
    let base = DocReport {
        index,
        kind: kind.clone(),
        name: name.clone(),
        namespace: namespace.clone(),
        result: DocResult::Ignored,
        scope: None,
        label: None,
        group: None,
        level: None,
        entries: Vec::new(),
        warnings: Vec::new(),
    };
    if kind == "Secret" && api_version == "v1" {
        out.push(check_plain_secret(ctx, root, base, sink));
    } else if kind == "SealedSecret" && api_version.starts_with("bitnami.com/") {
        check_sealed_secret(ctx, root, base, sink, out);
    } else {
        out.push(base);
    }
}

/// `kind: Secret`: plaintext unless SOPS-encrypted or allowed.
fn check_plain_secret(ctx: &Ctx<'_>, root: &Node, mut doc: DocReport, sink: &mut Sink) -> DocReport {
    let object = object_label("Secret", doc.namespace.as_deref(), doc.name.as_deref());
    let sops = root.get("sops").is_some_and(|s| s.as_map().is_some());
    let mut plain: Vec<(String, Vec<String>)> = Vec::new();
    let mut any_value = false;
    let mut pos = root.pos;
    for field in ["data", "stringData"] {
        let Some(node) = root.get(field) else { continue };
        let Some(entries) = node.as_map() else { continue };
        let mut keys = Vec::new();
        for (k, v) in entries {
            any_value = true;
            let encrypted = sops && v.as_str().is_some_and(|s| s.starts_with("ENC[") && s.ends_with(']'));
            if !encrypted {
                keys.push(k.scalar_text().unwrap_or("?").to_string());
            }
        }
        if !keys.is_empty() {
            if plain.is_empty() {
                pos = node.pos;
            }
            plain.push((field.to_string(), keys));
        }
    }
    if !any_value {
        // No data at all: nothing secret is committed (service-account-token Secrets, placeholders).
        return doc;
    }
    if plain.is_empty() {
        doc.result = DocResult::SopsEncrypted;
        return doc;
    }
    if ctx.allowed {
        doc.result = DocResult::Allowed;
        tracing::debug!(file = ctx.file, object = %object, "plaintext Secret at an allowed path");
        return doc;
    }
    doc.result = DocResult::PlainSecret;
    let fields: Vec<String> = plain
        .iter()
        .map(|(f, keys)| format!("`{f}` (key{} {})", if keys.len() == 1 { "" } else { "s" }, keys.join(", ")))
        .collect();
    let what = if sops { "has SOPS metadata but unencrypted values in" } else { "is committed in plaintext:" };
    sink.push(
        Severity::Error,
        "plain-secret",
        ctx.repo,
        ctx.file,
        pos,
        Some(object),
        format!(
            "a Secret {what} {}; anyone who can read the repository can read it. Seal it (`kubeseal -o yaml < secret.yaml`), \
             encrypt it with SOPS, or allow this path under sealCheck.allowPlaintext",
            fields.join(" and ")
        ),
    );
    doc
}

/// Annotation value as the API server sees it: `Some(Ok(string))`, `Some(Err(type))` for a non-string.
fn annotation<'n>(meta: Option<&'n Node>, key: &str) -> Option<(Result<String, &'static str>, &'n Node)> {
    let v = meta?.get("annotations")?.get(key)?;
    let value = match v.to_json() {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Bool(_) => Err("boolean"),
        serde_json::Value::Null => Err("null"),
        serde_json::Value::Number(_) => Err("number"),
        _ => Err("collection"),
    };
    Some((value, v))
}

/// The scope the controller computes from one metadata block: exactly `"true"` turns an annotation on,
/// cluster-wide first.
fn scope_of(meta: Option<&Node>) -> Scope {
    let on = |key| matches!(annotation(meta, key), Some((Ok(v), _)) if v == "true");
    if on(CLUSTER_WIDE) {
        Scope::ClusterWide
    } else if on(NAMESPACE_WIDE) {
        Scope::NamespaceWide
    } else {
        Scope::Strict
    }
}

fn check_sealed_secret(ctx: &Ctx<'_>, root: &Node, mut base: DocReport, sink: &mut Sink, out: &mut Vec<DocReport>) {
    let object = object_label("SealedSecret", base.namespace.as_deref(), base.name.as_deref());
    let push = |sink: &mut Sink, sev: Severity, rule: &'static str, pos: Pos, msg: String| {
        sink.push(sev, rule, ctx.repo, ctx.file, pos, Some(object.clone()), msg);
    };
    let meta = root.get("metadata");
    let template_meta = root.at(&["spec", "template", "metadata"]);
    let mut shape_errors = false;

    // Scope annotations: values must be strings; only "true" counts.
    for key in [CLUSTER_WIDE, NAMESPACE_WIDE] {
        match annotation(meta, key) {
            Some((Err(ty), node)) => {
                shape_errors = true;
                push(
                    sink,
                    Severity::Error,
                    "scope-annotation-invalid",
                    node.pos,
                    format!(
                        "annotation {key} is a {ty}; Kubernetes only accepts string annotation values: quote it ('true')"
                    ),
                );
            }
            Some((Ok(v), node)) if v != "true" && v != "false" => push(
                sink,
                Severity::Warning,
                "scope-annotation-invalid",
                node.pos,
                format!(
                    "annotation {key} is {v:?}: the controller only honours exactly \"true\", so it has no effect; write 'true' or remove it"
                ),
            ),
            _ => {}
        }
    }
    let scope = scope_of(meta);
    if let (Some((Ok(c), cnode)), Some((Ok(n), _))) = (annotation(meta, CLUSTER_WIDE), annotation(meta, NAMESPACE_WIDE))
        && c == "true"
        && n == "true"
    {
        push(
            sink,
            Severity::Warning,
            "scope-annotation-invalid",
            cnode.pos,
            "both cluster-wide and namespace-wide annotations are \"true\": the controller uses cluster-wide; remove the other".to_string(),
        );
    }

    // Template metadata must agree with the top-level metadata, which is all the controller reads.
    if let Some(tm) = template_meta {
        let has_scope_annotation =
            annotation(Some(tm), CLUSTER_WIDE).is_some() || annotation(Some(tm), NAMESPACE_WIDE).is_some();
        let tscope = scope_of(Some(tm));
        if has_scope_annotation && tscope != scope {
            base.warnings.push("scope-annotation-mismatch");
            push(
                sink,
                Severity::Warning,
                "scope-annotation-mismatch",
                tm.pos,
                format!(
                    "spec.template.metadata says {} scope but the top-level metadata says {}: only the top-level annotations count for unsealing; put the scope annotation on the top-level metadata (and keep both equal)",
                    tscope.as_str(),
                    scope.as_str()
                ),
            );
        }
        for field in ["name", "namespace"] {
            let top = meta.and_then(|m| m.str_at(&[field]));
            if let Some(t) = tm.get(field)
                && let Some(tv) = t.as_str()
                && Some(tv) != top
            {
                base.warnings.push("template-metadata-mismatch");
                push(
                    sink,
                    Severity::Warning,
                    "template-metadata-mismatch",
                    t.pos,
                    format!(
                        "spec.template.metadata.{field} is {tv:?} but metadata.{field} is {}: the controller uses the top-level one; make them equal",
                        top.map(|s| format!("{s:?}")).unwrap_or_else(|| "unset".to_string())
                    ),
                );
            }
        }
    }

    // The label, from the top-level metadata.
    let label = match (scope, base.namespace.as_deref(), base.name.as_deref()) {
        (Scope::ClusterWide, _, _) => Some(String::new()),
        (Scope::NamespaceWide, Some(ns), _) => Some(ns.to_string()),
        (Scope::Strict, Some(ns), Some(name)) => Some(format!("{ns}/{name}")),
        _ => None,
    };
    if label.is_none() {
        base.warnings.push("namespace-unset");
        push(
            sink,
            Severity::Warning,
            "namespace-unset",
            meta.map_or(root.pos, |m| m.pos),
            format!(
                "no metadata.namespace{}: the {} label depends on where it is applied, so its values are not decrypted here; set metadata.namespace to the namespace it was sealed for",
                if base.name.is_none() { " or metadata.name" } else { "" },
                scope.as_str()
            ),
        );
    }
    base.scope = Some(scope);
    base.label = label.clone();

    // The values.
    let mut values: Vec<(String, Result<&str, String>, Pos)> = Vec::new();
    let spec = root.get("spec");
    if let Some(ed) = spec.and_then(|s| s.get("encryptedData")) {
        match &ed.kind {
            NodeKind::Map(entries) => {
                for (k, v) in entries {
                    let item = k.scalar_text().unwrap_or("?").to_string();
                    let value = match v.to_json() {
                        serde_json::Value::String(_) => v.scalar_text().ok_or_else(String::new),
                        other => Err(format!("is a {}, not a string", json_type(&other))),
                    };
                    values.push((item, value, v.pos));
                }
            }
            _ if ed.is_null() => {}
            _ => {
                shape_errors = true;
                push(
                    sink,
                    Severity::Error,
                    "sealed-secret-shape",
                    ed.pos,
                    format!("spec.encryptedData is a {}, not a mapping of key to sealed value", ed.type_name()),
                );
            }
        }
    }
    if let Some(d) = spec.and_then(|s| s.get("data")).filter(|d| !d.is_null()) {
        let value = match d.to_json() {
            serde_json::Value::String(_) => d.scalar_text().ok_or_else(String::new),
            other => Err(format!("is a {}, not a string", json_type(&other))),
        };
        values.push(("(spec.data)".to_string(), value, d.pos));
    }
    if values.is_empty() && !shape_errors {
        push(
            sink,
            Severity::Warning,
            "sealed-secret-shape",
            spec.map_or(root.pos, |s| s.pos),
            "no spec.encryptedData values: the controller creates an empty Secret; seal the values or remove the object".to_string(),
        );
    }
    for (item, value, pos) in &values {
        if item != "(spec.data)" && !valid_data_key(item) {
            shape_errors = true;
            push(
                sink,
                Severity::Error,
                "sealed-secret-shape",
                *pos,
                format!(
                    "encryptedData key {item:?} is not a valid Secret key (letters, digits, '-', '_', '.'): the controller cannot create the Secret"
                ),
            );
        }
        if let Err(e) = value {
            shape_errors = true;
            push(
                sink,
                Severity::Error,
                "invalid-base64",
                *pos,
                format!("encryptedData.{item} {e}: a sealed value is a base64 string; reseal it"),
            );
        }
    }

    let no_group = Group::default();
    let groups: Vec<&Group> = if ctx.groups.is_empty() { vec![&no_group] } else { ctx.groups.to_vec() };
    if ctx.groups.is_empty() && !ctx.opts.groups.is_empty() {
        base.warnings.push("no-cluster-group");
        push(
            sink,
            Severity::Warning,
            "no-cluster-group",
            root.pos,
            "no sealCheck group claims this file, so only its structure is checked: add its path (or its cluster) to a group".to_string(),
        );
    }
    for g in groups {
        let mut doc = base.clone();
        doc.group = (!g.name.is_empty()).then(|| g.name.clone());
        let level = g.ring.level().min(ctx.opts.max_level);
        doc.level = Some(level);
        let empty = Keyring::default();
        let ring = if level == Level::Structure { &empty } else { &g.ring };
        let mut failed = shape_errors;
        for (item, value, pos) in &values {
            let outcome = match value {
                Ok(v) => {
                    let label_bytes = label.as_deref().map(str::as_bytes).filter(|_| level == Level::Decrypt);
                    crypto::check_value(v, label_bytes, ring)
                }
                Err(e) => Outcome::InvalidBase64 { detail: e.clone() },
            };
            tracing::debug!(file = ctx.file, object = %object, item = %item, group = %g.name, result = outcome.code(), key = outcome.key().unwrap_or("-"), "sealed value checked");
            if !outcome.is_ok() {
                failed = true;
                if value.is_ok() {
                    push(
                        sink,
                        Severity::Error,
                        outcome.code(),
                        *pos,
                        entry_message(item, &outcome, g, label.as_deref(), scope),
                    );
                }
            }
            doc.entries.push(EntryReport { item: item.clone(), outcome, line: pos.line, col: pos.col });
        }
        doc.result = if failed { DocResult::Fail } else { DocResult::Ok };
        out.push(doc);
    }
}

fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "sequence",
        serde_json::Value::Object(_) => "mapping",
    }
}

/// A Secret data key: `[-._a-zA-Z0-9]+`, at most 253 characters.
fn valid_data_key(k: &str) -> bool {
    !k.is_empty() && k.len() <= 253 && k.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn entry_message(item: &str, outcome: &Outcome, g: &Group, label: Option<&str>, scope: Scope) -> String {
    let group = if g.name.is_empty() { String::new() } else { format!(" of group {:?}", g.name) };
    let keys: Vec<&str> = g.ring.keys.iter().map(|k| k.name.as_str()).collect();
    let label = label.map(|l| format!("{l:?}")).unwrap_or_else(|| "(unknown)".to_string());
    match outcome {
        Outcome::Ok { .. } => format!("encryptedData.{item}: ok"),
        Outcome::InvalidBase64 { detail } => {
            format!(
                "encryptedData.{item} is not valid base64 ({detail}): the value was damaged after sealing; reseal it"
            )
        }
        Outcome::TooShort { detail } => {
            format!("encryptedData.{item} is too short ({detail}): the value was cut after sealing; reseal it")
        }
        Outcome::RsaLengthMismatch { detail } => format!(
            "encryptedData.{item}: {detail}, so it cannot unseal on the clusters{group}: reseal it with the group's certificate (`kubeseal --cert …`)"
        ),
        Outcome::RsaOaepFailed => format!(
            "encryptedData.{item}: no key{group} ({}) opens it with the label {label} ({} scope, from the top-level metadata): it was sealed with another key pair, or for another namespace, name or scope; reseal it for this object with the group's certificate",
            keys.join(", "),
            scope.as_str()
        ),
        Outcome::AesGcmFailed { key } => format!(
            "encryptedData.{item}: key {key:?} opens its session key but the AES-GCM body fails authentication: the ciphertext was corrupted or truncated after sealing; reseal the value"
        ),
    }
}

#[cfg(test)]
mod tests;

/// The AWS Secrets Manager client, when a seal-check group reads a key from AWS.
pub fn aws_fetcher(config: &crate::config::Config) -> Option<Box<dyn AwsFetch>> {
    let uses_aws = config.seal_check.groups.iter().flat_map(|g| &g.keys).any(|k| {
        k.aws.is_some() || k.secret.as_ref().and_then(|s| config.secrets.get(s)).is_some_and(|r| r.aws.is_some())
    });
    if !uses_aws {
        return None;
    }
    match aws::SecretsManager::new(aws::AwsTimeouts::default()) {
        Ok(sm) => Some(Box::new(sm)),
        Err(e) => {
            tracing::warn!(error = %e, "AWS Secrets Manager is unavailable");
            None
        }
    }
}
