//! pg_dumpall's refusal of database names that would break its scripts.
//!
//! pg_dumpall hands each database to pg_dump as a connection string on a
//! shell command line, and refuses (exit 1, before that database's
//! output) a name holding a newline or carriage return: such a name cannot
//! be written safely into the `\connect` meta-command of the restore
//! script either, where the text after the newline would run as SQL. We
//! refuse the same names with the same message, which shows the
//! connection string pg_dumpall would have built.

use crate::conn::conninfo;
use crate::pg::quote::conn_str_value;

/// Whether `name` must be refused.
pub(crate) fn unsafe_name(name: &str) -> bool {
    crate::pg::quote::breaks_line(name)
}

/// The connection string pg_dumpall passes to pg_dump for `dbname`: the
/// `-d` connection string's settings (libpq's keyword order, the last of
/// each kept, without dbname and password), then `-h`, `-p` and `-U`,
/// then `dbname`.
pub(crate) fn pg_dump_connstr(
    conninfo_arg: Option<&str>,
    host: Option<&str>,
    port: Option<&str>,
    user: Option<&str>,
    dbname: &str,
) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if let Some(Ok(given)) = conninfo_arg.map(conninfo::parse) {
        for (keyword, _) in conninfo::KEYWORDS {
            if matches!(
                *keyword,
                "dbname" | "password" | "fallback_application_name"
            ) {
                continue;
            }
            let last = given.iter().rev().find(|(k, _)| k == keyword);
            if let Some((_, value)) = last.filter(|(_, v)| !v.is_empty()) {
                pairs.push((keyword, value.clone()));
            }
        }
    }
    for (keyword, value) in [("host", host), ("port", port), ("user", user)] {
        if let Some(v) = value {
            pairs.push((keyword, v.to_string()));
        }
    }
    let settings: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", conn_str_value(v)))
        .collect();
    // pg_dumpall writes "<connstr> dbname=...": without settings the
    // string starts with a space.
    format!("{} dbname={}", settings.join(" "), conn_str_value(dbname))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_line_breaks_are_refused() {
        assert!(unsafe_name("a\nb"));
        assert!(unsafe_name("a\rb"));
        assert!(!unsafe_name("a b'\\\"c"));
    }

    #[test]
    fn connection_strings_as_pg_dumpall_builds_them() {
        // Each case checked against pg_dumpall 18.6's message.
        let name = "evil\nx";
        assert_eq!(
            pg_dump_connstr(None, None, None, None, name),
            " dbname='evil\nx'"
        );
        assert_eq!(
            pg_dump_connstr(None, Some("/tmp/pg"), Some("55418"), Some("postgres"), name),
            "host='/tmp/pg' port=55418 user=postgres dbname='evil\nx'"
        );
        assert_eq!(
            pg_dump_connstr(
                Some("port=55418 sslmode=disable application_name=x"),
                None,
                None,
                None,
                name
            ),
            "port=55418 application_name=x sslmode=disable dbname='evil\nx'"
        );
        assert_eq!(
            pg_dump_connstr(
                Some("password=pw host=/tmp/pg"),
                Some("/tmp/pg"),
                None,
                Some("postgres"),
                name
            ),
            "host='/tmp/pg' host='/tmp/pg' user=postgres dbname='evil\nx'"
        );
        assert_eq!(
            pg_dump_connstr(
                Some("postgresql://postgres@%2Ftmp%2Fpg:55418/postgres?connect_timeout=5"),
                None,
                None,
                None,
                "it's\\"
            ),
            "user=postgres connect_timeout=5 host='/tmp/pg' port=55418 dbname='it\\'s\\\\'"
        );
    }
}
