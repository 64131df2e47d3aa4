//! Tests of the YAML parser and of object identification.

use super::*;
use std::time::{Duration, Instant};

fn p(text: &str) -> Result<Vec<Document>, YamlError> {
    parse("f.yaml", text, &Limits::default())
}

fn ok(text: &str) -> Vec<Document> {
    match p(text) {
        Ok(d) => d,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

fn err(text: &str) -> YamlError {
    err_with(text, &Limits::default())
}

fn err_with(text: &str, limits: &Limits) -> YamlError {
    match parse("f.yaml", text, limits) {
        Ok(d) => panic!("expected an error, got {d:?}"),
        Err(e) => e,
    }
}

fn pos(line: u32, col: u32) -> Pos {
    Pos { line, col }
}

fn scalar(n: &Node) -> &Scalar {
    match &n.kind {
        NodeKind::Scalar(s) => s,
        other => panic!("not a scalar: {other:?}"),
    }
}

fn json(text: &str) -> serde_json::Value {
    let docs = ok(text);
    assert_eq!(docs.len(), 1);
    docs[0].root.to_json()
}

// ---------------------------------------------------------------------------------------------------------
// Positions

const THREE_DOCS: &str = "\
apiVersion: v1
kind: A
---
a: 1
---
spec:
  template:
    containers:
    - name: x
      image: \"y\"
    - z
  ports: [80, {p: 1}]
";

#[test]
fn positions_in_third_document() {
    let docs = ok(THREE_DOCS);
    assert_eq!(docs.len(), 3);
    assert_eq!(docs.iter().map(|d| d.index).collect::<Vec<_>>(), [0, 1, 2]);
    let root = &docs[2].root;
    assert_eq!(root.pos, pos(6, 1), "a block mapping is at its first key");
    let template = root.at(&["spec", "template"]).unwrap();
    assert_eq!(template.pos, pos(8, 5));
    let containers = template.get("containers").unwrap();
    assert_eq!(containers.pos, pos(9, 5), "an indentless sequence is at its first `-`");
    let items = containers.as_seq().unwrap();
    assert_eq!(items[0].pos, pos(9, 7));
    let image = items[0].get("image").unwrap();
    assert_eq!(image.pos, pos(10, 14));
    assert_eq!(image.as_str(), Some("y"));
    assert_eq!(items[1].pos, pos(11, 7), "a sequence item is at its own first character");
    let (key, _) = items[0].entry("image").unwrap();
    assert_eq!(key.pos, pos(10, 7));
}

#[test]
fn positions_of_flow_collections_and_sequences() {
    let docs = ok(THREE_DOCS);
    let ports = docs[2].root.at(&["spec", "ports"]).unwrap();
    assert_eq!(ports.pos, pos(12, 10), "a flow sequence is at its `[`");
    let items = ports.as_seq().unwrap();
    assert_eq!(items[0].pos, pos(12, 11));
    assert_eq!(items[1].pos, pos(12, 15), "a flow mapping is at its `{{`");
    assert_eq!(items[1].get("p").unwrap().pos, pos(12, 19));

    let docs = ok("- a\n- - b\n  - c\n");
    let root = &docs[0].root;
    assert_eq!(root.pos, pos(1, 1));
    let inner = &root.as_seq().unwrap()[1];
    assert_eq!(inner.pos, pos(2, 3), "a nested block sequence is at its `-`");
    assert_eq!(inner.as_seq().unwrap()[1].pos, pos(3, 5));

    // Anchors and tags on block collections do not move them off their first key / dash.
    let docs = ok("m: &m\n  k: v\ns: !!seq\n  - x\nt: &t\n- y\n");
    let root = &docs[0].root;
    assert_eq!(root.get("m").unwrap().pos, pos(2, 3));
    assert_eq!(root.get("s").unwrap().pos, pos(4, 3));
    assert_eq!(root.get("t").unwrap().pos, pos(6, 1));
}

#[test]
fn positions_count_characters_not_bytes() {
    let docs = ok("é: [ü, {ö: 1}]\nñ: x\n");
    let root = &docs[0].root;
    let seq = root.get("é").unwrap();
    assert_eq!(seq.pos, pos(1, 4));
    let items = seq.as_seq().unwrap();
    assert_eq!(items[0].pos, pos(1, 5));
    assert_eq!(items[1].pos, pos(1, 8));
    assert_eq!(items[1].get("ö").unwrap().pos, pos(1, 12));
    assert_eq!(root.get("ñ").unwrap().pos, pos(2, 4));
}

#[test]
fn leading_bom_is_skipped() {
    let docs = ok("\u{feff}a: b\n");
    assert_eq!(docs[0].root.str_at(&["a"]), Some("b"));
    assert_eq!(docs[0].root.pos, pos(1, 1));
    assert_eq!(docs[0].root.get("a").unwrap().pos, pos(1, 4));
}

// ---------------------------------------------------------------------------------------------------------
// Errors

#[test]
fn syntax_error_reports_its_line() {
    let text = "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\n  g: 7\nh: 8\n";
    let e = err(text);
    assert_eq!(e.pos, pos(7, 4), "{e}");
    assert!(e.message.contains("invalid YAML"), "{e}");
    assert!(e.to_string().starts_with("f.yaml:7:4: "), "{e}");

    let e = err("a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\ng: \"unterminated\n");
    assert_eq!(e.pos.line, 7, "{e}");
}

#[test]
fn tab_indentation_gets_a_hint() {
    let e = err("a:\n\tb: 1\n");
    assert_eq!(e.pos.line, 2, "{e}");
    assert!(e.message.contains("tab"), "{e}");
    // saphyr-parser refuses a tab after `:` before a value (go-yaml accepts it); at least say why.
    let e = err("a: 1\nb:\tc\n");
    assert_eq!(e.pos.line, 2, "{e}");
    assert!(e.message.contains("tab"), "{e}");
    // Tabs inside values and before comments are fine.
    let docs = ok("a: \"x\\ty\"\nb: c\t# comment\n");
    assert_eq!(docs[0].root.str_at(&["a"]), Some("x\ty"));
    assert_eq!(docs[0].root.str_at(&["b"]), Some("c"));
}

#[test]
fn duplicate_key_reports_second_and_first_line() {
    let e = err("apiVersion: v1\nkind: A\nmetadata:\n  name: a\n  labels: {}\n  name: b\n");
    assert_eq!(e.pos, pos(6, 3), "{e}");
    assert_eq!(e.message, "duplicate key \"name\" (first at line 4): remove one");

    // Compared by text, whatever the quoting.
    let e = err("a: 1\n'a': 2\n");
    assert_eq!(e.pos, pos(2, 1));
    assert!(e.message.contains("first at line 1"), "{e}");

    // Large mappings (hash-indexed) too.
    let mut big: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
    big.push_str("k3: again\n");
    let e = err(&big);
    assert_eq!(e.pos, pos(41, 1), "{e}");
    assert!(e.message.contains("\"k3\" (first at line 4)"), "{e}");

    // Same key in different mappings is fine.
    ok("a: {x: 1}\nb: {x: 2}\n");

    // `<<` is a key like any other.
    let e = err("base: &b {x: 1}\nm:\n  <<: *b\n  <<: *b\n");
    assert_eq!(e.pos, pos(4, 3), "{e}");
    assert!(e.message.contains("\"<<\""), "{e}");
}

fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn billion_laughs() -> String {
    let mut text = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let refs = vec![format!("*{}", w[0]); 9].join(",");
        text.push_str(&format!("{}: &{} [{}]\n", w[1], w[1], refs));
    }
    text
}

#[test]
fn alias_bomb_is_rejected_quickly_without_memory() {
    let text = billion_laughs();
    let before = vm_hwm_kib();
    let start = Instant::now();
    let e = err(&text);
    let elapsed = start.elapsed();
    let after = vm_hwm_kib();
    assert!(e.message.contains("alias expansion exceeds 100000 nodes (possible YAML alias bomb)"), "{e}");
    // a: 10 nodes, b: 91, c: 820, d: 7381, e: 66430; aliases of a..e create 74718 nodes, the first `*e` in
    // `f` would pass 100000.
    assert_eq!(e.pos, pos(6, 8), "{e}");
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
    if let (Some(b), Some(a)) = (before, after) {
        assert!(a.saturating_sub(b) < 100 * 1024, "peak RSS grew by {} KiB", a - b);
    }
}

#[test]
fn alias_text_is_bounded_too() {
    let big = "x".repeat(1000);
    let text = format!("a: &a \"{big}\"\nb: [{}]\n", vec!["*a"; 20].join(", "));
    let limits = Limits { max_bytes: 10_000, ..Limits::default() };
    let e = err_with(&text, &limits);
    assert!(e.message.contains("alias expansion exceeds 10000 bytes"), "{e}");
    assert_eq!(e.pos.line, 2);
}

#[test]
fn small_aliases_expand() {
    let text =
        "defaults: &d\n  cpu: 1\n  mem: 2Gi\nlist: &l [a, b]\nx: *d\ny:\n  - *l\n  - *d\nname: &n hello\ncopy: *n\n";
    let docs = ok(text);
    let root = &docs[0].root;
    let x = root.get("x").unwrap();
    assert_eq!(x, &Node { pos: x.pos, ..root.get("defaults").unwrap().clone() });
    assert_eq!(x.pos, pos(5, 4), "the copy is at the alias");
    assert_eq!(x.get("cpu").unwrap().pos, pos(2, 8), "inside the copy, original positions");
    let y = root.get("y").unwrap().as_seq().unwrap();
    assert_eq!(y[0].to_json(), serde_json::json!(["a", "b"]));
    assert_eq!(y[1].str_at(&["mem"]), Some("2Gi"));
    assert_eq!(root.str_at(&["copy"]), Some("hello"));
    assert_eq!(root.get("copy").unwrap().pos, pos(10, 7));
}

#[test]
fn undefined_and_recursive_aliases() {
    let e = err("a: 1\nb: *nope\n");
    assert_eq!(e.pos, pos(2, 4), "{e}");
    assert!(e.message.contains("undefined alias *nope"), "{e}");

    // Anchors do not cross documents.
    let e = err("a: &x 1\n---\nb: *x\n");
    assert_eq!(e.pos, pos(3, 4), "{e}");
    assert!(e.message.contains("undefined alias *x"), "{e}");

    let e = err("a: &x [1, *x]\n");
    assert_eq!(e.pos, pos(1, 11), "{e}");
    assert!(e.message.contains("recursive alias"), "{e}");
}

#[test]
fn depth_limit() {
    let limits = Limits { max_depth: 5, ..Limits::default() };
    parse("f.yaml", "[[[[[1]]]]]", &limits).unwrap();
    let e = err_with("[[[[[[1]]]]]]", &limits);
    assert_eq!(e.pos, pos(1, 6), "{e}");
    assert!(e.message.contains("deeper than 5"), "{e}");

    // Block nesting: the error is at the too-deep collection.
    let e = err_with("a:\n b:\n  c:\n   d:\n    e:\n     f: 1\n", &limits);
    assert_eq!(e.pos, pos(6, 6), "{e}");

    // An alias that would nest too deep is refused at the alias.
    let e = err_with("a: &a [[[1]]]\nb: [[*a]]\n", &limits);
    assert_eq!(e.pos, pos(2, 6), "{e}");

    // The default limit stops deep hostile input without overflowing the stack.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let e = err(&deep);
    assert!(e.message.contains("nested deeper than"), "{e}");
    let deep = format!("{}1{}", "- ".repeat(150), "");
    let e = err(&deep);
    assert!(e.message.contains("deeper than 100"), "{e}");
    assert_eq!(e.pos, pos(1, 201), "{e}");
}

#[test]
fn size_limit() {
    let limits = Limits { max_bytes: 10, ..Limits::default() };
    let e = err_with("a: 12345678901\n", &limits);
    assert_eq!(e.pos, pos(1, 1));
    assert!(e.message.contains("15 bytes"), "{e}");
    assert!(e.message.contains("limit of 10 bytes"), "{e}");
    parse("f.yaml", "a: 1\n", &limits).unwrap();
}

#[test]
fn documents_limit() {
    let limits = Limits { max_documents: 3, ..Limits::default() };
    parse("f.yaml", "a: 1\n---\n---\nb: 2\n", &limits).unwrap();
    let e = err_with("a: 1\n---\n---\nb: 2\n---\nc: 3\n", &limits);
    assert_eq!(e.pos.line, 5, "{e}");
    assert!(e.message.contains("more than 3 documents"), "{e}");
}

#[test]
fn nodes_limit() {
    let limits = Limits { max_nodes: 7, ..Limits::default() };
    // mapping + 3 keys + 3 values = 7
    parse("f.yaml", "a: 1\nb: 2\nc: 3\n", &limits).unwrap();
    let e = err_with("a: 1\nb: 2\nc: 3\nd: 4\n", &limits);
    assert_eq!(e.pos, pos(4, 1), "{e}");
    assert!(e.message.contains("more than 7 YAML nodes"), "{e}");
    // Aliases count.
    let e = err_with("a: &a [1, 2]\nb: *a\n", &limits);
    assert_eq!(e.pos, pos(2, 4), "{e}");
}

#[test]
fn merge_keys() {
    let text = "\
base: &base
  image: nginx
  replicas: 1
  port: 80
extra: &extra
  port: 8080
  debug: true
svc:
  name: web
  <<: [*base, *extra]
  replicas: 3
inline:
  <<: {a: 1}
  b: 2
";
    let docs = ok(text);
    let svc = docs[0].root.get("svc").unwrap();
    let keys: Vec<_> = svc.as_map().unwrap().iter().map(|(k, _)| k.scalar_text().unwrap()).collect();
    assert_eq!(keys, ["name", "image", "port", "debug", "replicas"], "merged where `<<` stood");
    assert_eq!(svc.str_at(&["replicas"]), Some("3"), "explicit keys win, even after the merge");
    assert_eq!(svc.str_at(&["port"]), Some("80"), "the earlier merged mapping wins");
    assert_eq!(svc.str_at(&["debug"]), Some("true"));
    assert_eq!(svc.get("image").unwrap().pos, pos(2, 10), "merged entries keep their origin");
    assert_eq!(docs[0].root.get("inline").unwrap().to_json(), serde_json::json!({"a": 1, "b": 2}));

    // A quoted "<<" is an ordinary key.
    let docs = ok("m: {'<<': 1}\n");
    assert_eq!(docs[0].root.at(&["m", "<<"]).unwrap().as_str(), Some("1"));

    // Merging a scalar is an error at the value.
    let e = err("a: &a 1\nm:\n  <<: *a\n");
    assert_eq!(e.pos, pos(3, 7), "{e}");
    assert!(e.message.contains("merge key"), "{e}");
    let e = err("a: &a 1\nm:\n  <<: [*a]\n");
    assert_eq!(e.pos, pos(3, 8), "{e}");
}

#[test]
fn empty_documents_are_skipped_but_counted() {
    assert!(ok("").is_empty());
    assert!(ok("# only a comment\n").is_empty());
    let docs = ok("---\n---\n# comment\n---\na: 1\n---\n...\n---\nb: 2\n");
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0].index, 2);
    assert_eq!(docs[0].root.str_at(&["a"]), Some("1"));
    assert_eq!(docs[1].index, 4);
    // An explicit null or empty string is a document.
    let docs = ok("--- ''\n--- ~\n");
    assert_eq!(docs.len(), 2);
}

