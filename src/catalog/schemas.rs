//! Schemas (`pg_namespace`), all of them: pg_dump scans pg_catalog for ACL
//! changes and decides which others print.

use super::{query, Catalog, CatalogError};

#[derive(Debug, Clone)]
pub(crate) struct SchemaRow {
    pub oid: u32,
    pub name: String,
    pub owner: String,
    pub acl: Option<String>,
    pub acl_default: String,
}

/// Every schema, in OID order.
pub(crate) async fn schemas(cat: &Catalog<'_>) -> Result<Vec<SchemaRow>, CatalogError> {
    let rows = query(
        cat,
        "SELECT n.oid, n.nspname, pg_catalog.pg_get_userbyid(n.nspowner), n.nspacl::text, \
         pg_catalog.acldefault('n', n.nspowner)::text \
         FROM pg_catalog.pg_namespace n ORDER BY n.oid",
    )
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(SchemaRow {
            oid: r.col(0)?,
            name: r.text(1)?,
            owner: r.text(2)?,
            acl: r.opt_text(3)?,
            acl_default: r.text(4)?,
        });
    }
    Ok(out)
}
