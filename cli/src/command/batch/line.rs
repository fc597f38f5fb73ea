//! One input line of `batch` in a worker: the engine's `lines` contract
//! (a result, or `{"line": N, "error": "..."}`), with a panic turned into
//! that line's error. Not here: what a line becomes (the engine's
//! `lines`), reading the lines or writing them out (`pipeline`).

use super::panics::guarded;
use super::pipeline::Job;

/// Appends one output line, line ending included, to `out`; says whether
/// it is an error line. A result half-written when its line failed (or
/// panicked) is cut off before the error line is written.
pub(super) fn line_output(job: &Job<'_>, n: u64, bytes: &[u8], out: &mut Vec<u8>) -> bool {
    let start = out.len();
    match guarded(|| evaluate_line(job, n, bytes, out)) {
        Ok(()) => false,
        Err(message) => {
            out.truncate(start);
            error_line(n, &message, out);
            true
        }
    }
}

pub(super) fn error_line(n: u64, message: &str, out: &mut Vec<u8>) {
    inforce_engine::lines::error_line(n, message, out);
}

/// One line to its result JSON and line ending, in the run's shape, or
/// the message of its error line: the engine's, but for the tests' probe
/// line.
fn evaluate_line(job: &Job<'_>, n: u64, bytes: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    // Tests need a line that panics inside a worker, which no input does.
    #[cfg(test)]
    #[allow(clippy::panic)]
    if bytes == PANIC_PROBE.as_bytes() {
        panic!("the test's probe line");
    }
    inforce_engine::lines::evaluate_line_memo(&job.memo, job.date, n, bytes, job.format.shape, out)
}

/// A line `evaluate_line` panics on, in tests only.
#[cfg(test)]
pub(super) const PANIC_PROBE: &str = "{\"panic\": \"probe\"}";
