//! pg_dump's `-Z`/`--compress=METHOD[:DETAIL]` syntax, with its error
//! words (checked against pg_dump 18.6 by running it):
//!
//! - a bare integer is the old form: `0` means none, anything else gzip at
//!   that level (`-Z 5`, `-Z -1`);
//! - otherwise `METHOD` alone or `METHOD:DETAIL`, where METHOD is one of
//!   `none`, `gzip`, `lz4`, `zstd` (case matters) and DETAIL is a bare
//!   level or comma-separated `level=N`, `workers=N`, `long[=BOOL]`;
//! - the level must lie in the method's range unless it is the method's
//!   default (gzip 1..9, default -1; lz4 1..12, default 0; zstd
//!   -131072..22, default 3; none takes no level);
//! - only zstd takes `workers` and `long`; `workers` is accepted and
//!   ignored with a warning, as pg_dump does.
//!
//! Numbers are read as C's strtol reads them (leading white space and a
//! sign allowed, out-of-range values clamped) and then narrowed to a C int
//! as pg_dump narrows them, so that every string pg_dump accepts we
//! accept with the same meaning.

use thiserror::Error;

/// A compression method, with the byte pg_dump writes for it in an archive
/// header (version 1.15 and later).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Method {
    None,
    Gzip,
    Lz4,
    Zstd,
}

impl Method {
    /// The name pg_dump's `-Z` accepts and its messages print.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Method::None => "none",
            Method::Gzip => "gzip",
            Method::Lz4 => "lz4",
            Method::Zstd => "zstd",
        }
    }

    fn from_name(name: &str) -> Option<Method> {
        [Method::None, Method::Gzip, Method::Lz4, Method::Zstd]
            .into_iter()
            .find(|m| m.name() == name)
    }

    /// The suffix pg_dump's directory format gives a data file written
    /// with this method (`1234.dat.gz`); plain output gets none.
    pub(crate) fn suffix(self) -> &'static str {
        match self {
            Method::None => "",
            Method::Gzip => ".gz",
            Method::Lz4 => ".lz4",
            Method::Zstd => ".zst",
        }
    }

    /// The method a data file's name says it was written with.
    pub(crate) fn from_file_name(name: &str) -> Method {
        [Method::Gzip, Method::Lz4, Method::Zstd]
            .into_iter()
            .find(|m| name.ends_with(m.suffix()))
            .unwrap_or(Method::None)
    }

    /// The algorithm byte of an archive header (version 1.15 and later).
    pub(crate) fn header_code(self) -> u8 {
        match self {
            Method::None => 0,
            Method::Gzip => 1,
            Method::Lz4 => 2,
            Method::Zstd => 3,
        }
    }

    /// The method of a 1.15+ header's algorithm byte.
    pub(crate) fn from_header_code(code: u8) -> Option<Method> {
        [Method::None, Method::Gzip, Method::Lz4, Method::Zstd]
            .into_iter()
            .find(|m| m.header_code() == code)
    }

    /// The level used when none is given, and the one accepted even when
    /// it lies outside [`Self::level_range`].
    pub(crate) fn default_level(self) -> i32 {
        match self {
            Method::None | Method::Lz4 => 0,
            Method::Gzip => -1,
            Method::Zstd => 3,
        }
    }

    /// The levels an explicit `level` may take.
    fn level_range(self) -> (i32, i32) {
        match self {
            // none takes no level at all; its own check comes first.
            Method::None => (1, 1),
            Method::Gzip => (1, 9),
            Method::Lz4 => (1, 12),
            Method::Zstd => (-131072, 22),
        }
    }
}

/// A parsed and checked `-Z` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Compression {
    pub(crate) method: Method,
    /// The level as given, or the method's default (gzip -1: zlib's
    /// default, 6; zstd 3; lz4 0: its fast mode).
    pub(crate) level: i32,
    /// zstd's long-distance mode (`long`).
    pub(crate) long_distance: bool,
    /// `workers=N` was given: accepted, ignored, warned about.
    pub(crate) workers_given: bool,
}

impl Compression {
    /// No compression.
    pub(crate) const NONE: Compression = Compression {
        method: Method::None,
        level: 0,
        long_distance: false,
        workers_given: false,
    };

