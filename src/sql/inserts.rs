//! `--inserts`-style table data: values rendered from the server's text
//! output, and the statements around them. Pure text building.

/// Type OIDs whose values print bare when they look like numbers.
use crate::pg::quote::Quoting;

const NUMERIC_TYPES: [u32; 7] = [
    21,   // int2
    23,   // int4
    20,   // int8
    26,   // oid
    700,  // float4
    701,  // float8
    1700, // numeric
];
const BOOL: u32 = 16;
const BIT: u32 = 1560;
const VARBIT: u32 = 1562;

/// One value of a row: `NULL`, a bare number, `B'..'`, `true`/`false`, or a
/// string literal of the text output (as pg_dump writes data values:
/// escaped for the section's standard_conforming_strings and encoding). `type_oid` is the result column's
/// type as the server describes it (a domain's base type).
pub(crate) fn value(text: Option<&str>, type_oid: u32, q: &Quoting) -> String {
    let Some(text) = text else {
        return "NULL".to_string();
    };
    if NUMERIC_TYPES.contains(&type_oid) {
        if text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | 'e' | 'E' | '.'))
        {
            return text.to_string();
        }
        return q.literal(text);
    }
    match type_oid {
        BIT | VARBIT => format!("B'{text}'"),
        BOOL => match text {
            "t" => "true".to_string(),
            _ => "false".to_string(),
        },
        _ => q.literal(text),
    }
}

/// `INSERT INTO <target> [(<columns>)] [OVERRIDING SYSTEM VALUE ]`, up to
/// the `VALUES` keyword. `columns` are already quoted; None without
/// `--column-inserts`.
pub(crate) fn insert_prefix(target: &str, columns: Option<&[String]>, overriding: bool) -> String {
    let mut out = format!("INSERT INTO {target} ");
    if let Some(cols) = columns {
        out.push_str(&format!("({}) ", cols.join(", ")));
    }
    if overriding {
        out.push_str("OVERRIDING SYSTEM VALUE ");
    }
    out
}

/// A row's tuple: the selected values in order, with `DEFAULT` at the
/// positions of generated columns.
pub(crate) fn tuple(values: &[String], default_columns: &[usize]) -> String {
    let total = values.len() + default_columns.len();
    let mut parts = Vec::with_capacity(total);
    let mut next = values.iter();
    for i in 0..total {
        if default_columns.contains(&i) {
            parts.push("DEFAULT");
        } else if let Some(v) = next.next() {
            parts.push(v.as_str());
        }
    }
    format!("({})", parts.join(", "))
}

/// Builds the statements of a table's rows, one row at a time.
#[derive(Debug)]
pub(crate) struct StatementWriter<'a> {
    prefix: &'a str,
    rows_per_insert: usize,
    on_conflict_do_nothing: bool,
    /// Rows in the statement still open.
    open: usize,
}

impl<'a> StatementWriter<'a> {
    pub(crate) fn new(
        prefix: &'a str,
        rows_per_insert: usize,
        on_conflict_do_nothing: bool,
    ) -> Self {
        StatementWriter {
            prefix,
            rows_per_insert: rows_per_insert.max(1),
            on_conflict_do_nothing,
            open: 0,
        }
    }

    fn terminator(&self) -> &'static str {
        if self.on_conflict_do_nothing {
            " ON CONFLICT DO NOTHING;\n"
        } else {
            ";\n"
        }
    }

    /// The text for one more row (a tuple from [`tuple`](fn@tuple)).
    pub(crate) fn row(&mut self, tuple: &str) -> String {
        let mut out = String::new();
        if self.rows_per_insert == 1 {
            out.push_str(self.prefix);
            out.push_str("VALUES ");
            out.push_str(tuple);
            out.push_str(self.terminator());
            return out;
        }
        if self.open == 0 {
            out.push_str(self.prefix);
            out.push_str("VALUES\n\t");
        } else {
            out.push_str(",\n\t");
        }
        out.push_str(tuple);
        self.open += 1;
        if self.open == self.rows_per_insert {
            out.push_str(self.terminator());
            self.open = 0;
        }
        out
    }

    /// Closes the statement left open, if any.
    pub(crate) fn finish(&mut self) -> String {
        if self.open == 0 {
            return String::new();
        }
        self.open = 0;
        self.terminator().to_string()
    }
}

