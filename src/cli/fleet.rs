//! `fleetgate affected`, `fleetgate diff` and `fleetgate check`.

use super::ColorChoice;
use crate::config::{CONFIG_FILE, Config};
use crate::fleet::affected::{Comparison, compare};
use crate::fleet::diff::{self, DiffOptions, MARKDOWN_PART_LIMIT};
use crate::source::{ChangeKind, ChangedPath};
use crate::steps::lint::{LintOptions, lint, render_human};
use crate::workspace::{self, Workspace};
use anyhow::{Context, bail};
use clap::ValueEnum;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Terminal,
    Json,
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct ChangeArgs {
    /// A repository, or a directory holding a fleetgate.yaml.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The estate's config; by default PATH/fleetgate.yaml when it exists.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The revision before the change.
    #[arg(long, default_value = "HEAD~1")]
    pub base: String,
    /// The revision after the change.
    #[arg(long, default_value = "HEAD")]
    pub head: String,
    /// Instead of git revisions: the example estate with a scripted sample change applied in memory (a base
    /// addon's chart version bump), so `check` can be tried without preparing a repository.
    #[arg(long)]
    pub demo: bool,
    /// Output of the diff: colored terminal text, JSON, or Markdown parts (as comments would carry them).
    #[arg(long, value_enum, default_value_t = DiffFormat::Terminal)]
    pub output: DiffFormat,
    /// Labels to leave out of diffs.
    #[arg(long = "ignore-label")]
    pub ignore_labels: Vec<String>,
    /// Annotations to leave out of diffs.
    #[arg(long = "ignore-annotation")]
    pub ignore_annotations: Vec<String>,
}

pub(crate) struct Prepared {
    pub(crate) config: Option<Config>,
    pub(crate) base: Workspace,
    pub(crate) head: Workspace,
    pub(crate) changed: BTreeMap<String, Vec<ChangedPath>>,
}

/// The scripted sample change of `--demo`: bump the chart version of the cert-manager base addon of the fleet.
const DEMO_FILE: &str = "infrastructure/base/cert-manager/release.yaml";

pub(crate) fn prepare(args: &ChangeArgs) -> anyhow::Result<Prepared> {
    let config_path = args.config.clone().or_else(|| {
        let p = args.path.join(CONFIG_FILE);
        p.is_file().then_some(p)
    });
    let config = config_path.as_ref().map(|p| Config::load(p)).transpose()?;
    if args.demo {
        let Some(cfg) = &config else {
            bail!("--demo needs the example estate: run it as `fleetgate check examples --demo`")
        };
        let base = Workspace::from_config(cfg, None)?;
        let mut head = base.clone();
        let fleet = head
            .repos
            .iter_mut()
            .find(|r| r.name == "fleet")
            .context("the demo changes the `fleet` repository of the example estate")?;
        let text = fleet.snapshot.read_string(DEMO_FILE).with_context(|| format!("the demo edits {DEMO_FILE}"))?;
        let Some((before, after)) = text.split_once("version: \"") else {
            bail!("{DEMO_FILE}: no chart version to bump")
        };
        let (version, rest) = after.split_once('"').context("unterminated version")?;
        let bumped = bump_patch(version);
        let new_text = format!("{before}version: \"{bumped}\"{rest}");
        fleet.snapshot = fleet.snapshot.with_files(BTreeMap::from([(DEMO_FILE.to_string(), new_text.into_bytes())]));
        eprintln!("demo: {}:{DEMO_FILE}: chart version {version} → {bumped}", fleet.name);
        let changed = BTreeMap::from([(
            "fleet".to_string(),
            vec![ChangedPath { path: DEMO_FILE.into(), kind: ChangeKind::Modified }],
        )]);
        return Ok(Prepared { config, base, head, changed });
    }
    let (base, head) = match &config {
        Some(c) => (Workspace::from_config(c, Some(&args.base))?, Workspace::from_config(c, Some(&args.head))?),
        None => (Workspace::single(&args.path, Some(&args.base))?, Workspace::single(&args.path, Some(&args.head))?),
    };
    let changed = workspace::changed_paths(&head, &args.base, &args.head)?;
    Ok(Prepared { config, base, head, changed })
}