    /// `method` at its default level.
    pub(crate) fn default_for(method: Method) -> Compression {
        Compression {
            method,
            level: method.default_level(),
            long_distance: false,
            workers_given: false,
        }
    }

    /// Warnings pg_dump prints for an accepted value (without the program
    /// name and level word).
    pub(crate) fn warnings(&self) -> Vec<String> {
        if self.workers_given {
            vec![format!(
                "compression option \"workers\" is not currently supported by {}",
                crate::diag::program()
            )]
        } else {
            Vec::new()
        }
    }
}

/// A `-Z` value pg_dump would reject, worded as pg_dump words it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum SpecError {
    #[error("unrecognized compression algorithm: \"{name}\"")]
    UnknownMethod { name: String },
    #[error("invalid compression specification: {detail}")]
    Invalid { detail: String },
}

/// Parses a `-Z`/`--compress` value.
pub(crate) fn parse(value: &str) -> Result<Compression, SpecError> {
    let (method_name, detail) = split_method(value);
    let method = Method::from_name(method_name).ok_or_else(|| SpecError::UnknownMethod {
        name: method_name.to_string(),
    })?;
    let (spec, long_named) =
        parse_detail(method, detail).map_err(|detail| SpecError::Invalid { detail })?;
    check(&spec, long_named).map_err(|detail| SpecError::Invalid { detail })?;
    Ok(spec)
}

/// Splits a value into its method name and detail. A whole-string
/// integer is the pre-16 form (an empty string reads as 0, as strtol
/// reads it): 0 is `none`, anything else `gzip` with the integer as its
/// detail.
fn split_method(value: &str) -> (&str, Option<&str>) {
    match strtol(value) {
        Some((n, "")) => {
            if n == 0 {
                ("none", None)
            } else {
                ("gzip", Some(value))
            }
        }
        None if value.is_empty() => ("none", None),
        _ => match value.split_once(':') {
            Some((method, detail)) => (method, Some(detail)),
            None => (value, None),
        },
    }
}

/// What a detail string says, before the range checks; with whether
/// `long` was named at all (`long=0` too counts as asking for a mode only
/// zstd has).
fn parse_detail(method: Method, detail: Option<&str>) -> Result<(Compression, bool), String> {
    let mut spec = Compression::default_for(method);
    let mut long_named = false;
    let Some(detail) = detail else {
        return Ok((spec, long_named));
    };
    if let Some((level, "")) = strtol(detail) {
        spec.level = c_int(level);
        return Ok((spec, long_named));
    }
    for entry in detail.split(',') {
        let (keyword, value) = match entry.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (entry, None),
        };
        match keyword {
            "" => return Err("found empty string where a compression option was expected".into()),
            "level" => spec.level = integer_value(keyword, value)?,
            "workers" => {
                integer_value(keyword, value)?;
                spec.workers_given = true;
            }
            "long" => {
                spec.long_distance = boolean_value(keyword, value)?;
                long_named = true;
            }
            other => return Err(format!("unrecognized compression option: \"{other}\"")),
        }
    }
    Ok((spec, long_named))
}

fn integer_value(keyword: &str, value: Option<&str>) -> Result<i32, String> {
    let value =
        value.ok_or_else(|| format!("compression option \"{keyword}\" requires a value"))?;
    match strtol(value) {
        Some((n, "")) => Ok(c_int(n)),
        _ => Err(format!(
            "value for compression option \"{keyword}\" must be an integer"
        )),
    }
}

fn boolean_value(keyword: &str, value: Option<&str>) -> Result<bool, String> {
    let Some(value) = value else {
        return Ok(true);
    };
    let lower = value.to_ascii_lowercase();
    match lower.as_str() {
        "yes" | "on" | "1" => Ok(true),
        "no" | "off" | "0" => Ok(false),
        _ => Err(format!(
            "value for compression option \"{keyword}\" must be a Boolean value"
        )),
    }
}

