//! Publications, their members, and subscriptions, as pg_dump writes them.

use crate::pg::quote::Quoting;

/// What `CREATE PUBLICATION` says: never its tables, which follow as
/// separate `ALTER PUBLICATION ... ADD` entries.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PublicationSpec {
    pub all_tables: bool,
    pub insert: bool,
    pub update: bool,
    pub delete: bool,
    pub truncate: bool,
    pub via_root: bool,
    /// `publish_generated_columns = stored` (18+ servers).
    pub stored_generated_columns: bool,
}

/// `CREATE PUBLICATION name[ FOR ALL TABLES] WITH (publish = '...'...);`
/// (`name_quoted` already quoted).
pub(crate) fn create_publication(name_quoted: &str, p: &PublicationSpec) -> String {
    let operations: Vec<&str> = [
        (p.insert, "insert"),
        (p.update, "update"),
        (p.delete, "delete"),
        (p.truncate, "truncate"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, word)| *word)
    .collect();
    let mut out = format!("CREATE PUBLICATION {name_quoted}");
    if p.all_tables {
        out.push_str(" FOR ALL TABLES");
    }
    // The operation words are fixed ASCII: no quoting to do.
    out.push_str(&format!(" WITH (publish = '{}'", operations.join(", ")));
    if p.via_root {
        out.push_str(", publish_via_partition_root = true");
    }
    if p.stored_generated_columns {
        out.push_str(", publish_generated_columns = stored");
    }
    out.push_str(");\n");
    out
}

/// `ALTER PUBLICATION p ADD TABLE ONLY s.t[ (cols)][ WHERE (filter)];`:
/// the filter as pg_get_expr printed it, in one more pair of parentheses.
pub(crate) fn add_publication_table(
    q: &Quoting,
    publication: &str,
    table_qname: &str,
    columns: Option<&[String]>,
    row_filter: Option<&str>,
) -> String {
    let mut out = format!(
        "ALTER PUBLICATION {} ADD TABLE ONLY {table_qname}",
        q.ident(publication)
    );
    if let Some(columns) = columns {
        let names: Vec<String> = columns.iter().map(|c| q.ident(c)).collect();
        out.push_str(&format!(" ({})", names.join(", ")));
    }
    if let Some(filter) = row_filter {
        out.push_str(&format!(" WHERE ({filter})"));
    }
    out.push_str(";\n");
    out
}

/// `ALTER PUBLICATION p ADD TABLES IN SCHEMA s;`
pub(crate) fn add_publication_schema(q: &Quoting, publication: &str, schema: &str) -> String {
    format!(
        "ALTER PUBLICATION {} ADD TABLES IN SCHEMA {};\n",
        q.ident(publication),
        q.ident(schema)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publication_statements() {
        let q = Quoting::new(false, true, "UTF8");
        let all = PublicationSpec {
            all_tables: true,
            insert: true,
            update: true,
            via_root: true,
            ..PublicationSpec::default()
        };
        assert_eq!(
            create_publication("\"P\"", &all),
            "CREATE PUBLICATION \"P\" FOR ALL TABLES WITH (publish = 'insert, update', \
             publish_via_partition_root = true);\n"
        );
        assert_eq!(
            create_publication("p", &PublicationSpec::default()),
            "CREATE PUBLICATION p WITH (publish = '');\n"
        );
        let cols = ["id".to_string(), "X y".to_string()];
        assert_eq!(
            add_publication_table(&q, "select", "s.t", Some(&cols), Some("(a > 1)")),
            "ALTER PUBLICATION \"select\" ADD TABLE ONLY s.t (id, \"X y\") WHERE ((a > 1));\n"
        );
        assert_eq!(
            add_publication_schema(&q, "p", "Sch"),
            "ALTER PUBLICATION p ADD TABLES IN SCHEMA \"Sch\";\n"
        );
    }
}