fn bump_patch(v: &str) -> String {
    let mut parts: Vec<String> = v.split('.').map(str::to_string).collect();
    if let Some(last) = parts.last_mut()
        && let Ok(n) = last.parse::<u64>()
    {
        *last = (n + 1).to_string();
        return parts.join(".");
    }
    format!("{v}-next")
}

pub(crate) fn run_compare(p: Prepared, progress: bool) -> (Comparison, Option<Config>) {
    let started = Instant::now();
    if progress {
        let n: usize = p.changed.values().map(Vec::len).sum();
        eprintln!(
            "[1/3] {n} changed path{} in {} repositor{}",
            if n == 1 { "" } else { "s" },
            p.changed.len(),
            if p.changed.len() == 1 { "y" } else { "ies" }
        );
        eprintln!("[2/3] rendering every cluster at base, and at head what the change can touch…");
    }
    let cmp = compare(&p.base, &p.head, p.config.as_ref(), p.changed);
    if progress {
        eprintln!(
            "[3/3] {} sync roots on {} clusters at head: {} rendered again, {} unchanged by construction ({:.2}s)",
            cmp.head.roots.len(),
            cmp.head.clusters().len(),
            cmp.rendered,
            cmp.reused,
            started.elapsed().as_secs_f64()
        );
    }
    (cmp, p.config)
}

fn affected_table(cmp: &Comparison) -> String {
    let mut s = String::new();
    if cmp.clusters.is_empty() {
        s.push_str("no cluster is affected\n");
        return s;
    }
    s.push_str(&format!(
        "{} of {} clusters affected:\n",
        cmp.clusters.len(),
        cmp.head.clusters().len().max(cmp.base.clusters().len())
    ));
    for (c, ch) in &cmp.clusters {
        s.push_str(&format!(
            "  {c}: +{} ~{} -{}{}\n",
            ch.added.len(),
            ch.changed.len(),
            ch.removed.len(),
            if ch.errors.is_empty() { String::new() } else { format!(", {} render error(s)", ch.errors.len()) }
        ));
        for r in &ch.sync_roots {
            s.push_str(&format!("      via {r}\n"));
        }
    }
    for e in &cmp.head.external {
        s.push_str(&format!("  (not rendered: {e})\n"));
    }
    s
}

pub fn affected(args: &ChangeArgs) -> anyhow::Result<ExitCode> {
    let tty = std::io::stderr().is_terminal();
    let (cmp, _) = run_compare(prepare(args)?, tty);
    match args.output {
        DiffFormat::Json => println!("{}", serde_json::to_string_pretty(&cmp.clusters)?),
        _ => print!("{}", affected_table(&cmp)),
    }
    Ok(ExitCode::SUCCESS)
}

fn print_diffs(cmp: &Comparison, args: &ChangeArgs, color: bool) -> anyhow::Result<()> {
    let opts =
        DiffOptions { ignore_labels: args.ignore_labels.clone(), ignore_annotations: args.ignore_annotations.clone() };
    let diffs = diff::build(cmp, &opts);
    match args.output {
        DiffFormat::Terminal => print!("{}", diff::render_terminal(&diffs, color)),
        DiffFormat::Json => println!("{}", serde_json::to_string_pretty(&diffs)?),
        DiffFormat::Markdown => {
            let parts = diff::render_markdown(&diffs, MARKDOWN_PART_LIMIT);
            for (i, p) in parts.iter().enumerate() {
                if parts.len() > 1 {
                    println!("<!-- part {}/{} -->", i + 1, parts.len());
                }
                print!("{p}");
            }
        }
    }
    Ok(())
}

pub fn diff(args: &ChangeArgs, color: ColorChoice) -> anyhow::Result<ExitCode> {
    let tty = std::io::stderr().is_terminal();
    let (cmp, _) = run_compare(prepare(args)?, tty);
    print_diffs(&cmp, args, color.enabled())?;
    Ok(ExitCode::SUCCESS)
}

