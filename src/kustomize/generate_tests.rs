//! Tests of the generators: known kubectl hashes, parsing quirks, errors, a differential comparison with
//! `kubectl kustomize` (skipped when it is absent) and the shared kustomize conformance cases (skipped when
//! `../shared` is absent).
//!
//! Both comparisons go through `mini_build`, a test-only build that models just what generated objects go
//! through: resources and bases, generators (merge/replace into earlier objects matched by current or previous
//! name and namespace), `generators:` files with builtin generator configs, then namespace, name prefix and
//! suffix, common labels and annotations, and the hash suffix at the very end.

use super::*;
use crate::kustomize::types::{GeneratorArgs, GeneratorOptions, KUSTOMIZATION_FILES, Kustomization};
use crate::manifest::{Limits, parse};
use crate::source::Snapshot;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;

// ---------------------------------------------------------------------------------------------------------
// Fixtures

fn tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    dir
}

fn snapshot(dir: &tempfile::TempDir) -> Snapshot {
    Snapshot::dir(dir.path()).unwrap()
}

fn args(yaml: &str) -> GeneratorArgs {
    let docs = parse("args.yaml", yaml, &Limits::default()).unwrap();
    serde_json::from_value(crate::kustomize::yaml11::to_json(&docs[0].root)).unwrap()
}

fn opts(yaml: &str) -> GeneratorOptions {
    let docs = parse("opts.yaml", yaml, &Limits::default()).unwrap();
    serde_json::from_value(crate::kustomize::yaml11::to_json(&docs[0].root)).unwrap()
}

/// Generate one entry from files in a fresh tree (kustomization directory "k"), restricted to "k".
fn gen_in(kind: Kind, entry: &str, global: Option<&str>, files: &[(&str, &[u8])]) -> Result<Generated, GenError> {
    let mut all: Vec<(String, Vec<u8>)> = files.iter().map(|(p, c)| (format!("k/{p}"), c.to_vec())).collect();
    all.push(("k/kustomization.yaml".into(), b"{}".to_vec()));
    all.push(("outside.txt".into(), b"outside".to_vec()));
    let refs: Vec<(&str, &[u8])> = all.iter().map(|(p, c)| (p.as_str(), c.as_slice())).collect();
    let dir = tree(&refs);
    let g = global.map(opts);
    generate(kind, &args(entry), g.as_ref(), &snapshot(&dir), "k", Some("k"))
}

fn hashed_name(g: &Generated) -> String {
    let mut o = g.object.clone();
    if g.needs_hash {
        add_hash_suffix(&mut o).unwrap();
    }
    o["metadata"]["name"].as_str().unwrap().to_string()
}

// ---------------------------------------------------------------------------------------------------------
// Hashes and objects recorded from `kubectl kustomize` (kustomize v5.5.0); no kubectl needed.

