//! `inforce batch`: evaluates JSON Lines cases in parallel and writes one
//! JSON line per input line, in input order: the result `eval --format json`
//! gives for that case, or `{"line": N, "error": "..."}`. Memory stays
//! bounded whatever the input's length: lines are read, evaluated and
//! written a chunk at a time. Not here: validating a case (the engine's
//! `case_json`) or evaluating it (the engine's `eval`).
//!
//! Decisions that shape the output:
//! - a blank line (empty or only spaces) is an error line, "the line is
//!   empty", so the output always has exactly as many lines as the input;
//! - a case without `id` is named `line-N` after its line;
//! - `--date` overrides every case's `date`.

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::ops::Range;
use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use inforce_engine::RuleTree;
use inforce_engine::SourceFile;
use inforce_engine::{Case, CaseError, evaluate};
use inforce_engine::{Golden, load_with};
use rayon::prelude::*;
use serde::Serialize;

use crate::output_file::{self, OutputFile};
use crate::render;
use crate::rules_source::RulesArg;

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Each output line is the result `inforce eval --format json` gives for the \
case on the same input line, on one line, or {\"line\": N, \"error\": \"...\"} for a line that \
is not JSON, not a valid case, or could not be evaluated; a blank line is such an error line \
too, so the output always has as many lines as the input. A case without `id` is named \
`line-N`. A summary goes to stderr, and a progress bar when stderr is a terminal.\n\n\
Exit status: 0 every line evaluated, 1 some lines are error lines, 2 could not start \
or finish (rules that do not load, input unreadable, output not writable or the input itself), \
130, 143 or 129 interrupted by SIGINT, SIGTERM or SIGHUP (the output file is left as it was)."
)]
pub struct Args {
    /// JSON Lines file, one case per line; `-` or nothing reads standard input.
    pub input: Option<PathBuf>,
    /// Evaluate every case on this date (YYYY-MM-DD) instead of its `date`.
    #[arg(long, value_parser = super::eval::parse_date)]
    pub date: Option<NaiveDate>,
    #[command(flatten)]
    pub rules: RulesArg,
    /// Write the results to FILE, whole or not at all (default: standard output);
    /// never the input file itself.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1024))]
    pub jobs: Option<usize>,
}

/// A line longer than this is refused without being held in memory: a
/// case is a few hundred bytes, and one runaway line must not exhaust memory.
const MAX_LINE: usize = 1 << 20;

/// Lines per task given to a worker, whose results share one buffer.
const GROUP: usize = 32;

/// A chunk ends after this many bytes of input even if it has fewer lines.
const CHUNK_BYTES: usize = 8 << 20;

/// Lines per chunk: a few hundred cases per worker between the waits for
/// the slowest one at the end of each chunk, and few enough that the
/// chunks in flight stay small: a result line is several kilobytes (its
/// explanation included), so 1,024 lines are some 8 MB of output.
fn chunk_lines(threads: usize) -> usize {
    threads.saturating_mul(256).clamp(1024, 8192)
}

/// Each run's number: a worker's tree is reused only within one run, so a
/// second batch in the same process never evaluates with a stale tree.
static RUN: AtomicU64 = AtomicU64::new(0);

/// Prefix of worker thread names: the panic hook recognises workers by it.
const WORKER: &str = "inforce-batch-";

thread_local! {
    /// This worker's rules, loaded once per run: a tree holds a rhai engine
    /// and compiled scripts that cannot be shared between threads.
    static TREE: RefCell<Option<(u64, RuleTree)>> = const { RefCell::new(None) };
    /// Where this worker last panicked, recorded by the quiet panic hook.
    static PANICKED_AT: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Average length of a result line in this worker's last group: results
    /// of one rules tree are much alike, so a group's buffer is sized once.
    static LAST_LENGTH: Cell<usize> = const { Cell::new(0) };
}

/// What every worker needs; shared read-only.
struct Job {
    run: u64,
    files: Arc<Vec<SourceFile>>,
    label: String,
    date: Option<NaiveDate>,
}

/// An error line of the output.
#[derive(Serialize)]
struct ErrorLine<'a> {
    line: u64,
    error: &'a str,
}

