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

/// Debian's PostgreSQL 15 server programs, built with ICU (the toolsets
/// are not): `.ci/run` installs the `postgresql-15` package.
const ICU_SERVER_BIN: &str = "/usr/lib/postgresql/15/bin";

/// The `ERROR:` lines of a restore's stderr, without psql's line numbers.
fn restore_errors(stderr: &[u8]) -> Vec<String> {
    let mut errors: Vec<String> = lossy(stderr)
        .lines()
        .filter_map(|l| l.split_once("ERROR:").map(|(_, e)| e.trim().to_string()))
        .collect();
    errors.sort();
    errors
}

/// Restores `dump` into a fresh ICU-enabled cluster; returns its
/// reference dump and the restore's errors.
fn restore_on_icu_server(dump: &[u8], label: &str) -> (Vec<u8>, Vec<String>) {
    let target = Cluster::start_with_server_bin("15", std::path::Path::new(ICU_SERVER_BIN));
    let file = target.dir().join(format!("{label}.sql"));
    std::fs::write(&file, dump).expect("write dump file");
    let restore = target.restore_file("postgres", &file);
    let redump = run_reference(&target, &with_restrict_key(&[]));
    assert_success(
        &redump,
        &format!("reference dump of the cluster restored from {label}"),
    );
    (redump.stdout, restore_errors(&restore.stderr))
}

#[test]
fn icu_collations_match_reference() {
    let name = "icu_collations_match_reference";
    run_versioned(name, "15", |_| {
        let bin = std::path::Path::new(ICU_SERVER_BIN);
        if !bin.join("postgres").is_file() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{} is missing: CI must install Debian's postgresql-15 (built with ICU)",
                bin.join("postgres").display()
            );
            record_skip(
                name,
                &format!(
                    "no PostgreSQL built with ICU here: {} is missing (apt-get install postgresql-15)",
                    bin.join("postgres").display()
                ),
            );
            return;
        }
        let cluster = Cluster::start_with_server_bin("15", bin);
        cluster.psql_file("postgres", &fixture("collations_icu.sql"));
        for args in OPTION_SETS {
            assert_matches_reference(&cluster, args);
        }
        let (ours, reference) = assert_matches_reference(&cluster, &[]);
        let (ours_redump, ours_errors) = restore_on_icu_server(&ours.stdout, "ours");
        let (ref_redump, ref_errors) = restore_on_icu_server(&reference.stdout, "reference");
        assert_eq!(ours_errors, ref_errors, "restore errors (ICU round trip)");
        assert_same_dump(&ours_redump, &ref_redump, "ICU round trip");
    });
}
