//! Sequences: CREATE SEQUENCE (or the identity form), OWNED BY, their
//! satellites, and SEQUENCE SET. Collected with the tables (see
//! [`super::tables`]).

use crate::archive::{Archive, DumpId, Entry, RenderContext};
use crate::sql::sequence as sql;

use super::comment_entry;
use super::tables::{acl_entries, satellite, security_label_entry, Column, Model, Rel};

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
    let identity = match owning {
        Some((o, col)) if r.row.identity_sequence => o
            .columns
            .iter()
            .find(|c| c.row.attnum == col)
            .map(|c| (o, c)),
        _ => None,
    };
    let mut entries = match identity {
        Some((o, c)) => vec![identity_entry(m, r, o, c, ctx, &params)],
        None => standalone_entries(m, r, owning, ctx, &params),
    };
    let tag = q.ident(&r.row.name);
    entries.extend(comment_entry(ctx, &satellite(r, "SEQUENCE", &tag, &qname)));
    entries.extend(security_label_entry(r, "SEQUENCE", ctx));
    entries.extend(acl_entries(m, r, ctx));
    entries
}

/// The identity column's ALTER TABLE ... ADD GENERATED ... AS IDENTITY,
/// which creates the sequence.
fn identity_entry(
    m: &Model,
    r: &Rel,
    owner: &Rel,
    column: &Column,
    ctx: &RenderContext,
    params: &sql::SequenceParams,
) -> Entry {
    let q = &ctx.quoting;
    // Written only when the sequence's persistence differs from its table's.
    let persistence =
        (r.row.persistence != owner.row.persistence).then_some(if r.row.persistence == 'u' {
            "UNLOGGED"
        } else {
            "LOGGED"
        });
    Entry {
        tag: r.row.name.clone(),
        desc: "SEQUENCE".into(),
        schema: Some(r.row.schema.clone()),
        owner: Some(r.row.owner.clone()),
        defn: sql::identity_sequence(
            &m.qname(q, owner),
            &q.ident(&column.row.name),
            column.row.identity == 'a',
            &m.qname(q, r),
            persistence,
            params,
        ),
        ..Entry::default()
    }
}

/// CREATE SEQUENCE, then ALTER SEQUENCE ... OWNED BY when a dumped table's
/// column owns it.
fn standalone_entries(
    m: &Model,
    r: &Rel,
    owning: Option<(&Rel, i32)>,
    ctx: &RenderContext,
    params: &sql::SequenceParams,
) -> Vec<Entry> {
    let q = &ctx.quoting;
    let qname = m.qname(q, r);
    let mut entries = vec![Entry {
        tag: r.row.name.clone(),
        desc: "SEQUENCE".into(),
        schema: Some(r.row.schema.clone()),
        owner: Some(r.row.owner.clone()),
        defn: sql::create_sequence(&qname, r.row.persistence == 'u', params),
        owner_object: Some(format!("SEQUENCE {qname}")),
        ..Entry::default()
    }];
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
