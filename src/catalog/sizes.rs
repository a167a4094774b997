//! Size estimates for progress and the run report: what each database
//! occupies on disk (pg_database_size), read once on the cluster session.

use super::{query_decode, Catalog, CatalogError};

/// Each database's name and size in bytes; the size is None where the
/// role may not connect to it (pg_database_size would fail there).
pub(crate) async fn database_sizes(
    cat: &Catalog<'_>,
) -> Result<Vec<(String, Option<i64>)>, CatalogError> {
    query_decode(
        cat,
        "SELECT datname, CASE WHEN pg_catalog.has_database_privilege(oid, 'CONNECT') \
         THEN pg_catalog.pg_database_size(oid) END \
         FROM pg_catalog.pg_database",
        |r| Ok((r.text(0)?, r.opt::<i64>(1)?)),
    )
    .await
}
