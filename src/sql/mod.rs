//! SQL emission as pure functions: quoting, ACL diffing, statements.
//! Nothing here talks to a server, so all of it is unit-tested.

pub(crate) mod acl;
pub(crate) mod casts;
pub(crate) mod collations;
pub(crate) mod config;
pub(crate) mod constraints;
pub(crate) mod database;
pub(crate) mod foreign_data;
pub(crate) mod globals;
pub(crate) mod inserts;
pub(crate) mod operators;
pub(crate) mod pattern;
#[cfg(test)]
mod pattern_fuzz_tests;
pub(crate) mod postdata;
pub(crate) mod replication;
pub(crate) mod routines;
pub(crate) mod satellite;
pub(crate) mod sequence;
pub(crate) mod statistics;
pub(crate) mod table;
pub(crate) mod text_search;
pub(crate) mod types;
pub(crate) mod views;
