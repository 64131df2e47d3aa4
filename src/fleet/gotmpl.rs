//! The template languages of Argo CD ApplicationSets: Go's `text/template` (with `goTemplate: true`) for the
//! subset ApplicationSets use — field chains (`{{.path.basename}}`), pipelines and the common Sprig functions
//! (`index`, `default`, `lower`, `upper`, `replace`, `trunc`, `trim*`, `quote`, `printf`, `toJson`, `normalize`) —
//! and fasttemplate (`{{path.basename}}`, the default), which replaces known parameters and leaves the rest.
//! Control structures (`if`, `range`, `with`) are refused with a message naming the expression.

use serde_json::Value;

/// What a missing key does (`goTemplateOptions: ["missingkey=error"]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingKey {
    /// Go's default: `<no value>`.
    Default,
    Error,
}

/// Render Go-template text against `params`.
pub fn render_go(text: &str, params: &Value, missing: MissingKey) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let mut literal = &rest[..open];
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            return Err(format!("unclosed action in template {text:?}"));
        };
        let mut body = &after[..close];
        let mut next = &after[close + 2..];
        if let Some(b) = body.strip_prefix('-')
            && b.starts_with([' ', '\t', '\n', '\r'])
        {
            literal = literal.trim_end();
            body = b;
        }
        if let Some(b) = body.strip_suffix('-')
            && b.ends_with([' ', '\t', '\n', '\r'])
        {
            next = next.trim_start();
            body = b;
        }
        out.push_str(literal);
        let body = body.trim();
        if !(body.starts_with("/*") && body.ends_with("*/")) {
            let v = eval_pipeline(body, params, missing).map_err(|e| format!("{{{{{body}}}}}: {e}"))?;
            out.push_str(&v.text());
        }
        rest = next;
    }
    out.push_str(rest);
    Ok(out)
}

