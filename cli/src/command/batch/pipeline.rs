//! The pipeline of `batch`: a reader thread cuts the input into chunks of
//! lines, the worker pool evaluates each chunk a group of lines at a time
//! against the one shared rules tree, and a writer thread writes the
//! results in input order. Not here: what one line becomes (`line`), where
//! the bytes come from and go (`streams`).

use std::cell::Cell;
use std::io;
use std::sync::{Arc, mpsc};
use std::thread;

use chrono::NaiveDate;
use indicatif::ProgressBar;
use inforce_engine::lines::LineFormat;
use inforce_engine::memo::Memo;

use super::chunks::{Chunk, ChunkReader, MAX_LINE, Slot};
use super::line::{error_line, line_output};
use super::spare::Spares;
use super::streams::{Input, Sink};
use super::tasks::spread;

/// Chunks read and done with, kept for the reader to fill again
/// (`spare`): as many as may be out. A chunk is new only when none is
/// spare, so no more are ever kept than were out at once.
pub(super) const SPARE_CHUNKS: usize = IN_FLIGHT_MOST;

/// Lines per task given to a worker, whose results share one buffer.
const GROUP: usize = 32;

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
        .spawn(move || {
            // A closed channel means the run stopped; nothing more to read.
            ChunkReader::new(input).send_all(lines_per_chunk, &reading, |chunk| {
                chunk_tx.send(chunk).is_ok()
            });
        });
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
            // Lines are evaluated a group at a time, each group's results
            // written into one buffer: one allocation and one write per
            // group rather than per line. Each group is a task of its own
            // (`tasks`), the chunk handed to the writer by the last one
            // done.
            let groups = chunk.len().div_ceil(GROUP);
            let done = done_tx.clone();
            let this = seq as u64;
            spread(
                scope,
                chunk,
                groups,
                move |chunk: &Chunk, g| {
                    let slots = chunk
                        .slots()
                        .get(g * GROUP..((g + 1) * GROUP).min(chunk.len()))
                        .unwrap_or_default();
                    evaluate_group(job, chunk, chunk.first() + (g * GROUP) as u64, slots)
                },
                move |chunk: &Chunk, groups: Vec<(Vec<u8>, u64)>| {
                    // A writer that stopped takes nothing more.
                    let _ = done.send(Evaluated {
                        seq: this,
                        lines: chunk.len() as u64,
                        bytes: chunk.bytes(),
                        groups,
                    });
                },
                move |chunk: Chunk| spares.give(chunk),
            );
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
        let failed = match chunk.text(slot) {
            Some(text) => line_output(job, n, text, &mut out),
            None => {
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
}
