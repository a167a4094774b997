//! Catalog OIDs (the `classid` of pg_depend, pg_description, pg_seclabel,
//! pg_init_privs rows) and object addresses.

/// `(classid, objid, objsubid)`: an object, or a column of one.
pub(crate) type ObjectAddress = (u32, u32, i32);

pub(crate) const PG_DEFAULT_ACL: u32 = 826;
pub(crate) const PG_TYPE: u32 = 1247;
pub(crate) const PG_PROC: u32 = 1255;
pub(crate) const PG_CLASS: u32 = 1259;
pub(crate) const PG_ATTRDEF: u32 = 2604;
pub(crate) const PG_CONSTRAINT: u32 = 2606;
pub(crate) const PG_LANGUAGE: u32 = 2612;
pub(crate) const PG_LARGEOBJECT: u32 = 2613;
pub(crate) const PG_NAMESPACE: u32 = 2615;
pub(crate) const PG_REWRITE: u32 = 2618;
pub(crate) const PG_TRIGGER: u32 = 2620;
pub(crate) const PG_EXTENSION: u32 = 3079;
pub(crate) const PG_POLICY: u32 = 3256;
pub(crate) const PG_STATISTIC_EXT: u32 = 3381;
pub(crate) const PG_EVENT_TRIGGER: u32 = 3466;
pub(crate) const PG_SUBSCRIPTION: u32 = 6100;
pub(crate) const PG_PUBLICATION: u32 = 6104;
pub(crate) const PG_PUBLICATION_REL: u32 = 6106;
pub(crate) const PG_PUBLICATION_NAMESPACE: u32 = 6237;
