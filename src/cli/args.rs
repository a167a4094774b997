//! The command line: every pg_dumpall 18 option, parsed by clap into
//! [`Options`], with getopt_long's behaviour where users can see it
//! (unique-prefix abbreviations, repeated options override, option values
//! that start with `-`, getopt's error texts).

use clap::{Arg, ArgAction, ArgMatches, Command};
use std::ffi::OsString;
use std::path::PathBuf;

use crate::text;

/// Everything the command line says, typed.
///
/// Text values that reach the server (names, patterns, encodings) are byte
/// strings (see [`crate::text`]); file names stay `PathBuf`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    // General options.
    pub file: Option<PathBuf>,
    pub verbose: bool,
    pub lock_wait_timeout: Option<String>,

    // Output content.
    pub data_only: bool,
    pub clean: bool,
    pub encoding: Option<String>,
    pub globals_only: bool,
    pub no_owner: bool,
    pub roles_only: bool,
    pub schema_only: bool,
    pub superuser: Option<String>,
    pub tablespaces_only: bool,
    pub no_privileges: bool,
    pub binary_upgrade: bool,
    pub column_inserts: bool,
    pub disable_dollar_quoting: bool,
    pub disable_triggers: bool,
    pub exclude_database: Vec<String>,
    pub extra_float_digits: Option<String>,
    pub filter: Vec<PathBuf>,
    pub if_exists: bool,
    pub inserts: bool,
    pub load_via_partition_root: bool,
    pub no_comments: bool,
    pub no_data: bool,
    pub no_policies: bool,
    pub no_publications: bool,
    pub no_role_passwords: bool,
    pub no_schema: bool,
    pub no_security_labels: bool,
    pub no_statistics: bool,
    pub no_subscriptions: bool,
    pub no_sync: bool,
    pub no_table_access_method: bool,
    pub no_tablespaces: bool,
    pub no_toast_compression: bool,
    pub no_unlogged_table_data: bool,
    pub on_conflict_do_nothing: bool,
    pub quote_all_identifiers: bool,
    pub restrict_key: Option<String>,
    pub rows_per_insert: Option<String>,
    pub sequence_data: bool,
    pub statistics: bool,
    pub statistics_only: bool,
    pub use_set_session_authorization: bool,

    // Connection options.
    pub dbname: Option<String>,
    pub host: Option<String>,
    pub database: Option<String>,
    pub port: Option<String>,
    pub username: Option<String>,
    pub no_password: bool,
    pub password: bool,
    pub role: Option<String>,

    /// Positional arguments (pg_dumpall takes none; reported as an error).
    pub extra_args: Vec<String>,
}

/// What the first argument asked for, before any parsing (pg_dumpall only
/// honours `--help`/`-?` and `--version`/`-V` as argv[1]).
#[derive(Debug, PartialEq, Eq)]
pub enum Invocation {
    Help,
    Version,
    Run(Box<Options>),
}

/// A command-line error, rendered the way getopt_long and pg_dumpall do.
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError {
    /// The full line, including its prefix (getopt's lines start with
    /// argv[0] as given; pg_dumpall's with `<program>: error: `).
    pub line: String,
    /// Whether the "Try ... --help" hint follows.
    pub with_hint: bool,
}

struct Spec {
    id: &'static str,
    short: Option<char>,
    long: &'static str,
    aliases: &'static [&'static str],
    takes_value: bool,
    repeatable: bool,
}

const fn flag(id: &'static str, short: Option<char>, long: &'static str) -> Spec {
    Spec {
        id,
        short,
        long,
        aliases: &[],
        takes_value: false,
        repeatable: false,
    }
}

const fn value(id: &'static str, short: Option<char>, long: &'static str) -> Spec {
    Spec {
        id,
        short,
        long,
        aliases: &[],
        takes_value: true,
        repeatable: false,
    }
}