#[test]
fn hash_matches_kubectl_for_recorded_objects() {
    let cases: Vec<(Value, &str)> = vec![
        (json!({"kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "v"}}), "bdg947hgcc"),
        // The name plays no part, nor does immutable.
        (json!({"kind": "ConfigMap", "metadata": {"name": "b"}, "data": {"k": "v"}, "immutable": true}), "bdg947hgcc"),
        (json!({"kind": "ConfigMap", "metadata": {"name": "c"}}), "6ct58987ht"),
        (json!({"kind": "ConfigMap", "metadata": {"name": "a"}, "binaryData": {"b.bin": "/w=="}}), "4f75d58gkm"),
        (json!({"kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"f.txt": "a\u{8}b"}}), "gc55dm2fbf"),
        (json!({"kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"f.txt": "a\u{1}b"}}), "mt262mhbtt"),
        (json!({"kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"f.txt": "a\u{0}b"}}), "86f7gfk5b9"),
        (json!({"kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"f.txt": "a\u{1b}b"}}), "774b88bt8h"),
        (json!({"kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"f.txt": "a\u{feff}b"}}), "5fhc6kcd75"),
        (json!({"kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"f.txt": "a\u{10ffff}b"}}), "2hfdb2222t"),
        (json!({"kind": "Secret", "metadata": {"name": "s"}, "type": "Opaque", "data": {"k": "dg=="}}), "ftgtgc4t9f"),
        (
            json!({"kind": "Secret", "metadata": {"name": "s2"}, "type": "Opaque", "data": {"k": "dg=="}, "immutable": true}),
            "ftgtgc4t9f",
        ),
        (
            json!({"kind": "Secret", "metadata": {"name": "s3"}, "type": "kubernetes.io/tls", "data": {"k": "dg=="}}),
            "8d9db26b4d",
        ),
        (json!({"kind": "Secret", "metadata": {"name": "s4"}, "type": "Opaque", "data": {}}), "46f8b28mk5"),
        (
            json!({"kind": "ConfigMap", "metadata": {"name": "bin", "namespace": "ns1", "labels": {"a": "g"}},
                   "data": {"big.txt": "x".repeat(52), "ctl.txt": "<a>&b \u{2028} \u{2029} \t\r\n \\ \" é 😀 \r"},
                   "binaryData": {"bin.dat": "//4AYmlu"}, "immutable": true}),
            "kg24b94f7c",
        ),
    ];
    for (obj, want) in cases {
        assert_eq!(content_hash(&obj).unwrap(), want, "{obj}");
    }
    assert!(content_hash(&json!({"kind": "Deployment", "metadata": {"name": "x"}})).is_err());
}

#[test]
fn generated_objects_match_recorded_kubectl_output() {
    // Literal quoting (kubectl: a-2kc2btkkt5).
    let g = gen_in(
        Kind::ConfigMap,
        r#"{name: a, literals: ["k=\"v\"", "k2='v'", "k3=\"v", "k4=\"", "k5=\"v'", "k6=", "k7= sp "]}"#,
        None,
        &[],
    )
    .unwrap();
    assert_eq!(
        g.object,
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"},
               "data": {"k": "v", "k2": "v", "k3": "\"v", "k4": "\"", "k5": "\"v'", "k6": "", "k7": " sp "}})
    );
    assert_eq!(hashed_name(&g), "a-2kc2btkkt5");

    // Env-file quirks (kubectl: a-795ht76tt2).
    let env = b"# comment\n\n  LEAD=x\nTRAIL=y   \nNOVAL\nEMPTY=\nEQ=a=b\nQ=\"quoted\"\nQ2='single'\nexport EXP=1\nSP = z\nCR=cr\r\n\tTAB=t\n   # indented comment\n";
    let g = gen_in(Kind::ConfigMap, "{name: a, envs: [a.env]}", None, &[("a.env", env)]).unwrap();
    assert_eq!(
        g.object["data"],
        json!({"CR": "cr", "EMPTY": "", "EQ": "a=b", "LEAD": "x", "NOVAL": "", "Q": "\"quoted\"", "Q2": "'single'",
               "SP ": " z", "TAB": "t", "TRAIL": "y   ", "export EXP": "1"})
    );
    assert_eq!(hashed_name(&g), "a-795ht76tt2");

    // Secret from files, wrapped base64, global options (kubectl: sbin-6bh2867756).
    let ctl = "<a>&b \u{2028} \u{2029} \t\r\n \\ \" é 😀 \r".as_bytes().to_vec();
    let x52 = vec![b'x'; 52];
    let y105 = vec![b'y'; 105];
    let g = gen_in(
        Kind::Secret,
        "{name: sbin, type: kubernetes.io/tls, files: [bin.dat, big.txt, big2.txt, ctl.txt]}",
        Some("{labels: {a: g, b: g}, annotations: {x: g}, immutable: true}"),
        &[("bin.dat", b"\xff\xfe\x00bin"), ("big.txt", &x52), ("big2.txt", &y105), ("ctl.txt", &ctl)],
    )
    .unwrap();
    assert_eq!(g.object["data"]["big.txt"], json!(format!("{}\n==\n", "eHh4".repeat(17) + "eA")));
    assert_eq!(g.object["data"]["bin.dat"], json!("//4AYmlu"));
    assert_eq!(g.object["immutable"], json!(true));
    assert_eq!(g.object["metadata"]["labels"], json!({"a": "g", "b": "g"}));
    assert_eq!(hashed_name(&g), "sbin-6bh2867756");
}

#[test]
fn options_merge_like_kustomize() {
    let local = opts("{labels: {b: l, c: l}, immutable: false}");
    let global = opts("{labels: {a: g, b: g}, annotations: {x: g}, disableNameSuffixHash: false, immutable: true}");
    let m = merge_options(Some(&local), Some(&global));
    assert_eq!(
        m.labels.into_iter().collect::<Vec<_>>(),
        [("a", "g"), ("b", "l"), ("c", "l")].map(|(a, b)| (a.into(), b.into()))
    );
    assert!(m.immutable, "a local false cannot override a global true");
    assert!(!m.disable_name_suffix_hash);
    let m = merge_options(Some(&opts("{disableNameSuffixHash: true}")), Some(&opts("{disableNameSuffixHash: false}")));
    assert!(m.disable_name_suffix_hash);
    let m = merge_options(None, Some(&opts("{disableNameSuffixHash: true, labels: {x: null}}")));
    assert!(m.disable_name_suffix_hash);
    assert_eq!(m.labels.get("x").map(String::as_str), Some(""));
}

#[test]
fn object_shapes() {
    let g = gen_in(Kind::ConfigMap, "{name: c}", None, &[]).unwrap();
    assert_eq!(g.object, json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}));
    assert!(g.needs_hash);
    assert_eq!(g.behavior, Behavior::Create);
    let g = gen_in(Kind::Secret, "{name: s, type: '', namespace: ''}", None, &[]).unwrap();
    assert_eq!(
        g.object,
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "type": "Opaque", "data": {}})
    );
    let g = gen_in(
        Kind::ConfigMap,
        "{name: b, namespace: ns, behavior: merge, files: [b.bin, t.txt], options: {disableNameSuffixHash: true}}",
        None,
        &[("b.bin", b"\xff"), ("t.txt", b"text")],
    )
    .unwrap();
    assert_eq!(
        g.object,
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b", "namespace": "ns"},
               "data": {"t.txt": "text"}, "binaryData": {"b.bin": "/w=="}})
    );
    assert!(!g.needs_hash);
    assert_eq!(g.behavior, Behavior::Merge);
    assert_eq!(Behavior::parse(Some("replace")), Behavior::Replace);
    assert_eq!(Behavior::parse(Some("Merge")), Behavior::Create);
    assert_eq!(Behavior::parse(Some("bogus")), Behavior::Create);
}

#[test]
fn base64_wraps_at_70() {
    assert_eq!(encode_base64(&[b'a'; 51]).len(), 68);
    assert!(!encode_base64(&[b'a'; 51]).contains('\n'));
    let e = encode_base64(&[b'a'; 105]); // 140 characters: two full lines
    assert_eq!(e.len(), 142);
    assert!(e.ends_with('\n') && e[..71].ends_with('\n'));
    let e = encode_base64(&[b'a'; 52]); // 72 characters
    assert_eq!(&e[70..], "\n==\n");
}

#[test]
fn env_file_rules() {
    let p = |b: &[u8]| parse_env(b).unwrap();
    assert_eq!(
        p(b"\xef\xbb\xbfA=1\n\xef\xbb\xbfB=2\n"),
        vec![("A".into(), "1".into()), ("\u{feff}B".into(), "2".into())]
    );
    assert_eq!(
        p(b"A=1\n=v\n\xc2\xa0NB=2\nC=4\r\r\nD"),
        [("A", "1"), ("NB", "2"), ("C", "4\r"), ("D", "")].map(|(a, b)| (a.into(), b.into()))
    );
    assert!(parse_env(b"A=1\nB=\xff\n").unwrap_err().starts_with("line [66 61 255] has invalid utf8 bytes"));
    // A line of 64 KiB or more silently ends the file.
    let mut ok = b"A=1\nB=".to_vec();
    ok.extend(vec![b'x'; 65533]);
    ok.extend(b"\nC=3\n");
    assert_eq!(p(&ok).len(), 3);
    let mut cut = b"A=1\nB=".to_vec();
    cut.extend(vec![b'x'; 65534]);
    cut.extend(b"\nC=3\n");
    assert_eq!(p(&cut), vec![("A".to_string(), "1".to_string())]);
}

#[test]
fn source_parsing() {
    assert_eq!(parse_file_source("sub/g.txt").unwrap(), ("g.txt".into(), "sub/g.txt".into()));
    assert_eq!(parse_file_source("sub/").unwrap().0, "sub");
    assert_eq!(parse_file_source("k=f.txt").unwrap(), ("k".into(), "f.txt".into()));
    assert!(parse_file_source("=f.txt").unwrap_err().contains("missing key name for file path \"f.txt\""));
    assert!(parse_file_source("=").unwrap_err().contains("missing key name for file path \"\""));
    assert!(parse_file_source("k2=").unwrap_err().contains("missing file path for key name \"k2\""));
    assert!(parse_file_source("k3=a=b").unwrap_err().contains("contains '='"));
    assert!(parse_file_source("=a=b").unwrap_err().contains("contains '='"));
    assert_eq!(go_path_base(""), ".");
    assert_eq!(go_path_base("///"), "/");
    assert_eq!(parse_literal("k==v").unwrap(), ("k".into(), "=v".into()));
    assert!(parse_literal("=v").is_err());
    assert!(parse_literal("noeq").is_err());
    assert_eq!(parse_literal("a b=''").unwrap(), ("a b".into(), "".into()));
}

#[test]
fn errors_name_the_generator_and_file() {
    let e = |entry: &str, files: &[(&str, &[u8])]| gen_in(Kind::ConfigMap, entry, None, files).unwrap_err().message;
    let m = e("{literals: [a=b]}", &[]);
    assert!(m.contains("a configmap must have a name"), "{m}");
    let m = e("{name: a, envs: [a.env], literals: [K=3]}", &[("a.env", b"K=1\n")]);
    assert!(m.contains("configMapGenerator \"a\"") && m.contains("illegally repeats the key `K`"), "{m}");
    let m = e("{name: a, files: [missing.txt]}", &[]);
    assert!(m.contains("k/missing.txt") && m.contains("file sources: [missing.txt]"), "{m}");
    let m = e("{name: a, files: [sub]}", &[("sub/x", b"x")]);
    assert!(m.contains("'k/sub' must resolve to a file"), "{m}");
    let m = e("{name: a, envs: [../outside.txt]}", &[]);
    assert!(m.contains("security; file 'outside.txt' is not in or below 'k'"), "{m}");
    let m = e("{name: a, files: [../../x]}", &[]);
    assert!(m.contains("../../x"), "{m}");
    let m = e("{name: a, files: [/etc/passwd]}", &[]);
    assert!(m.contains("absolute"), "{m}");
    let m = e("{name: a, files: [f.txt]}", &[("f.txt", b"a\x7fb")]);
    assert!(m.contains("control characters are not allowed"), "{m}");
    let m = e("{name: a, literals: [\"k=\\u0085\", \"k2=\\u0086\"]}", &[]);
    assert!(m.contains("control characters"), "{m}");
    let m = gen_in(Kind::Secret, "{name: s, literals: [a=1, a=2]}", None, &[]).unwrap_err().message;
    assert!(m.starts_with("secretGenerator \"s\": configmap s illegally repeats the key `a`"), "{m}");
    // Unrestricted, the file outside the kustomization directory is read.
    let dir = tree(&[("k/kustomization.yaml", b"{}"), ("outside.txt", b"x")]);
    let g = generate(Kind::ConfigMap, &args("{name: a, files: [../outside.txt]}"), None, &snapshot(&dir), "k", None)
        .unwrap();
    assert_eq!(g.object["data"]["outside.txt"], json!("x"));
}

#[test]
fn merge_and_replace() {
    let mut old = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "p-m", "namespace": "base", "labels": {"l1": "base", "n": 1}, "annotations": {"an": "base"}},
        "data": {"a": 1, "b": "1", "t": true, "z": null}, "binaryData": {"b1.bin": "//4="}, "immutable": true});
    let new = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "m", "labels": {"l1": "ov", "l3": "ov"}},
        "data": {"b": "2", "c": "2"}});
    let mut merged = old.clone();
    merge_into(&mut merged, &new, Behavior::Merge).unwrap();
    assert_eq!(
        merged,
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "p-m", "namespace": "base", "labels": {"l1": "ov", "l3": "ov", "n": "1"}, "annotations": {"an": "base"}},
            "data": {"a": "1", "b": "2", "c": "2", "t": "true", "z": ""}, "binaryData": {"b1.bin": "//4="}})
    );
    merge_into(&mut old, &new, Behavior::Replace).unwrap();
    assert_eq!(
        old,
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "p-m", "namespace": "base", "labels": {"l1": "ov", "l3": "ov", "n": "1"}, "annotations": {"an": "base"}},
            "data": {"b": "2", "c": "2"}})
    );
    let mut s = json!({"kind": "Secret", "metadata": {"name": "s"}, "type": "kubernetes.io/tls", "data": {}});
    merge_into(
        &mut s,
        &json!({"kind": "Secret", "metadata": {"name": "s", "namespace": "default"}, "type": "Opaque", "data": {}}),
        Behavior::Merge,
    )
    .unwrap();
    assert_eq!(s, json!({"kind": "Secret", "metadata": {"name": "s"}, "type": "Opaque"}));
    assert!(merge_into(&mut s, &json!({"kind": "Secret", "metadata": {"name": "s"}}), Behavior::Create).is_err());
    assert!(merged_needs_hash(true, true));
    assert!(!merged_needs_hash(true, false));
    assert!(!merged_needs_hash(false, true));
}

// ---------------------------------------------------------------------------------------------------------
// mini_build: just enough of a kustomize build to follow generated objects.

#[derive(Debug, Clone)]
struct Res {
    obj: Value,
    needs_hash: bool,
    /// Earlier (name, namespace) pairs.
    prev: Vec<(String, String)>,
}

impl Res {
    fn kind(&self) -> &str {
        self.obj["kind"].as_str().unwrap_or("")
    }
    fn name(&self) -> String {
        self.obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("").to_string()
    }
    fn ns(&self) -> String {
        self.obj.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or("").to_string()
    }
    fn matches(&self, kind: &str, name: &str, ns: &str) -> bool {
        let ns_eq = |a: &str, b: &str| a == b || (matches!(a, "" | "default") && matches!(b, "" | "default"));
        self.kind() == kind
            && std::iter::once((self.name(), self.ns()))
                .chain(self.prev.iter().cloned())
                .any(|(n, s)| n == name && ns_eq(&s, ns))
    }
    fn meta_mut(&mut self) -> &mut serde_json::Map<String, Value> {
        if !self.obj["metadata"].is_object() {
            self.obj["metadata"] = json!({});
        }
        self.obj["metadata"].as_object_mut().unwrap()
    }
}

const CLUSTER_SCOPED: [&str; 4] = ["Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"];

fn read_yaml(snap: &Snapshot, path: &str) -> Result<Vec<Value>, String> {
    let text = snap.read_string(path).map_err(|e| e.to_string())?;
    let docs = parse(path, &text, &Limits::default()).map_err(|e| e.to_string())?;
    Ok(docs.iter().map(|d| d.root.to_json()).collect())
}

fn absorb(res: &mut Vec<Res>, g: Generated) -> Result<(), String> {
    let kind = g.object["kind"].as_str().unwrap_or("").to_string();
    let name = g.object["metadata"]["name"].as_str().unwrap_or("").to_string();
    let ns = g.object["metadata"]["namespace"].as_str().unwrap_or("").to_string();
    let found: Vec<usize> = (0..res.len()).filter(|&i| res[i].matches(&kind, &name, &ns)).collect();
    match found.as_slice() {
        [] if g.behavior == Behavior::Create => {
            res.push(Res { obj: g.object, needs_hash: g.needs_hash, prev: vec![] });
            Ok(())
        }
        [] => Err(format!("{kind} {name} does not exist; cannot merge or replace")),
        [i] => {
            let old = &mut res[*i];
            merge_into(&mut old.obj, &g.object, g.behavior).map_err(|e| e.message)?;
            old.needs_hash = merged_needs_hash(old.needs_hash, g.needs_hash);
            Ok(())
        }
        _ => Err(format!("several objects could accept {kind} {name}")),
    }
}

fn mini_build(snap: &Snapshot, dir: &str) -> Result<Vec<Res>, String> {
    let kfile = KUSTOMIZATION_FILES
        .iter()
        .map(|f| crate::source::join(dir, f).unwrap())
        .find(|p| snap.is_file(p).unwrap_or(false))
        .ok_or_else(|| format!("no kustomization in {dir}"))?;
    let text = snap.read_string(&kfile).map_err(|e| e.to_string())?;
    let docs = parse(&kfile, &text, &Limits::default()).map_err(|e| e.to_string())?;
    let k = match docs.first() {
        Some(d) => Kustomization::from_node(&kfile, &d.root).map_err(|e| e.to_string())?,
        None => Kustomization::default(),
    };
    let mut res: Vec<Res> = Vec::new();
    for r in k.resources.iter().flatten().chain(k.bases.iter().flatten()) {
        let p = crate::source::join(dir, r)?;
        if snap.is_dir(&p).unwrap_or(false) {
            res.extend(mini_build(snap, &p)?);
        } else {
            for obj in read_yaml(snap, &p)? {
                res.push(Res { obj, needs_hash: false, prev: vec![] });
            }
        }
    }
    for (kind, list) in [(Kind::ConfigMap, &k.config_map_generator), (Kind::Secret, &k.secret_generator)] {
        for a in list.iter().flatten() {
            let g = generate(kind, a, k.generator_options.as_ref(), snap, dir, Some(dir)).map_err(|e| e.message)?;
            absorb(&mut res, g)?;
        }
    }
    for file in k.generators.iter().flatten() {
        for mut cfg in read_yaml(snap, &crate::source::join(dir, file)?)? {
            let kind = match cfg["kind"].as_str() {
                Some("ConfigMapGenerator") => Kind::ConfigMap,
                Some("SecretGenerator") => Kind::Secret,
                other => return Err(format!("unsupported generator {other:?}")),
            };
            let obj = cfg.as_object_mut().unwrap();
            let meta = obj.remove("metadata").unwrap_or(Value::Null);
            obj.remove("apiVersion");
            obj.remove("kind");
            for f in ["name", "namespace"] {
                if let Some(v) = meta.get(f) {
                    obj.insert(f.into(), v.clone());
                }
            }
            let a: GeneratorArgs = serde_json::from_value(cfg).map_err(|e| e.to_string())?;
            let g = generate(kind, &a, None, snap, dir, Some(dir)).map_err(|e| e.message)?;
            absorb(&mut res, g)?;
        }
    }
    for r in res.iter_mut().filter(|r| !CLUSTER_SCOPED.contains(&r.kind())) {
        if let Some(ns) = &k.namespace {
            let prev = (r.name(), r.ns());
            r.prev.push(prev);
            r.meta_mut().insert("namespace".into(), json!(ns));
        }
        if k.name_prefix.is_some() || k.name_suffix.is_some() {
            let prev = (r.name(), r.ns());
            let name = format!(
                "{}{}{}",
                k.name_prefix.as_deref().unwrap_or(""),
                prev.0,
                k.name_suffix.as_deref().unwrap_or("")
            );
            r.prev.push(prev);
            r.meta_mut().insert("name".into(), json!(name));
        }
    }
    for r in res.iter_mut() {
        for (field, map) in [("labels", &k.common_labels), ("annotations", &k.common_annotations)] {
            for (key, v) in map.iter().flatten() {
                let m = r.meta_mut();
                if !m.get(field).is_some_and(Value::is_object) {
                    m.insert(field.into(), json!({}));
                }
                m[field][key] = json!(v.clone().unwrap_or_default());
            }
        }
    }
    Ok(res)
}

/// The ConfigMaps and Secrets of a full build, hash suffixes added.
fn mini_build_top(snap: &Snapshot, dir: &str) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for mut r in mini_build(snap, dir)? {
        if !matches!(r.kind(), "ConfigMap" | "Secret") {
            continue;
        }
        if r.needs_hash {
            add_hash_suffix(&mut r.obj).map_err(|e| e.message)?;
        }
        out.push(r.obj);
    }
    Ok(out)
}

