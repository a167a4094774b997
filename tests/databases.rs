//! Differential tests of the per-database part at the database and schema
//! level: CREATE DATABASE and its properties, \connect forms for odd
//! names, template1/postgres with and without -c, encodings, schemas.

mod support;

use support::*;

const OPTION_SETS: &[&[&str]] = &[
    &[],
    &["-c"],
    &["-c", "--if-exists"],
    &["-O"],
    &["-x"],
    &["--no-comments"],
    &["--quote-all-identifiers"],
    &["--use-set-session-authorization"],
    &["--no-tablespaces", "--no-security-labels"],
    &["--exclude-database=excluded_db", "--exclude-database=*Odd*"],
    &["-l", "lat"],
];

fn load(cluster: &Cluster) {
    cluster.psql_file("postgres", &fixture("databases.sql"));
}

cluster_test!(databases_match_reference_for_every_option_set, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    for args in OPTION_SETS {
        assert_matches_reference(&cluster, args);
    }
});

cluster_test!(databases_restore_like_the_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    assert_restores_like_reference(&cluster, &["-c", "--exclude-database=excluded_db"]);
});

cluster_test!(random_restrict_keys_like_the_reference, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    // Without --restrict-key every part (globals, each database) gets its
    // own random 63-character key, as pg_dumpall's pg_dump runs do.
    let keys = |out: &[u8]| -> Vec<String> {
        let text = lossy(out);
        let mut keys: Vec<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("\\restrict "))
            .map(str::to_owned)
            .collect();
        keys.dedup();
        keys
    };
    let args = ["--exclude-database=excluded_db"];
    let ours = run_ours(&cluster, &args);
    let reference = run_reference(&cluster, &args);
    assert_success(&ours, "ours without --restrict-key");
    let ours_keys = keys(&ours.stdout);
    let reference_keys = keys(&reference.stdout);
    assert_eq!(ours_keys.len(), reference_keys.len(), "one key per part");
    for k in &ours_keys {
        assert_eq!(k.len(), 63);
        assert!(k.bytes().all(|b| b.is_ascii_alphanumeric()));
    }
    let mut distinct = ours_keys.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        ours_keys.len(),
        "keys repeat: {ours_keys:?}"
    );
});

cluster_test!(no_publications_leaves_publications_out, |version| {
    let cluster = Cluster::start(version);
    load(&cluster);
    cluster.psql("owned", "CREATE PUBLICATION app_pub FOR ALL TABLES;");
    let (ours, _) = assert_matches_reference(&cluster, &[]);
    assert!(lossy(&ours.stdout).contains("CREATE PUBLICATION app_pub FOR ALL TABLES"));
    // With --no-publications nothing of them is dumped, as with the
    // reference.
    let (ours, _) = assert_matches_reference(&cluster, &["--no-publications"]);
    assert!(!lossy(&ours.stdout).contains("app_pub"));
});
