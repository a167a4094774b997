//! Relations: tables, partitioned tables and sequences (`pg_class`), their
//! columns, defaults, constraints, indexes, inheritance and sequence
//! values. Every query reads one kind for the whole database.

use super::{query, Catalog, CatalogError};
use crate::pg::{QueryRow, RowError, RowExt, Rows};
use crate::text::Raw;

/// A condition true for relations outside system schemas (`n` is the
/// relation's namespace).
const USER_NS: &str = "n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'";

/// The first byte of a `"char"` column, or `'\0'`.
fn ch(r: QueryRow<'_>, i: usize) -> Result<char, RowError> {
    Ok(r.opt_text(i)?
        .and_then(|s| s.chars().next())
        .unwrap_or('\0'))
}

fn text_array(r: QueryRow<'_>, i: usize) -> Result<Vec<String>, RowError> {
    Ok(r.col::<Option<Vec<Option<Raw>>>>(i)?
        .unwrap_or_default()
        .into_iter()
        .map(|s| s.map(|s| s.0).unwrap_or_default())
        .collect())
}

/// One relation of kind `r`, `p`, `S` or `m` (materialized views only for
/// their indexes), in any schema but pg_toast.
#[derive(Debug, Clone, Default)]
pub struct RelationRow {
    pub oid: u32,
    pub schema: String,
    pub name: String,
    pub relkind: char,
    pub persistence: char,
    pub owner: String,
    pub acl: Option<String>,
    pub acl_default: String,
    /// Tablespace name, "" for the database's default.
    pub tablespace: String,
    /// Table access method, if any.
    pub am: Option<String>,
    pub reloptions: Vec<String>,
    pub toast_reloptions: Vec<String>,
    /// `format_type` of the row type of a typed table (`OF type`).
    pub of_type: Option<String>,
    pub replident: char,
    pub row_security: bool,
    pub force_row_security: bool,
    pub is_partition: bool,
    /// `pg_get_partkeydef` of a partitioned table.
    pub partkeydef: Option<String>,
    /// `pg_get_expr(relpartbound)` of a partition.
    pub partbound: Option<String>,
    /// Whether the relation belongs to an extension.
    pub member: bool,
    /// Whether the relation lives in a system schema.
    pub system: bool,
    /// For a sequence owned by a column: the table and column number.
    pub owning: Option<(u32, i32)>,
    /// Whether that ownership is an identity column's (deptype 'i').
    pub identity_sequence: bool,
    /// A partitioned table hash-partitioned on an enum column: its
    /// partitions' data loads through the root.
    pub unsafe_partitions: bool,
}

