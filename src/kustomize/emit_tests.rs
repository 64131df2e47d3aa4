//! Tests of the kustomize printer: kustomize's own outputs as fixed points, differential runs against
//! `kubectl kustomize`, and unit tests of the Go formatting and ordering rules.

use super::*;
use crate::manifest::{Limits, parse};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;

fn docs(text: &str) -> Vec<Value> {
    match parse("test.yaml", text, &Limits::default()) {
        Ok(d) => d.iter().map(|d| node_to_value(&d.root)).collect(),
        Err(e) => panic!("parse error: {e}"),
    }
}

fn one(text: &str) -> Value {
    let mut d = docs(text);
    assert_eq!(d.len(), 1, "{text}");
    d.remove(0)
}

/// The printed form of `text` (one document).
fn reprint(text: &str) -> String {
    to_yaml(&one(text))
}

/// The printed value of `v: <scalar>`.
fn scalar_out(scalar: &str) -> String {
    let out = reprint(&format!("v: {scalar}\n"));
    out.strip_prefix("v: ").and_then(|s| s.strip_suffix('\n')).unwrap_or(&out).to_string()
}

fn shared_dir() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared")).to_path_buf()
}

// ------------------------------------------------------------------------------------------------------------
// Conformance: kustomize's expected outputs are fixed points of its printer.
// ------------------------------------------------------------------------------------------------------------

#[test]
fn conformance_expected_outputs_are_fixed_points() {
    let root = shared_dir().join("conformance/kustomize");
    let Ok(entries) = std::fs::read_dir(&root) else {
        println!("skipped: {} is absent", root.display());
        return;
    };
    let mut cases: Vec<PathBuf> =
        entries.filter_map(|e| e.ok()).map(|e| e.path().join("expected.yaml")).filter(|p| p.is_file()).collect();
    cases.sort();
    let mut failures = Vec::new();
    for path in &cases {
        let Ok(text) = std::fs::read_to_string(path) else {
            failures.push(format!("{}: unreadable", path.display()));
            continue;
        };
        let parsed = match parse(&path.display().to_string(), &text, &Limits::default()) {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!("{}: parse error {e}", path.display()));
                continue;
            }
        };
        let values: Vec<Value> = parsed.iter().map(|d| node_to_value(&d.root)).collect();
        let out = to_yaml_stream(&values);
        if out != text {
            failures.push(format!("{}:\n{}", path.display(), first_difference(&text, &out)));
        }
    }
    println!("conformance: {} of {} expected outputs reprint identically", cases.len() - failures.len(), cases.len());
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

fn first_difference(want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    for i in 0..w.len().max(g.len()) {
        let (a, b) = (w.get(i).copied(), g.get(i).copied());
        if a != b {
            return format!("  line {}:\n    want {:?}\n    got  {:?}", i + 1, a, b);
        }
    }
    format!(
        "  same lines, different ending: want {:?} got {:?}",
        want.get(want.len().saturating_sub(20)..),
        got.get(got.len().saturating_sub(20)..)
    )
}

// ------------------------------------------------------------------------------------------------------------
// Differential tests against kubectl kustomize.
// ------------------------------------------------------------------------------------------------------------

