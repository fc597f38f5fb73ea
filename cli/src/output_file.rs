//! Output files written whole or not at all (`batch -o FILE`): a temporary
//! file with an unguessable name beside the target, given the target's
//! permissions, renamed over it only when complete, and removed when the
//! run fails or is interrupted (SIGINT, SIGTERM, SIGHUP). Also the check
//! that an output file is not the input it would overwrite. Not here: what
//! is written (`command/batch.rs`), or standard output (`render.rs`).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, mpsc};
use std::thread::JoinHandle;

use tempfile::TempPath;

use crate::direct_write::DirectWrite;

/// Temporary files to remove if the process is interrupted before they are
/// renamed or dropped.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn pending() -> MutexGuard<'static, Vec<PathBuf>> {
    // A panic while the list was held leaves it usable: it is only paths.
    PENDING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A file being written next to its final path; removed if dropped before
/// `persist`, or if the process is interrupted once `remove_on_signals`
/// has been called.
pub struct OutputFile {
    file: BufWriter<Durable>,
    /// `None` once renamed.
    temp: Option<TempPath>,
    target: PathBuf,
}

impl OutputFile {
    /// Creates the temporary file for `target`, or says why not in the
    /// words shown to the user.
    pub fn create(target: &Path) -> Result<OutputFile, String> {
        let shown = target.display();
        let Some(name) = target.file_name() else {
            return Err(format!("cannot write `{shown}`: it is not a file name"));
        };
        let existing = match std::fs::metadata(target) {
            Ok(m) if m.is_dir() => {
                return Err(format!("cannot write `{shown}`: it is a directory"));
            }
            Ok(m) => Some(m.permissions()),
            Err(_) => None,
        };
        // In the same directory, so that the final rename stays on one
        // file system and is atomic. The name is hidden and random, made
        // with `create_new` and tried again while taken, so that nobody can
        // squat on it in advance.
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let prefix = format!(".{}.", name.to_string_lossy());
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".inforce.tmp");
        // A new output gets what any new file gets, 0666 less the umask
        // (the kernel applies it). An existing one keeps its mode, set
        // below before anything is written; until then the file is 0600.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = if existing.is_some() { 0o600 } else { 0o666 };
            builder.permissions(std::fs::Permissions::from_mode(mode));
        }
        let temp = builder
            .tempfile_in(dir)
            .map_err(|e| format!("cannot write `{shown}`: {e}"))?;
        let (file, temp) = temp.into_parts();
        pending().push(temp.to_path_buf());
        let output = OutputFile {
            // Small, as `batch::streams::PIECE_BUFFER` says why: pieces of
            // results pass straight through.
            file: BufWriter::with_capacity(1 << 13, Durable::new(file)),
            temp: Some(temp),
            target: target.to_path_buf(),
        };
        #[cfg(unix)]
        if let Some(permissions) = existing {
            // Not subject to the umask: the mode is the target's exactly.
            output
                .file
                .get_ref()
                .file
                .set_permissions(permissions)
                .map_err(|e| format!("cannot give `{shown}` its permissions again: {e}"))?;
        }
        #[cfg(not(unix))]
        drop(existing);
        Ok(output)
    }

    pub fn writer(&mut self) -> &mut BufWriter<Durable> {
        &mut self.file
    }

    /// Writes out what is buffered, makes it durable and renames the file
    /// to its target.
    pub fn persist(mut self) -> io::Result<()> {
        self.file.flush()?;
        self.file.get_mut().finish_writing()?;
        // On disk before the rename, so a crash cannot leave the final
        // name on a file whose content was never written.
        self.file.get_ref().file.sync_all()?;
        let Some(temp) = self.temp.take() else {
            return Ok(());
        };
        let name = temp.to_path_buf();
        // Held across the rename, so that an interruption either removes
        // the temporary file before it is renamed or finds it renamed.
        let mut pending = pending();
        // A failed rename hands the temporary file back, and dropping it
        // removes it.
        let renamed = temp.persist(&self.target).map_err(|e| e.error);
        pending.retain(|p| *p != name);
        renamed
    }
}

/// Bytes written between two requests to write the file out to disk.
const SYNC_EVERY: u64 = 32 << 20;

