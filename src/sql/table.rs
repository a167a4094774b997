//! Statements of tables and their parts, as pg_dump 18 writes them:
//! CREATE TABLE with its column list, the per-column ALTERs that follow,
//! partition attaches, separate defaults and constraints (the key and
//! foreign-key constraints and index statements are in
//! [`super::constraints`]).
//!
//! Inputs are byte strings (see [`crate::text`]); names given as `qname`
//! are already quoted (and qualified where the statement needs it).

use super::foreign_data::foreign_word;
use crate::pg::quote::Quoting;

/// `WITH (...)` list items of a reloptions array: `name=value` with the
/// name quoted as an identifier and the value bare when quoting it as an
/// identifier would leave it unchanged, else as a string literal.
pub(crate) fn reloptions(q: &Quoting, options: &[String], prefix: &str) -> String {
    let mut out = String::new();
    for (i, option) in options.iter().enumerate() {
        let (name, value) = match option.find('=') {
            Some(at) => (&option[..at], &option[at + 1..]),
            None => (option.as_str(), ""),
        };
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(prefix);
        out.push_str(&q.ident(name));
        out.push('=');
        if q.ident(value) == value {
            out.push_str(value);
        } else {
            out.push_str(&q.literal(value));
        }
    }
    out
}

/// How a column's default or generation expression prints inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InlineDefault<'a> {
    Default(&'a str),
    Stored(&'a str),
    Virtual(&'a str),
}

/// An inline NOT NULL: unnamed or `CONSTRAINT name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InlineNotNull<'a> {
    /// None prints plain `NOT NULL`.
    pub name: Option<&'a str>,
    pub no_inherit: bool,
}

/// One column line of CREATE TABLE.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ColumnItem<'a> {
    pub name: &'a str,
    /// None for typed tables (`OF type`), whose columns carry no type.
    pub type_name: Option<&'a str>,
    pub default: Option<InlineDefault<'a>>,
    pub not_null: Option<InlineNotNull<'a>>,
    /// Qualified, quoted collation.
    pub collation: Option<&'a str>,
}

/// The text of a column item (without indentation).
pub(crate) fn column_item(q: &Quoting, c: &ColumnItem) -> String {
    let mut s = q.ident(c.name);
    if let Some(t) = c.type_name {
        s.push(' ');
        s.push_str(t);
    }
    match c.default {
        Some(InlineDefault::Default(e)) => {
            s.push_str(" DEFAULT ");
            s.push_str(e);
        }
        Some(InlineDefault::Stored(e)) => {
            s.push_str(&format!(" GENERATED ALWAYS AS ({e}) STORED"));
        }
        Some(InlineDefault::Virtual(e)) => {
            s.push_str(&format!(" GENERATED ALWAYS AS ({e})"));
        }
        None => {}
    }
    if let Some(nn) = c.not_null {
        match nn.name {
            None => s.push_str(" NOT NULL"),
            Some(n) => s.push_str(&format!(" CONSTRAINT {} NOT NULL", q.ident(n))),
        }
        if nn.no_inherit {
            s.push_str(" NO INHERIT");
        }
    }
    if let Some(coll) = c.collation {
        s.push_str(" COLLATE ");
        s.push_str(coll);
    }
    s
}

/// A NOT NULL item for a column that is not printed itself. pg_dump writes
/// the constraint name without quoting it here.
pub(crate) fn standalone_not_null(q: &Quoting, column: &str, constraint: Option<&str>) -> String {
    match constraint {
        None => format!("NOT NULL {}", q.ident(column)),
        Some(n) => format!("CONSTRAINT {n} NOT NULL {}", q.ident(column)),
    }
}

/// An inline CHECK constraint item.
pub(crate) fn check_item(q: &Quoting, name: &str, definition: &str) -> String {
    format!("CONSTRAINT {} {definition}", q.ident(name))
}

/// The parts of a CREATE TABLE statement.
#[derive(Debug, Clone, Default)]
pub(crate) struct CreateTable<'a> {
    pub qname: &'a str,
    pub unlogged: bool,
    /// `OF type` of a typed table.
    pub of_type: Option<&'a str>,
    /// Column, NOT NULL and CHECK items, already formatted.
    pub items: Vec<String>,
    /// Qualified parents of an inheritance child.
    pub inherits: Vec<String>,
    pub partition_by: Option<&'a str>,
    /// The formatted `WITH (...)` contents, if any.
    pub with: Option<String>,
    /// A foreign table's server (quoted): `CREATE FOREIGN TABLE`.
    pub foreign_server: Option<&'a str>,
    /// A foreign table's OPTIONS list, empty when none.
    pub foreign_options: &'a str,
}

