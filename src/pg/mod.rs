//! Facts about PostgreSQL shared by every layer: how a query's result rows
//! are read ([`row`]). A leaf module: it uses nothing of this crate but
//! [`crate::text`].

pub mod row;

pub use row::{QueryRow, RowError, RowExt, Rows};
