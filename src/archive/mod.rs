//! The archive model: every object pg_dump would collect for a database
//! (printed or not, since unprinted objects still shape the order), their
//! dependencies, and the entries ("TOC entries") each prints.
//!
//! The flow for one database: catalog readers add [`DumpObject`]s to an
//! [`Archive`] in pg_dump's collection order (that order is the dump id,
//! used when hunting dependency loops); dependencies are added from
//! pg_depend and from pg_dump's own rules; [`sort::sort`] orders them;
//! each object then renders its [`Entry`]s, and [`print`](mod@print) frames them.

pub(crate) mod ids;
mod kind;
pub(crate) mod print;
pub(crate) mod sort;
pub(crate) mod toc;

use std::collections::HashMap;
use std::sync::Arc;

use crate::pg::quote::Quoting;
pub(crate) use kind::Kind;

/// Produces the entries of one object, once the order is known (loop
/// repair may have changed how it prints: see [`Repairs`]).
pub(crate) trait Render: std::fmt::Debug + Send + Sync {
    fn entries(&self, id: DumpId, archive: &Archive, ctx: &RenderContext) -> Vec<Entry>;
}

/// `(classoid, objoid, objsubid)`: how pg_description, pg_seclabel and
/// pg_init_privs name an object or column.
pub(crate) use crate::pg::oid::ObjectAddress;

/// What renderers need besides their own rows.
#[derive(Debug)]
#[cfg_attr(test, derive(Default))]
pub(crate) struct RenderContext {
    pub quoting: Quoting,
    pub server_version_num: i32,
    pub opts: RenderOptions,
    /// pg_description, by object address.
    pub comments: HashMap<ObjectAddress, String>,
    /// pg_seclabel, by object address: `(provider, label)` in provider order.
    pub security_labels: HashMap<ObjectAddress, Vec<(String, String)>>,
    /// pg_init_privs ACLs (text), by object address.
    pub init_privs: HashMap<ObjectAddress, String>,
}

/// The command line's choices that decide which entries a database's
/// objects render and how (pg_dump's content and rendering options).
#[derive(Debug, Clone, Default)]
pub(crate) struct RenderOptions {
    pub data_only: bool,
    pub schema_only: bool,
    pub no_schema: bool,
    pub no_data: bool,
    pub statistics: bool,
    pub statistics_only: bool,
    pub no_statistics: bool,
    pub sequence_data: bool,
    pub no_policies: bool,
    pub no_comments: bool,
    pub no_security_labels: bool,
    pub no_privileges: bool,
    pub no_toast_compression: bool,
    pub no_tablespaces: bool,
    pub no_table_access_method: bool,
    pub no_unlogged_table_data: bool,
    pub load_via_partition_root: bool,
    pub disable_dollar_quoting: bool,
    /// `--column-inserts`.
    pub column_inserts: bool,
    /// Rows per INSERT (`--rows-per-insert`, or 1 for `--inserts` /
    /// `--column-inserts`); None: COPY.
    pub rows_per_insert: Option<usize>,
    pub on_conflict_do_nothing: bool,
}

/// Index of an object in [`Archive::objects`]; also its dump id.
pub(crate) type DumpId = usize;

/// The section of the dump an entry belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    None,
    PreData,
    Data,
    PostData,
}

/// Kind-specific tie-breakers (rule S5), compared only between objects of
/// the same kind that tie on priority, schema and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) enum TieBreak {
    #[default]
    None,
    /// Functions, procedures, aggregates: argument count, then each
    /// argument type as (schema, internal type name). (The count comes
    /// first so that the derived order puts `f(z)` before `f(a, b)`.)
    /// (Boxed, like the operators' key: every object holds a TieBreak,
    /// and the enum is as big as its biggest variant.)
    Args(Box<ArgsTie>),
    /// Operators: kind (descending: r, l, b), left type, right type.
    Operator(Box<OperatorTie>),
    /// Opclass/opfamily: access method; policy/rule/trigger: table name;
    /// default ACL: role; publication members: publication name.
    Text(Box<str>),
    /// Collation: encoding; column default: attnum.
    Int(i64),
    /// Constraints: domain constraints before table constraints, then the
    /// domain or table name.
    Constraint { on_table: bool, parent: Box<str> },
}

