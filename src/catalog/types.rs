//! Types (`pg_type` and the catalogs describing each kind of type), read
//! in bulk.
//!
//! Every `pg_type` row is read, as pg_dump collects them all (system types
//! and row types take part in the ordering). The details each kind needs
//! (enum labels, composite attributes, ranges, domains and their
//! constraints, base types) are read for types outside the system schemas.

use std::collections::HashMap;

use super::{query, query_decode, Catalog, CatalogError, USER_NS};
use crate::pg::{QueryRow, RowError};

/// One `pg_type` row.
#[derive(Debug, Clone, Default)]
pub(crate) struct TypeRow {
    pub oid: u32,
    pub name: String,
    pub schema: String,
    pub owner: String,
    pub acl: Option<String>,
    pub acl_default: String,
    /// `typtype`: `b`, `c`, `d`, `e`, `m`, `p` or `r`.
    pub typtype: char,
    pub is_defined: bool,
    /// `typrelid` and the relation's relkind (` ` when none).
    pub relid: u32,
    pub relkind: char,
    /// An array type generated for its element type.
    pub is_array: bool,
    /// A member of an extension.
    pub is_member: bool,
}

/// A collation as pg_dump names it: `(schema, name)`.
pub(crate) type CollationName = (String, String);

/// One attribute of a composite type.
#[derive(Debug, Clone, Default)]
pub(crate) struct CompositeAttr {
    pub name: String,
    pub attnum: i16,
    /// `format_type(atttypid, atttypmod)`.
    pub type_name: String,
    pub dropped: bool,
    /// The attribute's collation, if it differs from its type's.
    pub collation: Option<CollationName>,
}

/// What `CREATE TYPE ... AS RANGE` needs.
#[derive(Debug, Clone, Default)]
pub(crate) struct RangeInfo {
    pub subtype: String,
    pub multirange: Option<String>,
    pub opclass: (String, String),
    pub opclass_default: bool,
    pub collation: Option<CollationName>,
    pub canonical: String,
    pub subdiff: String,
}

/// What `CREATE DOMAIN` needs.
#[derive(Debug, Clone, Default)]
pub(crate) struct DomainInfo {
    pub not_null: bool,
    /// `format_type(typbasetype, typtypmod)`.
    pub base: String,
    pub default_expr: Option<String>,
    pub default_literal: Option<String>,
    pub collation: Option<CollationName>,
}

/// A CHECK or NOT NULL constraint of a domain.
#[derive(Debug, Clone, Default)]
pub(crate) struct DomainConstraintRow {
    pub oid: u32,
    pub domain: u32,
    pub name: String,
    /// `pg_get_constraintdef`.
    pub definition: String,
    pub validated: bool,
    /// `c` or `n`.
    pub contype: char,
}

/// What `CREATE TYPE` of a base type needs.
#[derive(Debug, Clone, Default)]
pub(crate) struct BaseTypeInfo {
    pub length: i16,
    pub input: String,
    pub output: String,
    pub receive: Option<String>,
    pub send: Option<String>,
    pub typmod_in: Option<String>,
    pub typmod_out: Option<String>,
    pub analyze: Option<String>,
    pub subscript: Option<String>,
    /// `format_type(typelem, NULL)`.
    pub element: Option<String>,
    pub delimiter: char,
    pub by_value: bool,
    pub align: char,
    pub storage: char,
    pub category: char,
    pub preferred: bool,
    pub collatable: bool,
    pub default_expr: Option<String>,
    pub default_literal: Option<String>,
}

/// Everything read about types.
#[derive(Debug, Default)]
pub(crate) struct TypeCatalog {
    pub types: Vec<TypeRow>,
    /// Enum labels in sort order, by type OID.
    pub enum_labels: HashMap<u32, Vec<String>>,
    /// Composite attributes in attnum order, by type OID.
    pub composite_attrs: HashMap<u32, Vec<CompositeAttr>>,
    pub ranges: HashMap<u32, RangeInfo>,
    pub domains: HashMap<u32, DomainInfo>,
    /// Domain constraints ordered by domain, then name.
    pub domain_constraints: Vec<DomainConstraintRow>,
    pub base_types: HashMap<u32, BaseTypeInfo>,
}

fn collation(r: QueryRow<'_>, i: usize) -> Result<Option<CollationName>, RowError> {
    Ok(match (r.opt_text(i)?, r.opt_text(i + 1)?) {
        (Some(s), Some(n)) => Some((s, n)),
        _ => None,
    })
}

/// A regproc column read as text, with `-` (no function) as None.
fn regproc(r: QueryRow<'_>, i: usize) -> Result<Option<String>, RowError> {
    let s = r.text(i)?;
    Ok((s != "-").then_some(s))
}

