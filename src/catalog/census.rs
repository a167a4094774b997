//! Which of the rarely used catalogs hold anything their readers could
//! return, asked once per database in one query.
//!
//! Every catalog query costs a fresh backend more than its rows: the
//! catalogs it names are opened and their caches filled the first time.
//! On a small database, the twenty-odd readers of families most databases
//! never use (operators, casts, foreign data wrappers, publications...)
//! were about a quarter of the server's work per database while returning
//! nothing. One query of `EXISTS` probes answers for all of them, and a
//! reader whose family is absent returns its empty result unasked.
//!
//! Each probe is implied by its reader's own condition: when the reader
//! would return a row, the probe is true (it may be true when the reader
//! returns nothing: the reader then runs as before). The probe runs in
//! the database's snapshot, so both see the same catalogs.

use super::routines::MAY_BE_COLLECTED;
use super::{query, Catalog, CatalogError};

/// The families the census answers for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// Operators, operator classes and families outside pg_catalog
    /// (`catalog::operators`).
    Operators,
    /// Access methods created after initdb.
    AccessMethods,
    /// Foreign-data wrappers, and with them servers and user mappings
    /// (a server needs its wrapper, a mapping its server).
    ForeignData,
    /// Collations and conversions outside the system schemas.
    Collations,
    /// Casts created after initdb.
    Casts,
    /// Transforms (none exist after initdb).
    Transforms,
    /// Rules on relations outside the system schemas (every view has one).
    Rules,
    /// Triggers (none exist after initdb).
    Triggers,
    /// Row-level security policies.
    Policies,
    /// Tables with row-level security enabled. Not probed (that would be
    /// a scan of pg_class, 7 ms of a catalog-heavy database's critical
    /// path): the relations query reads `relrowsecurity` of every table
    /// anyway and rules it out ([`super::Catalog::rule_out`]) when no
    /// table has it.
    RowSecurity,
    /// Event triggers.
    EventTriggers,
    /// Default privileges.
    DefaultAcls,
    /// Extended statistics outside the system schemas.
    ExtendedStatistics,
    /// Large objects.
    LargeObjects,
    /// Publications, and with them their tables and schemas.
    Publications,
    /// Subscriptions (of any database: pg_subscription is shared).
    Subscriptions,
    /// Sequences (every sequence has its pg_sequence row).
    Sequences,
    /// Aggregates outside pg_catalog, or in it with privileges or initial
    /// privileges (after initdb, pg_catalog's have neither).
    Aggregates,
    /// Views and materialized views of the database's own: their `_RETURN`
    /// rules were made after initdb. Without them only pg_catalog's views
    /// are read, for their privileges.
    Views,
}

impl Family {
    const ALL: [Family; 18] = [
        Family::Operators,
        Family::AccessMethods,
        Family::ForeignData,
        Family::Collations,
        Family::Casts,
        Family::Transforms,
        Family::Rules,
        Family::Triggers,
        Family::Policies,
        Family::EventTriggers,
        Family::DefaultAcls,
        Family::ExtendedStatistics,
        Family::LargeObjects,
        Family::Publications,
        Family::Subscriptions,
        Family::Sequences,
        Family::Aggregates,
        Family::Views,
    ];