/// pg_dumpall 18.6's option table.
const SPECS: &[Spec] = &[
    flag("data_only", Some('a'), "data-only"),
    flag("clean", Some('c'), "clean"),
    value("dbname", Some('d'), "dbname"),
    value("encoding", Some('E'), "encoding"),
    value("file", Some('f'), "file"),
    flag("globals_only", Some('g'), "globals-only"),
    value("host", Some('h'), "host"),
    value("database", Some('l'), "database"),
    flag("no_owner", Some('O'), "no-owner"),
    value("port", Some('p'), "port"),
    flag("roles_only", Some('r'), "roles-only"),
    flag("schema_only", Some('s'), "schema-only"),
    value("superuser", Some('S'), "superuser"),
    flag("tablespaces_only", Some('t'), "tablespaces-only"),
    value("username", Some('U'), "username"),
    flag("verbose", Some('v'), "verbose"),
    flag("no_password", Some('w'), "no-password"),
    flag("password", Some('W'), "password"),
    Spec {
        aliases: &["no-acl"],
        ..flag("no_privileges", Some('x'), "no-privileges")
    },
    flag("binary_upgrade", None, "binary-upgrade"),
    Spec {
        aliases: &["attribute-inserts"],
        ..flag("column_inserts", None, "column-inserts")
    },
    flag("disable_dollar_quoting", None, "disable-dollar-quoting"),
    flag("disable_triggers", None, "disable-triggers"),
    Spec {
        repeatable: true,
        ..value("exclude_database", None, "exclude-database")
    },
    value("extra_float_digits", None, "extra-float-digits"),
    Spec {
        repeatable: true,
        ..value("filter", None, "filter")
    },
    flag("if_exists", None, "if-exists"),
    flag("inserts", None, "inserts"),
    flag("load_via_partition_root", None, "load-via-partition-root"),
    value("lock_wait_timeout", None, "lock-wait-timeout"),
    flag("no_comments", None, "no-comments"),
    flag("no_data", None, "no-data"),
    flag("no_policies", None, "no-policies"),
    flag("no_publications", None, "no-publications"),
    flag("no_role_passwords", None, "no-role-passwords"),
    flag("no_schema", None, "no-schema"),
    flag("no_security_labels", None, "no-security-labels"),
    flag("no_statistics", None, "no-statistics"),
    flag("no_subscriptions", None, "no-subscriptions"),
    flag("no_sync", None, "no-sync"),
    flag("no_table_access_method", None, "no-table-access-method"),
    flag("no_tablespaces", None, "no-tablespaces"),
    flag("no_toast_compression", None, "no-toast-compression"),
    flag("no_unlogged_table_data", None, "no-unlogged-table-data"),
    flag("on_conflict_do_nothing", None, "on-conflict-do-nothing"),
    flag("quote_all_identifiers", None, "quote-all-identifiers"),
    value("restrict_key", None, "restrict-key"),
    value("role", None, "role"),
    value("rows_per_insert", None, "rows-per-insert"),
    flag("sequence_data", None, "sequence-data"),
    flag("statistics", None, "statistics"),
    flag("statistics_only", None, "statistics-only"),
    flag(
        "use_set_session_authorization",
        None,
        "use-set-session-authorization",
    ),
];

fn command() -> Command {
    let mut cmd = Command::new("pg_dumpall")
        .no_binary_name(true)
        .disable_help_flag(true)
        .disable_version_flag(true)
        .disable_help_subcommand(true)
        .args_override_self(true)
        .arg(
            Arg::new("extra_args")
                .num_args(0..)
                .action(ArgAction::Append)
                .value_parser(clap::value_parser!(OsString))
                .allow_hyphen_values(false),
        );
    for spec in SPECS {
        let mut arg = Arg::new(spec.id).long(spec.long);
        if let Some(s) = spec.short {
            arg = arg.short(s);
        }
        for alias in spec.aliases {
            arg = arg.alias(*alias);
        }
        arg = if spec.takes_value {
            arg.num_args(1)
                .allow_hyphen_values(true)
                .value_parser(clap::value_parser!(OsString))
                .action(if spec.repeatable {
                    ArgAction::Append
                } else {
                    ArgAction::Set
                })
        } else {
            arg.action(ArgAction::SetTrue)
        };
        cmd = cmd.arg(arg);
    }
    cmd
}

