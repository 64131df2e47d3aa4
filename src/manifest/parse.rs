//! The bounded, position-aware YAML parser.
//!
//! Built on the event API of `saphyr-parser`. Events are assembled into an intermediate tree whose children
//! are reference-counted, so that an alias costs O(1) memory while the document is being read; the tree is
//! turned into owned [`Node`]s when the document ends, and only then are aliased nodes copied. Every copy has
//! been paid for beforehand: each anchor records how many nodes (and how many bytes of scalar text) its node
//! expands to, and an alias is refused *before* anything is materialised when it would push the stream over
//! [`Limits::max_alias_nodes`], [`Limits::max_nodes`], [`Limits::max_depth`] or `max_bytes` of aliased text.
//!
//! Decisions:
//! - **Positions** are 1-based line and column (columns count characters). A scalar or alias is at its first
//!   character (its anchor or tag, if it has one). A block mapping is at its first key, a block sequence at the
//!   `-` of its first item, a flow collection at its `{` or `[`. The copy made for an alias is at the alias;
//!   the nodes inside the copy keep the positions of the anchored original.
//! - **Tags** are kept in resolved form: `!!str` becomes `tag:yaml.org,2002:str`, local tags stay `!foo`, the
//!   non-specific tag is `!`, `%TAG` handles are expanded.
//! - **Duplicate keys** (compared by scalar text, whatever the style) are errors at the second key. Non-scalar
//!   keys are not compared.
//! - **Merge keys** (`<<`, plain and untagged, or tagged `!!merge`) are expanded the way YAML 1.1 and go-yaml
//!   (hence kustomize) do: the value must be a mapping or a sequence of mappings (usually aliases); their
//!   entries whose key is not already in the mapping are inserted where the `<<` entry was. Explicit keys
//!   win wherever they are written, and among merged mappings the earlier one wins. `<<` may appear only once
//!   per mapping, like any key.
//! - **Empty documents** (nothing but comments after `---`, or an empty stream) are not returned, but they do
//!   count in [`Document::index`] and against [`Limits::max_documents`].
//! - A leading byte order mark is skipped.
//! - Nesting depth counts collections: the root mapping of a document is at depth 1. Independently of
//!   [`Limits::max_depth`], `saphyr-parser` refuses flow collections nested more than 255 deep.
//! - Tabs: `saphyr-parser` rejects a tab right after `:` or `-` when a value follows on the same line
//!   (`key:<TAB>value`), which go-yaml accepts; the error message then points out the tab.
//! - The parser never panics on purpose; should `saphyr-parser` panic on some input, the panic is caught and
//!   reported as a [`YamlError`] at the last position reached.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use saphyr_parser::{Event, Marker, Parser, ScanError, Span, Tag};

use super::node::{Node, NodeKind, Pos, Scalar, ScalarStyle};

/// Bounds on untrusted YAML.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest accepted input, in bytes (default 8 MiB). Also bounds the scalar text that aliases may copy.
    pub max_bytes: usize,
    /// Deepest nesting of collections (default 100).
    pub max_depth: usize,
    /// Most nodes that alias expansion may create in one stream (default 100_000).
    pub max_alias_nodes: usize,
    /// Most nodes in one stream, aliases included (default 2_000_000).
    pub max_nodes: usize,
    /// Most documents in one stream (default 10_000).
    pub max_documents: usize,
    /// Accept duplicate mapping keys, the last one winning (as go-yaml v2 does for kustomization files).
    /// Off by default: a duplicate key is an error.
    pub duplicate_keys_last_wins: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 8 << 20,
            max_depth: 100,
            max_alias_nodes: 100_000,
            max_nodes: 2_000_000,
            max_documents: 10_000,
            duplicate_keys_last_wins: false,
        }
    }
}

/// A YAML error with the file and position it concerns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{}:{}: {message}", pos.line, pos.col)]
pub struct YamlError {
    pub file: String,
    pub pos: Pos,
    pub message: String,
}

/// One document of a stream. Empty documents (`---` with nothing, or only comments) are not returned.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// 0-based index among the stream's documents, counting empty ones.
    pub index: usize,
    pub root: Node,
}

