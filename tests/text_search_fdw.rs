//! Differential tests of text search objects (tests/fixtures/text_search.sql)
//! and foreign data: wrappers, servers, user mappings and foreign tables
//! (tests/fixtures/foreign_data.sql).

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

fn load(cluster: &Cluster) {
    cluster.psql_file("postgres", &fixture("text_search.sql"));
    cluster.psql_file("postgres", &fixture("foreign_data.sql"));
}

cluster_test!(text_search_fdw_match_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    for args in OPTION_SETS {
        assert_matches_reference(&cluster, args);
    }
    let (ours, reference) = assert_restores_like_reference(&cluster, &[]);
    assert_same_dump(&ours.stdout, &reference.stdout, version);
});
