//! `batch` with a columnar side: Parquet or CSV results (from JSON Lines
//! or Parquet cases), or JSON Lines results from Parquet cases. Chosen by
//! `--format` / `--input-format` or the files' extensions. The same
//! contract as JSON Lines: one row per input row, in order, a bad row an
//! error in the `error` column (or an error line) while the run goes on,
//! the output written whole or not at all, exit 1 when some rows are
//! errors. Memory stays bounded: cases are read, evaluated and written a
//! chunk at a time, Parquet results a row group at a time. Not here: the
//! layouts, reading columns and building them (`inforce-columnar`), the
//! JSON Lines to JSON Lines run (`pipeline`).

use std::fs::File;
use std::io::{self, Write};
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Instant;

use chrono::NaiveDate;
use indicatif::ProgressBar;
use inforce_columnar::{
    BatchCases, CaseReader, CsvRows, PageGroup, PageLayout, ParquetCases, RecordBatch, ResultFile,
    ResultPages,
};
use inforce_engine::lines::{LineFormat, OutcomeSelection, evaluate_case_memo, read_case_line};
use inforce_engine::memo::Memo;
use inforce_engine::verdict::{CaseVerdict, verdict_by};
use inforce_engine::{Case, RuleTree};

use super::chunks::{self, MAX_LINE};
use super::panics::{QuietPanics, guarded, worker_pool};
use super::pipeline::{self, InOrder, Ran, Stop};
use super::spare::Spares;
use super::streams::{Input, Sink, open_input};
use super::tasks::spread;
use super::{Args, progress};
use crate::exit::{Failure, Outcome};

/// The format of the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutFormat {
    Jsonl,
    Parquet,
    Csv,
}

/// The format of the cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InFormat {
    Jsonl,
    Parquet,
}

pub(super) fn parse_out_format(s: &str) -> Result<OutFormat, String> {
    match s {
        "jsonl" => Ok(OutFormat::Jsonl),
        "parquet" => Ok(OutFormat::Parquet),
        "csv" => Ok(OutFormat::Csv),
        other => Err(format!(
            "`{other}` is not a results format: give `jsonl`, `parquet` or `csv`"
        )),
    }
}

pub(super) fn parse_in_format(s: &str) -> Result<InFormat, String> {
    match s {
        "jsonl" => Ok(InFormat::Jsonl),
        "parquet" => Ok(InFormat::Parquet),
        other => Err(format!(
            "`{other}` is not a cases format: give `jsonl` or `parquet`"
        )),
    }
}

fn extension(path: Option<&Path>) -> Option<String> {
    path.filter(|p| p.as_os_str() != "-")
        .and_then(Path::extension)
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
}

/// The formats of a run: as given, else by the files' extensions
/// (`.parquet`, `.csv`); standard input and output are JSON Lines unless
/// told. `None`: JSON Lines both ways, `pipeline`'s run.
pub(super) fn formats(args: &Args) -> Option<(InFormat, OutFormat)> {
    let input = args
        .input_format
        .unwrap_or(match extension(args.input.as_deref()).as_deref() {
            Some("parquet") => InFormat::Parquet,
            _ => InFormat::Jsonl,
        });
    let output = args
        .format
        .unwrap_or(match extension(args.output.as_deref()).as_deref() {
            Some("parquet") => OutFormat::Parquet,
            Some("csv") => OutFormat::Csv,
            _ => OutFormat::Jsonl,
        });
    (input != InFormat::Jsonl || output != OutFormat::Jsonl).then_some((input, output))
}

/// Rows per chunk read, evaluated and handed to the writer, for CSV
/// results (a kilobyte of text a row while in flight).
const CHUNK_ROWS: usize = 4_096;
/// Rows per chunk for Parquet results: a row of encoded pages takes some
/// fifty bytes, so what stays in flight is mostly the cases read, some
/// 4 MB of JSON Lines a chunk (`in_flight` of them evaluated at once, one
/// more read ahead). Each worker's task is a data page of every column: a
/// quarter of a chunk, some 1,500 rows, so that a page's header and
/// dictionary width cost little a row.
const PAGE_CHUNK_ROWS: usize = 6_144;
/// Rows per chunk for JSON Lines results of Parquet cases: a full result
/// line is some 7 kB, and about three chunks are in flight at once, so
/// columnar chunks would hold some 180 MB of lines.
const LINE_CHUNK_ROWS: usize = 2_048;

