//! Cluster-wide catalogs: roles, their settings and memberships, parameter
//! privileges, tablespaces and the database list. One query per kind,
//! whatever the number of objects.

use super::{query, query_decode, Catalog, CatalogError};
use crate::pg::Rows;
use crate::text::Raw;

/// A role, as pg_dumpall reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Role {
    pub oid: u32,
    pub name: String,
    pub superuser: bool,
    pub inherit: bool,
    pub create_role: bool,
    pub create_db: bool,
    pub login: bool,
    pub replication: bool,
    pub bypass_rls: bool,
    pub connection_limit: i32,
    /// The stored hash; None when unset or when reading `pg_roles`.
    pub password: Option<String>,
    /// `rolvaliduntil` in the session's DateStyle and TimeZone.
    pub valid_until: Option<String>,
    pub comment: Option<String>,
    pub is_current_user: bool,
    /// `(provider, label)` pairs.
    pub security_labels: Vec<(String, String)>,
    /// `setconfig` elements (`name=value`) with setdatabase = 0.
    pub settings: Vec<String>,
}

/// One row of pg_auth_members, with names resolved (None when dangling).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Membership {
    pub role: Option<String>,
    pub member: Option<String>,
    pub grantor: Option<String>,
    pub role_oid: u32,
    pub member_oid: u32,
    pub grantor_oid: u32,
    pub admin_option: bool,
    /// 16+ servers only.
    pub inherit_option: Option<bool>,
    pub set_option: Option<bool>,
}

/// A parameter privilege row (15+ servers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParameterAcl {
    pub name: String,
    pub owner: String,
    pub acl: Option<String>,
    pub acl_default: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tablespace {
    pub oid: u32,
    pub name: String,
    pub owner: String,
    pub location: String,
    pub acl: Option<String>,
    pub acl_default: String,
    /// `array_to_string(spcoptions, ', ')`.
    pub options: Option<String>,
    pub comment: Option<String>,
    pub security_labels: Vec<(String, String)>,
}

/// Reads every role (not `pg_*`), ordered by name, with their comments,
/// security labels and settings.
pub(crate) async fn roles(
    cat: &Catalog<'_>,
    no_role_passwords: bool,
) -> Result<Vec<Role>, CatalogError> {
    let catalog = if no_role_passwords {
        "pg_roles"
    } else {
        "pg_authid"
    };
    // pg_roles shows a mask instead of the hash; it is never printed then.
    let password = if no_role_passwords {
        "NULL::text"
    } else {
        "rolpassword"
    };
    let sql = format!(
        "SELECT oid, rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, \
         rolcanlogin, rolconnlimit, {password} AS rolpassword, rolvaliduntil::text, \
         rolreplication, rolbypassrls, \
         pg_catalog.shobj_description(oid, 'pg_authid') AS rolcomment, \
         rolname = current_user AS is_current_user \
         FROM pg_catalog.{catalog} WHERE rolname !~ '^pg_' ORDER BY 2"
    );
    let mut roles: Vec<Role> = query_decode(cat, &sql, |r| {
        Ok(Role {
            oid: r.col(0)?,
            name: r.text(1)?,
            superuser: r.col(2)?,
            inherit: r.col(3)?,
            create_role: r.col(4)?,
            create_db: r.col(5)?,
            login: r.col(6)?,
            connection_limit: r.col(7)?,
            password: r.opt_text(8)?,
            valid_until: r.opt_text(9)?,
            replication: r.col(10)?,
            bypass_rls: r.col(11)?,
            comment: r.opt_text(12)?,
            is_current_user: r.col(13)?,
            security_labels: Vec::new(),
            settings: Vec::new(),
        })
    })
    .await?;

    let labels = shared_security_labels(cat, "pg_authid").await?;
    let settings = query(
        cat,
        "SELECT setrole, s.cfg FROM pg_catalog.pg_db_role_setting, \
         unnest(setconfig) WITH ORDINALITY AS s(cfg, n) \
         WHERE setdatabase = 0 ORDER BY setrole, n",
    )
    .await?;
    for role in &mut roles {
        role.security_labels = labels
            .iter()
            .filter(|(oid, _, _)| *oid == role.oid)
            .map(|(_, p, l)| (p.clone(), l.clone()))
            .collect();
    }
    for row in &settings {
        let oid: u32 = row.col(0)?;
        if let Some(role) = roles.iter_mut().find(|r| r.oid == oid) {
            role.settings.push(row.text(1)?);
        }
    }
    Ok(roles)
}

/// `(objoid, provider, label)` for a shared catalog, in provider order.
async fn shared_security_labels(
    cat: &Catalog<'_>,
    catalog: &str,
) -> Result<Vec<(u32, String, String)>, CatalogError> {
    let sql = format!(
        "SELECT objoid, provider, label FROM pg_catalog.pg_shseclabel \
         WHERE classoid = 'pg_catalog.{catalog}'::pg_catalog.regclass \
         ORDER BY objoid, provider"
    );
    query_decode(cat, &sql, |r| Ok((r.col(0)?, r.text(1)?, r.text(2)?))).await
}

