//! Text search parsers, templates, dictionaries and configurations:
//! CREATE statements, owners (dictionaries and configurations only) and
//! comments (these kinds take no security labels). System objects and extension members are collected (they
//! take part in the sort) but print nothing: these kinds have no ACL.

use std::sync::Arc;

use crate::archive::{Archive, DumpId, DumpObject, Entry, Kind, Render, RenderContext, Section};
use crate::catalog::text_search::{self, ConfigurationRow, DictionaryRow, ParserRow, TemplateRow};
use crate::catalog::{Catalog, CatalogError};
use crate::pg::oid::{PG_TS_CONFIG, PG_TS_DICT, PG_TS_PARSER, PG_TS_TEMPLATE};
use crate::sql::text_search as sql;

use super::schemas::is_system_schema;
use super::{comment_entry, Satellite};

/// Reads the four kinds, in pg_dump's collection order, and adds them.
pub(crate) async fn collect(cat: &Catalog<'_>, archive: &mut Archive) -> Result<(), CatalogError> {
    for p in text_search::parsers(cat).await? {
        add(archive, Kind::TsParser, PG_TS_PARSER, TextSearch::Parser(p));
    }
    for t in text_search::templates(cat).await? {
        add(
            archive,
            Kind::TsTemplate,
            PG_TS_TEMPLATE,
            TextSearch::Template(t),
        );
    }
    for d in text_search::dictionaries(cat).await? {
        add(archive, Kind::TsDict, PG_TS_DICT, TextSearch::Dictionary(d));
    }
    for c in text_search::configurations(cat).await? {
        add(
            archive,
            Kind::TsConfig,
            PG_TS_CONFIG,
            TextSearch::Configuration(c),
        );
    }
    Ok(())
}

fn add(archive: &mut Archive, kind: Kind, classid: u32, row: TextSearch) {
    let (oid, schema, name) = row.identity();
    let mut obj = DumpObject::new(
        kind,
        (classid, oid),
        Some(schema.to_string()),
        name.to_string(),
    );
    obj.dump = !is_system_schema(schema);
    obj.render = Some(Arc::new(row));
    archive.add(obj);
}

/// One text search object's row.
#[derive(Debug)]
enum TextSearch {
    Parser(ParserRow),
    Template(TemplateRow),
    Dictionary(DictionaryRow),
    Configuration(ConfigurationRow),
}

impl TextSearch {
    /// `(oid, schema, name)`.
    fn identity(&self) -> (u32, &str, &str) {
        match self {
            TextSearch::Parser(r) => (r.oid, &r.schema, &r.name),
            TextSearch::Template(r) => (r.oid, &r.schema, &r.name),
            TextSearch::Dictionary(r) => (r.oid, &r.schema, &r.name),
            TextSearch::Configuration(r) => (r.oid, &r.schema, &r.name),
        }
    }

    /// The entry type and the catalog it lives in.
    fn keyword_and_class(&self) -> (&'static str, u32) {
        match self {
            TextSearch::Parser(_) => ("TEXT SEARCH PARSER", PG_TS_PARSER),
            TextSearch::Template(_) => ("TEXT SEARCH TEMPLATE", PG_TS_TEMPLATE),
            TextSearch::Dictionary(_) => ("TEXT SEARCH DICTIONARY", PG_TS_DICT),
            TextSearch::Configuration(_) => ("TEXT SEARCH CONFIGURATION", PG_TS_CONFIG),
        }
    }

    /// The owner; parsers and templates have none.
    fn owner(&self) -> Option<&str> {
        match self {
            TextSearch::Parser(_) | TextSearch::Template(_) => None,
            TextSearch::Dictionary(r) => Some(&r.owner),
            TextSearch::Configuration(r) => Some(&r.owner),
        }
    }

    fn definition(&self, q: &crate::pg::quote::Quoting) -> String {
        match self {
            TextSearch::Parser(r) => sql::create_parser(q, r),
            TextSearch::Template(r) => sql::create_template(q, r),
            TextSearch::Dictionary(r) => sql::create_dictionary(q, r),
            TextSearch::Configuration(r) => sql::create_configuration(q, r),
        }
    }
}

impl Render for TextSearch {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        if !archive.objects[id].dump {
            return Vec::new();
        }
        let q = &ctx.quoting;
        let (oid, schema, name) = self.identity();
        let (keyword, classid) = self.keyword_and_class();
        let owner = self.owner();
        let qualified = q.qualified(schema, name);
        let mut entries = vec![Entry {
            tag: name.to_string(),
            desc: keyword.into(),
            schema: Some(schema.to_string()),
            owner: owner.map(str::to_string),
            defn: self.definition(q),
            owner_object: owner.map(|_| format!("{keyword} {qualified}")),
            drop_stmt: Some(format!("DROP {keyword} {qualified};\n")),
            section: Some(Section::PreData),
            ..Entry::default()
        }];
        let tag_name = q.ident(name);
        let sat = Satellite {
            keyword,
            tag_name: &tag_name,
            sql_name: &qualified,
            schema: Some(schema),
            // Comments of owner-less objects show an empty owner.
            owner: Some(owner.unwrap_or("")),
            address: (classid, oid, 0),
        };
        entries.extend(comment_entry(ctx, &sat));
        entries
    }
}
