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

/// The entries workers may take, as (position, entry index) in printing
/// order: TABLE DATA of tables of [`MIN_PAGES`] pages or more (a plain
/// `COPY table`, not an extension table's filtered SELECT, whose subqueries
/// could wait for other locks), and big groups of large objects.
pub(super) async fn eligible_positions(
    input: &SplitInput<'_>,
) -> Result<Vec<(usize, usize)>, DumpError> {
    let min_pages = std::env::var(MIN_PAGES_VARIABLE)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(MIN_PAGES);
    let tables = |e: &Entry| {
        e.desc == "TABLE DATA"
            && e.schema.is_some()
            && match &e.data {
                Some(DataSource::Copy { server_copy }) => !server_copy.starts_with("COPY ("),
                Some(DataSource::Inserts(_)) => true,
                _ => false,
            }
    };
    let big = if input.entries.iter().any(tables) {
        big_tables(input, min_pages).await?
    } else {
        Default::default()
    };
    Ok(input
        .order
        .iter()
        .enumerate()
        .filter(|&(_, &i)| {
            let e = &input.entries[i];
            match &e.data {
                Some(DataSource::LargeObjects { oids }) => {
                    min_pages <= 0 || oids.len() >= MIN_LARGE_OBJECTS
                }
                Some(_) if tables(e) => {
                    big.contains(&(e.schema.clone().unwrap_or_default(), e.tag.clone()))
                }
                _ => false,
            }
        })
        .map(|(position, &i)| (position, i))
        .collect())
}

/// The tables (schema, name) of at least `min_pages` pages, heap and
/// TOAST, by pg_class's statistics: no lock, no privilege needed, nothing
/// that could fail the leader's transaction.
async fn big_tables(
    input: &SplitInput<'_>,
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
