//! Functions, procedures, aggregates and procedural languages: CREATE
//! statements, comments, labels and ACLs (for extension members and
//! pg_catalog routines, only ACL changes).

use crate::pg::oid::{PG_LANGUAGE, PG_PROC};
use std::sync::Arc;

use crate::archive::{
    Archive, ArgsTie, DumpId, DumpObject, Entry, Kind, Render, RenderContext, Section, TieBreak,
};
use crate::catalog::helper::SharedRead;
use crate::catalog::routines::{self, AggregateRow, ArgTypes, FunctionRow, LanguageRow};
use crate::catalog::{Catalog, CatalogError};
use crate::pg::quote::Quoting;
use crate::sql::routines as sql;

use super::schemas::is_system_schema;
use super::{acl_entry, comment_entry, security_label_entry, AclSpec, Satellite};

/// The S5 tie-breaker of a routine.
fn tie(args: &ArgTypes) -> TieBreak {
    TieBreak::Args(Box::new(ArgsTie {
        count: args.sort_keys.len(),
        types: args
            .sort_keys
            .iter()
            .map(|k| k.clone().unwrap_or_default())
            .collect(),
    }))
}

/// Whether objects of a schema are dumped at all (pg_catalog objects only
/// for their ACL changes).
fn schema_dumped(schema: &str) -> bool {
    !is_system_schema(schema) || schema == "pg_catalog"
}

/// Whether an object prints only its ACL: extension members and objects
/// in pg_catalog.
fn acl_only(obj: &DumpObject) -> bool {
    obj.extension.is_some() || obj.schema.as_deref() == Some("pg_catalog")
}

/// Reads every function and procedure and adds it to the archive.
pub(crate) async fn collect_functions(
    cat: &Catalog<'_>,
    archive: &mut Archive,
) -> Result<(), CatalogError> {
    for f in cat
        .shared(SharedRead::Functions, routines::functions(cat))
        .await?
    {
        let mut obj = DumpObject::new(
            Kind::Func,
            (PG_PROC, f.oid),
            Some(f.schema.clone()),
            f.name.clone(),
        );
        obj.tie = tie(&f.args);
        obj.dump = schema_dumped(&f.schema);
        obj.render = Some(Arc::new(FunctionRender(f)));
        archive.add(obj);
    }
    Ok(())
}

/// Reads every aggregate and adds it to the archive.
pub(crate) async fn collect_aggregates(
    cat: &Catalog<'_>,
    archive: &mut Archive,
) -> Result<(), CatalogError> {
    for a in routines::aggregates(cat).await? {
        let mut obj = DumpObject::new(
            Kind::Agg,
            (PG_PROC, a.oid),
            Some(a.schema.clone()),
            a.name.clone(),
        );
        obj.tie = tie(&a.args);
        obj.dump = schema_dumped(&a.schema);
        obj.render = Some(Arc::new(AggregateRender(a)));
        archive.add(obj);
    }
    Ok(())
}

/// Reads every procedural language and adds it to the archive.
pub(crate) async fn collect_languages(
    cat: &Catalog<'_>,
    archive: &mut Archive,
) -> Result<(), CatalogError> {
    for l in routines::languages(cat).await? {
        let obj = DumpObject::new(Kind::ProcLang, (PG_LANGUAGE, l.oid), None, l.name.clone());
        // The support functions' objects, found now: the archive's
        // catalog-id index is freed before plain output renders.
        let funcs = [l.handler, l.inline, l.validator]
            .map(|oid| (oid != 0).then(|| archive.find(PG_PROC, oid)).flatten());
        let id = archive.add(obj);
        archive.objects[id].render = Some(Arc::new(LanguageRender { row: l, funcs }));
    }
    Ok(())
}

#[derive(Debug)]
struct FunctionRender(FunctionRow);

impl Render for FunctionRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        let f = &self.0;
        let obj = &archive.objects[id];
        let q = &ctx.quoting;
        let keyword = sql::keyword(f);
        let sig = sql::signature(q, &f.name, &f.identity_arguments);
        let qualified = format!("{}.{sig}", q.ident(&f.schema));
        let sat = Satellite {
            keyword,
            tag_name: &sig,
            sql_name: &qualified,
            schema: Some(&f.schema),
            owner: Some(&f.owner),
            address: (PG_PROC, f.oid, 0),
        };
        let mut entries = Vec::new();
        if !acl_only(obj) {
            entries.push(Entry {
                tag: sql::tag(&f.name, &f.args.formatted, false),
                desc: keyword.into(),
                schema: Some(f.schema.clone()),
                owner: Some(f.owner.clone()),
                defn: sql::create_function(q, f, ctx.opts.disable_dollar_quoting),
                owner_object: Some(format!("{keyword} {qualified}")),
                section: Some(if obj.repairs.postponed {
                    Section::PostData
                } else {
                    Section::PreData
                }),
                ..Entry::default()
            });
            entries.extend(comment_entry(ctx, &sat));
            entries.extend(security_label_entry(ctx, &sat));
        }
        let spec = AclSpec {
            object_type: keyword,
            acl: f.acl.as_deref(),
            acl_default: &f.acl_default,
            owner_name: Some(&f.owner),
            column: None,
        };
        entries.extend(acl_entry(ctx, &sat, &spec));
        entries
    }
}

