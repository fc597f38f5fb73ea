//! Shared rendering: miette diagnostics (colour only on a terminal, long
//! lines clipped, hidden characters escaped, at most 20 of a kind per file)
//! and the small text helpers commands use. Not here: what each command
//! prints, or escaping the text it prints (`text_safe`).

use std::collections::HashMap;
use std::io::{self, IsTerminal, Write};
use std::sync::Mutex;

use inforce_engine::drawable;
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};

use crate::exit::Failure;

/// `println!` for a command's output. It never panics, and a write error
/// is not lost: the first is kept (`stdout_failed`) and decides the run's
/// outcome when the command returns (`finish`).
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        $crate::render::wrote(writeln!(std::io::stdout().lock(), $($arg)*));
    }};
}

/// `eprintln!` that never panics: a failed write to standard error
/// (`2>/dev/full`) is kept and makes the run exit 2 (`finish`), since the
/// messages it carried are lost; nothing can be said about it on stderr.
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        $crate::render::wrote_err(writeln!(std::io::stderr().lock(), $($arg)*));
    }};
}

/// `eprint!` that never panics; see `errln!`.
#[macro_export]
macro_rules! errout {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        $crate::render::wrote_err(write!(std::io::stderr().lock(), $($arg)*));
    }};
}

/// Set when a write to standard error failed.
static STDERR_FAILED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Keeps the failure of a write to standard error (a closed pipe is none).
pub fn wrote_err(result: io::Result<()>) {
    if let Err(e) = result
        && e.kind() != io::ErrorKind::BrokenPipe
    {
        STDERR_FAILED.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// `print!` for a command's output; see `outln!`.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        $crate::render::wrote(write!(std::io::stdout().lock(), $($arg)*));
    }};
}

/// The first error writing to standard output, if any.
static STDOUT_ERROR: Mutex<Option<io::Error>> = Mutex::new(None);

/// Keeps the error of a write to standard output, if it failed.
pub fn wrote(result: io::Result<()>) {
    if let Err(e) = result {
        stdout_failed(e);
    }
}

/// Records that standard output could not be written; the first error is
/// the one reported.
pub fn stdout_failed(error: io::Error) {
    let mut first = STDOUT_ERROR
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if first.is_none() {
        *first = Some(error);
    }
}

/// Flushes what the command wrote to standard output, and says whether
/// everything it wrote reached its reader. Output that could not be
/// written is a failure of the run whatever the command found
/// (`Failure::Output`, exit 2, since 1 would read as a finding and 0 as
/// success): the message says so. A closed pipe is no failure: the reader
/// has what it wanted (`inforce eval x | head -1`), so the rest is dropped
/// quietly and the command's outcome stands.
pub fn finish() -> Result<(), Failure> {
    wrote(io::stdout().lock().flush());
    let error = STDOUT_ERROR
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .take();
    let stderr_failed = STDERR_FAILED.load(std::sync::atomic::Ordering::Relaxed);
    match error {
        Some(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            // Not `eprintln!`, which panics when stderr fails too.
            let _ = writeln!(
                io::stderr().lock(),
                "cannot write to standard output: {e}; the output is incomplete"
            );
            Err(Failure::Output)
        }
        _ if stderr_failed => Err(Failure::Output),
        _ => Ok(()),
    }
}

