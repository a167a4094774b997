//! Rules, triggers, policies, row security, event triggers, default
//! privileges and large objects, each read in one query.

use super::census::Family;
use super::{query, query_decode, Catalog, CatalogError, USER_NS};

/// The relation is an extension member.
const REL_MEMBER: &str = "EXISTS (SELECT 1 FROM pg_catalog.pg_depend e \
     WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND e.objid = c.oid AND e.deptype = 'e')";

#[derive(Debug, Clone)]
pub(crate) struct RuleRow {
    pub oid: u32,
    pub name: String,
    pub table: u32,
    /// `1` SELECT, `2` UPDATE, `3` INSERT, `4` DELETE.
    pub ev_type: char,
    pub is_instead: bool,
    pub ev_enabled: char,
    /// pg_get_ruledef, except for ON SELECT INSTEAD rules (views' bodies).
    pub ruledef: Option<String>,
}

pub(crate) async fn rules(cat: &Catalog<'_>) -> Result<Vec<RuleRow>, CatalogError> {
    if !cat.may_have(Family::Rules) {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT r.oid, r.rulename, r.ev_class, r.ev_type, r.is_instead, r.ev_enabled, \
         CASE WHEN r.ev_type = '1' AND r.is_instead THEN NULL ELSE pg_catalog.pg_get_ruledef(r.oid) END \
         FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE {USER_NS} ORDER BY r.oid"
    );
    query_decode(cat, &sql, |r| {
        Ok(RuleRow {
            oid: r.col(0)?,
            name: r.text(1)?,
            table: r.col(2)?,
            ev_type: r.code(3)?,
            is_instead: r.col(4)?,
            ev_enabled: r.code(5)?,
            // NULL for views' ON SELECT rules; from pg_get_ruledef, for a
            // rule dropped since the snapshot.
            ruledef: match (r.col::<i8>(3)? as u8, r.col::<bool>(4)?) {
                (b'1', true) => None,
                _ => Some(r.definition(6, "rule", 1)?),
            },
        })
    })
    .await
}

#[derive(Debug, Clone)]
pub(crate) struct TriggerRow {
    pub oid: u32,
    pub table: u32,
    pub name: String,
    pub def: String,
    pub enabled: char,
    /// A partition's clone of a parent trigger (listed because its state
    /// differs from the parent's).
    pub is_clone: bool,
    pub on_foreign_table: bool,
}

pub(crate) async fn triggers(cat: &Catalog<'_>) -> Result<Vec<TriggerRow>, CatalogError> {
    if !cat.may_have(Family::Triggers) {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT t.oid, t.tgrelid, t.tgname, pg_catalog.pg_get_triggerdef(t.oid, false), t.tgenabled, \
         t.tgparentid <> 0, c.relkind = 'f' \
         FROM pg_catalog.pg_trigger t \
         LEFT JOIN pg_catalog.pg_trigger u ON u.oid = t.tgparentid \
         JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE ((NOT t.tgisinternal AND t.tgparentid = 0) OR t.tgenabled <> u.tgenabled) \
         AND {USER_NS} AND NOT {REL_MEMBER} \
         ORDER BY t.tgrelid, t.tgname"
    );
    query_decode(cat, &sql, |r| {
        Ok(TriggerRow {
            oid: r.col(0)?,
            table: r.col(1)?,
            name: r.text(2)?,
            def: r.definition(3, "trigger", 2)?,
            enabled: r.code(4)?,
            is_clone: r.col(5)?,
            on_foreign_table: r.col(6)?,
        })
    })
    .await
}

#[derive(Debug, Clone)]
pub(crate) struct PolicyRow {
    pub oid: u32,
    pub table: u32,
    pub name: String,
    pub command: char,
    pub permissive: bool,
    pub roles: Option<String>,
    pub qual: Option<String>,
    pub with_check: Option<String>,
}

