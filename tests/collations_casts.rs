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

cluster_test!(
    statements_do_not_grow_with_the_number_of_casts_and_collations,
    |version| {
        let mut cluster = Cluster::start(version);
        let make = |db: &str, n: usize| {
            cluster.psql(
                "postgres",
                &format!(
                    "CREATE DATABASE {db};\n\\connect {db}\n\
                     DO $$ BEGIN FOR i IN 1..{n} LOOP \
                       EXECUTE format('CREATE TYPE %I AS ENUM (''a'')', 'é' || i); \
                       EXECUTE format('CREATE CAST (%I AS text) WITH INOUT', 'é' || i); \
                       EXECUTE format('COMMENT ON CAST (%I AS text) IS %L', 'é' || i, 'c' || i); \
                       EXECUTE format('CREATE COLLATION %I (locale = ''C'')', 'ç' || i); \
                       EXECUTE format('CREATE CONVERSION %I FOR ''LATIN1'' TO ''UTF8'' \
                         FROM iso8859_1_to_utf8', 'v' || i); \
                       EXECUTE format('CREATE FUNCTION %I(internal) RETURNS %I LANGUAGE internal \
                         IMMUTABLE STRICT AS ''int4recv''', 'f' || i, 'é' || i); \
                       EXECUTE format('CREATE TRANSFORM FOR %I LANGUAGE sql \
                         (TO SQL WITH FUNCTION %I(internal))', 'é' || i, 'f' || i); \
                     END LOOP; END $$;"
                ),
            );
        };
        make("few", 3);
        make("many", 300);
        let log = our_logged_statements(&mut cluster, &[], &format!("bulk {version}"));
        let (few, many) = (
            statement_counts(&log, "few").0,
            statement_counts(&log, "many").0,
        );
        eprintln!("statements: {few} for 3 objects of each kind, {many} for 300");
        assert!(few > 0, "no statements logged for database few");
        assert_eq!(
            few, many,
            "statements for 3 and for 300 objects of each kind"
        );
    }
);
