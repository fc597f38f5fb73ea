//! What one input line of `batch` becomes: its result JSON, or an error
//! line `{"line": N, "error": "..."}` saying why it has none (not UTF-8,
//! empty, not JSON, not a valid case, no date, a script that failed, or a
//! panic). Not here: reading the lines or writing them out (`pipeline`).

use chrono::NaiveDate;
use inforce_engine::RuleTree;
use inforce_engine::{Case, CaseError, evaluate};
use serde::Serialize;

use super::panics::guarded;
use super::pipeline::Job;

/// An error line of the output.
#[derive(Serialize)]
struct ErrorLine<'a> {
    line: u64,
    error: &'a str,
}

/// Appends one output line, line ending included, to `out`; says whether
/// it is an error line. A result half-written when its line failed (or
/// panicked) is cut off before the error line is written.
pub(super) fn line_output(job: &Job<'_>, n: u64, bytes: &[u8], out: &mut Vec<u8>) -> bool {
    let start = out.len();
    match guarded(|| evaluate_line(job.tree, job.date, n, bytes, out)) {
        Ok(()) => false,
        Err(message) => {
            out.truncate(start);
            error_line(n, &message, out);
            true
        }
    }
}

pub(super) fn error_line(n: u64, message: &str, out: &mut Vec<u8>) {
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

/// One line to its result JSON and line ending, or the message of its
/// error line.
fn evaluate_line(
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
    // Tests need a line that panics inside a worker, which no input does.
    #[cfg(test)]
    #[allow(clippy::panic)]
    if text == PANIC_PROBE {
        panic!("the test's probe line");
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
    inforce_engine::write_json(&result, out);
    out.push(b'\n');
    Ok(())
}

/// A line `evaluate_line` panics on, in tests only.
#[cfg(test)]
pub(super) const PANIC_PROBE: &str = "{\"panic\": \"probe\"}";
