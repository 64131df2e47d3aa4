//! `fleetgate serve`: the webhook service.
//!
//! Startup is synchronous up to the runtime (secret lookups may block on AWS): load the config, resolve the
//! webhook secrets, the forge token and the repository tokens, then build a multi-thread Tokio runtime, open
//! the store, requeue runs a killed process left running, start the workers and the HTTP server. The first
//! line on stdout is `listening on http://<address>`. SIGTERM or SIGINT stops accepting connections, lets running
//! runs finish (at most 30 s) and exits 0; a run cut off stays `running` and is requeued on the next start.
//!
//! Test-only: `FLEETGATE_TEST_STEP_DELAY_MS` makes every worker pause that long after claiming a run, so the
//! integration tests can kill the service in the middle of a run. Never set it in production.

use crate::config::{CONFIG_FILE, Config};
use crate::pipeline::spec;
use crate::server::effects::ServiceEffects;
use crate::server::mirror::Mirrors;
use crate::server::service::{Service, ServiceOptions, WebhookKeys};
use crate::server::store::{Store, StoreOptions};
use crate::server::{http, metrics};
use anyhow::{Context, anyhow};
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The config file.
    #[arg(long, default_value = CONFIG_FILE)]
    pub config: PathBuf,
    /// Address to listen on (overrides `server.listen`); port 0 picks a free port.
    #[arg(long)]
    pub listen: Option<String>,
    /// Workers executing runs (overrides `server.workers`); 0 only accepts and queues.
    #[arg(long)]
    pub workers: Option<usize>,
}

/// How long running runs may take to finish after a shutdown signal.
const DRAIN: Duration = Duration::from_secs(30);

pub fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let config = Config::load(&args.config)?;
    let secret = |what: &str, name: &str| config.secret(name).map_err(|e| anyhow!("{what} (secret {name:?}): {e}"));
    let hooks = &config.server.webhooks;
    let keys = WebhookKeys {
        github: hooks.github.as_deref().map(|n| secret("server.webhooks.github", n)).transpose()?,
        gitlab: hooks.gitlab.as_deref().map(|n| secret("server.webhooks.gitlab", n)).transpose()?,
        gitea: hooks.gitea.as_deref().map(|n| secret("server.webhooks.gitea", n)).transpose()?,
    };
    let forge_token = match &config.forge {
        Some(f) => Some(secret("forge.token", &f.token)?),
        None => None,
    };
    let mut repo_tokens = HashMap::new();
    for r in &config.repos {
        if let Some(name) = &r.token {
            repo_tokens.insert(r.name.clone(), secret(&format!("repos[{}].token", r.name), name)?);
        }
    }
    let data_dir = match &config.store.data_dir {
        Some(d) => config.base_dir.join(d),
        None => config.base_dir.join(".fleetgate"),
    };
    let pipelines = spec::for_config(&config)?;
    let listen = args.listen.clone().unwrap_or_else(|| config.server.listen.clone());
    let addr: std::net::SocketAddr =
        listen.parse().with_context(|| format!("listen address {listen:?} is not host:port (e.g. 127.0.0.1:8080)"))?;
    let test_delay = std::env::var("FLEETGATE_TEST_STEP_DELAY_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis)
        .unwrap_or(Duration::ZERO);
    let options = ServiceOptions {
        workers: args.workers.unwrap_or(config.server.workers),
        test_delay,
        ..ServiceOptions::default()
    };
    let config = Arc::new(config);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    let result = runtime.block_on(serve(config, keys, forge_token, repo_tokens, data_dir, pipelines, addr, options));
    // Blocking runs still going after the drain window are abandoned (they stay `running` and are requeued).
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

#[allow(clippy::too_many_arguments)]
async fn serve(
    config: Arc<Config>,
    keys: WebhookKeys,
    forge_token: Option<zeroize::Zeroizing<String>>,
    repo_tokens: HashMap<String, zeroize::Zeroizing<String>>,
    data_dir: PathBuf,
    pipelines: Vec<crate::pipeline::Pipeline>,
    addr: std::net::SocketAddr,
    options: ServiceOptions,
) -> anyhow::Result<ExitCode> {
    let store_options = StoreOptions { max_queued: config.server.queue_limit, ..StoreOptions::default() };
    let store = Store::open_with(&data_dir.join("fleetgate.sqlite"), store_options).await?;
    let recovered = store.requeue_interrupted().await?;
    if !recovered.requeued.is_empty() || !recovered.failed.is_empty() || !recovered.superseded.is_empty() {
        tracing::info!(requeued = ?recovered.requeued, failed = ?recovered.failed, superseded = ?recovered.superseded, "runs of a previous process recovered");
    }
    let mut effects = ServiceEffects::new(config.clone(), forge_token, tokio::runtime::Handle::current())
        .map_err(|e| anyhow!("setting up the forge and cluster clients: {e}"))?;
    effects.run_url = config.server.public_url.as_ref().map(|u| format!("{}/runs", u.trim_end_matches('/')));
    let mirrors = Arc::new(Mirrors::new(data_dir.join("mirrors"), options.fetch_timeout, repo_tokens));
    let handle = metrics::install();
    let workers = options.workers;
    let svc =
        Arc::new(Service::new(config, store.clone(), keys, Arc::new(effects), mirrors, pipelines, handle, options));
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    let bound = listener.local_addr().context("reading the bound address")?;
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on http://{bound}");
        let _ = out.flush();
    }
    tracing::info!(address = %bound, workers, keys = ?svc.keys, "fleetgate serve started");
    let mut tasks = Vec::new();
    for n in 0..workers {
        tasks.push(tokio::spawn(svc.clone().worker(format!("worker-{n}"))));
    }
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        warp::serve(http::routes(svc.clone()))
            .incoming(listener)
            .graceful(async move {
                let _ = stop_rx.await;
            })
            .run(),
    );
    shutdown_signal().await;
    tracing::info!("shutdown requested: no new connections; waiting for running runs");
    let _ = stop_tx.send(());
    svc.stop();
    let drain = async {
        for t in tasks {
            let _ = t.await;
        }
    };
    if tokio::time::timeout(DRAIN, drain).await.is_err() {
        tracing::warn!("runs still running after 30 s are abandoned; they are requeued on the next start");
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
    store.close().await;
    tracing::info!("fleetgate serve stopped");
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