/// [`TieBreak::Args`]: argument count, then each argument type as
/// (schema, internal type name).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ArgsTie {
    pub count: usize,
    pub types: Vec<(String, String)>,
}

/// [`TieBreak::Operator`]: kind (descending: r, l, b), left type, right
/// type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct OperatorTie {
    pub kind_desc: std::cmp::Reverse<char>,
    pub left: (String, String),
    pub right: (String, String),
}

/// Facts the loop repairs need about an object (rules R1-R15).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum Role {
    #[default]
    Plain,
    /// A base type; `shell` is its shell type's object, if any.
    BaseType { shell: Option<DumpId> },
    /// A relation with its relkind.
    Relation { relkind: char },
    /// An ON SELECT rule of a view or matview.
    ReturnRule { view: DumpId },
    /// Any other rule.
    OtherRule,
    /// A CHECK constraint of a table (`contype = 'c'`).
    TableCheck { table: DumpId },
    /// A CHECK or NOT NULL constraint of a domain.
    DomainConstraint { domain: DumpId },
    /// Any other constraint.
    OtherConstraint,
    /// A column default of a table.
    AttrDef { table: DumpId },
    /// An index; `parent_index` is the OID of the index it is attached to.
    Index { parent_index: u32 },
    /// Statistics of a relation (`--statistics`).
    RelStats { relkind: char },
}

/// What loop repair decided about an object's printing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Repairs {
    /// A rule, constraint or default printed on its own instead of inside
    /// its parent's CREATE.
    pub separate: bool,
    /// A view printed with a placeholder body (its real body comes later
    /// as a separate `_RETURN` rule).
    pub dummy_view: bool,
    /// A matview or function moved to post-data.
    pub postponed: bool,
    /// A shell type that must be printed.
    pub shell_needed: bool,
}

/// One dumpable object.
#[derive(Debug, Clone)]
pub(crate) struct DumpObject {
    pub kind: Kind,
    /// `(classoid, oid)` of the catalog row, for pg_depend lookups.
    pub catalog_id: (u32, u32),
    /// Namespace name (S2), if the object lives in one: one shared copy
    /// per name ([`Archive::add`] swaps in the archive's).
    pub schema: Option<Arc<str>>,
    /// Sort name (S3).
    pub name: String,
    pub tie: TieBreak,
    pub role: Role,
    /// Objects that must come before this one, in recording order.
    pub deps: Vec<DumpId>,
    pub repairs: Repairs,
    /// Whether the object prints anything.
    pub dump: bool,
    /// Index of the object's row in its family's storage (interpreted by
    /// the family's renderer).
    pub payload: usize,
    /// Renders the object's entries; None for objects that never print.
    pub render: Option<Arc<dyn Render>>,
    /// The extension this object belongs to, if any (members are not
    /// printed, except for ACL changes).
    pub extension: Option<DumpId>,
}

impl DumpObject {
    /// An object that belongs to a table and sorts by its own name, then
    /// by the table's (S5): rules, triggers, policies, ROW SECURITY.
    pub(crate) fn on_table(
        kind: Kind,
        catalog_id: (u32, u32),
        schema: &str,
        table: &str,
        name: &str,
    ) -> Self {
        DumpObject {
            tie: TieBreak::Text(table.into()),
            ..DumpObject::new(kind, catalog_id, Some(schema.to_string()), name.to_string())
        }
    }

    /// A constraint of a table: sorts by its name, then by the table's,
    /// after domain constraints of the same name (S5).
    pub(crate) fn table_constraint(
        kind: Kind,
        catalog_id: (u32, u32),
        schema: &str,
        table: &str,
        name: &str,
    ) -> Self {
        DumpObject {
            tie: TieBreak::Constraint {
                on_table: true,
                parent: table.into(),
            },
            ..DumpObject::new(kind, catalog_id, Some(schema.to_string()), name.to_string())
        }
    }

    pub(crate) fn new(
        kind: Kind,
        catalog_id: (u32, u32),
        schema: Option<String>,
        name: String,
    ) -> Self {
        DumpObject {
            kind,
            catalog_id,
            schema: schema.map(Arc::from),
            name,
            tie: TieBreak::None,
            role: Role::Plain,
            deps: Vec::new(),
            repairs: Repairs::default(),
            dump: true,
            payload: 0,
            render: None,
            extension: None,
        }
    }
}

