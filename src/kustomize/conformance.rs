//! Runs a kustomize conformance corpus (the layout of `../shared/conformance/kustomize/`): each case is a
//! directory with `case.json`, `input/` and `expected.yaml` (or an expected error).

use super::build::{LoadRestrictor, Options, Reorder, build};
use crate::manifest::{self, Limits};
use crate::source::Snapshot;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
struct CaseMeta {
    run_dir: String,
    expect_error: bool,
    #[serde(default)]
    options: CaseOptions,
    #[serde(default)]
    areas: Vec<String>,
    #[serde(default)]
    empty_dirs: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
struct CaseOptions {
    #[serde(default)]
    reorder: Option<String>,
    #[serde(default)]
    load_restrictor: Option<String>,
}

/// How one case went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Output identical to `expected.yaml`, byte for byte (or an expected error raised).
    Identical,
    /// The same documents in the same order, printed differently.
    Semantic,
    /// Wrong output, or an error where none was expected (or none where one was).
    Failed(String),
}

/// One case's result.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub name: String,
    pub areas: Vec<String>,
    pub expect_error: bool,
    pub outcome: Outcome,
}

/// Run every case under `dir` (sorted by name). `progress` is called after each case.
pub fn run_corpus(dir: &Path, mut progress: impl FnMut(usize, usize, &CaseResult)) -> std::io::Result<Vec<CaseResult>> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("case.json").is_file())
        .collect();
    cases.sort();
    let total = cases.len();
    let mut out = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let r = run_case(c);
        progress(i + 1, total, &r);
        out.push(r);
    }
    Ok(out)
}

/// Run one case directory.
pub fn run_case(case: &Path) -> CaseResult {
    let name = case.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let meta: CaseMeta = match std::fs::read_to_string(case.join("case.json"))
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(m) => m,
        Err(e) => {
            return CaseResult {
                name,
                areas: Vec::new(),
                expect_error: false,
                outcome: Outcome::Failed(format!("case.json: {e}")),
            };
        }
    };
    let outcome = outcome(case, &meta);
    CaseResult { name, areas: meta.areas.clone(), expect_error: meta.expect_error, outcome }
}

fn outcome(case: &Path, meta: &CaseMeta) -> Outcome {
    // Empty directories do not survive git: recreate them in a copy when the case needs them.
    let _tmp;
    let input = if meta.empty_dirs.is_empty() {
        case.join("input")
    } else {
        let Ok(t) = tempfile_dir() else { return Outcome::Failed("cannot create a temporary directory".into()) };
        if let Err(e) = copy_tree(&case.join("input"), &t.0) {
            return Outcome::Failed(format!("copying input: {e}"));
        }
        for d in &meta.empty_dirs {
            let _ = std::fs::create_dir_all(t.0.join(d.trim_start_matches('/')));
        }
        let p = t.0.clone();
        _tmp = t;
        p
    };
    let snap = match Snapshot::dir(&input) {
        Ok(s) => s,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let options = Options {
        reorder: match meta.options.reorder.as_deref() {
            Some("none") => Reorder::None,
            _ => Reorder::Legacy,
        },
        load_restrictor: match meta.options.load_restrictor.as_deref() {
            Some("LoadRestrictionsNone") => LoadRestrictor::None,
            _ => LoadRestrictor::RootOnly,
        },
        flux: false,
    };
    let run_dir = if meta.run_dir == "." { "" } else { meta.run_dir.as_str() };
    let result = build(&snap, run_dir, &options);
    match (meta.expect_error, result) {
        (true, Err(_)) => Outcome::Identical,
        (true, Ok(_)) => Outcome::Failed("expected an error, the build succeeded".into()),
        (false, Err(e)) => Outcome::Failed(format!("build failed: {}", e.message)),
        (false, Ok(rendered)) => {
            let Ok(expected) = std::fs::read_to_string(case.join("expected.yaml")) else {
                return Outcome::Failed("expected.yaml missing".into());
            };
            let got = super::emit::to_yaml_stream(&rendered.values());
            if got == expected {
                return Outcome::Identical;
            }
            let want = docs(&expected);
            let have = docs(&got);
            if want == have { Outcome::Semantic } else { Outcome::Failed(first_difference(&expected, &got)) }
        }
    }
}

fn docs(text: &str) -> Vec<serde_json::Value> {
    manifest::parse("expected.yaml", text, &Limits::default())
        .map(|d| d.iter().map(|d| super::value_of(&d.root)).filter(|v| !v.is_null()).collect())
        .unwrap_or_default()
}

fn first_difference(want: &str, got: &str) -> String {
    for (i, (a, b)) in want.lines().zip(got.lines()).enumerate() {
        if a != b {
            return format!("line {}: expected {a:?}, got {b:?}", i + 1);
        }
    }
    format!("expected {} lines, got {}", want.lines().count(), got.lines().count())
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempfile_dir() -> std::io::Result<TempDir> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let p = std::env::temp_dir().join(format!(
        "fleetgate-conformance-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&p)?;
    Ok(TempDir(p))
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let t = to.join(e.file_name());
        if e.file_type()?.is_dir() { copy_tree(&e.path(), &t)? } else { std::fs::copy(e.path(), t).map(|_| ())? }
    }
    Ok(())
}

/// Totals overall and per area.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub total: usize,
    pub identical: usize,
    pub semantic: usize,
    pub failed: usize,
    pub success_cases: usize,
    pub success_identical: usize,
    pub error_cases: usize,
    pub error_rejected: usize,
    pub areas: BTreeMap<String, (usize, usize, usize, usize)>,
}

pub fn summarize(results: &[CaseResult]) -> Summary {
    let mut s = Summary::default();
    for r in results {
        s.total += 1;
        let (i, se, f) = match r.outcome {
            Outcome::Identical => (1, 0, 0),
            Outcome::Semantic => (0, 1, 0),
            Outcome::Failed(_) => (0, 0, 1),
        };
        s.identical += i;
        s.semantic += se;
        s.failed += f;
        if r.expect_error {
            s.error_cases += 1;
            s.error_rejected += i;
        } else {
            s.success_cases += 1;
            s.success_identical += i;
        }
        for a in &r.areas {
            let e = s.areas.entry(a.clone()).or_default();
            e.0 += 1;
            e.1 += i;
            e.2 += se;
            e.3 += f;
        }
    }
    s
}
