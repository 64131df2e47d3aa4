//! `fleetgate seal-check` end to end: the shared test vectors at their four levels, no plaintext in any output,
//! the example estate, the shared corpus, key loading from files and environment variables.

use crate::support::*;
use base64::Engine;
use serde_json::Value;
use std::path::{Path, PathBuf};

const LEVELS: [(&str, &[&str]); 4] = [
    ("structure", &[]),
    ("cert", &["--cert", "keys/current.crt"]),
    ("decrypt_current", &["--key", "keys/current.key"]),
    ("decrypt_current_and_stale", &["--key", "keys/current.key", "--key", "keys/stale.key"]),
];

fn vectors() -> Option<(PathBuf, Value)> {
    let dir = shared("testdata/sealed-secrets")?.join("testdata/sealed-secrets");
    let expect = serde_json::from_str(&std::fs::read_to_string(dir.join("expect.json")).unwrap()).unwrap();
    Some((dir, expect))
}

/// Mismatches between one file's JSON report and expect.json at `level`.
fn compare(file: &str, fr: Option<&Value>, expect: &Value, level: &str) -> Vec<String> {
    let mut bad = Vec::new();
    let empty = Vec::new();
    let docs = fr.and_then(|f| f["documents"].as_array()).unwrap_or(&empty);
    let want_docs = expect["documents"].as_array().unwrap();
    for ed in want_docs {
        let index = ed["index"].as_u64().unwrap();
        let got = docs.iter().find(|d| d["index"].as_u64() == Some(index));
        let want = ed["expect"][level].as_str().unwrap();
        // Documents seal-check has nothing to say about are left out of the report: that is "ignored".
        let got_result = got.map_or("ignored", |d| d["result"].as_str().unwrap_or("?"));
        if got_result != want {
            bad.push(format!("{file}[{index}] {level}: document {got_result}, expected {want}"));
        }
        let Some(got) = got else { continue };
        for f in ["kind", "name", "namespace"] {
            if got[f] != ed[f] {
                bad.push(format!("{file}[{index}]: {f} {}, expected {}", got[f], ed[f]));
            }
        }
        if ed["kind"] != "SealedSecret" {
            continue;
        }
        if got["scope"] != ed["unseal_scope"] || got["label"] != ed["unseal_label"] {
            bad.push(format!("{file}[{index}]: scope/label {}/{}", got["scope"], got["label"]));
        }
        let warnings = got.get("warnings").cloned().unwrap_or(Value::Array(Vec::new()));
        if warnings != ed["advisory_warnings"] {
            bad.push(format!("{file}[{index}]: warnings {warnings}, expected {}", ed["advisory_warnings"]));
        }
        let entries = got["entries"].as_array().unwrap();
        let want_entries = ed["entries"].as_object().unwrap();
        if entries.len() != want_entries.len() {
            bad.push(format!("{file}[{index}]: {} entries, expected {}", entries.len(), want_entries.len()));
        }
        for (item, ee) in want_entries {
            let Some(ge) = entries.iter().find(|e| e["item"] == item.as_str()) else {
                bad.push(format!("{file}[{index}].{item}: missing"));
                continue;
            };
            let want = &ee["expect"][level];
            let got_key = ge.get("key").cloned().unwrap_or(Value::Null);
            let want_key = want.get("key").cloned().unwrap_or(Value::Null);
            if ge["result"] != want["result"] || got_key != want_key {
                bad.push(format!(
                    "{file}[{index}].{item} {level}: {} key {got_key}, expected {} key {want_key}",
                    ge["result"], want["result"]
                ));
            }
        }
    }
    if docs.len() > want_docs.len() {
        bad.push(format!("{file}: {} documents reported, {} in the file", docs.len(), want_docs.len()));
    }
    bad
}

/// Copy one vector file into a fresh directory, so that one run sees one file.
fn alone(dir: &Path, file: &str) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    std::fs::copy(dir.join(file), t.path().join(file)).unwrap();
    t
}

