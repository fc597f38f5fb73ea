//! The pipeline of `batch`: a reader thread cuts the input into chunks of
//! lines, the worker pool evaluates each chunk a group of lines at a time
//! against the one shared rules tree, and a writer thread writes the
//! results in input order. Not here: what one line becomes (`line`), where
//! the bytes come from and go (`streams`).

use std::cell::Cell;
use std::io::{self, BufRead};
use std::ops::Range;
use std::sync::{Arc, mpsc};
use std::thread;

use chrono::NaiveDate;
use indicatif::ProgressBar;
use inforce_engine::lines::LineFormat;
use inforce_engine::memo::Memo;
use rayon::prelude::*;

use super::line::{error_line, line_output};
use super::spare::Spares;
use super::streams::{Input, Sink};

/// A line longer than this is refused without being held in memory: a
/// case is a few hundred bytes, and one runaway line must not exhaust memory.
pub(super) const MAX_LINE: usize = 1 << 20;

/// Bytes of a chunk's buffer reserved a line: a case is a few hundred
/// bytes, so the buffer of a chunk of cases mostly never grows.
const LINE_ROOM: usize = 1 << 10;

/// Chunks read and done with, kept for the reader to fill again
/// (`spare`): one a worker, and one to spare.
pub(super) const SPARE_CHUNKS: usize = 3;

/// Lines per task given to a worker, whose results share one buffer.
const GROUP: usize = 32;

/// A chunk ends after this many bytes of input even if it has fewer lines.
pub(super) const CHUNK_BYTES: usize = 8 << 20;

/// Lines per chunk: a few hundred cases per worker between the waits for
/// the slowest one at the end of each chunk, and few enough that the
/// chunks in flight stay small: a result line is several kilobytes (its
/// explanation included), so 1,024 lines are some 8 MB of output.
pub(super) fn chunk_lines(threads: usize) -> usize {
    threads.saturating_mul(256).clamp(1024, 8192)
}

thread_local! {
    /// Average length of a result line in this worker's last group: results
    /// of one rules tree are much alike, so a group's buffer is sized once.
    static LAST_LENGTH: Cell<usize> = const { Cell::new(0) };
}

/// What every worker needs; shared. The memo holds the tree `run`
/// loaded: it is `Send + Sync`, so the workers read it at once.
pub(super) struct Job<'t> {
    pub date: Option<NaiveDate>,
    /// Full or compact lines, every outcome or some.
    pub format: LineFormat,
    /// The ways cases went, for the run's workers to share (made with
    /// `format`'s outcomes).
    pub memo: Memo<'t>,
}

/// Counts of a run.
#[derive(Default)]
pub(super) struct Ran {
    pub cases: u64,
    pub errors: u64,
    /// Bytes of results handed to the writer.
    pub bytes: u64,
}

