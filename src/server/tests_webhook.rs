//! Webhook parsing and verification against the shared payload corpus (`../shared/testdata/webhooks`), plus
//! hand-written hostile inputs.

use super::*;
use crate::server::verify::{self, VerifyError};
use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/testdata/webhooks");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: {} is absent (shared webhook test data)", dir.display());
        None
    }
}

fn headers_from(v: &Value) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, val) in v.as_object().unwrap() {
        h.append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_bytes(val.as_str().unwrap().as_bytes()).unwrap(),
        );
    }
    h
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn provider_of(platform: &str) -> Provider {
    match platform {
        "github" => Provider::GitHub,
        "gitlab" => Provider::GitLab,
        "gitea" => Provider::Gitea,
        other => panic!("unknown platform {other}"),
    }
}

/// The parsed delivery in the sidecar's vocabulary.
fn as_expect(d: &Delivery) -> Value {
    let repo = match &d.repo {
        None => Value::Null,
        Some(r) => {
            let mut m = json!({
                "full_name": r.full_name, "clone_url": r.clone_url, "ssh_url": r.ssh_url,
                "html_url": r.html_url, "default_branch": r.default_branch,
            });
            if let Some(p) = r.private {
                m["private"] = json!(p);
            }
            if let Some(id) = r.project_id {
                m["project_id"] = json!(id);
            }
            m
        }
    };
    let mut out = json!({ "repo": repo });
    match &d.kind {
        EventKind::Ping(p) => {
            out["kind"] = json!("ping");
            out["handled"] = json!(true);
            out["ping"] = json!({"hook_id": p.hook_id, "hook_type": p.hook_type, "zen": p.zen, "events": p.events});
        }
        EventKind::Push(p) => {
            out["kind"] = json!("push");
            out["handled"] = json!(true);
            let mut m = json!({
                "ref": p.git_ref, "ref_type": p.ref_type.as_str(), "ref_name": p.ref_name,
                "is_tag": p.ref_type == RefType::Tag, "before": p.before, "after": p.after,
                "before_is_zero_sha": is_zero(&p.before), "after_is_zero_sha": is_zero(&p.after),
                "commit_count_in_payload": p.commit_ids.len(), "commit_ids": p.commit_ids,
                "created": p.created, "deleted": p.deleted, "forced": p.forced,
                "flags_source": if p.flags_from_payload { "payload" } else { "zero-sha" },
                "total_commits_count": p.total_commits_count, "commits_truncated": p.commits_truncated,
                "head_sha": p.head_sha,
            });
            match d.provider {
                Provider::GitHub => {
                    m["base_ref"] = json!(p.base_ref);
                    m["head_commit_id"] = json!(p.head_commit_id);
                }
                Provider::Gitea => m["head_commit_id"] = json!(p.head_commit_id),
                Provider::GitLab => m["checkout_sha"] = json!(p.checkout_sha),
            }
            out["push"] = m;
        }
        EventKind::PullRequest(p) => {
            out["kind"] = json!("pull_request");
            out["handled"] = json!(true);
            let mut m = json!({
                "action": p.action, "normalized_action": p.normalized_action.as_str(), "number": p.number,
                "state": p.state, "merged": p.merged, "draft": p.draft, "title": p.title,
                "base": {"ref": p.base.git_ref, "sha": p.base.sha, "repo_full_name": p.base.repo_full_name},
                "head": {"ref": p.head.git_ref, "sha": p.head.sha, "repo_full_name": p.head.repo_full_name,
                         "clone_url": p.head.clone_url},
                "from_fork": p.from_fork, "merge_commit_sha": p.merge_commit_sha, "changes_keys": p.changes_keys,
            });
            if d.provider == Provider::GitLab {
                m["id"] = json!(p.id);
                m["oldrev"] = json!(p.oldrev);
            } else {
                m["before"] = json!(p.before);
                m["after"] = json!(p.after);
            }
            if let Some(b) = &p.base_changed_from {
                m["base_changed_from"] = json!({"ref": b.git_ref, "sha": b.sha});
            }
            out["pull_request"] = m;
        }
        EventKind::Ignored { action, .. } => {
            out["kind"] = json!("ignored");
            out["handled"] = json!(false);
            out["action"] = json!(action);
        }
    }
    out
}