#[test]
fn every_vector_file_gives_exactly_the_expected_result_at_every_level() {
    let Some((dir, expect)) = vectors() else { return };
    let mut bad = Vec::new();
    let mut runs = 0;
    for (level, key_args) in LEVELS {
        // The whole directory in one run …
        let mut args = vec!["seal-check", ".", "--output", "json"];
        args.extend_from_slice(key_args);
        let o = fleetgate(&args, &dir);
        assert_eq!(o.status.code(), Some(1), "{level}: {}", stderr(&o));
        let report: Value = serde_json::from_str(&stdout(&o)).unwrap();
        let files = report["files"].as_array().unwrap();
        for (file, fe) in expect["files"].as_object().unwrap() {
            let fr = files.iter().find(|f| f["file"] == file.as_str());
            bad.extend(compare(file, fr, fe, level));
        }
        // … and every file on its own, whose exit code is its verdict.
        for (file, fe) in expect["files"].as_object().unwrap() {
            let t = alone(&dir, file);
            let key_args: Vec<String> = key_args
                .iter()
                .map(|a| if a.starts_with("keys/") { dir.join(a).display().to_string() } else { a.to_string() })
                .collect();
            let mut args = vec!["seal-check", ".", "--output", "json"];
            args.extend(key_args.iter().map(String::as_str));
            let o = fleetgate(&args, t.path());
            runs += 1;
            let report: Value = serde_json::from_str(&stdout(&o)).unwrap();
            let fr = report["files"].as_array().unwrap().iter().find(|f| f["file"] == file.as_str()).cloned();
            bad.extend(compare(file, fr.as_ref(), fe, level));
            let failed_docs = fe["documents"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| matches!(d["expect"][level].as_str(), Some("fail" | "plain-secret")));
            if o.status.code() != Some(if failed_docs { 1 } else { 0 }) {
                bad.push(format!("{file} {level}: exit {:?}, expected {}", o.status.code(), u8::from(failed_docs)));
            }
            if level == "decrypt_current" && (o.status.code() == Some(1)) != (fe["verdict"] == "fail") {
                bad.push(format!("{file}: verdict {:?} vs exit {:?}", fe["verdict"], o.status.code()));
            }
        }
    }
    assert_eq!(runs, 4 * 13);
    assert!(bad.is_empty(), "{} mismatches:\n{}", bad.len(), bad.join("\n"));
}

/// Every plaintext of the vectors (decoded, and as base64), plus the plain Secrets' values.
fn plaintexts(expect: &Value) -> Vec<String> {
    let mut out = vec![
        "TEST-ONLY-plaintext-api-key".to_string(),
        "VEVTVC1PTkxZLXBsYWludGV4dC1wYXNzd29yZA==".to_string(),
        "TEST-ONLY-plaintext-password".to_string(),
        "TEST-ONLY-hmac-key".to_string(),
    ];
    for fe in expect["files"].as_object().unwrap().values() {
        for d in fe["documents"].as_array().unwrap() {
            let Some(entries) = d["entries"].as_object() else { continue };
            for e in entries.values() {
                let b64 = e["plaintext_base64"].as_str().unwrap();
                if b64.len() < 8 {
                    continue; // the empty value and tiny ones would match anything
                }
                out.push(b64.to_string());
                let raw = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
                let text = String::from_utf8_lossy(&raw).into_owned();
                if text.len() >= 6 && !text.contains('\u{fffd}') {
                    out.push(text);
                }
            }
        }
    }
    out
}

