//! What SIGINT, SIGTERM, SIGQUIT and SIGHUP do to a running dump.
//!
//! pg_dumpall runs one pg_dump per database; pg_dump's handler sends a
//! cancel request to the server (so the backend stops the running COPY
//! or query at once), prints `pg_dump: terminated by user` and exits with
//! status 1. pg_dumpall itself ignores SIGINT and SIGQUIT while pg_dump
//! runs (it waits in system()) and then reports `pg_dump failed on
//! database "X", exiting` (status 1); SIGTERM and SIGHUP kill it. We do
//! the same with one process:
//!
//! | signal | during a database | before the databases |
//! |---|---|---|
//! | SIGINT, SIGQUIT | cancel, both messages, exit 1 | cancel, die of the signal |
//! | SIGTERM | cancel, `terminated by user`, die of SIGTERM | cancel, die of it |
//! | SIGHUP | cancel, die of SIGHUP | cancel, die of it |
//!
//! In every case the temporary file of a `-f` output is removed first
//! (in the handler itself). The handler only does async-signal-safe
//! things: it removes the file and wakes a thread through a pipe; that
//! thread sends the cancel requests (bounded in time) and ends the
//! process. A second signal while that thread works does not wait for it:
//! the process ends at once.
//!
//! SIGXFSZ (a file size limit, `ulimit -f`) is ignored, so that a write
//! past the limit fails with "File too large" and is reported like a full
//! disk, with the temporary file removed, instead of killing the process.

use std::io::Write;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::{conn, diag, output, text};

/// The signal being handled (0: none yet).
static RECEIVED: AtomicI32 = AtomicI32::new(0);
/// The write end of the pipe that wakes the handling thread (-1: none).
static WAKE: AtomicI32 = AtomicI32::new(-1);
/// The database being dumped, named when a signal ends its dump.
static CURRENT_DATABASE: Mutex<Option<String>> = Mutex::new(None);

/// How long the cancel requests may take before the process ends anyway.
const CANCEL_LIMIT: Duration = Duration::from_secs(5);

const HANDLED: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGQUIT, libc::SIGHUP];

/// Installs the handlers and starts the thread that acts on them. Called
/// once, before the first connection.
pub fn install() {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return;
    }
    let [read_end, write_end] = fds;
    WAKE.store(write_end, Ordering::SeqCst);
    let started = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || wait_and_act(read_end));
    if started.is_err() {
        return;
    }
    // SAFETY: installing handlers that only call async-signal-safe
    // functions, and ignoring SIGXFSZ.
    unsafe {
        for sig in HANDLED {
            libc::signal(
                sig,
                on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
            );
        }
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

/// Called by the main thread when the dump has ended (well or not): if a
/// signal is being handled, waits for its handling to end the process
/// (with the status and messages the signal calls for).
pub fn wait_if_interrupted() {
    if diag::silenced() || RECEIVED.load(Ordering::SeqCst) != 0 {
        loop {
            std::thread::park();
        }
    }
}

/// Names the database being dumped (None between databases).
pub(crate) fn set_current_database(name: Option<&str>) {
    let mut current = CURRENT_DATABASE.lock().unwrap_or_else(|p| p.into_inner());
    *current = name.map(str::to_string);
}

extern "C" fn on_signal(sig: libc::c_int) {
    output::remove_partial();
    let first = RECEIVED
        .compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst)
        .is_ok();
    let wake = WAKE.load(Ordering::SeqCst);
    if first && wake >= 0 {
        let byte = 1u8;
        // SAFETY: write is async-signal-safe; the buffer is one live byte.
        if unsafe { libc::write(wake, (&byte as *const u8).cast(), 1) } == 1 {
            return;
        }
    }
    // A second signal (or no thread to wake): end now.
    die_of(sig);
}

/// Ends the process the way `sig` ends pg_dumpall: status 1 for SIGINT
/// and SIGQUIT (which pg_dumpall ignores while pg_dump runs), else death
/// by the signal itself.
fn die_of(sig: libc::c_int) {
    // SAFETY: _exit, signal and raise are async-signal-safe.
    unsafe {
        if sig == libc::SIGINT || sig == libc::SIGQUIT {
            libc::_exit(1);
        }
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
        libc::_exit(1);
    }
}

/// The handling thread: waits for the first signal, cancels the server's
/// work, reports as pg_dump and pg_dumpall do, and ends the process.
fn wait_and_act(read_end: libc::c_int) {
    let mut byte = 0u8;
    loop {
        // SAFETY: reading one byte into a live buffer.
        let n = unsafe { libc::read(read_end, (&mut byte as *mut u8).cast(), 1) };
        if n == 1 {
            break;
        }
        if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        return;
    }
    let sig = RECEIVED.load(Ordering::SeqCst);
    // The cancel requests make the dump's queries fail: that is not news.
    diag::silence();
    let sent = conn::cancel::cancel_all(CANCEL_LIMIT);
    tracing::debug!("signal {sig}: {sent} cancel request(s) delivered");
    let database = CURRENT_DATABASE
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    if let Some(name) = database {
        let program = diag::program();
        let mut err = std::io::stderr().lock();
        if sig != libc::SIGHUP {
            let _ = writeln!(err, "{program}: terminated by user");
        }
        if sig == libc::SIGINT || sig == libc::SIGQUIT {
            let _ = writeln!(
                err,
                "{program}: error: pg_dump failed on database \"{}\", exiting",
                text::display(&name)
            );
        }
        let _ = err.flush();
    } else if sig == libc::SIGINT || sig == libc::SIGQUIT {
        // pg_dumpall, outside pg_dump, dies of SIGINT and SIGQUIT.
        // SAFETY: restoring the default action and raising the signal.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }
    die_of(sig);
}
