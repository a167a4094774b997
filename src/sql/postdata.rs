//! Statements of the post-data objects pg_dump prints one by one: rules,
//! triggers, policies and row security, event triggers, default
//! privileges, and large objects (metadata, data, ACLs).

use super::acl::{build_acl_commands, AclTarget};
use crate::pg::quote::Quoting;

/// A rule's text: pg_get_ruledef's output, then the firing-state change.
pub(crate) fn rule(
    ruledef: &str,
    table_qname: &str,
    rule_name_quoted: &str,
    ev_enabled: char,
) -> String {
    let mut out = format!("{ruledef}\n");
    let state = match ev_enabled {
        'A' => "ENABLE ALWAYS",
        'R' => "ENABLE REPLICA",
        'D' => "DISABLE",
        _ => return out,
    };
    out.push_str(&format!(
        "ALTER TABLE {table_qname} {state} RULE {rule_name_quoted};\n"
    ));
    out
}

/// The words of a trigger's `tgenabled` state in `ALTER TABLE`.
fn trigger_state(tgenabled: char) -> &'static str {
    match tgenabled {
        'D' | 'f' => "DISABLE",
        'A' => "ENABLE ALWAYS",
        'R' => "ENABLE REPLICA",
        _ => "ENABLE",
    }
}

/// A trigger's text. `partition_clone` triggers (cloned from a partitioned
/// table's trigger, listed only because their state differs) print just
/// the state change.
pub(crate) fn trigger(
    triggerdef: &str,
    table_qname: &str,
    foreign_table: bool,
    trigger_name_quoted: &str,
    tgenabled: char,
    partition_clone: bool,
) -> String {
    let alter = format!(
        "\nALTER {}TABLE {table_qname} {} TRIGGER {trigger_name_quoted};\n",
        if foreign_table { "FOREIGN " } else { "" },
        trigger_state(tgenabled)
    );
    if partition_clone {
        return alter;
    }
    let mut out = format!("{triggerdef};\n");
    if tgenabled != 'O' && tgenabled != 't' {
        out.push_str(&alter);
    }
    out
}

/// What a policy statement needs (expressions as pg_get_expr gives them).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PolicySpec<'a> {
    pub name_quoted: &'a str,
    pub table_qname: &'a str,
    pub permissive: bool,
    /// polcmd: `*`, `r`, `a`, `w`, `d`.
    pub command: char,
    /// Server-quoted role names joined with `, `; None for PUBLIC only.
    pub roles: Option<&'a str>,
    pub qual: Option<&'a str>,
    pub with_check: Option<&'a str>,
}

/// `CREATE POLICY ...;\n`.
pub(crate) fn policy(p: &PolicySpec) -> String {
    let cmd = match p.command {
        'r' => " FOR SELECT",
        'a' => " FOR INSERT",
        'w' => " FOR UPDATE",
        'd' => " FOR DELETE",
        _ => "",
    };
    let mut out = format!(
        "CREATE POLICY {} ON {}{}{cmd}",
        p.name_quoted,
        p.table_qname,
        if p.permissive { "" } else { " AS RESTRICTIVE" }
    );
    if let Some(r) = p.roles {
        out.push_str(&format!(" TO {r}"));
    }
    if let Some(e) = p.qual {
        out.push_str(&format!(" USING ({e})"));
    }
    if let Some(e) = p.with_check {
        out.push_str(&format!(" WITH CHECK ({e})"));
    }
    out.push_str(";\n");
    out
}

/// The ROW SECURITY entry's text (no trailing newline, as pg_dump has it).
pub(crate) fn enable_row_security(table_qname: &str) -> String {
    format!("ALTER TABLE {table_qname} ENABLE ROW LEVEL SECURITY;")
}

