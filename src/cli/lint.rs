//! `fleetgate lint`.

use super::{ColorChoice, Output};
use crate::config::{CONFIG_FILE, Config};
use crate::steps::lint::{LintOptions, lint, render_human, render_json};
use crate::workspace::Workspace;
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// A repository (directory or git work tree), or a directory holding a fleetgate.yaml.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Lint this git revision (branch, tag, SHA, HEAD~1, …) instead of the files on disk.
    #[arg(long)]
    pub rev: Option<String>,
    /// The estate's config; by default PATH/fleetgate.yaml when it exists.
    #[arg(long)]
    pub config: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Output::Human)]
    pub output: Output,
}

pub fn run(args: &LintArgs, color: ColorChoice) -> anyhow::Result<ExitCode> {
    let config_path = args.config.clone().or_else(|| {
        let p = args.path.join(CONFIG_FILE);
        p.is_file().then_some(p)
    });
    let (ws, opts) = match &config_path {
        Some(p) => {
            let config = Config::load(p)?;
            let ws = Workspace::from_config(&config, args.rev.as_deref())
                .with_context(|| format!("opening the repositories of {}", p.display()))?;
            (ws, LintOptions::from_config(&config.lint))
        }
        None => {
            let ws = Workspace::single(&args.path, args.rev.as_deref())
                .with_context(|| format!("opening {}", args.path.display()))?;
            (ws, LintOptions::default())
        }
    };
    tracing::info!(repos = ws.repos.len(), "linting");
    let report = lint(&ws, &opts);
    match args.output {
        Output::Human => print!("{}", render_human(&report, ws.repos.len() > 1, color.enabled())),
        Output::Json => print!("{}", render_json(&report)),
    }
    Ok(if report.has_errors() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
