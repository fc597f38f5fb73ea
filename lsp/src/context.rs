//! Where the cursor is in a YAML document, told from the text's lines and
//! their indentation rather than from a parse: a buffer being typed is
//! often not valid YAML, and completion must work in it all the same. Gives
//! the keys from the top down to the cursor and whether the cursor is
//! where a key or a value is written. Not here: what to offer (`complete`).

/// The keys enclosing the cursor and what is being typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// Keys from the top level down to the innermost one, e.g.
    /// `["rules", "when"]` in a rule's condition.
    pub path: Vec<String>,
    /// Whether the cursor is where a key of the innermost mapping is
    /// written (`path` then ends with the mapping's own key).
    pub at_key: bool,
    /// The value's text before the cursor on its line.
    pub before: String,
}

impl Context {
    /// The innermost key, if any.
    pub fn last(&self) -> Option<&str> {
        self.path.last().map(String::as_str)
    }
    /// Whether `key` encloses the cursor.
    pub fn within(&self, key: &str) -> bool {
        self.path.iter().any(|k| k == key)
    }
}

/// One line split into its indentation, its key (if it starts with one)
/// and the column its value starts at.
struct Line<'a> {
    /// Column of the first character after the indentation and any `- `.
    body: usize,
    /// Column of the first `- `, if the line starts a list item.
    dash: Option<usize>,
    /// The key the line starts with, if it does.
    key: Option<&'a str>,
    /// Column right after the key's `:`.
    after_colon: usize,
}

fn split(line: &str) -> Line<'_> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let mut body = indent;
    let mut dash = None;
    while let Some(rest) = line.get(body..) {
        if rest.starts_with("- ") || rest == "-" {
            dash.get_or_insert(body);
            body += 2;
            body += rest
                .get(2..)
                .map_or(0, |r| r.len() - r.trim_start_matches(' ').len());
        } else {
            break;
        }
    }
    let rest = line.get(body..).unwrap_or("");
    let key_len = rest
        .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '-')))
        .unwrap_or(rest.len());
    let after = rest.get(key_len..).unwrap_or("");
    let is_key =
        key_len > 0 && (after == ":" || after.starts_with(": ") || after.starts_with(":\t"));
    Line {
        body,
        dash,
        key: is_key.then(|| rest.get(..key_len)).flatten(),
        after_colon: body + key_len + 1,
    }
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with('#')
}

/// The context at byte `offset` of `text`.
pub fn at(text: &str, offset: usize) -> Context {
    let offset = offset.min(text.len());
    let line_start = text
        .get(..offset)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line_end = text
        .get(offset..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |i| offset + i);
    let line = text.get(line_start..line_end).unwrap_or("");
    let col = offset - line_start;
    let here = split(line);
    let mut inner = Vec::new();
    let mut at_key;
    let before;
    // Where the enclosing keys must start to the left of.
    let mut limit;
    match here.key {
        Some(k) if col >= here.after_colon => {
            inner.push(k.to_string());
            let value = line.get(here.after_colon..col).unwrap_or("");
            let (flow_keys, flow_at_key, flow_before) = flow(value);
            inner.extend(flow_keys);
            at_key = flow_at_key;
            before = flow_before;
            limit = here.dash.unwrap_or(here.body);
        }
        _ if col <= here.body || here.key.is_some() => {
            // Writing a key (or about to): the enclosing mapping is above.
            at_key = true;
            before = line.get(here.body.min(col)..col).unwrap_or("").to_string();
            limit = here.body;
            if line.trim().is_empty() {
                limit = col;
            }
        }
        _ => {
            // A word alone on its line: a key being typed if the line above
            // opens a mapping (`then:` and nothing after it), else a
            // continuation of a value (a folded script, a list item).
            at_key = here.dash.is_none() && opens_mapping(text, line_start, here.body);
            before = line.get(here.body..col).unwrap_or("").to_string();
            limit = here.body;
            if here.dash.is_some() {
                limit = here.dash.unwrap_or(limit);
                let (flow_keys, flow_at_key, flow_before) = flow(&before);
                if !flow_keys.is_empty() || flow_at_key {
                    inner.extend(flow_keys);
                    at_key = flow_at_key;
                    return finish(text, line_start, limit, inner, at_key, flow_before);
                }
            }
        }
    }
    finish(text, line_start, limit, inner, at_key, before)
}

/// Whether the nearest line above `line_start` indented less than
/// `indent` is a key with nothing after its colon.
fn opens_mapping(text: &str, line_start: usize, indent: usize) -> bool {
    let above = text.get(..line_start).unwrap_or("");
    for l in above.lines().rev() {
        if is_blank_or_comment(l) {
            continue;
        }
        let s = split(l);
        if s.dash.unwrap_or(s.body) < indent || s.body < indent {
            let rest = l.get(s.after_colon..).unwrap_or("").trim();
            return s.key.is_some() && (rest.is_empty() || rest.starts_with('#'));
        }
    }
    false
}

