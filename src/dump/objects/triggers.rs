//! Triggers (post-data, one entry each with its firing state) and event
//! triggers (printed in the post-ACL pass).

use crate::pg::oid::{PG_CLASS, PG_EVENT_TRIGGER, PG_TRIGGER};
use std::collections::HashMap;
use std::sync::Arc;

use crate::archive::{Archive, DumpId, DumpObject, Entry, Kind, Pass, Render, RenderContext};
use crate::catalog::postdata::{EventTriggerRow, RelationRow, TriggerRow};
use crate::catalog::{postdata, Catalog, CatalogError};
use crate::sql::postdata as psql;

use super::views::{relation_printed, schema_on};
use super::{comment_entry, security_label_entry, Satellite};

#[derive(Debug)]
struct TriggerRender {
    trigger: TriggerRow,
    table: RelationRow,
    table_id: DumpId,
}

/// Reads the triggers of collected relations and adds them.
pub(crate) async fn collect(
    cat: &Catalog<'_>,
    archive: &mut Archive,
    rels: &HashMap<u32, RelationRow>,
) -> Result<(), CatalogError> {
    for t in postdata::triggers(cat).await? {
        let (Some(table_id), Some(table)) = (archive.find(PG_CLASS, t.table), rels.get(&t.table))
        else {
            continue;
        };
        let mut obj = DumpObject::on_table(
            Kind::Trigger,
            (PG_TRIGGER, t.oid),
            &table.schema,
            &table.name,
            &t.name,
        );
        obj.render = Some(Arc::new(TriggerRender {
            trigger: t,
            table: table.clone(),
            table_id,
        }));
        archive.add(obj);
    }
    Ok(())
}

impl Render for TriggerRender {
    fn entries(&self, _id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        if !relation_printed(archive, self.table_id) || !schema_on(ctx) {
            return Vec::new();
        }
        let q = &ctx.quoting;
        let t = &self.trigger;
        let qtable = q.qualified(&self.table.schema, &self.table.name);
        let name = q.ident(&t.name);
        let mut entries = vec![Entry {
            tag: format!("{} {}", self.table.name, t.name),
            desc: "TRIGGER".into(),
            schema: Some(self.table.schema.clone()),
            owner: Some(self.table.owner.clone()),
            defn: psql::trigger(
                &t.def,
                &qtable,
                t.on_foreign_table,
                &name,
                t.enabled,
                t.is_clone,
            ),
            // (A partition's clone goes with its parent's trigger.)
            drop_stmt: (!t.is_clone).then(|| format!("DROP TRIGGER {name} ON {qtable};\n")),
            ..Entry::default()
        }];
        let keyword = format!("TRIGGER {name} ON");
        let tag_name = q.ident(&self.table.name);
        let sat = Satellite {
            keyword: &keyword,
            tag_name: &tag_name,
            sql_name: &qtable,
            schema: Some(&self.table.schema),
            owner: Some(&self.table.owner),
            address: (PG_TRIGGER, t.oid, 0),
        };
        entries.extend(comment_entry(ctx, &sat));
        entries
    }
}

#[derive(Debug)]
struct EventTriggerRender(EventTriggerRow);

/// Reads every event trigger and adds it.
pub(crate) async fn collect_event_triggers(
    cat: &Catalog<'_>,
    archive: &mut Archive,
) -> Result<(), CatalogError> {
    for e in postdata::event_triggers(cat).await? {
        let mut obj = DumpObject::new(
            Kind::EventTrigger,
            (PG_EVENT_TRIGGER, e.oid),
            None,
            e.name.clone(),
        );
        obj.render = Some(Arc::new(EventTriggerRender(e)));
        archive.add(obj);
    }
    Ok(())
}

impl Render for EventTriggerRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        if archive.objects[id].extension.is_some() || !schema_on(ctx) {
            return Vec::new();
        }
        let e = &self.0;
        let q = &ctx.quoting;
        let name = q.ident(&e.name);
        let mut entries = vec![Entry {
            tag: e.name.clone(),
            desc: "EVENT TRIGGER".into(),
            owner: Some(e.owner.clone()),
            defn: psql::event_trigger(&name, &q.ident(&e.event), &e.tags, &e.function, e.enabled),
            owner_object: Some(format!("EVENT TRIGGER {name}")),
            pass: Pass::PostAcl,
            ..Entry::default()
        }];
        let sat = Satellite {
            keyword: "EVENT TRIGGER",
            tag_name: &name,
            sql_name: &name,
            schema: None,
            owner: Some(&e.owner),
            address: (PG_EVENT_TRIGGER, e.oid, 0),
        };
        for mut s in comment_entry(ctx, &sat)
            .into_iter()
            .chain(security_label_entry(ctx, &sat))
        {
            s.pass = Pass::PostAcl;
            entries.push(s);
        }
        entries
    }
}