/// The statement of a row of a table without columns (`prefix` from
/// [`insert_prefix`], without a column list): never with ON CONFLICT.
pub(crate) fn default_values(prefix: &str) -> String {
    format!("{prefix}DEFAULT VALUES;\n")
}

/// The query reading a table's rows as text: each column of `select`
/// (which has `n` result columns) through its type's output function,
/// keeping NULLs (a composite value whose fields are all NULL is not NULL).
pub(crate) fn text_select(select: &str, n: usize) -> String {
    if n == 0 {
        return select.to_string();
    }
    let cols: Vec<String> = (1..=n)
        .map(|i| {
            format!(
                "CASE WHEN pg_catalog.num_nulls(x.c{i}) = 0 THEN pg_catalog.format('%s', x.c{i}) END"
            )
        })
        .collect();
    let aliases: Vec<String> = (1..=n).map(|i| format!("c{i}")).collect();
    format!(
        "SELECT {} FROM ({select}) AS x({})",
        cols.join(", "),
        aliases.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        let on = Quoting::default();
        let off = Quoting {
            std_strings: false,
            ..on
        };
        assert_eq!(value(None, 23, &on), "NULL");
        assert_eq!(value(Some("-12"), 23, &on), "-12");
        assert_eq!(value(Some("1e+300"), 701, &on), "1e+300");
        assert_eq!(value(Some("NaN"), 701, &on), "'NaN'");
        assert_eq!(value(Some("-Infinity"), 700, &on), "'-Infinity'");
        assert_eq!(value(Some("$1.00"), 790, &on), "'$1.00'");
        assert_eq!(value(Some("101"), 1560, &on), "B'101'");
        assert_eq!(value(Some(""), 1562, &on), "B''");
        assert_eq!(value(Some("t"), 16, &on), "true");
        assert_eq!(value(Some("f"), 16, &on), "false");
        assert_eq!(value(Some("it's \\x"), 25, &on), "'it''s \\x'");
        assert_eq!(value(Some("it's \\x"), 25, &off), "'it''s \\\\x'");
        assert_eq!(value(Some("a\tb\nc"), 25, &on), "'a\tb\nc'");
    }

    #[test]
    fn tuples_with_defaults() {
        let v = vec!["1".to_string(), "2".to_string(), "3".to_string()];
        assert_eq!(tuple(&v, &[]), "(1, 2, 3)");
        assert_eq!(tuple(&v, &[1]), "(1, DEFAULT, 2, 3)");
        assert_eq!(tuple(&v, &[3]), "(1, 2, 3, DEFAULT)");
    }

    #[test]
    fn prefixes() {
        assert_eq!(insert_prefix("s.t", None, false), "INSERT INTO s.t ");
        let cols = vec!["a".to_string(), "\"B\"".to_string()];
        assert_eq!(
            insert_prefix("s.t", Some(&cols), true),
            "INSERT INTO s.t (a, \"B\") OVERRIDING SYSTEM VALUE "
        );
    }

    #[test]
    fn one_row_per_statement() {
        let mut w = StatementWriter::new("INSERT INTO t ", 1, false);
        assert_eq!(w.row("(1)"), "INSERT INTO t VALUES (1);\n");
        assert_eq!(w.finish(), "");
        let mut w = StatementWriter::new("INSERT INTO t ", 1, true);
        assert_eq!(
            w.row("(1)"),
            "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING;\n"
        );
    }

    #[test]
    fn several_rows_per_statement() {
        let mut w = StatementWriter::new("INSERT INTO t ", 2, false);
        let mut out = String::new();
        for r in ["(1)", "(2)", "(3)"] {
            out.push_str(&w.row(r));
        }
        out.push_str(&w.finish());
        assert_eq!(
            out,
            "INSERT INTO t VALUES\n\t(1),\n\t(2);\nINSERT INTO t VALUES\n\t(3);\n"
        );
    }

    #[test]
    fn zero_columns() {
        assert_eq!(
            default_values("INSERT INTO t "),
            "INSERT INTO t DEFAULT VALUES;\n"
        );
    }

    #[test]
    fn text_selects() {
        assert_eq!(text_select("SELECT FROM ONLY t", 0), "SELECT FROM ONLY t");
        assert_eq!(
            text_select("SELECT a FROM ONLY t", 1),
            "SELECT CASE WHEN pg_catalog.num_nulls(x.c1) = 0 THEN pg_catalog.format('%s', x.c1) END \
             FROM (SELECT a FROM ONLY t) AS x(c1)"
        );
    }
}