#[test]
fn block_scalars_keep_text_and_style() {
    let docs = ok("clip: |\n  one\n  two\n\nkeep: |+\n  x\n\nstrip: |-\n  y\nfold: >\n  a\n  b\n\n  c\n");
    let root = &docs[0].root;
    let clip = scalar(root.get("clip").unwrap());
    assert_eq!(clip.text, "one\ntwo\n");
    assert_eq!(clip.style, ScalarStyle::Literal);
    assert_eq!(scalar(root.get("keep").unwrap()).text, "x\n\n");
    assert_eq!(scalar(root.get("strip").unwrap()).text, "y");
    let fold = scalar(root.get("fold").unwrap());
    assert_eq!(fold.text, "a b\nc\n");
    assert_eq!(fold.style, ScalarStyle::Folded);
    assert_eq!(root.get("clip").unwrap().pos, pos(1, 7), "a block scalar is at its indicator");
    assert_eq!(root.get("keep").unwrap().pos, pos(5, 7));

    let docs = ok("- |  # comment | here\n  x\n-\n  >-\n   y\n- !!str |\n  z\n--- |\n  top\n");
    let items = docs[0].root.as_seq().unwrap();
    assert_eq!(items[0].pos, pos(1, 3));
    assert_eq!(items[1].pos, pos(4, 3));
    assert_eq!(scalar(&items[1]).text, "y");
    assert_eq!(items[2].pos, pos(6, 3), "properties come first");
    assert_eq!(docs[1].root.pos, pos(8, 5));
    assert_eq!(scalar(&docs[1].root).text, "top\n");
}

