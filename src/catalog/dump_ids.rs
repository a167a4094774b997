//! The rows pg_dump 18.6 collects, in its collection order: what its dump
//! ids count. pg_dump numbers every object it reads, system ones included
//! (every schema, every relation of the collected kinds, every type,
//! operator, operator class, ...), in the row order of its catalog
//! queries: by OID where they sort, else heap order, which `ctid` order
//! reproduces (the queries scan their catalog sequentially). Per-table
//! objects (defaults, constraints, indexes, triggers, policies, ...) are
//! read only for dumped tables and come from the archive instead (see
//! `archive::ids`).

use super::{query, query_decode, Catalog, CatalogError};

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

/// The steps read from the catalogs: code, row order, catalog and filter.
/// Codes leave gaps where the archive supplies the per-table steps.
pub(crate) const STEPS: &[(i32, &str, &str)] = &[
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
    pub(super) const EXTENSIONS: i32 = 1;
    pub(super) const FUNCTIONS: i32 = 4;
    pub(super) const TYPES: i32 = 5;
    pub(super) const AGGREGATES: i32 = 7;
}

/// Not a collection step: the policies in the order pg_dump's policy
/// query returns them (`archive::ids` numbers them in that order).
pub(crate) const POLICY_ORDER: i32 = 1000;

/// Not a collection step: each extension's configuration relations
/// (`classoid` the extension, `oid` the relation) in the order of its
/// `extconfig`, the order in which pg_dump makes their data objects.
pub(crate) const CONFIG_ORDER: i32 = 1001;

/// Not a collection step: the publications in the order pg_dump's
/// publication query (no ORDER BY: the table's physical order) returns
/// them.
pub(crate) const PUBLICATION_ORDER: i32 = 1002;

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
    let mut out = query_decode(cat, &sql, |r| {
        Ok(CollectedRow {
            step: r.col(0)?,
            classoid: r.col(1)?,
            oid: r.col(2)?,
            shell: r.col(3)?,
        })
    })
    .await?;
    // Extensions, functions and aggregates come in the order pg_dump's own
    // queries return them: their joins may hash, so only the same query
    // gives the same order.
    for (code, sql) in [
        (step::EXTENSIONS, EXTENSIONS),
        (step::FUNCTIONS, FUNCTIONS),
        (step::AGGREGATES, AGGREGATES),
    ] {
        let at = out.partition_point(|r| r.step < code);
        let found = query_decode(cat, sql, |r| {
            Ok(CollectedRow {
                step: code,
                classoid: r.col(0)?,
                oid: r.col(1)?,
                shell: false,
            })
        })
        .await?;
        out.splice(at..at, found);
    }
    out.extend(policy_order(cat).await?);
    let config = query(
        cat,
        "SELECT x.oid, c.rel FROM pg_catalog.pg_extension x, \
         unnest(x.extconfig) WITH ORDINALITY AS c(rel, n) ORDER BY x.oid, c.n",
    )
    .await?;
    out.extend(config.decode(|r| {
        Ok(CollectedRow {
            step: CONFIG_ORDER,
            classoid: r.col(0)?,
            oid: r.col(1)?,
            shell: false,
        })
    })?);
    if cat.server_version_num >= 100000 {
        let publications = query(cat, "SELECT p.tableoid, p.oid FROM pg_publication p").await?;
        out.extend(publications.decode(|r| {
            Ok(CollectedRow {
                step: PUBLICATION_ORDER,
                classoid: r.col(0)?,
                oid: r.col(1)?,
                shell: false,
            })
        })?);
    }
    Ok(out)
}

/// The policies in the row order of pg_dump's policy query, which probes
/// pg_policy with an array of every table whose policies it dumps (OID
/// order; tables outside the system schemas, extension members
/// included). The query has no ORDER BY and the planner picks its join
/// by the array's size, so only the same query over the same array gives
/// the same order; the array is read first and then written as a
/// constant, as pg_dump writes it.
async fn policy_order(cat: &Catalog<'_>) -> Result<Vec<CollectedRow>, CatalogError> {
    let tables = query(
        cat,
        "SELECT pg_catalog.array_agg(c.oid ORDER BY c.oid)::pg_catalog.text \
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p') AND n.nspname !~ '^pg_' \
         AND n.nspname <> 'information_schema'",
    )
    .await?;
    let array: Option<String> = tables.decode(|r| r.col(0))?.into_iter().next().flatten();
    let Some(array) = array else {
        return Ok(Vec::new());
    };
    // An array of OIDs: digits, commas and braces only.
    if !array
        .bytes()
        .all(|b| b.is_ascii_digit() || b"{},".contains(&b))
    {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT pol.tableoid, pol.oid FROM unnest('{array}'::pg_catalog.oid[]) AS src(tbloid)\n\
         JOIN pg_catalog.pg_policy pol ON (src.tbloid = pol.polrelid)"
    );
    query_decode(cat, &sql, |r| {
        Ok(CollectedRow {
            step: POLICY_ORDER,
            classoid: r.col(0)?,
            oid: r.col(1)?,
            shell: false,
        })
    })
    .await
}

/// pg_dump's extension query, as it writes it (no ORDER BY: with fresh
/// statistics the join may hash, and the order is the plan's).
const EXTENSIONS: &str = "SELECT x.tableoid, x.oid FROM pg_extension x \
     JOIN pg_namespace n ON n.oid = x.extnamespace";

/// pg_dump's function query, as it writes it (no ORDER BY: the row order
/// is the plan's).
const FUNCTIONS: &str = "SELECT p.tableoid, p.oid FROM pg_proc p \
     LEFT JOIN pg_init_privs pip ON (p.oid = pip.objoid AND pip.classoid = 'pg_proc'::regclass \
     AND pip.objsubid = 0) \
     WHERE p.prokind <> 'a'\n  AND NOT EXISTS (SELECT 1 FROM pg_depend \
     WHERE classid = 'pg_proc'::regclass AND objid = p.oid AND deptype = 'i')\n  AND (\n  \
     pronamespace != (SELECT oid FROM pg_namespace WHERE nspname = 'pg_catalog')\n  \
     OR EXISTS (SELECT * FROM pg_cast\n  WHERE pg_cast.oid > 16383 \n  AND p.oid = pg_cast.castfunc)\n  \
     OR EXISTS (SELECT * FROM pg_transform\n  WHERE pg_transform.oid > 16383 AND \
     (p.oid = pg_transform.trffromsql\n  OR p.oid = pg_transform.trftosql))\n  \
     OR p.proacl IS DISTINCT FROM pip.initprivs)";

/// pg_dump's aggregate query, as it writes it.
const AGGREGATES: &str = "SELECT p.tableoid, p.oid FROM pg_proc p \
     LEFT JOIN pg_init_privs pip ON (p.oid = pip.objoid AND pip.classoid = 'pg_proc'::regclass \
     AND pip.objsubid = 0) \
     WHERE p.prokind = 'a' AND (p.pronamespace != \
     (SELECT oid FROM pg_namespace WHERE nspname = 'pg_catalog') OR p.proacl IS DISTINCT FROM pip.initprivs)";
