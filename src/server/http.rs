//! The HTTP surface of `fleetgate serve` (warp):
//!
//! - `POST /webhooks/{github,gitlab,gitea}`: a delivery; the body is read up to `server.bodyLimit` (a larger
//!   `Content-Length` is refused with 413 before any of the body is read; a chunked body is cut off at the
//!   limit), then handed to [`Service::webhook`].
//! - `GET /runs?status=&repo=&limit=&before=`: runs, newest first; `GET /runs/{id}`: one run with its Report.
//! - `GET /healthz` (the process answers), `GET /readyz` (the store answers; 503 otherwise), `GET /metrics`.
//!
//! Every request gets an id (`x-request-id` on the answer) and a span carrying it.

use super::metrics;
use super::service::{Answer, Service, parse_run_id};
use super::store::{RunFilter, RunStatus};
use super::webhook::Provider;
use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tracing::Instrument;
use warp::{Buf, Filter, Reply, Stream};

static REQUESTS: AtomicU64 = AtomicU64::new(1);

fn reply(request_id: u64, (status, body): Answer) -> warp::reply::Response {
    let mut r = warp::reply::with_status(warp::reply::json(&body), status).into_response();
    if let Ok(v) = HeaderValue::from_str(&request_id.to_string()) {
        r.headers_mut().insert("x-request-id", v);
    }
    r
}

fn provider_of(s: &str) -> Option<Provider> {
    match s {
        "github" => Some(Provider::GitHub),
        "gitlab" => Some(Provider::GitLab),
        "gitea" => Some(Provider::Gitea),
        _ => None,
    }
}

/// Why a body was not read.
enum BodyError {
    TooLarge,
    Broken(String),
}

/// Read at most `limit` bytes of `body`.
async fn read_limited<S, B>(body: S, limit: u64) -> Result<Vec<u8>, BodyError>
where
    S: Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    let mut body = std::pin::pin!(body);
    let mut out = Vec::new();
    while let Some(chunk) = std::future::poll_fn(|cx| body.as_mut().poll_next(cx)).await {
        let mut chunk = chunk.map_err(|e| BodyError::Broken(e.to_string()))?;
        if (out.len() + chunk.remaining()) as u64 > limit {
            return Err(BodyError::TooLarge);
        }
        while chunk.has_remaining() {
            let part = chunk.chunk();
            out.extend_from_slice(part);
            let n = part.len();
            chunk.advance(n);
        }
    }
    Ok(out)
}

/// All routes of the service.
pub fn routes(svc: Arc<Service>) -> impl Filter<Extract = (warp::reply::Response,), Error = Infallible> + Clone {
    let limit = svc.config.server.body_limit;
    let with = {
        let svc = svc.clone();
        warp::any().map(move || svc.clone())
    };
    let webhook = warp::path!("webhooks" / String)
        .and(warp::post())
        .and(warp::header::headers_cloned())
        .and(warp::body::stream())
        .and(with.clone())
        .then(move |provider: String, headers: HeaderMap, body, svc: Arc<Service>| async move {
            let id = REQUESTS.fetch_add(1, Ordering::Relaxed);
            let span = tracing::info_span!("request", request_id = id, method = "POST", path = %format!("/webhooks/{provider}"));
            async move {
                let t0 = Instant::now();
                let answer = webhook(&svc, &provider, &headers, body, limit).await;
                tracing::info!(status = answer.0.as_u16(), micros = t0.elapsed().as_micros() as u64, "webhook answered");
                reply(id, answer)
            }
            .instrument(span)
            .await
        });
    let runs =
        warp::path!("runs").and(warp::get()).and(warp::query::<HashMap<String, String>>()).and(with.clone()).then(
            |q: HashMap<String, String>, svc: Arc<Service>| async move {
                let id = REQUESTS.fetch_add(1, Ordering::Relaxed);
                reply(id, list_runs(&svc, &q).await)
            },
        );
    let run = warp::path!("runs" / String).and(warp::get()).and(with.clone()).then(
        |run: String, svc: Arc<Service>| async move {
            let id = REQUESTS.fetch_add(1, Ordering::Relaxed);
            reply(id, get_run(&svc, &run).await)
        },
    );
    let healthz = warp::path!("healthz")
        .and(warp::get())
        .map(|| reply(REQUESTS.fetch_add(1, Ordering::Relaxed), (StatusCode::OK, json!({"ok": true}))));
    let readyz = warp::path!("readyz").and(warp::get()).and(with.clone()).then(|svc: Arc<Service>| async move {
        let id = REQUESTS.fetch_add(1, Ordering::Relaxed);
        match svc.store.counts().await {
            Ok(c) => reply(id, (StatusCode::OK, json!({"ready": true, "queued": c.queued, "running": c.running}))),
            Err(e) => {
                tracing::warn!(error = %e, "not ready: the store does not answer");
                reply(
                    id,
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        json!({"ready": false, "error": "the run store does not answer"}),
                    ),
                )
            }
        }
    });
    let metrics_route = warp::path!("metrics").and(warp::get()).and(with).then(|svc: Arc<Service>| async move {
        if let Ok(c) = svc.store.counts().await {
            metrics::queue_depth(c.queued);
        }
        let text = svc.metrics.render();
        warp::reply::with_header(text, "content-type", "text/plain; version=0.0.4").into_response()
    });
    webhook
        .or(runs)
        .unify()
        .or(run)
        .unify()
        .or(healthz)
        .unify()
        .or(readyz)
        .unify()
        .or(metrics_route)
        .unify()
        .recover(|rejection: warp::Rejection| async move {
            let id = REQUESTS.fetch_add(1, Ordering::Relaxed);
            let answer = if rejection.is_not_found() {
                (StatusCode::NOT_FOUND, json!({"error": "not found"}))
            } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
                (StatusCode::METHOD_NOT_ALLOWED, json!({"error": "method not allowed"}))
            } else if rejection.find::<warp::reject::InvalidQuery>().is_some() {
                (StatusCode::BAD_REQUEST, json!({"error": "invalid query string"}))
            } else {
                (StatusCode::BAD_REQUEST, json!({"error": "bad request"}))
            };
            Ok::<_, Infallible>(reply(id, answer))
        })
        .unify()
}

