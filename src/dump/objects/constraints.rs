//! Table constraints: separate CHECK and NOT NULL constraints, PRIMARY
//! KEY / UNIQUE / EXCLUDE (index-backed) and FOREIGN KEY, with their
//! comments. Collected with the tables (see [`super::tables`]).

use crate::archive::{Archive, DumpId, Entry, RenderContext};
use crate::pg::oid::PG_CONSTRAINT;
use crate::sql::constraints as sql;

use super::tables::{Constraint, Model, Rel};
use super::{comment_entry, Satellite};

/// `COMMENT ON CONSTRAINT c ON s.t`, if the constraint has a comment.
pub(crate) fn constraint_comment(r: &Rel, con: &Constraint, ctx: &RenderContext) -> Option<Entry> {
    comment_for(r, &con.row.name, con.row.oid, ctx)
}

fn comment_for(r: &Rel, name: &str, oid: u32, ctx: &RenderContext) -> Option<Entry> {
    let q = &ctx.quoting;
    let keyword = format!("CONSTRAINT {} ON", q.ident(name));
    let tag = q.ident(&r.row.name);
    let qtable = q.qualified(&r.row.schema, &r.row.name);
    comment_entry(
        ctx,
        &Satellite {
            keyword: &keyword,
            tag_name: &tag,
            sql_name: &qtable,
            schema: Some(&r.row.schema),
            owner: Some(&r.row.owner),
            address: (PG_CONSTRAINT, oid, 0),
        },
    )
}

/// A CHECK or NOT NULL constraint printed on its own (NOT VALID, NOT
/// ENFORCED, or split out of its table by loop repair).
pub(crate) fn separate_entries(
    m: &Model,
    c: usize,
    id: DumpId,
    archive: &Archive,
    ctx: &RenderContext,
) -> Vec<Entry> {
    let con = &m.constraints[c];
    let Some(r) = m.rel(con.row.table) else {
        return Vec::new();
    };
    if !archive.objects[id].repairs.separate {
        return Vec::new();
    }
    let q = &ctx.quoting;
    let mut entries = Vec::new();
    if con.row.is_local {
        entries.push(Entry {
            tag: format!("{} {}", r.row.name, con.row.name),
            desc: if con.row.contype == 'c' {
                "CHECK CONSTRAINT"
            } else {
                "CONSTRAINT"
            }
            .into(),
            schema: Some(r.row.schema.clone()),
            owner: Some(r.row.owner.clone()),
            defn: sql::separate_constraint(
                q,
                r.row.relkind == 'f',
                &m.qname(q, r),
                &con.row.name,
                &con.row.definition,
            ),
            drop_stmt: Some(sql::drop_constraint(
                q,
                crate::sql::foreign_data::foreign_word(r.row.relkind == 'f'),
                "",
                &m.qname(q, r),
                &con.row.name,
            )),
            ..Entry::default()
        });
    }
    entries.extend(constraint_comment(r, con, ctx));
    entries
}

/// A FOREIGN KEY constraint.
pub(crate) fn foreign_key_entries(m: &Model, c: usize, ctx: &RenderContext) -> Vec<Entry> {
    let con = &m.constraints[c];
    let Some(r) = m.rel(con.row.table) else {
        return Vec::new();
    };
    let q = &ctx.quoting;
    let mut entries = vec![Entry {
        tag: format!("{} {}", r.row.name, con.row.name),
        desc: "FK CONSTRAINT".into(),
        schema: Some(r.row.schema.clone()),
        owner: Some(r.row.owner.clone()),
        defn: sql::foreign_key(
            q,
            &m.qname(q, r),
            r.row.relkind == 'p',
            &con.row.name,
            &con.row.definition,
        ),
        drop_stmt: Some(sql::drop_constraint(
            q,
            "",
            if r.row.relkind == 'p' { "" } else { "ONLY " },
            &m.qname(q, r),
            &con.row.name,
        )),
        ..Entry::default()
    }];
    entries.extend(constraint_comment(r, con, ctx));
    entries
}

/// A PRIMARY KEY, UNIQUE or EXCLUDE constraint.
pub(crate) fn index_constraint_entries(m: &Model, i: usize, ctx: &RenderContext) -> Vec<Entry> {
    let ix = &m.indexes[i];
    let Some(con) = &ix.row.constraint else {
        return Vec::new();
    };
    let Some(r) = m.rel(ix.row.table) else {
        return Vec::new();
    };
    let q = &ctx.quoting;
    let qtable = m.qname(q, r);
    let definition = if con.contype == 'x' {
        con.definition.clone()
    } else {
        let name = |k: &i16| m.column_name(r, *k as i32).unwrap_or("");
        let nkey = (ix.row.nkeyatts.max(0) as usize).min(ix.row.keys.len());
        let natts = (ix.row.natts.max(0) as usize).min(ix.row.keys.len());
        let keys: Vec<&str> = ix.row.keys[..nkey]
            .iter()
            .take_while(|k| **k != 0)
            .map(name)
            .collect();
        let include: Vec<&str> = ix.row.keys[nkey..natts]
            .iter()
            .take_while(|k| **k != 0)
            .map(name)
            .collect();
        let with = (!ix.row.reloptions.is_empty())
            .then(|| crate::sql::table::reloptions(q, &ix.row.reloptions, ""));
        sql::key_constraint_definition(
            q,
            &sql::KeyConstraint {
                primary: con.contype == 'p',
                nulls_not_distinct: ix.row.nulls_not_distinct,
                keys,
                include,
                without_overlaps: con.period,
                with,
                deferrable: con.deferrable,
                deferred: con.deferred,
            },
        )
    };
    let mut defn = sql::index_constraint(q, &qtable, &con.name, &definition);
    defn.push_str(&sql::index_properties(
        &qtable,
        &q.ident(&ix.row.name),
        ix.row.clustered,
        ix.row.replident,
    ));
    let mut entries = vec![Entry {
        tag: format!("{} {}", r.row.name, con.name),
        desc: "CONSTRAINT".into(),
        schema: Some(r.row.schema.clone()),
        owner: Some(r.row.owner.clone()),
        tablespace: Some(ix.row.tablespace.clone()),
        defn,
        drop_stmt: Some(sql::drop_constraint(q, "", "ONLY ", &qtable, &con.name)),
        ..Entry::default()
    }];
    entries.extend(comment_for(r, &con.name, con.oid, ctx));
    entries
}
