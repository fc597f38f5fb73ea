//! Writing a large output file around the page cache (`O_DIRECT`), in
//! aligned blocks of a few megabytes, where the file's system allows it.
//! Written through the page cache, each byte of a gigabyte of results was
//! copied once more by the kernel and written out again by its flusher
//! threads, on the same two cores that evaluate: about a third of a
//! second of a million compact lines' run (docs/decisions.md 51). Not
//! here: making the file durable or giving it its name (`output_file`).

use std::fs::File;
use std::io::{self, Write};

/// What direct writes are aligned to, in memory and in the file, and what
/// their lengths are multiples of: the largest logical block size of
/// common disks.
const ALIGN: usize = 4096;

/// Bytes gathered before they are written at once. At the disk's speed
/// here (about 1.1 GB/s) a block takes some 4 ms, while the workers go on
/// with the chunks waiting to be written.
const BLOCK: usize = 4 << 20;

/// Bytes being gathered into aligned blocks for a file opened for direct
/// writes. Once the file system refuses a direct write, the rest goes
/// through the page cache, as any other file's.
pub struct DirectWrite {
    /// `BLOCK` bytes from `start`, aligned to `ALIGN`.
    buf: Vec<u8>,
    start: usize,
    filled: usize,
    /// Whether the file is still written around the page cache.
    direct: bool,
}

impl DirectWrite {
    /// Turns `file` to direct writes; `None` where its system does not
    /// have them or refuses them.
    #[cfg(target_os = "linux")]
    pub fn start(file: &File) -> Option<DirectWrite> {
        use rustix::fs::{OFlags, fcntl_getfl, fcntl_setfl};
        let flags = fcntl_getfl(file).ok()?;
        fcntl_setfl(file, flags | OFlags::DIRECT).ok()?;
        let buf = vec![0u8; BLOCK + ALIGN];
        // An offset past `ALIGN` is the "cannot align" answer: never for
        // bytes, but then the file is written as any other.
        let start = buf.as_ptr().align_offset(ALIGN);
        if start >= ALIGN {
            let _ = stop_direct(file);
            return None;
        }
        Some(DirectWrite {
            buf,
            start,
            filled: 0,
            direct: true,
        })
    }

    /// Elsewhere files are written through the system's cache.
    #[cfg(not(target_os = "linux"))]
    pub fn start(_file: &File) -> Option<DirectWrite> {
        None
    }

    /// Whether writes still go around the page cache.
    #[cfg(test)]
    pub fn is_direct(&self) -> bool {
        self.direct
    }

    /// Takes what fits of `data` into the block, writing the block to
    /// `file` when it is full; returns how much it took.
    pub fn write(&mut self, file: &mut File, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(BLOCK - self.filled);
        let at = self.start + self.filled;
        if let (Some(to), Some(from)) = (self.buf.get_mut(at..at + n), data.get(..n)) {
            to.copy_from_slice(from);
        }
        self.filled += n;
        if self.filled == BLOCK {
            self.write_out(file, BLOCK)?;
        }
        Ok(n)
    }

    /// Writes the first `len` bytes gathered to `file` and keeps the rest.
    /// A direct write refused as invalid (a file system that takes the
    /// flag but not the write) is made again through the page cache.
    fn write_out(&mut self, file: &mut File, len: usize) -> io::Result<()> {
        let mut done = 0;
        while done < len {
            let part = self
                .buf
                .get(self.start + done..self.start + len)
                .unwrap_or_default();
            match file.write(part) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if self.direct && e.kind() == io::ErrorKind::InvalidInput => {
                    stop_direct(file)?;
                    self.direct = false;
                }
                Err(e) => return Err(e),
            }
        }
        self.buf
            .copy_within(self.start + len..self.start + self.filled, self.start);
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
        Ok(())
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
        direct.start += 1;
        written_and_read_back(direct, file, &path, true);
    }
}
