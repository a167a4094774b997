//! The flag table: every pg_dumpall 18 option, defined once, as a field of
//! [`Options`] with its clap attributes (names, aliases, value name, help
//! text, help section). Parsing ([`super::args`], through
//! `getopt`), `--help` ([`super::help`]), the man page and the
//! shell completions (`super::generate`) are all derived from it.
//!
//! Fields are in pg_dumpall 18.6's `--help` order, which is the order the
//! help text, the man page and the completions list them in.

use clap::builder::TypedValueParser;
use clap::{Arg, Command, ValueHint};
use std::ffi::OsStr;
use std::path::PathBuf;

use crate::text;

/// The help sections, in pg_dumpall's order.
pub(crate) const GENERAL: &str = "General options";
pub(crate) const CONTENT: &str = "Options controlling the output content";
pub(crate) const CONNECTION: &str = "Connection options";
/// pgdumpall-rs's own options, after pg_dumpall's (see README "Operating").
pub(crate) const OWN: &str = "Options of pgdumpall-rs (not in pg_dumpall)";

/// What the program does (after its name, in `--help` and the man page).
pub(crate) const ABOUT: &str = "exports a PostgreSQL database cluster as an SQL script.";

/// The paragraph after the options.
pub(crate) const AFTER_HELP: &str =
    "If -f/--file is not used, then the SQL script will be written to the standard\noutput.\n\n\
     With -j/--jobs, up to NUM connections work at once: several databases, and\n\
     the big tables of one database on connections sharing its snapshot; the\n\
     script is the same as without it. Output ready before its turn waits in\n\
     memory (16 MB per database or table) and then in unlinked temporary files\n\
     in $TMPDIR (else beside the -f file): at worst these hold the output of\n\
     the 2*NUM-1 databases that follow the one being written and of 2*NUM of\n\
     its tables.";

/// Everything the command line says, typed.
///
/// Text values that reach the server (names, patterns, encodings) are byte
/// strings (see `crate::text`); file names stay `PathBuf`.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Parser)]
#[command(
    name = "pg_dumpall",
    about = ABOUT,
    long_about = None,
    after_help = AFTER_HELP,
    no_binary_name = true,
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true,
    args_override_self = true,
)]
pub struct Options {
    // General options.
    #[arg(short, long, help_heading = GENERAL)]
    #[arg(value_name = "FILENAME", value_hint = ValueHint::FilePath)]
    #[arg(help = "output file name")]
    pub file: Option<PathBuf>,
    #[arg(short, long, help_heading = GENERAL)]
    #[arg(help = "verbose mode")]
    pub verbose: bool,
    #[arg(long, help_heading = GENERAL)]
    #[arg(value_name = "TIMEOUT", value_parser = ByteString)]
    #[arg(help = "fail after waiting TIMEOUT for a table lock")]
    pub lock_wait_timeout: Option<String>,

