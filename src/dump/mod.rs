//! The dump driver: connects, sets the session up as pg_dumpall does,
//! writes the header, the global objects and the per-database parts.

pub(crate) mod config;
pub(crate) mod content;
pub(crate) mod database;
pub(crate) mod directory;
pub(crate) mod globals;
pub(crate) mod inserts;
pub(crate) mod objects;
pub(crate) mod observe;
pub mod options;
mod parallel;
pub(crate) mod session;
pub(crate) mod shell_arg;

use thiserror::Error;
use tokio_postgres::error::SqlState;

use crate::catalog::CatalogError;
use crate::conn::{ConnError, ConnectArgs, Connector};
use crate::diag;
use crate::output::{OutputError, Sink};
use crate::pg::RowError;
use crate::sql::globals as emit;
use crate::sql::pattern;
use crate::text;
use options::DumpOptions;

/// The PostgreSQL release whose pg_dumpall output we reproduce.
pub(crate) const REFERENCE_VERSION: &str = "18.6";
/// Its major version, as server_version_num / 10000.
pub(crate) const REFERENCE_MAJOR: i32 = 18;
/// The oldest server major version supported.
pub(crate) const OLDEST_MAJOR: i32 = 14;

/// Why a dump failed. Each variant renders as the `error:` line; details
/// and hints are printed by [`DumpError::report`].
#[derive(Debug, Error)]
pub enum DumpError {
    #[error("{0}")]
    Connection(#[from] ConnError),
    #[error("could not connect to database \"{0}\"")]
    ConnectDatabase(String),
    #[error("aborting because of server version mismatch")]
    VersionMismatch { server: String },
    #[error("server version {0} is not supported; pgdumpall-rs supports PostgreSQL 14 to 18")]
    ServerTooOld(String),
    #[error("invalid client encoding \"{0}\" specified")]
    InvalidEncoding(String),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("improper qualified name (too many dotted names): {0}")]
    DottedPattern(String),
    #[error("{0}")]
    Usage(String),
    /// A database name pg_dumpall cannot pass to pg_dump (and that no
    /// `\connect` line could hold): the connection string it would have
    /// built. Reported bare, as pg_dumpall does.
    #[error("shell command argument contains a newline or carriage return: \"{0}\"")]
    ShellArgument(String),
    /// pg_dumpall's last word when a database failed (the database's name,
    /// a byte string, printed as its bytes).
    #[error("pg_dump failed on database \"{}\", exiting", text::display(.0))]
    PgDumpFailed(String),
    #[error("{0}")]
    Other(String),
}

impl DumpError {
    /// Prints the error the way pg_dumpall does (error, then detail lines).
    pub fn report(&self) {
        match self {
            DumpError::ShellArgument(_) => {
                use std::io::Write;
                let line = text::to_bytes(&format!("{self}\n"));
                let _ = std::io::stderr().lock().write_all(&line);
                return;
            }
            DumpError::PgDumpFailed(name) => {
                diag::error_text(&format!("pg_dump failed on database \"{name}\", exiting"));
                return;
            }
            _ => {}
        }
        diag::error(&self.to_string());
        match self {
            DumpError::VersionMismatch { server } => diag::detail(&format!(
                "server version: {server}; {} version: {REFERENCE_VERSION}",
                diag::program()
            )),
            DumpError::Catalog(CatalogError::Query { query, .. }) => {
                diag::detail_text(&format!("Query was: {query}"))
            }
            DumpError::Catalog(CatalogError::Row(e)) => {
                if let Some(detail) = e.detail() {
                    diag::detail_text(&detail);
                }
            }
            _ => {}
        }
    }
}

impl From<RowError> for DumpError {
    fn from(e: RowError) -> DumpError {
        DumpError::Catalog(e.into())
    }
}

