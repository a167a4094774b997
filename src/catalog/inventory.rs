//! What a database holds that this version cannot dump yet.
//!
//! A dump that silently leaves something out is the worst bug a backup tool
//! can have, so before dumping a database we list every user object of a
//! kind (or with a feature) not implemented yet; the dump fails naming the
//! first one. Each family removes its line here when it lands.

use super::{query, Catalog, CatalogError, USER_NS};

/// `NOT (object is an extension member)` for a catalog and an OID column.
fn not_member(catalog: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.{catalog}'::pg_catalog.regclass \
         AND e.objid = {oid} AND e.deptype = 'e')"
    )
}

/// One query per unsupported kind: `(kind, name)` rows.
fn checks(server_version_num: i32) -> Vec<String> {
    let rel_member = not_member("pg_class", "c.oid");
    let mut v = vec![
        format!(
            "SELECT 'FOREIGN TABLE', n.nspname || '.' || c.relname \
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind = 'f' AND {USER_NS} AND {rel_member}"
        ),
        format!(
            "SELECT 'COLLATION', n.nspname || '.' || c.collname FROM pg_catalog.pg_collation c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace WHERE {USER_NS} AND {}",
            not_member("pg_collation", "c.oid")
        ),
        "SELECT 'PUBLICATION', p.pubname::text FROM pg_catalog.pg_publication p".to_string(),
        "SELECT 'SUBSCRIPTION', s.subname::text FROM pg_catalog.pg_subscription s \
         WHERE s.subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())"
            .to_string(),
        // Extensions are dumped, except their configuration tables' data.
        "SELECT 'EXTENSION WITH CONFIGURATION TABLES', x.extname::text FROM pg_catalog.pg_extension x \
         WHERE x.extconfig IS NOT NULL"
            .to_string(),
    ];
    let _ = server_version_num;
    v.iter_mut().for_each(|q| q.push_str(" LIMIT 5"));
    v
}

/// Kinds the options exclude from the dump entirely, so that their
/// objects are neither collected nor refused.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Excluded {
    /// `--no-publications`.
    pub publications: bool,
    /// `--no-subscriptions`.
    pub subscriptions: bool,
}

/// Whether any catalog the checks look at holds a user object at all: a
/// cheap test (no joins to plan) that lets the common database skip the
/// detailed checks. It may say yes for extension members; never no for an
/// object the checks would report.
fn candidates_exist(excluded: Excluded) -> String {
    let mut tests = vec![
        "EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE relkind = 'f')".to_string(),
        "EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extconfig IS NOT NULL)".to_string(),
    ];
    tests.push("EXISTS (SELECT 1 FROM pg_catalog.pg_collation WHERE oid >= 16384)".into());
    if !excluded.publications {
        tests.push("EXISTS (SELECT 1 FROM pg_catalog.pg_publication)".into());
    }
    if !excluded.subscriptions {
        tests.push(
            "EXISTS (SELECT 1 FROM pg_catalog.pg_subscription WHERE subdbid IS NOT NULL)".into(),
        );
    }
    format!("SELECT {}", tests.join(" OR "))
}

/// `(kind, qualified name)` of objects that cannot be dumped yet.
pub(crate) async fn unsupported_objects(
    cat: &Catalog<'_>,
    excluded: Excluded,
) -> Result<Vec<(String, String)>, CatalogError> {
    let any: bool = query(cat, &candidates_exist(excluded))
        .await?
        .one()?
        .col(0)?;
    if !any {
        return Ok(Vec::new());
    }
    let sql = checks(cat.server_version_num)
        .into_iter()
        .filter(|q| !(excluded.publications && q.starts_with("SELECT 'PUBLICATION'")))
        .filter(|q| !(excluded.subscriptions && q.starts_with("SELECT 'SUBSCRIPTION'")))
        .map(|q| format!("({q})"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let rows = query(cat, &sql).await?;
    Ok(rows.decode(|r| Ok((r.text(0)?, r.text(1)?)))?)
}
