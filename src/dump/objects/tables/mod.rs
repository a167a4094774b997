//! Tables, partitioned tables and sequences, with everything that hangs
//! off them: column defaults, CHECK and NOT NULL constraints, partition
//! attaches, indexes and their attaches, PRIMARY KEY / UNIQUE / EXCLUDE and
//! FOREIGN KEY constraints, table data and sequence values.
//!
//! Collection runs in three steps that [`collect_all`](super::collect_all)
//! calls at pg_dump's collection points: [`collect`] (the relations
//! themselves, which are locked), [`RelationState::collect_per_table`]
//! (defaults, constraints, indexes, attaches) and
//! [`RelationState::collect_data`] (TABLE DATA and SEQUENCE SET). The last
//! step freezes everything into one shared [`Model`] and attaches the
//! renderers, since a table's text depends on which of its defaults and
//! constraints stay inline.
//!
//! Files: this one holds the model and step one; `per_table.rs` step two;
//! `data.rs` step three and the data entries; `render.rs` the entries of a
//! table and its satellites.

mod data;
mod per_table;
mod render;

use data::data_entries;
pub(crate) use render::{acl_entries, satellite, security_label_entry};
use render::{attach_entries, attrdef_entries, table_entries};

use crate::pg::oid::{PG_ATTRDEF, PG_CLASS, PG_CONSTRAINT};
use std::collections::HashMap;
use std::sync::Arc;

use crate::archive::{
    Archive, DataSource, DumpId, DumpObject, Entry, HeaderPrefix, Kind, Render, RenderContext,
    Role, TieBreak,
};
use crate::catalog::helper::SharedRead;
use crate::catalog::relations::{
    self as cat_rel, AttrDefRow, ColumnRow, ConstraintRow, IndexRow, RelationRow, SequenceRow,
};
use crate::catalog::{Catalog, CatalogError};
use crate::pg::quote::{self, Quoting};
use crate::sql::table as sql;

use super::{acl_entry, comment_entry, AclSpec, Satellite};

/// A column default (or generation expression) of a table.
#[derive(Debug, Clone)]
pub(crate) struct Def {
    pub id: DumpId,
    pub expr: String,
    /// A generation expression the same as every parent's: not printed.
    pub hidden: bool,
}

/// How a column's NOT NULL marker stands (pg_dump's notnull flags).
#[derive(Debug, Clone)]
pub(crate) struct NotNull {
    /// The constraint name (server 18) or None (older servers: unnamed).
    pub name: Option<String>,
    /// The constraint's OID (server 18), for its comment.
    pub oid: u32,
    pub no_inherit: bool,
    /// Printed for this table (local, or no parent has it).
    pub local: bool,
}

/// One column with what was decided about it.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub row: ColumnRow,
    pub def: Option<Def>,
    pub nn: Option<NotNull>,
}

/// One relation with its parts.
#[derive(Debug, Clone)]
pub(crate) struct Rel {
    pub row: RelationRow,
    /// The relation's object (None for relations another family owns).
    pub id: Option<DumpId>,
    /// Whether its definition is dumped (not a system table, not an
    /// extension member).
    pub dumped: bool,
    pub columns: Vec<Column>,
    pub parents: Vec<u32>,
    /// Indexes into [`Model::constraints`] of its CHECK constraints.
    pub checks: Vec<usize>,
    pub seq: Option<SequenceRow>,
}

/// A table constraint read from pg_constraint with its object.
#[derive(Debug, Clone)]
pub(crate) struct Constraint {
    pub row: ConstraintRow,
    pub id: DumpId,
}

/// An index with its objects.
#[derive(Debug, Clone)]
pub(crate) struct Index {
    pub row: IndexRow,
    pub id: DumpId,
    /// The constraint object, for index-backed constraints.
    pub constraint_id: Option<DumpId>,
}

/// Everything collected about relations, shared by their renderers.
#[derive(Debug, Default)]
pub(crate) struct Model {
    pub rels: Vec<Rel>,
    pub by_oid: HashMap<u32, usize>,
    pub constraints: Vec<Constraint>,
    pub indexes: Vec<Index>,
    pub index_by_oid: HashMap<u32, usize>,
    /// `(table oid) -> [(attnum, column name, attacl)]`.
    pub column_acls: HashMap<u32, Vec<(i32, String, Option<String>)>>,
    /// Sequence values by sequence OID.
    pub seq_values: HashMap<u32, (i64, bool)>,
    /// Tables (by index) that have a TABLE DATA object. (Their COPY and
    /// SELECT statements are rebuilt when rendered, not held: 1.3 MiB on
    /// W4.)
    pub data: std::collections::HashSet<usize>,
    /// Tables (by index) whose COPY is known to return no rows.
    pub empty: std::collections::HashSet<usize>,
}

impl Model {
    pub(crate) fn rel(&self, oid: u32) -> Option<&Rel> {
        self.by_oid.get(&oid).map(|&i| &self.rels[i])
    }

    /// The quoted, qualified name of a relation.
    pub(crate) fn qname(&self, q: &Quoting, r: &Rel) -> String {
        q.qualified(&r.row.schema, &r.row.name)
    }

