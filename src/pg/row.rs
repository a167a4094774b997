//! Checked reading of result rows.
//!
//! tokio-postgres's `Row::get` panics on a NULL, a type mismatch or a
//! column out of range. Here every value is read with `Row::try_get`, and a
//! failure becomes a [`RowError`] naming the column (index and name) and
//! the query, so that the dump ends with an error message, never a panic.
//!
//! Rows come wrapped with their query ([`Rows`], [`QueryRow`]), so call
//! sites stay short: `r.col(0)?`, `r.text(1)?`, `r.opt_text(2)?`.
//!
//! The deparsing functions (`pg_get_indexdef`, `pg_get_constraintdef`,
//! `pg_get_viewdef`, `pg_get_triggerdef`, `pg_get_function_arguments`, ...)
//! look the object up in the catalog caches, which see the latest
//! committed state rather than the dump's snapshot: for an object dropped
//! while the dump runs they return NULL. [`QueryRow::definition`] reads
//! such a column and turns a NULL into pg_dump's kind of error.

use std::error::Error as _;

use postgres_types::{FromSql, WasNull};
use thiserror::Error;
use tokio_postgres::Row;

use crate::text::Raw;

/// Why a value could not be read from a result row.
#[derive(Debug, Error)]
pub enum RowError {
    /// A query expected to return exactly one row did not (pg_dump's
    /// words).
    #[error(
        "query returned {rows} {} instead of one: {query}",
        if *rows == 1 { "row" } else { "rows" }
    )]
    RowCount { rows: usize, query: String },
    /// A NULL where a value is required.
    #[error("unexpected null value in column {index} (\"{column}\") of a query result")]
    Null {
        index: usize,
        column: String,
        query: String,
    },
    /// A value of the wrong type, or a column out of range.
    #[error("could not read column {index} (\"{column}\") of a query result: {reason}")]
    Decode {
        index: usize,
        column: String,
        reason: String,
        query: String,
    },
    /// A deparsing function returned NULL: the object was dropped while
    /// the dump ran.
    #[error("{}", deparse_message(kind, name))]
    Deparse {
        /// What the object is (`index`, `view`, `function`, ...).
        kind: &'static str,
        /// Its name, as the same row gives it.
        name: String,
        index: usize,
        column: String,
        query: String,
    },
}

/// pg_dump's message for a view's empty definition; the same shape for
/// the other kinds.
fn deparse_message(kind: &str, name: &str) -> String {
    let name = crate::text::display(name);
    if kind == "view" {
        format!("definition of view \"{name}\" appears to be empty (length zero)")
    } else {
        format!("query to obtain definition of {kind} \"{name}\" returned NULL")
    }
}

impl RowError {
    /// The detail line printed under the error, if any.
    pub(crate) fn detail(&self) -> Option<String> {
        match self {
            RowError::RowCount { .. } => None,
            RowError::Null { query, .. } | RowError::Decode { query, .. } => {
                Some(format!("Query was: {query}"))
            }
            RowError::Deparse { kind, .. } => Some(format!(
                "The {kind} was probably dropped while the dump was running."
            )),
        }
    }
}

/// The rows of one query, with its text for error messages.
#[derive(Debug)]
pub(crate) struct Rows {
    query: String,
    rows: Vec<Row>,
}

impl Rows {
    pub(crate) fn new(query: impl Into<String>, rows: Vec<Row>) -> Rows {
        Rows {
            query: query.into(),
            rows,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = QueryRow<'_>> + '_ {
        self.rows.iter().map(|row| QueryRow::new(row, &self.query))
    }

    /// The first row, if any.
    pub(crate) fn first(&self) -> Option<QueryRow<'_>> {
        self.iter().next()
    }

    /// The only row of a query that must return exactly one.
    pub(crate) fn one(&self) -> Result<QueryRow<'_>, RowError> {
        match self.rows.as_slice() {
            [row] => Ok(QueryRow::new(row, &self.query)),
            rows => Err(RowError::RowCount {
                rows: rows.len(),
                query: self.query.clone(),
            }),
        }
    }

    /// Decodes every row with `f`, stopping at the first error.
    pub(crate) fn decode<'a, T>(
        &'a self,
        f: impl FnMut(QueryRow<'a>) -> Result<T, RowError>,
    ) -> Result<Vec<T>, RowError> {
        self.iter().map(f).collect()
    }
}

impl<'a> IntoIterator for &'a Rows {
    type Item = QueryRow<'a>;
    type IntoIter = Box<dyn ExactSizeIterator<Item = QueryRow<'a>> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// Reads rows of a query run without [`Rows`] (a prepared statement, a
/// stream): `row.in_query(sql).col(0)?`.
pub(crate) trait RowExt {
    fn in_query<'a>(&'a self, query: &'a str) -> QueryRow<'a>;
}

impl RowExt for Row {
    fn in_query<'a>(&'a self, query: &'a str) -> QueryRow<'a> {
        QueryRow::new(self, query)
    }
}

/// One result row and the query it came from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct QueryRow<'a> {
    row: &'a Row,
    query: &'a str,
}