/// Every relation of kind `r`, `p` and `S` (system ones too: their ACL
/// changes are dumped, and they take part in the sort), by OID.
pub async fn relations(cat: &Catalog<'_>) -> Result<Vec<RelationRow>, CatalogError> {
    let sql = format!(
        "SELECT c.oid, n.nspname, c.relname, c.relkind, c.relpersistence, \
         pg_catalog.pg_get_userbyid(c.relowner), c.relacl::text, \
         pg_catalog.acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::\"char\", c.relowner)::text, \
         COALESCE(ts.spcname, ''), am.amname, c.reloptions, \
         CASE WHEN c.relkind <> 'p' THEN tc.reloptions END, \
         CASE WHEN c.reloftype <> 0 THEN pg_catalog.format_type(c.reloftype, NULL) END, \
         c.relreplident, c.relrowsecurity, c.relforcerowsecurity, c.relispartition, \
         CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END, \
         CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END, \
         EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass \
           AND e.objid = c.oid AND e.deptype = 'e'), \
         NOT ({USER_NS}), \
         d.refobjid, d.refobjsubid, d.deptype, \
         c.relkind = 'p' AND EXISTS (SELECT 1 FROM pg_catalog.pg_partitioned_table pt \
           WHERE pt.partrelid = c.oid AND (SELECT oc.oid FROM pg_catalog.pg_opclass oc \
             JOIN pg_catalog.pg_am a ON oc.opcmethod = a.oid \
             WHERE oc.opcname = 'enum_ops' AND oc.opcnamespace = 'pg_catalog'::pg_catalog.regnamespace \
             AND a.amname = 'hash') = ANY(pt.partclass)) \
         FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_catalog.pg_tablespace ts ON ts.oid = c.reltablespace \
         LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam \
         LEFT JOIN pg_catalog.pg_class tc ON tc.oid = c.reltoastrelid AND c.reltoastrelid <> 0 \
         LEFT JOIN pg_catalog.pg_depend d ON (c.relkind = 'S' AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass \
           AND d.objid = c.oid AND d.objsubid = 0 AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass \
           AND d.deptype IN ('a', 'i')) \
         WHERE c.relkind IN ('r', 'p', 'S', 'm') AND n.nspname <> 'pg_toast' \
         ORDER BY c.oid"
    );
    let rows = query(cat, &sql).await?;
    Ok(rows.decode(|r| {
        let owning_tab: Option<u32> = r.col(21)?;
        let owning_col: Option<i32> = r.col(22)?;
        Ok(RelationRow {
            oid: r.col(0)?,
            schema: r.text(1)?,
            name: r.text(2)?,
            relkind: ch(r, 3)?,
            persistence: ch(r, 4)?,
            owner: r.text(5)?,
            acl: r.opt_text(6)?,
            acl_default: r.text(7)?,
            tablespace: r.text(8)?,
            am: r.opt_text(9)?,
            reloptions: text_array(r, 10)?,
            toast_reloptions: text_array(r, 11)?,
            of_type: r.opt_text(12)?,
            replident: ch(r, 13)?,
            row_security: r.col(14)?,
            force_row_security: r.col(15)?,
            is_partition: r.col(16)?,
            partkeydef: r.opt_text(17)?,
            partbound: r.opt_text(18)?,
            member: r.col(19)?,
            system: r.col(20)?,
            owning: owning_tab.map(|t| (t, owning_col.unwrap_or(0))),
            identity_sequence: ch(r, 23)? == 'i',
            unsafe_partitions: r.col::<Option<bool>>(24)?.unwrap_or(false),
        })
    })?)
}

/// One column (attnum > 0) of a user table or partitioned table.
#[derive(Debug, Clone, Default)]
pub struct ColumnRow {
    pub table: u32,
    pub attnum: i32,
    pub name: String,
    pub dropped: bool,
    pub is_local: bool,
    pub not_null: bool,
    /// `format_type(atttypid, atttypmod)`.
    pub type_name: String,
    /// -1 when default.
    pub stat_target: i32,
    pub storage: char,
    pub type_storage: char,
    pub identity: char,
    pub generated: char,
    pub compression: char,
    /// Collation `(schema, name)` when it differs from the type's.
    pub collation: Option<(String, String)>,
    /// attoptions joined with `, `.
    pub options: String,
    /// Server 18: the column's not-null constraint.
    pub nn: Option<NotNullRow>,
}

/// A catalogued not-null constraint (server 18).
#[derive(Debug, Clone, Default)]
pub struct NotNullRow {
    pub oid: u32,
    pub name: String,
    pub validated: bool,
    pub no_inherit: bool,
    pub is_local: bool,
}