async fn webhook<S, B>(svc: &Service, provider: &str, headers: &HeaderMap, body: S, limit: u64) -> Answer
where
    S: Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    let Some(provider) = provider_of(provider) else {
        return (StatusCode::NOT_FOUND, json!({"error": "unknown webhook provider; use github, gitlab or gitea"}));
    };
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let too_large = || {
        metrics::webhook(provider.as_str(), "unknown", "too_large");
        (StatusCode::PAYLOAD_TOO_LARGE, json!({"error": format!("the body is larger than {limit} bytes")}))
    };
    if declared.is_some_and(|n| n > limit) {
        return too_large();
    }
    let body = match read_limited(body, limit).await {
        Ok(b) => b,
        Err(BodyError::TooLarge) => return too_large(),
        Err(BodyError::Broken(e)) => {
            tracing::info!(error = %e, "the request body could not be read");
            return (StatusCode::BAD_REQUEST, json!({"error": "the request body could not be read"}));
        }
    };
    svc.webhook(provider, headers, &body).await
}

async fn list_runs(svc: &Service, q: &HashMap<String, String>) -> Answer {
    let mut filter = RunFilter::default();
    if let Some(s) = q.get("status") {
        match s.parse::<RunStatus>() {
            Ok(st) => filter.status = Some(st),
            Err(_) => return (StatusCode::BAD_REQUEST, json!({"error": format!("unknown status {s:?}")})),
        }
    }
    filter.repo = q.get("repo").cloned();
    if let Some(l) = q.get("limit") {
        match l.parse::<usize>() {
            Ok(n) => filter.limit = n,
            Err(_) => return (StatusCode::BAD_REQUEST, json!({"error": "limit must be a number"})),
        }
    }
    if let Some(b) = q.get("before") {
        match parse_run_id(b) {
            Some(id) => filter.before = Some(id),
            None => return (StatusCode::BAD_REQUEST, json!({"error": "before must be a run id"})),
        }
    }
    match svc.store.list(&filter).await {
        Ok(runs) => (StatusCode::OK, json!({"runs": runs})),
        Err(e) => {
            tracing::error!(error = %e, "cannot list runs");
            (StatusCode::SERVICE_UNAVAILABLE, json!({"error": "the run store does not answer"}))
        }
    }
}

async fn get_run(svc: &Service, run: &str) -> Answer {
    let Some(id) = parse_run_id(run) else {
        return (StatusCode::NOT_FOUND, json!({"error": "no such run"}));
    };
    match svc.store.get(id).await {
        Ok(Some(run)) => (StatusCode::OK, serde_json::to_value(&run).unwrap_or(Value::Null)),
        Ok(None) => (StatusCode::NOT_FOUND, json!({"error": "no such run"})),
        Err(e) => {
            tracing::error!(error = %e, "cannot read a run");
            (StatusCode::SERVICE_UNAVAILABLE, json!({"error": "the run store does not answer"}))
        }
    }
}
