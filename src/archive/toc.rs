//! The bytes of a pg_dump directory archive's `toc.dat`: the header and
//! one record per TOC entry, as pg_dump 18 writes them (archive version
//! 1.16) or as pg_dump 14/15 wrote them (1.14, which every pg_restore from
//! 14 on reads). Pure encoding: the entries come in fully decided.

use super::Section;
use crate::text;

/// The archive versions we write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ArchiveVersion {
    /// 1.14: read by pg_restore 14 and later; large objects are one BLOB
    /// entry each; compression is a zlib level in the header.
    V1_14,
    /// 1.16: what pg_dump 17 and 18 write (read by pg_restore 17 and
    /// later); BLOB METADATA entries, a relkind per entry.
    #[default]
    V1_16,
}

impl ArchiveVersion {
    fn minor(self) -> u8 {
        match self {
            ArchiveVersion::V1_14 => 14,
            ArchiveVersion::V1_16 => 16,
        }
    }

    /// Whether large objects are grouped under BLOB METADATA entries.
    pub(crate) fn blob_metadata(self) -> bool {
        self == ArchiveVersion::V1_16
    }
}

/// The compression of the archive's data files, as the header names it.
/// (The directory writer writes uncompressed files until `-Z` is built;
/// the header's encoding of the others is tested below.)
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum HeaderCompression {
    #[default]
    None,
    /// gzip at a zlib level (-1: the default level).
    Gzip {
        level: i32,
    },
    Lz4,
    Zstd,
}

/// What the header records besides the entries.
#[derive(Debug, Clone)]
pub(crate) struct TocHeader {
    pub version: ArchiveVersion,
    pub compression: HeaderCompression,
    /// `struct tm` fields of the creation time: sec, min, hour, mday,
    /// mon (0-based), year - 1900, isdst.
    pub created: [i32; 7],
    /// The database name (byte string).
    pub dbname: String,
    /// The server's version string, e.g. `18.6`.
    pub server_version: String,
    /// The dumping program's version string.
    pub dumper_version: String,
}

/// One TOC entry, every field as pg_dump stores it (text as byte
/// strings; None where pg_dump writes a NULL string).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TocEntry {
    pub dump_id: i32,
    /// The entry has data (a data file).
    pub has_data: bool,
    pub table_oid: u32,
    pub oid: u32,
    pub tag: String,
    pub desc: String,
    pub section: TocSection,
    pub defn: Option<String>,
    pub drop_stmt: Option<String>,
    pub copy_stmt: Option<String>,
    pub namespace: Option<String>,
    pub tablespace: Option<String>,
    pub table_am: Option<String>,
    /// Relations only (0 otherwise); written from 1.16 on.
    pub relkind: Option<char>,
    pub owner: Option<String>,
    /// Dump ids of the entries this one depends on, in order.
    pub deps: Vec<i32>,
    /// The data file's name (`<id>.dat`, `blobs_<id>.toc`), else empty.
    pub file: String,
}

/// pg_dump's section numbers (SECTION_NONE is 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum TocSection {
    #[default]
    None,
    PreData,
    Data,
    PostData,
}

impl From<Section> for TocSection {
    fn from(s: Section) -> TocSection {
        match s {
            Section::None => TocSection::None,
            Section::PreData => TocSection::PreData,
            Section::Data => TocSection::Data,
            Section::PostData => TocSection::PostData,
        }
    }
}

impl TocSection {
    fn number(self) -> i32 {
        match self {
            TocSection::None => 1,
            TocSection::PreData => 2,
            TocSection::Data => 3,
            TocSection::PostData => 4,
        }
    }
}

/// The archive format byte: a directory's toc.dat says "tar" (3), as
/// pg_dump's directory format writes it.
const FORMAT_TAR: u8 = 3;

/// Encodes a whole `toc.dat`.
pub(crate) fn encode(header: &TocHeader, entries: &[TocEntry]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"PGDMP");
    out.extend_from_slice(&[1, header.version.minor(), 0]);
    out.extend_from_slice(&[4, 8, FORMAT_TAR]);
    match header.version {
        ArchiveVersion::V1_14 => put_int(
            &mut out,
            match header.compression {
                HeaderCompression::None => 0,
                HeaderCompression::Gzip { level } => level,
                // Not representable in 1.14 (the plan refuses them).
                HeaderCompression::Lz4 | HeaderCompression::Zstd => 0,
            },
        ),
        ArchiveVersion::V1_16 => out.push(match header.compression {
            HeaderCompression::None => 0,
            HeaderCompression::Gzip { .. } => 1,
            HeaderCompression::Lz4 => 2,
            HeaderCompression::Zstd => 3,
        }),
    }
    for field in header.created {
        put_int(&mut out, field);
    }
    put_str(&mut out, Some(&header.dbname));
    put_str(&mut out, Some(&header.server_version));
    put_str(&mut out, Some(&header.dumper_version));
    put_int(&mut out, len_i32(entries.len()));
    for e in entries {
        encode_entry(&mut out, header.version, e);
    }
    out
}