/// Columns of every user table and partitioned table, by table then attnum.
pub async fn columns(cat: &Catalog<'_>) -> Result<Vec<ColumnRow>, CatalogError> {
    let v18 = cat.server_version_num >= 180000;
    let nn_cols = if v18 {
        "co.oid, co.conname, co.convalidated, co.connoinherit, co.conislocal"
    } else {
        "NULL::pg_catalog.oid, NULL::pg_catalog.name, NULL::bool, NULL::bool, NULL::bool"
    };
    let nn_join = if v18 {
        "LEFT JOIN pg_catalog.pg_constraint co ON (co.conrelid = a.attrelid AND co.contype = 'n' \
         AND co.conkey = ARRAY[a.attnum]) "
    } else {
        ""
    };
    let sql = format!(
        "SELECT a.attrelid, a.attnum::int4, a.attname, a.attisdropped, a.attislocal, a.attnotnull, \
         pg_catalog.format_type(t.oid, a.atttypmod), COALESCE(a.attstattarget::int4, -1), \
         a.attstorage, t.typstorage, a.attidentity, a.attgenerated, a.attcompression, \
         cn.nspname, cl.collname, pg_catalog.array_to_string(a.attoptions, ', '), {nn_cols} \
         FROM pg_catalog.pg_attribute a \
         JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
         LEFT JOIN pg_catalog.pg_collation cl ON (cl.oid = a.attcollation AND a.attcollation <> t.typcollation) \
         LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = cl.collnamespace \
         {nn_join}\
         WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND {USER_NS} \
         ORDER BY a.attrelid, a.attnum"
    );
    let rows = query(cat, &sql).await?;
    Ok(rows.decode(|r| {
        let coll_schema: Option<Raw> = r.col(13)?;
        let coll_name: Option<Raw> = r.col(14)?;
        let nn_oid: Option<u32> = r.col(16)?;
        Ok(ColumnRow {
            table: r.col(0)?,
            attnum: r.col(1)?,
            name: r.text(2)?,
            dropped: r.col(3)?,
            is_local: r.col(4)?,
            not_null: r.col(5)?,
            type_name: r.opt_text(6)?.unwrap_or_default(),
            stat_target: r.col(7)?,
            storage: ch(r, 8)?,
            type_storage: ch(r, 9)?,
            identity: ch(r, 10)?,
            generated: ch(r, 11)?,
            compression: ch(r, 12)?,
            collation: match (coll_schema, coll_name) {
                (Some(s), Some(n)) => Some((s.0, n.0)),
                _ => None,
            },
            options: r.opt_text(15)?.unwrap_or_default(),
            nn: match nn_oid {
                Some(oid) => Some(NotNullRow {
                    oid,
                    name: r.text(17)?,
                    validated: r.col(18)?,
                    no_inherit: r.col(19)?,
                    is_local: r.col(20)?,
                }),
                None => None,
            },
        })
    })?)
}

/// A column default or generation expression.
#[derive(Debug, Clone, Default)]
pub struct AttrDefRow {
    pub oid: u32,
    pub table: u32,
    pub attnum: i32,
    /// `pg_get_expr(adbin, adrelid)`.
    pub expr: String,
}

/// Defaults of every user table, by table then attnum.
pub async fn attrdefs(cat: &Catalog<'_>) -> Result<Vec<AttrDefRow>, CatalogError> {
    let sql = format!(
        "SELECT ad.oid, ad.adrelid, ad.adnum::int4, pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) \
         FROM pg_catalog.pg_attrdef ad \
         JOIN pg_catalog.pg_class c ON c.oid = ad.adrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p') AND {USER_NS} \
         ORDER BY ad.adrelid, ad.adnum"
    );
    let rows = query(cat, &sql).await?;
    Ok(rows.decode(|r| {
        Ok(AttrDefRow {
            oid: r.col(0)?,
            table: r.col(1)?,
            attnum: r.col(2)?,
            expr: r.text(3)?,
        })
    })?)
}

/// A table constraint read by [`table_constraints`].
#[derive(Debug, Clone, Default)]
pub struct ConstraintRow {
    pub oid: u32,
    pub table: u32,
    pub name: String,
    /// `c` check, `n` not-null (18, NOT VALID only), `f` foreign key.
    pub contype: char,
    /// `pg_get_constraintdef`.
    pub definition: String,
    pub is_local: bool,
    pub validated: bool,
    /// Foreign keys: the referenced table and index.
    pub ref_table: u32,
    pub ref_index: u32,
}