/// Rows per chunk for results in `format`.
fn chunk_rows(format: OutFormat) -> usize {
    match format {
        OutFormat::Jsonl => LINE_CHUNK_ROWS,
        OutFormat::Parquet => PAGE_CHUNK_ROWS,
        OutFormat::Csv => CHUNK_ROWS,
    }
}
/// Rows per task given to a worker, whose results make one page of each
/// column (or one buffer of text): large enough that writing a task's
/// results costs little per row, small enough to share a chunk among the
/// workers.
const GROUP_ROWS: usize = 4_096;

/// The run, once the rules and the outcomes kept are known: `legend` is
/// where a compact JSON Lines run writes its legend.
pub(super) fn run(
    args: &Args,
    tree: &RuleTree,
    outcomes: Option<OutcomeSelection>,
    legend: Option<&Path>,
    (in_format, out_format): (InFormat, OutFormat),
    input_name: &str,
) -> Outcome {
    let source = match in_format {
        InFormat::Jsonl => {
            let (input, size) = open_input(args.input.as_deref()).map_err(|e| {
                crate::errln!("cannot read `{input_name}`: {e}");
                Failure::BadInput
            })?;
            Source::Lines(input, size)
        }
        InFormat::Parquet => {
            let Some(path) = args.input.as_deref().filter(|p| p.as_os_str() != "-") else {
                crate::errln!(
                    "Parquet cases cannot come from standard input (a Parquet file is read from its end): name the file"
                );
                return Err(Failure::BadInput);
            };
            let file = File::open(path)
                .map_err(|e| e.to_string())
                .and_then(|f| ParquetCases::open(f, chunk_rows(out_format)));
            let file = file.map_err(|e| {
                crate::errln!("cannot read `{input_name}`: {e}");
                Failure::BadInput
            })?;
            // Checked before any row is read: a column that is no fact is
            // an error of the whole file, as an unknown fact is.
            if let Err(e) = CaseReader::new(tree, &file.schema()) {
                crate::errln!("cannot read `{input_name}`: {e}");
                return Err(Failure::BadInput);
            }
            Source::Parquet(file)
        }
    };
    let sink = Sink::open_for_run(args.output.as_deref())?;
    let written = Arc::new(AtomicU64::new(0));
    let out = Counting {
        sink,
        bytes: Arc::clone(&written),
    };
    let layout = match out_format {
        OutFormat::Parquet => match PageLayout::new(tree, outcomes.as_ref()) {
            Ok(layout) => Some(layout),
            Err(e) => {
                crate::errln!("{e}");
                return Err(Failure::Internal);
            }
        },
        _ => None,
    };
    let writer = match &layout {
        Some(layout) => match ResultFile::new(out, tree, layout) {
            Ok(w) => Writer::Parquet(Box::new(w)),
            Err(e) => {
                crate::errln!("{e}");
                return Err(Failure::Internal);
            }
        },
        None if out_format == OutFormat::Csv => {
            // The header row, then the rows as the workers wrote them.
            let mut out = out;
            let header = CsvRows::header(tree, outcomes.as_ref());
            if let Err(e) = header.and_then(|h| out.write_all(&h)) {
                crate::errln!("cannot write the output: {e}");
                return Err(Failure::Output);
            }
            Writer::Text(out)
        }
        None => Writer::Text(out),
    };
    let pool = worker_pool(args.jobs)?;
    let room = match out_format {
        OutFormat::Jsonl => super::memo_room(args.shape),
        OutFormat::Parquet | OutFormat::Csv => super::COLUMNAR_MEMO_ROOM,
    };
    let job = Job {
        tree,
        date: args.date,
        memo: Memo::with_room(tree, outcomes.clone(), room),
        layout,
        pages: Mutex::new(Vec::new()),
        format: LineFormat {
            shape: args.shape,
            outcomes,
        },
        out: out_format,
    };
    let _quiet = QuietPanics::install();
    let progress = progress::bar(source.size());
    let started = Instant::now();
    let ran = run_chunks(&job, &pool, source, writer, &progress, &written);
    progress.finish_and_clear();
    let end = super::RunEnd {
        tree,
        legend: if out_format == OutFormat::Jsonl {
            legend
        } else {
            None
        },
        input_name,
        output: args.output.as_deref(),
        unit: "row",
        seconds: started.elapsed().as_secs_f64(),
    };
    end.report(ran)
}

