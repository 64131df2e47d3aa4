//! Command-line parsing and the commands.
//!
//! Exit codes: 0 clean, 1 error-level findings, 2 usage or internal error.

mod bench;
mod bench_webhooks;
mod fleet;
mod hook;
mod lint;
mod pipeline;
mod reconcile;
mod render;
mod seal_check;
mod serve;

use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// fleetgate guards the GitOps repositories of Kubernetes fleets.
#[derive(Debug, Parser)]
#[command(name = "fleetgate", version, about, propagate_version = true)]
pub struct Cli {
    /// Log level (error, warn, info, debug, trace) or a tracing filter; overrides RUST_LOG.
    #[arg(long, global = true, value_name = "FILTER")]
    pub log: Option<String>,
    /// When to color output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check YAML, kustomizations, Flux, Argo CD and Crossplane references, without rendering.
    Lint(lint::LintArgs),
    /// Lint, render every cluster at two revisions, list the affected clusters and print the diff.
    Check(fleet::ChangeArgs),
    /// The clusters (and sync roots) a change affects, from a full comparison of rendered objects.
    Affected(fleet::ChangeArgs),
    /// Pipelines: validate files, or run one for a change.
    Pipeline {
        #[command(subcommand)]
        command: pipeline::PipelineCommand,
    },
    /// Every cluster of the fleet, its sync roots (Flux Kustomizations, Argo CD Applications and ApplicationSets,
    /// cluster directories) and what each renders.
    Clusters(fleet::ClustersArgs),
    /// Per-cluster, per-object diff of what a change does (secret values masked).
    Diff(fleet::ChangeArgs),
    /// The reconcile plan of a change (`--plan`: print it, touch nothing), or execute it: annotate exactly the
    /// affected sync roots' Flux sources, Kustomizations and Argo CD Applications through `clusters.access`.
    Reconcile(reconcile::ReconcileArgs),
    /// Render a kustomization directory natively, as `kubectl kustomize` prints it.
    Render(render::RenderArgs),
    /// Check that no plaintext Secret is committed and that every SealedSecret unseals where it lands.
    SealCheck(seal_check::SealCheckArgs),
    /// Run a kustomize conformance corpus and report byte-identical / semantic / failed cases.
    Conformance(render::ConformanceArgs),
    /// Benchmarks: `fleetgate bench render` compares the native renderer with kubectl kustomize.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Git hooks: `fleetgate hook pre-receive` checks pushes before git accepts them (see hooks/).
    Hook {
        #[command(subcommand)]
        command: hook::HookCommand,
    },
    /// The webhook service: receive GitHub/GitLab/Gitea deliveries, queue runs and execute pipelines.
    Serve(serve::ServeArgs),
    /// Validate a fleetgate.yaml and print its repositories.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Render every kustomization directory with fleetgate and with one kubectl process per directory;
    /// check the outputs are byte-identical; print wall and CPU times, the ratio and peak memory.
    Render(bench::BenchArgs),
    /// Generate fleets of N clusters and time `check` for a one-cluster change and a base addon change.
    Fleet(bench::FleetBenchArgs),
    /// Push one-file changes into bare repositories (example fleet, generated fleets) through the pre-receive
    /// hook and print its wall time against the goals.
    Hook(hook::HookBenchArgs),
    /// Load a running `fleetgate serve` with signed GitHub deliveries; print requests/s and latency percentiles.
    Webhooks(bench_webhooks::WebhookBenchArgs),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Report every mistake in a config file with its field path and line.
    Validate {
        /// The config file.
        #[arg(default_value = "fleetgate.yaml")]
        file: PathBuf,
    },
}

/// The process entry point.
pub fn main() -> ExitCode {
    // kube, octocrab, reqwest and the AWS SDK all use rustls; several crypto providers are linked, so pick one
    // before any client exists (kube panics otherwise). An error only means one is installed already.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let cli = Cli::parse();
    let serving = matches!(cli.command, Command::Serve(_));
    if !serving {
        // Behave like other command-line tools when output is piped into `head`: end quietly on EPIPE. Not for
        // `serve`: a client closing its connection must not kill the service.
        // SAFETY: setting a signal disposition to its default is async-signal-safe and done before any thread
        // starts.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    init_logging(cli.log.as_deref(), serving);
    let result = match &cli.command {
        Command::Lint(args) => lint::run(args, cli.color),
        Command::Render(args) => render::render(args),
        Command::Reconcile(args) => reconcile::run(args),
        Command::Check(args) => fleet::check(args, cli.color),
        Command::Affected(args) => fleet::affected(args),
        Command::Diff(args) => fleet::diff(args, cli.color),
        Command::Clusters(args) => fleet::clusters(args),
        Command::Pipeline { command } => pipeline::run(command),
        Command::SealCheck(args) => seal_check::run(args, cli.color),
        Command::Conformance(args) => render::conformance(args),
        Command::Bench { command: BenchCommand::Render(args) } => bench::bench(args),
        Command::Bench { command: BenchCommand::Fleet(args) } => bench::bench_fleet(args),
        Command::Bench { command: BenchCommand::Hook(args) } => hook::bench(args),
        Command::Hook { command } => hook::run(command),
        Command::Bench { command: BenchCommand::Webhooks(args) } => bench_webhooks::run(args),
        Command::Config { command: ConfigCommand::Validate { file } } => validate_config(file),
        Command::Serve(args) => serve::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("fleetgate: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Logs go to stderr: human-readable for the CLI (default level `warn`), JSON lines with span fields for `serve`
/// (default level `info`).
fn init_logging(filter: Option<&str>, json: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if json { "info" } else { "warn" };
    let filter = match filter {
        Some(f) => EnvFilter::new(f),
        None => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default)),
    };
    if json {
        let _ = tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_target(false)
            .try_init();
        return;
    }
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}

fn validate_config(file: &std::path::Path) -> anyhow::Result<ExitCode> {
    match crate::config::Config::load(file) {
        Ok(c) => {
            println!(
                "{}: ok, {} repositor{}",
                file.display(),
                c.repos.len(),
                if c.repos.len() == 1 { "y" } else { "ies" }
            );
            for r in &c.repos {
                println!("  {} ({:?}) {}", r.name, r.role, r.path.as_deref().unwrap_or("(no local path)"));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{e}");
            Ok(ExitCode::from(1))
        }
    }
}