/// Parse a multi-document YAML stream. `file` is used in errors only.
pub fn parse(file: &str, text: &str, limits: &Limits) -> Result<Vec<Document>, YamlError> {
    if text.len() > limits.max_bytes {
        return Err(YamlError {
            file: file.to_string(),
            pos: Pos { line: 1, col: 1 },
            message: format!(
                "input is {} bytes, more than the limit of {} bytes: split it into smaller files",
                text.len(),
                limits.max_bytes
            ),
        });
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let last_pos = Cell::new(Pos { line: 1, col: 1 });
    let result = catch_unwind(AssertUnwindSafe(|| Builder::new(file, text, limits, &last_pos).run()));
    match result {
        Ok(r) => r,
        Err(_) => Err(YamlError {
            file: file.to_string(),
            pos: last_pos.get(),
            message: "the YAML parser failed on this input (internal parser error): check the syntax \
                      near this position"
                .to_string(),
        }),
    }
}

/// A node of the intermediate tree: children are shared so that aliases are cheap until materialised.
#[derive(Debug, Clone)]
struct INode {
    kind: IKind,
    pos: Pos,
    tag: Option<String>,
}

/// Mapping entries of the intermediate tree.
type Entries = Vec<(Rc<INode>, Rc<INode>)>;

#[derive(Debug, Clone)]
enum IKind {
    Scalar(Scalar),
    Seq(Vec<Rc<INode>>),
    Map(Entries),
}

impl INode {
    fn scalar_text(&self) -> Option<&str> {
        match &self.kind {
            IKind::Scalar(s) => Some(&s.text),
            _ => None,
        }
    }

    fn type_name(&self) -> &'static str {
        match &self.kind {
            IKind::Scalar(s) if s.is_null() => "null",
            IKind::Scalar(_) => "scalar",
            IKind::Seq(_) => "sequence",
            IKind::Map(_) => "mapping",
        }
    }

    fn is_merge_key(&self) -> bool {
        match &self.kind {
            IKind::Scalar(s) if s.text == "<<" => match self.tag.as_deref() {
                None => s.style == ScalarStyle::Plain,
                Some(t) => t == "tag:yaml.org,2002:merge",
            },
            _ => false,
        }
    }
}

/// What an anchor stands for, with the cost of copying it.
struct Anchored {
    node: Rc<INode>,
    /// Nodes in the subtree (aliases inside it expanded).
    nodes: usize,
    /// Bytes of scalar text in the subtree (aliases inside it expanded).
    bytes: usize,
    /// Collection nesting of the subtree: 0 for a scalar.
    height: usize,
}

struct Frame {
    pos: Pos,
    tag: Option<String>,
    anchor: usize,
    nodes_before: usize,
    bytes_before: usize,
    /// Largest height among the children so far.
    child_height: usize,
    body: Body,
}

enum Body {
    Seq(Vec<Rc<INode>>),
    Map(MapBody),
}

#[derive(Default)]
struct MapBody {
    entries: Entries,
    /// The key waiting for its value.
    key: Option<Rc<INode>>,
    /// Scalar key text → line of its first occurrence; built once the mapping is large enough.
    index: Option<HashMap<String, u32>>,
    /// Line of the merge key `<<`, if there was one.
    merge_line: Option<u32>,
    /// `<<` values, with the index in `entries` where the `<<` entry stood.
    merges: Vec<(usize, Rc<INode>)>,
}

/// Mappings with this many entries get a hash index for duplicate detection; smaller ones are scanned.
const INDEX_FROM: usize = 16;

impl MapBody {
    /// The line of an earlier key with this text.
    fn first_line_of(&self, text: &str) -> Option<u32> {
        if text == "<<" && self.merge_line.is_some() {
            return self.merge_line;
        }
        match &self.index {
            Some(index) => index.get(text).copied(),
            None => self.entries.iter().find(|(k, _)| k.scalar_text() == Some(text)).map(|(k, _)| k.pos.line),
        }
    }

    /// Forget an earlier entry (a duplicate key whose last occurrence wins).
    fn remove_key(&mut self, text: &str) {
        self.entries.retain(|(k, _)| k.scalar_text() != Some(text));
        if let Some(index) = &mut self.index {
            index.remove(text);
        }
    }

