//! Operators, operator classes and families and their members, and
//! access methods (`pg_operator`, `pg_opclass`, `pg_opfamily`, `pg_amop`,
//! `pg_amproc`, `pg_am`), read in bulk: one query per kind.
//!
//! pg_dump collects every row of these catalogs. Those in pg_catalog and
//! the built-in access methods are left out here: they never print
//! (they have no ACLs), and since nothing records a dependency on a
//! pinned object they stand alone in the sort, where an object with no
//! edges cannot change the order of the others.

use super::census::Family;
use super::{query_decode, Catalog, CatalogError};
use crate::pg::{QueryRow, RowError};

/// `(schema, internal name)` of a type: the S5 tie-break of operators.
pub(crate) type TypeKey = (String, String);

/// One operator (shell operators included: they sort, and other
/// operators name them as commutator or negator).
#[derive(Debug, Clone, Default)]
pub(crate) struct OperatorRow {
    pub oid: u32,
    pub name: String,
    pub schema: String,
    pub owner: String,
    /// `oprkind`: `b` (infix) or `l` (prefix).
    pub kind: char,
    /// Sort keys of the operand types; None for NONE.
    pub left_key: Option<TypeKey>,
    pub right_key: Option<TypeKey>,
    /// `oprleft`/`oprright` as `regtype` text (`-` for none).
    pub left: String,
    pub right: String,
    /// `oprcode` as `regprocedure` text; `-` for a shell operator.
    pub function: String,
    /// Commutator and negator as `(schema, name)`.
    pub commutator: Option<(String, String)>,
    pub negator: Option<(String, String)>,
    /// `oprrest`/`oprjoin` as `regprocedure` text (`-` for none).
    pub restrict: String,
    pub join: String,
    pub merges: bool,
    pub hashes: bool,
}

/// One operator family.
#[derive(Debug, Clone, Default)]
pub(crate) struct OpFamilyRow {
    pub oid: u32,
    pub name: String,
    pub schema: String,
    pub owner: String,
    pub access_method: String,
    /// A member of an extension.
    pub is_member: bool,
}

/// One operator class.
#[derive(Debug, Clone, Default)]
pub(crate) struct OpClassRow {
    pub oid: u32,
    pub name: String,
    pub schema: String,
    pub owner: String,
    pub access_method: String,
    /// `opcintype` and `opckeytype` as `regtype` text (`-` for none).
    pub input_type: String,
    pub storage_type: String,
    pub is_default: bool,
    pub family_oid: u32,
    /// A member of an extension.
    pub is_member: bool,
    /// The family as `(schema, name)`.
    pub family: Option<(String, String)>,
}

/// An operator of a class or family (`pg_amop`), listed under the object
/// its pg_depend row ties it to.
#[derive(Debug, Clone, Default)]
pub(crate) struct OpMember {
    /// `(classid, oid)` of the class or family it belongs to.
    pub owner_object: (u32, u32),
    pub strategy: i16,
    /// `amopopr` as `regoperator` text.
    pub operator: String,
    /// The ordering family (`FOR ORDER BY`) as `(schema, name)`.
    pub sort_family: Option<(String, String)>,
}

/// A support function of a class or family (`pg_amproc`).
#[derive(Debug, Clone, Default)]
pub(crate) struct ProcMember {
    pub owner_object: (u32, u32),
    pub number: i16,
    /// `amproc` as `regprocedure` text.
    pub function: String,
    /// `amproclefttype`/`amprocrighttype` as `regtype` text.
    pub left: String,
    pub right: String,
}

/// One user-created access method.
#[derive(Debug, Clone, Default)]
pub(crate) struct AccessMethodRow {
    pub oid: u32,
    pub name: String,
    /// `amhandler` as `regproc` text.
    pub handler: String,
    /// `amtype`: `t` (table) or `i` (index).
    pub am_type: char,
}

/// Objects outside pg_catalog (`n` is the object's namespace).
const NOT_PG_CATALOG: &str = "n.nspname <> 'pg_catalog'";

