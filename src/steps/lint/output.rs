//! Lint report rendering: human (colored on a terminal) and JSON.

use super::{LintReport, Severity};
use std::fmt::Write;

const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[1;33m";
const BLUE: &str = "\x1b[1;34m";
const DIM: &str = "\x1b[2m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// One line per finding — `repo:file:line:col: severity[rule] object: message` — then a summary line.
/// `multi_repo` prefixes paths with the repository name; `color` adds ANSI colors.
pub fn render_human(report: &LintReport, multi_repo: bool, color: bool) -> String {
    let paint = |code: &'static str| if color { code } else { "" };
    let reset = paint(RESET);
    let mut out = String::new();
    for f in &report.findings {
        out.push_str(&finding_line(f, multi_repo, color));
    }
    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    let verdict =
        if errors > 0 { format!("{}FAIL{reset}", paint(RED)) } else { format!("{}ok{reset}", paint("\x1b[1;32m")) };
    let _ = writeln!(
        out,
        "{verdict}: {errors} error{}, {warnings} warning{} in {} file{}, {} object{}, {} repositor{}",
        plural(errors),
        plural(warnings),
        report.files,
        plural(report.files),
        report.objects,
        plural(report.objects),
        report.repos,
        if report.repos == 1 { "y" } else { "ies" }
    );
    out
}

/// One finding as a line: `repo:file:line:col: severity[rule] object: message` (the repository only when
/// several are involved), colored when asked.
pub(crate) fn finding_line(f: &super::Finding, multi_repo: bool, color: bool) -> String {
    let paint = |code: &'static str| if color { code } else { "" };
    let reset = paint(RESET);
    let sev_color = match f.severity {
        Severity::Error => paint(RED),
        Severity::Warning => paint(YELLOW),
        Severity::Info => paint(BLUE),
    };
    let repo = if multi_repo && !f.repo.is_empty() { format!("{}:", f.repo) } else { String::new() };
    let object = f.object.as_ref().map(|o| format!("{}{o}{reset}: ", paint(BOLD))).unwrap_or_default();
    format!(
        "{}{repo}{}:{}:{}{reset}: {sev_color}{}{reset}{}[{}]{reset} {object}{}\n",
        paint(BOLD),
        f.file,
        f.line,
        f.col,
        f.severity.as_str(),
        paint(DIM),
        f.rule,
        f.message
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The report as pretty JSON: `{findings: [...], summary: {...}}`.
pub fn render_json(report: &LintReport) -> String {
    let v = serde_json::json!({
        "findings": report.findings,
        "summary": {
            "errors": report.count(Severity::Error),
            "warnings": report.count(Severity::Warning),
            "infos": report.count(Severity::Info),
            "repos": report.repos,
            "files": report.files,
            "objects": report.objects,
        }
    });
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}
