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
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

use chrono::NaiveDate;
use indicatif::ProgressBar;
use inforce_columnar::{
    BatchCases, CaseReader, CsvWriter, ParquetCases, ParquetOut, RecordBatch, ResultBuilder,
};
use inforce_engine::lines::{
    OutcomeSelection, Shape, evaluate_case_line_selected, evaluate_selected,
};
use inforce_engine::{EvalResult, RuleTree};
use rayon::prelude::*;

use super::panics::{QuietPanics, guarded, worker_pool};
use super::pipeline::{CHUNK_BYTES, MAX_LINE, Ran, Stop};
use super::streams::{Input, Sink, open_input};
use super::{Args, progress};
use crate::exit::{Failure, Outcome};
use crate::render;

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

/// Rows per chunk read, evaluated and handed to the writer, for columnar
/// results (a few kilobytes of memory a row while in flight).
const CHUNK_ROWS: usize = 8_192;
/// Rows per chunk for JSON Lines results of Parquet cases: a full result
/// line is some 7 kB, and about three chunks are in flight at once, so
/// columnar chunks would hold some 180 MB of lines.
const LINE_CHUNK_ROWS: usize = 2_048;
/// Rows per task given to a worker, whose results make one record batch
/// (or one buffer of lines): large enough that writing a batch costs
/// little per row, small enough to share a chunk among the workers.
const GROUP_ROWS: usize = 1_024;

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
            let file = File::open(path).map_err(|e| e.to_string()).and_then(|f| {
                let rows = if out_format == OutFormat::Jsonl {
                    LINE_CHUNK_ROWS
                } else {
                    CHUNK_ROWS
                };
                ParquetCases::open(f, rows)
            });
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
    let writer = match out_format {
        OutFormat::Parquet => match ParquetOut::new(out, tree, outcomes.as_ref()) {
            Ok(w) => Writer::Parquet(Box::new(w)),
            Err(e) => {
                crate::errln!("{e}");
                return Err(Failure::Internal);
            }
        },
        OutFormat::Csv => {
            let schema = inforce_columnar::result_schema(tree, outcomes.as_ref());
            match CsvWriter::new(out, &schema) {
                Ok(w) => Writer::Csv(Box::new(w)),
                Err(e) => {
                    crate::errln!("cannot write the output: {e}");
                    return Err(Failure::Output);
                }
            }
        }
        OutFormat::Jsonl => Writer::Lines(out),
    };
    let pool = worker_pool(args.jobs)?;
    let job = Job {
        tree,
        date: args.date,
        outcomes,
        shape: args.shape,
        columns: out_format != OutFormat::Jsonl,
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
    outcomes: Option<OutcomeSelection>,
    /// The shape of JSON Lines results.
    shape: Shape,
    /// Results as record batches (Parquet, CSV), else JSON lines.
    columns: bool,
}

impl Job<'_> {
    /// Whether results need their words: only full JSON lines show them.
    fn words(&self) -> bool {
        !self.columns && self.shape == Shape::Full
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
    Lines {
        first: u64,
        data: Vec<u8>,
        /// Each line's bytes in `data`; `None` for a line past `MAX_LINE`.
        lines: Vec<Option<Range<usize>>>,
        bytes: u64,
    },
    Batch {
        first: u64,
        batch: RecordBatch,
    },
}

impl Chunk {
    fn rows(&self) -> usize {
        match self {
            Chunk::Lines { lines, .. } => lines.len(),
            Chunk::Batch { batch, .. } => batch.num_rows(),
        }
    }
}

/// One group's results: a record batch, or JSON lines in one buffer.
enum Piece {
    Batch(RecordBatch),
    Lines(Vec<u8>),
}

enum Writer {
    Parquet(Box<ParquetOut<Counting>>),
    Csv(Box<CsvWriter<Counting>>),
    Lines(Counting),
}

impl Writer {
    fn write(&mut self, piece: &Piece) -> io::Result<()> {
        match (self, piece) {
            (Writer::Parquet(w), Piece::Batch(b)) => w.write(b),
            (Writer::Csv(w), Piece::Batch(b)) => w.write(b),
            (Writer::Lines(w), Piece::Lines(text)) => w.write_all(text),
            _ => Err(io::Error::other(
                "results of another format than the output's",
            )),
        }
    }