/// Whether stdout is a terminal (colour, progress) or a pipe (plain).
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Renders a diagnostic for stderr: source line underlined, help line.
/// Every diagnostic is drawn through the engine's `Drawable`: a label far
/// along a long line would otherwise panic inside miette, a long line be
/// drawn whole, and a rule file's escape sequences reach the terminal.
pub fn diagnostic(d: &dyn Diagnostic) -> String {
    let theme = if stderr_is_terminal() {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_wrap_lines(false)
        .with_context_lines(1);
    let d = drawable(d);
    let mut out = String::new();
    if handler.render_report(&mut out, &d).is_err() {
        out = d.to_string();
    }
    out
}

/// How many diagnostics with one code in one file are drawn; the rest of
/// them are counted on one line.
pub const SHOWN_PER_FILE_AND_CODE: usize = 20;

/// Prints every diagnostic of `ds` to stderr, in order, but at most
/// `SHOWN_PER_FILE_AND_CODE` of one code in one file: three thousand
/// undeclared facts on one line are one mistake repeated, and drawn whole
/// they were hundreds of megabytes. Where the first one left out would
/// have been, one line says how many more there are. The callers still
/// count every problem.
pub fn print_diagnostics<D: Diagnostic>(ds: &[D]) {
    let keys: Vec<(String, String)> = ds.iter().map(|d| group_of(d)).collect();
    let mut totals: HashMap<&(String, String), usize> = HashMap::new();
    for k in &keys {
        *totals.entry(k).or_default() += 1;
    }
    let mut seen: HashMap<&(String, String), usize> = HashMap::new();
    for (d, k) in ds.iter().zip(&keys) {
        let n = seen.entry(k).or_default();
        *n += 1;
        if *n <= SHOWN_PER_FILE_AND_CODE {
            crate::errln!("{}", diagnostic(d));
        } else if *n == SHOWN_PER_FILE_AND_CODE + 1 {
            let more = totals
                .get(k)
                .copied()
                .unwrap_or(0)
                .saturating_sub(SHOWN_PER_FILE_AND_CODE);
            let (file, code) = k;
            let place = if file.is_empty() {
                String::new()
            } else {
                format!(" in `{file}`")
            };
            crate::errln!(
                "… and {} more like this{place} (`{code}`), not shown; fix the ones above and run again to see the rest\n",
                thousands(more)
            );
        }
    }
}

/// The file a diagnostic points into (escaped for printing) and its code.
fn group_of(d: &dyn Diagnostic) -> (String, String) {
    let code = d.code().map(|c| c.to_string()).unwrap_or_default();
    // An empty span at the start: the name without reading the text.
    let file = d
        .source_code()
        .and_then(|src| src.read_span(&(0, 0).into(), 0, 0).ok())
        .and_then(|c| c.name().map(|n| crate::text_safe::line(n).into_owned()))
        .unwrap_or_default();
    (file, code)
}

/// `2,980`.
pub fn thousands(n: usize) -> String {
    let mut groups = Vec::new();
    let mut rest = n;
    loop {
        groups.push(rest % 1000);
        rest /= 1000;
        if rest == 0 {
            break;
        }
    }
    let mut out = String::new();
    for (i, g) in groups.iter().rev().enumerate() {
        if i == 0 {
            out.push_str(&g.to_string());
        } else {
            out.push_str(&format!(",{g:03}"));
        }
    }
    out
}

/// Bold/colour helpers that turn into plain text off a terminal.
pub struct Style {
    on: bool,
}

impl Style {
    pub fn stdout() -> Self {
        Style {
            on: stdout_is_terminal(),
        }
    }
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    pub fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    pub fn green(&self, s: &str) -> String {
        self.wrap("32", s)
    }
    pub fn red(&self, s: &str) -> String {
        self.wrap("31", s)
    }
    pub fn yellow(&self, s: &str) -> String {
        self.wrap("33", s)
    }
    pub fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
}

/// "1 rule", "2 rules": a number with its noun in the right number.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A quantity of bytes for people: `812 bytes`, `3.4 MB`, `1.42 GB`
/// (decimal units, as `ls -lh --si` and disk makers count).
pub fn bytes(n: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1_000_000_000, "GB"), (1_000_000, "MB"), (1_000, "kB")];
    for (size, unit) in UNITS {
        if n >= size {
            let v = n as f64 / size as f64;
            return if v >= 100.0 {
                format!("{v:.0} {unit}")
            } else if v >= 10.0 {
                format!("{v:.1} {unit}")
            } else {
                format!("{v:.2} {unit}")
            };
        }
    }
    count(n as usize, "byte", "bytes")
}

/// Output format shared by commands.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_counts_are_written_with_thousands_separators() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(2_980), "2,980");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn byte_counts_are_written_in_decimal_units_with_three_figures() {
        assert_eq!(bytes(1), "1 byte");
        assert_eq!(bytes(999), "999 bytes");
        assert_eq!(bytes(1_000), "1.00 kB");
        assert_eq!(bytes(34_560), "34.6 kB");
        assert_eq!(bytes(1_495_028_561), "1.50 GB");
        assert_eq!(bytes(812_000_000), "812 MB");
    }
}
