//! Catalog reading, one module per object family, aware of the server
//! version. Every query reads a whole kind in bulk.

pub(crate) mod casts;
pub(crate) mod census;
pub(crate) mod collations;
pub(crate) mod config;
pub(crate) mod database;
pub(crate) mod dump_ids;
pub(crate) mod extensions;
pub(crate) mod foreign_data;
pub(crate) mod globals;
pub(crate) mod helper;
pub(crate) mod indexes;
pub(crate) mod operators;
pub(crate) mod postdata;
pub(crate) mod relations;
pub(crate) mod replication;
pub(crate) mod routines;
pub(crate) mod schemas;
pub(crate) mod sequences;
pub(crate) mod session;
pub(crate) mod sizes;
pub(crate) mod statistics;
pub(crate) mod text_search;
pub(crate) mod types;
pub(crate) mod views;

use thiserror::Error;
use tokio_postgres::Client;

use crate::pg::{QueryRow, RowError, RowExt, Rows};

/// pg_dump's defence against CVE-2024-7348: sessions that read a database
/// neither expand non-system views nor touch foreign tables. Set on
/// servers that know the setting (every minor release since August 2024):
/// `current_setting(..., true)` is NULL for a setting the server lacks.
/// (pg_dump asks pg_settings, which computes every setting's row: 0.3 to
/// 0.7 ms of a fresh backend.)
pub(crate) const RESTRICT_RELATION_KINDS: &str =
    "SELECT pg_catalog.set_config('restrict_nonsystem_relation_kind', 'view, foreign-table', false) \
     WHERE pg_catalog.current_setting('restrict_nonsystem_relation_kind', true) IS NOT NULL;";

/// A condition true for objects outside the system schemas (`n` is the
/// object's pg_namespace row).
pub(crate) const USER_NS: &str = "n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'";

/// A condition true for a column (`a`, its pg_attribute row) with
/// privileges or initial privileges: the columns whose ACL is dumped.
pub(crate) const PRIVILEGED_COLUMN: &str = "(a.attacl IS NOT NULL OR EXISTS (\
     SELECT 1 FROM pg_catalog.pg_init_privs p \
     WHERE p.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass \
     AND p.objoid = a.attrelid AND p.objsubid = a.attnum))";

/// Whether a schema is a system one: the negation of [`USER_NS`], for
/// names already read.
pub(crate) fn is_system_schema(name: &str) -> bool {
    name.starts_with("pg_") || name == "information_schema"
}

/// A session to read catalogs through, with what the readers need to know.
pub(crate) struct Catalog<'a> {
    pub client: &'a Client,
    /// `server_version_num`, e.g. 160004.
    pub server_version_num: i32,
    /// `--lock-wait-timeout`: the statement_timeout the table locks run
    /// under (a byte string, sent as a literal).
    pub lock_wait_timeout: Option<String>,
    /// A second session sharing the snapshot, for big databases.
    pub helper: Option<&'a helper::Helper>,
    /// Which rarely used families the database has, once taken
    /// ([`census`]); until then every reader asks.
    pub census: std::cell::Cell<Option<census::Census>>,
}

impl Catalog<'_> {
    /// Whether the server is release `major` or later.
    pub(crate) fn at_least(&self, major: i32) -> bool {
        crate::pg::version::at_least(self.server_version_num, major)
    }

    /// Whether `family`'s readers may return anything (true unless the
    /// census says the database has none).
    pub(crate) fn may_have(&self, family: census::Family) -> bool {
        self.census.get().is_none_or(|c| c.may_have(family))
    }

    /// Records that `family` is absent, learned from a reader's rows
    /// (kept only once the census is taken: before it, every reader asks).
    pub(crate) fn rule_out(&self, family: census::Family) {
        if let Some(c) = self.census.get() {
            self.census.set(Some(c.without(family)));
        }
    }
}