impl<'a> QueryRow<'a> {
    pub(crate) fn new(row: &'a Row, query: &'a str) -> QueryRow<'a> {
        QueryRow { row, query }
    }

    /// The value of column `index`; NULL is an error unless `T` is an
    /// `Option`.
    pub(crate) fn col<T: FromSql<'a>>(&self, index: usize) -> Result<T, RowError> {
        self.row.try_get(index).map_err(|e| {
            let column = self.column_name(index);
            let query = self.query.to_string();
            match e.source() {
                Some(s) if s.is::<WasNull>() => RowError::Null {
                    index,
                    column,
                    query,
                },
                source => RowError::Decode {
                    index,
                    column,
                    reason: source.map_or_else(|| e.to_string(), |s| s.to_string()),
                    query,
                },
            }
        })
    }

    /// The value of column `index`, None for NULL.
    pub(crate) fn opt<T: FromSql<'a>>(&self, index: usize) -> Result<Option<T>, RowError> {
        self.col::<Option<T>>(index)
    }

    /// A text-like column as a byte string (see [`crate::text`]).
    pub(crate) fn text(&self, index: usize) -> Result<String, RowError> {
        Ok(self.col::<Raw>(index)?.0)
    }

    /// A text-like column as a byte string, None for NULL.
    pub(crate) fn opt_text(&self, index: usize) -> Result<Option<String>, RowError> {
        Ok(self.opt::<Raw>(index)?.map(|r| r.0))
    }

    /// A `"char"` column (catalog codes such as relkind), read as the
    /// `"char"` type or as text; NULL or empty is `'\0'`.
    pub(crate) fn code(&self, index: usize) -> Result<char, RowError> {
        if let Ok(v) = self.row.try_get::<_, Option<i8>>(index) {
            return Ok(v.map(|b| b as u8 as char).unwrap_or('\0'));
        }
        Ok(self
            .opt_text(index)?
            .and_then(|s| s.chars().next())
            .unwrap_or('\0'))
    }

    /// The output of a deparsing function in column `index`, for the
    /// object of kind `kind` whose name is in column `name`: a NULL (the
    /// object was dropped since the snapshot) is reported as pg_dump
    /// reports an empty definition.
    pub(crate) fn definition(
        &self,
        index: usize,
        kind: &'static str,
        name: usize,
    ) -> Result<String, RowError> {
        match self.opt_text(index)? {
            Some(text) => Ok(text),
            None => Err(RowError::Deparse {
                kind,
                name: self.opt_text(name)?.unwrap_or_default(),
                index,
                column: self.column_name(index),
                query: self.query.to_string(),
            }),
        }
    }

    fn column_name(&self, index: usize) -> String {
        // Column metadata, not a value.
        let columns = self.row.columns();
        columns.get(index).map_or("?", |c| c.name()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn null(index: usize, column: &str) -> RowError {
        RowError::Null {
            index,
            column: column.into(),
            query: "SELECT x FROM t".into(),
        }
    }

    #[test]
    fn errors_name_the_column_and_the_query() {
        let e = null(3, "pg_get_expr");
        assert_eq!(
            e.to_string(),
            "unexpected null value in column 3 (\"pg_get_expr\") of a query result"
        );
        assert_eq!(e.detail().as_deref(), Some("Query was: SELECT x FROM t"));
    }

    #[test]
    fn row_counts_are_reported_as_pg_dump_does() {
        let none = RowError::RowCount {
            rows: 0,
            query: "SELECT 1".into(),
        };
        assert_eq!(
            none.to_string(),
            "query returned 0 rows instead of one: SELECT 1"
        );
        let one = RowError::RowCount {
            rows: 1,
            query: "SELECT 1".into(),
        };
        assert_eq!(
            one.to_string(),
            "query returned 1 row instead of one: SELECT 1"
        );
        assert_eq!(none.detail(), None);
    }

    #[test]
    fn null_definitions_read_like_pg_dump() {
        let deparse = |kind, name: &str| RowError::Deparse {
            kind,
            name: name.into(),
            index: 10,
            column: "pg_get_viewdef".into(),
            query: "SELECT ...".into(),
        };
        assert_eq!(
            deparse("view", "v").to_string(),
            "definition of view \"v\" appears to be empty (length zero)"
        );
        let index = deparse("index", &crate::text::from_bytes("caf\u{e9}".as_bytes()));
        assert_eq!(
            index.to_string(),
            "query to obtain definition of index \"caf\u{e9}\" returned NULL"
        );
        assert_eq!(
            index.detail().as_deref(),
            Some("The index was probably dropped while the dump was running.")
        );
    }
}
