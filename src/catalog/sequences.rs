//! Sequences: their parameters and current values.

use super::census::Family;
use super::{query, query_decode, Catalog, CatalogError};
use crate::pg::quote;

/// A sequence's parameters (`pg_sequence`).
#[derive(Debug, Clone, Default)]
pub(crate) struct SequenceRow {
    pub oid: u32,
    /// `format_type(seqtypid, NULL)`: smallint, integer or bigint.
    pub type_name: String,
    pub start: i64,
    pub increment: i64,
    pub max: i64,
    pub min: i64,
    pub cache: i64,
    pub cycle: bool,
}

/// Every sequence's parameters, by OID.
pub(crate) async fn sequences(cat: &Catalog<'_>) -> Result<Vec<SequenceRow>, CatalogError> {
    if !cat.may_have(Family::Sequences) {
        return Ok(Vec::new());
    }
    let sql = "SELECT s.seqrelid, pg_catalog.format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, \
         s.seqmax, s.seqmin, s.seqcache, s.seqcycle FROM pg_catalog.pg_sequence s ORDER BY s.seqrelid";
    query_decode(cat, sql, |r| {
        Ok(SequenceRow {
            oid: r.col(0)?,
            type_name: r.text(1)?,
            start: r.col(2)?,
            increment: r.col(3)?,
            max: r.col(4)?,
            min: r.col(5)?,
            cache: r.col(6)?,
            cycle: r.col(7)?,
        })
    })
    .await
}

/// A sequence's `(oid, last_value, is_called)`.
pub(crate) type SequenceValue = (u32, Option<i64>, Option<bool>);

/// On 18 and later, [`SequenceValue`]s of every sequence of the database
/// with `pg_get_sequence_data` (NULLs where the user may not read it),
/// which another session can read as well as the dumping one: sequences
/// are outside transactions, so no snapshot applies. None before 18,
/// where each sequence is read with a SELECT of its own
/// ([`sequence_values`]), which needs the privilege on every one.
pub(crate) async fn all_sequence_values(
    cat: &Catalog<'_>,
) -> Result<Option<Vec<SequenceValue>>, CatalogError> {
    if !cat.at_least(18) {
        return Ok(None);
    }
    if !cat.may_have(Family::Sequences) {
        return Ok(Some(Vec::new()));
    }
    let rows = query(
        cat,
        "SELECT s.seqrelid, d.last_value, d.is_called FROM pg_catalog.pg_sequence s, \
         LATERAL pg_catalog.pg_get_sequence_data(s.seqrelid::pg_catalog.regclass) d",
    )
    .await?;
    Ok(Some(
        rows.decode(|r| Ok((r.col(0)?, r.col(1)?, r.col(2)?)))?,
    ))
}

/// `(oid, last_value, is_called)` of the given sequences (`(oid, schema,
/// name)`), read with `pg_get_sequence_data` on 18 and by
/// selecting from each sequence (batched with UNION ALL) before.
pub(crate) async fn sequence_values(
    cat: &Catalog<'_>,
    seqs: &[(u32, String, String)],
) -> Result<Vec<SequenceValue>, CatalogError> {
    let mut out = Vec::with_capacity(seqs.len());
    if seqs.is_empty() {
        return Ok(out);
    }
    if cat.at_least(18) {
        let oids: Vec<String> = seqs.iter().map(|(o, _, _)| o.to_string()).collect();
        let sql = format!(
            "SELECT s.oid, d.last_value, d.is_called \
             FROM pg_catalog.unnest('{{{}}}'::pg_catalog.oid[]) AS s(oid), \
             LATERAL pg_catalog.pg_get_sequence_data(s.oid::pg_catalog.regclass) d",
            oids.join(",")
        );
        for r in &query(cat, &sql).await? {
            out.push((r.col(0)?, r.col(1)?, r.col(2)?));
        }
        return Ok(out);
    }
    for chunk in seqs.chunks(200) {
        let mut parts = Vec::with_capacity(chunk.len());
        for (oid, schema, name) in chunk {
            let qname = format!("{}.{}", quote::ident(schema), quote::ident(name));
            parts.push(format!(
                "SELECT {oid}::pg_catalog.oid, last_value, is_called FROM {qname}"
            ));
        }
        let sql = parts.join(" UNION ALL ");
        // The names are byte strings, sent as their bytes (conn::wire_text).
        for r in &query(cat, &sql).await? {
            out.push((r.col(0)?, r.col(1)?, r.col(2)?));
        }
    }
    Ok(out)
}
