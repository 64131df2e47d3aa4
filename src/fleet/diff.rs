//! The `diff` step: per cluster and object, a unified diff of the emitted YAML, with secret values masked,
//! rendered for a terminal, as JSON, or as Markdown split into comment-sized parts.

use super::affected::{Comparison, cluster_objects};
use crate::kustomize::emit;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Largest Markdown part (a GitHub comment holds 65,536 characters).
pub const MARKDOWN_PART_LIMIT: usize = 65_000;

#[derive(Debug, Clone, Serialize)]
pub struct ObjectDiff {
    pub key: String,
    /// `added`, `changed` or `removed`.
    pub change: &'static str,
    pub diff: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClusterDiff {
    pub cluster: String,
    pub sync_roots: Vec<String>,
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
    pub errors: Vec<String>,
    pub objects: Vec<ObjectDiff>,
}

/// Options that drop noise from diffs.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    pub ignore_labels: Vec<String>,
    pub ignore_annotations: Vec<String>,
}

fn short_hash(bytes: &[u8]) -> String {
    let h = Sha256::digest(bytes);
    h.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// Replace secret values by a hash prefix and length; summarise SealedSecret ciphertext; drop ignored
/// labels and annotations.
pub fn mask(obj: &Value, opts: &DiffOptions) -> Value {
    let mut o = obj.clone();
    let kind = o.get("kind").and_then(Value::as_str).unwrap_or("").to_string();
    let masked = |v: &Value, decode: bool| {
        let s = v.as_str().unwrap_or("");
        let bytes = if decode {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.decode(s.trim()).unwrap_or_else(|_| s.as_bytes().to_vec())
        } else {
            s.as_bytes().to_vec()
        };
        Value::String(format!("<masked sha256:{} {} bytes>", short_hash(&bytes), bytes.len()))
    };
    if kind == "Secret" {
        for (key, decode) in [("data", true), ("stringData", false)] {
            if let Some(m) = o.get_mut(key).and_then(Value::as_object_mut) {
                for v in m.values_mut() {
                    *v = masked(v, decode);
                }
            }
        }
    }
    if kind == "SealedSecret" {
        for path in [&["spec", "encryptedData"][..], &["spec", "data"][..]] {
            let mut cur = Some(&mut o);
            for k in path {
                cur = cur.and_then(|c| c.get_mut(*k));
            }
            match cur {
                Some(Value::Object(m)) => {
                    for v in m.values_mut() {
                        let s = v.as_str().unwrap_or("").to_string();
                        *v = Value::String(format!("<sealed {} chars sha256:{}>", s.len(), short_hash(s.as_bytes())));
                    }
                }
                Some(v @ Value::String(_)) => {
                    let s = v.as_str().unwrap_or("").to_string();
                    *v = Value::String(format!("<sealed {} chars sha256:{}>", s.len(), short_hash(s.as_bytes())));
                }
                _ => {}
            }
        }
    }
    if let Some(md) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        for (key, drop) in [("labels", &opts.ignore_labels), ("annotations", &opts.ignore_annotations)] {
            if let Some(m) = md.get_mut(key).and_then(Value::as_object_mut) {
                for d in drop {
                    m.shift_remove(d);
                }
            }
        }
    }
    o
}

fn unified(key: &str, old: Option<&Value>, new: Option<&Value>, opts: &DiffOptions) -> String {
    let a = old.map(|o| emit::to_yaml(&mask(o, opts))).unwrap_or_default();
    let b = new.map(|o| emit::to_yaml(&mask(o, opts))).unwrap_or_default();
    let d = similar::TextDiff::from_lines(&a, &b);
    d.unified_diff().context_radius(3).header(&format!("a/{key}"), &format!("b/{key}")).to_string()
}

/// Build the per-cluster diffs of a comparison.
pub fn build(cmp: &Comparison, opts: &DiffOptions) -> Vec<ClusterDiff> {
    let mut out = Vec::new();
    for (cluster, ch) in &cmp.clusters {
        let b = cluster_objects(&cmp.base, cluster);
        let h = cluster_objects(&cmp.head, cluster);
        let mut objects = Vec::new();
        for k in &ch.added {
            objects.push(ObjectDiff { key: k.clone(), change: "added", diff: unified(k, None, h.get(k), opts) });
        }
        for k in &ch.changed {
            objects.push(ObjectDiff { key: k.clone(), change: "changed", diff: unified(k, b.get(k), h.get(k), opts) });
        }
        for k in &ch.removed {
            objects.push(ObjectDiff { key: k.clone(), change: "removed", diff: unified(k, b.get(k), None, opts) });
        }
        objects.sort_by(|x, y| x.key.cmp(&y.key));
        out.push(ClusterDiff {
            cluster: cluster.clone(),
            sync_roots: ch.sync_roots.iter().cloned().collect(),
            added: ch.added.len(),
            changed: ch.changed.len(),
            removed: ch.removed.len(),
            errors: ch.errors.clone(),
            objects,
        });
    }
    out
}

