//! getopt_long's reading of the command line, over the flag table: unique
//! prefixes of long options (`--glob`), aliases, values glued or separate,
//! clusters of short options, and getopt's error texts (glibc's, which is
//! what pg_dumpall prints on Linux). The result is handed to clap in a
//! form it cannot read differently: `--name=value` and `-xvalue`.

use clap::{Arg, Command};
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use super::args::UsageError;
use super::command::is_meta;

/// pg_dumpall 18.6's `long_options` table order. getopt_long lists the
/// candidates of an ambiguous prefix in this order, so it is part of the
/// interface; every long name of the flag table must be here (a unit test
/// checks that the two agree).
const LONG_OPTIONS: &[&str] = &[
    "data-only",
    "clean",
    "encoding",
    "file",
    "globals-only",
    "host",
    "dbname",
    "database",
    "no-owner",
    "port",
    "roles-only",
    "schema-only",
    "superuser",
    "tablespaces-only",
    "username",
    "verbose",
    "no-password",
    "password",
    "no-privileges",
    "no-acl",
    "attribute-inserts",
    "binary-upgrade",
    "column-inserts",
    "disable-dollar-quoting",
    "disable-triggers",
    "exclude-database",
    "extra-float-digits",
    "if-exists",
    "inserts",
    "lock-wait-timeout",
    "no-table-access-method",
    "no-tablespaces",
    "quote-all-identifiers",
    "load-via-partition-root",
    "role",
    "use-set-session-authorization",
    "no-comments",
    "no-data",
    "no-policies",
    "no-publications",
    "no-role-passwords",
    "no-schema",
    "no-security-labels",
    "no-subscriptions",
    "no-statistics",
    "no-sync",
    "no-toast-compression",
    "no-unlogged-table-data",
    "on-conflict-do-nothing",
    "rows-per-insert",
    "statistics",
    "statistics-only",
    "filter",
    "sequence-data",
    "restrict-key",
];

/// pgdumpall-rs's own long options, after pg_dumpall's in the table. They
/// match only when written in full: a prefix pg_dumpall reads as one of
/// its options (`--h` for `--host`, `--re` for `--restrict-key`) keeps
/// meaning that option.
const OWN_LONG_OPTIONS: &[&str] = &[
    "jobs",
    "progress",
    "hook",
    "hook-timeout",
    "report",
    "include-config",
];

/// One name getopt knows: a long name (or alias), or a short letter.
#[derive(Debug, Clone)]
pub(crate) struct Name {
    /// The name as written in the table (an alias stays an alias: getopt's
    /// messages say the name that matched).
    pub name: String,
    /// The option's primary long name, which clap is handed.
    pub long: String,
    pub takes_value: bool,
}

/// getopt_long's option table, read from the flag table. `-V`, `-?`,
/// `--version` and `--help` are not in it: pg_dumpall honours them only as
/// the first argument, before getopt runs.
pub(crate) struct Table {
    longs: Vec<Name>,
    shorts: Vec<(char, Name)>,
}

impl Table {
    pub(crate) fn from_command(cmd: &Command) -> Table {
        let mut longs = Vec::new();
        let mut shorts = Vec::new();
        for arg in cmd.get_arguments().filter(|a| !is_meta(a)) {
            let Some(long) = arg.get_long() else { continue };
            let name = |n: &str| Name {
                name: n.to_owned(),
                long: long.to_owned(),
                takes_value: arg.get_action().takes_values(),
            };
            longs.push(name(long));
            longs.extend(all_aliases(arg).into_iter().map(name));
            if let Some(c) = arg.get_short() {
                shorts.push((c, name(long)));
            }
        }
        longs.sort_by_key(|n| rank(&n.name));
        Table { longs, shorts }
    }

    /// Every long name, in getopt's table order.
    #[cfg(test)]
    pub(crate) fn long_names(&self) -> impl Iterator<Item = &str> {
        self.longs.iter().map(|n| n.name.as_str())
    }

    fn short(&self, c: char) -> Option<&Name> {
        self.shorts.iter().find(|(s, _)| *s == c).map(|(_, n)| n)
    }

    /// Finds the option a long name (or a prefix of one) stands for, as
    /// glibc's getopt_long does: an exact match wins; otherwise the first
    /// candidate, unless another candidate is a different option: then the
    /// prefix is ambiguous, and the possibilities are the first candidate
    /// and every candidate that differs from it, in table order.
    pub(crate) fn resolve_long(&self, name: &str) -> Result<Option<&Name>, Vec<&Name>> {
        if let Some(exact) = self.longs.iter().find(|n| n.name == name) {
            return Ok(Some(exact));
        }
        let mut candidates = self
            .longs
            .iter()
            .filter(|n| n.name.starts_with(name) && LONG_OPTIONS.contains(&n.name.as_str()));
        let Some(first) = candidates.next() else {
            return Ok(None);
        };
        let others: Vec<&Name> = candidates.filter(|n| n.long != first.long).collect();
        if others.is_empty() {
            return Ok(Some(first));
        }
        Err(std::iter::once(first).chain(others).collect())
    }
}

