//! Row level security policies and the ROW SECURITY pseudo-object of each
//! table with RLS enabled (both in the POLICY class, post-data).

use crate::pg::oid::{PG_CLASS, PG_POLICY};
use std::collections::HashMap;
use std::sync::Arc;

use crate::archive::{Archive, DumpId, DumpObject, Entry, Kind, Render, RenderContext};
use crate::catalog::postdata::{PolicyRow, RelationRow};
use crate::catalog::{postdata, Catalog, CatalogError};
use crate::sql::postdata as psql;

use super::views::{relation_printed, schema_on};
use super::{comment_entry, Satellite};

#[derive(Debug)]
struct PolicyRender {
    /// None for the ROW SECURITY object.
    policy: Option<PolicyRow>,
    table: RelationRow,
    table_id: DumpId,
}

/// Adds the ROW SECURITY objects, then the policies, of collected tables.
pub(crate) async fn collect(
    cat: &Catalog<'_>,
    archive: &mut Archive,
    rels: &HashMap<u32, RelationRow>,
) -> Result<(), CatalogError> {
    for oid in postdata::row_security_tables(cat).await? {
        let (Some(table_id), Some(table)) = (archive.find(PG_CLASS, oid), rels.get(&oid)) else {
            continue;
        };
        // Catalog id (0, table): it matches nothing in pg_depend.
        let mut obj = DumpObject::on_table(
            Kind::Policy,
            (0, oid),
            &table.schema,
            &table.name,
            &table.name,
        );
        obj.render = Some(Arc::new(PolicyRender {
            policy: None,
            table: table.clone(),
            table_id,
        }));
        archive.add(obj);
    }
    for p in postdata::policies(cat).await? {
        let (Some(table_id), Some(table)) = (archive.find(PG_CLASS, p.table), rels.get(&p.table))
        else {
            continue;
        };
        let mut obj = DumpObject::on_table(
            Kind::Policy,
            (PG_POLICY, p.oid),
            &table.schema,
            &table.name,
            &p.name,
        );
        obj.render = Some(Arc::new(PolicyRender {
            policy: Some(p),
            table: table.clone(),
            table_id,
        }));
        archive.add(obj);
    }
    Ok(())
}

impl Render for PolicyRender {
    fn entries(&self, _id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        if !relation_printed(archive, self.table_id) || !schema_on(ctx) || ctx.opts.no_policies {
            return Vec::new();
        }
        let q = &ctx.quoting;
        let t = &self.table;
        let qtable = q.qualified(&t.schema, &t.name);
        let Some(p) = &self.policy else {
            return vec![Entry {
                tag: t.name.clone(),
                desc: "ROW SECURITY".into(),
                schema: Some(t.schema.clone()),
                owner: Some(t.owner.clone()),
                defn: psql::enable_row_security(&qtable),
                ..Entry::default()
            }];
        };
        let name = q.ident(&p.name);
        let spec = psql::PolicySpec {
            name_quoted: &name,
            table_qname: &qtable,
            permissive: p.permissive,
            command: p.command,
            roles: p.roles.as_deref(),
            qual: p.qual.as_deref(),
            with_check: p.with_check.as_deref(),
        };
        let mut entries = vec![Entry {
            tag: format!("{} {}", t.name, p.name),
            desc: "POLICY".into(),
            schema: Some(t.schema.clone()),
            owner: Some(t.owner.clone()),
            defn: psql::policy(&spec),
            drop_stmt: Some(format!("DROP POLICY {name} ON {qtable};\n")),
            ..Entry::default()
        }];
        let keyword = format!("POLICY {name} ON");
        let tag_name = q.ident(&t.name);
        let sat = Satellite {
            keyword: &keyword,
            tag_name: &tag_name,
            sql_name: &qtable,
            schema: Some(&t.schema),
            owner: Some(&t.owner),
            address: (PG_POLICY, p.oid, 0),
        };
        entries.extend(comment_entry(ctx, &sat));
        entries
    }
}
