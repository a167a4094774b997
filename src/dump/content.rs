//! Which entries the content options keep: `-s`/`--no-data` drop the data
//! entries (but `--sequence-data` keeps SEQUENCE SET), `-a`/`--no-schema`
//! drop everything else, `--no-policies` drops policies and the ROW
//! SECURITY entries. Families may already leave entries out themselves;
//! this filter is applied on top, generically, by entry type.

use crate::pg::oid::PG_CONSTRAINT;
use std::collections::HashMap;

use crate::archive::RenderOptions;
use crate::archive::{Archive, DumpId, Entry, Kind};
use crate::catalog::{Catalog, CatalogError};

/// Whether definitions are dumped.
pub(crate) fn dump_schema(o: &RenderOptions) -> bool {
    !(o.data_only || o.no_schema || o.statistics_only)
}

/// Rows per INSERT statement; None for COPY.
pub(crate) fn rows_per_insert(o: &RenderOptions) -> Option<usize> {
    o.rows_per_insert
}

/// Whether data is dumped.
pub(crate) fn dump_data(o: &RenderOptions) -> bool {
    !(o.schema_only || o.no_data || o.statistics_only)
}

/// Statistics entries are the statistics family's business.
fn is_statistics(e: &Entry) -> bool {
    e.desc == "STATISTICS DATA"
}

/// Data entries: rows, sequence values, and everything about large
/// objects (their metadata, comments, security labels and ACLs).
pub(crate) fn is_data(e: &Entry) -> bool {
    if e.data.is_some() {
        return true;
    }
    match e.desc.as_str() {
        "SEQUENCE SET" | "BLOB" | "BLOBS" | "BLOB METADATA" => true,
        "ACL" | "COMMENT" | "SECURITY LABEL" => e.tag.starts_with("LARGE OBJECT"),
        _ => false,
    }
}

/// Whether the options keep an entry of a database's objects.
pub(crate) fn keep(e: &Entry, o: &RenderOptions) -> bool {
    if is_statistics(e) {
        return true;
    }
    if o.no_policies && matches!(e.desc.as_str(), "POLICY" | "ROW SECURITY") {
        return false;
    }
    if o.no_policies && e.desc == "COMMENT" && e.tag.starts_with("POLICY ") {
        return false;
    }
    if is_data(e) {
        dump_data(o) || (e.desc == "SEQUENCE SET" && o.sequence_data)
    } else {
        dump_schema(o)
    }
}

/// Without definitions, a referencing table's data must load after the
/// data of the table it references: for each foreign key (in collection
/// order) between two tables that both have data, the referencing TABLE
/// DATA depends on the referenced one.
pub(crate) async fn add_data_fk_dependencies(
    cat: &Catalog<'_>,
    archive: &mut Archive,
) -> Result<(), CatalogError> {
    let fks = crate::catalog::relations::foreign_key_tables(cat).await?;
    // TABLE DATA objects carry (0, table oid).
    let mut data: HashMap<u32, DumpId> = HashMap::new();
    for (id, obj) in archive.objects.iter().enumerate() {
        if obj.kind == Kind::TableData {
            data.entry(obj.catalog_id.1).or_insert(id);
        }
    }
    let constraints: Vec<u32> = archive
        .objects
        .iter()
        .filter(|o| o.kind == Kind::FkConstraint && o.catalog_id.0 == PG_CONSTRAINT)
        .map(|o| o.catalog_id.1)
        .collect();
    for oid in constraints {
        let Some(&(rel, frel)) = fks.get(&oid) else {
            continue;
        };
        if let (Some(&from), Some(&to)) = (data.get(&rel), data.get(&frel)) {
            archive.add_dep(from, to);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::DataSource;

    fn entry(desc: &str, tag: &str) -> Entry {
        Entry {
            desc: desc.into(),
            tag: tag.into(),
            ..Entry::default()
        }
    }

    #[test]
    fn data_entries() {
        assert!(is_data(&entry("SEQUENCE SET", "s")));
        assert!(is_data(&entry("BLOB METADATA", "1")));
        assert!(is_data(&entry("ACL", "LARGE OBJECT 1")));
        assert!(is_data(&entry("COMMENT", "LARGE OBJECT 1")));
        assert!(!is_data(&entry("ACL", "TABLE t")));
        let mut copy = entry("TABLE DATA", "t");
        copy.data = Some(DataSource::Copy {
            server_copy: String::new(),
        });
        assert!(is_data(&copy));
    }

    #[test]
    fn options_select_entries() {
        let schema_only = RenderOptions {
            schema_only: true,
            ..RenderOptions::default()
        };
        assert!(!keep(&entry("SEQUENCE SET", "s"), &schema_only));
        assert!(keep(&entry("TABLE", "t"), &schema_only));
        let seq = RenderOptions {
            sequence_data: true,
            ..schema_only.clone()
        };
        assert!(keep(&entry("SEQUENCE SET", "s"), &seq));
        let data_only = RenderOptions {
            data_only: true,
            ..RenderOptions::default()
        };
        assert!(!keep(&entry("TABLE", "t"), &data_only));
        assert!(keep(&entry("ACL", "LARGE OBJECT 5"), &data_only));
        let no_pol = RenderOptions {
            no_policies: true,
            ..RenderOptions::default()
        };
        assert!(!keep(&entry("POLICY", "p"), &no_pol));
        assert!(!keep(&entry("ROW SECURITY", "t"), &no_pol));
        assert!(keep(&entry("TABLE", "t"), &no_pol));
    }
}
