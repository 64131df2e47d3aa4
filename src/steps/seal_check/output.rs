//! Seal-check report rendering: human (one line per finding, as lint prints them), JSON and Markdown. Reports
//! hold outcome codes, key names and fingerprints only: no value, sealed or plain, ever reaches them.

use super::{DocResult, SealReport};
use crate::steps::lint::Severity;
use std::fmt::Write;

const RED: &str = "\x1b[1;31m";
const GREEN: &str = "\x1b[1;32m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn group_lines(report: &SealReport) -> Vec<String> {
    if report.groups.is_empty() {
        return vec!["no key material: structure checks only (give --cert or --key, or sealCheck.groups)".to_string()];
    }
    report
        .groups
        .iter()
        .map(|g| {
            let keys: Vec<String> =
                g.keys.iter().map(|k| format!("key {} ({}-bit, {})", k.name, k.bits, k.fingerprint)).collect();
            let certs: Vec<String> = g
                .certs
                .iter()
                .map(|c| {
                    format!(
                        "cert {} ({}-bit, {}, until {})",
                        c.name,
                        c.bits,
                        c.fingerprint,
                        c.not_after.as_deref().unwrap_or("?")
                    )
                })
                .collect();
            let material = keys.into_iter().chain(certs).collect::<Vec<_>>();
            format!(
                "group {}: {} level{}{}",
                g.name,
                g.level.as_str(),
                if material.is_empty() { "" } else { ": " },
                material.join(", ")
            )
        })
        .collect()
}

fn counts(report: &SealReport) -> (usize, usize, usize) {
    let plain = report.files.iter().flat_map(|f| &f.documents).filter(|d| d.result == DocResult::PlainSecret).count();
    (report.count(Severity::Error), report.count(Severity::Warning), plain)
}

/// Group lines, one line per finding (`repo:file:line:col: severity[rule] object: message`), then a summary.
pub fn render_human(report: &SealReport, multi_repo: bool, color: bool) -> String {
    let paint = |code: &'static str| if color { code } else { "" };
    let reset = paint(RESET);
    let mut out = String::new();
    for l in group_lines(report) {
        let _ = writeln!(out, "{}{l}{reset}", paint(DIM));
    }
    for f in &report.findings {
        out.push_str(&crate::steps::lint::finding_line(f, multi_repo, color));
    }
    let (errors, warnings, _) = counts(report);
    let verdict = if errors > 0 { format!("{}FAIL{reset}", paint(RED)) } else { format!("{}ok{reset}", paint(GREEN)) };
    let _ = writeln!(
        out,
        "{verdict}: {errors} error{}, {warnings} warning{}; {} SealedSecret{} ({} value{}) in {} file{}, {} repositor{}",
        plural(errors),
        plural(warnings),
        report.sealed_secrets,
        plural(report.sealed_secrets),
        report.values,
        plural(report.values),
        report.files_checked,
        plural(report.files_checked),
        report.repos,
        if report.repos == 1 { "y" } else { "ies" }
    );
    out
}

/// The report as pretty JSON: `{groups, files, findings, summary}`.
pub fn render_json(report: &SealReport) -> String {
    let (errors, warnings, plain) = counts(report);
    let v = serde_json::json!({
        "groups": report.groups,
        "files": report.files,
        "findings": report.findings,
        "summary": {
            "errors": errors,
            "warnings": warnings,
            "plainSecrets": plain,
            "sealedSecrets": report.sealed_secrets,
            "values": report.values,
            "files": report.files_checked,
            "repos": report.repos,
        }
    });
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// A Markdown summary for pull-request comments: a verdict line, the groups, a table of findings.
pub fn render_markdown(report: &SealReport) -> String {
    let (errors, warnings, _) = counts(report);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### seal-check: {} — {errors} error{}, {warnings} warning{}\n",
        if errors > 0 { "❌ fail" } else { "✅ ok" },
        plural(errors),
        plural(warnings)
    );
    for l in group_lines(report) {
        let _ = writeln!(out, "- {}", md_cell(&l));
    }
    let _ = writeln!(
        out,
        "- {} SealedSecret{} ({} value{}) in {} file{}\n",
        report.sealed_secrets,
        plural(report.sealed_secrets),
        report.values,
        plural(report.values),
        report.files_checked,
        plural(report.files_checked)
    );
    if !report.findings.is_empty() {
        let _ = writeln!(out, "| severity | rule | where | object | message |\n|---|---|---|---|---|");
        for f in &report.findings {
            let place = if f.repo.is_empty() {
                format!("{}:{}", f.file, f.line)
            } else {
                format!("{}:{}:{}", f.repo, f.file, f.line)
            };
            let _ = writeln!(
                out,
                "| {} | `{}` | `{}` | {} | {} |",
                f.severity.as_str(),
                f.rule,
                md_cell(&place),
                md_cell(f.object.as_deref().unwrap_or("")),
                md_cell(&f.message)
            );
        }
    }
    out
}