/// Whether the object (`oid` of `catalog`) belongs to an extension.
fn is_member(catalog: &str, oid: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.{catalog}'::pg_catalog.regclass \
         AND e.objid = {oid} AND e.deptype = 'e')"
    )
}

fn pair(r: QueryRow<'_>, schema: usize, name: usize) -> Result<Option<(String, String)>, RowError> {
    Ok(match (r.opt_text(schema)?, r.opt_text(name)?) {
        (Some(s), Some(n)) => Some((s, n)),
        _ => None,
    })
}

/// Every operator outside pg_catalog, by OID.
pub(crate) async fn operators(cat: &Catalog<'_>) -> Result<Vec<OperatorRow>, CatalogError> {
    if !cat.may_have(Family::Operators) {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT o.oid, o.oprname, n.nspname, pg_catalog.pg_get_userbyid(o.oprowner), o.oprkind, \
         ln.nspname, lt.typname, rn.nspname, rt.typname, \
         o.oprleft::pg_catalog.regtype::text, o.oprright::pg_catalog.regtype::text, \
         o.oprcode::pg_catalog.regprocedure::text, cn.nspname, c.oprname, nn.nspname, ng.oprname, \
         o.oprrest::pg_catalog.regprocedure::text, o.oprjoin::pg_catalog.regprocedure::text, \
         o.oprcanmerge, o.oprcanhash \
         FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace \
         LEFT JOIN pg_catalog.pg_type lt ON lt.oid = o.oprleft \
         LEFT JOIN pg_catalog.pg_namespace ln ON ln.oid = lt.typnamespace \
         LEFT JOIN pg_catalog.pg_type rt ON rt.oid = o.oprright \
         LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rt.typnamespace \
         LEFT JOIN pg_catalog.pg_operator c ON c.oid = o.oprcom \
         LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = c.oprnamespace \
         LEFT JOIN pg_catalog.pg_operator ng ON ng.oid = o.oprnegate \
         LEFT JOIN pg_catalog.pg_namespace nn ON nn.oid = ng.oprnamespace \
         WHERE {NOT_PG_CATALOG} ORDER BY o.oid"
    );
    query_decode(cat, &sql, |r| {
        Ok(OperatorRow {
            oid: r.col(0)?,
            name: r.text(1)?,
            schema: r.text(2)?,
            owner: r.text(3)?,
            kind: r.code(4)?,
            left_key: pair(r, 5, 6)?,
            right_key: pair(r, 7, 8)?,
            left: r.text(9)?,
            right: r.text(10)?,
            function: r.text(11)?,
            commutator: pair(r, 12, 13)?,
            negator: pair(r, 14, 15)?,
            restrict: r.text(16)?,
            join: r.text(17)?,
            merges: r.col(18)?,
            hashes: r.col(19)?,
        })
    })
    .await
}

/// Every operator family outside pg_catalog, by OID.
pub(crate) async fn op_families(cat: &Catalog<'_>) -> Result<Vec<OpFamilyRow>, CatalogError> {
    if !cat.may_have(Family::Operators) {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT f.oid, f.opfname, n.nspname, pg_catalog.pg_get_userbyid(f.opfowner), a.amname, {} \
         FROM pg_catalog.pg_opfamily f JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace \
         JOIN pg_catalog.pg_am a ON a.oid = f.opfmethod \
         WHERE {NOT_PG_CATALOG} ORDER BY f.oid",
        is_member("pg_opfamily", "f.oid")
    );
    query_decode(cat, &sql, |r| {
        Ok(OpFamilyRow {
            oid: r.col(0)?,
            name: r.text(1)?,
            schema: r.text(2)?,
            owner: r.text(3)?,
            access_method: r.text(4)?,
            is_member: r.col(5)?,
        })
    })
    .await
}

