//! Statements for views and materialized views, as pg_dump writes them:
//! `CREATE VIEW` (with reloptions and check option), the placeholder body
//! of a view split out of a dependency loop, the `CREATE OR REPLACE VIEW`
//! of its separate `_RETURN` rule, `CREATE MATERIALIZED VIEW ... WITH NO
//! DATA`, per-column settings and `REFRESH MATERIALIZED VIEW`.

use super::acl::split_acl_array;
use crate::pg::quote::Quoting;

/// `name=value, ...` from a reloptions array (its text form), each name
/// prefixed with `prefix` (`toast.`): names are quoted as identifiers,
/// values are left bare when identifier quoting would leave them
/// unchanged, else written as string literals.
pub(crate) fn reloptions(q: &Quoting, array: &str, prefix: &str) -> String {
    super::table::reloptions(q, &split_acl_array(array), prefix)
}

/// Whether a reloptions array (text form) holds any option.
pub(crate) fn nonempty_reloptions(array: Option<&str>) -> bool {
    matches!(array, Some(a) if !split_acl_array(a).is_empty())
}

/// The view's query as pg_get_viewdef returns it, without its final
/// semicolon.
pub(crate) fn view_query(viewdef: &str) -> &str {
    viewdef.strip_suffix(';').unwrap_or(viewdef)
}

/// What a view's statements need.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ViewSpec<'a> {
    /// Qualified, quoted name.
    pub qname: &'a str,
    /// reloptions without check_option (text form), if any.
    pub reloptions: Option<&'a str>,
    /// `LOCAL` or `CASCADED`.
    pub check_option: Option<&'a str>,
    /// pg_get_viewdef output.
    pub viewdef: &'a str,
}

fn view_body(q: &Quoting, v: &ViewSpec, verb: &str) -> String {
    let mut out = format!("{verb} {}", v.qname);
    if nonempty_reloptions(v.reloptions) {
        out.push_str(" WITH (");
        out.push_str(&reloptions(q, v.reloptions.unwrap_or_default(), ""));
        out.push(')');
    }
    out.push_str(" AS\n");
    out.push_str(view_query(v.viewdef));
    if let Some(c) = v.check_option {
        out.push_str(&format!("\n  WITH {c} CHECK OPTION"));
    }
    out.push_str(";\n");
    out
}

/// `CREATE VIEW q [WITH (...)] AS\n<query>[\n  WITH x CHECK OPTION];\n`.
pub(crate) fn create_view(q: &Quoting, v: &ViewSpec) -> String {
    view_body(q, v, "CREATE VIEW")
}

/// The separate `_RETURN` rule of a view split out of a loop.
pub(crate) fn create_or_replace_view(q: &Quoting, v: &ViewSpec) -> String {
    view_body(q, v, "CREATE OR REPLACE VIEW")
}

/// One column of a placeholder view: the formatted type, the qualified
/// collation if it is not the type's, and the quoted name.
#[derive(Debug, Clone)]
pub(crate) struct DummyColumn {
    pub type_name: String,
    pub collation: Option<String>,
    pub name: String,
}

/// `CREATE VIEW q AS\nSELECT\n    NULL::type AS col,...;\n`: a view with the
/// right columns and no dependencies.
pub(crate) fn create_dummy_view(qname: &str, columns: &[DummyColumn]) -> String {
    let mut out = format!("CREATE VIEW {qname} AS\nSELECT");
    for (i, c) in columns.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("\n    NULL::");
        out.push_str(&c.type_name);
        if let Some(coll) = &c.collation {
            out.push_str(" COLLATE ");
            out.push_str(coll);
        }
        out.push_str(" AS ");
        out.push_str(&c.name);
    }
    out.push_str(";\n");
    out
}

/// What a materialized view's statement needs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MatviewSpec<'a> {
    pub qname: &'a str,
    pub reloptions: Option<&'a str>,
    pub toast_reloptions: Option<&'a str>,
    pub viewdef: &'a str,
}

/// `CREATE MATERIALIZED VIEW q[\nWITH (...)] AS\n<query>\n  WITH NO DATA;\n`.
pub(crate) fn create_matview(q: &Quoting, m: &MatviewSpec) -> String {
    let mut out = format!("CREATE MATERIALIZED VIEW {}", m.qname);
    let own = nonempty_reloptions(m.reloptions);
    let toast = nonempty_reloptions(m.toast_reloptions);
    if own || toast {
        out.push_str("\nWITH (");
        if own {
            out.push_str(&reloptions(q, m.reloptions.unwrap_or_default(), ""));
        }
        if toast {
            if own {
                out.push_str(", ");
            }
            out.push_str(&reloptions(
                q,
                m.toast_reloptions.unwrap_or_default(),
                "toast.",
            ));
        }
        out.push(')');
    }
    out.push_str(" AS\n");
    out.push_str(view_query(m.viewdef));
    out.push_str("\n  WITH NO DATA;\n");
    out
}

/// Per-column settings printed after a relation's CREATE.
#[derive(Debug, Clone, Default)]
pub(crate) struct ColumnSettings {
    /// Quoted column name.
    pub name: String,
    /// attstattarget; negative means the default.
    pub stattarget: i32,
    pub attstorage: char,
    pub typstorage: char,
    /// attcompression (`p`, `l`) or `\0`.
    pub compression: char,
    /// attoptions joined with `, `, or empty.
    pub options: String,
}

