//! YAML → JSON the way kustomize reads kustomization files (sigs.k8s.io/yaml over go-yaml v2, YAML 1.1):
//! `y`, `yes`, `on`, `off`… are booleans, `0777` is octal, `1_000` is an int. This is why `commonLabels: {x: y}`
//! is an error in kustomize.

use crate::manifest::{Node, NodeKind, Scalar, ScalarStyle};
use serde_json::Value;

/// A node as JSON under YAML 1.1 resolution rules.
pub fn to_json(node: &Node) -> Value {
    match &node.kind {
        NodeKind::Scalar(s) => scalar(s, node.tag.as_deref()),
        NodeKind::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        NodeKind::Map(entries) => {
            let mut m = serde_json::Map::new();
            for (k, v) in entries {
                let key = match to_json(k) {
                    Value::String(s) => s,
                    Value::Null => "null".to_string(),
                    other => other.to_string(),
                };
                m.insert(key, to_json(v));
            }
            Value::Object(m)
        }
    }
}

fn scalar(s: &Scalar, tag: Option<&str>) -> Value {
    if let Some(t) = tag
        && (t == "!!str" || t.ends_with(":str"))
    {
        return Value::String(s.text.clone());
    }
    if s.style != ScalarStyle::Plain {
        return Value::String(s.text.clone());
    }
    resolve_plain(&s.text)
}

/// Resolve a plain scalar the way go-yaml v2 does.
pub fn resolve_plain(t: &str) -> Value {
    match t {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Value::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Value::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF" | ".nan" | ".NaN"
        | ".NAN" => {
            // JSON has no infinities; sigs.k8s.io/yaml fails on them. A string keeps the message useful.
            return Value::String(t.to_string());
        }
        _ => {}
    }
    let first = t.as_bytes()[0];
    if first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.' {
        let clean: String = t.chars().filter(|c| *c != '_').collect();
        if let Some(i) = parse_int(&clean) {
            return Value::from(i);
        }
        if is_float(&clean)
            && let Some(n) = clean.parse::<f64>().ok().and_then(serde_json::Number::from_f64)
        {
            return Value::Number(n);
        }
    }
    Value::String(t.to_string())
}

fn parse_int(t: &str) -> Option<i64> {
    let (neg, body) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if body.is_empty() {
        return None;
    }
    let v = if let Some(b) = body.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()?
    } else if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(o) = body.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()?
    } else if body.len() > 1 && body.starts_with('0') {
        i64::from_str_radix(&body[1..], 8).ok()?
    } else if body.bytes().all(|b| b.is_ascii_digit()) {
        body.parse::<i64>().ok()?
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

fn is_float(t: &str) -> bool {
    // go-yaml v2: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
    let s = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (mant, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mant_ok = match mant.split_once('.') {
        Some(("", frac)) => !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit()),
        Some((int, frac)) => {
            !int.is_empty() && int.bytes().all(|b| b.is_ascii_digit()) && frac.bytes().all(|b| b.is_ascii_digit())
        }
        None => !mant.is_empty() && mant.bytes().all(|b| b.is_ascii_digit()),
    };
    let exp_ok = match exp {
        None => true,
        Some(e) => {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
        }
    };
    mant_ok && exp_ok
}

#[cfg(test)]
mod tests {
    use super::resolve_plain as r;
    use serde_json::json;

    #[test]
    fn yaml_1_1_resolution() {
        assert_eq!(r("y"), json!(true));
        assert_eq!(r("No"), json!(false));
        assert_eq!(r("on"), json!(true));
        assert_eq!(r("0777"), json!(511));
        assert_eq!(r("1_000"), json!(1000));
        assert_eq!(r("0x1F"), json!(31));
        assert_eq!(r("-12"), json!(-12));
        assert_eq!(r("1.5"), json!(1.5));
        assert_eq!(r(".5"), json!(0.5));
        assert_eq!(r("1e3"), json!(1000.0));
        assert_eq!(r("~"), json!(null));
        assert_eq!(r("v1.2.3"), json!("v1.2.3"));
        assert_eq!(r("1.2.3"), json!("1.2.3"));
        assert_eq!(r("08"), json!(8.0), "not valid octal, but a float, as go-yaml v2 has it");
        assert_eq!(r("yes-please"), json!("yes-please"));
    }
}
