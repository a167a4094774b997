//! Differential tests of views, materialized views, rules, triggers,
//! policies and row security, event triggers, default privileges and
//! large objects (tests/fixtures/views_postdata.sql).

mod support;

use support::*;

const OPTION_SETS: &[&[&str]] = &[
    &[],
    &["-O"],
    &["-x"],
    &["--no-comments"],
    &["--quote-all-identifiers"],
    &["--use-set-session-authorization"],
    &[
        "--no-tablespaces",
        "--no-security-labels",
        "--no-table-access-method",
    ],
];

fn load(cluster: &Cluster) {
    cluster.psql_file("postgres", &fixture("views_postdata.sql"));
}

cluster_test!(views_postdata_match_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    for args in OPTION_SETS {
        assert_matches_reference(&cluster, args);
    }
    // -v: the TOC entry lines' dump ids and dependencies (matview data,
    // large objects, row security, rules, default ACLs).
    for args in [&[][..], &["-a"], &["-s"]] {
        assert_verbose_matches_reference(&cluster, args);
    }
    // The fixture's objects really are in the dump.
    let dump = lossy(&run_ours(&cluster, &with_restrict_key(&[])).stdout);
    for needle in [
        "Type: VIEW;",
        "Type: MATERIALIZED VIEW DATA;",
        "-- Name: lv _RETURN; Type: RULE;",
        "Type: TRIGGER;",
        "Type: ROW SECURITY;",
        "Type: EVENT TRIGGER;",
        "Type: DEFAULT ACL;",
        "-- Data for Name: 20001..20003; Type: BLOBS;",
    ] {
        assert!(dump.contains(needle), "{needle} missing from the dump");
    }
});

cluster_test!(views_postdata_restore_like_the_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    assert_restores_like_reference(&cluster, &[]);
});
