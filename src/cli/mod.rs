//! The command-line front end: parse, check, run, report, exit code.

pub mod args;
pub mod command;
pub mod filter;
pub mod generate;
mod getopt;
pub mod help;
pub mod options;

pub use args::{Invocation, Options, UsageError};

use std::io::Write;

use crate::diag;

/// Runs the program on the process's arguments; returns the exit code.
pub fn main() -> i32 {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(argv0) = argv.first() {
        diag::set_program_name(argv0);
    }
    init_tracing();
    run(&argv)
}

fn init_tracing() {
    // PGDUMPALL_RS_LOG=debug shows every catalog query, for troubleshooting.
    let filter = tracing_subscriber::EnvFilter::try_from_env("PGDUMPALL_RS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Runs the program on `argv` (argv[0] included).
pub fn run(argv: &[std::ffi::OsString]) -> i32 {
    let opts = match args::parse(argv) {
        Ok(Invocation::Help) => {
            print!("{}", help::help_text(diag::program()));
            let _ = std::io::stdout().flush();
            return 0;
        }
        Ok(Invocation::Version) => {
            print!("{}", help::version_text(diag::program()));
            let _ = std::io::stdout().flush();
            return 0;
        }
        Ok(Invocation::Run(opts)) => opts,
        Err(e) => return usage_failure(&e),
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
                return 1;
            }
        }
    }
    if let Err(e) = args::check_conflicts(&opts) {
        return usage_failure(&e);
    }
    // One thread: the dump is a sequence of round trips to the server, and
    // keeping the connection tasks on the same thread as the driver saves
    // a cross-thread wake-up per message.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            diag::error(&format!("could not start the async runtime: {e}"));
            return 1;
        }
    };
    match runtime.block_on(crate::dump::run(&opts)) {
        Ok(()) => 0,
        Err(e) => {
            e.report();
            1
        }
    }
}

fn usage_failure(e: &UsageError) -> i32 {
    eprintln!("{}", e.line);
    if e.with_hint {
        diag::try_help();
    }
    1
}
