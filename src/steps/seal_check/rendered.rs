//! What kustomize builds make of a repository's secrets:
//! - Secrets produced by `secretGenerator`s: their inputs (literals, env files, files) are committed in Git, so
//!   the generated data is plaintext unless the inputs are SOPS-encrypted;
//! - SealedSecrets that a build moves to another namespace (`namespace:`) or renames (`namePrefix`,
//!   `nameSuffix`, patches): the controller computes the label from what lands, so they are checked again with
//!   the label they get there, against the keys of the group the kustomization directory belongs to.

use super::{Ctx, DocReport, DocResult, FileReport, Group, SealOptions, Sink, check_node};
use crate::kustomize::{self, KUSTOMIZATION_FILES, LoadRestrictor, Options};
use crate::manifest::{self, Limits, Node, NodeKind, Pos, Scalar, ScalarStyle};
use crate::steps::lint::Severity;
use crate::workspace::RepoView;
use base64::Engine;
use std::collections::BTreeSet;

/// Rules whose findings a rendered SealedSecret can add to those of its file.
const LABEL_RULES: [&str; 2] = ["rsa-oaep-failed", "aes-gcm-failed"];

/// Render the repository's kustomization directories (those with generators; all of them when the repository
/// has SealedSecrets) and check what they produce. `files` are the file reports of this repository.
pub(crate) fn check(repo: &RepoView, all_files: &[String], files: &[FileReport], opts: &SealOptions, sink: &mut Sink) {
    let has_sealed = files.iter().any(|f| f.documents.iter().any(|d| d.kind == "SealedSecret"));
    let mut seen_generated: BTreeSet<(String, String)> = BTreeSet::new();
    let mut seen_sealed = Seen::new();
    // (repo, origin file, object) whose label only a build could tell: their namespace-unset warning is answered.
    let mut covered = Covered::new();
    for kfile in all_files.iter().filter(|f| KUSTOMIZATION_FILES.contains(&f.rsplit('/').next().unwrap_or(""))) {
        if kfile.split('/').any(|s| s.starts_with('.')) || opts.ignore.iter().any(|s| s.matches(&repo.name, kfile)) {
            continue;
        }
        let Ok(text) = repo.snapshot.read_string(kfile) else {
            continue;
        };
        let lower = text.to_ascii_lowercase();
        let generators = lower.contains("secretgenerator") || lower.contains("generators:");
        if !generators && !has_sealed {
            continue;
        }
        if text.lines().any(|l| l.trim() == "kind: Component") {
            continue;
        }
        let dir = crate::source::parent(kfile);
        let options = Options { load_restrictor: LoadRestrictor::None, ..Options::default() };
        let rendered = match kustomize::build(&repo.snapshot, dir, &options) {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(repo = %repo.name, dir, error = %e, "kustomization does not build; its output is not checked");
                continue;
            }
        };
        for res in &rendered.resources {
            if res.kind() == "SealedSecret"
                && let Some(origin) = &res.origin
            {
                let landing = Landing {
                    origin_repo: &repo.name,
                    origin,
                    at_repo: repo,
                    at_file: kfile,
                    at_pos: key_pos(repo, kfile, &["namespace", "namePrefix", "nameSuffix"]),
                    how: format!("when {} is built", if dir.is_empty() { "." } else { dir }),
                    opts,
                };
                check_rendered_sealed(
                    &landing,
                    &res.all_names(),
                    &res.obj,
                    files,
                    &mut seen_sealed,
                    &mut covered,
                    sink,
                );
                continue;
            }
            let Some((gen_file, generator, _)) = &res.generated_by else { continue };
            if *generator != "SecretGenerator" || res.kind() != "Secret" {
                continue;
            }
            let keys: Vec<String> = ["data", "stringData"]
                .iter()
                .filter_map(|f| res.obj.get(*f).and_then(|d| d.as_object()))
                .flat_map(|m| m.keys().cloned())
                .collect();
            if keys.is_empty() {
                continue;
            }
            let name = res.original_id().name.clone();
            if !seen_generated.insert((gen_file.clone(), name.clone())) {
                continue;
            }
            if sops_encrypted(&res.obj) {
                tracing::debug!(repo = %repo.name, file = %gen_file, secret = %name, "generated Secret from SOPS-encrypted inputs");
                continue;
            }
            if opts.allow_plaintext.iter().any(|s| s.matches(&repo.name, gen_file)) {
                continue;
            }
            let ns = res.namespace();
            let object = if ns.is_empty() { format!("Secret {name}") } else { format!("Secret {ns}/{name}") };
            sink.push(
                Severity::Error,
                "plain-secret",
                &repo.name,
                gen_file,
                key_pos(repo, gen_file, &["secretGenerator"]),
                Some(object),
                format!(
                    "secretGenerator produces a Secret (key{} {}) from inputs committed in plaintext (rendered from {}); \
                     anyone who can read the repository can read it. Use a SealedSecret, encrypt the inputs with SOPS, or \
                     allow this path under sealCheck.allowPlaintext",
                    if keys.len() == 1 { "" } else { "s" },
                    keys.join(", "),
                    if dir.is_empty() { "." } else { dir },
                ),
            );
        }
    }
    answer_namespace_unset(&covered, sink);
}