/// `CREATE EVENT TRIGGER ...`, then the firing-state change.
/// `tags` is the server-quoted tag list joined with `, ` (may be empty);
/// `function` the regproc text.
pub(crate) fn event_trigger(
    name_quoted: &str,
    event_quoted: &str,
    tags: &str,
    function: &str,
    enabled: char,
) -> String {
    let mut out = format!("CREATE EVENT TRIGGER {name_quoted} ON {event_quoted}");
    if !tags.is_empty() {
        out.push_str(&format!("\n         WHEN TAG IN ({tags})"));
    }
    out.push_str(&format!("\n   EXECUTE FUNCTION {function}();\n"));
    if enabled != 'O' {
        let state = match enabled {
            'D' => "DISABLE",
            'A' => "ENABLE ALWAYS",
            'R' => "ENABLE REPLICA",
            _ => "ENABLE",
        };
        out.push_str(&format!("\nALTER EVENT TRIGGER {name_quoted} {state};\n"));
    }
    out
}

/// The plural object word of a `defaclobjtype`.
pub(crate) fn default_acl_object_type(objtype: char) -> Option<&'static str> {
    Some(match objtype {
        'r' => "TABLES",
        'S' => "SEQUENCES",
        'f' => "FUNCTIONS",
        'T' => "TYPES",
        'n' => "SCHEMAS",
        'L' => "LARGE OBJECTS",
        _ => return None,
    })
}

/// `ALTER DEFAULT PRIVILEGES FOR ROLE r [IN SCHEMA s] GRANT|REVOKE ...` lines.
pub(crate) fn default_acl(
    q: &Quoting,
    role: &str,
    schema: Option<&str>,
    object_type: &str,
    acl: &str,
    baseline: &str,
) -> String {
    let mut prefix = format!("ALTER DEFAULT PRIVILEGES FOR ROLE {} ", q.ident(role));
    if let Some(s) = schema {
        prefix.push_str(&format!("IN SCHEMA {} ", q.ident(s)));
    }
    let target = AclTarget {
        object_type,
        name: "",
        column: None,
        owner: Some(role),
        prefix: &prefix,
    };
    build_acl_commands(q, &target, acl, baseline)
}