#[test]
fn quoted_scalars_keep_style_and_unescape() {
    let docs = ok("s: 'it''s'\nd: \"tab\\there \\u00e9\"\np: plain text\n");
    let root = &docs[0].root;
    let s = scalar(root.get("s").unwrap());
    assert_eq!((s.text.as_str(), s.style), ("it's", ScalarStyle::SingleQuoted));
    let d = scalar(root.get("d").unwrap());
    assert_eq!((d.text.as_str(), d.style), ("tab\there é", ScalarStyle::DoubleQuoted));
    let pl = scalar(root.get("p").unwrap());
    assert_eq!((pl.text.as_str(), pl.style), ("plain text", ScalarStyle::Plain));
}

#[test]
fn to_json_typing() {
    let v = json("s: \"1\"\nn: 1\nf: 1.5\nt: true\ny: yes\nz: ~\ne:\nq: 'true'\nh: 0x1f\nstr: !!str 12\nns: ! 12\n");
    assert_eq!(
        v,
        serde_json::json!({
            "s": "1", "n": 1, "f": 1.5, "t": true, "y": "yes", "z": null, "e": null,
            "q": "true", "h": 31, "str": "12", "ns": "12"
        })
    );
}

#[test]
fn to_json_never_panics_on_odd_numbers() {
    let v = json("a: -0x-8000000000000000\nb: 0x+1\nc: -0o17\nd: 99999999999999999999\ne: -9223372036854775808\n");
    assert_eq!(
        v,
        serde_json::json!({
            "a": "-0x-8000000000000000", "b": "0x+1", "c": -15, "d": 1e20, "e": i64::MIN
        })
    );
}

