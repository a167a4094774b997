//! Differential tests of the global part of the script (roles, settings,
//! memberships, parameter privileges, tablespaces): our output must be
//! byte-identical to pg_dumpall 18.6's for every option set, on every
//! server version, and restore to the same cluster.

mod support;

use std::os::unix::fs::PermissionsExt;

use support::*;

/// Option sets compared byte for byte (each also gets --restrict-key).
const OPTION_SETS: &[&[&str]] = &[
    &["-g"],
    &["-r"],
    &["-t"],
    &["-c", "--if-exists", "-g"],
    &["-c", "-g"],
    &["-c", "-r"],
    &["-c", "--if-exists", "-t"],
    &["-x", "-g"],
    &["--no-privileges", "-r"],
    &["--quote-all-identifiers", "-g"],
    &["--no-role-passwords", "-g"],
    &["--no-comments", "--no-security-labels", "-g"],
    &["--no-tablespaces", "-g"],
    &["-O", "-s", "-g"],
    &["-a", "-g"],
    &["--no-schema", "-g"],
    &["--statistics-only", "-r"],
    &["-g", "--binary-upgrade"],
];

fn compare(cluster: &Cluster, args: &[&str], env: &[(&str, &str)]) {
    assert_agrees_with_reference_env(cluster, args, env);
}

cluster_test!(globals_match_reference_for_every_option_set, |version| {
    let cluster = Cluster::start(version);
    load_globals_fixture(&cluster);
    for args in OPTION_SETS {
        compare(&cluster, args, &[]);
    }
});

cluster_test!(no_role_passwords_works_for_a_non_superuser, |version| {
    let cluster = Cluster::start(version);
    load_globals_fixture(&cluster);
    // As on managed services: pg_authid is not readable, pg_roles is.
    cluster.psql("postgres", "CREATE ROLE plain_dumper LOGIN;");
    let args = ["-U", "plain_dumper", "--no-role-passwords", "-g"];
    compare(&cluster, &args, &[]);
    // Without --no-role-passwords both fail the same way.
    let args = with_restrict_key(&["-U", "plain_dumper", "-g"]);
    let reference = run_reference(&cluster, &args);
    let ours = run_ours(&cluster, &args);
    assert_eq!(reference.status.code(), Some(1));
    assert_eq!(ours.status.code(), Some(1));
    assert!(
        lossy(&ours.stderr).contains("permission denied for table pg_authid"),
        "{}",
        lossy(&ours.stderr)
    );
});

cluster_test!(globals_in_the_initial_database_encoding, |version| {
    let cluster = Cluster::start(version);
    load_globals_fixture(&cluster);
    // The session's encoding is the initial database's: a LATIN1 database
    // given with -l, or -E, changes every byte of non-ASCII names.
    for args in [
        &["-l", "latin1db", "-r"][..],
        &["-E", "LATIN1", "-t"][..],
        &["-E", "latin1", "-l", "latin1db", "-t"][..],
        &["-E", "SQL_ASCII", "-g"][..],
        &["-E", "no_such_encoding", "-g"][..],
    ] {
        compare(&cluster, args, &[]);
    }
    compare(&cluster, &["-t"], &[("PGCLIENTENCODING", "LATIN1")]);
});

cluster_test!(globals_restore_to_the_same_cluster, |version| {
    let cluster = Cluster::start(version);
    load_globals_fixture(&cluster);
    let args = with_restrict_key(&["-g"]);
    let reference = run_reference(&cluster, &args);
    let ours = run_ours(&cluster, &args);
    assert_success(&ours, "our pg_dumpall -g");
    let trip = restore_round_trip(version, &ours.stdout, &reference.stdout, &["-g"]);
    assert_eq!(trip.ours_errors, trip.reference_errors);
});

cluster_test!(output_file_is_complete_private_and_atomic, |version| {
    let cluster = Cluster::start(version);
    load_globals_fixture(&cluster);
    let dir = cluster.dir().join("out");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("globals.sql");
    let file_arg = file.to_str().unwrap().to_owned();
    let to_file = run_ours(&cluster, &with_restrict_key(&["-g", "-f", &file_arg]));
    assert_success(&to_file, "ours -f");
    let to_stdout = run_ours(&cluster, &with_restrict_key(&["-g"]));
    assert_eq!(std::fs::read(&file).unwrap(), to_stdout.stdout);
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "dump files hold password hashes");
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "temporary files left behind: {names:?}");

    // A failing run leaves no file of that name behind.
    let failed = dir.join("failed.sql");
    let failed_arg = failed.to_str().unwrap().to_owned();
    let out = run_ours(
        &cluster,
        &with_restrict_key(&["-g", "-U", "no_such_role", "-f", &failed_arg]),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!failed.exists());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
});
