//! Where the dump goes: standard output, or a file written beside its
//! final name and renamed into place only when the dump succeeded (mode
//! 0600, since dumps hold password hashes), so that a failed run never
//! leaves a complete-looking file behind.

pub(crate) mod compress;
pub(crate) mod manifest;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use thiserror::Error;

pub(crate) mod spool;

/// The temporary file of the running `-f` output, removed by a fatal
/// signal (SIGINT, SIGTERM, SIGQUIT, SIGHUP: see the signal handlers) before the
/// process dies of it, so that an interrupted run leaves nothing behind.
static PARTIAL: std::sync::atomic::AtomicPtr<libc::c_char> =
    std::sync::atomic::AtomicPtr::new(std::ptr::null_mut());

/// Removes the temporary file of the running `-f` output, if any. Only
/// async-signal-safe calls: signal handlers call it.
pub(crate) fn remove_partial() {
    let p = PARTIAL.swap(std::ptr::null_mut(), std::sync::atomic::Ordering::SeqCst);
    if !p.is_null() {
        // SAFETY: unlink is async-signal-safe; `p` is a leaked CString that
        // is never freed while it is published.
        unsafe { libc::unlink(p) };
    }
}

/// Publishes `path` for [`remove_partial`] while it lives.
struct PartialGuard;

impl PartialGuard {
    fn new(path: &Path) -> PartialGuard {
        use std::os::unix::ffi::OsStrExt;
        if let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) {
            // Leaked on purpose: a signal handler may read it at any time.
            PARTIAL.store(c.into_raw(), std::sync::atomic::Ordering::SeqCst);
        }
        PartialGuard
    }
}

impl Drop for PartialGuard {
    fn drop(&mut self) {
        // Left leaked (a few bytes once per run): freeing it could race
        // with the handler.
        PARTIAL.store(std::ptr::null_mut(), std::sync::atomic::Ordering::SeqCst);
    }
}

#[derive(Debug, Error)]
pub enum OutputError {
    #[error("could not open output file \"{path}\": {}", strerror(.source))]
    Open { path: String, source: io::Error },
    #[error("could not write to output file: {}", strerror(.0))]
    Write(io::Error),
    #[error("could not fsync file \"{path}\": {}", strerror(.source))]
    Sync { path: String, source: io::Error },
    #[error("could not rename file \"{from}\" to \"{to}\": {}", strerror(.source))]
    Rename {
        from: String,
        to: String,
        source: io::Error,
    },
}

/// An I/O error as C's strerror() words it (without Rust's "(os error N)").
pub(crate) fn strerror(e: &io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

enum Target {
    Stdout(BufWriter<io::Stdout>),
    /// A regular file: written to a temporary sibling, renamed on success.
    Atomic {
        writer: BufWriter<tempfile::NamedTempFile>,
        path: PathBuf,
        _guard: PartialGuard,
    },
    /// Something that is not a regular file (a FIFO, /dev/null, a tty):
    /// written in place, as nothing can be renamed over it.
    Special {
        writer: BufWriter<File>,
        path: PathBuf,
    },
    /// Another writer: a database's spool under `-j` ([`spool`]).
    Writer(Box<dyn Write>),
}

/// Opens `path` for writing in place when it must not be replaced by a
/// rename: anything but a regular file reached without a symlink (a FIFO,
/// a device such as /dev/null, a directory to fail on, or a symlink such
/// as /dev/stdout or /proc/self/fd/1, written through as pg_dumpall
/// writes through it). Returns None when the dump should go to a
/// temporary sibling renamed into place: the path does not exist or is a
/// regular file.
///
/// The path is first opened as O_PATH without following a symlink, which
/// neither blocks on a FIFO nor opens it for I/O; the real open then uses
/// O_CREAT as fopen("w") does, so the kernel's protected_fifos and
/// protected_regular rules apply, and is checked to have reached the same
/// file, so a path swapped in between is never written.
fn open_in_place(path: &Path) -> io::Result<Option<File>> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let probe = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH | libc::O_NOFOLLOW)
        .open(path);
    let probe = match probe {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let seen = probe.metadata()?;
    let kind = seen.file_type();
    if kind.is_file() {
        return Ok(None);
    }
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create(true).mode(0o600);
    if kind.is_symlink() {
        // Whatever the link leads to, as pg_dumpall opens it.
        return open.truncate(true).open(path).map(Some);
    }
    // No O_TRUNC: should the path have become a regular file meanwhile,
    // it is left as it was.
    let file = open.custom_flags(libc::O_NOFOLLOW).open(path)?;
    let now = file.metadata()?;
    if (now.dev(), now.ino()) != (seen.dev(), seen.ino()) {
        return Err(io::Error::other("file was replaced while being opened"));
    }
    Ok(Some(file))
}

