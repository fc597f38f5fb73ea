//! `POST /v1/batch`: JSON Lines in, JSON Lines out, streamed both ways.
//! Lines are read as they arrive, evaluated a block at a time on all
//! cores, and written in input order as each block is done, so neither
//! side holds the whole batch. Each line gets exactly what `inforce batch`
//! writes for it (the engine's `lines`), so the two outputs are the same
//! bytes. A batch is answered by one tree, the one live when it started.
//! Not here: what a line becomes (`inforce_engine::lines`).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use futures_util::StreamExt;
use inforce_engine::lines::{LineFormat, error_line, evaluate_line_as};
use rayon::prelude::*;
use tokio::sync::{mpsc, oneshot};

use crate::error::ApiError;
use crate::query::Query;
use crate::routes::{App, DIGEST, permit};
use crate::state::Snapshot;

/// Lines evaluated together: enough to keep both cores busy, few enough
/// that the first results leave soon.
const BLOCK_LINES: usize = 256;
/// Bytes of input gathered into one block at most.
const BLOCK_BYTES: usize = 4 << 20;
/// Blocks evaluated or waiting to be written at once: the backpressure
/// that stops a fast sender from filling memory while a slow reader
/// takes the results.
const BLOCKS_AHEAD: usize = 16;
/// How long a part-filled block waits for more input before it is
/// evaluated anyway.
const IDLE: std::time::Duration = std::time::Duration::from_millis(20);
/// Lines per task inside a block.
const GROUP: usize = 32;

/// How a batch's lines are evaluated and written: `?date=`, `?output=`,
/// `?outcomes=`.
struct Settings {
    date: Option<NaiveDate>,
    format: LineFormat,
}

/// One block of input lines, numbered from `first`.
struct Block {
    first: u64,
    lines: Vec<Line>,
}

enum Line {
    Text(Vec<u8>),
    TooLong,
}

pub async fn batch(
    State(app): State<App>,
    RawQuery(raw): RawQuery,
    request: Request,
) -> Result<Response, ApiError> {
    let query = Query::parse(raw.as_deref(), &["date", "output", "outcomes"])?;
    let permit = permit(&app).await?;
    let snapshot = app.live.snapshot();
    // Read against the snapshot that answers: the outcomes must be its.
    let settings = Arc::new(Settings {
        date: query.date("date")?,
        format: LineFormat {
            shape: query.shape("output")?,
            outcomes: query.outcomes("outcomes", &snapshot.tree)?,
        },
    });
    let line_limit = app.limits.line_bytes;
    let (tx, rx) = mpsc::channel::<oneshot::Receiver<Vec<Bytes>>>(BLOCKS_AHEAD);
    let digest = snapshot.tree.digest.clone();
    // The first piece of the body is awaited before the response starts:
    // that is when a client that sent `Expect: 100-continue` (curl does,
    // for large bodies) is told to go on. Answering 200 first leaves it
    // waiting a second for a `100` that never comes.
    let mut body = request.into_body().into_data_stream();
    let first = body.next().await;
    let body = futures_util::stream::iter(first).chain(body);
    let cut = app.cut.clone();
    tokio::spawn(async move {
        // Held until every line is read: a batch counts as one request.
        let _permit = permit;
        read_blocks(body, line_limit, snapshot, settings, tx, cut).await;
    });
    // Each block's parts are written as they are, without joining them
    // into one buffer first: a batch's output is mostly bytes to move.
    let blocks = futures_util::stream::unfold(rx, |mut rx| async move {
        let next = rx.recv().await?;
        // A block whose evaluation was lost (it cannot be, short of a
        // bug) ends the output here rather than skipping its lines.
        let parts = next.await.ok()?;
        Some((futures_util::stream::iter(parts), rx))
    });
    let stream = blocks.flatten().map(Ok::<Bytes, std::io::Error>);
    let mut r = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(stream),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&digest) {
        r.headers_mut().insert(DIGEST, v);
    }
    Ok(r)
}

/// Reads the body into blocks of lines and hands each to the evaluators,
/// in order; the output side awaits them in the same order.
async fn read_blocks(
    mut stream: impl futures_util::Stream<Item = Result<Bytes, axum::Error>> + Unpin,
    line_limit: usize,
    snapshot: Arc<Snapshot>,
    settings: Arc<Settings>,
    tx: mpsc::Sender<oneshot::Receiver<Vec<Bytes>>>,
    mut cut: tokio::sync::watch::Receiver<bool>,
) {
    let mut splitter = Splitter::new(line_limit);
    let mut block = Block {
        first: 1,
        lines: Vec::new(),
    };
    let mut block_bytes = 0usize;
    loop {
        // A block waits for more lines only while they keep coming: a
        // client that sends a few lines and waits gets them answered.
        let idle = !block.lines.is_empty();
        let next = tokio::select! {
            biased;
            next = stream.next() => next,
            () = tokio::time::sleep(IDLE), if idle => {
                let next = block.first + block.lines.len() as u64;
                let part = std::mem::replace(&mut block, Block { first: next, lines: Vec::new() });
                block_bytes = 0;
                if !send(&tx, part, &snapshot, &settings).await {
                    return;
                }
                continue;
            }
            () = until_cut(&mut cut) => {
                let n = block.first + block.lines.len() as u64;
                let why = "the server is stopping and its grace period is over; this line and any after it were not evaluated";
                last_words(&tx, block, &snapshot, &settings, n, why).await;
                return;
            }
        };
        let chunk = match next {
            Some(Ok(chunk)) => chunk,
            Some(Err(e)) => {
                // The client's body broke off: say so in the output, at
                // the line that was cut, rather than end without a word.
                let n = block.first + block.lines.len() as u64;
                let why = format!(
                    "the request body broke off here ({e}); this line and any after it were not evaluated"
                );
                last_words(&tx, block, &snapshot, &settings, n, &why).await;
                return;
            }
            None => break,
        };
        for line in splitter.push(&chunk) {
            block_bytes += match &line {
                Line::Text(t) => t.len(),
                Line::TooLong => 0,
            };
            block.lines.push(line);
            if block.lines.len() >= BLOCK_LINES || block_bytes >= BLOCK_BYTES {
                let next = block.first + block.lines.len() as u64;
                let full = std::mem::replace(
                    &mut block,
                    Block {
                        first: next,
                        lines: Vec::new(),
                    },
                );
                block_bytes = 0;
                if !send(&tx, full, &snapshot, &settings).await {
                    return;
                }
            }
        }
    }
    if let Some(last) = splitter.finish() {
        block.lines.push(last);
    }
    if !block.lines.is_empty() {
        let _ = send(&tx, block, &snapshot, &settings).await;
    }
}

