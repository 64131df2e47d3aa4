use super::*;
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::rsa::{OAEP_SHA256_MGF1SHA256, OaepPublicEncryptingKey, PublicEncryptingKey};
use base64::Engine;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example_ring() -> Keyring {
    let text = std::fs::read_to_string(root().join("examples/keys/sealed-secrets.key")).unwrap();
    let mut ring = Keyring::default();
    ring.add_text("examples", "examples/keys/sealed-secrets.key", &text).unwrap();
    ring
}

/// Seal `plaintext` for `label` with the public half of `ring`'s first key, as kubeseal does.
fn seal(ring: &Keyring, label: &str, plaintext: &[u8]) -> String {
    let public = PublicEncryptingKey::from_der(&ring.keys[0].spki).unwrap();
    let public = OaepPublicEncryptingKey::new(public).unwrap();
    let session = [7u8; 32];
    let mut rsa = vec![0u8; public.ciphertext_size()];
    let rsa = public.encrypt(&OAEP_SHA256_MGF1SHA256, &session, &mut rsa, Some(label.as_bytes())).unwrap().to_vec();
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &session).unwrap());
    let mut body = plaintext.to_vec();
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key([0; 12]), Aad::empty(), &mut body).unwrap();
    let mut out = (rsa.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(&rsa);
    out.extend_from_slice(&body);
    base64::engine::general_purpose::STANDARD.encode(out)
}

fn opts_with(ring: Keyring) -> SealOptions {
    SealOptions {
        groups: vec![Group { name: "g".into(), ring, ..Group::default() }],
        render: false,
        ..SealOptions::default()
    }
}

fn run(text: &str, opts: &SealOptions) -> (FileReport, Vec<Finding>) {
    let mut sink = Sink::default();
    let fr = check_text("repo", "f.yaml", text, opts, &mut sink, true);
    (fr, sink.findings)
}

fn sealed_secret(annotations: &str, template_annotations: &str, name: &str, ns: &str, data: &str) -> String {
    format!(
        "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: {name}\n  namespace: {ns}\n{annotations}spec:\n  encryptedData:\n{data}  template:\n    metadata:\n      name: {name}\n      namespace: {ns}\n{template_annotations}"
    )
}

#[test]
fn opens_values_for_every_scope_and_rejects_other_labels() {
    let ring = example_ring();
    let opts = opts_with(ring);
    let ring = &opts.groups[0].ring;
    let cases = [
        ("", "payments/app", true),
        ("  annotations:\n    sealedsecrets.bitnami.com/namespace-wide: 'true'\n", "payments", true),
        ("  annotations:\n    sealedsecrets.bitnami.com/cluster-wide: 'true'\n", "", true),
        ("", "payments", false),
        ("  annotations:\n    sealedsecrets.bitnami.com/cluster-wide: 'false'\n", "", false),
    ];
    for (ann, label, ok) in cases {
        let v = seal(ring, label, b"TEST-ONLY-value");
        let text = sealed_secret(ann, "", "app", "payments", &format!("    token: {v}\n"));
        let (fr, findings) = run(&text, &opts);
        let doc = &fr.documents[0];
        assert_eq!(doc.label.as_deref(), Some(if ok { label } else { "payments/app" }), "{ann}");
        assert_eq!(doc.result == DocResult::Ok, ok, "{ann} {label}: {findings:?}");
        if ok {
            assert_eq!(doc.entries[0].outcome, Outcome::Ok { key: Some("examples".into()) });
        } else {
            assert_eq!(doc.entries[0].outcome.code(), "rsa-oaep-failed");
        }
    }
}

#[test]
fn corrupted_body_is_an_aes_failure_naming_the_key() {
    let opts = opts_with(example_ring());
    let v = seal(&opts.groups[0].ring, "payments/app", b"TEST-ONLY-value");
    let mut bytes = base64::engine::general_purpose::STANDARD.decode(&v).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let v = base64::engine::general_purpose::STANDARD.encode(bytes);
    let (fr, findings) = run(&sealed_secret("", "", "app", "payments", &format!("    token: {v}\n")), &opts);
    assert_eq!(fr.documents[0].entries[0].outcome, Outcome::AesGcmFailed { key: "examples".into() });
    assert_eq!(findings.len(), 1);
    assert!(findings[0].message.contains("AES-GCM"), "{}", findings[0].message);
}