/// Render fasttemplate text: `{{ key }}` becomes the flat parameter's value; unknown keys stay as written.
pub fn render_fast(text: &str, flat: &std::collections::BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else { break };
        let key = after[..close].trim();
        out.push_str(&rest[..open]);
        match flat.get(key) {
            Some(v) => out.push_str(v),
            None => out.push_str(&rest[open..open + 2 + close + 2]),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

/// A value inside a pipeline.
#[derive(Debug, Clone)]
enum Val {
    Json(Value),
    /// A key that is not there (Go's `<no value>`).
    Missing,
}

impl Val {
    fn text(&self) -> String {
        match self {
            Val::Json(Value::String(s)) => s.clone(),
            Val::Json(Value::Null) | Val::Missing => "<no value>".to_string(),
            Val::Json(Value::Array(a)) => {
                format!("[{}]", a.iter().map(|v| Val::Json(v.clone()).text()).collect::<Vec<_>>().join(" "))
            }
            Val::Json(Value::Object(m)) => format!(
                "map[{}]",
                m.iter().map(|(k, v)| format!("{k}:{}", Val::Json(v.clone()).text())).collect::<Vec<_>>().join(" ")
            ),
            Val::Json(v) => v.to_string(),
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Val::Missing | Val::Json(Value::Null) => true,
            Val::Json(Value::String(s)) => s.is_empty(),
            Val::Json(Value::Bool(b)) => !b,
            Val::Json(Value::Array(a)) => a.is_empty(),
            Val::Json(Value::Object(m)) => m.is_empty(),
            Val::Json(Value::Number(n)) => n.as_f64() == Some(0.0),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Field(Vec<String>),
    Dot,
    Str(String),
    Num(i64),
    Ident(String),
    Pipe,
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'|' => {
                out.push(Tok::Pipe);
                i += 1;
            }
            b'"' => {
                let mut j = i + 1;
                let mut v = String::new();
                while j < b.len() && b[j] != b'"' {
                    if b[j] == b'\\' && j + 1 < b.len() {
                        v.push(match b[j + 1] {
                            b'n' => '\n',
                            b't' => '\t',
                            other => other as char,
                        });
                        j += 2;
                    } else {
                        let ch = s[j..].chars().next().unwrap_or(' ');
                        v.push(ch);
                        j += ch.len_utf8();
                    }
                }
                if j >= b.len() {
                    return Err("unterminated string".to_string());
                }
                out.push(Tok::Str(v));
                i = j + 1;
            }
            b'`' => {
                let end = s[i + 1..].find('`').ok_or("unterminated raw string")?;
                out.push(Tok::Str(s[i + 1..i + 1 + end].to_string()));
                i += end + 2;
            }
            b'.' => {
                let mut j = i;
                let mut parts = Vec::new();
                while j < b.len() && b[j] == b'.' {
                    let start = j + 1;
                    let mut k = start;
                    while k < b.len() && (b[k].is_ascii_alphanumeric() || b[k] == b'_') {
                        k += 1;
                    }
                    if k == start {
                        break;
                    }
                    parts.push(s[start..k].to_string());
                    j = k;
                }
                if parts.is_empty() {
                    out.push(Tok::Dot);
                    i += 1;
                } else {
                    out.push(Tok::Field(parts));
                    i = j;
                }
            }
            b'0'..=b'9' | b'-' => {
                let mut j = i + 1;
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                let n = s[i..j].parse::<i64>().map_err(|_| format!("bad number {:?}", &s[i..j]))?;
                out.push(Tok::Num(n));
                i = j;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let mut j = i;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                out.push(Tok::Ident(s[i..j].to_string()));
                i = j;
            }
            b'$' => return Err("template variables ($x) are not supported".to_string()),
            b'(' | b')' => return Err("parenthesised expressions are not supported".to_string()),
            other => return Err(format!("unexpected character {:?}", other as char)),
        }
    }
    Ok(out)
}

fn lookup(params: &Value, path: &[String]) -> Val {
    let mut cur = params;
    for p in path {
        match cur.get(p) {
            Some(v) => cur = v,
            None => return Val::Missing,
        }
    }
    Val::Json(cur.clone())
}

fn eval_pipeline(body: &str, params: &Value, missing: MissingKey) -> Result<Val, String> {
    let toks = tokenize(body)?;
    if let Some(Tok::Ident(k)) = toks.first()
        && matches!(k.as_str(), "if" | "else" | "end" | "range" | "with" | "define" | "template" | "block")
    {
        return Err(format!("`{k}` is not supported by fleetgate's ApplicationSet templating"));
    }
    let mut acc: Option<Val> = None;
    for cmd in toks.split(|t| *t == Tok::Pipe) {
        if cmd.is_empty() {
            return Err("empty command in pipeline".to_string());
        }
        let mut args: Vec<Val> = Vec::new();
        for t in &cmd[1..] {
            args.push(operand(t, params, missing)?);
        }
        if let Some(prev) = acc.take() {
            args.push(prev);
        }
        let v = match &cmd[0] {
            Tok::Ident(f) => call(f, args)?,
            first => {
                if !args.is_empty() {
                    return Err("a value cannot take arguments".to_string());
                }
                operand(first, params, missing)?
            }
        };
        acc = Some(v);
    }
    acc.ok_or_else(|| "empty action".to_string())
}

fn operand(t: &Tok, params: &Value, missing: MissingKey) -> Result<Val, String> {
    Ok(match t {
        Tok::Dot => Val::Json(params.clone()),
        Tok::Field(path) => match lookup(params, path) {
            Val::Missing if missing == MissingKey::Error => {
                return Err(format!("map has no entry for key {:?}", path.join(".")));
            }
            v => v,
        },
        Tok::Str(s) => Val::Json(Value::String(s.clone())),
        Tok::Num(n) => Val::Json(Value::from(*n)),
        Tok::Ident(b) if b == "true" || b == "false" => Val::Json(Value::Bool(b == "true")),
        Tok::Ident(f) => call(f, Vec::new())?,
        Tok::Pipe => return Err("unexpected |".to_string()),
    })
}

fn text_arg(args: &[Val], i: usize, f: &str) -> Result<String, String> {
    args.get(i).map(Val::text).ok_or_else(|| format!("{f}: missing argument {}", i + 1))
}

fn int_arg(args: &[Val], i: usize, f: &str) -> Result<i64, String> {
    match args.get(i) {
        Some(Val::Json(Value::Number(n))) => {
            n.as_i64().ok_or_else(|| format!("{f}: argument {} is not an integer", i + 1))
        }
        Some(v) => v.text().parse().map_err(|_| format!("{f}: argument {} is not an integer", i + 1)),
        None => Err(format!("{f}: missing argument {}", i + 1)),
    }
}

fn s(v: String) -> Val {
    Val::Json(Value::String(v))
}

fn call(f: &str, args: Vec<Val>) -> Result<Val, String> {
    let one = |args: &[Val]| text_arg(args, 0, f);
    Ok(match f {
        "lower" => s(one(&args)?.to_lowercase()),
        "upper" => s(one(&args)?.to_uppercase()),
        "trim" => s(one(&args)?.trim().to_string()),
        "quote" => s(format!("{:?}", one(&args)?)),
        "squote" => s(format!("'{}'", one(&args)?)),
        "toString" => s(one(&args)?),
        "toJson" => match args.first() {
            Some(Val::Json(v)) => s(serde_json::to_string(v).map_err(|e| e.to_string())?),
            _ => s("null".to_string()),
        },
        "normalize" | "slugify" => s(normalize(&one(&args)?)),
        "trimPrefix" => {
            let (p, v) = (text_arg(&args, 0, f)?, text_arg(&args, 1, f)?);
            s(v.strip_prefix(p.as_str()).unwrap_or(&v).to_string())
        }
        "trimSuffix" => {
            let (p, v) = (text_arg(&args, 0, f)?, text_arg(&args, 1, f)?);
            s(v.strip_suffix(p.as_str()).unwrap_or(&v).to_string())
        }
        "replace" => {
            let (old, new, v) = (text_arg(&args, 0, f)?, text_arg(&args, 1, f)?, text_arg(&args, 2, f)?);
            s(v.replace(&old, &new))
        }
        "trunc" => {
            let n = int_arg(&args, 0, f)?;
            let v = text_arg(&args, 1, f)?;
            let chars: Vec<char> = v.chars().collect();
            let n = n.unsigned_abs() as usize;
            s(if chars.len() <= n {
                v
            } else if int_arg(&args, 0, f)? >= 0 {
                chars[..n].iter().collect()
            } else {
                chars[chars.len() - n..].iter().collect()
            })
        }
        "default" => {
            let given = args.get(1).cloned().unwrap_or(Val::Missing);
            if given.is_empty() { args.first().cloned().unwrap_or(Val::Missing) } else { given }
        }
        "index" => {
            let mut cur = args.first().cloned().ok_or("index: missing argument 1")?;
            for k in &args[1..] {
                cur = match (&cur, k) {
                    (Val::Json(Value::Array(a)), Val::Json(Value::Number(n))) => n
                        .as_u64()
                        .and_then(|i| a.get(i as usize))
                        .cloned()
                        .map(Val::Json)
                        .ok_or_else(|| format!("index {n} out of range"))?,
                    (Val::Json(Value::Object(m)), k) => {
                        m.get(&k.text()).cloned().map(Val::Json).unwrap_or(Val::Missing)
                    }
                    _ => return Err("index of a value that is not a map or list".to_string()),
                };
            }
            cur
        }
        "printf" => {
            let fmt = text_arg(&args, 0, f)?;
            let mut out = String::new();
            let mut rest = args[1..].iter();
            let mut chars = fmt.chars().peekable();
            while let Some(c) = chars.next() {
                if c != '%' {
                    out.push(c);
                    continue;
                }
                match chars.next() {
                    Some('%') => out.push('%'),
                    Some('s' | 'v' | 'd') => out.push_str(&rest.next().map(Val::text).unwrap_or_default()),
                    Some('q') => out.push_str(&format!("{:?}", rest.next().map(Val::text).unwrap_or_default())),
                    other => return Err(format!("printf: verb %{} is not supported", other.unwrap_or(' '))),
                }
            }
            s(out)
        }
        other => return Err(format!("function {other:?} is not supported by fleetgate's ApplicationSet templating")),
    })
}

/// Argo CD's `normalize`: lower case, every run of characters other than `a-z0-9.-` becomes `-`, at most 253.
pub fn normalize(v: &str) -> String {
    let mut out = String::new();
    for c in v.to_lowercase().chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.chars().take(253).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_templates_cover_what_applicationsets_use() {
        let p = json!({"name": "prod-eu", "path": {"basename": "Prod_EU", "segments": ["a", "b"]}, "n": 3});
        let r = |t: &str| render_go(t, &p, MissingKey::Error);
        assert_eq!(r("app-{{.name}}").unwrap(), "app-prod-eu");
        assert_eq!(r("{{ .path.basename | lower }}").unwrap(), "prod_eu");
        assert_eq!(r("{{ index .path.segments 1 }}").unwrap(), "b");
        assert_eq!(r("{{ .path.basename | normalize }}").unwrap(), "prod-eu");
        assert!(r(r#"{{ default "x" .nope }}"#).unwrap_err().contains("nope"));
        assert_eq!(render_go(r#"{{ .nope | default "x" }}"#, &p, MissingKey::Default).unwrap(), "x");
        assert_eq!(r(r#"{{ replace "-" "_" .name }}"#).unwrap(), "prod_eu");
        assert_eq!(r(r#"{{ printf "%s-%d" .name .n }}"#).unwrap(), "prod-eu-3");
        assert_eq!(r("{{ trunc 4 .name }}").unwrap(), "prod");
        assert_eq!(r("a {{- .name -}} b").unwrap(), "aprod-eub");
        assert!(r("{{.missing}}").unwrap_err().contains("missing"));
        assert_eq!(render_go("{{.missing}}", &p, MissingKey::Default).unwrap(), "<no value>");
        assert!(r("{{ if .name }}x{{ end }}").unwrap_err().contains("not supported"));
        assert!(r("{{ sha256sum .name }}").unwrap_err().contains("sha256sum"));
        assert!(r("{{ .name").is_err());
    }

    #[test]
    fn fasttemplate_replaces_known_keys_only() {
        let flat = [("name".to_string(), "dev".to_string()), ("path.basename".to_string(), "x".to_string())]
            .into_iter()
            .collect();
        assert_eq!(render_fast("{{name}}-{{ path.basename }}-{{other}}", &flat), "dev-x-{{other}}");
    }
}
