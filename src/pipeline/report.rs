//! The Report of one run: per step its status, duration, findings and log lines; the affected clusters; the
//! Markdown parts of the diff. Serialised as JSON into the run store and `GET /runs/{id}`.

use crate::steps::lint::Finding;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Passed,
    /// Failed, but the step has `onFailure: warn`.
    Warned,
    Failed,
    /// Not run: `when` did not match, the mode leaves it out, or an earlier step failed.
    Skipped,
    TimedOut,
}

/// One finding, as reports carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportFinding {
    pub severity: String,
    pub rule: String,
    pub repo: String,
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl From<&Finding> for ReportFinding {
    fn from(f: &Finding) -> Self {
        ReportFinding {
            severity: f.severity.as_str().to_string(),
            rule: f.rule.to_string(),
            repo: f.repo.clone(),
            file: f.file.clone(),
            line: f.line,
            col: f.col,
            message: f.message.clone(),
        }
    }
}

/// One step of a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepReport {
    pub name: String,
    pub uses: String,
    pub status: StepStatus,
    pub duration_ms: u64,
    /// One line saying what happened.
    pub summary: String,
    #[serde(default)]
    pub findings: Vec<ReportFinding>,
    #[serde(default)]
    pub log: Vec<String>,
}

/// What changed on one affected cluster.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AffectedCluster {
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
    pub sync_roots: Vec<String>,
    pub errors: Vec<String>,
}

/// The whole run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub pipeline: String,
    pub repo: String,
    pub event: String,
    #[serde(rename = "ref")]
    pub git_ref: String,
    pub base: String,
    pub head: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<u64>,
    /// `succeeded` or `failed`.
    pub status: String,
    pub started_at: String,
    pub duration_ms: u64,
    pub steps: Vec<StepReport>,
    /// Affected clusters (when the render step ran).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affected: Option<BTreeMap<String, AffectedCluster>>,
    /// Clusters rendered at head (when the render step ran).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clusters: Option<usize>,
    /// The diff as Markdown parts of at most 65,000 characters (when the diff step ran).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub markdown: Vec<String>,
}

impl Report {
    pub fn succeeded(&self) -> bool {
        self.status == "succeeded"
    }

    /// A one-line summary for commit statuses and logs.
    pub fn one_line(&self) -> String {
        let failed: Vec<&str> = self
            .steps
            .iter()
            .filter(|s| matches!(s.status, StepStatus::Failed | StepStatus::TimedOut))
            .map(|s| s.name.as_str())
            .collect();
        let affected = match &self.affected {
            Some(a) if a.is_empty() => "no cluster changes".to_string(),
            Some(a) => format!("{} cluster{} affected", a.len(), if a.len() == 1 { "" } else { "s" }),
            None => "clusters not rendered".to_string(),
        };
        if failed.is_empty() {
            format!("fleetgate {}: passed, {affected}", self.pipeline)
        } else {
            format!("fleetgate {}: {} failed, {affected}", self.pipeline, failed.join(", "))
        }
    }
}