/// The `ALTER TABLE ONLY ... ALTER COLUMN` lines for non-default column
/// settings, in pg_dump's order.
pub(crate) fn column_settings(
    qname: &str,
    columns: &[ColumnSettings],
    no_toast_compression: bool,
) -> String {
    let mut out = String::new();
    for c in columns {
        let prefix = format!("ALTER TABLE ONLY {qname} ALTER COLUMN {}", c.name);
        if c.stattarget >= 0 {
            out.push_str(&format!("{prefix} SET STATISTICS {};\n", c.stattarget));
        }
        if c.attstorage != c.typstorage {
            let storage = match c.attstorage {
                'p' => Some("PLAIN"),
                'e' => Some("EXTERNAL"),
                'm' => Some("MAIN"),
                'x' => Some("EXTENDED"),
                _ => None,
            };
            if let Some(s) = storage {
                out.push_str(&format!("{prefix} SET STORAGE {s};\n"));
            }
        }
        if !no_toast_compression {
            let method = match c.compression {
                'p' => Some("pglz"),
                'l' => Some("lz4"),
                _ => None,
            };
            if let Some(m) = method {
                out.push_str(&format!("{prefix} SET COMPRESSION {m};\n"));
            }
        }
        if !c.options.is_empty() {
            out.push_str(&format!("{prefix} SET ({});\n", c.options));
        }
    }
    out
}

/// `\nALTER TABLE ONLY q REPLICA IDENTITY NOTHING|FULL;\n` for a non-default,
/// non-index replica identity.
pub(crate) fn replica_identity(qname: &str, relreplident: char) -> String {
    match relreplident {
        'n' => format!("\nALTER TABLE ONLY {qname} REPLICA IDENTITY NOTHING;\n"),
        'f' => format!("\nALTER TABLE ONLY {qname} REPLICA IDENTITY FULL;\n"),
        _ => String::new(),
    }
}

/// `REFRESH MATERIALIZED VIEW q;\n`.
pub(crate) fn refresh_matview(qname: &str) -> String {
    format!("REFRESH MATERIALIZED VIEW {qname};\n")
}

/// `ALTER TABLE ONLY q ALTER COLUMN c SET DEFAULT expr;\n` (a view's
/// column default, always a separate entry).
pub(crate) fn column_default(qname: &str, column: &str, expr: &str) -> String {
    format!("ALTER TABLE ONLY {qname} ALTER COLUMN {column} SET DEFAULT {expr};\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reloption_values_are_quoted_unless_plain_identifiers() {
        let q = Quoting::default();
        assert_eq!(
            reloptions(&q, "{security_barrier=true}", ""),
            "security_barrier='true'"
        );
        assert_eq!(
            reloptions(&q, "{fillfactor=70,autovacuum_enabled=off}", "toast."),
            "toast.fillfactor='70', toast.autovacuum_enabled=off"
        );
        assert_eq!(
            reloptions(&q, "{\"x=a b\",y=it's}", ""),
            "x='a b', y='it''s'"
        );
        assert!(!nonempty_reloptions(Some("{}")));
        assert!(!nonempty_reloptions(None));
    }

    #[test]
    fn views() {
        let q = Quoting::default();
        let v = ViewSpec {
            qname: "s1.\"V 3\"",
            reloptions: Some("{security_invoker=true}"),
            check_option: Some("CASCADED"),
            viewdef: " SELECT id,\n    name\n   FROM s1.v1;",
        };
        assert_eq!(
            create_view(&q, &v),
            "CREATE VIEW s1.\"V 3\" WITH (security_invoker='true') AS\n SELECT id,\n    name\n   FROM s1.v1\n  WITH CASCADED CHECK OPTION;\n"
        );
        assert!(
            create_or_replace_view(&q, &v).starts_with("CREATE OR REPLACE VIEW s1.\"V 3\" WITH (")
        );
    }

    #[test]
    fn dummy_view() {
        let cols = [
            DummyColumn {
                type_name: "integer".into(),
                collation: None,
                name: "a".into(),
            },
            DummyColumn {
                type_name: "text".into(),
                collation: Some("pg_catalog.\"C\"".into()),
                name: "b".into(),
            },
        ];
        assert_eq!(
            create_dummy_view("s.cv", &cols),
            "CREATE VIEW s.cv AS\nSELECT\n    NULL::integer AS a,\n    NULL::text COLLATE pg_catalog.\"C\" AS b;\n"
        );
    }

    #[test]
    fn matviews() {
        let q = Quoting::default();
        let m = MatviewSpec {
            qname: "s1.mv2",
            reloptions: Some("{fillfactor=70}"),
            toast_reloptions: None,
            viewdef: " SELECT 1 AS one;",
        };
        assert_eq!(
            create_matview(&q, &m),
            "CREATE MATERIALIZED VIEW s1.mv2\nWITH (fillfactor='70') AS\n SELECT 1 AS one\n  WITH NO DATA;\n"
        );
        let cols = [ColumnSettings {
            name: "id".into(),
            stattarget: 50,
            attstorage: 'm',
            typstorage: 'x',
            compression: 'p',
            options: "n_distinct=5".into(),
        }];
        assert_eq!(
            column_settings("s1.mv1", &cols, false),
            "ALTER TABLE ONLY s1.mv1 ALTER COLUMN id SET STATISTICS 50;\n\
             ALTER TABLE ONLY s1.mv1 ALTER COLUMN id SET STORAGE MAIN;\n\
             ALTER TABLE ONLY s1.mv1 ALTER COLUMN id SET COMPRESSION pglz;\n\
             ALTER TABLE ONLY s1.mv1 ALTER COLUMN id SET (n_distinct=5);\n"
        );
        assert_eq!(
            refresh_matview("s1.mv1"),
            "REFRESH MATERIALIZED VIEW s1.mv1;\n"
        );
    }
}