/// The temporary file, written out to disk as it grows by a thread of its
/// own (every `SYNC_EVERY` bytes), so that making it durable at the end
/// (`persist`) has only the last stretch left to wait for. A run writing
/// gigabytes otherwise waited a second or more at its end, after all its
/// work was done (RocksDB's `bytes_per_sync` does the same for the same
/// reason). The thread's own failures are not reported: the final
/// `sync_all` reports any.
///
/// Where the file's system allows, the file is written around the page
/// cache instead (`DirectWrite`): then there is nothing to write out as
/// it grows, and no syncing thread (full blocks are written by a thread
/// of `DirectWrite`'s own).
pub struct Durable {
    file: File,
    since_sync: u64,
    syncer: Option<(mpsc::SyncSender<()>, JoinHandle<()>)>,
    /// Boxed: with its writing thread's channels it is larger than the rest.
    direct: Option<Box<DirectWrite>>,
}

impl Durable {
    fn new(file: File) -> Durable {
        if let Some(direct) = DirectWrite::start(&file) {
            return Durable {
                file,
                since_sync: 0,
                syncer: None,
                direct: Some(Box::new(direct)),
            };
        }
        // Without a second handle or a thread, only the final sync is made.
        let syncer = file.try_clone().ok().and_then(|copy| {
            let (tx, rx) = mpsc::sync_channel::<()>(1);
            let thread = std::thread::Builder::new()
                .name("inforce-sync".to_string())
                .spawn(move || {
                    for () in rx {
                        let _ = copy.sync_data();
                    }
                })
                .ok()?;
            Some((tx, thread))
        });
        Durable {
            file,
            since_sync: 0,
            syncer,
            direct: None,
        }
    }

    /// Writes what is still gathered for direct writes, and ends the
    /// thread after the write-out it is doing: all that is left before
    /// the final sync.
    fn finish_writing(&mut self) -> io::Result<()> {
        if let Some((tx, thread)) = self.syncer.take() {
            drop(tx);
            let _ = thread.join();
        }
        if let Some(mut direct) = self.direct.take() {
            direct.finish(&mut self.file)?;
        }
        Ok(())
    }
}

impl Write for Durable {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(direct) = &mut self.direct {
            return direct.write(&mut self.file, buf);
        }
        let n = self.file.write(buf)?;
        self.since_sync = self.since_sync.saturating_add(n as u64);
        if self.since_sync >= SYNC_EVERY {
            self.since_sync = 0;
            if let Some((tx, _)) = &self.syncer {
                // Busy with the last request: this one is not needed.
                let _ = tx.try_send(());
            }
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        // Direct writes are whole blocks: a last part shorter than one
        // waits for `finish_writing`.
        if let Some(direct) = &mut self.direct {
            direct.flush(&mut self.file)?;
        }
        self.file.flush()
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            let name = temp.to_path_buf();
            let mut pending = pending();
            // `TempPath` removes the file when dropped.
            drop(temp);
            pending.retain(|p| *p != name);
        }
    }
}

/// Until the process ends, SIGINT, SIGTERM and SIGHUP remove the pending
/// temporary files and exit with 128 + the signal's number (130, 143,
/// 129), as a shell reports a process killed by them. A signal the process
/// was started with ignored (`nohup` ignores SIGHUP) stays ignored. Called
/// once an output file exists; calling it again does nothing.
#[cfg(unix)]
pub fn remove_on_signals() -> io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    use signal_hook::iterator::Signals;
    use std::sync::OnceLock;

    static WATCHING: OnceLock<()> = OnceLock::new();
    if WATCHING.get().is_some() {
        return Ok(());
    }
    let ignored = ignored_signals();
    let watched: Vec<i32> = [SIGINT, SIGTERM, SIGHUP]
        .into_iter()
        .filter(|s| !ignored.contains(s))
        .collect();
    let mut signals = Signals::new(&watched)?;
    std::thread::Builder::new()
        .name("inforce-signals".to_string())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // Held until the process is gone: no rename can follow.
                let pending = pending();
                for path in pending.iter() {
                    let _ = std::fs::remove_file(path);
                }
                std::process::exit(crate::exit::interrupted(signal));
            }
        })?;
    let _ = WATCHING.set(());
    Ok(())
}

/// On other systems an interrupted run may leave its temporary file.
#[cfg(not(unix))]
pub fn remove_on_signals() -> io::Result<()> {
    Ok(())
}