/// A deterministic pseudo-random generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// `s` as a YAML double-quoted scalar that any YAML parser reads back as `s`.
fn dq(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            '\u{feff}' => out.push_str("\\uFEFF"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn resource(name: &str, body: &str) -> String {
    format!("apiVersion: example.com/v1\nkind: Foo\nmetadata:\n  name: {name}\n{body}")
}

/// Hand-written tricky documents.
fn handwritten_docs() -> Vec<String> {
    let mut d = Vec::new();
    // Key sets on which go-yaml v2's order is not a strict total order print in a random order in kustomize
    // (Go's map iteration order feeds sort.Sort): keep the keys that keep it total.
    let candidates = [
        "a10",
        "a9",
        "a-b",
        "ab",
        "A",
        "_x",
        "1",
        "10",
        "2",
        "b01",
        "b1",
        "b001",
        "é",
        "Z",
        "z",
        "",
        " ",
        "a",
        "a0",
        "a00",
        "a1",
        "a01",
        "x10y",
        "x9y",
        "x09y",
        "01",
        "-1",
        ".",
        "0",
        "00",
        "007",
        "7",
        "-",
        "~",
        "ß",
        "Ä",
        "ä",
        "日本",
        "a1b2",
        "a1b10",
        "a01b",
        "a0b",
        "1.5",
        "1.10",
        "v1.2.10",
        "v1.2.9",
        "x_y",
        "x-y",
        "x.y",
        "x/y",
        "X",
        "١٢",
        "a٣",
        "a3",
        "app.kubernetes.io/name",
        "app.kubernetes.io/instance",
        "helm.sh/chart",
        "key2",
        "key10",
    ];
    let keys = consistent_keys(candidates.iter().map(|k| k.to_string()));
    assert!(keys.len() >= 50, "{keys:?}");
    let mut body = String::from("data:\n");
    for k in &keys {
        body.push_str(&format!("  {}: 1\n", dq(k)));
    }
    d.push(resource("keys", &body));
    d.push(resource(
        "lookalikes",
        r##"s:
  yes1: yes
  No1: No
  on1: on
  off1: OFF
  y1: y
  n1: n
  tilde: ~
  null1: null
  under: 1_000
  hex: 0x1F
  hexneg: -0x1F
  oct: 0644
  octo: 0o17
  octneg: -0o17
  o8: 08
  o9: 0_9
  bin: 0b101
  binneg: -0b101
  e3: 1e3
  e3s: "1e3"
  dot5: .5
  dot5s: ".5"
  dotinf: ".inf"
  nan: ".NaN"
  date: 2001-12-14
  dates: "2001-12-14"
  dt: 2001-12-14t21:59:43.10-05:00
  dt2: 2001-12-14 21:59:43.10
  dt3: 2001-12-14T21:59:43
  dt4: "2001-12-14T21:59:43"
  dt5: 2001-12-14T21:59:43.123456789123+01:30
  dt6: 2001-1-2
  dt7: 2001-02-30
  dt8: 2000-02-29 1:2:3
  dt9: 2001-12-14T21:59:43+00:00
  dt10: 2001-12-14   21:59:43
  dt11: 2001-13-14
  dt12: 1900-02-29
  dt13: 2001-12-14 24:00:00
  dt14: 2001-12-14T21:59:43,5Z
  b60: 12:30
  b60s: "12:30"
  b60b: 1:2:3.5
  b60c: 12:70
  q123: "123"
  qtrue: "true"
  qy: "y"
  qnull: "null"
  qtilde: "~"
  empty: ""
  t: true
  f: False
  tt: TRUE
  lt: "<<"
  plus: +12
  plusf: +.5
  minus: -.5
  dot: .
  dotdot: ..
  dotsq: '.e3'
  one_dot: 1.
  v: v1.2
  ip: 10.0.0.1
  ver: 1.2.3
  semver: 1.0.0-rc1
  pct: 50%
  str: !!str 123
  strb: !!str true
  intq: !!int "12"
  flt: !!float 1
  bang: ! 123
  bangq: ! "123"
  local: !foo 12
  bin64: !!binary aGVsbG8=
  hexX: 0X1F
  hexu: 0x_1F
  hexp: +0x1F
  binB: 0B11
  octO: 0O17
  zb: 0b
  zx: 0x
  u1: 1__0
  u2: _1
  u3: 1_
  hugeu: 1_000_000_000_000_000_000_000
  tinyf: 1e-400
  onedot: 1.e5
  dote: .5e-3
  dotu: ._5
  tz1: 2001-12-14T21:59:43-0500
  tz2: 2001-12-14 21:59:43 +01:00
  tz3: 2001-12-14T21:59:43.5-00:00
  tz4: 2001-12-14T21:59:43.000Z
  tz5: 0000-01-01
"##,
    ));
    d.push(resource(
        "anchors",
        r##"base: &b
  x: 1
  y: two
use:
  <<: *b
  y: override
multi:
  <<: [*b, {z: 3}]
list: [*b, *b]
flow: {a: 1, b: [1, 2, {c: d}], e: "f", g: 'h'}
plainml: this is
  continued on
  three lines
sq: 'it''s'
"##,
    ));
    d.push(resource(
        "numbers",
        r##"n:
  half: 0.5
  one: 1.0
  ten: 10.0
  small: 1e-7
  small2: 0.000001
  small3: 0.0000015
  t4: 0.0001
  t5: 0.00001
  big: 123456789012345678901234
  big2: 1e20
  big3: 1e21
  big4: 1.5e300
  big5: 12345678901234567890
  big6: 18446744073709551615
  big7: 18446744073709551616
  big8: 9223372036854775807
  big9: 9223372036854775808
  big10: -9223372036854775808
  big11: -9223372036854775809
  big12: 1.2345678901234568e19
  f6: 1234567.5
  f5: 123456.5
  f7: 100000.5
  f8: 1000000.5
  neg0: -0.0
  neg0i: -0
  negf: -2.5e-10
  pi: 3.141592653589793
  third: 0.3333333333333333
  e: 2.718281828459045e+10
  under: 1_0.5
  tiny: 5e-324
  huge: 1.7976931348623157e308
  over: 1e400
  exp: 1E5
  expp: 1e+5
"##,
    ));
    let long_words = "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq rrrr ssss tttt uuuu vvvv wwww xxxx yyyy zzzz";
    let long_nospace = "x".repeat(150);
    d.push(resource(
        "long",
        &format!(
            r##"s:
  plain: {long_words}
  nospace: {long_nospace}
  single: '{long_words}: x'
  double: "{long_words} \t end"
  dspaces: "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq  rrrr ssss"
  dspaces2: "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo p   qqqq  rrrr ssss"
  sspaces: 'aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo ppp   qqqq rrrr: x'
  digits: "0123456789 0123456789 0123456789 0123456789 0123456789 0123456789 0123456789 0123456789 0123456789"
  unicode: "ééééé ééééé ééééé ééééé ééééé ééééé ééééé ééééé ééééé ééééé ééééé ééééé ééééé ééééé ééééé ééééé ééééé"
  cjk: "日本語日本語 日本語日本語 日本語日本語 日本語日本語 日本語日本語 日本語日本語 日本語日本語 日本語日本語 日本語日本語 日本語日本語 日本語日本語 日本語日本語 日本語日本語"
  list:
  - {long_words}
  - - {long_words}
  - k: {long_words}
    deeper:
      deeper:
        deeper:
          deeper: {long_words}
  {long_words}: key
  "{long_nospace}": key2
  ? "{long_nospace}{long_nospace}"
  : key3
  ? "multi\nline key"
  : v
  ? "multi\nline key 2\n"
  : [a]
  ? "multi\nline key 3\n"
  : {{b: c}}
  "tab\tkey": v
  "key: colon": v
  "key #hash": v
  "- dash": v
  "yes": v
  "123": v
"##
        ),
    ));
    d.push(resource(
        "multiline",
        r##"s:
  ml1: "line1\nline2\n"
  ml2: "line1\nline2"
  ml3: "  lead\nline2\n"
  ml4: "trail \nline2\n"
  ml5: "a\n\nb\n\n"
  ml6: "a\tb\nc\n"
  ml7: "\nstart"
  ml8: "x\n"
  ml9: "\n"
  ml10: "\n\n"
  ml11: "a\n  b\n    c\n"
  ml12: "a\n \nb"
  ml13: "a \n b"
  ml14: "a\r\nb"
  ml15: "#!/bin/sh\necho hi\n"
  ml16: "- a\n- b\n"
  ml17: "a\n\n\n"
  ml18: "é\n日本\n"
  ml19: "😀\nx\n"
  ml20: "x\n "
  lit: |
    literal text
      indented
    end
  litkeep: |+
    keep

  litstrip: |-
    strip
  folded: >
    folded text
    continues

    new para
  list:
  - "a\nb\n"
  - - "c\nd"
  - k: "e\nf\n"
"##,
    ));
    d.push(resource(
        "indicators",
        r##"s:
  colon: "a: b"
  colonend: "a:"
  ccolon: ":x"
  ccolonsp: ": x"
  hash: "a #b"
  hash2: "a#b"
  hashstart: "#a"
  star: "*x"
  amp: "&x"
  bang: "!x"
  dash: "-x"
  dashsp: "- x"
  dashonly: "-"
  q: "?x"
  qsp: "? x"
  qonly: "?"
  br: "[x"
  brend: "x]"
  cb: "{x"
  cbend: "x}"
  pct: "%x"
  at: "@x"
  bt: "`x"
  pipe: "|x"
  gt: ">x"
  sq: "'x"
  dq: "\"x"
  mid: "a'b\"c"
  comma: "a,b"
  commastart: ",a"
  uni: "é日本"
  emoji: "😀"
  emojimid: "a😀b"
  ctrl: "a\x01b"
  esc: "\e"
  nul: "\0"
  bell: "\a"
  nbsp: "a\_b"
  nel: "a\Nb"
  nel2: "a \N \N b"
  nel3: "\Nx"
  ls: "a\Lb"
  ps: "a\Pb"
  bom: "\uFEFFab"
  bommid: "a\uFEFFb"
  lsp: " x"
  tsp: "x "
  tab: "a\tb"
  tabend: "a\t"
  cr: "a\rb"
  dots: "..."
  dotsx: "...x"
  dashes: "---"
  dashesx: "---x"
  tildes: "~"
  backslash: "a\\b"
  slash: "a/b"
  url: "http://example.com/a?b=c#d"
  json: '{"a": [1, 2]}'
  email: "a@b.c"
  amp2: "a&b"
  star2: "a*b"
  excl: "a!b"
  space2: "a  b"
  sp: " "
  sp2: "  "
  eq: "="
  lt: "<"
  nested:
  - - a
    - b
  - []
  - {}
  - - []
    - {}
  emptym: {}
  emptyl: []
  nul2: null
  nul3:
  lmap:
  - name: x
    image: y
  - - - deep
  - {}
  -
  - ""
"##,
    ));
    d
}

/// Documents of random strings, keys and numbers built from troublesome pieces.
fn random_docs(seed: u64, count: usize) -> Vec<String> {
    let pieces: &[&str] = &[
        "a",
        "b",
        "x",
        "Z",
        "0",
        "1",
        "9",
        "_",
        "-",
        ".",
        " ",
        " ",
        " ",
        "  ",
        "\n",
        "\n",
        "\t",
        ":",
        ": ",
        " #",
        "#",
        "'",
        "\"",
        "\\",
        "?",
        "!",
        "&",
        "*",
        "[",
        "]",
        "{",
        "}",
        ",",
        "%",
        "@",
        "`",
        "|",
        ">",
        "é",
        "日本",
        "😀",
        "\u{85}",
        "\u{2028}",
        "\u{a0}",
        "\u{1}",
        "yes",
        "no",
        "true",
        "null",
        "~",
        "123",
        "0x1F",
        "1e3",
        "2001-12-14",
        "12:30",
        "---",
        "...",
        "word",
        "longerword",
        "http://x.y/z",
    ];
    let key_pieces: &[&str] = &["a", "b", "A", "0", "1", "2", "9", "10", "00", "_", "-", ".", "é", "z", "x1", " "];
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    for n in 0..count {
        let mut body = String::from("data:\n");
        for i in 0..12 {
            let max = if rng.below(4) == 0 { 60 } else { 12 };
            let len = rng.below(max);
            let s: String = (0..len).map(|_| *rng.pick(pieces)).collect();
            // go-yaml v2 fails on a document marker right after a raw U+0085 in the JSON (so does kustomize).
            let s = s.replace("\u{85}---", "\u{85}x---").replace("\u{85}...", "\u{85}x...");
            body.push_str(&format!("  k{i:02}: {}\n", dq(&s)));
        }
        body.push_str("keys:\n");
        let candidates: Vec<String> = (0..14)
            .map(|_| {
                let len = 1 + rng.below(5);
                (0..len).map(|_| *rng.pick(key_pieces)).collect()
            })
            .collect();
        for k in consistent_keys(candidates) {
            body.push_str(&format!("  {}: {}\n", dq(&k), rng.below(100)));
        }
        body.push_str("nums:\n");
        for i in 0..8 {
            let bits = rng.next();
            let f = f64::from_bits(bits);
            let text = match rng.below(5) {
                _ if !f.is_finite() => "1.5".to_string(),
                0 => format!("{f:e}"),
                1 => format!("{:e}", (rng.next() % 1_000_000_000) as f64 / 10f64.powi(rng.below(12) as i32)),
                2 => format!("{}", (rng.next() % 100_000_000) as f64 / 10f64.powi(rng.below(12) as i32)),
                3 => format!("{}", rng.next() as i64),
                _ => format!("{}e{}", rng.below(1000), rng.below(50) as i64 - 25),
            };
            body.push_str(&format!("  n{i}: {text}\n"));
        }
        body.push_str("nest:\n");
        let depth = 1 + rng.below(6);
        let mut indent = String::from("  ");
        for level in 0..depth {
            if rng.below(2) == 0 {
                body.push_str(&format!("{indent}l{level}:\n"));
            } else {
                body.push_str(&format!("{indent}- l{level}:\n"));
                indent.push_str("  ");
            }
            indent.push_str("  ");
        }
        let len = 20 + rng.below(100);
        let s: String = (0..len).map(|_| *rng.pick(&pieces[..40])).collect();
        body.push_str(&format!("{indent}leaf: {}\n", dq(&s)));
        out.push(resource(&format!("random-{seed}-{n}"), &body));
    }
    out
}

/// Whether go-yaml v2's `keyList.Less` is a strict total order on `keys`.
fn is_total_order(keys: &[String]) -> bool {
    for a in keys {
        for b in keys {
            if a != b && key_less(a, b) == key_less(b, a) {
                return false;
            }
            for c in keys {
                if key_less(a, b) && key_less(b, c) && !key_less(a, c) {
                    return false;
                }
            }
        }
    }
    true
}

/// The candidates, without duplicates, dropping each one that would break the total order.
fn consistent_keys(candidates: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for k in candidates {
        if keys.contains(&k) {
            continue;
        }
        keys.push(k);
        if !is_total_order(&keys) {
            keys.pop();
        }
    }
    keys
}

/// Documents of random plain scalars that look more or less like numbers, dates and YAML 1.1 values.
fn random_plain_docs(seed: u64, count: usize) -> Vec<String> {
    let pieces: &[&str] = &[
        "0",
        "1",
        "7",
        "9",
        "00",
        "12",
        "x",
        "X",
        "o",
        "b",
        "e",
        "E",
        "+",
        "-",
        ".",
        "_",
        ":",
        "a",
        "f",
        "inf",
        "nan",
        "y",
        "n",
        "on",
        "2001-12-14",
        "2001-1-2",
        "T",
        "t",
        " ",
        "Z",
        "1:2:3",
        "21:59:43",
        "+01:00",
        "-05:00",
        ".5",
        "e+5",
        "e-5",
        "0x",
        "0o",
        "0b",
        "yes",
        "no",
        "true",
        "null",
        "~",
        ",5",
        "24",
        "60",
    ];
    let mut rng = Rng(seed);
    (0..count)
        .map(|n| {
            let mut body = String::from("p:\n");
            for i in 0..40 {
                let len = 1 + rng.below(4);
                let t: String = (0..len).map(|_| *rng.pick(pieces)).collect();
                let t = t.trim();
                let bad_start = t.starts_with([':', '?', '-', ',']) && !t.starts_with("-0") && !t.starts_with("-1");
                // Infinities and NaN make kustomize fail.
                let non_finite = matches!(go_resolve(None, t, false), Some(Resolved::Float(f)) if !f.is_finite());
                let text = if t.is_empty() || bad_start || non_finite || t.contains(": ") || t.ends_with(':') {
                    dq(t)
                } else {
                    t.to_string()
                };
                body.push_str(&format!("  s{i:02}: {text}\n"));
            }
            resource(&format!("plain-{seed}-{n}"), &body)
        })
        .collect()
}

fn kubectl_available() -> bool {
    Command::new("kubectl").arg("version").arg("--client").output().is_ok_and(|o| o.status.success())
}

/// Runs `kubectl kustomize --reorder none` over `docs` (one resource each) and compares with our printer.
fn differential(label: &str, docs_text: &[String]) {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("tempdir: {e}"),
    };
    let stream = docs_text.join("---\n");
    let write = |name: &str, text: &str| {
        if let Err(e) = std::fs::write(dir.path().join(name), text) {
            panic!("write {name}: {e}");
        }
    };
    write("resources.yaml", &stream);
    write("kustomization.yaml", "resources:\n- resources.yaml\n");
    let out = match Command::new("kubectl").arg("kustomize").arg("--reorder").arg("none").arg(dir.path()).output() {
        Ok(o) => o,
        Err(e) => panic!("kubectl: {e}"),
    };
    assert!(out.status.success(), "{label}: kubectl failed: {}", String::from_utf8_lossy(&out.stderr));
    let want = String::from_utf8_lossy(&out.stdout).into_owned();
    let values = docs(&stream);
    let got = to_yaml_stream(&values);
    if want != got {
        let w = split_stream(&want);
        let g = split_stream(&got);
        for (i, (a, b)) in w.iter().zip(g.iter()).enumerate() {
            if a != b {
                panic!(
                    "{label}: document {i} differs\n{}\n--- kubectl:\n{a}\n--- ours:\n{b}\n--- input:\n{}",
                    first_difference(a, b),
                    docs_text.get(i).map(String::as_str).unwrap_or("?")
                );
            }
        }
        panic!("{label}: {} documents from kubectl, {} from us", w.len(), g.len());
    }
}

/// A printed stream cut at its `---` lines.
fn split_stream(s: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in s.split_inclusive('\n') {
        if line == "---\n" {
            docs.push(String::new());
        } else if let Some(last) = docs.last_mut() {
            last.push_str(line);
        }
    }
    docs
}

#[test]
fn differential_handwritten_against_kubectl() {
    if !kubectl_available() {
        println!("skipped: kubectl is not installed");
        return;
    }
    differential("handwritten", &handwritten_docs());
}

#[test]
fn differential_random_against_kubectl() {
    if !kubectl_available() {
        println!("skipped: kubectl is not installed");
        return;
    }
    // More seeds for a longer campaign: FLEETGATE_EMIT_SEEDS=100 cargo test differential_random.
    let seeds: u64 = std::env::var("FLEETGATE_EMIT_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(4);
    for seed in 1..=seeds {
        differential(&format!("random seed {seed}"), &random_docs(seed * 7919, 40));
        differential(&format!("random plain seed {seed}"), &random_plain_docs(seed * 104_729, 20));
    }
}

// ------------------------------------------------------------------------------------------------------------
// Unit tests.
// ------------------------------------------------------------------------------------------------------------

#[test]
fn key_sorter_natural_order() {
    let mut keys = vec!["a10", "a9", "a-b", "ab", "A", "_x", "1", "10", "2", "b01", "b1", "b001", "", " ", "01"];
    keys = sort_keys(keys, &|a: &&str, b: &&str| key_less(a, b));
    assert_eq!(keys, ["", " ", "_x", "1", "01", "2", "10", "A", "a-b", "a9", "a10", "ab", "b1", "b01", "b001"]);
    assert!(key_less("x9y", "x09y"));
    assert!(key_less("x09y", "x10y"));
    assert!(key_less("a1", "a01"));
    assert!(key_less("z", "é"));
    assert!(!key_less("a", "a"));
    assert!(key_less("a", "ab"));
}

#[test]
fn key_sorter_never_panics_on_odd_input() {
    let keys: Vec<String> = (0..300).map(|i| format!("{}{}", "0".repeat(i % 7), "9".repeat(i % 23))).collect();
    let sorted = sort_keys(keys.clone(), &|a: &String, b: &String| key_less(a, b));
    assert_eq!(sorted.len(), keys.len());
}

#[test]
fn go_float_formatting() {
    let g = |f: f64| go_format_float(f, b'g');
    assert_eq!(g(0.5), "0.5");
    assert_eq!(g(1e-7), "1e-07");
    assert_eq!(g(1e21), "1e+21");
    assert_eq!(g(1234567.5), "1.2345675e+06");
    assert_eq!(g(123456.5), "123456.5");
    assert_eq!(g(0.0001), "0.0001");
    assert_eq!(g(0.00001), "1e-05");
    assert_eq!(g(1.5e300), "1.5e+300");
    assert_eq!(g(-2.5), "-2.5");
    assert_eq!(g(0.0), "0");
    // Exactly halfway between two shortest candidates: the even one, as Go picks it.
    assert_eq!(g(7.589809210161763e13), "7.589809210161762e+13");
    assert_eq!(go_json_float(1e-7), "1e-7");
    assert_eq!(go_json_float(1e21), "1e+21");
    assert_eq!(go_json_float(1e20), "100000000000000000000");
    assert_eq!(go_json_float(0.000001), "0.000001");
    assert_eq!(go_json_float(-0.0), "-0");
    assert_eq!(go_json_float(1.2345678901234568e19), "12345678901234567000");
    assert_eq!(go_format_float(123.0, b'e'), "1.23e+02");
    assert_eq!(go_format_float(5e-324, b'e'), "5e-324");
}

#[test]
fn numbers_print_like_kustomize() {
    let n = |v: Value| to_yaml(&json!({ "v": v }));
    assert_eq!(n(json!(1.0)), "v: 1\n");
    assert_eq!(n(json!(-0.0)), "v: 0\n");
    assert_eq!(n(json!(1e20)), "v: 1e+20\n");
    assert_eq!(n(json!(1e19)), "v: 10000000000000000000\n");
    assert_eq!(n(json!(1.2345678901234568e19)), "v: 12345678901234567000\n");
    assert_eq!(n(json!(1234567.5)), "v: 1.2345675e+06\n");
    assert_eq!(n(json!(u64::MAX)), "v: 18446744073709551615\n");
    assert_eq!(n(json!(i64::MIN)), "v: -9223372036854775808\n");
    assert_eq!(n(json!(-9.3e18)), "v: -9.3e+18\n");
}

#[test]
fn input_typing_follows_yaml_v3() {
    assert_eq!(one("v: yes"), json!({"v": "yes"}));
    assert_eq!(one("v: 0644"), json!({"v": 420}));
    assert_eq!(one("v: 0o17"), json!({"v": 15}));
    assert_eq!(one("v: 0b101"), json!({"v": 5}));
    assert_eq!(one("v: 1_000"), json!({"v": 1000}));
    assert_eq!(one("v: 08"), json!({"v": 8.0}));
    assert_eq!(one("v: 1e3"), json!({"v": 1000.0}));
    assert_eq!(one("v: ~"), json!({"v": null}));
    assert_eq!(one("v: '123'"), json!({"v": "123"}));
    assert_eq!(one("v: !!str 123"), json!({"v": "123"}));
    assert_eq!(one("v: ! 123"), json!({"v": 123}));
    assert_eq!(one("v: !foo 123"), json!({"v": "123"}));
    assert_eq!(one("v: !!int '12'"), json!({"v": 12}));
    assert_eq!(one("v: !!float 1"), json!({"v": 1.0}));
    assert_eq!(one("v: !!binary aGVsbG8="), json!({"v": "hello"}));
    assert_eq!(one("v: 12345678901234567890"), json!({"v": 12345678901234567890u64}));
    assert_eq!(one("v: 2001-12-14"), json!({"v": "2001-12-14T00:00:00Z"}));
    assert_eq!(one("v: 2001-12-14t21:59:43.10-05:00"), json!({"v": "2001-12-14T21:59:43.1-05:00"}));
    assert_eq!(one("v: 2001-12-14 21:59:43.10"), json!({"v": "2001-12-14T21:59:43.1Z"}));
    assert_eq!(one("v: 2001-12-14T21:59:43+00:00"), json!({"v": "2001-12-14T21:59:43Z"}));
    assert_eq!(one("v: 2001-02-29"), json!({"v": "2001-02-29"}));
    assert_eq!(one("v: 2001-12-14T21:59:43"), json!({"v": "2001-12-14T21:59:43"}));
    assert_eq!(one("v: .inf"), json!({"v": ".inf"}));
}

#[test]
fn strings_print_like_kustomize() {
    assert_eq!(scalar_out("yes"), "\"yes\"");
    assert_eq!(scalar_out("'123'"), "\"123\"");
    assert_eq!(scalar_out("''"), "\"\"");
    assert_eq!(scalar_out("'12:30'"), "\"12:30\"");
    assert_eq!(scalar_out("'*'"), "'*'");
    assert_eq!(scalar_out("': x'"), "': x'");
    assert_eq!(scalar_out("' x'"), "' x'");
    assert_eq!(scalar_out("\"a\\tb\""), "\"a\\tb\"");
    assert_eq!(scalar_out("\"😀\""), "\"\\U0001F600\"");
    assert_eq!(scalar_out("é日本"), "é日本");
    assert_eq!(scalar_out("\"\\uFEFFab\""), "\"\\uFEFF\\x61\\x62\"");
    assert_eq!(scalar_out("\"a\\Nb\""), "a b");
    assert_eq!(scalar_out("\"a\\N\\Nb\""), "|-\n  a\n  b");
    assert_eq!(scalar_out("\"x\\n\""), "|\n  x");
    assert_eq!(scalar_out("\" x\\n\""), "|2\n   x");
    assert_eq!(scalar_out("\"x\\n\\n\""), "|+\n  x\n");
    assert_eq!(reprint("a: [[a]]\nb: []\nc: {}\n"), "a:\n- - a\nb: []\nc: {}\n");
}

#[test]
fn long_plain_strings_fold_at_80_columns() {
    let words = "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq rrrr";
    assert_eq!(
        reprint(&format!("k:\n  v: {words}\n")),
        "k:\n  v: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp\n    qqqq rrrr\n"
    );
}

#[test]
fn streams_join_with_document_markers() {
    assert_eq!(to_yaml_stream(&[]), "");
    assert_eq!(to_yaml_stream(&[json!({"a": 1}), json!({"b": 2})]), "a: 1\n---\nb: 2\n");
    assert_eq!(to_yaml(&json!({})), "{}\n");
}

#[test]
fn timestamps_follow_go_time_parse() {
    assert!(parse_timestamp("2001-12-14").is_some());
    assert!(parse_timestamp("2001-1-2").is_some());
    assert!(parse_timestamp("2000-02-29").is_some());
    assert!(parse_timestamp("1900-02-29").is_none());
    assert!(parse_timestamp("2001-12-14 24:00:00").is_none());
    assert!(parse_timestamp("2001-12-14   1:2:3").is_some());
    assert!(parse_timestamp("2001-12-14T1:2:3").is_none());
    assert!(parse_timestamp("2001-12-14T1:2:3z").is_none());
    assert!(parse_timestamp("2001-12-14T1:2:3.5Z").is_some());
    assert!(parse_timestamp("20011-12-14").is_none());
    let t = parse_timestamp("2001-12-14T21:59:43.123456789123+01:30");
    assert_eq!(t.map(|t| t.rfc3339_nano()), Some("2001-12-14T21:59:43.123456789+01:30".to_string()));
}

#[test]
fn base60_and_lookalike_detection() {
    assert!(is_base60_float("12:30"));
    assert!(is_base60_float("1:2:3.5"));
    assert!(is_base60_float("-1_0:59"));
    assert!(!is_base60_float("12:70"));
    assert!(!is_base60_float("12:"));
    assert!(!is_base60_float("a:1"));
    assert_eq!(string_style("0x1F"), Style::DoubleQuoted);
    assert_eq!(string_style("0b-1"), Style::DoubleQuoted);
    assert_eq!(string_style("<<"), Style::Plain);
    assert_eq!(string_style("1.2.3"), Style::Plain);
    assert_eq!(string_style("._5"), Style::Plain);
    assert_eq!(string_style(".5_0"), Style::DoubleQuoted);
}
