//! The current database's own row and settings, and the per-object
//! metadata every family shares (comments, security labels, initial
//! privileges).

use crate::pg::version::at_least;
use std::collections::HashMap;

use super::{query, Catalog, CatalogError};
use crate::pg::oid::ObjectAddress;

#[derive(Debug, Clone)]
pub(crate) struct DatabaseRow {
    /// The directory format names each database's archive by it.
    pub oid: u32,
    pub name: String,
    pub owner: String,
    pub encoding: String,
    pub collate: String,
    pub ctype: String,
    /// `c` libc, `i` icu, `b` builtin.
    pub locale_provider: char,
    /// ICU or builtin locale (15+).
    pub locale: Option<String>,
    pub icu_rules: Option<String>,
    pub acl: Option<String>,
    pub acl_default: String,
    pub is_template: bool,
    pub connection_limit: i32,
    pub tablespace: String,
    pub comment: Option<String>,
    pub security_labels: Vec<(String, String)>,
    /// `ALTER DATABASE ... SET` items (setrole = 0).
    pub settings: Vec<String>,
    /// `(role, item)` for `ALTER ROLE ... IN DATABASE ... SET`.
    pub role_settings: Vec<(String, String)>,
}

pub(crate) async fn current_database(cat: &Catalog<'_>) -> Result<DatabaseRow, CatalogError> {
    let v = cat.server_version_num;
    let provider = if at_least(v, 15) {
        "d.datlocprovider"
    } else {
        "'c'::\"char\""
    };
    let locale = if at_least(v, 17) {
        "d.datlocale"
    } else if at_least(v, 15) {
        "d.daticulocale"
    } else {
        "NULL::text"
    };
    let rules = if at_least(v, 16) {
        "d.daticurules"
    } else {
        "NULL::text"
    };
    let sql = format!(
        "SELECT d.oid, d.datname, pg_catalog.pg_get_userbyid(d.datdba), \
         pg_catalog.pg_encoding_to_char(d.encoding), d.datcollate, d.datctype, \
         {provider}::text, {locale}, {rules}, d.datacl::text, \
         pg_catalog.acldefault('d', d.datdba)::text, d.datistemplate, d.datconnlimit, \
         t.spcname, pg_catalog.shobj_description(d.oid, 'pg_database') \
         FROM pg_catalog.pg_database d \
         JOIN pg_catalog.pg_tablespace t ON t.oid = d.dattablespace \
         WHERE d.datname = pg_catalog.current_database()"
    );
    let rows = query(cat, &sql).await?;
    let r = rows.one()?;
    let oid: u32 = r.col(0)?;
    let provider: String = r.text(6)?;
    let mut db = DatabaseRow {
        oid,
        name: r.text(1)?,
        owner: r.text(2)?,
        encoding: r.text(3)?,
        collate: r.text(4)?,
        ctype: r.text(5)?,
        locale_provider: provider.chars().next().unwrap_or('c'),
        locale: r.opt_text(7)?,
        icu_rules: r.opt_text(8)?,
        acl: r.opt_text(9)?,
        acl_default: r.text(10)?,
        is_template: r.col(11)?,
        connection_limit: r.col(12)?,
        tablespace: r.text(13)?,
        comment: r.opt_text(14)?,
        security_labels: Vec::new(),
        settings: Vec::new(),
        role_settings: Vec::new(),
    };
    db.security_labels = security_labels(cat, oid).await?;
    (db.settings, db.role_settings) = settings(cat, oid).await?;
    Ok(db)
}

/// The database's security labels, `(provider, label)`.
async fn security_labels(
    cat: &Catalog<'_>,
    oid: u32,
) -> Result<Vec<(String, String)>, CatalogError> {
    let labels = query(
        cat,
        &format!(
            "SELECT provider, label FROM pg_catalog.pg_shseclabel \
             WHERE classoid = 'pg_catalog.pg_database'::pg_catalog.regclass AND objoid = {oid} \
             ORDER BY provider"
        ),
    )
    .await?;
    Ok(labels.decode(|r| Ok((r.text(0)?, r.text(1)?)))?)
}

/// `ALTER DATABASE ... SET` items, and `(role, item)` for the
/// `ALTER ROLE ... IN DATABASE ... SET` ones.
async fn settings(
    cat: &Catalog<'_>,
    oid: u32,
) -> Result<(Vec<String>, Vec<(String, String)>), CatalogError> {
    let rows = query(
        cat,
        &format!(
            "SELECT s.setrole, pg_catalog.pg_get_userbyid(s.setrole), c.cfg \
             FROM pg_catalog.pg_db_role_setting s, \
             pg_catalog.unnest(s.setconfig) WITH ORDINALITY AS c(cfg, n) \
             WHERE s.setdatabase = {oid} \
             ORDER BY (s.setrole <> 0), s.setrole, c.n"
        ),
    )
    .await?;
    let (mut own, mut per_role) = (Vec::new(), Vec::new());
    for row in &rows {
        let role: u32 = row.col(0)?;
        let item = row.text(2)?;
        if role == 0 {
            own.push(item);
        } else {
            per_role.push((row.text(1)?, item));
        }
    }
    Ok((own, per_role))
}

/// Comments, security labels and initial privileges of every object.
#[derive(Debug, Default)]
pub(crate) struct Metadata {
    pub comments: HashMap<ObjectAddress, String>,
    pub security_labels: HashMap<ObjectAddress, Vec<(String, String)>>,
    pub init_privs: HashMap<ObjectAddress, String>,
}

pub(crate) async fn metadata(cat: &Catalog<'_>) -> Result<Metadata, CatalogError> {
    let mut meta = Metadata::default();
    // Only initdb makes objects below 16384, and of those a dump writes
    // the comment of the public schema alone (pg_catalog's objects print
    // only their privileges). Large objects take any OID. The 4,800
    // comments on system objects were most of this query's cost on a
    // small database, and of the client's memory for it.
    for r in &query(
        cat,
        "SELECT classoid, objoid, objsubid, description FROM pg_catalog.pg_description \
         WHERE objoid >= 16384 OR classoid = 'pg_catalog.pg_largeobject'::pg_catalog.regclass \
         OR (classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND objoid = 2200)",
    )
    .await?
    {
        meta.comments
            .insert((r.col(0)?, r.col(1)?, r.col(2)?), r.text(3)?);
    }
    // (A subscription is a shared object: its label lives in pg_shseclabel,
    // and pg_dump writes it with the database's other objects.)
    for r in &query(
        cat,
        "SELECT classoid, objoid, objsubid, provider, label FROM pg_catalog.pg_seclabel \
         UNION ALL SELECT classoid, objoid, 0, provider, label FROM pg_catalog.pg_shseclabel \
         WHERE classoid = 'pg_catalog.pg_subscription'::pg_catalog.regclass \
         ORDER BY 1, 2, 3, 4",
    )
    .await?
    {
        meta.security_labels
            .entry((r.col(0)?, r.col(1)?, r.col(2)?))
            .or_default()
            .push((r.text(3)?, r.text(4)?));
    }
    for r in &query(
        cat,
        "SELECT classoid, objoid, objsubid, initprivs::text FROM pg_catalog.pg_init_privs",
    )
    .await?
    {
        meta.init_privs
            .insert((r.col(0)?, r.col(1)?, r.col(2)?), r.text(3)?);
    }
    Ok(meta)
}