/// What every worker needs; shared read-only.
struct Job<'t> {
    tree: &'t RuleTree,
    date: Option<NaiveDate>,
    /// The shape of JSON Lines results, and the outcomes kept (for every
    /// format).
    format: LineFormat,
    /// The results' format: record batches for Parquet, rows of text
    /// for CSV, lines for JSON Lines.
    out: OutFormat,
    /// The ways cases went, shared by the workers (made with `format`'s
    /// outcomes).
    memo: Memo<'t>,
    /// Parquet results' columns (with `format`'s outcomes).
    layout: Option<Arc<PageLayout>>,
    /// Pages between tasks, a few (one a worker at most in use), each
    /// taken by a task and given back: they keep their room and the
    /// shapes of the ways they have seen, which a new one would make
    /// again (rayon's `map_init` made one a task).
    pages: Mutex<Vec<ResultPages>>,
}

impl Job<'_> {
    /// The outcomes kept; `None`: all.
    fn outcomes(&self) -> Option<&OutcomeSelection> {
        self.format.outcomes.as_ref()
    }
}

enum Source {
    Lines(Input, Option<u64>),
    Parquet(ParquetCases),
}

impl Source {
    /// What the progress bar counts to: bytes of JSON Lines, rows of Parquet.
    fn size(&self) -> Option<u64> {
        match self {
            Source::Lines(_, size) => *size,
            Source::Parquet(p) => Some(p.rows()),
        }
    }
}

/// A chunk of cases, the first numbered `first` (from 1).
enum Chunk {
    Lines(chunks::Chunk),
    Batch { first: u64, batch: RecordBatch },
}

impl Chunk {
    fn rows(&self) -> usize {
        match self {
            Chunk::Lines(lines) => lines.len(),
            Chunk::Batch { batch, .. } => batch.num_rows(),
        }
    }

    /// What the progress bar counts: bytes of input, or rows.
    fn consumed(&self) -> u64 {
        match self {
            Chunk::Lines(lines) => lines.bytes(),
            Chunk::Batch { batch, .. } => batch.num_rows() as u64,
        }
    }
}

/// One group's results: a page of every Parquet column, or text (JSON
/// lines, CSV rows) in one buffer.
enum Piece {
    Pages(PageGroup),
    Text(Vec<u8>),
    /// Results that could not be put together (a bug): the run fails
    /// rather than pass silently.
    Broken(String),
}

enum Writer {
    Parquet(Box<ResultFile<Counting>>),
    /// JSON lines, or CSV rows after their header.
    Text(Counting),
}

impl Writer {
    fn write(&mut self, piece: Piece) -> io::Result<()> {
        match (self, piece) {
            (Writer::Parquet(w), Piece::Pages(pages)) => w.write(pages),
            (Writer::Text(w), Piece::Text(text)) => w.write_all(&text),
            (_, Piece::Broken(e)) => Err(io::Error::other(format!(
                "cannot build the results: {e}; please report it"
            ))),
            _ => Err(io::Error::other(
                "results of another format than the output's",
            )),
        }
    }

    fn finish(self) -> io::Result<()> {
        let out = match self {
            Writer::Parquet(w) => w.finish()?,
            Writer::Text(w) => w,
        };
        out.sink.finish()
    }
}

/// The output, counting the bytes written for the progress bar and the
/// summary.
struct Counting {
    sink: Sink,
    bytes: Arc<AtomicU64>,
}

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.sink.writer().write(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.sink.writer().flush()
    }
}

