//! Collations (`pg_collation`) outside the system schemas, read in bulk
//! (extension members are found later through pg_depend).

use super::census::Family;
use super::{query, Catalog, CatalogError, USER_NS};

/// One collation.
#[derive(Debug, Clone, Default)]
pub(crate) struct CollationRow {
    pub oid: u32,
    pub schema: String,
    pub name: String,
    pub owner: String,
    /// `collencoding` (-1: any), the S5 tie-breaker.
    pub encoding: i32,
    /// `collprovider`: `c` (libc), `i` (ICU), `b` (builtin, 17+) or `d`.
    pub provider: char,
    pub deterministic: bool,
    /// `collcollate` and `collctype` (libc; on 14 also ICU's locale).
    pub collate: Option<String>,
    pub ctype: Option<String>,
    /// The ICU or builtin locale: `colllocale` (17+), `colliculocale`
    /// (15, 16); None on 14.
    pub locale: Option<String>,
    /// `collicurules` (16+).
    pub icu_rules: Option<String>,
}

/// Every collation outside the system schemas, in OID order.
pub(crate) async fn collations(cat: &Catalog<'_>) -> Result<Vec<CollationRow>, CatalogError> {
    if !cat.may_have(Family::Collations) {
        return Ok(Vec::new());
    }
    let locale = if cat.at_least(17) {
        "c.colllocale"
    } else if cat.at_least(15) {
        "c.colliculocale"
    } else {
        "NULL::text"
    };
    let icu_rules = if cat.at_least(16) {
        "c.collicurules"
    } else {
        "NULL::text"
    };
    let sql = format!(
        "SELECT c.oid, n.nspname, c.collname, pg_catalog.pg_get_userbyid(c.collowner), c.collencoding, \
         c.collprovider, c.collisdeterministic, c.collcollate::text, c.collctype::text, \
         {locale}::text, {icu_rules}::text \
         FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace \
         WHERE {USER_NS} ORDER BY c.oid"
    );
    Ok(query(cat, &sql).await?.decode(|r| {
        Ok(CollationRow {
            oid: r.col(0)?,
            schema: r.text(1)?,
            name: r.text(2)?,
            owner: r.text(3)?,
            encoding: r.col(4)?,
            provider: r.code(5)?,
            deterministic: r.col(6)?,
            collate: r.opt_text(7)?,
            ctype: r.opt_text(8)?,
            locale: r.opt_text(9)?,
            icu_rules: r.opt_text(10)?,
        })
    })?)
}
