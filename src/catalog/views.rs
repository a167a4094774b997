//! Views and materialized views: the relations, their columns, view column
//! defaults, and which matviews a matview's refresh must wait for.

use super::census::Family;
use super::{query_decode, Catalog, CatalogError, PRIVILEGED_COLUMN};
use crate::pg::{QueryRow, RowError};
use crate::text::Raw;

/// Views and matviews outside system schemas, plus pg_catalog's (whose
/// ACL changes are dumped).
const VIEW_NS: &str =
    "(n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' OR n.nspname = 'pg_catalog')";

/// One view or materialized view.
#[derive(Debug, Clone)]
pub(crate) struct ViewRow {
    pub oid: u32,
    pub schema: String,
    pub name: String,
    /// `v` or `m`.
    pub relkind: char,
    pub owner: String,
    pub acl: Option<String>,
    pub acl_default: String,
    /// reloptions without check_option (text form).
    pub reloptions: Option<String>,
    /// `LOCAL` or `CASCADED`.
    pub check_option: Option<String>,
    pub toast_reloptions: Option<String>,
    /// pg_get_viewdef (not read for pg_catalog views).
    pub viewdef: Option<String>,
    pub populated: bool,
    /// Tablespace name, "" for the default.
    pub tablespace: String,
    pub am: Option<String>,
    pub replident: char,
    /// Member of an extension (known before pg_depend is processed, for
    /// the refresh objects).
    pub is_member: bool,
    /// In pg_catalog: only ACL changes are dumped.
    pub system: bool,
}

pub(crate) async fn views(cat: &Catalog<'_>) -> Result<Vec<ViewRow>, CatalogError> {
    let sql = format!(
        "SELECT c.oid, n.nspname, c.relname, c.relkind, pg_catalog.pg_get_userbyid(c.relowner), \
         c.relacl::pg_catalog.text, pg_catalog.acldefault('r', c.relowner)::pg_catalog.text, \
         pg_catalog.array_remove(pg_catalog.array_remove(c.reloptions, 'check_option=local'), 'check_option=cascaded')::pg_catalog.text, \
         CASE WHEN 'check_option=local' = ANY (c.reloptions) THEN 'LOCAL'::pg_catalog.text \
              WHEN 'check_option=cascaded' = ANY (c.reloptions) THEN 'CASCADED'::pg_catalog.text END, \
         tc.reloptions::pg_catalog.text, \
         CASE WHEN n.nspname <> 'pg_catalog' THEN pg_catalog.pg_get_viewdef(c.oid) END, \
         c.relispopulated, COALESCE(ts.spcname, ''), am.amname, c.relreplident, \
         EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass \
                 AND e.objid = c.oid AND e.deptype = 'e'), \
         n.nspname = 'pg_catalog' \
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_catalog.pg_class tc ON tc.oid = c.reltoastrelid \
         LEFT JOIN pg_catalog.pg_tablespace ts ON ts.oid = c.reltablespace \
         LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam \
         WHERE c.relkind IN ('v', 'm') AND {VIEW_NS} ORDER BY c.oid"
    );
    query_decode(cat, &sql, |r| {
        Ok(ViewRow {
            oid: r.col(0)?,
            schema: r.text(1)?,
            name: r.text(2)?,
            relkind: r.code(3)?,
            owner: r.text(4)?,
            acl: r.opt_text(5)?,
            acl_default: r.text(6)?,
            reloptions: r.opt_text(7)?,
            check_option: r.opt_text(8)?,
            toast_reloptions: r.opt_text(9)?,
            // Not read for pg_catalog's views; NULL for a view dropped
            // since the snapshot.
            viewdef: match r.col::<bool>(16)? {
                true => None,
                false => Some(r.definition(10, "view", 2)?),
            },
            populated: r.col(11)?,
            tablespace: r.text(12)?,
            am: r.opt_text(13)?,
            replident: r.code(14)?,
            is_member: r.col(15)?,
            system: r.col(16)?,
        })
    })
    .await
}

/// One column of a view or matview.
#[derive(Debug, Clone)]
pub(crate) struct ViewColumn {
    pub relid: u32,
    pub attnum: i16,
    pub name: String,
    /// format_type text.
    pub type_name: String,
    /// `(schema, name)` of the column's collation when it is not the type's.
    pub collation: Option<(String, String)>,
    pub stattarget: i32,
    pub attstorage: char,
    pub typstorage: char,
    pub compression: char,
    /// attoptions joined with `, `, or "".
    pub options: String,
    pub acl: Option<String>,
}

/// The columns of those views: all of a user view's, and of a system
/// view only those with privileges or initial privileges, the only thing
/// dumped of them (every database has some 2,300 system view columns,
/// and their types were a tenth of a small database's catalog reads).
///
/// A database without views of its own (the census finds no view rule made
/// after initdb) has only pg_catalog's: then only their columns with
/// privileges are read, without the joins for types and collations (half
/// of this query's cost to a small database's fresh backend).
pub(crate) async fn columns(cat: &Catalog<'_>) -> Result<Vec<ViewColumn>, CatalogError> {
    let sql = if cat.may_have(Family::Views) {
        all_columns_sql()
    } else {
        system_view_columns_sql()
    };
    query_decode(cat, &sql, view_column).await
}

