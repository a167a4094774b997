//! Large objects, grouped as pg_dump 17+ groups them: runs of up to 1000
//! large objects with the same owner and ACL make one BLOB METADATA object
//! (with per-object comments and labels, and one ACL entry) and one BLOBS
//! data object whose contents the driver streams.

use crate::pg::oid::PG_LARGEOBJECT;
use std::sync::Arc;

use crate::archive::{
    Archive, DataSource, DumpId, DumpObject, Entry, HeaderPrefix, Kind, Render, RenderContext,
};
use crate::catalog::postdata::LargeObjectRow;
use crate::catalog::{postdata, Catalog, CatalogError};
use crate::sql::postdata as psql;

use super::views::data_on;
use super::{acl_entry, comment_entry, security_label_entry, AclSpec, Satellite};
/// The most large objects one entry holds.
const MAX_PER_GROUP: usize = 1000;

#[derive(Debug)]
struct Group {
    name: String,
    oids: Vec<u32>,
    owner: String,
    acl: Option<String>,
    acl_default: String,
}

#[derive(Debug)]
struct MetadataRender(Arc<Group>);

#[derive(Debug)]
struct DataRender(Arc<Group>);

/// Splits large objects (in owner, ACL, OID order) into groups.
#[cfg(test)]
fn groups(rows: Vec<LargeObjectRow>) -> Vec<Group> {
    let mut grouper = Grouper::default();
    for r in rows {
        grouper.add(r);
    }
    grouper.finish()
}

/// Groups rows as they come (in owner, ACL, OID order).
#[derive(Default)]
struct Grouper {
    out: Vec<Group>,
    last: Option<(u32, Option<String>)>,
}

impl Grouper {
    fn add(&mut self, r: LargeObjectRow) {
        let out = &mut self.out;
        let same = self
            .last
            .as_ref()
            .is_some_and(|(o, a)| *o == r.owner_oid && *a == r.acl)
            && out.last().is_some_and(|g| g.oids.len() < MAX_PER_GROUP);
        if same {
            if let Some(g) = out.last_mut() {
                g.oids.push(r.oid);
            }
            return;
        }
        self.last = Some((r.owner_oid, r.acl.clone()));
        out.push(Group {
            name: String::new(),
            oids: vec![r.oid],
            owner: r.owner,
            acl: r.acl,
            acl_default: r.acl_default,
        });
    }

    fn finish(self) -> Vec<Group> {
        let mut out = self.out;
        for g in &mut out {
            g.oids.shrink_to_fit();
            g.name = match g.oids.as_slice() {
                [one] => one.to_string(),
                [first, .., last] => format!("{first}..{last}"),
                [] => String::new(),
            };
        }
        out
    }
}

/// Reads the large objects and adds a metadata and a data object per group.
pub(crate) async fn collect(cat: &Catalog<'_>, archive: &mut Archive) -> Result<(), CatalogError> {
    let mut grouper = Grouper::default();
    postdata::large_objects(cat, |r| grouper.add(r)).await?;
    for g in grouper.finish() {
        let g = Arc::new(g);
        let mut meta = DumpObject::new(
            Kind::LargeObject,
            (PG_LARGEOBJECT, g.oids[0]),
            None,
            g.name.clone(),
        );
        meta.render = Some(Arc::new(MetadataRender(g.clone())));
        let meta_id = archive.add(meta);
        let mut data = DumpObject::new(Kind::LargeObjectData, (0, 0), None, g.name.clone());
        data.render = Some(Arc::new(DataRender(g)));
        data.deps.push(meta_id);
        archive.add(data);
    }
    Ok(())
}

impl Render for MetadataRender {
    fn entries(&self, _id: DumpId, _archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        if !data_on(ctx) {
            return Vec::new();
        }
        let g = &self.0;
        let mut entries = vec![Entry {
            tag: g.name.clone(),
            desc: "BLOB METADATA".into(),
            owner: Some(g.owner.clone()),
            defn: psql::lo_metadata(&g.oids),
            // One `ALTER LARGE OBJECT n OWNER TO x;` line per object.
            owner_object: Some(psql::lo_owner_object(&g.oids, &ctx.quoting.ident(&g.owner))),
            ..Entry::default()
        }];
        for &oid in &g.oids {
            let name = oid.to_string();
            let sat = Satellite {
                keyword: "LARGE OBJECT",
                tag_name: &name,
                sql_name: &name,
                schema: None,
                owner: Some(&g.owner),
                address: (PG_LARGEOBJECT, oid, 0),
            };
            entries.extend(comment_entry(ctx, &sat));
            entries.extend(security_label_entry(ctx, &sat));
        }
        if g.acl.is_some() {
            let first = g.oids[0].to_string();
            let sat = Satellite {
                keyword: "LARGE OBJECT",
                tag_name: &first,
                sql_name: &first,
                schema: None,
                owner: Some(&g.owner),
                address: (PG_LARGEOBJECT, g.oids[0], 0),
            };
            let spec = AclSpec {
                object_type: "LARGE OBJECT",
                acl: g.acl.as_deref(),
                acl_default: &g.acl_default,
                owner_name: Some(&g.owner),
                column: None,
            };
            if let Some(mut e) = acl_entry(ctx, &sat, &spec) {
                if g.oids.len() > 1 {
                    e.tag = format!("LARGE OBJECTS {}", g.name);
                    e.defn = psql::lo_group_acl(&e.defn, &g.oids);
                }
                entries.push(e);
            }
        }
        entries
    }
}

impl Render for DataRender {
    fn entries(&self, _id: DumpId, _archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        if !data_on(ctx) {
            return Vec::new();
        }
        let g = &self.0;
        vec![Entry {
            tag: g.name.clone(),
            desc: "BLOBS".into(),
            owner: Some(g.owner.clone()),
            prefix: HeaderPrefix::DataFor,
            data: Some(DataSource::LargeObjects {
                oids: g.oids.clone(),
            }),
            ..Entry::default()
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(oid: u32, owner_oid: u32, acl: Option<&str>) -> LargeObjectRow {
        LargeObjectRow {
            oid,
            owner_oid,
            owner: format!("r{owner_oid}"),
            acl: acl.map(str::to_string),
            acl_default: String::new(),
        }
    }

    #[test]
    fn groups_by_owner_and_acl() {
        let g = groups(vec![
            row(20001, 10, None),
            row(20002, 10, None),
            row(5, 10, Some("{a}")),
            row(4242, 11, None),
        ]);
        let names: Vec<&str> = g.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["20001..20002", "5", "4242"]);
        let many: Vec<LargeObjectRow> = (1..=2001).map(|i| row(i, 10, None)).collect();
        let g = groups(many);
        let names: Vec<&str> = g.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["1..1000", "1001..2000", "2001"]);
    }
}
