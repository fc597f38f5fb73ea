//! Cuts JSON Lines input into chunks of lines for `batch`: the input is
//! read in large blocks straight into a chunk's buffer, and its lines are
//! found there. Not here: what a line holds (`line`), or what is done
//! with a chunk (`pipeline`, `columnar`).
//!
//! Why straight into the chunk: read through a `BufRead` a line at a
//! time, every byte of input was copied twice, from the kernel to the
//! reader's buffer and from there to the chunk's; the second copy, into
//! memory no cache held, was a third of the reading thread's time
//! (docs/performance.md, issue 14, thirteenth round).

use std::io::{self, Read};
use std::ops::Range;

use super::spare::Spares;

/// A line longer than this is refused without being held in memory: a
/// case is a few hundred bytes, and one runaway line must not exhaust memory.
pub(super) const MAX_LINE: usize = 1 << 20;

/// A chunk ends after this many bytes of input even if it has fewer lines.
pub(super) const CHUNK_BYTES: usize = 8 << 20;

/// Bytes of a chunk's buffer reserved a line: a case is a few hundred
/// bytes, so the buffer of a chunk of cases mostly never grows.
const LINE_ROOM: usize = 1 << 10;

/// Bytes asked of the input at once: more than the input's own buffer
/// (64 KiB), so that the read goes around it.
const READ: usize = 1 << 18;

/// Lines of the input, held in one buffer.
pub(super) struct Chunk {
    /// Line number (1-based) of the first line.
    first: u64,
    /// The lines' bytes, up to `filled`; past it, room zeroed once for
    /// the next reads (a chunk's buffer is read into again and again).
    data: Vec<u8>,
    filled: usize,
    lines: Vec<Slot>,
    /// Bytes of input consumed, for the progress bar.
    bytes: u64,
    /// Whether the input ended with this chunk.
    ended: bool,
}

/// One line of a chunk.
pub(super) enum Slot {
    /// The line's bytes in the chunk's buffer, without its line ending.
    Line(Range<usize>),
    /// Longer than `MAX_LINE`: skipped unread.
    TooLong,
}

impl Chunk {
    fn new(lines_per_chunk: usize) -> Chunk {
        Chunk {
            first: 1,
            // Room for the lines and a read up front, reserved and not
            // touched: a buffer grown as they come is copied at each growth.
            data: Vec::with_capacity(
                lines_per_chunk
                    .saturating_mul(LINE_ROOM)
                    .min(CHUNK_BYTES)
                    .saturating_add(READ),
            ),
            filled: 0,
            lines: Vec::with_capacity(lines_per_chunk),
            bytes: 0,
            ended: false,
        }
    }

    /// Makes its buffer at least `len` bytes long, zeroing only what it
    /// never held: within the room reserved, without moving it.
    fn room(&mut self, len: usize) {
        if self.data.len() < len {
            self.data.resize(len, 0);
        }
    }

    /// The number (from 1) of its first line.
    pub(super) fn first(&self) -> u64 {
        self.first
    }

    /// How many lines it holds.
    pub(super) fn len(&self) -> usize {
        self.lines.len()
    }

    /// Its lines, each with its bytes in the chunk's buffer or skipped.
    pub(super) fn slots(&self) -> &[Slot] {
        &self.lines
    }

    /// Bytes of input it consumed, for the progress bar.
    pub(super) fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Whether the input ended with it: no chunk comes after.
    pub(super) fn ended_input(&self) -> bool {
        self.ended
    }

    /// The bytes of a line's slot (`None` for a line skipped).
    pub(super) fn text(&self, slot: &Slot) -> Option<&[u8]> {
        match slot {
            Slot::Line(range) => self.data.get(range.clone()),
            Slot::TooLong => None,
        }
    }

    /// Line `i`'s bytes, without its line ending; `None` for a line
    /// longer than `MAX_LINE`, skipped unread.
    pub(super) fn line(&self, i: usize) -> Option<&[u8]> {
        self.text(self.lines.get(i)?)
    }
}

/// Reads chunks of lines from `input`, one after another.
pub(super) struct ChunkReader<R> {
    input: R,
    /// The start of a line read past the last chunk's last line: the
    /// first bytes of the next chunk.
    carry: Vec<u8>,
    /// Skipping the rest of a line longer than `max_line`, whose slot is
    /// given already.
    skipping: bool,
    /// Whether the input has ended (a read gave nothing).
    ended: bool,
    /// The number (from 1) of the next chunk's first line.
    next_line: u64,
    max_line: usize,
    chunk_bytes: usize,
    read: usize,
}

