//! The command-line front end: parse and check the arguments as
//! pg_dumpall does. The binary's `main` plans and runs what they ask for.

pub(crate) mod args;
pub mod command;
pub(crate) mod filter;
#[cfg(test)]
mod filter_fuzz_tests;
pub(crate) mod format;
pub mod generate;
mod getopt;
pub(crate) mod help;
pub(crate) mod jobs;
pub(crate) mod options;
mod used;

pub(crate) use args::{Invocation, UsageError};
pub use options::Options;
pub use used::options_used;

use std::io::Write;

use crate::diag;

/// Sets up diagnostics from the process's arguments and environment: the
/// program name messages use (`argv[0]`) and `PGDUMPALL_RS_LOG` tracing.
pub fn init(argv: &[std::ffi::OsString]) {
    if let Some(argv0) = argv.first() {
        diag::set_program_name(argv0);
    }
    init_tracing();
}

fn init_tracing() {
    // PGDUMPALL_RS_LOG=debug shows every catalog query and COPY with its
    // duration, for troubleshooting (README "Logging for diagnosis").
    let filter = tracing_subscriber::EnvFilter::try_from_env("PGDUMPALL_RS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    // Colours only on a terminal: a log file or pipe gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(log_writer)
        .try_init();
}

/// Where log lines go: stderr; under feature `heap-stats` each line starts
/// with the live heap and its peak since the previous line.
fn log_writer() -> std::io::Stderr {
    #[cfg(feature = "heap-stats")]
    eprint!("{}", crate::heap_stats::take());
    std::io::stderr()
}

/// Parses `argv` (`argv[0]` included) as pg_dumpall does, reading `--filter`
/// files and checking conflicts. `Err` is the exit code of a run that ends
/// here: `--help`, `--version` (0) or a usage error (1, reported).
pub fn parse_command_line(argv: &[std::ffi::OsString]) -> Result<Box<Options>, i32> {
    let opts = match args::parse(argv) {
        Ok(Invocation::Help) => {
            print!("{}", help::help_text(diag::program()));
            let _ = std::io::stdout().flush();
            return Err(0);
        }
        Ok(Invocation::Version) => {
            print!("{}", help::version_text(diag::program()));
            let _ = std::io::stdout().flush();
            return Err(0);
        }
        Ok(Invocation::Run(opts)) => opts,
        Err(e) => return Err(usage_failure(&e)),
    };
    // pg_dumpall reads --filter files while parsing, so their errors come
    // before the conflict checks, and their patterns count as
    // --exclude-database for those checks.
    let mut opts = opts;
    for path in opts.filter.clone() {
        match filter::read_filter_file(&path) {
            Ok(patterns) => opts.exclude_database.extend(patterns),
            Err(msg) => {
                diag::error(&msg);
                return Err(1);
            }
        }
    }
    if let Err(e) = args::check_conflicts(&opts) {
        return Err(usage_failure(&e));
    }
    Ok(opts)
}

fn usage_failure(e: &UsageError) -> i32 {
    eprintln!("{}", e.line);
    if e.with_hint {
        diag::try_help();
    }
    1
}