/// Every role membership except those between two predefined roles,
/// ordered by role, member and grantor names.
pub(crate) async fn memberships(
    cat: &Catalog<'_>,
    no_role_passwords: bool,
) -> Result<Vec<Membership>, CatalogError> {
    let catalog = if no_role_passwords {
        "pg_roles"
    } else {
        "pg_authid"
    };
    let options = if cat.at_least(16) {
        "a.inherit_option, a.set_option"
    } else {
        "NULL::bool, NULL::bool"
    };
    let sql = format!(
        "SELECT ur.rolname AS role, um.rolname AS member, ug.rolname AS grantor, \
         a.roleid, a.member AS memberid, a.grantor AS grantorid, a.admin_option, {options} \
         FROM pg_catalog.pg_auth_members a \
         LEFT JOIN pg_catalog.{catalog} ur ON ur.oid = a.roleid \
         LEFT JOIN pg_catalog.{catalog} um ON um.oid = a.member \
         LEFT JOIN pg_catalog.{catalog} ug ON ug.oid = a.grantor \
         WHERE NOT (ur.rolname ~ '^pg_' AND um.rolname ~ '^pg_') \
         ORDER BY 1, 2, 3"
    );
    query_decode(cat, &sql, |r| {
        Ok(Membership {
            role: r.opt_text(0)?,
            member: r.opt_text(1)?,
            grantor: r.opt_text(2)?,
            role_oid: r.col(3)?,
            member_oid: r.col(4)?,
            grantor_oid: r.col(5)?,
            admin_option: r.col(6)?,
            inherit_option: r.col(7)?,
            set_option: r.col(8)?,
        })
    })
    .await
}

/// Privileges on configuration parameters (servers 15+), by name.
pub(crate) async fn parameter_acls(cat: &Catalog<'_>) -> Result<Vec<ParameterAcl>, CatalogError> {
    if !cat.at_least(15) {
        return Ok(Vec::new());
    }
    query_decode(
        cat,
        "SELECT parname, pg_catalog.pg_get_userbyid(10) AS parowner, paracl::text, \
         pg_catalog.acldefault('p', 10)::text AS acldefault \
         FROM pg_catalog.pg_parameter_acl ORDER BY 1",
        |r| {
            Ok(ParameterAcl {
                name: r.text(0)?,
                owner: r.text(1)?,
                acl: r.opt_text(2)?,
                acl_default: r.text(3)?,
            })
        },
    )
    .await
}

/// Every tablespace (not `pg_*`), by OID.
pub(crate) async fn tablespaces(cat: &Catalog<'_>) -> Result<Vec<Tablespace>, CatalogError> {
    let labels = shared_security_labels(cat, "pg_tablespace").await?;
    query_decode(
        cat,
        "SELECT oid, spcname, pg_catalog.pg_get_userbyid(spcowner) AS spcowner, \
         pg_catalog.pg_tablespace_location(oid), spcacl::text, \
         pg_catalog.acldefault('t', spcowner)::text AS acldefault, \
         pg_catalog.array_to_string(spcoptions, ', '), \
         pg_catalog.shobj_description(oid, 'pg_tablespace') \
         FROM pg_catalog.pg_tablespace WHERE spcname !~ '^pg_' ORDER BY 1",
        |r| {
            let oid: u32 = r.col(0)?;
            Ok(Tablespace {
                oid,
                name: r.text(1)?,
                owner: r.text(2)?,
                location: r.text(3)?,
                acl: r.opt_text(4)?,
                acl_default: r.text(5)?,
                options: r.opt_text(6)?,
                comment: r.opt_text(7)?,
                security_labels: labels
                    .iter()
                    .filter(|(o, _, _)| *o == oid)
                    .map(|(_, p, l)| (p.clone(), l.clone()))
                    .collect(),
            })
        },
    )
    .await
}

/// Names of the databases pg_dumpall dumps (connectable, not invalid):
/// template1 first, then by name.
pub(crate) async fn dumpable_databases(cat: &Catalog<'_>) -> Result<Vec<String>, CatalogError> {
    query_decode(
        cat,
        "SELECT datname FROM pg_catalog.pg_database d \
         WHERE datallowconn AND datconnlimit != -2 \
         ORDER BY (datname <> 'template1'), datname",
        |r| r.text(0),
    )
    .await
}

/// Names of the databases matching any of the given anchored regular
/// expressions (psql patterns already converted), evaluated by the server
/// so the matching is exactly PostgreSQL's.
pub(crate) async fn databases_matching(
    cat: &Catalog<'_>,
    regexes: &[String],
) -> Result<Vec<String>, CatalogError> {
    if regexes.is_empty() {
        return Ok(Vec::new());
    }
    let params: Vec<Raw> = regexes.iter().map(|r| Raw(r.clone())).collect();
    let sql = "SELECT datname FROM pg_catalog.pg_database n \
             WHERE EXISTS (SELECT 1 FROM pg_catalog.unnest($1::pg_catalog.text[]) AS p(re) \
             WHERE n.datname OPERATOR(pg_catalog.~) (p.re COLLATE pg_catalog.default))";
    let rows =
        cat.client.query(sql, &[&params]).await.map_err(|e| {
            CatalogError::query(e, "SELECT datname FROM pg_catalog.pg_database ...")
        })?;
    Ok(Rows::new(sql, rows).decode(|r| r.text(0))?)
}
