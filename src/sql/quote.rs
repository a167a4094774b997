//! Client-side quoting, as pg_dump 18 does it: identifiers (`fmtId`) by
//! PostgreSQL 18's keyword list, and string literals.
//!
//! All inputs are byte strings (see [`crate::text`]): any byte outside
//! `[a-z0-9_]` forces quotes, so non-ASCII names are always quoted.

/// PostgreSQL 18's keywords that are not UNRESERVED (RESERVED, COL_NAME and
/// TYPE_FUNC_NAME): exactly the words fmtId quotes. Sorted for binary search.
const NON_UNRESERVED_KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "json",
    "json_array",
    "json_arrayagg",
    "json_exists",
    "json_object",
    "json_objectagg",
    "json_query",
    "json_scalar",
    "json_serialize",
    "json_table",
    "json_value",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "merge_action",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

/// Whether `word` is a keyword that an identifier must be quoted for.
pub fn is_quoted_keyword(word: &str) -> bool {
    // Called for nearly every name printed: look among the words of the
    // same first letter only (the list is sorted), byte by byte.
    let Some(&first) = word.as_bytes().first() else {
        return false;
    };
    let start = NON_UNRESERVED_KEYWORDS.partition_point(|k| k.as_bytes()[0] < first);
    NON_UNRESERVED_KEYWORDS[start..]
        .iter()
        .take_while(|k| k.as_bytes()[0] == first)
        .any(|k| *k == word)
}

/// Quoting settings shared by every emitter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quoting {
    /// `--quote-all-identifiers`.
    pub all_identifiers: bool,
}

impl Quoting {
    /// pg_dump's fmtId: quote unless the name is a lower-case, non-keyword
    /// identifier (or `--quote-all-identifiers` is on).
    pub fn ident(&self, name: &str) -> String {
        if !self.all_identifiers && !needs_quotes(name) {
            return name.to_string();
        }
        let mut out = String::with_capacity(name.len() + 2);
        out.push('"');
        for c in name.chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
        out.push('"');
        out
    }

    /// `schema.name`, each part quoted as needed.
    pub fn qualified(&self, schema: &str, name: &str) -> String {
        format!("{}.{}", self.ident(schema), self.ident(name))
    }
}

fn needs_quotes(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_lowercase() || c == '_' => {}
        _ => return true,
    }
    if !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return true;
    }
    is_quoted_keyword(name)
}

