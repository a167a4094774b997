//! Publications, their tables and schemas, and subscriptions: one query
//! per kind.

use super::census::Family;
use super::relations::text_array;
use super::{query, query_decode, Catalog, CatalogError};
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
    if !cat.may_have(Family::Publications) {
        return Ok(Vec::new());
    }
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
    query_decode(cat, &sql, |r| {
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
    })
    .await
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
    if !cat.may_have(Family::Publications) {
        return Ok(Vec::new());
    }
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
    query_decode(cat, &sql, |r| {
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
    })
    .await
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
    if !cat.may_have(Family::Publications) {
        return Ok(Vec::new());
    }
    if !cat.at_least(15) {
        return Ok(Vec::new());
    }
    query_decode(
        cat,
        "SELECT pn.oid, pn.pnpubid, pn.pnnspid FROM pg_catalog.pg_publication_namespace pn \
         ORDER BY pn.oid",
        |r| {
            Ok(PublicationSchemaRow {
                oid: r.col(0)?,
                publication: r.col(1)?,
                schema: r.col(2)?,
            })
        },
    )
    .await
}

/// One subscription of the current database, with the options each server
/// version has (older servers' rows carry what pg_dump assumes for them).
#[derive(Debug, Clone)]
pub(crate) struct SubscriptionRow {
    pub oid: u32,
    pub name: String,
    pub owner: String,
    pub conninfo: String,
    pub slot_name: Option<String>,
    pub synchronous_commit: String,
    pub publications: Vec<String>,
    pub binary: bool,
    /// `f` off, `t` on, `p` parallel (16+).
    pub streaming: char,
    /// `d` disabled (and before 15), `p` pending, `e` enabled.
    pub two_phase: char,
    pub disable_on_error: bool,
    /// true before 16.
    pub password_required: bool,
    /// true before 16: pg_dump assumes it for older servers.
    pub run_as_owner: bool,
    pub failover: bool,
    /// `any` before 16.
    pub origin: String,
}

/// What the dumping role may see of the database's subscriptions: pg_dump
/// reads them only as a superuser, else counts them for its warning.
#[derive(Debug, Clone)]
pub(crate) enum Subscriptions {
    Rows(Vec<SubscriptionRow>),
    NotSuperuser { count: i64 },
}

/// The current database's subscriptions, in OID order.
pub(crate) async fn subscriptions(cat: &Catalog<'_>) -> Result<Subscriptions, CatalogError> {
    // None at all: what a superuser would read, and no warning otherwise.
    if !cat.may_have(Family::Subscriptions) {
        return Ok(Subscriptions::Rows(Vec::new()));
    }
    const HERE: &str = "s.subdbid = (SELECT oid FROM pg_catalog.pg_database \
                        WHERE datname = pg_catalog.current_database())";
    let check = format!(
        "SELECT pg_catalog.current_setting('is_superuser') = 'on', \
         (SELECT pg_catalog.count(*) FROM pg_catalog.pg_subscription s WHERE {HERE})"
    );
    let rows = query(cat, &check).await?;
    let row = rows.one()?;
    if !row.col::<bool>(0)? {
        return Ok(Subscriptions::NotSuperuser { count: row.col(1)? });
    }
    let v15 = cat.at_least(15);
    let v16 = cat.at_least(16);
    let streaming = if v16 {
        "s.substream"
    } else {
        "CASE WHEN s.substream THEN 't' ELSE 'f' END::pg_catalog.\"char\""
    };
    let (two_phase, disable_on_error) = if v15 {
        ("s.subtwophasestate", "s.subdisableonerr")
    } else {
        ("'d'::pg_catalog.\"char\"", "false")
    };
    let (password_required, run_as_owner, origin) = if v16 {
        ("s.subpasswordrequired", "s.subrunasowner", "s.suborigin")
    } else {
        ("true", "true", "'any'::text")
    };
    let failover = if cat.at_least(17) {
        "s.subfailover"
    } else {
        "false"
    };
    let sql = format!(
        "SELECT s.oid, s.subname, pg_catalog.pg_get_userbyid(s.subowner), s.subconninfo, \
         s.subslotname, s.subsynccommit, s.subpublications, s.subbinary, {streaming}, \
         {two_phase}, {disable_on_error}, {password_required}, {run_as_owner}, {failover}, {origin} \
         FROM pg_catalog.pg_subscription s WHERE {HERE} ORDER BY s.oid"
    );
    Ok(Subscriptions::Rows(
        query_decode(cat, &sql, |r| {
            Ok(SubscriptionRow {
                oid: r.col(0)?,
                name: r.text(1)?,
                owner: r.text(2)?,
                conninfo: r.text(3)?,
                slot_name: r.opt_text(4)?,
                synchronous_commit: r.text(5)?,
                publications: text_array(r, 6)?,
                binary: r.col(7)?,
                streaming: r.code(8)?,
                two_phase: r.code(9)?,
                disable_on_error: r.col(10)?,
                password_required: r.col(11)?,
                run_as_owner: r.col(12)?,
                failover: r.col(13)?,
                origin: r.text(14)?,
            })
        })
        .await?,
    ))
}
