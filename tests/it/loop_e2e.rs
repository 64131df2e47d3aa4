//! Closing the loop through `fleetgate serve`: the real binary on 127.0.0.1 serving the example estate, each of
//! its repositories a git repository of its own pushed to a bare clone that the service mirrors through a
//! `file://` URL; Kubernetes API and GitHub doubles stand in for the clusters and the forge. A signed push to
//! the default branch reconciles exactly the changed cluster's objects; a signed pull request gets one comment
//! naming exactly its clusters, edited in place when the pull request gets a new head.

use crate::doubles::{GitHubDouble, KubeDouble, Recorded, kube_path, kubeconfig};
use crate::reconcile::summary_clusters;
use crate::support::*;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const HOOK_SECRET: &str = "loop-e2e-hook-secret-7b21";
const HOOK_ENV: &str = "FG_LOOP_E2E_HOOK";
const GITHUB_TOKEN: &str = "ghp-loop-e2e-5d0c";
const GITHUB_ENV: &str = "FG_LOOP_E2E_GITHUB";
/// The reconciler clusters the estate's plans can name, each with its own API double and token.
const CLUSTERS: [(&str, &str); 3] =
    [("prod-eu", "tok-loop-prod-eu-31aa"), ("mgmt", "tok-loop-mgmt-8c4e"), ("argocd-hub", "tok-loop-hub-02f9")];
const FLUX_ANNOTATION: &str = "reconcile.fluxcd.io/requestedAt";

/// The example estate, each configured repository its own git repository (`<root>/work/<path>`, its `origin`
/// the bare `<root>/remotes/<name>.git`), and a config (`<root>/work/fleetgate.yaml`) that lists each bare
/// repository's `file://` URL first, has no local `path`s (the service reads only its mirrors), maps the
/// reconciler clusters to Kubernetes doubles and the forge to a GitHub double.
struct Estate {
    tmp: tempfile::TempDir,
    /// Configured repository name → its path inside the examples.
    paths: Vec<(String, String)>,
}

impl Estate {
    /// `kubes`: one double per entry of [`CLUSTERS`], in that order.
    fn new(forge_api: &str, kubes: &[KubeDouble]) -> Estate {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        let root = root.as_path();
        let work = root.join("work");
        copy_tree(&crate::support::root().join("examples"), &work);
        let original = std::fs::read_to_string(work.join("fleetgate.yaml")).unwrap();
        // Repositories: name and path, from the example config (two-space list items under `repos:`).
        let mut paths = Vec::new();
        let mut name = None;
        for line in original.lines() {
            if let Some(n) = line.strip_prefix("  - name: ") {
                name = Some(n.trim().to_string());
            } else if let Some(p) = line.strip_prefix("    path: ") {
                paths.push((name.take().unwrap(), p.trim().to_string()));
            }
        }
        assert_eq!(paths.len(), 6, "the example estate's repositories: {paths:?}");
        std::fs::create_dir_all(root.join("remotes")).unwrap();
        for (name, path) in &paths {
            let dir = work.join(path);
            git(&dir, &["init", "-q"]);
            git(&dir, &["add", "-A"]);
            git(&dir, &["commit", "-qm", "base"]);
            let bare = root.join(format!("remotes/{name}.git"));
            git(root, &["clone", "-q", "--bare", dir.to_str().unwrap(), bare.to_str().unwrap()]);
            git(&dir, &["remote", "add", "origin", bare.to_str().unwrap()]);
        }
        let estate = Estate { tmp, paths };

        // The config: file:// URLs first, no `path`, cluster access, webhook secret, forge, store.
        let mut config = String::new();
        let mut name = None;
        for line in original.lines() {
            if let Some(n) = line.strip_prefix("  - name: ") {
                name = Some(n.trim().to_string());
            }
            if line.starts_with("    path: ") {
                continue;
            }
            config.push_str(line);
            config.push('\n');
            if line == "    urls:" {
                let n = name.as_deref().unwrap();
                config.push_str(&format!("      - {}\n", estate.url(n)));
            }
        }
        let kubeconfig_path = root.join("kubeconfig.yaml");
        let urls: Vec<String> = kubes.iter().map(KubeDouble::url).collect();
        let entries: Vec<(&str, &str, &str)> =
            CLUSTERS.iter().zip(&urls).map(|((name, token), url)| (*name, url.as_str(), *token)).collect();
        std::fs::write(&kubeconfig_path, kubeconfig(&entries)).unwrap();
        let mut access = String::from("clusters:\n  access:\n");
        for (name, _) in CLUSTERS {
            access +=
                &format!("    {name}:\n      kubeconfig: {{path: {}, context: {name}}}\n", kubeconfig_path.display());
        }
        assert!(config.contains("\nclusters:\n"));
        let mut config = config.replacen("\nclusters:\n", &format!("\n{access}"), 1);
        config += &format!(
            "\nsecrets:\n  hook: {{env: {HOOK_ENV}}}\n  github: {{env: {GITHUB_ENV}}}\n\
             server:\n  workers: 1\n  webhooks:\n    github: hook\n\
             forge:\n  kind: github\n  apiUrl: {forge_api}\n  token: github\n\
             store:\n  dataDir: {}\n",
            root.join("data").display()
        );
        std::fs::write(estate.config(), config).unwrap();
        estate
    }