/// Reads, evaluates and writes at once, as `pipeline` does: a reader
/// thread reads the next chunk while the pool evaluates the chunks out
/// (`in_flight` at most), each as a task of its own, and a writer thread
/// writes their results in the order of the input. A worker done with its
/// share of one chunk starts on the next: evaluated one chunk at a time,
/// the two workers of this machine waited for each other at the end of
/// every chunk, some 7% of a Parquet run (docs/performance.md, issue 14,
/// tenth round).
fn run_chunks(
    job: &Job<'_>,
    pool: &rayon::ThreadPool,
    source: Source,
    writer: Writer,
    progress: &ProgressBar,
    written: &Arc<AtomicU64>,
) -> Result<Ran, Stop> {
    let (chunk_tx, chunk_rx) = mpsc::sync_channel::<Result<Chunk, String>>(1);
    let (done_tx, done_rx) = mpsc::channel::<Done>();
    // A token for each chunk that may be out; the writer hands one back
    // for each chunk it has written (or dropped, having stopped).
    let in_flight = in_flight(job.out);
    let (token_tx, token_rx) = mpsc::sync_channel::<()>(in_flight);
    for _ in 0..in_flight {
        let _ = token_tx.send(());
    }
    let schema = match &source {
        Source::Parquet(p) => Some(p.schema()),
        Source::Lines(..) => None,
    };
    let rows = chunk_rows(job.out);
    let spares = Arc::new(Spares::new(pipeline::SPARE_CHUNKS));
    let reading = Arc::clone(&spares);
    let reader = thread::Builder::new()
        .name("inforce-reader".to_string())
        .spawn(move || read_chunks(source, rows, &chunk_tx, &reading));
    if let Err(e) = reader {
        return Err(Stop::Internal(format!("cannot start the reader: {e}")));
    }
    let shown = (progress.clone(), Arc::clone(written));
    let writer = thread::Builder::new()
        .name("inforce-writer".to_string())
        .spawn(move || write_in_order(writer, &done_rx, &token_tx, &shown));
    let writer = match writer {
        Ok(w) => w,
        Err(e) => return Err(Stop::Internal(format!("cannot start the writer: {e}"))),
    };
    let columns = match &schema {
        Some(s) => match CaseReader::new(job.tree, s) {
            Ok(r) => Some(r),
            Err(e) => return Err(Stop::Internal(e)),
        },
        None => None,
    };
    let mut read_error = None;
    let spares = &*spares;
    pool.in_place_scope(|scope| {
        // A token first, then a chunk: a chunk taken while waiting for a
        // token would be one more held in memory.
        let mut seq = 0;
        // No token: the writer stopped (on an error it reports).
        while token_rx.recv().is_ok() {
            let chunk = match chunk_rx.recv() {
                Ok(Ok(c)) => c,
                Ok(Err(error)) => {
                    read_error = Some(error);
                    break;
                }
                // The reader is done.
                Err(_) => break,
            };
            seq += 1;
            let this = seq - 1;
            // Each group of the chunk a task of its own (`tasks`), the
            // chunk handed to the writer by the last one done.
            let groups = groups_of(chunk.rows());
            let done = done_tx.clone();
            let columns = columns.as_ref();
            spread(
                scope,
                chunk,
                groups.len(),
                move |chunk: &Chunk, g| {
                    let rows = groups.get(g).cloned().unwrap_or_default();
                    evaluate_rows(job, chunk, rows, columns)
                },
                move |chunk: &Chunk, results: Vec<Result<(Piece, u64), String>>| {
                    // A writer that stopped takes nothing more.
                    let _ = done.send(Done {
                        seq: this,
                        rows: chunk.rows() as u64,
                        consumed: chunk.consumed(),
                        pieces: results.into_iter().collect(),
                    });
                },
                move |chunk: Chunk| {
                    if let Chunk::Lines(lines) = chunk {
                        spares.give(lines);
                    }
                },
            );
        }
        drop(done_tx);
    });
    let Ok((writer, mut ran)) = writer.join() else {
        return Err(Stop::Internal(
            "the writer of the results stopped unexpectedly".to_string(),
        ));
    };
    ran.bytes = written.load(Ordering::Relaxed);
    let writer = match writer {
        Ok(w) => w,
        Err(Halt::Output(error)) => return Err(Stop::Output { error, ran }),
        Err(Halt::Input(error)) => {
            read_error = Some(error);
            None
        }
    };
    if let Some(error) = read_error {
        // The output is dropped unfinished: a temporary file goes.
        drop(writer);
        return Err(Stop::Input {
            after: ran.cases,
            error: io::Error::other(error),
            ran,
        });
    }
    let Some(writer) = writer else {
        return Err(Stop::Internal(
            "the writer of the results stopped unexpectedly".to_string(),
        ));
    };
    let finished = writer.finish();
    // Counted once the file is finished: Parquet writes its last row
    // group and footer then.
    ran.bytes = written.load(Ordering::Relaxed);
    match finished {
        Ok(()) => Ok(ran),
        Err(error) => Err(Stop::Output { error, ran }),
    }
}

/// Chunks out at once, being evaluated or evaluated and waiting to be
/// written, for results in `format`. Two let a worker go on to the next
/// chunk; each more holds another chunk of cases read (up to
/// `CHUNK_BYTES`) and its results in memory. With two, a worker done with
/// the second chunk while the first's last task still ran had nothing to
/// take until that task ended and the first chunk was written (its token
/// comes back only then): the two cores stood idle some 9% of a Parquet
/// run. A third chunk cut that by about a third, for some 6 MB more at
/// the peak (docs/performance.md, issue 14, fifteenth round). JSON Lines
/// results (of Parquet cases) keep two: a chunk of full lines is some
/// 14 MB, and a third took the peak from 118 to 151 MB.
fn in_flight(format: OutFormat) -> usize {
    match format {
        OutFormat::Parquet | OutFormat::Csv => 3,
        OutFormat::Jsonl => 2,
    }
}