/// `CREATE TABLE ...;\n`.
pub(crate) fn create_table(t: &CreateTable) -> String {
    let mut s = format!(
        "CREATE {}{}TABLE {}",
        if t.unlogged { "UNLOGGED " } else { "" },
        foreign_word(t.foreign_server.is_some()),
        t.qname
    );
    if let Some(ty) = t.of_type {
        s.push_str(" OF ");
        s.push_str(ty);
    }
    if !t.items.is_empty() {
        s.push_str(" (");
        for (i, item) in t.items.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push_str("\n    ");
            s.push_str(item);
        }
        s.push_str("\n)");
    } else if t.of_type.is_none() {
        s.push_str(" (\n)");
    }
    if !t.inherits.is_empty() {
        s.push_str("\nINHERITS (");
        s.push_str(&t.inherits.join(", "));
        s.push(')');
    }
    if let Some(p) = t.partition_by {
        s.push_str("\nPARTITION BY ");
        s.push_str(p);
    }
    if let Some(w) = &t.with {
        s.push_str("\nWITH (");
        s.push_str(w);
        s.push(')');
    }
    if let Some(server) = t.foreign_server {
        s.push_str("\nSERVER ");
        s.push_str(server);
        if !t.foreign_options.is_empty() {
            s.push_str(&format!("\nOPTIONS (\n    {}\n)", t.foreign_options));
        }
    }
    s.push_str(";\n");
    s
}

/// The per-column settings that follow CREATE TABLE.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ColumnSettings<'a> {
    pub name: &'a str,
    /// Printed when >= 0.
    pub stat_target: i32,
    /// `SET STORAGE` keyword when the storage differs from the type's.
    pub storage: Option<&'a str>,
    /// `pglz` or `lz4`.
    pub compression: Option<&'a str>,
    /// attoptions joined with `, `, printed as they are.
    pub options: &'a str,
    /// A foreign table's column: `ALTER FOREIGN TABLE`.
    pub foreign: bool,
    /// A foreign table column's OPTIONS list, empty when none.
    pub fdw_options: &'a str,
}

/// The `ALTER [FOREIGN ]TABLE ONLY ... ALTER COLUMN ...` lines of one
/// column.
pub(crate) fn column_settings(q: &Quoting, qname: &str, c: &ColumnSettings) -> String {
    let col = q.ident(c.name);
    let alter = format!(
        "ALTER {}TABLE ONLY {qname} ALTER COLUMN {col}",
        foreign_word(c.foreign)
    );
    let mut s = String::new();
    if c.stat_target >= 0 {
        s.push_str(&format!("{alter} SET STATISTICS {};\n", c.stat_target));
    }
    if let Some(st) = c.storage {
        s.push_str(&format!("{alter} SET STORAGE {st};\n"));
    }
    if let Some(cm) = c.compression {
        s.push_str(&format!("{alter} SET COMPRESSION {cm};\n"));
    }
    if !c.options.is_empty() {
        s.push_str(&format!("{alter} SET ({});\n", c.options));
    }
    if !c.fdw_options.is_empty() {
        s.push_str(&format!("{alter} OPTIONS (\n    {}\n);\n", c.fdw_options));
    }
    s
}

/// The storage keyword of an attstorage letter.
pub(crate) fn storage_keyword(storage: char) -> Option<&'static str> {
    match storage {
        'p' => Some("PLAIN"),
        'e' => Some("EXTERNAL"),
        'x' => Some("EXTENDED"),
        'm' => Some("MAIN"),
        _ => None,
    }
}

/// The compression method of an attcompression letter.
pub(crate) fn compression_name(compression: char) -> Option<&'static str> {
    match compression {
        'p' => Some("pglz"),
        'l' => Some("lz4"),
        _ => None,
    }
}

/// `REPLICA IDENTITY NOTHING/FULL` (after a blank line), or "".
pub(crate) fn replica_identity(qname: &str, replident: char) -> String {
    match replident {
        'n' => format!("\nALTER TABLE ONLY {qname} REPLICA IDENTITY NOTHING;\n"),
        'f' => format!("\nALTER TABLE ONLY {qname} REPLICA IDENTITY FULL;\n"),
        _ => String::new(),
    }
}

/// `FORCE ROW LEVEL SECURITY` (after a blank line).
pub(crate) fn force_row_security(qname: &str) -> String {
    format!("\nALTER TABLE ONLY {qname} FORCE ROW LEVEL SECURITY;\n")
}

/// The TABLE ATTACH statement.
pub(crate) fn attach_partition(parent: &str, child: &str, bound: &str) -> String {
    format!("ALTER TABLE ONLY {parent} ATTACH PARTITION {child} {bound};\n")
}

/// A column default's drop statement, as pg_dump's archives record it
/// (`column` quoted).
pub(crate) fn drop_default(foreign: bool, qname: &str, column: &str) -> String {
    format!(
        "ALTER {}TABLE {qname} ALTER COLUMN {column} DROP DEFAULT;\n",
        foreign_word(foreign)
    )
}

