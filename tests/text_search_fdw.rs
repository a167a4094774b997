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
    &["--use-set-session-authorization"],
    &["--statistics"],
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
    // -v: user mappings number after their server's ACL; defaults made up
    // for inherited columns after the CHECK constraints.
    // With --statistics, each relation's statistics object takes a dump id.
    for args in [&[][..], &["-a"], &["--statistics"]] {
        assert_verbose_matches_reference(&cluster, args);
    }
    let (ours, reference) = assert_restores_like_reference(&cluster, &[]);
    assert_same_dump(&ours.stdout, &reference.stdout, version);
});

// A non-superuser's dump: user mapping options pg_user_mappings hides from
// the dumping role are left out, as the reference leaves them out.
cluster_test!(foreign_data_as_non_superuser_match_reference, |version| {
    let cluster = Cluster::start(version);
    cluster.psql_file("postgres", &fixture("foreign_data_nonsuper.sql"));
    let (ours, _) = assert_matches_reference(&cluster, &["-U", "fdns_user", "--no-role-passwords"]);
    let dump = String::from_utf8_lossy(&ours.stdout);
    // Another role's options are hidden from the server owner.
    assert!(dump.contains("CREATE USER MAPPING FOR \"fdns Other\" SERVER ns_srv;\n"));
    assert!(dump.contains("CREATE USER MAPPING FOR fdns_user SERVER ns_srv OPTIONS ("));
});