/// Expands getopt_long-style unique prefixes of long options (`--glob`)
/// into their full names, and reports getopt's errors for unknown or
/// ambiguous ones, for flags given values, and for missing values.
fn normalize_long_options(argv0: &str, args: &[OsString]) -> Result<Vec<OsString>, UsageError> {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    let getopt_err = |msg: String| UsageError {
        line: format!("{argv0}: {msg}"),
        with_hint: true,
    };
    let mut out = Vec::with_capacity(args.len());
    let mut iter = args.iter().peekable();
    while let Some(arg) = iter.next() {
        let bytes = arg.as_bytes();
        if bytes == b"--" {
            out.push(arg.clone());
            out.extend(iter.cloned());
            break;
        }
        if bytes.len() > 2 && bytes.starts_with(b"--") {
            let body = &bytes[2..];
            let (name, value) = match body.iter().position(|&b| b == b'=') {
                Some(i) => (&body[..i], Some(&body[i + 1..])),
                None => (body, None),
            };
            let name_str = String::from_utf8_lossy(name).into_owned();
            let spec = resolve_long(&name_str).map_err(getopt_err)?;
            let full = match spec {
                Some(s) => s,
                None => return Err(getopt_err(format!("unrecognized option '--{name_str}'"))),
            };
            let mut rebuilt = b"--".to_vec();
            rebuilt.extend_from_slice(full.long.as_bytes());
            match (full.takes_value, value) {
                (false, Some(_)) => {
                    return Err(getopt_err(format!(
                        "option '--{}' doesn't allow an argument",
                        full.long
                    )))
                }
                (false, None) => out.push(OsString::from_vec(rebuilt)),
                (true, Some(v)) => {
                    rebuilt.push(b'=');
                    rebuilt.extend_from_slice(v);
                    out.push(OsString::from_vec(rebuilt));
                }
                (true, None) => match iter.next() {
                    // getopt takes the next argument whatever it looks like.
                    Some(v) => {
                        rebuilt.push(b'=');
                        rebuilt.extend_from_slice(v.as_bytes());
                        out.push(OsString::from_vec(rebuilt));
                    }
                    None => {
                        return Err(getopt_err(format!(
                            "option '--{}' requires an argument",
                            full.long
                        )))
                    }
                },
            }
            continue;
        }
        if bytes.len() > 1 && bytes[0] == b'-' && bytes[1] != b'-' {
            // A cluster of short options; check each the way getopt does,
            // and turn "-f" "value" into "-fvalue" so clap never has to
            // guess about values that start with '-'.
            let mut i = 1;
            let mut rebuilt = vec![b'-'];
            while i < bytes.len() {
                let c = bytes[i] as char;
                let spec = SPECS.iter().find(|s| s.short == Some(c));
                match spec {
                    None => return Err(getopt_err(format!("invalid option -- '{c}'"))),
                    Some(s) if s.takes_value => {
                        rebuilt.push(bytes[i]);
                        if i + 1 < bytes.len() {
                            rebuilt.extend_from_slice(&bytes[i + 1..]);
                        } else if let Some(v) = iter.next() {
                            if v.is_empty() {
                                // clap cannot take "-f" + "" glued; keep apart.
                                out.push(OsString::from_vec(rebuilt));
                                out.push(v.clone());
                                rebuilt = Vec::new();
                                break;
                            }
                            rebuilt.extend_from_slice(v.as_bytes());
                        } else {
                            return Err(getopt_err(format!(
                                "option requires an argument -- '{c}'"
                            )));
                        }
                        break;
                    }
                    Some(_) => rebuilt.push(bytes[i]),
                }
                i += 1;
            }
            if !rebuilt.is_empty() {
                out.push(OsString::from_vec(rebuilt));
            }
            continue;
        }
        out.push(arg.clone());
    }
    Ok(out)
}

/// Finds the option a long name (or unique prefix of one) stands for.
fn resolve_long(name: &str) -> Result<Option<&'static Spec>, String> {
    let names = || {
        SPECS.iter().flat_map(|s| {
            std::iter::once((s.long, s)).chain(s.aliases.iter().map(move |a| (*a, s)))
        })
    };
    if let Some((_, s)) = names().find(|(n, _)| *n == name) {
        return Ok(Some(s));
    }
    let candidates: Vec<(&str, &Spec)> = names().filter(|(n, _)| n.starts_with(name)).collect();
    match candidates.as_slice() {
        [] => Ok(None),
        [(_, s)] => Ok(Some(s)),
        many => {
            // Prefixes of several names of the same option are fine.
            if many.iter().all(|(_, s)| s.id == many[0].1.id) {
                return Ok(Some(many[0].1));
            }
            let list: Vec<String> = many.iter().map(|(n, _)| format!("'--{n}'")).collect();
            Err(format!(
                "option '--{name}' is ambiguous; possibilities: {}",
                list.join(" ")
            ))
        }
    }
}

