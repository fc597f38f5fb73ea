//! Writing a large output file around the page cache (`O_DIRECT`), in
//! aligned blocks of a few megabytes, where the file's system allows it.
//! Written through the page cache, each byte of a gigabyte of results was
//! copied once more by the kernel and written out again by its flusher
//! threads, on the same two cores that evaluate: about a third of a
//! second of a million compact lines' run (docs/decisions.md 51). Not
//! here: making the file durable or giving it its name (`output_file`).

use std::fs::File;
use std::io::{self, Write};
use std::sync::mpsc;
use std::thread::JoinHandle;

/// What direct writes are aligned to, in memory and in the file, and what
/// their lengths are multiples of: the largest logical block size of
/// common disks.
const ALIGN: usize = 4096;

/// Bytes gathered before they are written at once. At the disk's speed
/// here (about 1.5 GB/s) a block takes some 3 ms, while the next one is
/// gathered.
const BLOCK: usize = 4 << 20;

/// Bytes being gathered into aligned blocks for a file opened for direct
/// writes. Once the file system refuses a direct write, the rest goes
/// through the page cache, as any other file's.
///
/// A full block is written by a thread of its own while the next one is
/// gathered: written by the thread that gathers, each block's copy and
/// its write took turns, and a million compact lines (1.2 GB) kept that
/// thread busy more than half the run, long enough at times for the
/// workers to run out of room for their results and wait
/// (docs/performance.md, issue 14, tenth round).
pub struct DirectWrite {
    block: Block,
    filled: usize,
    /// Whether the file is still written around the page cache.
    direct: bool,
    /// The thread writing full blocks, where one could be started.
    writer: Option<BlockWriter>,
}

/// `BLOCK` bytes from `start`, aligned to `ALIGN`.
struct Block {
    buf: Vec<u8>,
    start: usize,
}

impl Block {
    /// A new block; `None` where its bytes cannot be aligned.
    fn new() -> Option<Block> {
        let buf = vec![0u8; BLOCK + ALIGN];
        // An offset past `ALIGN` is the "cannot align" answer: never for
        // bytes, but then the file is written as any other.
        let start = buf.as_ptr().align_offset(ALIGN);
        (start < ALIGN).then_some(Block { buf, start })
    }

    /// The first `len` bytes gathered.
    fn bytes(&self, len: usize) -> &[u8] {
        self.buf
            .get(self.start..self.start + len)
            .unwrap_or_default()
    }
}

/// The thread writing full blocks to its own handle of the file (one
/// open file, so one position and one set of flags: a fall back to the
/// page cache there holds for both handles), one block at a time: the
/// gathering thread waits for it before it touches the file itself.
struct BlockWriter {
    /// A full block, with whether the file is still written around the
    /// page cache.
    to: Option<mpsc::SyncSender<(Block, bool)>>,
    /// A block written, with how the write went and whether the file is
    /// still written around the page cache.
    back: mpsc::Receiver<(Block, io::Result<bool>)>,
    /// Whether a block is out with the thread.
    out: bool,
    thread: Option<JoinHandle<()>>,
}

impl BlockWriter {
    fn start(file: &File) -> Option<BlockWriter> {
        let mut file = file.try_clone().ok()?;
        let (to, blocks) = mpsc::sync_channel::<(Block, bool)>(1);
        let (done, back) = mpsc::sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("inforce-direct".to_string())
            .spawn(move || {
                for (block, mut direct) in blocks {
                    let written = write_all(&mut file, block.bytes(BLOCK), &mut direct);
                    if done.send((block, written.map(|()| direct))).is_err() {
                        return;
                    }
                }
            })
            .ok()?;
        Some(BlockWriter {
            to: Some(to),
            back,
            out: false,
            thread: Some(thread),
        })
    }

    /// Waits for the block out, if one is: it back, or the write's error.
    fn wait(&mut self, direct: &mut bool) -> io::Result<Option<Block>> {
        if !self.out {
            return Ok(None);
        }
        self.out = false;
        let (block, written) = self
            .back
            .recv()
            .map_err(|_| io::Error::other("the thread writing the file stopped"))?;
        *direct = written?;
        Ok(Some(block))
    }

