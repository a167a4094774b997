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
use crate::pg::quote::Quoting;
use crate::sql::table as sql;

use super::{acl_entry, comment_entry, AclSpec, Satellite};

/// A column default (or generation expression) of a table.
#[derive(Debug, Clone)]
pub struct Def {
    pub id: DumpId,
    pub expr: String,
    /// A generation expression the same as every parent's: not printed.
    pub hidden: bool,
}

/// How a column's NOT NULL marker stands (pg_dump's notnull flags).
#[derive(Debug, Clone)]
pub struct NotNull {
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
pub struct Column {
    pub row: ColumnRow,
    pub def: Option<Def>,
    pub nn: Option<NotNull>,
}

/// One relation with its parts.
#[derive(Debug, Clone)]
pub struct Rel {
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
pub struct Constraint {
    pub row: ConstraintRow,
    pub id: DumpId,
}

/// An index with its objects.
#[derive(Debug, Clone)]
pub struct Index {
    pub row: IndexRow,
    pub id: DumpId,
    /// The constraint object, for index-backed constraints.
    pub constraint_id: Option<DumpId>,
}

/// Everything collected about relations, shared by their renderers.
#[derive(Debug, Default)]
pub struct Model {
    pub rels: Vec<Rel>,
    pub by_oid: HashMap<u32, usize>,
    pub constraints: Vec<Constraint>,
    pub indexes: Vec<Index>,
    pub index_by_oid: HashMap<u32, usize>,
    /// `(table oid) -> [(attnum, column name, attacl)]`.
    pub column_acls: HashMap<u32, Vec<(i32, String, Option<String>)>>,
    /// Sequence values by sequence OID.
    pub seq_values: HashMap<u32, (i64, bool)>,
    /// Server-side COPY statements of tables, by table index.
    pub copy: HashMap<usize, String>,
    /// Tables (by index) whose COPY is known to return no rows.
    pub empty: std::collections::HashSet<usize>,
    /// Server-side `SELECT <copy columns> FROM ONLY t` of tables, for
    /// `--inserts`, by table index.
    pub select: HashMap<usize, String>,
}

impl Model {
    pub fn rel(&self, oid: u32) -> Option<&Rel> {
        self.by_oid.get(&oid).map(|&i| &self.rels[i])
    }

    /// The quoted, qualified name of a relation.
    pub fn qname(&self, q: &Quoting, r: &Rel) -> String {
        q.qualified(&r.row.schema, &r.row.name)
    }

    /// A column's name by attnum.
    pub fn column_name<'a>(&self, r: &'a Rel, attnum: i32) -> Option<&'a str> {
        r.columns
            .iter()
            .find(|c| c.row.attnum == attnum)
            .map(|c| c.row.name.as_str())
    }
}

/// What one of this family's objects is.
#[derive(Debug, Clone, Copy)]
pub enum What {
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
    model: Arc<Model>,
    what: What,
}

