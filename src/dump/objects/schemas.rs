//! Schemas (`pg_namespace`): CREATE SCHEMA, the public schema's special
//! rules, comments, labels and ACLs.

use crate::pg::oid::PG_NAMESPACE;
use std::sync::Arc;

use crate::archive::{Archive, DumpId, DumpObject, Entry, Kind, Render, RenderContext};
use crate::catalog::schemas::{schemas, SchemaRow as Schema};
use crate::catalog::{Catalog, CatalogError};

use super::{acl_entry_with, comment_entry, security_label_entry, AclSpec, Baseline, Satellite};

/// Whether pg_dump ever prints a schema's own definition.
pub(crate) use crate::catalog::is_system_schema;

#[derive(Debug)]
struct SchemaRender(Schema);

/// Reads every schema and adds it to the archive; returns OID → dump id.
pub(crate) async fn collect(
    cat: &Catalog<'_>,
    archive: &mut Archive,
) -> Result<Vec<(u32, DumpId)>, CatalogError> {
    let rows = schemas(cat).await?;
    let mut ids = Vec::with_capacity(rows.len());
    for schema in rows {
        let mut obj = DumpObject::new(
            Kind::Namespace,
            (PG_NAMESPACE, schema.oid),
            None,
            schema.name.clone(),
        );
        // pg_catalog is scanned for ACL changes only; other system schemas
        // never print.
        obj.dump = !is_system_schema(&schema.name) || schema.name == "pg_catalog";
        let oid = schema.oid;
        obj.render = Some(Arc::new(SchemaRender(schema)));
        ids.push((oid, archive.add(obj)));
    }
    Ok(ids)
}

impl Render for SchemaRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        let s = &self.0;
        let name = ctx.quoting.ident(&s.name);
        let member = archive.objects[id].extension.is_some();
        // Extension members and pg_catalog get only their ACL.
        let acl_only = member || s.name == "pg_catalog";
        let sat = Satellite {
            keyword: "SCHEMA",
            tag_name: &name,
            sql_name: &name,
            schema: None,
            owner: Some(&s.owner),
            address: (PG_NAMESPACE, s.oid, 0),
        };
        let mut entries = Vec::new();
        if !acl_only {
            entries.extend(self.create_entry(&name));
            entries.extend(self.comment_entries(ctx, &sat, &name));
            entries.extend(security_label_entry(ctx, &sat));
        }
        entries.extend(self.acl_entries(ctx, &sat));
        entries
    }
}

impl SchemaRender {
    /// CREATE SCHEMA; for `public`, which initdb creates, only a note when
    /// its owner changed.
    fn create_entry(&self, name: &str) -> Option<Entry> {
        let s = &self.0;
        let defn = if s.name != "public" {
            format!("CREATE SCHEMA {name};\n")
        } else if s.owner != "pg_database_owner" {
            "-- *not* creating schema, since initdb creates it\n".into()
        } else {
            return None;
        };
        Some(Entry {
            tag: s.name.clone(),
            desc: "SCHEMA".into(),
            owner: Some(s.owner.clone()),
            defn,
            owner_object: Some(format!("SCHEMA {name}")),
            ..Entry::default()
        })
    }

    /// The comment; `public`'s initdb comment is skipped unless changed,
    /// and a removed one is dumped as ''. (The check compares the quoted
    /// name, so --quote-all-identifiers dumps the default too.)
    fn comment_entries(&self, ctx: &RenderContext, sat: &Satellite, name: &str) -> Vec<Entry> {
        let s = &self.0;
        if s.name != "public" || ctx.opts.no_comments {
            return comment_entry(ctx, sat).into_iter().collect();
        }
        match ctx.comments.get(&sat.address) {
            Some(c) if c == "standard public schema" && name == "public" => Vec::new(),
            Some(_) => comment_entry(ctx, sat).into_iter().collect(),
            // The same quoted-name test decides whether a removed comment
            // is written as ''.
            None if name != "public" => Vec::new(),
            None => vec![Entry {
                tag: format!("SCHEMA {name}"),
                desc: "COMMENT".into(),
                owner: Some(s.owner.clone()),
                defn: format!("COMMENT ON SCHEMA {name} IS '';\n"),
                ..Entry::default()
            }],
        }
    }

    /// The ACL; `public`'s is compared with a fixed baseline, not with
    /// pg_init_privs.
    fn acl_entries(&self, ctx: &RenderContext, sat: &Satellite) -> Vec<Entry> {
        let s = &self.0;
        let owner = acl_name(&s.owner);
        let public_base = format!(
            "{{{},{}}}",
            array_element(&format!("{owner}=UC/{owner}")),
            array_element(&format!("=U/{owner}"))
        );
        let (acl, baseline) = if s.name == "public" {
            (
                Some(s.acl.as_deref().unwrap_or(&s.acl_default)),
                Baseline::Fixed(&public_base),
            )
        } else {
            (s.acl.as_deref(), Baseline::InitPrivsOrDefault)
        };
        let spec = AclSpec {
            object_type: "SCHEMA",
            acl,
            acl_default: &s.acl_default,
            owner_name: Some(&s.owner),
            column: None,
        };
        acl_entry_with(ctx, sat, &spec, baseline)
            .into_iter()
            .collect()
    }
}

/// An aclitem as an element of an aclitem[] text: always in double quotes,
/// with `"` and `\\` escaped, so a quoted role name (`"has space"=UC/...`)
/// reads back as one element, as in the server's own arrays.
fn array_element(item: &str) -> String {
    let mut out = String::with_capacity(item.len() + 2);
    out.push('"');
    for c in item.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A role name as it appears inside an aclitem (quoted when needed).
fn acl_name(role: &str) -> String {
    if role.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !role.is_empty() {
        role.to_string()
    } else {
        format!("\"{}\"", role.replace('"', "\"\""))
    }
}