/// CHECK constraints, NOT VALID not-null constraints (18) and foreign keys
/// (not the copies partitions inherit) of every user table, by table then
/// name.
pub async fn table_constraints(cat: &Catalog<'_>) -> Result<Vec<ConstraintRow>, CatalogError> {
    let nn = if cat.server_version_num >= 180000 {
        " OR (co.contype = 'n' AND NOT co.convalidated)"
    } else {
        ""
    };
    let sql = format!(
        "SELECT co.oid, co.conrelid, co.conname, co.contype, pg_catalog.pg_get_constraintdef(co.oid), \
         co.conislocal, co.convalidated, co.confrelid, co.conindid \
         FROM pg_catalog.pg_constraint co \
         JOIN pg_catalog.pg_class c ON c.oid = co.conrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p') AND {USER_NS} \
         AND (co.contype = 'c' OR (co.contype = 'f' AND co.conparentid = 0){nn}) \
         ORDER BY co.conrelid, co.conname"
    );
    let rows = query(cat, &sql).await?;
    Ok(rows.decode(|r| {
        Ok(ConstraintRow {
            oid: r.col(0)?,
            table: r.col(1)?,
            name: r.text(2)?,
            contype: ch(r, 3)?,
            definition: r.definition(4, "constraint", 2)?,
            is_local: r.col(5)?,
            validated: r.col(6)?,
            ref_table: r.col(7)?,
            ref_index: r.col(8)?,
        })
    })?)
}

/// `(child, parent)` inheritance links of tables, in inhseqno order.
pub async fn inherits(cat: &Catalog<'_>) -> Result<Vec<(u32, u32)>, CatalogError> {
    let rows = query(
        cat,
        "SELECT i.inhrelid, i.inhparent FROM pg_catalog.pg_inherits i \
         JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid \
         WHERE c.relkind IN ('r', 'p', 'f') ORDER BY i.inhrelid, i.inhseqno",
    )
    .await?;
    Ok(rows.decode(|r| Ok((r.col(0)?, r.col(1)?)))?)
}

