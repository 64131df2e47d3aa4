//! `fleetgate seal-check`.

use super::ColorChoice;
use crate::config::{CONFIG_FILE, Config};
use crate::steps::seal_check::{
    Level, SealCheckConfig, SealOptions, check, cli_group, load_groups, render_human, render_json, render_markdown,
};
use crate::workspace::Workspace;
use anyhow::Context;
use clap::ValueEnum;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SealOutput {
    Human,
    Json,
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct SealCheckArgs {
    /// A repository (directory or git work tree), or a directory holding a fleetgate.yaml.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Check this git revision (branch, tag, SHA, HEAD~1, …) instead of the files on disk.
    #[arg(long)]
    pub rev: Option<String>,
    /// A private sealing key: PEM (PKCS#1 or PKCS#8) or `{"tls.crt": PEM, "tls.key": PEM}` JSON. Repeat for
    /// rotated keys. With --key or --cert, these keys apply to every file instead of sealCheck.groups.
    #[arg(long = "key", value_name = "FILE")]
    pub keys: Vec<PathBuf>,
    /// A sealing certificate (PEM), as `kubeseal --fetch-cert` prints it: checks key sizes without decrypting.
    #[arg(long = "cert", value_name = "FILE")]
    pub certs: Vec<PathBuf>,
    /// The estate's config; by default PATH/fleetgate.yaml when it exists.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Check at most at this level: `structure` (no key material), `cert` (key sizes), `decrypt` (the default:
    /// as far as the key material allows).
    #[arg(long, value_enum, default_value_t = LevelArg::Decrypt)]
    pub level: LevelArg,
    #[arg(long, value_enum, default_value_t = SealOutput::Human)]
    pub output: SealOutput,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LevelArg {
    Structure,
    Cert,
    Decrypt,
}

pub fn run(args: &SealCheckArgs, color: ColorChoice) -> anyhow::Result<ExitCode> {
    let config_path = args.config.clone().or_else(|| {
        let p = args.path.join(CONFIG_FILE);
        p.is_file().then_some(p)
    });
    let cli_keys = !args.keys.is_empty() || !args.certs.is_empty();
    let cli_groups = if cli_keys { vec![cli_group(&args.keys, &args.certs)?] } else { Vec::new() };
    let (ws, opts) = match &config_path {
        Some(p) => {
            let config = Config::load(p)?;
            let ws = Workspace::from_config(&config, args.rev.as_deref())
                .with_context(|| format!("opening the repositories of {}", p.display()))?;
            let groups = if cli_keys {
                cli_groups
            } else {
                let aws = crate::steps::seal_check::aws_fetcher(&config);
                load_groups(&config, aws.as_deref())?
            };
            (ws, SealOptions::from_config(&config.seal_check, groups))
        }
        None => {
            let ws = Workspace::single(&args.path, args.rev.as_deref())
                .with_context(|| format!("opening {}", args.path.display()))?;
            (ws, SealOptions::from_config(&SealCheckConfig::default(), cli_groups))
        }
    };
    let mut opts = opts;
    opts.max_level = match args.level {
        LevelArg::Structure => Level::Structure,
        LevelArg::Cert => Level::Cert,
        LevelArg::Decrypt => Level::Decrypt,
    };
    tracing::info!(repos = ws.repos.len(), groups = opts.groups.len(), "seal-check");
    let report = check(&ws, &opts);
    match args.output {
        SealOutput::Human => print!("{}", render_human(&report, ws.repos.len() > 1, color.enabled())),
        SealOutput::Json => print!("{}", render_json(&report)),
        SealOutput::Markdown => print!("{}", render_markdown(&report)),
    }
    Ok(if report.has_errors() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
