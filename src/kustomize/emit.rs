//! Printing resources byte for byte as kustomize v5.5 prints them, and typing the input the way it does.
//!
//! kustomize prints a resource by unmarshalling its kyaml node with yaml.v3 into `map[string]interface{}`,
//! marshalling that with `encoding/json`, and handing the JSON to `sigs.k8s.io/yaml.JSONToYAML`, which reads it
//! back with go-yaml **v2** into `interface{}` and marshals it with go-yaml v2. So:
//!
//! - [`node_to_value`] is the first half: a parsed node typed by yaml.v3's resolver (`true`/`false` only, ints
//!   with `0x`/`0o`/`0b`/legacy `0777` and `_`, floats, null, timestamps, which become `time.Time` and so
//!   RFC 3339 strings in the JSON), giving the JSON value.
//! - [`to_yaml`] is the second half: the JSON value as go-yaml v2 re-reads it (floats formatted by Go's JSON
//!   encoder then re-typed, a raw U+0085 folded like a line break) and prints it: keys in v2's "natural" order,
//!   strings quoted when YAML 1.1 would read them as something else, styles chosen and long lines folded at 80
//!   columns exactly as v2's port of libyaml's emitter does.
//!
//! Known differences from kustomize, all where kustomize fails or is not deterministic:
//! - infinities and NaN (kustomize: "json: unsupported value") become their text; mapping keys that are not
//!   strings below the top level (kustomize: "unsupported type") become their source text; a value that does
//!   not fit its explicit tag (`!!int abc`; kustomize: "cannot decode") becomes its text;
//! - characters that go-yaml v2 refuses to read back from the JSON (DEL, C1 controls other than U+0085,
//!   U+FFFE/U+FFFF) are printed escaped, and `---`/`...` right after a U+0085 is printed as is (kustomize:
//!   "found unexpected document indicator");
//! - on key sets where v2's order is not transitive (`a0b`, `a1`, `a01`) kustomize's order is random (it
//!   depends on Go's map iteration); this prints one of its orders;
//! - Go's `unicode.IsLetter` (used by the key order) is approximated by `char::is_alphabetic`, which also
//!   counts letter numbers and some combining marks as letters.

use crate::manifest::{Node, NodeKind, Scalar, ScalarStyle};
use serde_json::{Map, Number, Value};
use std::borrow::Cow;

// ------------------------------------------------------------------------------------------------------------
// Input typing: yaml.v3 into interface{}, then encoding/json.
// ------------------------------------------------------------------------------------------------------------

/// A YAML node (from crate::manifest, already parsed with positions) converted to the value kustomize would
/// hold after yaml.v3 → interface{} → JSON: plain scalars resolved per go-yaml v3 (ints incl. 0x/0o/legacy
/// 0777 octal and `_`, floats, true/false (v3 only!), null, timestamps as Go's json.Marshal prints time.Time),
/// quoted/block scalars → strings, explicit tags honoured (!!str …). Numbers that are floats are stored as f64.
pub fn node_to_value(node: &Node) -> Value {
    match &node.kind {
        NodeKind::Scalar(s) => scalar_to_value(s, node.tag.as_deref()),
        NodeKind::Seq(items) => Value::Array(items.iter().map(node_to_value).collect()),
        NodeKind::Map(entries) => {
            let mut m = Map::new();
            for (k, v) in entries {
                m.insert(key_text(k), node_to_value(v));
            }
            Value::Object(m)
        }
    }
}

/// A mapping key as a JSON object key. yaml.v3 stores a scalar key of a `map[string]interface{}` as its source
/// text (decoded, for `!!binary`); a collection as a key is an error in kustomize: its JSON text stands in.
fn key_text(k: &Node) -> String {
    match &k.kind {
        NodeKind::Scalar(s) if k.tag.as_deref().map(short_tag).as_deref() == Some("!!binary") => {
            match scalar_to_value(s, k.tag.as_deref()) {
                Value::String(t) => t,
                _ => s.text.clone(),
            }
        }
        NodeKind::Scalar(s) => s.text.clone(),
        _ => node_to_value(k).to_string(),
    }
}

/// `tag:yaml.org,2002:x` → `!!x`; other tags unchanged.
fn short_tag(tag: &str) -> Cow<'_, str> {
    match tag.strip_prefix("tag:yaml.org,2002:") {
        Some(rest) => Cow::Owned(format!("!!{rest}")),
        None => Cow::Borrowed(tag),
    }
}

fn scalar_to_value(s: &Scalar, tag: Option<&str>) -> Value {
    let quoted = s.style != ScalarStyle::Plain;
    let short = tag.map(short_tag);
    let tag = match short.as_deref() {
        // yaml.v3 gives a plain scalar with the non-specific tag `!` its resolved type anyway.
        None | Some("!") => {
            if quoted {
                return Value::String(s.text.clone());
            }
            None
        }
        Some("!!str") => return Value::String(s.text.clone()),
        Some("!!binary") => {
            return match base64_decode(&s.text) {
                Some(bytes) => Value::String(go_json_string_from_bytes(&bytes)),
                None => Value::String(s.text.clone()),
            };
        }
        Some(t @ ("!!bool" | "!!int" | "!!float" | "!!null" | "!!timestamp")) => Some(t),
        // Local tags and collection tags on scalars: yaml.v3 keeps the text.
        Some(_) => return Value::String(s.text.clone()),
    };
    match go_resolve(tag, &s.text, false) {
        Some(r) => resolved_to_value(r, &s.text),
        // kustomize fails here ("cannot decode !!str `x` as a !!int"); the text is the closest stand-in.
        None => Value::String(s.text.clone()),
    }
}

fn resolved_to_value(r: Resolved, text: &str) -> Value {
    match r {
        Resolved::Null => Value::Null,
        Resolved::Bool(b) => Value::Bool(b),
        Resolved::Int(i) => Value::from(i),
        Resolved::Uint(u) => Value::from(u),
        Resolved::Float(f) => match Number::from_f64(f) {
            Some(n) => Value::Number(n),
            None => Value::String(text.to_string()),
        },
        Resolved::Timestamp(t) => Value::String(t.rfc3339_nano()),
        Resolved::Str => Value::String(text.to_string()),
    }
}

