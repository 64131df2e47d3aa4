//! `fleetgate reconcile`: the reconcile plan of a change, printed (`--plan`) or executed against the clusters
//! of `clusters.access`.

use super::Output;
use super::fleet::{ChangeArgs, DiffFormat, prepare, run_compare};
use crate::cluster::{self, KubeClients, Outcome, ReconcileOptions, ReportRow};
use crate::fleet::affected::Comparison;
use crate::pipeline::plan::{PlanTarget, ReconcilePlan};
use crate::server::effects::to_cluster_plan;
use anyhow::{Context, bail};
use serde::Serialize;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct ReconcileArgs {
    /// A repository, or a directory holding a fleetgate.yaml.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The estate's config; by default PATH/fleetgate.yaml when it exists. Execution needs its `clusters.access`.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The revision before the change.
    #[arg(long, default_value = "HEAD~1")]
    pub base: String,
    /// The revision after the change.
    #[arg(long, default_value = "HEAD")]
    pub head: String,
    /// Print the plan and touch nothing.
    #[arg(long)]
    pub plan: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Human)]
    pub output: Output,
}

/// One object of the printed plan, in execution order.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PlanRow {
    /// The cluster the object lives on (whose controllers reconcile).
    cluster: String,
    api_version: String,
    kind: String,
    namespace: String,
    name: String,
    annotation: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    depends_on: Vec<String>,
    /// The cluster whose objects changed because of it.
    for_cluster: String,
}

#[derive(Debug, Serialize)]
struct PlanOutput<'a> {
    objects: Vec<PlanRow>,
    notes: &'a [String],
}

#[derive(Debug, Serialize)]
struct ExecOutput<'a> {
    #[serde(rename = "dryRun")]
    dry_run: bool,
    rows: &'a [ReportRow],
    notes: &'a [String],
}

fn for_cluster<'a>(plan: &'a ReconcilePlan, cluster: &str, kind: &str, namespace: &str, name: &str) -> &'a str {
    plan.clusters
        .get(cluster)
        .into_iter()
        .flatten()
        .find(|t: &&PlanTarget| t.kind == kind && t.namespace == namespace && t.name == name)
        .map_or("", |t| t.for_cluster.as_str())
}

fn rows(plan: &ReconcilePlan, ordered: &cluster::Plan) -> Vec<PlanRow> {
    let mut out = Vec::new();
    for c in &ordered.clusters {
        for t in &c.steps {
            out.push(PlanRow {
                cluster: c.cluster.clone(),
                api_version: t.api_version.clone(),
                kind: t.kind.clone(),
                namespace: t.namespace.clone(),
                name: t.name.clone(),
                annotation: t.annotation.key.clone(),
                depends_on: t.depends_on.iter().map(ToString::to_string).collect(),
                for_cluster: for_cluster(plan, &c.cluster, &t.kind, &t.namespace, &t.name).to_string(),
            });
        }
    }
    out
}

fn table(header: &[&str], lines: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for l in lines {
        for (w, cell) in widths.iter_mut().zip(l) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut s = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<w$}  "));
            }
        }
        s.push_str(text.trim_end());
        s.push('\n');
    };
    line(header.to_vec());
    for l in lines {
        line(l.iter().map(String::as_str).collect());
    }
    s
}

/// Render errors at head: the plan may miss what a broken render would have produced.
fn render_errors(cmp: &Comparison) -> Vec<String> {
    cmp.clusters.iter().flat_map(|(c, ch)| ch.errors.iter().map(move |e| format!("{c}: {e}"))).collect()
}

pub fn run(args: &ReconcileArgs) -> anyhow::Result<ExitCode> {
    let change = ChangeArgs {
        path: args.path.clone(),
        config: args.config.clone(),
        base: args.base.clone(),
        head: args.head.clone(),
        demo: false,
        output: DiffFormat::Terminal,
        ignore_labels: Vec::new(),
        ignore_annotations: Vec::new(),
    };
    let (cmp, config) = run_compare(prepare(&change)?, std::io::stderr().is_terminal());
    let plan = crate::pipeline::plan(&cmp);
    let ordered = to_cluster_plan(&plan).map_err(anyhow::Error::msg).context("cannot order the reconcile plan")?;
    let errors = render_errors(&cmp);
    for e in &errors {
        eprintln!("fleetgate: render error at head: {e}");
    }
    if args.plan {
        let objects = rows(&plan, &ordered);
        match args.output {
            Output::Json => {
                println!("{}", serde_json::to_string_pretty(&PlanOutput { objects, notes: &plan.notes })?);
            }
            Output::Human => {
                if objects.is_empty() {
                    println!("nothing to reconcile");
                } else {
                    let lines: Vec<Vec<String>> = objects
                        .iter()
                        .map(|r| {
                            vec![
                                r.cluster.clone(),
                                r.kind.clone(),
                                format!("{}/{}", r.namespace, r.name),
                                r.for_cluster.clone(),
                                r.annotation.clone(),
                            ]
                        })
                        .collect();
                    print!("{}", table(&["CLUSTER", "KIND", "OBJECT", "FOR", "ANNOTATION"], &lines));
                }
                for n in &plan.notes {
                    println!("note: {n}");
                }
            }
        }
        return Ok(if errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) });
    }
    if !errors.is_empty() {
        bail!(
            "{} sync root(s) fail to render at head; nothing was reconciled (fix the render, or see the plan with --plan)",
            errors.len()
        );
    }
    let Some(config) = config else {
        bail!("executing a plan needs a fleetgate.yaml with `clusters.access` (pass --config, or use --plan)")
    };
    let dry_run = config.reconcile.dry_run;
    if config.clusters.access.is_empty() && !dry_run && !ordered.clusters.is_empty() {
        bail!(
            "{}: no `clusters.access` is configured, so no cluster can be reached; add it, or use --plan",
            config.file
        );
    }
    let opts = ReconcileOptions {
        dry_run,
        concurrency: config.reconcile.concurrency.max(1),
        timeout: Duration::from_secs(config.reconcile.timeout_seconds.max(1)),
        ..ReconcileOptions::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let report = runtime.block_on(async {
        let clients = KubeClients::new(config.clusters.access.clone())?;
        Ok::<_, cluster::ClusterError>(cluster::execute(&ordered, &clients, &opts).await)
    })?;
    match args.output {
        Output::Json => {
            println!("{}", serde_json::to_string_pretty(&ExecOutput { dry_run, rows: &report, notes: &plan.notes })?)
        }
        Output::Human => {
            if report.is_empty() {
                println!("nothing to reconcile");
            }
            for r in &report {
                println!("{r}");
            }
            for n in &plan.notes {
                println!("note: {n}");
            }
        }
    }
    let ok = report.iter().all(|r| matches!(r.outcome, Outcome::Patched | Outcome::DryRun));
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
