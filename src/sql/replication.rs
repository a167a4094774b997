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

/// What `CREATE SUBSCRIPTION` says besides its name, connection and
/// publications (the `WITH` options pg_dump writes).
#[derive(Debug, Clone, Default)]
pub(crate) struct SubscriptionSpec<'a> {
    pub slot_name: Option<&'a str>,
    pub binary: bool,
    /// `f`, `t` or `p`.
    pub streaming: char,
    /// Two-phase state other than disabled.
    pub two_phase: bool,
    pub disable_on_error: bool,
    pub password_required: bool,
    pub run_as_owner: bool,
    pub failover: bool,
    pub synchronous_commit: &'a str,
    pub origin: &'a str,
}

/// `CREATE SUBSCRIPTION name CONNECTION '...' PUBLICATION p1, p2 WITH
/// (connect = false, slot_name = ...);`: never connected at restore.
pub(crate) fn create_subscription(
    q: &Quoting,
    name_quoted: &str,
    conninfo: &str,
    publications: &[String],
    s: &SubscriptionSpec,
) -> String {
    let publications: Vec<String> = publications.iter().map(|p| q.ident(p)).collect();
    let mut out = format!(
        "CREATE SUBSCRIPTION {name_quoted} CONNECTION {} PUBLICATION {} WITH (connect = false, slot_name = ",
        q.literal(conninfo),
        publications.join(", ")
    );
    match s.slot_name {
        Some(slot) => out.push_str(&q.literal(slot)),
        None => out.push_str("NONE"),
    }
    if s.binary {
        out.push_str(", binary = true");
    }
    out.push_str(match s.streaming {
        'p' => ", streaming = parallel",
        't' => ", streaming = on",
        _ => ", streaming = off",
    });
    if s.two_phase {
        out.push_str(", two_phase = on");
    }
    if s.disable_on_error {
        out.push_str(", disable_on_error = true");
    }
    if !s.password_required {
        out.push_str(", password_required = false");
    }
    if s.run_as_owner {
        out.push_str(", run_as_owner = true");
    }
    if s.failover {
        out.push_str(", failover = true");
    }
    if s.synchronous_commit != "off" {
        out.push_str(&format!(
            ", synchronous_commit = {}",
            q.ident(s.synchronous_commit)
        ));
    }
    if s.origin != "any" {
        // Written bare, as pg_dump does: the server accepts only `none`
        // and `any`; anything else (a forged catalog) goes as a literal.
        let origin = if !s.origin.is_empty() && s.origin.bytes().all(|b| b.is_ascii_lowercase()) {
            s.origin.to_string()
        } else {
            q.literal(s.origin)
        };
        out.push_str(&format!(", origin = {origin}"));
    }
    out.push_str(");\n");
    out
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

    #[test]
    fn subscription_statement() {
        let q = Quoting::new(false, true, "UTF8");
        let spec = SubscriptionSpec {
            slot_name: None,
            streaming: 'p',
            two_phase: true,
            password_required: false,
            run_as_owner: true,
            synchronous_commit: "remote_apply",
            origin: "none",
            ..SubscriptionSpec::default()
        };
        assert_eq!(
            create_subscription(&q, "s", "dbname='x y'", &["P 1".into(), "p2".into()], &spec),
            "CREATE SUBSCRIPTION s CONNECTION 'dbname=''x y''' PUBLICATION \"P 1\", p2 \
             WITH (connect = false, slot_name = NONE, streaming = parallel, two_phase = on, \
             password_required = false, run_as_owner = true, synchronous_commit = remote_apply, \
             origin = none);\n"
        );
        let forged = SubscriptionSpec {
            slot_name: Some("it's"),
            password_required: true,
            synchronous_commit: "off",
            origin: "x'); DROP",
            ..SubscriptionSpec::default()
        };
        assert_eq!(
            create_subscription(&q, "s", "", &[], &forged),
            "CREATE SUBSCRIPTION s CONNECTION '' PUBLICATION  WITH (connect = false, \
             slot_name = 'it''s', streaming = off, origin = 'x''); DROP');\n"
        );
    }
}