impl Render for RelRender {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry> {
        let m = &self.model;
        let o = &ctx.opts;
        let data = matches!(self.what, What::TableData(_) | What::SequenceSet(_));
        // Definitions are left out by --data-only, --no-schema and
        // --statistics-only; data by --statistics-only too.
        if o.statistics_only || (!data && (o.data_only || o.no_schema)) {
            return Vec::new();
        }
        match self.what {
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
pub struct RelationState {
    model: Model,
    objects: Vec<(DumpId, What)>,
}

/// Step one: every relation of kind r, p and S (system ones for their
/// ACLs and the sort), and locks the tables to be dumped.
pub async fn collect(
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
        if dumped && matches!(row.relkind, 'r' | 'p') {
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
    let sendable = cat_rel::Sendable::prepare(
        cat,
        lock.iter()
            .flat_map(|&i| [rels[i].row.schema.as_str(), rels[i].row.name.as_str()]),
    )
    .await?;
    let lock: Vec<String> = lock
        .iter()
        .map(|&i| sendable.qualified(&rels[i].row.schema, &rels[i].row.name))
        .collect();
    cat_rel::lock_tables(cat, &lock).await?;
    Ok(state)
}

fn should_print_column(r: &Rel, c: &ColumnRow) -> bool {
    (c.is_local || r.row.is_partition) && !c.dropped
}

impl RelationState {
    /// Step two: partition attaches, column defaults, CHECK and NOT NULL
    /// constraints, indexes with their constraints and attaches, and
    /// foreign keys.
    pub async fn collect_per_table(
        &mut self,
        cat: &Catalog<'_>,
        archive: &mut Archive,
    ) -> Result<(), CatalogError> {
        let v18 = cat.server_version_num >= 180000;
        let columns = cat
            .shared(SharedRead::Columns, cat_rel::columns(cat))
            .await?;
        let defs = cat_rel::attrdefs(cat).await?;
        let constraints = cat
            .shared(
                SharedRead::TableConstraints,
                cat_rel::table_constraints(cat),
            )
            .await?;
        let inherits = cat_rel::inherits(cat).await?;
        let indexes = cat
            .shared(SharedRead::Indexes, cat_rel::indexes(cat))
            .await?;
        for (table, attnum, name, acl) in cat
            .shared(SharedRead::ColumnAcls, cat_rel::column_acls(cat))
            .await?
        {
            self.model
                .column_acls
                .entry(table)
                .or_default()
                .push((attnum, name, acl));
        }
        let m = &mut self.model;

        for row in columns {
            let Some(&t) = m.by_oid.get(&row.table) else {
                continue;
            };
            let nn = if v18 {
                row.nn.as_ref().filter(|n| n.validated).map(|n| NotNull {
                    name: Some(n.name.clone()),
                    oid: n.oid,
                    no_inherit: n.no_inherit,
                    local: n.is_local,
                })
            } else if row.not_null {
                Some(NotNull {
                    name: None,
                    oid: 0,
                    no_inherit: false,
                    local: row.is_local || row.not_null,
                })
            } else {
                None
            };
            m.rels[t].columns.push(Column { row, def: None, nn });
        }
        for (child, parent) in inherits {
            if let Some(&t) = m.by_oid.get(&child) {
                m.rels[t].parents.push(parent);
            }
        }

        // Partition attaches.
        for t in 0..m.rels.len() {
            let r = &m.rels[t];
            let (Some(id), true, true) = (r.id, r.dumped, r.row.is_partition) else {
                continue;
            };
            let Some(parent_id) = r.parents.first().and_then(|p| m.rel(*p)).and_then(|p| p.id)
            else {
                continue;
            };
            let mut obj = DumpObject::new(
                Kind::TableAttach,
                (0, 0),
                Some(r.row.schema.clone()),
                r.row.name.clone(),
            );
            obj.deps = vec![id, parent_id];
            let aid = archive.add(obj);
            self.objects.push((aid, What::TableAttach(t)));
        }

        // Column defaults.
        for d in defs {
            let AttrDefRow {
                oid,
                table,
                attnum,
                expr,
            } = d;
            let Some(&t) = m.by_oid.get(&table) else {
                continue;
            };
            let r = &m.rels[t];
            let (Some(tid), true) = (r.id, r.dumped) else {
                continue;
            };
            let Some(ci) = r.columns.iter().position(|c| c.row.attnum == attnum) else {
                continue;
            };
            let col = &r.columns[ci].row;
            if col.dropped {
                continue;
            }
            let separate = col.generated == '\0' && !should_print_column(r, col);
            let mut obj = DumpObject::new(
                Kind::AttrDef,
                (PG_ATTRDEF, oid),
                Some(r.row.schema.clone()),
                r.row.name.clone(),
            );
            obj.tie = TieBreak::Int(attnum as i64);
            obj.role = Role::AttrDef { table: tid };
            obj.repairs.separate = separate;
            let id = archive.add(obj);
            if !separate {
                archive.add_dep(tid, id);
            }
            self.objects
                .push((id, What::AttrDef { rel: t, column: ci }));
            m.rels[t].columns[ci].def = Some(Def {
                id,
                expr,
                hidden: false,
            });
        }

        // CHECK constraints (and NOT VALID not-nulls) then foreign keys.
        let mut fks = Vec::new();
        for row in constraints {
            let Some(&t) = m.by_oid.get(&row.table) else {
                continue;
            };
            let r = &m.rels[t];
            let (Some(tid), true) = (r.id, r.dumped) else {
                continue;
            };
            if row.contype == 'f' {
                fks.push((t, row));
                continue;
            }
            let mut obj = DumpObject::table_constraint(
                Kind::Constraint,
                (PG_CONSTRAINT, row.oid),
                &r.row.schema,
                &r.row.name,
                &row.name,
            );
            let separate = !row.validated;
            obj.repairs.separate = separate;
            let check = row.contype == 'c';
            obj.role = if check {
                Role::TableCheck { table: tid }
            } else {
                Role::OtherConstraint
            };
            let id = archive.add(obj);
            if check && !separate {
                archive.add_dep(tid, id);
            }
            let ci = m.constraints.len();
            m.constraints.push(Constraint { row, id });
            if check {
                m.rels[t].checks.push(ci);
            }
            self.objects.push((
                id,
                if check {
                    What::Check(ci)
                } else {
                    What::NotNull(ci)
                },
            ));
        }

        // What inheritance changes (pg_dump's flagInhAttrs).
        for t in 0..m.rels.len() {
            let r = &m.rels[t];
            let (Some(tid), true) = (r.id, r.dumped) else {
                continue;
            };
            if r.parents.is_empty() || r.row.relkind == 'S' {
                continue;
            }
            for ci in 0..m.rels[t].columns.len() {
                let r = &m.rels[t];
                let col = &r.columns[ci];
                if col.row.dropped {
                    continue;
                }
                let mut found_not_null = false;
                let mut all_not_nulls_invalid = true;
                let mut found_default = false;
                let mut found_same_generated = false;
                let mut found_diff_generated = false;
                for p in &r.parents {
                    let Some(parent) = m.rel(*p) else { continue };
                    let Some(pc) = parent
                        .columns
                        .iter()
                        .find(|c| c.row.name == col.row.name && !c.row.dropped)
                    else {
                        continue;
                    };
                    if !v18 && pc.nn.is_some() {
                        found_not_null = true;
                    }
                    if v18 && pc.nn.is_some() {
                        all_not_nulls_invalid = false;
                    }
                    let pdef = pc.def.as_ref();
                    if let Some(pd) = pdef {
                        if pd.expr != "NULL" && pc.row.generated == '\0' {
                            found_default = true;
                        }
                    }
                    if pc.row.generated != '\0' {
                        match (pdef, &col.def) {
                            (Some(pd), Some(cd)) if pd.expr == cd.expr => {
                                found_same_generated = true
                            }
                            _ => found_diff_generated = true,
                        }
                    }
                }
                let print = should_print_column(r, &col.row);
                let is_partition = r.row.is_partition;
                let schema = r.row.schema.clone();
                let name = r.row.name.clone();
                let attnum = col.row.attnum;
                let has_def = col.def.is_some();
                let colm = &mut m.rels[t].columns[ci];
                if let Some(nn) = colm.nn.as_mut() {
                    if !v18 && found_not_null {
                        nn.local = false;
                    }
                    if v18 && all_not_nulls_invalid {
                        nn.local = true;
                    }
                }
                if found_default && !has_def {
                    let mut obj = DumpObject::new(Kind::AttrDef, (0, 0), Some(schema), name);
                    obj.tie = TieBreak::Int(attnum as i64);
                    obj.role = Role::AttrDef { table: tid };
                    obj.repairs.separate = !print;
                    if !print {
                        obj.deps.push(tid);
                    }
                    let id = archive.add(obj);
                    self.objects
                        .push((id, What::AttrDef { rel: t, column: ci }));
                    colm.def = Some(Def {
                        id,
                        expr: "NULL".into(),
                        hidden: false,
                    });
                }
                if found_same_generated && !found_diff_generated && !is_partition {
                    if let Some(d) = colm.def.as_mut() {
                        d.hidden = true;
                        archive.objects[d.id].dump = false;
                    }
                }
            }
        }

        // Indexes and the constraints they implement.
        for row in indexes {
            let Some(&t) = m.by_oid.get(&row.table) else {
                continue;
            };
            let r = &m.rels[t];
            if !r.dumped {
                continue;
            }
            let mut obj = DumpObject::new(
                Kind::Index,
                (PG_CLASS, row.oid),
                Some(r.row.schema.clone()),
                row.name.clone(),
            );
            obj.role = Role::Index {
                parent_index: row.parent,
            };
            let id = archive.add(obj);
            let ii = m.indexes.len();
            self.objects.push((id, What::Index(ii)));
            let constraint_id = row.constraint.as_ref().map(|c| {
                let mut obj = DumpObject::table_constraint(
                    Kind::Constraint,
                    (PG_CONSTRAINT, c.oid),
                    &r.row.schema,
                    &r.row.name,
                    &c.name,
                );
                obj.role = Role::OtherConstraint;
                obj.repairs.separate = true;
                let cid = archive.add(obj);
                self.objects.push((cid, What::IndexConstraint(ii)));
                cid
            });
            m.index_by_oid.insert(row.oid, ii);
            m.indexes.push(Index {
                row,
                id,
                constraint_id,
            });
        }

        // Index attaches, partition by partition (pg_dump's flagInhIndexes).
        let mut attaches_of: HashMap<usize, Vec<(DumpId, usize)>> = HashMap::new();
        let mut by_table: HashMap<u32, Vec<usize>> = HashMap::new();
        for (i, ix) in m.indexes.iter().enumerate() {
            by_table.entry(ix.row.table).or_default().push(i);
        }
        for t in 0..m.rels.len() {
            let r = &m.rels[t];
            if !r.row.is_partition || r.parents.is_empty() {
                continue;
            }
            for &i in by_table.get(&r.row.oid).map(Vec::as_slice).unwrap_or(&[]) {
                let ix = &m.indexes[i];
                if ix.row.parent == 0 {
                    continue;
                }
                let Some(&pi) = m.index_by_oid.get(&ix.row.parent) else {
                    continue;
                };
                let parent = &m.indexes[pi];
                let mut obj = DumpObject::new(
                    Kind::IndexAttach,
                    (0, 0),
                    Some(r.row.schema.clone()),
                    ix.row.name.clone(),
                );
                let mut deps = vec![ix.id, parent.id];
                deps.extend(m.rel(ix.row.table).and_then(|x| x.id));
                deps.extend(m.rel(parent.row.table).and_then(|x| x.id));
                obj.deps = deps;
                let aid = archive.add(obj);
                self.objects.push((
                    aid,
                    What::IndexAttach {
                        child: i,
                        parent: pi,
                    },
                ));
                attaches_of.entry(pi).or_default().push((aid, i));
            }
        }

        // Foreign keys.
        for (t, row) in fks {
            let r = &m.rels[t];
            let mut obj = DumpObject::table_constraint(
                Kind::FkConstraint,
                (PG_CONSTRAINT, row.oid),
                &r.row.schema,
                &r.row.name,
                &row.name,
            );
            obj.role = Role::OtherConstraint;
            obj.repairs.separate = true;
            // An FK to a partitioned table waits for its index tree.
            if m.rel(row.ref_table).map(|x| x.row.relkind) == Some('p') {
                if let Some(&pi) = m.index_by_oid.get(&row.ref_index) {
                    let mut stack = vec![pi];
                    while let Some(i) = stack.pop() {
                        for &(aid, child) in attaches_of.get(&i).map(Vec::as_slice).unwrap_or(&[]) {
                            obj.deps.push(aid);
                            stack.push(child);
                        }
                    }
                }
            }
            let id = archive.add(obj);
            let ci = m.constraints.len();
            m.constraints.push(Constraint { row, id });
            self.objects.push((id, What::ForeignKey(ci)));
        }
        Ok(())
    }

    /// Step three: TABLE DATA and SEQUENCE SET objects, sequence values,
    /// the tables known empty (`copy_data`: data goes out as COPY);
    /// then attaches every renderer.
    pub async fn collect_data(
        mut self,
        cat: &Catalog<'_>,
        archive: &mut Archive,
        copy_data: bool,
    ) -> Result<(), CatalogError> {
        let mut seq_names = Vec::new();
        // Every name the COPY statements hold, made sendable at once.
        let sendable = {
            let copied = self
                .model
                .rels
                .iter()
                .filter(|r| r.id.is_some() && r.dumped && r.row.relkind == 'r');
            let names: Vec<&str> = copied
                .flat_map(|r| {
                    let mut v = vec![r.row.schema.as_str(), r.row.name.as_str()];
                    v.extend(copy_columns(r));
                    v
                })
                .collect();
            cat_rel::Sendable::prepare(cat, names).await?
        };
        let empty = if copy_data {
            let oids: Vec<u32> = self
                .model
                .rels
                .iter()
                .filter(|r| r.id.is_some() && r.dumped && r.row.relkind == 'r')
                .map(|r| r.row.oid)
                .collect();
            cat_rel::empty_heap_tables(cat, &oids).await?
        } else {
            Default::default()
        };
        for t in 0..self.model.rels.len() {
            let r = &self.model.rels[t];
            let (Some(tid), true) = (r.id, r.dumped) else {
                continue;
            };
            match r.row.relkind {
                'r' => {
                    let mut obj = DumpObject::new(
                        Kind::TableData,
                        (0, r.row.oid),
                        Some(r.row.schema.clone()),
                        r.row.name.clone(),
                    );
                    obj.deps.push(tid);
                    let id = archive.add(obj);
                    self.objects.push((id, What::TableData(t)));
                    let cols: Vec<String> = copy_columns(r)
                        .into_iter()
                        .map(|c| sendable.ident(c))
                        .collect();
                    let list = if cols.is_empty() {
                        String::new()
                    } else {
                        format!("({})", cols.join(", "))
                    };
                    let qname = sendable.qualified(&r.row.schema, &r.row.name);
                    let server = cat_rel::server_text(&format!("COPY {qname} {list} TO stdout;"))?;
                    if empty.contains(&r.row.oid) {
                        self.model.empty.insert(t);
                    } else {
                        archive.copy_statements.push(server.clone());
                    }
                    self.model.copy.insert(t, server);
                    // Aliased: a result column name need not be UTF-8.
                    let aliased: Vec<String> = cols
                        .iter()
                        .enumerate()
                        .map(|(i, c)| format!("{c} AS c{}", i + 1))
                        .collect();
                    let select = cat_rel::server_text(&format!(
                        "SELECT {} FROM ONLY {qname}",
                        aliased.join(", ")
                    ))?;
                    self.model.select.insert(t, select);
                }
                'S' => {
                    let mut obj = DumpObject::new(
                        Kind::SequenceSet,
                        (0, r.row.oid),
                        Some(r.row.schema.clone()),
                        r.row.name.clone(),
                    );
                    obj.deps.push(tid);
                    let id = archive.add(obj);
                    self.objects.push((id, What::SequenceSet(t)));
                    seq_names.push((r.row.oid, r.row.schema.clone(), r.row.name.clone()));
                }
                _ => {}
            }
        }
        for (oid, last, called) in cat_rel::sequence_values(cat, &seq_names).await? {
            if let (Some(last), Some(called)) = (last, called) {
                self.model.seq_values.insert(oid, (last, called));
            }
        }
        let model = Arc::new(self.model);
        for (id, what) in self.objects {
            archive.objects[id].render = Some(Arc::new(RelRender {
                model: model.clone(),
                what,
            }));
        }
        Ok(())
    }
}

/// The satellite identity of a relation.
pub fn satellite<'a>(
    r: &'a Rel,
    keyword: &'a str,
    tag_name: &'a str,
    sql_name: &'a str,
) -> Satellite<'a> {
    Satellite {
        keyword,
        tag_name,
        sql_name,
        schema: Some(&r.row.schema),
        owner: Some(&r.row.owner),
        address: (PG_CLASS, r.row.oid, 0),
    }
}

/// The relation's ACL entry and its columns' ACL entries.
pub fn acl_entries(m: &Model, r: &Rel, ctx: &RenderContext) -> Vec<Entry> {
    let q = &ctx.quoting;
    let object_type = if r.row.relkind == 'S' {
        "SEQUENCE"
    } else {
        "TABLE"
    };
    let tag = q.ident(&r.row.name);
    let qname = m.qname(q, r);
    let mut out = Vec::new();
    let sat = satellite(r, object_type, &tag, &qname);
    out.extend(acl_entry(
        ctx,
        &sat,
        &AclSpec {
            object_type,
            acl: r.row.acl.as_deref(),
            acl_default: &r.row.acl_default,
            owner_name: Some(&r.row.owner),
            column: None,
        },
    ));
    for (attnum, name, acl) in m
        .column_acls
        .get(&r.row.oid)
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        let col = q.ident(name);
        let tag = format!("{}.{col}", q.ident(&r.row.name));
        let mut sat = satellite(r, "COLUMN", &tag, &qname);
        sat.address = (PG_CLASS, r.row.oid, *attnum);
        out.extend(acl_entry(
            ctx,
            &sat,
            &AclSpec {
                object_type: "TABLE",
                acl: acl.as_deref(),
                acl_default: "{}",
                owner_name: Some(&r.row.owner),
                column: Some(&col),
            },
        ));
    }
    out
}

/// The SECURITY LABEL entry of a relation and its columns.
pub fn security_label_entry(r: &Rel, keyword: &str, ctx: &RenderContext) -> Option<Entry> {
    if ctx.opts.no_security_labels {
        return None;
    }
    if ctx.security_labels.is_empty() {
        return None;
    }
    let q = &ctx.quoting;
    let qname = q.qualified(&r.row.schema, &r.row.name);
    let mut defn = String::new();
    // Targets are formatted only for labelled objects: most have none.
    let mut add = |subid: i32, target: &dyn Fn() -> String| {
        if let Some(labels) = ctx.security_labels.get(&(PG_CLASS, r.row.oid, subid)) {
            let target = target();
            for (provider, label) in labels {
                defn.push_str(&format!(
                    "SECURITY LABEL FOR {} ON {target} IS {};\n",
                    q.ident(provider),
                    q.literal(label)
                ));
            }
        }
    };
    add(0, &|| format!("{keyword} {qname}"));
    for c in &r.columns {
        if !c.row.dropped {
            add(c.row.attnum, &|| {
                format!("COLUMN {qname}.{}", q.ident(&c.row.name))
            });
        }
    }
    if defn.is_empty() {
        return None;
    }
    Some(Entry {
        tag: format!("{keyword} {}", q.ident(&r.row.name)),
        desc: "SECURITY LABEL".into(),
        schema: Some(r.row.schema.clone()),
        owner: Some(r.row.owner.clone()),
        defn,
        ..Entry::default()
    })
}

/// How a NOT NULL prints: None for unnamed, else the constraint name.
fn not_null_name<'a>(r: &Rel, c: &Column, nn: &'a NotNull, ctx: &RenderContext) -> Option<&'a str> {
    let name = nn.name.as_deref()?;
    let default = format!("{}_{}_not_null", r.row.name, c.row.name);
    if name == default && !ctx.comments.contains_key(&(PG_CONSTRAINT, nn.oid, 0)) {
        None
    } else {
        Some(name)
    }
}

