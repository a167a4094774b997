//! Publications, their tables and schemas, and subscriptions: one query
//! per kind.

use super::relations::text_array;
use super::{query, Catalog, CatalogError};
use crate::text::Raw;

#[derive(Debug, Clone)]
pub(crate) struct PublicationRow {
    pub oid: u32,
    pub name: String,
    pub owner: String,
    pub all_tables: bool,
    pub insert: bool,
    pub update: bool,
    pub delete: bool,
    pub truncate: bool,
    pub via_root: bool,
    /// `pubgencols` (18+): `s` for stored generated columns, else `n`.
    pub generated_columns: char,
}

/// Every publication, in OID order.
pub(crate) async fn publications(cat: &Catalog<'_>) -> Result<Vec<PublicationRow>, CatalogError> {
    let gencols = if cat.at_least(18) {
        "p.pubgencols"
    } else {
        "'n'::pg_catalog.\"char\""
    };
    let sql = format!(
        "SELECT p.oid, p.pubname, pg_catalog.pg_get_userbyid(p.pubowner), p.puballtables, \
         p.pubinsert, p.pubupdate, p.pubdelete, p.pubtruncate, p.pubviaroot, {gencols} \
         FROM pg_catalog.pg_publication p ORDER BY p.oid"
    );
    let rows = query(cat, &sql).await?;
    Ok(rows.decode(|r| {
        Ok(PublicationRow {
            oid: r.col(0)?,
            name: r.text(1)?,
            owner: r.text(2)?,
            all_tables: r.col(3)?,
            insert: r.col(4)?,
            update: r.col(5)?,
            delete: r.col(6)?,
            truncate: r.col(7)?,
            via_root: r.col(8)?,
            generated_columns: r.code(9)?,
        })
    })?)
}

/// One table of a publication (`pg_publication_rel`).
#[derive(Debug, Clone)]
pub(crate) struct PublicationTableRow {
    pub oid: u32,
    pub publication: u32,
    pub table: u32,
    /// The row filter as pg_get_expr prints it (15+).
    pub row_filter: Option<String>,
    /// The column list, in the catalog's (attnum) order (15+).
    pub columns: Option<Vec<String>>,
}

/// Every publication table, in OID order.
pub(crate) async fn publication_tables(
    cat: &Catalog<'_>,
) -> Result<Vec<PublicationTableRow>, CatalogError> {
    let (filter, columns) = if cat.at_least(15) {
        (
            "pg_catalog.pg_get_expr(pr.prqual, pr.prrelid)",
            "CASE WHEN pr.prattrs IS NULL THEN NULL ELSE ARRAY( \
             SELECT a.attname FROM pg_catalog.unnest(pr.prattrs::pg_catalog.int2[]) WITH ORDINALITY u(num, ord) \
             JOIN pg_catalog.pg_attribute a ON a.attrelid = pr.prrelid AND a.attnum = u.num \
             ORDER BY u.ord) END",
        )
    } else {
        ("NULL::text", "NULL::pg_catalog.name[]")
    };
    let sql = format!(
        "SELECT pr.oid, pr.prpubid, pr.prrelid, {filter}, {columns} \
         FROM pg_catalog.pg_publication_rel pr ORDER BY pr.oid"
    );
    let rows = query(cat, &sql).await?;
    Ok(rows.decode(|r| {
        Ok(PublicationTableRow {
            oid: r.col(0)?,
            publication: r.col(1)?,
            table: r.col(2)?,
            row_filter: r.opt_text(3)?,
            columns: match r.opt::<Vec<Option<Raw>>>(4)? {
                None => None,
                Some(_) => Some(text_array(r, 4)?),
            },
        })
    })?)
}

/// One schema of a publication (`pg_publication_namespace`, 15+).
#[derive(Debug, Clone)]
pub(crate) struct PublicationSchemaRow {
    pub oid: u32,
    pub publication: u32,
    pub schema: u32,
}

/// Every publication schema, in OID order; none before 15.
pub(crate) async fn publication_schemas(
    cat: &Catalog<'_>,
) -> Result<Vec<PublicationSchemaRow>, CatalogError> {
    if !cat.at_least(15) {
        return Ok(Vec::new());
    }
    let rows = query(
        cat,
        "SELECT pn.oid, pn.pnpubid, pn.pnnspid FROM pg_catalog.pg_publication_namespace pn \
         ORDER BY pn.oid",
    )
    .await?;
    Ok(rows.decode(|r| {
        Ok(PublicationSchemaRow {
            oid: r.col(0)?,
            publication: r.col(1)?,
            schema: r.col(2)?,
        })
    })?)
}
