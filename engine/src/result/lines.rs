//! One line of JSON Lines in, one line out: the contract `batch` and the
//! server's `/v1/batch` share (cli.md, "The JSON result"): a case line
//! becomes its result, a line that has none becomes `{"line": N,
//! "error": "..."}`. Not here: splitting the input into lines, the
//! limit on a line's length, parallelism, or catching panics (each
//! caller guards its own workers).

use chrono::NaiveDate;
use serde::Serialize;

use crate::case::{Case, CaseError};
use crate::eval::evaluate;
use crate::rules::tree::RuleTree;

/// Appends line `n`'s result JSON and its line ending to `out`, or returns
/// the message of its error line. `date` overrides each case's own date,
/// as `--date` does. On an error `out` may hold part of a result: the
/// caller cuts it off before writing the error line.
pub fn evaluate_line(
    tree: &RuleTree,
    date: Option<NaiveDate>,
    n: u64,
    bytes: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "the line is not UTF-8 text (first bad byte at column {})",
            e.valid_up_to() + 1
        )
    })?;
    // Editors on some systems start a file with a byte-order mark.
    let text = if n == 1 {
        text.strip_prefix('\u{feff}').unwrap_or(text)
    } else {
        text
    };
    if text.trim().is_empty() {
        return Err("the line is empty".to_string());
    }
    let case = Case::from_json(tree, text, &format!("line-{n}")).map_err(|errors| {
        errors
            .iter()
            .map(CaseError::one_line)
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let date = case.date_on(date).map_err(|e| e.one_line())?;
    let result = evaluate(tree, &case, date, false).map_err(|e| e.one_line())?;
    // The same bytes as serde_json writes, without its byte-at-a-time
    // escaping of the long citations and reasons.
    crate::result::json::write_result(&result, out);
    out.push(b'\n');
    Ok(())
}

/// An error line of the output.
#[derive(Serialize)]
struct ErrorLine<'a> {
    line: u64,
    error: &'a str,
}

/// Appends the error line of line `n`, line ending included, to `out`.
pub fn error_line(n: u64, message: &str, out: &mut Vec<u8>) {
    let start = out.len();
    let error = ErrorLine {
        line: n,
        error: message,
    };
    // Serialising a number and a string cannot fail; should it ever, the
    // line still says which line it is.
    if serde_json::to_writer(&mut *out, &error).is_err() {
        out.truncate(start);
        out.extend_from_slice(format!("{{\"line\":{n},\"error\":\"internal error\"}}").as_bytes());
    }
    out.push(b'\n');
}