/// Rendered SealedSecrets already checked: (origin repo, origin file, name, label, group).
type Seen = BTreeSet<(String, String, String, Option<String>, String)>;
/// (repo, file, object) of SealedSecrets without a namespace that a build gave one.
type Covered = BTreeSet<(String, String, String)>;

fn answer_namespace_unset(covered: &Covered, sink: &mut Sink) {
    if covered.is_empty() {
        return;
    }
    sink.findings.retain(|f| {
        !(f.rule == "namespace-unset"
            && covered.contains(&(f.repo.clone(), f.file.clone(), f.object.clone().unwrap_or_default())))
    });
}

/// Where a rendered SealedSecret lands, and where to point findings about it.
struct Landing<'a> {
    /// The repository and file the SealedSecret is written in.
    origin_repo: &'a str,
    origin: &'a str,
    /// The kustomization or Flux Kustomization that puts it where it lands.
    at_repo: &'a RepoView,
    at_file: &'a str,
    /// Where in `at_file` the object is moved or renamed.
    at_pos: Pos,
    /// "when DIR is built", "when Flux Kustomization NS/NAME applies it".
    how: String,
    opts: &'a SealOptions,
}

fn check_rendered_sealed(
    l: &Landing<'_>,
    names: &[(String, String)],
    obj: &serde_json::Value,
    files: &[FileReport],
    seen: &mut Seen,
    covered: &mut Covered,
    sink: &mut Sink,
) {
    // The file-level verdict on the same object: one of the names it had during the build (a namespace set by
    // the build is not always recorded as a rename) is the one in the file.
    let in_file = files.iter().filter(|f| f.repo == l.origin_repo && f.file == l.origin);
    let Some(file_doc) = in_file.flat_map(|f| &f.documents).find(|d| {
        d.kind == "SealedSecret"
            && names.iter().any(|(ns, name)| {
                d.name.as_deref() == Some(name.as_str())
                    && (d.namespace.is_none() || d.namespace.as_deref() == Some(ns.as_str()))
            })
    }) else {
        return;
    };
    let orig_name = file_doc.name.clone().unwrap_or_default();
    // The groups of the kustomization that puts it there; when no group claims that one, those of its file.
    let claimed: Vec<&Group> =
        l.opts.groups.iter().filter(|g| !g.is_default() && g.claims(&l.at_repo.name, l.at_file)).collect();
    let groups = if claimed.is_empty() { l.opts.groups_for(l.origin_repo, l.origin) } else { claimed };
    let ctx = Ctx { repo: l.origin_repo, file: l.origin, opts: l.opts, groups: &groups, allowed: false };
    let node = node_from_json(obj);
    // File-level findings (shape, annotations) were reported with the file already.
    let mut tmp = Sink::default();
    let mut docs: Vec<DocReport> = Vec::new();
    check_node(&ctx, file_doc.index, &node, &mut tmp, &mut docs, 0);
    let Some(first) = docs.first() else { return };
    if first.label == file_doc.label {
        return;
    }
    let file_object = super::object_label("SealedSecret", file_doc.namespace.as_deref(), file_doc.name.as_deref());
    if file_doc.label.is_none() && first.label.is_some() {
        covered.insert((l.origin_repo.to_string(), l.origin.to_string(), file_object.clone()));
    }
    for d in &docs {
        let key = (
            l.origin_repo.to_string(),
            l.origin.to_string(),
            orig_name.clone(),
            d.label.clone(),
            d.group.clone().unwrap_or_default(),
        );
        if !seen.insert(key) {
            continue;
        }
        tracing::debug!(file = l.origin, at = l.at_file, label = ?d.label, result = d.result.as_str(), "rendered SealedSecret checked");
        if d.result != DocResult::Fail {
            continue;
        }
        let lands = super::object_label("SealedSecret", d.namespace.as_deref(), d.name.as_deref());
        let why = match (&file_doc.label, &d.label) {
            (Some(a), Some(b)) => format!("so the controller computes the label {b:?}, not {a:?} as in the file"),
            (None, Some(b)) => format!("so the controller computes the label {b:?}"),
            _ => "so its label changes".to_string(),
        };
        let keys: Vec<&str> = groups
            .iter()
            .find(|g| Some(&g.name) == d.group.as_ref())
            .map(|g| g.ring.keys.iter().map(|k| k.name.as_str()).collect())
            .unwrap_or_default();
        for e in d.entries.iter().filter(|e| LABEL_RULES.contains(&e.outcome.code())) {
            let what = match &e.outcome {
                super::Outcome::AesGcmFailed { key } => {
                    format!("key {key:?} opens encryptedData.{} but its body fails authentication", e.item)
                }
                _ => format!(
                    "no key of group {:?} ({}) opens encryptedData.{} with it",
                    d.group.as_deref().unwrap_or("-"),
                    keys.join(", "),
                    e.item
                ),
            };
            sink.push(
                Severity::Error,
                e.outcome.code(),
                &l.at_repo.name,
                l.at_file,
                l.at_pos,
                Some(lands.clone()),
                format!(
                    "{}{} ({file_object}) lands as {lands} {}, {why}, and {what}: keep the namespace and name it was sealed for, or seal it for where it lands",
                    if l.origin_repo == l.at_repo.name { String::new() } else { format!("{}:", l.origin_repo) },
                    l.origin,
                    l.how,
                ),
            );
        }
    }
}

