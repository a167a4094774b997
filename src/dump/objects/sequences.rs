//! Sequences: CREATE SEQUENCE (or the identity form), OWNED BY, their
//! satellites, and SEQUENCE SET. Collected with the tables (see
//! [`super::tables`]).

use crate::archive::{Archive, DumpId, Entry, RenderContext};
use crate::sql::sequence as sql;

use super::comment_entry;
use super::tables::{acl_entries, satellite, security_label_entry, Model};

/// The SEQUENCE entry (or identity entry), OWNED BY, comment, label, ACL.
pub(crate) fn sequence_entries(
    m: &Model,
    t: usize,
    _id: DumpId,
    _archive: &Archive,
    ctx: &RenderContext,
) -> Vec<Entry> {
    let r = &m.rels[t];
    if !r.dumped {
        return acl_entries(m, r, ctx);
    }
    let Some(seq) = &r.seq else {
        return acl_entries(m, r, ctx);
    };
    let q = &ctx.quoting;
    let qname = m.qname(q, r);
    let params = sql::SequenceParams {
        type_name: &seq.type_name,
        start: seq.start,
        increment: seq.increment,
        min: seq.min,
        max: seq.max,
        cache: seq.cache,
        cycle: seq.cycle,
    };
    let owning = r
        .row
        .owning
        .and_then(|(tab, col)| m.rel(tab).map(|o| (o, col)));
    let mut entries = Vec::new();
    let identity = match owning {
        Some((o, col)) if r.row.identity_sequence => o
            .columns
            .iter()
            .find(|c| c.row.attnum == col)
            .map(|c| (o, c)),
        _ => None,
    };
    if let Some((o, c)) = identity {
        let persistence = if r.row.persistence != o.row.persistence {
            Some(if r.row.persistence == 'u' {
                "UNLOGGED"
            } else {
                "LOGGED"
            })
        } else {
            None
        };
        entries.push(Entry {
            tag: r.row.name.clone(),
            desc: "SEQUENCE".into(),
            schema: Some(r.row.schema.clone()),
            owner: Some(r.row.owner.clone()),
            defn: sql::identity_sequence(
                &m.qname(q, o),
                &q.ident(&c.row.name),
                c.row.identity == 'a',
                &qname,
                persistence,
                &params,
            ),
            ..Entry::default()
        });
    } else {
        entries.push(Entry {
            tag: r.row.name.clone(),
            desc: "SEQUENCE".into(),
            schema: Some(r.row.schema.clone()),
            owner: Some(r.row.owner.clone()),
            defn: sql::create_sequence(&qname, r.row.persistence == 'u', &params),
            owner_object: Some(format!("SEQUENCE {qname}")),
            ..Entry::default()
        });
        if let Some((o, col)) = owning.filter(|(o, _)| o.dumped && !r.row.identity_sequence) {
            if let Some(colname) = m.column_name(o, col) {
                entries.push(Entry {
                    tag: r.row.name.clone(),
                    desc: "SEQUENCE OWNED BY".into(),
                    schema: Some(r.row.schema.clone()),
                    owner: Some(r.row.owner.clone()),
                    defn: sql::owned_by(&qname, &m.qname(q, o), &q.ident(colname)),
                    ..Entry::default()
                });
            }
        }
    }
    let tag = q.ident(&r.row.name);
    entries.extend(comment_entry(ctx, &satellite(r, "SEQUENCE", &tag, &qname)));
    entries.extend(security_label_entry(r, "SEQUENCE", ctx));
    entries.extend(acl_entries(m, r, ctx));
    entries
}

/// The SEQUENCE SET entry.
pub(crate) fn setval_entries(m: &Model, t: usize, ctx: &RenderContext) -> Vec<Entry> {
    let r = &m.rels[t];
    let o = &ctx.opts;
    if (o.schema_only || o.no_data) && !o.sequence_data {
        return Vec::new();
    }
    if o.no_unlogged_table_data && r.row.persistence == 'u' {
        return Vec::new();
    }
    let Some(&(last, called)) = m.seq_values.get(&r.row.oid) else {
        return Vec::new();
    };
    let qname = m.qname(&ctx.quoting, r);
    vec![Entry {
        tag: r.row.name.clone(),
        desc: "SEQUENCE SET".into(),
        schema: Some(r.row.schema.clone()),
        owner: Some(r.row.owner.clone()),
        defn: sql::setval(&ctx.quoting, &qname, last, called),
        ..Entry::default()
    }]
}
