//! A YAML (or JSON) document as a generic tree in which every key and value
//! keeps where it was written. Used to report every unknown key and wrong
//! type in one pass, and to validate cases against declared facts, before
//! anything is deserialised into typed structs. Not a YAML parser: parsing is
//! serde-saphyr's; this only keeps its positions.

use std::fmt;

use miette::SourceSpan;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};

/// A node of the tree with its position in the source text.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value, with its children.
    pub value: Content,
    /// Where the node is written in the source text.
    pub span: SourceSpan,
    /// 1-based line, for messages that do not render the source.
    pub line: usize,
}

/// A value of the tree, its children keeping where they were written.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    /// `null`, `~` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer that fits in 64 bits.
    Int(i64),
    /// Numbers that are not integers, or do not fit in 64 bits, kept as written.
    Number(String),
    /// A string.
    Str(String),
    /// A sequence, item by item.
    Seq(Vec<Node>),
    /// A mapping, as (key, value) pairs in the order written.
    Map(Vec<(Node, Node)>),
}

impl Content {
    /// How the value is called in messages for analysts.
    pub fn kind(&self) -> &'static str {
        match self {
            Content::Null => "null",
            Content::Bool(_) => "a boolean",
            Content::Int(_) => "an integer",
            Content::Number(_) => "a number",
            Content::Str(_) => "a string",
            Content::Seq(_) => "a list",
            Content::Map(_) => "a mapping",
        }
    }
}

impl Node {
    /// The node's text, if it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Content::Str(s) => Some(s),
            _ => None,
        }
    }
    /// The node's pairs, if it is a mapping.
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Content::Map(m) => Some(m),
            _ => None,
        }
    }
    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }
    /// The key node (not the value) for `key`, to point at the key itself.
    pub fn key_node(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, _)| k)
    }

    /// Converts to JSON, for handing facts and expectations to typed code.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Content::Null => serde_json::Value::Null,
            Content::Bool(b) => serde_json::Value::Bool(*b),
            Content::Int(i) => serde_json::Value::from(*i),
            Content::Number(s) | Content::Str(s) => serde_json::Value::String(s.clone()),
            Content::Seq(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_json).collect())
            }
            Content::Map(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (key_text(k), v.to_json()))
                    .collect(),
            ),
        }
    }
}

/// The text of a mapping key, whatever scalar it was written as.
pub fn key_text(key: &Node) -> String {
    match &key.value {
        Content::Str(s) | Content::Number(s) => s.clone(),
        Content::Int(i) => i.to_string(),
        Content::Bool(b) => b.to_string(),
        Content::Null => "null".to_string(),
        Content::Seq(_) | Content::Map(_) => "<complex key>".to_string(),
    }
}

/// A byte span from serde-saphyr's location, clamped to the text so that a
/// renderer never slices out of bounds.
pub fn span_of(loc: &Location, text: &str) -> SourceSpan {
    let span = loc.span();
    let start = span
        .byte_offset()
        .map(|o| o as usize)
        .unwrap_or_else(|| line_col_to_offset(text, loc.line() as usize, loc.column() as usize));
    let len = span.byte_len().map(|l| l as usize).unwrap_or(0);
    let start = start.min(text.len());
    let len = len.min(text.len() - start);
    SourceSpan::new(start.into(), len)
}

/// Byte offset of a 1-based line and character column.
pub fn line_col_to_offset(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let col_bytes: usize = l
                .chars()
                .take(column.saturating_sub(1))
                .map(char::len_utf8)
                .sum();
            return offset + col_bytes;
        }
        offset += l.len();
    }
    text.len()
}

/// 1-based line and column of a byte offset.
pub fn offset_to_line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before
        .get(line_start..)
        .map(|s| s.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

/// A problem reading the YAML itself (syntax, duplicate key, limits).
#[derive(Debug, Clone)]
pub struct SyntaxError {
    /// What the YAML reader said is wrong.
    pub message: String,
    /// Where in the text.
    pub span: SourceSpan,
    /// 1-based line, for messages that do not render the source.
    pub line: usize,
}

/// serde-saphyr's defaults already reject duplicate keys and cap events,
/// nesting and alias expansion (its `Budget`). Booleans are strict: in YAML
/// 1.1 `y`, `no` and `off` are booleans, so Norway's code `NO` would read as
/// false; only `true` and `false` are booleans here.
///
/// Nesting is capped at `MAX_DEPTH`, below serde-saphyr's default of 64:
/// each level costs the recursive reader a stack frame, and 64 levels
/// overflowed a 2 MB thread stack (a test thread's, a worker's) in a debug
/// build. Rule files nest about six levels deep, cases three.
pub fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        budget: serde_saphyr::budget! { max_depth: MAX_DEPTH },
    }
}