/// The TABLE entry and its satellites.
fn table_entries(
    m: &Model,
    t: usize,
    id: DumpId,
    archive: &Archive,
    ctx: &RenderContext,
) -> Vec<Entry> {
    let r = &m.rels[t];
    if !r.dumped {
        return acl_entries(m, r, ctx);
    }
    let q = &ctx.quoting;
    let qname = m.qname(q, r);
    let typed = r.row.of_type.is_some();
    let mut items = Vec::new();
    for c in &r.columns {
        if c.row.dropped {
            continue;
        }
        if should_print_column(r, &c.row) {
            let print_default = c
                .def
                .as_ref()
                .filter(|d| !d.hidden && !archive.objects[d.id].repairs.separate);
            let print_nn = c.nn.as_ref().filter(|nn| nn.local || r.row.is_partition);
            if typed && print_default.is_none() && print_nn.is_none() {
                continue;
            }
            let collation = c.row.collation.as_ref().map(|(s, n)| q.qualified(s, n));
            let item = sql::ColumnItem {
                name: &c.row.name,
                type_name: if typed { None } else { Some(&c.row.type_name) },
                default: print_default.map(|d| match c.row.generated {
                    's' => sql::InlineDefault::Stored(&d.expr),
                    'v' => sql::InlineDefault::Virtual(&d.expr),
                    _ => sql::InlineDefault::Default(&d.expr),
                }),
                not_null: print_nn.map(|nn| sql::InlineNotNull {
                    name: not_null_name(r, c, nn, ctx),
                    no_inherit: nn.no_inherit,
                }),
                collation: collation.as_deref(),
            };
            items.push(sql::column_item(q, &item));
        } else if let Some(nn) = c.nn.as_ref().filter(|nn| nn.local) {
            items.push(sql::standalone_not_null(
                q,
                &c.row.name,
                not_null_name(r, c, nn, ctx),
            ));
        }
    }
    for &ci in &r.checks {
        let con = &m.constraints[ci];
        if archive.objects[con.id].repairs.separate || (!con.row.is_local && !r.row.is_partition) {
            continue;
        }
        items.push(sql::check_item(q, &con.row.name, &con.row.definition));
    }
    let mut with = String::new();
    if !r.row.reloptions.is_empty() {
        with.push_str(&sql::reloptions(q, &r.row.reloptions, ""));
    }
    if !r.row.toast_reloptions.is_empty() {
        if !with.is_empty() {
            with.push_str(", ");
        }
        with.push_str(&sql::reloptions(q, &r.row.toast_reloptions, "toast."));
    }
    let inherits: Vec<String> = if r.row.is_partition {
        Vec::new()
    } else {
        r.parents
            .iter()
            .filter_map(|p| m.rel(*p))
            .map(|p| m.qname(q, p))
            .collect()
    };
    let mut defn = sql::create_table(&sql::CreateTable {
        qname: &qname,
        unlogged: r.row.persistence == 'u' && r.row.relkind != 'p',
        of_type: r.row.of_type.as_deref(),
        items,
        inherits,
        partition_by: r.row.partkeydef.as_deref(),
        with: (!with.is_empty()).then_some(with),
    });
    for c in &r.columns {
        if c.row.dropped {
            continue;
        }
        let storage = if c.row.storage != c.row.type_storage {
            sql::storage_keyword(c.row.storage)
        } else {
            None
        };
        let compression = if ctx.opts.no_toast_compression {
            None
        } else {
            sql::compression_name(c.row.compression)
        };
        defn.push_str(&sql::column_settings(
            q,
            &qname,
            &sql::ColumnSettings {
                name: &c.row.name,
                stat_target: c.row.stat_target,
                storage,
                compression,
                options: &c.row.options,
            },
        ));
    }
    defn.push_str(&sql::replica_identity(&qname, r.row.replident));
    if r.row.force_row_security {
        defn.push_str(&sql::force_row_security(&qname));
    }
    let partitioned = r.row.relkind == 'p';
    let after_owner = match (&r.row.am, partitioned, ctx.opts.no_table_access_method) {
        (Some(am), true, false) => Some(format!(
            "ALTER TABLE {qname} SET ACCESS METHOD {};\n\n",
            q.ident(am)
        )),
        _ => None,
    };
    let mut entries = vec![Entry {
        tag: r.row.name.clone(),
        desc: "TABLE".into(),
        schema: Some(r.row.schema.clone()),
        owner: Some(r.row.owner.clone()),
        tablespace: Some(r.row.tablespace.clone()),
        table_am: if partitioned { None } else { r.row.am.clone() },
        defn,
        owner_object: Some(format!("TABLE {qname}")),
        after_owner,
        ..Entry::default()
    }];
    let _ = id;
    let tag = q.ident(&r.row.name);
    entries.extend(comment_entry(ctx, &satellite(r, "TABLE", &tag, &qname)));
    for c in &r.columns {
        let col = format!("{tag}.{}", q.ident(&c.row.name));
        let sql_col = format!("{qname}.{}", q.ident(&c.row.name));
        let mut sat = satellite(r, "COLUMN", &col, &sql_col);
        sat.address = (PG_CLASS, r.row.oid, c.row.attnum);
        entries.extend(comment_entry(ctx, &sat));
    }
    entries.extend(security_label_entry(r, "TABLE", ctx));
    // Comments of inline NOT NULL constraints (server 18).
    if !ctx.opts.no_comments {
        for c in &r.columns {
            let Some(nn) = &c.nn else { continue };
            let Some(name) = not_null_name(r, c, nn, ctx) else {
                continue;
            };
            let Some(text) = ctx.comments.get(&(PG_CONSTRAINT, nn.oid, 0)) else {
                continue;
            };
            entries.push(Entry {
                tag: format!("CONSTRAINT {} ON {tag}", q.ident(name)),
                desc: "COMMENT".into(),
                schema: Some(r.row.schema.clone()),
                owner: Some(r.row.owner.clone()),
                defn: format!(
                    "COMMENT ON CONSTRAINT {} ON {qname} IS {};\n",
                    q.ident(name),
                    q.literal(text)
                ),
                ..Entry::default()
            });
        }
    }
    // Comments of inline CHECK constraints.
    for &ci in &r.checks {
        let con = &m.constraints[ci];
        if archive.objects[con.id].repairs.separate || !con.row.is_local {
            continue;
        }
        entries.extend(super::constraints::constraint_comment(r, con, ctx));
    }
    entries.extend(acl_entries(m, r, ctx));
    entries
}