/// A string literal for a session with `standard_conforming_strings = on`,
/// the way libpq's connection-aware routine writes it (pg_dumpall's role
/// passwords and comments, shared security labels, ALTER ... SET values):
/// quotes doubled; if the text holds a backslash, ` E'...'` with the
/// backslashes doubled (a space is added unless `out` already ends in one).
pub fn append_literal_conn(out: &mut String, value: &str) {
    if value.contains('\\') {
        if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
        out.push('E');
    }
    out.push('\'');
    for c in value.chars() {
        if c == '\'' || c == '\\' {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
}

/// [`append_literal_conn`] into a fresh string.
pub fn literal_conn(value: &str) -> String {
    let mut out = String::new();
    append_literal_conn(&mut out, value);
    out
}

/// A plain string literal (quotes doubled, backslashes as they are), as
/// pg_dump writes client-built literals when standard_conforming_strings
/// is on.
pub fn literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// GUCs whose values are lists: pg_dump splits them and quotes each element.
pub fn is_list_guc(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "local_preload_libraries"
            | "search_path"
            | "session_preload_libraries"
            | "shared_preload_libraries"
            | "temp_tablespaces"
            | "unix_socket_directories"
            | "oauth_validator_libraries"
    )
}

/// Splits a list-valued GUC setting the way the server's SplitGUCList does:
/// comma-separated, whitespace trimmed, double-quoted elements keep their
/// contents (`""` for a quote) and are not down-cased.
pub fn split_guc_list(value: &str) -> Option<Vec<String>> {
    let mut items = Vec::new();
    let chars: Vec<char> = value.chars().collect();
    let mut i = 0;
    let is_space = |c: char| c == ' ' || ('\t'..='\r').contains(&c);
    while i < chars.len() && is_space(chars[i]) {
        i += 1;
    }
    if i == chars.len() {
        return Some(items);
    }
    loop {
        let mut item = String::new();
        if chars.get(i) == Some(&'"') {
            i += 1;
            loop {
                match chars.get(i) {
                    None => return None,
                    Some('"') if chars.get(i + 1) == Some(&'"') => {
                        item.push('"');
                        i += 2;
                    }
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some(&c) => {
                        item.push(c);
                        i += 1;
                    }
                }
            }
        } else {
            while let Some(&c) = chars.get(i) {
                if c == ',' || is_space(c) {
                    break;
                }
                item.push(c);
                i += 1;
            }
            if item.is_empty() {
                return None;
            }
        }
        while i < chars.len() && is_space(chars[i]) {
            i += 1;
        }
        items.push(item);
        match chars.get(i) {
            None => return Some(items),
            Some(',') => {
                i += 1;
                while i < chars.len() && is_space(chars[i]) {
                    i += 1;
                }
            }
            Some(_) => return None,
        }
    }
}

/// `SET name TO value` tail for an `ALTER ROLE/DATABASE ... SET` statement,
/// from one `name=value` element of a setconfig array: the name through
/// fmtId, list GUCs split and each element quoted, anything else one
/// literal (connection-aware, so backslashes give `E'...'`).
pub fn guc_assignment(q: &Quoting, config_item: &str) -> String {
    let (name, value) = match config_item.find('=') {
        Some(i) => (&config_item[..i], &config_item[i + 1..]),
        None => (config_item, ""),
    };
    let mut out = format!("{} TO ", q.ident(name));
    if is_list_guc(name) {
        // An unparsable list is written as one literal, like the server would.
        match split_guc_list(value) {
            Some(items) if !items.is_empty() => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    append_literal_conn(&mut out, item);
                }
                return out;
            }
            _ => {}
        }
    }
    append_literal_conn(&mut out, value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_keyword_and_only_those_is_found() {
        for k in NON_UNRESERVED_KEYWORDS {
            assert!(is_quoted_keyword(k), "{k}");
            assert!(!is_quoted_keyword(&format!("{k}x")), "{k}x");
            assert!(
                !is_quoted_keyword(&k[..k.len() - 1])
                    || NON_UNRESERVED_KEYWORDS.contains(&&k[..k.len() - 1])
            );
        }
        for w in ["", "a", "zzz", "tablex", "_select", "Select"] {
            assert!(!is_quoted_keyword(w), "{w}");
        }
    }

    #[test]
    fn keyword_table_is_sorted() {
        let mut sorted = NON_UNRESERVED_KEYWORDS.to_vec();
        sorted.sort();
        assert_eq!(sorted, NON_UNRESERVED_KEYWORDS);
    }

    #[test]
    fn fmt_id_matches_pg_dump() {
        let q = Quoting::default();
        for (name, want) in [
            ("abc", "abc"),
            ("_ok1", "_ok1"),
            ("9x", "\"9x\""),
            ("Abc", "\"Abc\""),
            ("a b", "\"a b\""),
            ("a$b", "\"a$b\""),
            ("select", "\"select\""),
            ("user", "\"user\""),
            ("int", "\"int\""),
            ("json", "\"json\""),
            ("left", "\"left\""),
            ("abs", "abs"),
            ("filter", "filter"),
            ("name", "name"),
            ("set", "set"),
            ("over", "over"),
            ("a\"b", "\"a\"\"b\""),
            ("", "\"\""),
        ] {
            assert_eq!(q.ident(name), want, "{name}");
        }
        // Non-ASCII bytes (here the byte string of UTF-8 "é") force quotes.
        let e = crate::text::from_bytes("é".as_bytes());
        assert_eq!(q.ident(&e), format!("\"{e}\""));
        let all = Quoting {
            all_identifiers: true,
        };
        assert_eq!(all.ident("abc"), "\"abc\"");
    }

    #[test]
    fn connection_literals() {
        assert_eq!(literal_conn("it's"), "'it''s'");
        assert_eq!(literal_conn("C:\\path 'q'"), "E'C:\\\\path ''q'''");
        let mut s = String::from("IS");
        append_literal_conn(&mut s, "a\\b");
        assert_eq!(s, "IS E'a\\\\b'");
        let mut s = String::from("IS ");
        append_literal_conn(&mut s, "a\\b");
        assert_eq!(s, "IS E'a\\\\b'");
    }

    #[test]
    fn guc_list_splitting() {
        assert_eq!(
            split_guc_list("public, \"B\", \"c d\"").unwrap(),
            vec!["public", "B", "c d"]
        );
        assert_eq!(
            split_guc_list("\"$user\", public").unwrap(),
            vec!["$user", "public"]
        );
        assert_eq!(split_guc_list("").unwrap(), Vec::<String>::new());
        assert!(split_guc_list("\"open").is_none());
    }

    #[test]
    fn guc_assignments() {
        let q = Quoting::default();
        assert_eq!(
            guc_assignment(&q, "search_path=public, \"B\""),
            "search_path TO 'public', 'B'"
        );
        assert_eq!(guc_assignment(&q, "work_mem=64MB"), "work_mem TO '64MB'");
        assert_eq!(guc_assignment(&q, "TimeZone=UTC"), "\"TimeZone\" TO 'UTC'");
        assert_eq!(
            guc_assignment(&q, "application_name=q\\r"),
            "application_name TO E'q\\\\r'"
        );
    }
}
