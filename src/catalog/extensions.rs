//! Extensions (`pg_extension`), read in bulk.

use super::{query, Catalog, CatalogError};

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
    let rows = query(
        cat,
        "SELECT x.oid, x.extname, n.nspname FROM pg_catalog.pg_extension x \
         JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace ORDER BY x.oid",
    )
    .await?;
    Ok(rows.decode(|r| {
        Ok(ExtensionRow {
            oid: r.col(0)?,
            name: r.text(1)?,
            schema: r.text(2)?,
        })
    })?)
}
