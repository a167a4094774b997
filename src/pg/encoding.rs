//! Character boundaries of PostgreSQL's client encodings.
//!
//! Escaping a string literal byte by byte is wrong in encodings whose
//! multibyte characters may end in an ASCII byte: in SJIS, BIG5, GBK, UHC,
//! GB18030 and SHIFT_JIS_2004 the second byte of a character can be 0x5C
//! (a backslash) or another ASCII byte. Doubling such a byte splits the
//! character and lets the rest of the string escape its quotes, so pg_dump
//! copies each multibyte character whole, and replaces a malformed one by a
//! byte pair the server rejects. [`Encoding::char_len`] and
//! [`Encoding::valid_char`] give the same boundaries and validity the
//! server's encoding tables do.

/// How one encoding splits bytes into characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Encoding {
    /// Every single-byte encoding (SQL_ASCII, LATIN*, WIN*, KOI8*, ISO_8859_*).
    #[default]
    SingleByte,
    Utf8,
    /// EUC_JP, EUC_JIS_2004 (lead 0x8E: 2 bytes, 0x8F: 3).
    EucJp,
    EucKr,
    EucCn,
    EucTw,
    /// SJIS and SHIFT_JIS_2004.
    Sjis,
    Big5,
    Gbk,
    Uhc,
    Gb18030,
    Johab,
    MuleInternal,
}

/// Bytes the server refuses, written in place of a malformed character's
/// first byte (so the restore fails on it rather than reading past a quote).
const INVALID_UTF8: [u8; 2] = [0xC0, b' '];
const INVALID_OTHER: [u8; 2] = [0x8D, b' '];

fn high(b: u8) -> bool {
    b & 0x80 != 0
}

/// The EUC "G1" byte range.
fn euc_range(b: u8) -> bool {
    (0xA1..=0xFE).contains(&b)
}

impl Encoding {
    /// The encoding of a session, from its canonical name as
    /// `current_setting('client_encoding')` reports it. Names not listed
    /// are single-byte encodings.
    pub(crate) fn from_name(name: &str) -> Encoding {
        match name.to_ascii_uppercase().as_str() {
            "UTF8" | "UNICODE" => Encoding::Utf8,
            "EUC_JP" | "EUC_JIS_2004" => Encoding::EucJp,
            "EUC_KR" => Encoding::EucKr,
            "EUC_CN" => Encoding::EucCn,
            "EUC_TW" => Encoding::EucTw,
            "SJIS" | "SHIFT_JIS_2004" => Encoding::Sjis,
            "BIG5" => Encoding::Big5,
            "GBK" => Encoding::Gbk,
            "UHC" => Encoding::Uhc,
            "GB18030" => Encoding::Gb18030,
            "JOHAB" => Encoding::Johab,
            "MULE_INTERNAL" => Encoding::MuleInternal,
            _ => Encoding::SingleByte,
        }
    }

    /// The length the encoding gives the character starting at `s[0]`
    /// (`s` non-empty; the length may run past the end of `s`).
    pub(crate) fn char_len(self, s: &[u8]) -> usize {
        let c = s[0];
        if !high(c) && self != Encoding::MuleInternal {
            return 1;
        }
        match self {
            Encoding::SingleByte => 1,
            Encoding::Utf8 => match c {
                _ if c & 0xE0 == 0xC0 => 2,
                _ if c & 0xF0 == 0xE0 => 3,
                _ if c & 0xF8 == 0xF0 => 4,
                _ => 1,
            },
            Encoding::EucJp | Encoding::EucKr | Encoding::Johab => match c {
                0x8E => 2,
                0x8F => 3,
                _ => 2,
            },
            Encoding::EucTw => match c {
                0x8E => 4,
                0x8F => 3,
                _ => 2,
            },
            Encoding::EucCn | Encoding::Big5 | Encoding::Gbk | Encoding::Uhc => 2,
            Encoding::Sjis if (0xA1..=0xDF).contains(&c) => 1,
            Encoding::Sjis => 2,
            Encoding::Gb18030 => match s.get(1) {
                Some(b'0'..=b'9') => 4,
                _ => 2,
            },
            Encoding::MuleInternal => match c {
                0x81..=0x8D => 2,
                // Official two-byte charsets, and private one-byte ones.
                0x90..=0x9B => 3,
                0x9C | 0x9D => 4,
                _ => 1,
            },
        }
    }

