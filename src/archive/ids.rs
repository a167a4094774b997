//! pg_dump's dump ids: what `-v` prints as `-- TOC entry <id> (class <c>
//! OID <o>)` and `-- Dependencies: ...`, and what an archive's table of
//! contents numbers its entries by.
//!
//! pg_dump numbers every object it collects, system ones included, in
//! collection order; the archive holds only the objects that matter for
//! the output, in an order of its own that loop hunting relies on, so the
//! ids are modelled separately: [`assign`] walks pg_dump's collection (the
//! rows of `catalog::dump_ids`, with the per-table objects taken from the
//! archive) and gives each archive object its pg_dump id; [`entry_ids`]
//! then numbers the rendered entries (the fresh ids of COMMENT, ACL,
//! SEQUENCE SET, ... entries, given in creation order) and lists their
//! explicit dependencies.

use std::collections::HashMap;

use super::{Archive, DumpId, Entry, Kind, Role};

/// A row of pg_dump's collection read from the catalogs: its step (see
/// `catalog::dump_ids::step`) and catalog identity.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Collected {
    pub step: i32,
    pub classoid: u32,
    pub oid: u32,
    /// Types: a shell type follows.
    pub shell: bool,
}

/// Step codes (shared with `catalog::dump_ids`, which reads them).
pub(crate) mod step {
    pub(super) const TYPES: i32 = 5;
    /// Not a collection step: the policies in the order pg_dump's policy
    /// query returns them (catalog::dump_ids reads it).
    pub(crate) const POLICY_ORDER: i32 = 1000;
    /// Not a collection step either: the extensions' configuration
    /// relations, extension by extension in `extconfig` order.
    pub(crate) const CONFIG_ORDER: i32 = 1001;
    /// And the publications in the order pg_dump's query returns them.
    pub(crate) const PUBLICATION_ORDER: i32 = 1002;
    /// Steps below this come before the per-table objects.
    pub(super) const PER_TABLE: i32 = 24;
}

/// pg_dump's dump ids of one database's archive objects.
#[derive(Debug, Clone, Default)]
pub(crate) struct DumpIds {
    /// By archive object: its pg_dump id, if pg_dump collects it.
    pub object: Vec<Option<u32>>,
    /// How many ids collection used (the two boundaries included); the
    /// fixed entries' fresh ids follow.
    pub collected: u32,
}

/// An entry's identity in pg_dump's table of contents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TocId {
    pub dump_id: u32,
    /// `(classoid, oid)` as the entry prints it (`class 0 OID 0` for
    /// fresh entries, `class 0 OID <table>` for table data).
    pub catalog_id: (u32, u32),
    /// The dump ids the entry names as its dependencies.
    pub deps: Vec<u32>,
}

/// The kinds an archive object must have to be the object of a catalog
/// row of `step`.
fn step_matches(step: i32, kind: Kind) -> bool {
    match step {
        1 => kind == Kind::Extension,
        2 => kind == Kind::Namespace,
        3 => kind == Kind::Table,
        4 => kind == Kind::Func,
        5 => matches!(kind, Kind::Type | Kind::DummyType),
        6 => kind == Kind::ProcLang,
        7 => kind == Kind::Agg,
        8 => kind == Kind::Operator,
        9 => kind == Kind::AccessMethod,
        10 => kind == Kind::OpClass,
        11 => kind == Kind::OpFamily,
        12 => kind == Kind::TsParser,
        13 => kind == Kind::TsTemplate,
        14 => kind == Kind::TsDict,
        15 => kind == Kind::TsConfig,
        16 => kind == Kind::Fdw,
        17 => kind == Kind::ForeignServer,
        18 => kind == Kind::DefaultAcl,
        19 => kind == Kind::Collation,
        20 => kind == Kind::Conversion,
        21 => kind == Kind::Cast,
        22 => kind == Kind::Transform,
        23 => kind == Kind::EventTrigger,
        30 => kind == Kind::Rule,
        _ => false,
    }
}