/// How deeply a rule file or case may nest mappings and lists.
pub const MAX_DEPTH: usize = 24;

/// Parses a document into a spanned tree.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    // A byte-order mark is legal at the start of a file written by some
    // editors; serde-saphyr positions are then relative to the text after it.
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let shift = text.len() - body.len();
    if body.trim().is_empty() {
        return Err(SyntaxError {
            message: EMPTY_FILE.to_string(),
            span: SourceSpan::new(0.into(), 0),
            line: 1,
        });
    }
    match serde_saphyr::from_str_with_options::<RawNode>(body, options()) {
        Ok(raw) => Ok(raw.into_node(body, shift)),
        Err(e) => {
            let (span, line) = match e.location() {
                Some(loc) => {
                    let s = span_of(&loc, body);
                    (
                        SourceSpan::new(
                            (s.offset() + shift).into(),
                            s.len().max(1).min(body.len().saturating_sub(s.offset())),
                        ),
                        loc.line() as usize,
                    )
                }
                None => (SourceSpan::new(shift.into(), 0), 1),
            };
            let message = syntax_message(&e);
            // serde-saphyr points past the `---` at the second document's
            // first value; the line that starts it is the one to fix.
            let (span, line) = if message == MORE_THAN_ONE_DOCUMENT {
                second_document_start(body, span.offset().saturating_sub(shift))
                    .map(|(at, line)| (SourceSpan::new((at + shift).into(), 3), line))
                    .unwrap_or((span, line))
            } else {
                (span, line)
            };
            Err(SyntaxError {
                message,
                span,
                line,
            })
        }
    }
}

const MORE_THAN_ONE_DOCUMENT: &str =
    "a file holds one YAML document; this one has more than one (a `---` line starts another)";

/// The byte offset and 1-based line of the last `---` line at or before
/// `before`, other than one opening the file's first document.
fn second_document_start(body: &str, before: usize) -> Option<(usize, usize)> {
    let mut found = None;
    let mut content_seen = false;
    let mut at = 0;
    for (i, l) in body.split_inclusive('\n').enumerate() {
        if at > before {
            break;
        }
        let marker = l.starts_with("---")
            && l.get(3..)
                .is_none_or(|r| r.is_empty() || r.starts_with(char::is_whitespace));
        if marker && content_seen {
            found = Some((at, i + 1));
        }
        let t = l.trim();
        if !t.is_empty() && !t.starts_with('#') && !t.starts_with("%") {
            content_seen = true;
        }
        at += l.len();
    }
    found
}

/// serde-saphyr's message without its own snippet and position suffix:
/// diagnostics draw their own.
fn syntax_message(e: &serde_saphyr::Error) -> String {
    let text = e.without_snippet().to_string();
    let first = text.lines().next().unwrap_or("invalid YAML").trim();
    let first = match first.find(" at line ") {
        Some(i) => first.get(..i).unwrap_or(first),
        None => first,
    };
    // serde-saphyr names its own functions here; our users cannot call them.
    if first.starts_with("multiple YAML documents") {
        return MORE_THAN_ONE_DOCUMENT.to_string();
    }
    // serde-saphyr suggests its own option here; our users cannot set it.
    if let Some(rest) = first.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(", set ").next().unwrap_or(rest).trim();
        return format!("`{key}` is given twice in the same mapping");
    }
    if let Some(plain) = plain_limit_message(first) {
        return plain;
    }
    let mut chars = first.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => "invalid YAML".to_string(),
    }
}

