//! What the dump session itself needs of the server: table locks, the
//! exported snapshot, and which heap tables are empty. Statements holding
//! names are byte strings like all catalog text; the connection sends
//! them as their bytes (`conn::wire_text`), whatever the encoding.

use super::{query, Catalog, CatalogError};

/// Locks the given tables (quoted qualified names, byte strings) in
/// ACCESS SHARE mode, in statements of about 100 kB.
pub(crate) async fn lock_tables(cat: &Catalog<'_>, names: &[String]) -> Result<(), CatalogError> {
    // --lock-wait-timeout: each LOCK waits at most that long.
    if let Some(timeout) = &cat.lock_wait_timeout {
        let set = format!(
            "SET statement_timeout = {}",
            crate::pg::quote::session_literal(timeout)
        );
        cat.client
            .batch_execute(&set)
            .await
            .map_err(|e| CatalogError::query(e, &set))?;
    }
    lock_all(cat, names).await?;
    if cat.lock_wait_timeout.is_some() {
        let reset = "SET statement_timeout = 0";
        cat.client
            .batch_execute(reset)
            .await
            .map_err(|e| CatalogError::query(e, reset))?;
    }
    Ok(())
}

/// Of `oids` (tables this session holds locks on), those whose heap file
/// is empty, so their COPY could only return no rows. Asked only when such
/// a COPY could not fail either: as a superuser (no privilege or
/// row-security errors) on a server that is not a standby (unlogged tables
/// are unreadable there). The file size is read under the locks, after the
/// snapshot: a row the snapshot sees was in the file before it, and a
/// TRUNCATE since then leaves the table empty for COPY as well. The size is
/// the first segment file's (`pg_stat_file`; `pg_relation_size` would
/// build a relation cache entry per table, costing more than it saves).
pub(crate) async fn empty_heap_tables(
    cat: &Catalog<'_>,
    oids: &[u32],
) -> Result<std::collections::HashSet<u32>, CatalogError> {
    if oids.is_empty() {
        return Ok(Default::default());
    }
    // A separate question: the server checks EXECUTE on pg_stat_file
    // when it plans the query, whatever guards it. (`is_superuser` is the
    // current role's, after --role's SET ROLE, and costs no catalog read:
    // pg_roles did, 0.2 ms of a small database.)
    let allowed = query(
        cat,
        "SELECT pg_catalog.current_setting('is_superuser') = 'on' \
         AND NOT pg_catalog.pg_is_in_recovery()",
    )
    .await?;
    if !allowed
        .first()
        .map(|r| r.col::<bool>(0))
        .transpose()?
        .unwrap_or(false)
    {
        return Ok(Default::default());
    }
    let list: Vec<String> = oids.iter().map(u32::to_string).collect();
    let sql = format!(
        "SELECT c.oid FROM pg_catalog.pg_class c, pg_catalog.pg_database d \
         WHERE d.datname = pg_catalog.current_database() \
         AND c.oid = ANY ('{{{}}}'::pg_catalog.oid[]) AND c.relkind = 'r' \
         AND c.relam = (SELECT a.oid FROM pg_catalog.pg_am a WHERE a.amname = 'heap') \
         AND (pg_catalog.pg_stat_file(CASE WHEN c.reltablespace = 0 AND d.dattablespace = \
           (SELECT t.oid FROM pg_catalog.pg_tablespace t WHERE t.spcname = 'pg_default') \
           THEN 'base/' || d.oid || '/' || c.relfilenode \
           ELSE pg_catalog.pg_relation_filepath(c.oid) END, true)).size = 0",
        list.join(",")
    );
    let rows = query(cat, &sql).await?;
    Ok(rows.iter().map(|r| r.col(0)).collect::<Result<_, _>>()?)
}

/// Exports the transaction's snapshot for a helper session to join.
pub(crate) async fn export_snapshot(cat: &Catalog<'_>) -> Result<String, CatalogError> {
    let rows = query(cat, "SELECT pg_catalog.pg_export_snapshot()").await?;
    Ok(rows.one()?.text(0)?)
}

async fn lock_all(cat: &Catalog<'_>, names: &[String]) -> Result<(), CatalogError> {
    let mut sql = String::new();
    for name in names {
        if sql.is_empty() {
            sql.push_str("LOCK TABLE ");
        } else {
            sql.push_str(", ");
        }
        sql.push_str(name);
        if sql.len() >= 100_000 {
            sql.push_str(" IN ACCESS SHARE MODE");
            query(cat, &sql).await?;
            sql.clear();
        }
    }
    if !sql.is_empty() {
        sql.push_str(" IN ACCESS SHARE MODE");
        query(cat, &sql).await?;
    }
    Ok(())
}

/// The session's client encoding and whether standard_conforming_strings
/// is on: how the section's text is written.
pub(crate) async fn text_settings(cat: &Catalog<'_>) -> Result<(String, bool), CatalogError> {
    let rows = query(
        cat,
        "SELECT pg_catalog.current_setting('client_encoding'), \
         pg_catalog.current_setting('standard_conforming_strings')",
    )
    .await?;
    let row = rows.one()?;
    Ok((row.text(0)?, row.text(1)? == "on"))
}