#[test]
fn legacy_spec_data_is_checked_too() {
    let opts = opts_with(example_ring());
    let v = seal(&opts.groups[0].ring, "payments/app", b"{\"kind\":\"Secret\"}");
    let text = format!(
        "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: app\n  namespace: payments\nspec:\n  data: {v}\n"
    );
    let (fr, findings) = run(&text, &opts);
    assert!(findings.is_empty(), "{findings:?}");
    assert_eq!(fr.documents[0].entries[0].item, "(spec.data)");
    assert!(fr.documents[0].entries[0].outcome.is_ok());
}

#[test]
fn scope_annotations_must_be_strings_and_exactly_true() {
    let opts = SealOptions { render: false, ..SealOptions::default() };
    let text = sealed_secret(
        "  annotations:\n    sealedsecrets.bitnami.com/cluster-wide: true\n    sealedsecrets.bitnami.com/namespace-wide: 'yes'\n",
        "",
        "app",
        "payments",
        "    token: AAAA\n",
    );
    let (fr, findings) = run(&text, &opts);
    let rules: Vec<(&str, Severity)> = findings.iter().map(|f| (f.rule, f.severity)).collect();
    assert!(rules.contains(&("scope-annotation-invalid", Severity::Error)), "{rules:?}");
    assert!(rules.contains(&("scope-annotation-invalid", Severity::Warning)), "{rules:?}");
    // Neither annotation is honoured: the controller computes a strict label.
    assert_eq!(fr.documents[0].scope, Some(Scope::Strict));
    assert_eq!(fr.documents[0].result, DocResult::Fail);
}

#[test]
fn template_metadata_must_agree_with_the_top_level() {
    let opts = SealOptions { render: false, ..SealOptions::default() };
    let v = "AAAAAAAAAAAAAAAAAAAAAAAAAA==";
    let mut text = sealed_secret(
        "  annotations:\n    sealedsecrets.bitnami.com/namespace-wide: 'true'\n",
        "      annotations:\n        sealedsecrets.bitnami.com/cluster-wide: 'true'\n",
        "app",
        "payments",
        &format!("    token: {v}\n"),
    );
    text = text.replace("      name: app\n", "      name: other\n");
    let (fr, findings) = run(&text, &opts);
    let doc = &fr.documents[0];
    assert_eq!(doc.warnings, vec!["scope-annotation-mismatch", "template-metadata-mismatch"]);
    assert_eq!(doc.scope, Some(Scope::NamespaceWide));
    assert_eq!(doc.label.as_deref(), Some("payments"));
    assert_eq!(doc.result, DocResult::Ok);
    assert!(findings.iter().all(|f| f.severity == Severity::Warning), "{findings:?}");
}

#[test]
fn a_template_without_scope_annotations_is_no_mismatch() {
    let opts = SealOptions { render: false, ..SealOptions::default() };
    let text = sealed_secret(
        "  annotations:\n    sealedsecrets.bitnami.com/cluster-wide: 'true'\n",
        "",
        "app",
        "payments",
        "    token: AAAAAAAAAAAAAAAAAAAAAAAAAA==\n",
    );
    let (fr, findings) = run(&text, &opts);
    assert!(fr.documents[0].warnings.is_empty());
    assert!(findings.is_empty(), "{findings:?}");
}

#[test]
fn unknown_namespace_skips_decryption_with_a_warning() {
    let opts = opts_with(example_ring());
    let v = seal(&opts.groups[0].ring, "payments/app", b"x");
    let text = format!(
        "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: app\nspec:\n  encryptedData:\n    token: {v}\n"
    );
    let (fr, findings) = run(&text, &opts);
    assert_eq!(fr.documents[0].warnings, vec!["namespace-unset"]);
    assert_eq!(fr.documents[0].entries[0].outcome, Outcome::Ok { key: None });
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].severity, Severity::Warning);
}