/// Parses argv (including argv[0]).
pub fn parse(argv: &[OsString]) -> Result<Invocation, UsageError> {
    let argv0 = argv
        .first()
        .map(|a| a.to_string_lossy().into_owned())
        .unwrap_or_else(|| "pgdumpall-rs".into());
    if let Some(first) = argv.get(1) {
        match first.to_str() {
            Some("--help") | Some("-?") => return Ok(Invocation::Help),
            Some("--version") | Some("-V") => return Ok(Invocation::Version),
            _ => {}
        }
    }
    let args = normalize_long_options(&argv0, &argv[1.min(argv.len())..])?;
    let matches = command()
        .try_get_matches_from(args)
        .map_err(|e| UsageError {
            line: format!("{argv0}: {}", clap_error_text(&e)),
            with_hint: true,
        })?;
    Ok(Invocation::Run(Box::new(from_matches(&matches))))
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

fn from_matches(m: &ArgMatches) -> Options {
    let flag = |id: &str| m.get_flag(id);
    let val = |id: &str| m.get_one::<OsString>(id).map(|v| text::from_os(v));
    let path = |id: &str| m.get_one::<OsString>(id).map(PathBuf::from);
    let vals = |id: &str| -> Vec<String> {
        m.get_many::<OsString>(id)
            .map(|vs| vs.map(|v| text::from_os(v)).collect())
            .unwrap_or_default()
    };
    Options {
        file: path("file"),
        verbose: flag("verbose"),
        lock_wait_timeout: val("lock_wait_timeout"),
        data_only: flag("data_only"),
        clean: flag("clean"),
        encoding: val("encoding"),
        globals_only: flag("globals_only"),
        no_owner: flag("no_owner"),
        roles_only: flag("roles_only"),
        schema_only: flag("schema_only"),
        superuser: val("superuser"),
        tablespaces_only: flag("tablespaces_only"),
        no_privileges: flag("no_privileges"),
        binary_upgrade: flag("binary_upgrade"),
        column_inserts: flag("column_inserts"),
        disable_dollar_quoting: flag("disable_dollar_quoting"),
        disable_triggers: flag("disable_triggers"),
        exclude_database: vals("exclude_database"),
        extra_float_digits: val("extra_float_digits"),
        filter: m
            .get_many::<OsString>("filter")
            .map(|vs| vs.map(PathBuf::from).collect())
            .unwrap_or_default(),
        if_exists: flag("if_exists"),
        inserts: flag("inserts"),
        load_via_partition_root: flag("load_via_partition_root"),
        no_comments: flag("no_comments"),
        no_data: flag("no_data"),
        no_policies: flag("no_policies"),
        no_publications: flag("no_publications"),
        no_role_passwords: flag("no_role_passwords"),
        no_schema: flag("no_schema"),
        no_security_labels: flag("no_security_labels"),
        no_statistics: flag("no_statistics"),
        no_subscriptions: flag("no_subscriptions"),
        no_sync: flag("no_sync"),
        no_table_access_method: flag("no_table_access_method"),
        no_tablespaces: flag("no_tablespaces"),
        no_toast_compression: flag("no_toast_compression"),
        no_unlogged_table_data: flag("no_unlogged_table_data"),
        on_conflict_do_nothing: flag("on_conflict_do_nothing"),
        quote_all_identifiers: flag("quote_all_identifiers"),
        restrict_key: val("restrict_key"),
        rows_per_insert: val("rows_per_insert"),
        sequence_data: flag("sequence_data"),
        statistics: flag("statistics"),
        statistics_only: flag("statistics_only"),
        use_set_session_authorization: flag("use_set_session_authorization"),
        dbname: val("dbname"),
        host: val("host"),
        database: val("database"),
        port: val("port"),
        username: val("username"),
        no_password: flag("no_password"),
        password: flag("password"),
        role: val("role"),
        extra_args: vals("extra_args"),
    }
}

/// pg_dumpall's own checks after parsing, in its order.
pub fn check_conflicts(o: &Options) -> Result<(), UsageError> {
    let err = |msg: String, with_hint: bool| UsageError {
        line: format!("{}: error: {msg}", crate::diag::program()),
        with_hint,
    };
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
    fn every_option_of_the_reference_help_is_accepted() {
        for line in super::super::help::REFERENCE_HELP.lines() {
            let line = line.trim_start();
            if !line.starts_with('-') {
                continue;
            }
            for word in line.split([',', ' ']).filter(|w| w.starts_with('-')) {
                let name = word.split('=').next().unwrap();
                if matches!(name, "-V" | "--version" | "-?" | "--help") {
                    continue;
                }
                let spec = if let Some(long) = name.strip_prefix("--") {
                    resolve_long(long).unwrap()
                } else {
                    let c = name.chars().nth(1).unwrap();
                    SPECS.iter().find(|s| s.short == Some(c))
                };
                assert!(spec.is_some(), "{name} is not parsed");
            }
        }
    }
}