/// Go's base64.StdEncoding.DecodeString: padded, `\r` and `\n` ignored.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let clean: Vec<u8> = text.bytes().filter(|b| *b != b'\r' && *b != b'\n').collect();
    if !clean.len().is_multiple_of(4) {
        return None;
    }
    let val = |c: u8| -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    };
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    let chunks = clean.len() / 4;
    for (n, q) in clean.chunks(4).enumerate() {
        let last = n + 1 == chunks;
        let pad = q.iter().rev().take_while(|c| **c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut acc = 0u32;
        for &c in &q[..4 - pad] {
            acc = (acc << 6) | val(c)?;
        }
        acc <<= 6 * pad as u32;
        let bytes = [(acc >> 16) as u8, (acc >> 8) as u8, acc as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

/// Bytes as encoding/json writes them: each byte of an invalid UTF-8 sequence becomes U+FFFD.
fn go_json_string_from_bytes(mut bytes: &[u8]) -> String {
    let mut out = String::new();
    loop {
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                out.push_str(s);
                return out;
            }
            Err(e) => {
                let (good, rest) = bytes.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                out.push('\u{FFFD}');
                bytes = rest.get(1..).unwrap_or_default();
            }
        }
    }
}

// ------------------------------------------------------------------------------------------------------------
// go-yaml's resolver (v2 and v3 differ only in the YAML 1.1 booleans and v3's extra `0o` forms).
// ------------------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Timestamp(GoTime),
    Str,
}

impl Resolved {
    fn tag(&self) -> &'static str {
        match self {
            Resolved::Null => "!!null",
            Resolved::Bool(_) => "!!bool",
            Resolved::Int(_) | Resolved::Uint(_) => "!!int",
            Resolved::Float(_) => "!!float",
            Resolved::Timestamp(_) => "!!timestamp",
            Resolved::Str => "!!str",
        }
    }
}

fn resolve_map(s: &str, yaml11: bool) -> Option<Resolved> {
    Some(match s {
        "true" | "True" | "TRUE" => Resolved::Bool(true),
        "false" | "False" | "FALSE" => Resolved::Bool(false),
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" if yaml11 => Resolved::Bool(true),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" if yaml11 => Resolved::Bool(false),
        "" | "~" | "null" | "Null" | "NULL" => Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Resolved::Float(f64::NEG_INFINITY),
        _ => return None,
    })
}

/// go-yaml's `resolve(tag, in)` for a plain scalar (`tag` None) or one with an explicit resolvable tag.
/// `None` when go-yaml fails (the text does not fit the tag). `yaml11` selects v2 (YAML 1.1 booleans).
fn go_resolve(tag: Option<&str>, s: &str, yaml11: bool) -> Option<Resolved> {
    let hint = match s.as_bytes().first() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => 0,
    };
    let mut r = Resolved::Str;
    if hint != 0 && tag != Some("!!str") && tag != Some("!!binary") {
        if let Some(m) = resolve_map(s, yaml11) {
            r = m;
        } else {
            match hint {
                b'.' => {
                    if let Some(f) = go_parse_float(s) {
                        r = Resolved::Float(f);
                    }
                }
                b'D' | b'S' => r = resolve_number(tag, s, yaml11),
                _ => {}
            }
        }
    }
    match tag {
        None => Some(r),
        Some(t) if t == r.tag() || t == "!!str" || t == "!!binary" => Some(r),
        Some("!!float") => match r {
            Resolved::Int(i) => Some(Resolved::Float(i as f64)),
            _ => None,
        },
        Some(_) => None,
    }
}

fn resolve_number(tag: Option<&str>, s: &str, yaml11: bool) -> Resolved {
    if (tag.is_none() || tag == Some("!!timestamp"))
        && let Some(t) = parse_timestamp(s)
    {
        return Resolved::Timestamp(t);
    }
    let plain = s.replace('_', "");
    if let Some(i) = go_parse_int(&plain, 0) {
        return Resolved::Int(i);
    }
    if let Some(u) = go_parse_uint(&plain, 0) {
        return Resolved::Uint(u);
    }
    if yaml_style_float(&plain)
        && let Some(f) = go_parse_float(&plain)
    {
        return Resolved::Float(f);
    }
    if let Some(rest) = plain.strip_prefix("0b") {
        if let Some(i) = go_parse_int(rest, 2) {
            return Resolved::Int(i);
        }
        if let Some(u) = go_parse_uint(rest, 2) {
            return Resolved::Uint(u);
        }
    } else if let Some(rest) = plain.strip_prefix("-0b")
        && let Some(i) = go_parse_int(&format!("-{rest}"), 2)
    {
        return Resolved::Int(i);
    }
    if !yaml11 {
        if let Some(rest) = plain.strip_prefix("0o") {
            if let Some(i) = go_parse_int(rest, 8) {
                return Resolved::Int(i);
            }
            if let Some(u) = go_parse_uint(rest, 8) {
                return Resolved::Uint(u);
            }
        } else if let Some(rest) = plain.strip_prefix("-0o")
            && let Some(i) = go_parse_int(&format!("-{rest}"), 8)
        {
            return Resolved::Int(i);
        }
    }
    Resolved::Str
}

/// Go's strconv.ParseUint(s, base, 64); base 0 reads `0x`, `0o`, `0b` and `0` prefixes and allows `_`.
fn go_parse_uint(s: &str, base: u32) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    let base0 = base == 0;
    let (base, digits) = if base0 {
        if b[0] == b'0' {
            match b.get(1).map(|c| c | 0x20) {
                Some(b'b') if b.len() >= 3 => (2u32, &b[2..]),
                Some(b'o') if b.len() >= 3 => (8, &b[2..]),
                Some(b'x') if b.len() >= 3 => (16, &b[2..]),
                _ => (8, &b[1..]),
            }
        } else {
            (10, b)
        }
    } else {
        (base, b)
    };
    let mut n: u64 = 0;
    let mut underscores = false;
    for &c in digits {
        let d = match c {
            b'_' if base0 => {
                underscores = true;
                continue;
            }
            b'0'..=b'9' => u32::from(c - b'0'),
            _ if c.is_ascii_alphabetic() => u32::from((c | 0x20) - b'a') + 10,
            _ => return None,
        };
        if d >= base {
            return None;
        }
        n = n.checked_mul(u64::from(base))?.checked_add(u64::from(d))?;
    }
    if underscores && !underscore_ok(s) {
        return None;
    }
    Some(n)
}