/// The per-table steps the archive supplies, in pg_dump's order (after
/// the event triggers; rules, read from the catalogs, come between
/// triggers and policies).
fn per_table_step(archive: &Archive, id: DumpId) -> Option<u8> {
    let obj = &archive.objects[id];
    Some(match (obj.kind, &obj.role) {
        (Kind::TableAttach, _) => 0,
        // Defaults pg_dump makes up for inherited columns (no catalog
        // row) come after the table constraints.
        (Kind::AttrDef, _) if obj.catalog_id == (0, 0) => MADE_UP_DEFAULTS_SLOT,
        (Kind::AttrDef, _) => 1,
        (Kind::Constraint, Role::OtherConstraint)
            if id > 0 && index_constraint(archive, id - 1) != Some(id) =>
        {
            // A NOT NULL constraint printed on its own (18): made with
            // the columns, before the CHECK constraints.
            2
        }
        (Kind::Constraint, Role::TableCheck { .. }) => 3,
        (Kind::Index, _) | (Kind::Constraint, Role::OtherConstraint) => 5,
        (Kind::IndexAttach, _) => 6,
        (Kind::StatsExt, _) => 7,
        (Kind::FkConstraint, _) => 8,
        (Kind::Trigger, _) => 9,
        // RULES_SLOT: rules.
        (Kind::Policy, _) => POLICIES_SLOT as u8,
        (Kind::Publication, _) => PUBLICATIONS_SLOT,
        (Kind::PublicationRel, _) => 13,
        (Kind::PublicationTableInSchema, _) => 14,
        (Kind::Subscription, _) => 15,
        (Kind::SubscriptionRel, _) => 16,
        (Kind::TableData | Kind::SequenceSet | Kind::RefreshMatview, _) => DATA_SLOT,
        (Kind::LargeObject | Kind::LargeObjectData, _) => LARGE_OBJECTS_SLOT,
        (Kind::PreDataBoundary | Kind::PostDataBoundary, _) => 19,
        _ => return None,
    })
}

/// For the data object of an extension's configuration table (or
/// sequence), the table.
fn config_data_table(archive: &Archive, id: DumpId) -> Option<DumpId> {
    let obj = &archive.objects[id];
    if !matches!(obj.kind, Kind::TableData | Kind::SequenceSet) {
        return None;
    }
    let &table = obj.deps.first()?;
    archive.objects[table].extension.map(|_| table)
}

/// An object pg_dump numbers but never prints, which the archive does not
/// hold: the column defaults, CHECK and NOT VALID not-null constraints,
/// and the indexes (with the constraints they implement) of an
/// extension's configuration tables. pg_dump reads them once it makes a
/// table's data object (the table is then "interesting"; it makes one
/// even when it dumps no data), among the same objects of the tables it
/// dumps, table by table in OID order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unprinted {
    pub kind: UnprintedKind,
    /// The first archive object collected after it: it takes its id just
    /// before that object's among its kind's, or after them all.
    pub before: DumpId,
}

/// What an [`Unprinted`] object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnprintedKind {
    Default,
    NotNull,
    Check,
    /// An index, or the constraint an index implements (right after it).
    Index,
}

impl UnprintedKind {
    /// Its per-table step.
    fn slot(self) -> u8 {
        match self {
            UnprintedKind::Default => 1,
            UnprintedKind::NotNull => 2,
            UnprintedKind::Check => 3,
            UnprintedKind::Index => 5,
        }
    }
}

/// The defaults made up for inherited columns.
const MADE_UP_DEFAULTS_SLOT: u8 = 4;
/// Where the rules (read from the catalogs) come among the per-table steps.
const RULES_SLOT: usize = 10;
/// The policies' step.
const POLICIES_SLOT: usize = 11;
/// The publications' step.
const PUBLICATIONS_SLOT: u8 = 12;
/// The table data objects' step.
const DATA_SLOT: u8 = 17;
/// The large objects' step.
const LARGE_OBJECTS_SLOT: u8 = 18;
/// How many per-table steps there are.
const PER_TABLE_SLOTS: usize = 20;

/// What pg_dump reads beyond the catalogs' objects, by the command line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reading {
    /// Definitions are dumped: column defaults and CHECK constraints are
    /// read (not under `-a`).
    pub definitions: bool,
    /// Data is dumped: table data objects are made (not under `-s`).
    pub data: bool,
}

/// Takes the next id, for `id` if pg_dump's object is in the archive.
fn next(ids: &mut DumpIds, id: Option<DumpId>) {
    ids.collected += 1;
    if let Some(id) = id {
        ids.object[id] = Some(ids.collected);
    }
}

