//! Differential tests of publications (tests/fixtures/publications.sql)
//! and of extensions' configuration data (tests/fixtures/extension_config.sql,
//! with the extension of tests/fixtures/extension installed into the
//! servers' toolset copies).

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
    &["--inserts"],
];

/// A cluster with the fixtures loaded.
fn loaded(version: &str) -> Cluster {
    install_test_extensions(&fixture("extension"));
    let cluster = Cluster::start(version);
    cluster.psql_file("postgres", &fixture("publications.sql"));
    cluster.psql_file("postgres", &fixture("extension_config.sql"));
    cluster
}

cluster_test!(replication_extensions_match_reference, |version| {
    let cluster = loaded(version);
    for args in OPTION_SETS {
        assert_matches_reference(&cluster, args);
    }
    // The fixtures' objects really are in the dump.
    let dump = lossy(&run_ours(&cluster, &with_restrict_key(&[])).stdout);
    let mut needles = vec![
        "Type: PUBLICATION;",
        "Type: PUBLICATION TABLE;",
        "CREATE PUBLICATION \"Pub \"\"All\"\"\" FOR ALL TABLES",
        // Configuration data: the filter keeps 100 and 101, drops 3.
        "COPY \"Cfg Ext\".settings (id, \"Value\") FROM stdin;\n100\tuser's\n101\ttab\\there\n\\.\n",
        "SELECT pg_catalog.setval('\"Cfg Ext\".cfg_seq', 42, false);",
        "-- Data for Name: a_child; Type: TABLE DATA;",
    ];
    if cluster.major() >= 15 {
        needles.push("Type: PUBLICATION TABLES IN SCHEMA;");
        needles.push(") WHERE (");
    }
    for needle in needles {
        assert!(dump.contains(needle), "{needle} missing from the dump");
    }
    // A configuration table's data loads after the data it refers to.
    let settings = dump.find("Data for Name: settings;");
    let child = dump.find("Data for Name: a_child;");
    assert!(settings < child, "a_child's data before settings'");
});

cluster_test!(
    replication_extensions_restore_like_the_reference,
    |version| {
        let cluster = loaded(version);
        assert_restores_like_reference(&cluster, &[]);
    }
);