/// The output of one run.
pub(crate) struct Sink {
    target: Target,
    sync: bool,
    /// Bytes written so far.
    written: u64,
    /// Where written bytes are also counted for another thread (progress).
    counter: Option<SharedCount>,
    /// `-Z`: the stream is compressed into this buffer, which is handed
    /// to the target after every write (so it holds at most what one
    /// write made the encoder emit).
    encoder: Option<Box<compress::Encoder<Vec<u8>>>>,
    /// Bytes waiting for the encoder: a COPY writes once per row, and
    /// each call into a compressor costs more than the copy.
    staged: Vec<u8>,
    /// The bytes that reach the file (compressed, if they are), hashed
    /// for a directory dump's manifest.
    hasher: Option<manifest::FileHasher>,
}

const BUFFER: usize = 256 * 1024;
/// What the encoder is handed at a time (see [`Sink::staged`]).
const STAGE: usize = 128 * 1024;

/// A byte count shared with another thread (the progress line), added to
/// once per [`SharedCount::PUBLISH_EVERY`] bytes rather than once per
/// write (a COPY writes once per row): the reader may lag by that much,
/// the writer pays next to nothing. What is pending is added on flush and
/// when the sink goes (finished or dropped), so the final count is exact.
struct SharedCount {
    shared: std::sync::Arc<std::sync::atomic::AtomicU64>,
    pending: u64,
}

impl SharedCount {
    const PUBLISH_EVERY: u64 = 64 * 1024;

    fn add(&mut self, bytes: u64) {
        self.pending += bytes;
        if self.pending >= Self::PUBLISH_EVERY {
            self.publish();
        }
    }

    fn publish(&mut self) {
        if self.pending > 0 {
            self.shared
                .fetch_add(self.pending, std::sync::atomic::Ordering::Relaxed);
            self.pending = 0;
        }
    }
}

impl Drop for SharedCount {
    fn drop(&mut self) {
        self.publish();
    }
}

impl Sink {
    /// Standard output.
    pub(crate) fn stdout() -> Sink {
        Sink {
            target: Target::Stdout(BufWriter::with_capacity(BUFFER, io::stdout())),
            sync: false,
            written: 0,
            counter: None,
            encoder: None,
            staged: Vec::new(),
            hasher: None,
        }
    }

