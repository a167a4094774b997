//! Functions, procedures, aggregates and procedural languages
//! (`pg_proc`, `pg_aggregate`, `pg_language`), read in bulk.
//!
//! The sets read match what pg_dump collects: every routine outside
//! pg_catalog, plus pg_catalog routines whose ACL differs from their
//! initial privileges (or that a user cast or transform uses); routines
//! with an internal dependency are left out. Every procedural language
//! (`lanispl`) is read.

use super::census::Family;
use super::{query, query_decode, Catalog, CatalogError};
use crate::pg::{QueryRow, RowError};
use crate::text::Raw;

/// What sorting and tags need about a routine's input argument types.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ArgTypes {
    /// `(schema, internal type name)` of each input argument type (the
    /// S5 tie-breaker); None where the type is unknown.
    pub sort_keys: Vec<Option<(String, String)>>,
    /// `format_type(oid, NULL)` of each input argument type (tags).
    pub formatted: Vec<String>,
}

/// One function or procedure.
#[derive(Debug, Clone, Default)]
pub(crate) struct FunctionRow {
    pub oid: u32,
    pub name: String,
    pub schema: String,
    pub owner: String,
    pub acl: Option<String>,
    pub acl_default: String,
    /// `prokind`: `f`, `p` or `w`.
    pub kind: char,
    pub args: ArgTypes,
    pub retset: bool,
    pub src: Option<String>,
    pub bin: Option<String>,
    /// `provolatile`: `i`, `s` or `v`.
    pub volatile: char,
    pub strict: bool,
    pub security_definer: bool,
    pub leakproof: bool,
    /// `proconfig` items (`name=value`).
    pub config: Vec<String>,
    /// `procost` and `prorows` as the server prints them.
    pub cost: String,
    pub rows: String,
    /// `pg_get_function_arguments`.
    pub arguments: String,
    /// `pg_get_function_identity_arguments`.
    pub identity_arguments: String,
    /// `pg_get_function_result`.
    pub result: Option<String>,
    /// `format_type(prorettype, NULL)`, the fallback for `result`.
    pub return_type: String,
    /// `format_type` of each `protrftypes` entry.
    pub transform_types: Vec<String>,
    /// `proparallel`: `s`, `r` or `u`.
    pub parallel: char,
    /// `prosupport` as regproc text (`-` when none).
    pub support: String,
    pub language: String,
    /// `pg_get_function_sqlbody`, for SQL-standard bodies.
    pub sql_body: Option<String>,
    /// Extensions the routine was marked as depending on
    /// (`ALTER ... DEPENDS ON EXTENSION`).
    pub depends_on_extensions: Vec<String>,
}

/// One aggregate.
#[derive(Debug, Clone, Default)]
pub(crate) struct AggregateRow {
    pub oid: u32,
    pub name: String,
    pub schema: String,
    pub owner: String,
    pub acl: Option<String>,
    pub acl_default: String,
    pub args: ArgTypes,
    pub arguments: String,
    pub identity_arguments: String,
    /// `aggkind`: `n`, `o` or `h`.
    pub agg_kind: char,
    pub transfn: String,
    pub transtype: String,
    pub transspace: i32,
    pub initval: Option<String>,
    pub finalfn: String,
    pub finalextra: bool,
    pub finalmodify: char,
    pub combinefn: String,
    pub serialfn: String,
    pub deserialfn: String,
    pub mtransfn: String,
    pub minvtransfn: String,
    pub mtranstype: String,
    pub mtransspace: i32,
    pub minitval: Option<String>,
    pub mfinalfn: String,
    pub mfinalextra: bool,
    pub mfinalmodify: char,
    /// The sort operator as `(schema, name)`, if any.
    pub sortop: Option<(String, String)>,
    pub parallel: char,
}

/// One procedural language.
#[derive(Debug, Clone, Default)]
pub(crate) struct LanguageRow {
    pub oid: u32,
    pub name: String,
    pub owner: String,
    pub trusted: bool,
    pub handler: u32,
    pub inline: u32,
    pub validator: u32,
    pub acl: Option<String>,
    pub acl_default: String,
}

