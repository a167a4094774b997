//! The server's configuration, for `--include-config`: settings that are
//! not at their defaults, and the rules of pg_hba.conf and pg_ident.conf
//! as the server has parsed them. One query per kind.

use super::{query, query_decode, Catalog, CatalogError};

/// A setting not at its default, from a server-wide source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Setting {
    pub name: String,
    /// `current_setting(name)`: the value with its unit, as SHOW prints it.
    pub value: String,
    /// pg_settings.source (`configuration file`, `command line`, ...).
    pub source: String,
    /// The file it was set in (None unless the role may see it).
    pub file: Option<String>,
}

/// What the role may read of the configuration views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ConfigAccess {
    pub file_settings: bool,
    pub hba: bool,
    /// None before PostgreSQL 15 (no pg_ident_file_mappings).
    pub ident: Option<bool>,
}

/// Settings from server-wide sources (per-database and per-role settings
/// are in the dump already; the session's own and `override`, which the
/// server computes, are not configuration).
pub(crate) async fn settings(cat: &Catalog<'_>) -> Result<Vec<Setting>, CatalogError> {
    query_decode(
        cat,
        "SELECT name, pg_catalog.current_setting(name), source, sourcefile \
         FROM pg_catalog.pg_settings \
         WHERE source NOT IN ('default', 'override', 'client', 'session', \
         'database', 'user', 'database user') \
         ORDER BY source, name",
        |r| {
            Ok(Setting {
                name: r.text(0)?,
                value: r.text(1)?,
                source: r.text(2)?,
                file: r.opt_text(3)?,
            })
        },
    )
    .await
}

/// Which configuration views the role may read.
pub(crate) async fn access(cat: &Catalog<'_>) -> Result<ConfigAccess, CatalogError> {
    let ident = if cat.at_least(15) {
        "pg_catalog.has_table_privilege('pg_catalog.pg_ident_file_mappings', 'SELECT')"
    } else {
        "NULL::bool"
    };
    let sql = format!(
        "SELECT pg_catalog.has_table_privilege('pg_catalog.pg_file_settings', 'SELECT'), \
         pg_catalog.has_table_privilege('pg_catalog.pg_hba_file_rules', 'SELECT'), {ident}"
    );
    let rows = query(cat, &sql).await?;
    let row = rows.one()?;
    Ok(ConfigAccess {
        file_settings: row.col(0)?,
        hba: row.col(1)?,
        ident: row.opt(2)?,
    })
}

/// The settings ALTER SYSTEM wrote (postgresql.auto.conf), as written
/// there: (name, value), whether or not the session overrides them.
pub(crate) async fn alter_system_settings(
    cat: &Catalog<'_>,
) -> Result<Vec<(String, String)>, CatalogError> {
    query_decode(
        cat,
        "SELECT name, setting FROM pg_catalog.pg_file_settings \
         WHERE sourcefile LIKE '%/postgresql.auto.conf' AND name IS NOT NULL \
         ORDER BY seqno",
        |r| Ok((r.text(0)?, r.opt_text(1)?.unwrap_or_default())),
    )
    .await
}

/// pg_hba.conf's rules, one line each as the file would hold it (or the
/// server's error for a line it could not parse).
pub(crate) async fn hba_rules(cat: &Catalog<'_>) -> Result<Vec<String>, CatalogError> {
    query_decode(
        cat,
        "SELECT coalesce('# error: ' || error, pg_catalog.concat_ws(' ', type, \
         pg_catalog.array_to_string(database, ','), \
         pg_catalog.array_to_string(user_name, ','), address, netmask, auth_method, \
         pg_catalog.array_to_string(options, ' '))) \
         FROM pg_catalog.pg_hba_file_rules ORDER BY line_number",
        |r| r.text(0),
    )
    .await
}

/// pg_ident.conf's mappings (PostgreSQL 15 and later).
pub(crate) async fn ident_mappings(cat: &Catalog<'_>) -> Result<Vec<String>, CatalogError> {
    query_decode(
        cat,
        "SELECT coalesce('# error: ' || error, \
         pg_catalog.concat_ws(' ', map_name, sys_name, pg_username)) \
         FROM pg_catalog.pg_ident_file_mappings ORDER BY line_number",
        |r| r.text(0),
    )
    .await
}
