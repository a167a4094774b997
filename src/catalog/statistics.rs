//! Optimizer statistics (`--statistics`): each relation's size estimates
//! from `pg_class` and its column statistics from the `pg_stats` view,
//! both read in bulk for the whole database.

use super::{query_decode, Catalog, CatalogError, USER_NS};

/// The `pg_class` figures of one table, partitioned table, matview,
/// foreign table, index or partitioned index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RelationStatsRow {
    pub oid: u32,
    pub schema: String,
    pub name: String,
    pub relkind: char,
    pub relpages: i32,
    /// `reltuples` as the server prints the float.
    pub reltuples: String,
    pub relallvisible: i32,
    /// `relallfrozen` (servers 18 and later only).
    pub relallfrozen: Option<i32>,
    /// An index with expression columns: its column statistics name the
    /// column by number.
    pub has_expressions: bool,
    /// Whether the relation belongs to an extension.
    pub member: bool,
    /// For an index that implements a PRIMARY KEY, UNIQUE or EXCLUDE
    /// constraint: the constraint's OID.
    pub constraint: Option<u32>,
}

/// Every relation that can have statistics, outside system schemas, by
/// OID.
pub(crate) async fn relations(cat: &Catalog<'_>) -> Result<Vec<RelationStatsRow>, CatalogError> {
    let v18 = cat.at_least(18);
    let allfrozen = if v18 { "c.relallfrozen" } else { "NULL::int4" };
    let sql = format!(
        "SELECT c.oid, n.nspname, c.relname, c.relkind, c.relpages, c.reltuples::pg_catalog.text, \
         c.relallvisible, {allfrozen}, \
         COALESCE((SELECT i.indexprs IS NOT NULL FROM pg_catalog.pg_index i WHERE i.indexrelid = c.oid), false), \
         EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass \
           AND e.objid = c.oid AND e.deptype = 'e'), \
         (SELECT co.oid FROM pg_catalog.pg_index i JOIN pg_catalog.pg_constraint co \
           ON co.conrelid = i.indrelid AND co.conindid = i.indexrelid AND co.contype IN ('p', 'u', 'x') \
           WHERE i.indexrelid = c.oid LIMIT 1) \
         FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p', 'm', 'f', 'i', 'I') AND {USER_NS} \
         ORDER BY c.oid"
    );
    query_decode(cat, &sql, |r| {
        Ok(RelationStatsRow {
            oid: r.col(0)?,
            schema: r.text(1)?,
            name: r.text(2)?,
            relkind: r.col::<i8>(3)? as u8 as char,
            relpages: r.col(4)?,
            reltuples: r.text(5)?,
            relallvisible: r.col(6)?,
            relallfrozen: r.col(7)?,
            has_expressions: r.col(8)?,
            member: r.col(9)?,
            constraint: r.col(10)?,
        })
    })
    .await
}

/// One row of `pg_stats`: the statistics of one column (or index
/// column), with or without inheritance children. Every value is the
/// server's text output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AttributeStatsRow {
    /// The relation's OID.
    pub relid: u32,
    pub attname: String,
    pub attnum: i16,
    pub inherited: bool,
    pub null_frac: Option<String>,
    pub avg_width: Option<String>,
    pub n_distinct: Option<String>,
    pub most_common_vals: Option<String>,
    pub most_common_freqs: Option<String>,
    pub histogram_bounds: Option<String>,
    pub correlation: Option<String>,
    pub most_common_elems: Option<String>,
    pub most_common_elem_freqs: Option<String>,
    pub elem_count_histogram: Option<String>,
    /// Range statistics: servers 17 and later.
    pub range_length_histogram: Option<String>,
    pub range_empty_frac: Option<String>,
    pub range_bounds_histogram: Option<String>,
}

/// Every `pg_stats` row outside system schemas, ordered by relation OID,
/// then column name and inheritance (pg_dump's order within a relation).
pub(crate) async fn attributes(cat: &Catalog<'_>) -> Result<Vec<AttributeStatsRow>, CatalogError> {
    let range = if cat.at_least(17) {
        "s.range_length_histogram::pg_catalog.text, s.range_empty_frac::pg_catalog.text, \
         s.range_bounds_histogram::pg_catalog.text"
    } else {
        "NULL::pg_catalog.text, NULL::pg_catalog.text, NULL::pg_catalog.text"
    };
    let sql = format!(
        "SELECT c.oid, s.attname, a.attnum, s.inherited, s.null_frac::pg_catalog.text, \
         s.avg_width::pg_catalog.text, s.n_distinct::pg_catalog.text, \
         s.most_common_vals::pg_catalog.text, s.most_common_freqs::pg_catalog.text, \
         s.histogram_bounds::pg_catalog.text, s.correlation::pg_catalog.text, \
         s.most_common_elems::pg_catalog.text, s.most_common_elem_freqs::pg_catalog.text, \
         s.elem_count_histogram::pg_catalog.text, {range} \
         FROM pg_catalog.pg_stats s \
         JOIN pg_catalog.pg_namespace n ON n.nspname = s.schemaname \
         JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename \
         JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = s.attname \
         WHERE {USER_NS} \
         ORDER BY c.oid, s.attname, s.inherited"
    );
    query_decode(cat, &sql, |r| {
        Ok(AttributeStatsRow {
            relid: r.col(0)?,
            attname: r.text(1)?,
            attnum: r.col(2)?,
            inherited: r.col(3)?,
            null_frac: r.opt_text(4)?,
            avg_width: r.opt_text(5)?,
            n_distinct: r.opt_text(6)?,
            most_common_vals: r.opt_text(7)?,
            most_common_freqs: r.opt_text(8)?,
            histogram_bounds: r.opt_text(9)?,
            correlation: r.opt_text(10)?,
            most_common_elems: r.opt_text(11)?,
            most_common_elem_freqs: r.opt_text(12)?,
            elem_count_histogram: r.opt_text(13)?,
            range_length_histogram: r.opt_text(14)?,
            range_empty_frac: r.opt_text(15)?,
            range_bounds_histogram: r.opt_text(16)?,
        })
    })
    .await
}
