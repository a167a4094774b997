//! Extended statistics objects (`CREATE STATISTICS`, post-data): the
//! server's own definition, then the statistics target when one is set.

use crate::pg::oid::PG_STATISTIC_EXT;
use std::sync::Arc;

use crate::archive::{Archive, DumpId, DumpObject, Entry, Kind, Render, RenderContext};
use crate::catalog::postdata::{self, ExtendedStatisticsRow};
use crate::catalog::{Catalog, CatalogError};

use super::views::schema_on;
use super::{comment_entry, Satellite};

#[derive(Debug)]
struct ExtendedStatisticsRender(ExtendedStatisticsRow);

/// Reads every extended statistics object and adds it; pg_depend ties it
/// to its table.
pub(crate) async fn collect(cat: &Catalog<'_>, archive: &mut Archive) -> Result<(), CatalogError> {
    for s in postdata::extended_statistics(cat).await? {
        let mut obj = DumpObject::new(
            Kind::StatsExt,
            (PG_STATISTIC_EXT, s.oid),
            Some(s.schema.clone()),
            s.name.clone(),
        );
        obj.render = Some(Arc::new(ExtendedStatisticsRender(s)));
        archive.add(obj);
    }
    Ok(())
}

impl Render for ExtendedStatisticsRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        if archive.objects[id].extension.is_some() || !schema_on(ctx) {
            return Vec::new();
        }
        let s = &self.0;
        let q = &ctx.quoting;
        let qname = q.qualified(&s.schema, &s.name);
        let mut entries = vec![Entry {
            tag: s.name.clone(),
            desc: "STATISTICS".into(),
            schema: Some(s.schema.clone()),
            owner: Some(s.owner.clone()),
            defn: crate::sql::postdata::extended_statistics(&s.definition, &qname, s.stat_target),
            owner_object: Some(format!("STATISTICS {qname}")),
            ..Entry::default()
        }];
        let name = q.ident(&s.name);
        let sat = Satellite {
            keyword: "STATISTICS",
            tag_name: &name,
            sql_name: &qname,
            schema: Some(&s.schema),
            owner: Some(&s.owner),
            address: (PG_STATISTIC_EXT, s.oid, 0),
        };
        entries.extend(comment_entry(ctx, &sat));
        entries
    }
}
