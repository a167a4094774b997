//! The driver's side of the run observer (src/run): the facts it needs at
//! the start, read only when an option watches the run, and the byte
//! counts of each database.

use super::{session::Session, DumpError};
use crate::dump::options::DumpOptions;
use crate::output::Sink;
use crate::run::{DatabaseFacts, RunStart};

/// Tells the observer the run starts (server version, the databases to
/// dump and their sizes) before anything is written; a `prepare` hook
/// that fails aborts the run here.
pub(super) async fn announce_run(
    session: &Session,
    opts: &DumpOptions,
    excluded: &[String],
) -> Result<(), DumpError> {
    let observer = &opts.observer;
    if !observer.active() {
        return Ok(());
    }
    let mut databases = Vec::new();
    if opts.parts.databases {
        let catalog = session.catalog();
        let names = crate::catalog::globals::dumpable_databases(&catalog).await?;
        // Sizes only estimate the work left: a failure to read them
        // (a database dropped meanwhile) costs the estimate, not the run.
        let sizes = crate::catalog::sizes::database_sizes(&catalog)
            .await
            .unwrap_or_default();
        for name in names {
            if name == "template0" || excluded.contains(&name) {
                continue;
            }
            let size = sizes
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, s)| s.and_then(|s| u64::try_from(s).ok()));
            databases.push((name, size));
        }
    }
    observer
        .run_started(&RunStart {
            server_version: &session.conn.server_version,
            databases: &databases,
        })
        .map_err(DumpError::Other)
}

/// Counts the sink's bytes for the observer (progress reads them live).
pub(super) fn attach(opts: &DumpOptions, sink: &mut Sink) {
    if let Some(counter) = opts.observer.byte_counter() {
        sink.count_into(counter);
    }
}

/// Tells the observer `name` is done: `written` bytes, `outcome` its
/// result. The dump's own error comes first; then a `database` hook's.
pub(super) fn database_done(
    opts: &DumpOptions,
    name: &str,
    written: u64,
    outcome: Result<(), DumpError>,
) -> Result<(), DumpError> {
    let facts = DatabaseFacts {
        bytes: written,
        ok: outcome.is_ok(),
    };
    let hooked = opts.observer.database_finished(name, facts);
    outcome?;
    hooked.map_err(DumpError::Other)
}
