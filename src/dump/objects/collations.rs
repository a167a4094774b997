//! Collations: their CREATE statements, owners and comments.

use crate::pg::oid::PG_COLLATION;
use std::sync::Arc;

use crate::archive::{
    Archive, DumpId, DumpObject, Entry, Kind, Render, RenderContext, Section, TieBreak,
};
use crate::catalog::collations::{self, CollationRow};
use crate::catalog::{Catalog, CatalogError};
use crate::sql::collations as sql;

use super::views::schema_on;
use super::{comment_entry, Satellite};

/// Reads every collation outside the system schemas and adds it to the
/// archive; collations of the same name sort by encoding.
pub(crate) async fn collect(cat: &Catalog<'_>, archive: &mut Archive) -> Result<(), CatalogError> {
    let icu_locale_in_collate = !cat.at_least(15);
    for c in collations::collations(cat).await? {
        let mut obj = DumpObject::new(
            Kind::Collation,
            (PG_COLLATION, c.oid),
            Some(c.schema.clone()),
            c.name.clone(),
        );
        obj.tie = TieBreak::Int(c.encoding.into());
        obj.render = Some(Arc::new(CollationRender {
            row: c,
            icu_locale_in_collate,
        }));
        archive.add(obj);
    }
    Ok(())
}

#[derive(Debug)]
struct CollationRender {
    row: CollationRow,
    /// The server keeps ICU locales in `collcollate` (14).
    icu_locale_in_collate: bool,
}

impl Render for CollationRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        let obj = &archive.objects[id];
        if obj.extension.is_some() || !obj.dump || !schema_on(ctx) {
            return Vec::new();
        }
        let c = &self.row;
        let q = &ctx.quoting;
        let qname = q.qualified(&c.schema, &c.name);
        let mut entries = vec![Entry {
            tag: c.name.clone(),
            desc: "COLLATION".into(),
            schema: Some(c.schema.clone()),
            owner: Some(c.owner.clone()),
            defn: sql::create_collation(q, c, &qname, self.icu_locale_in_collate),
            owner_object: Some(format!("COLLATION {qname}")),
            section: Some(Section::PreData),
            ..Entry::default()
        }];
        let name = q.ident(&c.name);
        let sat = Satellite {
            keyword: "COLLATION",
            tag_name: &name,
            sql_name: &qname,
            schema: Some(&c.schema),
            owner: Some(&c.owner),
            address: (PG_COLLATION, c.oid, 0),
        };
        entries.extend(comment_entry(ctx, &sat));
        entries
    }
}
