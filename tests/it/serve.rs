//! `fleetgate serve` end to end: the real binary on 127.0.0.1, a local bare repository reached through a
//! `file://` URL (mirrored by the service), signed GitHub deliveries sent over plain HTTP/1.1.

use crate::support::*;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "serve-test-webhook-secret-4c1d";

/// A one-repository estate: `clusters/a` and `clusters/b`, a bare `repo.git` and a work tree pushing to it.
struct Estate {
    tmp: tempfile::TempDir,
}

impl Estate {
    fn new() -> Estate {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("repo.git")).unwrap();
        git(&root.join("repo.git"), &["init", "-q", "--bare"]);
        let work = root.join("work");
        std::fs::create_dir_all(&work).unwrap();
        git(&work, &["init", "-q"]);
        for c in ["a", "b"] {
            write(
                &work,
                &[
                    (&format!("clusters/{c}/kustomization.yaml"), "resources:\n  - config.yaml\n"),
                    (
                        &format!("clusters/{c}/config.yaml"),
                        &format!(
                            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\ndata:\n  cluster: {c}\n  level: \"0\"\n"
                        ),
                    ),
                ],
            );
        }
        git(&work, &["add", "-A"]);
        git(&work, &["commit", "-qm", "base"]);
        git(&work, &["remote", "add", "origin", root.join("repo.git").to_str().unwrap()]);
        git(&work, &["push", "-q", "origin", "main"]);
        let config = format!(
            r#"repos:
  - name: estate
    role: system
    urls: ["{url}"]
clusters:
  roots:
    - repo: estate
      paths: ["clusters/*"]
secrets:
  hook: {{env: FG_SERVE_TEST_SECRET}}
server:
  workers: 1
  webhooks:
    github: hook
pipelines: pipelines
store:
  dataDir: data
"#,
            url = Estate::url_of(root)
        );
        write(
            root,
            &[
                ("fleetgate.yaml", &config),
                (
                    "pipelines/ci.yaml",
                    "name: ci\nappliesTo:\n  roles: [system]\n  events: [push, pull_request]\nsteps:\n  - uses: lint\n  - uses: render\n  - uses: diff\n",
                ),
            ],
        );
        Estate { tmp }
    }

    fn url_of(root: &Path) -> String {
        format!("file://{}", root.join("repo.git").display())
    }

    fn url(&self) -> String {
        Estate::url_of(self.tmp.path())
    }

    fn root(&self) -> &Path {
        self.tmp.path()
    }

    /// Change cluster `c`'s level, commit and push; returns (before, after).
    fn commit(&self, c: &str, level: u32) -> (String, String) {
        let work = self.root().join("work");
        let before = git(&work, &["rev-parse", "HEAD"]);
        let file = work.join(format!("clusters/{c}/config.yaml"));
        let text = std::fs::read_to_string(&file).unwrap();
        let start = text.find("level: ").unwrap();
        std::fs::write(&file, format!("{}level: \"{level}\"\n", &text[..start])).unwrap();
        git(&work, &["commit", "-qam", &format!("{c} level {level}")]);
        git(&work, &["push", "-q", "origin", "main"]);
        (before, git(&work, &["rev-parse", "HEAD"]))
    }

    fn push_body(&self, before: &str, after: &str) -> Vec<u8> {
        self.push_body_for(&self.url(), before, after)
    }

    fn push_body_for(&self, url: &str, before: &str, after: &str) -> Vec<u8> {
        json!({
            "ref": "refs/heads/main",
            "before": before,
            "after": after,
            "created": false,
            "deleted": false,
            "forced": false,
            "head_commit": {"id": after},
            "commits": [{"id": after}],
            "repository": {
                "full_name": "org/estate",
                "clone_url": url,
                "html_url": "https://git.example.com/org/estate",
                "default_branch": "main",
                "private": true
            }
        })
        .to_string()
        .into_bytes()
    }
}

/// A running `fleetgate serve`.
struct Server {
    child: Child,
    addr: String,
    log: PathBuf,
}

