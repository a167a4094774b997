//! pg_dump's dump ids for one database (`-v` prints them in each entry's
//! header): the collection read from the catalogs, the archive's objects
//! numbered from it, then the entries.

use crate::archive::ids::{self, Collected, DatabaseIds, DumpIds, Reading};
use crate::archive::{Archive, Entry};
use crate::catalog::database::DatabaseRow;
use crate::catalog::{dump_ids, Catalog, CatalogError};

// The policy order rows pass through under the same code.
const _: () = assert!(dump_ids::POLICY_ORDER == ids::step::POLICY_ORDER);
const _: () = assert!(dump_ids::CONFIG_ORDER == ids::step::CONFIG_ORDER);
const _: () = assert!(dump_ids::PUBLICATION_ORDER == ids::step::PUBLICATION_ORDER);

/// pg_dump's collection rows of the database (a few queries).
pub(super) async fn read_collection(cat: &Catalog<'_>) -> Result<Vec<Collected>, CatalogError> {
    Ok(dump_ids::collected_rows(cat)
        .await?
        .into_iter()
        .map(|r| Collected {
            step: r.step,
            classoid: r.classoid,
            oid: r.oid,
            shell: r.shell,
        })
        .collect())
}

/// Numbers the archive's objects, then `entries` (creation order, the
/// database's own `database_entries` first), storing each entry's
/// [`ids::TocId`] in it.
pub(super) fn number_entries(
    archive: &Archive,
    collection: &[Collected],
    entries: &mut [Entry],
    database_entries: usize,
    database: DatabaseIds,
    opts: &crate::archive::RenderOptions,
) -> DumpIds {
    let reading = Reading {
        definitions: crate::dump::content::dump_schema(opts),
        data: crate::dump::content::dump_data(opts),
    };
    let object_ids = ids::assign(archive, collection, reading);
    let tocs = ids::entry_ids(archive, &object_ids, entries, database_entries, database);
    for (e, toc) in entries.iter_mut().zip(tocs) {
        e.toc = Some(toc);
    }
    object_ids
}

/// The database's entries pg_dump makes after its DATABASE entry but
/// does not print: without definitions (`-a`), its COMMENT and SECURITY
/// LABEL (each when it would have one). Its ACL takes no id then: pg_dump
/// makes no ACL entry but for large objects under `-a` (a database with
/// both a comment and an ACL: one id between DATABASE and DATABASE
/// PROPERTIES, as pg_dump -Fd -a numbers them).
pub(super) fn database_ids(db: &DatabaseRow, opts: &crate::archive::RenderOptions) -> DatabaseIds {
    let mut unprinted = 0;
    if !crate::dump::content::dump_schema(opts) {
        let comment = db.comment.as_ref().is_some_and(|c| !c.is_empty()) && !opts.no_comments;
        let labels = !db.security_labels.is_empty() && !opts.no_security_labels;
        unprinted = u32::from(comment) + u32::from(labels);
    }
    DatabaseIds {
        oid: db.oid,
        unprinted,
    }
}