/// Reads every type and the details of user types.
pub(crate) async fn types(cat: &Catalog<'_>) -> Result<TypeCatalog, CatalogError> {
    let types = query_decode(
        cat,
        "SELECT t.oid, t.typname, n.nspname, pg_catalog.pg_get_userbyid(t.typowner), t.typacl::text, \
         pg_catalog.acldefault('T', t.typowner)::text, t.typtype, t.typisdefined, t.typrelid, \
         CASE WHEN t.typrelid = 0 THEN ' '::pg_catalog.\"char\" \
           ELSE (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) END, \
         (pg_catalog.starts_with(t.typname::text, '_') AND t.typelem <> 0 AND \
           (SELECT te.typarray FROM pg_catalog.pg_type te WHERE te.oid = t.typelem) = t.oid), \
         EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass \
           AND d.objid = t.oid AND d.deptype = 'e') \
         FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace ORDER BY t.oid", |r| {
        Ok(TypeRow {
            oid: r.col(0)?,
            name: r.text(1)?,
            schema: r.text(2)?,
            owner: r.text(3)?,
            acl: r.opt_text(4)?,
            acl_default: r.text(5)?,
            typtype: r.code(6)?,
            is_defined: r.col(7)?,
            relid: r.col(8)?,
            relkind: r
                .col::<Option<i8>>(9)?
                .map(|c| c as u8 as char)
                .unwrap_or(' '),
            is_array: r.col::<Option<bool>>(10)?.unwrap_or(false),
            is_member: r.col(11)?,
        })
    }).await?;

    let mut out = TypeCatalog {
        types,
        ..TypeCatalog::default()
    };
    // Each detail query reads only types of its kind outside the system
    // schemas (USER_NS): a database without any is not asked.
    let has = |typtype: char| {
        out.types.iter().any(|t| {
            t.typtype == typtype
                && (typtype != 'c' || t.relkind == 'c')
                && !super::is_system_schema(&t.schema)
        })
    };
    let (enums, composites, ranges) = (has('e'), has('c'), has('r'));
    let (domains, base_types) = (has('d'), has('b'));
    if enums {
        read_enum_labels(cat, &mut out).await?;
    }
    if composites {
        read_composite_attrs(cat, &mut out).await?;
    }
    if ranges {
        read_ranges(cat, &mut out).await?;
    }
    if domains {
        read_domains(cat, &mut out).await?;
        read_domain_constraints(cat, &mut out).await?;
    }
    if base_types {
        read_base_types(cat, &mut out).await?;
    }
    Ok(out)
}

/// Enum labels, in sort order.
async fn read_enum_labels(cat: &Catalog<'_>, out: &mut TypeCatalog) -> Result<(), CatalogError> {
    for r in &query(
        cat,
        &format!(
            "SELECT e.enumtypid, e.enumlabel FROM pg_catalog.pg_enum e \
             JOIN pg_catalog.pg_type t ON t.oid = e.enumtypid \
             JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE {USER_NS} \
             ORDER BY e.enumtypid, e.enumsortorder"
        ),
    )
    .await?
    {
        out.enum_labels
            .entry(r.col(0)?)
            .or_default()
            .push(r.text(1)?);
    }
    Ok(())
}

/// The attributes of composite types.
async fn read_composite_attrs(
    cat: &Catalog<'_>,
    out: &mut TypeCatalog,
) -> Result<(), CatalogError> {
    for r in &query(
        cat,
        &format!(
            "SELECT t.oid, a.attname, a.attnum, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attisdropped, \
             cn.nspname, co.collname \
             FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
             JOIN pg_catalog.pg_class c ON c.oid = t.typrelid AND c.relkind = 'c' \
             JOIN pg_catalog.pg_attribute a ON a.attrelid = t.typrelid AND a.attnum > 0 \
             LEFT JOIN pg_catalog.pg_type at ON at.oid = a.atttypid \
             LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation AND a.attcollation <> at.typcollation \
             LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace \
             WHERE t.typtype = 'c' AND {USER_NS} ORDER BY t.oid, a.attnum"
        ),
    )
    .await?
    {
        out.composite_attrs.entry(r.col(0)?).or_default().push(CompositeAttr {
            name: r.text(1)?,
            attnum: r.col(2)?,
            type_name: r.opt_text(3)?.unwrap_or_default(),
            dropped: r.col(4)?,
            collation: collation(r, 5)?,
        });
    }
    Ok(())
}

/// Range types: subtype, opclass, collation, functions.
async fn read_ranges(cat: &Catalog<'_>, out: &mut TypeCatalog) -> Result<(), CatalogError> {
    for r in &query(
        cat,
        &format!(
            "SELECT r.rngtypid, pg_catalog.format_type(r.rngsubtype, NULL), \
             CASE WHEN r.rngmultitypid <> 0 THEN pg_catalog.format_type(r.rngmultitypid, NULL) END, \
             opn.nspname, opc.opcname, opc.opcdefault, cn.nspname, co.collname, \
             r.rngcanonical::text, r.rngsubdiff::text \
             FROM pg_catalog.pg_range r JOIN pg_catalog.pg_type t ON t.oid = r.rngtypid \
             JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
             JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype \
             JOIN pg_catalog.pg_opclass opc ON opc.oid = r.rngsubopc \
             JOIN pg_catalog.pg_namespace opn ON opn.oid = opc.opcnamespace \
             LEFT JOIN pg_catalog.pg_collation co ON co.oid = r.rngcollation AND r.rngcollation <> st.typcollation \
             LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace \
             WHERE {USER_NS}"
        ),
    )
    .await?
    {
        out.ranges.insert(
            r.col(0)?,
            RangeInfo {
                subtype: r.text(1)?,
                multirange: r.opt_text(2)?,
                opclass: (r.text(3)?, r.text(4)?),
                opclass_default: r.col(5)?,
                collation: collation(r, 6)?,
                canonical: r.text(8)?,
                subdiff: r.text(9)?,
            },
        );
    }
    Ok(())
}

