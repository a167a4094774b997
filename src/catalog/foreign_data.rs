//! Foreign data wrappers, foreign servers and user mappings
//! (`pg_foreign_data_wrapper`, `pg_foreign_server`, `pg_user_mappings`),
//! read in bulk.
//!
//! OPTIONS lists are built on the server exactly as pg_dump builds them
//! (`quote_ident(name) || ' ' || quote_literal(value)`, sorted by name,
//! joined with `,␤    `): the server's keyword list and collation decide
//! quoting and order. User mappings come from `pg_user_mappings`, which a
//! non-superuser may read (options it may not see are NULL there).

use super::census::Family;
use super::{query_decode, Catalog, CatalogError};

/// The OPTIONS list of an options array column, as pg_dump reads it;
/// NULL when the column is (most columns of most tables: the subquery is
/// skipped for them).
pub(crate) fn options_list(column: &str) -> String {
    format!(
        "CASE WHEN {column} IS NOT NULL THEN pg_catalog.array_to_string(ARRAY(\
         SELECT pg_catalog.quote_ident(option_name) || ' ' || \
         pg_catalog.quote_literal(option_value) FROM pg_catalog.pg_options_to_table({column}) \
         ORDER BY option_name), E',\\n    ') END"
    )
}

/// One foreign data wrapper.
#[derive(Debug, Clone, Default)]
pub(crate) struct WrapperRow {
    pub oid: u32,
    pub name: String,
    pub owner: String,
    /// regproc text, `-` when none.
    pub handler: String,
    /// regproc text, `-` when none.
    pub validator: String,
    pub acl: Option<String>,
    pub acl_default: String,
    /// The OPTIONS list, empty when none.
    pub options: String,
}

/// One user mapping of a server.
#[derive(Debug, Clone, Default)]
pub(crate) struct UserMappingRow {
    /// The role's name, `public` for PUBLIC.
    pub user: String,
    /// The OPTIONS list, empty when none or not visible.
    pub options: String,
}

/// One foreign server with its user mappings.
#[derive(Debug, Clone, Default)]
pub(crate) struct ServerRow {
    pub oid: u32,
    pub name: String,
    pub owner: String,
    pub wrapper: String,
    pub server_type: Option<String>,
    pub version: Option<String>,
    pub acl: Option<String>,
    pub acl_default: String,
    /// The OPTIONS list, empty when none.
    pub options: String,
    /// In user name order.
    pub user_mappings: Vec<UserMappingRow>,
}

/// Every foreign data wrapper, in OID order.
pub(crate) async fn wrappers(cat: &Catalog<'_>) -> Result<Vec<WrapperRow>, CatalogError> {
    if !cat.may_have(Family::ForeignData) {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT w.oid, w.fdwname, pg_catalog.pg_get_userbyid(w.fdwowner), \
         w.fdwhandler::pg_catalog.regproc::text, w.fdwvalidator::pg_catalog.regproc::text, \
         w.fdwacl::text, pg_catalog.acldefault('F', w.fdwowner)::text, {} \
         FROM pg_catalog.pg_foreign_data_wrapper w ORDER BY w.oid",
        options_list("w.fdwoptions")
    );
    query_decode(cat, &sql, |r| {
        Ok(WrapperRow {
            oid: r.col(0)?,
            name: r.text(1)?,
            owner: r.text(2)?,
            handler: r.text(3)?,
            validator: r.text(4)?,
            acl: r.opt_text(5)?,
            acl_default: r.text(6)?,
            options: r.opt_text(7)?.unwrap_or_default(),
        })
    })
    .await
}

/// Every foreign server with its user mappings, in OID order (two
/// queries: the servers, then every mapping).
pub(crate) async fn servers(cat: &Catalog<'_>) -> Result<Vec<ServerRow>, CatalogError> {
    if !cat.may_have(Family::ForeignData) {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT s.oid, s.srvname, pg_catalog.pg_get_userbyid(s.srvowner), w.fdwname, \
         s.srvtype, s.srvversion, s.srvacl::text, pg_catalog.acldefault('S', s.srvowner)::text, {} \
         FROM pg_catalog.pg_foreign_server s \
         JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw ORDER BY s.oid",
        options_list("s.srvoptions")
    );
    let mut servers = query_decode(cat, &sql, |r| {
        Ok(ServerRow {
            oid: r.col(0)?,
            name: r.text(1)?,
            owner: r.text(2)?,
            wrapper: r.text(3)?,
            server_type: r.opt_text(4)?,
            version: r.opt_text(5)?,
            acl: r.opt_text(6)?,
            acl_default: r.text(7)?,
            options: r.opt_text(8)?.unwrap_or_default(),
            user_mappings: Vec::new(),
        })
    })
    .await?;
    let sql = format!(
        "SELECT m.srvid, m.usename, {} FROM pg_catalog.pg_user_mappings m \
         ORDER BY m.srvid, m.usename",
        options_list("m.umoptions")
    );
    let mappings = query_decode(cat, &sql, |r| {
        Ok((
            r.col::<u32>(0)?,
            UserMappingRow {
                user: r.text(1)?,
                options: r.opt_text(2)?.unwrap_or_default(),
            },
        ))
    })
    .await?;
    let index: std::collections::HashMap<u32, usize> = servers
        .iter()
        .enumerate()
        .map(|(i, s)| (s.oid, i))
        .collect();
    for (server, mapping) in mappings {
        if let Some(&i) = index.get(&server) {
            servers[i].user_mappings.push(mapping);
        }
    }
    Ok(servers)
}
