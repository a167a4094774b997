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

cluster_test!(types_routines_match_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    for args in OPTION_SETS {
        assert_matches_reference(&cluster, args);
    }
});

cluster_test!(types_routines_restore_like_the_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    let args = with_restrict_key(&[]);
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
