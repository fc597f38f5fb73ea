//! Where `batch` reads its lines from (a file or standard input) and
//! writes its results to: standard output, a file written whole or not at
//! all, or a device or pipe written directly. Not here: the temporary file
//! itself and its removal on a signal (`output_file`).

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use crate::exit::Failure;
use crate::output_file::OutputFile;

pub(super) type Input = Box<dyn BufRead + Send>;

/// The input and, for a file, its size for the progress bar.
/// The buffer of an output: smaller than the pieces of results the
/// workers hand over (tens of kilobytes), so that `BufWriter` writes a
/// piece straight through instead of copying it into its buffer first;
/// error lines and small pieces are still gathered.
pub(crate) const PIECE_BUFFER: usize = 1 << 13;

pub(super) fn open_input(path: Option<&Path>) -> io::Result<(Input, Option<u64>)> {
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
pub(super) enum Sink {
    Stdout(BufWriter<io::Stdout>),
    File(OutputFile),
    Special(BufWriter<File>),
}

impl Sink {
    pub(super) fn open(output: Option<&Path>) -> Result<Sink, String> {
        match output {
            Some(p) if p.as_os_str() != "-" => match std::fs::metadata(p) {
                Ok(m) if !m.is_file() && !m.is_dir() => File::options()
                    .write(true)
                    .open(p)
                    .map(|f| Sink::Special(BufWriter::with_capacity(PIECE_BUFFER, f)))
                    .map_err(|e| format!("cannot write `{}`: {e}", p.display())),
                _ => OutputFile::create(p).map(Sink::File),
            },
            _ => Ok(Sink::Stdout(BufWriter::with_capacity(
                PIECE_BUFFER,
                io::stdout(),
            ))),
        }
    }

    /// [`Sink::open`] for a run, its failures said on stderr: an output
    /// file is also removed if the run is interrupted, since its temporary
    /// file grows to the size of the results.
    pub(super) fn open_for_run(output: Option<&Path>) -> Result<Sink, Failure> {
        let sink = Sink::open(output).map_err(|message| {
            crate::errln!("{message}");
            Failure::Output
        })?;
        if matches!(sink, Sink::File(_))
            && let Err(e) = crate::output_file::remove_on_signals()
        {
            crate::errln!("cannot watch for interruptions: {e}");
            return Err(Failure::Internal);
        }
        Ok(sink)
    }

    pub(super) fn writer(&mut self) -> &mut dyn Write {
        match self {
            Sink::Stdout(w) => w,
            Sink::File(t) => t.writer(),
            Sink::Special(w) => w,
        }
    }

    pub(super) fn finish(self) -> io::Result<()> {
        match self {
            Sink::Stdout(mut w) => w.flush(),
            Sink::File(t) => t.persist(),
            Sink::Special(mut w) => w.flush(),
        }
    }
}