pub(crate) async fn policies(cat: &Catalog<'_>) -> Result<Vec<PolicyRow>, CatalogError> {
    if !cat.may_have(Family::Policies) {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT p.oid, p.polrelid, p.polname, p.polcmd, p.polpermissive, \
         CASE WHEN p.polroles = '{{0}}' THEN NULL ELSE pg_catalog.array_to_string(ARRAY(\
           SELECT pg_catalog.quote_ident(rolname) FROM pg_catalog.pg_roles WHERE oid = ANY(p.polroles)), ', ') END, \
         pg_catalog.pg_get_expr(p.polqual, p.polrelid), pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) \
         FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p') AND {USER_NS} AND NOT {REL_MEMBER} \
         ORDER BY p.polrelid, p.oid"
    );
    query_decode(cat, &sql, |r| {
        Ok(PolicyRow {
            oid: r.col(0)?,
            table: r.col(1)?,
            name: r.text(2)?,
            command: r.code(3)?,
            permissive: r.col(4)?,
            roles: r.opt_text(5)?,
            qual: r.opt_text(6)?,
            with_check: r.opt_text(7)?,
        })
    })
    .await
}

/// Tables with row level security enabled.
pub(crate) async fn row_security_tables(cat: &Catalog<'_>) -> Result<Vec<u32>, CatalogError> {
    if !cat.may_have(Family::RowSecurity) {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relrowsecurity AND c.relkind IN ('r', 'p') AND {USER_NS} AND NOT {REL_MEMBER} ORDER BY c.oid"
    );
    query_decode(cat, &sql, |r| r.col(0)).await
}

#[derive(Debug, Clone)]
pub(crate) struct EventTriggerRow {
    pub oid: u32,
    pub name: String,
    pub event: String,
    pub owner: String,
    pub enabled: char,
    /// Server-quoted tags joined with `, ` ("" for none).
    pub tags: String,
    /// regproc text of the function.
    pub function: String,
}

pub(crate) async fn event_triggers(
    cat: &Catalog<'_>,
) -> Result<Vec<EventTriggerRow>, CatalogError> {
    if !cat.may_have(Family::EventTriggers) {
        return Ok(Vec::new());
    }
    let sql = "SELECT e.oid, e.evtname, e.evtevent, pg_catalog.pg_get_userbyid(e.evtowner), e.evtenabled, \
         COALESCE(pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.quote_literal(x) FROM pg_catalog.unnest(e.evttags) AS t(x)), ', '), ''), \
         e.evtfoid::pg_catalog.regproc::pg_catalog.text \
         FROM pg_catalog.pg_event_trigger e ORDER BY e.oid";
    query_decode(cat, sql, |r| {
        Ok(EventTriggerRow {
            oid: r.col(0)?,
            name: r.text(1)?,
            event: r.text(2)?,
            owner: r.text(3)?,
            enabled: r.code(4)?,
            tags: r.text(5)?,
            function: r.text(6)?,
        })
    })
    .await
}

#[derive(Debug, Clone)]
pub(crate) struct DefaultAclRow {
    pub oid: u32,
    pub role: String,
    pub schema: Option<String>,
    pub objtype: char,
    pub acl: String,
    /// The hard-wired default for global entries, `{}` for per-schema ones.
    pub baseline: String,
}

pub(crate) async fn default_acls(cat: &Catalog<'_>) -> Result<Vec<DefaultAclRow>, CatalogError> {
    if !cat.may_have(Family::DefaultAcls) {
        return Ok(Vec::new());
    }
    let sql = "SELECT d.oid, pg_catalog.pg_get_userbyid(d.defaclrole), n.nspname, d.defaclobjtype, \
         COALESCE(d.defaclacl::pg_catalog.text, '{}'), \
         CASE WHEN d.defaclnamespace = 0 THEN pg_catalog.acldefault(CASE WHEN d.defaclobjtype = 'S' \
           THEN 's'::\"char\" ELSE d.defaclobjtype END, d.defaclrole)::pg_catalog.text ELSE '{}' END \
         FROM pg_catalog.pg_default_acl d LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace \
         ORDER BY d.oid";
    query_decode(cat, sql, |r| {
        Ok(DefaultAclRow {
            oid: r.col(0)?,
            role: r.text(1)?,
            schema: r.opt_text(2)?,
            objtype: r.code(3)?,
            acl: r.text(4)?,
            baseline: r.text(5)?,
        })
    })
    .await
}

#[derive(Debug, Clone)]
pub(crate) struct LargeObjectRow {
    pub oid: u32,
    pub owner_oid: u32,
    pub owner: String,
    pub acl: Option<String>,
    pub acl_default: String,
}