/// Terminal text, colored when asked.
pub fn render_terminal(diffs: &[ClusterDiff], color: bool) -> String {
    let c = |code: &'static str| if color { code } else { "" };
    let mut s = String::new();
    for d in diffs {
        s.push_str(&format!(
            "{}== {}{}  +{} ~{} -{}  ({})\n",
            c("\x1b[1m"),
            d.cluster,
            c("\x1b[0m"),
            d.added,
            d.changed,
            d.removed,
            d.sync_roots.join(", ")
        ));
        for e in &d.errors {
            s.push_str(&format!("{}render failed: {e}{}\n", c("\x1b[31m"), c("\x1b[0m")));
        }
        for o in &d.objects {
            for line in o.diff.lines() {
                let color = match line.chars().next() {
                    Some('+') if !line.starts_with("+++") => c("\x1b[32m"),
                    Some('-') if !line.starts_with("---") => c("\x1b[31m"),
                    Some('@') => c("\x1b[36m"),
                    _ => "",
                };
                s.push_str(&format!("{color}{line}{}\n", if color.is_empty() { "" } else { c("\x1b[0m") }));
            }
        }
    }
    if diffs.is_empty() {
        s.push_str("no cluster changes\n");
    }
    s
}

/// The Markdown report, in parts of at most `limit` characters: a summary table, then a section per cluster
/// with a `<details>` per object. Every part has balanced fences and `<details>`; parts after the first start,
/// and parts before the last end, with a "continued" marker.
pub fn render_markdown(diffs: &[ClusterDiff], limit: usize) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut head = String::from("### fleetgate: rendered changes per cluster\n\n");
    if diffs.is_empty() {
        head.push_str("No cluster changes.\n");
    } else {
        head.push_str("| cluster | added | changed | removed | sync roots |\n|---|---:|---:|---:|---|\n");
        for d in diffs {
            head.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                d.cluster,
                d.added,
                d.changed,
                d.removed,
                d.sync_roots.iter().map(|r| r.replace('|', "\\|")).collect::<Vec<_>>().join("<br>")
            ));
        }
    }
    blocks.push(head);
    for d in diffs {
        blocks.push(format!("\n#### {}\n\n", d.cluster));
        for e in &d.errors {
            blocks.push(format!("> render failed: {}\n\n", e.replace('\n', " ")));
        }
        for o in &d.objects {
            let summary = format!("<details><summary><code>{}</code> ({})</summary>\n\n", o.key, o.change);
            let fence = fence_for(&o.diff);
            let budget = limit.saturating_sub(summary.len() + 2 * fence.len() + 200).max(1000);
            let mut chunk = String::new();
            let mut part = 0;
            let flush = |chunk: &mut String, part: &mut usize, blocks: &mut Vec<String>, last: bool| {
                let title = if *part == 0 && last {
                    summary.clone()
                } else {
                    summary.replace("</summary>", &format!(" part {}</summary>", *part + 1))
                };
                blocks.push(format!("{title}{fence}diff\n{chunk}{fence}\n\n</details>\n"));
                chunk.clear();
                *part += 1;
            };
            for line in o.diff.lines() {
                let line = if line.len() > budget { &line[..floor_char(line, budget)] } else { line };
                if chunk.len() + line.len() + 1 > budget {
                    flush(&mut chunk, &mut part, &mut blocks, false);
                }
                chunk.push_str(line);
                chunk.push('\n');
            }
            let only = part == 0;
            flush(&mut chunk, &mut part, &mut blocks, only);
        }
    }
    const CONT_START: &str = "_(continued from the previous comment)_\n\n";
    const CONT_END: &str = "\n_(continued in the next comment)_\n";
    let mut parts: Vec<String> = Vec::new();
    let mut cur = String::new();
    for b in blocks {
        if !cur.is_empty() && cur.len() + b.len() + CONT_END.len() > limit {
            cur.push_str(CONT_END);
            parts.push(std::mem::take(&mut cur));
            cur.push_str(CONT_START);
        }
        cur.push_str(&b);
    }
    parts.push(cur);
    parts
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A code fence longer than any run of backticks in the text.
fn fence_for(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for ch in text.chars() {
        if ch == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_masked() {
        let s = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"p": "aHVudGVyMg=="}, "stringData": {"q": "hunter2"}});
        let text = emit::to_yaml(&mask(&s, &DiffOptions::default()));
        assert!(!text.contains("aHVudGVyMg==") && !text.contains("hunter2"), "{text}");
        assert!(text.contains("<masked sha256:") && text.contains("7 bytes"), "{text}");
    }

    #[test]
    fn markdown_splits_with_balanced_fences_and_nothing_lost() {
        let mut objects = Vec::new();
        for i in 0..120 {
            let body: String = (0..60).map(|j| format!("+  line-{i}-{j}: {}\n", "x".repeat(30))).collect();
            objects.push(ObjectDiff { key: format!("apps/Deployment/ns/app-{i}"), change: "added", diff: body });
        }
        let d = ClusterDiff {
            cluster: "c1".into(),
            sync_roots: vec!["r".into()],
            added: 120,
            changed: 0,
            removed: 0,
            errors: vec![],
            objects,
        };
        let parts = render_markdown(&[d], MARKDOWN_PART_LIMIT);
        let total: usize = parts.iter().map(String::len).sum();
        assert!(total > 300_000, "{total}");
        assert!(parts.len() >= 5);
        for (i, p) in parts.iter().enumerate() {
            assert!(p.len() <= MARKDOWN_PART_LIMIT, "part {i} has {} chars", p.len());
            assert_eq!(p.matches("<details>").count(), p.matches("</details>").count(), "part {i}");
            assert_eq!(p.matches("```").count() % 2, 0, "part {i}");
            if i > 0 {
                assert!(p.starts_with("_(continued from"));
            }
            if i + 1 < parts.len() {
                assert!(p.ends_with("_(continued in the next comment)_\n"));
            }
        }
        let all = parts.concat();
        for i in 0..120 {
            assert!(all.contains(&format!("apps/Deployment/ns/app-{i}")), "object {i} lost");
            assert!(all.contains(&format!("line-{i}-59")), "object {i} truncated");
        }
    }
}
