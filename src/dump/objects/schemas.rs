//! Schemas (`pg_namespace`): CREATE SCHEMA, the public schema's special
//! rules, comments, labels and ACLs.

use crate::pg::oid::PG_NAMESPACE;
use std::sync::Arc;

use crate::archive::{Archive, DumpId, DumpObject, Entry, Kind, Render, RenderContext};
use crate::catalog::schemas::{schemas, SchemaRow as Schema};
use crate::catalog::{Catalog, CatalogError};

use super::{acl_entry_with, comment_entry, security_label_entry, AclSpec, Baseline, Satellite};

/// Whether pg_dump ever prints a schema's own definition.
pub(crate) fn is_system_schema(name: &str) -> bool {
    name.starts_with("pg_") || name == "information_schema"
}

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
        let q = &ctx.quoting;
        let name = q.ident(&s.name);
        let obj = &archive.objects[id];
        let address = (PG_NAMESPACE, s.oid, 0);
        let mut entries = Vec::new();
        let member = obj.extension.is_some();
        let acl_only = member || s.name == "pg_catalog";
        let public = s.name == "public";
        if !acl_only {
            if public {
                // initdb creates it; only a changed owner is dumped.
                if s.owner != "pg_database_owner" {
                    entries.push(Entry {
                        tag: s.name.clone(),
                        desc: "SCHEMA".into(),
                        owner: Some(s.owner.clone()),
                        defn: "-- *not* creating schema, since initdb creates it\n".into(),
                        owner_object: Some(format!("SCHEMA {name}")),
                        ..Entry::default()
                    });
                }
            } else {
                entries.push(Entry {
                    tag: s.name.clone(),
                    desc: "SCHEMA".into(),
                    owner: Some(s.owner.clone()),
                    defn: format!("CREATE SCHEMA {name};\n"),
                    owner_object: Some(format!("SCHEMA {name}")),
                    ..Entry::default()
                });
            }
        }
        let sat = Satellite {
            keyword: "SCHEMA",
            tag_name: &name,
            sql_name: &name,
            schema: None,
            owner: Some(&s.owner),
            address,
        };
        if !acl_only {
            if public && !ctx.opts.no_comments {
                // The initdb comment is skipped unless changed; a removed
                // comment is dumped as ''. (The check compares the quoted
                // name, so --quote-all-identifiers dumps the default too.)
                match ctx.comments.get(&address) {
                    Some(c) if c == "standard public schema" && name == "public" => {}
                    Some(_) => entries.extend(comment_entry(ctx, &sat)),
                    // The same quoted-name test decides whether a removed
                    // comment is written as ''.
                    None if name != "public" => {}
                    None => entries.push(Entry {
                        tag: format!("SCHEMA {name}"),
                        desc: "COMMENT".into(),
                        owner: Some(s.owner.clone()),
                        defn: format!("COMMENT ON SCHEMA {name} IS '';\n"),
                        ..Entry::default()
                    }),
                }
            } else {
                entries.extend(comment_entry(ctx, &sat));
            }
            entries.extend(security_label_entry(ctx, &sat));
        }
        // The public schema's ACL is compared with a fixed baseline, not
        // with pg_init_privs.
        let public_base = format!(
            "{{{}=UC/{},=U/{}}}",
            acl_name(&s.owner),
            acl_name(&s.owner),
            acl_name(&s.owner)
        );
        let (acl, baseline) = if public {
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
        entries.extend(acl_entry_with(ctx, &sat, &spec, baseline));
        entries
    }
}

/// A role name as it appears inside an aclitem (quoted when needed).
fn acl_name(role: &str) -> String {
    if role.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !role.is_empty() {
        role.to_string()
    } else {
        format!("\"{}\"", role.replace('"', "\"\""))
    }
}