/// A Flux Kustomization that moves or renames what it applies.
#[derive(Debug, Clone)]
pub(crate) struct FluxKustomization {
    pub repo: String,
    pub file: String,
    pub pos: Pos,
    pub namespace: String,
    pub name: String,
    pub source_kind: String,
    pub source_name: String,
    pub source_namespace: String,
    pub path: String,
    pub target_namespace: Option<String>,
    pub name_prefix: String,
    pub name_suffix: String,
}

/// A Flux GitRepository: `(namespace, name, url)`.
pub(crate) type FluxSource = (String, String, String);

/// The Flux objects of one file that matter here: Kustomizations with `targetNamespace`, `namePrefix` or
/// `nameSuffix`, and GitRepositories.
pub(crate) fn flux_objects(
    repo: &str,
    file: &str,
    text: &str,
    kustomizations: &mut Vec<FluxKustomization>,
    sources: &mut Vec<FluxSource>,
) {
    if !text.contains("toolkit.fluxcd.io") {
        return;
    }
    let Ok(docs) = manifest::parse(file, text, &Limits::default()) else { return };
    for d in &docs {
        let root = &d.root;
        let api = root.str_at(&["apiVersion"]).unwrap_or("");
        let kind = root.str_at(&["kind"]).unwrap_or("");
        let namespace = root.str_at(&["metadata", "namespace"]).unwrap_or("flux-system").to_string();
        let Some(name) = root.str_at(&["metadata", "name"]).map(str::to_string) else { continue };
        if api.starts_with("source.toolkit.fluxcd.io/") && kind == "GitRepository" {
            if let Some(url) = root.str_at(&["spec", "url"]) {
                sources.push((namespace, name, url.to_string()));
            }
            continue;
        }
        if !(api.starts_with("kustomize.toolkit.fluxcd.io/") && kind == "Kustomization") {
            continue;
        }
        let spec = |k: &str| root.str_at(&["spec", k]).map(str::to_string);
        let target_namespace = spec("targetNamespace").filter(|s| !s.is_empty());
        let name_prefix = spec("namePrefix").unwrap_or_default();
        let name_suffix = spec("nameSuffix").unwrap_or_default();
        if target_namespace.is_none() && name_prefix.is_empty() && name_suffix.is_empty() {
            continue;
        }
        let pos = ["targetNamespace", "namePrefix", "nameSuffix"]
            .iter()
            .find_map(|k| root.at(&["spec", k]))
            .map_or(root.pos, |n| n.pos);
        kustomizations.push(FluxKustomization {
            repo: repo.to_string(),
            file: file.to_string(),
            pos,
            namespace: namespace.clone(),
            name,
            source_kind: root.str_at(&["spec", "sourceRef", "kind"]).unwrap_or("").to_string(),
            source_name: root.str_at(&["spec", "sourceRef", "name"]).unwrap_or("").to_string(),
            source_namespace: root.str_at(&["spec", "sourceRef", "namespace"]).map_or(namespace, str::to_string),
            path: spec("path").unwrap_or_default(),
            target_namespace,
            name_prefix,
            name_suffix,
        });
    }
}