/// One index of a user table, partitioned table or materialized view,
/// with the constraint it implements, if any.
#[derive(Debug, Clone, Default)]
pub struct IndexRow {
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
pub struct IndexConstraintRow {
    pub oid: u32,
    pub name: String,
    pub contype: char,
    pub definition: String,
    pub deferrable: bool,
    pub deferred: bool,
    pub period: bool,
}

/// Valid (or partitioned) indexes of user tables, partitioned tables and
/// materialized views, by table then index name.
pub async fn indexes(cat: &Catalog<'_>) -> Result<Vec<IndexRow>, CatalogError> {
    let v = cat.server_version_num;
    let nnd = if v >= 150000 {
        "i.indnullsnotdistinct"
    } else {
        "false"
    };
    let period = if v >= 180000 { "co.conperiod" } else { "false" };
    // The definition pg_get_indexdef gives a plain index (key columns
    // only, each with its column's collation, the default operator class
    // for exactly its type and no options, no ordering flags, no WITH, no
    // WHERE), spelled out here: the function is the costliest part of
    // reading big databases (it looks the default operator class up in
    // pg_opclass once per column). Names are quoted by the server, as the
    // function does. Every other index goes through pg_get_indexdef.
    let plain_definition = format!(
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
    );
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
         LEFT JOIN (SELECT a.attrelid, \
             pg_catalog.array_agg(a.attnum::int4 ORDER BY a.attnum) AS attnums, \
             pg_catalog.array_agg(a.attstattarget::int4 ORDER BY a.attnum) AS targets \
           FROM pg_catalog.pg_attribute a WHERE a.attstattarget >= 0 GROUP BY a.attrelid) st \
           ON st.attrelid = i.indexrelid \
         LEFT JOIN pg_catalog.pg_constraint co ON (co.conrelid = i.indrelid AND co.conindid = i.indexrelid \
           AND co.contype IN ('p', 'u', 'x')) \
         LEFT JOIN pg_catalog.pg_inherits inh ON inh.inhrelid = i.indexrelid \
         WHERE c.relkind IN ('r', 'p', 'm') AND {USER_NS} \
         AND (i.indisvalid OR ic.relkind = 'I') AND i.indisready \
         ORDER BY i.indrelid, ic.relname"
    );
    let rows = query(cat, &sql).await?;
    Ok(rows.decode(|r| {
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
                    contype: ch(r, 17)?,
                    // Read for exclusion constraints only.
                    definition: match ch(r, 17)? {
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
    })?)
}

/// A sequence's parameters (`pg_sequence`).
#[derive(Debug, Clone, Default)]
pub struct SequenceRow {
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
pub async fn sequences(cat: &Catalog<'_>) -> Result<Vec<SequenceRow>, CatalogError> {
    let rows = query(
        cat,
        "SELECT s.seqrelid, pg_catalog.format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, \
         s.seqmax, s.seqmin, s.seqcache, s.seqcycle FROM pg_catalog.pg_sequence s ORDER BY s.seqrelid",
    )
    .await?;
    Ok(rows.decode(|r| {
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
    })?)
}

/// `(oid, last_value, is_called)` of the given sequences (`(oid, schema,
/// name)`), read with `pg_get_sequence_data` on 18 and by
/// selecting from each sequence (batched with UNION ALL) before.
pub async fn sequence_values(
    cat: &Catalog<'_>,
    seqs: &[(u32, String, String)],
) -> Result<Vec<(u32, Option<i64>, Option<bool>)>, CatalogError> {
    let mut out = Vec::with_capacity(seqs.len());
    if seqs.is_empty() {
        return Ok(out);
    }
    if cat.server_version_num >= 180000 {
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
    let sendable = Sendable::prepare(
        cat,
        seqs.iter()
            .flat_map(|(_, schema, name)| [schema.as_str(), name.as_str()]),
    )
    .await?;
    for chunk in seqs.chunks(200) {
        let mut parts = Vec::with_capacity(chunk.len());
        for (oid, schema, name) in chunk {
            let qname = sendable.qualified(schema, name);
            parts.push(format!(
                "SELECT {oid}::pg_catalog.oid, last_value, is_called FROM {qname}"
            ));
        }
        let sql = parts.join(" UNION ALL ");
        // The names are byte strings; send them as they are.
        for r in &query_raw_text(cat, &sql).await? {
            out.push((r.col(0)?, r.col(1)?, r.col(2)?));
        }
    }
    Ok(out)
}

/// Turns SQL text built from byte strings (quoted names) into the text to
/// send: the raw bytes, which the server reads in the session's client
/// encoding. tokio-postgres sends UTF-8 `&str`s as they are, so this works
/// whenever those bytes are valid UTF-8 (always in UTF-8 databases, and for
/// ASCII names in any database); other names cannot be sent and give an
/// error rather than a wrong statement.
pub fn server_text(sql: &str) -> Result<String, CatalogError> {
    String::from_utf8(crate::text::to_bytes(sql)).map_err(|_| CatalogError::Query {
        message: "pgdumpall-rs cannot send names that are not valid UTF-8 to the server yet".into(),
        query: crate::text::display(sql),
    })
}

/// Quoted identifiers that [`server_text`] can send: the usual quoting
/// when a name's bytes are valid UTF-8, else a Unicode-escaped `U&"..."`
/// identifier built from the name's UTF-8 form.  The UTF-8 forms of all
/// such names are asked from the server in one query (which converts the
/// escapes back into its own encoding when it reads them).
#[derive(Debug, Default)]
pub struct Sendable {
    escaped: std::collections::HashMap<String, String>,
}

impl Sendable {
    /// Prepares the sendable forms of `names` (one query at most).
    pub async fn prepare<'a>(
        cat: &Catalog<'_>,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<Sendable, CatalogError> {
        let mut todo: Vec<Raw> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for name in names {
            if std::str::from_utf8(&crate::text::to_bytes(name)).is_err() && seen.insert(name) {
                todo.push(Raw(name.to_string()));
            }
        }
        let mut escaped = std::collections::HashMap::new();
        if todo.is_empty() {
            return Ok(Sendable { escaped });
        }
        let sql = "SELECT pg_catalog.convert_to(u.name, 'UTF8') \
                   FROM pg_catalog.unnest($1::pg_catalog.text[]) WITH ORDINALITY AS u(name, n) \
                   ORDER BY u.n";
        // A name whose bytes have no UTF-8 form (a SQL_ASCII database)
        // cannot be sent at all: say so rather than report the conversion
        // error.
        let cannot = || CatalogError::Query {
            message: format!(
                "pgdumpall-rs cannot dump objects whose names are not valid UTF-8 (\"{}\") yet",
                crate::text::display(&todo[0].0)
            ),
            query: sql.into(),
        };
        let rows = cat
            .client
            .query(sql, &[&todo])
            .await
            .map_err(|_| cannot())?;
        for (name, row) in todo.iter().zip(&rows) {
            let bytes: Vec<u8> = row.in_query(sql).col(0)?;
            let text = String::from_utf8(bytes).map_err(|_| cannot())?;
            escaped.insert(name.0.clone(), unicode_ident(&text));
        }
        Ok(Sendable { escaped })
    }

    /// The sendable quoted form of `name` (which must have been prepared
    /// if it is not valid UTF-8).
    pub fn ident(&self, name: &str) -> String {
        match self.escaped.get(name) {
            Some(e) => e.clone(),
            None => crate::pg::quote::ident(name),
        }
    }

    /// `schema.name` with both parts made sendable.
    pub fn qualified(&self, schema: &str, name: &str) -> String {
        format!("{}.{}", self.ident(schema), self.ident(name))
    }
}

/// `U&"..."` with every non-ASCII character, quote and backslash escaped.
pub fn unicode_ident(text: &str) -> String {
    let mut out = String::from("U&\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\"\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_ascii() => out.push(c),
            c if (c as u32) <= 0xFFFF => out.push_str(&format!("\\{:04X}", c as u32)),
            c => out.push_str(&format!("\\+{:06X}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Runs a query whose text holds byte strings (quoted names).
async fn query_raw_text(cat: &Catalog<'_>, sql: &str) -> Result<Rows, CatalogError> {
    query(cat, &server_text(sql)?).await
}

/// `(table oid, attnum, column name, attacl)` of columns with privileges
/// or initial privileges, of user and system tables.
pub async fn column_acls(
    cat: &Catalog<'_>,
) -> Result<Vec<(u32, i32, String, Option<String>)>, CatalogError> {
    let rows = query(
        cat,
        "SELECT a.attrelid, a.attnum::int4, a.attname, a.attacl::text \
         FROM pg_catalog.pg_attribute a \
         JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'pg_toast' AND NOT a.attisdropped \
         AND (a.attacl IS NOT NULL OR EXISTS (SELECT 1 FROM pg_catalog.pg_init_privs p \
           WHERE p.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND p.objoid = a.attrelid \
           AND p.objsubid = a.attnum)) \
         ORDER BY a.attrelid, a.attnum",
    )
    .await?;
    Ok(rows.decode(|r| Ok((r.col(0)?, r.col(1)?, r.text(2)?, r.opt_text(3)?)))?)
}

/// Locks the given tables (sendable quoted qualified names, see
/// [`Sendable`]) in ACCESS SHARE mode,
/// in statements of about 100 kB.
pub async fn lock_tables(cat: &Catalog<'_>, names: &[String]) -> Result<(), CatalogError> {
    // --lock-wait-timeout: each LOCK waits at most that long.
    if let Some(timeout) = &cat.lock_wait_timeout {
        let set = format!(
            "SET statement_timeout = {}",
            crate::pg::quote::session_literal(timeout)
        );
        cat.client
            .batch_execute(&server_text(&set)?)
            .await
            .map_err(|e| CatalogError::query(e, &set))?;
    }
    lock_all(cat, names).await?;
    if cat.lock_wait_timeout.is_some() {
        let reset = "SET statement_timeout = 0";
        cat.client
            .batch_execute(reset)
            .await
            .map_err(|e| CatalogError::query(e, reset))?;
    }
    Ok(())
}

/// Of `oids` (tables this session holds locks on), those whose heap file
/// is empty, so their COPY could only return no rows. Asked only when such
/// a COPY could not fail either: as a superuser (no privilege or
/// row-security errors) on a server that is not a standby (unlogged tables
/// are unreadable there). The file size is read under the locks, after the
/// snapshot: a row the snapshot sees was in the file before it, and a
/// TRUNCATE since then leaves the table empty for COPY as well. The size is
/// the first segment file's (`pg_stat_file`; `pg_relation_size` would
/// build a relation cache entry per table, costing more than it saves).
pub async fn empty_heap_tables(
    cat: &Catalog<'_>,
    oids: &[u32],
) -> Result<std::collections::HashSet<u32>, CatalogError> {
    if oids.is_empty() {
        return Ok(Default::default());
    }
    // A separate question: the server checks EXECUTE on pg_stat_file
    // when it plans the query, whatever guards it.
    let allowed = query(
        cat,
        "SELECT r.rolsuper AND NOT pg_catalog.pg_is_in_recovery() \
         FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER",
    )
    .await?;
    if !allowed
        .first()
        .map(|r| r.col::<bool>(0))
        .transpose()?
        .unwrap_or(false)
    {
        return Ok(Default::default());
    }
    let list: Vec<String> = oids.iter().map(u32::to_string).collect();
    let sql = format!(
        "SELECT c.oid FROM pg_catalog.pg_class c, pg_catalog.pg_database d \
         WHERE d.datname = pg_catalog.current_database() \
         AND c.oid = ANY ('{{{}}}'::pg_catalog.oid[]) AND c.relkind = 'r' \
         AND c.relam = (SELECT a.oid FROM pg_catalog.pg_am a WHERE a.amname = 'heap') \
         AND (pg_catalog.pg_stat_file(CASE WHEN c.reltablespace = 0 AND d.dattablespace = \
           (SELECT t.oid FROM pg_catalog.pg_tablespace t WHERE t.spcname = 'pg_default') \
           THEN 'base/' || d.oid || '/' || c.relfilenode \
           ELSE pg_catalog.pg_relation_filepath(c.oid) END, true)).size = 0",
        list.join(",")
    );
    let rows = query(cat, &sql).await?;
    Ok(rows.iter().map(|r| r.col(0)).collect::<Result<_, _>>()?)
}

/// Exports the transaction's snapshot for a helper session to join.
pub async fn export_snapshot(cat: &Catalog<'_>) -> Result<String, CatalogError> {
    let rows = query(cat, "SELECT pg_catalog.pg_export_snapshot()").await?;
    Ok(rows.one()?.text(0)?)
}

async fn lock_all(cat: &Catalog<'_>, names: &[String]) -> Result<(), CatalogError> {
    let mut sql = String::new();
    for name in names {
        if sql.is_empty() {
            sql.push_str("LOCK TABLE ");
        } else {
            sql.push_str(", ");
        }
        sql.push_str(name);
        if sql.len() >= 100_000 {
            sql.push_str(" IN ACCESS SHARE MODE");
            query_raw_text(cat, &sql).await?;
            sql.clear();
        }
    }
    if !sql.is_empty() {
        sql.push_str(" IN ACCESS SHARE MODE");
        query_raw_text(cat, &sql).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_identifiers() {
        assert_eq!(
            unicode_ident("caf\u{e9} \"x\" \\ \u{1F600}"),
            "U&\"caf\\00E9 \"\"x\"\" \\\\ \\+01F600\""
        );
    }
}
