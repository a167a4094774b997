//! Text search parsers, templates, dictionaries and configurations
//! (`pg_ts_parser`, `pg_ts_template`, `pg_ts_dict`, `pg_ts_config`,
//! `pg_ts_config_map`), read in bulk.
//!
//! Every row is read, system ones included, as pg_dump collects them all:
//! objects never printed still take part in the sort. Function names are
//! `regproc` text and dictionary names `regdictionary` text, printed by
//! the server under the session's empty search_path (so qualified unless
//! in pg_catalog), as pg_dump prints them.

use super::{query, query_decode, Catalog, CatalogError};

/// One parser.
#[derive(Debug, Clone, Default)]
pub(crate) struct ParserRow {
    pub oid: u32,
    pub name: String,
    pub schema: String,
    pub start: String,
    pub token: String,
    pub end: String,
    /// None when the parser has no headline function.
    pub headline: Option<String>,
    pub lextype: String,
}

/// One template.
#[derive(Debug, Clone, Default)]
pub(crate) struct TemplateRow {
    pub oid: u32,
    pub name: String,
    pub schema: String,
    /// None when the template has no init function.
    pub init: Option<String>,
    pub lexize: String,
}

/// One dictionary.
#[derive(Debug, Clone, Default)]
pub(crate) struct DictionaryRow {
    pub oid: u32,
    pub name: String,
    pub schema: String,
    pub owner: String,
    pub template_schema: String,
    pub template: String,
    /// `dictinitoption`, printed verbatim.
    pub options: Option<String>,
}

/// One configuration with its mappings.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConfigurationRow {
    pub oid: u32,
    pub name: String,
    pub schema: String,
    pub owner: String,
    pub parser_schema: String,
    pub parser: String,
    /// `(token alias, dictionary)` in token type then sequence order.
    pub mappings: Vec<(String, String)>,
}

/// Every parser, in OID order.
pub(crate) async fn parsers(cat: &Catalog<'_>) -> Result<Vec<ParserRow>, CatalogError> {
    query_decode(
        cat,
        "SELECT p.oid, p.prsname, n.nspname, p.prsstart::pg_catalog.regproc::text, \
         p.prstoken::pg_catalog.regproc::text, p.prsend::pg_catalog.regproc::text, \
         CASE WHEN p.prsheadline <> 0 THEN p.prsheadline::pg_catalog.regproc::text END, \
         p.prslextype::pg_catalog.regproc::text \
         FROM pg_catalog.pg_ts_parser p JOIN pg_catalog.pg_namespace n ON n.oid = p.prsnamespace \
         ORDER BY p.oid",
        |r| {
            Ok(ParserRow {
                oid: r.col(0)?,
                name: r.text(1)?,
                schema: r.text(2)?,
                start: r.text(3)?,
                token: r.text(4)?,
                end: r.text(5)?,
                headline: r.opt_text(6)?,
                lextype: r.text(7)?,
            })
        },
    )
    .await
}

/// Every template, in OID order.
pub(crate) async fn templates(cat: &Catalog<'_>) -> Result<Vec<TemplateRow>, CatalogError> {
    let sql = "SELECT t.oid, t.tmplname, n.nspname, \
         CASE WHEN t.tmplinit <> 0 THEN t.tmplinit::pg_catalog.regproc::text END, \
         t.tmpllexize::pg_catalog.regproc::text \
         FROM pg_catalog.pg_ts_template t JOIN pg_catalog.pg_namespace n ON n.oid = t.tmplnamespace \
         ORDER BY t.oid";
    query_decode(cat, sql, |r| {
        Ok(TemplateRow {
            oid: r.col(0)?,
            name: r.text(1)?,
            schema: r.text(2)?,
            init: r.opt_text(3)?,
            lexize: r.text(4)?,
        })
    })
    .await
}

/// Every dictionary, in OID order.
pub(crate) async fn dictionaries(cat: &Catalog<'_>) -> Result<Vec<DictionaryRow>, CatalogError> {
    query_decode(
        cat,
        "SELECT d.oid, d.dictname, n.nspname, pg_catalog.pg_get_userbyid(d.dictowner), \
         tn.nspname, t.tmplname, d.dictinitoption \
         FROM pg_catalog.pg_ts_dict d JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace \
         JOIN pg_catalog.pg_ts_template t ON t.oid = d.dicttemplate \
         JOIN pg_catalog.pg_namespace tn ON tn.oid = t.tmplnamespace \
         ORDER BY d.oid",
        |r| {
            Ok(DictionaryRow {
                oid: r.col(0)?,
                name: r.text(1)?,
                schema: r.text(2)?,
                owner: r.text(3)?,
                template_schema: r.text(4)?,
                template: r.text(5)?,
                options: r.opt_text(6)?,
            })
        },
    )
    .await
}

/// Every configuration with its mappings, in OID order (two queries: the
/// configurations, then every mapping).
pub(crate) async fn configurations(
    cat: &Catalog<'_>,
) -> Result<Vec<ConfigurationRow>, CatalogError> {
    let mut configs = query_decode(
        cat,
        "SELECT c.oid, c.cfgname, n.nspname, pg_catalog.pg_get_userbyid(c.cfgowner), \
         pn.nspname, p.prsname \
         FROM pg_catalog.pg_ts_config c JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace \
         JOIN pg_catalog.pg_ts_parser p ON p.oid = c.cfgparser \
         JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace \
         ORDER BY c.oid",
        |r| {
            Ok(ConfigurationRow {
                oid: r.col(0)?,
                name: r.text(1)?,
                schema: r.text(2)?,
                owner: r.text(3)?,
                parser_schema: r.text(4)?,
                parser: r.text(5)?,
                mappings: Vec::new(),
            })
        },
    )
    .await?;
    // Only user configurations' mappings print; the token aliases come
    // from each one's parser.
    if !configs.iter().any(|c| c.oid >= 16384) {
        return Ok(configs);
    }
    let maps = query(
        cat,
        "SELECT m.mapcfg, t.alias, m.mapdict::pg_catalog.regdictionary::text \
         FROM pg_catalog.pg_ts_config_map m \
         JOIN pg_catalog.pg_ts_config c ON c.oid = m.mapcfg \
         CROSS JOIN LATERAL pg_catalog.ts_token_type(c.cfgparser) t \
         WHERE t.tokid = m.maptokentype AND c.oid >= 16384 \
         ORDER BY m.mapcfg, m.maptokentype, m.mapseqno",
    )
    .await?;
    let maps = maps.decode(|r| Ok((r.col::<u32>(0)?, r.text(1)?, r.text(2)?)))?;
    let index: std::collections::HashMap<u32, usize> = configs
        .iter()
        .enumerate()
        .map(|(i, c)| (c.oid, i))
        .collect();
    for (cfg, alias, dict) in maps {
        if let Some(&i) = index.get(&cfg) {
            configs[i].mappings.push((alias, dict));
        }
    }
    Ok(configs)
}