    fn push(&mut self, key: Rc<INode>, value: Rc<INode>) {
        if let (Some(index), Some(text)) = (&mut self.index, key.scalar_text()) {
            index.entry(text.to_string()).or_insert(key.pos.line);
        }
        self.entries.push((key, value));
        if self.index.is_none() && self.entries.len() >= INDEX_FROM {
            let mut index = HashMap::with_capacity(self.entries.len() * 2);
            for (k, _) in &self.entries {
                if let Some(text) = k.scalar_text() {
                    index.entry(text.to_string()).or_insert(k.pos.line);
                }
            }
            self.index = Some(index);
        }
    }
}

/// Maps the parser's character indices to byte offsets.
struct Source<'a> {
    text: &'a str,
    /// Byte offset of every `STEP`-th character; `None` for ASCII text (where index = offset).
    marks: Option<Vec<usize>>,
}

const STEP: usize = 64;

impl<'a> Source<'a> {
    fn new(text: &'a str) -> Self {
        let marks = if text.is_ascii() {
            None
        } else {
            let mut marks = Vec::with_capacity(text.len() / STEP + 2);
            let mut count = 0usize;
            for (i, (b, _)) in text.char_indices().enumerate() {
                if i.is_multiple_of(STEP) {
                    marks.push(b);
                }
                count = i + 1;
            }
            if count.is_multiple_of(STEP) {
                marks.push(text.len());
            }
            Some(marks)
        };
        Source { text, marks }
    }

    /// The byte offset of character `idx` (`text.len()` for the end of the text).
    fn byte_at(&self, idx: usize) -> Option<usize> {
        match &self.marks {
            None => (idx <= self.text.len()).then_some(idx),
            Some(marks) => {
                let mut b = *marks.get(idx / STEP)?;
                let mut chars = self.text.get(b..)?.chars();
                for _ in 0..idx % STEP {
                    b += chars.next()?.len_utf8();
                }
                Some(b)
            }
        }
    }

    fn char_before(&self, idx: usize) -> Option<char> {
        let b = self.byte_at(idx)?;
        self.text.get(..b)?.chars().next_back()
    }

    /// The anchor name of the alias (`*name`) starting at character `idx`.
    fn alias_name(&self, idx: usize) -> String {
        let Some(rest) = self.byte_at(idx).and_then(|b| self.text.get(b..)) else {
            return String::new();
        };
        rest.strip_prefix('*')
            .unwrap_or(rest)
            .chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}'))
            .take(200)
            .collect()
    }

    fn line(&self, line: u32) -> Option<&'a str> {
        let n = usize::try_from(line).ok()?.checked_sub(1)?;
        self.text.lines().nth(n)
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// 1-based position of a parser marker (the parser's lines are 1-based, its columns 0-based).
fn pos_of(m: &Marker) -> Pos {
    Pos { line: to_u32(m.line()).max(1), col: to_u32(m.col()).saturating_add(1) }
}

/// A tag in resolved form: `!!str` → `tag:yaml.org,2002:str`, `!foo` stays, the non-specific tag is `!`.
fn tag_string(tag: &Tag) -> String {
    if tag.handle == "!" { format!("!{}", tag.suffix) } else { format!("{}{}", tag.handle, tag.suffix) }
}

fn style_of(s: saphyr_parser::ScalarStyle) -> ScalarStyle {
    match s {
        saphyr_parser::ScalarStyle::Plain => ScalarStyle::Plain,
        saphyr_parser::ScalarStyle::SingleQuoted => ScalarStyle::SingleQuoted,
        saphyr_parser::ScalarStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
        saphyr_parser::ScalarStyle::Literal => ScalarStyle::Literal,
        saphyr_parser::ScalarStyle::Folded => ScalarStyle::Folded,
    }
}

/// Quote a key for a message, shortening long ones.
fn quote_key(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() > MAX {
        let short: String = text.chars().take(MAX).collect();
        format!("{:?}…", short)
    } else {
        format!("{text:?}")
    }
}

