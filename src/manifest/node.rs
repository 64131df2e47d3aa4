//! The YAML tree. (stub: to be completed)

/// A 1-based source position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// A scalar: its (unescaped) text and how it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar {
    pub text: String,
    pub style: ScalarStyle,
}

/// What a node holds. Mappings keep their key order.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A YAML node with its position and explicit tag, if any. The parser gives tags in resolved form: `!!str` is
/// `tag:yaml.org,2002:str`, local tags stay as written (`!foo`), the non-specific tag is `!`.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub pos: Pos,
    pub tag: Option<String>,
}

impl Scalar {
    /// True for a plain `null`, `Null`, `NULL`, `~` or empty scalar.
    pub fn is_null(&self) -> bool {
        self.style == ScalarStyle::Plain && matches!(self.text.as_str(), "" | "~" | "null" | "Null" | "NULL")
    }

    /// The scalar read under YAML 1.2's core schema, as JSON.
    pub fn to_json(&self, tag: Option<&str>) -> serde_json::Value {
        use serde_json::Value;
        if let Some(t) = tag {
            // `tag:yaml.org,2002:str` (the parser's resolved form of `!!str`), `!!str` written by hand, and the
            // non-specific tag `!`, which makes a scalar a string.
            if t.ends_with(":str") || t == "!!str" || t == "!" {
                return Value::String(self.text.clone());
            }
        }
        if self.style != ScalarStyle::Plain {
            return Value::String(self.text.clone());
        }
        let t = self.text.as_str();
        if self.is_null() {
            return Value::Null;
        }
        match t {
            "true" | "True" | "TRUE" => return Value::Bool(true),
            "false" | "False" | "FALSE" => return Value::Bool(false),
            _ => {}
        }
        if let Some(i) = parse_core_int(t) {
            return Value::from(i);
        }
        if looks_like_core_float(t)
            && let Ok(f) = t.parse::<f64>()
            && let Some(n) = serde_json::Number::from_f64(f)
        {
            return Value::Number(n);
        }
        Value::String(self.text.clone())
    }
}

fn parse_core_int(t: &str) -> Option<i64> {
    let (neg, digits) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    // `from_str_radix` would accept a second sign (`0x-5`): check the digits first.
    let v = if let Some(h) = digits.strip_prefix("0x") {
        if h.is_empty() || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(o) = digits.strip_prefix("0o") {
        if o.is_empty() || !o.bytes().all(|b| matches!(b, b'0'..=b'7')) {
            return None;
        }
        i64::from_str_radix(o, 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        // With its sign, so that i64::MIN fits.
        return t.parse::<i64>().ok();
    } else {
        return None;
    };
    if neg { v.checked_neg() } else { Some(v) }
}

fn looks_like_core_float(t: &str) -> bool {
    let s = t.strip_prefix(['-', '+']).unwrap_or(t);
    let mut seen_digit = false;
    let mut seen_dot = false;
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            seen_digit = true;
        } else if c == '.' && !seen_dot {
            seen_dot = true;
        } else {
            break;
        }
        chars.next();
    }
    if !seen_digit {
        return false;
    }
    match chars.next() {
        None => true,
        Some('e' | 'E') => {
            let rest: String = chars.collect();
            let r = rest.strip_prefix(['-', '+']).unwrap_or(&rest);
            !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

impl Node {
    /// A plain scalar node at `pos`.
    pub fn scalar(text: impl Into<String>, pos: Pos) -> Node {
        Node { kind: NodeKind::Scalar(Scalar { text: text.into(), style: ScalarStyle::Plain }), pos, tag: None }
    }

    /// The value of mapping key `key`, when this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            NodeKind::Map(entries) => entries.iter().find(|(k, _)| k.scalar_text() == Some(key)).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The mapping entry (key node and value node) for `key`.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.kind {
            NodeKind::Map(entries) => entries.iter().find(|(k, _)| k.scalar_text() == Some(key)).map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// Follow mapping keys.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |n, k| n.get(k))
    }

    /// The raw text of a scalar (whatever its style; a null scalar gives its text too).
    pub fn scalar_text(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(&s.text),
            _ => None,
        }
    }

    /// A non-null scalar's text.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar(s) if !s.is_null() => Some(&s.text),
            _ => None,
        }
    }

    /// The string at a key path, when it is a non-null scalar.
    pub fn str_at(&self, path: &[&str]) -> Option<&str> {
        self.at(path).and_then(Node::as_str)
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar(s) if s.is_null())
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            NodeKind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// A short name of the node's type for messages: `mapping`, `sequence`, `string`, `null`.
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Map(_) => "mapping",
            NodeKind::Seq(_) => "sequence",
            NodeKind::Scalar(s) if s.is_null() => "null",
            NodeKind::Scalar(_) => "scalar",
        }
    }

    /// The tree as JSON under YAML 1.2's core schema (non-string keys become their text).
    pub fn to_json(&self) -> serde_json::Value {
        match &self.kind {
            NodeKind::Scalar(s) => s.to_json(self.tag.as_deref()),
            NodeKind::Seq(items) => serde_json::Value::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Map(entries) => {
                let mut m = serde_json::Map::new();
                for (k, v) in entries {
                    let key = k.scalar_text().map(str::to_string).unwrap_or_else(|| k.to_json().to_string());
                    m.insert(key, v.to_json());
                }
                serde_json::Value::Object(m)
            }
        }
    }

    /// The position of the node at a JSON-ish path (`spec.path`, `resources[2]`), or the deepest existing
    /// ancestor's position: used to point errors from typed deserialisation at a line.
    pub fn pos_of_path(&self, path: &[PathSeg]) -> Pos {
        let mut node = self;
        for seg in path {
            let next = match (seg, &node.kind) {
                (PathSeg::Key(k), NodeKind::Map(entries)) => {
                    entries.iter().find(|(key, _)| key.scalar_text() == Some(k.as_str())).map(|(_, v)| v)
                }
                (PathSeg::Index(i), NodeKind::Seq(items)) => items.get(*i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node.pos
    }
}

/// One step of a path into a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSeg {
    Key(String),
    Index(usize),
}