/// Gives each archive object pg_dump's dump id, walking pg_dump's
/// collection: `rows` (in order) for the steps read from the catalogs,
/// the archive's own objects for the per-table steps.
pub(crate) fn assign(archive: &Archive, rows: &[Collected], reading: Reading) -> DumpIds {
    let objects = &archive.objects;
    let mut by_catalog: HashMap<(u32, u32), Vec<DumpId>> = HashMap::new();
    let mut domain_constraints: HashMap<DumpId, Vec<DumpId>> = HashMap::new();
    // `--statistics`: a relation's statistics object follows it.
    let mut statistics: HashMap<DumpId, DumpId> = HashMap::new();
    let mut per_table: Vec<Vec<DumpId>> = vec![Vec::new(); PER_TABLE_SLOTS];
    let mut config_data: Vec<(DumpId, DumpId)> = Vec::new();
    for (id, obj) in objects.iter().enumerate() {
        if obj.catalog_id != (0, 0) {
            by_catalog.entry(obj.catalog_id).or_default().push(id);
        }
        if let (Role::RelStats { .. }, Some(&rel)) = (&obj.role, obj.deps.first()) {
            statistics.insert(rel, id);
        } else if let Role::DomainConstraint { domain } = obj.role {
            domain_constraints.entry(domain).or_default().push(id);
        } else if let Some(table) = config_data_table(archive, id) {
            // An extension's configuration table: its data object is made
            // while pg_dump reads the extensions' tables, before the
            // per-table steps (even without data: pg_dump counts such data
            // as part of the schema, and only prints it with data).
            config_data.push((id, table));
        } else if let Some(s) = per_table_step(archive, id) {
            let read = match s {
                1..=MADE_UP_DEFAULTS_SLOT => reading.definitions,
                DATA_SLOT | LARGE_OBJECTS_SLOT => reading.data,
                _ => true,
            };
            if read {
                per_table[usize::from(s)].push(id);
            }
        }
    }
    // Made-up defaults: table by table (OID order), column by column.
    let table_oid = |id: DumpId| match objects[id].role {
        Role::AttrDef { table } => objects[table].catalog_id.1,
        _ => 0,
    };
    per_table[usize::from(MADE_UP_DEFAULTS_SLOT)]
        .sort_by_key(|&id| (table_oid(id), objects[id].tie.clone()));
    // Policies: every table's ROW SECURITY entry first (archive order),
    // then the policies in the order pg_dump's policy query returned them.
    let policy_rank: HashMap<u32, usize> = rows
        .iter()
        .filter(|r| r.step == step::POLICY_ORDER)
        .enumerate()
        .map(|(rank, r)| (r.oid, rank))
        .collect();
    let policy_key = |id: DumpId| {
        let o = &objects[id];
        match o.catalog_id.0 == crate::pg::oid::PG_POLICY {
            true => (
                true,
                policy_rank
                    .get(&o.catalog_id.1)
                    .copied()
                    .unwrap_or(usize::MAX),
            ),
            false => (false, 0),
        }
    };
    per_table[POLICIES_SLOT].sort_by_key(|&id| policy_key(id));
    let publication_rank: HashMap<u32, usize> = rows
        .iter()
        .filter(|r| r.step == step::PUBLICATION_ORDER)
        .enumerate()
        .map(|(rank, r)| (r.oid, rank))
        .collect();
    per_table[usize::from(PUBLICATIONS_SLOT)].sort_by_key(|&id| {
        let oid = objects[id].catalog_id.1;
        (
            publication_rank.get(&oid).copied().unwrap_or(usize::MAX),
            oid,
        )
    });
    let extension_rank: HashMap<u32, usize> = rows
        .iter()
        .filter(|r| r.step == 1)
        .enumerate()
        .map(|(rank, r)| (r.oid, rank))
        .collect();
    let config_rank: HashMap<u32, usize> = rows
        .iter()
        .filter(|r| r.step == step::CONFIG_ORDER)
        .enumerate()
        .map(|(rank, r)| (r.oid, rank))
        .collect();
    let rows: Vec<&Collected> = rows
        .iter()
        .filter(|r| r.step < step::POLICY_ORDER)
        .collect();
    // Table data objects are made table by table, in OID order.
    per_table[usize::from(DATA_SLOT)].sort_by_key(|&id| objects[id].catalog_id.1);
    let mut ids = DumpIds {
        object: vec![None; objects.len()],
        collected: 0,
    };
    let mut rows = rows.into_iter().peekable();
    let mut walk_rows = |ids: &mut DumpIds, below: i32| {
        while let Some(row) = rows.next_if(|r| r.step < below) {
            let obj = by_catalog.get(&(row.classoid, row.oid)).and_then(|list| {
                list.iter()
                    .copied()
                    .find(|&id| step_matches(row.step, objects[id].kind))
            });
            next(ids, obj);
            if let Some(&stats) = obj.and_then(|o| statistics.get(&o)) {
                next(ids, Some(stats));
            }
            if row.step != step::TYPES {
                continue;
            }
            // A dumped domain's constraints, then a dumped base or range
            // type's shell, follow the type.
            if let Some(obj) = obj {
                for &c in domain_constraints.get(&obj).into_iter().flatten() {
                    next(ids, Some(c));
                }
            }
            if row.shell {
                let shell = obj.and_then(|o| match objects[o].role {
                    Role::BaseType { shell } => shell,
                    _ => None,
                });
                next(ids, shell);
            }
        }
    };
    walk_rows(&mut ids, step::PER_TABLE);
    // Extension by extension (in collection order), relation by relation
    // in the order the extension registered them.
    config_data.sort_by_key(|&(_, table)| {
        let oid = objects[table].catalog_id.1;
        let ext = objects[table].extension.map(|e| objects[e].catalog_id.1);
        let ext_rank = ext.and_then(|e| extension_rank.get(&e).copied());
        let rank = config_rank.get(&oid).copied().unwrap_or(usize::MAX);
        (ext_rank, rank, oid)
    });
    for &(id, _) in &config_data {
        next(&mut ids, Some(id));
    }
    let unprinted = unprinted_by_slot(&archive.unprinted, reading);
    for (s, list) in per_table.iter().enumerate() {
        if s == RULES_SLOT {
            walk_rows(&mut ids, i32::MAX);
        }
        let mut hidden = unprinted[s].iter().peekable();
        for &id in list {
            while hidden.next_if(|&&before| before <= id).is_some() {
                next(&mut ids, None);
            }
            next(&mut ids, Some(id));
            if let Some(&stats) = statistics.get(&id) {
                next(&mut ids, Some(stats));
            }
        }
        for _ in hidden {
            next(&mut ids, None);
        }
    }
    ids
}