impl Server {
    fn start(estate: &Estate, delay_ms: Option<u64>) -> Server {
        let log = estate.root().join(format!("serve-{}.log", rand_u64()));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fleetgate"));
        cmd.args(["serve", "--config"])
            .arg(estate.root().join("fleetgate.yaml"))
            .args(["--listen", "127.0.0.1:0"])
            .env("FG_SERVE_TEST_SECRET", SECRET)
            .env_remove("RUST_LOG")
            .env_remove("FLEETGATE_TEST_STEP_DELAY_MS")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap());
        if let Some(ms) = delay_ms {
            cmd.env("FLEETGATE_TEST_STEP_DELAY_MS", ms.to_string());
        }
        let mut child = cmd.spawn().expect("start fleetgate serve");
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        let addr = first.trim().strip_prefix("listening on http://").unwrap_or_else(|| {
            let _ = child.kill();
            panic!("unexpected first line {first:?}; log:\n{}", std::fs::read_to_string(&log).unwrap_or_default())
        });
        Server { addr: addr.to_string(), child, log }
    }

    fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-length")) {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(body).unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        let text = String::from_utf8_lossy(&out).into_owned();
        let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
        (status, body)
    }

    fn get(&self, path: &str) -> (u16, String) {
        self.request("GET", path, &[], b"")
    }

    fn get_json(&self, path: &str) -> Value {
        let (status, body) = self.get(path);
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
    }

    fn deliver(&self, event: &str, delivery: &str, body: &[u8], secret: &str) -> (u16, Value) {
        let sig = format!("sha256={}", sign(secret.as_bytes(), body));
        let headers = [
            ("X-GitHub-Event", event),
            ("X-GitHub-Delivery", delivery),
            ("X-Hub-Signature-256", sig.as_str()),
            ("Content-Type", "application/json"),
        ];
        let (status, text) = self.request("POST", "/webhooks/github", &headers, body);
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// Poll a run until it is final.
    fn wait_run(&self, id: i64) -> Value {
        let t0 = Instant::now();
        loop {
            let run = self.get_json(&format!("/runs/{id}"));
            if matches!(run["status"].as_str(), Some("succeeded" | "failed" | "superseded" | "canceled")) {
                return run;
            }
            assert!(t0.elapsed() < Duration::from_secs(120), "run {id} did not finish: {run}\n{}", self.logs());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn kill9(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.logs()
    }

    /// SIGTERM, and the exit status must be success.
    fn stop(mut self) -> String {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let t0 = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "serve exited with {status}");
                break;
            }
            assert!(t0.elapsed() < Duration::from_secs(40), "serve did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
        let logs = self.logs();
        assert!(!logs.contains(SECRET), "the webhook secret leaked into the logs");
        logs
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u8(1);
    h.finish()
}

fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).unwrap();
    mac.update(body);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

fn run_count(server: &Server) -> usize {
    server.get_json("/runs?limit=500")["runs"].as_array().unwrap().len()
}

#[test]
fn signed_push_runs_the_pipeline_and_reports_the_affected_cluster_once_per_delivery() {
    let estate = Estate::new();
    let server = Server::start(&estate, None);
    let (before, after) = estate.commit("a", 1);
    let body = estate.push_body(&before, &after);
    let (status, answer) = server.deliver("push", "d-1", &body, SECRET);
    assert_eq!(status, 202, "{answer}\n{}", server.logs());
    assert_eq!(answer["duplicate"], false);
    let id = answer["run"].as_i64().unwrap();
    // The same delivery again: the same run, nothing new.
    let (status, again) = server.deliver("push", "d-1", &body, SECRET);
    assert_eq!((status, again["run"].as_i64(), again["duplicate"].as_bool()), (202, Some(id), Some(true)));
    let run = server.wait_run(id);
    assert_eq!(run["status"], "succeeded", "{run}\n{}", server.logs());
    let report = &run["report"];
    assert_eq!(report["head"], after.as_str());
    assert_eq!(report["base"], before.as_str());
    let steps: Vec<&str> = report["steps"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(steps, ["lint", "render", "diff"], "{report}");
    let affected: Vec<&String> = report["affected"].as_object().unwrap().keys().collect();
    assert_eq!(affected, ["a"], "{report}");
    assert_eq!(run_count(&server), 1);
    let list = server.get_json("/runs?status=succeeded&repo=estate");
    assert_eq!(list["runs"][0]["id"].as_i64(), Some(id));
    let metrics = server.get("/metrics").1;
    assert!(metrics.contains("runs_total{status=\"succeeded\"} 1"), "{metrics}");
    assert!(metrics.contains("step_duration_seconds_bucket{step=\"render\""), "{metrics}");
    assert!(metrics.contains("result=\"duplicate\""), "{metrics}");
    let logs = server.stop();
    assert!(logs.lines().any(|l| l.starts_with('{') && l.contains("\"run_id\"")), "JSON logs with run spans:\n{logs}");
}

#[test]
fn webhook_edges_auth_size_ignored_unknown_and_health() {
    let estate = Estate::new();
    let server = Server::start(&estate, None);
    let (before, after) = estate.commit("b", 1);
    let body = estate.push_body(&before, &after);
    // Bad signature, missing signature.
    let (status, answer) = server.deliver("push", "bad-1", &body, "not-the-secret");
    assert_eq!(status, 401, "{answer}");
    let (status, _) = server.request("POST", "/webhooks/github", &[("X-GitHub-Event", "push")], &body);
    assert_eq!(status, 401);
    // No secret configured for GitLab: refused, and the log says which key to set.
    let (status, _) = server.request("POST", "/webhooks/gitlab", &[("X-Gitlab-Token", "x")], b"{}");
    assert_eq!(status, 401);
    // A 30 MB body is refused from its Content-Length, without reading it.
    let (status, _) = server.request(
        "POST",
        "/webhooks/github",
        &[("X-GitHub-Event", "push"), ("Content-Length", "31457280")],
        b"{\"ref\":",
    );
    assert_eq!(status, 413);
    // Ping.
    let (status, answer) = server.deliver("ping", "p-1", br#"{"zen":"Keep it simple.","hook_id":1}"#, SECRET);
    assert_eq!((status, &answer), (200, &json!({"pong": true})));
    // An ignored event.
    let issue = json!({"action": "opened", "repository": {"full_name": "org/estate", "clone_url": estate.url()}});
    let (status, answer) = server.deliver("issues", "i-1", issue.to_string().as_bytes(), SECRET);
    assert_eq!(status, 202, "{answer}");
    assert!(answer.get("run").is_none(), "{answer}");
    // Unknown repository.
    let other = estate.push_body_for("https://git.example.com/org/other.git", &before, &after);
    let (status, answer) = server.deliver("push", "u-1", &other, SECRET);
    assert_eq!((status, answer), (404, json!({"error": "unknown repository"})));
    // A branch deletion: acknowledged, no run.
    let deletion = json!({
        "ref": "refs/heads/gone", "before": after, "after": "0000000000000000000000000000000000000000",
        "deleted": true, "created": false, "forced": false, "commits": [],
        "repository": {"full_name": "org/estate", "clone_url": estate.url()}
    });
    let (status, answer) = server.deliver("push", "del-1", deletion.to_string().as_bytes(), SECRET);
    assert_eq!(status, 202, "{answer}");
    assert!(answer.get("run").is_none(), "{answer}");
    assert_eq!(run_count(&server), 0, "no delivery above may create a run");
    // Health, readiness, metrics.
    assert_eq!(server.get("/healthz").0, 200);
    assert_eq!(server.get("/readyz").0, 200);
    let (status, metrics) = server.get("/metrics");
    assert_eq!(status, 200);
    for needle in [
        "webhooks_total{provider=\"github\",event=\"unknown\",result=\"unauthorized\"} 2",
        "webhooks_total{provider=\"gitlab\",event=\"unknown\",result=\"unauthorized\"} 1",
        "webhooks_total{provider=\"github\",event=\"unknown\",result=\"too_large\"} 1",
        "webhooks_total{provider=\"github\",event=\"ping\",result=\"pong\"} 1",
        "webhooks_total{provider=\"github\",event=\"other\",result=\"ignored\"} 1",
        "webhooks_total{provider=\"github\",event=\"push\",result=\"unknown_repo\"} 1",
        "queue_depth 0",
    ] {
        assert!(metrics.contains(needle), "{needle} missing from:\n{metrics}");
    }
    assert_eq!(server.get("/runs/999").0, 404);
    assert_eq!(server.get("/nowhere").0, 404);
    let logs = server.stop();
    assert!(logs.contains("server.webhooks.gitlab"), "{logs}");
}

#[test]
fn pushes_in_quick_succession_coalesce_to_the_last_head() {
    let estate = Estate::new();
    let mut pushes = Vec::new();
    for level in 1..=5 {
        pushes.push(estate.commit("a", level));
    }
    // Each run waits 500 ms after being claimed, so later deliveries find the first one running.
    let server = Server::start(&estate, Some(500));
    let mut ids = Vec::new();
    for (i, (before, after)) in pushes.iter().enumerate() {
        let (status, answer) = server.deliver("push", &format!("c-{i}"), &estate.push_body(before, after), SECRET);
        assert_eq!(status, 202, "{answer}");
        ids.push(answer["run"].as_i64().unwrap());
    }
    let runs: Vec<Value> = ids.iter().map(|id| server.wait_run(*id)).collect();
    let executed = runs.iter().filter(|r| r["status"] != "superseded").count();
    assert!(executed <= 2, "{executed} runs executed: {runs:?}");
    let last = runs.last().unwrap();
    assert_eq!(last["status"], "succeeded", "{last}");
    assert_eq!(last["report"]["head"], pushes[4].1.as_str());
    server.stop();
}

#[test]
fn a_run_interrupted_by_kill_9_completes_after_restart() {
    let estate = Estate::new();
    let (before, after) = estate.commit("b", 7);
    let server = Server::start(&estate, Some(60_000));
    let (status, answer) = server.deliver("push", "k-1", &estate.push_body(&before, &after), SECRET);
    assert_eq!(status, 202, "{answer}");
    let id = answer["run"].as_i64().unwrap();
    let t0 = Instant::now();
    while server.get_json(&format!("/runs/{id}"))["status"] != "running" {
        assert!(t0.elapsed() < Duration::from_secs(30), "the run never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    server.kill9();
    let server = Server::start(&estate, None);
    let run = server.wait_run(id);
    assert_eq!(run["status"], "succeeded", "{run}\n{}", server.logs());
    assert_eq!(run["attempts"], 2, "{run}");
    let affected: Vec<&String> = run["report"]["affected"].as_object().unwrap().keys().collect();
    assert_eq!(affected, ["b"]);
    server.stop();
}

fn pull_request_body(estate: &Estate, action: &str, base: &str, head: &str) -> Vec<u8> {
    json!({
        "action": action,
        "number": 7,
        "pull_request": {
            "state": if action == "closed" { "closed" } else { "open" },
            "title": "raise b",
            "merged": false,
            "draft": false,
            "base": {"ref": "main", "sha": base, "repo": {"full_name": "org/estate", "clone_url": estate.url()}},
            "head": {"ref": "feature", "sha": head, "repo": {"full_name": "org/estate", "clone_url": estate.url()}}
        },
        "repository": {"full_name": "org/estate", "clone_url": estate.url(), "default_branch": "main"}
    })
    .to_string()
    .into_bytes()
}

#[test]
fn an_opened_pull_request_is_checked_against_its_base_and_a_closed_one_is_only_acknowledged() {
    let estate = Estate::new();
    let work = estate.root().join("work");
    let base = git(&work, &["rev-parse", "HEAD"]);
    git(&work, &["checkout", "-qb", "feature"]);
    std::fs::write(work.join("clusters/b/extra.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: extra\n")
        .unwrap();
    std::fs::write(work.join("clusters/b/kustomization.yaml"), "resources:\n  - config.yaml\n  - extra.yaml\n")
        .unwrap();
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-qm", "b: extra namespace"]);
    git(&work, &["push", "-q", "origin", "feature"]);
    let head = git(&work, &["rev-parse", "HEAD"]);
    let server = Server::start(&estate, None);
    let (status, answer) =
        server.deliver("pull_request", "pr-1", &pull_request_body(&estate, "opened", &base, &head), SECRET);
    assert_eq!(status, 202, "{answer}");
    let run = server.wait_run(answer["run"].as_i64().unwrap());
    assert_eq!(run["status"], "succeeded", "{run}\n{}", server.logs());
    assert_eq!(run["key"], "pr:estate:7");
    let report = &run["report"];
    assert_eq!((report["base"].as_str(), report["head"].as_str()), (Some(base.as_str()), Some(head.as_str())));
    assert_eq!(report["pullRequest"], 7);
    let affected: Vec<&String> = report["affected"].as_object().unwrap().keys().collect();
    assert_eq!(affected, ["b"], "{report}");
    let (status, answer) =
        server.deliver("pull_request", "pr-2", &pull_request_body(&estate, "closed", &base, &head), SECRET);
    assert_eq!(status, 202, "{answer}");
    assert!(answer.get("run").is_none(), "{answer}");
    assert_eq!(run_count(&server), 1);
    server.stop();
}