fn encode_entry(out: &mut Vec<u8>, version: ArchiveVersion, e: &TocEntry) {
    put_int(out, e.dump_id);
    put_int(out, i32::from(e.has_data));
    put_str(out, Some(&e.table_oid.to_string()));
    put_str(out, Some(&e.oid.to_string()));
    put_str(out, Some(&e.tag));
    put_str(out, Some(&e.desc));
    put_int(out, e.section.number());
    put_str(out, e.defn.as_deref());
    put_str(out, e.drop_stmt.as_deref());
    put_str(out, e.copy_stmt.as_deref());
    put_str(out, e.namespace.as_deref());
    put_str(out, e.tablespace.as_deref());
    put_str(out, e.table_am.as_deref());
    if version == ArchiveVersion::V1_16 {
        put_int(out, e.relkind.map_or(0, |k| k as i32));
    }
    put_str(out, e.owner.as_deref());
    // The old WITH OIDS flag.
    put_str(out, Some("false"));
    for dep in &e.deps {
        put_str(out, Some(&dep.to_string()));
    }
    put_str(out, None);
    put_str(out, Some(&e.file));
}

/// An int: a sign byte, then four bytes of the magnitude, little-endian.
fn put_int(out: &mut Vec<u8>, value: i32) {
    out.push(u8::from(value < 0));
    out.extend_from_slice(&value.unsigned_abs().to_le_bytes());
}

/// A string: its length as an int (-1 for NULL), then its bytes.
fn put_str(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        None => put_int(out, -1),
        Some(s) => {
            let bytes = text::to_bytes(s);
            put_int(out, len_i32(bytes.len()));
            out.extend_from_slice(&bytes);
        }
    }
}

/// A length as the archive's int (lengths beyond 2 GiB cannot be stored;
/// no catalog text comes near that).
fn len_i32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(version: ArchiveVersion) -> TocHeader {
        TocHeader {
            version,
            compression: HeaderCompression::None,
            created: [4, 16, 0, 5, 11, 126, 0],
            dbname: "t1".into(),
            server_version: "18.6".into(),
            dumper_version: "18.6".into(),
        }
    }

    #[test]
    fn ints_are_sign_and_magnitude() {
        let mut out = Vec::new();
        put_int(&mut out, 2573);
        put_int(&mut out, -1);
        assert_eq!(out, [0, 0x0d, 0x0a, 0, 0, 1, 1, 0, 0, 0]);
    }

    #[test]
    fn strings_are_bytes_of_byte_strings() {
        let mut out = Vec::new();
        put_str(&mut out, Some("\u{e9}"));
        put_str(&mut out, None);
        assert_eq!(out, [0, 1, 0, 0, 0, 0xe9, 1, 1, 0, 0, 0]);
    }

    #[test]
    fn header_layout_1_16() {
        let bytes = encode(&header(ArchiveVersion::V1_16), &[]);
        assert_eq!(&bytes[..12], b"PGDMP\x01\x10\x00\x04\x08\x03\x00");
        // 7 ints, 3 strings ("t1", "18.6", "18.6"), the entry count.
        assert_eq!(bytes.len(), 12 + 7 * 5 + (5 + 2) + 2 * (5 + 4) + 5);
    }

    #[test]
    fn header_layout_1_14_has_an_int_level() {
        let bytes = encode(&header(ArchiveVersion::V1_14), &[]);
        assert_eq!(
            &bytes[..16],
            b"PGDMP\x01\x0e\x00\x04\x08\x03\x00\x00\x00\x00\x00"
        );
    }

    #[test]
    fn compression_in_the_header() {
        let mut h = header(ArchiveVersion::V1_16);
        h.compression = HeaderCompression::Zstd;
        assert_eq!(encode(&h, &[])[11], 3);
        h.compression = HeaderCompression::Lz4;
        assert_eq!(encode(&h, &[])[11], 2);
        h.compression = HeaderCompression::Gzip { level: -1 };
        assert_eq!(encode(&h, &[])[11], 1);
        h.version = ArchiveVersion::V1_14;
        assert_eq!(&encode(&h, &[])[11..16], &[1, 1, 0, 0, 0]);
    }

    #[test]
    fn entry_fields_in_order() {
        let e = TocEntry {
            dump_id: 6,
            tag: "s".into(),
            desc: "SCHEMA".into(),
            section: TocSection::PreData,
            defn: Some("CREATE SCHEMA s;\n".into()),
            drop_stmt: Some("DROP SCHEMA s;\n".into()),
            owner: Some("postgres".into()),
            deps: vec![3],
            table_oid: 2615,
            oid: 16385,
            ..TocEntry::default()
        };
        let mut out = Vec::new();
        encode_entry(&mut out, ArchiveVersion::V1_16, &e);
        let mut want = Vec::new();
        put_int(&mut want, 6);
        put_int(&mut want, 0);
        put_str(&mut want, Some("2615"));
        put_str(&mut want, Some("16385"));
        put_str(&mut want, Some("s"));
        put_str(&mut want, Some("SCHEMA"));
        put_int(&mut want, 2);
        put_str(&mut want, Some("CREATE SCHEMA s;\n"));
        put_str(&mut want, Some("DROP SCHEMA s;\n"));
        for _ in 0..4 {
            put_str(&mut want, None);
        }
        put_int(&mut want, 0);
        put_str(&mut want, Some("postgres"));
        put_str(&mut want, Some("false"));
        put_str(&mut want, Some("3"));
        put_str(&mut want, None);
        put_str(&mut want, Some(""));
        assert_eq!(out, want);
    }
}
