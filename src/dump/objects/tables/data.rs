//! Step three (TABLE DATA and SEQUENCE SET, and the frozen model), and
//! the data entries: COPY or INSERT, through the partition root when
//! pg_dump loads that way.

use super::*;

impl RelationState {
    /// Step three: TABLE DATA and SEQUENCE SET objects, sequence values,
    /// the tables known empty (`copy_data`: data goes out as COPY);
    /// then attaches every renderer.
    pub(crate) async fn collect_data(
        mut self,
        cat: &Catalog<'_>,
        archive: &mut Archive,
        copy_data: bool,
    ) -> Result<(), CatalogError> {
        let mut seq_names = Vec::new();
        let empty = if copy_data {
            let oids: Vec<u32> = self
                .model
                .rels
                .iter()
                .filter(|r| r.id.is_some() && has_data(r) && r.row.relkind == 'r')
                // (A table found non-empty by VACUUM or ANALYZE is most
                // likely still so: its COPY is cheaper than the question.)
                .filter(|r| r.row.maybe_empty)
                .map(|r| r.row.oid)
                .collect();
            cat_rel::empty_heap_tables(cat, &oids).await?
        } else {
            Default::default()
        };
        for t in data_order(&self.model.rels) {
            let r = &self.model.rels[t];
            let Some(tid) = r.id else {
                continue;
            };
            match r.row.relkind {
                'r' => self.add_table_data(archive, t, tid, &empty),
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
        self.order_config_data(cat, archive).await?;
        // No sequence dumped, no values wanted (none asked for).
        let shared = if seq_names.is_empty() {
            Some(Vec::new())
        } else {
            let all = cat_rel::all_sequence_values(cat);
            cat.shared(SharedRead::SequenceValues, all).await?
        };
        let values = match shared {
            Some(all) => {
                let wanted: std::collections::HashSet<u32> =
                    seq_names.iter().map(|&(oid, _, _)| oid).collect();
                all.into_iter().filter(|v| wanted.contains(&v.0)).collect()
            }
            None => cat_rel::sequence_values(cat, &seq_names).await?,
        };
        for (oid, last, called) in values {
            if let (Some(last), Some(called)) = (last, called) {
                self.model.seq_values.insert(oid, (last, called));
            }
        }
        // Held to the end of the dump: no spare room.
        self.model.indexes.shrink_to_fit();
        self.model.constraints.shrink_to_fit();
        // One renderer for the family: each object's payload is its place
        // in `whats` (an Arc of its own per object was 48 bytes apiece).
        let (ids, whats): (Vec<DumpId>, Vec<What>) = self.objects.into_iter().unzip();
        let render: Arc<dyn Render> = Arc::new(RelRender {
            model: self.model,
            whats,
        });
        for (i, id) in ids.into_iter().enumerate() {
            archive.objects[id].payload = i;
            archive.objects[id].render = Some(render.clone());
        }
        Ok(())
    }
}

impl RelationState {
    /// A table's TABLE DATA object, with its COPY statement (none for a
    /// table known empty) and the SELECT that --inserts reads through.
    fn add_table_data(
        &mut self,
        archive: &mut Archive,
        t: usize,
        tid: DumpId,
        empty: &std::collections::HashSet<u32>,
    ) {
        let r = &self.model.rels[t];
        let mut obj = DumpObject::new(
            Kind::TableData,
            (0, r.row.oid),
            Some(r.row.schema.clone()),
            r.row.name.clone(),
        );
        obj.deps.push(tid);
        let id = archive.add(obj);
        self.objects.push((id, What::TableData(t)));
        if empty.contains(&r.row.oid) {
            self.model.empty.insert(t);
        }
        self.model.data.insert(t);
    }
}

/// The statement a table's data is read with on the server: `COPY ... TO
/// stdout`, or for --inserts (`select`) the `SELECT <copy columns> FROM
/// ONLY t` whose result columns are named c1, c2, ... (Byte strings, sent
/// as their bytes: conn::wire_text.)
fn server_statements(r: &Rel, select: bool) -> String {
    let cols: Vec<String> = copy_columns(r).into_iter().map(quote::ident).collect();
    let qname = format!(
        "{}.{}",
        quote::ident(&r.row.schema),
        quote::ident(&r.row.name)
    );
    let filter = r.row.extras().config_filter.as_deref().unwrap_or_default();
    if !select {
        return copy_out(&qname, &cols, filter);
    }
    // Aliased: a result column name must be UTF-8 for tokio-postgres.
    let aliased: Vec<String> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} AS c{}", i + 1))
        .collect();
    let mut select = format!("SELECT {} FROM ONLY {qname}", aliased.join(", "));
    if !filter.is_empty() {
        select.push_str(&format!(" {filter}"));
    }
    select
}

impl RelationState {
    /// Makes a configuration table's data come after the data of the
    /// configuration tables its foreign keys refer to (pg_dump does this
    /// for extension tables only; other tables' data is ordered by name).
    async fn order_config_data(
        &self,
        cat: &Catalog<'_>,
        archive: &mut Archive,
    ) -> Result<(), CatalogError> {
        let config_data: HashMap<u32, DumpId> = self
            .objects
            .iter()
            .filter_map(|&(id, ref what)| match *what {
                What::TableData(t) if !self.model.rels[t].dumped => {
                    Some((self.model.rels[t].row.oid, id))
                }
                _ => None,
            })
            .collect();
        if config_data.is_empty() {
            return Ok(());
        }
        for (rel, frel) in crate::catalog::extensions::member_foreign_keys(cat).await? {
            if let (Some(&from), Some(&to)) = (config_data.get(&rel), config_data.get(&frel)) {
                archive.add_dep(from, to);
            }
        }
        Ok(())
    }
}

/// Whether a relation's data (or sequence value) is dumped: its
/// definition is, or it is an extension's configuration relation.
fn has_data(r: &Rel) -> bool {
    r.dumped || r.row.extras().config_filter.is_some()
}

/// Whether pg_dump reads a table's defaults, constraints and indexes
/// without dumping its definition: an extension's configuration table,
/// whose data object (made even when no data is dumped) makes it
/// "interesting".
pub(super) fn read_not_dumped(r: &Rel) -> bool {
    !r.dumped && r.row.relkind == 'r' && r.row.extras().config_filter.is_some()
}

/// The relations whose data is dumped, in pg_dump's collection order:
/// extensions' configuration relations first (pg_dump makes their data
/// objects while it reads extensions), then the others.
fn data_order(rels: &[Rel]) -> Vec<usize> {
    let config = (0..rels.len())
        .filter(|&t| !rels[t].dumped && rels[t].row.extras().config_filter.is_some());
    let plain = (0..rels.len()).filter(|&t| rels[t].dumped);
    config.chain(plain).collect()
}

/// The statement that reads a table's rows: a plain `COPY t (cols)`, or
/// for a configuration table with a filter, `COPY (SELECT cols FROM t
/// <filter>)` as pg_dump sends it (without ONLY).
fn copy_out(qname: &str, cols: &[String], filter: &str) -> String {
    if filter.is_empty() {
        let list = if cols.is_empty() {
            String::new()
        } else {
            format!("({})", cols.join(", "))
        };
        return format!("COPY {qname} {list} TO stdout;");
    }
    let select = if cols.is_empty() {
        "*".to_string()
    } else {
        cols.join(", ")
    };
    format!("COPY (SELECT {select} FROM {qname} {filter}) TO stdout;")
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
pub(super) fn data_entries(m: &Model, t: usize, ctx: &RenderContext) -> Vec<Entry> {
    let r = &m.rels[t];
    if ctx.opts.no_unlogged_table_data && r.row.persistence == 'u' {
        return Vec::new();
    }
    if ctx.opts.schema_only || ctx.opts.no_data {
        return Vec::new();
    }
    if !m.data.contains(&t) {
        return Vec::new();
    }
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
    let (data, data_header) = match crate::dump::content::rows_per_insert(&ctx.opts) {
        Some(rows_per_insert) => (
            DataSource::Inserts(insert_spec(
                r,
                q,
                &target,
                &server_statements(r, true),
                rows_per_insert,
                ctx,
            )),
            String::new(),
        ),
        _ if m.empty.contains(&t) => (
            DataSource::EmptyCopy,
            format!("COPY {target} {list} FROM stdin;\n"),
        ),
        _ => (
            DataSource::Copy {
                server_copy: server_statements(r, false),
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
