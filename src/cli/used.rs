//! The options a run was given, for its report and hook information file:
//! each as `--long[=value]`, in the flag table's order, with connection
//! strings hidden, since they may hold a password.

use std::ffi::OsString;

use clap::parser::ValueSource;

use super::command::command;
use super::getopt;

/// The options of `argv` (`argv[0]` included) as `--long[=value]`; a
/// `--dbname` value shows as `<hidden>`. Empty if they do not parse.
pub fn options_used(argv: &[OsString]) -> Vec<String> {
    let cmd = command();
    let table = getopt::Table::from_command(&cmd);
    let Ok(args) = getopt::normalize(&table, "", argv.get(1..).unwrap_or_default()) else {
        return Vec::new();
    };
    let Ok(matches) = cmd.clone().try_get_matches_from(args) else {
        return Vec::new();
    };
    let mut used = Vec::new();
    for arg in cmd.get_arguments() {
        let id = arg.get_id().as_str();
        let (Some(long), Some(ValueSource::CommandLine)) =
            (arg.get_long(), matches.value_source(id))
        else {
            continue;
        };
        if !arg.get_action().takes_values() {
            used.push(format!("--{long}"));
            continue;
        }
        for value in matches.get_raw(id).into_iter().flatten() {
            let shown = match long {
                "dbname" => "<hidden>".to_string(),
                _ => crate::text::display(&crate::text::from_os(value)),
            };
            used.push(format!("--{long}={shown}"));
        }
    }
    used
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_strings_are_hidden() {
        let argv: Vec<OsString> = [
            "pg_dumpall",
            "-d",
            "host=h password=secret",
            "-vf",
            "out.sql",
            "--report",
            "r.json",
            "--exclude-database=a",
            "--exclude-database=b",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        let used = options_used(&argv);
        assert_eq!(
            used,
            [
                "--file=out.sql",
                "--verbose",
                "--exclude-database=a",
                "--exclude-database=b",
                "--dbname=<hidden>",
                "--report=r.json"
            ]
        );
        assert!(!used.concat().contains("secret"));
    }
}