    /// Whether `ch` (exactly one character's bytes, `char_len` long) is a
    /// well-formed character of the encoding.
    pub(crate) fn valid_char(self, ch: &[u8]) -> bool {
        let (first, rest) = match ch.split_first() {
            Some(split) => split,
            None => return false,
        };
        if ch.len() == 1 {
            // A lone high-bit byte is a character of its own in SJIS
            // (half-width katakana) and MULE_INTERNAL, never in UTF8.
            return *first != 0 && !(self == Encoding::Utf8 && high(*first));
        }
        match self {
            Encoding::SingleByte => false,
            Encoding::Utf8 => std::str::from_utf8(ch).is_ok(),
            Encoding::EucJp => match *first {
                0x8E => (0xA1..=0xDF).contains(&rest[0]),
                0x8F => rest.iter().all(|&b| euc_range(b)),
                _ => euc_range(*first) && euc_range(rest[0]),
            },
            Encoding::EucKr | Encoding::EucCn => euc_range(*first) && euc_range(rest[0]),
            // JOHAB's lead byte is not checked, only the ones after it.
            Encoding::Johab => rest.iter().all(|&b| euc_range(b)),
            Encoding::EucTw => match *first {
                0x8E => (0xA1..=0xA7).contains(&rest[0]) && rest[1..].iter().all(|&b| euc_range(b)),
                0x8F => rest.iter().all(|&b| euc_range(b)),
                _ => euc_range(*first) && euc_range(rest[0]),
            },
            Encoding::Sjis => {
                let head = matches!(*first, 0x81..=0x9F | 0xE0..=0xFC);
                let tail = matches!(rest[0], 0x40..=0x7E | 0x80..=0xFC);
                head && tail
            }
            Encoding::Big5 | Encoding::Gbk | Encoding::Uhc => rest.iter().all(|&b| b != 0),
            Encoding::Gb18030 => gb18030_valid(ch),
            Encoding::MuleInternal => rest.iter().all(|&b| high(b)),
        }
    }

    /// The replacement for a malformed character's first byte.
    pub(crate) fn invalid_marker(self) -> &'static [u8; 2] {
        if self == Encoding::Utf8 {
            &INVALID_UTF8
        } else {
            &INVALID_OTHER
        }
    }
}

fn gb18030_valid(ch: &[u8]) -> bool {
    let lead = (0x81..=0xFE).contains(&ch[0]);
    match ch.len() {
        4 => {
            lead && ch[1].is_ascii_digit()
                && (0x81..=0xFE).contains(&ch[2])
                && ch[3].is_ascii_digit()
        }
        2 => lead && matches!(ch[1], 0x40..=0x7E | 0x80..=0xFE),
        _ => false,
    }
}

/// One step of [`pieces`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// A single ASCII byte.
    Ascii(u8),
    /// A well-formed multibyte character.
    Char(&'a [u8]),
    /// The first byte of a malformed character; the bytes after it are
    /// read as if it were not there.
    Invalid,
}

/// `text` (raw bytes) split into the characters of `encoding`.
pub(crate) fn pieces(encoding: Encoding, text: &[u8]) -> impl Iterator<Item = Piece<'_>> {
    let mut i = 0;
    std::iter::from_fn(move || {
        let b = *text.get(i)?;
        if !high(b) {
            i += 1;
            return Some(Piece::Ascii(b));
        }
        let len = encoding.char_len(&text[i..]);
        match text.get(i..i + len) {
            Some(ch) if encoding.valid_char(ch) => {
                i += len;
                Some(Piece::Char(ch))
            }
            _ => {
                i += 1;
                Some(Piece::Invalid)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_their_rules() {
        assert_eq!(Encoding::from_name("UTF8"), Encoding::Utf8);
        assert_eq!(Encoding::from_name("sjis"), Encoding::Sjis);
        assert_eq!(Encoding::from_name("SHIFT_JIS_2004"), Encoding::Sjis);
        assert_eq!(Encoding::from_name("LATIN1"), Encoding::SingleByte);
        assert_eq!(Encoding::from_name("SQL_ASCII"), Encoding::SingleByte);
    }

    #[test]
    fn trailing_backslash_stays_inside_its_character() {
        // 表 is 0x95 0x5C in SJIS; 功 is 0xA5 0x5C in BIG5; 乗 0x81 0x5C in GBK.
        for (enc, ch) in [
            (Encoding::Sjis, [0x95u8, 0x5C]),
            (Encoding::Big5, [0xA5, 0x5C]),
            (Encoding::Gbk, [0x81, 0x5C]),
            (Encoding::Uhc, [0x81, 0x5C]),
            (Encoding::Gb18030, [0x81, 0x5C]),
        ] {
            assert_eq!(enc.char_len(&ch), 2, "{enc:?}");
            assert!(enc.valid_char(&ch), "{enc:?}");
        }
        // Half-width katakana are single bytes in SJIS.
        assert_eq!(Encoding::Sjis.char_len(&[0xB1, 0x5C]), 1);
    }

    #[test]
    fn gb18030_four_byte_characters() {
        let ch = [0x81, 0x30, 0x81, 0x30];
        assert_eq!(Encoding::Gb18030.char_len(&ch), 4);
        assert!(Encoding::Gb18030.valid_char(&ch));
        assert!(!Encoding::Gb18030.valid_char(&[0x81, 0x30, 0x20, 0x30]));
    }

    #[test]
    fn malformed_characters_are_reported_byte_by_byte() {
        let seen: Vec<Piece> = pieces(Encoding::Utf8, b"a\xC3\xA9\xFF'\xE2\x82").collect();
        assert_eq!(
            seen,
            [
                Piece::Ascii(b'a'),
                Piece::Char("é".as_bytes()),
                Piece::Invalid,
                Piece::Ascii(b'\''),
                Piece::Invalid,
                Piece::Invalid,
            ]
        );
    }

    #[test]
    fn utf8_rejects_overlong_and_surrogates() {
        assert!(!Encoding::Utf8.valid_char(&[0xC0, 0xAF]));
        assert!(!Encoding::Utf8.valid_char(&[0xED, 0xA0, 0x80]));
        assert!(Encoding::Utf8.valid_char("é".as_bytes()));
    }
}