fn config_objects(objs: Vec<Value>) -> Vec<Value> {
    objs.into_iter().filter(|o| matches!(o["kind"].as_str(), Some("ConfigMap" | "Secret"))).collect()
}

fn id_of(o: &Value) -> String {
    format!(
        "{}/{}/{}",
        o["kind"].as_str().unwrap_or(""),
        o["metadata"]["namespace"].as_str().unwrap_or(""),
        o["metadata"]["name"].as_str().unwrap_or("")
    )
}

/// Same objects (semantically), same names (exactly).
fn assert_same_objects(case: &str, mut got: Vec<Value>, mut want: Vec<Value>) {
    got.sort_by_key(id_of);
    want.sort_by_key(id_of);
    let ids = |v: &[Value]| v.iter().map(id_of).collect::<Vec<_>>();
    assert_eq!(ids(&got), ids(&want), "{case}: object ids differ");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w, "{case}: {} differs", id_of(w));
    }
}

// ---------------------------------------------------------------------------------------------------------
// Differential tests against kubectl.

fn have_kubectl() -> bool {
    let ok =
        Command::new("kubectl").args(["version", "--client"]).output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        eprintln!("skipping: kubectl is not installed (the reference for kustomize generators)");
    }
    ok
}

fn kubectl_build(dir: &Path) -> Result<Vec<Value>, String> {
    let out = Command::new("kubectl")
        .args(["kustomize", "--reorder", "none"])
        .arg(dir)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).to_string());
    }
    let text = String::from_utf8(out.stdout).map_err(|e| e.to_string())?;
    let docs = parse("kubectl-output.yaml", &text, &Limits::default()).map_err(|e| e.to_string())?;
    Ok(docs.iter().map(|d| d.root.to_json()).collect())
}