    /// A column's name by attnum.
    pub(crate) fn column_name<'a>(&self, r: &'a Rel, attnum: i32) -> Option<&'a str> {
        r.columns
            .iter()
            .find(|c| c.row.attnum == attnum)
            .map(|c| c.row.name.as_str())
    }
}

/// What one of this family's objects is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum What {
    Table(usize),
    Sequence(usize),
    AttrDef { rel: usize, column: usize },
    TableAttach(usize),
    Check(usize),
    NotNull(usize),
    ForeignKey(usize),
    Index(usize),
    IndexConstraint(usize),
    IndexAttach { child: usize, parent: usize },
    TableData(usize),
    SequenceSet(usize),
}

/// The renderer of every object of this family.
#[derive(Debug)]
struct RelRender {
    model: Model,
    /// What each object is, by the object's `payload`.
    whats: Vec<What>,
}

impl Render for RelRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        let m = &self.model;
        let what = self.whats[archive.objects[id].payload];
        let o = &ctx.opts;
        let data = matches!(what, What::TableData(_) | What::SequenceSet(_));
        // Definitions are left out by --data-only, --no-schema and
        // --statistics-only; data by --statistics-only too.
        if o.statistics_only || (!data && (o.data_only || o.no_schema)) {
            return Vec::new();
        }
        match what {
            What::Table(t) => table_entries(m, t, id, archive, ctx),
            What::Sequence(t) => super::sequences::sequence_entries(m, t, id, archive, ctx),
            What::AttrDef { rel, column } => attrdef_entries(m, rel, column, id, archive, ctx),
            What::TableAttach(t) => attach_entries(m, t, ctx),
            What::Check(c) | What::NotNull(c) => {
                super::constraints::separate_entries(m, c, id, archive, ctx)
            }
            What::ForeignKey(c) => super::constraints::foreign_key_entries(m, c, ctx),
            What::Index(i) => super::indexes::index_entries(m, i, ctx),
            What::IndexConstraint(i) => super::constraints::index_constraint_entries(m, i, ctx),
            What::IndexAttach { child, parent } => {
                super::indexes::attach_entries(m, child, parent, ctx)
            }
            What::TableData(t) => data_entries(m, t, ctx),
            What::SequenceSet(t) => super::sequences::setval_entries(m, t, ctx),
        }
    }
}

/// Collection state between the three steps.
#[derive(Debug, Default)]
pub(crate) struct RelationState {
    model: Model,
    objects: Vec<(DumpId, What)>,
}

/// Step one: every relation of kind r, p and S (system ones for their
/// ACLs and the sort), and locks the tables to be dumped.
pub(crate) async fn collect(
    cat: &Catalog<'_>,
    archive: &mut Archive,
) -> Result<RelationState, CatalogError> {
    let rows = cat_rel::relations(cat).await?;
    let mut seqs: HashMap<u32, SequenceRow> = cat_rel::sequences(cat)
        .await?
        .into_iter()
        .map(|s| (s.oid, s))
        .collect();
    let mut state = RelationState::default();
    // Exactly as many as read: every relation of the database is held
    // through the dump, and a doubled Vec's spare half is 3 MiB on W4.
    state.model.rels.reserve_exact(rows.len());
    state.model.by_oid.reserve(rows.len());
    let mut lock = Vec::new();
    for row in rows {
        let dumped = !row.system && !row.member;
        let idx = state.model.rels.len();
        let id = if row.relkind == 'm' {
            // Materialized views belong to another family; their rows are
            // here for their indexes.
            None
        } else {
            let mut obj = DumpObject::new(
                Kind::Table,
                (PG_CLASS, row.oid),
                Some(row.schema.clone()),
                row.name.clone(),
            );
            obj.role = Role::Relation {
                relkind: row.relkind,
            };
            // pg_catalog's tables print their changed ACLs only; other
            // system relations never print.
            obj.dump = dumped || (row.system && row.schema == "pg_catalog");
            let id = archive.add(obj);
            state.objects.push((
                id,
                if row.relkind == 'S' {
                    What::Sequence(idx)
                } else {
                    What::Table(idx)
                },
            ));
            Some(id)
        };
        if (dumped || row.extras().config_filter.is_some()) && matches!(row.relkind, 'r' | 'p') {
            lock.push(idx);
        }
        state.model.by_oid.insert(row.oid, idx);
        let seq = seqs.remove(&row.oid);
        state.model.rels.push(Rel {
            row,
            id,
            dumped,
            columns: Vec::new(),
            parents: Vec::new(),
            checks: Vec::new(),
            seq,
        });
    }
    let rels = &state.model.rels;
    let lock: Vec<String> = lock
        .iter()
        .map(|&i| {
            let r = &rels[i].row;
            format!("{}.{}", quote::ident(&r.schema), quote::ident(&r.name))
        })
        .collect();
    cat_rel::lock_tables(cat, &lock).await?;
    Ok(state)
}

fn should_print_column(r: &Rel, c: &ColumnRow) -> bool {
    (c.is_local || r.row.is_partition) && !c.dropped
}
