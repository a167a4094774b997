//! Messages in pg_dumpall's style: `<program>: error: ...`, `warning:`,
//! `detail:`, `hint:`, and bare info lines for `-v`.
//!
//! `<program>` is the base name the binary was started as, so a copy
//! installed as `pg_dumpall` speaks like pg_dumpall.

use std::io::Write;
use std::sync::OnceLock;

static PROGRAM: OnceLock<String> = OnceLock::new();

/// Records the program name from `argv[0]` (its base name).
pub fn set_program_name(argv0: &std::ffi::OsStr) {
    let path = std::path::Path::new(argv0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "pgdumpall-rs".to_string());
    let _ = PROGRAM.set(name);
}

/// The program name used as the prefix of every message.
pub(crate) fn program() -> &'static str {
    PROGRAM.get().map(String::as_str).unwrap_or("pgdumpall-rs")
}

/// Set once a fatal signal is being handled: the dump's own errors (a
/// query cancelled by that signal's cancel request) are then not reported;
/// the signal's handling reports what pg_dump and pg_dumpall say.
static SILENCED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Stops every later message of this module.
pub fn silence() {
    SILENCED.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Whether [`silence`] was called.
pub fn silenced() -> bool {
    SILENCED.load(std::sync::atomic::Ordering::SeqCst)
}

fn emit(level: Option<&str>, msg: &str) {
    if silenced() {
        return;
    }
    let mut err = std::io::stderr().lock();
    // A multi-line message (libpq's "\n\tIs the server running...") keeps its
    // continuation lines as they are, like pg_log_* does.
    let msg = msg.trim_end_matches('\n');
    let _ = match level {
        Some(l) => writeln!(err, "{}: {}: {}", program(), l, msg),
        None => writeln!(err, "{}: {}", program(), msg),
    };
}

pub fn error(msg: &str) {
    emit(Some("error"), msg);
}

pub(crate) fn warning(msg: &str) {
    emit(Some("warning"), msg);
}

/// A warning libpq itself prints (`WARNING: ...`, no program name), such
/// as a password file that others may read.
pub(crate) fn libpq_warning(msg: &str) {
    if silenced() {
        return;
    }
    let _ = writeln!(std::io::stderr().lock(), "WARNING: {msg}");
}

pub(crate) fn detail(msg: &str) {
    emit(Some("detail"), msg);
}

pub(crate) fn hint(msg: &str) {
    emit(Some("hint"), msg);
}

/// Like [`emit`] for a message that is a byte string (`crate::text`: it
/// holds names from the catalogs), written as its bytes, as pg_dumpall
/// prints names in the database's own encoding.
fn emit_text(level: Option<&str>, msg: &str) {
    if silenced() {
        return;
    }
    let msg = msg.trim_end_matches('\n');
    let line = match level {
        Some(l) => format!("{}: {}: {}\n", program(), l, msg),
        None => format!("{}: {}\n", program(), msg),
    };
    let _ = std::io::stderr()
        .lock()
        .write_all(&crate::text::to_bytes(&line));
}

/// An info line (`-v`, no level word) for a byte-string message.
pub(crate) fn info_text(msg: &str) {
    emit_text(None, msg);
}

/// A detail line for a byte-string message (a statement's text: pg_dump
/// prints it as the bytes it sent).
pub(crate) fn detail_text(msg: &str) {
    emit_text(Some("detail"), msg);
}

/// [`error`] for a byte-string message.
pub(crate) fn error_text(msg: &str) {
    emit_text(Some("error"), msg);
}

/// The standard "Try ... --help" hint.
pub(crate) fn try_help() {
    hint(&format!(
        "Try \"{} --help\" for more information.",
        program()
    ));
}
