//! The rows pg_dump 18.6 collects, in its collection order: what its dump
//! ids count. pg_dump numbers every object it reads, system ones included
//! (every schema, every relation of the collected kinds, every type,
//! operator, operator class, ...), in the row order of its catalog
//! queries: by OID where they sort, else heap order, which `ctid` order
//! reproduces (the queries scan their catalog sequentially). Per-table
//! objects (defaults, constraints, indexes, triggers, policies, ...) are
//! read only for dumped tables and come from the archive instead (see
//! `archive::ids`).

use super::{query, Catalog, CatalogError};

/// One collected catalog row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CollectedRow {
    /// The collection step (see [`STEPS`]' codes), in pg_dump's order.
    pub step: i32,
    pub classoid: u32,
    pub oid: u32,
    /// Types: pg_dump makes a shell type after it (a base or range type,
    /// array types included, whose definition is dumped: outside the
    /// system schemas and not an extension member).
    pub shell: bool,
}

/// `pg_proc` rows pg_dump's function and aggregate readers keep: outside
/// pg_catalog, or used by a user cast or transform, or with an ACL other
/// than the initial one.
const PROC_FILTER: &str = "(p.pronamespace <> 'pg_catalog'::pg_catalog.regnamespace \
     OR p.proacl IS DISTINCT FROM pip.initprivs";

const PIP_JOIN: &str = "LEFT JOIN pg_catalog.pg_init_privs pip ON (p.oid = pip.objoid \
     AND pip.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND pip.objsubid = 0)";

/// The steps read from the catalogs: code, row order, catalog and filter.
/// Codes leave gaps where the archive supplies the per-table steps.
pub(crate) const STEPS: &[(i32, &str, &str)] = &[
    (1, "x.ctid", "pg_catalog.pg_extension x"),
    (2, "x.ctid", "pg_catalog.pg_namespace x"),
    (
        3,
        "x.oid",
        "pg_catalog.pg_class x WHERE x.relkind IN ('r', 'S', 'v', 'c', 'm', 'f', 'p')",
    ),
    (6, "x.oid", "pg_catalog.pg_language x WHERE x.lanispl"),
    (8, "x.ctid", "pg_catalog.pg_operator x"),
    (9, "x.ctid", "pg_catalog.pg_am x"),
    (10, "x.ctid", "pg_catalog.pg_opclass x"),
    (11, "x.ctid", "pg_catalog.pg_opfamily x"),
    (12, "x.ctid", "pg_catalog.pg_ts_parser x"),
    (13, "x.ctid", "pg_catalog.pg_ts_template x"),
    (14, "x.ctid", "pg_catalog.pg_ts_dict x"),
    (15, "x.ctid", "pg_catalog.pg_ts_config x"),
    (16, "x.ctid", "pg_catalog.pg_foreign_data_wrapper x"),
    (17, "x.ctid", "pg_catalog.pg_foreign_server x"),
    (18, "x.ctid", "pg_catalog.pg_default_acl x"),
    (19, "x.ctid", "pg_catalog.pg_collation x"),
    (20, "x.ctid", "pg_catalog.pg_conversion x"),
    // Casts to or from multirange types are not collected.
    (
        21,
        "x.castsource, x.casttarget",
        "pg_catalog.pg_cast x WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type t \
         WHERE t.oid IN (x.castsource, x.casttarget) AND t.typtype = 'm')",
    ),
    (22, "x.trftype, x.trflang", "pg_catalog.pg_transform x"),
    (23, "x.oid", "pg_catalog.pg_event_trigger x"),
    (30, "x.oid", "pg_catalog.pg_rewrite x"),
];

/// Step codes this module writes itself (the archive-side model reads
/// them all: `archive::ids`).
mod step {
    pub(super) const FUNCTIONS: i32 = 4;
    pub(super) const TYPES: i32 = 5;
    pub(super) const AGGREGATES: i32 = 7;
}

/// Every collected row of the steps above, in pg_dump's order: one query.
pub(crate) async fn collected_rows(cat: &Catalog<'_>) -> Result<Vec<CollectedRow>, CatalogError> {
    let mut branches: Vec<String> = STEPS
        .iter()
        .map(|(code, order, from)| {
            format!(
                "SELECT {code} AS step, pg_catalog.row_number() OVER (ORDER BY {order}) AS ord, \
                 x.tableoid AS cls, x.oid, false AS shell FROM {from}"
            )
        })
        .collect();
    branches.push(format!(
        "SELECT {f}, pg_catalog.row_number() OVER (ORDER BY p.ctid), p.tableoid, p.oid, false \
         FROM pg_catalog.pg_proc p {PIP_JOIN} WHERE p.prokind <> 'a' \
         AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d \
           WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass \
           AND d.objid = p.oid AND d.deptype = 'i') \
         AND {PROC_FILTER} \
           OR EXISTS (SELECT 1 FROM pg_catalog.pg_cast c WHERE c.oid > 16383 AND p.oid = c.castfunc) \
           OR EXISTS (SELECT 1 FROM pg_catalog.pg_transform t WHERE t.oid > 16383 \
             AND (p.oid = t.trffromsql OR p.oid = t.trftosql)))",
        f = step::FUNCTIONS
    ));
    branches.push(format!(
        "SELECT {a}, pg_catalog.row_number() OVER (ORDER BY p.ctid), p.tableoid, p.oid, false \
         FROM pg_catalog.pg_proc p {PIP_JOIN} WHERE p.prokind = 'a' AND {PROC_FILTER})",
        a = step::AGGREGATES
    ));
    branches.push(format!(
        "SELECT {t}, pg_catalog.row_number() OVER (ORDER BY x.ctid), x.tableoid, x.oid, \
         x.typtype IN ('b', 'r') AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' \
         AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d \
           WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.objid = x.oid \
           AND d.deptype = 'e') \
         FROM pg_catalog.pg_type x JOIN pg_catalog.pg_namespace n ON n.oid = x.typnamespace",
        t = step::TYPES
    ));
    let sql = format!(
        "SELECT c.step, c.cls, c.oid, c.shell FROM ({}) c ORDER BY c.step, c.ord",
        branches.join(" UNION ALL ")
    );
    let rows = query(cat, &sql).await?;
    Ok(rows.decode(|r| {
        Ok(CollectedRow {
            step: r.col(0)?,
            classoid: r.col(1)?,
            oid: r.col(2)?,
            shell: r.col(3)?,
        })
    })?)
}
