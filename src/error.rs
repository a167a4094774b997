//! Errors shared across layers.

pub use crate::catalog::CatalogError;
pub use crate::conn::ConnError;
pub use crate::dump::DumpError;
pub use crate::output::OutputError;
