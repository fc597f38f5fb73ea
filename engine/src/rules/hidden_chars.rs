//! Characters a reviewer cannot see: bidirectional controls that reorder
//! text on screen, zero-width and other invisible format characters, and
//! control characters (escape sequences, carriage returns). `scan` finds
//! them in a rule file while it is loaded: an error in scripts, ids, codes,
//! values and citations, a warning in prose and comments. `escape_line` and
//! `escape_block` turn them into visible escapes (`\u{202e}`) for any text
//! that is shown. Not here: drawing diagnostics (`drawable`), cases (their
//! text is escaped where it is printed).

use std::borrow::Cow;
use std::fmt::Write as _;

use miette::{Diagnostic, SourceSpan};

use crate::diagnostics::{RuleProblem, Src};
use crate::rules::yaml::{Content, Node};

/// What a hidden character does to the text around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Reorders the text around it on screen (bidirectional controls).
    Reorders,
    /// Takes no room on screen.
    Invisible,
    /// Drives the terminal (escape sequences, carriage return, bell, …).
    Control,
}

impl Effect {
    /// The effect in words, for a label.
    pub fn words(self) -> &'static str {
        match self {
            Effect::Reorders => "reorders the text around it on screen",
            Effect::Invisible => "invisible on screen",
            Effect::Control => "a control character",
        }
    }
}

/// The name and effect of a character nobody reading the text can see, or
/// `None` for an ordinary character. Tab and line feed are ordinary: YAML
/// and scripts use them.
/// Whether `s` may hold a hidden character at all: plain printable ASCII,
/// tabs and line breaks cannot, and are most of every rule file, so a
/// scan of the bytes settles most texts without decoding them.
fn may_hide(s: &str) -> bool {
    s.bytes()
        .any(|b| !(b == b'\t' || b == b'\n' || (0x20..0x7f).contains(&b)))
}

pub fn hidden(c: char) -> Option<(&'static str, Effect)> {
    use Effect::*;
    let found = match c {
        '\t' | '\n' => return None,
        '\u{0}' => ("null", Control),
        '\u{7}' => ("bell", Control),
        '\u{8}' => ("backspace", Control),
        '\u{d}' => ("carriage return", Control),
        '\u{1b}' => ("escape", Control),
        '\u{7f}' => ("delete", Control),
        '\u{0}'..='\u{1f}' | '\u{80}'..='\u{9f}' => ("control character", Control),
        '\u{202a}' => ("left-to-right embedding", Reorders),
        '\u{202b}' => ("right-to-left embedding", Reorders),
        '\u{202c}' => ("pop directional formatting", Reorders),
        '\u{202d}' => ("left-to-right override", Reorders),
        '\u{202e}' => ("right-to-left override", Reorders),
        '\u{2066}' => ("left-to-right isolate", Reorders),
        '\u{2067}' => ("right-to-left isolate", Reorders),
        '\u{2068}' => ("first strong isolate", Reorders),
        '\u{2069}' => ("pop directional isolate", Reorders),
        '\u{200e}' => ("left-to-right mark", Reorders),
        '\u{200f}' => ("right-to-left mark", Reorders),
        '\u{61c}' => ("arabic letter mark", Reorders),
        '\u{200b}' => ("zero width space", Invisible),
        '\u{200c}' => ("zero width non-joiner", Invisible),
        '\u{200d}' => ("zero width joiner", Invisible),
        '\u{2060}' => ("word joiner", Invisible),
        '\u{feff}' => ("zero width no-break space", Invisible),
        '\u{ad}' => ("soft hyphen", Invisible),
        '\u{34f}' => ("combining grapheme joiner", Invisible),
        '\u{180e}' => ("mongolian vowel separator", Invisible),
        '\u{2061}'..='\u{2064}' => ("invisible operator", Invisible),
        '\u{206a}'..='\u{206f}' => ("deprecated format character", Invisible),
        '\u{fff9}'..='\u{fffb}' => ("interlinear annotation character", Invisible),
        '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}' => ("hangul filler", Invisible),
        '\u{e0000}'..='\u{e007f}' => ("tag character", Invisible),
        _ => return None,
    };
    Some(found)
}

