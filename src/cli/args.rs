//! The command line: pg_dumpall 18's options, read the way getopt_long
//! reads them (`getopt`), then parsed by clap into [`Options`]
//! (the flag table, [`super::options`]); and pg_dumpall's checks after
//! parsing, with its messages.

use clap::FromArgMatches;
use std::ffi::OsString;

pub(crate) use super::options::Options;

use super::command::command;
use super::getopt;
use crate::text;

/// What the first argument asked for, before any parsing (pg_dumpall only
/// honours `--help`/`-?` and `--version`/`-V` as `argv[1]`).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Invocation {
    Help,
    Version,
    Run(Box<Options>),
}

/// A command-line error, rendered the way getopt_long and pg_dumpall do.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct UsageError {
    /// The full line, including its prefix (getopt's lines start with
    /// `argv[0]` as given; pg_dumpall's with `<program>: error: `).
    pub line: String,
    /// Whether the "Try ... --help" hint follows.
    pub with_hint: bool,
}

/// Parses argv (including `argv[0]`).
pub(crate) fn parse(argv: &[OsString]) -> Result<Invocation, UsageError> {
    let argv0 = argv
        .first()
        .map(|a| a.to_string_lossy().into_owned())
        .unwrap_or_else(|| "pgdumpall-rs".into());
    match argv.get(1).and_then(|a| a.to_str()) {
        Some("--help") | Some("-?") => return Ok(Invocation::Help),
        Some("--version") | Some("-V") => return Ok(Invocation::Version),
        _ => {}
    }
    let cmd = command();
    let table = getopt::Table::from_command(&cmd);
    let args = getopt::normalize(&table, &argv0, argv.get(1..).unwrap_or_default())?;
    let clap_failure = |e: clap::Error| UsageError {
        line: format!("{argv0}: {}", clap_error_text(&e)),
        with_hint: true,
    };
    let matches = cmd.try_get_matches_from(args).map_err(clap_failure)?;
    let opts = Options::from_arg_matches(&matches).map_err(clap_failure)?;
    Ok(Invocation::Run(Box::new(opts)))
}

fn clap_error_text(e: &clap::Error) -> String {
    // Everything getopt can say was caught before clap; this is a fallback.
    let rendered = e.render().to_string();
    rendered
        .lines()
        .next()
        .unwrap_or("invalid arguments")
        .trim_start_matches("error: ")
        .to_string()
}