/// The signals this process was started with ignored, from the `SigIgn`
/// mask of `/proc/self/status` (bit n-1 for signal n). Elsewhere, or if
/// it cannot be read, none.
#[cfg(unix)]
fn ignored_signals() -> Vec<i32> {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return Vec::new();
    };
    let mask = status
        .lines()
        .find_map(|l| l.strip_prefix("SigIgn:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .unwrap_or(0);
    (1..=64).filter(|n| mask & (1u64 << (n - 1)) != 0).collect()
}

/// Refuses an output file that is the input (`-o cases.jsonl` on
/// `cases.jsonl`, under any name: `./cases.jsonl`, a full path, a hard or
/// symbolic link), or the file standard input reads from: the results would
/// replace the cases. Only a regular file can be overwritten so; a device
/// such as `/dev/null` may be both. An output that does not exist yet is
/// no input.
pub fn refuse_input_as_output(input: Option<&Path>, output: Option<&Path>) -> Result<(), String> {
    let Some(output) = output.filter(|p| p.as_os_str() != "-") else {
        return Ok(());
    };
    let Ok(out) = std::fs::metadata(output) else {
        return Ok(());
    };
    if !out.is_file() {
        return Ok(());
    }
    let help = "whose cases the results would replace; give `-o` another file";
    match input.filter(|p| p.as_os_str() != "-") {
        Some(input) => {
            if same_file(input, output, &out) {
                return Err(format!(
                    "cannot write the results to `{}`: it is the input `{}`, {help}",
                    output.display(),
                    input.display()
                ));
            }
        }
        None => {
            if stdin_is(&out) {
                return Err(format!(
                    "cannot write the results to `{}`: it is the file standard input reads from, {help}",
                    output.display()
                ));
            }
        }
    }
    Ok(())
}

/// Whether `input` is the file `output` (described by `out`) is: the same
/// device and inode, whatever the names.
#[cfg(unix)]
fn same_file(input: &Path, _output: &Path, out: &std::fs::Metadata) -> bool {
    std::fs::metadata(input).is_ok_and(|i| same_inode(&i, out))
}

#[cfg(unix)]
fn same_inode(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

/// Elsewhere, by the paths the two names resolve to (hard links are not
/// caught).
#[cfg(not(unix))]
fn same_file(input: &Path, output: &Path, _out: &std::fs::Metadata) -> bool {
    match (std::fs::canonicalize(input), std::fs::canonicalize(output)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Whether standard input is the file `out` describes.
#[cfg(unix)]
fn stdin_is(out: &std::fs::Metadata) -> bool {
    use std::os::fd::AsFd;
    io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map(File::from)
        .and_then(|f| f.metadata())
        .is_ok_and(|i| same_inode(&i, out))
}

#[cfg(not(unix))]
fn stdin_is(_: &std::fs::Metadata) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_temporary_files_for_one_target_do_not_collide() {
        // The name was once fixed per process, so a second one (or one
        // made in advance) failed with "File exists".
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.jsonl");
        let mut a = OutputFile::create(&target).unwrap();
        let mut b = OutputFile::create(&target).unwrap();
        a.writer().write_all(b"a\n").unwrap();
        b.writer().write_all(b"b\n").unwrap();
        drop(a);
        b.persist().unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "b\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(pending().iter().all(|p| !p.starts_with(dir.path())));
    }

    #[test]
    fn a_dropped_output_file_leaves_the_target_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.jsonl");
        std::fs::write(&target, "before\n").unwrap();
        let mut a = OutputFile::create(&target).unwrap();
        a.writer().write_all(b"half").unwrap();
        assert!(pending().iter().any(|p| p.starts_with(dir.path())));
        drop(a);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "before\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(pending().iter().all(|p| !p.starts_with(dir.path())));
    }

    #[test]
    fn an_output_that_does_not_exist_or_is_a_device_is_never_the_input() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.jsonl");
        std::fs::write(&input, "{}\n").unwrap();
        let fresh = dir.path().join("new.jsonl");
        assert!(refuse_input_as_output(Some(&input), Some(&fresh)).is_ok());
        assert!(refuse_input_as_output(Some(&input), None).is_ok());
        assert!(refuse_input_as_output(Some(&input), Some(Path::new("-"))).is_ok());
        assert!(refuse_input_as_output(Some(&input), Some(&input)).is_err());
        #[cfg(unix)]
        {
            let null = Path::new("/dev/null");
            assert!(refuse_input_as_output(Some(null), Some(null)).is_ok());
        }
    }
}