/// Selects, for routine `p`, the arrays describing its input argument
/// types: schema names, type names, `format_type` texts.
fn arg_type_columns() -> &'static str {
    "ARRAY(SELECT tn.nspname::text FROM pg_catalog.unnest(p.proargtypes::pg_catalog.oid[]) WITH ORDINALITY AS u(t, o) \
       LEFT JOIN pg_catalog.pg_type ty ON ty.oid = u.t \
       LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = ty.typnamespace ORDER BY u.o), \
     ARRAY(SELECT ty.typname::text FROM pg_catalog.unnest(p.proargtypes::pg_catalog.oid[]) WITH ORDINALITY AS u(t, o) \
       LEFT JOIN pg_catalog.pg_type ty ON ty.oid = u.t ORDER BY u.o), \
     ARRAY(SELECT pg_catalog.format_type(u.t, NULL) FROM pg_catalog.unnest(p.proargtypes::pg_catalog.oid[]) \
       WITH ORDINALITY AS u(t, o) ORDER BY u.o)"
}

fn read_arg_types(r: QueryRow<'_>, first: usize) -> Result<ArgTypes, RowError> {
    let schemas: Vec<Option<Raw>> = r.col(first)?;
    let names: Vec<Option<Raw>> = r.col(first + 1)?;
    let formatted: Vec<Option<Raw>> = r.col(first + 2)?;
    Ok(ArgTypes {
        sort_keys: schemas
            .into_iter()
            .zip(names)
            .map(|(s, n)| match (s, n) {
                (Some(s), Some(n)) => Some((s.0, n.0)),
                _ => None,
            })
            .collect(),
        formatted: formatted
            .into_iter()
            .map(|f| f.map(|f| f.0).unwrap_or_default())
            .collect(),
    })
}

fn char_of(r: QueryRow<'_>, i: usize) -> Result<char, RowError> {
    Ok(r.col::<i8>(i)? as u8 as char)
}

/// The condition pg_dump puts on collected routines: outside pg_catalog,
/// or with an ACL other than the initial one.
const PIP_JOIN: &str = "LEFT JOIN pg_catalog.pg_init_privs pip ON (p.oid = pip.objoid \
     AND pip.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND pip.objsubid = 0)";

/// A condition on routine `p` alone, implied by pg_dump's `n.nspname <>
/// 'pg_catalog' OR p.proacl IS DISTINCT FROM pip.initprivs` (privileges
/// that differ from the initial ones are privileges, or initial privileges,
/// or both), which the planner applies while it scans pg_proc. Without it
/// the joins, the sort and the per-routine subqueries ran for all of
/// pg_catalog's 3,000 routines before the outer join's condition dropped
/// them (3.6 of a small database's 30 ms; 2.2 with it).
pub(super) const MAY_BE_COLLECTED: &str =
    "p.pronamespace <> 'pg_catalog'::pg_catalog.regnamespace \
     OR p.proacl IS NOT NULL OR p.oid IN (SELECT ip.objoid FROM pg_catalog.pg_init_privs ip \
       WHERE ip.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND ip.objsubid = 0)";

/// `branch` of a condition, or nothing when the census rules its family
/// out (the branch could only be true for one of the family's rows):
/// each one left out is a subquery less to plan and to run per routine.
fn census_branch(cat: &Catalog<'_>, family: Family, branch: &'static str) -> &'static str {
    if cat.may_have(family) {
        branch
    } else {
        ""
    }
}

