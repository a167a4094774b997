//! Differential tests of publications (tests/fixtures/publications.sql),
//! subscriptions and extension configuration data.

mod support;

use support::*;

const OPTION_SETS: &[&[&str]] = &[
    &[],
    &["-s"],
    &["-a"],
    &["-c", "--if-exists"],
    &["-O", "-x"],
    &["--no-publications", "--no-subscriptions"],
    &["--no-publications"],
    &["--quote-all-identifiers"],
    &["--no-comments"],
];

fn load(cluster: &Cluster) {
    cluster.psql_file("postgres", &fixture("publications.sql"));
}

cluster_test!(replication_extensions_match_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    for args in OPTION_SETS {
        assert_matches_reference(&cluster, args);
    }
    // The fixture's objects really are in the dump.
    let dump = lossy(&run_ours(&cluster, &with_restrict_key(&[])).stdout);
    let mut needles = vec![
        "Type: PUBLICATION;",
        "Type: PUBLICATION TABLE;",
        "CREATE PUBLICATION \"Pub \"\"All\"\"\" FOR ALL TABLES",
    ];
    if cluster.major() >= 15 {
        needles.push("Type: PUBLICATION TABLES IN SCHEMA;");
        needles.push(") WHERE (");
    }
    for needle in needles {
        assert!(dump.contains(needle), "{needle} missing from the dump");
    }
});

cluster_test!(
    replication_extensions_restore_like_the_reference,
    |version| {
        let cluster = Cluster::start(version);
        load(&cluster);
        assert_restores_like_reference(&cluster, &[]);
    }
);