fn all_aliases(arg: &Arg) -> Vec<&str> {
    arg.get_all_aliases().unwrap_or_default()
}

fn rank(name: &str) -> usize {
    LONG_OPTIONS
        .iter()
        .chain(OWN_LONG_OPTIONS)
        .position(|n| *n == name)
        .unwrap_or(LONG_OPTIONS.len() + OWN_LONG_OPTIONS.len())
}

/// Reads `args` (argv without `argv[0]`) the way getopt_long does, and
/// rewrites every option into the one spelling clap is given. Errors are
/// getopt's lines, prefixed with `argv0` as given.
pub(crate) fn normalize(
    table: &Table,
    argv0: &str,
    args: &[OsString],
) -> Result<Vec<OsString>, UsageError> {
    let getopt_err = |msg: String| UsageError {
        line: format!("{argv0}: {msg}"),
        with_hint: true,
    };
    let mut out = Vec::with_capacity(args.len());
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let bytes = arg.as_bytes();
        if bytes == b"--" {
            out.push(arg.clone());
            out.extend(rest.cloned());
            break;
        }
        if bytes.len() > 2 && bytes.starts_with(b"--") {
            let rebuilt = long_option(table, &bytes[2..], &mut rest).map_err(getopt_err)?;
            out.push(rebuilt);
        } else if bytes.len() > 1 && bytes[0] == b'-' {
            out.extend(short_options(table, &bytes[1..], &mut rest).map_err(getopt_err)?);
        } else {
            out.push(arg.clone());
        }
    }
    Ok(out)
}

/// `--name[=value]` (name possibly a prefix) as `--long[=value]`, taking
/// the value from the next argument when the option needs one.
fn long_option<'a>(
    table: &Table,
    body: &[u8],
    rest: &mut impl Iterator<Item = &'a OsString>,
) -> Result<OsString, String> {
    let (name, value) = match body.iter().position(|&b| b == b'=') {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    // getopt's messages about a name it cannot resolve quote the whole
    // argument, value included.
    let whole = String::from_utf8_lossy(body);
    let found = match table.resolve_long(&String::from_utf8_lossy(name)) {
        Ok(Some(found)) => found,
        Ok(None) => return Err(format!("unrecognized option '--{whole}'")),
        Err(possibilities) => {
            let list: Vec<String> = possibilities
                .iter()
                .map(|n| format!(" '--{}'", n.name))
                .collect();
            return Err(format!(
                "option '--{whole}' is ambiguous; possibilities:{}",
                list.concat()
            ));
        }
    };
    let mut rebuilt = format!("--{}", found.long).into_bytes();
    let value = match (found.takes_value, value) {
        (false, None) => return Ok(OsString::from_vec(rebuilt)),
        (false, Some(_)) => {
            return Err(format!(
                "option '--{}' doesn't allow an argument",
                found.name
            ))
        }
        (true, Some(v)) => v,
        // getopt takes the next argument whatever it looks like.
        (true, None) => match rest.next() {
            Some(v) => v.as_bytes(),
            None => return Err(format!("option '--{}' requires an argument", found.name)),
        },
    };
    rebuilt.push(b'=');
    rebuilt.extend_from_slice(value);
    Ok(OsString::from_vec(rebuilt))
}

/// A cluster of short options (`-gvx`, `-fFILE`, `-f FILE`), checked
/// letter by letter as getopt does, with the value glued to its letter so
/// that clap never has to guess about values that start with `-`.
fn short_options<'a>(
    table: &Table,
    letters: &[u8],
    rest: &mut impl Iterator<Item = &'a OsString>,
) -> Result<Vec<OsString>, String> {
    let mut rebuilt = vec![b'-'];
    for (i, &b) in letters.iter().enumerate() {
        let c = b as char;
        let Some(found) = table.short(c) else {
            return Err(format!("invalid option -- '{c}'"));
        };
        rebuilt.push(b);
        if !found.takes_value {
            continue;
        }
        if i + 1 < letters.len() {
            rebuilt.extend_from_slice(&letters[i + 1..]);
            return Ok(vec![OsString::from_vec(rebuilt)]);
        }
        return match rest.next() {
            // clap cannot take "-f" + "" glued; keep them apart.
            Some(v) if v.is_empty() => Ok(vec![OsString::from_vec(rebuilt), v.clone()]),
            Some(v) => {
                rebuilt.extend_from_slice(v.as_bytes());
                Ok(vec![OsString::from_vec(rebuilt)])
            }
            None => Err(format!("option requires an argument -- '{c}'")),
        };
    }
    Ok(vec![OsString::from_vec(rebuilt)])
}

/// [`LONG_OPTIONS`] then [`OWN_LONG_OPTIONS`], for the test that they
/// match the flag table.
#[cfg(test)]
pub(crate) fn long_options_order() -> Vec<&'static str> {
    LONG_OPTIONS
        .iter()
        .chain(OWN_LONG_OPTIONS)
        .copied()
        .collect()
}
