//! Shared rendering: miette diagnostics (colour only on a terminal) and the
//! small text helpers commands use. Not here: what each command prints.

use std::io::{self, IsTerminal, Write};
use std::sync::Mutex;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};

/// `println!` for a command's output. It never panics, and a write error
/// is not lost: the first is kept (`stdout_failed`) and decides the exit
/// code when the command returns (`finish`).
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        $crate::render::wrote(writeln!(std::io::stdout().lock(), $($arg)*));
    }};
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

/// The exit code of a command that returned `code`, once what it wrote to
/// standard output is flushed. Output that could not be written is a
/// failure of the run whatever the command found: the message says so and
/// the code is 2 (the run could not be completed), since 1 would read as a
/// finding (rule errors, failed tests, error lines) and 0 as success. A
/// closed pipe is no failure: the reader has what it wanted (`inforce eval
/// x | head -1`), so the rest is dropped quietly and `code` stands.
pub fn finish(code: u8) -> u8 {
    wrote(io::stdout().lock().flush());
    let error = STDOUT_ERROR
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .take();
    match error {
        None => code,
        Some(e) if e.kind() == io::ErrorKind::BrokenPipe => code,
        Some(e) => {
            // Not `eprintln!`, which panics when stderr fails too.
            let _ = writeln!(
                io::stderr().lock(),
                "cannot write to standard output: {e}; the output is incomplete"
            );
            2
        }
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
    let mut out = String::new();
    if handler.render_report(&mut out, d).is_err() {
        out = d.to_string();
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

/// Output format shared by commands.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}