/// Per per-table step, the [`Unprinted`] objects pg_dump reads (defaults
/// and constraints only with definitions), as the archive objects they
/// come before.
fn unprinted_by_slot(unprinted: &[Unprinted], reading: Reading) -> Vec<Vec<DumpId>> {
    let mut out = vec![Vec::new(); PER_TABLE_SLOTS];
    for u in unprinted {
        if u.kind == UnprintedKind::Index || reading.definitions {
            out[usize::from(u.kind.slot())].push(u.before);
        }
    }
    out
}

/// The next fresh id.
fn take(fresh: &mut u32) -> u32 {
    *fresh += 1;
    *fresh
}

/// The database's own entries, for numbering them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DatabaseIds {
    pub oid: u32,
    /// Entries of the database made after its DATABASE entry but not
    /// printed (its COMMENT, SECURITY LABEL and ACL under `-a`).
    pub unprinted: u32,
}

/// Entry types that take a fresh id when created rather than their
/// object's.
fn takes_fresh_id(desc: &str) -> bool {
    matches!(
        desc,
        "COMMENT"
            | "SECURITY LABEL"
            | "ACL"
            | "SEQUENCE SET"
            | "SEQUENCE OWNED BY"
            | "USER MAPPING"
            | "STATISTICS DATA"
            | "DATABASE"
            | "DATABASE PROPERTIES"
    )
}