impl<R: Read> ChunkReader<R> {
    pub(super) fn new(input: R) -> Self {
        Self::with_limits(input, MAX_LINE, CHUNK_BYTES, READ)
    }

    /// A reader whose lines may be `max_line` bytes long, whose chunks end
    /// after `chunk_bytes` and which asks `read` bytes at once (for tests).
    fn with_limits(input: R, max_line: usize, chunk_bytes: usize, read: usize) -> Self {
        ChunkReader {
            input,
            carry: Vec::new(),
            skipping: false,
            ended: false,
            next_line: 1,
            max_line,
            chunk_bytes,
            read: read.max(1),
        }
    }

    /// Reads chunk after chunk of up to `lines_per_chunk` lines, in
    /// `spares`' chunks where there are some, and hands each to `send`:
    /// until the input ends, a read fails (its error is handed on, last)
    /// or `send` says no more (the run stopped).
    pub(super) fn send_all(
        mut self,
        lines_per_chunk: usize,
        spares: &Spares<Chunk>,
        mut send: impl FnMut(io::Result<Chunk>) -> bool,
    ) {
        loop {
            let chunk = self.read_chunk(lines_per_chunk, spares.take());
            let last = match &chunk {
                Ok(c) if c.len() == 0 => return,
                Ok(c) => c.ended_input(),
                Err(_) => true,
            };
            if !send(chunk) || last {
                return;
            }
        }
    }