/// `U+202E (right-to-left override)`.
pub fn describe(c: char) -> String {
    let name = hidden(c).map_or("character", |(name, _)| name);
    format!("U+{:04X} ({name})", u32::from(c))
}

/// The visible form of one hidden character: `\n`, `\t`, `\r`, else
/// `\u{202e}` (Rust's and JavaScript's escape form).
pub fn escape_char(c: char, out: &mut String) {
    match c {
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        _ => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

/// Text for one line of output: every hidden character, line feed and tab
/// included, as a visible escape, so the text can neither break the line
/// nor drive the terminal. Borrowed when there is nothing to escape.
pub fn escape_line(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| c == '\n' || c == '\t' || hidden(c).is_some())
}

/// Text of several lines (a multi-line note or condition): as
/// `escape_line`, but line feeds and tabs are kept.
pub fn escape_block(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| hidden(c).is_some())
}

fn escape_where(s: &str, escape: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if escape(c) {
            escape_char(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Where a string sits in a rule file, which decides whether a hidden
/// character in it is an error or a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// A condition or computed value: the text runs.
    Script,
    /// Ids, names, codes, values, dates, citations: the text is matched
    /// or shown as a reference.
    Exact,
    /// Titles, notes, summaries, descriptions, messages, sources: read by
    /// people.
    Prose,
}

/// The place of a value from the keys above it (list indices left out),
/// for every kind of rule file: versions, declarations, code lists and
/// golden tests.
fn place(keys: &[&str]) -> Place {
    match keys {
        [.., "when" | "applies_when" | "holds"] | ["rules", "then", _, "expr"] | ["scope", _] => {
            Place::Script
        }
        ["title"]
        | ["notes"]
        | ["source", ..]
        | ["silent_on", _]
        | ["repeal", "note"]
        | ["rules", "summary" | "note"]
        | ["facts" | "outcomes", _, "description"]
        | ["checks", "message" | "help"]
        | ["codes", "name"]
        | ["tests", "name"] => Place::Prose,
        _ => Place::Exact,
    }
}

/// Reports every string of a rule file (keys and values) holding a hidden
/// character, once per string, and every hidden character of its comments.
/// A byte-order mark at the very start is a file encoding, not text.
pub fn scan(root: &Node, text: &str, src: &Src, problems: &mut Vec<RuleProblem>) {
    let body_start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let raw: Vec<usize> = if may_hide(text) {
        text.char_indices()
            .filter(|&(i, c)| i >= body_start && hidden(c).is_some())
            .map(|(i, _)| i)
            .collect()
    } else {
        Vec::new()
    };
    // A double-quoted scalar can write one with an escape (`"\u202e"`);
    // without a backslash or a hidden character nothing can be hidden.
    if raw.is_empty() && !text.contains('\\') {
        return;
    }
    let mut found = Vec::new();
    let mut scan = Scan {
        text,
        src,
        problems: &mut found,
        strings: Vec::new(),
    };
    let mut keys = Vec::new();
    let mut path = String::new();
    scan.node(root, &mut keys, &mut path);
    let mut strings = std::mem::take(&mut scan.strings);
    strings.sort_unstable();
    // Hidden characters outside every string: comments, mostly.
    let mut comment_lines: Vec<usize> = Vec::new();
    for offset in raw {
        let inside = strings
            .partition_point(|&(start, _)| start <= offset)
            .checked_sub(1)
            .and_then(|i| strings.get(i))
            .is_some_and(|&(start, end)| offset < end.max(start + 1));
        if inside {
            continue;
        }
        let line = text.get(..offset).map_or(0, |b| b.matches('\n').count());
        if comment_lines.last() == Some(&line) {
            continue;
        }
        comment_lines.push(line);
        let Some(c) = text.get(offset..).and_then(|t| t.chars().next()) else {
            continue;
        };
        let (_, effect) = hidden(c).unwrap_or(("", Effect::Invisible));
        scan.problems.push(RuleProblem::HiddenCharacterInProse {
            field: format!("a comment on line {}", line + 1),
            character: describe(c),
            more: String::new(),
            effect: effect.words().to_string(),
            src: scan.src.clone(),
            span: SourceSpan::new(offset.into(), c.len_utf8()),
        });
    }
    // In the order they are written.
    found.sort_by_key(|p| {
        p.labels()
            .and_then(|mut l| l.next())
            .map_or(0, |l| l.offset())
    });
    problems.extend(found);
}

struct Scan<'a> {
    text: &'a str,
    src: &'a Src,
    problems: &'a mut Vec<RuleProblem>,
    /// The source ranges of every string seen, to tell comments apart.
    strings: Vec<(usize, usize)>,
}

impl<'a> Scan<'a> {
    fn node<'n>(&mut self, node: &'n Node, keys: &mut Vec<&'n str>, path: &mut String) {
        match &node.value {
            Content::Str(s) => self.string(node, s, place(keys), path, false),
            Content::Seq(items) => {
                let len = path.len();
                for (i, item) in items.iter().enumerate() {
                    let _ = write!(path, "[{i}]");
                    self.node(item, keys, path);
                    path.truncate(len);
                }
            }
            Content::Map(entries) => {
                let len = path.len();
                for (k, v) in entries {
                    let name = k.as_str().unwrap_or("");
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&escape_line(name));
                    // A key names something (a field, fact, outcome or
                    // code): exact, whatever it sits under.
                    self.string(k, name, Place::Exact, path, true);
                    keys.push(name);
                    self.node(v, keys, path);
                    keys.pop();
                    path.truncate(len);
                }
            }
            Content::Null | Content::Bool(_) | Content::Int(_) | Content::Number(_) => {}
        }
    }

    fn string(&mut self, node: &Node, s: &str, place: Place, path: &str, is_key: bool) {
        let start = node.span.offset();
        self.strings.push((start, start + node.span.len()));
        if !may_hide(s) {
            return;
        }
        let mut found = s.chars().filter(|&c| hidden(c).is_some());
        let Some(first) = found.next() else {
            return;
        };
        let more = found.count();
        let more = match more {
            0 => String::new(),
            1 => " and 1 more".to_string(),
            n => format!(" and {n} more"),
        };
        let field = if is_key {
            format!("the key `{path}`")
        } else {
            format!("`{path}`")
        };
        let span = self.locate(node, first);
        let character = describe(first);
        let effect = hidden(first)
            .map_or(Effect::Invisible, |(_, e)| e)
            .words()
            .to_string();
        let src = self.src.clone();
        self.problems.push(match place {
            Place::Prose => RuleProblem::HiddenCharacterInProse {
                field,
                character,
                more,
                effect,
                src,
                span,
            },
            Place::Script | Place::Exact => RuleProblem::HiddenCharacter {
                field,
                what: if place == Place::Script {
                    "a script"
                } else {
                    "an id, name, code, value or citation"
                }
                .to_string(),
                character,
                more,
                effect,
                src,
                span,
            },
        });
    }

    /// The character itself where it is written as itself; the whole
    /// string where it is written as an escape (`"\u202e"`).
    fn locate(&self, node: &Node, c: char) -> SourceSpan {
        let start = node.span.offset().min(self.text.len());
        let end = (start + node.span.len()).min(self.text.len());
        match self.text.get(start..end).and_then(|t| t.find(c)) {
            Some(i) => SourceSpan::new((start + i).into(), c.len_utf8()),
            None => node.span,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::source;
    use crate::rules::yaml::parse;

    fn problems(text: &str) -> Vec<RuleProblem> {
        let root = parse(text).unwrap();
        let mut out = Vec::new();
        scan(&root, text, &source("f.yaml", text), &mut out);
        out
    }

    fn marked(text: &str, p: &RuleProblem) -> String {
        let l = p.labels().unwrap().next().unwrap();
        text[l.offset()..l.offset() + l.len()].to_string()
    }

    #[test]
    fn a_line_escapes_controls_line_breaks_and_bidi_controls_and_keeps_the_rest() {
        assert_eq!(
            escape_line("a\u{1b}[2J\n::x\t\u{202e}é"),
            "a\\u{1b}[2J\\n::x\\t\\u{202e}é"
        );
        assert!(matches!(escape_line("plain – text"), Cow::Borrowed(_)));
        assert_eq!(escape_block("a\n\tb\r\u{200b}"), "a\n\tb\\r\\u{200b}");
    }

    #[test]
    fn a_bidi_control_in_a_condition_is_an_error_at_the_character() {
        let text = "rules:\n  - id: a\n    when: \"person.age >= 18 \u{202e}\"\n";
        let p = problems(text);
        assert_eq!(p.len(), 1);
        assert!(p[0].is_error());
        assert_eq!(
            p[0].to_string(),
            "`rules[0].when` holds a hidden character, U+202E (right-to-left override)"
        );
        assert_eq!(marked(text, &p[0]), "\u{202e}");
    }

    #[test]
    fn a_hidden_character_in_a_block_scalar_is_marked_where_it_is_written() {
        let text = "rules:\n  - id: a\n    when: |\n      person.married\n      /* \u{2067} */\n";
        let p = problems(text);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(marked(text, &p[0]), "\u{2067}");
    }

    #[test]
    fn an_escaped_hidden_character_in_a_double_quoted_id_is_found_and_the_string_marked() {
        let text = "rules:\n  - id: \"a\\u200Bb\"\n";
        let p = problems(text);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].is_error());
        assert_eq!(marked(text, &p[0]), "\"a\\u200Bb\"");
    }

    #[test]
    fn hidden_characters_in_prose_and_comments_are_warnings() {
        let text = "title: \"a\u{200b}b\u{200b}\"\nnotes: [\"x\u{ad}y\"]\n# see \u{2067}here\nrule_set: x\n";
        let p = problems(text);
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p.iter().all(|p| !p.is_error()), "{p:?}");
        assert_eq!(
            p[0].to_string(),
            "`title` holds a hidden character, U+200B (zero width space) and 1 more"
        );
        assert_eq!(
            p[2].to_string(),
            "a comment on line 3 holds a hidden character, U+2067 (right-to-left isolate)"
        );
    }

    #[test]
    fn a_fact_name_is_exact_and_its_description_prose() {
        let text = "facts:\n  person.na\u{200d}me: {type: string, description: \"n\u{200d}\"}\n";
        let p = problems(text);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].is_error());
        assert_eq!(
            p[0].to_string(),
            "the key `facts.person.na\\u{200d}me` holds a hidden character, U+200D (zero width joiner)"
        );
        assert!(!p[1].is_error(), "a description is prose");
    }

    #[test]
    fn a_leading_byte_order_mark_and_plain_text_give_nothing() {
        assert!(problems("\u{feff}title: Закон № 1010 – «о выезде»\n").is_empty());
    }

    #[test]
    fn places_follow_the_keys_of_each_kind_of_file() {
        assert_eq!(place(&["scope", "exit_permitted"]), Place::Script);
        assert_eq!(place(&["rules", "then", "x", "expr"]), Place::Script);
        assert_eq!(place(&["checks", "holds"]), Place::Script);
        assert_eq!(place(&["rules", "cite"]), Place::Exact);
        assert_eq!(place(&["codes", "code"]), Place::Exact);
        assert_eq!(place(&["codes", "name"]), Place::Prose);
        assert_eq!(place(&["source", "act"]), Place::Prose);
        assert_eq!(place(&["tests", "case", "person", "name"]), Place::Exact);
        assert_eq!(place(&["tests", "name"]), Place::Prose);
    }
}
