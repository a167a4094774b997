//! Client-side quoting, as pg_dump 18 does it: identifiers (`fmtId`) by
//! PostgreSQL 18's keyword list, and string literals escaped for the
//! output's standard_conforming_strings and client encoding.
//!
//! All inputs are byte strings (see [`crate::text`]): any byte outside
//! `[a-z0-9_]` forces quotes, so non-ASCII names are always quoted.

use super::encoding::{pieces, Encoding, Piece};

pub(crate) use super::keywords::is_quoted_keyword;

/// Quoting settings shared by every emitter: everything that decides how a
/// name or a string reaches the output. A literal is only ever written
/// through a `Quoting`, so it is always escaped for the output section's
/// own `standard_conforming_strings` and client encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Quoting {
    /// `--quote-all-identifiers`.
    pub all_identifiers: bool,
    /// The section's `standard_conforming_strings` (what its SET line says).
    pub std_strings: bool,
    /// The section's client encoding.
    pub encoding: Encoding,
}

#[cfg(test)]
impl Default for Quoting {
    /// What most tests assume: UTF8, standard_conforming_strings on.
    fn default() -> Quoting {
        Quoting {
            all_identifiers: false,
            std_strings: true,
            encoding: Encoding::Utf8,
        }
    }
}

/// pg_dump's fmtId without `--quote-all-identifiers`.
pub(crate) fn ident(name: &str) -> String {
    ident_with(name, false)
}

