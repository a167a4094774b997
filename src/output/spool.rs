//! Spools: the output of a database dumped before its turn (`-j`), kept in
//! order until the databases before it are written. A spool holds up to a
//! fixed number of bytes in memory and the rest in an anonymous temporary
//! file (0600, unlinked from the start: nothing is left behind whatever
//! ends the process). When its database's turn comes, the spool is copied
//! into the real output and from then on passes every write straight
//! through ([`Spool::hand_over`]).

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, Write};
use std::path::PathBuf;
use std::rc::Rc;

use super::{OutputError, Sink};

/// The memory each spool may hold before it spills to disk.
const DEFAULT_CAP: usize = 16 * 1024 * 1024;

/// Overrides [`DEFAULT_CAP`] (bytes), so that tests can make a small
/// database spill. Not documented for users.
const CAP_VARIABLE: &str = "PGDUMPALL_RS_SPOOL_CAP";

/// Where spools spill and how much memory each may hold.
#[derive(Debug, Clone)]
pub(crate) struct SpoolSettings {
    cap: usize,
    dir: PathBuf,
}

impl SpoolSettings {
    /// `$TMPDIR` when set, else the directory of the `-f` file, else the
    /// system's temporary directory.
    pub(crate) fn new(output_file: Option<&std::path::Path>) -> SpoolSettings {
        let beside_output = output_file
            .and_then(|f| f.parent())
            .filter(|d| !d.as_os_str().is_empty())
            .map(PathBuf::from);
        let dir = match std::env::var_os("TMPDIR").filter(|d| !d.is_empty()) {
            Some(tmp) => PathBuf::from(tmp),
            None => beside_output.unwrap_or_else(std::env::temp_dir),
        };
        let cap = std::env::var(CAP_VARIABLE)
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(DEFAULT_CAP);
        SpoolSettings { cap, dir }
    }
}

/// What a spool holds, or where its writes go once it is its turn.
enum State {
    Buffering {
        memory: Vec<u8>,
        /// Everything past the first `cap` bytes, in order.
        spilled: Option<BufWriter<File>>,
    },
    Direct(Rc<RefCell<Sink>>),
}

/// One database's spool, as the driver holds it.
pub(crate) struct Spool {
    state: Rc<RefCell<State>>,
    settings: SpoolSettings,
}

impl Spool {
    pub(crate) fn new(settings: &SpoolSettings) -> Spool {
        Spool {
            state: Rc::new(RefCell::new(State::Buffering {
                memory: Vec::new(),
                spilled: None,
            })),
            settings: settings.clone(),
        }
    }

    /// A sink that writes into this spool (several may exist in turn: a
    /// database started again after a refused connection gets a new one).
    pub(crate) fn sink(&self) -> Sink {
        Sink::writer(Box::new(SpoolWriter {
            state: self.state.clone(),
            settings: self.settings.clone(),
        }))
    }

    /// Copies what the spool holds into `out` and makes every later write
    /// go straight to it. Idempotent.
    pub(crate) fn hand_over(&self, out: &Rc<RefCell<Sink>>) -> Result<(), OutputError> {
        let mut state = self.state.try_borrow_mut().map_err(busy)?;
        let mut sink = out.try_borrow_mut().map_err(busy)?;
        if let State::Buffering { memory, spilled } = &mut *state {
            sink.write_bytes(memory)?;
            if let Some(file) = spilled.take() {
                copy_spilled(file, &mut sink)?;
            }
        }
        *state = State::Direct(out.clone());
        Ok(())
    }
}

/// A RefCell found borrowed: cannot happen (every borrow ends before the
/// next await), but is an error rather than a panic.
fn busy(_: std::cell::BorrowMutError) -> OutputError {
    OutputError::Write(io::Error::other("output spool in use"))
}