#[test]
fn tags_are_kept_in_resolved_form() {
    let docs = ok("%TAG !e! tag:example.com,2000:\n---\na: !!str 1\nb: !local x\nc: !e!thing y\nd: !!map {k: v}\n");
    let root = &docs[0].root;
    let tag = |k: &str| root.get(k).unwrap().tag.clone();
    assert_eq!(tag("a").as_deref(), Some("tag:yaml.org,2002:str"));
    assert_eq!(tag("b").as_deref(), Some("!local"));
    assert_eq!(tag("c").as_deref(), Some("tag:example.com,2000:thing"));
    assert_eq!(tag("d").as_deref(), Some("tag:yaml.org,2002:map"));
    assert_eq!(root.get("a").unwrap().to_json(), serde_json::json!("1"));
}

/// A small deterministic generator of YAML-ish garbage: the parser must answer, never panic or hang.
#[test]
fn hostile_inputs_do_not_panic() {
    let pieces = [
        "a",
        ": ",
        "- ",
        "\n",
        "  ",
        "\t",
        "[",
        "]",
        "{",
        "}",
        ",",
        "&x ",
        "*x",
        "<<: ",
        "'",
        "\"",
        "|",
        ">",
        "? ",
        "!!str ",
        "!",
        "%YAML 1.2\n",
        "---\n",
        "...\n",
        "#c",
        "\\",
        "é",
        "\u{feff}",
        "1",
        "~",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3000 {
        let len = (next() % 40) as usize;
        let text: String = (0..len).map(|_| pieces[(next() % pieces.len() as u64) as usize]).collect();
        if let Err(e) = p(&text) {
            assert!(!e.message.contains("internal parser error"), "{text:?}: {e}");
            assert!(e.pos.line >= 1 && e.pos.col >= 1, "{text:?}: {e}");
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Objects

fn objects(text: &str) -> Vec<Result<Object, ObjectError>> {
    objects_from_documents("f.yaml", ok(text))
}

#[test]
fn object_identity() {
    let text = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm
  namespace: prod
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: 42
  namespace: ~
";
    let objs: Vec<Object> = objects(text).into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(objs.len(), 3);
    let id = |g: &str, v: &str, k: &str, ns: Option<&str>, n: &str| ObjectId {
        group: g.into(),
        version: v.into(),
        kind: k.into(),
        namespace: ns.map(Into::into),
        name: n.into(),
    };
    assert_eq!(objs[0].id, id("", "v1", "ConfigMap", Some("prod"), "cm"));
    assert_eq!(objs[1].id, id("apps", "v1", "Deployment", None, "web"));
    assert_eq!(objs[2].id, id("rbac.authorization.k8s.io", "v1", "ClusterRole", None, "42"));
    assert_eq!(objs[1].doc_index, 1);
    assert_eq!(objs[1].pos, pos(7, 1));
    assert_eq!(objs[1].file, "f.yaml");
}

#[test]
fn list_is_expanded() {
    let text = "\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: a, namespace: n}
- apiVersion: v1
  kind: Service
  metadata: {namespace: n}
---
apiVersion: v1
kind: ServiceList
items: []
---
apiVersion: example.com/v1
kind: AllowList
metadata:
  name: not-a-list
";
    let objs = objects(text);
    assert_eq!(objs.len(), 3, "{objs:?}");
    let first = objs[0].as_ref().unwrap();
    assert_eq!(first.id.name, "a");
    assert_eq!(first.pos, pos(4, 3));
    assert_eq!(first.doc_index, 0);
    let e = objs[1].as_ref().unwrap_err();
    assert_eq!(e.message, "document 1, item 2 is not a Kubernetes object: missing metadata.name");
    assert_eq!(e.pos, pos(9, 13));
    assert_eq!(objs[2].as_ref().unwrap().id.kind, "AllowList");
}

#[test]
fn non_objects_are_reported_precisely() {
    let text = "\
- a
---
apiVersion: v1
kind: ConfigMap
data: {}
---
kind: ConfigMap
metadata: {name: x}
---
apiVersion: v1
kind: [x]
metadata: {name: x}
---
apiVersion: v1
kind: Pod
metadata:
  generateName: web-
---
apiVersion: v1
kind: List
";
    let errs: Vec<ObjectError> = objects(text).into_iter().map(|r| r.unwrap_err()).collect();
    assert_eq!(errs.len(), 6);
    assert_eq!(errs[0].pos, pos(1, 1));
    assert!(
        errs[0].message.starts_with("document 1 is not a Kubernetes object: it is a sequence"),
        "{}",
        errs[0].message
    );
    assert_eq!(errs[1].message, "document 2 is not a Kubernetes object: missing metadata.name");
    assert_eq!(errs[1].pos, pos(3, 1));
    assert_eq!(errs[1].doc_index, 1);
    assert_eq!(errs[2].message, "document 3 is not a Kubernetes object: missing apiVersion");
    assert_eq!(errs[3].pos, pos(11, 7));
    assert!(errs[3].message.contains("kind must be a non-empty string, found a sequence"), "{}", errs[3].message);
    assert_eq!(errs[4].pos, pos(17, 17));
    assert!(errs[4].message.contains("generateName"), "{}", errs[4].message);
    assert!(errs[5].message.contains("items"), "{}", errs[5].message);
    assert!(errs[1].to_string().starts_with("f.yaml:3:1: document 2"));
}