    fn root(&self) -> &Path {
        self.tmp.path()
    }

    fn config(&self) -> PathBuf {
        self.root().join("work/fleetgate.yaml")
    }

    /// The `file://` URL of repository `name`'s bare repository.
    fn url(&self, name: &str) -> String {
        format!("file://{}", self.root().join(format!("remotes/{name}.git")).display())
    }

    /// The work tree of repository `name`.
    fn work(&self, name: &str) -> PathBuf {
        let (_, path) = self.paths.iter().find(|(n, _)| n == name).unwrap();
        self.root().join("work").join(path)
    }

    fn head(&self, name: &str) -> String {
        git(&self.work(name), &["rev-parse", "HEAD"])
    }

    /// Replaces `from` (which must be there) with `to` in `file` of repository `name`, commits on the current
    /// branch and pushes it; returns the new commit.
    fn change(&self, name: &str, file: &str, from: &str, to: &str) -> String {
        let dir = self.work(name);
        let p = dir.join(file);
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(text.contains(from), "{file} does not contain {from:?}");
        std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
        git(&dir, &["commit", "-qam", &format!("{file}: {to}")]);
        let branch = git(&dir, &["rev-parse", "--abbrev-ref", "HEAD"]);
        git(&dir, &["push", "-q", "origin", &branch]);
        self.head(name)
    }

    fn repository(&self, name: &str, project: &str) -> Value {
        json!({
            "full_name": project,
            "clone_url": self.url(name),
            "html_url": format!("https://git.example.com/{project}"),
            "default_branch": "main",
            "private": true
        })
    }

    fn push_body(&self, name: &str, project: &str, before: &str, after: &str) -> Vec<u8> {
        json!({
            "ref": "refs/heads/main", "before": before, "after": after,
            "created": false, "deleted": false, "forced": false,
            "head_commit": {"id": after}, "commits": [{"id": after}],
            "repository": self.repository(name, project)
        })
        .to_string()
        .into_bytes()
    }

    fn pull_request_body(&self, name: &str, project: &str, action: &str, number: u64, shas: (&str, &str)) -> Vec<u8> {
        let repo = self.repository(name, project);
        json!({
            "action": action,
            "number": number,
            "pull_request": {
                "state": "open", "title": "dev-us-east: more pods", "merged": false, "draft": false,
                "base": {"ref": "main", "sha": shas.0, "repo": repo},
                "head": {"ref": "dev-pods", "sha": shas.1, "repo": repo}
            },
            "repository": repo
        })
        .to_string()
        .into_bytes()
    }
}

/// A running `fleetgate serve` on the estate; killed when dropped.
struct Serve {
    child: Child,
    addr: String,
    log: PathBuf,
}