/// serde-saphyr's limits and refusals in the words of a case or rule file,
/// not of its internals (`budget breached: Depth { depth: 65 }`).
fn plain_limit_message(first: &str) -> Option<String> {
    if let Some(breach) = first.strip_prefix("budget breached: ") {
        let what = breach.split([' ', '{', '(']).next().unwrap_or(breach);
        let number: String = breach.chars().filter(char::is_ascii_digit).collect();
        return Some(match what {
            "Depth" => format!(
                "the document is nested too deeply ({number} levels; the limit is {})",
                number.parse::<usize>().map_or(0, |n| n.saturating_sub(1))
            ),
            "Aliases" | "Anchors" | "AliasAnchorRatio" | "MergeKeys" => {
                "the document uses too many aliases (`*name`) or anchors (`&name`)".to_string()
            }
            "Events" | "Nodes" => "the document holds too many values".to_string(),
            "ScalarBytes" | "InputBytes" => "the document's text is too large".to_string(),
            "Documents" => "the file holds too many YAML documents (`---`)".to_string(),
            _ => "the document exceeds the reader's limits".to_string(),
        });
    }
    if first == "recursion limit exceeded" {
        return Some("the document is nested too deeply".to_string());
    }
    if first.starts_with("recursive references") {
        return Some("an alias (`*name`) refers to the value that contains it".to_string());
    }
    if let Some(rest) = first.strip_prefix("non-finite float ") {
        let number = rest.split(" rejected").next().unwrap_or(rest);
        return Some(format!(
            "{number} is not a finite number (too large, or `.inf`/`.nan`)"
        ));
    }
    None
}

/// Whether a syntax error is the empty-file case, which needs its own help.
pub fn is_empty_file(e: &SyntaxError) -> bool {
    e.message == EMPTY_FILE
}

const EMPTY_FILE: &str = "the file is empty";

/// The tree as serde-saphyr hands it over, positions still as locations.
struct RawNode(Spanned<RawValue>);

enum RawValue {
    Null,
    Bool(bool),
    Int(i64),
    Number(String),
    Str(String),
    Seq(Vec<RawNode>),
    Map(Vec<(RawNode, RawNode)>),
}