struct Builder<'a> {
    file: &'a str,
    src: Source<'a>,
    limits: &'a Limits,
    last_pos: &'a Cell<Pos>,
    frames: Vec<Frame>,
    /// Anchors of the current document, by the parser's anchor id.
    anchors: HashMap<usize, Anchored>,
    /// Anchors whose node is still being read (an alias to one of them is recursive).
    open_anchors: HashSet<usize>,
    /// Nodes created in the stream, aliases included.
    nodes: usize,
    /// Bytes of scalar text created in the stream, aliases included.
    bytes: usize,
    /// Nodes created by alias expansion in the stream.
    alias_nodes: usize,
    /// Bytes of scalar text created by alias expansion in the stream.
    alias_bytes: usize,
    /// Documents started so far (empty ones included).
    doc_count: usize,
    root: Option<Rc<INode>>,
    docs: Vec<Document>,
    /// Where the previous event ended (to find the indicator of a block scalar).
    prev_end: Marker,
}

impl<'a> Builder<'a> {
    fn new(file: &'a str, text: &'a str, limits: &'a Limits, last_pos: &'a Cell<Pos>) -> Self {
        Builder {
            file,
            src: Source::new(text),
            limits,
            last_pos,
            frames: Vec::new(),
            anchors: HashMap::new(),
            open_anchors: HashSet::new(),
            nodes: 0,
            bytes: 0,
            alias_nodes: 0,
            alias_bytes: 0,
            doc_count: 0,
            root: None,
            docs: Vec::new(),
            prev_end: Marker::default(),
        }
    }

    fn err(&self, pos: Pos, message: impl Into<String>) -> YamlError {
        YamlError { file: self.file.to_string(), pos, message: message.into() }
    }

    fn run(mut self) -> Result<Vec<Document>, YamlError> {
        let mut parser = Parser::new_from_str(self.src.text);
        while let Some(next) = parser.next_event() {
            let (event, span) = next.map_err(|e| self.scan_error(&e))?;
            self.last_pos.set(pos_of(&span.start));
            let more = self.event(event, span)?;
            self.prev_end = span.end;
            if !more {
                break;
            }
        }
        Ok(self.docs)
    }

    /// Handle one event; false at the end of the stream.
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<bool, YamlError> {
        match event {
            Event::Nothing | Event::StreamStart => {}
            Event::StreamEnd => return Ok(false),
            Event::DocumentStart(_) => {
                if self.doc_count >= self.limits.max_documents {
                    return Err(self.err(
                        pos_of(&span.start),
                        format!("more than {} documents in one stream: split the file", self.limits.max_documents),
                    ));
                }
                self.doc_count += 1;
                self.anchors.clear();
                self.open_anchors.clear();
                self.frames.clear();
                self.root = None;
            }
            Event::DocumentEnd => self.end_document(),
            Event::Scalar(text, style, anchor, tag) => {
                let block = matches!(style, saphyr_parser::ScalarStyle::Literal | saphyr_parser::ScalarStyle::Folded);
                let pos = if block && anchor == 0 && tag.is_none() {
                    self.block_scalar_pos(span.start)
                } else {
                    pos_of(&span.start)
                };
                let (nodes_before, bytes_before) = (self.nodes, self.bytes);
                self.add_nodes(1, pos)?;
                self.bytes = self.bytes.saturating_add(text.len());
                let node = INode {
                    kind: IKind::Scalar(Scalar { text: text.into_owned(), style: style_of(style) }),
                    pos,
                    tag: tag.as_deref().map(tag_string),
                };
                self.complete(Rc::new(node), 0, anchor, nodes_before, bytes_before)?;
            }
            Event::SequenceStart(anchor, tag) => {
                let pos = self.collection_pos(span, true);
                self.open(pos, anchor, tag.as_deref(), Body::Seq(Vec::new()))?;
            }
            Event::MappingStart(anchor, tag) => {
                let pos = self.collection_pos(span, false);
                self.open(pos, anchor, tag.as_deref(), Body::Map(MapBody::default()))?;
            }
            Event::SequenceEnd | Event::MappingEnd => self.close()?,
            Event::Alias(id) => self.alias(id, span)?,
        }
        Ok(true)
    }

    fn end_document(&mut self) {
        self.anchors.clear();
        self.open_anchors.clear();
        self.frames.clear();
        let Some(root) = self.root.take() else {
            return;
        };
        let empty = root.tag.is_none()
            && matches!(&root.kind, IKind::Scalar(s) if s.text.is_empty() && s.style == ScalarStyle::Plain);
        if !empty {
            self.docs.push(Document { index: self.doc_count.saturating_sub(1), root: materialize(root) });
        }
    }