/// A separate column default.
fn attrdef_entries(
    m: &Model,
    t: usize,
    ci: usize,
    id: DumpId,
    archive: &Archive,
    ctx: &RenderContext,
) -> Vec<Entry> {
    let r = &m.rels[t];
    let c = &r.columns[ci];
    let Some(d) = &c.def else { return Vec::new() };
    if !r.dumped || !archive.objects[id].repairs.separate || d.hidden {
        return Vec::new();
    }
    let q = &ctx.quoting;
    let qname = m.qname(q, r);
    vec![Entry {
        tag: format!("{} {}", r.row.name, c.row.name),
        desc: "DEFAULT".into(),
        schema: Some(r.row.schema.clone()),
        owner: Some(r.row.owner.clone()),
        defn: sql::separate_default(q, &qname, &c.row.name, &d.expr),
        ..Entry::default()
    }]
}

/// The TABLE ATTACH entry of a partition.
fn attach_entries(m: &Model, t: usize, ctx: &RenderContext) -> Vec<Entry> {
    let r = &m.rels[t];
    let q = &ctx.quoting;
    let (Some(parent), Some(bound)) = (r.parents.first().and_then(|p| m.rel(*p)), &r.row.partbound)
    else {
        return Vec::new();
    };
    vec![Entry {
        tag: r.row.name.clone(),
        desc: "TABLE ATTACH".into(),
        schema: Some(r.row.schema.clone()),
        owner: Some(r.row.owner.clone()),
        defn: sql::attach_partition(&m.qname(q, parent), &m.qname(q, r), bound),
        ..Entry::default()
    }]
}

