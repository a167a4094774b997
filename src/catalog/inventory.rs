//! What a database holds that this version cannot dump yet.
//!
//! A dump that silently leaves something out is the worst bug a backup tool
//! can have, so before dumping a database we list every user object of a
//! kind (or with a feature) not implemented yet; the dump fails naming the
//! first one. Each family removes its line here when it lands.

use super::{query, Catalog, CatalogError, USER_NS};

/// `NOT (object is an extension member)` for a catalog and an OID column.
fn not_member(catalog: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.{catalog}'::pg_catalog.regclass \
         AND e.objid = {oid} AND e.deptype = 'e')"
    )
}

/// One query per unsupported kind: `(kind, name)` rows.
fn checks(server_version_num: i32) -> Vec<String> {
    let rel_member = not_member("pg_class", "c.oid");
    let mut v = vec![
        format!(
            "SELECT 'FOREIGN TABLE', n.nspname || '.' || c.relname \
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind = 'f' AND {USER_NS} AND {rel_member}"
        ),
        format!(
            "SELECT 'OPERATOR', n.nspname || '.' || o.oprname FROM pg_catalog.pg_operator o \
             JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace WHERE {USER_NS} AND {}",
            not_member("pg_operator", "o.oid")
        ),
        format!(
            "SELECT 'OPERATOR CLASS', n.nspname || '.' || o.opcname FROM pg_catalog.pg_opclass o \
             JOIN pg_catalog.pg_namespace n ON n.oid = o.opcnamespace WHERE {USER_NS} AND {}",
            not_member("pg_opclass", "o.oid")
        ),
        format!(
            "SELECT 'OPERATOR FAMILY', n.nspname || '.' || o.opfname FROM pg_catalog.pg_opfamily o \
             JOIN pg_catalog.pg_namespace n ON n.oid = o.opfnamespace WHERE {USER_NS} AND {}",
            not_member("pg_opfamily", "o.oid")
        ),
        format!(
            "SELECT 'COLLATION', n.nspname || '.' || c.collname FROM pg_catalog.pg_collation c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace WHERE {USER_NS} AND {}",
            not_member("pg_collation", "c.oid")
        ),
        format!(
            "SELECT 'CONVERSION', n.nspname || '.' || c.conname FROM pg_catalog.pg_conversion c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace WHERE {USER_NS} AND {}",
            not_member("pg_conversion", "c.oid")
        ),
        format!(
            "SELECT 'CAST', c.castsource::pg_catalog.regtype::text || ' AS ' || c.casttarget::pg_catalog.regtype::text \
             FROM pg_catalog.pg_cast c WHERE c.oid >= 16384 \
             AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_range r \
               WHERE c.castsource = r.rngtypid AND c.casttarget = r.rngmultitypid) AND {}",
            not_member("pg_cast", "c.oid")
        ),
        format!(
            "SELECT 'TEXT SEARCH PARSER', p.prsname::text FROM pg_catalog.pg_ts_parser p WHERE p.oid >= 16384 AND {}",
            not_member("pg_ts_parser", "p.oid")
        ),
        format!(
            "SELECT 'TEXT SEARCH TEMPLATE', t.tmplname::text FROM pg_catalog.pg_ts_template t WHERE t.oid >= 16384 AND {}",
            not_member("pg_ts_template", "t.oid")
        ),
        format!(
            "SELECT 'TEXT SEARCH DICTIONARY', d.dictname::text FROM pg_catalog.pg_ts_dict d WHERE d.oid >= 16384 AND {}",
            not_member("pg_ts_dict", "d.oid")
        ),
        format!(
            "SELECT 'TEXT SEARCH CONFIGURATION', c.cfgname::text FROM pg_catalog.pg_ts_config c WHERE c.oid >= 16384 AND {}",
            not_member("pg_ts_config", "c.oid")
        ),
        format!(
            "SELECT 'FOREIGN DATA WRAPPER', w.fdwname::text FROM pg_catalog.pg_foreign_data_wrapper w WHERE {}",
            not_member("pg_foreign_data_wrapper", "w.oid")
        ),
        format!(
            "SELECT 'SERVER', s.srvname::text FROM pg_catalog.pg_foreign_server s WHERE {}",
            not_member("pg_foreign_server", "s.oid")
        ),
        "SELECT 'USER MAPPING', m.usename || ' SERVER ' || m.srvname FROM pg_catalog.pg_user_mappings m".to_string(),
        format!(
            "SELECT 'TRANSFORM', t.trftype::pg_catalog.regtype::text FROM pg_catalog.pg_transform t WHERE {}",
            not_member("pg_transform", "t.oid")
        ),
        format!(
            "SELECT 'ACCESS METHOD', a.amname::text FROM pg_catalog.pg_am a WHERE a.oid >= 16384 AND {}",
            not_member("pg_am", "a.oid")
        ),
    ];
    let _ = server_version_num;
    v.iter_mut().for_each(|q| q.push_str(" LIMIT 5"));
    v
}

/// Whether any catalog the checks look at holds a user object at all: a
/// cheap test (no joins to plan) that lets the common database skip the
/// detailed checks. It may say yes for extension members; never no for an
/// object the checks would report.
fn candidates_exist() -> String {
    let mut tests = vec![
        "EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE relkind = 'f')".to_string(),
        // (Views and columns a non-superuser may read.)
        "EXISTS (SELECT 1 FROM pg_catalog.pg_user_mappings)".to_string(),
        "EXISTS (SELECT 1 FROM pg_catalog.pg_foreign_data_wrapper)".to_string(),
        "EXISTS (SELECT 1 FROM pg_catalog.pg_foreign_server)".to_string(),
        "EXISTS (SELECT 1 FROM pg_catalog.pg_transform)".to_string(),
    ];
    for catalog in [
        "pg_operator",
        "pg_opclass",
        "pg_opfamily",
        "pg_collation",
        "pg_conversion",
        "pg_cast",
        "pg_ts_parser",
        "pg_ts_template",
        "pg_ts_dict",
        "pg_ts_config",
        "pg_am",
    ] {
        tests.push(format!(
            "EXISTS (SELECT 1 FROM pg_catalog.{catalog} WHERE oid >= 16384)"
        ));
    }
    format!("SELECT {}", tests.join(" OR "))
}

/// `(kind, qualified name)` of objects that cannot be dumped yet.
pub(crate) async fn unsupported_objects(
    cat: &Catalog<'_>,
) -> Result<Vec<(String, String)>, CatalogError> {
    let any: bool = query(cat, &candidates_exist()).await?.one()?.col(0)?;
    if !any {
        return Ok(Vec::new());
    }
    let sql = checks(cat.server_version_num)
        .into_iter()
        .map(|q| format!("({q})"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let rows = query(cat, &sql).await?;
    Ok(rows.decode(|r| Ok((r.text(0)?, r.text(1)?)))?)
}
