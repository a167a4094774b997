//! PostgreSQL facts every layer needs, importing nothing of the crate but
//! `crate::text`: quoting for each place a name or string is printed
//! (identifiers, literals for the output's standard_conforming_strings and
//! encoding, comment lines, connection strings), character boundaries of
//! the client encodings, the keyword list, catalog OIDs, and how a query's
//! result rows are read (`row`).

pub(crate) mod encoding;
pub mod keywords;
pub(crate) mod oid;
pub(crate) mod quote;
pub(crate) mod row;
pub(crate) mod version;

pub(crate) use row::{QueryRow, RowError, RowExt, Rows};