/// Appends a spilled file's contents to `sink`.
fn copy_spilled(file: BufWriter<File>, sink: &mut Sink) -> Result<(), OutputError> {
    let mut file = file
        .into_inner()
        .map_err(|e| OutputError::Write(e.into_error()))?;
    file.rewind().map_err(OutputError::Write)?;
    let mut chunk = vec![0; 1 << 20];
    loop {
        let n = match file.read(&mut chunk) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(OutputError::Write(e)),
        };
        sink.write_bytes(&chunk[..n])?;
    }
}

/// The writing end of a spool, inside a [`Sink`].
struct SpoolWriter {
    state: Rc<RefCell<State>>,
    settings: SpoolSettings,
}

impl Write for SpoolWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut state = self.state.try_borrow_mut().map_err(io::Error::other)?;
        match &mut *state {
            State::Direct(out) => {
                let mut sink = out.try_borrow_mut().map_err(io::Error::other)?;
                sink.write_bytes(buf).map_err(into_io)?;
            }
            State::Buffering {
                spilled: Some(file),
                ..
            } => file.write_all(buf)?,
            State::Buffering { memory, spilled } => {
                if memory.len() + buf.len() <= self.settings.cap {
                    memory.extend_from_slice(buf);
                } else {
                    // tempfile() opens an unnamed file (O_TMPFILE, or
                    // created and unlinked at once), mode 0600.
                    let file = tempfile::tempfile_in(&self.settings.dir).map_err(|e| {
                        io::Error::new(
                            e.kind(),
                            format!(
                                "could not create temporary file in \"{}\": {}",
                                self.settings.dir.display(),
                                super::strerror(&e)
                            ),
                        )
                    })?;
                    let mut file = BufWriter::with_capacity(256 * 1024, file);
                    file.write_all(buf)?;
                    *spilled = Some(file);
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let state = self.state.try_borrow().map_err(io::Error::other)?;
        if let State::Direct(out) = &*state {
            let mut sink = out.try_borrow_mut().map_err(io::Error::other)?;
            sink.flush().map_err(into_io)?;
        }
        Ok(())
    }
}

/// The I/O error inside a write error (so that the spool's sink reports
/// it in the same words).
fn into_io(e: OutputError) -> io::Error {
    match e {
        OutputError::Write(e) => e,
        other => io::Error::other(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(cap: usize, dir: &std::path::Path) -> SpoolSettings {
        SpoolSettings {
            cap,
            dir: dir.to_path_buf(),
        }
    }

    #[test]
    fn spooled_bytes_come_out_in_order_then_pass_through() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.sql");
        let out = Rc::new(RefCell::new(Sink::file(&target, false).unwrap()));
        let spill_dir = tempfile::tempdir().unwrap();
        // A cap of 10 bytes: the second write spills.
        let spool = Spool::new(&settings(10, spill_dir.path()));
        let mut sink = spool.sink();
        sink.write_text("0123456").unwrap();
        sink.write_text("789abcdef").unwrap();
        sink.write_text("ghij").unwrap();
        // The spilled file has no name: nothing to see in its directory.
        assert_eq!(std::fs::read_dir(spill_dir.path()).unwrap().count(), 0);
        out.borrow_mut().write_text("head:").unwrap();
        spool.hand_over(&out).unwrap();
        sink.write_text(":tail").unwrap();
        sink.flush().unwrap();
        spool.hand_over(&out).unwrap();
        drop(sink);
        drop(spool);
        let out = Rc::try_unwrap(out).ok().unwrap().into_inner();
        out.finish().unwrap();
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "head:0123456789abcdefghij:tail"
        );
    }

    #[test]
    fn an_unwritable_spill_directory_is_a_write_error() {
        let spool = Spool::new(&settings(1, std::path::Path::new("/nonexistent-dir")));
        let err = spool.sink().write_text("xy").unwrap_err().to_string();
        assert!(
            err.starts_with("could not write to output file: could not create temporary file in \"/nonexistent-dir\""),
            "{err}"
        );
    }
}
