//! GRANT/REVOKE commands from aclitem arrays, as pg_dump's ACL diffing
//! writes them: the actual ACL is compared item by item with a baseline
//! (acldefault or pg_init_privs); baseline items that vanished are revoked
//! whole, new items are granted (grant options separately), the owner's own
//! grants first, and grants by another grantor wrapped in
//! `SET SESSION AUTHORIZATION`.

use crate::pg::quote::Quoting;

/// One parsed aclitem: `grantee=privs/grantor` (empty grantee = PUBLIC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AclItem {
    pub grantee: String,
    pub grantor: String,
    /// Privilege letters, each with its grant-option flag.
    pub privileges: Vec<(char, bool)>,
}

/// Splits the text form of an aclitem[] (`{a=r/b,"x y"=U/b}`) into items.
pub(crate) fn split_acl_array(acl: &str) -> Vec<String> {
    let inner = acl.trim();
    let inner = inner.strip_prefix('{').unwrap_or(inner);
    let inner = inner.strip_suffix('}').unwrap_or(inner);
    let mut items = Vec::new();
    let mut current = String::new();
    let mut chars = inner.chars().peekable();
    let mut in_quotes = false;
    while let Some(c) = chars.next() {
        match c {
            // Array-level quoting: elements with special characters are
            // wrapped in double quotes with backslash escapes.
            '"' => in_quotes = !in_quotes,
            '\\' if in_quotes => {
                if let Some(n) = chars.next() {
                    current.push(n);
                }
            }
            ',' if !in_quotes => {
                items.push(std::mem::take(&mut current));
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() || !items.is_empty() {
        items.push(current);
    }
    items
}

/// Reads a role name as the server writes it in an aclitem: bare, or in
/// double quotes with `""` for a quote. Returns the name and the rest.
fn read_acl_name(s: &str) -> (String, &str) {
    let mut name = String::new();
    let mut chars = s.char_indices().peekable();
    let mut in_quotes = false;
    while let Some((i, c)) = chars.next() {
        if c == '"' {
            if in_quotes && matches!(chars.peek(), Some((_, '"'))) {
                name.push('"');
                chars.next();
                continue;
            }
            in_quotes = !in_quotes;
            continue;
        }
        if !in_quotes && (c == '=' || c == '/') {
            return (name, &s[i..]);
        }
        name.push(c);
    }
    (name, "")
}

/// Parses one aclitem text.
pub(crate) fn parse_acl_item(item: &str) -> Option<AclItem> {
    let (grantee, rest) = read_acl_name(item);
    let rest = rest.strip_prefix('=')?;
    let (privs, grantor) = match rest.find('/') {
        Some(i) => (&rest[..i], read_acl_name(&rest[i + 1..]).0),
        None => (rest, String::new()),
    };
    let mut privileges = Vec::new();
    let mut chars = privs.chars().peekable();
    while let Some(c) = chars.next() {
        let with_grant = chars.peek() == Some(&'*');
        if with_grant {
            chars.next();
        }
        privileges.push((c, with_grant));
    }
    Some(AclItem {
        grantee,
        grantor,
        privileges,
    })
}

/// The privilege letters and words of an object type, in pg_dump 18's
/// order. `column` narrows tables to what columns can have.
fn privilege_words(object_type: &str, column: bool) -> &'static [(char, &'static str)] {
    match object_type {
        "TABLE" | "TABLES" | "FOREIGN TABLE" if column => &[
            ('r', "SELECT"),
            ('a', "INSERT"),
            ('x', "REFERENCES"),
            ('w', "UPDATE"),
        ],
        "TABLE" | "TABLES" | "FOREIGN TABLE" => &[
            ('r', "SELECT"),
            ('a', "INSERT"),
            ('x', "REFERENCES"),
            ('d', "DELETE"),
            ('t', "TRIGGER"),
            ('D', "TRUNCATE"),
            ('m', "MAINTAIN"),
            ('w', "UPDATE"),
        ],
        "SEQUENCE" | "SEQUENCES" => &[('r', "SELECT"), ('U', "USAGE"), ('w', "UPDATE")],
        "FUNCTION" | "FUNCTIONS" | "PROCEDURE" | "ROUTINES" => &[('X', "EXECUTE")],
        "LANGUAGE" | "TYPE" | "TYPES" | "DOMAIN" | "FOREIGN DATA WRAPPER" | "FOREIGN SERVER" => {
            &[('U', "USAGE")]
        }
        "SCHEMA" | "SCHEMAS" => &[('C', "CREATE"), ('U', "USAGE")],
        "DATABASE" => &[('C', "CREATE"), ('c', "CONNECT"), ('T', "TEMPORARY")],
        "TABLESPACE" => &[('C', "CREATE")],
        "PARAMETER" => &[('s', "SET"), ('A', "ALTER SYSTEM")],
        "LARGE OBJECT" | "LARGE OBJECTS" => &[('r', "SELECT"), ('w', "UPDATE")],
        _ => &[],
    }
}

/// Privilege lists of one item: (without grant option, with grant option).
/// With `split_grant_option` false everything goes in the first list (a
/// REVOKE names all privileges).
fn privilege_lists(
    item: &AclItem,
    object_type: &str,
    column: Option<&str>,
    split_grant_option: bool,
) -> (String, String) {
    let words = privilege_words(object_type, column.is_some());
    let mut plain = Vec::new();
    let mut with_go = Vec::new();
    let mut all_with_go = true;
    let mut all_without_go = true;
    let decorate = |w: &str| match column {
        Some(c) => format!("{w}({c})"),
        None => w.to_string(),
    };
    for (letter, word) in words {
        match item.privileges.iter().find(|(l, _)| l == letter) {
            Some((_, true)) if split_grant_option => {
                with_go.push(decorate(word));
                all_without_go = false;
            }
            Some(_) => {
                plain.push(decorate(word));
                all_with_go = false;
            }
            None => {
                all_with_go = false;
                all_without_go = false;
            }
        }
    }
    if words.is_empty() {
        return (String::new(), String::new());
    }
    if all_with_go {
        (String::new(), decorate("ALL"))
    } else if all_without_go {
        (decorate("ALL"), String::new())
    } else {
        (plain.join(","), with_go.join(","))
    }
}

/// What an ACL belongs to, for the statements' text.
#[derive(Debug, Clone)]
pub(crate) struct AclTarget<'a> {
    /// The object keyword: `TABLE`, `TABLESPACE`, `PARAMETER`, `TABLES`, ...
    pub object_type: &'a str,
    /// The object's name, already quoted (and qualified) as it must appear;
    /// empty for default privileges.
    pub name: &'a str,
    /// A column name (already quoted) for column privileges.
    pub column: Option<&'a str>,
    /// The owner (unquoted), or None when the object has none.
    pub owner: Option<&'a str>,
    /// Text put before every GRANT/REVOKE (`ALTER DEFAULT PRIVILEGES ...`).
    pub prefix: &'a str,
}

