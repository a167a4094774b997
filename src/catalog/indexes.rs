//! Indexes and the constraints they implement.

use super::{query_decode, Catalog, CatalogError, USER_NS};
use crate::pg::version::at_least;
use crate::pg::{QueryRow, RowError};

use super::relations::text_array;

/// One index of a user table, partitioned table or materialized view,
/// with the constraint it implements, if any.
#[derive(Debug, Clone, Default)]
pub(crate) struct IndexRow {
    pub oid: u32,
    pub table: u32,
    pub name: String,
    /// `pg_get_indexdef`; empty for constraint indexes, whose entries
    /// are built from the constraint (deparsing costs the server).
    pub definition: String,
    pub nkeyatts: i32,
    pub natts: i32,
    pub keys: Vec<i16>,
    pub clustered: bool,
    pub replident: bool,
    pub nulls_not_distinct: bool,
    /// The partitioned index this one is attached to, or 0.
    pub parent: u32,
    pub tablespace: String,
    pub reloptions: Vec<String>,
    /// `(column number, statistics target)` of index columns with one.
    pub stat_targets: Vec<(i32, i32)>,
    pub constraint: Option<IndexConstraintRow>,
}

/// The PRIMARY KEY, UNIQUE or EXCLUDE constraint an index implements.
#[derive(Debug, Clone, Default)]
pub(crate) struct IndexConstraintRow {
    pub oid: u32,
    pub name: String,
    pub contype: char,
    pub definition: String,
    pub deferrable: bool,
    pub deferred: bool,
    pub period: bool,
}

/// The definition pg_get_indexdef gives a plain index (key columns
/// only, each with its column's collation, the default operator class
/// for exactly its type and no options, no ordering flags, no WITH, no
/// WHERE), spelled out here: the function is the costliest part of
/// reading big databases (it looks the default operator class up in
/// pg_opclass once per column). Names are quoted by the server, as the
/// function does. Every other index goes through pg_get_indexdef.
/// (`nnd`: the NULLS NOT DISTINCT flag's expression.)
fn plain_index_definition(nnd: &str) -> String {
    format!(
        "CASE WHEN i.indexprs IS NULL AND i.indpred IS NULL AND i.indnatts = i.indnkeyatts \
           AND ic.relkind = 'i' AND ic.reloptions IS NULL AND NOT {nnd} THEN \
         (SELECT 'CREATE ' || CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END || 'INDEX ' \
           || pg_catalog.quote_ident(ic.relname) || ' ON ' || pg_catalog.quote_ident(n.nspname) \
           || '.' || pg_catalog.quote_ident(c.relname) || ' USING ' || pg_catalog.quote_ident(am.amname) \
           || ' (' || pg_catalog.string_agg(pg_catalog.quote_ident(ta.attname), ', ' ORDER BY k.n) || ')' \
          FROM ROWS FROM (pg_catalog.unnest(i.indkey::pg_catalog.int2[]), \
            pg_catalog.unnest(i.indclass::pg_catalog.oid[]), \
            pg_catalog.unnest(i.indcollation::pg_catalog.oid[]), \
            pg_catalog.unnest(i.indoption::pg_catalog.int2[])) \
            WITH ORDINALITY AS k(attnum, opclass, coll, opt, n) \
          JOIN pg_catalog.pg_attribute ta ON ta.attrelid = i.indrelid AND ta.attnum = k.attnum \
          JOIN pg_catalog.pg_attribute ia ON ia.attrelid = i.indexrelid AND ia.attnum = k.n \
          JOIN pg_catalog.pg_opclass oc ON oc.oid = k.opclass \
          HAVING pg_catalog.count(*) = i.indnatts AND pg_catalog.bool_and(k.attnum > 0 \
            AND oc.opcdefault AND oc.opcintype = ta.atttypid AND oc.opcmethod = ic.relam \
            AND (k.coll = 0 OR k.coll = ta.attcollation) AND k.opt = 0 AND ia.attoptions IS NULL)) \
         END"
    )
}