/// Numbers `entries` (in creation order: the database's own entries
/// first, `database_entries` of them, then each object's, in dump order)
/// and lists their dependencies. Entries carry their object in
/// [`Entry::object`].
pub(crate) fn entry_ids(
    archive: &Archive,
    ids: &DumpIds,
    entries: &[Entry],
    database_entries: usize,
    database: DatabaseIds,
) -> Vec<TocId> {
    // ENCODING, STDSTRINGS and SEARCHPATH take the first three.
    let mut fresh = ids.collected + 3;
    let mut out = Vec::with_capacity(entries.len());
    let mut database_id = None;
    for e in &entries[..database_entries] {
        let dump_id = take(&mut fresh);
        let mut catalog_id = (0, 0);
        let deps = match (e.desc.as_str(), database_id) {
            ("DATABASE", _) => {
                database_id = Some(dump_id);
                catalog_id = (crate::pg::oid::PG_DATABASE, database.oid);
                // Entries pg_dump makes but does not print take their ids.
                fresh += database.unprinted;
                Vec::new()
            }
            ("DATABASE PROPERTIES", _) => Vec::new(),
            (_, Some(db)) => vec![db],
            _ => Vec::new(),
        };
        out.push(TocId {
            dump_id,
            catalog_id,
            deps,
        });
    }
    // The object's ACL entry, for its columns' ACL entries.
    let mut table_acl: Option<(DumpId, u32)> = None;
    out.resize(entries.len(), TocId::default());
    for i in creation_order(entries, database_entries) {
        let e = &entries[i];
        let Some(obj) = e.object else {
            continue;
        };
        let o = &archive.objects[obj];
        let own = ids.object[obj].unwrap_or(0);
        let relation = |oid: u32| {
            archive
                .find(crate::pg::oid::PG_CLASS, oid)
                .and_then(|r| ids.object[r])
        };
        if !takes_fresh_id(&e.desc) {
            let (catalog_id, deps) = match o.kind {
                Kind::TableData => (
                    (0, o.catalog_id.1),
                    relation(o.catalog_id.1).into_iter().collect(),
                ),
                // These list their object's whole dependency list.
                Kind::RefreshMatview => ((0, o.catalog_id.1), mapped_deps(o, ids)),
                Kind::LargeObjectData => (o.catalog_id, mapped_deps(o, ids)),
                Kind::Policy if e.desc == "ROW SECURITY" => {
                    (o.catalog_id, relation(o.catalog_id.1).into_iter().collect())
                }
                Kind::ShellType => ((0, 0), Vec::new()),
                _ => (o.catalog_id, Vec::new()),
            };
            out[i] = TocId {
                dump_id: own,
                catalog_id,
                deps,
            };
            continue;
        }
        let dump_id = take(&mut fresh);
        let deps = match e.desc.as_str() {
            "SEQUENCE SET" => relation(o.catalog_id.1).into_iter().collect(),
            "USER MAPPING" => Vec::new(),
            // The statistics object's whole dependency list.
            "STATISTICS DATA" => mapped_deps(o, ids),
            "ACL" if e.tag.starts_with("COLUMN ") => {
                let mut deps = vec![own];
                if let Some((_, acl)) = table_acl.filter(|(t, _)| *t == obj) {
                    deps.push(acl);
                }
                deps
            }
            "ACL" => {
                table_acl = Some((obj, dump_id));
                vec![own]
            }
            // A constraint's index names the constraint.
            "COMMENT" if o.kind == Kind::Index => {
                vec![index_constraint(archive, obj)
                    .and_then(|c| ids.object[c])
                    .unwrap_or(own)]
            }
            _ => vec![own],
        };
        out[i] = TocId {
            dump_id,
            catalog_id: (0, 0),
            deps,
        };
    }
    out
}

/// The order pg_dump creates the objects' entries in: ours, except that
/// a foreign server's user mappings come after its ACL.
pub(crate) fn creation_order(entries: &[Entry], database_entries: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (database_entries..entries.len()).collect();
    // A stable sort within each object's run of entries.
    order.sort_by_key(|&i| {
        let e = &entries[i];
        let run_start = (database_entries..=i)
            .rev()
            .take_while(|&j| entries[j].object == e.object)
            .last()
            .unwrap_or(i);
        (run_start, e.desc == "USER MAPPING")
    });
    order
}

/// The dump ids of an object's dependencies that pg_dump collects, in
/// recording order.
fn mapped_deps(o: &super::DumpObject, ids: &DumpIds) -> Vec<u32> {
    o.deps.iter().filter_map(|&d| ids.object[d]).collect()
}

/// The constraint an index implements: the per-table reader adds it
/// right after its index.
fn index_constraint(archive: &Archive, index: DumpId) -> Option<DumpId> {
    let c = archive.objects.get(index + 1)?;
    let implements = archive.objects[index].kind == Kind::Index
        && c.kind == Kind::Constraint
        && c.role == Role::OtherConstraint
        && c.catalog_id.0 == crate::pg::oid::PG_CONSTRAINT;
    implements.then_some(index + 1)
}