#[test]
fn no_plaintext_appears_in_any_output() {
    let Some((dir, expect)) = vectors() else { return };
    let secrets = plaintexts(&expect);
    assert!(secrets.len() > 20, "{}", secrets.len());
    let mut checked = 0;
    for (_, key_args) in LEVELS {
        for output in ["human", "json", "markdown"] {
            for log in ["trace", "debug"] {
                let mut args = vec!["--log", log, "seal-check", ".", "--output", output, "--color", "always"];
                args.extend_from_slice(key_args);
                let o = fleetgate(&args, &dir);
                assert!(matches!(o.status.code(), Some(1)), "{args:?}: {}", stderr(&o));
                let all = format!("{}{}", stdout(&o), stderr(&o));
                assert!(
                    stderr(&o).contains("sealed value checked") || key_args.is_empty() || log != "debug",
                    "{args:?}: debug logs are on"
                );
                for s in &secrets {
                    assert!(!all.contains(s.as_str()), "{args:?}: a plaintext value appears in the output");
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 24);
    // The example estate: every plaintext sealed in it starts with TEST-ONLY (examples/keys/reseal.sh), and the
    // decrypt level opens every value through builds and Flux Kustomizations too.
    for output in ["human", "json", "markdown"] {
        let o = fleetgate(&["--log", "trace", "seal-check", "examples", "--output", output], &root());
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let all = format!("{}{}", stdout(&o), stderr(&o));
        assert!(all.contains("sealed value checked"));
        assert!(!all.contains("TEST-ONLY"), "{output}: a plaintext value appears in the output");
    }
}

#[test]
fn keys_from_the_secrets_manager_json_and_an_environment_variable() {
    let Some((dir, _)) = vectors() else { return };
    let t = alone(&dir, "good-strict.yaml");
    std::fs::copy(dir.join("wrong-key.yaml"), t.path().join("wrong-key.yaml")).unwrap();
    let json = dir.join("keys/current.secretsmanager.json");
    let o = fleetgate(&["seal-check", ".", "--key", json.to_str().unwrap(), "--output", "json"], t.path());
    let r: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(r["summary"]["errors"], 2, "{}", stdout(&o));
    assert_eq!(r["groups"][0]["keys"][0]["fingerprint"], "SHA256:Rpw+q10SpjfZTSonv39bNr+1bmObM1KUbxkV/XrCLy4");

    // A config whose group reads the current key from a file and the stale one from an environment variable.
    let stale = std::fs::read_to_string(dir.join("keys/stale.key")).unwrap();
    write(
        t.path(),
        &[(
            "fleetgate.yaml",
            &format!(
                "repos:\n  - name: r\n    role: app\n    path: .\nsealCheck:\n  groups:\n    - name: payments\n      keys:\n        - file: {}\n        - env: FG_TEST_STALE_KEY\n          name: stale\n",
                dir.join("keys/current.key").display()
            ),
        )],
    );
    let run = |env: Option<&str>| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_fleetgate"));
        c.args(["seal-check", ".", "--output", "json"]).current_dir(t.path()).env("NO_COLOR", "1");
        match env {
            Some(v) => c.env("FG_TEST_STALE_KEY", v),
            None => c.env_remove("FG_TEST_STALE_KEY"),
        };
        c.output().unwrap()
    };
    let o = run(Some(&stale));
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let r: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let entries: Vec<&Value> =
        r["files"].as_array().unwrap().iter().flat_map(|f| f["documents"][0]["entries"].as_array().unwrap()).collect();
    assert!(entries.iter().any(|e| e["key"] == "stale"));
    assert!(entries.iter().any(|e| e["key"] == "current"));
    let o = run(None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("FG_TEST_STALE_KEY is not set"), "{}", stderr(&o));
    assert!(stderr(&o).contains("sealCheck.groups[0].keys[1]"), "{}", stderr(&o));
    let o = run(Some("not a key"));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no PEM block"), "{}", stderr(&o));
}

#[test]
fn usage_errors_exit_2() {
    let t = tempfile::tempdir().unwrap();
    let o = fleetgate(&["seal-check", ".", "--key", "missing.key"], t.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.key"), "{}", stderr(&o));
    let o = fleetgate(&["seal-check", "nowhere"], t.path());
    assert_eq!(o.status.code(), Some(2));
    let o = fleetgate(&["seal-check", "."], t.path());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn generated_secrets_are_plaintext() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        &[
            (
                "app/kustomization.yaml",
                "resources: [cm.yaml]\nsecretGenerator:\n  - name: db\n    literals: [password=TEST-ONLY-generated]\n",
            ),
            ("app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"),
            ("enc/kustomization.yaml", "secretGenerator:\n  - name: db\n    envs: [secret.env]\n"),
            ("enc/secret.env", "password=ENC[AES256_GCM,data:abc,iv:d,tag:e,type:str]\n"),
        ],
    );
    let o = fleetgate(&["seal-check", "."], t.path());
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("app/kustomization.yaml:2:1: error[plain-secret] Secret db: secretGenerator"), "{out}");
    assert!(!out.contains("enc/"), "{out}");
    assert!(!out.contains("TEST-ONLY-generated"), "{out}");
    write(
        t.path(),
        &[(
            "fleetgate.yaml",
            "repos:\n  - name: r\n    role: app\n    path: .\nsealCheck:\n  allowPlaintext:\n    - paths: [app]\n",
        )],
    );
    let o = fleetgate(&["seal-check", "."], t.path());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn git_revisions_are_checked_as_committed() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        &[("s.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  a: TEST-ONLY-b\n")],
    );
    git(t.path(), &["init", "-q"]);
    git(t.path(), &["add", "-A"]);
    git(t.path(), &["commit", "-qm", "leak"]);
    std::fs::remove_file(t.path().join("s.yaml")).unwrap();
    assert_eq!(fleetgate(&["seal-check", "."], t.path()).status.code(), Some(0));
    let o = fleetgate(&["seal-check", ".", "--rev", "HEAD"], t.path());
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("s.yaml:6:3: error[plain-secret]"), "{}", stdout(&o));
}