impl Serve {
    fn start(estate: &Estate) -> Serve {
        let log = estate.root().join("serve.log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_fleetgate"))
            .args(["serve", "--config"])
            .arg(estate.config())
            .args(["--listen", "127.0.0.1:0"])
            .env(HOOK_ENV, HOOK_SECRET)
            .env(GITHUB_ENV, GITHUB_TOKEN)
            .env_remove("RUST_LOG")
            .env_remove("FLEETGATE_TEST_STEP_DELAY_MS")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start fleetgate serve");
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        let Some(addr) = first.trim().strip_prefix("listening on http://").map(str::to_string) else {
            let _ = child.kill();
            panic!("unexpected first line {first:?}; log:\n{}", std::fs::read_to_string(&log).unwrap_or_default())
        };
        Serve { child, addr, log }
    }

    fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(body).unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        let text = String::from_utf8_lossy(&out).into_owned();
        let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        (status, text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default())
    }

    /// Delivers a GitHub event signed with the webhook secret; returns the run it created.
    fn deliver(&self, event: &str, delivery: &str, body: &[u8]) -> i64 {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(HOOK_SECRET.as_bytes()).unwrap();
        mac.update(body);
        let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        let sig = format!("sha256={hex}");
        let headers = [
            ("X-GitHub-Event", event),
            ("X-GitHub-Delivery", delivery),
            ("X-Hub-Signature-256", sig.as_str()),
            ("Content-Type", "application/json"),
        ];
        let (status, text) = self.request("POST", "/webhooks/github", &headers, body);
        assert_eq!(status, 202, "{event} {delivery}: {text}\n{}", self.logs());
        let answer: Value = serde_json::from_str(&text).unwrap();
        answer["run"].as_i64().unwrap_or_else(|| panic!("{event} {delivery} created no run: {answer}"))
    }

    /// Polls `/runs/{id}` until the run is final.
    fn wait_run(&self, id: i64) -> Value {
        let t0 = Instant::now();
        loop {
            let (status, body) = self.request("GET", &format!("/runs/{id}"), &[], b"");
            assert_eq!(status, 200, "{body}");
            let run: Value = serde_json::from_str(&body).unwrap();
            if matches!(run["status"].as_str(), Some("succeeded" | "failed" | "superseded" | "canceled")) {
                return run;
            }
            assert!(t0.elapsed() < Duration::from_secs(180), "run {id} did not finish: {run}\n{}", self.logs());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM; the service must exit 0, and no secret may appear in its logs.
    fn stop(mut self) {
        Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
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
        for secret in [HOOK_SECRET, GITHUB_TOKEN].into_iter().chain(CLUSTERS.iter().map(|c| c.1)) {
            assert!(!logs.contains(secret), "a secret leaked into the logs");
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One Kubernetes double per reconciler cluster, in [`CLUSTERS`] order.
fn kube_doubles() -> Vec<KubeDouble> {
    CLUSTERS.iter().map(|(_, token)| KubeDouble::start(token)).collect()
}

fn step<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["steps"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("{report:#}"))
}

fn affected(report: &Value) -> Vec<String> {
    report["affected"]
        .as_object()
        .unwrap_or_else(|| panic!("no affected clusters in {report:#}"))
        .keys()
        .cloned()
        .collect()
}

fn paths(patches: &[Recorded]) -> Vec<String> {
    patches.iter().map(|p| p.path.clone()).collect()
}

#[test]
fn a_signed_push_reconciles_exactly_the_changed_clusters_objects_source_first() {
    let forge = GitHubDouble::start(GITHUB_TOKEN, "platform/gitops-workloads");
    let kubes = kube_doubles();
    let estate = Estate::new(&forge.api_url(), &kubes);
    let server = Serve::start(&estate);

    // prod-eu's own Flux syncs its workloads from gitops-workloads: a substitution in its payment-app sync.
    let before = estate.head("hub-workloads");
    let after = estate.change(
        "hub-workloads",
        "prod-eu/payment-app/sync.yaml",
        "PAYMENTS_HOST: pay.example.com",
        "PAYMENTS_HOST: pay-eu.example.com",
    );
    let body = estate.push_body("hub-workloads", "platform/gitops-workloads", &before, &after);
    let run = server.wait_run(server.deliver("push", "loop-push-1", &body));
    let report = &run["report"];
    assert_eq!(run["status"], "succeeded", "{run:#}\n{}", server.logs());
    assert_eq!((report["base"].as_str(), report["head"].as_str()), (Some(before.as_str()), Some(after.as_str())));
    assert_eq!(affected(report), ["prod-eu"], "{report:#}");
    assert_eq!(step(report, "reconcile")["status"], "passed", "{report:#}");
    assert_eq!(step(report, "comment")["status"], "skipped", "{report:#}");

    // prod-eu: both sources before the Kustomizations that read them; each a merge patch setting exactly the
    // Flux annotation, authenticated with prod-eu's token.
    let prod_eu = &kubes[0];
    assert_eq!(
        paths(&prod_eu.patches()),
        [
            kube_path("source.toolkit.fluxcd.io/v1", "GitRepository", "flux-system", "gitops-workloads"),
            kube_path("source.toolkit.fluxcd.io/v1", "GitRepository", "payments", "payment-app"),
            kube_path("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "flux-system", "workloads"),
            kube_path("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "payments", "payment-app"),
        ],
        "{}",
        server.logs()
    );
    for p in prod_eu.patches() {
        assert_eq!(p.content_type(), Some("application/merge-patch+json"), "{}", p.path);
        assert_eq!(p.query_param("fieldManager"), Some("fleetgate"), "{}", p.path);
        let annotations = p.json()["metadata"]["annotations"].clone();
        assert_eq!(
            annotations.as_object().map(|a| a.keys().map(String::as_str).collect::<Vec<_>>()),
            Some(vec![FLUX_ANNOTATION])
        );
        let at = annotations[FLUX_ANNOTATION].as_str().unwrap();
        at.parse::<jiff::Timestamp>().unwrap_or_else(|e| panic!("{at} is not RFC 3339: {e}"));
    }
    let bearer = format!("Bearer {}", CLUSTERS[0].1);
    assert!(prod_eu.requests().iter().all(|r| r.header("authorization") == Some(bearer.as_str())));
    // No other cluster is even contacted, and a push writes nothing to the forge.
    for (d, (name, _)) in kubes.iter().zip(CLUSTERS).skip(1) {
        assert_eq!(paths(&d.requests()), Vec::<String>::new(), "{name} was contacted");
    }
    assert!(forge.writes().is_empty(), "a push writes to the forge: {:?}", forge.writes());
    // The service read every repository from its own mirror (the config has no local paths).
    for (name, _) in &estate.paths {
        assert!(estate.root().join(format!("data/mirrors/{name}.git/HEAD")).is_file(), "no mirror of {name}");
    }
    server.stop();
}

#[test]
fn a_signed_pull_request_gets_one_comment_naming_its_clusters_and_a_new_head_edits_it() {
    let forge = GitHubDouble::start(GITHUB_TOKEN, "platform/argocd-estate");
    let kubes = kube_doubles();
    let estate = Estate::new(&forge.api_url(), &kubes);
    let server = Serve::start(&estate);

    // dev-us-east's folder of the Argo CD estate, on a branch: only the cluster-config Application of dev-us-east.
    let base = estate.head("argocd");
    git(&estate.work("argocd"), &["checkout", "-qb", "dev-pods"]);
    let file = "clusters/dev-us-east/resource-quota.yaml";
    let first = estate.change("argocd", file, "pods: \"50\"", "pods: \"60\"");
    let opened = estate.pull_request_body("argocd", "platform/argocd-estate", "opened", 12, (&base, &first));
    let run = server.wait_run(server.deliver("pull_request", "loop-pr-1", &opened));
    let report = &run["report"];
    assert_eq!(run["status"], "succeeded", "{run:#}\n{}", server.logs());
    assert_eq!(affected(report), ["dev-us-east"], "{report:#}");
    assert_eq!(step(report, "reconcile")["status"], "skipped", "{report:#}");

    let comments = forge.comments();
    assert_eq!(comments.len(), 1, "{comments:#?}");
    assert_eq!(comments[0].issue, 12);
    assert_eq!(summary_clusters(&comments[0].body), ["dev-us-east"], "{}", comments[0].body);
    assert!(comments[0].body.contains("<!-- fleetgate:"), "the marker: {}", comments[0].body);
    let statuses = forge.statuses();
    assert_eq!(statuses.len(), 1, "{statuses:#?}");
    assert_eq!((statuses[0].sha.as_str(), statuses[0].state.as_str()), (first.as_str(), "success"));
    assert!(statuses[0].context.starts_with("fleetgate/"), "{:?}", statuses[0]);
    assert!(forge.requests().iter().all(|r| r.header("authorization") == Some(&format!("Bearer {GITHUB_TOKEN}"))));
    for (d, (name, _)) in kubes.iter().zip(CLUSTERS) {
        assert_eq!(paths(&d.requests()), Vec::<String>::new(), "a pull request contacted {name}");
    }

    // A new head (synchronize): the same comment is edited, none is added, and the new head gets a status.
    forge.clear_requests();
    let second = estate.change("argocd", file, "pods: \"60\"", "pods: \"70\"");
    let synced = estate.pull_request_body("argocd", "platform/argocd-estate", "synchronize", 12, (&base, &second));
    let run = server.wait_run(server.deliver("pull_request", "loop-pr-2", &synced));
    assert_eq!(run["status"], "succeeded", "{run:#}\n{}", server.logs());
    assert_eq!(run["report"]["head"], second.as_str());
    let again = forge.comments();
    assert_eq!(again.len(), 1, "{again:#?}");
    assert_eq!(again[0].id, comments[0].id);
    assert!(comments[0].body.contains("+    pods: \"60\""), "the diff of the first head: {}", comments[0].body);
    assert!(again[0].body.contains("+    pods: \"70\""), "the diff of the new head: {}", again[0].body);
    assert_eq!(summary_clusters(&again[0].body), ["dev-us-east"], "{}", again[0].body);
    let writes: Vec<(String, String)> = forge.writes().iter().map(|r| (r.method.clone(), r.path.clone())).collect();
    assert_eq!(
        writes,
        [
            ("PATCH".to_string(), format!("/repos/platform/argocd-estate/issues/comments/{}", comments[0].id)),
            ("POST".to_string(), format!("/repos/platform/argocd-estate/statuses/{second}")),
        ]
    );
    assert!(kubes.iter().all(|d| d.requests().is_empty()), "a pull request reconciles nothing");
    server.stop();
}