#[test]
fn bad_shapes_are_errors_without_panicking() {
    let opts = SealOptions { render: false, ..SealOptions::default() };
    for (data, rule) in [
        ("  encryptedData: [a, b]\n", "sealed-secret-shape"),
        ("  encryptedData:\n    token: 12\n", "invalid-base64"),
        ("  encryptedData:\n    token: null\n", "invalid-base64"),
        ("  encryptedData:\n    'bad key': AAAAAAAAAAAAAAAAAAAAAAAAAA==\n", "sealed-secret-shape"),
    ] {
        let text = format!(
            "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: a\n  namespace: b\nspec:\n{data}"
        );
        let (fr, findings) = run(&text, &opts);
        assert_eq!(fr.documents[0].result, DocResult::Fail, "{data}");
        assert!(findings.iter().any(|f| f.rule == rule && f.severity == Severity::Error), "{data}: {findings:?}");
    }
    // Not even an object, or not YAML: no panic, no document verdict.
    for text in
        ["- a\n- b\n", "just text\n", "kind: SealedSecret\napiVersion: bitnami.com/v1alpha1\nmetadata: 3\nspec: 4\n"]
    {
        let _ = run(text, &opts);
    }
    let (_, findings) = run("kind: Secret\n  bad: [\n", &opts);
    assert_eq!(findings[0].rule, "yaml-parse");
    assert_eq!(findings[0].severity, Severity::Error);
}

#[test]
fn plain_secrets_sops_and_allowed_paths() {
    let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: n\nstringData:\n  password: TEST-ONLY-hunter2\n";
    let opts = SealOptions { render: false, ..SealOptions::default() };
    let (fr, findings) = run(secret, &opts);
    assert_eq!(fr.documents[0].result, DocResult::PlainSecret);
    assert_eq!(findings.len(), 1);
    assert!(findings[0].message.contains("password"));
    assert!(!findings[0].message.contains("hunter2"));

    let sops = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: ENC[AES256_GCM,data:abc,iv:d,tag:e,type:str]\nsops:\n  mac: ENC[AES256_GCM,data:x]\n  version: 3.9.0\n";
    let (fr, findings) = run(sops, &opts);
    assert_eq!(fr.documents[0].result, DocResult::SopsEncrypted);
    assert!(findings.is_empty());
    let half = sops.replace("stringData:\n", "stringData:\n  user: admin\n");
    let (fr, findings) = run(&half, &opts);
    assert_eq!(fr.documents[0].result, DocResult::PlainSecret);
    assert!(findings[0].message.contains("user") && !findings[0].message.contains("admin"), "{}", findings[0].message);
    // ENC[...] without SOPS metadata is not SOPS.
    let (fr, _) = run(&sops.replace("sops:\n  mac: ENC[AES256_GCM,data:x]\n  version: 3.9.0\n", ""), &opts);
    assert_eq!(fr.documents[0].result, DocResult::PlainSecret);

    let allowed = SealOptions {
        allow_plaintext: vec![PathSelector { repo: None, paths: vec!["f.yaml".into()] }],
        render: false,
        ..SealOptions::default()
    };
    let (fr, findings) = run(secret, &allowed);
    assert_eq!(fr.documents[0].result, DocResult::Allowed);
    assert!(findings.is_empty());

    // A Secret without data commits nothing secret.
    let (fr, findings) = run(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\ntype: kubernetes.io/service-account-token\n",
        &opts,
    );
    assert_eq!(fr.documents[0].result, DocResult::Ignored);
    assert!(findings.is_empty());
    // Lists are looked into.
    let list = format!("apiVersion: v1\nkind: List\nitems:\n- {}\n", secret.replace('\n', "\n  ").trim_end());
    let (fr, _) = run(&list, &opts);
    assert_eq!(fr.documents[0].result, DocResult::PlainSecret);
}

