//! Where in a rule file a script's error is (`locate`, from a position
//! inside the YAML scalar), and the help a script error gets
//! (`script_help`). Not here: compiling scripts (`version`).

use miette::SourceSpan;

pub(super) fn script_help(message: &str, groups: &[String]) -> String {
    let known = || {
        groups
            .iter()
            .map(|g| format!("`{g}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match message.strip_prefix("undefined variable: ") {
        Some(name) => {
            let candidates = groups.iter().map(String::as_str).chain(["date"]);
            match crate::diagnostics::closest(name.trim(), candidates) {
                Some(c) => format!(
                    "did you mean `{c}`? scripts read `date` and the fact groups {}",
                    known()
                ),
                None => format!(
                    "scripts read `date` and the fact groups {}; any other name must be a `let` of the script",
                    known()
                ),
            }
        }
        None => {
            "fix the rhai expression; see docs/rule-format.md for what scripts may use".to_string()
        }
    }
}

/// Maps a 1-based (line, column) inside a script to a span in the file.
/// The script is a YAML scalar at `region`. In block scalars (`|`) each
/// script line appears verbatim in the file, so the line is searched for.
/// In folded (`>`) and plain multi-line scalars YAML joins lines, so the
/// token at the position is searched for instead, counting its earlier
/// occurrences in the script so the right one is found. Failing both, the
/// span is the start of the scalar.
pub(super) fn locate(
    text: &str,
    region: SourceSpan,
    script: &str,
    line: usize,
    column: usize,
) -> SourceSpan {
    let start = region.offset().min(text.len());
    let end = (region.offset() + region.len()).clamp(start, text.len());
    let hay = if end > start {
        text.get(start..end).unwrap_or("")
    } else {
        text.get(start..).unwrap_or("")
    };
    let Some(script_line) = script.lines().nth(line.saturating_sub(1)) else {
        return SourceSpan::new(start.into(), 1);
    };
    let col_bytes: usize = script_line
        .chars()
        .take(column.saturating_sub(1))
        .map(char::len_utf8)
        .sum();
    let rest = script_line.get(col_bytes..).unwrap_or("");
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '.';
    let token_len = match rest.chars().next() {
        // A string literal: up to and including its closing quote.
        Some(q @ ('"' | '\'')) => rest
            .get(1..)
            .and_then(|r| r.find(q))
            .map(|i| i + 2)
            .unwrap_or(rest.len()),
        Some(c) if is_word(c) => rest.find(|c: char| !is_word(c)).unwrap_or(rest.len()),
        Some(_) => rest
            .find(|c: char| c.is_whitespace() || is_word(c))
            .unwrap_or(rest.len()),
        None => 0,
    }
    .max(1);
    let needle = script_line.trim_end();
    if !needle.trim().is_empty()
        && let Some(i) = hay.find(needle)
    {
        return SourceSpan::new((start + i + col_bytes).into(), token_len);
    }
    // Folded: find the same occurrence of the token.
    let token = rest.get(..token_len.min(rest.len())).unwrap_or("");
    if !token.trim().is_empty() {
        let before: usize = script
            .lines()
            .take(line.saturating_sub(1))
            .map(|l| l.len() + 1)
            .sum::<usize>()
            + col_bytes;
        let nth = script
            .get(..before.min(script.len()))
            .map(|b| b.matches(token).count())
            .unwrap_or(0);
        if let Some((i, _)) = hay.match_indices(token).nth(nth) {
            return SourceSpan::new((start + i).into(), token.len());
        }
    }
    SourceSpan::new(start.into(), 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_position_is_found_inside_a_block_scalar() {
        let text = "when: |\n  a &&\n    bad thing\n";
        let region = SourceSpan::new(6.into(), text.len() - 6);
        let script = "a &&\n  bad thing\n";
        let span = locate(text, region, script, 2, 7);
        assert_eq!(&text[span.offset()..span.offset() + span.len()], "thing");
    }

    #[test]
    fn a_script_position_is_found_inside_a_quoted_scalar() {
        let text = "when: 'x == y'\n";
        let region = SourceSpan::new(6.into(), 8);
        let span = locate(text, region, "x == y", 1, 6);
        assert_eq!(&text[span.offset()..span.offset() + span.len()], "y");
    }

    #[test]
    fn a_script_position_is_found_inside_a_folded_scalar() {
        let text = "when: >-\n  a == 1\n  && person.x == 2\n";
        let region = SourceSpan::new(6.into(), text.len() - 6);
        // YAML folds the two lines into one, joined by a space.
        let script = "a == 1 && person.x == 2";
        let span = locate(text, region, script, 1, 11);
        assert_eq!(&text[span.offset()..span.offset() + span.len()], "person.x");
        let span = locate(text, region, script, 1, 20);
        assert_eq!(&text[span.offset()..span.offset() + span.len()], "==");
        assert_eq!(span.offset(), text.rfind("==").unwrap());
    }
}