impl RawNode {
    fn into_node(self, text: &str, shift: usize) -> Node {
        let loc = self.0.referenced;
        let s = span_of(&loc, text);
        let span = SourceSpan::new((s.offset() + shift).into(), s.len());
        let value = match self.0.value {
            RawValue::Null => Content::Null,
            RawValue::Bool(b) => Content::Bool(b),
            RawValue::Int(i) => Content::Int(i),
            // As written, not as a float prints it: `99999999999999999999999`
            // would otherwise come back as `100000000000000000000000`.
            RawValue::Number(n) => Content::Number(
                text.get(s.offset()..s.offset() + s.len())
                    .map(str::trim)
                    .filter(|w| !w.is_empty())
                    .map_or(n, str::to_string),
            ),
            RawValue::Str(s) => Content::Str(s),
            RawValue::Seq(items) => Content::Seq(
                items
                    .into_iter()
                    .map(|n| n.into_node(text, shift))
                    .collect(),
            ),
            RawValue::Map(entries) => Content::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.into_node(text, shift), v.into_node(text, shift)))
                    .collect(),
            ),
        };
        Node {
            value,
            span,
            line: loc.line() as usize,
        }
    }
}

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Spanned::<RawValue>::deserialize(d).map(RawNode)
    }
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawValue, D::Error> {
        RawValue::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawValue, E> {
        Ok(RawValue::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawValue, E> {
        Ok(RawValue::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawValue, E> {
        Ok(i64::try_from(v)
            .map(RawValue::Int)
            .unwrap_or_else(|_| RawValue::Number(v.to_string())))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<RawValue, E> {
        Ok(i64::try_from(v)
            .map(RawValue::Int)
            .unwrap_or_else(|_| RawValue::Number(v.to_string())))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<RawValue, E> {
        Ok(i64::try_from(v)
            .map(RawValue::Int)
            .unwrap_or_else(|_| RawValue::Number(v.to_string())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawValue, E> {
        Ok(RawValue::Number(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawValue, E> {
        Ok(RawValue::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<RawValue, E> {
        Ok(RawValue::Str(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<RawValue, E> {
        Ok(RawValue::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<RawNode>()? {
            items.push(item);
        }
        Ok(RawValue::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawValue, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<RawNode, RawNode>()? {
            entries.push((k, v));
        }
        Ok(RawValue::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_at<'a>(text: &'a str, node: &Node) -> &'a str {
        &text[node.span.offset()..node.span.offset() + node.span.len()]
    }

    #[test]
    fn keys_and_values_keep_their_positions() {
        let text = "a: 1\nbb:\n  c: [x, \"y\"]\n  d: 2001-07-26\n";
        let root = parse(text).unwrap();
        let bb = root.get("bb").unwrap();
        assert_eq!(bb.get("d").unwrap().as_str(), Some("2001-07-26"));
        assert_eq!(bb.get("d").unwrap().line, 4);
        assert_eq!(text_at(text, bb.key_node("c").unwrap()), "c");
        assert_eq!(text_at(text, bb.get("d").unwrap()), "2001-07-26");
        let Content::Seq(items) = &bb.get("c").unwrap().value else {
            panic!()
        };
        assert_eq!(items[1].as_str(), Some("y"));
        assert_eq!(root.get("a").unwrap().value, Content::Int(1));
    }

    #[test]
    fn json_documents_parse_as_yaml_with_positions() {
        let text = "{\n  \"person\": {\"married\": true, \"x\": null}\n}";
        let root = parse(text).unwrap();
        let p = root.get("person").unwrap();
        assert_eq!(p.get("married").unwrap().value, Content::Bool(true));
        assert_eq!(p.get("x").unwrap().value, Content::Null);
        assert_eq!(p.get("x").unwrap().line, 2);
    }

    #[test]
    fn a_duplicate_key_is_a_syntax_error_with_its_line() {
        let err = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(err.line, 3, "{}", err.message);
        assert_eq!(err.message, "`a` is given twice in the same mapping");
    }

    #[test]
    fn broken_yaml_is_an_error_with_its_line() {
        let err = parse("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(err.line >= 2, "{err:?}");
    }

    #[test]
    fn a_second_yaml_document_is_refused_at_its_dashes_in_plain_words() {
        let text = "# a comment\n---\na: 1\nb: 2\n--- # another\nc: 3\n";
        let e = parse(text).unwrap_err();
        assert_eq!(
            e.message,
            "a file holds one YAML document; this one has more than one (a `---` line starts another)"
        );
        assert_eq!(e.line, 5);
        assert_eq!(text_at_span(text, e.span), "---");
        let e = parse("\u{feff}a: 1\n---\nb: 2\n").unwrap_err();
        assert_eq!((e.line, e.span.offset(), e.span.len()), (2, 3 + 5, 3));
    }

    fn text_at_span(text: &str, span: SourceSpan) -> &str {
        &text[span.offset()..span.offset() + span.len()]
    }

    #[test]
    fn an_empty_file_is_an_error() {
        assert_eq!(parse("  \n").unwrap_err().message, "the file is empty");
    }

    #[test]
    fn a_byte_order_mark_is_skipped_and_positions_still_point_into_the_text() {
        let text = "\u{feff}a: 1\nb: x\n";
        let root = parse(text).unwrap();
        assert_eq!(text_at(text, root.get("b").unwrap()), "x");
    }

    #[test]
    fn a_number_too_large_for_64_bits_is_kept_as_written() {
        let root = parse("n: 99999999999999999999999\n").unwrap();
        assert_eq!(
            root.get("n").unwrap().value,
            Content::Number("99999999999999999999999".to_string())
        );
    }

    #[test]
    fn a_number_too_large_for_any_float_is_refused_in_plain_words() {
        let e = parse("n: 1e400\n").unwrap_err();
        assert_eq!(
            e.message,
            "`1e400` is not a finite number (too large, or `.inf`/`.nan`)"
        );
        assert_eq!(e.line, 1);
    }

    #[test]
    fn nesting_past_the_limit_is_refused_in_plain_words_with_its_line() {
        let text = format!("a: 1\nb: {}1{}\n", "[".repeat(200), "]".repeat(200));
        let e = parse(&text).unwrap_err();
        assert!(
            e.message.starts_with("the document is nested too deeply"),
            "{}",
            e.message
        );
        assert!(!e.message.contains('{'), "{}", e.message);
        assert_eq!(e.line, 2);
    }

    #[test]
    fn an_alias_inside_its_own_anchor_is_refused_in_plain_words() {
        let e = parse("a: &x [*x]\n").unwrap_err();
        assert_eq!(
            e.message,
            "an alias (`*name`) refers to the value that contains it"
        );
    }

    #[test]
    fn a_billion_laughs_document_is_refused_by_the_alias_budget() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..30 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = parse(&text).unwrap_err();
        assert!(!e.message.contains('{'), "{}", e.message);
    }

    #[test]
    fn offsets_convert_to_lines_and_columns() {
        let text = "ab\ncdé\nf";
        assert_eq!(offset_to_line_col(text, 0), (1, 1));
        assert_eq!(offset_to_line_col(text, 4), (2, 2));
        assert_eq!(line_col_to_offset(text, 3, 1), 8);
        assert_eq!(offset_to_line_col(text, 8), (3, 1));
    }
}