#[test]
fn groups_claim_files_by_path_or_cluster_directory() {
    let g = |name: &str, clusters: &[&str], paths: &[&str]| Group {
        name: name.into(),
        clusters: clusters.iter().map(|s| s.to_string()).collect(),
        paths: if paths.is_empty() {
            Vec::new()
        } else {
            vec![PathSelector { repo: Some("r".into()), paths: paths.iter().map(|s| s.to_string()).collect() }]
        },
        ring: Keyring::default(),
    };
    let opts = SealOptions {
        groups: vec![g("eu", &["prod-eu"], &[]), g("us", &[], &["us/**"]), g("default", &[], &[])],
        ..SealOptions::default()
    };
    let names = |repo: &str, path: &str| opts.groups_for(repo, path).iter().map(|g| g.name.clone()).collect::<Vec<_>>();
    assert_eq!(names("r", "clusters/prod-eu/secret.yaml"), ["eu"]);
    assert_eq!(names("r", "prod-eu.yaml"), ["default"]);
    assert_eq!(names("r", "us/a/b.yaml"), ["us"]);
    assert_eq!(names("other", "us/a/b.yaml"), ["default"]);
    assert_eq!(names("r", "us/prod-eu/b.yaml"), ["eu", "us"]);
}

#[test]
fn certificate_warnings_for_expiry_and_key_size() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/keys");
    let mut ring = Keyring::default();
    ring.add_text("c", "sealed-secrets.crt", &std::fs::read_to_string(dir.join("sealed-secrets.crt")).unwrap())
        .unwrap();
    let c = &ring.certs[0];
    assert_eq!(c.bits, 4096);
    assert_eq!(c.not_after.to_string(), "2049-12-31T23:59:59Z");
    assert_eq!(c.not_before.to_string(), "2025-01-01T00:00:00Z");
    assert_eq!(c.subject_cn.as_deref(), Some("fleetgate-examples"));
    let mut opts = opts_with(ring);
    let findings = |opts: &SealOptions| {
        let mut sink = Sink::default();
        let mut report = SealReport::default();
        check_groups(opts, &mut sink, &mut report);
        sink.findings.iter().map(|f| f.rule).collect::<Vec<_>>()
    };
    opts.now = "2030-01-01T00:00:00Z".parse().unwrap();
    assert!(findings(&opts).is_empty());
    opts.now = "2049-12-20T00:00:00Z".parse().unwrap();
    assert_eq!(findings(&opts), ["cert-expiry"]);
    opts.now = "2050-01-01T00:00:00Z".parse().unwrap();
    assert_eq!(findings(&opts), ["cert-expiry"]);
    opts.now = "2024-01-01T00:00:00Z".parse().unwrap();
    assert_eq!(findings(&opts), ["cert-expiry"]);
    opts.now = "2030-01-01T00:00:00Z".parse().unwrap();
    opts.min_key_bits = 8192;
    assert_eq!(findings(&opts), ["key-size"]);
}

#[test]
fn the_example_key_and_certificate_belong_together() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/keys");
    let mut ring = example_ring();
    ring.add_text("c", "crt", &std::fs::read_to_string(dir.join("sealed-secrets.crt")).unwrap()).unwrap();
    assert_eq!(ring.keys[0].spki, ring.certs[0].spki);
    assert_eq!(ring.keys[0].fingerprint, ring.certs[0].fingerprint);
    assert_eq!(ring.level(), Level::Decrypt);
    assert_eq!(ring.block_sizes(), [512]);
}

// ---- the shared test vectors ------------------------------------------------------------------------------

fn vectors() -> Option<(PathBuf, Value)> {
    let dir = root().join("../shared/testdata/sealed-secrets");
    if !dir.join("expect.json").exists() {
        eprintln!("skipping: ../shared/testdata/sealed-secrets is absent");
        return None;
    }
    let expect: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("expect.json")).unwrap()).unwrap();
    Some((dir, expect))
}

fn ring_for(dir: &Path, files: &[&str]) -> Keyring {
    let mut ring = Keyring::default();
    for f in files {
        let text = std::fs::read_to_string(dir.join(f)).unwrap();
        ring.add_text(&keys::name_from_path(f), f, &text).unwrap();
    }
    ring
}

