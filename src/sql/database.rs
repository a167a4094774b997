//! Database-level SQL of a database's section: the fixed session
//! settings every section starts with, and the `\connect` line.

use crate::pg::quote::{self, Quoting};

/// The SET block every section starts with (pg_dump's fixed output state).
pub(crate) fn fixed_settings(encoding: &str, std_strings: bool, role: Option<&str>) -> String {
    let mut s = String::from(
        "SET statement_timeout = 0;\nSET lock_timeout = 0;\n\
         SET idle_in_transaction_session_timeout = 0;\nSET transaction_timeout = 0;\n",
    );
    s.push_str(&format!("SET client_encoding = '{encoding}';\n"));
    s.push_str(&format!(
        "SET standard_conforming_strings = {};\n",
        if std_strings { "on" } else { "off" }
    ));
    if let Some(role) = role {
        s.push_str(&format!("SET ROLE {};\n", quote::ident(role)));
    }
    s.push_str("SELECT pg_catalog.set_config('search_path', '', false);\n");
    s.push_str("SET check_function_bodies = false;\nSET xmloption = content;\n");
    s.push_str("SET client_min_messages = warning;\n");
    if !std_strings {
        s.push_str("SET escape_string_warning = off;\n");
    }
    s.push_str("SET row_security = off;\n\n");
    s
}

/// psql's `\connect` line for a database name (appendPsqlMetaConnect).
/// A meta-command ends at the end of its line whatever the quoting, so a
/// name with a line break cannot be written (the driver refuses such
/// databases before this point; this keeps the line safe on its own).
pub(crate) fn connect_command(q: &Quoting, name: &str) -> Result<String, String> {
    if quote::breaks_line(name) {
        return Err(format!(
            "database name contains a newline or carriage return: \"{}\"",
            crate::text::display(name)
        ));
    }
    let simple = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if simple {
        return Ok(format!("\\connect {}\n", q.ident(name)));
    }
    let connstr = format!("dbname={}", crate::pg::quote::conn_str_value(name));
    // Identifier quoting of the whole connection string.
    let quoted = format!("\"{}\"", connstr.replace('"', "\"\""));
    Ok(format!(
        "\\encoding SQL_ASCII\n\\connect -reuse-previous=on {quoted}\n"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_lines() {
        let q = Quoting::default();
        assert_eq!(connect_command(&q, "app_1").unwrap(), "\\connect app_1\n");
        // Simple for a connection string, yet an identifier that needs quotes.
        assert_eq!(
            connect_command(&q, "app.x").unwrap(),
            "\\connect \"app.x\"\n"
        );
        assert_eq!(
            connect_command(&q, "it's \"x\"\\").unwrap(),
            "\\encoding SQL_ASCII\n\\connect -reuse-previous=on \"dbname='it\\'s \"\"x\"\"\\\\'\"\n"
        );
        // A line break would end the meta-command: never written.
        assert!(connect_command(&q, "a\nDROP ROLE x;").is_err());
        assert!(connect_command(&q, "a\rb").is_err());
    }

    #[test]
    fn settings_follow_standard_conforming_strings() {
        let on = fixed_settings("UTF8", true, None);
        assert!(on.contains("SET standard_conforming_strings = on;\n"));
        assert!(!on.contains("escape_string_warning"));
        let off = fixed_settings("SJIS", false, Some("Admin"));
        assert!(off.contains("SET client_encoding = 'SJIS';\n"));
        assert!(off.contains("SET standard_conforming_strings = off;\n"));
        assert!(off.contains("SET ROLE \"Admin\";\n"));
        assert!(off.contains("SET escape_string_warning = off;\n"));
    }
}
