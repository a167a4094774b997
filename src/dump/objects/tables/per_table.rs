//! Step two: partition attaches, column defaults, CHECK and NOT NULL
//! constraints, indexes with their constraints and attaches, foreign keys.

use super::*;
use crate::archive::ids::{Unprinted, UnprintedKind};

impl RelationState {
    /// Step two: partition attaches, column defaults, CHECK and NOT NULL
    /// constraints, indexes with their constraints and attaches, and
    /// foreign keys.
    pub(crate) async fn collect_per_table(
        &mut self,
        cat: &Catalog<'_>,
        archive: &mut Archive,
    ) -> Result<(), CatalogError> {
        let v18 = cat.at_least(18);
        // (Defaults first: the helper session, which takes the shared
        // reads from the end of the list, is then likely on the columns.)
        let defs = cat
            .shared(SharedRead::Defaults, cat_rel::attrdefs(cat))
            .await?;
        let columns = cat
            .shared(SharedRead::Columns, cat_rel::columns(cat))
            .await?;
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
        self.add_columns(columns, inherits, v18);
        self.add_partition_attaches(archive);
        self.add_defaults(defs, archive);
        let fks = self.add_constraints(constraints, archive);
        self.apply_inheritance(archive, v18);
        self.add_indexes(indexes, archive);
        let attaches_of = self.add_index_attaches(archive);
        self.add_foreign_keys(fks, &attaches_of, archive);
        Ok(())
    }

    /// Each table's columns, with their NOT NULL (pg_dump 18 reads named
    /// not-null constraints), and each table's parents.
    fn add_columns(&mut self, columns: Vec<ColumnRow>, inherits: Vec<(u32, u32)>, v18: bool) {
        let m = &mut self.model;
        for mut row in columns {
            let Some(&t) = m.by_oid.get(&row.table) else {
                continue;
            };
            // (The row's own copy is not read again: moved, not cloned.)
            let nn = if v18 {
                row.nn.take().filter(|n| n.validated).map(|n| NotNull {
                    name: Some(n.name),
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
        // (A table of five columns would otherwise hold room for eight.)
        for r in &mut m.rels {
            r.columns.shrink_to_fit();
        }
        for (child, parent) in inherits {
            if let Some(&t) = m.by_oid.get(&child) {
                m.rels[t].parents.push(parent);
            }
        }
    }

    /// Partition attaches.
    fn add_partition_attaches(&mut self, archive: &mut Archive) {
        let m = &mut self.model;
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
    }

    /// Column defaults: inline in the table, or separate when the column
    /// is not printed by the table.
    fn add_defaults(&mut self, defs: Vec<AttrDefRow>, archive: &mut Archive) {
        let m = &mut self.model;
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
            if data::read_not_dumped(r) {
                unprinted(archive, UnprintedKind::Default);
            }
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
    }

    /// CHECK constraints (and NOT VALID not-nulls); the foreign keys are
    /// returned, for after the indexes.
    fn add_constraints(
        &mut self,
        constraints: Vec<ConstraintRow>,
        archive: &mut Archive,
    ) -> Vec<(usize, ConstraintRow)> {
        let m = &mut self.model;
        let mut fks = Vec::new();
        for row in constraints {
            let Some(&t) = m.by_oid.get(&row.table) else {
                continue;
            };
            let r = &m.rels[t];
            if data::read_not_dumped(r) {
                // (Foreign keys are read only for tables whose definition
                // is dumped.)
                match row.contype {
                    'c' => unprinted(archive, UnprintedKind::Check),
                    'n' => unprinted(archive, UnprintedKind::NotNull),
                    _ => {}
                }
            }
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
        fks
    }

    /// What inheritance changes (pg_dump's flagInhAttrs): NOT NULLs that
    /// are inherited, defaults a child must reset, generated columns that
    /// follow the parent's expression. (One pass per inheriting column, as
    /// pg_dump's: the flags read from the parents decide the three changes
    /// together, so they stay in one function.)
    fn apply_inheritance(&mut self, archive: &mut Archive, v18: bool) {
        let m = &mut self.model;
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
    }

    /// Indexes and the constraints they implement.
    fn add_indexes(&mut self, indexes: Vec<IndexRow>, archive: &mut Archive) {
        let m = &mut self.model;
        for row in indexes {
            let Some(&t) = m.by_oid.get(&row.table) else {
                continue;
            };
            let r = &m.rels[t];
            if data::read_not_dumped(r) {
                unprinted(archive, UnprintedKind::Index);
                if row.constraint.is_some() {
                    unprinted(archive, UnprintedKind::Index);
                }
            }
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
    }

    /// Index attaches, partition by partition (pg_dump's
    /// flagInhIndexes); returns each parent index's attaches.
    fn add_index_attaches(
        &mut self,
        archive: &mut Archive,
    ) -> HashMap<usize, Vec<(DumpId, usize)>> {
        let m = &mut self.model;
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
        attaches_of
    }

    /// Foreign keys; one to a partitioned table waits for the attaches of
    /// the index it references.
    fn add_foreign_keys(
        &mut self,
        fks: Vec<(usize, ConstraintRow)>,
        attaches_of: &HashMap<usize, Vec<(DumpId, usize)>>,
        archive: &mut Archive,
    ) {
        let m = &mut self.model;
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
    }
}

/// Records an object pg_dump numbers here without printing it.
fn unprinted(archive: &mut Archive, kind: UnprintedKind) {
    let before = archive.objects.len();
    archive.unprinted.push(Unprinted { kind, before });
}