/// A column default printed on its own (`foreign`: of a foreign table).
pub(crate) fn separate_default(
    q: &Quoting,
    foreign: bool,
    qname: &str,
    column: &str,
    expr: &str,
) -> String {
    format!(
        "ALTER {}TABLE ONLY {qname} ALTER COLUMN {} SET DEFAULT {expr};\n",
        foreign_word(foreign),
        q.ident(column)
    )
}

/// `COPY name (a, b)` column list part: `(a, b)` or "" when empty.
pub(crate) fn copy_column_list(q: &Quoting, columns: &[&str]) -> String {
    if columns.is_empty() {
        String::new()
    } else {
        format!(
            "({})",
            columns
                .iter()
                .map(|c| q.ident(c))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q() -> Quoting {
        Quoting::default()
    }

    #[test]
    fn reloption_values_quoted_unless_plain_identifiers() {
        let opts = vec![
            "fillfactor=70".to_string(),
            "autovacuum_enabled=false".to_string(),
            "vacuum_index_cleanup=auto".to_string(),
            "odd".to_string(),
        ];
        assert_eq!(
            reloptions(&q(), &opts, ""),
            "fillfactor='70', autovacuum_enabled='false', vacuum_index_cleanup=auto, odd=''"
        );
        assert_eq!(
            reloptions(&q(), &["autovacuum_enabled=off".to_string()], "toast."),
            "toast.autovacuum_enabled=off"
        );
    }

    #[test]
    fn column_items() {
        let c = ColumnItem {
            name: "Mixed Case",
            type_name: Some("text"),
            default: Some(InlineDefault::Default("'x''y'::text")),
            not_null: None,
            collation: Some("pg_catalog.\"C\""),
        };
        assert_eq!(
            column_item(&q(), &c),
            "\"Mixed Case\" text DEFAULT 'x''y'::text COLLATE pg_catalog.\"C\""
        );
        let c = ColumnItem {
            name: "g",
            type_name: Some("integer"),
            default: Some(InlineDefault::Stored("(id * 2)")),
            not_null: Some(InlineNotNull {
                name: Some("My NN"),
                no_inherit: true,
            }),
            collation: None,
        };
        assert_eq!(
            column_item(&q(), &c),
            "g integer GENERATED ALWAYS AS ((id * 2)) STORED CONSTRAINT \"My NN\" NOT NULL NO INHERIT"
        );
        let c = ColumnItem {
            name: "a",
            type_name: None,
            default: None,
            not_null: Some(InlineNotNull {
                name: None,
                no_inherit: false,
            }),
            collation: None,
        };
        assert_eq!(column_item(&q(), &c), "a NOT NULL");
        assert_eq!(
            standalone_not_null(&q(), "C", Some("x y")),
            "CONSTRAINT x y NOT NULL \"C\""
        );
    }

    #[test]
    fn create_table_shapes() {
        let t = CreateTable {
            qname: "s1.t_empty",
            ..CreateTable::default()
        };
        assert_eq!(create_table(&t), "CREATE TABLE s1.t_empty (\n);\n");
        let t = CreateTable {
            qname: "s1.t",
            of_type: Some("s1.comp"),
            ..CreateTable::default()
        };
        assert_eq!(create_table(&t), "CREATE TABLE s1.t OF s1.comp;\n");
        let t = CreateTable {
            qname: "s1.c",
            unlogged: true,
            items: vec!["a integer".into(), "CONSTRAINT ck CHECK ((a > 0))".into()],
            inherits: vec!["s1.p".into(), "s1.q".into()],
            partition_by: Some("RANGE (a)"),
            with: Some("fillfactor='70'".into()),
            ..CreateTable::default()
        };
        assert_eq!(
            create_table(&t),
            "CREATE UNLOGGED TABLE s1.c (\n    a integer,\n    CONSTRAINT ck CHECK ((a > 0))\n)\n\
             INHERITS (s1.p, s1.q)\nPARTITION BY RANGE (a)\nWITH (fillfactor='70');\n"
        );
    }

    #[test]
    fn column_settings_order() {
        let s = column_settings(
            &q(),
            "s1.t",
            &ColumnSettings {
                name: "n",
                stat_target: 0,
                storage: Some("MAIN"),
                compression: Some("lz4"),
                options: "n_distinct=-1",
                ..ColumnSettings::default()
            },
        );
        assert_eq!(
            s,
            "ALTER TABLE ONLY s1.t ALTER COLUMN n SET STATISTICS 0;\n\
             ALTER TABLE ONLY s1.t ALTER COLUMN n SET STORAGE MAIN;\n\
             ALTER TABLE ONLY s1.t ALTER COLUMN n SET COMPRESSION lz4;\n\
             ALTER TABLE ONLY s1.t ALTER COLUMN n SET (n_distinct=-1);\n"
        );
    }

    #[test]
    fn copy_lists() {
        assert_eq!(copy_column_list(&q(), &[]), "");
        assert_eq!(
            copy_column_list(&q(), &["id", "Mixed Case"]),
            "(id, \"Mixed Case\")"
        );
    }
}