/// Every operator class outside pg_catalog, by OID.
pub(crate) async fn op_classes(cat: &Catalog<'_>) -> Result<Vec<OpClassRow>, CatalogError> {
    if !cat.may_have(Family::Operators) {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT c.oid, c.opcname, n.nspname, pg_catalog.pg_get_userbyid(c.opcowner), a.amname, \
         c.opcintype::pg_catalog.regtype::text, c.opckeytype::pg_catalog.regtype::text, c.opcdefault, \
         fn.nspname, f.opfname, c.opcfamily, {} \
         FROM pg_catalog.pg_opclass c JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace \
         JOIN pg_catalog.pg_am a ON a.oid = c.opcmethod \
         LEFT JOIN pg_catalog.pg_opfamily f ON f.oid = c.opcfamily \
         LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = f.opfnamespace \
         WHERE {NOT_PG_CATALOG} ORDER BY c.oid",
        is_member("pg_opclass", "c.oid")
    );
    query_decode(cat, &sql, |r| {
        Ok(OpClassRow {
            oid: r.col(0)?,
            name: r.text(1)?,
            schema: r.text(2)?,
            owner: r.text(3)?,
            access_method: r.text(4)?,
            input_type: r.text(5)?,
            storage_type: r.text(6)?,
            is_default: r.col(7)?,
            family: pair(r, 8, 9)?,
            family_oid: r.col(10)?,
            is_member: r.col(11)?,
        })
    })
    .await
}

/// The pg_depend rows that tie a member (`m`, of catalog `member`) to a
/// class or family of its own family: what pg_dump prints it under.
fn member_owner_join(member: &str, family_col: &str) -> String {
    format!(
        "JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.{member}'::pg_catalog.regclass AND d.objid = m.oid \
         LEFT JOIN pg_catalog.pg_opclass oc ON d.refclassid = 'pg_catalog.pg_opclass'::pg_catalog.regclass \
           AND oc.oid = d.refobjid \
         WHERE d.refobjid >= 16384 \
         AND ((oc.oid IS NOT NULL AND oc.opcfamily = m.{family_col}) \
           OR (d.refclassid = 'pg_catalog.pg_opfamily'::pg_catalog.regclass AND d.refobjid = m.{family_col}))"
    )
}

/// The operators of every user class and family, in each one's order
/// (by strategy number).
pub(crate) async fn op_members(cat: &Catalog<'_>) -> Result<Vec<OpMember>, CatalogError> {
    let sql = format!(
        "SELECT d.refclassid, d.refobjid, m.amopstrategy, m.amopopr::pg_catalog.regoperator::text, \
         sn.nspname, sf.opfname \
         FROM pg_catalog.pg_amop m \
         LEFT JOIN pg_catalog.pg_opfamily sf ON sf.oid = m.amopsortfamily \
         LEFT JOIN pg_catalog.pg_namespace sn ON sn.oid = sf.opfnamespace \
         {} ORDER BY d.refclassid, d.refobjid, m.amopstrategy, m.oid",
        member_owner_join("pg_amop", "amopfamily")
    );
    query_decode(cat, &sql, |r| {
        Ok(OpMember {
            owner_object: (r.col(0)?, r.col(1)?),
            strategy: r.col(2)?,
            operator: r.text(3)?,
            sort_family: pair(r, 4, 5)?,
        })
    })
    .await
}

/// The support functions of every user class and family, in each one's
/// order (by support number).
pub(crate) async fn proc_members(cat: &Catalog<'_>) -> Result<Vec<ProcMember>, CatalogError> {
    let sql = format!(
        "SELECT d.refclassid, d.refobjid, m.amprocnum, m.amproc::pg_catalog.regprocedure::text, \
         m.amproclefttype::pg_catalog.regtype::text, m.amprocrighttype::pg_catalog.regtype::text \
         FROM pg_catalog.pg_amproc m \
         {} ORDER BY d.refclassid, d.refobjid, m.amprocnum, m.oid",
        member_owner_join("pg_amproc", "amprocfamily")
    );
    query_decode(cat, &sql, |r| {
        Ok(ProcMember {
            owner_object: (r.col(0)?, r.col(1)?),
            number: r.col(2)?,
            function: r.text(3)?,
            left: r.text(4)?,
            right: r.text(5)?,
        })
    })
    .await
}