    fn add_nodes(&mut self, n: usize, pos: Pos) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.limits.max_nodes {
            return Err(self.err(
                pos,
                format!(
                    "more than {} YAML nodes in one stream (aliases included): split the file",
                    self.limits.max_nodes
                ),
            ));
        }
        Ok(())
    }

    fn depth_error(&self, pos: Pos) -> YamlError {
        self.err(pos, format!("YAML nested deeper than {} levels: flatten the structure", self.limits.max_depth))
    }

    /// Where a collection starts: a flow collection at its bracket, a block mapping at its first key, a
    /// block sequence at its first `-`.
    fn collection_pos(&self, span: Span, seq: bool) -> Pos {
        let end = span.end;
        let bracket = if seq { '[' } else { '{' };
        if self.src.char_before(end.index()) == Some(bracket) {
            // The bracket is the character before `end`, on the same line.
            return Pos { line: to_u32(end.line()).max(1), col: to_u32(end.col()).max(1) };
        }
        if seq {
            // Block sequences start at a zero-width token on the `-`, indentless ones (`key:\n- a`) after it.
            if let Some(b) = self.src.byte_at(end.index()) {
                let bytes = self.src.text.as_bytes();
                if bytes.get(b) == Some(&b'-') {
                    return pos_of(&end);
                }
                let mut i = b;
                while i > 0 && matches!(bytes.get(i - 1), Some(b' ' | b'\t')) {
                    i -= 1;
                }
                if i > 0 && bytes.get(i - 1) == Some(&b'-') {
                    let back = b - i + 1;
                    if let Some(col) = end.col().checked_sub(back) {
                        return Pos { line: to_u32(end.line()).max(1), col: to_u32(col).saturating_add(1) };
                    }
                }
            }
        }
        pos_of(&end)
    }

    /// The parser places a block scalar at its first line of content; find its `|` or `>` indicator instead,
    /// the first character after the previous event that is not blank, `:`, `-`, `?`, `,` or a comment.
    fn block_scalar_pos(&self, start: Marker) -> Pos {
        let prev = self.prev_end;
        let (Some(from), Some(to)) = (self.src.byte_at(prev.index()), self.src.byte_at(start.index())) else {
            return pos_of(&start);
        };
        let Some(gap) = self.src.text.get(from..to) else {
            return pos_of(&start);
        };
        let (mut line, mut col) = (prev.line(), prev.col());
        let mut comment = false;
        for c in gap.chars() {
            match c {
                '\n' => {
                    line += 1;
                    col = 0;
                    comment = false;
                    continue;
                }
                _ if comment => {}
                ' ' | '\t' | '\r' | ':' | '-' | '?' | ',' => {}
                '#' => comment = true,
                '|' | '>' => return pos_of(&Marker::new(0, line, col)),
                _ => break,
            }
            col += 1;
        }
        pos_of(&start)
    }

    fn open(&mut self, pos: Pos, anchor: usize, tag: Option<&Tag>, body: Body) -> Result<(), YamlError> {
        if self.frames.len() >= self.limits.max_depth {
            return Err(self.depth_error(pos));
        }
        let (nodes_before, bytes_before) = (self.nodes, self.bytes);
        self.add_nodes(1, pos)?;
        if anchor != 0 {
            self.open_anchors.insert(anchor);
        }
        self.frames.push(Frame {
            pos,
            tag: tag.map(tag_string),
            anchor,
            nodes_before,
            bytes_before,
            child_height: 0,
            body,
        });
        Ok(())
    }

    fn close(&mut self) -> Result<(), YamlError> {
        let Some(frame) = self.frames.pop() else {
            return Ok(());
        };
        let kind = match frame.body {
            Body::Seq(items) => IKind::Seq(items),
            Body::Map(mut map) => {
                if let Some(key) = map.key.take() {
                    // The parser always sends a value; be lenient anyway.
                    let value = INode {
                        kind: IKind::Scalar(Scalar { text: String::new(), style: ScalarStyle::Plain }),
                        pos: key.pos,
                        tag: None,
                    };
                    map.push(key, Rc::new(value));
                }
                if map.merges.is_empty() { IKind::Map(map.entries) } else { IKind::Map(self.apply_merges(map)?) }
            }
        };
        let node = INode { kind, pos: frame.pos, tag: frame.tag };
        self.complete(
            Rc::new(node),
            frame.child_height.saturating_add(1),
            frame.anchor,
            frame.nodes_before,
            frame.bytes_before,
        )
    }

    /// Expand `<<` entries (see the module documentation).
    fn apply_merges(&self, map: MapBody) -> Result<Entries, YamlError> {
        let MapBody { entries, merges, .. } = map;
        // Explicit keys win over merged ones.
        let mut taken: HashSet<String> =
            entries.iter().filter_map(|(k, _)| k.scalar_text().map(str::to_string)).collect();
        let mut chunks: Vec<(usize, Entries)> = Vec::new();
        for (at, value) in merges {
            let sources: Vec<&Rc<INode>> = match &value.kind {
                IKind::Map(_) => vec![&value],
                IKind::Seq(items) => {
                    for item in items {
                        if !matches!(item.kind, IKind::Map(_)) {
                            return Err(self.err(
                                item.pos,
                                format!(
                                    "merge key `<<` lists a {}, but can only merge mappings: use aliases \
                                     of mappings (`<<: [*a, *b]`)",
                                    item.type_name()
                                ),
                            ));
                        }
                    }
                    items.iter().collect()
                }
                IKind::Scalar(_) => {
                    return Err(self.err(
                        value.pos,
                        format!(
                            "merge key `<<` needs a mapping or a sequence of mappings, found a {}: use \
                             `<<: *anchor` with an anchored mapping, or quote the key if it is a literal \"<<\"",
                            value.type_name()
                        ),
                    ));
                }
            };
            let mut chunk = Vec::new();
            for source in sources {
                if let IKind::Map(source_entries) = &source.kind {
                    for (k, v) in source_entries {
                        let new = match k.scalar_text() {
                            Some(t) => taken.insert(t.to_string()),
                            None => true,
                        };
                        if new {
                            chunk.push((Rc::clone(k), Rc::clone(v)));
                        }
                    }
                }
            }
            chunks.push((at, chunk));
        }
        let mut out = Vec::with_capacity(entries.len() + chunks.iter().map(|c| c.1.len()).sum::<usize>());
        let mut chunks = chunks.into_iter().peekable();
        for (i, entry) in entries.into_iter().enumerate() {
            while let Some((_, chunk)) = chunks.next_if(|(at, _)| *at <= i) {
                out.extend(chunk);
            }
            out.push(entry);
        }
        for (_, chunk) in chunks {
            out.extend(chunk);
        }
        Ok(out)
    }

    fn alias(&mut self, id: usize, span: Span) -> Result<(), YamlError> {
        let pos = pos_of(&span.start);
        let Some(anchored) = self.anchors.get(&id) else {
            let name = self.src.alias_name(span.start.index());
            return Err(if self.open_anchors.contains(&id) {
                self.err(
                    pos,
                    format!("alias *{name} refers to a node that contains it (recursive alias): remove the alias"),
                )
            } else {
                self.err(
                    pos,
                    format!("undefined alias *{name}: define the anchor &{name} earlier in the same document"),
                )
            });
        };
        let (node, nodes, bytes, height) = (Rc::clone(&anchored.node), anchored.nodes, anchored.bytes, anchored.height);
        if self.frames.len().saturating_add(height) > self.limits.max_depth {
            return Err(self.depth_error(pos));
        }
        self.alias_nodes = self.alias_nodes.saturating_add(nodes);
        if self.alias_nodes > self.limits.max_alias_nodes {
            let name = self.src.alias_name(span.start.index());
            return Err(self.err(
                pos,
                format!(
                    "alias expansion exceeds {} nodes (possible YAML alias bomb): alias *{name} stands for {nodes} \
                     nodes; use fewer or smaller aliases",
                    self.limits.max_alias_nodes
                ),
            ));
        }
        self.alias_bytes = self.alias_bytes.saturating_add(bytes);
        if self.alias_bytes > self.limits.max_bytes {
            let name = self.src.alias_name(span.start.index());
            return Err(self.err(
                pos,
                format!(
                    "alias expansion exceeds {} bytes of text (possible YAML alias bomb): alias *{name} \
                     stands for {bytes} bytes; use fewer or smaller aliases",
                    self.limits.max_bytes
                ),
            ));
        }
        self.add_nodes(nodes, pos)?;
        self.bytes = self.bytes.saturating_add(bytes);
        // A shallow copy: children stay shared until the document is materialised.
        let mut copy = INode::clone(&node);
        copy.pos = pos;
        self.complete(Rc::new(copy), height, 0, 0, 0)
    }

    /// A node is finished: remember it under its anchor and attach it to its parent (or make it the root).
    fn complete(
        &mut self,
        node: Rc<INode>,
        height: usize,
        anchor: usize,
        nodes_before: usize,
        bytes_before: usize,
    ) -> Result<(), YamlError> {
        if anchor != 0 {
            self.open_anchors.remove(&anchor);
            self.anchors.insert(
                anchor,
                Anchored {
                    node: Rc::clone(&node),
                    nodes: self.nodes.saturating_sub(nodes_before),
                    bytes: self.bytes.saturating_sub(bytes_before),
                    height,
                },
            );
        }
        let Some(frame) = self.frames.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        frame.child_height = frame.child_height.max(height);
        match &mut frame.body {
            Body::Seq(items) => items.push(node),
            Body::Map(map) => match map.key.take() {
                Some(key) => {
                    if key.is_merge_key() {
                        map.merges.push((map.entries.len(), node));
                    } else {
                        map.push(key, node);
                    }
                }
                None => {
                    if let Some(text) = node.scalar_text()
                        && let Some(first) = map.first_line_of(text)
                    {
                        if self.limits.duplicate_keys_last_wins {
                            map.remove_key(text);
                            map.key = Some(node);
                            return Ok(());
                        }
                        let message = format!("duplicate key {} (first at line {first}): remove one", quote_key(text));
                        let pos = node.pos;
                        return Err(self.err(pos, message));
                    }
                    if node.is_merge_key() {
                        map.merge_line = Some(node.pos.line);
                    }
                    map.key = Some(node);
                }
            },
        }
        Ok(())
    }

    fn scan_error(&self, e: &ScanError) -> YamlError {
        let pos = pos_of(e.marker());
        let info = e.info();
        if info.contains("unknown anchor") {
            let name = self.src.alias_name(e.marker().index());
            return self
                .err(pos, format!("undefined alias *{name}: define the anchor &{name} earlier in the same document"));
        }
        if info.contains("recursion limit exceeded") {
            return self.err(
                pos,
                "YAML nested deeper than the parser allows (recursion limit exceeded): flatten the structure",
            );
        }
        let tab_hint = if self.src.line(pos.line).is_some_and(|l| l.contains('\t')) {
            " (this line contains a tab: use spaces for indentation and after `:` or `-`)"
        } else {
            ""
        };
        self.err(pos, format!("invalid YAML: {info}{tab_hint}: fix the syntax at this position"))
    }
}

/// Turn the intermediate tree into owned nodes, moving what is not shared and copying what is.
fn materialize(rc: Rc<INode>) -> Node {
    match Rc::try_unwrap(rc) {
        Ok(n) => {
            let kind = match n.kind {
                IKind::Scalar(s) => NodeKind::Scalar(s),
                IKind::Seq(items) => NodeKind::Seq(items.into_iter().map(materialize).collect()),
                IKind::Map(entries) => {
                    NodeKind::Map(entries.into_iter().map(|(k, v)| (materialize(k), materialize(v))).collect())
                }
            };
            Node { kind, pos: n.pos, tag: n.tag }
        }
        Err(shared) => copy(&shared),
    }
}

fn copy(n: &INode) -> Node {
    let kind = match &n.kind {
        IKind::Scalar(s) => NodeKind::Scalar(s.clone()),
        IKind::Seq(items) => NodeKind::Seq(items.iter().map(|i| copy(i)).collect()),
        IKind::Map(entries) => NodeKind::Map(entries.iter().map(|(k, v)| (copy(k), copy(v))).collect()),
    };
    Node { kind, pos: n.pos, tag: n.tag.clone() }
}