/// Valid (or partitioned) indexes of user tables, partitioned tables and
/// materialized views, by table then index name. (The statistics targets
/// of an index's columns are looked up per index: grouping every row of
/// pg_attribute first was a scan of the whole catalog, 18 ms on W4 and a
/// third of this query's cost on a small database.)
pub(crate) async fn indexes(cat: &Catalog<'_>) -> Result<Vec<IndexRow>, CatalogError> {
    let v = cat.server_version_num;
    let nnd = if at_least(v, 15) {
        "i.indnullsnotdistinct"
    } else {
        "false"
    };
    let period = if at_least(v, 18) {
        "co.conperiod"
    } else {
        "false"
    };
    let plain_definition = plain_index_definition(nnd);
    let sql = format!(
        "SELECT i.indexrelid, i.indrelid, ic.relname, \
         CASE WHEN co.oid IS NULL THEN \
           COALESCE({plain_definition}, pg_catalog.pg_get_indexdef(i.indexrelid)) END, \
         i.indnkeyatts::int4, i.indnatts::int4, i.indkey::pg_catalog.int2[], i.indisclustered, i.indisreplident, \
         {nnd}, COALESCE(inh.inhparent, 0::pg_catalog.oid), \
         COALESCE(s.spcname, ''), ic.reloptions, st.attnums, st.targets, \
         co.oid, co.conname, co.contype, \
         CASE WHEN co.contype = 'x' THEN pg_catalog.pg_get_constraintdef(co.oid) END, \
         co.condeferrable, co.condeferred, {period} \
         FROM pg_catalog.pg_index i \
         JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid \
         JOIN pg_catalog.pg_class c ON c.oid = i.indrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_catalog.pg_am am ON am.oid = ic.relam \
         LEFT JOIN pg_catalog.pg_tablespace s ON s.oid = ic.reltablespace \
         LEFT JOIN LATERAL (SELECT \
             pg_catalog.array_agg(a.attnum::int4 ORDER BY a.attnum) AS attnums, \
             pg_catalog.array_agg(a.attstattarget::int4 ORDER BY a.attnum) AS targets \
           FROM pg_catalog.pg_attribute a WHERE a.attrelid = i.indexrelid AND a.attstattarget >= 0) st \
           ON true \
         LEFT JOIN pg_catalog.pg_constraint co ON (co.conrelid = i.indrelid AND co.conindid = i.indexrelid \
           AND co.contype IN ('p', 'u', 'x')) \
         LEFT JOIN pg_catalog.pg_inherits inh ON inh.inhrelid = i.indexrelid \
         WHERE c.relkind IN ('r', 'p', 'm') AND {USER_NS} \
         AND (i.indisvalid OR ic.relkind = 'I') AND i.indisready \
         ORDER BY i.indrelid, ic.relname"
    );
    query_decode(cat, &sql, index_row).await
}

/// One row of [`indexes`].
fn index_row(r: QueryRow<'_>) -> Result<IndexRow, RowError> {
    let stat_cols: Vec<i32> = r.col::<Option<Vec<i32>>>(13)?.unwrap_or_default();
    let stat_vals: Vec<i32> = r.col::<Option<Vec<i32>>>(14)?.unwrap_or_default();
    let con_oid: Option<u32> = r.col(15)?;
    Ok(IndexRow {
        oid: r.col(0)?,
        table: r.col(1)?,
        name: r.text(2)?,
        // NULL for constraint indexes (their entries are built from
        // the constraint); from pg_get_indexdef, for an index
        // dropped since the snapshot.
        definition: match con_oid {
            None => r.definition(3, "index", 2)?,
            Some(_) => String::new(),
        },
        nkeyatts: r.col(4)?,
        natts: r.col(5)?,
        keys: r.col::<Option<Vec<i16>>>(6)?.unwrap_or_default(),
        clustered: r.col(7)?,
        replident: r.col(8)?,
        nulls_not_distinct: r.col(9)?,
        parent: r.col(10)?,
        tablespace: r.text(11)?,
        reloptions: text_array(r, 12)?,
        stat_targets: stat_cols.into_iter().zip(stat_vals).collect(),
        constraint: match con_oid {
            Some(oid) => Some(IndexConstraintRow {
                oid,
                name: r.text(16)?,
                contype: r.code(17)?,
                // Read for exclusion constraints only.
                definition: match r.code(17)? {
                    'x' => r.definition(18, "constraint", 16)?,
                    _ => String::new(),
                },
                deferrable: r.col(19)?,
                deferred: r.col(20)?,
                period: r.col(21)?,
            }),
            None => None,
        },
    })
}
