//! `--help` and `--version`. The help is rendered from the flag table in
//! pg_dumpall 18.6's layout (clap's own layout differs), so that, installed
//! as `pg_dumpall`, every line up to the bug-report footer is pg_dumpall's.
//! The footer names our issue tracker: bugs in this program are not
//! PostgreSQL's to answer.

use clap::{Arg, Command};

use super::command::{command, visible_args};
use super::options::{CONNECTION, CONTENT, GENERAL, OWN};

/// The help sections in order, each with the width pg_dumpall gives its
/// option column (descriptions start two columns further right).
const SECTIONS: [(&str, usize); 4] = [(GENERAL, 29), (CONTENT, 29), (CONNECTION, 25), (OWN, 29)];

/// Where to report bugs (Cargo.toml's `repository`).
pub(crate) const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

/// Renders the help text for `program`.
pub(crate) fn help_text(program: &str) -> String {
    let cmd = command();
    let about = cmd.get_about().map(|s| s.to_string()).unwrap_or_default();
    let mut text = format!("{program} {about}\n\nUsage:\n  {program} [OPTION]...\n");
    for (heading, width) in SECTIONS {
        text.push_str(&format!("\n{heading}:\n"));
        for arg in section_args(&cmd, heading) {
            text.push_str(&entry(arg, width));
        }
    }
    if let Some(after) = cmd.get_after_help() {
        text.push_str(&format!("\n{after}\n"));
    }
    text.push_str(&footer());
    text
}

/// The lines after the options: pg_dumpall's shape, our addresses.
fn footer() -> String {
    format!("\nReport bugs to <{REPOSITORY}/issues>.\npgdumpall-rs home page: <{REPOSITORY}>\n")
}

fn section_args<'a>(cmd: &'a Command, heading: &str) -> Vec<&'a Arg> {
    visible_args(cmd)
        .into_iter()
        .filter(|a| a.get_help_heading() == Some(heading))
        .collect()
}

/// `-f, --file=FILENAME` and the like.
pub(crate) fn synopsis(arg: &Arg) -> String {
    let mut s = String::new();
    if let Some(c) = arg.get_short() {
        s.push_str(&format!("-{c}, "));
    }
    if let Some(long) = arg.get_long() {
        s.push_str(&format!("--{long}"));
    }
    if arg.get_action().takes_values() {
        let name = arg
            .get_value_names()
            .and_then(|names| names.first())
            .map(|n| n.to_string())
            .unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
        s.push_str(&format!("={name}"));
    }
    s
}

/// One option's lines: the synopsis padded to `width`, then the
/// description; a synopsis too wide for its column gets its own line.
fn entry(arg: &Arg, width: usize) -> String {
    let synopsis = synopsis(arg);
    let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
    let indent = " ".repeat(width + 2);
    let mut text = if synopsis.len() < width {
        format!("  {synopsis:width$}")
    } else {
        format!("  {synopsis}\n{indent}")
    };
    text.push_str(&help.replace('\n', &format!("\n{indent}")));
    text.push('\n');
    text
}

/// `--version`: the PostgreSQL version whose output we reproduce first, so
/// scripts that parse `pg_dumpall --version` keep working.
pub(crate) fn version_text(program: &str) -> String {
    format!(
        "{program} (PostgreSQL) 18.6 (pgdumpall-rs {})\n",
        env!("CARGO_PKG_VERSION")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_visible_option_is_in_a_section() {
        let cmd = command();
        for arg in visible_args(&cmd) {
            let heading = arg.get_help_heading();
            assert!(
                SECTIONS.iter().any(|(h, _)| Some(*h) == heading),
                "{} has no section",
                arg.get_id()
            );
        }
    }

    #[test]
    fn layout_of_wide_and_multi_line_entries() {
        let help = help_text("pg_dumpall");
        assert!(help.starts_with(
            "pg_dumpall exports a PostgreSQL database cluster as an SQL script.\n\n\
             Usage:\n  pg_dumpall [OPTION]...\n\nGeneral options:\n  \
             -f, --file=FILENAME          output file name\n"
        ));
        assert!(help.contains(
            "  --use-set-session-authorization\n                               \
             use SET SESSION AUTHORIZATION commands instead of\n                               \
             ALTER OWNER commands to set ownership\n"
        ));
        assert!(help.contains("  -V, --version                output version"));
        assert!(help.contains("  -W, --password           force password prompt"));
        assert!(help
            .ends_with("pgdumpall-rs home page: <https://github.com/pgdumpall-rs/pgdumpall-rs>\n"));
    }
}
