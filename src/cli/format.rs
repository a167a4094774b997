//! `-F/--format` and `--archive-version`: reading them, and pg_dump's
//! checks of the options that go with an archive format.

use super::Options;
use crate::text;

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Plain,
    Directory,
}

/// The archive versions `--archive-version` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    V1_14,
    V1_16,
}

/// Reads `-F`'s value as pg_dump does (either spelling, any case).
pub(crate) fn format(o: &Options) -> Result<Format, String> {
    let Some(given) = &o.format else {
        return Ok(Format::Plain);
    };
    match given.to_ascii_lowercase().as_str() {
        "p" | "plain" => Ok(Format::Plain),
        "d" | "directory" => Ok(Format::Directory),
        _ => Err(format!(
            "invalid output format \"{}\" specified",
            text::display(given)
        )),
    }
}

/// Reads `--archive-version` (1.16 by default).
pub(crate) fn archive_version(o: &Options) -> Result<Version, String> {
    match o.archive_version.as_deref() {
        None | Some("1.16") => Ok(Version::V1_16),
        Some("1.14") => Ok(Version::V1_14),
        Some(other) => Err(format!(
            "invalid archive version \"{}\" specified (1.14 or 1.16)",
            text::display(other)
        )),
    }
}

/// The checks pg_dump makes of an archive format's options, in its
/// words; returns the error line's message. (`--restrict-key` is allowed:
/// it sets globals.sql's key.)
pub(crate) fn check(o: &Options) -> Result<(), String> {
    let format = format(o)?;
    archive_version(o)?;
    if format == Format::Plain {
        if o.archive_version.is_some() {
            return Err("option --archive-version requires --format=directory".into());
        }
        return Ok(());
    }
    if o.file.is_none() {
        return Err("no output directory specified".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(format: Option<&str>, file: bool) -> Options {
        Options {
            format: format.map(str::to_string),
            file: file.then(|| "out".into()),
            ..Options::default()
        }
    }

    #[test]
    fn formats_in_either_spelling_and_any_case() {
        assert_eq!(format(&opts(None, false)), Ok(Format::Plain));
        assert_eq!(format(&opts(Some("P"), false)), Ok(Format::Plain));
        assert_eq!(
            format(&opts(Some("directory"), true)),
            Ok(Format::Directory)
        );
        assert_eq!(format(&opts(Some("D"), true)), Ok(Format::Directory));
        assert_eq!(
            format(&opts(Some("x"), true)),
            Err("invalid output format \"x\" specified".into())
        );
    }

    #[test]
    fn directory_needs_a_file() {
        assert_eq!(
            check(&opts(Some("d"), false)),
            Err("no output directory specified".into())
        );
        assert_eq!(check(&opts(Some("d"), true)), Ok(()));
        let mut o = opts(None, true);
        o.archive_version = Some("1.14".into());
        assert!(check(&o).is_err());
    }
}