/// Runs a whole dump. Returns when the output is complete (or failed; a
/// failed `-f` run leaves no file behind).
pub async fn run(opts: &DumpOptions) -> Result<(), DumpError> {
    let exclude_patterns = &opts.exclude_database;
    let parts = opts.parts;
    if parts.databases {
        if let Some(option) = opts.unsupported {
            return Err(DumpError::Usage(format!(
                "option {option} is not supported yet"
            )));
        }
    }

    // The directory format's output directory is checked before connecting.
    let out_dir = match (&opts.directory, &opts.file) {
        (Some(version), Some(path)) => Some((*version, directory::OutputDir::check(path)?)),
        _ => None,
    };
    let connector = connector_for(opts)?;
    let conn = connect_first(&connector, opts).await?;
    check_server_version(conn.server_version_num, &conn.server_version)?;
    let session = session::Session::setup(conn, opts).await?;

    let excluded = excluded_databases(&session, exclude_patterns).await?;
    check_pg_dump_options(&session, opts, &excluded).await?;
    observe::announce_run(&session, opts, &excluded).await?;
    if let Some((version, dir)) = out_dir {
        let selected = if parts.databases {
            selected_databases(&session, opts, &excluded).await?
        } else {
            Vec::new()
        };
        return directory::dump(&session, connector, opts, &selected, dir, version).await;
    }

    for warning in opts.compress.warnings() {
        crate::diag::warning(&warning);
    }
    let sink = match &opts.file {
        Some(path) => Sink::file(path, opts.sync)?,
        None => Sink::stdout(),
    };
    let mut sink = sink.compressed(&opts.compress)?;
    observe::attach(opts, &mut sink);
    let key = restrict_key(opts.restrict_key.as_deref());
    let started = opts.verbose.then(session::timestamp);
    sink.write_text(&emit::header(
        &key,
        &session.client_encoding,
        session.standard_conforming_strings,
        started.as_deref(),
    ))?;

    if parts.globals {
        globals::dump(
            &session,
            opts,
            parts.roles,
            parts.tablespaces,
            parts.databases,
            &mut sink,
        )
        .await?;
    }
    sink.write_text(&format!("\\unrestrict {key}\n\n"))?;

    if parts.databases {
        let selected = selected_databases(&session, opts, &excluded).await?;
        if !selected.is_empty() {
            sink.write_text(emit::databases_banner())?;
        }
        if opts.jobs > 1 {
            sink = parallel::dump_databases(connector, opts, &selected, sink).await?;
        } else {
            dump_databases(connector, opts, &selected, &mut sink).await?;
        }
    }

    if opts.include_config {
        config::write_config(&session, &mut sink).await?;
    }
    let completed = opts.verbose.then(session::timestamp);
    sink.write_text(&emit::trailer(completed.as_deref()))?;
    sink.finish()?;
    Ok(())
}

/// The connector for the given connection options (each as UTF-8).
fn connector_for(opts: &DumpOptions) -> Result<Connector, DumpError> {
    let given = &opts.connect;
    Ok(Connector::new(ConnectArgs {
        conninfo: given.conninfo.as_deref().map(utf8).transpose()?,
        host: given.host.as_deref().map(utf8).transpose()?,
        port: given.port.as_deref().map(utf8).transpose()?,
        user: given.user.as_deref().map(utf8).transpose()?,
        password_prompt: given.password_prompt,
    })?)
}

/// The first connection: `-l`'s database, else postgres, else template1.
async fn connect_first(
    connector: &Connector,
    opts: &DumpOptions,
) -> Result<crate::conn::Connection, DumpError> {
    Ok(match &opts.database {
        Some(db) => connector
            .connect(db)
            .await
            .map_err(|_| DumpError::ConnectDatabase(text::display(db)))?,
        None => match connector.connect("postgres").await {
            Ok(c) => c,
            Err(_) => connector.connect("template1").await?,
        },
    })
}

/// Database names to exclude, matched by the server like pg_dumpall does.
async fn excluded_databases(
    session: &session::Session,
    exclude_patterns: &[String],
) -> Result<Vec<String>, DumpError> {
    let mut regexes = Vec::new();
    for p in exclude_patterns {
        let converted = pattern::to_regex(p);
        if converted.dots > 0 {
            return Err(DumpError::DottedPattern(text::display(p)));
        }
        regexes.push(converted.regex);
    }
    Ok(crate::catalog::globals::databases_matching(&session.catalog(), &regexes).await?)
}

/// pg_dump's own option checks fail on the first database it dumps; we
/// check before writing anything.
async fn check_pg_dump_options(
    session: &session::Session,
    opts: &DumpOptions,
    excluded: &[String],
) -> Result<(), DumpError> {
    if let (true, Some(message)) = (opts.parts.databases, &opts.pg_dump_error) {
        let names = crate::catalog::globals::dumpable_databases(&session.catalog()).await?;
        if let Some(first) = names
            .iter()
            .find(|n| n.as_str() != "template0" && !excluded.contains(n))
        {
            diag::error(message);
            return Err(DumpError::PgDumpFailed(first.clone()));
        }
    }
    Ok(())
}

/// The databases to dump, in order: all but template0 and the excluded ones.
async fn selected_databases(
    session: &session::Session,
    opts: &DumpOptions,
    excluded: &[String],
) -> Result<Vec<String>, DumpError> {
    let names = crate::catalog::globals::dumpable_databases(&session.catalog()).await?;
    let mut selected = Vec::new();
    for name in names {
        if name == "template0" {
            continue;
        }
        if excluded.contains(&name) {
            if opts.verbose {
                diag::info_text(&format!("excluding database \"{name}\""));
            }
            continue;
        }
        selected.push(name);
    }
    Ok(selected)
}