/// Check the SealedSecrets that Flux Kustomizations move (`targetNamespace`) or rename (`namePrefix`,
/// `nameSuffix`) with the label they get on the cluster. The source repository is found through the
/// Kustomization's GitRepository and its URL; sources outside the workspace are skipped.
pub(crate) fn check_flux(
    ws: &crate::workspace::Workspace,
    kustomizations: &[FluxKustomization],
    sources: &[FluxSource],
    files: &[FileReport],
    opts: &SealOptions,
    sink: &mut Sink,
) {
    let mut seen = Seen::new();
    let mut covered = Covered::new();
    for k in kustomizations {
        if k.source_kind != "GitRepository" || k.path.contains("${") {
            continue;
        }
        let url = sources.iter().find(|(ns, name, _)| *ns == k.source_namespace && *name == k.source_name);
        let source_repo = match url {
            Some((_, _, url)) => ws.repo_for_url(url),
            // A lone repository's own GitRepository is often defined outside it (bootstrap).
            None if ws.repos.len() == 1 => ws.repos.first(),
            None => None,
        };
        let (Some(source_repo), Some(at_repo)) = (source_repo, ws.repo(&k.repo)) else {
            tracing::debug!(kustomization = %k.name, "Flux source outside the workspace: not checked");
            continue;
        };
        let Ok(path) = crate::source::normalize(k.path.trim_start_matches("./")) else { continue };
        let rendered = match kustomize::build(&source_repo.snapshot, &path, &Options::flux()) {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(kustomization = %k.name, path, error = %e, "Flux path does not build; not checked");
                continue;
            }
        };
        for res in rendered.resources.iter().filter(|r| r.kind() == "SealedSecret") {
            let Some(origin) = &res.origin else { continue };
            let mut obj = res.obj.clone();
            if let Some(meta) = obj.get_mut("metadata").and_then(|m| m.as_object_mut()) {
                if let Some(ns) = &k.target_namespace {
                    meta.insert("namespace".into(), serde_json::Value::String(ns.clone()));
                }
                let name = meta.get("name").and_then(|n| n.as_str()).unwrap_or("").to_string();
                meta.insert(
                    "name".into(),
                    serde_json::Value::String(format!("{}{name}{}", k.name_prefix, k.name_suffix)),
                );
            }
            let landing = Landing {
                origin_repo: &source_repo.name,
                origin,
                at_repo,
                at_file: &k.file,
                at_pos: k.pos,
                how: format!("when Flux Kustomization {}/{} applies it", k.namespace, k.name),
                opts,
            };
            check_rendered_sealed(&landing, &res.all_names(), &obj, files, &mut seen, &mut covered, sink);
        }
    }
    answer_namespace_unset(&covered, sink);
}

