//! Archive version 1.14's large objects: a BLOB entry per object, an ACL
//! entry per object, one BLOBS entry for all their data.

use super::{Data, Ids};
use crate::archive::toc::{TocEntry, TocSection};

/// Archive version 1.14 has no BLOB METADATA: each large object is a BLOB
/// entry of its own (pre-data), a group's ACL an entry per object, and one
/// BLOBS entry (`blobs.toc`) holds every object's data.
pub(super) fn large_objects_1_14(
    entries: Vec<(TocEntry, Option<Data>)>,
    ids: &mut Ids,
) -> Vec<(TocEntry, Option<Data>)> {
    let mut out = Vec::with_capacity(entries.len());
    let mut blobs: Option<usize> = None;
    // The objects of the last group seen (a group's ACL follows its
    // metadata).
    let mut group: Vec<u32> = Vec::new();
    for (te, data) in entries {
        match (te.desc.as_str(), data) {
            ("BLOB METADATA", _) => {
                group = blob_list(te.defn.as_deref().unwrap_or(""));
                for &oid in &group {
                    out.push((blob_entry(&te, oid, ids.fresh()), None));
                }
            }
            ("ACL", None) if te.tag.starts_with("LARGE OBJECTS ") => {
                for &oid in &group {
                    out.push((acl_of_one(&te, group[0], oid, ids.fresh()), None));
                }
            }
            ("BLOBS", Some(Data::LargeObjects(oids))) => match blobs {
                Some(at) => {
                    if let Some(Data::LargeObjects(all)) = &mut out[at].1 {
                        all.extend(oids);
                    }
                }
                None => {
                    blobs = Some(out.len());
                    let te = TocEntry {
                        tag: "BLOBS".into(),
                        owner: None,
                        deps: Vec::new(),
                        ..te
                    };
                    out.push((te, Some(Data::LargeObjects(oids))));
                }
            },
            (_, data) => out.push((te, data)),
        }
    }
    out
}

/// The OIDs of a BLOB METADATA entry's definition (one per line).
fn blob_list(defn: &str) -> Vec<u32> {
    defn.lines().filter_map(|l| l.parse().ok()).collect()
}

/// One large object's BLOB entry, as pg_dump 16 and older wrote it.
fn blob_entry(metadata: &TocEntry, oid: u32, dump_id: i32) -> TocEntry {
    TocEntry {
        dump_id,
        table_oid: crate::pg::oid::PG_LARGEOBJECT,
        oid,
        tag: oid.to_string(),
        desc: "BLOB".into(),
        section: TocSection::PreData,
        defn: Some(format!("SELECT pg_catalog.lo_create('{oid}');\n")),
        drop_stmt: Some(format!("SELECT pg_catalog.lo_unlink('{oid}');\n")),
        owner: metadata.owner.clone(),
        ..TocEntry::default()
    }
}

/// A group's ACL entry made one object's: the first object's commands
/// naming `oid` instead.
fn acl_of_one(group_acl: &TocEntry, first: u32, oid: u32, dump_id: i32) -> TocEntry {
    let from = format!("LARGE OBJECT {first} ");
    let to = format!("LARGE OBJECT {oid} ");
    TocEntry {
        dump_id,
        tag: format!("LARGE OBJECT {oid}"),
        defn: group_acl.defn.as_ref().map(|d| d.replace(&from, &to)),
        deps: Vec::new(),
        ..group_acl.clone()
    }
}
