//! Casts (`pg_cast`), conversions (`pg_conversion`) and transforms
//! (`pg_transform`), read in bulk.
//!
//! Casts: only those created after initdb (OID 16384 and up) can print,
//! so only those are read; the casts between a range type and its
//! multirange type, which CREATE TYPE makes, are not objects of their own
//! for pg_dump and are left out. Conversions: those outside the system
//! schemas. Transforms: all (none is built in). Extension members are
//! found later through pg_depend.

use super::census::Family;
use super::{query, Catalog, CatalogError, USER_NS};
use crate::pg::{QueryRow, RowError};
use crate::text::Raw;

/// A function a cast or transform calls, as its CREATE statement names it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FunctionRef {
    pub schema: String,
    pub name: String,
    /// `format_type` of each input argument type.
    pub arg_types: Vec<String>,
}

/// One cast.
#[derive(Debug, Clone, Default)]
pub(crate) struct CastRow {
    pub oid: u32,
    /// `typname` of the source and target types (the sort name).
    pub source_typname: String,
    pub target_typname: String,
    /// `format_type` of the source and target types.
    pub source: String,
    pub target: String,
    /// The cast function (`castmethod` `f`), if any.
    pub function: Option<FunctionRef>,
    /// `castcontext`: `e`, `a` or `i`.
    pub context: char,
    /// `castmethod`: `f`, `i` or `b`.
    pub method: char,
}

/// One conversion.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConversionRow {
    pub oid: u32,
    pub schema: String,
    pub name: String,
    pub owner: String,
    /// Source and destination encoding names.
    pub for_encoding: String,
    pub to_encoding: String,
    /// The conversion function as `regproc` text (qualified when needed).
    pub function: String,
    pub is_default: bool,
}

/// One transform.
#[derive(Debug, Clone, Default)]
pub(crate) struct TransformRow {
    pub oid: u32,
    /// `typname` of the type and the language's name (the sort name).
    pub typname: String,
    pub language: String,
    /// `format_type` of the type.
    pub type_name: String,
    pub from_sql: Option<FunctionRef>,
    pub to_sql: Option<FunctionRef>,
}

/// Selects, for the function whose OID is `oid`, its schema, name and
/// input argument types (NULLs when there is none).
fn function_columns(oid: &str, alias: &str) -> String {
    format!(
        "(SELECT fn.nspname FROM pg_catalog.pg_proc fp JOIN pg_catalog.pg_namespace fn ON fn.oid = fp.pronamespace \
           WHERE fp.oid = {oid}) AS {alias}_schema, \
         (SELECT fp.proname FROM pg_catalog.pg_proc fp WHERE fp.oid = {oid}) AS {alias}_name, \
         (SELECT ARRAY(SELECT pg_catalog.format_type(u.t, NULL) \
             FROM pg_catalog.unnest(fp.proargtypes::pg_catalog.oid[]) WITH ORDINALITY AS u(t, o) ORDER BY u.o) \
           FROM pg_catalog.pg_proc fp WHERE fp.oid = {oid}) AS {alias}_args"
    )
}

/// Reads the three columns of [`function_columns`] from `first` on.
fn read_function(r: &QueryRow<'_>, first: usize) -> Result<Option<FunctionRef>, RowError> {
    let (Some(schema), Some(name)) = (r.opt_text(first)?, r.opt_text(first + 1)?) else {
        return Ok(None);
    };
    let args: Vec<Option<Raw>> = r.col(first + 2)?;
    Ok(Some(FunctionRef {
        schema,
        name,
        arg_types: args.into_iter().map(|a| a.unwrap_or_default().0).collect(),
    }))
}

/// Every cast created after initdb, by source and target type OID.
pub(crate) async fn casts(cat: &Catalog<'_>) -> Result<Vec<CastRow>, CatalogError> {
    if !cat.may_have(Family::Casts) {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT c.oid, st.typname, tt.typname, pg_catalog.format_type(c.castsource, NULL), \
         pg_catalog.format_type(c.casttarget, NULL), c.castcontext, c.castmethod, {} \
         FROM pg_catalog.pg_cast c \
         LEFT JOIN pg_catalog.pg_type st ON st.oid = c.castsource \
         LEFT JOIN pg_catalog.pg_type tt ON tt.oid = c.casttarget \
         WHERE c.oid >= 16384 AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_range r \
           WHERE c.castsource = r.rngtypid AND c.casttarget = r.rngmultitypid) \
         ORDER BY c.castsource, c.casttarget",
        function_columns("c.castfunc", "f")
    );
    Ok(query(cat, &sql).await?.decode(|r| {
        Ok(CastRow {
            oid: r.col(0)?,
            source_typname: r.opt_text(1)?.unwrap_or_default(),
            target_typname: r.opt_text(2)?.unwrap_or_default(),
            source: r.text(3)?,
            target: r.text(4)?,
            context: r.code(5)?,
            method: r.code(6)?,
            function: read_function(&r, 7)?,
        })
    })?)
}

/// Every conversion outside the system schemas.
pub(crate) async fn conversions(cat: &Catalog<'_>) -> Result<Vec<ConversionRow>, CatalogError> {
    if !cat.may_have(Family::Collations) {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT c.oid, n.nspname, c.conname, pg_catalog.pg_get_userbyid(c.conowner), \
         pg_catalog.pg_encoding_to_char(c.conforencoding), pg_catalog.pg_encoding_to_char(c.contoencoding), \
         c.conproc::pg_catalog.regproc::pg_catalog.text, c.condefault \
         FROM pg_catalog.pg_conversion c JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace \
         WHERE {USER_NS} ORDER BY c.oid"
    );
    Ok(query(cat, &sql).await?.decode(|r| {
        Ok(ConversionRow {
            oid: r.col(0)?,
            schema: r.text(1)?,
            name: r.text(2)?,
            owner: r.text(3)?,
            for_encoding: r.text(4)?,
            to_encoding: r.text(5)?,
            function: r.text(6)?,
            is_default: r.col(7)?,
        })
    })?)
}

/// Every transform, by type and language OID.
pub(crate) async fn transforms(cat: &Catalog<'_>) -> Result<Vec<TransformRow>, CatalogError> {
    if !cat.may_have(Family::Transforms) {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT t.oid, ty.typname, l.lanname, pg_catalog.format_type(t.trftype, NULL), {}, {} \
         FROM pg_catalog.pg_transform t \
         LEFT JOIN pg_catalog.pg_type ty ON ty.oid = t.trftype \
         LEFT JOIN pg_catalog.pg_language l ON l.oid = t.trflang \
         ORDER BY t.trftype, t.trflang",
        function_columns("t.trffromsql", "ff"),
        function_columns("t.trftosql", "tf")
    );
    Ok(query(cat, &sql).await?.decode(|r| {
        Ok(TransformRow {
            oid: r.col(0)?,
            typname: r.opt_text(1)?.unwrap_or_default(),
            language: r.opt_text(2)?.unwrap_or_default(),
            type_name: r.text(3)?,
            from_sql: read_function(&r, 4)?,
            to_sql: read_function(&r, 7)?,
        })
    })?)
}
