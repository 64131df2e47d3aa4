//! `fleetgate bench webhooks`: a load client for a running `fleetgate serve` — signed GitHub deliveries over
//! keep-alive HTTP/1.1 connections from a Tokio runtime; prints requests per second and latency percentiles.
//!
//! `--event ping` measures verification and routing only; `--event push` sends one signed push body with a
//! distinct delivery id per request, so every request is a new enqueue (runs coalesce on one key; start the
//! server with `--workers 0` to measure ingest alone).

use anyhow::{Context, bail};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug, clap::Args)]
pub struct WebhookBenchArgs {
    /// The server's address (host:port).
    #[arg(long)]
    pub addr: String,
    /// The environment variable holding the GitHub webhook secret.
    #[arg(long, default_value = "FLEETGATE_BENCH_SECRET")]
    pub secret_env: String,
    /// `ping` or `push`.
    #[arg(long, default_value = "ping")]
    pub event: String,
    /// The repository URL put into push payloads (must be a configured repository's URL).
    #[arg(long, default_value = "https://git.example.com/org/estate.git")]
    pub repo_url: String,
    #[arg(long, default_value_t = 20_000)]
    pub requests: u64,
    /// Connections, each sending its requests one after another.
    #[arg(long, default_value_t = 32)]
    pub concurrency: u64,
}

pub fn run(args: &WebhookBenchArgs) -> anyhow::Result<ExitCode> {
    let secret =
        std::env::var(&args.secret_env).with_context(|| format!("set {} to the webhook secret", args.secret_env))?;
    let body = match args.event.as_str() {
        "ping" => serde_json::json!({"zen": "Design for failure.", "hook_id": 1}).to_string(),
        "push" => {
            let a = "1111111111111111111111111111111111111111";
            let b = "2222222222222222222222222222222222222222";
            serde_json::json!({
                "ref": "refs/heads/main", "before": a, "after": b, "created": false, "deleted": false,
                "forced": false, "head_commit": {"id": b}, "commits": [{"id": b}],
                "repository": {"full_name": "org/estate", "clone_url": args.repo_url}
            })
            .to_string()
        }
        other => bail!("--event {other}: use ping or push"),
    };
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).context("HMAC key")?;
    mac.update(body.as_bytes());
    let sig: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let next = Arc::new(AtomicU64::new(0));
    let run_id = std::process::id();
    let t0 = Instant::now();
    let results = runtime.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..args.concurrency.max(1) {
            let (addr, event, body, sig, next, total) =
                (args.addr.clone(), args.event.clone(), body.clone(), sig.clone(), next.clone(), args.requests);
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut statuses = std::collections::BTreeMap::<u16, u64>::new();
                let mut conn = tokio::net::TcpStream::connect(&addr).await?;
                conn.set_nodelay(true)?;
                let mut buf = Vec::with_capacity(4096);
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= total {
                        break;
                    }
                    let req = format!(
                        "POST /webhooks/github HTTP/1.1\r\nHost: {addr}\r\nX-GitHub-Event: {event}\r\nX-GitHub-Delivery: bench-{run_id}-{n}\r\nX-Hub-Signature-256: sha256={sig}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    let t = Instant::now();
                    conn.write_all(req.as_bytes()).await?;
                    let status = read_response(&mut conn, &mut buf).await?;
                    lat.push(t.elapsed());
                    *statuses.entry(status).or_default() += 1;
                }
                Ok::<_, anyhow::Error>((lat, statuses))
            }));
        }
        let mut lat = Vec::new();
        let mut statuses = std::collections::BTreeMap::<u16, u64>::new();
        for t in tasks {
            let (l, s) = t.await??;
            lat.extend(l);
            for (k, v) in s {
                *statuses.entry(k).or_default() += v;
            }
        }
        Ok::<_, anyhow::Error>((lat, statuses))
    });
    let elapsed = t0.elapsed();
    let (mut lat, statuses) = results?;
    lat.sort();
    let pct = |p: f64| lat.get(((lat.len() as f64 * p).ceil() as usize).saturating_sub(1)).copied().unwrap_or_default();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{} {} requests, {} connections in {:.2} s: {:.0} req/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; statuses {:?}",
        lat.len(),
        args.event,
        args.concurrency,
        elapsed.as_secs_f64(),
        lat.len() as f64 / elapsed.as_secs_f64(),
        ms(pct(0.50)),
        ms(pct(0.99)),
        ms(pct(1.0)),
        statuses
    );
    Ok(ExitCode::SUCCESS)
}

/// Read one HTTP/1.1 response with a Content-Length body; returns its status.
async fn read_response(conn: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) -> anyhow::Result<u16> {
    buf.clear();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = conn.read(&mut chunk).await?;
                if n == 0 {
                    bail!("connection closed mid-body");
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Ok(status);
        }
        let n = conn.read(&mut chunk).await?;
        if n == 0 {
            bail!("connection closed before a response");
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}