pub fn run(args: Args) -> u8 {
    // Before anything is read: `-o` naming the input would replace the
    // cases with their results.
    if let Err(message) =
        output_file::refuse_input_as_output(args.input.as_deref(), args.output.as_deref())
    {
        crate::errln!("{message}");
        return 2;
    }
    // The rules are loaded here once, before any case is read, so that
    // broken rules stop the run with their diagnostics; the workers load
    // the same files again, each for itself.
    let rule_files = args.rules.read();
    let files = Arc::new(rule_files.files.clone());
    let label = rule_files.label.clone();
    if let Err(code) = rule_files.tree(Golden::Skip) {
        return code;
    }
    let input_name = match &args.input {
        Some(p) if p.as_os_str() != "-" => p.display().to_string(),
        _ => "standard input".to_string(),
    };
    let (input, size) = match open_input(args.input.as_deref()) {
        Ok(x) => x,
        Err(e) => {
            crate::errln!("cannot read `{input_name}`: {e}");
            return 2;
        }
    };
    let sink = match Sink::open(args.output.as_deref()) {
        Ok(s) => s,
        Err(message) => {
            crate::errln!("{message}");
            return 2;
        }
    };
    // An interrupted run must not leave its temporary file (which grows to
    // the size of the results) behind.
    if matches!(sink, Sink::File(_))
        && let Err(e) = output_file::remove_on_signals()
    {
        crate::errln!("cannot watch for interruptions: {e}");
        return 2;
    }
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .thread_name(|i| format!("{WORKER}{i}"))
        .build()
    {
        Ok(p) => p,
        Err(e) => {
            crate::errln!("cannot start the worker threads: {e}");
            return 2;
        }
    };
    let job = Job {
        run: RUN.fetch_add(1, Ordering::Relaxed) + 1,
        files,
        label,
        date: args.date,
    };
    let _quiet = QuietPanics::install();
    let progress = progress_bar(size);
    let started = Instant::now();
    let ran = pipeline(
        &job,
        &pool,
        input,
        sink,
        chunk_lines(pool.current_num_threads()),
        &progress,
    );
    progress.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let summary = |r: &Ran| {
        crate::errln!(
            "{}, {}, {:.0} cases/s",
            render::count(r.cases as usize, "case", "cases"),
            render::count(r.errors as usize, "error", "errors"),
            r.cases as f64 / seconds.max(1e-9)
        );
    };
    let output_name = match &args.output {
        Some(p) if p.as_os_str() != "-" => Some(p.display().to_string()),
        _ => None,
    };
    match ran {
        Ok(r) => {
            summary(&r);
            if r.errors > 0 { 1 } else { 0 }
        }
        Err(Stop::Input { after, error, ran }) => {
            summary(&ran);
            crate::errln!("cannot read `{input_name}` after line {after}: {error}");
            2
        }
        // The reader of the output has gone (`inforce batch | head`):
        // nobody wants the rest, which is no error of the cases.
        Err(Stop::Output { error, ran }) if error.kind() == io::ErrorKind::BrokenPipe => {
            if output_name.is_none() {
                render::stdout_failed(error);
            }
            if ran.errors > 0 { 1 } else { 0 }
        }
        Err(Stop::Output { error, ran }) => {
            summary(&ran);
            match output_name {
                Some(name) => crate::errln!("cannot write `{name}`: {error}"),
                // Said, and made exit code 2, as for every command.
                None => render::stdout_failed(error),
            }
            2
        }
        Err(Stop::Internal(message)) => {
            crate::errln!("internal error: {}", crate::text_safe::line(&message));
            2
        }
    }
}

/// Counts of a run.
#[derive(Default)]
struct Ran {
    cases: u64,
    errors: u64,
}

/// Why a run stopped before the end of its input.
enum Stop {
    Input {
        after: u64,
        error: io::Error,
        ran: Ran,
    },
    Output {
        error: io::Error,
        ran: Ran,
    },
    Internal(String),
}