/// Compare one file's report with expect.json at `level`; returns the mismatches.
pub(crate) fn compare(file: &str, fr: &Value, expect: &Value, level: &str) -> Vec<String> {
    let mut bad = Vec::new();
    let docs = fr["documents"].as_array().cloned().unwrap_or_default();
    for ed in expect["documents"].as_array().unwrap() {
        let index = ed["index"].as_u64().unwrap();
        let got = docs.iter().find(|d| d["index"].as_u64() == Some(index));
        let want = ed["expect"][level].as_str().unwrap();
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
        if ed["kind"] == "SealedSecret" {
            if got["scope"] != ed["unseal_scope"] || got["label"] != ed["unseal_label"] {
                bad.push(format!(
                    "{file}[{index}]: scope/label {}/{}, expected {}/{}",
                    got["scope"], got["label"], ed["unseal_scope"], ed["unseal_label"]
                ));
            }
            let warnings = got.get("warnings").cloned().unwrap_or(Value::Array(Vec::new()));
            if warnings != ed["advisory_warnings"] {
                bad.push(format!("{file}[{index}]: warnings {warnings}, expected {}", ed["advisory_warnings"]));
            }
            let entries = got["entries"].as_array().cloned().unwrap_or_default();
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
                if ge["result"] != want["result"] {
                    bad.push(format!("{file}[{index}].{item} {level}: {}, expected {}", ge["result"], want["result"]));
                }
                let got_key = ge.get("key").cloned().unwrap_or(Value::Null);
                let want_key = want.get("key").cloned().unwrap_or(Value::Null);
                if got_key != want_key {
                    bad.push(format!("{file}[{index}].{item} {level}: key {got_key}, expected {want_key}"));
                }
            }
        }
    }
    if docs
        .iter()
        .any(|d| d["index"].as_u64().is_none_or(|i| i as usize >= expect["documents"].as_array().unwrap().len()))
    {
        bad.push(format!("{file}: more documents than expected"));
    }
    bad
}