/// Go's strconv.ParseInt(s, base, 64).
fn go_parse_int(s: &str, base: u32) -> Option<i64> {
    let (neg, rest) = match s.as_bytes().first()? {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let un = go_parse_uint(rest, base)?;
    const CUTOFF: u64 = 1 << 63;
    if (!neg && un >= CUTOFF) || (neg && un > CUTOFF) {
        return None;
    }
    Some(if neg { (un as i64).wrapping_neg() } else { un as i64 })
}

/// Go's strconv `underscoreOK`: underscores only between digits (or after a base prefix).
fn underscore_ok(s: &str) -> bool {
    let mut b = s.as_bytes();
    let mut saw = b'^';
    if let Some(b'+' | b'-') = b.first() {
        b = &b[1..];
    }
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1] | 0x20, b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = (b[1] | 0x20) == b'x';
    }
    while i < b.len() {
        let c = b[i];
        i += 1;
        if c.is_ascii_digit() || (hex && (c | 0x20).is_ascii_hexdigit()) {
            saw = b'0';
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
    }
    saw != b'_'
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if let Some(b'+' | b'-') = b.first() {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = b.get(i) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's strconv.ParseFloat(s, 64) for decimal text (the only kind go-yaml hands it): optional sign, digits
/// with at most one `.`, optional exponent, `_` between digits; overflow is an error, underflow gives 0.
fn go_parse_float(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    if let Some(b'+' | b'-') = b.first() {
        i += 1;
    }
    if b.len() >= i + 2 && b[i] == b'0' && (b[i + 1] | 0x20) == b'x' {
        return None; // hexadecimal floats: never produced by the callers' gates
    }
    let (mut saw_dot, mut saw_digits, mut underscores) = (false, false, false);
    while i < b.len() {
        match b[i] {
            b'_' => underscores = true,
            b'.' if !saw_dot => saw_dot = true,
            b'0'..=b'9' => saw_digits = true,
            _ => break,
        }
        i += 1;
    }
    if !saw_digits {
        return None;
    }
    if i < b.len() && (b[i] | 0x20) == b'e' {
        i += 1;
        if let Some(b'+' | b'-') = b.get(i) {
            i += 1;
        }
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            underscores |= b[i] == b'_';
            i += 1;
        }
    }
    if i != b.len() || (underscores && !underscore_ok(s)) {
        return None;
    }
    let f: f64 = s.replace('_', "").parse().ok()?;
    f.is_finite().then_some(f)
}

// ------------------------------------------------------------------------------------------------------------
// Timestamps: Go's time.Parse with go-yaml's four layouts, and time.Time's JSON form.
// ------------------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
struct GoTime {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    min: i64,
    sec: i64,
    nsec: i64,
    /// Seconds east of UTC.
    offset: i64,
}

impl GoTime {
    /// `time.RFC3339Nano`, as `time.Time.MarshalJSON` writes it (without the quotes).
    fn rfc3339_nano(&self) -> String {
        let mut s = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.min, self.sec
        );
        if self.nsec > 0 {
            let frac = format!("{:09}", self.nsec);
            s.push('.');
            s.push_str(frac.trim_end_matches('0'));
        }
        if self.offset == 0 {
            s.push('Z');
        } else {
            let minutes = self.offset / 60;
            s.push(if minutes < 0 { '-' } else { '+' });
            let m = minutes.abs();
            s.push_str(&format!("{:02}:{:02}", m / 60, m % 60));
        }
        s
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Chunk {
    Lit(&'static str),
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Frac,
    Zone,
}

/// The date-time part shared by go-yaml's layouts `2006-1-2T15:4:5.999999999Z07:00`, the same with `t`, and
/// `2006-1-2 15:4:5.999999999`; and the date-only `2006-1-2`.
const LAYOUTS: [&[Chunk]; 4] = {
    use Chunk::*;
    [
        &[Year, Lit("-"), Month, Lit("-"), Day, Lit("T"), Hour, Lit(":"), Minute, Lit(":"), Second, Frac, Zone],
        &[Year, Lit("-"), Month, Lit("-"), Day, Lit("t"), Hour, Lit(":"), Minute, Lit(":"), Second, Frac, Zone],
        &[Year, Lit("-"), Month, Lit("-"), Day, Lit(" "), Hour, Lit(":"), Minute, Lit(":"), Second, Frac],
        &[Year, Lit("-"), Month, Lit("-"), Day],
    ]
};

/// go-yaml's parseTimestamp.
fn parse_timestamp(s: &str) -> Option<GoTime> {
    let b = s.as_bytes();
    let i = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if i != 4 || i == b.len() || b[i] != b'-' {
        return None;
    }
    LAYOUTS.iter().find_map(|layout| go_time_parse(layout, b))
}

/// Go's getnum: one or two digits (exactly two when `fixed`).
fn getnum(v: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    let d0 = *v.first().filter(|c| c.is_ascii_digit())?;
    match v.get(1).filter(|c| c.is_ascii_digit()) {
        None if fixed => None,
        None => Some((i64::from(d0 - b'0'), &v[1..])),
        Some(&d1) => Some((i64::from(d0 - b'0') * 10 + i64::from(d1 - b'0'), &v[2..])),
    }
}

fn go_time_parse(layout: &[Chunk], mut v: &[u8]) -> Option<GoTime> {
    let mut t = GoTime { year: 0, month: 1, day: 1, hour: 0, min: 0, sec: 0, nsec: 0, offset: 0 };
    for chunk in layout {
        match *chunk {
            Chunk::Lit(lit) => {
                // Go's skip(): a space in the layout matches any run of spaces (even none at the end).
                for &c in lit.as_bytes() {
                    if c == b' ' {
                        if v.first().is_some_and(|x| *x != b' ') {
                            return None;
                        }
                        while v.first() == Some(&b' ') {
                            v = &v[1..];
                        }
                    } else if v.first() == Some(&c) {
                        v = &v[1..];
                    } else {
                        return None;
                    }
                }
            }
            Chunk::Year => {
                let y = v.get(..4)?;
                if !y.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                t.year = y.iter().fold(0, |a, c| a * 10 + i64::from(c - b'0'));
                v = &v[4..];
            }
            Chunk::Month => {
                (t.month, v) = getnum(v, false)?;
                if !(1..=12).contains(&t.month) {
                    return None;
                }
            }
            Chunk::Day => (t.day, v) = getnum(v, false)?,
            Chunk::Hour => {
                (t.hour, v) = getnum(v, false)?;
                if t.hour >= 24 {
                    return None;
                }
            }
            Chunk::Minute => {
                (t.min, v) = getnum(v, false)?;
                if t.min >= 60 {
                    return None;
                }
            }
            Chunk::Second => {
                (t.sec, v) = getnum(v, false)?;
                if t.sec >= 60 {
                    return None;
                }
            }
            Chunk::Frac => {
                if v.len() >= 2 && matches!(v[0], b'.' | b',') && v[1].is_ascii_digit() {
                    let n = 1 + v[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    // Digits past the ninth are read but ignored.
                    let digits = &v[1..n.min(10)];
                    let mut ns = digits.iter().fold(0i64, |a, c| a * 10 + i64::from(c - b'0'));
                    for _ in digits.len()..9 {
                        ns *= 10;
                    }
                    t.nsec = ns;
                    v = &v[n..];
                }
            }
            Chunk::Zone => {
                if v.first() == Some(&b'Z') {
                    v = &v[1..];
                    t.offset = 0;
                } else {
                    if v.len() < 6 || v[3] != b':' {
                        return None;
                    }
                    let (hr, _) = getnum(&v[1..3], true)?;
                    let (mm, _) = getnum(&v[4..6], true)?;
                    if hr > 24 || mm > 60 {
                        return None;
                    }
                    let off = (hr * 60 + mm) * 60;
                    t.offset = match v[0] {
                        b'+' => off,
                        b'-' => -off,
                        _ => return None,
                    };
                    v = &v[6..];
                }
            }
        }
    }
    if !v.is_empty() {
        return None;
    }
    let leap = t.year % 4 == 0 && (t.year % 100 != 0 || t.year % 400 == 0);
    let days = match t.month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (1..=days).contains(&t.day).then_some(t)
}

// ------------------------------------------------------------------------------------------------------------
// Go float formatting (strconv.FormatFloat with precision -1, and encoding/json's float encoder).
// ------------------------------------------------------------------------------------------------------------

/// Shortest decimal digits of a finite float and the decimal point position (Go's `decimalSlice`).
fn shortest_digits(f: f64) -> (Vec<u8>, i32) {
    if f == 0.0 || !f.is_finite() {
        return (Vec::new(), 0);
    }
    let (digits, exp) = sci_digits(&format!("{:e}", f.abs()));
    // When the value lies exactly halfway between the two shortest candidates, Go (like Python) takes the one
    // ending in an even digit; Rust may take the other.
    let (exact, exact_exp) = sci_digits(&format!("{:.770e}", f.abs()));
    let sig = exact.iter().rposition(|d| *d != b'0').map_or(0, |p| p + 1);
    if sig == digits.len() + 1 && exact[sig - 1] == b'5' {
        let lower = exact[..sig - 1].to_vec();
        let (even, even_exp) = if (lower.last().copied().unwrap_or(b'0') - b'0').is_multiple_of(2) {
            (lower, exact_exp)
        } else {
            increment_digits(lower, exact_exp)
        };
        let text = format!("0.{}e{}", String::from_utf8_lossy(&even), even_exp + 1);
        if text.parse::<f64>().ok() == Some(f.abs()) {
            return (even, even_exp + 1);
        }
    }
    (digits, exp + 1)
}

/// The significant digits and decimal exponent of Rust's `{:e}` output.
fn sci_digits(s: &str) -> (Vec<u8>, i32) {
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    (mant.bytes().filter(u8::is_ascii_digit).collect(), exp.parse().unwrap_or(0))
}

/// Add one unit in the last place to a digit string (`d.ddd × 10^exp`), carrying.
fn increment_digits(mut d: Vec<u8>, exp: i32) -> (Vec<u8>, i32) {
    for i in (0..d.len()).rev() {
        if d[i] == b'9' {
            d[i] = b'0';
        } else {
            d[i] += 1;
            while d.len() > 1 && d.last() == Some(&b'0') {
                d.pop();
            }
            return (d, exp);
        }
    }
    (vec![b'1'], exp + 1)
}

/// strconv.FormatFloat(f, fmt, -1, 64) for `fmt` in `e`, `f`, `g`.
fn go_format_float(f: f64, fmt: u8) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    let neg = f.is_sign_negative();
    let (d, dp) = shortest_digits(f);
    let nd = d.len() as i32;
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    let fmt_e = |out: &mut String, prec: i32| {
        out.push(d.first().map_or('0', |c| char::from(*c)));
        if prec > 0 {
            out.push('.');
            for i in 1..=prec {
                out.push(d.get(i as usize).map_or('0', |c| char::from(*c)));
            }
        }
        let mut exp = if nd == 0 { 0 } else { dp - 1 };
        out.push('e');
        if exp < 0 {
            out.push('-');
            exp = -exp;
        } else {
            out.push('+');
        }
        if exp < 10 {
            out.push('0');
        }
        out.push_str(&exp.to_string());
    };
    let fmt_f = |out: &mut String, prec: i32| {
        if dp > 0 {
            for i in 0..dp {
                out.push(d.get(i as usize).map_or('0', |c| char::from(*c)));
            }
        } else {
            out.push('0');
        }
        if prec > 0 {
            out.push('.');
            for i in 1..=prec {
                let j = dp + i - 1;
                out.push(if j >= 0 { d.get(j as usize).map_or('0', |c| char::from(*c)) } else { '0' });
            }
        }
    };
    match fmt {
        b'e' => fmt_e(&mut out, (nd - 1).max(0)),
        b'f' => fmt_f(&mut out, (nd - dp).max(0)),
        _ => {
            let exp = dp - 1;
            if !(-4..6).contains(&exp) {
                fmt_e(&mut out, nd - 1);
            } else {
                fmt_f(&mut out, (nd - dp).max(0));
            }
        }
    }
    out
}

/// A float as encoding/json writes it (finite floats only; kustomize fails on the others).
fn go_json_float(f: f64) -> String {
    let abs = f.abs();
    let e = abs != 0.0 && !(1e-6..1e21).contains(&abs);
    let mut s = go_format_float(f, if e { b'e' } else { b'f' });
    if e {
        // clean up e-09 to e-9
        let b = s.as_bytes();
        let n = b.len();
        if n >= 4 && b[n - 4] == b'e' && b[n - 3] == b'-' && b[n - 2] == b'0' {
            s.remove(n - 2);
        }
    }
    s
}

/// A JSON number as go-yaml v2 reads it back and prints it.
fn number_text(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    if !f.is_finite() {
        return go_format_float(f, b'g');
    }
    let json = go_json_float(f);
    if let Some(i) = go_parse_int(&json, 0) {
        return i.to_string();
    }
    if let Some(u) = go_parse_uint(&json, 0) {
        return u.to_string();
    }
    go_format_float(f, b'g')
}

// ------------------------------------------------------------------------------------------------------------
// Key order: go-yaml v2's keyList.Less on strings.
// ------------------------------------------------------------------------------------------------------------

/// Go's unicode.IsDigit (category Nd).
fn is_go_digit(c: char) -> bool {
    const ND: &[(u32, u32)] = &[
        (0x30, 0x39),
        (0x660, 0x669),
        (0x6F0, 0x6F9),
        (0x7C0, 0x7C9),
        (0x966, 0x96F),
        (0x9E6, 0x9EF),
        (0xA66, 0xA6F),
        (0xAE6, 0xAEF),
        (0xB66, 0xB6F),
        (0xBE6, 0xBEF),
        (0xC66, 0xC6F),
        (0xCE6, 0xCEF),
        (0xD66, 0xD6F),
        (0xDE6, 0xDEF),
        (0xE50, 0xE59),
        (0xED0, 0xED9),
        (0xF20, 0xF29),
        (0x1040, 0x1049),
        (0x1090, 0x1099),
        (0x17E0, 0x17E9),
        (0x1810, 0x1819),
        (0x1946, 0x194F),
        (0x19D0, 0x19D9),
        (0x1A80, 0x1A89),
        (0x1A90, 0x1A99),
        (0x1B50, 0x1B59),
        (0x1BB0, 0x1BB9),
        (0x1C40, 0x1C49),
        (0x1C50, 0x1C59),
        (0xA620, 0xA629),
        (0xA8D0, 0xA8D9),
        (0xA900, 0xA909),
        (0xA9D0, 0xA9D9),
        (0xA9F0, 0xA9F9),
        (0xAA50, 0xAA59),
        (0xABF0, 0xABF9),
        (0xFF10, 0xFF19),
        (0x104A0, 0x104A9),
        (0x10D30, 0x10D39),
        (0x11066, 0x1106F),
        (0x110F0, 0x110F9),
        (0x11136, 0x1113F),
        (0x111D0, 0x111D9),
        (0x112F0, 0x112F9),
        (0x11450, 0x11459),
        (0x114D0, 0x114D9),
        (0x11650, 0x11659),
        (0x116C0, 0x116C9),
        (0x11730, 0x11739),
        (0x118E0, 0x118E9),
        (0x11950, 0x11959),
        (0x11C50, 0x11C59),
        (0x11D50, 0x11D59),
        (0x11DA0, 0x11DA9),
        (0x11F50, 0x11F59),
        (0x16A60, 0x16A69),
        (0x16AC0, 0x16AC9),
        (0x16B50, 0x16B59),
        (0x1D7CE, 0x1D7FF),
        (0x1E140, 0x1E149),
        (0x1E2F0, 0x1E2F9),
        (0x1E4F0, 0x1E4F9),
        (0x1E950, 0x1E959),
        (0x1FBF0, 0x1FBF9),
    ];
    let c = c as u32;
    if c < 0x80 {
        return (0x30..=0x39).contains(&c);
    }
    ND.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c))
}

#[cfg(test)]
fn key_less(a: &str, b: &str) -> bool {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    chars_less(&ar, &br)
}

/// go-yaml v2's keyList.Less for two string keys: digit runs compare by value, a non-letter sorts before a
/// letter at the first difference. Not a strict weak order on every key set (`a0b` < `a1` < `a01` < `a0b`);
/// kustomize then prints such keys in a random order, this sort in one of them.
fn chars_less(ar: &[char], br: &[char]) -> bool {
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            i += 1;
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && is_go_digit(ar[j - 1]) {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let digit = |c: char| i64::from(c as u32).wrapping_sub('0' as i64);
        let mut ai = i;
        while ai < ar.len() && is_go_digit(ar[ai]) {
            an = an.wrapping_mul(10).wrapping_add(digit(ar[ai]));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && is_go_digit(br[bi]) {
            bn = bn.wrapping_mul(10).wrapping_add(digit(br[bi]));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

/// A stable merge sort that never panics, whatever the comparison does.
fn sort_keys<T>(items: Vec<T>, less: &impl Fn(&T, &T) -> bool) -> Vec<T> {
    if items.len() <= 1 {
        return items;
    }
    let mut left = items;
    let right = left.split_off(left.len() / 2);
    let left = sort_keys(left, less);
    let right = sort_keys(right, less);
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut l = left.into_iter().peekable();
    let mut r = right.into_iter().peekable();
    loop {
        let take_right = match (l.peek(), r.peek()) {
            (Some(a), Some(b)) => less(b, a),
            (Some(_), None) => false,
            (None, Some(_)) => true,
            (None, None) => break,
        };
        let next = if take_right { r.next() } else { l.next() };
        out.extend(next);
    }
    out
}

// ------------------------------------------------------------------------------------------------------------
// The JSON → go-yaml v2 step.
// ------------------------------------------------------------------------------------------------------------

/// encoding/json leaves U+0085 raw, and go-yaml v2 reads it inside the JSON's double-quoted strings as a line
/// break: a run of spaces and NELs folds to one space (one NEL) or to one `\n` less than its NELs.
fn fold_nel(s: &str) -> Cow<'_, str> {
    if !s.contains('\u{85}') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != ' ' && c != '\u{85}' {
            out.push(c);
            continue;
        }
        let mut run = String::from(c);
        let mut nels = usize::from(c == '\u{85}');
        while let Some(&n) = chars.peek() {
            if n != ' ' && n != '\u{85}' {
                break;
            }
            nels += usize::from(n == '\u{85}');
            run.push(n);
            chars.next();
        }
        match nels {
            0 => out.push_str(&run),
            1 => out.push(' '),
            n => out.extend(std::iter::repeat_n('\n', n - 1)),
        }
    }
    Cow::Owned(out)
}

/// go-yaml v2 `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if let Some(b'+' | b'-') = b.first() {
        i += 1;
    }
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        // [0-5]?[0-9]: one digit, or two with the first in 0-5 (the regexp backtracks to one digit otherwise).
        match (b.get(i), b.get(i + 1)) {
            (Some(b'0'..=b'5'), Some(b'0'..=b'9')) => i += 2,
            (Some(b'0'..=b'9'), _) => i += 1,
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

/// go-yaml v2's encoder for a string: the style it asks the emitter for.
fn string_style(s: &str) -> Style {
    if s.contains('\n') {
        Style::Literal
    } else if go_resolve(None, s, true) == Some(Resolved::Str) && !is_base60_float(s) {
        Style::Plain
    } else {
        Style::DoubleQuoted
    }
}

// ------------------------------------------------------------------------------------------------------------
// The emitter: go-yaml v2's port of libyaml's emitter, for the events its encoder produces.
// ------------------------------------------------------------------------------------------------------------

const BEST_INDENT: i64 = 2;
const BEST_WIDTH: i64 = 80;

fn at(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

fn width(c: u8) -> usize {
    if c & 0x80 == 0 {
        1
    } else if c & 0xE0 == 0xC0 {
        2
    } else if c & 0xF0 == 0xE0 {
        3
    } else if c & 0xF8 == 0xF0 {
        4
    } else {
        1
    }
}

fn is_space(b: &[u8], i: usize) -> bool {
    at(b, i) == b' '
}

fn is_blank(b: &[u8], i: usize) -> bool {
    matches!(at(b, i), b' ' | b'\t')
}

fn is_break(b: &[u8], i: usize) -> bool {
    let c = at(b, i);
    c == b'\r'
        || c == b'\n'
        || (c == 0xC2 && at(b, i + 1) == 0x85)
        || (c == 0xE2 && at(b, i + 1) == 0x80 && (at(b, i + 2) == 0xA8 || at(b, i + 2) == 0xA9))
}

fn is_blankz(b: &[u8], i: usize) -> bool {
    is_blank(b, i) || is_break(b, i) || at(b, i) == 0
}

fn is_printable(b: &[u8], i: usize) -> bool {
    let c = at(b, i);
    let c1 = at(b, i + 1);
    let c2 = at(b, i + 2);
    c == 0x0A
        || (0x20..=0x7E).contains(&c)
        || (c == 0xC2 && c1 >= 0xA0)
        || (c > 0xC2 && c < 0xED)
        || (c == 0xED && c1 < 0xA0)
        || c == 0xEE
        || (c == 0xEF && !(c1 == 0xBB && c2 == 0xBF) && !(c1 == 0xBF && (c2 == 0xBE || c2 == 0xBF)))
}

/// go-yaml's is_bom looks at the start of the value whatever the index: a value that starts with U+FEFF has
/// every character escaped in double quotes.
fn is_bom(b: &[u8]) -> bool {
    b.starts_with(&[0xEF, 0xBB, 0xBF])
}

#[derive(Debug, Clone, Copy, Default)]
struct ScalarData {
    multiline: bool,
    flow_plain_allowed: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn analyze_scalar(value: &[u8]) -> ScalarData {
    if value.is_empty() {
        return ScalarData {
            multiline: false,
            flow_plain_allowed: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let (mut block_indicators, mut flow_indicators, mut line_breaks, mut special_characters) =
        (false, false, false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) = (false, false, false, false);
    let (mut break_space, mut space_break, mut previous_space, mut previous_break) = (false, false, false, false);
    if value.starts_with(b"---") || value.starts_with(b"...") {
        block_indicators = true;
        flow_indicators = true;
    }
    let mut preceded_by_whitespace = true;
    let mut i = 0;
    while i < value.len() {
        let w = width(value[i]);
        let followed_by_whitespace = i + w >= value.len() || is_blank(value, i + w);
        if i == 0 {
            match value[i] {
                b'#' | b',' | b'[' | b']' | b'{' | b'}' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\'' | b'"' | b'%'
                | b'@' | b'`' => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                b'?' | b':' => {
                    flow_indicators = true;
                    if followed_by_whitespace {
                        block_indicators = true;
                    }
                }
                b'-' if followed_by_whitespace => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        } else {
            match value[i] {
                b',' | b'?' | b'[' | b']' | b'{' | b'}' => flow_indicators = true,
                b':' => {
                    flow_indicators = true;
                    if followed_by_whitespace {
                        block_indicators = true;
                    }
                }
                b'#' if preceded_by_whitespace => {
                    flow_indicators = true;
                    block_indicators = true;
                }
                _ => {}
            }
        }
        // The encoder sets `unicode`: only unprintable characters are special.
        if !is_printable(value, i) {
            special_characters = true;
        }
        if is_space(value, i) {
            if i == 0 {
                leading_space = true;
            }
            if i + w == value.len() {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(value, i) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i + w == value.len() {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blankz(value, i);
        i += w;
    }
    let mut d = ScalarData {
        multiline: line_breaks,
        flow_plain_allowed: true,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        d.flow_plain_allowed = false;
        d.block_plain_allowed = false;
    }
    if trailing_space {
        d.block_allowed = false;
    }
    if break_space {
        d.flow_plain_allowed = false;
        d.block_plain_allowed = false;
        d.single_quoted_allowed = false;
    }
    if space_break || special_characters {
        d.flow_plain_allowed = false;
        d.block_plain_allowed = false;
        d.single_quoted_allowed = false;
        d.block_allowed = false;
    }
    if line_breaks {
        d.flow_plain_allowed = false;
        d.block_plain_allowed = false;
    }
    if flow_indicators {
        d.flow_plain_allowed = false;
    }
    if block_indicators {
        d.block_plain_allowed = false;
    }
    d
}

/// A mapping entry being printed: the key, its characters (for sorting), the value.
type Entry<'a> = (Cow<'a, str>, Vec<char>, &'a Value);

struct Emitter {
    out: Vec<u8>,
    column: i64,
    whitespace: bool,
    indention: bool,
    indent: i64,
    indents: Vec<i64>,
    flow_level: i64,
    mapping_context: bool,
    simple_key_context: bool,
}

impl Emitter {
    fn new() -> Self {
        Emitter {
            out: Vec::new(),
            column: 0,
            whitespace: true,
            indention: true,
            indent: -1,
            indents: Vec::new(),
            flow_level: 0,
            mapping_context: false,
            simple_key_context: false,
        }
    }

    fn put(&mut self, c: u8) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push(b'\n');
        self.column = 0;
    }

    /// Copy one character.
    fn write(&mut self, s: &[u8], i: &mut usize) {
        let end = (*i + width(s[*i])).min(s.len());
        self.out.extend_from_slice(&s[*i..end]);
        self.column += 1;
        *i = end;
    }

    fn write_all(&mut self, s: &[u8]) {
        let mut i = 0;
        while i < s.len() {
            self.write(s, &mut i);
        }
    }

    fn write_break(&mut self, s: &[u8], i: &mut usize) {
        if s[*i] == b'\n' {
            self.put_break();
            *i += 1;
        } else {
            self.write(s, i);
            self.column = 0;
        }
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(b' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, indicator: &[u8], need_whitespace: bool, is_whitespace: bool, is_indention: bool) {
        if need_whitespace && !self.whitespace {
            self.put(b' ');
        }
        self.write_all(indicator);
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn emit_node(&mut self, v: &Value, mapping: bool) {
        self.mapping_context = mapping;
        self.simple_key_context = false;
        match v {
            Value::Null => self.emit_scalar(b"null", Style::Plain),
            Value::Bool(b) => self.emit_scalar(if *b { b"true" } else { b"false" }, Style::Plain),
            Value::Number(n) => self.emit_scalar(number_text(n).as_bytes(), Style::Plain),
            Value::String(s) => {
                let s = fold_nel(s);
                self.emit_scalar(s.as_bytes(), string_style(&s));
            }
            Value::Array(items) => {
                if self.flow_level > 0 || items.is_empty() {
                    self.emit_empty_flow(b"[", b"]");
                } else {
                    self.emit_block_sequence(items);
                }
            }
            Value::Object(m) => {
                if self.flow_level > 0 || m.is_empty() {
                    self.emit_empty_flow(b"{", b"}");
                } else {
                    self.emit_block_mapping(m);
                }
            }
        }
    }

    /// `[]` or `{}`: the encoder only ever produces flow collections for empty ones.
    fn emit_empty_flow(&mut self, open: &[u8], close: &[u8]) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    fn emit_block_sequence(&mut self, items: &[Value]) {
        self.increase_indent(false, self.mapping_context && !self.indention);
        for item in items {
            self.write_indent();
            self.write_indicator(b"-", true, false, true);
            self.emit_node(item, false);
        }
        self.pop_indent();
    }

    fn emit_block_mapping(&mut self, m: &Map<String, Value>) {
        self.increase_indent(false, false);
        let entries: Vec<Entry<'_>> = m
            .iter()
            .map(|(k, v)| {
                let k = fold_nel(k);
                let chars = k.chars().collect();
                (k, chars, v)
            })
            .collect();
        let entries = sort_keys(entries, &|a: &Entry<'_>, b: &Entry<'_>| chars_less(&a.1, &b.1));
        for (k, _, v) in &entries {
            self.write_indent();
            let key = k.as_bytes();
            let data = analyze_scalar(key);
            let simple = !data.multiline && key.len() <= 128;
            if simple {
                self.mapping_context = true;
                self.simple_key_context = true;
                self.emit_scalar(key, string_style(k));
                self.write_indicator(b":", false, false, false);
            } else {
                self.write_indicator(b"?", true, false, true);
                self.mapping_context = true;
                self.simple_key_context = false;
                self.emit_scalar(key, string_style(k));
                self.write_indent();
                self.write_indicator(b":", true, false, true);
            }
            self.emit_node(v, true);
        }
        self.pop_indent();
    }

    fn emit_scalar(&mut self, value: &[u8], requested: Style) {
        let data = analyze_scalar(value);
        let mut style = requested;
        if self.simple_key_context && data.multiline {
            style = Style::DoubleQuoted;
        }
        if style == Style::Plain {
            if (self.flow_level > 0 && !data.flow_plain_allowed) || (self.flow_level == 0 && !data.block_plain_allowed)
            {
                style = Style::SingleQuoted;
            }
            if value.is_empty() && (self.flow_level > 0 || self.simple_key_context) {
                style = Style::SingleQuoted;
            }
        }
        if style == Style::SingleQuoted && !data.single_quoted_allowed {
            style = Style::DoubleQuoted;
        }
        if style == Style::Literal && (!data.block_allowed || self.flow_level > 0 || self.simple_key_context) {
            style = Style::DoubleQuoted;
        }
        self.increase_indent(true, false);
        let allow_breaks = !self.simple_key_context;
        match style {
            Style::Plain => self.write_plain(value, allow_breaks),
            Style::SingleQuoted => self.write_single_quoted(value, allow_breaks),
            Style::DoubleQuoted => self.write_double_quoted(value, allow_breaks),
            Style::Literal => self.write_literal(value),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, value: &[u8], allow_breaks: bool) {
        if !self.whitespace {
            self.put(b' ');
        }
        let (mut spaces, mut breaks) = (false, false);
        let mut i = 0;
        while i < value.len() {
            if is_space(value, i) {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !is_space(value, i + 1) {
                    self.write_indent();
                    i += 1;
                } else {
                    self.write(value, &mut i);
                }
                spaces = true;
            } else if is_break(value, i) {
                if !breaks && value[i] == b'\n' {
                    self.put_break();
                }
                self.write_break(value, &mut i);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write(value, &mut i);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single_quoted(&mut self, value: &[u8], allow_breaks: bool) {
        self.write_indicator(b"'", true, false, false);
        let (mut spaces, mut breaks) = (false, false);
        let mut i = 0;
        while i < value.len() {
            if is_space(value, i) {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i < value.len() - 1
                    && !is_space(value, i + 1)
                {
                    self.write_indent();
                    i += 1;
                } else {
                    self.write(value, &mut i);
                }
                spaces = true;
            } else if is_break(value, i) {
                if !breaks && value[i] == b'\n' {
                    self.put_break();
                }
                self.write_break(value, &mut i);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if value[i] == b'\'' {
                    self.put(b'\'');
                }
                self.write(value, &mut i);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator(b"'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, value: &[u8], allow_breaks: bool) {
        self.write_indicator(b"\"", true, false, false);
        let bom = is_bom(value);
        let mut spaces = false;
        let mut i = 0;
        while i < value.len() {
            let c = value[i];
            if !is_printable(value, i) || bom || is_break(value, i) || c == b'"' || c == b'\\' {
                let (w, mut v) = match c {
                    _ if c & 0x80 == 0 => (1, u32::from(c & 0x7F)),
                    _ if c & 0xE0 == 0xC0 => (2, u32::from(c & 0x1F)),
                    _ if c & 0xF0 == 0xE0 => (3, u32::from(c & 0x0F)),
                    _ => (4, u32::from(c & 0x07)),
                };
                for k in 1..w {
                    v = (v << 6) + (u32::from(at(value, i + k)) & 0x3F);
                }
                i += w;
                self.put(b'\\');
                let esc = match v {
                    0x00 => Some(b'0'),
                    0x07 => Some(b'a'),
                    0x08 => Some(b'b'),
                    0x09 => Some(b't'),
                    0x0A => Some(b'n'),
                    0x0B => Some(b'v'),
                    0x0C => Some(b'f'),
                    0x0D => Some(b'r'),
                    0x1B => Some(b'e'),
                    0x22 => Some(b'"'),
                    0x5C => Some(b'\\'),
                    0x85 => Some(b'N'),
                    0xA0 => Some(b'_'),
                    0x2028 => Some(b'L'),
                    0x2029 => Some(b'P'),
                    _ => None,
                };
                match esc {
                    Some(e) => self.put(e),
                    None => {
                        let (letter, digits) = if v <= 0xFF {
                            (b'x', 2)
                        } else if v <= 0xFFFF {
                            (b'u', 4)
                        } else {
                            (b'U', 8)
                        };
                        self.put(letter);
                        for k in (0..digits).rev() {
                            let digit = ((v >> (4 * k)) & 0x0F) as u8;
                            self.put(if digit < 10 { digit + b'0' } else { digit + b'A' - 10 });
                        }
                    }
                }
                spaces = false;
            } else if is_space(value, i) {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i > 0 && i < value.len() - 1 {
                    self.write_indent();
                    if is_space(value, i + 1) {
                        self.put(b'\\');
                    }
                    i += 1;
                } else {
                    self.write(value, &mut i);
                }
                spaces = true;
            } else {
                self.write(value, &mut i);
                spaces = false;
            }
        }
        self.write_indicator(b"\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_block_scalar_hints(&mut self, value: &[u8]) {
        if is_space(value, 0) || is_break(value, 0) {
            self.write_indicator(&[b'0' + BEST_INDENT as u8], false, false, false);
        }
        let chomp = if value.is_empty() {
            Some(b'-')
        } else {
            let mut i = value.len() - 1;
            while i > 0 && value[i] & 0xC0 == 0x80 {
                i -= 1;
            }
            if !is_break(value, i) {
                Some(b'-')
            } else if i == 0 {
                Some(b'+')
            } else {
                i -= 1;
                while i > 0 && value[i] & 0xC0 == 0x80 {
                    i -= 1;
                }
                is_break(value, i).then_some(b'+')
            }
        };
        if let Some(c) = chomp {
            self.write_indicator(&[c], false, false, false);
        }
    }

    fn write_literal(&mut self, value: &[u8]) {
        self.write_indicator(b"|", true, false, false);
        self.write_block_scalar_hints(value);
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        let mut i = 0;
        while i < value.len() {
            if is_break(value, i) {
                self.write_break(value, &mut i);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write(value, &mut i);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

/// One resource printed exactly as kustomize prints it (ends with "\n").
pub fn to_yaml(value: &Value) -> String {
    let mut e = Emitter::new();
    e.emit_node(value, false);
    // DOCUMENT-END: a final line break when the content did not end with one.
    e.write_indent();
    String::from_utf8(e.out).unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned())
}

/// A stream of resources exactly as `kubectl kustomize` prints it.
pub fn to_yaml_stream(values: &[Value]) -> String {
    values.iter().map(to_yaml).collect::<Vec<_>>().join("---\n")
}

#[cfg(test)]
#[path = "emit_tests.rs"]
mod tests;