/// Reads, evaluates and writes at once: a reader thread reads the next
/// chunk and a writer thread writes the previous one while the pool
/// evaluates the current one. The channels hold one chunk each, so at most
/// about five chunks are in memory.
fn pipeline(
    job: &Job,
    pool: &rayon::ThreadPool,
    input: Input,
    sink: Sink,
    lines_per_chunk: usize,
    progress: &ProgressBar,
) -> Result<Ran, Stop> {
    let (chunk_tx, chunk_rx) = mpsc::sync_channel::<io::Result<Chunk>>(1);
    let (out_tx, out_rx) = mpsc::sync_channel::<Vec<Vec<u8>>>(1);
    let reader = thread::Builder::new()
        .name("inforce-reader".to_string())
        .spawn(move || read_chunks(input, lines_per_chunk, &chunk_tx));
    if let Err(e) = reader {
        return Err(Stop::Internal(format!("cannot start the reader: {e}")));
    }
    let writer = thread::Builder::new()
        .name("inforce-writer".to_string())
        .spawn(move || write_chunks(sink, &out_rx));
    let writer = match writer {
        Ok(w) => w,
        Err(e) => return Err(Stop::Internal(format!("cannot start the writer: {e}"))),
    };
    let mut ran = Ran::default();
    let mut read_error = None;
    let mut consumed = 0;
    for message in chunk_rx {
        let chunk = match message {
            Ok(c) => c,
            Err(e) => {
                read_error = Some(e);
                break;
            }
        };
        // Lines are evaluated a group at a time, each group's results
        // written into one buffer: one allocation and one write per group
        // rather than per line.
        let groups: Vec<(Vec<u8>, u64)> = pool.install(|| {
            chunk
                .lines
                .par_chunks(GROUP)
                .enumerate()
                .map(|(g, slots)| {
                    let first = chunk.first + (g * GROUP) as u64;
                    let per_line = LAST_LENGTH.get().max(256);
                    // An eighth more than the last group's average: the
                    // writer reserves a little over each result's length,
                    // and regrowing the buffer would copy the whole group.
                    let mut out = Vec::with_capacity(
                        (per_line + per_line / 8)
                            .saturating_mul(slots.len())
                            .saturating_add(1 << 14),
                    );
                    let mut errors = 0;
                    for (i, slot) in slots.iter().enumerate() {
                        let n = first + i as u64;
                        let failed = match slot {
                            Slot::Line(range) => line_output(
                                job,
                                n,
                                chunk.data.get(range.clone()).unwrap_or_default(),
                                &mut out,
                            ),
                            Slot::TooLong => {
                                error_line(
                                    n,
                                    &format!(
                                        "the line is longer than {} MiB; a case fits on far fewer",
                                        MAX_LINE >> 20
                                    ),
                                    &mut out,
                                );
                                true
                            }
                        };
                        errors += u64::from(failed);
                    }
                    LAST_LENGTH.set(out.len() / slots.len().max(1));
                    (out, errors)
                })
                .collect()
        });
        ran.cases += chunk.lines.len() as u64;
        ran.errors += groups.iter().map(|(_, e)| e).sum::<u64>();
        consumed += chunk.bytes;
        progress.set_position(consumed);
        progress.set_message(format!(
            "{}, {}",
            render::count(ran.cases as usize, "case", "cases"),
            render::count(ran.errors as usize, "error", "errors")
        ));
        let text = groups.into_iter().map(|(text, _)| text).collect();
        if out_tx.send(text).is_err() {
            // The writer stopped on an error; it says which below.
            break;
        }
    }
    drop(out_tx);
    let written = match writer.join() {
        Ok(w) => w,
        Err(_) => {
            return Err(Stop::Internal(
                "the writer of the results stopped unexpectedly".to_string(),
            ));
        }
    };
    if let Some(error) = read_error {
        // The sink is dropped unfinished: a temporary output file goes.
        drop(written);
        return Err(Stop::Input {
            after: ran.cases,
            error,
            ran,
        });
    }
    match written.and_then(Sink::finish) {
        Ok(()) => Ok(ran),
        Err(error) => Err(Stop::Output { error, ran }),
    }
}

/// Lines of the input, held in one buffer.
struct Chunk {
    /// Line number (1-based) of the first line.
    first: u64,
    data: Vec<u8>,
    lines: Vec<Slot>,
    /// Bytes of input consumed, for the progress bar.
    bytes: u64,
}

enum Slot {
    /// The line's bytes in `data`, without its line ending.
    Line(Range<usize>),
    /// Longer than `MAX_LINE`: skipped unread.
    TooLong,
}

fn read_chunks(mut input: Input, lines_per_chunk: usize, tx: &mpsc::SyncSender<io::Result<Chunk>>) {
    let mut first = 1;
    loop {
        let chunk = read_chunk(&mut input, first, lines_per_chunk);
        let last = match &chunk {
            Ok(c) => c.lines.len() < lines_per_chunk && c.data.len() < CHUNK_BYTES,
            Err(_) => true,
        };
        if let Ok(c) = &chunk {
            if c.lines.is_empty() {
                return;
            }
            first += c.lines.len() as u64;
        }
        // A closed channel means the run stopped; nothing more to read.
        if tx.send(chunk).is_err() || last {
            return;
        }
    }
}

