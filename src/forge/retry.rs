//! Bounded retries for forge requests: exponential backoff with jitter on 5xx, 429 and connection errors,
//! honouring `Retry-After` (seconds or HTTP date) and GitHub's `x-ratelimit-reset` when the quota is spent.

use super::{ForgeError, ForgeKind};
use http::HeaderMap;
use jiff::Timestamp;
use std::future::Future;
use std::time::Duration;

/// How hard a forge request is retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included (at least 1).
    pub max_attempts: u32,
    /// The first backoff wait; doubled after every failed attempt, then jittered down to half.
    pub base_delay: Duration,
    /// The longest computed backoff wait (server-requested waits are not shortened, see `max_total_wait`).
    pub max_delay: Duration,
    /// The most time one request may spend waiting between attempts. A server asking for a longer wait
    /// (`Retry-After`, rate-limit reset) makes the request fail at once instead of sleeping past the budget.
    pub max_total_wait: Duration,
    /// Timeout of one HTTP attempt (connect and read).
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            max_total_wait: Duration::from_secs(120),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// One retry that happened: which request, why, and how long fleetgate waited before trying again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryNote {
    pub method: String,
    pub path: String,
    /// `HTTP 429 Too Many Requests`, `HTTP 502 Bad Gateway`, `connection error: …`.
    pub reason: String,
    pub wait: Duration,
}

/// What went wrong with one attempt, before deciding whether to try again.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The forge answered with a non-success status.
    Status { status: u16, headers: HeaderMap, message: String },
    /// No answer: connection refused or reset, timeout, TLS failure.
    Connection(String),
    /// An answer that is not what the API documents (bad JSON, missing fields). Not retried.
    Response(String),
}

impl Failure {
    fn reason(&self) -> String {
        match self {
            Failure::Status { status, .. } => format!("HTTP {}", status_text(*status)),
            Failure::Connection(m) => format!("connection error: {m}"),
            Failure::Response(m) => format!("unexpected response: {m}"),
        }
    }
}

/// `502 Bad Gateway`.
pub(crate) fn status_text(status: u16) -> String {
    match http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()) {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

/// The outcome of [`decide`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    Retry(Duration),
    /// Stop; the string says why when it is not obvious from the failure (budget exhausted).
    GiveUp(Option<String>),
}

/// Whether a response status may succeed when retried. GitHub signals rate limits with 403 as well as 429;
/// such a 403 carries `Retry-After` or `x-ratelimit-remaining: 0`.
fn retryable_status(status: u16, headers: &HeaderMap) -> bool {
    status == 429
        || (500..=599).contains(&status)
        || (status == 403
            && (headers.contains_key("retry-after") || header_u64(headers, "x-ratelimit-remaining") == Some(0)))
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// The wait a response asks for: `Retry-After` (delta seconds or HTTP date), else GitHub's `x-ratelimit-reset`
/// (epoch seconds) when `x-ratelimit-remaining` is 0.
pub(crate) fn server_wait(headers: &HeaderMap, now: Timestamp) -> Option<Duration> {
    if let Some(value) = headers.get("retry-after").and_then(|v| v.to_str().ok()) {
        let value = value.trim();
        if let Ok(secs) = value.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        if let Ok(at) = jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(value) {
            return Some(until(now, at));
        }
    }
    if header_u64(headers, "x-ratelimit-remaining") == Some(0) {
        let reset = header_u64(headers, "x-ratelimit-reset")?;
        let at = Timestamp::from_second(i64::try_from(reset).ok()?).ok()?;
        // GitHub's reset is whole seconds; one more second avoids arriving a moment too early.
        return Some(until(now, at) + Duration::from_secs(1));
    }
    None
}

fn until(now: Timestamp, at: Timestamp) -> Duration {
    let secs = at.as_second().saturating_sub(now.as_second());
    Duration::from_secs(u64::try_from(secs).unwrap_or(0))
}

/// Backoff before attempt `failed + 1`: `base * 2^(failed-1)` capped at `max_delay`, jittered into `[d/2, d]`.
pub(crate) fn backoff(policy: &RetryPolicy, failed: u32, random: u64) -> Duration {
    let exp = failed.saturating_sub(1).min(20);
    let full = policy.base_delay.saturating_mul(1u32 << exp).min(policy.max_delay);
    let nanos = u64::try_from(full.as_nanos()).unwrap_or(u64::MAX);
    let half = nanos / 2;
    let jitter = if half == 0 { 0 } else { random % (half + 1) };
    Duration::from_nanos(half + jitter)
}

/// Decides what to do after attempt number `failed` (1-based) failed, having waited `waited` so far.
pub(crate) fn decide(
    policy: &RetryPolicy,
    failed: u32,
    failure: &Failure,
    waited: Duration,
    now: Timestamp,
    random: u64,
) -> Decision {
    let wait = match failure {
        Failure::Response(_) => return Decision::GiveUp(None),
        Failure::Status { status, headers, .. } => {
            if !retryable_status(*status, headers) {
                return Decision::GiveUp(None);
            }
            server_wait(headers, now)
        }
        Failure::Connection(_) => None,
    };
    if failed >= policy.max_attempts {
        return Decision::GiveUp(None);
    }
    let wait = wait.unwrap_or_else(|| backoff(policy, failed, random));
    if waited.saturating_add(wait) > policy.max_total_wait {
        return Decision::GiveUp(Some(format!(
            "the next retry would wait {} s, beyond the retry budget of {} s",
            wait.as_secs_f64().ceil(),
            policy.max_total_wait.as_secs_f64()
        )));
    }
    Decision::Retry(wait)
}

fn random_u64() -> u64 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one(std::time::Instant::now())
}