/// The privileged columns of pg_catalog's views, in [`all_columns_sql`]'s
/// shape (the type's storage and the collation, unused for them, are not
/// read).
fn system_view_columns_sql() -> String {
    format!(
        "SELECT a.attrelid, a.attnum, a.attname, \
         pg_catalog.format_type(a.atttypid, a.atttypmod), NULL::pg_catalog.name, NULL::pg_catalog.name, \
         COALESCE(a.attstattarget, -1)::pg_catalog.int4, a.attstorage, a.attstorage, a.attcompression, \
         COALESCE(pg_catalog.array_to_string(a.attoptions, ', '), ''), a.attacl::pg_catalog.text \
         FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
         WHERE c.relkind IN ('v', 'm') AND c.relnamespace = 'pg_catalog'::pg_catalog.regnamespace \
         AND a.attnum > 0 AND NOT a.attisdropped AND {PRIVILEGED_COLUMN} \
         ORDER BY a.attrelid, a.attnum"
    )
}

fn all_columns_sql() -> String {
    format!(
        "SELECT a.attrelid, a.attnum, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), \
         cn.nspname, co.collname, COALESCE(a.attstattarget, -1)::pg_catalog.int4, a.attstorage, t.typstorage, \
         a.attcompression, COALESCE(pg_catalog.array_to_string(a.attoptions, ', '), ''), a.attacl::pg_catalog.text \
         FROM pg_catalog.pg_attribute a \
         JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
         LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation AND a.attcollation <> t.typcollation \
         LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace \
         WHERE c.relkind IN ('v', 'm') AND {VIEW_NS} AND a.attnum > 0 AND NOT a.attisdropped \
         AND (n.nspname <> 'pg_catalog' OR {PRIVILEGED_COLUMN}) \
         ORDER BY a.attrelid, a.attnum"
    )
}

fn view_column(r: QueryRow<'_>) -> Result<ViewColumn, RowError> {
    let coll_schema: Option<Raw> = r.col(4)?;
    let coll_name: Option<Raw> = r.col(5)?;
    Ok(ViewColumn {
        relid: r.col(0)?,
        attnum: r.col(1)?,
        name: r.text(2)?,
        type_name: r.text(3)?,
        collation: match (coll_schema, coll_name) {
            (Some(s), Some(n)) => Some((s.0, n.0)),
            _ => None,
        },
        stattarget: r.col(6)?,
        attstorage: r.code(7)?,
        typstorage: r.code(8)?,
        compression: r.code(9)?,
        options: r.text(10)?,
        acl: r.opt_text(11)?,
    })
}

/// A column default of a view.
#[derive(Debug, Clone)]
pub(crate) struct ViewDefault {
    pub oid: u32,
    pub relid: u32,
    pub attnum: i16,
    pub expr: String,
}

pub(crate) async fn view_defaults(cat: &Catalog<'_>) -> Result<Vec<ViewDefault>, CatalogError> {
    let sql = format!(
        "SELECT d.oid, d.adrelid, d.adnum, pg_catalog.pg_get_expr(d.adbin, d.adrelid) \
         FROM pg_catalog.pg_attrdef d JOIN pg_catalog.pg_class c ON c.oid = d.adrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind = 'v' AND {VIEW_NS} ORDER BY d.adrelid, d.adnum"
    );
    query_decode(cat, &sql, |r| {
        Ok(ViewDefault {
            oid: r.col(0)?,
            relid: r.col(1)?,
            attnum: r.col(2)?,
            expr: r.text(3)?,
        })
    })
    .await
}

/// `(matview, matview it reads)` pairs, directly or through views and
/// other matviews.
pub(crate) async fn matview_reads(cat: &Catalog<'_>) -> Result<Vec<(u32, u32)>, CatalogError> {
    let sql = "WITH RECURSIVE w AS ( \
         SELECT d1.objid, d2.refobjid, c2.relkind AS refrelkind \
         FROM pg_catalog.pg_depend d1 \
         JOIN pg_catalog.pg_class c1 ON c1.oid = d1.objid AND c1.relkind = 'm' \
         JOIN pg_catalog.pg_rewrite r1 ON r1.ev_class = d1.objid \
         JOIN pg_catalog.pg_depend d2 ON d2.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass \
           AND d2.objid = r1.oid AND d2.refobjid <> d1.objid \
         JOIN pg_catalog.pg_class c2 ON c2.oid = d2.refobjid AND c2.relkind IN ('m', 'v') \
         WHERE d1.classid = 'pg_catalog.pg_class'::pg_catalog.regclass \
         UNION \
         SELECT w.objid, d3.refobjid, c3.relkind \
         FROM w JOIN pg_catalog.pg_rewrite r3 ON r3.ev_class = w.refobjid \
         JOIN pg_catalog.pg_depend d3 ON d3.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass \
           AND d3.objid = r3.oid AND d3.refobjid <> w.refobjid \
         JOIN pg_catalog.pg_class c3 ON c3.oid = d3.refobjid AND c3.relkind IN ('m', 'v') \
         ) SELECT objid, refobjid FROM w WHERE refrelkind = 'm'";
    query_decode(cat, sql, |r| Ok((r.col(0)?, r.col(1)?))).await
}