fn read_chunk(input: &mut impl BufRead, first: u64, lines_per_chunk: usize) -> io::Result<Chunk> {
    let mut chunk = Chunk {
        first,
        data: Vec::new(),
        lines: Vec::with_capacity(lines_per_chunk),
        bytes: 0,
    };
    while chunk.lines.len() < lines_per_chunk && chunk.data.len() < CHUNK_BYTES {
        let start = chunk.data.len();
        let n =
            io::Read::take(&mut *input, MAX_LINE as u64 + 1).read_until(b'\n', &mut chunk.data)?;
        if n == 0 {
            break;
        }
        chunk.bytes += n as u64;
        if chunk.data.last() == Some(&b'\n') {
            chunk.data.pop();
            if chunk.data.last() == Some(&b'\r') {
                chunk.data.pop();
            }
        } else if n > MAX_LINE {
            chunk.data.truncate(start);
            chunk.bytes += skip_line(input)?;
            chunk.lines.push(Slot::TooLong);
            continue;
        }
        chunk.lines.push(Slot::Line(start..chunk.data.len()));
    }
    Ok(chunk)
}

/// Skips to just after the next line ending (or the end), returning the
/// bytes skipped.
fn skip_line(input: &mut impl BufRead) -> io::Result<u64> {
    let mut skipped = 0;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(skipped);
        }
        match buf.iter().position(|b| *b == b'\n') {
            Some(i) => {
                input.consume(i + 1);
                return Ok(skipped + i as u64 + 1);
            }
            None => {
                let n = buf.len();
                input.consume(n);
                skipped += n as u64;
            }
        }
    }
}

fn write_chunks(mut sink: Sink, rx: &mpsc::Receiver<Vec<Vec<u8>>>) -> io::Result<Sink> {
    for groups in rx {
        for text in groups {
            sink.writer().write_all(&text)?;
        }
    }
    Ok(sink)
}

/// Appends one output line, line ending included, to `out`; says whether
/// it is an error line. A result half-written when its line failed (or
/// panicked) is cut off before the error line is written.
fn line_output(job: &Job, n: u64, bytes: &[u8], out: &mut Vec<u8>) -> bool {
    let start = out.len();
    match guarded(|| with_tree(job, |tree| evaluate_line(tree, job.date, n, bytes, out))) {
        Ok(()) => false,
        Err(message) => {
            out.truncate(start);
            error_line(n, &message, out);
            true
        }
    }
}

fn error_line(n: u64, message: &str, out: &mut Vec<u8>) {
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

/// Runs `f`, turning a panic into this line's error: one line's bug must
/// not lose the others. The thread's tree may be left half-updated by the
/// panic, so it is dropped and loaded afresh for the next line.
fn guarded<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            TREE.with(|t| {
                if let Ok(mut slot) = t.try_borrow_mut() {
                    *slot = None;
                }
            });
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".to_string());
            let at = PANICKED_AT
                .with(|p| p.try_borrow_mut().ok().and_then(|mut p| p.take()))
                .map(|at| format!(" (at {at})"))
                .unwrap_or_default();
            Err(format!(
                "internal error while evaluating this line: {what}{at}; please report it"
            ))
        }
    }
}