    /// `-f FILE`. `sync` is false with `--no-sync`.
    pub(crate) fn file(path: &Path, sync: bool) -> Result<Sink, OutputError> {
        let open_err = |source| OutputError::Open {
            path: path.display().to_string(),
            source,
        };
        let target = match open_in_place(path).map_err(open_err)? {
            Some(file) => Target::Special {
                writer: BufWriter::with_capacity(BUFFER, file),
                path: path.to_path_buf(),
            },
            None => {
                let dir = match path.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                    _ => PathBuf::from("."),
                };
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "dump".into());
                // tempfile creates the file with mode 0600.
                let tmp = tempfile::Builder::new()
                    .prefix(&format!(".{name}."))
                    .suffix(".partial")
                    .tempfile_in(&dir)
                    .map_err(open_err)?;
                Target::Atomic {
                    _guard: PartialGuard::new(tmp.path()),
                    writer: BufWriter::with_capacity(BUFFER, tmp),
                    path: path.to_path_buf(),
                }
            }
        };
        Ok(Sink {
            target,
            sync,
            written: 0,
            counter: None,
            encoder: None,
            staged: Vec::new(),
            hasher: None,
        })
    }

    /// A sink writing into `writer` (which buffers as it sees fit).
    pub(crate) fn writer(writer: Box<dyn Write>) -> Sink {
        Sink {
            target: Target::Writer(writer),
            sync: false,
            written: 0,
            counter: None,
            encoder: None,
            staged: Vec::new(),
            hasher: None,
        }
    }

    /// The same sink, compressing everything written to it from now on
    /// (nothing for `none`).
    pub(crate) fn compressed(mut self, how: &compress::Compression) -> Result<Sink, OutputError> {
        if how.method != compress::Method::None {
            let encoder = compress::Encoder::new(Vec::new(), how).map_err(OutputError::Write)?;
            self.encoder = Some(Box::new(encoder));
            self.staged = Vec::with_capacity(STAGE);
        }
        Ok(self)
    }

    /// The same sink, recording in `hashes` the size and SHA-256 of the
    /// file it writes once the file is in place (a file only).
    pub(crate) fn hashed_into(mut self, hashes: &manifest::Hashes) -> Sink {
        if matches!(self.target, Target::Atomic { .. } | Target::Special { .. }) {
            self.hasher = Some(manifest::FileHasher::new(hashes));
        }
        self
    }

    /// Hands bytes to the target, hashing them on the way.
    fn emit(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        if let Some(hasher) = &mut self.hasher {
            hasher.update(bytes);
        }
        self.out().write_all(bytes).map_err(OutputError::Write)
    }

    /// Compresses the staged bytes and hands the result to the target.
    fn compress_staged(&mut self) -> Result<(), OutputError> {
        let Some(encoder) = self.encoder.as_mut() else {
            return Ok(());
        };
        if self.staged.is_empty() {
            return Ok(());
        }
        encoder
            .write_all(&self.staged)
            .map_err(OutputError::Write)?;
        self.staged.clear();
        self.drain_encoder()
    }

    /// Hands what the encoder has emitted to the target.
    fn drain_encoder(&mut self) -> Result<(), OutputError> {
        let Some(encoder) = self.encoder.as_mut() else {
            return Ok(());
        };
        let emitted = std::mem::take(encoder.get_mut());
        let result = self.emit(&emitted);
        if let Some(encoder) = self.encoder.as_mut() {
            // Keep the allocation for the next write.
            *encoder.get_mut() = emitted;
            encoder.get_mut().clear();
        }
        result
    }

    fn out(&mut self) -> &mut dyn Write {
        match &mut self.target {
            Target::Stdout(w) => w,
            Target::Atomic { writer, .. } => writer,
            Target::Special { writer, .. } => writer,
            Target::Writer(writer) => writer,
        }
    }

    /// Also counts every byte written from now on into `counter`.
    pub(crate) fn count_into(&mut self, counter: std::sync::Arc<std::sync::atomic::AtomicU64>) {
        self.counter = Some(SharedCount {
            shared: counter,
            pending: 0,
        });
    }

    /// Bytes written so far.
    pub(crate) fn written(&self) -> u64 {
        self.written
    }

    /// Writes raw bytes (COPY data, already in the section's encoding).
    pub(crate) fn write_bytes(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        self.written += bytes.len() as u64;
        if let Some(counter) = &mut self.counter {
            counter.add(bytes.len() as u64);
        }
        match self.encoder.as_mut() {
            None => self.emit(bytes),
            Some(_) if self.staged.len() + bytes.len() <= STAGE => {
                self.staged.extend_from_slice(bytes);
                Ok(())
            }
            Some(_) => {
                self.compress_staged()?;
                if bytes.len() < STAGE {
                    self.staged.extend_from_slice(bytes);
                    return Ok(());
                }
                // A write of a whole stage or more goes to the encoder as
                // it is (staging it would only copy it first).
                if let Some(encoder) = self.encoder.as_mut() {
                    encoder.write_all(bytes).map_err(OutputError::Write)?;
                }
                self.drain_encoder()
            }
        }
    }

    /// Writes a byte string (see [`crate::text`]).
    pub(crate) fn write_text(&mut self, text: &str) -> Result<(), OutputError> {
        if text.is_ascii() {
            return self.write_bytes(text.as_bytes());
        }
        self.write_bytes(&crate::text::to_bytes(text))
    }

    /// Flushes what is buffered (before a long pause, so readers of a pipe
    /// see progress).
    pub(crate) fn flush(&mut self) -> Result<(), OutputError> {
        if let Some(counter) = &mut self.counter {
            counter.publish();
        }
        self.compress_staged()?;
        if let Some(encoder) = self.encoder.as_mut() {
            encoder.flush().map_err(OutputError::Write)?;
            self.drain_encoder()?;
        }
        self.out().flush().map_err(OutputError::Write)
    }

    /// Completes the output: flushes, fsyncs a file (unless `--no-sync`)
    /// and renames it into place. Dropping a sink without finishing it
    /// removes the temporary file.
    pub(crate) fn finish(mut self) -> Result<(), OutputError> {
        self.compress_staged()?;
        if let Some(encoder) = self.encoder.take() {
            let trailer = encoder.finish().map_err(OutputError::Write)?;
            self.emit(&trailer)?;
        }
        let sync = self.sync;
        let hasher = self.hasher.take();
        match self.target {
            Target::Stdout(mut w) => w.flush().map_err(OutputError::Write),
            Target::Writer(mut w) => w.flush().map_err(OutputError::Write),
            Target::Special { writer, path } => {
                let file = writer
                    .into_inner()
                    .map_err(|e| OutputError::Write(e.into_error()))?;
                if sync {
                    // Devices and pipes may not support fsync; that is fine.
                    let _ = file.sync_all();
                }
                if let Some(hasher) = hasher {
                    hasher.done(&path);
                }
                Ok(())
            }
            Target::Atomic {
                writer,
                path,
                _guard,
            } => {
                let tmp = writer
                    .into_inner()
                    .map_err(|e| OutputError::Write(e.into_error()))?;
                if sync {
                    tmp.as_file()
                        .sync_all()
                        .map_err(|source| OutputError::Sync {
                            path: path.display().to_string(),
                            source,
                        })?;
                }
                let tmp_path = tmp.path().display().to_string();
                tmp.persist(&path).map_err(|e| OutputError::Rename {
                    from: tmp_path,
                    to: path.display().to_string(),
                    source: e.error,
                })?;
                if sync {
                    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                        if let Ok(d) = File::open(dir) {
                            let _ = d.sync_all();
                        }
                    }
                }
                if let Some(hasher) = hasher {
                    hasher.done(&path);
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests;
