//! PostgreSQL facts every layer needs, importing nothing of the crate but
//! [`crate::text`]: quoting for each place a name or string is printed
//! (identifiers, literals for the output's standard_conforming_strings and
//! encoding, comment lines, connection strings), character boundaries of
//! the client encodings, the keyword list, catalog OIDs, and how a query's
//! result rows are read ([`row`]).

pub mod encoding;
pub mod keywords;
pub mod oid;
pub mod quote;
pub mod row;
pub mod version;

pub use row::{QueryRow, RowError, RowExt, Rows};