type Files = Vec<(&'static str, Vec<u8>)>;

fn f(path: &'static str, content: impl AsRef<[u8]>) -> (&'static str, Vec<u8>) {
    (path, content.as_ref().to_vec())
}

/// Scenarios: (name, files, directory to build). All are built in "t/<name>" so that "../" stays inside.
fn scenarios() -> Vec<(&'static str, Files, &'static str)> {
    let ctl = "<a>&b \u{2028} \u{2029} \u{1}\u{8}\u{c}\t\r\n \\ \" é 😀 \u{a0}\u{feff} \r"; // no U+0085: kubectl writes it raw and YAML reads it back as a line break
    let mut long_env = b"A=1\nB=".to_vec();
    long_env.extend(vec![b'x'; 70000]);
    long_env.extend(b"\nC=3\n");
    vec![
        (
            "basics",
            vec![
                f(
                    "kustomization.yaml",
                    r#"
configMapGenerator:
- name: lits
  literals: ["k=\"v\"", "k2='v'", "k3=\"v", "k4=\"", "k5=\"v'", "k6=", "k7= sp ", "eq=a=b", "a b=c", "/x=1", "..=2", "ü=1", "nl=line1\nline2\n"]
- name: env
  envs: [a.env, bom.env]
  env: c.env
- name: files
  files: [sub/g.txt, k=f.txt, ./sub/../f.txt, bin.dat, ctl.txt, big.txt]
- name: files
  namespace: other
  files: [k=f.txt]
- name: empty
- name: onlybinary
  files: [bin.dat]
- name: immut
  literals: [a=1]
  options: {immutable: true, labels: {l: "1"}, annotations: {an: x}}
- name: nohash
  literals: [a=1]
  options: {disableNameSuffixHash: true}
- name: longenv
  envs: [long.env]
secretGenerator:
- name: sec
  literals: [k=v]
  files: [bin.dat, big.txt, big2.txt, ctl.txt]
- name: tls
  type: kubernetes.io/tls
  literals: [tls.crt=abc, tls.key=def]
  options: {immutable: true}
- name: emptysecret
- name: emptytype
  type: ""
  namespace: ""
  literals: [a=b]
"#,
                ),
                f(
                    "a.env",
                    "# comment\n\n  LEAD=x\nTRAIL=y   \nNOVAL\nEMPTY=\nEQ=a=b\nQ=\"quoted\"\nQ2='single'\nexport EXP=1\nSP = z\nCR=cr\r\n\tTAB=t\n   # indented\n=skipped\n\u{a0}NB=2\nD=\u{a0}x\n",
                ),
                f("bom.env", "\u{feff}BOM=1\n\u{feff}B2=2\nX=2"),
                f("c.env", "FROMENV=1\n"),
                f("long.env", long_env),
                f("sub/g.txt", "g\n"),
                f("f.txt", "hello"),
                f("bin.dat", b"\xff\xfe\x00bin"),
                f("ctl.txt", ctl),
                f("big.txt", "x".repeat(52)),
                f("big2.txt", "y".repeat(105)),
            ],
            ".",
        ),
        (
            "options",
            vec![f(
                "kustomization.yaml",
                r#"
generatorOptions:
  labels: {a: g, b: g}
  annotations: {x: g}
  disableNameSuffixHash: false
  immutable: true
configMapGenerator:
- name: local
  literals: [a=1]
  options:
    labels: {b: l, c: l}
    annotations: {x: l, z: l}
    immutable: false
- name: dis
  literals: [a=1]
  options: {disableNameSuffixHash: true}
secretGenerator:
- name: s
  literals: [a=1]
  options: {labels: {x: null}}
"#,
            )],
            ".",
        ),
        (
            "globaldisable",
            vec![f(
                "kustomization.yaml",
                "generatorOptions: {disableNameSuffixHash: true}\nconfigMapGenerator:\n- name: a\n  literals: [a=1]\n  options: {disableNameSuffixHash: false}\n",
            )],
            ".",
        ),
        (
            "overlays",
            vec![
                f(
                    "base/kustomization.yaml",
                    r#"
namePrefix: p-
generatorOptions:
  labels: {gl: base}
configMapGenerator:
- name: m
  literals: [a=1, b=1]
  files: [b1.bin]
  options:
    labels: {l1: base, l2: base}
    annotations: {an: base}
    immutable: true
- name: r
  literals: [a=1, b=1]
  files: [b1.bin]
  options:
    labels: {l1: base}
- name: nh
  literals: [a=1]
  options: {disableNameSuffixHash: true}
- name: m1
  literals: [a=1]
- name: m2
  literals: [a=1]
- name: m3
  literals: [a=1]
  options: {disableNameSuffixHash: true}
- name: m4
  literals: [a=1]
  options: {disableNameSuffixHash: true}
- name: m5
  literals: [a=1]
- name: m6
  literals: [a=1]
  options: {disableNameSuffixHash: true}
secretGenerator:
- name: s
  type: kubernetes.io/tls
  literals: [a=1]
  options: {immutable: true}
"#,
                ),
                f("base/b1.bin", b"\xff\xfe"),
                f("ov/b2.bin", b"\xff\xfd"),
                f(
                    "ov/kustomization.yaml",
                    r#"
resources: [../base]
namespace: ovns
configMapGenerator:
- name: p-m
  behavior: merge
  literals: [b=2, c=2]
  options:
    labels: {l2: ov, l3: ov}
    disableNameSuffixHash: true
- name: r
  behavior: replace
  literals: [c=3]
  files: [b2.bin]
  options:
    labels: {l3: ov}
- name: nh
  behavior: merge
  literals: [b=2]
- {name: m1, behavior: merge, literals: [b=2], options: {disableNameSuffixHash: true}}
- {name: m2, behavior: merge, literals: [b=2]}
- {name: m3, behavior: merge, literals: [b=2]}
- {name: m4, behavior: merge, literals: [b=2], options: {disableNameSuffixHash: true}}
- {name: m5, behavior: replace, literals: [b=2], options: {disableNameSuffixHash: true}}
- {name: m6, behavior: replace, literals: [b=2]}
secretGenerator:
- name: p-s
  behavior: merge
  literals: [b=2]
"#,
                ),
            ],
            "ov",
        ),
        (
            "plain",
            vec![
                f(
                    "cm.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n  labels: {n: \"1\"}\n  annotations: {other: o}\ndata:\n  a: \"1\"\n  t: \"true\"\nimmutable: true\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: sec\n  namespace: default\ndata:\n  a: eA==\n",
                ),
                f(
                    "kustomization.yaml",
                    "resources: [cm.yaml]\nconfigMapGenerator:\n- name: plain\n  namespace: default\n  behavior: merge\n  literals: [b=2]\n  options: {labels: {x: \"y\"}}\nsecretGenerator:\n- name: sec\n  behavior: replace\n  literals: [b=2]\n",
                ),
            ],
            ".",
        ),
    ]
}

fn error_scenarios() -> Vec<(&'static str, Files)> {
    let k = |y: &'static str| f("kustomization.yaml", y);
    vec![
        (
            "dup-env-literal",
            vec![k("configMapGenerator:\n- name: a\n  envs: [a.env]\n  literals: [K=3]\n"), f("a.env", "K=1\n")],
        ),
        (
            "dup-env-env",
            vec![k("configMapGenerator:\n- name: a\n  envs: [a.env]\n  env: a.env\n"), f("a.env", "K=1\n")],
        ),
        (
            "dup-file-literal",
            vec![k("secretGenerator:\n- name: a\n  files: [f.txt]\n  literals: [f.txt=3]\n"), f("f.txt", "x")],
        ),
        ("bad-literal", vec![k("configMapGenerator:\n- name: a\n  literals: [\"=v\"]\n")]),
        ("no-eq-literal", vec![k("configMapGenerator:\n- name: a\n  literals: [noeq]\n")]),
        ("file-no-key", vec![k("configMapGenerator:\n- name: a\n  files: [\"=f.txt\"]\n"), f("f.txt", "x")]),
        ("file-no-path", vec![k("configMapGenerator:\n- name: a\n  files: [\"k=\"]\n")]),
        ("file-two-eq", vec![k("configMapGenerator:\n- name: a\n  files: [\"k=a=b\"]\n")]),
        ("missing-file", vec![k("configMapGenerator:\n- name: a\n  files: [missing.txt]\n")]),
        ("missing-env", vec![k("configMapGenerator:\n- name: a\n  envs: [missing.env]\n")]),
        ("dir-as-file", vec![k("configMapGenerator:\n- name: a\n  files: [sub]\n"), f("sub/x", "x")]),
        ("empty-path", vec![k("configMapGenerator:\n- name: a\n  envs: [\"\"]\n")]),
        ("outside", vec![k("configMapGenerator:\n- name: a\n  files: [../other/x.txt]\n"), f("../other/x.txt", "x")]),
        ("bad-utf8-env", vec![k("configMapGenerator:\n- name: a\n  envs: [a.env]\n"), f("a.env", b"A=1\nB=\xff\n")]),
        ("del-char", vec![k("configMapGenerator:\n- name: a\n  files: [f.txt]\n"), f("f.txt", "a\u{7f}b")]),
        ("c1-char", vec![k("configMapGenerator:\n- name: a\n  files: [f.txt]\n"), f("f.txt", "a\u{86}b")]),
        ("nonchar", vec![k("configMapGenerator:\n- name: a\n  files: [f.txt]\n"), f("f.txt", "a\u{ffff}b")]),
        ("no-name", vec![k("secretGenerator:\n- literals: [a=b]\n")]),
        ("merge-nothing", vec![k("configMapGenerator:\n- name: a\n  behavior: merge\n  literals: [a=b]\n")]),
        ("create-twice", vec![k("configMapGenerator:\n- name: a\n- name: a\n  behavior: create\n")]),
        ("ns-default-twice", vec![k("secretGenerator:\n- name: a\n  namespace: default\n- name: a\n")]),
    ]
}

fn write_scenario(root: &Path, name: &str, files: &Files) -> PathBuf {
    let base = root.join("t").join(name);
    for (p, c) in files {
        let path = base.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, c).unwrap();
    }
    base
}