/// Domains: base type, default, collation.
async fn read_domains(cat: &Catalog<'_>, out: &mut TypeCatalog) -> Result<(), CatalogError> {
    for r in &query(
        cat,
        &format!(
            "SELECT t.oid, t.typnotnull, pg_catalog.format_type(t.typbasetype, t.typtypmod), \
             pg_catalog.pg_get_expr(t.typdefaultbin, 'pg_catalog.pg_type'::pg_catalog.regclass), t.typdefault, \
             cn.nspname, co.collname \
             FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
             LEFT JOIN pg_catalog.pg_type u ON u.oid = t.typbasetype \
             LEFT JOIN pg_catalog.pg_collation co ON co.oid = t.typcollation AND t.typcollation <> u.typcollation \
             LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace \
             WHERE t.typtype = 'd' AND {USER_NS}"
        ),
    )
    .await?
    {
        out.domains.insert(
            r.col(0)?,
            DomainInfo {
                not_null: r.col(1)?,
                base: r.text(2)?,
                default_expr: r.opt_text(3)?,
                default_literal: r.opt_text(4)?,
                collation: collation(r, 5)?,
            },
        );
    }
    Ok(())
}

/// Domains' CHECK and NOT NULL constraints.
async fn read_domain_constraints(
    cat: &Catalog<'_>,
    out: &mut TypeCatalog,
) -> Result<(), CatalogError> {
    for r in &query(
        cat,
        &format!(
            "SELECT c.oid, c.contypid, c.conname, pg_catalog.pg_get_constraintdef(c.oid), c.convalidated, c.contype \
             FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_type t ON t.oid = c.contypid \
             JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
             WHERE c.contypid <> 0 AND c.contype IN ('c', 'n') AND {USER_NS} \
             ORDER BY c.contypid, c.conname"
        ),
    )
    .await?
    {
        out.domain_constraints.push(DomainConstraintRow {
            oid: r.col(0)?,
            domain: r.col(1)?,
            name: r.text(2)?,
            definition: r.definition(3, "constraint", 2)?,
            validated: r.col(4)?,
            contype: r.code(5)?,
        });
    }
    Ok(())
}

/// Base types' I/O functions and properties (array types print with their element type).
async fn read_base_types(cat: &Catalog<'_>, out: &mut TypeCatalog) -> Result<(), CatalogError> {
    let subscript = if cat.at_least(14) {
        "t.typsubscript::text"
    } else {
        "'-'::text"
    };
    // Array types are left out: they print with their element type.
    for r in &query(
        cat,
        &format!(
            "SELECT t.oid, t.typlen, t.typinput::text, t.typoutput::text, t.typreceive::text, t.typsend::text, \
             t.typmodin::text, t.typmodout::text, t.typanalyze::text, {subscript}, \
             CASE WHEN t.typelem <> 0 THEN pg_catalog.format_type(t.typelem, NULL) END, \
             t.typdelim, t.typbyval, t.typalign, t.typstorage, t.typcategory, t.typispreferred, \
             t.typcollation <> 0, pg_catalog.pg_get_expr(t.typdefaultbin, 0), t.typdefault \
             FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
             WHERE t.typtype = 'b' AND {USER_NS} \
             AND NOT (pg_catalog.starts_with(t.typname::text, '_') AND t.typelem <> 0 \
               AND (SELECT te.typarray FROM pg_catalog.pg_type te WHERE te.oid = t.typelem) = t.oid)"
        ),
    )
    .await?
    {
        out.base_types.insert(
            r.col(0)?,
            BaseTypeInfo {
                length: r.col(1)?,
                input: r.text(2)?,
                output: r.text(3)?,
                receive: regproc(r, 4)?,
                send: regproc(r, 5)?,
                typmod_in: regproc(r, 6)?,
                typmod_out: regproc(r, 7)?,
                analyze: regproc(r, 8)?,
                subscript: regproc(r, 9)?,
                element: r.opt_text(10)?,
                delimiter: r.code(11)?,
                by_value: r.col(12)?,
                align: r.code(13)?,
                storage: r.code(14)?,
                category: r.code(15)?,
                preferred: r.col(16)?,
                collatable: r.col(17)?,
                default_expr: r.opt_text(18)?,
                default_literal: r.opt_text(19)?,
            },
        );
    }
    Ok(())
}
