//! A reader of a directory archive's `toc.dat` (archive versions 1.12 to
//! 1.16, as pg_dump 14-18 and our writer produce them): the header, every
//! entry's fields, and the data file each entry names. It checks the
//! container, not the SQL.

use thiserror::Error;

/// The oldest and newest archive minor versions read (1.12: separate
/// BLOB entries, the oldest pg_dump 14 can be compared with; 1.16: pg_dump
/// 17 and 18).
const MIN_MINOR: u8 = 12;
const MAX_MINOR: u8 = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) major: u8,
    pub(crate) minor: u8,
    pub(crate) revision: u8,
    /// 1.15+: the algorithm byte; before: None (the header holds a zlib
    /// level, `level`).
    pub(crate) algorithm: Option<u8>,
    pub(crate) level: Option<i32>,
    pub(crate) dbname: Vec<u8>,
    pub(crate) server_version: Vec<u8>,
    pub(crate) dumper_version: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) dump_id: i32,
    pub(crate) has_data: bool,
    pub(crate) tag: Vec<u8>,
    pub(crate) desc: Vec<u8>,
    pub(crate) section: i32,
    pub(crate) copy_stmt: Option<Vec<u8>>,
    pub(crate) deps: Vec<i32>,
    /// The data file the entry names ("" or None: no data file).
    pub(crate) file: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Toc {
    pub(crate) header: Header,
    pub(crate) entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum TocError {
    #[error("not a pg_dump archive (no PGDMP magic)")]
    Magic,
    #[error("unsupported archive version {major}.{minor}")]
    Version { major: u8, minor: u8 },
    #[error("unsupported integer size {0} (expected 4) or offset size")]
    Sizes(u8),
    #[error("format byte {0} is not a directory archive's toc.dat (3)")]
    Format(u8),
    #[error("truncated at byte {at} while reading {what}")]
    Truncated { at: usize, what: &'static str },
    #[error("bad {what} at byte {at}")]
    Bad { at: usize, what: &'static str },
    #[error("{extra} bytes after the last entry")]
    Trailing { extra: usize },
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
    int_size: usize,
}

impl Cursor<'_> {
    fn byte(&mut self, what: &'static str) -> Result<u8, TocError> {
        let b = *self
            .bytes
            .get(self.at)
            .ok_or(TocError::Truncated { at: self.at, what })?;
        self.at += 1;
        Ok(b)
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&[u8], TocError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or(TocError::Truncated { at: self.at, what })?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    /// pg_dump's int: a sign byte, then the magnitude little-endian.
    fn int(&mut self, what: &'static str) -> Result<i32, TocError> {
        let start = self.at;
        let sign = self.byte(what)?;
        let digits = self.take(self.int_size, what)?;
        let magnitude = digits
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        let value = i32::try_from(magnitude).map_err(|_| TocError::Bad { at: start, what })?;
        match sign {
            0 => Ok(value),
            1 => Ok(-value),
            _ => Err(TocError::Bad { at: start, what }),
        }
    }

    /// A string: an int length (-1: NULL), then the bytes.
    fn string(&mut self, what: &'static str) -> Result<Option<Vec<u8>>, TocError> {
        let start = self.at;
        match self.int(what)? {
            -1 => Ok(None),
            n if n < 0 => Err(TocError::Bad { at: start, what }),
            n => Ok(Some(self.take(n as usize, what)?.to_vec())),
        }
    }
}

/// Parses a whole `toc.dat`.
pub(crate) fn parse(bytes: &[u8]) -> Result<Toc, TocError> {
    let mut c = Cursor {
        bytes,
        at: 0,
        int_size: 4,
    };
    let header = header(&mut c)?;
    let count = c.int("entry count")?;
    if count < 0 {
        return Err(TocError::Bad {
            at: c.at,
            what: "entry count",
        });
    }
    let mut entries = Vec::with_capacity(count.min(100_000) as usize);
    for _ in 0..count {
        entries.push(entry(&mut c, header.minor)?);
    }
    if c.at != bytes.len() {
        return Err(TocError::Trailing {
            extra: bytes.len() - c.at,
        });
    }
    Ok(Toc { header, entries })
}

fn header(c: &mut Cursor) -> Result<Header, TocError> {
    if c.take(5, "magic").ok() != Some(&b"PGDMP"[..]) {
        return Err(TocError::Magic);
    }
    let (major, minor, revision) = (c.byte("version")?, c.byte("version")?, c.byte("version")?);
    if major != 1 || !(MIN_MINOR..=MAX_MINOR).contains(&minor) {
        return Err(TocError::Version { major, minor });
    }
    let int_size = c.byte("integer size")?;
    let off_size = c.byte("offset size")?;
    if int_size != 4 || off_size != 8 {
        return Err(TocError::Sizes(int_size));
    }
    let format = c.byte("format")?;
    if format != 3 {
        return Err(TocError::Format(format));
    }
    let (algorithm, level) = if minor >= 15 {
        (Some(c.byte("compression")?), None)
    } else {
        (None, Some(c.int("compression level")?))
    };
    for _ in 0..7 {
        c.int("creation time")?;
    }
    let mut text = |what| c.string(what).map(Option::unwrap_or_default);
    Ok(Header {
        major,
        minor,
        revision,
        algorithm,
        level,
        dbname: text("database name")?,
        server_version: text("server version")?,
        dumper_version: text("pg_dump version")?,
    })
}

fn entry(c: &mut Cursor, minor: u8) -> Result<Entry, TocError> {
    let dump_id = c.int("dump id")?;
    let has_data = c.int("data flag")? != 0;
    c.string("table oid")?;
    c.string("oid")?;
    let tag = c.string("tag")?.unwrap_or_default();
    let desc = c.string("desc")?.unwrap_or_default();
    let section = c.int("section")?;
    if !(1..=4).contains(&section) {
        return Err(TocError::Bad {
            at: c.at,
            what: "section",
        });
    }
    c.string("definition")?;
    c.string("drop statement")?;
    let copy_stmt = c.string("copy statement")?;
    c.string("namespace")?;
    c.string("tablespace")?;
    if minor >= 14 {
        c.string("table access method")?;
    }
    if minor >= 16 {
        c.int("relkind")?;
    }
    c.string("owner")?;
    c.string("with-oids flag")?;
    let mut deps = Vec::new();
    while let Some(dep) = c.string("dependency")? {
        let at = c.at;
        let id = std::str::from_utf8(&dep)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or(TocError::Bad {
                at,
                what: "dependency",
            })?;
        deps.push(id);
    }
    let file = c.string("file name")?;
    Ok(Entry {
        dump_id,
        has_data,
        tag,
        desc,
        section,
        copy_stmt,
        deps,
        file: file.filter(|f| !f.is_empty()),
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// toc.dat's integer: a sign byte, then the magnitude (little endian).
    pub(in crate::verify) fn int(out: &mut Vec<u8>, v: i32) {
        out.push(u8::from(v < 0));
        out.extend_from_slice(&v.unsigned_abs().to_le_bytes());
    }

    /// toc.dat's string: its length (-1 for none), then its bytes.
    pub(in crate::verify) fn string(out: &mut Vec<u8>, v: Option<&str>) {
        match v {
            None => int(out, -1),
            Some(s) => {
                int(out, s.len() as i32);
                out.extend_from_slice(s.as_bytes());
            }
        }
    }

    /// A minimal archive: one TABLE DATA entry of the given version.
    fn archive(minor: u8) -> Vec<u8> {
        let mut b = b"PGDMP".to_vec();
        b.extend_from_slice(&[1, minor, 0, 4, 8, 3]);
        if minor >= 15 {
            b.push(1);
        } else {
            int(&mut b, -1);
        }
        for v in [1, 2, 3, 4, 5, 126, 0] {
            int(&mut b, v);
        }
        for s in ["db", "18.6", "18.6"] {
            string(&mut b, Some(s));
        }
        int(&mut b, 1);
        int(&mut b, 7);
        int(&mut b, 1);
        for s in [Some("0"), Some("0"), Some("t"), Some("TABLE DATA")] {
            string(&mut b, s);
        }
        int(&mut b, 3);
        for s in [
            Some(""),
            Some(""),
            Some("COPY t FROM stdin;\n"),
            Some("public"),
            None,
        ] {
            string(&mut b, s);
        }
        if minor >= 14 {
            string(&mut b, None);
        }
        if minor >= 16 {
            int(&mut b, 0);
        }
        for s in [Some("owner"), Some("false"), Some("5"), None, Some("7.dat")] {
            string(&mut b, s);
        }
        b
    }

    #[test]
    fn every_supported_version_parses() {
        for minor in 12..=16 {
            let toc = parse(&archive(minor)).unwrap();
            assert_eq!(toc.header.minor, minor);
            assert_eq!(toc.header.dbname, b"db");
            let e = &toc.entries[0];
            assert_eq!((e.dump_id, e.has_data, e.section), (7, true, 3));
            assert_eq!(e.desc, b"TABLE DATA");
            assert_eq!(e.deps, [5]);
            assert_eq!(e.file.as_deref(), Some(&b"7.dat"[..]));
        }
    }

    #[test]
    fn damage_is_reported() {
        let good = archive(16);
        assert_eq!(
            parse(&good[..good.len() - 3])
                .unwrap_err()
                .to_string()
                .split(" at")
                .next(),
            Some("truncated")
        );
        let mut extra = good.clone();
        extra.push(0);
        assert_eq!(parse(&extra).unwrap_err(), TocError::Trailing { extra: 1 });
        assert_eq!(parse(b"PGDMQ").unwrap_err(), TocError::Magic);
        let mut v = good.clone();
        v[6] = 17;
        assert_eq!(
            parse(&v).unwrap_err(),
            TocError::Version {
                major: 1,
                minor: 17
            }
        );
    }
}
