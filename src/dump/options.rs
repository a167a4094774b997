//! What the dump driver is asked to do, decided once from the command line
//! by the plan (src/plan): nothing in the driver or below it reads the command
//! line's own struct.

use std::path::PathBuf;

use crate::archive::print::PrintFlags;
use crate::archive::RenderOptions;
use crate::conn::ConnectArgs;

/// Which parts of the script to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    pub(crate) globals: bool,
    pub(crate) roles: bool,
    pub(crate) tablespaces: bool,
    pub(crate) databases: bool,
}

/// The settings of one run.
#[derive(Debug, Clone)]
pub struct DumpOptions {
    pub(crate) connect: ConnectArgs,
    /// The connection options as given (`-d`, `-h`, `-p`, `-U`), for the
    /// connection string pg_dumpall shows when it refuses a database name.
    pub(crate) shown_connection: ShownConnection,
    pub(crate) parts: Parts,
    /// `-f` (None: standard output).
    pub(crate) file: Option<PathBuf>,
    /// `-j`: how many databases are dumped at once (1: one after another).
    pub(crate) jobs: usize,
    /// Not `--no-sync`.
    pub(crate) sync: bool,
    /// `-Z`: plain output is compressed whole, to `-f` or standard
    /// output, as `pg_dump -Fp -Z` does (no suffix is added to the name).
    pub(crate) compress: crate::output::compress::Compression,
    pub(crate) verbose: bool,
    /// `-l`: the database the cluster session connects to.
    pub(crate) database: Option<String>,
    /// `--exclude-database`, with the patterns of `--filter` files.
    pub(crate) exclude_database: Vec<String>,
    /// `-E`.
    pub(crate) encoding: Option<String>,
    /// `--role`.
    pub(crate) role: Option<String>,
    pub(crate) quote_all_identifiers: bool,
    pub(crate) restrict_key: Option<String>,
    pub(crate) lock_wait_timeout: Option<String>,
    pub(crate) clean: bool,
    pub(crate) if_exists: bool,
    pub(crate) no_role_passwords: bool,
    pub(crate) binary_upgrade: bool,
    /// `-S`: the superuser that `--disable-triggers` switches to.
    pub(crate) superuser: Option<String>,
    pub(crate) disable_triggers: bool,
    pub(crate) no_publications: bool,
    pub(crate) no_subscriptions: bool,
    /// `--extra-float-digits` (validated), 3 by default.
    pub(crate) extra_float_digits: i64,
    /// The error pg_dump would report on the first database it dumps
    /// (bad integer values, conflicting per-database options).
    pub(crate) pg_dump_error: Option<String>,
    /// A per-database option not honoured yet.
    pub(crate) unsupported: Option<&'static str>,
    /// `--format=directory`: each database an archive (None: plain).
    pub(crate) directory: Option<crate::archive::toc::ArchiveVersion>,
    pub(crate) print: PrintFlags,
    pub(crate) render: RenderOptions,
    /// `--include-config`: the server's configuration as comments.
    pub(crate) include_config: bool,
    /// `-P`, `--hook`, `--report`: told what the run does (src/run).
    pub(crate) observer: crate::run::RunObserver,
    /// The command line's options as the run report and a directory
    /// dump's manifest list them (connection strings left out).
    pub(crate) options_used: Vec<String>,
}

impl DumpOptions {
    /// The same plan, knowing the options the command line used (for the
    /// run report and the manifest).
    pub fn with_options_used(mut self, used: Vec<String>) -> DumpOptions {
        self.observer.record_options(used.clone());
        self.options_used = used;
        self
    }

    /// The run's observer (the binary closes it with the exit status).
    pub fn observer(&self) -> &crate::run::RunObserver {
        &self.observer
    }
}

/// `-d`, `-h`, `-p`, `-U` as given.
#[derive(Debug, Clone, Default)]
pub struct ShownConnection {
    pub(crate) conninfo: Option<String>,
    pub(crate) host: Option<String>,
    pub(crate) port: Option<String>,
    pub(crate) user: Option<String>,
}