/// Runs `f` with this worker's tree, loading it first if this thread has
/// none for this run.
fn with_tree<T>(job: &Job, f: impl FnOnce(&RuleTree) -> Result<T, String>) -> Result<T, String> {
    TREE.with(|t| {
        let Ok(mut slot) = t.try_borrow_mut() else {
            return Err("internal error: the worker's rules are in use".to_string());
        };
        let current = matches!(&*slot, Some((run, _)) if *run == job.run);
        if !current {
            // Drop a stale tree before loading, not to hold two at once.
            *slot = None;
            let loaded = load_with(job.files.as_ref().clone(), &job.label, Golden::Skip);
            match loaded.tree {
                Some(tree) => *slot = Some((job.run, tree)),
                // The same files loaded on the main thread, so this is
                // not the rules' fault.
                None => return Err("internal error: the rules did not load again".to_string()),
            }
        }
        match &*slot {
            Some((_, tree)) => f(tree),
            None => Err("internal error: the rules did not load again".to_string()),
        }
    })
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
    if text == tests::PANIC_PROBE {
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

type Input = Box<dyn BufRead + Send>;

/// The input and, for a file, its size for the progress bar.
fn open_input(path: Option<&Path>) -> io::Result<(Input, Option<u64>)> {
    match path {
        Some(p) if p.as_os_str() != "-" => {
            let file = File::open(p)?;
            let meta = file.metadata()?;
            if meta.is_dir() {
                return Err(io::Error::other("it is a directory"));
            }
            let size = meta.is_file().then_some(meta.len());
            Ok((Box::new(BufReader::with_capacity(1 << 16, file)), size))
        }
        _ => Ok((
            Box::new(BufReader::with_capacity(1 << 16, io::stdin())),
            None,
        )),
    }
}

/// Where results go: standard output, or a temporary file beside the
/// output that is renamed to it only when complete, so an interrupted or
/// failed run never leaves a truncated file that looks finished
/// (`output_file`). An output
/// that exists and is not a regular file (`/dev/null`, a named pipe, a
/// terminal) is written to directly: renaming a file over it would replace
/// the device or pipe with a plain file.
enum Sink {
    Stdout(BufWriter<io::Stdout>),
    File(OutputFile),
    Special(BufWriter<File>),
}

impl Sink {
    fn open(output: Option<&Path>) -> Result<Sink, String> {
        match output {
            Some(p) if p.as_os_str() != "-" => match std::fs::metadata(p) {
                Ok(m) if !m.is_file() && !m.is_dir() => File::options()
                    .write(true)
                    .open(p)
                    .map(|f| Sink::Special(BufWriter::with_capacity(1 << 16, f)))
                    .map_err(|e| format!("cannot write `{}`: {e}", p.display())),
                _ => OutputFile::create(p).map(Sink::File),
            },
            _ => Ok(Sink::Stdout(BufWriter::with_capacity(
                1 << 16,
                io::stdout(),
            ))),
        }
    }

    fn writer(&mut self) -> &mut dyn Write {
        match self {
            Sink::Stdout(w) => w,
            Sink::File(t) => t.writer(),
            Sink::Special(w) => w,
        }
    }

    fn finish(self) -> io::Result<()> {
        match self {
            Sink::Stdout(mut w) => w.flush(),
            Sink::File(t) => t.persist(),
            Sink::Special(mut w) => w.flush(),
        }
    }
}

/// A bar (for a file, by bytes read) or a spinner (for standard input) on
/// a terminal; nothing at all when stderr is a pipe or a file.
fn progress_bar(size: Option<u64>) -> ProgressBar {
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

type Hook = Box<dyn Fn(&PanicHookInfo<'_>) + Sync + Send + 'static>;

/// While a run lasts, a worker's panic is recorded (where it happened)
/// instead of printed: it becomes that line's error, and a bug hit on
/// every line must not flood stderr. Panics elsewhere print as before.
struct QuietPanics {
    previous: Arc<Hook>,
}

impl QuietPanics {
    fn install() -> QuietPanics {
        let previous: Arc<Hook> = Arc::new(panic::take_hook());
        let forward = Arc::clone(&previous);
        panic::set_hook(Box::new(move |info| {
            let worker = thread::current()
                .name()
                .is_some_and(|n| n.starts_with(WORKER));
            if worker {
                let at = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()));
                PANICKED_AT.with(|p| {
                    if let Ok(mut p) = p.try_borrow_mut() {
                        *p = at;
                    }
                });
            } else {
                forward(info);
            }
        }));
        QuietPanics { previous }
    }
}

impl Drop for QuietPanics {
    fn drop(&mut self) {
        let previous = Arc::clone(&self.previous);
        drop(panic::take_hook());
        panic::set_hook(Box::new(move |info| previous(info)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line `evaluate_line` panics on, in tests only.
    pub(super) const PANIC_PROBE: &str = "{\"panic\": \"probe\"}";

    #[test]
    fn a_panic_on_one_line_of_a_run_becomes_its_error_and_no_other_line_is_lost() {
        let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
        let (files, _) = inforce_engine::read_dir(&rules);
        let job = Job {
            run: RUN.fetch_add(1, Ordering::Relaxed) + 1,
            files: Arc::new(files),
            label: "rules".to_string(),
            date: None,
        };
        let case = r#"{"id": "c", "date": "2010-08-01", "person": {"citizenship": "KZ"}}"#;
        // More lines than a chunk, with the probe in the middle of several
        // chunks and garbage around it.
        let mut lines = Vec::new();
        for i in 0..3000 {
            lines.push(match i % 700 {
                350 => PANIC_PROBE.to_string(),
                351 => "not json".to_string(),
                _ => case.replace("\"c\"", &format!("\"c{i}\"")),
            });
        }
        let input: Input = Box::new(io::Cursor::new(lines.join("\n").into_bytes()));
        let dir = std::env::temp_dir().join(format!("inforce-panic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("out.jsonl");
        let sink = Sink::open(Some(&out)).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .thread_name(|i| format!("{WORKER}{i}"))
            .build()
            .unwrap();
        let _quiet = QuietPanics::install();
        let ran = pipeline(&job, &pool, input, sink, 1024, &ProgressBar::hidden())
            .unwrap_or_else(|_| panic!("the run stopped"));
        assert_eq!(ran.cases, 3000);
        assert_eq!(ran.errors, 2 * 4);
        let written = std::fs::read_to_string(&out).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let written: Vec<serde_json::Value> = written
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(written.len(), 3000);
        for (i, line) in written.iter().enumerate() {
            match i % 700 {
                350 => {
                    assert_eq!(line["line"], i + 1);
                    let error = line["error"].as_str().unwrap();
                    assert!(
                        error.starts_with(
                            "internal error while evaluating this line: the test's probe line"
                        ),
                        "{error}"
                    );
                }
                351 => assert_eq!(line["line"], i + 1),
                _ => assert_eq!(line["case"], format!("c{i}"), "line {}", i + 1),
            }
        }
    }

    #[test]
    fn a_panic_becomes_the_error_of_its_line_and_the_tree_is_dropped() {
        let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
        let (files, _) = inforce_engine::read_dir(&rules);
        let job = Job {
            run: u64::MAX,
            files: Arc::new(files),
            label: "rules".to_string(),
            date: None,
        };
        let ok = guarded(|| with_tree(&job, |_| Ok("fine".to_string())));
        assert_eq!(ok.unwrap(), "fine");
        assert!(TREE.with(|t| t.borrow().is_some()));
        let err = guarded::<String>(|| with_tree(&job, |_| panic!("boom"))).unwrap_err();
        assert!(
            err.starts_with("internal error while evaluating this line: boom"),
            "{err}"
        );
        assert!(TREE.with(|t| t.borrow().is_none()));
        let again = guarded(|| with_tree(&job, |_| Ok("fine again".to_string())));
        assert_eq!(again.unwrap(), "fine again");
    }

    #[test]
    fn a_line_longer_than_the_limit_is_skipped_without_being_kept() {
        let mut text = b"{}\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', MAX_LINE + 10));
        text.extend(b"\r\n\n{\"a\": 1}");
        let mut input = io::Cursor::new(text);
        let chunk = read_chunk(&mut input, 1, 100).unwrap();
        assert_eq!(chunk.lines.len(), 4);
        assert!(matches!(chunk.lines[1], Slot::TooLong));
        let texts: Vec<&[u8]> = chunk
            .lines
            .iter()
            .filter_map(|s| match s {
                Slot::Line(r) => Some(&chunk.data[r.clone()]),
                Slot::TooLong => None,
            })
            .collect();
        assert_eq!(texts, vec![&b"{}"[..], b"", b"{\"a\": 1}"]);
        assert!(chunk.data.len() < 100);
    }

    #[test]
    fn chunks_split_the_input_at_the_line_count() {
        let text = "1\n2\n3\n4\n5\n";
        let mut input = io::Cursor::new(text.as_bytes());
        let a = read_chunk(&mut input, 1, 2).unwrap();
        let b = read_chunk(&mut input, 3, 2).unwrap();
        let c = read_chunk(&mut input, 5, 2).unwrap();
        let d = read_chunk(&mut input, 6, 2).unwrap();
        assert_eq!(
            (a.lines.len(), b.lines.len(), c.lines.len(), d.lines.len()),
            (2, 2, 1, 0)
        );
        assert_eq!(a.bytes + b.bytes + c.bytes, text.len() as u64);
    }
}