/// lint + render + affected + diff in one run.
pub fn check(args: &ChangeArgs, color: ColorChoice) -> anyhow::Result<ExitCode> {
    let tty = std::io::stderr().is_terminal() || args.demo;
    let prepared = prepare(args)?;
    let opts = prepared.config.as_ref().map(|c| LintOptions::from_config(&c.lint)).unwrap_or_default();
    let report = lint(&prepared.head, &opts);
    let lint_text = render_human(&report, prepared.head.repos.len() > 1, color.enabled());
    let (cmp, _) = run_compare(prepared, tty);
    println!("== lint (head)");
    print!("{lint_text}");
    println!("\n== affected");
    print!("{}", affected_table(&cmp));
    println!("\n== diff");
    print_diffs(&cmp, args, color.enabled())?;
    let failed = report.has_errors() || cmp.clusters.values().any(|c| !c.errors.is_empty());
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

#[derive(Debug, clap::Args)]
pub struct ClustersArgs {
    /// A repository, or a directory holding a fleetgate.yaml.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The estate's config; by default PATH/fleetgate.yaml when it exists.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// A git revision to render instead of the files on disk.
    #[arg(long)]
    pub rev: Option<String>,
    /// Print every object of every cluster too.
    #[arg(long)]
    pub objects: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = super::Output::Human)]
    pub output: super::Output,
}

/// `fleetgate clusters`: every cluster, its sync roots (what produces them, from where) and what they render.
pub fn clusters(args: &ClustersArgs) -> anyhow::Result<ExitCode> {
    let config_path = args.config.clone().or_else(|| {
        let p = args.path.join(CONFIG_FILE);
        p.is_file().then_some(p)
    });
    let config = config_path.as_ref().map(|p| Config::load(p)).transpose()?;
    let ws = match &config {
        Some(c) => Workspace::from_config(c, args.rev.as_deref())?,
        None => Workspace::single(&args.path, args.rev.as_deref())?,
    };
    let render = crate::fleet::render(&ws, config.as_ref());
    let mut failed = 0;
    let mut by_cluster: BTreeMap<&str, Vec<&crate::fleet::RootRender>> = BTreeMap::new();
    for r in &render.roots {
        by_cluster.entry(&r.root.cluster).or_default().push(r);
        failed += usize::from(r.objects.is_err());
    }
    if args.output == super::Output::Json {
        let clusters: Vec<serde_json::Value> = by_cluster
            .iter()
            .map(|(c, roots)| {
                serde_json::json!({
                    "cluster": c,
                    "syncRoots": roots.iter().map(|r| serde_json::json!({
                        "name": r.root.name,
                        "reconciler": r.root.reconciler,
                        "repo": r.root.repo,
                        "path": r.root.path,
                        "pinned": r.root.pinned,
                        "objects": r.objects.as_ref().ok().map(|o| {
                            o.iter().map(crate::fleet::object_key).collect::<Vec<_>>()
                        }),
                        "error": r.objects.as_ref().err(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        let out = serde_json::json!({ "clusters": clusters, "notRendered": render.external });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for (c, roots) in &by_cluster {
            let n: usize = roots.iter().filter_map(|r| r.objects.as_ref().ok()).map(Vec::len).sum();
            println!("{c}: {n} objects from {} sync root{}", roots.len(), if roots.len() == 1 { "" } else { "s" });
            for r in roots {
                let via = if r.root.reconciler != r.root.cluster {
                    format!(" [reconciled on {}]", r.root.reconciler)
                } else {
                    String::new()
                };
                let pin = r.root.pinned.as_deref().map(|p| format!(" @{p}")).unwrap_or_default();
                match &r.objects {
                    Ok(o) => {
                        println!("  {}{pin}{via}: {} objects", r.root.label(), o.len());
                        if args.objects {
                            for obj in o {
                                println!("    {}", crate::fleet::object_key(obj));
                            }
                        }
                    }
                    Err(e) => println!("  {}{pin}{via}: error: {e}", r.root.label()),
                }
            }
        }
        for e in &render.external {
            println!("not rendered: {e}");
        }
        println!(
            "{} clusters, {} sync roots, {failed} failing, {} not rendered",
            by_cluster.len(),
            render.roots.len(),
            render.external.len()
        );
    }
    Ok(if failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