/// How many databases are read ahead of the one being written. Reading a
/// database's catalogs is mostly the server's work in a fresh backend;
/// two of those run in parallel with the output of a third.
const READ_AHEAD: usize = 2;

/// Writes every selected database, in order. The catalogs of the next
/// [`READ_AHEAD`] databases are read meanwhile on connections of their own
/// (local tasks on this thread): the output order is unchanged, memory holds
/// at most that many extra databases' catalogs (never their data), and an
/// error in a database read ahead is reported only at its turn, after the
/// databases before it are complete, as pg_dumpall would.
async fn dump_databases(
    connector: Connector,
    opts: &DumpOptions,
    selected: &[String],
    sink: &mut Sink,
) -> Result<(), DumpError> {
    let connector = std::rc::Rc::new(connector);
    let shared_opts = std::rc::Rc::new(opts.clone());
    let read = |name: &str| {
        let connector = connector.clone();
        let opts = shared_opts.clone();
        let name = name.to_owned();
        tokio::task::spawn_local(async move {
            if shell_arg::unsafe_name(&name) {
                return Err(shell_argument_error(&opts, &name));
            }
            let mode = mode_of(&opts, &name);
            database::prepare_database(&connector, &opts, &name, mode, None).await
        })
    };
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async {
            let mut ahead = std::collections::VecDeque::new();
            let mut next = 0;
            let mut sequential = false;
            for (index, name) in selected.iter().enumerate() {
                while next < selected.len()
                    && (ahead.is_empty() || (!sequential && ahead.len() <= READ_AHEAD))
                {
                    ahead.push_back(read(&selected[next]));
                    next += 1;
                }
                crate::interrupt::set_current_database(Some(name));
                let task = ahead.pop_front().expect("a database is being read");
                let mut result = match task.await {
                    Ok(result) => result,
                    Err(e) => Err(DumpError::Other(format!(
                        "reading the database failed: {e}"
                    ))),
                };
                // A database read ahead may have found no free connection
                // slot (max_connections, a role's CONNECTION LIMIT) while
                // the one before it was open: pg_dumpall needs only two at
                // a time. Stop reading ahead and connect again now, at its
                // turn, giving the previous session's backend a moment to
                // exit.
                // So may the shared lock table have been full with the
                // locks of the databases read ahead (53200): pg_dumpall
                // holds one database's locks at a time.
                if (index > 0 || !ahead.is_empty()) && result.as_ref().is_err_and(for_want_of_room)
                {
                    // The databases read ahead hold slots too: let go of
                    // them; they are read again at their turn.
                    sequential = true;
                    for task in ahead.drain(..) {
                        task.abort();
                    }
                    next = index + 1;
                    let mode = mode_of(opts, name);
                    result = prepare_until_slot_free(&connector, opts, name, mode, None).await;
                }
                opts.observer.database_started(name);
                let before = sink.written();
                let outcome = write_prepared(result, opts, name, sink).await;
                observe::database_done(opts, name, sink.written() - before, outcome)?;
            }
            crate::interrupt::set_current_database(None);
            Ok(())
        })
        .await
}

/// How pg_dump runs for `name`: template1 and postgres exist in every
/// cluster, so without -c their contents are restored into them; other
/// databases are created.
fn mode_of(opts: &DumpOptions, name: &str) -> database::DatabaseMode {
    let special = name == "template1" || name == "postgres";
    database::DatabaseMode {
        create: !special || opts.clean,
        clean: special && opts.clean,
    }
}

/// Reports `e` and returns pg_dumpall's error for a failed database.
fn pg_dump_failed(name: &str, e: DumpError) -> DumpError {
    e.report();
    DumpError::PgDumpFailed(name.to_string())
}

/// Prepares `name` again, waiting a little longer each time while no
/// connection slot is free (or the lock table is full: sessions of ours
/// just closed may not have released theirs yet).
async fn prepare_until_slot_free(
    connector: &Connector,
    opts: &DumpOptions,
    name: &str,
    mode: database::DatabaseMode,
    budget: Option<&database::Budget>,
) -> Result<database::Prepared, DumpError> {
    let mut result = Err(DumpError::Other(String::new()));
    for wait_ms in [0, 20, 50, 100, 200, 400, 800] {
        tokio::time::sleep(std::time::Duration::from_millis(wait_ms)).await;
        result = database::prepare_database(connector, opts, name, mode, budget).await;
        if !result.as_ref().is_err_and(for_want_of_room) {
            break;
        }
    }
    result
}

