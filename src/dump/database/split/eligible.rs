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

/// Copies of the entries workers may take, in printing order (see
/// [`Worth`]).
pub(super) async fn eligible_entries(input: &SplitInput<'_, '_>) -> Result<Vec<Entry>, DumpError> {
    let Some(worth) = Worth::read(input.client, input.server_version_num, input.opts).await? else {
        return Ok(Vec::new());
    };
    Ok(input.stream.data_entries(|e| match &e.data {
        Some(DataSource::LargeObjects { oids }) => worth.large_objects(oids.len()),
        Some(source) => worth.table(&e.desc, e.schema.as_deref(), &e.tag, source),
        None => false,
    }))
}

/// Which data is worth a worker: TABLE DATA of tables of [`MIN_PAGES`]
/// pages or more (a plain `COPY table`, not an extension table's filtered
/// SELECT, whose subqueries could wait for other locks), and big groups
/// of large objects. (The script's split and the directory format's.)
pub(in crate::dump::database) struct Worth {
    min_pages: i64,
    /// The big tables, (schema, name).
    big: std::collections::HashSet<(String, String)>,
}

impl Worth {
    /// Reads the big tables over the leader's session `client`; None
    /// when no data is dumped.
    pub(in crate::dump::database) async fn read(
        client: &tokio_postgres::Client,
        server_version_num: i32,
        opts: &DumpOptions,
    ) -> Result<Option<Worth>, DumpError> {
        if !crate::dump::content::dump_data(&opts.render) {
            return Ok(None);
        }
        let min_pages = std::env::var(MIN_PAGES_VARIABLE)
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(MIN_PAGES);
        let big = big_tables(client, server_version_num, min_pages).await?;
        Ok(Some(Worth { min_pages, big }))
    }

    /// A group of `count` large objects.
    pub(in crate::dump::database) fn large_objects(&self, count: usize) -> bool {
        self.min_pages <= 0 || count >= MIN_LARGE_OBJECTS
    }

    /// A table's data entry.
    pub(in crate::dump::database) fn table(
        &self,
        desc: &str,
        schema: Option<&str>,
        tag: &str,
        source: &DataSource,
    ) -> bool {
        match source {
            DataSource::Copy { server_copy } if server_copy.starts_with("COPY (") => false,
            DataSource::Copy { .. } | DataSource::Inserts(_) => {
                desc == "TABLE DATA"
                    && schema.is_some_and(|s| self.big.contains(&(s.to_owned(), tag.to_owned())))
            }
            _ => false,
        }
    }
}

/// The tables (schema, name) of at least `min_pages` pages, heap and
/// TOAST, by pg_class's statistics: no lock, no privilege needed, nothing
/// that could fail the leader's transaction.
async fn big_tables(
    client: &tokio_postgres::Client,
    server_version_num: i32,
    min_pages: i64,
) -> Result<std::collections::HashSet<(String, String)>, DumpError> {
    let cat = Catalog {
        client,
        server_version_num,
        lock_wait_timeout: None,
        helper: None,
        census: Default::default(),
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
