//! Text from rule files and cases, made safe to print in text and Markdown
//! output: control characters (escape sequences, carriage returns), line
//! breaks inside a one-line field, and bidirectional and invisible
//! characters become visible escapes (`\u{1b}`, `\n`, `\u{202e}`), and no
//! line can start with `::` or `##[`, which GitHub Actions reads as a
//! workflow command. Not here: JSON output (serde escapes it), diagnostics
//! (the engine's `drawable`, drawn by `render`).

use std::borrow::Cow;

use inforce_engine::text::{escape_block, escape_line};

/// A one-line field: everything hidden escaped, line breaks included.
pub fn line(s: &str) -> Cow<'_, str> {
    guard(escape_line(s))
}

/// A field of several lines (a note, a condition), printed line by line:
/// line breaks and tabs kept, everything else hidden escaped, and no line
/// a workflow command.
pub fn block(s: &str) -> String {
    let escaped = escape_block(s);
    let mut out = String::with_capacity(escaped.len());
    for (i, l) in escaped.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&guard(Cow::Borrowed(l)));
    }
    out
}

/// A line whose text would start a workflow command (`::error …::`,
/// `##[error]`), even after spaces, starts with an escape instead.
fn guard(s: Cow<'_, str>) -> Cow<'_, str> {
    let rest = s.trim_start();
    if !(rest.starts_with("::") || rest.starts_with("##[")) {
        return s;
    }
    let indent = s.len() - rest.len();
    let mut chars = rest.chars();
    let first = chars.next().map_or(0, u32::from);
    Cow::Owned(format!(
        "{}\\u{{{first:x}}}{}",
        s.get(..indent).unwrap_or(""),
        chars.as_str()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_line_field_cannot_break_its_line_or_drive_the_terminal() {
        assert_eq!(
            line("Title\u{1b}[2J\n::error file=x::injected"),
            "Title\\u{1b}[2J\\n::error file=x::injected"
        );
        assert_eq!(line("a\u{202e}b\u{200b}"), "a\\u{202e}b\\u{200b}");
        assert!(matches!(
            line("Decree No. 1010 – «о выезде»"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn no_printed_line_can_start_a_workflow_command() {
        assert_eq!(line("::error::x"), "\\u{3a}:error::x");
        assert_eq!(
            block("first\n  ::warning file=a::b\n##[error]c\nplain :: text"),
            "first\n  \\u{3a}:warning file=a::b\n\\u{23}#[error]c\nplain :: text"
        );
    }

    #[test]
    fn a_block_keeps_its_lines_and_tabs_and_escapes_carriage_returns() {
        assert_eq!(block("a\n\tb\r\nc\u{1b}"), "a\n\tb\\r\nc\\u{1b}");
    }
}
