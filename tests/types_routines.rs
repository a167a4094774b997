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

/// Run with `-v` added (see `assert_verbose_matches_reference`).
const VERBOSE_OPTION_SETS: &[&[&str]] = &[&[], &["-O", "-x"]];

fn load(cluster: &Cluster) {
    cluster.psql_file("postgres", &fixture("types_routines.sql"));
}

cluster_test!(types_routines_match_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    for args in OPTION_SETS {
        assert_matches_reference(&cluster, args);
    }
    for args in VERBOSE_OPTION_SETS {
        assert_verbose_matches_reference(&cluster, args);
    }
});

cluster_test!(types_routines_restore_like_the_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    let (ours, reference) = assert_restores_like_reference(&cluster, &[]);
    assert_same_dump(&ours.stdout, &reference.stdout, version);
});
