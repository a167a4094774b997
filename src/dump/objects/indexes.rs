//! Indexes (CREATE INDEX with its statistics targets, CLUSTER ON and
//! REPLICA IDENTITY) and INDEX ATTACH. Collected with the tables (see
//! [`super::tables`]).

use crate::archive::{Entry, RenderContext};
use crate::pg::oid::PG_CLASS;
use crate::sql::constraints as sql;

use super::tables::Model;
use super::{comment_entry, Satellite};

/// The INDEX entry (none for constraint indexes) and the index comment.
pub(crate) fn index_entries(m: &Model, i: usize, ctx: &RenderContext) -> Vec<Entry> {
    let ix = &m.indexes[i];
    let Some(r) = m.rel(ix.row.table) else {
        return Vec::new();
    };
    let q = &ctx.quoting;
    let qtable = m.qname(q, r);
    let qindex = q.qualified(&r.row.schema, &ix.row.name);
    let iname = q.ident(&ix.row.name);
    let mut entries = Vec::new();
    if ix.constraint_id.is_none() {
        let mut defn = format!("{};\n", ix.row.definition);
        // CLUSTER ON comes before the statistics targets here.
        defn.push_str(&sql::index_properties(
            &qtable,
            &iname,
            ix.row.clustered,
            false,
        ));
        defn.push_str(&sql::index_stat_targets(&qindex, &ix.row.stat_targets));
        defn.push_str(&sql::index_properties(
            &qtable,
            &iname,
            false,
            ix.row.replident,
        ));
        entries.push(Entry {
            tag: ix.row.name.clone(),
            desc: "INDEX".into(),
            schema: Some(r.row.schema.clone()),
            owner: Some(r.row.owner.clone()),
            tablespace: Some(ix.row.tablespace.clone()),
            defn,
            // (A partition's index goes with its parent index: the server
            // refuses to drop it alone.)
            drop_stmt: (ix.row.parent == 0).then(|| format!("DROP INDEX {qindex};\n")),
            ..Entry::default()
        });
    }
    entries.extend(comment_entry(
        ctx,
        &Satellite {
            keyword: "INDEX",
            tag_name: &iname,
            sql_name: &qindex,
            schema: Some(&r.row.schema),
            owner: Some(&r.row.owner),
            address: (PG_CLASS, ix.row.oid, 0),
        },
    ));
    entries
}

/// The INDEX ATTACH entry.
pub(crate) fn attach_entries(
    m: &Model,
    child: usize,
    parent: usize,
    ctx: &RenderContext,
) -> Vec<Entry> {
    let c = &m.indexes[child];
    let p = &m.indexes[parent];
    let (Some(ct), Some(pt)) = (m.rel(c.row.table), m.rel(p.row.table)) else {
        return Vec::new();
    };
    if !ct.dumped {
        return Vec::new();
    }
    let q = &ctx.quoting;
    vec![Entry {
        tag: c.row.name.clone(),
        desc: "INDEX ATTACH".into(),
        schema: Some(ct.row.schema.clone()),
        owner: Some(pt.row.owner.clone()),
        defn: sql::attach_index(
            &q.qualified(&pt.row.schema, &p.row.name),
            &q.qualified(&ct.row.schema, &c.row.name),
        ),
        ..Entry::default()
    }]
}
