//! Which data entries are worth a worker.

use super::super::*;
use super::SplitInput;

/// Tables smaller than this many pages (heap and TOAST, as of the last
/// VACUUM or ANALYZE) are read by the leader, whose COPY requests are
/// pipelined: a worker's round trips would cost more than they save.
pub(super) const MIN_PAGES: i64 = 1024;

/// Overrides [`MIN_PAGES`] (tests split every table). Not documented for users.
const MIN_PAGES_VARIABLE: &str = "PGDUMPALL_RS_SPLIT_MIN_PAGES";

/// Groups of large objects with fewer objects than this stay with the leader.
const MIN_LARGE_OBJECTS: usize = 64;

/// Copies of the entries workers may take, in printing order: TABLE DATA
/// of tables of [`MIN_PAGES`] pages or more (a plain `COPY table`, not an
/// extension table's filtered SELECT, whose subqueries could wait for
/// other locks), and big groups of large objects.
pub(super) async fn eligible_entries(input: &SplitInput<'_, '_>) -> Result<Vec<Entry>, DumpError> {
    let min_pages = std::env::var(MIN_PAGES_VARIABLE)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(MIN_PAGES);
    let big = match crate::dump::content::dump_data(&input.opts.render) {
        true => big_tables(input, min_pages).await?,
        false => return Ok(Vec::new()),
    };
    Ok(input.stream.data_entries(|e| match &e.data {
        Some(DataSource::LargeObjects { oids }) => {
            min_pages <= 0 || oids.len() >= MIN_LARGE_OBJECTS
        }
        Some(DataSource::Copy { server_copy }) if server_copy.starts_with("COPY (") => false,
        Some(DataSource::Copy { .. } | DataSource::Inserts(_)) => {
            e.desc == "TABLE DATA"
                && e.schema
                    .as_ref()
                    .is_some_and(|schema| big.contains(&(schema.clone(), e.tag.clone())))
        }
        _ => false,
    }))
}

/// The tables (schema, name) of at least `min_pages` pages, heap and
/// TOAST, by pg_class's statistics: no lock, no privilege needed, nothing
/// that could fail the leader's transaction.
async fn big_tables(
    input: &SplitInput<'_, '_>,
    min_pages: i64,
) -> Result<std::collections::HashSet<(String, String)>, DumpError> {
    let cat = Catalog {
        client: input.client,
        server_version_num: input.server_version_num,
        lock_wait_timeout: None,
        helper: None,
    };
    let sql = format!(
        "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_catalog.pg_class t ON t.oid = c.reltoastrelid \
         WHERE c.relkind = 'r' \
         AND c.relpages::pg_catalog.int8 + coalesce(t.relpages, 0) >= {min_pages}"
    );
    let rows = crate::catalog::query(&cat, &sql).await?;
    Ok(rows
        .decode(|r| Ok((r.text(0)?, r.text(1)?)))?
        .into_iter()
        .collect())
}
