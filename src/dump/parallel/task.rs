//! One database of a `-j` run: read, checked and written into its spool,
//! with the errors kept for its turn (pg_dumpall reports a database's
//! failure after the databases before it are complete).

use super::super::options::DumpOptions;
use super::super::{
    database, mode_of, restrict_key, shell_arg, shell_argument_error, write_database_preamble,
    DumpError,
};
use super::pool::{self, Outcome, Started};
use crate::conn::Connector;
use crate::diag;
use crate::output::Sink;

/// Why a database's dump stopped, as reported at its turn.
pub(super) enum TaskError {
    /// Reported as is (a database name pg_dumpall refuses).
    Bare(DumpError),
    /// Reported, then "pg_dump failed on database ...".
    Failed(DumpError),
}

/// Dumps `name` into `sink` (its spool). `alone`: no other database of
/// this run holds a connection, so a refused connection is waited out as
/// at `-j1` and then final, as is a full lock table.
///
/// The run observer (src/run) hears of the database as it starts and
/// ends here, so with several jobs the `database` hook calls follow the
/// order databases complete in, not the output's.
pub(super) async fn dump_one(
    connector: &Connector,
    opts: &DumpOptions,
    name: &str,
    mut sink: Sink,
    alone: bool,
    budget: &database::Budget,
) -> Outcome<Result<(), TaskError>> {
    opts.observer.database_started(name);
    match dump_into(connector, opts, name, &mut sink, alone, budget).await {
        Outcome::Finished(result) => {
            let facts = crate::run::DatabaseFacts {
                bytes: sink.written(),
                ok: result.is_ok(),
            };
            let hooked = opts.observer.database_finished(name, facts);
            Outcome::Finished(result.and_then(|()| {
                hooked.map_err(|message| TaskError::Bare(DumpError::Other(message)))
            }))
        }
        retry => retry,
    }
}

async fn dump_into(
    connector: &Connector,
    opts: &DumpOptions,
    name: &str,
    sink: &mut Sink,
    alone: bool,
    budget: &database::Budget,
) -> Outcome<Result<(), TaskError>> {
    if shell_arg::unsafe_name(name) {
        // pg_dumpall has written the database's banner when it builds
        // pg_dump's command line and gives up.
        let banner = crate::sql::globals::database_banner(name);
        return Outcome::Finished(match sink.write_text(&banner) {
            Ok(()) => Err(TaskError::Bare(shell_argument_error(opts, name))),
            Err(e) => Err(TaskError::Bare(e.into())),
        });
    }
    let mode = mode_of(opts, name);
    let prepared = match pool::prepare(connector, opts, name, mode, alone, Some(budget)).await {
        Started::Ready(prepared) => *prepared,
        Started::Refused(e) => return Outcome::Retry(e),
        Started::Failed(e) => {
            // pg_dumpall writes the banner (and \connect) before it runs
            // pg_dump, so a database pg_dump cannot dump leaves them behind.
            return Outcome::Finished(match write_database_preamble(opts, name, sink) {
                Ok(_) => Err(TaskError::Failed(e)),
                Err(write) => Err(TaskError::Bare(write)),
            });
        }
    };
    if opts.verbose {
        diag::info_text(&format!("dumping database \"{name}\""));
    }
    let written = async {
        let mode = write_database_preamble(opts, name, sink)?;
        let key = restrict_key(opts.restrict_key.as_deref());
        // Free connections of the budget may read its big tables.
        database::write_database(prepared, opts, &key, mode, sink, Some((connector, budget)))
            .await
            .map_err(TaskError::Failed)?;
        sink.flush()?;
        Ok(())
    };
    Outcome::Finished(written.await)
}

impl From<DumpError> for TaskError {
    fn from(e: DumpError) -> TaskError {
        TaskError::Bare(e)
    }
}

impl From<crate::output::OutputError> for TaskError {
    fn from(e: crate::output::OutputError) -> TaskError {
        TaskError::Bare(e.into())
    }
}
