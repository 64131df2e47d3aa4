//! Secrets produced by kustomization `secretGenerator`s: their inputs (literals, env files, files) are committed
//! in Git, so the generated data is plaintext unless the inputs are SOPS-encrypted.

use super::{SealOptions, Sink};
use crate::kustomize::{self, KUSTOMIZATION_FILES, LoadRestrictor, Options};
use crate::manifest::{self, Limits, Pos};
use crate::steps::lint::Severity;
use crate::workspace::RepoView;
use base64::Engine;
use std::collections::BTreeSet;

/// Render every kustomization directory whose kustomization has a generator, and flag generated Secrets.
pub(crate) fn check(repo: &RepoView, opts: &SealOptions, sink: &mut Sink) {
    let Ok(walk) = repo.snapshot.walk("") else {
        return;
    };
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    for kfile in walk.files.iter().filter(|f| KUSTOMIZATION_FILES.contains(&f.rsplit('/').next().unwrap_or(""))) {
        if kfile.split('/').any(|s| s.starts_with('.')) || opts.ignore.iter().any(|s| s.matches(&repo.name, kfile)) {
            continue;
        }
        let Ok(text) = repo.snapshot.read_string(kfile) else {
            continue;
        };
        let lower = text.to_ascii_lowercase();
        if !lower.contains("secretgenerator") && !lower.contains("generators:") {
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
                tracing::debug!(repo = %repo.name, dir, error = %e, "kustomization does not build; its generators are not checked");
                continue;
            }
        };
        for res in &rendered.resources {
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
            if !seen.insert((gen_file.clone(), name.clone())) {
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
                generator_pos(repo, gen_file),
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

fn generator_pos(repo: &RepoView, kfile: &str) -> Pos {
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
            m.iter().find(|(k, _)| k.scalar_text().is_some_and(|t| t.eq_ignore_ascii_case("secretGenerator")))
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