/// A chunk's results, by its place in the input.
struct Done {
    seq: u64,
    rows: u64,
    /// What the progress bar counts: bytes of input, or rows.
    consumed: u64,
    pieces: Result<Vec<(Piece, u64)>, String>,
}

/// Why the writer stopped before the end.
enum Halt {
    /// The cases of a chunk could not be read.
    Input(String),
    Output(io::Error),
}

/// Writes evaluated chunks in the order of the input as they come, a
/// token back for each; stops at the first chunk whose cases could not be
/// read or whose results could not be written. The writer back (`None`
/// where the run stopped on its input, as its output is then dropped),
/// with the counts of what it wrote.
fn write_in_order(
    mut writer: Writer,
    done: &mpsc::Receiver<Done>,
    tokens: &mpsc::SyncSender<()>,
    (progress, written): &(ProgressBar, Arc<AtomicU64>),
) -> (Result<Option<Writer>, Halt>, Ran) {
    let mut ran = Ran::default();
    let mut consumed = 0;
    let mut order = InOrder::default();
    for chunk in done {
        let handed = order.add(chunk.seq, chunk, |chunk| {
            let pieces = chunk.pieces.map_err(Halt::Input)?;
            ran.cases += chunk.rows;
            for (piece, errors) in pieces {
                ran.errors += errors;
                writer.write(piece).map_err(Halt::Output)?;
            }
            consumed += chunk.consumed;
            let bytes = written.load(Ordering::Relaxed);
            progress::show(progress, consumed, ran.cases, ran.errors, bytes);
            let _ = tokens.send(());
            Ok(())
        });
        if let Err(halt) = handed {
            return (Err(halt), ran);
        }
    }
    (Ok(Some(writer)), ran)
}

/// A chunk of `rows` rows in groups, one task each: at least four, so
/// that the workers share it evenly (and go on to the next chunk where
/// they do not).
fn groups_of(rows: usize) -> Vec<Range<usize>> {
    let size = GROUP_ROWS.min(rows.div_ceil(4)).max(1);
    (0..rows)
        .step_by(size)
        .map(|s| s..(s + size).min(rows))
        .collect()
}

/// The results of one group of a chunk's rows, with its count of error
/// rows; `Err` where the chunk's cases cannot be read at all.
fn evaluate_rows(
    job: &Job<'_>,
    chunk: &Chunk,
    g: Range<usize>,
    columns: Option<&CaseReader<'_>>,
) -> Result<(Piece, u64), String> {
    match chunk {
        Chunk::Lines(lines) => Ok(emit(
            job,
            lines.first() + g.start as u64,
            g.len(),
            |i, n| match lines.line(g.start + i) {
                Some(bytes) => line_case(job, n, bytes),
                None => Err(format!(
                    "the line is longer than {} MiB; a case fits on far fewer",
                    MAX_LINE >> 20
                )),
            },
        )),
        Chunk::Batch { first, batch } => {
            let Some(reader) = columns else {
                return Err("no columns to read the cases with".to_string());
            };
            // The batch's arrays looked at by each group: a few dozen
            // columns, not worth sharing across tasks.
            let cases = reader.batch(batch)?;
            Ok(emit(job, *first + g.start as u64, g.len(), |i, n| {
                row_case(job, &cases, g.start + i, n)
            }))
        }
    }
}

/// Input line `n` read as a case, with the date to evaluate it on.
fn line_case(job: &Job<'_>, n: u64, bytes: &[u8]) -> Result<(Case, NaiveDate), String> {
    read_case_line(job.tree, job.date, n, bytes)
}

/// Row `row` of a batch of cases, input row `n`, as a case with the date
/// to evaluate it on.
fn row_case(
    job: &Job<'_>,
    cases: &BatchCases<'_>,
    row: usize,
    n: u64,
) -> Result<(Case, NaiveDate), String> {
    let case = cases.case_or(row, || format!("line-{n}"))?;
    let date = case.date_on(job.date).map_err(|e| e.one_line())?;
    Ok((case, date))
}

