//! Rules other than views' ON SELECT rules (those print inside CREATE
//! VIEW unless loop repair splits them out, and are rendered here then).

use crate::pg::oid::{PG_CLASS, PG_REWRITE};
use std::collections::HashMap;
use std::sync::Arc;

use crate::archive::{
    Archive, DumpId, DumpObject, Entry, Kind, Render, RenderContext, Role, TieBreak,
};
use crate::catalog::postdata::{RelationRow, RuleRow};
use crate::catalog::{postdata, Catalog, CatalogError};
use crate::sql::postdata as psql;
use crate::sql::views as vsql;

use super::views::{dummy_columns, relation_printed, schema_on, Views};
use super::{comment_entry, Satellite};

#[derive(Debug)]
struct RuleRender {
    rule: RuleRow,
    table_id: DumpId,
    table: RelationRow,
    /// For ON SELECT rules: the view's data and row.
    view: Option<(Arc<Views>, usize)>,
}

/// Reads every rule; adds them (ON SELECT rules of views as non-separate
/// rules the view depends on), and each matview's REFRESH object.
pub(crate) async fn collect_rules(
    cat: &Catalog<'_>,
    archive: &mut Archive,
    views: &Arc<Views>,
    rels: &HashMap<u32, RelationRow>,
) -> Result<(), CatalogError> {
    for r in postdata::rules(cat).await? {
        let (Some(table), Some(info)) = (archive.find(PG_CLASS, r.table), rels.get(&r.table))
        else {
            continue;
        };
        let relkind = match archive.objects[table].role {
            Role::Relation { relkind } => relkind,
            _ => 'r',
        };
        let mut obj = DumpObject::new(
            Kind::Rule,
            (PG_REWRITE, r.oid),
            Some(info.schema.clone()),
            r.name.clone(),
        );
        obj.tie = TieBreak::Text(info.name.as_str().into());
        let return_rule = matches!(relkind, 'v' | 'm') && r.ev_type == '1' && r.is_instead;
        let view = if return_rule {
            views.by_oid.get(&r.table).map(|&i| (views.clone(), i))
        } else {
            None
        };
        obj.render = Some(Arc::new(RuleRender {
            rule: r,
            table_id: table,
            table: info.clone(),
            view,
        }));
        if return_rule {
            obj.role = Role::ReturnRule { view: table };
            let id = archive.add(obj);
            archive.add_dep(table, id);
        } else {
            obj.role = Role::OtherRule;
            obj.repairs.separate = true;
            let id = archive.add(obj);
            archive.add_dep(id, table);
        }
    }
    Ok(())
}

impl Render for RuleRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        let obj = &archive.objects[id];
        let table = self.table_id;
        if !obj.repairs.separate || !relation_printed(archive, table) || !schema_on(ctx) {
            return Vec::new();
        }
        let q = &ctx.quoting;
        let t = &self.table;
        let qtable = q.qualified(&t.schema, &t.name);
        let rule_name = q.ident(&self.rule.name);
        // Dropping a view's split-off ON SELECT rule puts the dummy view
        // back.
        let drop_stmt = match &self.view {
            Some((views, i)) => {
                let cols = views
                    .columns
                    .get(&views.rows[*i].oid)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                let dummy = vsql::create_dummy_view(&qtable, &dummy_columns(q, cols));
                format!("CREATE OR REPLACE {}", dummy.trim_start_matches("CREATE "))
            }
            None => format!("DROP RULE {rule_name} ON {qtable};\n"),
        };
        let defn = match (&self.view, &self.rule.ruledef) {
            (Some((views, i)), _) => {
                let body = match views.spec(*i, &qtable) {
                    Some(spec) => vsql::create_or_replace_view(q, &spec),
                    None => return Vec::new(),
                };
                // A firing-state change follows the view text.
                psql::rule(
                    body.trim_end_matches('\n'),
                    &qtable,
                    &rule_name,
                    self.rule.ev_enabled,
                )
            }
            (None, Some(def)) => psql::rule(def, &qtable, &rule_name, self.rule.ev_enabled),
            (None, None) => return Vec::new(),
        };
        let mut entries = vec![Entry {
            tag: format!("{} {}", t.name, self.rule.name),
            desc: "RULE".into(),
            schema: Some(t.schema.clone()),
            owner: Some(t.owner.clone()),
            defn,
            drop_stmt: Some(drop_stmt),
            ..Entry::default()
        }];
        let keyword = format!("RULE {rule_name} ON");
        let tag_name = q.ident(&t.name);
        let sat = Satellite {
            keyword: &keyword,
            tag_name: &tag_name,
            sql_name: &qtable,
            schema: Some(&t.schema),
            owner: Some(&t.owner),
            address: (PG_REWRITE, self.rule.oid, 0),
        };
        entries.extend(comment_entry(ctx, &sat));
        entries
    }
}
