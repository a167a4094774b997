//! pgdumpall-rs: a native, drop-in replacement for PostgreSQL's pg_dumpall.
//!
//! Layers, each in its own folder:
//! - [`cli`]: argument parsing into typed [`cli::Options`];
//! - `conn`: connection settings by libpq's rules, sessions via tokio-postgres;
//! - `catalog`: version-aware catalog reading;
//! - `sql`: SQL emission as pure functions (quoting, ACLs, statements);
//! - [`dump`]: the driver (globals, databases);
//! - `output`: where the bytes go (stdout, atomic file);
//! - [`pg`]: PostgreSQL facts every layer shares (checked row reading);
//! - [`verify`]: `pgdumpall-rs verify DIR`, a dump directory checked
//!   without a server;
//! - [`restore`]: `pgdumpall-rs restore DIR`, a directory dump restored
//!   with the stock psql and pg_restore.

pub(crate) mod archive;
pub(crate) mod catalog;
pub mod cli;
pub(crate) mod conn;
pub mod diag;
pub mod dump;
#[cfg(feature = "heap-stats")]
pub mod heap_stats;
pub mod interrupt;
pub(crate) mod output;
pub mod pg;
pub mod plan;
pub mod restore;
pub mod run;
pub(crate) mod sql;
pub(crate) mod text;
pub mod verify;
