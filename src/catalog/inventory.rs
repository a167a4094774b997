//! What a database holds that this version cannot dump yet.
//!
//! A dump that silently leaves something out is the worst bug a backup tool
//! can have, so before dumping a database we list every user object of a
//! kind (or with a feature) not implemented yet; the dump fails naming the
//! first one. Each family removes its line here when it lands.

use super::{query, Catalog, CatalogError};

/// One query per unsupported kind: `(kind, name)` rows.
fn checks(server_version_num: i32) -> Vec<String> {
    let mut v = vec![
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
    /// `--no-subscriptions`.
    pub subscriptions: bool,
}

/// Whether any catalog the checks look at holds a user object at all: a
/// cheap test (no joins to plan) that lets the common database skip the
/// detailed checks. It may say yes for extension members; never no for an
/// object the checks would report.
fn candidates_exist(excluded: Excluded) -> String {
    let mut tests = vec![
        "EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extconfig IS NOT NULL)".to_string(),
    ];
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
        .filter(|q| !(excluded.subscriptions && q.starts_with("SELECT 'SUBSCRIPTION'")))
        .map(|q| format!("({q})"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let rows = query(cat, &sql).await?;
    Ok(rows.decode(|r| Ok((r.text(0)?, r.text(1)?)))?)
}
