//! Catalog OIDs (the `classid` of pg_depend, pg_description, pg_seclabel,
//! pg_init_privs rows) and object addresses.

/// `(classid, objid, objsubid)`: an object, or a column of one.
pub(crate) type ObjectAddress = (u32, u32, i32);

pub(crate) const PG_DEFAULT_ACL: u32 = 826;
pub(crate) const PG_TYPE: u32 = 1247;
pub(crate) const PG_DATABASE: u32 = 1262;
pub(crate) const PG_PROC: u32 = 1255;
pub(crate) const PG_CLASS: u32 = 1259;
pub(crate) const PG_FOREIGN_SERVER: u32 = 1417;
pub(crate) const PG_FOREIGN_DATA_WRAPPER: u32 = 2328;
pub(crate) const PG_AM: u32 = 2601;
pub(crate) const PG_ATTRDEF: u32 = 2604;
pub(crate) const PG_CAST: u32 = 2605;
pub(crate) const PG_CONSTRAINT: u32 = 2606;
pub(crate) const PG_CONVERSION: u32 = 2607;
pub(crate) const PG_LANGUAGE: u32 = 2612;
pub(crate) const PG_LARGEOBJECT: u32 = 2613;
pub(crate) const PG_NAMESPACE: u32 = 2615;
pub(crate) const PG_OPCLASS: u32 = 2616;
pub(crate) const PG_OPERATOR: u32 = 2617;
pub(crate) const PG_REWRITE: u32 = 2618;
pub(crate) const PG_TRIGGER: u32 = 2620;
pub(crate) const PG_OPFAMILY: u32 = 2753;
pub(crate) const PG_EXTENSION: u32 = 3079;
pub(crate) const PG_POLICY: u32 = 3256;
pub(crate) const PG_STATISTIC_EXT: u32 = 3381;
pub(crate) const PG_COLLATION: u32 = 3456;
pub(crate) const PG_EVENT_TRIGGER: u32 = 3466;
pub(crate) const PG_TRANSFORM: u32 = 3576;
pub(crate) const PG_TS_DICT: u32 = 3600;
pub(crate) const PG_TS_PARSER: u32 = 3601;
pub(crate) const PG_TS_CONFIG: u32 = 3602;
pub(crate) const PG_TS_TEMPLATE: u32 = 3764;
pub(crate) const PG_SUBSCRIPTION: u32 = 6100;
pub(crate) const PG_PUBLICATION: u32 = 6104;
pub(crate) const PG_PUBLICATION_REL: u32 = 6106;
pub(crate) const PG_PUBLICATION_NAMESPACE: u32 = 6237;
