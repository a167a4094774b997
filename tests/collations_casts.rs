//! Differential tests of casts, conversions, transforms and collations
//! (tests/fixtures/collations_casts.sql), and of the columns, indexes,
//! domains and databases that use collations.

mod support;

use support::*;

const OPTION_SETS: &[&[&str]] = &[
    &[],
    &["-s"],
    &["-a"],
    &["-c", "--if-exists"],
    &["-O", "-x"],
    &["--quote-all-identifiers"],
];

cluster_test!(collations_casts_match_reference, |version| {
    let cluster = Cluster::start(version);
    cluster.psql_file("postgres", &fixture("collations_casts.sql"));
    for args in OPTION_SETS {
        assert_matches_reference(&cluster, args);
    }
    let (ours, reference) = assert_restores_like_reference(&cluster, &[]);
    assert_same_dump(&ours.stdout, &reference.stdout, version);
});
