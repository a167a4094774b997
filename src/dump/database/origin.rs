//! What an archive's TOC needs to know about each entry that the plain
//! printer does not: the object it came from, whether it is that object's
//! own entry (rather than a comment, label or ACL hanging off it), its
//! catalog row and the entries it depends on.

use std::collections::HashSet;

use crate::archive::{Archive, DumpId, Entry, Kind, Role};

/// The origin of one entry.
#[derive(Debug, Clone, Default)]
pub(crate) struct Origin {
    /// The object whose renderer made the entry (None: the database's own
    /// entries).
    pub object: Option<DumpId>,
    /// The object's own entry (its first that is not a satellite).
    pub main: bool,
    /// `(classoid, oid)` of the object's catalog row.
    pub catalog_id: (u32, u32),
    /// The relation kind, for relations.
    pub relkind: Option<char>,
    /// Moved to post-data by loop repair (a matview or function).
    pub postponed: bool,
    /// Objects this entry depends on (each an object that has an entry of
    /// its own), in recording order.
    pub deps: Vec<DumpId>,
}

/// Entries that hang off another object's entry.
pub(crate) fn is_satellite(e: &Entry) -> bool {
    matches!(e.desc.as_str(), "COMMENT" | "SECURITY LABEL" | "ACL")
}

/// The origins of `entries` (the database's own have no object).
pub(super) fn origins(entries: &[Entry], archive: &Archive) -> Vec<Origin> {
    let mut out = Vec::with_capacity(entries.len());
    let mut with_main: HashSet<DumpId> = HashSet::new();
    let mains: Vec<bool> = entries
        .iter()
        .map(|e| {
            e.object
                .is_some_and(|id| !is_satellite(e) && with_main.insert(id))
        })
        .collect();
    for (e, main) in entries.iter().zip(mains) {
        let Some(id) = &e.object else {
            out.push(Origin::default());
            continue;
        };
        let obj = &archive.objects[*id];
        // A comment, label or ACL depends on its object's entry; one
        // hanging off an object without an entry (an index printed as its
        // constraint) on what that object stands for.
        let deps = if is_satellite(e) && with_main.contains(id) {
            vec![*id]
        } else {
            let mut deps = Vec::new();
            dumped_dependencies(archive, *id, &with_main, &mut HashSet::new(), &mut deps);
            deps
        };
        let relkind = match obj.role {
            Role::Relation { relkind } => Some(relkind),
            _ => None,
        };
        out.push(Origin {
            object: Some(*id),
            main,
            catalog_id: obj.catalog_id,
            relkind,
            postponed: obj.repairs.postponed,
            deps,
        });
    }
    out
}

/// The dependencies of `id` that have entries, in recording order; one
/// without an entry stands for its own dependencies, searched in turn
/// (pg_dump's rule), except the section boundaries, which would stand for
/// whole sections.
fn dumped_dependencies(
    archive: &Archive,
    id: DumpId,
    with_entry: &HashSet<DumpId>,
    seen: &mut HashSet<DumpId>,
    out: &mut Vec<DumpId>,
) {
    if matches!(
        archive.objects[id].kind,
        Kind::PreDataBoundary | Kind::PostDataBoundary
    ) {
        return;
    }
    for &d in &archive.objects[id].deps {
        if with_entry.contains(&d) {
            out.push(d);
        } else if seen.insert(d) {
            dumped_dependencies(archive, d, with_entry, seen, out);
        }
    }
}