/// Returns once the grace period after SIGTERM is over; never if the
/// server is not stopping.
async fn until_cut(cut: &mut tokio::sync::watch::Receiver<bool>) {
    loop {
        let over = *cut.borrow_and_update();
        if over {
            return;
        }
        if cut.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Sends what was read of `block`, then an error line for line `n` saying
/// why the output ends there.
async fn last_words(
    tx: &mpsc::Sender<oneshot::Receiver<Vec<Bytes>>>,
    block: Block,
    snapshot: &Arc<Snapshot>,
    settings: &Arc<Settings>,
    n: u64,
    why: &str,
) {
    if !block.lines.is_empty() && !send(tx, block, snapshot, settings).await {
        return;
    }
    let mut out = Vec::new();
    error_line(n, why, &mut out);
    let (done, rx) = oneshot::channel();
    let _ = done.send(vec![Bytes::from(out)]);
    let _ = tx.send(rx).await;
}

/// Starts evaluating `block` on the pool and queues its result; false when
/// the client has gone.
async fn send(
    tx: &mpsc::Sender<oneshot::Receiver<Vec<Bytes>>>,
    block: Block,
    snapshot: &Arc<Snapshot>,
    settings: &Arc<Settings>,
) -> bool {
    let (done, rx) = oneshot::channel();
    let snapshot = Arc::clone(snapshot);
    let settings = Arc::clone(settings);
    rayon::spawn(move || {
        let _ = done.send(evaluate_block(&snapshot, &settings, &block));
    });
    tx.send(rx).await.is_ok()
}

/// A result line's usual length, to size the buffers so they seldom grow
/// (growing copies what is written so far).
const LINE_GUESS: usize = 8 << 10;

fn evaluate_block(snapshot: &Snapshot, settings: &Settings, block: &Block) -> Vec<Bytes> {
    block
        .lines
        .par_chunks(GROUP)
        .enumerate()
        .map(|(g, lines)| {
            let mut out = Vec::with_capacity(lines.len() * LINE_GUESS);
            for (i, line) in lines.iter().enumerate() {
                let n = block.first + (g * GROUP + i) as u64;
                write_line(snapshot, settings, n, line, &mut out);
            }
            Bytes::from(out)
        })
        .collect()
}

fn write_line(snapshot: &Snapshot, settings: &Settings, n: u64, line: &Line, out: &mut Vec<u8>) {
    let start = out.len();
    let text = match line {
        Line::Text(t) => t,
        Line::TooLong => {
            error_line(
                n,
                "the line is longer than the server's limit on a line; a case fits on far fewer bytes",
                out,
            );
            return;
        }
    };
    let result = catch_unwind(AssertUnwindSafe(|| {
        evaluate_line_as(
            &snapshot.tree,
            settings.date,
            n,
            text,
            &settings.format,
            out,
        )
    }));
    let message = match result {
        Ok(Ok(())) => return,
        Ok(Err(message)) => message,
        Err(_) => "internal error while evaluating this line; please report it".to_string(),
    };
    out.truncate(start);
    error_line(n, &message, out);
}

/// Splits a byte stream into lines across chunk boundaries, dropping the
/// bytes of a line past the limit as they come (never holding them).
pub struct Splitter {
    limit: usize,
    partial: Vec<u8>,
    too_long: bool,
    /// Whether the last byte seen ended a line.
    at_start: bool,
}

impl Splitter {
    fn new(limit: usize) -> Splitter {
        Splitter {
            limit,
            partial: Vec::new(),
            too_long: false,
            at_start: true,
        }
    }

    fn push(&mut self, mut chunk: &[u8]) -> Vec<Line> {
        let mut lines = Vec::new();
        if chunk.is_empty() {
            return lines;
        }
        self.at_start = false;
        while let Some(i) = memchr::memchr(b'\n', chunk) {
            let (head, rest) = chunk.split_at(i);
            self.take(head);
            lines.push(self.end_line());
            chunk = rest.get(1..).unwrap_or_default();
        }
        self.take(chunk);
        self.at_start = chunk.is_empty();
        lines
    }

    fn take(&mut self, bytes: &[u8]) {
        if self.too_long {
            return;
        }
        if self.partial.len() + bytes.len() > self.limit {
            self.too_long = true;
            self.partial = Vec::new();
        } else {
            self.partial.extend_from_slice(bytes);
        }
    }

    fn end_line(&mut self) -> Line {
        let line = if self.too_long {
            Line::TooLong
        } else {
            let mut text = std::mem::take(&mut self.partial);
            if text.last() == Some(&b'\r') {
                text.pop();
            }
            Line::Text(text)
        };
        self.too_long = false;
        line
    }

    /// The last line, when the body does not end with a line ending.
    fn finish(&mut self) -> Option<Line> {
        if self.at_start {
            return None;
        }
        Some(self.end_line())
    }
}