/// The checks pg_dump makes once a specification has parsed.
fn check(spec: &Compression, long_named: bool) -> Result<(), String> {
    let method = spec.method;
    if method == Method::None && spec.level != 0 {
        return Err(format!(
            "compression algorithm \"{}\" does not accept a compression level",
            method.name()
        ));
    }
    let (min, max) = method.level_range();
    let default = method.default_level();
    if (spec.level < min || spec.level > max) && spec.level != default {
        return Err(format!(
            "compression algorithm \"{}\" expects a compression level between {min} and {max} (default at {default})",
            method.name()
        ));
    }
    if spec.workers_given && method != Method::Zstd {
        return Err(format!(
            "compression algorithm \"{}\" does not accept a worker count",
            method.name()
        ));
    }
    if long_named && method != Method::Zstd {
        return Err(format!(
            "compression algorithm \"{}\" does not support long-distance mode",
            method.name()
        ));
    }
    Ok(())
}

/// C's strtol in base 10 on a 64-bit long: leading white space, an
/// optional sign, digits (clamped to the i64 range). Returns the number
/// and what follows it, or None when there are no digits.
fn strtol(s: &str) -> Option<(i64, &str)> {
    let body = s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (negative, digits_start) = match body.as_bytes().first() {
        Some(b'-') => (true, &body[1..]),
        Some(b'+') => (false, &body[1..]),
        _ => (false, body),
    };
    let len = digits_start.bytes().take_while(u8::is_ascii_digit).count();
    if len == 0 {
        return None;
    }
    let mut n: i64 = 0;
    for d in digits_start[..len].bytes() {
        let d = i64::from(d - b'0');
        n = if negative {
            n.saturating_mul(10).saturating_sub(d)
        } else {
            n.saturating_mul(10).saturating_add(d)
        };
    }
    Some((n, &digits_start[len..]))
}