    /// The next chunk: up to `lines_per_chunk` lines (or `CHUNK_BYTES`),
    /// numbered on from the last chunk's, in the `spare` chunk's buffers
    /// if there is one. A chunk of no lines: the input has ended.
    pub(super) fn read_chunk(
        &mut self,
        lines_per_chunk: usize,
        spare: Option<Chunk>,
    ) -> io::Result<Chunk> {
        let lines_per_chunk = lines_per_chunk.max(1);
        let mut chunk = spare.unwrap_or_else(|| Chunk::new(lines_per_chunk));
        chunk.first = self.next_line;
        chunk.lines.clear();
        chunk.bytes = 0;
        chunk.ended = false;
        chunk.room(self.carry.len());
        if let Some(to) = chunk.data.get_mut(..self.carry.len()) {
            to.copy_from_slice(&self.carry);
        }
        chunk.filled = self.carry.len();
        self.carry.clear();
        // Where the line not yet ended starts, and how far the buffer has
        // been searched for its end.
        let mut start = 0;
        let mut searched = 0;
        loop {
            while chunk.lines.len() < lines_per_chunk {
                let unsearched = chunk.data.get(searched..chunk.filled).unwrap_or_default();
                let Some(at) = memchr::memchr(b'\n', unsearched) else {
                    searched = chunk.filled;
                    break;
                };
                let end = searched + at;
                if self.skipping {
                    self.skipping = false;
                } else if end - start > self.max_line {
                    chunk.lines.push(Slot::TooLong);
                } else {
                    let text = if end > start && chunk.data.get(end - 1) == Some(&b'\r') {
                        end - 1
                    } else {
                        end
                    };
                    chunk.lines.push(Slot::Line(start..text));
                }
                chunk.bytes += (end + 1 - start) as u64;
                start = end + 1;
                searched = start;
            }
            // Full; but never empty unless the input ended, as the end
            // of a line skipped holds no line.
            if chunk.lines.len() >= lines_per_chunk
                || (start >= self.chunk_bytes && !chunk.lines.is_empty())
            {
                break;
            }
            // A line past the limit with no end yet: its slot now, and
            // its bytes (and the rest of it, as it comes) dropped.
            if !self.skipping && chunk.filled - start > self.max_line {
                chunk.lines.push(Slot::TooLong);
                self.skipping = true;
            }
            if self.skipping {
                chunk.bytes += (chunk.filled - start) as u64;
                chunk.filled = start;
                searched = start;
                if chunk.lines.len() >= lines_per_chunk {
                    break;
                }
            }
            if self.ended {
                // The last line, without a line ending.
                if chunk.filled > start {
                    chunk.lines.push(Slot::Line(start..chunk.filled));
                    chunk.bytes += (chunk.filled - start) as u64;
                    start = chunk.filled;
                }
                chunk.ended = true;
                break;
            }
            // One read, of what the input has (a pipe fed by hand gives
            // its lines as they come), into room zeroed once.
            chunk.room(chunk.filled + self.read);
            let to = chunk
                .data
                .get_mut(chunk.filled..chunk.filled + self.read)
                .unwrap_or_default();
            match self.input.read(to) {
                Ok(0) => self.ended = true,
                Ok(n) => chunk.filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        // What follows the last line is the next chunk's.
        self.carry
            .extend_from_slice(chunk.data.get(start..chunk.filled).unwrap_or_default());
        chunk.filled = start;
        self.next_line += chunk.lines.len() as u64;
        Ok(chunk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines of `text` as `BufRead::split` gives them, with a
    /// carriage return before a line feed dropped, and lines longer than
    /// `max_line` (before their line feed) as `None`; with the bytes of
    /// input in all.
    fn expected(text: &[u8], max_line: usize) -> Vec<Option<Vec<u8>>> {
        let mut lines = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            let (line, ended) = match rest.iter().position(|&b| b == b'\n') {
                Some(at) => (&rest[..at], true),
                None => (rest, false),
            };
            rest = &rest[(line.len() + usize::from(ended)).min(rest.len())..];
            if line.len() > max_line {
                lines.push(None);
            } else if ended && line.last() == Some(&b'\r') {
                lines.push(Some(line[..line.len() - 1].to_vec()));
            } else {
                lines.push(Some(line.to_vec()));
            }
        }
        lines
    }

    /// An input that gives at most `most` bytes a read, and is
    /// interrupted before every other read.
    struct Trickle<'t> {
        text: &'t [u8],
        most: usize,
        interrupt: bool,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.interrupt = !self.interrupt;
            if self.interrupt {
                return Err(io::Error::from(io::ErrorKind::Interrupted));
            }
            let n = buf.len().min(self.most).min(self.text.len());
            buf[..n].copy_from_slice(&self.text[..n]);
            self.text = &self.text[n..];
            Ok(n)
        }
    }

    /// Every chunk of `text` read with these limits, through spare chunks.
    fn read_all(
        text: &[u8],
        most: usize,
        max_line: usize,
        chunk_bytes: usize,
        read: usize,
        lines_per_chunk: usize,
    ) -> (Vec<Option<Vec<u8>>>, u64, usize) {
        let input = Trickle {
            text,
            most,
            interrupt: false,
        };
        let mut reader = ChunkReader::with_limits(input, max_line, chunk_bytes, read);
        let (mut lines, mut bytes, mut chunks) = (Vec::new(), 0, 0);
        let mut first = 1;
        let mut spare = None;
        loop {
            let chunk = reader.read_chunk(lines_per_chunk, spare.take()).unwrap();
            assert_eq!(chunk.first(), first);
            assert!(chunk.len() <= lines_per_chunk);
            // The last chunk may hold none but the end of a line skipped.
            bytes += chunk.bytes();
            if chunk.len() == 0 {
                assert!(chunk.ended_input());
                break;
            }
            chunks += 1;
            first += chunk.len() as u64;
            for i in 0..chunk.len() {
                lines.push(chunk.line(i).map(<[u8]>::to_vec));
            }
            let ended = chunk.ended_input();
            spare = Some(chunk);
            if ended {
                break;
            }
        }
        (lines, bytes, chunks)
    }

    #[test]
    fn lines_are_cut_as_the_standard_library_cuts_them_across_reads_chunks_and_limits() {
        let texts: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"\n".to_vec(),
            b"{}".to_vec(),
            b"{}\n".to_vec(),
            b"a\r\nb\n\nc\r".to_vec(),
            b"\r\n\r\n".to_vec(),
            b"short\nwaytoolongforthelimit\nok\nanotherwaytoolongline".to_vec(),
            b"exactly9\nexactly9\r\nexactly10\nx".to_vec(),
            (0..200)
                .map(|i| format!("{{\"line\": {i}, \"pad\": \"{}\"}}\r\n", "y".repeat(i % 23)))
                .collect::<String>()
                .into_bytes(),
        ];
        for text in &texts {
            for most in [1, 3, 7, 64, 1 << 12] {
                for (max_line, chunk_bytes, read) in [
                    (9, 1 << 20, 5),
                    (9, 16, 64),
                    (30, 40, 1),
                    (1 << 10, 1 << 10, 1 << 8),
                ] {
                    for lines_per_chunk in [1, 2, 5, 1000] {
                        let (lines, bytes, _) =
                            read_all(text, most, max_line, chunk_bytes, read, lines_per_chunk);
                        let context = format!(
                            "{:?} most {most} max_line {max_line} chunk_bytes {chunk_bytes} read {read} lines {lines_per_chunk}",
                            String::from_utf8_lossy(text)
                        );
                        assert_eq!(lines, expected(text, max_line), "{context}");
                        assert_eq!(bytes, text.len() as u64, "{context}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_line_longer_than_the_limit_is_skipped_without_being_kept() {
        let mut text = b"{}\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', 4 * MAX_LINE));
        text.extend(b"\r\n\n{\"a\": 1}");
        let mut reader = ChunkReader::new(io::Cursor::new(text));
        let chunk = reader.read_chunk(100, None).unwrap();
        assert_eq!(chunk.len(), 4);
        assert!(matches!(chunk.slots()[1], Slot::TooLong));
        let texts: Vec<&[u8]> = chunk.slots().iter().filter_map(|s| chunk.text(s)).collect();
        assert_eq!(texts, vec![&b"{}"[..], b"", b"{\"a\": 1}"]);
        assert!(chunk.ended_input());
        // Never more of the long line than the limit and one read.
        assert!(
            chunk.data.len() <= MAX_LINE + 2 * READ,
            "{} bytes held",
            chunk.data.len()
        );
    }

    #[test]
    fn chunks_split_the_input_at_the_line_count_and_at_the_byte_count() {
        let text = "1\n2\n3\n4\n5\n";
        let mut reader = ChunkReader::new(io::Cursor::new(text.as_bytes()));
        let a = reader.read_chunk(2, None).unwrap();
        let b = reader.read_chunk(2, None).unwrap();
        let c = reader.read_chunk(2, None).unwrap();
        assert_eq!((a.len(), b.len(), c.len()), (2, 2, 1));
        assert_eq!((a.first(), b.first(), c.first()), (1, 3, 5));
        assert!(!a.ended_input() && !b.ended_input() && c.ended_input());
        assert_eq!(a.bytes() + b.bytes() + c.bytes(), text.len() as u64);
        let (lines, _, chunks) = read_all(b"aaaa\nbbbb\ncccc\ndddd\n", 1 << 10, 100, 8, 3, 1000);
        assert_eq!(lines.len(), 4);
        assert_eq!(chunks, 2, "a chunk ends once 8 bytes of lines are in it");
    }

    #[test]
    fn a_spare_chunk_is_filled_as_a_new_one_and_keeps_its_buffer() {
        let text = "{\"a\": 1}\n{}\r\nlonger line three\n";
        let fresh = ChunkReader::new(io::Cursor::new(text.as_bytes()))
            .read_chunk(10, None)
            .unwrap();
        let mut other = ChunkReader::new(io::Cursor::new(
            "x\ny\nz\nwwwwwwwwwwwwwwwwwwwwwwwwww\n".as_bytes(),
        ));
        let used = other.read_chunk(10, None).unwrap();
        let at = used.data.as_ptr();
        let again = ChunkReader::new(io::Cursor::new(text.as_bytes()))
            .read_chunk(10, Some(used))
            .unwrap();
        assert_eq!(again.data.as_ptr(), at);
        assert_eq!(
            (again.first(), again.len(), again.bytes()),
            (1, 3, text.len() as u64)
        );
        assert_eq!(
            (fresh.first(), fresh.len(), fresh.bytes()),
            (1, 3, text.len() as u64)
        );
        for i in 0..4 {
            assert_eq!(again.line(i), fresh.line(i));
        }
        assert_eq!(again.line(1), Some(&b"{}"[..]));
        assert_eq!(again.line(3), None);
    }

    /// An input that gives `text`, then fails.
    struct Failing<'t> {
        text: &'t [u8],
    }

    impl Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.text.is_empty() {
                return Err(io::Error::other("the disk went away"));
            }
            let n = buf.len().min(self.text.len());
            buf[..n].copy_from_slice(&self.text[..n]);
            self.text = &self.text[n..];
            Ok(n)
        }
    }

    #[test]
    fn chunks_are_sent_until_the_end_a_failed_read_or_a_refusal() {
        let text = "1\n2\n3\n4\n5\n";
        let spares = Spares::new(2);
        let mut firsts = Vec::new();
        ChunkReader::new(text.as_bytes()).send_all(2, &spares, |c| {
            firsts.push(c.unwrap().first());
            true
        });
        assert_eq!(firsts, vec![1, 3, 5]);
        let mut sent = Vec::new();
        ChunkReader::new(Failing { text: b"1\n2\n3" }).send_all(2, &spares, |c| {
            sent.push(c.map(|c| c.len()).map_err(|e| e.to_string()));
            true
        });
        assert_eq!(
            sent,
            vec![Ok(2), Err("the disk went away".to_string())],
            "the error is handed on, last"
        );
        let mut asked = 0;
        ChunkReader::new(text.as_bytes()).send_all(1, &spares, |_| {
            asked += 1;
            false
        });
        assert_eq!(asked, 1, "a refusal stops the reading");
    }
}