#[test]
fn the_example_estate_passes_at_every_level() {
    let examples = root().join("examples");
    let key = examples.join("keys/sealed-secrets.key");
    let cert = examples.join("keys/sealed-secrets.crt");
    let runs: [(&str, Vec<&str>); 6] = [
        ("structure", vec!["--level", "structure"]),
        ("cert", vec!["--level", "cert"]),
        ("decrypt", vec![]),
        ("cert", vec!["--cert", cert.to_str().unwrap()]),
        ("decrypt", vec!["--key", key.to_str().unwrap()]),
        ("decrypt", vec!["--key", key.to_str().unwrap(), "--cert", cert.to_str().unwrap()]),
    ];
    for (level, extra) in runs {
        let mut args = vec!["seal-check", "examples", "--output", "json"];
        args.extend(extra.iter().copied());
        let o = fleetgate(&args, &root());
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}{}", stdout(&o), stderr(&o));
        let r: Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(r["summary"]["errors"], 0, "{args:?}");
        assert_eq!(r["summary"]["warnings"], 0, "{args:?}: {}", r["findings"]);
        assert_eq!(r["summary"]["sealedSecrets"], 13, "{args:?}");
        let docs: Vec<&Value> =
            r["files"].as_array().unwrap().iter().flat_map(|f| f["documents"].as_array().unwrap()).collect();
        assert_eq!(docs.len(), 13, "{args:?}");
        for d in docs {
            assert_eq!(d["result"], "ok", "{args:?}: {d}");
            assert_eq!(d["level"], level, "{args:?}: {d}");
            for e in d["entries"].as_array().unwrap() {
                assert_eq!(e["result"], "ok");
                let want_key = if level == "decrypt" { Value::from("sealed-secrets") } else { Value::Null };
                assert_eq!(e.get("key").cloned().unwrap_or(Value::Null), want_key, "{args:?}: {e}");
            }
        }
    }
    // The human output says so in one line.
    let o = fleetgate(&["seal-check", "examples"], &root());
    assert!(stdout(&o).contains("ok: 0 errors, 0 warnings; 13 SealedSecrets (31 values)"), "{}", stdout(&o));
}