#[test]
fn every_vector_gives_exactly_the_expected_result_at_every_level() {
    let Some((dir, expect)) = vectors() else { return };
    let levels: [(&str, &[&str]); 4] = [
        ("structure", &[]),
        ("cert", &["keys/current.crt"]),
        ("decrypt_current", &["keys/current.key"]),
        ("decrypt_current_and_stale", &["keys/current.key", "keys/stale.key"]),
    ];
    let mut bad = Vec::new();
    let mut checked = 0;
    for (level, key_files) in levels {
        let groups = if key_files.is_empty() {
            Vec::new()
        } else {
            vec![Group { name: "test".into(), ring: ring_for(&dir, key_files), ..Group::default() }]
        };
        let opts = SealOptions { groups, render: false, ..SealOptions::default() };
        for (file, fe) in expect["files"].as_object().unwrap() {
            let text = std::fs::read_to_string(dir.join(file)).unwrap();
            let mut sink = Sink::default();
            let fr = check_text("vectors", file, &text, &opts, &mut sink, false);
            let json = serde_json::to_value(&fr).unwrap();
            bad.extend(compare(file, &json, fe, level));
            if level == "structure" && file == "wrong-key-size.yaml" {
                // The comparison itself can fail: the structure-level result is not the cert-level one.
                assert!(!compare(file, &json, fe, "cert").is_empty());
            }
            if level == "decrypt_current" {
                let failed = sink.findings.iter().any(|f| f.severity == Severity::Error);
                let want = fe["verdict"].as_str().unwrap();
                if failed != (want == "fail") {
                    bad.push(format!("{file}: verdict {}, expected {want}", if failed { "fail" } else { "pass" }));
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 4 * 13);
    assert!(bad.is_empty(), "{} mismatches:\n{}", bad.len(), bad.join("\n"));
}

#[test]
fn vector_key_fingerprints_and_forms() {
    let Some((dir, expect)) = vectors() else { return };
    for (name, k) in expect["keys"].as_object().unwrap() {
        let key = ring_for(&dir, &[k["private_key"].as_str().unwrap()]);
        let cert = ring_for(&dir, &[k["certificate"].as_str().unwrap()]);
        assert_eq!(key.keys[0].fingerprint, k["fingerprint"].as_str().unwrap(), "{name}");
        assert_eq!(cert.certs[0].fingerprint, k["fingerprint"].as_str().unwrap(), "{name}");
        assert_eq!(key.keys[0].bits as u64, k["modulus_bits"].as_u64().unwrap(), "{name}");
        assert_eq!(cert.certs[0].subject_cn.as_deref(), k["cert_subject_cn"].as_str(), "{name}");
        let nb: jiff::Timestamp = k["cert_not_before"].as_str().unwrap().parse().unwrap();
        let na: jiff::Timestamp = k["cert_not_after"].as_str().unwrap().parse().unwrap();
        assert_eq!((cert.certs[0].not_before, cert.certs[0].not_after), (nb, na), "{name}");
    }
    // The Secrets Manager JSON form gives the same key and certificate.
    let json = ring_for(&dir, &["keys/current.secretsmanager.json"]);
    assert_eq!(json.keys.len(), 1);
    assert_eq!(json.certs.len(), 1);
    assert_eq!(json.keys[0].fingerprint, expect["keys"]["current"]["fingerprint"].as_str().unwrap());
}

// ---- configuration -----------------------------------------------------------------------------------------

fn config(text: &str) -> Result<crate::config::Config, crate::config::ConfigError> {
    crate::config::Config::parse("fleetgate.yaml", text, &root().join("examples"))
}

#[test]
fn seal_check_settings_parse_with_defaults_and_field_paths() {
    let c = config("repos:\n  - name: fleet\n    role: system\n    path: fleet\n").unwrap();
    assert_eq!(c.seal_check.expiry_warning_days, 30);
    assert_eq!(c.seal_check.min_key_bits, 2048);
    assert!(c.seal_check.render);
    let e = config("repos:\n  - name: fleet\n    role: system\nsealCheck:\n  groups:\n    - name: a\n      keys:\n        - fil: x\n")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("fleetgate.yaml:8:16: sealCheck.groups[0].keys[0].fil: unknown field `fil`"), "{e}");
}

#[test]
fn seal_check_groups_load_their_keys_or_say_what_is_wrong() {
    let base = "repos:\n  - name: fleet\n    role: system\n    path: fleet\nsecrets:\n  k: {env: FG_UNIT_UNSET_VAR}\nsealCheck:\n  groups:\n";
    let load = |groups: &str| {
        let c = config(&format!("{base}{groups}")).unwrap();
        load_groups(&c, None).map_err(|e| e.to_string())
    };
    let g = load("    - name: a\n      clusters: [prod-eu]\n      keys:\n        - file: keys/sealed-secrets.key\n        - file: keys/sealed-secrets.crt\n          name: cert\n").unwrap();
    assert_eq!(g[0].ring.keys[0].name, "sealed-secrets");
    assert_eq!(g[0].ring.certs[0].name, "cert");
    let cases = [
        (
            "    - name: a\n      keys:\n        - {file: a, env: B}\n",
            "sealCheck.groups[0].keys[0]: set exactly one of",
        ),
        ("    - name: a\n      keys:\n        - file: nowhere.key\n", "cannot read key file"),
        ("    - name: a\n      keys:\n        - secret: nope\n", "no secret named \"nope\""),
        ("    - name: a\n      keys:\n        - secret: k\n", "FG_UNIT_UNSET_VAR is not set"),
        ("    - name: a\n      keys:\n        - aws: {secretId: x}\n", "cannot reach AWS Secrets Manager"),
        ("    - name: a\n    - name: a\n", "used twice"),
        ("    - name: a\n    - name: b\n", "only one group may have neither"),
        ("    - name: a\n      paths: [{repo: nope, paths: ['**']}]\n", "no repository named \"nope\""),
    ];
    for (groups, want) in cases {
        let e = load(groups).unwrap_err();
        assert!(e.contains(want), "{groups}: {e}");
    }
}