/// Which printing pass an entry belongs to (rule F1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Pass {
    #[default]
    Main,
    Acl,
    PostAcl,
}

/// How an entry's header names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum HeaderPrefix {
    #[default]
    Name,
    DataFor,
    StatisticsFor,
}

/// Where a data entry's rows come from; streamed by the printer's caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DataSource {
    /// `COPY <query> TO stdout` on the server; the output bytes are
    /// written as they come, then `\.`.
    Copy { server_copy: String },
    /// A table known to hold no rows (see
    /// `catalog::relations::empty_heap_tables`): the COPY header and `\.`
    /// with no request to the server.
    EmptyCopy,
    /// Rows turned into INSERT statements.
    Inserts(InsertSpec),
    /// Large objects' contents (a BLOBS entry), read in chunks.
    LargeObjects { oids: Vec<u32> },
}

/// How `--inserts`-style data is rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InsertSpec {
    /// The SELECT to read rows with (`SELECT ... FROM ONLY t`), its
    /// result columns named c1, c2, ...
    pub select: String,
    /// How many columns `select` returns.
    pub columns: usize,
    /// `INSERT INTO <qname>` (with `(cols)` for --column-inserts) up to the
    /// space before VALUES, including OVERRIDING SYSTEM VALUE.
    pub insert_prefix: String,
    pub rows_per_insert: usize,
    pub on_conflict_do_nothing: bool,
    /// Columns that print as DEFAULT (generated columns), by position.
    pub default_columns: Vec<usize>,
    /// Zero-column tables: every row is `INSERT ... DEFAULT VALUES;`.
    pub no_columns: bool,
}

/// One TOC entry.
#[derive(Debug, Clone, Default)]
pub(crate) struct Entry {
    pub tag: String,
    /// The `Type:` text (`TABLE`, `COMMENT`, `ACL`, ...).
    pub desc: String,
    pub schema: Option<String>,
    /// None prints `-`; Some("") prints nothing after `Owner: `.
    pub owner: Option<String>,
    /// None: not applicable; Some("") the default tablespace.
    pub tablespace: Option<String>,
    /// Table access method (tables and matviews only).
    pub table_am: Option<String>,
    /// A partitioned table's access method: the archive formats record it
    /// as the entry's access method, and pg_restore prints the
    /// `SET ACCESS METHOD` that plain output has in `after_owner`.
    pub partitioned_am: Option<String>,
    pub prefix: HeaderPrefix,
    /// The SQL text; the printer adds `\n\n` after it.
    pub defn: String,
    /// For entries with a drop statement and an owner: the object as an
    /// `ALTER ... OWNER TO` names it (`TABLE s.t`, `FUNCTION s.f(integer)`).
    pub owner_object: Option<String>,
    /// The archive formats' drop statement (`pg_restore --clean`) when it
    /// is not `DROP <owner_object>;`: constraints, indexes, triggers,
    /// rules, policies, defaults, extensions... (plain output ignores it).
    pub drop_stmt: Option<String>,
    /// Printed after the owner line (partitioned tables' `SET ACCESS METHOD`).
    pub after_owner: Option<String>,
    pub pass: Pass,
    /// Data entries: the text before the rows (`COPY ... FROM stdin;\n`).
    pub data: Option<DataSource>,
    /// Data entries: text before the data (`COPY ... FROM stdin;`).
    pub data_header: String,
    /// Data entries: text after the data (`ENABLE TRIGGER` wrappers).
    pub data_after: Option<String>,
    // pg_dump's TOC section of the entry; read by the archive formats.
    #[allow(dead_code)]
    pub section: Option<Section>,
    /// The archive object that rendered the entry (set by the driver; none
    /// for the database's own entries).
    pub object: Option<DumpId>,
    /// pg_dump's id, catalog identity and dependencies of the entry (see
    /// [`ids`]), once numbered.
    pub toc: Option<ids::TocId>,
}

/// All objects of one database.
#[derive(Debug, Default)]
pub(crate) struct Archive {
    pub objects: Vec<DumpObject>,
    by_catalog_id: HashMap<(u32, u32), DumpId>,
    /// The objects' schema names, one copy each (W4: 60,000 objects, most
    /// in `public`).
    schemas: std::collections::HashSet<Arc<str>>,
    pub pre_data_boundary: Option<DumpId>,
    pub post_data_boundary: Option<DumpId>,
    /// Warnings pg_dump prints while it reads the catalogs (reported
    /// before the sort's, when the database is written).
    pub warnings: Vec<String>,
    /// Objects pg_dump numbers but the archive does not hold.
    pub unprinted: Vec<ids::Unprinted>,
}

