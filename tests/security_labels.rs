//! Security labels on every object kind that takes one, written by the
//! test label provider PostgreSQL ships in its source
//! (src/test/modules/dummy_seclabel, provider `dummy`), compared byte for
//! byte with the reference, and restored into clusters preloading the
//! same provider.
//!
//! scripts/regression-corpus.sh builds the provider (per major, with the
//! toolset's PGXS, from Debian's source package) into
//! `<regression cache>/<major>/seclabel/dummy_seclabel.so`. These tests are
//! `#[ignore]`d in the ordinary suite, which cannot build it; run them with
//! `bash scripts/regression-corpus.sh 15 18 &&
//!  PGDUMPALL_RS_TEST_VERSIONS="15 18" bash scripts/test.sh --test security_labels -- --ignored`
//! (`14:15 16:15 17:15` build the provider from 15's source for the other
//! majors). A selected version without its provider fails: never skipped.

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use support::*;

const OPTION_SETS: &[&[&str]] = &[
    &[],
    &["--no-security-labels"],
    &["-c", "--if-exists"],
    &["--quote-all-identifiers"],
    &["-g"],
];

/// Labels a restore of either dump does not bring back into a `major`
/// server (the reference's own behaviour; the redumps are compared too):
/// on 15 the subscription is not restored (pg_dump 18 writes
/// `streaming = parallel`, which 15 rejects).
fn lost_on_restore(major: u32) -> Vec<String> {
    if major == 15 {
        vec!["SECURITY LABEL FOR dummy ON SUBSCRIPTION \"Sub scription\" IS 'top secret';".into()]
    } else {
        Vec::new()
    }
}

/// The provider built for `major`, as the script places it:
/// `${PGDUMPALL_RS_REGRESSION_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pgdumpall-rs/regression}/<major>/seclabel/dummy_seclabel.so`.
fn provider_library(major: u32) -> PathBuf {
    let cache = regression_cache();
    let so = cache
        .join(major.to_string())
        .join("seclabel")
        .join("dummy_seclabel.so");
    assert!(
        so.is_file(),
        "no dummy_seclabel.so for {major} at {}: run `bash scripts/regression-corpus.sh {major}` \
         (`{major}:15` for a major without its own Debian source package)",
        so.display()
    );
    so
}

/// A fresh cluster of `version` preloading the provider, copied into the
/// cluster's directory (the server's OS user may not enter the cache).
fn start_with_provider(version: &str) -> Cluster {
    let library = provider_library(major_of(version));
    let mut cluster = Cluster::start(version);
    let copy = cluster.dir().join("dummy_seclabel.so");
    fs::copy(&library, &copy).unwrap_or_else(|e| panic!("cp {}: {e}", library.display()));
    fs::set_permissions(&copy, fs::Permissions::from_mode(0o755)).expect("chmod provider");
    cluster.append_conf(&format!(
        "shared_preload_libraries = '{}'",
        copy.to_str().expect("UTF-8 path")
    ));
    cluster.restart();
    cluster
}

/// Restores `dump` into a fresh provider cluster of `version`; returns the
/// restore's error lines and the reference's dump of the restored cluster.
fn restore_and_redump(version: &'static str, dump: &[u8], label: &str) -> (Vec<String>, Vec<u8>) {
    let cluster = start_with_provider(version);
    let rewritten = rewrite_tablespace_locations(dump, |n| {
        let dir = cluster.tablespace_dir(&format!("restored_{n}"));
        dir.to_str().expect("UTF-8 path").to_owned()
    });
    let file = cluster.dir().join(format!("{label}.sql"));
    fs::write(&file, &rewritten).expect("write dump to restore");
    let restore = cluster.restore_file("postgres", &file);
    let errors = error_lines(&restore.stderr, &cluster);
    let redump = run_reference(&cluster, &with_restrict_key(&[]));
    assert_success(
        &redump,
        &format!("reference dump of the cluster restored from {label}"),
    );
    (errors, mask_tablespace_locations(&redump.stdout))
}

cluster_test!(
    #[ignore = "needs dummy_seclabel.so from scripts/regression-corpus.sh"]
    security_labels,
    |version| {
        let cluster = start_with_provider(version);
        let tsdir = cluster.tablespace_dir("labelled");
        cluster.psql_file_vars(
            "postgres",
            &fixture("security_labels.sql"),
            &[("tsdir", tsdir.to_str().expect("UTF-8 path"))],
        );
        for args in OPTION_SETS {
            assert_matches_reference(&cluster, args);
        }
        // Labels really are in the dump (the test cannot pass on a dump
        // without them).
        let (ours, _) = assert_matches_reference(&cluster, &[]);
        let labels = lossy(&ours.stdout)
            .matches("SECURITY LABEL FOR dummy ON")
            .count();
        assert!(labels >= 20, "only {labels} security labels in the dump");

        let target = restore_target(version);
        let (ours_errors, ours_redump) = restore_and_redump(target, &ours.stdout, "ours");
        let reference = run_reference(&cluster, &with_restrict_key(&[]));
        let (reference_errors, reference_redump) =
            restore_and_redump(target, &reference.stdout, "reference");
        assert_eq!(ours_errors, reference_errors, "restore errors ({version})");
        assert_same_dump(
            &ours_redump,
            &reference_redump,
            &format!("{version} round trip"),
        );
        // Every label survives the restore but the ones lost_on_restore names
        // (the reference's own behaviour: the redumps above are equal).
        let label_lines = |dump: &[u8]| -> Vec<String> {
            lossy(dump)
                .lines()
                .filter(|l| l.starts_with("SECURITY LABEL FOR dummy ON"))
                .map(str::to_owned)
                .collect()
        };
        let restored = label_lines(&ours_redump);
        let lost: Vec<String> = label_lines(&ours.stdout)
            .into_iter()
            .filter(|l| !restored.contains(l))
            .collect();
        assert_eq!(
            lost,
            lost_on_restore(major_of(target)),
            "labels lost on restore ({version})"
        );
    }
);