    fn send(&mut self, block: Block, direct: bool) -> io::Result<()> {
        let sent = self.to.as_ref().map(|to| to.send((block, direct)));
        match sent {
            Some(Ok(())) => {
                self.out = true;
                Ok(())
            }
            _ => Err(io::Error::other("the thread writing the file stopped")),
        }
    }
}

impl Drop for BlockWriter {
    fn drop(&mut self) {
        // Its channel closed, the thread ends after the block it has.
        self.to = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Writes `data` whole to `file`; a direct write refused as invalid (a
/// file system that takes the flag but not the write) is made again
/// through the page cache, and `direct` says so.
fn write_all(file: &mut File, mut data: &[u8], direct: &mut bool) -> io::Result<()> {
    while !data.is_empty() {
        match file.write(data) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => data = data.get(n..).unwrap_or_default(),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if *direct && e.kind() == io::ErrorKind::InvalidInput => {
                stop_direct(file)?;
                *direct = false;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

impl DirectWrite {
    /// Turns `file` to direct writes; `None` where its system does not
    /// have them or refuses them.
    #[cfg(target_os = "linux")]
    pub fn start(file: &File) -> Option<DirectWrite> {
        use rustix::fs::{OFlags, fcntl_getfl, fcntl_setfl};
        let flags = fcntl_getfl(file).ok()?;
        fcntl_setfl(file, flags | OFlags::DIRECT).ok()?;
        let Some(block) = Block::new() else {
            let _ = stop_direct(file);
            return None;
        };
        Some(DirectWrite {
            block,
            filled: 0,
            direct: true,
            // Without a thread, each full block is written in turn.
            writer: BlockWriter::start(file),
        })
    }

    /// Elsewhere files are written through the system's cache.
    #[cfg(not(target_os = "linux"))]
    pub fn start(_file: &File) -> Option<DirectWrite> {
        None
    }

    /// Whether writes still go around the page cache, as far as the
    /// blocks written back so far tell.
    #[cfg(test)]
    pub fn is_direct(&self) -> bool {
        self.direct
    }

    /// Takes what fits of `data` into the block, handing the block to be
    /// written when it is full; returns how much it took.
    pub fn write(&mut self, file: &mut File, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(BLOCK - self.filled);
        let at = self.block.start + self.filled;
        if let (Some(to), Some(from)) = (self.block.buf.get_mut(at..at + n), data.get(..n)) {
            to.copy_from_slice(from);
        }
        self.filled += n;
        if self.filled == BLOCK {
            self.hand_off(file)?;
        }
        Ok(n)
    }

    /// The full block to the writing thread, once it is done with the one
    /// before (which is gathered into next); written here without one.
    fn hand_off(&mut self, file: &mut File) -> io::Result<()> {
        let Some(writer) = &mut self.writer else {
            return self.write_out(file, BLOCK);
        };
        let next = match writer.wait(&mut self.direct)? {
            Some(block) => block,
            None => match Block::new() {
                Some(block) => block,
                None => return self.write_out(file, BLOCK),
            },
        };
        let full = std::mem::replace(&mut self.block, next);
        self.filled = 0;
        writer.send(full, self.direct)
    }

    /// Waits for the block being written, if any: before the file is
    /// written here, or finished.
    fn wait(&mut self) -> io::Result<()> {
        if let Some(writer) = &mut self.writer {
            writer.wait(&mut self.direct)?;
        }
        Ok(())
    }

    /// Writes the first `len` bytes gathered to `file` and keeps the rest.
    fn write_out(&mut self, file: &mut File, len: usize) -> io::Result<()> {
        self.wait()?;
        write_all(file, self.block.bytes(len), &mut self.direct)?;
        let Block { buf, start } = &mut self.block;
        buf.copy_within(*start + len..*start + self.filled, *start);
        self.filled -= len;
        Ok(())
    }

    /// Writes what is gathered in whole multiples of `ALIGN`; the rest
    /// waits for more, or for `finish`.
    pub fn flush(&mut self, file: &mut File) -> io::Result<()> {
        let whole = self.filled / ALIGN * ALIGN;
        if whole > 0 {
            self.write_out(file, whole)?;
        }
        self.wait()
    }

    /// Writes everything gathered: whole multiples of `ALIGN` directly,
    /// the last part (of any length) through the page cache, direct
    /// writes turned off first.
    pub fn finish(&mut self, file: &mut File) -> io::Result<()> {
        self.flush(file)?;
        if self.direct {
            stop_direct(file)?;
            self.direct = false;
        }
        let rest = self.filled;
        self.write_out(file, rest)
    }
}

/// Turns direct writes off for `file`.
#[cfg(target_os = "linux")]
fn stop_direct(file: &File) -> io::Result<()> {
    use rustix::fs::{OFlags, fcntl_getfl, fcntl_setfl};
    let flags = fcntl_getfl(file)?;
    fcntl_setfl(file, flags - OFlags::DIRECT)?;
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn stop_direct(_file: &File) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    /// Bytes that show where each came from: a piece out of place fails.
    fn pieces() -> Vec<Vec<u8>> {
        // Lengths that cross blocks and alignments in every way: small,
        // odd, larger than a block.
        [1, 4095, 4096, 4097, 100_000, BLOCK - 3, BLOCK + 5, 17, 3]
            .iter()
            .enumerate()
            .map(|(i, &len)| {
                (0..len)
                    .map(|j| u8::try_from((i * 31 + j) % 251).unwrap())
                    .collect()
            })
            .collect()
    }

    /// Writes `pieces` through `direct`, flushing now and then, and checks
    /// the file holds them; `refused`: whether direct writes were refused
    /// on the way.
    fn written_and_read_back(
        mut direct: DirectWrite,
        mut file: File,
        path: &std::path::Path,
        refused: bool,
    ) {
        let mut want = Vec::new();
        for (i, piece) in pieces().iter().enumerate() {
            let mut rest = piece.as_slice();
            while !rest.is_empty() {
                let n = direct.write(&mut file, rest).unwrap();
                rest = &rest[n..];
            }
            want.extend_from_slice(piece);
            if i % 3 == 0 {
                direct.flush(&mut file).unwrap();
            }
        }
        assert_eq!(direct.is_direct(), !refused);
        direct.finish(&mut file).unwrap();
        assert!(!direct.is_direct());
        drop(file);
        let mut got = Vec::new();
        File::open(path).unwrap().read_to_end(&mut got).unwrap();
        assert_eq!(got.len(), want.len());
        assert!(got == want, "the bytes differ");
    }

    #[test]
    fn bytes_written_around_the_page_cache_come_back_in_order_to_the_last() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let file = File::create(&path).unwrap();
        let Some(direct) = DirectWrite::start(&file) else {
            eprintln!(
                "skipped: the file system of {} has no direct writes",
                dir.path().display()
            );
            return;
        };
        assert!(direct.is_direct());
        written_and_read_back(direct, file, &path, false);
    }

    #[test]
    fn blocks_written_by_the_thread_while_the_next_fills_keep_their_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let mut file = File::create(&path).unwrap();
        let Some(mut direct) = DirectWrite::start(&file) else {
            eprintln!(
                "skipped: the file system of {} has no direct writes",
                dir.path().display()
            );
            return;
        };
        // Five blocks and a bit, in pieces that never meet a block's end.
        let want: Vec<u8> = (0..5 * BLOCK + 123)
            .map(|i| u8::try_from(i % 253).unwrap())
            .collect();
        for piece in want.chunks((1 << 20) - 1) {
            let mut rest = piece;
            while !rest.is_empty() {
                let n = direct.write(&mut file, rest).unwrap();
                rest = &rest[n..];
            }
        }
        direct.finish(&mut file).unwrap();
        drop((direct, file));
        let got = std::fs::read(&path).unwrap();
        assert_eq!(got.len(), want.len());
        assert!(got == want, "the bytes differ");
    }

    #[test]
    fn a_direct_write_refused_goes_through_the_page_cache_and_loses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let file = File::create(&path).unwrap();
        let Some(mut direct) = DirectWrite::start(&file) else {
            eprintln!(
                "skipped: the file system of {} has no direct writes",
                dir.path().display()
            );
            return;
        };
        // A block one byte off its alignment: the kernel refuses it.
        direct.block.start += 1;
        written_and_read_back(direct, file, &path, true);
    }
}
