//! The command line and failure paths: every option conflict, getopt error
//! and connection failure gives the reference's exit code and message, and
//! a failed run leaves no output file behind.

mod support;

use std::path::{Path, PathBuf};

use support::*;

/// Our binary installed under the reference's name, so that messages
/// (`pg_dumpall: error: ...`, getopt's `<argv0>: ...`) can be compared
/// byte for byte.
fn ours_as_pg_dumpall() -> (tempfile_dir::Dir, PathBuf) {
    let dir = tempfile_dir::Dir::new();
    let link = dir.path().join("pg_dumpall");
    std::os::unix::fs::symlink(ours_bin(), &link).expect("symlink our binary");
    (dir, link)
}

mod tempfile_dir {
    use std::path::{Path, PathBuf};
    pub struct Dir(PathBuf);
    impl Dir {
        pub fn new() -> Dir {
            let base = super::scratch_base();
            std::fs::create_dir_all(&base).unwrap();
            let p = base.join(format!(
                "cli-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            let _ = std::fs::remove_dir_all(&p);
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
        pub fn path(&self) -> &Path {
            &self.0
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Runs the reference and ours (as `pg_dumpall`) with the same arguments
/// and no server; returns (reference, ours) outputs.
fn both(args: &[&str]) -> (std::process::Output, std::process::Output) {
    let (_dir, ours) = ours_as_pg_dumpall();
    // getopt prints argv[0] as given; give both the same one.
    let ref_dir = reference_bin("pg_dumpall");
    let reference = run_program(&ref_dir, args, &[]);
    let ours_out = run_program(&ours, args, &[]);
    (reference, ours_out)
}

fn stderr_with_argv0_normalized(out: &std::process::Output, argv0: &Path) -> String {
    lossy(&out.stderr).replace(argv0.to_str().unwrap(), "<argv0>")
}

#[test]
fn usage_errors_match_the_reference_exactly() {
    if toolset(REFERENCE_VERSION).is_none() {
        run_versioned(
            "usage_errors_match_the_reference_exactly",
            REFERENCE_VERSION,
            |_| {},
        );
        return;
    }
    let (dir, ours) = ours_as_pg_dumpall();
    let reference = reference_bin("pg_dumpall");
    let cases: &[&[&str]] = &[
        &["-g", "-r"],
        &["--globals-only", "--tablespaces-only"],
        &["-r", "-t"],
        &["-gr"],
        &["--glob", "-r"],
        &["--if-exists"],
        &["-g", "--exclude-database=x"],
        &["-t", "--exclude-database", "x"],
        &["--restrict-key=ab-c"],
        &["--restrict-key="],
        &["extra", "args"],
        &["-f"],
        &["--file"],
        &["--i"],
        &["--globals-only=x"],
        &["-z"],
        &["--bogus"],
        &["-g", "-?"],
        &["-x", "--help"],
        &["-g", "--version"],
        &["--filter=/nonexistent/filter/file", "-g"],
    ];
    for args in cases {
        let r = run_program(&reference, args, &[]);
        let o = run_program(&ours, args, &[]);
        assert_eq!(o.status.code(), r.status.code(), "exit code for {args:?}");
        assert_eq!(o.status.code(), Some(1), "{args:?} must fail");
        assert_eq!(
            stderr_with_argv0_normalized(&o, &ours),
            stderr_with_argv0_normalized(&r, &reference),
            "stderr for {args:?}"
        );
        assert!(o.stdout.is_empty(), "no output for {args:?}");
    }
    drop(dir);
}

#[test]
fn help_and_version() {
    if toolset(REFERENCE_VERSION).is_none() {
        run_versioned("help_and_version", REFERENCE_VERSION, |_| {});
        return;
    }
    let (r, o) = both(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(r.status.code(), Some(0));
    let ours_full_help = lossy(&o.stdout);
    // Our own options come in a section of their own after pg_dumpall's
    // (README "Operating"); the rest is the reference's.
    let own = "\nOptions of pgdumpall-rs (not in pg_dumpall):\n";
    let start = ours_full_help.find(own).expect("our own options' section");
    let end = ours_full_help
        .find("\nIf -f/--file")
        .expect("the closing paragraph");
    let own_section = &ours_full_help[start..end];
    for option in [
        "-j, --jobs=NUM",
        "-P, --progress",
        "--hook=PROGRAM",
        "--hook-timeout=SECONDS",
        "--report=FILENAME",
    ] {
        assert!(own_section.contains(option), "{option} in --help");
    }
    let ours_help = format!("{}{}", &ours_full_help[..start], &ours_full_help[end..]);
    let reference_help = lossy(&r.stdout);
    // Byte for byte the reference's, but for the last two lines: where to
    // report bugs, and the home page, which are ours.
    let (body, footer) = reference_help.split_at(
        reference_help
            .find("Report bugs to <pgsql-bugs@lists.postgresql.org>.\n")
            .expect("the reference's bug-report line"),
    );
    assert_eq!(
        footer,
        "Report bugs to <pgsql-bugs@lists.postgresql.org>.\n\
         PostgreSQL home page: <https://www.postgresql.org/>\n"
    );
    // And for the paragraph about -j/--jobs after the reference's last one.
    let last_paragraph = "written to the standard\noutput.\n";
    let jobs_paragraph = ours_help
        .find(last_paragraph)
        .map(|i| i + last_paragraph.len())
        .and_then(|start| {
            let rest = &ours_help[start..];
            rest.find("\nReport bugs").map(|end| &rest[..end])
        })
        .expect("the paragraph after the options");
    assert!(
        jobs_paragraph.starts_with("\nWith -j/--jobs"),
        "{jobs_paragraph}"
    );
    let expected_body = body.replacen(
        last_paragraph,
        &format!("{last_paragraph}{jobs_paragraph}"),
        1,
    );
    assert_eq!(
        ours_help,
        format!(
            "{expected_body}Report bugs to <https://github.com/pgdumpall-rs/pgdumpall-rs/issues>.\n\
             pgdumpall-rs home page: <https://github.com/pgdumpall-rs/pgdumpall-rs>\n"
        )
    );
    let (_, o) = both(&["-?"]);
    assert_eq!(lossy(&o.stdout), ours_full_help);
    // Under its own name, it names itself.
    let own = run_program(&ours_bin(), &["--help"], &[]);
    assert_eq!(
        lossy(&own.stdout),
        ours_full_help
            .replace("pg_dumpall exports", "pgdumpall-rs exports")
            .replace("  pg_dumpall [OPTION]", "  pgdumpall-rs [OPTION]")
    );
    let (r, o) = both(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(lossy(&o.stdout).starts_with(lossy(&r.stdout).trim_end()));
}

/// Runs the reference and ours (as `pg_dumpall`) on each argument list;
/// exit codes and stderr (argv[0] normalized) must be equal. None of the
/// lists may reach a connection attempt.
fn assert_same_failures(cases: &[Vec<String>]) {
    let (_dir, ours) = ours_as_pg_dumpall();
    let reference = reference_bin("pg_dumpall");
    for args in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run_program(&reference, &args, &[]);
        let o = run_program(&ours, &args, &[]);
        assert_eq!(o.status.code(), r.status.code(), "exit code for {args:?}");
        // Our own -j/--jobs is one more candidate of an ambiguous prefix.
        assert_eq!(
            stderr_with_argv0_normalized(&o, &ours).replacen(" '--jobs'", "", 1),
            stderr_with_argv0_normalized(&r, &reference),
            "stderr for {args:?}"
        );
    }
}

/// Our own option, -j/--jobs, is read as pg_dump reads its -j, with its
/// messages (checked against pg_dump 18.6's).
#[test]
fn jobs_values_are_refused_as_pg_dump_refuses_them() {
    if toolset(REFERENCE_VERSION).is_none() {
        run_versioned(
            "jobs_values_are_refused_as_pg_dump_refuses_them",
            REFERENCE_VERSION,
            |_| {},
        );
        return;
    }
    let (_dir, ours) = ours_as_pg_dumpall();
    let pg_dump = reference_bin("pg_dump");
    for value in ["0", "-1", "abc", "2x", "", "2147483648", "-"] {
        let long = format!("--jobs={value}");
        for args in [vec!["-j", value], vec![long.as_str()]] {
            let r = run_program(&pg_dump, &args, &[]);
            let o = run_program(&ours, &args, &[]);
            assert_eq!(o.status.code(), Some(1), "{args:?}");
            assert_eq!(r.status.code(), Some(1), "{args:?}");
            assert_eq!(
                lossy(&o.stderr).replacen("pg_dumpall: ", "", 1),
                lossy(&r.stderr).replacen("pg_dump: ", "", 1),
                "{args:?}"
            );
            assert!(o.stdout.is_empty());
        }
    }
}

/// Whether `arg` is one of pgdumpall-rs's own options (README
/// "Operating"), which the reference does not have.
fn is_own(arg: &clap::Arg) -> bool {
    arg.get_help_heading() == Some("Options of pgdumpall-rs (not in pg_dumpall)")
}

/// The short letters of our own options.
fn own_short_letters() -> Vec<char> {
    let cmd = pgdumpall_rs::cli::command::command();
    cmd.get_arguments()
        .filter(|a| is_own(a))
        .filter_map(clap::Arg::get_short)
        .collect()
}

/// Every long name and alias of pg_dumpall's options in the flag table.
fn long_names() -> Vec<String> {
    let cmd = pgdumpall_rs::cli::command::command();
    cmd.get_arguments()
        .filter(|a| !pgdumpall_rs::cli::command::is_meta(a) && !is_own(a))
        .filter_map(|a| {
            let long = a.get_long()?;
            let aliases = a.get_all_aliases().unwrap_or_default();
            Some(std::iter::once(long).chain(aliases).map(str::to_owned))
        })
        .flatten()
        .collect()
}

/// One prefix for each distinct way getopt_long can read a `--prefix`:
/// its set of candidate names, and whether it is a whole name.
fn distinct_long_prefixes() -> Vec<String> {
    let names = long_names();
    let mut seen = std::collections::BTreeSet::new();
    let mut prefixes = vec![String::new()];
    // -j/--jobs is ours, not pg_dumpall's (jobs_values_are_refused_as_pg_dump_refuses_them).
    for name in names.iter().filter(|n| *n != "jobs") {
        for end in 1..=name.len() {
            let prefix = &name[..end];
            let candidates: Vec<&String> = names.iter().filter(|n| n.starts_with(prefix)).collect();
            if seen.insert((candidates, end == name.len())) {
                prefixes.push(prefix.to_owned());
            }
        }
    }
    prefixes
}

#[test]
fn every_long_option_prefix_reads_as_in_the_reference() {
    if toolset(REFERENCE_VERSION).is_none() {
        run_versioned(
            "every_long_option_prefix_reads_as_in_the_reference",
            REFERENCE_VERSION,
            |_| {},
        );
        return;
    }
    // A trailing positional argument makes every list fail (too many
    // command-line arguments) once getopt accepted it.
    let mut cases = Vec::new();
    for prefix in distinct_long_prefixes() {
        let v = "/nonexistent/v".to_owned();
        cases.push(vec![format!("--{prefix}"), v.clone(), "extra".into()]);
        cases.push(vec![format!("--{prefix}={v}"), "extra".into()]);
        cases.push(vec!["extra".into(), format!("--{prefix}")]);
    }
    assert!(cases.len() > 300, "{} cases", cases.len());
    assert_same_failures(&cases);
}

#[test]
fn every_short_option_letter_reads_as_in_the_reference() {
    if toolset(REFERENCE_VERSION).is_none() {
        run_versioned(
            "every_short_option_letter_reads_as_in_the_reference",
            REFERENCE_VERSION,
            |_| {},
        );
        return;
    }
    let mut cases = Vec::new();
    // Ours are not pg_dumpall's (-j: jobs_values_are_refused_as_pg_dump_refuses_them).
    let own = own_short_letters();
    assert_eq!(own, ['j', 'P']);
    for c in (b'!'..=b'~').map(char::from).filter(|c| !own.contains(c)) {
        let v = "/nonexistent/v".to_owned();
        cases.push(vec![
            "-w".into(),
            format!("-{c}"),
            v.clone(),
            "extra".into(),
        ]);
        cases.push(vec!["-w".into(), format!("-w{c}{v}"), "extra".into()]);
        cases.push(vec!["extra".into(), format!("-{c}")]);
    }
    assert_same_failures(&cases);
}

/// `pgdumpall-rs-gen` (the documented generator).
fn generator() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_pgdumpall-rs-gen"))
}

#[test]
fn committed_man_page_is_what_the_generator_writes() {
    let out = std::process::Command::new(generator())
        .arg("man")
        .output()
        .expect("run pgdumpall-rs-gen");
    assert_eq!(out.status.code(), Some(0), "{}", lossy(&out.stderr));
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/pgdumpall-rs.1");
    let committed = std::fs::read(&committed).expect("docs/pgdumpall-rs.1");
    assert!(
        committed == out.stdout,
        "docs/pgdumpall-rs.1 is stale: run \
         cargo run --locked --bin pgdumpall-rs-gen -- man > docs/pgdumpall-rs.1"
    );
    let page = lossy(&out.stdout);
    for option in ["\\-\\-globals\\-only", "\\-\\-no\\-acl", "\\-\\-role"] {
        assert!(page.contains(option), "{option} missing from the man page");
    }
}

#[test]
fn completions_for_bash_zsh_and_fish() {
    let dir = tempfile_dir::Dir::new();
    for (shell, file) in [
        ("bash", "pg_dumpall.bash"),
        ("zsh", "_pg_dumpall"),
        ("fish", "pg_dumpall.fish"),
    ] {
        let out = std::process::Command::new(generator())
            .args(["completions", shell])
            .arg(dir.path())
            .arg("pg_dumpall")
            .output()
            .expect("run pgdumpall-rs-gen");
        assert_eq!(out.status.code(), Some(0), "{}", lossy(&out.stderr));
        let script = std::fs::read_to_string(dir.path().join(file)).expect(file);
        // (fish spells them `-l globals-only`.)
        for option in ["globals-only", "no-acl", "exclude-database", "help"] {
            assert!(script.contains(option), "{option} missing for {shell}");
        }
    }
    let syntax = std::process::Command::new("bash")
        .arg("-n")
        .arg(dir.path().join("pg_dumpall.bash"))
        .status()
        .expect("run bash -n");
    assert!(syntax.success(), "the bash completions do not parse");
    let bad = std::process::Command::new(generator())
        .args(["completions", "tcsh"])
        .arg(dir.path())
        .output()
        .expect("run pgdumpall-rs-gen");
    assert_eq!(bad.status.code(), Some(1));
}

#[test]
fn filter_file_errors_match_the_reference() {
    if toolset(REFERENCE_VERSION).is_none() {
        run_versioned(
            "filter_file_errors_match_the_reference",
            REFERENCE_VERSION,
            |_| {},
        );
        return;
    }
    let (dir, ours) = ours_as_pg_dumpall();
    let reference = reference_bin("pg_dumpall");
    for (i, content) in [
        "exclude database foo\n\ninclude database x\n",
        "exclude table foo\n",
        "exclude database\n",
        "bogus database x\n",
        "exclude\n",
        "exclude database \"unterminated\n",
    ]
    .iter()
    .enumerate()
    {
        let file = dir.path().join(format!("filter{i}"));
        std::fs::write(&file, content).unwrap();
        let arg = format!("--filter={}", file.display());
        let r = run_program(&reference, &[&arg, "-p", "1"], &[]);
        let o = run_program(&ours, &[&arg, "-p", "1"], &[]);
        assert_eq!(o.status.code(), Some(1));
        assert_eq!(r.status.code(), Some(1));
        assert_eq!(lossy(&o.stderr), lossy(&r.stderr), "filter {content:?}");
    }
}

cluster_test!(connection_failures_match_the_reference, |version| {
    let mut cluster = Cluster::start(version);
    let (dir, ours) = ours_as_pg_dumpall();
    let reference = reference_bin("pg_dumpall");
    let port = cluster.port().to_string();
    let host = cluster.host().to_owned();
    let out_file = dir.path().join("dump.sql");
    let out_arg = out_file.to_str().unwrap().to_owned();

    let check = |args: &[&str], env: &[(&str, &str)], expect: &str| {
        let r = run_program(&reference, args, env);
        let o = run_program(&ours, args, env);
        assert_eq!(
            r.status.code(),
            Some(1),
            "reference {args:?}: {}",
            lossy(&r.stderr)
        );
        assert_eq!(
            o.status.code(),
            Some(1),
            "ours {args:?}: {}",
            lossy(&o.stderr)
        );
        let r_err = lossy(&r.stderr);
        let o_err = lossy(&o.stderr);
        assert!(
            r_err.contains(expect),
            "reference said {r_err:?}, expected {expect:?}"
        );
        assert!(
            o_err.contains(expect),
            "ours said {o_err:?}, reference said {r_err:?}"
        );
        assert!(!out_file.exists(), "{args:?} left {}", out_file.display());
    };

    // A port nobody listens on, over the socket directory and over TCP.
    check(
        &["-h", &host, "-p", "1", "-g", "-f", &out_arg],
        &[],
        &format!("connection to server on socket \"{host}/.s.PGSQL.1\" failed: No such file or directory"),
    );
    check(
        &["-h", "127.0.0.1", "-p", "1", "-g", "-f", &out_arg],
        &[],
        "connection to server at \"127.0.0.1\", port 1 failed: Connection refused",
    );
    // A database given to -l that does not exist: only pg_dumpall's line.
    check(
        &[
            "-h",
            &host,
            "-p",
            &port,
            "-U",
            SUPERUSER,
            "-l",
            "no_such_db",
            "-g",
            "-f",
            &out_arg,
        ],
        &[],
        "pg_dumpall: error: could not connect to database \"no_such_db\"",
    );
    // A role that does not exist.
    check(
        &[
            "-h",
            &host,
            "-p",
            &port,
            "-U",
            "no_such_role",
            "-g",
            "-f",
            &out_arg,
        ],
        &[],
        "FATAL:  role \"no_such_role\" does not exist",
    );
    // An output file in a directory that does not exist.
    let bad = dir.path().join("missing").join("dump.sql");
    let bad_arg = bad.to_str().unwrap().to_owned();
    check(
        &[
            "-h", &host, "-p", &port, "-U", SUPERUSER, "-g", "-f", &bad_arg,
        ],
        &[],
        &format!("could not open output file \"{bad_arg}\": No such file or directory"),
    );

    // A refused password over TCP with scram authentication.
    cluster.psql(
        "postgres",
        "CREATE ROLE pw_user LOGIN PASSWORD 'right-password';",
    );
    cluster.set_hba(
        "local all all trust\nhost all pw_user 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/32 trust\n",
    );
    let tcp = [
        "-h",
        "127.0.0.1",
        "-p",
        &port,
        "-U",
        "pw_user",
        "--no-role-passwords",
        "-g",
        "-f",
        &out_arg,
    ];
    check(
        &tcp,
        &[("PGPASSWORD", "wrong-password")],
        "FATAL:  password authentication failed for user \"pw_user\"",
    );
    // -w with no password available.
    let mut no_prompt = tcp.to_vec();
    no_prompt.push("-w");
    check(&no_prompt, &[], "fe_sendauth: no password supplied");
    // The right password works, from PGPASSWORD and from a password file.
    let ok = run_program(&ours, &tcp, &[("PGPASSWORD", "right-password")]);
    assert_success(&ok, "PGPASSWORD");
    assert!(out_file.exists());
    std::fs::remove_file(&out_file).unwrap();
    let passfile = dir.path().join("pgpass");
    std::fs::write(
        &passfile,
        format!("127.0.0.1:{port}:*:pw_user:right-password\n"),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&passfile, std::fs::Permissions::from_mode(0o600)).unwrap();
    let ok = run_program(&ours, &tcp, &[("PGPASSFILE", passfile.to_str().unwrap())]);
    assert_success(&ok, "PGPASSFILE");
    std::fs::remove_file(&out_file).unwrap();
    cluster.restart();
});
