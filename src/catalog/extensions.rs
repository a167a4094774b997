//! Extensions (`pg_extension`), read in bulk.

use super::{query_decode, Catalog, CatalogError};

/// One extension.
#[derive(Debug, Clone, Default)]
pub(crate) struct ExtensionRow {
    pub oid: u32,
    pub name: String,
    /// The schema named in `WITH SCHEMA`.
    pub schema: String,
}

/// Every extension, by OID.
pub(crate) async fn extensions(cat: &Catalog<'_>) -> Result<Vec<ExtensionRow>, CatalogError> {
    query_decode(
        cat,
        "SELECT x.oid, x.extname, n.nspname FROM pg_catalog.pg_extension x \
         JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace ORDER BY x.oid",
        |r| {
            Ok(ExtensionRow {
                oid: r.col(0)?,
                name: r.text(1)?,
                schema: r.text(2)?,
            })
        },
    )
    .await
}

/// `(referencing table, referenced table)` of every foreign key to an
/// extension member table: pg_dump orders configuration tables' data by
/// them.
pub(crate) async fn member_foreign_keys(
    cat: &Catalog<'_>,
) -> Result<Vec<(u32, u32)>, CatalogError> {
    query_decode(
        cat,
        "SELECT c.conrelid, c.confrelid FROM pg_catalog.pg_constraint c \
         JOIN pg_catalog.pg_depend d ON d.objid = c.confrelid \
         WHERE c.contype = 'f' AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass \
         AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass",
        |r| Ok((r.col(0)?, r.col(1)?)),
    )
    .await
}