    fn finish(self) -> io::Result<()> {
        let out = match self {
            Writer::Parquet(w) => w.finish()?,
            Writer::Csv(w) => w.finish()?,
            Writer::Lines(w) => w,
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
/// thread reads the next chunk and a writer thread writes the previous
/// one while the pool evaluates the current one; the channels hold one
/// chunk each.
fn run_chunks(
    job: &Job<'_>,
    pool: &rayon::ThreadPool,
    source: Source,
    writer: Writer,
    progress: &ProgressBar,
    written: &AtomicU64,
) -> Result<Ran, Stop> {
    let (chunk_tx, chunk_rx) = mpsc::sync_channel::<Result<Chunk, String>>(1);
    let (out_tx, out_rx) = mpsc::sync_channel::<Vec<Piece>>(1);
    let schema = match &source {
        Source::Parquet(p) => Some(p.schema()),
        Source::Lines(..) => None,
    };
    let reader = thread::Builder::new()
        .name("inforce-reader".to_string())
        .spawn(move || read_chunks(source, &chunk_tx));
    if let Err(e) = reader {
        return Err(Stop::Internal(format!("cannot start the reader: {e}")));
    }
    let writer = thread::Builder::new()
        .name("inforce-writer".to_string())
        .spawn(move || -> io::Result<Writer> {
            let mut writer = writer;
            for pieces in out_rx {
                for piece in &pieces {
                    writer.write(piece)?;
                }
            }
            Ok(writer)
        });
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
    let mut ran = Ran::default();
    let mut stop = None;
    let mut consumed = 0;
    for message in chunk_rx {
        let chunk = match message {
            Ok(c) => c,
            Err(error) => {
                stop = Some(error);
                break;
            }
        };
        let pieces = match evaluate_chunk(job, pool, &chunk, columns.as_ref()) {
            Ok(p) => p,
            Err(error) => {
                stop = Some(error);
                break;
            }
        };
        ran.cases += chunk.rows() as u64;
        ran.errors += pieces.iter().map(|(_, e)| e).sum::<u64>();
        consumed += match &chunk {
            Chunk::Lines { bytes, .. } => *bytes,
            Chunk::Batch { batch, .. } => batch.num_rows() as u64,
        };
        progress.set_position(consumed);
        progress.set_message(format!(
            "{}, {}, {} written",
            render::count(ran.cases as usize, "case", "cases"),
            render::count(ran.errors as usize, "error", "errors"),
            render::bytes(written.load(Ordering::Relaxed))
        ));
        if out_tx
            .send(pieces.into_iter().map(|(p, _)| p).collect())
            .is_err()
        {
            break;
        }
    }
    drop(out_tx);
    let Ok(writer) = writer.join() else {
        return Err(Stop::Internal(
            "the writer of the results stopped unexpectedly".to_string(),
        ));
    };
    if let Some(error) = stop {
        // The output is dropped unfinished: a temporary file goes.
        drop(writer);
        ran.bytes = written.load(Ordering::Relaxed);
        return Err(Stop::Input {
            after: ran.cases,
            error: io::Error::other(error),
            ran,
        });
    }
    let finished = writer.and_then(Writer::finish);
    // Counted once the file is finished: Parquet writes its last row
    // group and footer then.
    ran.bytes = written.load(Ordering::Relaxed);
    match finished {
        Ok(()) => Ok(ran),
        Err(error) => Err(Stop::Output { error, ran }),
    }
}

/// A chunk's results, a group at a time in parallel, in order, each with
/// its count of error rows.
fn evaluate_chunk(
    job: &Job<'_>,
    pool: &rayon::ThreadPool,
    chunk: &Chunk,
    columns: Option<&CaseReader<'_>>,
) -> Result<Vec<(Piece, u64)>, String> {
    let rows = chunk.rows();
    // At least eight tasks a chunk, so that the workers share it evenly.
    let size = GROUP_ROWS.min(rows.div_ceil(8)).max(1);
    let groups: Vec<Range<usize>> = (0..rows)
        .step_by(size)
        .map(|s| s..(s + size).min(rows))
        .collect();
    match chunk {
        Chunk::Lines {
            first, data, lines, ..
        } => Ok(pool.install(|| {
            groups
                .par_iter()
                .map(|g| {
                    let slots = lines.get(g.clone()).unwrap_or_default();
                    emit(
                        job,
                        *first + g.start as u64,
                        slots.len(),
                        |i, n| match slots.get(i).cloned().flatten() {
                            Some(r) => line_result(job, n, data.get(r).unwrap_or_default()),
                            None => Err(format!(
                                "the line is longer than {} MiB; a case fits on far fewer",
                                MAX_LINE >> 20
                            )),
                        },
                    )
                })
                .collect()
        })),
        Chunk::Batch { first, batch } => {
            let Some(reader) = columns else {
                return Err("no columns to read the cases with".to_string());
            };
            let cases = reader.batch(batch)?;
            Ok(pool.install(|| {
                groups
                    .par_iter()
                    .map(|g| {
                        emit(job, *first + g.start as u64, g.len(), |i, n| {
                            row_result(job, &cases, g.start + i, n)
                        })
                    })
                    .collect()
            }))
        }
    }
}

/// Input line `n` evaluated; only full JSON lines carry words, every
/// other output names texts by id.
fn line_result(job: &Job<'_>, n: u64, bytes: &[u8]) -> Result<EvalResult, String> {
    evaluate_case_line_selected(
        job.tree,
        job.date,
        n,
        bytes,
        job.words(),
        job.outcomes.as_ref(),
    )
}

/// Row `row` of a batch of cases, input row `n`, evaluated.
fn row_result(
    job: &Job<'_>,
    cases: &BatchCases<'_>,
    row: usize,
    n: u64,
) -> Result<EvalResult, String> {
    let case = cases.case(row, &format!("line-{n}"))?;
    let date = case.date_on(job.date).map_err(|e| e.one_line())?;
    evaluate_selected(job.tree, &case, date, job.words(), job.outcomes.as_ref())
}

/// The results of `count` rows, the first numbered `first`, made by
/// `result(i, n)` (each guarded against a panic), as the output's piece.
fn emit(
    job: &Job<'_>,
    first: u64,
    count: usize,
    result: impl Fn(usize, u64) -> Result<EvalResult, String>,
) -> (Piece, u64) {
    let mut errors = 0;
    if job.columns {
        let mut out = ResultBuilder::with_capacity(job.tree, job.outcomes.as_ref(), count);
        for i in 0..count {
            let n = first + i as u64;
            out.append(n, &guarded(|| result(i, n)));
        }
        errors = out.errors();
        return match out.finish() {
            Ok(batch) => (Piece::Batch(batch), errors),
            // Cannot happen with the builder's own schema; should it, the
            // run must not pass silently.
            Err(e) => (
                Piece::Lines(e.into_bytes()),
                u64::try_from(count).unwrap_or(u64::MAX),
            ),
        };
    }
    let mut out = Vec::with_capacity(count.saturating_mul(1024));
    for i in 0..count {
        let n = first + i as u64;
        let start = out.len();
        let written = guarded(|| {
            // Decided for the kept outcomes only (`evaluate_selected`).
            let r = result(i, n)?;
            match job.shape {
                Shape::Full => inforce_engine::write_json(&r, &mut out),
                Shape::Compact => inforce_engine::lines::write_compact(&r, &mut out),
            }
            out.push(b'\n');
            Ok(())
        });
        if let Err(message) = written {
            out.truncate(start);
            inforce_engine::lines::error_line(n, &message, &mut out);
            errors += 1;
        }
    }
    (Piece::Lines(out), errors)
}

fn read_chunks(source: Source, tx: &mpsc::SyncSender<Result<Chunk, String>>) {
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
        Source::Lines(mut input, _) => {
            let mut first = 1;
            loop {
                let chunk = read_lines(&mut input, first);
                let last = match &chunk {
                    Ok(Chunk::Lines { lines, data, .. }) => {
                        lines.len() < CHUNK_ROWS && data.len() < CHUNK_BYTES
                    }
                    _ => true,
                };
                if let Ok(c) = &chunk {
                    if c.rows() == 0 {
                        return;
                    }
                    first += c.rows() as u64;
                }
                if tx.send(chunk).is_err() || last {
                    return;
                }
            }
        }
    }
}

/// Up to `CHUNK_ROWS` lines into one buffer, read as `pipeline` reads
/// them: a line longer than `MAX_LINE` is skipped unread (its row becomes
/// an error).
fn read_lines(input: &mut Input, first: u64) -> Result<Chunk, String> {
    let chunk = super::pipeline::read_chunk(input, first, CHUNK_ROWS).map_err(|e| e.to_string())?;
    let (data, lines, bytes) = chunk.into_parts();
    Ok(Chunk::Lines {
        first,
        data,
        lines,
        bytes,
    })
}