#[derive(Debug, Error)]
pub enum CatalogError {
    /// A failed query, reported as pg_dumpall does: the server's message,
    /// then the query text as detail.
    #[error("query failed: {message}")]
    Query {
        message: String,
        query: String,
        /// The server's SQLSTATE, when the server reported the error
        /// (None for a lost connection or a client-side failure).
        code: Option<tokio_postgres::error::SqlState>,
    },
    /// A result row that could not be read (a NULL from a deparsing
    /// function for an object dropped meanwhile, a type mismatch).
    #[error(transparent)]
    Row(#[from] RowError),
}

impl CatalogError {
    pub(crate) fn query(err: tokio_postgres::Error, sql: &str) -> CatalogError {
        CatalogError::Query {
            message: server_message(&err),
            query: sql.to_string(),
            code: err.code().cloned(),
        }
    }
}

/// libpq's words for a connection that went away.
const CONNECTION_LOST: &str = "server closed the connection unexpectedly\n\
     \tThis probably means the server terminated abnormally\n\
     \tbefore or while processing the request.";

/// libpq's rendering of a server error (`ERROR:  msg`), or the client-side
/// error text.
pub(crate) fn server_message(err: &tokio_postgres::Error) -> String {
    match err.as_db_error() {
        // A FATAL error ends the session: libpq adds that the connection
        // went away.
        Some(db) if db.severity() == "FATAL" => {
            format!("FATAL:  {}\n{CONNECTION_LOST}", db.message())
        }
        Some(db) => format!("{}:  {}", db.severity(), db.message()),
        None if err.is_closed() => CONNECTION_LOST.to_string(),
        None => {
            use std::error::Error as _;
            let mut text = err.to_string();
            let mut source = err.source();
            while let Some(s) = source {
                text = format!("{text}: {s}");
                source = s.source();
            }
            text
        }
    }
}

/// Runs a catalog query with no parameters, in one round trip (parse,
/// bind, describe and execute sent together on the unnamed statement,
/// rather than a prepare round trip first: catalog queries run once).
pub(crate) async fn query(cat: &Catalog<'_>, sql: &str) -> Result<Rows, CatalogError> {
    let started = std::time::Instant::now();
    let rows = cat
        .client
        .query_typed(sql, &[])
        .await
        .map_err(|e| CatalogError::query(e, sql))?;
    tracing::debug!(
        target: "pgdumpall_rs::sql",
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        rows = rows.len(),
        "catalog query: {sql}"
    );
    Ok(Rows::new(sql, rows))
}

/// Runs a catalog query like [`query`] and decodes each row with `f` as
/// it arrives, so that only the decoded values are held, never the whole
/// result (W4's columns query: 25,000 rows of 22 columns, 13 MiB of row
/// offsets alone before decoding). As with a whole result, a server error
/// wins over a row that could not be decoded: the rest of the rows are
/// still read, and the first decoding error is returned only if the
/// query itself succeeded.
pub(crate) async fn query_decode<T, F>(
    cat: &Catalog<'_>,
    sql: &str,
    mut f: F,
) -> Result<Vec<T>, CatalogError>
where
    F: FnMut(QueryRow<'_>) -> Result<T, RowError>,
{
    use futures_util::StreamExt;
    let started = std::time::Instant::now();
    let no_params: [(
        &(dyn tokio_postgres::types::ToSql + Sync),
        tokio_postgres::types::Type,
    ); 0] = [];
    let stream = cat
        .client
        .query_typed_raw(sql, no_params)
        .await
        .map_err(|e| CatalogError::query(e, sql))?;
    let mut stream = std::pin::pin!(stream);
    let mut out = Vec::new();
    let mut failed = None;
    let mut rows = 0usize;
    while let Some(row) = stream.next().await {
        let row = row.map_err(|e| CatalogError::query(e, sql))?;
        rows += 1;
        if failed.is_none() {
            match f(row.in_query(sql)) {
                Ok(value) => out.push(value),
                Err(e) => failed = Some(e),
            }
        }
    }
    tracing::debug!(
        target: "pgdumpall_rs::sql",
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        rows,
        "catalog query: {sql}"
    );
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(out),
    }
}