#[test]
fn seal_check_runs_to_the_end_over_the_shared_corpus() {
    let Some(shared) = shared("corpus") else { return };
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(shared.join("corpus")).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    assert!(!dirs.is_empty());
    let cert = root().join("examples/keys/sealed-secrets.crt");
    for d in dirs {
        for extra in [vec![], vec!["--cert", cert.to_str().unwrap()]] {
            let mut args = vec!["seal-check", d.to_str().unwrap(), "--output", "json"];
            args.extend(extra.iter().copied());
            let o = fleetgate(&args, &root());
            assert!(matches!(o.status.code(), Some(0 | 1)), "{args:?}: {}", stderr(&o));
            let r: Value = serde_json::from_str(&stdout(&o))
                .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}", stderr(&o)));
            let rules: std::collections::BTreeMap<String, usize> =
                r["findings"].as_array().unwrap().iter().fold(Default::default(), |mut m, f| {
                    *m.entry(f["rule"].as_str().unwrap().to_string()).or_default() += 1;
                    m
                });
            eprintln!(
                "{} {:?}: {} SealedSecrets, {} values, {} files; findings {rules:?}",
                d.file_name().unwrap().to_string_lossy(),
                extra.first(),
                r["summary"]["sealedSecrets"],
                r["summary"]["values"],
                r["summary"]["files"]
            );
        }
    }
}

// ---- AWS Secrets Manager, through the AWS SDK against a local moto server ---------------------------------