fn finish(
    text: &str,
    line_start: usize,
    mut limit: usize,
    inner: Vec<String>,
    at_key: bool,
    before: String,
) -> Context {
    let mut outer = Vec::new();
    let above = text.get(..line_start).unwrap_or("");
    for l in above.lines().rev() {
        if limit == 0 {
            break;
        }
        if is_blank_or_comment(l) {
            continue;
        }
        let s = split(l);
        let start = s.dash.unwrap_or(s.body);
        if s.key.is_some() && s.body < limit {
            outer.push(s.key.unwrap_or_default().to_string());
            limit = s.body.min(start);
        } else if start < limit {
            // A list item (`- id: ...`) whose key is a sibling of the
            // cursor's, or a continuation line: its list is held by a key
            // further up.
            limit = start;
        }
    }
    outer.reverse();
    outer.extend(inner);
    Context {
        path: outer,
        at_key,
        before,
    }
}

/// Inside a flow mapping or list written on the key's line (`{a: 1, b`):
/// the keys opened there, whether a key is being written, and the text of
/// the value being written.
fn flow(value: &str) -> (Vec<String>, bool, String) {
    let mut keys: Vec<String> = Vec::new();
    let mut at_key = false;
    let mut start = 0;
    let mut depth_kinds: Vec<(char, usize)> = Vec::new();
    let mut in_quote: Option<char> = None;
    for (i, c) in value.char_indices() {
        match (in_quote, c) {
            (Some(q), c) if c == q => in_quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => in_quote = Some(c),
            (None, '{') => {
                depth_kinds.push(('{', keys.len()));
                at_key = true;
                start = i + 1;
            }
            (None, '[') => {
                depth_kinds.push(('[', keys.len()));
                at_key = false;
                start = i + 1;
            }
            (None, '}' | ']') => {
                if let Some((_, n)) = depth_kinds.pop() {
                    keys.truncate(n);
                }
                at_key = false;
                start = i + 1;
            }
            (None, ',') => {
                if let Some(&(kind, n)) = depth_kinds.last() {
                    keys.truncate(n);
                    at_key = kind == '{';
                }
                start = i + 1;
            }
            (None, ':') if at_key => {
                let key = value.get(start..i).unwrap_or("").trim();
                keys.push(key.to_string());
                at_key = false;
                start = i + 1;
            }
            _ => {}
        }
    }
    let before = value.get(start..).unwrap_or("").trim_start().to_string();
    (keys, at_key, before)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(text_with_cursor: &str) -> Context {
        let offset = text_with_cursor.find('|').unwrap_or(0);
        let text = text_with_cursor.replacen('|', "", 1);
        at(&text, offset)
    }

    #[test]
    fn a_condition_being_typed_is_in_the_rules_when() {
        let c = ctx("rules:\n  - id: a\n    cite: x\n    when: person.ag|\n");
        assert_eq!(c.path, ["rules", "when"]);
        assert!(!c.at_key);
        assert_eq!(c.before, "person.ag");
    }

    #[test]
    fn a_folded_condition_continues_the_when_above() {
        let c = ctx("rules:\n  - id: a\n    when: >-\n      person.age >= 18 &&\n      trip.|\n");
        assert_eq!(c.path, ["rules", "when"]);
        assert!(!c.at_key);
    }

    #[test]
    fn a_key_under_then_is_an_outcome_being_named() {
        let c = ctx("rules:\n  - id: a\n    then:\n      exit_|\n");
        assert_eq!(c.path, ["rules", "then"]);
        assert!(c.at_key);
        let c = ctx("rules:\n  - id: a\n    then: {exit_visa_required: true, ex|}\n");
        assert_eq!(c.path, ["rules", "then"]);
        assert!(c.at_key);
        assert_eq!(c.before, "ex");
    }

    #[test]
    fn a_precedence_entry_names_a_rule_set() {
        let c = ctx("precedence:\n  more_specific_than:\n    - rule_set: kz.|\n");
        assert_eq!(c.path, ["precedence", "more_specific_than", "rule_set"]);
        let c = ctx("rules:\n  - id: b\n    exception_to: [a, |]\n");
        assert_eq!(c.path, ["rules", "exception_to"]);
        assert!(!c.at_key);
    }

    #[test]
    fn a_field_of_a_golden_case_is_under_its_group() {
        let c = ctx("tests:\n  - name: x\n    case:\n      person: {citizenship: K|}\n");
        assert_eq!(c.path, ["tests", "case", "person", "citizenship"]);
        assert_eq!(c.before, "K");
        let c = ctx("tests:\n  - name: x\n    expect:\n      |\n");
        assert_eq!(c.path, ["tests", "expect"]);
        assert!(c.at_key);
    }
}