/// Sidecar keys that describe the sample, not facts a receiver extracts. `files`/`changed_files` are the
/// payload's per-commit file lists: fleetgate takes changed paths from git, never from payloads (DESIGN.md).
const NOT_FACTS: &[&str] =
    &["schema", "payload_file", "payload_bytes", "payload_sha256", "platform", "event", "headers"];
const INFORMATIONAL: &[&str] = &["synthetic", "source", "notes"];
const PUSH_PAYLOAD_FILE_LISTS: &[&str] = &["files", "changed_files"];

#[test]
fn every_corpus_payload_matches_its_sidecar() {
    let Some(dir) = corpus() else { return };
    let mut checked = 0;
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    for platform in ["github", "gitlab", "gitea"] {
        let mut events: Vec<_> = std::fs::read_dir(dir.join(platform)).unwrap().map(|e| e.unwrap().path()).collect();
        events.sort();
        for event_dir in events {
            let mut files: Vec<_> = std::fs::read_dir(&event_dir).unwrap().map(|e| e.unwrap().path()).collect();
            files.sort();
            for payload in files {
                let name = payload.file_name().unwrap().to_str().unwrap().to_string();
                if !name.ends_with(".json") || name.ends_with(".expect.json") {
                    continue;
                }
                let sidecar_path = payload.with_file_name(name.replace(".json", ".expect.json"));
                let expect: Value = serde_json::from_slice(&std::fs::read(&sidecar_path).unwrap()).unwrap();
                let body = std::fs::read(&payload).unwrap();
                assert_eq!(expect["payload_bytes"], json!(body.len()), "{name}: size");
                assert_eq!(expect["payload_sha256"], json!(sha256_hex(&body)), "{name}: hash");
                assert_eq!(expect["platform"], json!(platform));
                let provider = provider_of(platform);
                let mut headers = headers_from(&expect["headers"]);
                headers.insert(provider.delivery_header(), HeaderValue::from_static("d-123"));
                let delivery = parse(provider, &headers, &body).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(delivery.provider, provider);
                assert_eq!(delivery.delivery_id.as_deref(), Some("d-123"));
                let header_value = expect["headers"].as_object().unwrap().values().next().unwrap();
                assert_eq!(json!(delivery.event), *header_value, "{name}: event");
                let got = as_expect(&delivery);
                for (key, want) in expect.as_object().unwrap() {
                    if NOT_FACTS.contains(&key.as_str()) || INFORMATIONAL.contains(&key.as_str()) {
                        continue;
                    }
                    match key.as_str() {
                        "push" => {
                            for (k, w) in want.as_object().unwrap() {
                                if PUSH_PAYLOAD_FILE_LISTS.contains(&k.as_str()) {
                                    continue;
                                }
                                assert_eq!(got["push"].get(k), Some(w), "{platform}/{name}: push.{k}");
                            }
                            // Nothing extracted that the sidecar does not know.
                            for k in got["push"].as_object().unwrap().keys() {
                                assert!(want.get(k).is_some(), "{name}: push.{k} not in sidecar");
                            }
                        }
                        "pull_request" | "ping" => {
                            for (k, w) in want.as_object().unwrap() {
                                assert_eq!(got[key.as_str()].get(k), Some(w), "{platform}/{name}: {key}.{k}");
                            }
                            for k in got[key.as_str()].as_object().unwrap().keys() {
                                assert!(want.get(k).is_some(), "{name}: {key}.{k} not in sidecar");
                            }
                        }
                        _ => assert_eq!(got.get(key), Some(want), "{platform}/{name}: {key}"),
                    }
                }
                // Every fact we report is in the sidecar.
                for key in got.as_object().unwrap().keys() {
                    assert!(expect.get(key).is_some(), "{name}: {key} not in sidecar");
                }
                *kinds.entry(got["kind"].as_str().unwrap().to_string()).or_default() += 1;
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 45, "payload count (README: 45 payload files)");
    assert_eq!(kinds.get("push"), Some(&16));
    assert_eq!(kinds.get("pull_request"), Some(&19));
    assert_eq!(kinds.get("ping"), Some(&2));
    assert_eq!(kinds.get("ignored"), Some(&8));
}

#[test]
fn needs_build_follows_the_action() {
    let Some(dir) = corpus() else { return };
    let cases = [
        ("github/pull_request/octokit-opened.json", true),
        ("github/pull_request/octokit-synchronize.json", true),
        ("github/pull_request/octokit-reopened.json", true),
        ("github/pull_request/octokit-closed.json", false),
        ("github/pull_request/octokit-labeled.json", false),
        ("github/pull_request/woodpecker-merged.json", false),
        ("github/pull_request/synthetic-edited-title.json", false),
        ("github/pull_request/synthetic-edited-base-changed.json", true),
        ("gitlab/merge_request/woodpecker-update-new-commits.json", true),
        ("gitlab/merge_request/woodpecker-update-title-only.json", false),
        ("gitlab/merge_request/woodpecker-merge.json", false),
        ("gitea/pull_request/woodpecker-synchronized.json", true),
    ];
    for (file, want) in cases {
        let platform = file.split('/').next().unwrap();
        let provider = provider_of(platform);
        let expect_path = dir.join(file.replace(".json", ".expect.json"));
        let expect: Value = serde_json::from_slice(&std::fs::read(expect_path).unwrap()).unwrap();
        let d = parse(provider, &headers_from(&expect["headers"]), &std::fs::read(dir.join(file)).unwrap()).unwrap();
        let EventKind::PullRequest(pr) = d.kind else { panic!("{file}: not a pull request") };
        assert_eq!(pr.needs_build, want, "{file}");
    }
}

#[test]
fn every_signature_vector_is_accepted_or_rejected_as_documented() {
    let Some(dir) = corpus() else { return };
    let doc: Value = serde_json::from_slice(&std::fs::read(dir.join("signatures.json")).unwrap()).unwrap();
    let github = doc["github"]["vectors"].as_array().unwrap();
    let gitlab = doc["gitlab"]["vectors"].as_array().unwrap();
    assert_eq!((github.len(), gitlab.len()), (25, 10));
    for v in github {
        let id = v["id"].as_str().unwrap();
        let body: Vec<u8> = if let Some(t) = v["body_text"].as_str() {
            t.as_bytes().to_vec()
        } else if let Some(f) = v["body_file"].as_str() {
            std::fs::read(dir.join(f)).unwrap()
        } else {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.decode(v["body_base64"].as_str().unwrap()).unwrap()
        };
        assert_eq!(v["body_sha256"], json!(sha256_hex(&body)), "{id}: body hash");
        let secret = v["secret"].as_str().unwrap().as_bytes();
        let result = verify::github(&headers_from(&v["headers"]), &body, secret);
        assert_eq!(result.is_ok(), v["expect_valid"].as_bool().unwrap(), "{id}: {result:?}");
        // The dispatcher gives the same answer.
        assert_eq!(verify::verify(Provider::GitHub, &headers_from(&v["headers"]), &body, secret), result, "{id}");
    }
    for v in gitlab {
        let id = v["id"].as_str().unwrap();
        let token = v["configured_token"].as_str().unwrap().as_bytes();
        let result = verify::gitlab(&headers_from(&v["headers"]), token);
        assert_eq!(result.is_ok(), v["expect_valid"].as_bool().unwrap(), "{id}: {result:?}");
        if let Err(e) = result {
            assert!(!e.to_string().contains(v["configured_token"].as_str().unwrap()), "{id}: {e}");
        }
    }
}

fn gh(event: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("x-github-event", HeaderValue::from_str(event).unwrap());
    h
}

fn minimal_push() -> Value {
    json!({
        "ref": "refs/heads/main",
        "before": "1111111111111111111111111111111111111111",
        "after": "2222222222222222222222222222222222222222",
        "created": false, "deleted": false, "forced": false,
        "commits": [{"id": "2222222222222222222222222222222222222222"}],
        "head_commit": {"id": "2222222222222222222222222222222222222222"},
        "repository": {"full_name": "o/r", "clone_url": "https://example.test/o/r.git"}
    })
}

#[test]
fn minimal_push_parses() {
    let d = parse(Provider::GitHub, &gh("push"), minimal_push().to_string().as_bytes()).unwrap();
    let EventKind::Push(p) = d.kind else { panic!("not a push") };
    assert_eq!(p.head_sha.as_deref(), Some("2222222222222222222222222222222222222222"));
    assert_eq!((p.ref_type, p.ref_name.as_str()), (RefType::Branch, "main"));
    assert_eq!(d.repo.unwrap().full_name, "o/r");
    assert_eq!(d.delivery_id, None);
}

#[test]
fn missing_or_bad_event_header_is_an_error() {
    let body = minimal_push().to_string();
    assert!(matches!(
        parse(Provider::GitHub, &HeaderMap::new(), body.as_bytes()),
        Err(ParseError::MissingHeader { header: "x-github-event", .. })
    ));
    let mut h = HeaderMap::new();
    h.insert("x-github-event", HeaderValue::from_bytes("pü".as_bytes()).unwrap());
    assert!(matches!(parse(Provider::GitHub, &h, body.as_bytes()), Err(ParseError::BadHeader { .. })));
    // GitLab events come from X-Gitlab-Event, not X-GitHub-Event.
    assert!(matches!(parse(Provider::GitLab, &gh("push"), body.as_bytes()), Err(ParseError::MissingHeader { .. })));
}

#[test]
fn missing_fields_name_the_event_and_the_path() {
    let mut body = minimal_push();
    body["repository"].as_object_mut().unwrap().remove("clone_url");
    let err = parse(Provider::GitHub, &gh("push"), body.to_string().as_bytes()).unwrap_err();
    let ParseError::Json { event, path, .. } = &err else { panic!("{err:?}") };
    assert_eq!((event.as_str(), path.as_str()), ("push", "repository"));
    assert!(err.to_string().contains("clone_url"), "{err}");

    let mut body = minimal_push();
    body["commits"][0]["id"] = json!(7);
    let err = parse(Provider::GitHub, &gh("push"), body.to_string().as_bytes()).unwrap_err();
    let ParseError::Json { path, .. } = &err else { panic!("{err:?}") };
    assert_eq!(path, "commits[0].id");
}

#[test]
fn commit_ids_must_be_full_hex_ids() {
    for bad in ["HEAD~1", "main", "ABCDEF1111111111111111111111111111111111", "1111", "--upload-pack=x"] {
        let mut body = minimal_push();
        body["after"] = json!(bad);
        let err = parse(Provider::GitHub, &gh("push"), body.to_string().as_bytes()).unwrap_err();
        assert!(matches!(&err, ParseError::Invalid { path, .. } if path == "after"), "{bad}: {err:?}");
    }
    let mut body = minimal_push();
    body["deleted"] = json!(true);
    let err = parse(Provider::GitHub, &gh("push"), body.to_string().as_bytes()).unwrap_err();
    assert!(matches!(&err, ParseError::Invalid { path, .. } if path == "deleted"), "{err:?}");
}

#[test]
fn malformed_and_non_utf8_bodies_are_errors_for_handled_events() {
    for body in [&b""[..], b"{", b"[]", b"null", b"{\"ref\": \"\xff\xfe\"}", b"\xff\xfe\x00garbage", b"{} {}"] {
        let err = parse(Provider::GitHub, &gh("push"), body).unwrap_err();
        assert!(matches!(err, ParseError::Json { .. }), "{body:?}: {err:?}");
        assert!(err.to_string().contains("`push`"), "{err}");
    }
    // Valid JSON with a non-UTF-8 byte inside a string the parser must read.
    let mut bytes = minimal_push().to_string().into_bytes();
    let at = bytes.windows(4).position(|w| w == b"main").unwrap();
    bytes[at] = 0xff;
    assert!(matches!(parse(Provider::GitHub, &gh("push"), &bytes), Err(ParseError::Json { .. })));
}

#[test]
fn oversized_garbage_and_deep_nesting_fail_cleanly() {
    // Deep nesting in a field parsed as a JSON value hits serde_json's recursion limit: an error, no overflow.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let body =
        format!(r#"{{"action":"edited","number":1,"changes":{{"x":{deep}}},"pull_request":{{}},"repository":{{}}}}"#);
    let err = parse(Provider::GitHub, &gh("pull_request"), body.as_bytes()).unwrap_err();
    assert!(matches!(&err, ParseError::Json { message, .. } if message.contains("recursion limit")), "{err:?}");
    // Deep nesting in a skipped field is skipped without recursion; the payload stays valid.
    let mut push = minimal_push().to_string();
    push.insert_str(1, &format!(r#""sender":{deep},"#));
    assert!(parse(Provider::GitHub, &gh("push"), push.as_bytes()).is_ok());
    // A few megabytes of noise.
    let noise: Vec<u8> = (0..4_000_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8).collect();
    assert!(matches!(parse(Provider::GitHub, &gh("push"), &noise), Err(ParseError::Json { .. })));
    assert!(matches!(
        parse(Provider::GitLab, &headers_from(&json!({"X-Gitlab-Event": "Push Hook"})), &noise),
        Err(ParseError::Json { .. })
    ));
}

#[test]
fn unknown_events_are_ignored_even_with_garbage_bodies() {
    for (provider, headers) in [
        (Provider::GitHub, gh("deployment_status")),
        (Provider::GitHub, gh("pull_request_review_comment")),
        (Provider::GitLab, headers_from(&json!({"X-Gitlab-Event": "System Hook"}))),
        (Provider::Gitea, headers_from(&json!({"X-Gitea-Event": "issues"}))),
    ] {
        for body in [&b"\xff not json"[..], b"", b"{\"repository\": 5}"] {
            let d = parse(provider, &headers, body).unwrap();
            assert!(matches!(d.kind, EventKind::Ignored { .. }), "{provider}: {:?}", d.kind);
            assert_eq!(d.repo, None);
        }
    }
    // GitHub ping is not a GitLab or Gitea event.
    let d = parse(Provider::Gitea, &headers_from(&json!({"X-Gitea-Event": "ping"})), b"{}").unwrap();
    assert!(matches!(d.kind, EventKind::Ignored { .. }));
}

#[test]
fn repeated_or_oversized_delivery_header_is_an_error() {
    let body = minimal_push().to_string();
    let mut h = gh("push");
    h.append("x-github-delivery", HeaderValue::from_static("a"));
    h.append("x-github-delivery", HeaderValue::from_static("b"));
    assert!(matches!(parse(Provider::GitHub, &h, body.as_bytes()), Err(ParseError::BadHeader { .. })));
    let mut h = gh("push");
    h.insert("x-github-delivery", HeaderValue::from_str(&"x".repeat(300)).unwrap());
    assert!(matches!(parse(Provider::GitHub, &h, body.as_bytes()), Err(ParseError::BadHeader { .. })));
}

#[test]
fn verify_error_is_unrelated_to_parse() {
    // A forged delivery is rejected before parsing; the error says which header failed, not the secret.
    let body = minimal_push().to_string();
    let mut h = gh("push");
    h.insert(
        "x-hub-signature-256",
        HeaderValue::from_static("sha256=0000000000000000000000000000000000000000000000000000000000000000"),
    );
    let err = verify::verify(Provider::GitHub, &h, body.as_bytes(), b"hunter2").unwrap_err();
    assert_eq!(err, VerifyError::Mismatch { header: verify::GITHUB_SIGNATURE });
    assert!(!err.to_string().contains("hunter2"));
}