/// Every function and procedure pg_dump collects, by OID.
pub(crate) async fn functions(cat: &Catalog<'_>) -> Result<Vec<FunctionRow>, CatalogError> {
    let sql = format!(
        "SELECT p.oid, p.proname, n.nspname, pg_catalog.pg_get_userbyid(p.proowner), p.proacl::text, \
         pg_catalog.acldefault('f', p.proowner)::text, p.prokind, {args}, \
         p.proretset, p.prosrc, p.probin, p.provolatile, p.proisstrict, p.prosecdef, p.proleakproof, \
         p.proconfig, p.procost::text, p.prorows::text, \
         pg_catalog.pg_get_function_arguments(p.oid), pg_catalog.pg_get_function_identity_arguments(p.oid), \
         pg_catalog.pg_get_function_result(p.oid), pg_catalog.format_type(p.prorettype, NULL), \
         ARRAY(SELECT pg_catalog.format_type(u.t, NULL) FROM pg_catalog.unnest(p.protrftypes) WITH ORDINALITY AS u(t, o) ORDER BY u.o), \
         p.proparallel, p.prosupport::pg_catalog.regproc::text, l.lanname, \
         pg_catalog.pg_get_function_sqlbody(p.oid) \
         FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
         LEFT JOIN pg_catalog.pg_language l ON l.oid = p.prolang \
         {PIP_JOIN} \
         WHERE p.prokind <> 'a' \
         AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass \
           AND d.objid = p.oid AND d.deptype = 'i') \
         AND (n.nspname <> 'pg_catalog' {casts} {transforms} \
           OR p.proacl IS DISTINCT FROM pip.initprivs) \
         AND ({MAY_BE_COLLECTED} {casts} {transforms}) \
         ORDER BY p.oid",
        args = arg_type_columns(),
        casts = census_branch(
            cat,
            Family::Casts,
            "OR EXISTS (SELECT 1 FROM pg_catalog.pg_cast c WHERE c.oid > 16383 AND p.oid = c.castfunc)"
        ),
        transforms = census_branch(
            cat,
            Family::Transforms,
            "OR EXISTS (SELECT 1 FROM pg_catalog.pg_transform t WHERE t.oid > 16383 \
             AND (p.oid = t.trffromsql OR p.oid = t.trftosql))"
        ),
    );
    let mut funcs: Vec<FunctionRow> = query_decode(cat, &sql, |r| {
        Ok(FunctionRow {
            oid: r.col(0)?,
            name: r.text(1)?,
            schema: r.text(2)?,
            owner: r.text(3)?,
            acl: r.opt_text(4)?,
            acl_default: r.text(5)?,
            kind: char_of(r, 6)?,
            args: read_arg_types(r, 7)?,
            retset: r.col(10)?,
            src: r.opt_text(11)?,
            bin: r.opt_text(12)?,
            volatile: char_of(r, 13)?,
            strict: r.col(14)?,
            security_definer: r.col(15)?,
            leakproof: r.col(16)?,
            config: r
                .col::<Option<Vec<Raw>>>(17)?
                .unwrap_or_default()
                .into_iter()
                .map(|c| c.0)
                .collect(),
            cost: r.text(18)?,
            rows: r.text(19)?,
            // NULL for a function dropped since the snapshot.
            arguments: r.definition(20, "function", 1)?,
            identity_arguments: r.definition(21, "function", 1)?,
            result: r.opt_text(22)?,
            return_type: r.text(23)?,
            transform_types: r.col::<Vec<Raw>>(24)?.into_iter().map(|t| t.0).collect(),
            parallel: char_of(r, 25)?,
            support: r.text(26)?,
            language: r.opt_text(27)?.unwrap_or_default(),
            sql_body: r.opt_text(28)?,
            depends_on_extensions: Vec::new(),
        })
    })
    .await?;
    let depends: Vec<(u32, String)> = query(
        cat,
        "SELECT d.objid, e.extname FROM pg_catalog.pg_depend d \
         JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid \
         WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.deptype = 'x' \
         AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass",
    )
    .await?
    .decode(|r| Ok((r.col(0)?, r.text(1)?)))?;
    // Rows come in OID order.
    for (oid, ext) in depends {
        if let Ok(i) = funcs.binary_search_by_key(&oid, |f| f.oid) {
            funcs[i].depends_on_extensions.push(ext);
        }
    }
    Ok(funcs)
}