#[derive(Debug)]
struct AggregateRender(AggregateRow);

impl Render for AggregateRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        let a = &self.0;
        let obj = &archive.objects[id];
        let q = &ctx.quoting;
        let nsp = q.ident(&a.schema);
        let sig =
            sql::aggregate_signature(q, &a.name, &a.identity_arguments, a.args.formatted.len());
        let qualified = format!("{nsp}.{sig}");
        let owner = Some(a.owner.as_str());
        let mut entries = Vec::new();
        if !acl_only(obj) {
            entries.push(Entry {
                tag: sql::tag(&a.name, &a.args.formatted, true),
                desc: "AGGREGATE".into(),
                schema: Some(a.schema.clone()),
                owner: Some(a.owner.clone()),
                defn: sql::create_aggregate(q, a),
                owner_object: Some(format!("AGGREGATE {qualified}")),
                section: Some(Section::PreData),
                ..Entry::default()
            });
            let sat = Satellite {
                keyword: "AGGREGATE",
                tag_name: &sig,
                sql_name: &qualified,
                schema: Some(&a.schema),
                owner,
                address: (PG_PROC, a.oid, 0),
            };
            entries.extend(comment_entry(ctx, &sat));
            entries.extend(security_label_entry(ctx, &sat));
        }
        // Privileges are granted on the aggregate as a FUNCTION, named
        // with its identity arguments (`agg()` when it has none).
        let acl_sig = sql::signature(q, &a.name, &a.identity_arguments);
        let acl_qualified = format!("{nsp}.{acl_sig}");
        let sat = Satellite {
            keyword: "FUNCTION",
            tag_name: &acl_sig,
            sql_name: &acl_qualified,
            schema: Some(&a.schema),
            owner,
            address: (PG_PROC, a.oid, 0),
        };
        let spec = AclSpec {
            object_type: "FUNCTION",
            acl: a.acl.as_deref(),
            acl_default: &a.acl_default,
            owner_name: Some(&a.owner),
            column: None,
        };
        entries.extend(acl_entry(ctx, &sat, &spec));
        entries
    }
}

#[derive(Debug)]
struct LanguageRender {
    row: LanguageRow,
    /// The objects of its handler, inline and validator functions, if
    /// collected.
    funcs: [Option<DumpId>; 3],
}

/// `schema.name` of a language support function, if it is dumped.
fn support_function(archive: &Archive, q: &Quoting, id: Option<DumpId>) -> Option<String> {
    let obj = &archive.objects[id?];
    if !obj.dump && obj.extension.is_none() {
        return None;
    }
    Some(q.qualified(obj.schema.as_deref().unwrap_or_default(), &obj.name))
}

impl Render for LanguageRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        let l = &self.row;
        let obj = &archive.objects[id];
        let q = &ctx.quoting;
        let name = q.ident(&l.name);
        let sat = Satellite {
            keyword: "LANGUAGE",
            tag_name: &name,
            sql_name: &name,
            schema: None,
            owner: Some(&l.owner),
            address: (PG_LANGUAGE, l.oid, 0),
        };
        let mut entries = Vec::new();
        // Built-in languages and extension members print only ACL changes.
        if obj.extension.is_none() && l.oid >= 16384 {
            let funcs = sql::LanguageFunctions {
                handler: support_function(archive, q, self.funcs[0]),
                inline: support_function(archive, q, self.funcs[1]),
                validator: support_function(archive, q, self.funcs[2]),
            };
            entries.push(Entry {
                tag: l.name.clone(),
                desc: "PROCEDURAL LANGUAGE".into(),
                owner: Some(l.owner.clone()),
                defn: sql::create_language(q, l, &funcs),
                owner_object: Some(format!("PROCEDURAL LANGUAGE {name}")),
                section: Some(Section::PreData),
                ..Entry::default()
            });
            entries.extend(comment_entry(ctx, &sat));
            entries.extend(security_label_entry(ctx, &sat));
        }
        if l.trusted {
            let spec = AclSpec {
                object_type: "LANGUAGE",
                acl: l.acl.as_deref(),
                acl_default: &l.acl_default,
                owner_name: Some(&l.owner),
                column: None,
            };
            entries.extend(acl_entry(ctx, &sat, &spec));
        }
        entries
    }
}