/// A BLOB METADATA entry's text: one `lo_create` per large object. It has
/// no final newline: the archiver prints these lines and one blank line.
pub(crate) fn lo_metadata(oids: &[u32]) -> String {
    oids.iter()
        .map(|o| format!("SELECT pg_catalog.lo_create('{o}');"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The object description that makes the printer's `ALTER <x> OWNER TO
/// <owner>;` line come out as one `ALTER LARGE OBJECT n OWNER TO owner;`
/// per large object of a group (`owner_quoted` for all but the last).
pub(crate) fn lo_owner_object(oids: &[u32], owner_quoted: &str) -> String {
    let mut out = String::new();
    for (i, o) in oids.iter().enumerate() {
        if i > 0 {
            out.push_str(&format!(" OWNER TO {owner_quoted};\nALTER "));
        }
        out.push_str(&format!("LARGE OBJECT {o}"));
    }
    out
}

/// A group's ACL text: each command of the first large object's ACL
/// repeated for every large object of the group, a blank line after each
/// command's run. No final newline (the printer adds the blank line).
pub(crate) fn lo_group_acl(first_acl: &str, oids: &[u32]) -> String {
    let Some(&first) = oids.first() else {
        return String::new();
    };
    let marker = format!("LARGE OBJECT {first} ");
    let mut blocks = Vec::new();
    for cmd in first_acl.lines().filter(|l| !l.is_empty()) {
        let mut block = String::new();
        match cmd.find(&marker) {
            Some(at) => {
                let (head, tail) = (&cmd[..at], &cmd[at + marker.len()..]);
                for o in oids {
                    block.push_str(&format!("{head}LARGE OBJECT {o} {tail}\n"));
                }
            }
            None => {
                // pg_dump's archiver finds no object number to replace and
                // prints its missing second half as "(null)".
                let head = cmd.strip_suffix(';').unwrap_or(cmd);
                for o in oids {
                    block.push_str(&format!("{head}{o}(null);\n"));
                }
            }
        }
        blocks.push(block);
    }
    let mut out = blocks.join("\n");
    if out.ends_with('\n') {
        out.pop();
    }
    out
}

/// `'\x...'`: a bytea literal in hex form (standard_conforming_strings on),
/// or `'\\x...'` when it is off (pg_dump writes no `E` there).
pub(crate) fn bytea_literal(data: &[u8], std_strings: bool) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(data.len() * 2 + 6);
    out.push_str(if std_strings { "'\\x" } else { "'\\\\x" });
    for b in data {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
    out.push('\'');
    out
}

/// The start of one large object's data in a BLOBS entry.
pub(crate) fn lo_open(oid: u32) -> String {
    format!("SELECT pg_catalog.lo_open('{oid}', 131072);\n")
}

/// One chunk of a large object's data.
pub(crate) fn lo_write(data: &[u8], std_strings: bool) -> String {
    format!(
        "SELECT pg_catalog.lowrite(0, {});\n",
        bytea_literal(data, std_strings)
    )
}

/// The end of one large object's data.
pub(crate) const LO_CLOSE: &str = "SELECT pg_catalog.lo_close(0);\n\n";

/// `CREATE STATISTICS` (the server's definition) and, when a statistics
/// target is set, `ALTER STATISTICS ... SET STATISTICS n`.
pub(crate) fn extended_statistics(
    definition: &str,
    qname: &str,
    stat_target: Option<i32>,
) -> String {
    let mut out = format!("{definition};\n");
    if let Some(n) = stat_target {
        out.push_str(&format!("ALTER STATISTICS {qname} SET STATISTICS {n};\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_statistics_with_and_without_target() {
        let def = "CREATE STATISTICS s.st ON a, b FROM s.t";
        assert_eq!(
            extended_statistics(def, "s.st", None),
            "CREATE STATISTICS s.st ON a, b FROM s.t;\n"
        );
        assert_eq!(
            extended_statistics(def, "s.st", Some(0)),
            "CREATE STATISTICS s.st ON a, b FROM s.t;\nALTER STATISTICS s.st SET STATISTICS 0;\n"
        );
    }

    #[test]
    fn rules() {
        assert_eq!(
            rule(
                "CREATE RULE r AS ON DELETE TO s.t DO INSTEAD NOTHING;",
                "s.t",
                "r",
                'O'
            ),
            "CREATE RULE r AS ON DELETE TO s.t DO INSTEAD NOTHING;\n"
        );
        assert_eq!(
            rule("X;", "s.t", "\"R\"", 'D'),
            "X;\nALTER TABLE s.t DISABLE RULE \"R\";\n"
        );
    }

    #[test]
    fn triggers() {
        assert_eq!(
            trigger("CREATE TRIGGER a AFTER DELETE ON s.t FOR EACH STATEMENT EXECUTE FUNCTION s.f()", "s.t", false, "a", 'D', false),
            "CREATE TRIGGER a AFTER DELETE ON s.t FOR EACH STATEMENT EXECUTE FUNCTION s.f();\n\nALTER TABLE s.t DISABLE TRIGGER a;\n"
        );
        assert_eq!(trigger("X", "s.t", false, "a", 'O', false), "X;\n");
        assert_eq!(
            trigger("X", "public.p1", false, "tg", 'O', true),
            "\nALTER TABLE public.p1 ENABLE TRIGGER tg;\n"
        );
        assert_eq!(
            trigger("X", "s.f", true, "a", 'R', false),
            "X;\n\nALTER FOREIGN TABLE s.f ENABLE REPLICA TRIGGER a;\n"
        );
    }

    #[test]
    fn policies() {
        let p = PolicySpec {
            name_quoted: "\"P two\"",
            table_qname: "s1.t",
            permissive: false,
            command: 'w',
            roles: Some("alice, \"Bob Role\""),
            qual: Some("true"),
            with_check: Some("(id < 10)"),
        };
        assert_eq!(
            policy(&p),
            "CREATE POLICY \"P two\" ON s1.t AS RESTRICTIVE FOR UPDATE TO alice, \"Bob Role\" USING (true) WITH CHECK ((id < 10));\n"
        );
        let p = PolicySpec {
            permissive: true,
            command: '*',
            roles: None,
            with_check: None,
            qual: Some("(id > 0)"),
            name_quoted: "p1",
            ..p
        };
        assert_eq!(policy(&p), "CREATE POLICY p1 ON s1.t USING ((id > 0));\n");
        assert_eq!(
            enable_row_security("s1.t"),
            "ALTER TABLE s1.t ENABLE ROW LEVEL SECURITY;"
        );
    }

    #[test]
    fn event_triggers() {
        assert_eq!(
            event_trigger("evt1", "ddl_command_start", "'CREATE TABLE', 'DROP TABLE'", "s1.evtf", 'R'),
            "CREATE EVENT TRIGGER evt1 ON ddl_command_start\n         WHEN TAG IN ('CREATE TABLE', 'DROP TABLE')\n   EXECUTE FUNCTION s1.evtf();\n\nALTER EVENT TRIGGER evt1 ENABLE REPLICA;\n"
        );
        assert_eq!(
            event_trigger("\"Evt 2\"", "sql_drop", "", "s1.evtf", 'O'),
            "CREATE EVENT TRIGGER \"Evt 2\" ON sql_drop\n   EXECUTE FUNCTION s1.evtf();\n"
        );
    }

    #[test]
    fn default_acls() {
        let q = Quoting::default();
        assert_eq!(
            default_acl(
                &q,
                "alice",
                None,
                "FUNCTIONS",
                "{\"Bob Role\"=X/alice,alice=X/alice}",
                "{=X/alice,alice=X/alice}"
            ),
            "ALTER DEFAULT PRIVILEGES FOR ROLE alice REVOKE ALL ON FUNCTIONS FROM PUBLIC;\n\
             ALTER DEFAULT PRIVILEGES FOR ROLE alice GRANT ALL ON FUNCTIONS TO \"Bob Role\";\n"
        );
        assert_eq!(
            default_acl(&q, "postgres", Some("s1"), "SEQUENCES", "{alice=U*/postgres}", "{}"),
            "ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA s1 GRANT USAGE ON SEQUENCES TO alice WITH GRANT OPTION;\n"
        );
    }

    #[test]
    fn large_objects() {
        assert_eq!(
            lo_metadata(&[1, 2]),
            "SELECT pg_catalog.lo_create('1');\nSELECT pg_catalog.lo_create('2');"
        );
        assert_eq!(
            format!("ALTER {} OWNER TO bob;\n", lo_owner_object(&[1, 2], "bob")),
            "ALTER LARGE OBJECT 1 OWNER TO bob;\nALTER LARGE OBJECT 2 OWNER TO bob;\n"
        );
        assert_eq!(
            lo_group_acl("GRANT SELECT ON LARGE OBJECT 7 TO alice;\nGRANT UPDATE ON LARGE OBJECT 7 TO \"B\";\n", &[7, 9]),
            "GRANT SELECT ON LARGE OBJECT 7 TO alice;\nGRANT SELECT ON LARGE OBJECT 9 TO alice;\n\n\
             GRANT UPDATE ON LARGE OBJECT 7 TO \"B\";\nGRANT UPDATE ON LARGE OBJECT 9 TO \"B\";"
        );
        assert_eq!(
            lo_group_acl("SET SESSION AUTHORIZATION alice;\nGRANT SELECT ON LARGE OBJECT 5 TO b;\nRESET SESSION AUTHORIZATION;\n", &[5, 6]),
            "SET SESSION AUTHORIZATION alice5(null);\nSET SESSION AUTHORIZATION alice6(null);\n\n\
             GRANT SELECT ON LARGE OBJECT 5 TO b;\nGRANT SELECT ON LARGE OBJECT 6 TO b;\n\n\
             RESET SESSION AUTHORIZATION5(null);\nRESET SESSION AUTHORIZATION6(null);"
        );
        assert_eq!(bytea_literal(&[0, 0xab], true), "'\\x00ab'");
        assert_eq!(bytea_literal(&[0, 0xab], false), "'\\\\x00ab'");
        assert_eq!(
            lo_write(b"ab", true),
            "SELECT pg_catalog.lowrite(0, '\\x6162');\n"
        );
    }
}