/// A JSON value as a YAML node (strings quoted, so they stay strings).
fn node_from_json(v: &serde_json::Value) -> Node {
    let pos = Pos { line: 1, col: 1 };
    let scalar =
        |text: String, style: ScalarStyle| Node { kind: NodeKind::Scalar(Scalar { text, style }), pos, tag: None };
    match v {
        serde_json::Value::Null => scalar("null".into(), ScalarStyle::Plain),
        serde_json::Value::Bool(b) => scalar(b.to_string(), ScalarStyle::Plain),
        serde_json::Value::Number(n) => scalar(n.to_string(), ScalarStyle::Plain),
        serde_json::Value::String(s) => scalar(s.clone(), ScalarStyle::DoubleQuoted),
        serde_json::Value::Array(items) => {
            Node { kind: NodeKind::Seq(items.iter().map(node_from_json).collect()), pos, tag: None }
        }
        serde_json::Value::Object(m) => Node {
            kind: NodeKind::Map(
                m.iter().map(|(k, v)| (scalar(k.clone(), ScalarStyle::Plain), node_from_json(v))).collect(),
            ),
            pos,
            tag: None,
        },
    }
}

/// Whether every generated value came from SOPS-encrypted input (dotenv `ENC[...]` values, or a file with SOPS
/// metadata). Decoded bytes are zeroed after the look.
fn sops_encrypted(obj: &serde_json::Value) -> bool {
    let mut any = false;
    for field in ["data", "stringData"] {
        let Some(m) = obj.get(field).and_then(|d| d.as_object()) else { continue };
        for v in m.values() {
            any = true;
            let Some(s) = v.as_str() else { return false };
            let bytes = if field == "data" {
                match base64::engine::general_purpose::STANDARD.decode(s) {
                    Ok(b) => zeroize::Zeroizing::new(b),
                    Err(_) => return false,
                }
            } else {
                zeroize::Zeroizing::new(s.as_bytes().to_vec())
            };
            let text = String::from_utf8_lossy(&bytes);
            let trimmed = text.trim();
            let sops = (trimmed.starts_with("ENC[") && trimmed.ends_with(']'))
                || text.contains("sops_mac=ENC[")
                || text.contains("\"sops\":")
                || (text.contains("\nsops:") && text.contains("ENC["));
            if !sops {
                return false;
            }
        }
    }
    any
}

/// The position of the first of `keys` at the top of a kustomization file (1:1 when none is there).
fn key_pos(repo: &RepoView, kfile: &str, keys: &[&str]) -> Pos {
    let fallback = Pos { line: 1, col: 1 };
    let Ok(text) = repo.snapshot.read_string(kfile) else {
        return fallback;
    };
    let Ok(docs) = manifest::parse(kfile, &text, &Limits { duplicate_keys_last_wins: true, ..Limits::default() })
    else {
        return fallback;
    };
    docs.first()
        .and_then(|d| d.root.as_map())
        .and_then(|m| {
            m.iter().find(|(k, _)| k.scalar_text().is_some_and(|t| keys.iter().any(|key| t.eq_ignore_ascii_case(key))))
        })
        .map_or(fallback, |(k, _)| k.pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sops_values_are_recognised() {
        let enc = base64::engine::general_purpose::STANDARD.encode("ENC[AES256_GCM,data:abc,iv:x,tag:y,type:str]");
        assert!(sops_encrypted(&serde_json::json!({"data": {"a": enc}})));
        let plain = base64::engine::general_purpose::STANDARD.encode("hunter2");
        assert!(!sops_encrypted(&serde_json::json!({"data": {"a": enc, "b": plain}})));
        assert!(!sops_encrypted(&serde_json::json!({"data": {}})));
        assert!(!sops_encrypted(&serde_json::json!({"stringData": {"a": "x"}})));
    }
}