/// Where a request goes, for messages and notes.
pub(crate) struct Call<'a> {
    pub forge: ForgeKind,
    pub method: &'a str,
    pub path: &'a str,
}

impl Call<'_> {
    fn error(&self, failure: Failure, attempts: u32, budget: Option<String>) -> ForgeError {
        let (forge, method, path) = (self.forge, self.method.to_string(), self.path.to_string());
        match failure {
            Failure::Response(message) => ForgeError::Response { forge, method, path, message },
            Failure::Status { status, ref headers, ref message } if !retryable_status(status, headers) => {
                ForgeError::Rejected {
                    forge,
                    method,
                    path,
                    status,
                    message: message.clone(),
                    hint: hint(forge, status),
                }
            }
            other => {
                let mut last = other.reason();
                if let Failure::Status { message, .. } = &other
                    && !message.is_empty()
                {
                    last = format!("{last}: {message}");
                }
                if let Some(budget) = budget {
                    last = format!("{last} ({budget})");
                }
                ForgeError::Unavailable { forge, method, path, attempts, last }
            }
        }
    }
}

fn hint(forge: ForgeKind, status: u16) -> &'static str {
    match (forge, status) {
        (_, 401) => "check that the token (the secret named in the forge config) is valid and not expired",
        (ForgeKind::GitHub, 403) => {
            "the token lacks permission: it needs pull requests / issues write and commit statuses write"
        }
        (ForgeKind::GitLab, 403) => "the token lacks permission: it needs the `api` scope and Reporter access or more",
        (_, 404) => {
            "check that the repository or project and the pull / merge request exist and that the token can see them"
        }
        (_, 422) | (_, 400) => "the forge refused the request content",
        _ => "the forge refused the request",
    }
}

/// Runs `attempt` until it succeeds, fails for good, or the policy is exhausted; records every retry in `notes`.
pub(crate) async fn run<T, F, Fut>(
    policy: &RetryPolicy,
    call: Call<'_>,
    notes: &mut Vec<RetryNote>,
    mut attempt: F,
) -> Result<T, ForgeError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Failure>>,
{
    let mut waited = Duration::ZERO;
    let mut failed = 0u32;
    loop {
        let failure = match attempt().await {
            Ok(value) => return Ok(value),
            Err(failure) => failure,
        };
        failed += 1;
        match decide(policy, failed, &failure, waited, Timestamp::now(), random_u64()) {
            Decision::Retry(wait) => {
                let reason = failure.reason();
                tracing::warn!(
                    forge = %call.forge, method = call.method, path = call.path, attempt = failed,
                    wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX), %reason,
                    "forge request failed; retrying"
                );
                notes.push(RetryNote { method: call.method.to_string(), path: call.path.to_string(), reason, wait });
                tokio::time::sleep(wait).await;
                waited += wait;
            }
            Decision::GiveUp(budget) => return Err(call.error(failure, failed, budget)),
        }
    }
}

/// Replaces every occurrence of the token in a message taken from a response or a transport error.
pub(crate) fn scrub(message: &str, token: &str) -> String {
    let mut out = if token.len() >= 4 { message.replace(token, "[redacted]") } else { message.to_string() };
    if out.chars().count() > 500 {
        out = out.chars().take(500).collect::<String>() + "…";
    }
    out
}