impl Archive {
    pub(crate) fn new() -> Archive {
        Archive::default()
    }

    /// Adds an object; its dump id is its position.
    pub(crate) fn add(&mut self, mut obj: DumpObject) -> DumpId {
        let id = self.objects.len();
        if let Some(schema) = obj.schema.take() {
            let shared = match self.schemas.get(&schema) {
                Some(shared) => shared.clone(),
                None => {
                    self.schemas.insert(schema.clone());
                    schema
                }
            };
            obj.schema = Some(shared);
        }
        if obj.catalog_id != (0, 0) {
            // The first object registered for a catalog row wins (a table's
            // TABLE DATA shares the table's row).
            self.by_catalog_id.entry(obj.catalog_id).or_insert(id);
        }
        self.objects.push(obj);
        id
    }

    /// The object for a catalog row, if collected.
    pub(crate) fn find(&self, classoid: u32, oid: u32) -> Option<DumpId> {
        self.by_catalog_id.get(&(classoid, oid)).copied()
    }

    /// Records that `obj` must come after `dep`.
    pub(crate) fn add_dep(&mut self, obj: DumpId, dep: DumpId) {
        self.objects[obj].deps.push(dep);
    }

    /// Frees what only the collection and the sort read: every object's
    /// dependency list and the catalog-id index ([`Archive::find`] finds
    /// nothing after this). Once sorted, plain output's renderers never
    /// read them (W4: 60,000 small vectors, about 2.5 MiB, and a 2 MiB
    /// index held through the writing); `-v` and directory archives, whose
    /// ids and TOC record them, keep them.
    pub(crate) fn forget_sort_inputs(&mut self) {
        for obj in &mut self.objects {
            obj.deps = Vec::new();
        }
        self.by_catalog_id = HashMap::new();
    }

    /// Removes every record of `obj` depending on `dep`.
    pub(crate) fn remove_dep(&mut self, obj: DumpId, dep: DumpId) {
        self.objects[obj].deps.retain(|&d| d != dep);
    }

    /// Adds the two section boundaries and the dependencies that keep
    /// every object in its section (rule P2). Call after every object and
    /// before sorting.
    pub(crate) fn add_boundaries(&mut self) {
        let pre = self.add(DumpObject {
            dump: false,
            ..DumpObject::new(
                Kind::PreDataBoundary,
                (0, 0),
                None,
                "PRE-DATA BOUNDARY".into(),
            )
        });
        let post = self.add(DumpObject {
            dump: false,
            ..DumpObject::new(
                Kind::PostDataBoundary,
                (0, 0),
                None,
                "POST-DATA BOUNDARY".into(),
            )
        });
        self.pre_data_boundary = Some(pre);
        self.post_data_boundary = Some(post);
        for id in 0..pre {
            let obj = &self.objects[id];
            let section = match (obj.kind, &obj.role) {
                (Kind::Rule, _) | (Kind::Constraint, _) | (Kind::FkConstraint, _) => {
                    if obj.repairs.separate {
                        Section::PostData
                    } else {
                        Section::None
                    }
                }
                (Kind::RelStats, Role::RelStats { relkind }) => {
                    // A matview's statistics follow its REFRESH (marked
                    // postponed) when its data is dumped.
                    if matches!(relkind, 'i' | 'I') || obj.repairs.postponed {
                        Section::PostData
                    } else {
                        Section::Data
                    }
                }
                (kind, _) => kind.section(),
            };
            match section {
                Section::PreData => self.add_dep(pre, id),
                Section::Data => {
                    self.add_dep(id, pre);
                    self.add_dep(post, id);
                }
                Section::PostData => self.add_dep(id, post),
                Section::None => {}
            }
        }
        self.add_dep(post, pre);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every object of a database is held through its dump (W4: 60,000),
    /// so each byte of [`DumpObject`] is 60 KB of peak memory there; the
    /// rare, big parts are boxed (docs/performance.md, "Memory").
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn objects_stay_small() {
        assert!(std::mem::size_of::<TieBreak>() <= 24);
        assert!(std::mem::size_of::<DumpObject>() <= 160);
    }
}