/// A moto server on 127.0.0.1, stopped when dropped.
struct Moto {
    child: std::process::Child,
    url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start_moto() -> Option<Moto> {
    use std::process::{Command, Stdio};
    let have = Command::new("moto_server").arg("--help").stdout(Stdio::null()).stderr(Stdio::null()).status();
    let boto = Command::new("python3").args(["-c", "import boto3"]).stderr(Stdio::null()).status();
    if !have.is_ok_and(|s| s.success()) || !boto.is_ok_and(|s| s.success()) {
        eprintln!("skipping: moto_server (pip install 'moto[server]') is not installed");
        return None;
    }
    let port = free_port();
    let child = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start moto_server");
    let moto = Moto { child, url: format!("http://127.0.0.1:{port}") };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "moto_server did not start on port {port}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    Some(moto)
}

/// Store a secret in moto with boto3 (test-side only: fleetgate itself reads it through the Rust AWS SDK).
fn put_secret(moto: &Moto, name: &str, value_file: &Path) {
    let script = "import boto3, sys\n\
        c = boto3.client('secretsmanager', endpoint_url=sys.argv[1], region_name='us-east-1',\n\
                         aws_access_key_id='test', aws_secret_access_key='test')\n\
        c.create_secret(Name=sys.argv[2], SecretString=open(sys.argv[3]).read())\n";
    let o = std::process::Command::new("python3")
        .args(["-c", script, &moto.url, name, value_file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "create_secret: {}", String::from_utf8_lossy(&o.stderr));
}

fn fleetgate_aws(args: &[&str], cwd: &Path, endpoint: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_fleetgate"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .env_remove("AWS_PROFILE")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", cwd.join("no-aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", cwd.join("no-aws-credentials"))
        .output()
        .unwrap()
}

/// A workspace with one example SealedSecret as committed and one renamed after sealing, and a config whose
/// group reads the sealing key from AWS Secrets Manager secret `secret_id`.
fn aws_workspace(secret_id: &str) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let sealed = std::fs::read_to_string(
        root().join("examples/hub-and-spoke/payment-app/overlays/production/sealed-secret.yaml"),
    )
    .unwrap();
    assert!(sealed.contains("name: payment-app-db\n"));
    let renamed = sealed.replace("name: payment-app-db\n", "name: payment-app-db-v2\n");
    write(
        t.path(),
        &[
            ("app/sealed.yaml", &sealed),
            ("app/renamed.yaml", &renamed),
            (
                "fleetgate.yaml",
                &format!(
                    "repos:\n  - name: app\n    role: app\n    path: app\nsecrets:\n  sealing-key:\n    aws: {{secretId: {secret_id}}}\n\
                     sealCheck:\n  groups:\n    - name: payments\n      keys:\n        - secret: sealing-key\n        - aws: {{secretId: {secret_id}, key: tls.key, region: us-east-1}}\n          name: by-field\n"
                ),
            ),
        ],
    );
    t
}

#[test]
fn keys_from_aws_secrets_manager_end_to_end() {
    let Some(moto) = start_moto() else { return };
    // The example pair as Secrets Manager holds it: {"tls.crt": PEM, "tls.key": PEM}.
    let keys = root().join("examples/keys");
    let value = serde_json::json!({
        "tls.crt": std::fs::read_to_string(keys.join("sealed-secrets.crt")).unwrap(),
        "tls.key": std::fs::read_to_string(keys.join("sealed-secrets.key")).unwrap(),
    });
    let t = aws_workspace("platform/sealed-secrets-key");
    let value_file = t.path().join("value.json");
    std::fs::write(&value_file, value.to_string()).unwrap();
    put_secret(&moto, "platform/sealed-secrets-key", &value_file);

    let o = fleetgate_aws(&["seal-check", ".", "--output", "json"], t.path(), &moto.url);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let r: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let group = &r["groups"][0];
    assert_eq!(group["level"], "decrypt");
    let key_names: Vec<&str> = group["keys"].as_array().unwrap().iter().map(|k| k["name"].as_str().unwrap()).collect();
    assert_eq!(key_names, ["sealed-secrets-key", "by-field"]);
    assert_eq!(group["certs"].as_array().unwrap().len(), 1);
    for f in r["files"].as_array().unwrap() {
        let doc = &f["documents"][0];
        if f["file"] == "sealed.yaml" {
            assert_eq!(doc["result"], "ok", "{doc}");
            assert!(doc["entries"].as_array().unwrap().iter().all(|e| e["key"] == "sealed-secrets-key"));
        } else {
            assert_eq!(doc["result"], "fail", "{doc}");
            assert!(doc["entries"].as_array().unwrap().iter().all(|e| e["result"] == "rsa-oaep-failed"));
        }
    }
    assert!(!stderr(&o).contains("panicked"));
}

#[test]
fn a_missing_aws_secret_is_a_clear_error() {
    let Some(moto) = start_moto() else { return };
    let t = aws_workspace("platform/no-such-secret");
    let o = fleetgate_aws(&["seal-check", "."], t.path(), &moto.url);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{}{err}", stdout(&o));
    assert!(err.contains("\"platform/no-such-secret\" does not exist"), "{err}");
    assert!(err.contains("sealCheck.groups[0].keys[0]"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn an_unreachable_aws_endpoint_fails_in_bounded_time() {
    if start_moto().is_none() {
        return;
    }
    let t = aws_workspace("platform/sealed-secrets-key");
    // Nothing listens there.
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let started = std::time::Instant::now();
    let o = fleetgate_aws(&["seal-check", "."], t.path(), &endpoint);
    let elapsed = started.elapsed();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{}{err}", stdout(&o));
    assert!(err.contains("\"platform/sealed-secrets-key\""), "{err}");
    assert!(err.contains("cannot reach") || err.contains("no answer"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(elapsed < std::time::Duration::from_secs(45), "took {elapsed:?}");
}

#[test]
fn a_silent_aws_endpoint_times_out_in_bounded_time() {
    if start_moto().is_none() {
        return;
    }
    let t = aws_workspace("platform/sealed-secrets-key");
    // Accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let started = std::time::Instant::now();
    let o = fleetgate_aws(&["seal-check", "."], t.path(), &endpoint);
    let elapsed = started.elapsed();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{}{err}", stdout(&o));
    assert!(err.contains("\"platform/sealed-secrets-key\""), "{err}");
    assert!(
        err.contains("in time") || err.contains("gave up") || err.contains("timed out") || err.contains("timeout"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(elapsed < std::time::Duration::from_secs(50), "took {elapsed:?}");
}

#[test]
fn sealed_secrets_are_checked_where_kustomize_builds_land_them() {
    let sealed = std::fs::read_to_string(
        root().join("examples/hub-and-spoke/payment-app/overlays/production/sealed-secret.yaml"),
    )
    .unwrap();
    let no_ns = sealed.replacen("\n  namespace: payments\n", "\n", 1);
    assert_ne!(no_ns, sealed);
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        &[
            ("base/kustomization.yaml", "resources: [sealed.yaml]\n"),
            ("base/sealed.yaml", &sealed),
            ("same/kustomization.yaml", "namespace: payments\nresources: [../base]\n"),
            ("moved/kustomization.yaml", "resources: [../base]\nnamespace: payments-v2\n"),
            ("prefixed/kustomization.yaml", "resources: [../base]\nnamePrefix: eu-\n"),
            ("unset/sealed.yaml", &no_ns),
            ("unset/kustomization.yaml", "namespace: payments\nresources: [sealed.yaml]\n"),
        ],
    );
    let key = root().join("examples/keys/sealed-secrets.key");
    let o = fleetgate(&["seal-check", ".", "--key", key.to_str().unwrap()], t.path());
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let errors: Vec<&str> = out.lines().filter(|l| l.contains(": error[")).collect();
    assert_eq!(errors.len(), 6, "{out}"); // 3 values × (moved, prefixed)
    assert!(errors.iter().all(|l| l.contains("error[rsa-oaep-failed]")), "{out}");
    assert!(out.contains("moved/kustomization.yaml:2:1: error[rsa-oaep-failed] SealedSecret payments-v2/payment-app-db: base/sealed.yaml (SealedSecret payments/payment-app-db) lands as SealedSecret payments-v2/payment-app-db when moved is built, so the controller computes the label \"payments-v2/payment-app-db\", not \"payments/payment-app-db\" as in the file, and no key of group \"command-line\" (sealed-secrets) opens encryptedData.DB_PASSWORD with it"), "{out}");
    assert!(
        out.contains("prefixed/kustomization.yaml:2:1: error[rsa-oaep-failed] SealedSecret payments/eu-payment-app-db"),
        "{out}"
    );
    assert!(!out.contains("same/"), "{out}");
    // The file without a namespace gets one from its kustomization, which opens its values: no warning left.
    assert!(!out.contains("namespace-unset"), "{out}");
    // Without the build step the file alone only warns.
    std::fs::remove_file(t.path().join("unset/kustomization.yaml")).unwrap();
    let o = fleetgate(&["seal-check", ".", "--key", key.to_str().unwrap()], t.path());
    assert!(stdout(&o).contains("unset/sealed.yaml:6:3: warning[namespace-unset]"), "{}", stdout(&o));
}

#[test]
fn a_flux_target_namespace_that_moves_a_sealed_secret_is_caught_across_repositories() {
    let t = tempfile::tempdir().unwrap();
    copy_tree(&root().join("examples"), t.path());
    let sync = t.path().join("hub-and-spoke/gitops-workloads/prod-eu/payment-app/sync.yaml");
    let text = std::fs::read_to_string(&sync).unwrap();
    std::fs::write(&sync, text.replace("targetNamespace: payments\n", "targetNamespace: payments-eu\n")).unwrap();
    let o = fleetgate(&["seal-check", "."], t.path());
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let errors: Vec<&str> = out.lines().filter(|l| l.contains(": error[")).collect();
    assert_eq!(errors.len(), 3, "{out}");
    for l in errors {
        assert!(
            l.starts_with("hub-workloads:prod-eu/payment-app/sync.yaml:14:20: error[rsa-oaep-failed] SealedSecret payments-eu/payment-app-db: payment-app:overlays/production/sealed-secret.yaml (SealedSecret payments/payment-app-db) lands as SealedSecret payments-eu/payment-app-db when Flux Kustomization payments/payment-app applies it"),
            "{l}"
        );
    }
    // The staging Kustomization still targets the namespace the secret was sealed for.
    assert!(!out.contains("staging-eu"), "{out}");
}