/// The catalog name of a class or family's catalog, for pg_depend.
fn owner_catalog(classid: u32) -> &'static str {
    if classid == crate::pg::oid::PG_OPCLASS {
        "pg_opclass"
    } else {
        "pg_opfamily"
    }
}

/// The operators of one class or family (`owner`, whose family is
/// `family`) in the order pg_dump's own query returns them. pg_dump sorts
/// them by strategy number only, so members sharing a number come in the
/// order of the server's plan for that query: for such objects alone the
/// same query is run, as the bulk read cannot reproduce that order.
pub(crate) async fn op_members_as_pg_dump(
    cat: &Catalog<'_>,
    owner: (u32, u32),
    family: u32,
) -> Result<Vec<OpMember>, CatalogError> {
    let sql = format!(
        "SELECT amopstrategy, amopopr::pg_catalog.regoperator::text, opfname AS sortfamily, nspname AS sortfamilynsp \
         FROM pg_catalog.pg_amop ao JOIN pg_catalog.pg_depend ON (classid = 'pg_catalog.pg_amop'::pg_catalog.regclass AND objid = ao.oid) \
         LEFT JOIN pg_catalog.pg_opfamily f ON f.oid = amopsortfamily \
         LEFT JOIN pg_catalog.pg_namespace n ON n.oid = opfnamespace \
         WHERE refclassid = 'pg_catalog.{}'::pg_catalog.regclass AND refobjid = '{}'::pg_catalog.oid \
         AND amopfamily = '{family}'::pg_catalog.oid ORDER BY amopstrategy",
        owner_catalog(owner.0),
        owner.1
    );
    query_decode(cat, &sql, |r| {
        Ok(OpMember {
            owner_object: owner,
            strategy: r.col(0)?,
            operator: r.text(1)?,
            sort_family: pair(r, 3, 2)?,
        })
    })
    .await
}

/// The support functions of one class or family in the order pg_dump's
/// own query returns them (see [`op_members_as_pg_dump`]).
pub(crate) async fn proc_members_as_pg_dump(
    cat: &Catalog<'_>,
    owner: (u32, u32),
) -> Result<Vec<ProcMember>, CatalogError> {
    let sql = format!(
        "SELECT amprocnum, amproc::pg_catalog.regprocedure::text, amproclefttype::pg_catalog.regtype::text, \
         amprocrighttype::pg_catalog.regtype::text FROM pg_catalog.pg_amproc ap, pg_catalog.pg_depend \
         WHERE refclassid = 'pg_catalog.{}'::pg_catalog.regclass AND refobjid = '{}'::pg_catalog.oid \
         AND classid = 'pg_catalog.pg_amproc'::pg_catalog.regclass AND objid = ap.oid ORDER BY amprocnum",
        owner_catalog(owner.0),
        owner.1
    );
    query_decode(cat, &sql, |r| {
        Ok(ProcMember {
            owner_object: owner,
            number: r.col(0)?,
            function: r.text(1)?,
            left: r.text(2)?,
            right: r.text(3)?,
        })
    })
    .await
}

/// Every access method created after initdb, by OID.
pub(crate) async fn access_methods(
    cat: &Catalog<'_>,
) -> Result<Vec<AccessMethodRow>, CatalogError> {
    if !cat.may_have(Family::AccessMethods) {
        return Ok(Vec::new());
    }
    query_decode(
        cat,
        "SELECT a.oid, a.amname, a.amhandler::pg_catalog.regproc::text, a.amtype \
         FROM pg_catalog.pg_am a WHERE a.oid >= 16384 ORDER BY a.oid",
        |r| {
            Ok(AccessMethodRow {
                oid: r.col(0)?,
                name: r.text(1)?,
                handler: r.text(2)?,
                am_type: r.code(3)?,
            })
        },
    )
    .await
}