    /// A condition true whenever the family's readers return a row.
    fn probe(self) -> String {
        let any = |catalog: &str| format!("EXISTS (SELECT 1 FROM pg_catalog.{catalog})");
        let after_initdb = |catalog: &str| {
            format!("EXISTS (SELECT 1 FROM pg_catalog.{catalog} WHERE oid >= 16384)")
        };
        // Outside pg_catalog: implied by the readers' `n.nspname <>
        // 'pg_catalog'` and by USER_NS alike. (No join: the probe's
        // planning on a fresh backend is most of its cost.)
        let outside_pg_catalog = |catalog: &str, ns: &str| {
            format!(
                "EXISTS (SELECT 1 FROM pg_catalog.{catalog} \
                 WHERE {ns} <> 'pg_catalog'::pg_catalog.regnamespace)"
            )
        };
        match self {
            Family::Operators => [
                outside_pg_catalog("pg_operator", "oprnamespace"),
                outside_pg_catalog("pg_opclass", "opcnamespace"),
                outside_pg_catalog("pg_opfamily", "opfnamespace"),
            ]
            .join(" OR "),
            Family::AccessMethods => after_initdb("pg_am"),
            Family::ForeignData => any("pg_foreign_data_wrapper"),
            Family::Collations => [
                outside_pg_catalog("pg_collation", "collnamespace"),
                outside_pg_catalog("pg_conversion", "connamespace"),
            ]
            .join(" OR "),
            Family::Casts => after_initdb("pg_cast"),
            Family::Transforms => any("pg_transform"),
            // A rule on a relation outside the system schemas was made
            // after initdb, as was its relation (only initdb makes objects
            // below 16384, and in system schemas only). Cheaper than a
            // join mirroring USER_NS (0.3 ms less on a fresh backend).
            Family::Rules => after_initdb("pg_rewrite"),
            Family::Triggers => any("pg_trigger"),
            Family::Policies => any("pg_policy"),
            Family::RowSecurity => "true".to_string(),
            Family::EventTriggers => any("pg_event_trigger"),
            Family::DefaultAcls => any("pg_default_acl"),
            Family::ExtendedStatistics => outside_pg_catalog("pg_statistic_ext", "stxnamespace"),
            Family::LargeObjects => any("pg_largeobject_metadata"),
            Family::Publications => any("pg_publication"),
            Family::Subscriptions => any("pg_subscription"),
            Family::Sequences => any("pg_sequence"),
            Family::Views => "EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite \
                 WHERE oid >= 16384 AND rulename = '_RETURN')"
                .to_string(),
            // The condition the aggregates reader's implies, without its
            // joins. (The initial privileges as a list read once: a
            // subquery per aggregate cost 0.5 ms more.)
            Family::Aggregates => format!(
                "EXISTS (SELECT 1 FROM pg_catalog.pg_proc p WHERE p.prokind = 'a' \
                 AND ({MAY_BE_COLLECTED}))"
            ),
        }
    }

    fn bit(self) -> u32 {
        1 << self as u32
    }
}

/// The census of one database: a bit per family that may have rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Census(u32);

/// The census's bit for "big enough for a helper session" (above the
/// families' bits).
const MANY_RELATIONS: u32 = 1 << 31;

impl Census {
    /// Whether the database has at least
    /// [`HELPER_MIN_RELATIONS`](super::helper::HELPER_MIN_RELATIONS) user
    /// relations (asked with the families: a query and a round trip less).
    pub(crate) fn many_relations(self) -> bool {
        self.0 & MANY_RELATIONS != 0
    }

    /// Whether `family`'s readers may return anything.
    pub(crate) fn may_have(self, family: Family) -> bool {
        self.0 & family.bit() != 0
    }

    /// The same census, with `family` known to be absent.
    pub(crate) fn without(self, family: Family) -> Census {
        Census(self.0 & !family.bit())
    }
}

/// The census's single query: the families' probes, then whether the
/// database is big enough for a helper session (a range scan of pg_class's
/// OID index over user relations only, so cheap for small databases).
fn census_sql() -> String {
    let probes: Vec<String> = Family::ALL.iter().map(|f| f.probe()).collect();
    format!(
        "SELECT {}, (SELECT pg_catalog.count(*) >= {} FROM pg_catalog.pg_class WHERE oid >= 16384)",
        probes.join(", "),
        super::helper::HELPER_MIN_RELATIONS
    )
}

/// Takes the census of the database `cat` reads (in its snapshot) and
/// keeps it in `cat` for the readers.
pub(crate) async fn take(cat: &Catalog<'_>) -> Result<(), CatalogError> {
    let sql = census_sql();
    // Not probed: may have until the relations query says otherwise.
    let mut bits = Family::RowSecurity.bit();
    for r in &query(cat, &sql).await? {
        for (i, f) in Family::ALL.iter().enumerate() {
            if r.col::<bool>(i)? {
                bits |= f.bit();
            }
        }
        if r.col::<bool>(Family::ALL.len())? {
            bits |= MANY_RELATIONS;
        }
    }
    cat.census.set(Some(Census(bits)));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_has_its_own_bit() {
        let mut seen = 0;
        for f in Family::ALL {
            assert_eq!(seen & f.bit(), 0, "{f:?}");
            seen |= f.bit();
        }
        assert_eq!(
            seen & Family::RowSecurity.bit(),
            0,
            "RowSecurity is not probed"
        );
        let only_casts = Census(Family::Casts.bit());
        assert!(only_casts.may_have(Family::Casts));
        assert!(!only_casts.may_have(Family::Triggers));
        assert!(!only_casts.without(Family::Casts).may_have(Family::Casts));
    }
}
