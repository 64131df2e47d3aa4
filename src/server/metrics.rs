//! Prometheus metrics of the service (`GET /metrics`), through the `metrics` facade:
//! - `webhooks_total{provider,event,result}`: deliveries and what became of them;
//! - `runs_total{status}`: finished runs;
//! - `step_duration_seconds{step}`: a histogram of step durations;
//! - `queue_depth`: queued runs (refreshed from the store when scraped).
//!
//! Label values are bounded: events outside the handled set are counted as `other`, so an unauthenticated
//! client cannot grow the series.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

const STEP_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0];

/// Install the process-wide recorder and return the handle that renders it. When a recorder is installed
/// already (a second service in one process, as in unit tests), a private recorder is returned instead; its
/// output then lacks the counters recorded through the global one.
pub fn install() -> PrometheusHandle {
    let builder = || {
        PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full("step_duration_seconds".into()), STEP_BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new())
    };
    match builder().install_recorder() {
        Ok(h) => h,
        Err(_) => builder().build_recorder().handle(),
    }
}

/// The event label: known events as sent, everything else `other`.
pub fn event_label(event: &str) -> &'static str {
    match event {
        "push" => "push",
        "pull_request" => "pull_request",
        "ping" => "ping",
        "Push Hook" => "push_hook",
        "Tag Push Hook" => "tag_push_hook",
        "Merge Request Hook" => "merge_request_hook",
        "" => "unknown",
        _ => "other",
    }
}

/// Count one webhook delivery.
pub fn webhook(provider: &'static str, event: &'static str, result: &'static str) {
    metrics::counter!("webhooks_total", "provider" => provider, "event" => event, "result" => result).increment(1);
}

/// Count one finished run.
pub fn run_finished(status: &'static str) {
    metrics::counter!("runs_total", "status" => status).increment(1);
}

/// Record one step's duration.
pub fn step_duration(step: &str, seconds: f64) {
    metrics::histogram!("step_duration_seconds", "step" => step.to_string()).record(seconds);
}

/// Set the queue depth.
pub fn queue_depth(queued: u64) {
    metrics::gauge!("queue_depth").set(queued as f64);
}
