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
    pub globals: bool,
    pub roles: bool,
    pub tablespaces: bool,
    pub databases: bool,
}

/// The settings of one run.
#[derive(Debug, Clone)]
pub struct DumpOptions {
    pub connect: ConnectArgs,
    /// The connection options as given (`-d`, `-h`, `-p`, `-U`), for the
    /// connection string pg_dumpall shows when it refuses a database name.
    pub shown_connection: ShownConnection,
    pub parts: Parts,
    /// `-f` (None: standard output).
    pub file: Option<PathBuf>,
    /// Not `--no-sync`.
    pub sync: bool,
    pub verbose: bool,
    /// `-l`: the database the cluster session connects to.
    pub database: Option<String>,
    /// `--exclude-database`, with the patterns of `--filter` files.
    pub exclude_database: Vec<String>,
    /// `-E`.
    pub encoding: Option<String>,
    /// `--role`.
    pub role: Option<String>,
    pub quote_all_identifiers: bool,
    pub restrict_key: Option<String>,
    pub lock_wait_timeout: Option<String>,
    pub clean: bool,
    pub if_exists: bool,
    pub no_role_passwords: bool,
    pub binary_upgrade: bool,
    /// `-S`: the superuser that `--disable-triggers` switches to.
    pub superuser: Option<String>,
    pub disable_triggers: bool,
    pub no_publications: bool,
    pub no_subscriptions: bool,
    /// `--extra-float-digits` (validated), 3 by default.
    pub extra_float_digits: i64,
    /// The error pg_dump would report on the first database it dumps
    /// (bad integer values, conflicting per-database options).
    pub pg_dump_error: Option<String>,
    /// A per-database option not honoured yet.
    pub unsupported: Option<&'static str>,
    pub print: PrintFlags,
    pub render: RenderOptions,
}

/// `-d`, `-h`, `-p`, `-U` as given.
#[derive(Debug, Clone, Default)]
pub struct ShownConnection {
    pub conninfo: Option<String>,
    pub host: Option<String>,
    pub port: Option<String>,
    pub user: Option<String>,
}