/// Builds the GRANT/REVOKE commands that turn `baseline` into `acl`
/// (both aclitem[] texts). Returns an empty string when nothing differs or
/// when `acl` is empty (the object has default privileges).
pub(crate) fn build_acl_commands(
    q: &Quoting,
    target: &AclTarget,
    acl: &str,
    baseline: &str,
) -> String {
    if acl.is_empty() {
        return String::new();
    }
    let items = split_acl_array(acl);
    let base_items = split_acl_array(baseline);
    let w = AclWriter { q, target };
    // The owner's own grants go first, with the REVOKEs; grants by others
    // follow, each under its grantor's authorization.
    let mut first = String::new();
    let mut second = String::new();
    for base in base_items.iter().filter(|b| !items.contains(b)) {
        if let Some(parsed) = parse_acl_item(base) {
            w.revoke(&parsed, &mut first);
        }
    }
    for item in items.iter().filter(|i| !base_items.contains(i)) {
        if let Some(parsed) = parse_acl_item(item) {
            w.grant_item(parsed, &mut first, &mut second);
        }
    }
    first.push_str(&second);
    first
}

/// Writes the statements of one target's ACL difference.
struct AclWriter<'a> {
    q: &'a Quoting,
    target: &'a AclTarget<'a>,
}

impl AclWriter<'_> {
    fn is_owner(&self, name: &str) -> bool {
        self.target.owner == Some(name)
    }

    /// `REVOKE privs ON ... FROM grantee;` for a baseline item that is gone.
    fn revoke(&self, parsed: &AclItem, out: &mut String) {
        let t = self.target;
        let (privs, _) = privilege_lists(parsed, t.object_type, t.column, false);
        if privs.is_empty() {
            return;
        }
        out.push_str(t.prefix);
        out.push_str("REVOKE ");
        out.push_str(&privs);
        self.on_clause(out);
        out.push_str("FROM ");
        out.push_str(&self.grantee(&parsed.grantee));
        out.push_str(";\n");
    }

    /// The GRANTs for a new item: the owner's own into `first`, others'
    /// into `second` (under SET SESSION AUTHORIZATION of a grantor that is
    /// not the owner).
    fn grant_item(&self, mut parsed: AclItem, first: &mut String, second: &mut String) {
        let t = self.target;
        if parsed.grantor.is_empty() {
            if let Some(owner) = t.owner {
                parsed.grantor = owner.to_string();
            }
        }
        let (privs, privs_go) = privilege_lists(&parsed, t.object_type, t.column, true);
        if privs.is_empty() && privs_go.is_empty() {
            return;
        }
        let own = self.is_owner(&parsed.grantee) && self.is_owner(&parsed.grantor);
        let switch = !own && !parsed.grantor.is_empty() && !self.is_owner(&parsed.grantor);
        let out = if own { first } else { second };
        if switch {
            out.push_str("SET SESSION AUTHORIZATION ");
            out.push_str(&self.q.ident(&parsed.grantor));
            out.push_str(";\n");
        }
        if !privs.is_empty() {
            self.grant(out, &privs, &parsed.grantee, false);
        }
        if !privs_go.is_empty() {
            self.grant(out, &privs_go, &parsed.grantee, true);
        }
        if switch {
            out.push_str("RESET SESSION AUTHORIZATION;\n");
        }
    }

    fn grant(&self, out: &mut String, list: &str, grantee: &str, with_go: bool) {
        out.push_str(self.target.prefix);
        out.push_str("GRANT ");
        out.push_str(list);
        self.on_clause(out);
        out.push_str("TO ");
        out.push_str(&self.grantee(grantee));
        out.push_str(if with_go {
            " WITH GRANT OPTION;\n"
        } else {
            ";\n"
        });
    }

    /// ` ON TYPE name ` (the name left out for default privileges).
    fn on_clause(&self, out: &mut String) {
        out.push_str(" ON ");
        out.push_str(self.target.object_type);
        out.push(' ');
        if !self.target.name.is_empty() {
            out.push_str(self.target.name);
            out.push(' ');
        }
    }

    fn grantee(&self, grantee: &str) -> String {
        if grantee.is_empty() {
            "PUBLIC".to_string()
        } else {
            self.q.ident(grantee)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target<'a>(object_type: &'a str, name: &'a str, owner: &'a str) -> AclTarget<'a> {
        AclTarget {
            object_type,
            name,
            column: None,
            owner: Some(owner),
            prefix: "",
        }
    }

    #[test]
    fn splits_and_parses_items() {
        let items =
            split_acl_array(r#"{postgres=C/postgres,"\"a b\"=C*/postgres","=U/\"x\"\"y\""}"#);
        assert_eq!(items.len(), 3);
        let p = parse_acl_item(&items[1]).unwrap();
        assert_eq!(p.grantee, "a b");
        assert_eq!(p.privileges, vec![('C', true)]);
        let p = parse_acl_item(&items[2]).unwrap();
        assert_eq!(p.grantee, "");
        assert_eq!(p.grantor, "x\"y");
        // Quoted array elements (names with commas or quotes) are unescaped.
        let items = split_acl_array(r#"{"\"a,b\"=r/postgres"}"#);
        assert_eq!(parse_acl_item(&items[0]).unwrap().grantee, "a,b");
    }

    #[test]
    fn tablespace_grants() {
        let q = Quoting::default();
        let sql = build_acl_commands(
            &q,
            &target("TABLESPACE", "ts1", "postgres"),
            "{postgres=C/postgres,alice=C/postgres,\"Bob\"=C*/postgres}",
            "{postgres=C/postgres}",
        );
        assert_eq!(
            sql,
            "GRANT ALL ON TABLESPACE ts1 TO alice;\nGRANT ALL ON TABLESPACE ts1 TO \"Bob\" WITH GRANT OPTION;\n"
        );
    }

    #[test]
    fn owner_revokes_and_foreign_grantors() {
        let q = Quoting::default();
        let sql = build_acl_commands(
            &q,
            &target("TABLE", "s1.t", "postgres"),
            "{postgres=arwdxtm/postgres,=r/postgres,carol=a*/postgres,alice=a/carol}",
            "{postgres=arwdDxtm/postgres}",
        );
        assert_eq!(
            sql,
            "REVOKE ALL ON TABLE s1.t FROM postgres;\n\
             GRANT SELECT,INSERT,REFERENCES,DELETE,TRIGGER,MAINTAIN,UPDATE ON TABLE s1.t TO postgres;\n\
             GRANT SELECT ON TABLE s1.t TO PUBLIC;\n\
             GRANT INSERT ON TABLE s1.t TO carol WITH GRANT OPTION;\n\
             SET SESSION AUTHORIZATION carol;\n\
             GRANT INSERT ON TABLE s1.t TO alice;\n\
             RESET SESSION AUTHORIZATION;\n"
        );
    }

    #[test]
    fn pre_17_table_privileges_are_never_all() {
        let q = Quoting::default();
        let sql = build_acl_commands(
            &q,
            &target("TABLE", "public.t", "postgres"),
            "{postgres=arwdDxt/postgres,bob=arwdDxt/postgres}",
            "{postgres=arwdDxt/postgres}",
        );
        assert_eq!(
            sql,
            "GRANT SELECT,INSERT,REFERENCES,DELETE,TRIGGER,TRUNCATE,UPDATE ON TABLE public.t TO bob;\n"
        );
    }

    #[test]
    fn parameters_and_empty_acls() {
        let q = Quoting::default();
        let t = AclTarget {
            object_type: "PARAMETER",
            name: "work_mem",
            column: None,
            owner: Some("postgres"),
            prefix: "",
        };
        assert_eq!(
            build_acl_commands(&q, &t, "{bob=s/postgres,carol=sA*/postgres}", "{postgres=sA/postgres}"),
            "REVOKE ALL ON PARAMETER work_mem FROM postgres;\nGRANT SET ON PARAMETER work_mem TO bob;\nGRANT SET ON PARAMETER work_mem TO carol;\nGRANT ALTER SYSTEM ON PARAMETER work_mem TO carol WITH GRANT OPTION;\n"
        );
        assert_eq!(build_acl_commands(&q, &t, "", "{postgres=sA/postgres}"), "");
    }

    #[test]
    fn column_privileges() {
        let q = Quoting::default();
        let t = AclTarget {
            object_type: "TABLE",
            name: "public.t",
            column: Some("a"),
            owner: Some("postgres"),
            prefix: "",
        };
        assert_eq!(
            build_acl_commands(&q, &t, "{carol=r*w*/postgres}", "{}"),
            "GRANT SELECT(a),UPDATE(a) ON TABLE public.t TO carol WITH GRANT OPTION;\n"
        );
    }

    #[test]
    fn owner_grants_come_first_even_when_listed_after_a_non_owner() {
        // REVOKE ALL ON s.t FROM acl_owner; GRANT SELECT ON s.t TO alice;
        // GRANT SELECT, INSERT ON s.t TO acl_owner: the server appends the
        // owner's item after alice's, pg_dump 18.6 still grants it first.
        let q = Quoting::default();
        let sql = build_acl_commands(
            &q,
            &target("TABLE", "s.t", "acl_owner"),
            "{alice=r/acl_owner,acl_owner=ar/acl_owner}",
            "{acl_owner=arwdDxtm/acl_owner}",
        );
        assert_eq!(
            sql,
            "REVOKE ALL ON TABLE s.t FROM acl_owner;\n\
             GRANT SELECT,INSERT ON TABLE s.t TO acl_owner;\n\
             GRANT SELECT ON TABLE s.t TO alice;\n"
        );
        // The same for a schema, where the owner's item is a single letter.
        let sql = build_acl_commands(
            &q,
            &target("SCHEMA", "s", "acl_owner"),
            "{alice=U/acl_owner,acl_owner=C/acl_owner}",
            "{acl_owner=UC/acl_owner}",
        );
        assert_eq!(
            sql,
            "REVOKE ALL ON SCHEMA s FROM acl_owner;\n\
             GRANT CREATE ON SCHEMA s TO acl_owner;\n\
             GRANT USAGE ON SCHEMA s TO alice;\n"
        );
    }

    #[test]
    fn database_grants_of_two_of_three_privileges_are_listed() {
        // pg_dump 18.6's output for these datacl values (tests/keywords_acl.rs
        // compares the same cases with the reference on every version).
        let q = Quoting::default();
        let t = target("DATABASE", "acl_db", "acl_owner");
        let baseline = "{=Tc/acl_owner,acl_owner=CTc/acl_owner}";
        assert_eq!(
            build_acl_commands(
                &q,
                &t,
                "{=Tc/acl_owner,bob=Cc/acl_owner,alice=T/acl_owner,acl_owner=Tc/acl_owner,carol=C*c/acl_owner}",
                baseline,
            ),
            "REVOKE ALL ON DATABASE acl_db FROM acl_owner;\n\
             GRANT CONNECT,TEMPORARY ON DATABASE acl_db TO acl_owner;\n\
             GRANT CREATE,CONNECT ON DATABASE acl_db TO bob;\n\
             GRANT TEMPORARY ON DATABASE acl_db TO alice;\n\
             GRANT CONNECT ON DATABASE acl_db TO carol;\n\
             GRANT CREATE ON DATABASE acl_db TO carol WITH GRANT OPTION;\n"
        );
        assert_eq!(
            build_acl_commands(
                &q,
                &t,
                "{=Tc/acl_owner,acl_owner=CTc/acl_owner,bob=T*c*/acl_owner}",
                baseline,
            ),
            "GRANT CONNECT,TEMPORARY ON DATABASE acl_db TO bob WITH GRANT OPTION;\n"
        );
        // All three is ALL.
        assert_eq!(
            build_acl_commands(
                &q,
                &t,
                "{=Tc/acl_owner,acl_owner=CTc/acl_owner,bob=CTc/acl_owner}",
                baseline,
            ),
            "GRANT ALL ON DATABASE acl_db TO bob;\n"
        );
    }
}
