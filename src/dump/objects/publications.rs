//! Publications (post-data): `CREATE PUBLICATION` with its options, then
//! one `ALTER PUBLICATION ... ADD` entry per table and per schema.
//! `--no-publications` collects none of them.

use std::collections::HashMap;
use std::sync::Arc;

use crate::archive::{Archive, DumpId, DumpObject, Entry, Kind, Render, RenderContext, TieBreak};
use crate::catalog::replication::{self, PublicationRow, PublicationTableRow};
use crate::catalog::{Catalog, CatalogError};
use crate::pg::oid::{
    PG_CLASS, PG_NAMESPACE, PG_PUBLICATION, PG_PUBLICATION_NAMESPACE, PG_PUBLICATION_REL,
};
use crate::sql::replication as rsql;

use super::views::{relation_printed, schema_on};
use super::{comment_entry, security_label_entry, Satellite};

#[derive(Debug)]
struct PublicationRender(PublicationRow);

/// A table or a schema of a publication.
#[derive(Debug)]
struct MemberRender {
    publication: String,
    owner: String,
    /// The table's or schema's object.
    target: DumpId,
    /// None for a schema member.
    table: Option<PublicationTableRow>,
}

/// Adds every publication, then their tables, then their schemas (15+).
pub(crate) async fn collect(cat: &Catalog<'_>, archive: &mut Archive) -> Result<(), CatalogError> {
    let publications = replication::publications(cat).await?;
    let mut by_oid: HashMap<u32, (String, String)> = HashMap::new();
    for p in publications {
        by_oid.insert(p.oid, (p.name.clone(), p.owner.clone()));
        let mut obj = DumpObject::new(
            Kind::Publication,
            (PG_PUBLICATION, p.oid),
            None,
            p.name.clone(),
        );
        obj.render = Some(Arc::new(PublicationRender(p)));
        archive.add(obj);
    }
    for t in replication::publication_tables(cat).await? {
        let (Some((publication, owner)), Some(target)) =
            (by_oid.get(&t.publication), archive.find(PG_CLASS, t.table))
        else {
            continue;
        };
        let table = &archive.objects[target];
        let (schema, name) = (
            table.schema.as_deref().map(str::to_string),
            table.name.clone(),
        );
        add_member(
            archive,
            Kind::PublicationRel,
            (PG_PUBLICATION_REL, t.oid),
            (schema, name),
            MemberRender {
                publication: publication.clone(),
                owner: owner.clone(),
                target,
                table: Some(t),
            },
        );
    }
    for s in replication::publication_schemas(cat).await? {
        let (Some((publication, owner)), Some(target)) = (
            by_oid.get(&s.publication),
            archive.find(PG_NAMESPACE, s.schema),
        ) else {
            continue;
        };
        let name = archive.objects[target].name.clone();
        add_member(
            archive,
            Kind::PublicationTableInSchema,
            (PG_PUBLICATION_NAMESPACE, s.oid),
            (Some(name.clone()), name),
            MemberRender {
                publication: publication.clone(),
                owner: owner.clone(),
                target,
                table: None,
            },
        );
    }
    Ok(())
}

/// A member sorts by its table's (or schema's) schema and name, then by
/// the publication's name (S5).
fn add_member(
    archive: &mut Archive,
    kind: Kind,
    catalog_id: (u32, u32),
    (schema, name): (Option<String>, String),
    member: MemberRender,
) {
    let mut obj = DumpObject::new(kind, catalog_id, schema, name);
    obj.tie = TieBreak::Text(member.publication.as_str().into());
    obj.render = Some(Arc::new(member));
    archive.add(obj);
}

impl Render for PublicationRender {
    fn entries(&self, _id: DumpId, _archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        if !schema_on(ctx) {
            return Vec::new();
        }
        let p = &self.0;
        let name = ctx.quoting.ident(&p.name);
        let spec = rsql::PublicationSpec {
            all_tables: p.all_tables,
            insert: p.insert,
            update: p.update,
            delete: p.delete,
            truncate: p.truncate,
            via_root: p.via_root,
            stored_generated_columns: p.generated_columns == 's',
        };
        let mut entries = vec![Entry {
            tag: p.name.clone(),
            desc: "PUBLICATION".into(),
            owner: Some(p.owner.clone()),
            defn: rsql::create_publication(&name, &spec),
            owner_object: Some(format!("PUBLICATION {name}")),
            ..Entry::default()
        }];
        let sat = Satellite {
            keyword: "PUBLICATION",
            tag_name: &name,
            sql_name: &name,
            schema: None,
            owner: Some(&p.owner),
            address: (PG_PUBLICATION, p.oid, 0),
        };
        entries.extend(comment_entry(ctx, &sat));
        entries.extend(security_label_entry(ctx, &sat));
        entries
    }
}

impl Render for MemberRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        if !schema_on(ctx) {
            return Vec::new();
        }
        let q = &ctx.quoting;
        let target = &archive.objects[self.target];
        let (defn, desc) = match &self.table {
            // Only tables whose definitions are dumped (not extension
            // members) keep their membership.
            Some(_) if !relation_printed(archive, self.target) => return Vec::new(),
            Some(t) => {
                let schema = target.schema.as_deref().unwrap_or_default();
                let qname = q.qualified(schema, &target.name);
                let defn = rsql::add_publication_table(
                    q,
                    &self.publication,
                    &qname,
                    t.columns.as_deref(),
                    t.row_filter.as_deref(),
                );
                (defn, "PUBLICATION TABLE")
            }
            None => (
                rsql::add_publication_schema(q, &self.publication, &target.name),
                "PUBLICATION TABLES IN SCHEMA",
            ),
        };
        vec![Entry {
            tag: format!("{} {}", self.publication, target.name),
            desc: desc.into(),
            schema: archive.objects[id].schema.as_deref().map(str::to_string),
            owner: Some(self.owner.clone()),
            defn,
            ..Entry::default()
        }]
    }
}