/// The columns COPY reads and writes: not dropped, not generated.
fn copy_columns(r: &Rel) -> Vec<&str> {
    r.columns
        .iter()
        .filter(|c| !c.row.dropped && c.row.generated == '\0')
        .map(|c| c.row.name.as_str())
        .collect()
}

/// The partitioned table a partition's data loads through, if any.
fn load_root<'a>(m: &'a Model, r: &'a Rel, ctx: &RenderContext) -> Option<&'a Rel> {
    if !r.row.is_partition {
        return None;
    }
    let mut forced = false;
    let mut root = r;
    while let Some(p) = root.parents.first().and_then(|p| m.rel(*p)) {
        forced |= p.row.unsafe_partitions;
        root = p;
        if !root.row.is_partition {
            break;
        }
    }
    (ctx.opts.load_via_partition_root || forced).then_some(root)
}

/// The TABLE DATA entry of a table.
fn data_entries(m: &Model, t: usize, ctx: &RenderContext) -> Vec<Entry> {
    let r = &m.rels[t];
    if ctx.opts.no_unlogged_table_data && r.row.persistence == 'u' {
        return Vec::new();
    }
    if ctx.opts.schema_only || ctx.opts.no_data {
        return Vec::new();
    }
    let Some(server_copy) = m.copy.get(&t) else {
        return Vec::new();
    };
    let q = &ctx.quoting;
    let list = sql::copy_column_list(q, &copy_columns(r));
    let (target, defn) = match load_root(m, r, ctx) {
        Some(root) => {
            let rq = m.qname(q, root);
            (
                rq.clone(),
                crate::pg::quote::comment(&format!("load via partition root {rq}")),
            )
        }
        None => (m.qname(q, r), String::new()),
    };
    let (data, data_header) = match (
        crate::dump::content::rows_per_insert(&ctx.opts),
        m.select.get(&t),
    ) {
        (Some(rows_per_insert), Some(select)) => (
            DataSource::Inserts(insert_spec(r, q, &target, select, rows_per_insert, ctx)),
            String::new(),
        ),
        _ if m.empty.contains(&t) => (
            DataSource::EmptyCopy,
            format!("COPY {target} {list} FROM stdin;\n"),
        ),
        _ => (
            DataSource::Copy {
                server_copy: server_copy.clone(),
            },
            format!("COPY {target} {list} FROM stdin;\n"),
        ),
    };
    vec![Entry {
        tag: r.row.name.clone(),
        desc: "TABLE DATA".into(),
        schema: Some(r.row.schema.clone()),
        owner: Some(r.row.owner.clone()),
        prefix: HeaderPrefix::DataFor,
        defn,
        data: Some(data),
        data_header,
        ..Entry::default()
    }]
}