fn ident_with(name: &str, all_identifiers: bool) -> String {
    if !all_identifiers && !needs_quotes(name) {
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

impl Quoting {
    /// Settings for a section written in `encoding` (its canonical name).
    pub(crate) fn new(all_identifiers: bool, std_strings: bool, encoding: &str) -> Quoting {
        Quoting {
            all_identifiers,
            std_strings,
            encoding: Encoding::from_name(encoding),
        }
    }

    /// pg_dump's fmtId: quote unless the name is a lower-case, non-keyword
    /// identifier (or `--quote-all-identifiers` is on). Like fmtId, a
    /// malformed multibyte character of the section's encoding (a name
    /// written from a database of another encoding) becomes bytes the
    /// server refuses.
    pub(crate) fn ident(&self, name: &str) -> String {
        if name.is_ascii() || self.encoding == Encoding::SingleByte {
            return ident_with(name, self.all_identifiers);
        }
        let mut out = String::with_capacity(name.len() + 2);
        self.push_quoted(&mut out, name, '"', |b| b == b'"');
        out
    }

    /// `schema.name`, each part quoted as needed.
    pub(crate) fn qualified(&self, schema: &str, name: &str) -> String {
        format!("{}.{}", self.ident(schema), self.ident(name))
    }

    /// A string literal as pg_dump writes the ones it builds itself
    /// (comments, enum labels, function bodies without dollar quoting,
    /// data values of `--inserts`): quotes doubled, backslashes doubled
    /// when standard_conforming_strings is off, multibyte characters
    /// copied whole, no `E` prefix.
    pub(crate) fn literal(&self, value: &str) -> String {
        let mut out = String::with_capacity(value.len() + 2);
        self.append_escaped(&mut out, value, !self.std_strings);
        out
    }

    /// A string literal as libpq's connection-aware routine writes it
    /// (pg_dumpall's role passwords and comments, security labels, ALTER
    /// ... SET values): if the text holds a
    /// backslash byte, ` E'...'` with backslashes doubled (a space is
    /// added unless `out` is empty or already ends in one); otherwise
    /// quotes doubled. Either form reads the same whatever the session's
    /// standard_conforming_strings.
    pub(crate) fn append_literal_conn(&self, out: &mut String, value: &str) {
        let escape_syntax = value.contains('\\');
        if escape_syntax {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
            out.push('E');
        }
        self.append_escaped(out, value, escape_syntax);
    }

    /// [`Quoting::append_literal_conn`] into a fresh string.
    pub(crate) fn literal_conn(&self, value: &str) -> String {
        let mut out = String::new();
        self.append_literal_conn(&mut out, value);
        out
    }

    /// `'value'` with quotes (and backslashes, if asked) doubled.
    fn append_escaped(&self, out: &mut String, value: &str, double_backslashes: bool) {
        self.push_quoted(out, value, '\'', |b| {
            b == b'\'' || (b == b'\\' && double_backslashes)
        });
    }

    /// `value` between two `quote`s, one character of the section's
    /// encoding at a time: an ASCII byte for which `doubled` holds is
    /// written twice, a multibyte character is copied whole (so a quote or
    /// backslash byte inside it is never doubled), and a malformed one
    /// becomes bytes the server refuses.
    fn push_quoted(
        &self,
        out: &mut String,
        value: &str,
        quote: char,
        doubled: impl Fn(u8) -> bool,
    ) {
        out.reserve(value.len() + 2);
        out.push(quote);
        let owned;
        let bytes = if value.is_ascii() {
            value.as_bytes()
        } else {
            owned = crate::text::to_bytes(value);
            &owned
        };
        for piece in pieces(self.encoding, bytes) {
            match piece {
                Piece::Ascii(b) => {
                    if doubled(b) {
                        out.push(b as char);
                    }
                    out.push(b as char);
                }
                Piece::Char(ch) => out.extend(ch.iter().map(|&b| b as char)),
                Piece::Invalid => {
                    out.extend(self.encoding.invalid_marker().iter().map(|&b| b as char))
                }
            }
        }
        out.push(quote);
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

/// A `-- ` comment line, without its newline. Every comment the output
/// carries is built here: pg_dump turns CR and LF into spaces in the
/// comments it builds from names, so that no text from the catalog can
/// begin a line of its own (the line after a newline would run as SQL).
pub(crate) fn comment(text: &str) -> String {
    format!("-- {}", text.replace(['\n', '\r'], " "))
}

/// Whether `text` holds a line break, which no psql meta-command line
/// (`\connect`) and no shell argument can carry: names with one are
/// refused, as pg_dumpall refuses them.
pub(crate) fn breaks_line(text: &str) -> bool {
    text.contains(['\n', '\r'])
}

/// A value in a libpq connection string (appendConnStrVal): bare when it
/// is made of letters, digits, `_` and `.` only, else in single quotes
/// with `'` and `\` backslash-escaped.
pub(crate) fn conn_str_value(value: &str) -> String {
    let bare = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if bare {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// A literal for a statement this program sends to its own session (SET
/// values from the command line, snapshot names): the connection form,
/// which reads the same whatever the session's standard_conforming_strings;
/// such statements go out as UTF-8.
pub(crate) fn session_literal(value: &str) -> String {
    Quoting::new(false, true, "UTF8").literal_conn(value)
}

/// GUCs whose values are lists: pg_dump splits them and quotes each element.
/// The names are pg_dump 18.6's own list (its binary holds them), matched
/// case-insensitively, whatever the server version: output_plugin_libraries
/// is no server setting, yet a value stored under that name is split too.
pub(crate) fn is_list_guc(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "local_preload_libraries"
            | "oauth_validator_libraries"
            | "output_plugin_libraries"
            | "search_path"
            | "session_preload_libraries"
            | "shared_preload_libraries"
            | "temp_tablespaces"
            | "unix_socket_directories"
    )
}

/// Splits a list-valued GUC setting the way the server's SplitGUCList does:
/// comma-separated, whitespace trimmed, double-quoted elements keep their
/// contents (`""` for a quote) and are not down-cased.
pub(crate) fn split_guc_list(value: &str) -> Option<Vec<String>> {
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
pub(crate) fn guc_assignment(q: &Quoting, config_item: &str) -> String {
    let (name, value) = match config_item.find('=') {
        Some(i) => (&config_item[..i], &config_item[i + 1..]),
        None => (config_item, ""),
    };
    let mut out = format!("{} TO ", q.ident(name));
    if is_list_guc(name) {
        // pg_dumpall writes nothing after `TO` for an empty list or one the
        // split rejects (`search_path=a,,b`): the statement fails on restore,
        // as the reference's does.
        for (i, item) in split_guc_list(value).unwrap_or_default().iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            q.append_literal_conn(&mut out, item);
        }
        return out;
    }
    q.append_literal_conn(&mut out, value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // A malformed UTF-8 byte (a name from a LATIN1 database) is
        // replaced, as fmtId does.
        let bad = crate::text::from_bytes(b"r\xf4le");
        assert_eq!(crate::text::to_bytes(&q.ident(&bad)), b"\"r\xc0 le\"");
        let all = Quoting {
            all_identifiers: true,
            ..Quoting::default()
        };
        assert_eq!(all.ident("abc"), "\"abc\"");
    }

    #[test]
    fn connection_literals() {
        let q = Quoting::default();
        assert_eq!(q.literal_conn("it's"), "'it''s'");
        assert_eq!(q.literal_conn("C:\\path 'q'"), "E'C:\\\\path ''q'''");
        let mut s = String::from("IS");
        q.append_literal_conn(&mut s, "a\\b");
        assert_eq!(s, "IS E'a\\\\b'");
        let mut s = String::from("IS ");
        q.append_literal_conn(&mut s, "a\\b");
        assert_eq!(s, "IS E'a\\\\b'");
    }

    #[test]
    fn literals_follow_standard_conforming_strings() {
        let on = Quoting::default();
        let off = Quoting {
            std_strings: false,
            ..on
        };
        assert_eq!(on.literal("a\\'b"), "'a\\''b'");
        // With the setting off a lone backslash would escape the quote.
        assert_eq!(off.literal("\\'; x --"), "'\\\\''; x --'");
        // The connection form reads the same either way.
        assert_eq!(on.literal_conn("\\'"), off.literal_conn("\\'"));
    }

    #[test]
    fn literals_keep_multibyte_characters_whole() {
        // SJIS 表 is 0x95 0x5C: its second byte is not a backslash and must
        // not be doubled (that would close the quote early); the quote
        // after it is doubled.
        let bytes = |q: &Quoting, v: &[u8], conn: bool| {
            let v = crate::text::from_bytes(v);
            crate::text::to_bytes(&if conn {
                q.literal_conn(&v)
            } else {
                q.literal(&v)
            })
        };
        let sjis = Quoting::new(false, true, "SJIS");
        assert_eq!(bytes(&sjis, b"\x95\x5C'; x", true), b"E'\x95\x5C''; x'");
        let sjis_off = Quoting {
            std_strings: false,
            ..sjis
        };
        assert_eq!(bytes(&sjis_off, b"\x95\x5C'; x", false), b"'\x95\x5C''; x'");
        // A malformed character becomes bytes the server refuses.
        let utf8 = Quoting::new(false, true, "UTF8");
        assert_eq!(bytes(&utf8, b"a\xFF'b", false), b"'a\xC0 ''b'");
        let latin1 = Quoting::new(false, true, "LATIN1");
        assert_eq!(bytes(&latin1, b"a\xFF'b", false), b"'a\xFF''b'");
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
        assert_eq!(
            guc_assignment(&q, "output_plugin_libraries=a, \"B c\""),
            "output_plugin_libraries TO 'a', 'B c'"
        );
        assert_eq!(guc_assignment(&q, "search_path=\"\""), "search_path TO ''");
        assert_eq!(guc_assignment(&q, "search_path="), "search_path TO ");
        assert_eq!(
            guc_assignment(&q, "temp_tablespaces=a,,b"),
            "temp_tablespaces TO "
        );
    }
}
