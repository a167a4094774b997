//! Differential tests of publications (tests/fixtures/publications.sql),
//! subscriptions (tests/fixtures/subscriptions.sql, in database `subs`,
//! subscribing for real to a second cluster) and extensions' configuration
//! data (tests/fixtures/extension_config.sql, with the extension of
//! tests/fixtures/extension installed into the servers' toolset copies).

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
    &["--no-subscriptions"],
    &["--quote-all-identifiers"],
    &["--no-comments"],
    &["--inserts"],
    &["--use-set-session-authorization"],
];

/// A cluster with the fixtures loaded, and its publisher (kept running
/// while the subscriber is dumped).
fn loaded(version: &str) -> (Cluster, Cluster) {
    install_test_extensions(&fixture("extension"));
    let cluster = Cluster::start(version);
    cluster.psql_file("postgres", &fixture("publications.sql"));
    cluster.psql_file("postgres", &fixture("extension_config.sql"));
    let publisher = load_subscriptions_fixture(&cluster, "sub_one_slot");
    (cluster, publisher)
}

cluster_test!(replication_extensions_match_reference, |version| {
    let (cluster, _publisher) = loaded(version);
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
        "CREATE SUBSCRIPTION \"Sub \"\"One\"\"\" CONNECTION ",
        "COMMENT ON SUBSCRIPTION \"Sub \"\"One\"\"\" IS ",
    ];
    if cluster.major() >= 15 {
        needles.push("Type: PUBLICATION TABLES IN SCHEMA;");
        needles.push(") WHERE (");
    }
    for needle in needles {
        assert!(dump.contains(needle), "{needle} missing from the dump");
    }
    // The connected subscription has a table whose state pg_dump writes
    // only under --binary-upgrade: never in these dumps.
    assert_eq!(
        cluster.query(
            "subs",
            "SELECT count(*) FROM pg_catalog.pg_subscription_rel"
        ),
        "1"
    );
    assert!(!dump.contains("SUBSCRIPTION TABLE"));
    // A configuration table's data loads after the data it refers to.
    let settings = dump.find("Data for Name: settings;");
    let child = dump.find("Data for Name: a_child;");
    assert!(settings < child, "a_child's data before settings'");
    // A role that is not a superuser: subscriptions are left out with
    // pg_dump's warning, the rest is the same.
    cluster.psql(
        "postgres",
        "CREATE ROLE reader LOGIN; GRANT pg_read_all_data TO reader;",
    );
    let (ours, reference) =
        assert_matches_reference(&cluster, &["-U", "reader", "--no-role-passwords"]);
    let warning = "warning: subscriptions not dumped because current user is not a superuser";
    for (who, out) in [("ours", &ours), ("reference", &reference)] {
        let stderr = lossy(&out.stderr);
        assert!(stderr.contains(warning), "{who}: no warning in {stderr}");
    }
});

cluster_test!(
    replication_extensions_restore_like_the_reference,
    |version| {
        let (cluster, _publisher) = loaded(version);
        assert_restores_like_reference(&cluster, &[]);
    }
);