/// The results of `count` rows, the first numbered `first`, each read as
/// a case by `case(i, n)` and evaluated (each step guarded against a
/// panic), as the output's piece with its count of error rows. Each row
/// is written from the case's verdict by number (only the kept outcomes
/// decided): no `EvalResult` is built.
fn emit(
    job: &Job<'_>,
    first: u64,
    count: usize,
    case: impl Fn(usize, u64) -> Result<(Case, NaiveDate), String>,
) -> (Piece, u64) {
    let rows = u64::try_from(count).unwrap_or(u64::MAX);
    match (job.out, &job.layout) {
        (OutFormat::Parquet, Some(layout)) => {
            let mut out = job
                .pages
                .lock()
                .ok()
                .and_then(|mut pool| pool.pop())
                .unwrap_or_else(|| ResultPages::with_capacity(layout, count));
            let before = out.errors();
            each_verdict(job, first, count, &case, |n, verdict| match verdict {
                Ok(v) => out.append_verdict(n, v),
                Err(message) => out.append_error_row(n, message),
            });
            let errors = out.errors().saturating_sub(before);
            match out.finish() {
                Ok(pages) => {
                    if let Ok(mut pool) = job.pages.lock() {
                        pool.push(out);
                    }
                    (Piece::Pages(pages), errors)
                }
                // A page too large to count its values: the pages, half
                // finished, are not used again.
                Err(e) => (Piece::Broken(e), rows),
            }
        }
        (OutFormat::Parquet, None) => (
            Piece::Broken("Parquet results without their layout".to_string()),
            rows,
        ),
        (OutFormat::Csv, _) => {
            // Some 1 kB of text a row.
            let mut out = CsvRows::new(job.tree, job.outcomes(), count.saturating_mul(1024));
            each_verdict(job, first, count, &case, |n, verdict| match verdict {
                Ok(v) => out.append_verdict(n, v),
                Err(message) => out.append_error_row(n, message),
            });
            let errors = out.errors();
            (Piece::Text(out.finish()), errors)
        }
        (OutFormat::Jsonl, _) => {
            let mut errors = 0;
            let mut out = Vec::with_capacity(count.saturating_mul(1024));
            for i in 0..count {
                let n = first + i as u64;
                let start = out.len();
                let written = guarded(|| {
                    let (case, date) = case(i, n)?;
                    // Written from the verdict, as `pipeline` writes a line.
                    evaluate_case_memo(&job.memo, &case, date, job.format.shape, &mut out)
                });
                if let Err(message) = written {
                    out.truncate(start);
                    inforce_engine::lines::error_line(n, &message, &mut out);
                    errors += 1;
                }
            }
            (Piece::Text(out), errors)
        }
    }
}

/// Each of `count` rows, the first numbered `first`, read as a case by
/// `case(i, n)` and decided, handed to `row` as its verdict or the
/// message of its error row. Reading and deciding are guarded against a
/// panic each; `row` runs outside the guards, so that a panic never
/// leaves a row half appended. The case outlives its verdict, which
/// borrows it.
fn each_verdict(
    job: &Job<'_>,
    first: u64,
    count: usize,
    case: &impl Fn(usize, u64) -> Result<(Case, NaiveDate), String>,
    mut row: impl FnMut(u64, Result<&CaseVerdict<'_>, &str>),
) {
    for i in 0..count {
        let n = first + i as u64;
        match guarded(|| case(i, n)) {
            Ok((case, date)) => match guarded(|| verdict_by(&job.memo, &case, date)) {
                Ok(v) => row(n, Ok(&v)),
                Err(message) => row(n, Err(&message)),
            },
            Err(message) => row(n, Err(&message)),
        }
    }
}

fn read_chunks(
    source: Source,
    rows: usize,
    tx: &mpsc::SyncSender<Result<Chunk, String>>,
    spares: &Spares<chunks::Chunk>,
) {
    match source {
        Source::Parquet(file) => {
            let mut first = 1;
            for batch in file {
                let chunk = batch.map(|batch| {
                    let c = Chunk::Batch { first, batch };
                    first += c.rows() as u64;
                    c
                });
                let last = chunk.is_err();
                if tx.send(chunk).is_err() || last {
                    return;
                }
            }
        }
        Source::Lines(input, _) => {
            chunks::ChunkReader::new(input).send_all(rows, spares, |chunk| {
                let chunk = chunk.map(Chunk::Lines).map_err(|e| e.to_string());
                tx.send(chunk).is_ok()
            });
        }
    }
}
