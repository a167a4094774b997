//! pg_dump's dump ids for one database (`-v` prints them in each entry's
//! header): the collection read from the catalogs, the archive's objects
//! numbered from it, then the entries.

use crate::archive::ids::{self, Collected, DumpIds};
use crate::archive::{Archive, Entry};
use crate::catalog::{dump_ids, Catalog, CatalogError};

/// pg_dump's collection rows of the database (one query).
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
    database_oid: u32,
) -> DumpIds {
    let object_ids = ids::assign(archive, collection);
    let tocs = ids::entry_ids(
        archive,
        &object_ids,
        entries,
        database_entries,
        database_oid,
    );
    for (e, toc) in entries.iter_mut().zip(tocs) {
        e.toc = Some(toc);
    }
    object_ids
}