/// How `--inserts`-style data of a table is read and written.
fn insert_spec(
    r: &Rel,
    q: &Quoting,
    target: &str,
    select: &str,
    rows_per_insert: usize,
    ctx: &RenderContext,
) -> crate::archive::InsertSpec {
    use crate::sql::inserts as isql;
    let live: Vec<&Column> = r.columns.iter().filter(|c| !c.row.dropped).collect();
    let default_columns: Vec<usize> = live
        .iter()
        .enumerate()
        .filter(|(_, c)| c.row.generated != '\0')
        .map(|(i, _)| i)
        .collect();
    let names: Vec<String> = copy_columns(r).iter().map(|c| q.ident(c)).collect();
    let overriding = live.iter().any(|c| c.row.identity == 'a');
    let column_list = (ctx.opts.column_inserts && !live.is_empty()).then_some(names.as_slice());
    crate::archive::InsertSpec {
        select: select.to_string(),
        columns: names.len(),
        insert_prefix: isql::insert_prefix(target, column_list, overriding),
        rows_per_insert,
        on_conflict_do_nothing: ctx.opts.on_conflict_do_nothing,
        // --column-inserts leaves generated columns out instead.
        default_columns: if ctx.opts.column_inserts {
            Vec::new()
        } else {
            default_columns
        },
        no_columns: live.is_empty(),
    }
}
