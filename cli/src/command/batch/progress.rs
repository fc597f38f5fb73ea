//! `batch`'s progress bar on stderr: by bytes read for a file, a spinner
//! for standard input, and nothing when stderr is not a terminal. Not
//! here: the summary line every run prints (`mod.rs`).

use std::io::{self, IsTerminal};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::render;

/// Shows how far a run is: `consumed` of what the bar counts (bytes or
/// rows read), and the cases, errors and bytes written so far.
pub(super) fn show(bar: &ProgressBar, consumed: u64, cases: u64, errors: u64, written: u64) {
    bar.set_position(consumed);
    bar.set_message(format!(
        "{}, {}, {} written",
        render::count(cases as usize, "case", "cases"),
        render::count(errors as usize, "error", "errors"),
        render::bytes(written)
    ));
}

/// A bar (for a file, by bytes read) or a spinner (for standard input) on
/// a terminal; nothing at all when stderr is a pipe or a file.
pub(super) fn bar(size: Option<u64>) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let (bar, template) = match size {
        Some(len) => (
            ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr()),
            "{spinner} {elapsed_precise} [{wide_bar}] {percent}% {msg}",
        ),
        None => (
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
            "{spinner} {elapsed_precise} {msg}",
        ),
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}