/// Every large object, in the order pg_dump groups them: owner, ACL, OID,
/// handed to `each` as the rows arrive (a database may hold millions:
/// neither the result nor the rows are kept).
pub(crate) async fn large_objects(
    cat: &Catalog<'_>,
    mut each: impl FnMut(LargeObjectRow),
) -> Result<(), CatalogError> {
    if !cat.may_have(Family::LargeObjects) {
        return Ok(());
    }
    use crate::pg::RowExt;
    use futures_util::StreamExt;
    let sql = "SELECT l.oid, l.lomowner, pg_catalog.pg_get_userbyid(l.lomowner), l.lomacl::pg_catalog.text, \
         pg_catalog.acldefault('L', l.lomowner)::pg_catalog.text \
         FROM pg_catalog.pg_largeobject_metadata l \
         ORDER BY l.lomowner, l.lomacl::pg_catalog.text, l.oid";
    let no_params: [(
        &(dyn tokio_postgres::types::ToSql + Sync),
        tokio_postgres::types::Type,
    ); 0] = [];
    let rows = cat
        .client
        .query_typed_raw(sql, no_params)
        .await
        .map_err(|e| CatalogError::query(e, sql))?;
    futures_util::pin_mut!(rows);
    while let Some(row) = rows.next().await {
        let row = row.map_err(|e| CatalogError::query(e, sql))?;
        let r = row.in_query(sql);
        each(LargeObjectRow {
            oid: r.col(0)?,
            owner_oid: r.col(1)?,
            owner: r.text(2)?,
            acl: r.opt_text(3)?,
            acl_default: r.text(4)?,
        });
    }
    Ok(())
}

/// A relation's name and owner, as rules, triggers and policies print them.
#[derive(Debug, Clone)]
pub(crate) struct RelationRow {
    pub oid: u32,
    pub schema: String,
    pub name: String,
    pub owner: String,
}

/// Relations that can carry rules, triggers or policies, outside system
/// schemas.
pub(crate) async fn relations(cat: &Catalog<'_>) -> Result<Vec<RelationRow>, CatalogError> {
    // Only rules, triggers and policies name them.
    let carried = [
        Family::Triggers,
        Family::Rules,
        Family::Policies,
        Family::RowSecurity,
    ];
    if !carried.iter().any(|&f| cat.may_have(f)) {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT c.oid, n.nspname, c.relname, pg_catalog.pg_get_userbyid(c.relowner) \
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {USER_NS} ORDER BY c.oid"
    );
    query_decode(cat, &sql, |r| {
        Ok(RelationRow {
            oid: r.col(0)?,
            schema: r.text(1)?,
            name: r.text(2)?,
            owner: r.text(3)?,
        })
    })
    .await
}

/// An extended statistics object (`pg_statistic_ext`).
#[derive(Debug, Clone)]
pub(crate) struct ExtendedStatisticsRow {
    pub oid: u32,
    pub schema: String,
    pub name: String,
    pub owner: String,
    /// `pg_get_statisticsobjdef`: `CREATE STATISTICS ... FROM ...`.
    pub definition: String,
    /// `stxstattarget` when set (-1 and, on 17+, NULL mean the default).
    pub stat_target: Option<i32>,
}

/// Every extended statistics object outside the system schemas.
pub(crate) async fn extended_statistics(
    cat: &Catalog<'_>,
) -> Result<Vec<ExtendedStatisticsRow>, CatalogError> {
    if !cat.may_have(Family::ExtendedStatistics) {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT s.oid, n.nspname, s.stxname, pg_catalog.pg_get_userbyid(s.stxowner), \
         pg_catalog.pg_get_statisticsobjdef(s.oid), s.stxstattarget::pg_catalog.int4 \
         FROM pg_catalog.pg_statistic_ext s JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace \
         WHERE {USER_NS} ORDER BY s.oid"
    );
    Ok(query(cat, &sql).await?.decode(|r| {
        Ok(ExtendedStatisticsRow {
            oid: r.col(0)?,
            schema: r.text(1)?,
            name: r.text(2)?,
            owner: r.text(3)?,
            definition: r.definition(4, "statistics object", 2)?,
            stat_target: r.col::<Option<i32>>(5)?.filter(|&t| t >= 0),
        })
    })?)
}
