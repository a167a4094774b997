//! SQL emission as pure functions: quoting, ACL diffing, statements.
//! Nothing here talks to a server, so all of it is unit-tested.

pub mod acl;
pub mod globals;
pub mod inserts;
pub mod pattern;
pub mod postdata;
pub mod routines;
pub mod sequence;
pub mod statistics;
pub mod table;
pub mod types;
pub mod views;
