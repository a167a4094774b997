//! Differential tests of operators, operator classes and families and
//! access methods (tests/fixtures/operators.sql).

mod support;

use support::*;

const OPTION_SETS: &[&[&str]] = &[
    &[],
    &["-s"],
    &["-a"],
    &["-c", "--if-exists"],
    &["-O", "-x"],
    &["--quote-all-identifiers"],
    &["--no-table-access-method"],
];

fn load(cluster: &Cluster) {
    cluster.psql_file("postgres", &fixture("operators.sql"));
}

cluster_test!(operators_match_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    for args in OPTION_SETS {
        assert_matches_reference(&cluster, args);
    }
});

cluster_test!(operators_restore_like_the_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    let (ours, reference) = assert_restores_like_reference(&cluster, &[]);
    assert_same_dump(&ours.stdout, &reference.stdout, version);
});
