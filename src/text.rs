//! How PostgreSQL text is held in this crate.
//!
//! pg_dumpall writes every section in the encoding of its session (the
//! database's own encoding, `-E`, or `PGCLIENTENCODING`), and a SQL_ASCII
//! database may hold any bytes at all. To reproduce that byte for byte, every
//! catalog string is read as the raw bytes of the session's client encoding
//! and kept as a *byte string*: a Rust `String` whose chars are all in
//! U+0000..=U+00FF, one char per byte. ASCII stays ASCII, so quoting rules and
//! `format!` work unchanged, byte order equals char order (strcmp order), and
//! [`to_bytes`] restores the exact bytes when the text is written out.
//!
//! Text that comes from the command line (role names, patterns) is converted
//! the same way from the raw OS bytes, as pg_dumpall passes argv bytes on.

use bytes::BufMut;
use postgres_types::{FromSql, IsNull, ToSql, Type};
use std::error::Error;

/// Converts raw bytes into a byte string.
pub(crate) fn from_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| b as char).collect()
}

/// Converts a byte string back into its raw bytes.
///
/// Chars above U+00FF cannot occur in a byte string; if one does (a bug),
/// it is written as its UTF-8 encoding rather than silently truncated.
pub(crate) fn to_bytes(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        let code = c as u32;
        if code <= 0xFF {
            out.push(code as u8);
        } else {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    out
}

/// Converts an OS string (argv, environment) into a byte string.
pub(crate) fn from_os(s: &std::ffi::OsStr) -> String {
    use std::os::unix::ffi::OsStrExt;
    from_bytes(s.as_bytes())
}

/// Renders a byte string for a human (stderr): valid UTF-8 is shown as such.
pub(crate) fn display(text: &str) -> String {
    String::from_utf8_lossy(&to_bytes(text)).into_owned()
}

/// A text-like value read or sent as raw bytes of the session's client
/// encoding, whatever its SQL type (text, name, varchar, char, "char", ...).
/// Reading it as `String` would require valid UTF-8, which a LATIN1 or
/// SQL_ASCII section is not.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Raw(pub String);

impl<'a> FromSql<'a> for Raw {
    fn from_sql(_ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        Ok(Raw(from_bytes(raw)))
    }
    fn accepts(ty: &Type) -> bool {
        // Binary output of these types is exactly the text bytes.
        matches!(
            *ty,
            Type::TEXT | Type::NAME | Type::VARCHAR | Type::BPCHAR | Type::CHAR | Type::UNKNOWN
        ) || ty.name() == "citext"
    }
}

impl ToSql for Raw {
    fn to_sql(
        &self,
        _ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        out.put_slice(&to_bytes(&self.0));
        Ok(IsNull::No)
    }
    fn accepts(ty: &Type) -> bool {
        matches!(
            *ty,
            Type::TEXT | Type::NAME | Type::VARCHAR | Type::BPCHAR | Type::UNKNOWN
        )
    }
    postgres_types::to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_byte() {
        let all: Vec<u8> = (0..=255u8).collect();
        assert_eq!(to_bytes(&from_bytes(&all)), all);
    }

    #[test]
    fn byte_order_is_char_order() {
        let a = from_bytes(b"caf\xe9");
        let b = from_bytes(b"cafe");
        assert!(b < a);
    }

    #[test]
    fn display_shows_utf8() {
        assert_eq!(display(&from_bytes("café".as_bytes())), "café");
    }
}