/// Every aggregate pg_dump collects, by OID.
pub(crate) async fn aggregates(cat: &Catalog<'_>) -> Result<Vec<AggregateRow>, CatalogError> {
    if !cat.may_have(Family::Aggregates) {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT p.oid, p.proname, n.nspname, pg_catalog.pg_get_userbyid(p.proowner), p.proacl::text, \
         pg_catalog.acldefault('f', p.proowner)::text, {args}, \
         pg_catalog.pg_get_function_arguments(p.oid), pg_catalog.pg_get_function_identity_arguments(p.oid), \
         a.aggkind, a.aggtransfn::text, a.aggtranstype::pg_catalog.regtype::text, a.aggtransspace, a.agginitval, \
         a.aggfinalfn::text, a.aggfinalextra, a.aggfinalmodify, a.aggcombinefn::text, a.aggserialfn::text, \
         a.aggdeserialfn::text, a.aggmtransfn::text, a.aggminvtransfn::text, \
         a.aggmtranstype::pg_catalog.regtype::text, a.aggmtransspace, a.aggminitval, a.aggmfinalfn::text, \
         a.aggmfinalextra, a.aggmfinalmodify, opn.nspname, o.oprname, p.proparallel \
         FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
         JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = p.oid \
         LEFT JOIN pg_catalog.pg_operator o ON o.oid = a.aggsortop \
         LEFT JOIN pg_catalog.pg_namespace opn ON opn.oid = o.oprnamespace \
         {PIP_JOIN} \
         WHERE p.prokind = 'a' AND (n.nspname <> 'pg_catalog' OR p.proacl IS DISTINCT FROM pip.initprivs) \
         AND ({MAY_BE_COLLECTED}) \
         ORDER BY p.oid",
        args = arg_type_columns()
    );
    query_decode(cat, &sql, |r| {
        Ok(AggregateRow {
            oid: r.col(0)?,
            name: r.text(1)?,
            schema: r.text(2)?,
            owner: r.text(3)?,
            acl: r.opt_text(4)?,
            acl_default: r.text(5)?,
            args: read_arg_types(r, 6)?,
            arguments: r.definition(9, "aggregate", 1)?,
            identity_arguments: r.definition(10, "aggregate", 1)?,
            agg_kind: char_of(r, 11)?,
            transfn: r.text(12)?,
            transtype: r.text(13)?,
            transspace: r.col(14)?,
            initval: r.opt_text(15)?,
            finalfn: r.text(16)?,
            finalextra: r.col(17)?,
            finalmodify: char_of(r, 18)?,
            combinefn: r.text(19)?,
            serialfn: r.text(20)?,
            deserialfn: r.text(21)?,
            mtransfn: r.text(22)?,
            minvtransfn: r.text(23)?,
            mtranstype: r.text(24)?,
            mtransspace: r.col(25)?,
            minitval: r.opt_text(26)?,
            mfinalfn: r.text(27)?,
            mfinalextra: r.col(28)?,
            mfinalmodify: char_of(r, 29)?,
            sortop: match (r.opt_text(30)?, r.opt_text(31)?) {
                (Some(s), Some(n)) => Some((s, n)),
                _ => None,
            },
            parallel: char_of(r, 32)?,
        })
    })
    .await
}

/// Every procedural language, by OID.
pub(crate) async fn languages(cat: &Catalog<'_>) -> Result<Vec<LanguageRow>, CatalogError> {
    let sql = "SELECT l.oid, l.lanname, pg_catalog.pg_get_userbyid(l.lanowner), l.lanpltrusted, l.lanplcallfoid, \
         l.laninline, l.lanvalidator, l.lanacl::text, pg_catalog.acldefault('l', l.lanowner)::text \
         FROM pg_catalog.pg_language l WHERE l.lanispl ORDER BY l.oid";
    query_decode(cat, sql, |r| {
        Ok(LanguageRow {
            oid: r.col(0)?,
            name: r.text(1)?,
            owner: r.text(2)?,
            trusted: r.col(3)?,
            handler: r.col(4)?,
            inline: r.col(5)?,
            validator: r.col(6)?,
            acl: r.opt_text(7)?,
            acl_default: r.text(8)?,
        })
    })
    .await
}
