//! Differential tests of types, functions, procedures, aggregates,
//! extensions and procedural languages (tests/fixtures/types_routines.sql).

mod support;

use support::*;

const OPTION_SETS: &[&[&str]] = &[
    &[],
    &["-O"],
    &["-x"],
    &["--no-comments"],
    &["--quote-all-identifiers"],
    &["--disable-dollar-quoting"],
    &["--use-set-session-authorization"],
];

fn load(cluster: &Cluster) {
    cluster.psql_file("postgres", &fixture("types_routines.sql"));
}

fn args_with_key<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend(["--restrict-key", RESTRICT_KEY]);
    v
}

cluster_test!(types_routines_match_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    for args in OPTION_SETS {
        let args = args_with_key(args);
        let context = format!("{version} {}", args.join(" "));
        let reference = run_reference(&cluster, &args);
        let ours = run_ours(&cluster, &args);
        assert_success(&reference, &format!("reference {context}"));
        assert_success(&ours, &format!("ours {context}"));
        assert_same_dump(&ours.stdout, &reference.stdout, &context);
    }
});

cluster_test!(types_routines_restore_like_the_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    let args = args_with_key(&[]);
    let reference = run_reference(&cluster, &args);
    let ours = run_ours(&cluster, &args);
    assert_success(&reference, "reference");
    assert_success(&ours, "ours");
    assert_same_dump(&ours.stdout, &reference.stdout, version);
    // pg_dump 18 writes LOCALE_PROVIDER, which a 14 server does not accept.
    let target = if major_of(version) == 14 {
        REFERENCE_VERSION
    } else {
        version
    };
    let trip = restore_round_trip_into(target, &ours.stdout, &reference.stdout, &[]);
    assert_eq!(trip.ours_errors, trip.reference_errors);
});
