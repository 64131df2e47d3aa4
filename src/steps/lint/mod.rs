//! The `lint` step: everything that can be checked from the files alone, before rendering.
//!
//! Rules (ids are stable; `lint.disable` in fleetgate.yaml turns them off):
//! - `yaml-parse`: a YAML file does not parse (syntax, duplicate keys, limits);
//! - `not-an-object`: a document is not a Kubernetes object (apiVersion, kind, metadata.name);
//! - `kustomization-schema`: a kustomization file kustomize would refuse (unknown field, wrong type, kind);
//! - `kustomization-multiple`: more than one kustomization file in a directory;
//! - `kustomization-missing-ref`: a referenced file or directory does not exist, or a directory has no
//!   kustomization file;
//! - `kustomization-escapes`: a reference leaves the repository;
//! - `kustomization-kind-mismatch`: a Component listed as a resource, or a Kustomization as a component;
//! - `kustomization-load-restrictor` (warning): a file outside the kustomization's directory, which
//!   `kubectl kustomize` refuses by default (Flux allows it);
//! - `kustomization-remote` (warning): a remote resource, not checked;
//! - `duplicate-object`: two of one kustomization directory's own resources have the same identity;
//! - `flux-source-missing`, `flux-dependson-missing`, `flux-path-missing`, `flux-duration-invalid`,
//!   `flux-helm-source-missing`: Flux references and durations;
//! - `flux-substitution-unset` (warning): a `${VAR}` under a Flux Kustomization that nothing substitutes;
//! - `argocd-path-missing`: an Argo CD Application or ApplicationSet path that does not exist in its repository;
//! - `crossplane-undefined-kind`: a claim or composite whose kind no XRD of the estate defines.

mod argocd;
mod crossplane;
mod flux;
mod index;
mod kustomization;
mod output;
mod substitution;

pub(crate) use output::finding_line;
pub use output::{render_human, render_json};

use crate::manifest::Pos;
use crate::workspace::Workspace;
use serde::Serialize;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    pub repo: String,
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub severity: Severity,
    pub rule: &'static str,
    /// `Kind namespace/name` of the object concerned, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    pub message: String,
}

/// Settings of the lint step.
#[derive(Debug, Clone, Default)]
pub struct LintOptions {
    /// Flux sources defined outside the workspace, as `Kind/namespace/name`.
    pub external_sources: Vec<String>,
    /// Globs of paths to skip (per repository).
    pub ignore: Vec<String>,
    /// Rule ids to turn off.
    pub disable: Vec<String>,
}

impl LintOptions {
    pub fn from_config(c: &crate::config::LintConfig) -> Self {
        LintOptions {
            external_sources: c.external_sources.clone(),
            ignore: c.ignore.clone(),
            disable: c.disable.clone(),
        }
    }
}

/// The result of linting a workspace.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LintReport {
    pub findings: Vec<Finding>,
    pub repos: usize,
    pub files: usize,
    pub objects: usize,
}

impl LintReport {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == severity).count()
    }
    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }
}

/// Collects findings during a lint run.
#[derive(Default)]
pub(crate) struct Sink {
    pub(crate) findings: Vec<Finding>,
    /// Rule ids that are turned off.
    disable: Vec<String>,
}

impl Sink {
    pub(crate) fn new(disable: Vec<String>) -> Sink {
        Sink { findings: Vec::new(), disable }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push(
        &mut self,
        severity: Severity,
        rule: &'static str,
        repo: &str,
        file: &str,
        pos: Pos,
        object: Option<String>,
        message: String,
    ) {
        if self.disable.iter().any(|d| d == rule) {
            return;
        }
        self.findings.push(Finding {
            repo: repo.to_string(),
            file: file.to_string(),
            line: pos.line,
            col: pos.col,
            severity,
            rule,
            object,
            message,
        });
    }
}

/// Lint every repository of the workspace. `progress` is called with (repo name, files so far).
pub fn lint(ws: &Workspace, opts: &LintOptions) -> LintReport {
    let mut sink = Sink::new(opts.disable.clone());
    let idx = index::Index::build(ws, opts, &mut sink);
    kustomization::check(ws, &idx, &mut sink);
    flux::check(ws, &idx, opts, &mut sink);
    argocd::check(ws, &idx, &mut sink);
    crossplane::check(ws, &idx, &mut sink);
    substitution::check(ws, &idx, &mut sink);
    let mut findings = sink.findings;
    findings.sort();
    findings.dedup();
    LintReport { findings, repos: ws.repos.len(), files: idx.files.len(), objects: idx.objects.len() }
}

#[cfg(test)]
mod tests;
