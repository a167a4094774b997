//! The cluster-level session: set up as pg_dumpall sets up its own
//! (client encoding, empty search_path, SET ROLE, quote_all_identifiers).

use super::options::DumpOptions;
use crate::catalog::{Catalog, CatalogError};
use crate::conn::Connection;
use crate::pg::quote::{self, Quoting};

use super::DumpError;

pub(crate) struct Session {
    pub conn: Connection,
    /// Canonical name of the session's client encoding (`UTF8`, `LATIN1`).
    pub client_encoding: String,
    pub standard_conforming_strings: bool,
    pub quoting: Quoting,
}

impl Session {
    pub(crate) async fn setup(conn: Connection, opts: &DumpOptions) -> Result<Session, DumpError> {
        let cat = Catalog {
            client: &conn.client,
            server_version_num: conn.server_version_num,
            lock_wait_timeout: None,
            helper: None,
            census: Default::default(),
        };
        let wanted = client_encoding(opts, &conn);
        let set = format!("SET client_encoding TO {}", quote::session_literal(&wanted));
        if conn.client.batch_execute(&set).await.is_err() {
            return Err(DumpError::InvalidEncoding(crate::text::display(&wanted)));
        }
        exec(
            &conn,
            "SELECT pg_catalog.set_config('search_path', '', false)",
        )
        .await?;
        let (client_encoding, standard_conforming_strings) =
            crate::catalog::session::text_settings(&cat).await?;
        exec(&conn, crate::catalog::RESTRICT_RELATION_KINDS).await?;
        if let Some(role) = &opts.role {
            exec(&conn, &format!("SET ROLE {}", quote::ident(role))).await?;
        }
        if opts.quote_all_identifiers {
            exec(&conn, "SET quote_all_identifiers = true").await?;
        }
        let quoting = Quoting::new(
            opts.quote_all_identifiers,
            standard_conforming_strings,
            &client_encoding,
        );
        Ok(Session {
            conn,
            client_encoding,
            standard_conforming_strings,
            quoting,
        })
    }

    pub(crate) fn catalog(&self) -> Catalog<'_> {
        Catalog {
            client: &self.conn.client,
            server_version_num: self.conn.server_version_num,
            lock_wait_timeout: None,
            helper: None,
            census: Default::default(),
        }
    }
}

async fn exec(conn: &Connection, sql: &str) -> Result<(), DumpError> {
    // Statements are byte strings, sent as their bytes (conn::wire_text).
    conn.client
        .batch_execute(sql)
        .await
        .map_err(|e| CatalogError::query(e, sql).into())
}

/// The encoding pg_dumpall's and pg_dump's sessions use: -E, else the one
/// a libpq session with the same connection parameters would start in
/// (`client_encoding`, PGCLIENTENCODING, `options`), else the one the
/// server gave this session, which asked for none (a role or database
/// setting, the server's configuration, or the database's encoding).
pub(crate) fn client_encoding(opts: &DumpOptions, conn: &Connection) -> String {
    match (&opts.encoding, &conn.requested_client_encoding) {
        (Some(e), _) | (None, Some(e)) => e.clone(),
        (None, None) => conn.started_client_encoding.clone(),
    }
}

/// Local time as pg_dumpall prints it in `-- Started on` lines:
/// `%Y-%m-%d %H:%M:%S %Z`.
pub(crate) fn timestamp() -> String {
    // SAFETY: localtime_r and strftime write only into the buffers given.
    unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&now, &mut tm);
        let mut buf = [0u8; 128];
        let fmt = b"%Y-%m-%d %H:%M:%S %Z\0";
        let n = libc::strftime(
            buf.as_mut_ptr() as *mut libc::c_char,
            buf.len(),
            fmt.as_ptr() as *const libc::c_char,
            &tm,
        );
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
}