/// Why a run stopped before the end of its input.
pub(super) enum Stop {
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

/// Reads, evaluates and writes at once: a reader thread reads chunks of
/// lines, the pool evaluates several chunks at once, each as a task, and
/// a writer thread puts their results back in the order of the input and
/// writes them. A worker done with its share of one chunk starts on the
/// next rather than waiting for the slowest line of this one (or for a
/// worker the reader or writer has pushed off its core). Between
/// `IN_FLIGHT_LEAST` and `IN_FLIGHT_MOST` chunks (as many as `HELD_BYTES`
/// holds) are evaluated or waiting to be written, so memory stays
/// bounded whatever the input's length; a chunk's results are
/// written as soon as every chunk before it is, so a slow input (a pipe
/// fed by hand) gets its results as they come.
pub(super) fn pipeline(
    job: &Job<'_>,
    pool: &rayon::ThreadPool,
    input: Input,
    sink: Sink,
    lines_per_chunk: usize,
    progress: &ProgressBar,
) -> Result<Ran, Stop> {
    let (chunk_tx, chunk_rx) = mpsc::sync_channel::<io::Result<Chunk>>(1);
    let (done_tx, done_rx) = mpsc::channel::<Evaluated>();
    // A token for each chunk that may be out; the writer hands one back
    // for each chunk it has written.
    let (token_tx, token_rx) = mpsc::sync_channel::<()>(IN_FLIGHT_MOST);
    for _ in 0..IN_FLIGHT_LEAST {
        let _ = token_tx.send(());
    }
    let spares = Arc::new(Spares::new(SPARE_CHUNKS));
    let reading = Arc::clone(&spares);
    let reader = thread::Builder::new()
        .name("inforce-reader".to_string())
        .spawn(move || read_chunks(input, lines_per_chunk, &chunk_tx, &reading));
    if let Err(e) = reader {
        return Err(Stop::Internal(format!("cannot start the reader: {e}")));
    }
    let shown = progress.clone();
    let writer = thread::Builder::new()
        .name("inforce-writer".to_string())
        .spawn(move || write_in_order(sink, &done_rx, &token_tx, &shown));
    let writer = match writer {
        Ok(w) => w,
        Err(e) => return Err(Stop::Internal(format!("cannot start the writer: {e}"))),
    };
    let mut read_error = None;
    let spares = &*spares;
    pool.in_place_scope(|scope| {
        for (seq, message) in chunk_rx.iter().enumerate() {
            let chunk = match message {
                Ok(c) => c,
                Err(e) => {
                    read_error = Some(e);
                    break;
                }
            };
            // No token: the writer stopped (on an error it reports).
            if token_rx.recv().is_err() {
                break;
            }
            let done = done_tx.clone();
            let this = seq as u64;
            scope.spawn(move |_| {
                // Lines are evaluated a group at a time, each group's
                // results written into one buffer: one allocation and one
                // write per group rather than per line.
                let groups: Vec<(Vec<u8>, u64)> = chunk
                    .lines
                    .par_chunks(GROUP)
                    .enumerate()
                    .map(|(g, slots)| {
                        evaluate_group(job, &chunk, chunk.first + (g * GROUP) as u64, slots)
                    })
                    .collect();
                let (lines, bytes) = (chunk.lines.len() as u64, chunk.bytes);
                spares.give(chunk);
                // A writer that stopped takes nothing more.
                let _ = done.send(Evaluated {
                    seq: this,
                    lines,
                    bytes,
                    groups,
                });
            });
        }
        drop(done_tx);
    });
    let (written, ran) = match writer.join() {
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

/// Chunks being evaluated at once, or evaluated and waiting to be
/// written, at least: enough that no worker waits for another at the end
/// of a chunk.
const IN_FLIGHT_LEAST: usize = 4;

/// Chunks out at once, at most. A writer to a file stops now and then
/// for tens of milliseconds (the kernel writing pages out, the journal
/// committing); with only four chunks out, the workers ran out of work
/// in those stops and a million compact lines to a file took a sixth
/// longer than with sixteen (docs/performance.md, issue 14, sixth round).
const IN_FLIGHT_MOST: usize = 16;

/// The input and output bytes the chunks out may hold between them, which
/// sets how many there are between the two bounds above: sixteen chunks
/// of compact lines (about 2 MB each, in and out), four of full ones
/// (about 8.3 MB), so memory stays under 200 MB in every shape. At 40 MB,
/// five chunks of full lines were out, and a million of them to
/// `/dev/null` peaked at 202 MB once (docs/performance.md, issue 14,
/// tenth round).
const HELD_BYTES: u64 = 36 << 20;

/// How many chunks may be out, given the bytes (in and out) of the last
/// one written.
fn chunks_out(held: u64) -> usize {
    let fit = HELD_BYTES / held.max(1);
    usize::try_from(fit)
        .unwrap_or(IN_FLIGHT_MOST)
        .clamp(IN_FLIGHT_LEAST, IN_FLIGHT_MOST)
}

/// A chunk's results, by its place in the input.
struct Evaluated {
    seq: u64,
    lines: u64,
    /// Bytes of input it consumed.
    bytes: u64,
    groups: Vec<(Vec<u8>, u64)>,
}

/// Puts evaluated chunks back in the order of the input (this pipeline's
/// and the columnar one's).
pub(super) struct InOrder<T> {
    /// The number of the next chunk to hand on.
    next: u64,
    waiting: std::collections::BTreeMap<u64, T>,
}

impl<T> Default for InOrder<T> {
    fn default() -> Self {
        InOrder {
            next: 0,
            waiting: std::collections::BTreeMap::new(),
        }
    }
}

impl<T> InOrder<T> {
    /// Takes chunk number `seq` and hands on, in order, every chunk now
    /// next; stops at the first that `hand` fails on.
    pub(super) fn add<E>(
        &mut self,
        seq: u64,
        done: T,
        mut hand: impl FnMut(T) -> Result<(), E>,
    ) -> Result<(), E> {
        self.waiting.insert(seq, done);
        while let Some(next) = self.waiting.remove(&self.next) {
            self.next += 1;
            hand(next)?;
        }
        Ok(())
    }
}

/// The output of one group of lines, the first numbered `first`, in one
/// buffer, and how many of them are error lines.
fn evaluate_group(job: &Job<'_>, chunk: &Chunk, first: u64, slots: &[Slot]) -> (Vec<u8>, u64) {
    let per_line = LAST_LENGTH.get().max(256);
    // An eighth more than the last group's average: the writer reserves a
    // little over each result's length, and regrowing the buffer would
    // copy the whole group.
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
}

/// Lines of the input, held in one buffer.
pub(super) struct Chunk {
    /// Line number (1-based) of the first line.
    first: u64,
    data: Vec<u8>,
    lines: Vec<Slot>,
    /// Bytes of input consumed, for the progress bar.
    bytes: u64,
}

impl Chunk {
    /// The number (from 1) of its first line.
    pub(super) fn first(&self) -> u64 {
        self.first
    }

    /// How many lines it holds.
    pub(super) fn len(&self) -> usize {
        self.lines.len()
    }

    /// Bytes of input it consumed, for the progress bar.
    pub(super) fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Whether it was cut short of `lines_per_chunk` lines and of
    /// `CHUNK_BYTES`: where only the end of the input stops a chunk.
    pub(super) fn ended_input(&self, lines_per_chunk: usize) -> bool {
        self.lines.len() < lines_per_chunk && self.data.len() < CHUNK_BYTES
    }

    /// Line `i`'s bytes, without its line ending; `None` for a line
    /// longer than `MAX_LINE`, skipped unread: for the columnar outputs,
    /// which read JSON Lines as this pipeline does.
    pub(super) fn line(&self, i: usize) -> Option<&[u8]> {
        match self.lines.get(i)? {
            Slot::Line(range) => self.data.get(range.clone()),
            Slot::TooLong => None,
        }
    }
}

enum Slot {
    /// The line's bytes in `data`, without its line ending.
    Line(Range<usize>),
    /// Longer than `MAX_LINE`: skipped unread.
    TooLong,
}

fn read_chunks(
    mut input: Input,
    lines_per_chunk: usize,
    tx: &mpsc::SyncSender<io::Result<Chunk>>,
    spares: &Spares<Chunk>,
) {
    let mut first = 1;
    loop {
        let chunk = read_chunk(&mut input, first, lines_per_chunk, spares.take());
        let last = match &chunk {
            Ok(c) => c.ended_input(lines_per_chunk),
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

/// Reads up to `lines_per_chunk` lines (or `CHUNK_BYTES`) into a chunk,
/// the `spare` one's buffers if there is one.
pub(super) fn read_chunk(
    input: &mut impl BufRead,
    first: u64,
    lines_per_chunk: usize,
    spare: Option<Chunk>,
) -> io::Result<Chunk> {
    let mut chunk = match spare {
        Some(mut chunk) => {
            chunk.first = first;
            chunk.data.clear();
            chunk.lines.clear();
            chunk.bytes = 0;
            chunk
        }
        None => Chunk {
            first,
            // Room for the lines up front: a buffer grown as they come is
            // copied at each growth, which was most of the copying of a run.
            data: Vec::with_capacity(lines_per_chunk.saturating_mul(LINE_ROOM).min(CHUNK_BYTES)),
            lines: Vec::with_capacity(lines_per_chunk),
            bytes: 0,
        },
    };
    while chunk.lines.len() < lines_per_chunk && chunk.data.len() < CHUNK_BYTES {
        let start = chunk.data.len();
        let n = read_line_into(input, &mut chunk.data, MAX_LINE + 1)?;
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

/// Reads up to `limit` bytes of `input` into `data`, stopping after the
/// first line ending: what `input.take(limit).read_until(b'\n', data)`
/// does, with line endings found by the `memchr` crate's vectorised
/// search. The standard library's byte-at-a-time search was a twentieth
/// of a compact run's instructions, on the reader's thread.
fn read_line_into(input: &mut impl BufRead, data: &mut Vec<u8>, limit: usize) -> io::Result<usize> {
    let mut read = 0;
    while read < limit {
        let available = match input.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let window = available
            .get(..(limit - read).min(available.len()))
            .unwrap_or_default();
        if window.is_empty() {
            break;
        }
        let (ended, used) = match memchr::memchr(b'\n', window) {
            Some(at) => (true, at + 1),
            None => (false, window.len()),
        };
        data.extend_from_slice(window.get(..used).unwrap_or_default());
        input.consume(used);
        read += used;
        if ended {
            break;
        }
    }
    Ok(read)
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

/// Writes evaluated chunks in the order of the input, counting them and
/// showing the count, and hands back a token for each chunk written. On
/// a write error it stops at once: dropping its end of the channels tells
/// the tasks and the reading loop.
fn write_in_order(
    mut sink: Sink,
    done: &mpsc::Receiver<Evaluated>,
    tokens: &mpsc::SyncSender<()>,
    progress: &ProgressBar,
) -> (io::Result<Sink>, Ran) {
    let mut ran = Ran::default();
    let mut consumed = 0;
    let mut order = InOrder::default();
    // Tokens handed out and not yet back: the reading loop was given
    // `IN_FLIGHT_LEAST`.
    let mut out = IN_FLIGHT_LEAST;
    for evaluated in done {
        let written = order.add(evaluated.seq, evaluated, |chunk| {
            ran.cases += chunk.lines;
            ran.errors += chunk.groups.iter().map(|(_, e)| e).sum::<u64>();
            let mut held = chunk.bytes;
            for (text, _) in &chunk.groups {
                sink.writer().write_all(text)?;
                ran.bytes += text.len() as u64;
                held += text.len() as u64;
            }
            consumed += chunk.bytes;
            super::progress::show(progress, consumed, ran.cases, ran.errors, ran.bytes);
            // This chunk's token back, one more while chunks like it fit
            // in `HELD_BYTES`, or none while too many are out.
            let want = chunks_out(held);
            let hand_back = match want.cmp(&out) {
                std::cmp::Ordering::Greater => 2,
                std::cmp::Ordering::Equal => 1,
                std::cmp::Ordering::Less => 0,
            };
            out = out + hand_back - 1;
            for _ in 0..hand_back {
                let _ = tokens.send(());
            }
            Ok(())
        });
        if let Err(e) = written {
            return (Err(e), ran);
        }
    }
    (Ok(sink), ran)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use inforce_engine::{Golden, RuleTree, load_with};

    use super::super::line::PANIC_PROBE;
    use super::super::panics::{QuietPanics, WORKER};
    use super::*;

    fn shipped_tree() -> RuleTree {
        let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
        let (files, _) = inforce_engine::read_dir(&rules);
        load_with(files, "rules", Golden::Skip).tree.unwrap()
    }

    #[test]
    fn lines_are_read_as_the_standard_library_reads_them_across_buffers_and_limits() {
        let text: &[u8] = b"one\r\ntwo\n\nthree is longer than the buffer\nlast without an ending";
        for capacity in [1, 2, 7, 64] {
            for limit in [1, 5, 12, 100] {
                let mut ours = io::BufReader::with_capacity(capacity, text);
                let mut std_reader = io::BufReader::with_capacity(capacity, text);
                loop {
                    let (mut a, mut b) = (Vec::new(), Vec::new());
                    let n = read_line_into(&mut ours, &mut a, limit).unwrap();
                    let m = io::Read::take(&mut std_reader, limit as u64)
                        .read_until(b'\n', &mut b)
                        .unwrap();
                    assert_eq!((n, &a), (m, &b), "buffer {capacity}, limit {limit}");
                    if n == 0 {
                        break;
                    }
                }
            }
        }
    }

    #[test]
    fn small_chunks_may_be_many_out_and_large_ones_few() {
        // A chunk of compact lines (1 MB in, 1.2 MB out), of full lines
        // (1 MB in, 7.4 MB out), of nothing, and of far too much.
        assert_eq!(chunks_out(2_200_000), IN_FLIGHT_MOST);
        assert_eq!(chunks_out(8_400_000), IN_FLIGHT_LEAST);
        assert_eq!(chunks_out(0), IN_FLIGHT_MOST);
        assert_eq!(chunks_out(u64::MAX), IN_FLIGHT_LEAST);
        assert_eq!(chunks_out(HELD_BYTES / 10), 10);
    }

    #[test]
    fn a_panic_on_one_line_of_a_run_becomes_its_error_and_no_other_line_is_lost() {
        let tree = shipped_tree();
        let job = Job {
            date: None,
            format: LineFormat::default(),
            memo: Memo::new(&tree, None),
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
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.jsonl");
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
                // Lines after a panic are evaluated with the same tree.
                _ => assert_eq!(line["case"], format!("c{i}"), "line {}", i + 1),
            }
        }
    }

    #[test]
    fn a_line_longer_than_the_limit_is_skipped_without_being_kept() {
        let mut text = b"{}\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', MAX_LINE + 10));
        text.extend(b"\r\n\n{\"a\": 1}");
        let mut input = io::Cursor::new(text);
        let chunk = read_chunk(&mut input, 1, 100, None).unwrap();
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
        let a = read_chunk(&mut input, 1, 2, None).unwrap();
        let b = read_chunk(&mut input, 3, 2, None).unwrap();
        let c = read_chunk(&mut input, 5, 2, None).unwrap();
        let d = read_chunk(&mut input, 6, 2, None).unwrap();
        assert_eq!(
            (a.lines.len(), b.lines.len(), c.lines.len(), d.lines.len()),
            (2, 2, 1, 0)
        );
        assert_eq!(a.bytes + b.bytes + c.bytes, text.len() as u64);
    }

    #[test]
    fn a_spare_chunk_is_filled_as_a_new_one_and_keeps_its_buffer() {
        let text = "{\"a\": 1}\n{}\r\nlonger line three\n";
        let fresh = read_chunk(&mut io::Cursor::new(text.as_bytes()), 7, 10, None).unwrap();
        let mut input = io::Cursor::new("x\ny\nz\nw\n".as_bytes());
        let used = read_chunk(&mut input, 1, 10, None).unwrap();
        let at = used.data.as_ptr();
        let again = read_chunk(&mut io::Cursor::new(text.as_bytes()), 7, 10, Some(used)).unwrap();
        assert_eq!(again.data.as_ptr(), at);
        assert_eq!(again.data, fresh.data);
        assert_eq!(
            (again.first(), again.len(), again.bytes()),
            (7, 3, text.len() as u64)
        );
        assert_eq!(
            (fresh.first(), fresh.len(), fresh.bytes()),
            (7, 3, text.len() as u64)
        );
        for i in 0..3 {
            assert_eq!(again.line(i), fresh.line(i));
        }
        assert_eq!(again.line(1), Some(&b"{}"[..]));
        assert_eq!(again.line(3), None);
        assert!(again.ended_input(10));
        assert!(!again.ended_input(3));
    }
}
