//! `fleetgate pipeline validate` and `fleetgate pipeline run`.

use crate::config::{CONFIG_FILE, Config};
use crate::pipeline::{self, Change, EventKind, Mode, NoEffects, RunInput, spec};
use crate::workspace;
use anyhow::{Context, bail};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, clap::Subcommand)]
pub enum PipelineCommand {
    /// Check pipeline files (or, without FILE, the pipelines an estate uses) and print their steps.
    Validate {
        /// Pipeline files or folders; default: the pipelines of ./fleetgate.yaml, else the built-in ones.
        files: Vec<PathBuf>,
    },
    /// Run the pipeline of a repository for a change between two revisions, as the service would (without
    /// comments; reconcile only as a plan), and print the Report.
    Run(RunArgs),
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// A directory holding fleetgate.yaml.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The configured repository that changed.
    #[arg(long)]
    pub repo: String,
    #[arg(long, default_value = "HEAD~1")]
    pub base: String,
    #[arg(long, default_value = "HEAD")]
    pub head: String,
    /// The event to run for.
    #[arg(long, value_enum, default_value_t = CliEvent::PullRequest)]
    pub event: CliEvent,
    /// The branch pushed (push) or merged into (pull request); default: the repository's default branch.
    #[arg(long)]
    pub branch: Option<String>,
    /// Print the Report as JSON instead of a summary.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CliEvent {
    Push,
    PullRequest,
}

pub fn run(cmd: &PipelineCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PipelineCommand::Validate { files } => validate(files),
        PipelineCommand::Run(args) => run_change(args),
    }
}

fn validate(files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let mut pipelines = Vec::new();
    if files.is_empty() {
        let p = PathBuf::from(CONFIG_FILE);
        match p.is_file() {
            true => pipelines.extend(spec::for_config(&Config::load(&p)?)?),
            false => pipelines.extend(spec::defaults()?),
        }
    }
    let mut bad = 0;
    for f in files {
        let loaded = if f.is_dir() { spec::load_dir(f) } else { spec::load_file(f).map(|p| vec![p]) };
        match loaded {
            Ok(p) => pipelines.extend(p),
            Err(e) => {
                bad += 1;
                eprintln!("error: {e}");
            }
        }
    }
    for p in &pipelines {
        let applies = [
            (!p.repos.is_empty()).then(|| format!("repos {}", p.repos.join(", "))),
            (!p.roles.is_empty()).then(|| {
                format!(
                    "roles {}",
                    p.roles.iter().map(|r| format!("{r:?}").to_lowercase()).collect::<Vec<_>>().join(", ")
                )
            }),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("; ");
        println!(
            "{} ({}): {}",
            p.name,
            p.file,
            if applies.is_empty() { "every repository".to_string() } else { applies }
        );
        for s in &p.steps {
            let mut when = Vec::new();
            if !s.when.events.is_empty() {
                when.push(s.when.events.iter().map(|e| e.as_str()).collect::<Vec<_>>().join("/"));
            }
            if !s.when.branches.is_empty() {
                when.push(format!("on {}", s.when.branches.join(", ")));
            }
            println!(
                "  {} ({}) timeout {}s, onFailure {:?}{}",
                s.name,
                s.uses.as_str(),
                s.timeout.as_secs(),
                s.on_failure,
                if when.is_empty() { String::new() } else { format!(", when {}", when.join(" ")) }
            );
        }
    }
    if bad > 0 {
        return Ok(ExitCode::from(1));
    }
    println!("ok: {} pipeline{}", pipelines.len(), if pipelines.len() == 1 { "" } else { "s" });
    Ok(ExitCode::SUCCESS)
}

fn run_change(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let config_path = args.config.clone().unwrap_or_else(|| args.path.join(CONFIG_FILE));
    let config = Config::load(&config_path)?;
    let repo =
        config.repo(&args.repo).with_context(|| format!("no repository named {:?} in {}", args.repo, config.file))?;
    let role = repo.role;
    let default_branch = repo.default_branch.clone();
    let pipelines = spec::for_config(&config)?;
    let event = match args.event {
        CliEvent::Push => EventKind::Push,
        CliEvent::PullRequest => EventKind::PullRequest,
    };
    let Some(pipeline) = spec::select(&pipelines, &args.repo, Some(role), event).cloned() else {
        bail!("no pipeline applies to repository {} for {}", args.repo, event.as_str());
    };
    let path_of = |r: &crate::config::RepoConfig| config.repo_path(r);
    let base = workspace::for_change(&config, &args.repo, &args.base, &path_of)?;
    let head = workspace::for_change(&config, &args.repo, &args.head, &path_of)?;
    let changed = workspace::changed_paths_for(&head, &args.repo, &args.base, &args.head)?;
    let branch = args.branch.clone().unwrap_or_else(|| default_branch.clone());
    let change = Change {
        repo: args.repo.clone(),
        event,
        git_ref: format!("refs/heads/{branch}"),
        base: args.base.clone(),
        head: args.head.clone(),
        pull_request: None,
        target_branch: (event == EventKind::PullRequest).then(|| branch.clone()),
    };
    let input = RunInput { config: Arc::new(config), change, base, head, changed, default_branch, run_url: None };
    let progress = |step: &str| eprintln!("[{}] {step}…", pipeline.name);
    let report = pipeline::run(&pipeline, input, Mode::Cli, Arc::new(NoEffects), None, &progress);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for s in &report.steps {
            println!(
                "{:<12} {:<9} {:>6} ms  {}",
                s.name,
                format!("{:?}", s.status).to_lowercase(),
                s.duration_ms,
                s.summary
            );
            for f in &s.findings {
                println!("    {}:{}:{}: {}[{}]: {}", f.file, f.line, f.col, f.severity, f.rule, f.message);
            }
            for l in &s.log {
                println!("    {l}");
            }
        }
        println!("{}", report.one_line());
    }
    Ok(if report.succeeded() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