#[test]
fn differential_against_kubectl() {
    if !have_kubectl() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let snap = Snapshot::dir(root.path()).unwrap();
    for (name, files, run) in scenarios() {
        let base = write_scenario(root.path(), name, &files);
        let want =
            config_objects(kubectl_build(&base.join(run)).unwrap_or_else(|e| panic!("{name}: kubectl failed: {e}")));
        let dir = crate::source::normalize(&format!("t/{name}/{run}")).unwrap();
        let got = mini_build_top(&snap, &dir).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!want.is_empty(), "{name}: kubectl produced no ConfigMap or Secret");
        assert_same_objects(name, got, want);
    }
}

#[test]
fn differential_errors_against_kubectl() {
    if !have_kubectl() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let snap = Snapshot::dir(root.path()).unwrap();
    for (name, files) in error_scenarios() {
        let base = write_scenario(root.path(), name, &files);
        let kubectl = kubectl_build(&base);
        assert!(kubectl.is_err(), "{name}: kubectl accepted it: {kubectl:?}");
        match mini_build_top(&snap, &format!("t/{name}")) {
            Ok(objs) => panic!("{name}: accepted: {objs:?}"),
            Err(e) => eprintln!("{name}: {e}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// The shared conformance corpus.

fn shared_cases() -> Option<Vec<PathBuf>> {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/conformance/kustomize"));
    let Ok(entries) = std::fs::read_dir(root) else {
        eprintln!("skipping: {} is absent", root.display());
        return None;
    };
    let mut cases: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            ["configmaps__", "generatoroptions__", "generatormergeandreplace__", "namespacedgenerators__"]
                .iter()
                .any(|pre| n.starts_with(pre))
        })
        .collect();
    cases.sort();
    Some(cases)
}

#[test]
fn shared_conformance_cases() {
    let Some(cases) = shared_cases() else { return };
    assert!(cases.len() >= 15, "expected the generator cases in the corpus, found {}", cases.len());
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let meta: Value = serde_json::from_str(&std::fs::read_to_string(case.join("case.json")).unwrap()).unwrap();
        let run_dir = meta["run_dir"].as_str().unwrap_or(".");
        let snap = Snapshot::dir(case.join("input")).unwrap();
        let dir = crate::source::normalize(run_dir).unwrap();
        let got = mini_build_top(&snap, &dir);
        if meta["expect_error"].as_bool() == Some(true) {
            let err = got.expect_err(&name);
            if let Ok(want) = std::fs::read_to_string(case.join("expected_error.txt")) {
                assert!(err.contains(want.trim()), "{name}: {err:?} does not contain {want:?}");
            }
            continue;
        }
        let got = got.unwrap_or_else(|e| panic!("{name}: {e}"));
        let text = std::fs::read_to_string(case.join("expected.yaml")).unwrap();
        let docs = parse("expected.yaml", &text, &Limits::default()).unwrap();
        let want = config_objects(docs.iter().map(|d| d.root.to_json()).collect());
        assert_same_objects(&name, got, want);
    }
}

#[test]
fn shared_expected_hashes_recompute() {
    // Every hashed ConfigMap or Secret in the whole corpus: the suffix is the content hash.
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/conformance/kustomize"));
    let Ok(entries) = std::fs::read_dir(root) else {
        eprintln!("skipping: {} is absent", root.display());
        return;
    };
    let looks_hashed = |n: &str| {
        n.len() > 11
            && n.as_bytes()[n.len() - 11] == b'-'
            && n[n.len() - 10..].chars().all(|c| "2456789bcdfghkmt".contains(c))
    };
    let (mut checked, mut wrong) = (0, Vec::new());
    for e in entries.flatten() {
        let Ok(text) = std::fs::read_to_string(e.path().join("expected.yaml")) else { continue };
        let Ok(docs) = parse("expected.yaml", &text, &Limits::default()) else { continue };
        for obj in config_objects(docs.iter().map(|d| d.root.to_json()).collect()) {
            let name = obj["metadata"]["name"].as_str().unwrap_or("");
            if !looks_hashed(name) {
                continue;
            }
            let hash = content_hash(&obj).unwrap();
            if name.ends_with(&format!("-{hash}")) {
                checked += 1;
            } else {
                wrong.push(format!("{}: {name} (computed {hash})", e.file_name().to_string_lossy()));
            }
        }
    }
    eprintln!("{checked} hashed ConfigMaps and Secrets recomputed");
    assert!(wrong.is_empty(), "hash mismatches ({checked} matched):\n{}", wrong.join("\n"));
    assert!(checked >= 20, "only {checked} hashed objects recomputed");
}