    // Output content.
    #[arg(short = 'a', long, help_heading = CONTENT)]
    #[arg(help = "dump only the data, not the schema or statistics")]
    pub data_only: bool,
    #[arg(short, long, help_heading = CONTENT)]
    #[arg(help = "clean (drop) databases before recreating")]
    pub clean: bool,
    #[arg(short = 'E', long, help_heading = CONTENT)]
    #[arg(value_name = "ENCODING", value_parser = ByteString)]
    #[arg(help = "dump the data in encoding ENCODING")]
    pub encoding: Option<String>,
    #[arg(short, long, help_heading = CONTENT)]
    #[arg(help = "dump only global objects, no databases")]
    pub globals_only: bool,
    #[arg(short = 'O', long, help_heading = CONTENT)]
    #[arg(help = "skip restoration of object ownership")]
    pub no_owner: bool,
    #[arg(short, long, help_heading = CONTENT)]
    #[arg(help = "dump only roles, no databases or tablespaces")]
    pub roles_only: bool,
    #[arg(short, long, help_heading = CONTENT)]
    #[arg(help = "dump only the schema, no data or statistics")]
    pub schema_only: bool,
    #[arg(short = 'S', long, help_heading = CONTENT)]
    #[arg(value_name = "NAME", value_parser = ByteString, value_hint = ValueHint::Username)]
    #[arg(help = "superuser user name to use in the dump")]
    pub superuser: Option<String>,
    #[arg(short, long, help_heading = CONTENT)]
    #[arg(help = "dump only tablespaces, no databases or roles")]
    pub tablespaces_only: bool,
    #[arg(short = 'x', long, visible_alias = "no-acl", help_heading = CONTENT)]
    #[arg(help = "do not dump privileges (grant/revoke)")]
    pub no_privileges: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "for use by upgrade utilities only")]
    pub binary_upgrade: bool,
    #[arg(long, visible_alias = "attribute-inserts", help_heading = CONTENT)]
    #[arg(help = "dump data as INSERT commands with column names")]
    pub column_inserts: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "disable dollar quoting, use SQL standard quoting")]
    pub disable_dollar_quoting: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "disable triggers during data-only restore")]
    pub disable_triggers: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(value_name = "PATTERN", value_parser = ByteString)]
    #[arg(help = "exclude databases whose name matches PATTERN")]
    pub exclude_database: Vec<String>,
    #[arg(long, help_heading = CONTENT)]
    #[arg(value_name = "NUM", value_parser = ByteString)]
    #[arg(help = "override default setting for extra_float_digits")]
    pub extra_float_digits: Option<String>,
    #[arg(long, help_heading = CONTENT)]
    #[arg(value_name = "FILENAME", value_hint = ValueHint::FilePath)]
    #[arg(help = "exclude databases based on expressions in FILENAME")]
    pub filter: Vec<PathBuf>,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "use IF EXISTS when dropping objects")]
    pub if_exists: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "dump data as INSERT commands, rather than COPY")]
    pub inserts: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "load partitions via the root table")]
    pub load_via_partition_root: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "do not dump comment commands")]
    pub no_comments: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "do not dump data")]
    pub no_data: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "do not dump row security policies")]
    pub no_policies: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "do not dump publications")]
    pub no_publications: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "do not dump passwords for roles")]
    pub no_role_passwords: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "do not dump schema")]
    pub no_schema: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "do not dump security label assignments")]
    pub no_security_labels: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "do not dump statistics")]
    pub no_statistics: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "do not dump subscriptions")]
    pub no_subscriptions: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "do not wait for changes to be written safely to disk")]
    pub no_sync: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "do not dump table access methods")]
    pub no_table_access_method: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "do not dump tablespace assignments")]
    pub no_tablespaces: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "do not dump TOAST compression methods")]
    pub no_toast_compression: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "do not dump unlogged table data")]
    pub no_unlogged_table_data: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "add ON CONFLICT DO NOTHING to INSERT commands")]
    pub on_conflict_do_nothing: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "quote all identifiers, even if not key words")]
    pub quote_all_identifiers: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(value_name = "RESTRICT_KEY", value_parser = ByteString)]
    #[arg(help = r"use provided string as psql \restrict key")]
    pub restrict_key: Option<String>,
    #[arg(long, help_heading = CONTENT)]
    #[arg(value_name = "NROWS", value_parser = ByteString)]
    #[arg(help = "number of rows per INSERT; implies --inserts")]
    pub rows_per_insert: Option<String>,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "include sequence data in dump")]
    pub sequence_data: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "dump the statistics")]
    pub statistics: bool,
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "dump only the statistics, not schema or data")]
    pub statistics_only: bool,
    // pg_dumpall breaks this description over two lines; so does ours.
    #[arg(long, help_heading = CONTENT)]
    #[arg(help = "use SET SESSION AUTHORIZATION commands instead of\n\
                  ALTER OWNER commands to set ownership")]
    pub use_set_session_authorization: bool,

    // Connection options.
    #[arg(short, long, help_heading = CONNECTION)]
    #[arg(value_name = "CONNSTR", value_parser = ByteString)]
    #[arg(help = "connect using connection string")]
    pub dbname: Option<String>,
    #[arg(short, long, help_heading = CONNECTION)]
    #[arg(value_name = "HOSTNAME", value_parser = ByteString, value_hint = ValueHint::Hostname)]
    #[arg(help = "database server host or socket directory")]
    pub host: Option<String>,
    #[arg(short = 'l', long, help_heading = CONNECTION)]
    #[arg(value_name = "DBNAME", value_parser = ByteString)]
    #[arg(help = "alternative default database")]
    pub database: Option<String>,
    #[arg(short, long, help_heading = CONNECTION)]
    #[arg(value_name = "PORT", value_parser = ByteString)]
    #[arg(help = "database server port number")]
    pub port: Option<String>,
    #[arg(short = 'U', long, help_heading = CONNECTION)]
    #[arg(value_name = "NAME", value_parser = ByteString, value_hint = ValueHint::Username)]
    #[arg(help = "connect as specified database user")]
    pub username: Option<String>,
    #[arg(short = 'w', long, help_heading = CONNECTION)]
    #[arg(help = "never prompt for password")]
    pub no_password: bool,
    #[arg(short = 'W', long, help_heading = CONNECTION)]
    #[arg(help = "force password prompt (should happen automatically)")]
    pub password: bool,
    #[arg(long, help_heading = CONNECTION)]
    #[arg(value_name = "ROLENAME", value_parser = ByteString)]
    #[arg(help = "do SET ROLE before dump")]
    pub role: Option<String>,

    // pgdumpall-rs's own options (README "Operating"); long names only
    // match in full (see getopt's OWN_LONG_OPTIONS).
    // pg_dump's spelling (src/cli/jobs.rs, src/dump/parallel).
    #[arg(short, long, help_heading = OWN)]
    #[arg(value_name = "NUM", value_parser = ByteString)]
    #[arg(help = "use this many parallel jobs to dump")]
    pub jobs: Option<String>,
    // pg_dump's spelling (src/output/compress).
    #[arg(short = 'Z', long, help_heading = OWN)]
    #[arg(value_name = "METHOD[:DETAIL]", value_parser = ByteString)]
    #[arg(help = "compress as specified")]
    pub compress: Option<String>,
    #[arg(short = 'P', long, help_heading = OWN)]
    #[arg(help = "show progress on standard error")]
    pub progress: bool,
    #[arg(long, help_heading = OWN)]
    #[arg(value_name = "PROGRAM", value_hint = ValueHint::ExecutablePath)]
    #[arg(help = "run PROGRAM before (prepare), after each database\n\
                  (database) and at the end (finalize)")]
    pub hook: Option<PathBuf>,
    #[arg(long, help_heading = OWN)]
    #[arg(value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    #[arg(help = "kill a hook after SECONDS (default: 300)")]
    pub hook_timeout: Option<u64>,
    #[arg(long, help_heading = OWN)]
    #[arg(value_name = "FILENAME", value_hint = ValueHint::FilePath)]
    #[arg(help = "write a JSON report of the run to FILENAME")]
    pub report: Option<PathBuf>,
    #[arg(long, help_heading = OWN)]
    #[arg(help = "add the server's settings and pg_hba.conf rules\n\
                  as comments (-F d: as files in DIR/config)")]
    pub include_config: bool,
    #[arg(short = 'F', long, help_heading = OWN)]
    #[arg(value_name = "p|d", value_parser = ByteString)]
    #[arg(help = "output format: plain text (default), or\n\
                  directory (-f DIR: globals.sql, map.dat,\n\
                  databases/OID archives)")]
    pub format: Option<String>,
    #[arg(long, help_heading = OWN)]
    #[arg(value_name = "VERSION", value_parser = ByteString)]
    #[arg(help = "directory archives' version: 1.16 (default,\n\
                  pg_restore 17+) or 1.14 (pg_restore 14+)")]
    pub archive_version: Option<String>,

    /// Positional arguments (pg_dumpall takes none; reported as an error).
    #[arg(hide = true)]
    #[arg(value_parser = ByteString)]
    pub extra_args: Vec<String>,
}

/// A value taken as a byte string (see `crate::text`): any bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ByteString;

impl TypedValueParser for ByteString {
    type Value = String;

    fn parse_ref(
        &self,
        _cmd: &Command,
        _arg: Option<&Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        Ok(text::from_os(value))
    }
}
