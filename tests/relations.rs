//! Differential tests of relations (tests/fixtures/relations.sql): tables
//! with every column property, defaults, serial and identity columns,
//! sequences, CHECK / PRIMARY KEY / UNIQUE / EXCLUDE / FOREIGN KEY
//! constraints, indexes, inheritance, partitioning, typed tables,
//! comments, ACLs and table data; index shapes; extended statistics.

mod support;

use support::*;

const OPTION_SETS: &[&[&str]] = &[
    &[],
    &["-O"],
    &["-x"],
    &["--no-comments"],
    &["--quote-all-identifiers"],
    &["--use-set-session-authorization"],
    &["--no-tablespaces"],
    &["--no-table-access-method"],
    &["--load-via-partition-root"],
    &["--no-unlogged-table-data"],
    &["--no-toast-compression"],
];

fn load(cluster: &Cluster) {
    let ts = cluster.tablespace_dir("rel_ts");
    cluster.psql_file_vars(
        "postgres",
        &fixture("relations.sql"),
        &[("tsdir", ts.to_str().expect("tablespace path is UTF-8"))],
    );
}

cluster_test!(relations_match_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    for args in OPTION_SETS {
        let (ours, reference) = assert_matches_reference(&cluster, args);
        let context = format!("{version} {}", args.join(" "));
        assert_eq!(
            lossy(&ours.stderr),
            lossy(&reference.stderr),
            "stderr differs: {context}"
        );
    }
    // -v: also data-only and schema-only, whose entries differ.
    for args in [&[][..], &["-a"], &["-s", "--use-set-session-authorization"]] {
        assert_verbose_matches_reference(&cluster, args);
    }
});

cluster_test!(relations_restore_like_the_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    let (ours, reference) = assert_restores_like_reference(&cluster, &[]);
    assert_same_dump(&ours.stdout, &reference.stdout, version);
});

// Index definitions: the plain ones are read from pg_index, the others
// come from pg_get_indexdef; both must print what the reference prints.
cluster_test!(index_definitions_match_reference, |version| {
    let cluster = Cluster::start(version);
    cluster.psql_file("postgres", &fixture("indexes.sql"));
    for args in [&[][..], &["--quote-all-identifiers"], &["-s"]] {
        assert_matches_reference(&cluster, args);
    }
    assert_restores_like_reference(&cluster, &[]);
});

// Extended statistics objects (CREATE STATISTICS, post-data).
cluster_test!(extended_statistics_match_reference, |version| {
    let cluster = Cluster::start(version);
    cluster.psql_file("postgres", &fixture("extended_statistics.sql"));
    for args in [
        &[][..],
        &["--no-comments"],
        &["-O"],
        &["-s"],
        &["-a"],
        &["--quote-all-identifiers"],
    ] {
        assert_matches_reference(&cluster, args);
    }
    let (ours, _) = assert_restores_like_reference(&cluster, &[]);
    assert!(
        lossy(&ours.stdout).contains("ALTER STATISTICS xs.st_target SET STATISTICS 500;"),
        "the statistics target is dumped"
    );
});