/// pg_dumpall's own checks after parsing, in its order.
pub(crate) fn check_conflicts(o: &Options) -> Result<(), UsageError> {
    let err = |msg: String, with_hint: bool| UsageError {
        line: format!("{}: error: {msg}", crate::diag::program()),
        with_hint,
    };
    // pg_dump checks -j while it reads the options, before anything else.
    if let Some(value) = &o.jobs {
        super::jobs::parse_jobs(value).map_err(|msg| err(msg, false))?;
    }
    if let Some(first) = o.extra_args.first() {
        return Err(err(
            format!(
                "too many command-line arguments (first is \"{}\")",
                text::display(first)
            ),
            true,
        ));
    }
    let only = o.globals_only || o.roles_only || o.tablespaces_only;
    if !o.exclude_database.is_empty() && only {
        return Err(err(
            "option --exclude-database cannot be used together with -g/--globals-only, -r/--roles-only, or -t/--tablespaces-only".into(),
            true,
        ));
    }
    if o.globals_only && o.roles_only {
        return Err(err(
            "options -g/--globals-only and -r/--roles-only cannot be used together".into(),
            true,
        ));
    }
    if o.globals_only && o.tablespaces_only {
        return Err(err(
            "options -g/--globals-only and -t/--tablespaces-only cannot be used together".into(),
            true,
        ));
    }
    if o.if_exists && !o.clean {
        return Err(err(
            "option --if-exists requires option -c/--clean".into(),
            false,
        ));
    }
    if o.roles_only && o.tablespaces_only {
        return Err(err(
            "options -r/--roles-only and -t/--tablespaces-only cannot be used together".into(),
            true,
        ));
    }
    if let Some(key) = &o.restrict_key {
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(err("invalid restrict key".into(), false));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn argv(args: &[&str]) -> Vec<OsString> {
        std::iter::once("pg_dumpall")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect()
    }

    fn run(args: &[&str]) -> Options {
        match parse(&argv(args)).expect("parses") {
            Invocation::Run(o) => *o,
            other => panic!("unexpected {other:?}"),
        }
    }

    fn usage_err(args: &[&str]) -> String {
        parse(&argv(args)).expect_err("fails").line
    }

    #[test]
    fn help_and_version_only_as_first_argument() {
        assert_eq!(parse(&argv(&["--help"])).unwrap(), Invocation::Help);
        assert_eq!(parse(&argv(&["-?"])).unwrap(), Invocation::Help);
        assert_eq!(parse(&argv(&["-V"])).unwrap(), Invocation::Version);
        assert_eq!(parse(&argv(&["--version"])).unwrap(), Invocation::Version);
        assert_eq!(
            usage_err(&["-x", "--help"]),
            "pg_dumpall: unrecognized option '--help'"
        );
        assert_eq!(
            usage_err(&["-g", "-?"]),
            "pg_dumpall: invalid option -- '?'"
        );
        assert_eq!(
            usage_err(&["-g", "-V"]),
            "pg_dumpall: invalid option -- 'V'"
        );
    }

    #[test]
    fn short_long_alias_and_prefix_forms() {
        let o = run(&[
            "-gvx",
            "-fout.sql",
            "--glob",
            "--no-acl",
            "--attribute-inserts",
        ]);
        assert!(o.globals_only && o.verbose && o.no_privileges && o.column_inserts);
        assert_eq!(o.file, Some(PathBuf::from("out.sql")));
        let o = run(&["--file", "-weird", "-U", "-x", "--role=r"]);
        assert_eq!(o.file, Some(PathBuf::from("-weird")));
        assert_eq!(o.username.as_deref(), Some("-x"));
        assert!(!o.no_privileges);
        assert_eq!(o.role.as_deref(), Some("r"));
    }

    #[test]
    fn repeated_options_last_wins_and_lists_append() {
        let o = run(&[
            "-f",
            "a",
            "-f",
            "b",
            "--exclude-database=x",
            "--exclude-database",
            "y",
        ]);
        assert_eq!(o.file, Some(PathBuf::from("b")));
        assert_eq!(o.exclude_database, vec!["x", "y"]);
    }

    #[test]
    fn getopt_error_texts() {
        assert_eq!(
            usage_err(&["-f"]),
            "pg_dumpall: option requires an argument -- 'f'"
        );
        assert_eq!(
            usage_err(&["--file"]),
            "pg_dumpall: option '--file' requires an argument"
        );
        assert_eq!(
            usage_err(&["--i"]),
            "pg_dumpall: option '--i' is ambiguous; possibilities: '--if-exists' '--inserts'"
        );
        assert_eq!(
            usage_err(&["--globals-only=x"]),
            "pg_dumpall: option '--globals-only' doesn't allow an argument"
        );
        assert_eq!(usage_err(&["-z"]), "pg_dumpall: invalid option -- 'z'");
        assert_eq!(
            usage_err(&["--bogus"]),
            "pg_dumpall: unrecognized option '--bogus'"
        );
    }

    #[test]
    fn positional_arguments_are_collected_for_the_conflict_check() {
        let o = run(&["foo", "-g", "bar"]);
        assert_eq!(o.extra_args, vec!["foo", "bar"]);
        assert!(o.globals_only);
        let e = check_conflicts(&o).unwrap_err();
        assert!(e
            .line
            .ends_with("too many command-line arguments (first is \"foo\")"));
        assert!(e.with_hint);
        let o = run(&["--", "-g"]);
        assert_eq!(o.extra_args, vec!["-g"]);
    }

    #[test]
    fn conflicts_in_pg_dumpall_order() {
        let msg = |args: &[&str]| {
            let e = check_conflicts(&run(args)).unwrap_err();
            (
                e.line.split(": error: ").nth(1).unwrap().to_string(),
                e.with_hint,
            )
        };
        assert_eq!(
            msg(&["-g", "-r", "--exclude-database=x"]).0,
            "option --exclude-database cannot be used together with -g/--globals-only, -r/--roles-only, or -t/--tablespaces-only"
        );
        assert_eq!(
            msg(&["-g", "-r", "-t"]).0,
            "options -g/--globals-only and -r/--roles-only cannot be used together"
        );
        assert_eq!(
            msg(&["-g", "-t"]).0,
            "options -g/--globals-only and -t/--tablespaces-only cannot be used together"
        );
        assert_eq!(
            msg(&["--if-exists", "-r", "-t"]),
            (
                "option --if-exists requires option -c/--clean".into(),
                false
            )
        );
        assert_eq!(
            msg(&["-r", "-t"]).0,
            "options -r/--roles-only and -t/--tablespaces-only cannot be used together"
        );
        assert_eq!(
            msg(&["--restrict-key=ab-c"]),
            ("invalid restrict key".into(), false)
        );
        assert_eq!(
            msg(&["--restrict-key="]),
            ("invalid restrict key".into(), false)
        );
        assert!(check_conflicts(&run(&["--restrict-key=abC9", "-c", "--if-exists"])).is_ok());
    }

    #[test]
    fn every_flag_sets_its_own_field() {
        let cmd = command();
        let table = getopt::Table::from_command(&cmd);
        // (option, what it parses to), for every long name and alias.
        let mut parsed: Vec<(String, Options)> = Vec::new();
        for name in table.long_names() {
            let found = table.resolve_long(name).unwrap().unwrap();
            let arg = match found.takes_value {
                // --hook-timeout takes a number of seconds.
                true if name == "hook-timeout" => format!("--{name}=1"),
                true => format!("--{name}=v"),
                false => format!("--{name}"),
            };
            let o = run(&[&arg]);
            assert_ne!(o, Options::default(), "{arg} sets nothing");
            for (other, other_o) in &parsed {
                let same_option = *other == found.long;
                assert_eq!(same_option, *other_o == o, "{arg} versus --{other}");
            }
            parsed.push((found.long.clone(), o));
        }
        // pg_dumpall's 55, then -j, -P, --hook, --hook-timeout, --report,
        // --include-config.
        assert_eq!(parsed.len(), 61);
    }

    #[test]
    fn getopt_table_order_covers_every_long_name_once() {
        let cmd = command();
        let table = getopt::Table::from_command(&cmd);
        let names: Vec<&str> = table.long_names().collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "a long name is defined twice");
        assert_eq!(getopt::long_options_order(), names);
    }

    #[test]
    fn help_and_version_are_not_getopt_options() {
        assert_eq!(
            usage_err(&["-g", "--hel"]),
            "pg_dumpall: unrecognized option '--hel'"
        );
        assert_eq!(
            usage_err(&["-g", "--vers"]),
            "pg_dumpall: unrecognized option '--vers'"
        );
        assert_eq!(
            usage_err(&["--he"]),
            "pg_dumpall: unrecognized option '--he'"
        );
        // --h is --host, not --help.
        assert_eq!(run(&["--h", "x"]).host.as_deref(), Some("x"));
    }

    #[test]
    fn getopt_quotes_the_whole_argument_it_cannot_resolve() {
        assert_eq!(
            usage_err(&["--bogus=1"]),
            "pg_dumpall: unrecognized option '--bogus=1'"
        );
        assert_eq!(
            usage_err(&["--i=1"]),
            "pg_dumpall: option '--i=1' is ambiguous; possibilities: '--if-exists' '--inserts'"
        );
    }

    #[test]
    fn getopt_names_the_alias_that_matched() {
        assert_eq!(
            usage_err(&["--no-acl=1"]),
            "pg_dumpall: option '--no-acl' doesn't allow an argument"
        );
        assert_eq!(
            usage_err(&["--attr=1"]),
            "pg_dumpall: option '--attribute-inserts' doesn't allow an argument"
        );
        assert_eq!(
            usage_err(&["--no-p"]),
            "pg_dumpall: option '--no-p' is ambiguous; possibilities: '--no-password' '--no-privileges' '--no-policies' '--no-publications'"
        );
    }
}