/// Writes one database's banner and part of the script, or reports why it
/// could not be read.
async fn write_prepared(
    result: Result<database::Prepared, DumpError>,
    opts: &DumpOptions,
    name: &str,
    sink: &mut Sink,
) -> Result<(), DumpError> {
    if let Err(e @ DumpError::ShellArgument(_)) = result {
        // pg_dumpall has written the database's banner when it
        // builds pg_dump's command line and gives up.
        sink.write_text(&emit::database_banner(name))?;
        return Err(e);
    }
    let prepared = match result {
        Ok(prepared) => prepared,
        Err(e) => {
            // pg_dumpall writes the banner (and \connect) before it runs
            // pg_dump, so a database pg_dump cannot dump leaves them behind.
            write_database_preamble(opts, name, sink)?;
            return Err(pg_dump_failed(name, e));
        }
    };
    if opts.verbose {
        diag::info_text(&format!("dumping database \"{name}\""));
    }
    let mode = write_database_preamble(opts, name, sink)?;
    let key = restrict_key(opts.restrict_key.as_deref());
    database::write_database(prepared, opts, &key, mode, sink, None)
        .await
        .map_err(|e| pg_dump_failed(name, e))?;
    sink.flush()?;
    Ok(())
}

/// The database's banner, and `\connect` to it when pg_dump does not
/// create it; returns how pg_dump runs for it.
fn write_database_preamble(
    opts: &DumpOptions,
    name: &str,
    sink: &mut Sink,
) -> Result<database::DatabaseMode, DumpError> {
    sink.write_text(&emit::database_banner(name))?;
    let mode = mode_of(opts, name);
    if !mode.create {
        sink.write_text(&format!("\\connect {name}\n\n"))?;
    }
    Ok(mode)
}

/// The refusal of a database name holding a line break.
fn shell_argument_error(opts: &DumpOptions, name: &str) -> DumpError {
    let shown = &opts.shown_connection;
    DumpError::ShellArgument(shell_arg::pg_dump_connstr(
        shown.conninfo.as_deref(),
        shown.host.as_deref(),
        shown.port.as_deref(),
        shown.user.as_deref(),
        name,
    ))
}

/// Whether a session could not open only for want of a free slot: the
/// server said too_many_connections (53300), which PostgreSQL uses for
/// "sorry, too many clients already", "too many connections for role" (or
/// database) and "remaining connection slots are reserved for ...".
pub(super) fn no_free_slot(e: &DumpError) -> bool {
    matches!(e, DumpError::Connection(c) if c.has_sqlstate(&SqlState::TOO_MANY_CONNECTIONS))
}

/// Whether the server could not take a database on now but may once our
/// other sessions are gone: no free connection slot (53300), or no room
/// left in the shared lock table (53200, "out of shared memory", which
/// the server reports when max_locks_per_transaction x max_connections
/// locks are taken).
///
/// A full lock table is reported by a query (LOCK TABLE), or by a
/// session's start (a starting backend takes locks of its own).
fn for_want_of_room(e: &DumpError) -> bool {
    no_free_slot(e)
        || matches!(
            e,
            DumpError::Catalog(CatalogError::Query { code: Some(code), .. })
                if *code == SqlState::OUT_OF_MEMORY
        )
        || matches!(e, DumpError::Connection(c) if c.has_sqlstate(&SqlState::OUT_OF_MEMORY))
}

fn check_server_version(num: i32, text: &str) -> Result<(), DumpError> {
    let major = num / 10000;
    if major > REFERENCE_MAJOR {
        return Err(DumpError::VersionMismatch {
            server: text.to_string(),
        });
    }
    if major < OLDEST_MAJOR {
        return Err(DumpError::ServerTooOld(text.to_string()));
    }
    Ok(())
}

/// A byte string that must be valid UTF-8 to reach tokio-postgres.
fn utf8(s: &str) -> Result<String, DumpError> {
    String::from_utf8(text::to_bytes(s)).map_err(|_| {
        DumpError::Other(format!(
            "connection parameter \"{}\" is not valid UTF-8",
            text::display(s)
        ))
    })
}

/// The `\restrict` key: the user's, or 63 random alphanumerics (a fresh one
/// for the globals part and for each database, as pg_dumpall's pg_dump runs
/// each make their own).
fn restrict_key(given: Option<&str>) -> String {
    if let Some(k) = given {
        return k.to_string();
    }
    use rand::{Rng, TryRngCore};
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    // Straight from the operating system, as pg_dump's pg_strong_random:
    // the key is what keeps a hostile dump's text from ending the
    // restrict mode early, so it must not be guessable.
    let mut rng = rand::rngs::OsRng.unwrap_err();
    (0..63)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests;