/// A long narrowed to a C int as pg_dump stores it (two's complement
/// wrap-around).
fn c_int(n: i64) -> i32 {
    n as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(value: &str) -> Compression {
        parse(value).unwrap_or_else(|e| panic!("{value:?}: {e}"))
    }

    fn err(value: &str) -> String {
        parse(value).expect_err(value).to_string()
    }

    #[test]
    fn bare_integers_are_the_old_form() {
        assert_eq!(ok("0"), Compression::NONE);
        assert_eq!(ok(""), Compression::NONE);
        assert_eq!(ok("-0").method, Method::None);
        let five = ok("5");
        assert_eq!((five.method, five.level), (Method::Gzip, 5));
        assert_eq!(ok("-1").level, -1);
        assert_eq!(ok(" 5").level, 5);
        assert_eq!(ok("+9").level, 9);
        // strtol clamps to LONG_MAX, which pg_dump's int holds as -1: the
        // gzip default.
        assert_eq!(ok("99999999999999999999").level, -1);
        assert_eq!(
            err("10"),
            "invalid compression specification: compression algorithm \"gzip\" expects a compression level between 1 and 9 (default at -1)"
        );
        assert_eq!(err("5x"), "unrecognized compression algorithm: \"5x\"");
        assert_eq!(err(" "), "unrecognized compression algorithm: \" \"");
    }

    #[test]
    fn methods_and_details() {
        assert_eq!(ok("gzip"), Compression::default_for(Method::Gzip));
        assert_eq!(ok("gzip:9").level, 9);
        assert_eq!(ok("gzip:level=3").level, 3);
        assert_eq!(ok("gzip: 3").level, 3);
        assert_eq!(ok("gzip:-1").level, -1);
        assert_eq!(ok("gzip:level=5,level=6").level, 6);
        assert_eq!(ok("lz4").level, 0);
        assert_eq!(ok("lz4:0").level, 0);
        assert_eq!(ok("lz4:12").level, 12);
        assert_eq!(ok("lz4:1").level, 1);
        assert_eq!(ok("none"), Compression::NONE);
        assert_eq!(ok("none:0"), Compression::NONE);
        let z = ok("zstd:level=3,long");
        assert_eq!(
            (z.method, z.level, z.long_distance),
            (Method::Zstd, 3, true)
        );
        assert!(!ok("zstd:long=0").long_distance);
        assert!(ok("zstd:long=1").long_distance);
        assert_eq!(ok("zstd:level=-7").level, -7);
        for yes in ["yes", "on", "1", "YES", "On"] {
            assert!(ok(&format!("zstd:long={yes}")).long_distance, "{yes}");
        }
        for no in ["no", "off", "0", "OFF"] {
            assert!(!ok(&format!("zstd:long={no}")).long_distance, "{no}");
        }
        let w = ok("zstd:workers=2");
        assert!(w.workers_given);
        assert_eq!(w.warnings().len(), 1);
        assert!(ok("zstd").warnings().is_empty());
    }

    #[test]
    fn errors_are_worded_as_pg_dump_words_them() {
        let cases = [
            ("foo", "unrecognized compression algorithm: \"foo\""),
            ("GZIP", "unrecognized compression algorithm: \"GZIP\""),
            (":3", "unrecognized compression algorithm: \"\""),
            ("gzip:10", "invalid compression specification: compression algorithm \"gzip\" expects a compression level between 1 and 9 (default at -1)"),
            ("gzip:0", "invalid compression specification: compression algorithm \"gzip\" expects a compression level between 1 and 9 (default at -1)"),
            ("zstd:level=23", "invalid compression specification: compression algorithm \"zstd\" expects a compression level between -131072 and 22 (default at 3)"),
            ("zstd:level=-200000", "invalid compression specification: compression algorithm \"zstd\" expects a compression level between -131072 and 22 (default at 3)"),
            ("zstd:99999999999", "invalid compression specification: compression algorithm \"zstd\" expects a compression level between -131072 and 22 (default at 3)"),
            ("lz4:level=13", "invalid compression specification: compression algorithm \"lz4\" expects a compression level between 1 and 12 (default at 0)"),
            ("lz4:long", "invalid compression specification: compression algorithm \"lz4\" does not support long-distance mode"),
            ("gzip:long", "invalid compression specification: compression algorithm \"gzip\" does not support long-distance mode"),
            ("none:1", "invalid compression specification: compression algorithm \"none\" does not accept a compression level"),
            ("gzip:", "invalid compression specification: found empty string where a compression option was expected"),
            ("zstd:level=3,", "invalid compression specification: found empty string where a compression option was expected"),
            ("gzip:=3", "invalid compression specification: found empty string where a compression option was expected"),
            ("gzip:foo", "invalid compression specification: unrecognized compression option: \"foo\""),
            ("gzip:level=x", "invalid compression specification: value for compression option \"level\" must be an integer"),
            ("gzip:level=", "invalid compression specification: value for compression option \"level\" must be an integer"),
            ("gzip:level=3x", "invalid compression specification: value for compression option \"level\" must be an integer"),
            ("gzip:level", "invalid compression specification: compression option \"level\" requires a value"),
            ("zstd:workers", "invalid compression specification: compression option \"workers\" requires a value"),
            ("gzip:workers=1", "invalid compression specification: compression algorithm \"gzip\" does not accept a worker count"),
            ("zstd:long=2", "invalid compression specification: value for compression option \"long\" must be a Boolean value"),
            ("zstd:long=true", "invalid compression specification: value for compression option \"long\" must be a Boolean value"),
            ("gzip:level=10,long", "invalid compression specification: compression algorithm \"gzip\" expects a compression level between 1 and 9 (default at -1)"),
            ("gzip:long,workers=1", "invalid compression specification: compression algorithm \"gzip\" does not accept a worker count"),
            ("lz4:long=0", "invalid compression specification: compression algorithm \"lz4\" does not support long-distance mode"),
            ("gzip:foo,level=99", "invalid compression specification: unrecognized compression option: \"foo\""),
            ("zstd:long=of", "invalid compression specification: value for compression option \"long\" must be a Boolean value"),
        ];
        for (value, message) in cases {
            assert_eq!(err(value), message, "{value:?}");
        }
    }

    #[test]
    fn suffixes_and_header_codes() {
        for m in [Method::None, Method::Gzip, Method::Lz4, Method::Zstd] {
            assert_eq!(Method::from_header_code(m.header_code()), Some(m));
            assert_eq!(Method::from_file_name(&format!("3.dat{}", m.suffix())), m);
        }
        assert_eq!(Method::Zstd.suffix(), ".zst");
        assert_eq!(Method::from_header_code(4), None);
    }
}
