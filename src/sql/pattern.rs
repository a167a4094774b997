//! psql-style name patterns (`\d` rules), as `--exclude-database` takes
//! them: unquoted letters fold to lower case, `*` and `?` are wildcards,
//! double quotes keep text literal (`""` is a quote), and a dot separates
//! qualified names, which a database pattern may not have.

/// A pattern converted to an anchored POSIX regular expression for the
/// server's `~` operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NamePattern {
    pub regex: String,
    /// How many unquoted dots the pattern had.
    pub dots: usize,
}

/// Converts a psql pattern (a byte string) to a regular expression.
pub(crate) fn to_regex(pattern: &str) -> NamePattern {
    let mut re = String::from("^(");
    let mut in_quotes = false;
    let mut dots = 0;
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            if in_quotes && chars.peek() == Some(&'"') {
                re.push('"');
                chars.next();
            } else {
                in_quotes = !in_quotes;
            }
        } else if !in_quotes && c.is_ascii_uppercase() {
            re.push(c.to_ascii_lowercase());
        } else if !in_quotes && c == '*' {
            re.push_str(".*");
        } else if !in_quotes && c == '?' {
            re.push('.');
        } else if !in_quotes && c == '.' {
            dots += 1;
            // Qualified names are rejected by the caller; keep the text.
            re.push_str(")\\.(");
        } else if c == '$' {
            re.push_str("\\$");
        } else {
            if "|*+?()[]{}.^\\".contains(c) {
                re.push('\\');
            }
            re.push(c);
        }
    }
    re.push_str(")$");
    NamePattern { regex: re, dots }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_like_psql() {
        assert_eq!(to_regex("foo").regex, "^(foo)$");
        assert_eq!(to_regex("a b").regex, "^(a b)$");
        assert_eq!(to_regex("Foo*").regex, "^(foo.*)$");
        assert_eq!(to_regex("\"Foo*\"").regex, "^(Foo\\*)$");
        assert_eq!(to_regex("f?o").regex, "^(f.o)$");
        assert_eq!(to_regex("a$b").regex, "^(a\\$b)$");
        assert_eq!(to_regex("\"a\"\"b\"").regex, "^(a\"b)$");
        assert_eq!(to_regex("x(y)").regex, "^(x\\(y\\))$");
        assert_eq!(to_regex("a.b").dots, 1);
        assert_eq!(to_regex("\"a.b\"").dots, 0);
    }
}
