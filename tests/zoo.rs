//! A cross-family zoo (tests/fixtures/zoo.sql): dependency cycles across
//! families (mutual foreign keys, views over views, a function used in a
//! default and in a check reading its own table, types used by functions
//! used by tables, a view in a loop with a function returning its rowtype,
//! a matview over a view over a function), nasty names, nasty data, and a
//! LATIN1 and a SQL_ASCII database.  Byte identity with the reference on
//! 14..18 under several option sets, and a restore round trip (14 into 18).

mod support;

use support::*;

const OPTION_SETS: &[&[&str]] = &[
    &[],
    &["-c"],
    &["-O", "-x"],
    &["--quote-all-identifiers"],
    &["--no-comments"],
    &["--inserts"],
    &["--column-inserts", "--rows-per-insert=3"],
];

fn args_with_key<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend(["--restrict-key", RESTRICT_KEY]);
    v
}

cluster_test!(zoo_matches_reference_and_restores, |version| {
    let cluster = Cluster::start(version);
    cluster.psql_file("postgres", &fixture("zoo.sql"));
    let mut plain = None;
    for args in OPTION_SETS {
        let args = args_with_key(args);
        let context = format!("zoo {version} {}", args.join(" "));
        let reference = run_reference(&cluster, &args);
        let ours = run_ours(&cluster, &args);
        assert_success(&reference, &format!("reference {context}"));
        assert_success(&ours, &format!("ours {context}"));
        assert_same_dump(&ours.stdout, &reference.stdout, &context);
        assert_eq!(
            lossy(&ours.stderr),
            lossy(&reference.stderr),
            "stderr differs: {context}"
        );
        if plain.is_none() {
            plain = Some((ours.stdout, reference.stdout));
        }
    }
    // -v (several databases, LATIN1 and SQL_ASCII ones included).
    for args in [&[][..], &["-c"], &["--inserts"]] {
        assert_verbose_matches_reference(&cluster, args);
    }
    // The LATIN1 section is written in LATIN1: the dump is not UTF-8.
    let (ours, _) = plain.unwrap();
    assert!(std::str::from_utf8(&ours).is_err());
    assert!(ours
        .windows(b"SET client_encoding = 'LATIN1';".len())
        .any(|w| w == b"SET client_encoding = 'LATIN1';"));
    // pg_dumpall writes the LATIN1 database's own name in LATIN1 in its
    // CREATE DATABASE and \connect, which a restore misreads, and psql
    // stops at the failed \connect: give that database an ASCII name for
    // the round trip so that everything after it is restored too.
    cluster.psql(
        "postgres",
        "ALTER DATABASE \"Zoo \"\"Lat1\"\" été\" RENAME TO zoo_lat1;",
    );
    let args = args_with_key(&[]);
    let reference = run_reference(&cluster, &args);
    let ours = run_ours(&cluster, &args);
    assert_success(&reference, "reference, renamed");
    assert_success(&ours, "ours, renamed");
    assert_same_dump(
        &ours.stdout,
        &reference.stdout,
        &format!("zoo {version} renamed"),
    );
    let (ours, reference) = (ours.stdout, reference.stdout);
    let target = restore_target(version);
    let trip = restore_round_trip_into(target, &ours, &reference, &[]);
    assert_eq!(trip.ours_errors, trip.reference_errors);
    // Nothing was lost on the way (the version's own -c-free restore may
    // only differ in the "Dumped from" line when restoring 14 into 18).
    if major_of(version) == major_of(target) {
        assert_same_dump(&trip.ours_redump, &reference, "restored zoo vs source");
    }
});
