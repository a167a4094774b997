//! Foreign data statements: CREATE FOREIGN DATA WRAPPER, CREATE SERVER
//! and CREATE USER MAPPING, with OPTIONS lists the server built; the
//! `FOREIGN` of foreign tables' statements.

use crate::catalog::foreign_data::{ServerRow, UserMappingRow, WrapperRow};
use crate::pg::quote::Quoting;

/// `FOREIGN ` for a foreign table's statements, else nothing.
pub(crate) fn foreign_word(foreign: bool) -> &'static str {
    if foreign {
        "FOREIGN "
    } else {
        ""
    }
}

/// ` OPTIONS (␤    a 'x',␤    b 'y'␤)`, or nothing for an empty list.
fn options_clause(options: &str) -> String {
    if options.is_empty() {
        String::new()
    } else {
        format!(" OPTIONS (\n    {options}\n)")
    }
}

/// `CREATE FOREIGN DATA WRAPPER w[ HANDLER h][ VALIDATOR v][ OPTIONS (...)];`
pub(crate) fn create_wrapper(q: &Quoting, w: &WrapperRow) -> String {
    let mut out = format!("CREATE FOREIGN DATA WRAPPER {}", q.ident(&w.name));
    if w.handler != "-" {
        out.push_str(&format!(" HANDLER {}", w.handler));
    }
    if w.validator != "-" {
        out.push_str(&format!(" VALIDATOR {}", w.validator));
    }
    out.push_str(&options_clause(&w.options));
    out.push_str(";\n");
    out
}

/// `CREATE SERVER s[ TYPE 't'][ VERSION 'v'] FOREIGN DATA WRAPPER w[ OPTIONS (...)];`
pub(crate) fn create_server(q: &Quoting, s: &ServerRow) -> String {
    let mut out = format!("CREATE SERVER {}", q.ident(&s.name));
    if let Some(t) = s.server_type.as_deref().filter(|t| !t.is_empty()) {
        out.push_str(&format!(" TYPE {}", q.literal(t)));
    }
    if let Some(v) = s.version.as_deref().filter(|v| !v.is_empty()) {
        out.push_str(&format!(" VERSION {}", q.literal(v)));
    }
    out.push_str(&format!(" FOREIGN DATA WRAPPER {}", q.ident(&s.wrapper)));
    out.push_str(&options_clause(&s.options));
    out.push_str(";\n");
    out
}

/// `CREATE USER MAPPING FOR u SERVER s[ OPTIONS (...)];`
pub(crate) fn create_user_mapping(q: &Quoting, server: &str, m: &UserMappingRow) -> String {
    format!(
        "CREATE USER MAPPING FOR {} SERVER {}{};\n",
        q.ident(&m.user),
        q.ident(server),
        options_clause(&m.options)
    )
}

/// The tag of a user mapping's entry: `USER MAPPING u SERVER s`, the
/// names unquoted (pg_dump's form).
pub(crate) fn user_mapping_tag(server: &str, m: &UserMappingRow) -> String {
    format!("USER MAPPING {} SERVER {server}", m.user)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::table::{column_settings, create_table, ColumnSettings, CreateTable};

    #[test]
    fn foreign_table_statements() {
        let q = Quoting::default();
        let t = CreateTable {
            qname: "s.ft",
            items: vec!["a integer".into()],
            inherits: vec!["s.p".into()],
            foreign_server: Some("\"Odd Srv\""),
            foreign_options: "table_name 'x'",
            ..CreateTable::default()
        };
        assert_eq!(
            create_table(&t),
            "CREATE FOREIGN TABLE s.ft (\n    a integer\n)\nINHERITS (s.p)\nSERVER \"Odd Srv\"\n\
             OPTIONS (\n    table_name 'x'\n);\n"
        );
        let c = ColumnSettings {
            name: "a",
            stat_target: 5,
            foreign: true,
            fdw_options: "column_name 'A'",
            ..ColumnSettings::default()
        };
        assert_eq!(
            column_settings(&q, "s.ft", &c),
            "ALTER FOREIGN TABLE ONLY s.ft ALTER COLUMN a SET STATISTICS 5;\n\
             ALTER FOREIGN TABLE ONLY s.ft ALTER COLUMN a OPTIONS (\n    column_name 'A'\n);\n"
        );
    }

    #[test]
    fn wrapper_server_and_mapping() {
        let q = Quoting::default();
        let w = WrapperRow {
            name: "Odd Fdw".into(),
            handler: "public.h".into(),
            validator: "-".into(),
            options: "a 'x',\n    \"B\" 'y'".into(),
            ..WrapperRow::default()
        };
        assert_eq!(
            create_wrapper(&q, &w),
            "CREATE FOREIGN DATA WRAPPER \"Odd Fdw\" HANDLER public.h OPTIONS (\n    a 'x',\n    \"B\" 'y'\n);\n"
        );
        let s = ServerRow {
            name: "srv".into(),
            wrapper: "select".into(),
            server_type: Some("it's".into()),
            version: Some(String::new()),
            ..ServerRow::default()
        };
        assert_eq!(
            create_server(&q, &s),
            "CREATE SERVER srv TYPE 'it''s' FOREIGN DATA WRAPPER \"select\";\n"
        );
        let m = UserMappingRow {
            user: "public".into(),
            options: String::new(),
        };
        assert_eq!(
            create_user_mapping(&q, "srv", &m),
            "CREATE USER MAPPING FOR public SERVER srv;\n"
        );
    }
}
