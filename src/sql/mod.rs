//! SQL emission as pure functions: quoting, ACL diffing, statements.
//! Nothing here talks to a server, so all of it is unit-tested.

pub mod acl;
pub mod globals;
pub mod pattern;
pub mod quote;
