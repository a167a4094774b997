//! Sessions that share the leader's snapshot: what the script's split
//! ([`super::Split`]) and the directory format's (`directory::split`)
//! both do to let a worker read a database's data as the leader would.
//! The leader exports its snapshot after it holds its ACCESS SHARE
//! locks; a worker begins `ISOLATION LEVEL REPEATABLE READ, READ ONLY`,
//! imports the snapshot (the first statement of its transaction), runs
//! the leader's setup batch inside that transaction (so that a
//! transaction-mode pooler cannot run it on another backend) and checks
//! that its output settings are the leader's; it locks each table
//! `NOWAIT` in a savepoint.

use super::super::*;

/// Settings that change the bytes COPY or a SELECT writes: a worker's
/// must be the leader's.
const OUTPUT_SETTINGS: &[&str] = &[
    "server_version",
    "client_encoding",
    "DateStyle",
    "IntervalStyle",
    "TimeZone",
    "extra_float_digits",
    "bytea_output",
    "standard_conforming_strings",
    "search_path",
    "xmlbinary",
    "xmloption",
    "lc_monetary",
    "lc_numeric",
    "row_security",
    "restrict_nonsystem_relation_kind",
    "transaction_isolation",
    "transaction_read_only",
];

fn settings_query() -> String {
    let columns: Vec<String> = OUTPUT_SETTINGS
        .iter()
        .map(|name| format!("pg_catalog.current_setting('{name}', true)"))
        .collect();
    format!(
        "SELECT CURRENT_USER::pg_catalog.text, {}",
        columns.join(", ")
    )
}

/// A session's output settings (None for a setting the server lacks),
/// as `sql` (the [`settings_query`], perhaps with more columns) reads them.
async fn output_settings(
    client: &tokio_postgres::Client,
    sql: &str,
) -> Result<Vec<Option<String>>, tokio_postgres::Error> {
    let rows = client.simple_query(sql).await?;
    let row = rows.iter().find_map(|m| match m {
        tokio_postgres::SimpleQueryMessage::Row(row) => Some(row),
        _ => None,
    });
    Ok(match row {
        Some(row) => (0..row.len())
            .map(|i| row.try_get(i).ok().flatten().map(String::from))
            .collect(),
        None => Vec::new(),
    })
}

/// The leader's exported snapshot and its output settings.
pub(in crate::dump::database) struct SharedSnapshot {
    snapshot: String,
    settings: Vec<Option<String>>,
}

/// How a worker's joining went.
pub(in crate::dump::database) enum Joined {
    Client(Box<crate::conn::Connection>),
    /// No connection (no slot, say): nothing to report.
    NoConnection,
    /// The snapshot or the settings could not be shared: why.
    Refused(String),
}

impl SharedSnapshot {
    /// Exports the snapshot of the leader's session `client`, with its
    /// output settings. None (said once for `dbname` when the export is
    /// not allowed): the leader reads everything.
    pub(in crate::dump::database) async fn export(
        client: &tokio_postgres::Client,
        dbname: &str,
    ) -> Result<Option<SharedSnapshot>, DumpError> {
        let check = format!(
            "{}, pg_catalog.has_function_privilege('pg_catalog.pg_export_snapshot()', 'EXECUTE')",
            settings_query()
        );
        let mut settings = output_settings(client, &check)
            .await
            .map_err(|e| CatalogError::query(e, &check))?;
        if settings.pop().flatten().as_deref() != Some("t") {
            give_up_warning(dbname, "permission denied for function pg_export_snapshot");
            return Ok(None);
        }
        let sql = "SELECT pg_catalog.pg_export_snapshot()";
        let snapshot = match client.simple_query(sql).await {
            Ok(rows) => rows.iter().find_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(row) => {
                    row.try_get(0).ok().flatten().map(String::from)
                }
                _ => None,
            }),
            Err(e) => return Err(CatalogError::query(e, sql).into()),
        };
        Ok(snapshot.map(|snapshot| SharedSnapshot { snapshot, settings }))
    }

    /// Connects a worker to `dbname` and joins it to the snapshot, with
    /// the leader's `setup` batch, and checks its settings.
    pub(in crate::dump::database) async fn join(
        &self,
        connector: &Connector,
        dbname: &str,
        setup: &str,
    ) -> Joined {
        let conn = match connector.connect(dbname).await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::debug!(target: "pgdumpall_rs::phase", "no worker connection: {e}");
                return Joined::NoConnection;
            }
        };
        let join = format!(
            "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET TRANSACTION SNAPSHOT {}; {}",
            quote::session_literal(&self.snapshot),
            setup
        );
        if let Err(e) = conn.client.batch_execute(&join).await {
            return Joined::Refused(first_line(&server_message(&e)));
        }
        match output_settings(&conn.client, &settings_query()).await {
            Ok(settings) if settings == self.settings => {
                tracing::debug!(target: "pgdumpall_rs::phase", "a worker joined the snapshot");
                Joined::Client(Box::new(conn))
            }
            Ok(_) => Joined::Refused(
                "its session settings differ from the first connection's".to_string(),
            ),
            Err(e) => Joined::Refused(first_line(&server_message(&e))),
        }
    }
}

/// Whether a worker got its table's lock.
#[derive(Debug, PartialEq, Eq)]
pub(in crate::dump::database) enum Locked {
    Yes,
    /// Not at once; the session is fine.
    No,
    /// The session failed.
    Broken,
}

/// `LOCK TABLE schema.name IN ACCESS SHARE MODE NOWAIT` in a savepoint,
/// so that a refusal leaves the worker's transaction usable.
pub(in crate::dump::database) async fn lock_nowait(
    client: &tokio_postgres::Client,
    schema: &str,
    name: &str,
) -> Locked {
    let table = format!("{}.{}", quote::ident(schema), quote::ident(name));
    let lock = format!(
        "SAVEPOINT pgdumpall_rs_lock; LOCK TABLE {table} IN ACCESS SHARE MODE NOWAIT; \
         RELEASE SAVEPOINT pgdumpall_rs_lock"
    );
    match client.batch_execute(&lock).await {
        Ok(()) => Locked::Yes,
        Err(e) => {
            tracing::debug!(target: "pgdumpall_rs::phase", "worker lock refused: {}", server_message(&e));
            let undo =
                "ROLLBACK TO SAVEPOINT pgdumpall_rs_lock; RELEASE SAVEPOINT pgdumpall_rs_lock";
            match client.batch_execute(undo).await {
                Ok(()) => Locked::No,
                Err(_) => Locked::Broken,
            }
        }
    }
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().to_string()
}

/// The one warning when a database's snapshot cannot be shared.
pub(in crate::dump::database) fn give_up_warning(dbname: &str, why: &str) {
    diag::warning(&format!(
        "could not share the snapshot of database \"{}\" with another connection ({}); \
         dumping its data over one connection",
        text::display(dbname),
        text::display(why)
    ));
}
