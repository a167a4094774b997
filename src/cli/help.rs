//! `--help`: pg_dumpall 18.6's text, with our program name, plus a group
//! for what pgdumpall-rs adds.

/// pg_dumpall 18.6's help, `{prog}` standing for the program name.
pub const REFERENCE_HELP: &str = r#"
{prog} exports a PostgreSQL database cluster as an SQL script.

Usage:
  {prog} [OPTION]...

General options:
  -f, --file=FILENAME          output file name
  -v, --verbose                verbose mode
  -V, --version                output version information, then exit
  --lock-wait-timeout=TIMEOUT  fail after waiting TIMEOUT for a table lock
  -?, --help                   show this help, then exit

Options controlling the output content:
  -a, --data-only              dump only the data, not the schema or statistics
  -c, --clean                  clean (drop) databases before recreating
  -E, --encoding=ENCODING      dump the data in encoding ENCODING
  -g, --globals-only           dump only global objects, no databases
  -O, --no-owner               skip restoration of object ownership
  -r, --roles-only             dump only roles, no databases or tablespaces
  -s, --schema-only            dump only the schema, no data or statistics
  -S, --superuser=NAME         superuser user name to use in the dump
  -t, --tablespaces-only       dump only tablespaces, no databases or roles
  -x, --no-privileges          do not dump privileges (grant/revoke)
  --binary-upgrade             for use by upgrade utilities only
  --column-inserts             dump data as INSERT commands with column names
  --disable-dollar-quoting     disable dollar quoting, use SQL standard quoting
  --disable-triggers           disable triggers during data-only restore
  --exclude-database=PATTERN   exclude databases whose name matches PATTERN
  --extra-float-digits=NUM     override default setting for extra_float_digits
  --filter=FILENAME            exclude databases based on expressions in FILENAME
  --if-exists                  use IF EXISTS when dropping objects
  --inserts                    dump data as INSERT commands, rather than COPY
  --load-via-partition-root    load partitions via the root table
  --no-comments                do not dump comment commands
  --no-data                    do not dump data
  --no-policies                do not dump row security policies
  --no-publications            do not dump publications
  --no-role-passwords          do not dump passwords for roles
  --no-schema                  do not dump schema
  --no-security-labels         do not dump security label assignments
  --no-statistics              do not dump statistics
  --no-subscriptions           do not dump subscriptions
  --no-sync                    do not wait for changes to be written safely to disk
  --no-table-access-method     do not dump table access methods
  --no-tablespaces             do not dump tablespace assignments
  --no-toast-compression       do not dump TOAST compression methods
  --no-unlogged-table-data     do not dump unlogged table data
  --on-conflict-do-nothing     add ON CONFLICT DO NOTHING to INSERT commands
  --quote-all-identifiers      quote all identifiers, even if not key words
  --restrict-key=RESTRICT_KEY  use provided string as psql \restrict key
  --rows-per-insert=NROWS      number of rows per INSERT; implies --inserts
  --sequence-data              include sequence data in dump
  --statistics                 dump the statistics
  --statistics-only            dump only the statistics, not schema or data
  --use-set-session-authorization
                               use SET SESSION AUTHORIZATION commands instead of
                               ALTER OWNER commands to set ownership

Connection options:
  -d, --dbname=CONNSTR     connect using connection string
  -h, --host=HOSTNAME      database server host or socket directory
  -l, --database=DBNAME    alternative default database
  -p, --port=PORT          database server port number
  -U, --username=NAME      connect as specified database user
  -w, --no-password        never prompt for password
  -W, --password           force password prompt (should happen automatically)
  --role=ROLENAME          do SET ROLE before dump

If -f/--file is not used, then the SQL script will be written to the standard
output.

"#;

/// Renders the help text for `program`.
pub fn help_text(program: &str) -> String {
    let mut text = REFERENCE_HELP
        .trim_start_matches('\n')
        .replace("{prog}", program);
    text.push_str(concat!(
        "pgdumpall-rs writes the same SQL as pg_dumpall 18 without running pg_dump,\n",
        "for servers 14 to 18.\n",
        "\n",
        "Report bugs to the pgdumpall-rs issue tracker.\n",
    ));
    text
}

/// `--version`: the PostgreSQL version whose output we reproduce first, so
/// scripts that parse `pg_dumpall --version` keep working.
pub fn version_text(program: &str) -> String {
    format!(
        "{program} (PostgreSQL) 18.6 (pgdumpall-rs {})\n",
        env!("CARGO_PKG_VERSION")
    )
}
