//! Behaviour-preserving changes, proven: every test fixture's cluster is
//! dumped by this build and by a baseline build of pgdumpall-rs (another
//! revision) with the option sets that change the output, and the dumps
//! must be byte-identical. Run by `scripts/same-output.sh REV`, which
//! builds REV and passes its binary in PGDUMPALL_RS_BASELINE_BIN.

mod support;

use std::path::PathBuf;

use support::*;

const OPTION_SETS: &[&[&str]] = &[
    &[],
    &["-c", "--if-exists"],
    &["-s"],
    &["-a"],
    &["-O", "-x"],
    &["--inserts", "--use-set-session-authorization"],
    &["--quote-all-identifiers"],
    &["--statistics"],
    &["-g"],
];

/// The cluster a fixture is loaded into, as its own test loads it, with
/// what must keep running beside it; None (and why) for the fixtures this
/// test cannot load.
fn loaded(version: &'static str, name: &str) -> Result<(Cluster, Option<Cluster>), &'static str> {
    let cluster = match name {
        // Included by legacy_encodings.sql, once per database encoding.
        "legacy_encodings_objects.sql" => return Err("part of legacy_encodings.sql"),
        "collations_icu.sql" => {
            return Err(
                "needs a server built with ICU (collations_casts::icu_collations_match_reference)",
            )
        }
        "security_labels.sql" => {
            return Err("needs dummy_seclabel from scripts/regression-corpus.sh (security_labels)")
        }
        "legacy_encodings.sql" => Cluster::start_with_encoding(version, "SQL_ASCII"),
        _ => Cluster::start(version),
    };
    let mut publisher = None;
    match name {
        "globals.sql" => load_globals_fixture(&cluster),
        "relations.sql" => {
            let ts = cluster.tablespace_dir("rel_ts");
            cluster.psql_file_vars(
                "postgres",
                &fixture(name),
                &[("tsdir", ts.to_str().expect("UTF-8 path"))],
            );
        }
        "subscriptions.sql" => {
            publisher = Some(load_subscriptions_fixture(&cluster, "same_output_slot"));
        }
        other => {
            cluster.psql_file("postgres", &fixture(other));
        }
    }
    Ok((cluster, publisher))
}

#[test]
#[ignore = "run by scripts/same-output.sh, which builds the baseline binary"]
fn every_fixture_dumps_as_the_baseline_does() {
    let baseline = PathBuf::from(
        std::env::var_os("PGDUMPALL_RS_BASELINE_BIN")
            .expect("PGDUMPALL_RS_BASELINE_BIN names the baseline binary"),
    );
    assert!(baseline.is_file(), "{}", baseline.display());
    // extension_config.sql's extension, in every server this test starts
    // (before the first one starts).
    install_test_extensions(&fixture("extension"));
    let mut fixtures: Vec<String> = std::fs::read_dir(fixture(""))
        .expect("tests/fixtures")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    fixtures.sort();
    let mut compared = 0;
    for version in versions() {
        for name in &fixtures {
            let (cluster, _publisher) = match loaded(version, name) {
                Ok(loaded) => loaded,
                Err(why) => {
                    println!("{version} {name}: not compared: {why}");
                    continue;
                }
            };
            for args in OPTION_SETS {
                let args = with_restrict_key(args);
                let ours = run_ours(&cluster, &args);
                let base = run_with_env(&baseline, &cluster, &args, &[]);
                let context = format!("{version} {name} {}", args.join(" "));
                assert_eq!(ours.status.code(), base.status.code(), "{context}");
                assert_eq!(lossy(&ours.stderr), lossy(&base.stderr), "{context}");
                assert_same_dump(&ours.stdout, &base.stdout, &context);
                compared += 1;
            }
        }
    }
    println!("{compared} dumps identical to the baseline's");
}
